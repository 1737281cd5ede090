"""Colours, markers and the chart style every briefing uses.

The palette is Okabe-Ito (safe for the common forms of colour blindness). Colour is
never the only cue: every role also has its own marker and line style, so a chart
printed in greyscale still tells the borough from England, London and the neighbours.

Nothing is applied at import. Charts in :mod:`safeguarding.render.charts` apply the
style themselves through :func:`chart_style`; a notebook author drawing an extra
matplotlib or seaborn chart can use the same context manager, or
:func:`apply_chart_style` to change the session's defaults explicitly.

References
----------
Okabe, M. and Ito, K. (2008) Color Universal Design (CUD): how to make figures and
presentations that are friendly to colorblind people. https://jfly.uni-koeln.de/color/
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

#: The eight Okabe-Ito colours, by their published names.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: Grey for "everything else" (other local authorities, guide lines, notes).
NEUTRAL_GREY = "#9A9A9A"
#: Darker grey for secondary text on a chart.
TEXT_GREY = "#505050"


@dataclass(frozen=True)
class RoleStyle:
    """How one kind of series is drawn: colour, marker, line style and weight.

    ``filled`` False draws an open marker (white face). ``zorder`` keeps the borough on top.
    """

    color: str
    marker: str
    linestyle: str | tuple
    linewidth: float
    markersize: float
    zorder: int
    label: str
    filled: bool = True


#: Named roles. The borough is vermillion with a large diamond and a solid thick line;
#: England is black, dashed, with squares; London blue, dash-dot, with triangles; the
#: statistical-neighbour median sky blue with circles; each neighbour a small sky-blue
#: triangle; everything else neutral grey.
ROLE_STYLES: dict[str, RoleStyle] = {
    "borough": RoleStyle(OKABE_ITO["vermillion"], "D", "-", 2.6, 8.0, 6, "Borough"),
    "borough_published": RoleStyle(OKABE_ITO["vermillion"], "D", "--", 1.6, 7.0, 5,
                                   "Borough (published)", filled=False),
    "england": RoleStyle(OKABE_ITO["black"], "s", "--", 1.8, 6.0, 5, "England"),
    "london": RoleStyle(OKABE_ITO["blue"], "^", "-.", 1.8, 6.5, 4, "London"),
    "inner_london": RoleStyle(OKABE_ITO["bluish_green"], "v", ":", 1.8, 6.5, 4, "Inner London"),
    "outer_london": RoleStyle(OKABE_ITO["bluish_green"], "P", ":", 1.8, 6.5, 4, "Outer London"),
    "sn_median": RoleStyle(OKABE_ITO["sky_blue"], "o", (0, (5, 1, 1, 1, 1, 1)), 1.8, 6.5, 3,
                           "Statistical neighbours (median)"),
    "neighbours": RoleStyle(OKABE_ITO["sky_blue"], "^", "-", 1.0, 5.5, 2, "Statistical neighbour"),
    "other": RoleStyle(NEUTRAL_GREY, "o", "-", 1.0, 4.0, 1, "Other local authorities"),
}

#: Other names accepted for a role.
ROLE_ALIASES: dict[str, str] = {
    "neighbour": "neighbours",
    "statistical_neighbour": "neighbours",
    "neighbours_median": "sn_median",
    "neighbour_median": "sn_median",
    "statistical_neighbours_median": "sn_median",
    "region": "london",
    "others": "other",
    "neutral": "other",
}

#: Colours by role, for callers that only need a colour.
ROLE_COLORS: dict[str, str] = {role: style.color for role, style in ROLE_STYLES.items()}

#: Readable at 100% zoom on a laptop and on A4 paper at the sizes charts are drawn.
CHART_RC: dict[str, object] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],  # ships with matplotlib: no font warnings on stderr
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 11,
    "axes.labelcolor": "#1b1b1b",
    "axes.edgecolor": "#4a4a4a",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "axes.facecolor": "white",
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.7,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "legend.fontsize": 10,
    "legend.frameon": False,
    "figure.facecolor": "white",
    "figure.dpi": 130,
    "savefig.dpi": 130,
    "savefig.facecolor": "white",
    "lines.solid_capstyle": "round",
    "errorbar.capsize": 3,
    "svg.fonttype": "none",
}

#: Figure width in inches that fits an A4 page with 15 mm margins (180 mm).
A4_WIDTH_IN = 6.8


def chart_rc() -> dict[str, object]:
    """The matplotlib rc settings of the house chart style (a fresh dict each call).

    :data:`CHART_RC` plus a colour cycle in Okabe-Ito order (blue first, so that an
    unstyled series is never mistaken for the vermillion borough highlight).
    """
    from cycler import cycler

    rc = dict(CHART_RC)
    rc["axes.prop_cycle"] = cycler(
        color=[OKABE_ITO[name] for name in
               ("blue", "vermillion", "bluish_green", "orange", "reddish_purple", "sky_blue",
                "black", "yellow")],
    )
    return rc


@contextlib.contextmanager
def chart_style() -> Iterator[None]:
    """Apply the house chart style inside a ``with`` block, and restore it afterwards.

    Examples
    --------
    >>> import seaborn as sns                                     # doctest: +SKIP
    >>> with chart_style():                                      # doctest: +SKIP
    ...     ax = sns.histplot(durations)
    """
    import matplotlib

    with matplotlib.rc_context(chart_rc()):
        yield


def apply_chart_style() -> None:
    """Make the house chart style the session default (changes global matplotlib state).

    Prefer :func:`chart_style`; this exists for an exploration notebook that wants every
    chart in the house style.
    """
    import matplotlib

    matplotlib.rcParams.update(chart_rc())


def resolve_role(role: str) -> str:
    """The canonical role name (aliases such as 'neighbours_median' accepted).

    Raise ``ValueError`` for an unknown role.
    """
    key = str(role).strip().lower()
    key = ROLE_ALIASES.get(key, key)
    if key not in ROLE_STYLES:
        known = ", ".join(sorted(ROLE_STYLES))
        raise ValueError(f"Unknown chart role {role!r}; expected one of: {known}")
    return key


def role_style(role: str) -> RoleStyle:
    """The :class:`RoleStyle` for a role name or alias; raise ``ValueError`` for an unknown role."""
    return ROLE_STYLES[resolve_role(role)]


def infer_role(name: str, *, is_first: bool = False) -> str:
    """Guess a series' role from its display name ("England", "Inner London", ...).

    The first series of a chart is taken to be the borough unless its name says otherwise.
    """
    key = str(name).strip().lower()
    if key == "england":
        return "england"
    if key in {"london", "london region"}:
        return "london"
    if key == "inner london":
        return "inner_london"
    if key == "outer london":
        return "outer_london"
    if "neighbour" in key and ("median" in key or "average" in key or key.endswith("neighbours")):
        return "sn_median"
    return "borough" if is_first else "other"


def _luminance(color: str) -> float:
    from matplotlib.colors import to_rgb
    channels = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(color)]
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def contrast_on_white(color: str) -> float:
    """WCAG contrast ratio of ``color`` against white (1 to 21)."""
    return 1.05 / (_luminance(color) + 0.05)


def readable_text(color: str, ratio: float = 4.5) -> str:
    """``color`` darkened just enough for text on white to reach ``ratio`` (WCAG AA: 4.5:1),
    keeping its hue, so a line's label stays recognisably the line's colour."""
    from matplotlib.colors import to_hex, to_rgb
    rgb = to_rgb(color)
    for step in range(0, 101):
        shade = to_hex([c * (1 - step / 100) for c in rgb])
        if contrast_on_white(shade) >= ratio:
            return shade
    return "#000000"

