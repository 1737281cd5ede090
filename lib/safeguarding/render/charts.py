"""Charts for briefings: each returns a :class:`Chart` carrying the SVG (words as text) and its alt text.

A :class:`Chart` displays in a notebook (and so in the exported briefing) as::

    <figure class="chart">
      <figcaption>title that states the finding</figcaption>
      <img src="data:image/svg+xml;base64,..." alt="what the chart shows, in words">
      <p class="chart-note">notes</p>
    </figure>

so the briefing stays one self-contained file and screen readers get the alt text.
Figures are built with :class:`matplotlib.figure.Figure` directly, never through
``pyplot``, so the inline backend has nothing else to display and no figure is left open.

Every chart:

- requires ``title`` (state the finding, e.g. "Hounslow's rate is below England's") and
  ``alt`` (raise ``ValueError`` when either is empty);
- is drawn in the house style (:func:`safeguarding.render.palette.chart_style`), 6.8 in
  wide (fits A4 with margins) at 130 dpi;
- uses markers and line styles as well as colour, so it reads in greyscale print;
- never computes a statistic: values, intervals and control limits are passed in.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import math
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
from matplotlib.transforms import offset_copy

from safeguarding.config import CONFIDENCE_LEVEL, DEFAULT_SUPPRESSION_THRESHOLD
from safeguarding.render.formats import (
    UNITS,
    clean_symbol,
    format_number_for_unit,
    is_missing,
    is_missing_text,
    resolve_unit,
    smallest_shown_count,
    unit_label,
)
from safeguarding.render.palette import (
    A4_WIDTH_IN,
    NEUTRAL_GREY,
    OKABE_ITO,
    ROLE_STYLES,
    TEXT_GREY,
    chart_style,
    infer_role,
    readable_text,
    resolve_role,
)

#: Resolution a chart is drawn at (SVG is resolution-free; this sets matplotlib's pixel snapping).
CHART_DPI = 130
#: CSS pixels per inch, used for the <img> width/height attributes.
_CSS_DPI = 96

#: Words shown on a chart in place of a hidden or missing point.
SYMBOL_CHART_TEXT = {
    "c": "c (hidden)",
    "x": "x (not available)",
    "z": "z (not applicable)",
    "low": "low (rounds to zero)",
}

#: Tick positions and labels of the relative rate index axis.
RRI_TICKS: dict[float, str] = {
    1 / 8: "an eighth\nas likely",
    1 / 4: "a quarter\nas likely",
    1 / 2: "half as\nlikely",
    1.0: "same",
    2.0: "twice as\nlikely",
    4.0: "4 times\nas likely",
    8.0: "8 times\nas likely",
}


@dataclass(frozen=True, eq=False)
class Chart:
    """A finished chart: the matplotlib figure, its SVG, and the words that go with it.

    Attributes
    ----------
    figure
        The :class:`matplotlib.figure.Figure` (not registered with pyplot).
    image
        The figure as SVG (words as text: they scale with zoom and print sharp).
    alt
        Alternative text: what the chart shows, for screen readers and when images are off.
    title
        The finding, shown as the figure caption.
    notes
        Notes shown under the chart (intervals, symbols, source).
    """

    figure: Figure
    image: bytes
    alt: str
    title: str
    notes: tuple[str, ...] = field(default_factory=tuple)
    dpi: int = CHART_DPI
    #: Extra class on the ``<figure>`` ('funnel': printed smaller).
    kind: str = ""

    @property
    def width_px(self) -> int:
        """Display width in CSS pixels."""
        return round(self.figure.get_figwidth() * _CSS_DPI)

    @property
    def height_px(self) -> int:
        """Display height in CSS pixels."""
        return round(self.figure.get_figheight() * _CSS_DPI)

    def image_base64(self) -> str:
        """The SVG as base64 text, for a ``data:`` URL."""
        return base64.b64encode(self.image).decode("ascii")

    def to_html(self) -> str:
        """The ``<figure>`` markup (self-contained: the image is a data URL)."""
        notes = "".join(f'<p class="chart-note">{html.escape(n)}</p>' for n in self.notes)
        return (
            f'<figure class="{" ".join(["chart", self.kind]).strip()}">'
            f'<figcaption>{html.escape(self.title)}</figcaption>'
            # on a narrow screen (or at 400% zoom) the chart keeps a readable size and scrolls
            # sideways in a named, keyboard-focusable group (charts are exempt from reflow; the
            # table beside each chart reflows). A group, not a region: two charts may share a
            # title, and landmarks must have unique names
            f'<div class="chart-wrap" role="group" tabindex="0" aria-label="Chart: {html.escape(self.title, quote=True)}">'
            f'<img src="data:image/svg+xml;base64,{self.image_base64()}" '
            f'alt="{html.escape(self.alt, quote=True)}" '
            f'width="{self.width_px}" height="{self.height_px}" '
            'style="max-width:100%;height:auto"></div>'
            f"{notes}"
            "</figure>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def __html__(self) -> str:
        return self.to_html()

    def save(self, path: str | Path) -> Path:
        """Write the SVG to ``path`` (for a slide or a check by eye) and return the path."""
        target = Path(path)
        target.write_bytes(self.image)
        return target


# --------------------------------------------------------------------------- helpers


def _require_text(value: object, what: str) -> str:
    if value is None or not str(value).strip():
        raise ValueError(
            f"A chart needs {what}: "
            + ("describe in words what the chart shows, for readers who cannot see it"
               if what == "alt text" else "state the finding the chart shows")
        )
    return str(value).strip()


#: Alt text longer than this is cut at the last whole item before it: a screen reader reads
#: alt text in one breath, and every figure is in the table beside the chart.
ALT_MAX = 350
ALT_MORE = "; and more: every figure is in the table with this chart."


def concise_alt(alt: str, limit: int = ALT_MAX) -> str:
    """``alt`` if short; otherwise cut after its last whole item ('; ' or ', ' separated)
    that fits, saying the rest is in the chart's table."""
    if len(alt) <= limit:
        return alt
    room = alt[: limit - len(ALT_MORE)]
    for separator in ("; ", ", "):
        at = room.rfind(separator)
        if at > len(room) // 2:
            return room[:at].rstrip(" :;,") + ALT_MORE
    return room[: room.rfind(" ")].rstrip(" :;,") + ALT_MORE


#: Pieces of text measured (see :func:`measure_text_once`); cleared when it reaches this size.
TEXT_METRICS_MAX = 50_000


def measure_text_once() -> None:
    """Let matplotlib measure each piece of plain text once per process, not once per chart.

    matplotlib keeps the width, height and descent of text it has measured, but per renderer,
    and every chart it saves gets new renderers; so '0%', 'England' and every neighbour's
    name were measured again in each of a briefing's charts (about a tenth of a briefing's
    time). This keeps them for the process, keyed by everything the measure depends on: the
    kind of renderer, the text, the font properties, the resolution and the hinting settings.
    Mathematical and TeX text are measured as before. Does nothing if matplotlib's function
    is not there (a matplotlib that measures differently just measures as it always did)."""
    import matplotlib
    import matplotlib.text as mtext
    real = getattr(mtext, "_get_text_metrics_with_cache", None)
    if real is None or getattr(real, "shared_by_safeguarding", False):
        return
    cache: dict = {}

    def measured(renderer, text, fontprop, ismath, dpi):
        if ismath:
            return real(renderer, text, fontprop, ismath, dpi)
        key = (type(renderer), text, fontprop.copy(), dpi, matplotlib.rcParams["text.hinting"],
               matplotlib.rcParams["text.hinting_factor"])
        found = cache.get(key)
        if found is None:
            if len(cache) >= TEXT_METRICS_MAX:
                cache.clear()
            found = cache[key] = real(renderer, text, fontprop, ismath, dpi)
        return found

    measured.shared_by_safeguarding = True
    measured.unshared = real
    mtext._get_text_metrics_with_cache = measured


#: The line heights of the SVG canvas's fonts, in points (see :func:`font_heights_read_once`).
_FONT_HEIGHTS: dict = {}


def _svg_font_heights(renderer, prop):
    """Ascent, descent and line gap of ``prop``'s font at 72 dpi, as matplotlib's
    ``Text._get_layout`` works them out from the font's tables; read once per font and size."""
    key = prop.copy()  # font properties hash on every property that picks and sizes the font
    found = _FONT_HEIGHTS.get(key)
    if found is None:
        from matplotlib.font_manager import fontManager, get_font
        found = (None, None, None)  # no table: matplotlib measures the text itself, as before
        font = get_font(fontManager._find_fonts_by_props(prop))
        for table_name, gap, ascender, descender in (("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                                                     ("hhea", "lineGap", "ascent", "descent")):
            table = font.get_sfnt_table(table_name)
            if table is None:
                continue
            dpi = 72  # matplotlib's own sum, at the SVG canvas's resolution: the same bits
            scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * prop.get_size_in_points() * dpi / 72
            found = (table[ascender] * scale, -table[descender] * scale, table[gap] * scale)
            break
        _FONT_HEIGHTS[key] = found
    return found


@contextlib.contextmanager
def font_heights_read_once():
    """While a chart is drawn on the SVG canvas, let matplotlib take each font's line heights
    from a store kept for the process.

    Before laying out a piece of text, matplotlib reads the ascender, descender and line gap
    of its font from the font file's tables, and it lays out each piece of text several times
    per chart (about 150 layouts a chart; constrained layout measures every label twice before
    the chart is drawn): about a tenth of a briefing's time. matplotlib asks the renderer
    first (``_get_font_height_metrics``, which its PDF and PostScript renderers have); the SVG
    renderer is given that method for the drawing only, when the SVG canvas has set the figure
    to the 72 dots per inch the store is for. Nothing is changed if the renderer already has
    such a method (a matplotlib that provides one is left alone), nor outside the drawing."""
    from matplotlib.backends.backend_svg import RendererSVG
    if hasattr(RendererSVG, "_get_font_height_metrics"):
        yield
        return
    RendererSVG._get_font_height_metrics = _svg_font_heights
    try:
        yield
    finally:
        del RendererSVG._get_font_height_metrics


#: SVG settings of every chart: words as text, ids that do not change from run to run.
SVG_SETTINGS = {"svg.fonttype": "none", "svg.hashsalt": "safeguarding-workbooks"}
#: No date or creator in the SVG (the same chart gives the same bytes).
SVG_METADATA = {"Date": None, "Creator": None}


def svg_of(fig: Figure) -> bytes:
    """The figure as SVG with its words as text (they scale with zoom, print sharp and can be
    selected), no date or random ids (the same chart gives the same bytes).

    The figure is drawn once, by the SVG canvas, whose draw lays it out first (constrained
    layout). ``savefig`` gives the same bytes but draws the whole figure one more time before,
    with drawing switched off, only to lay it out: a fifth to a quarter of a chart's time."""
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    measure_text_once()
    buffer = io.BytesIO()
    with matplotlib.rc_context(SVG_SETTINGS), font_heights_read_once():
        FigureCanvasSVG(fig).print_svg(buffer, metadata=SVG_METADATA)
    return tidy_svg(buffer.getvalue())


def tidy_svg(svg: bytes) -> bytes:
    """matplotlib's SVG without its metadata block, with coordinates to two decimals of a point
    (1/7200 in, finer than any screen or printer shows) and without indentation (for people,
    not browsers): together they halve the size."""
    text = svg.decode("utf-8")
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    text = re.sub(r"(\d\.\d\d)\d+", r"\1", text)
    return re.sub(r"\s*\n\s*", "\n", text).encode("utf-8")


def _finish(fig: Figure, *, title: str, alt: str, notes: Sequence[str | None]) -> Chart:
    return Chart(
        figure=fig,
        image=svg_of(fig),
        alt=concise_alt(alt),
        title=title,
        notes=tuple(n for n in notes if n),
        dpi=CHART_DPI,
    )


def _new_figure(height: float, width: float = A4_WIDTH_IN) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _as_floats(values: Sequence[object] | None, n: int, what: str) -> np.ndarray:
    if values is None:
        return np.full(n, np.nan)
    array = np.array([np.nan if is_missing(v) else float(v) for v in values], dtype=float)
    if len(array) != n:
        raise ValueError(f"{what} has {len(array)} items; expected {n}")
    return array


def _as_symbols(symbols: Sequence[object] | None, n: int) -> list[str | None]:
    if symbols is None:
        return [None] * n
    out = [clean_symbol(s) for s in symbols]
    if len(out) != n:
        raise ValueError(f"symbols has {len(out)} items; expected {n}")
    return out


def _value_formatter(unit: str) -> FuncFormatter:
    spec = UNITS[resolve_unit(unit)]

    def tick(value: float, _pos: int) -> str:
        scaled = value * spec.scale
        # Enough places that every tick reads as its true position (12.5%, not 12%).
        places = 0 if float(round(scaled, 6)).is_integer() else (1 if float(round(scaled * 10, 6)).is_integer() else 2)
        if places and abs(scaled) < 1 and not float(round(scaled * 10, 6)).is_integer():
            # small values (0.02, 0.04 ... per 100) need more places, or every tick reads 0.0
            places = min(4, 1 - math.floor(math.log10(abs(scaled))))
        text = f"{scaled:,.{places}f}"
        if places > 1:
            text = text.rstrip("0").rstrip(".")
        return f"{text}%" if spec.suffix == "%" else text

    return FuncFormatter(tick)


def _hidden_note(symbols: Sequence[str | None], threshold: int, counts: str) -> str | None:
    used = {s for s in symbols if s}
    if not used:
        return None
    parts = []
    if "c" in used:
        parts.append(f"c = hidden to protect privacy (fewer than {smallest_shown_count(threshold)} "
                     f"{counts}, or could reveal a number that small)")
    if "x" in used:
        parts.append("x = not available")
    if "z" in used:
        parts.append("z = not applicable")
    if "low" in used:
        parts.append("low = rounds to zero, but is not zero")
    return "; ".join(parts) + "."


def _interval_note(confidence_level: float = CONFIDENCE_LEVEL,
                   marks: str = "Lines through each point show") -> str:
    return (f"{marks} the {confidence_level:.0%} confidence interval: "
            "the range the true figure is likely to lie in.")


def _wrap(label: str, width: int = 40) -> str:
    """Wrap a long axis label onto lines of at most ``width`` characters."""
    return "\n".join(textwrap.wrap(str(label), width)) or str(label)


def _value_text(value: float, unit: str, decimals: int | None) -> str:
    return format_number_for_unit(value, unit, None, decimals, with_unit=False)


# --------------------------------------------------------------------------- bar chart


def bar_chart_with_intervals(
    groups: Sequence[str],
    values: Sequence[float | None],
    lower: Sequence[float | None] | None = None,
    upper: Sequence[float | None] | None = None,
    *,
    title: str,
    alt: str,
    unit: str = "percent",
    symbols: Sequence[object] | None = None,
    reference: float | None = None,
    reference_label: str = "England",
    value_label: str | None = None,
    decimals: int | None = None,
    highlight: Sequence[str] = (),
    note: str | None = None,
    threshold: int = DEFAULT_SUPPRESSION_THRESHOLD,
    counts: str = "children",
    confidence_level: float = CONFIDENCE_LEVEL,
) -> Chart:
    """Horizontal bars, one per group, with confidence intervals and an optional reference line.

    Parameters
    ----------
    groups, values
        Group labels (top to bottom) and their values.
    lower, upper
        Interval bounds (NaN where there is none).
    title, alt
        The finding, and the chart described in words. Both required.
    unit, decimals
        How values are shown on the axis and in the labels.
    symbols
        Official symbol per group: a hidden group gets no bar, only its symbol.
    reference, reference_label
        A vertical dashed line, e.g. England's value.
    highlight
        Groups drawn in the borough colour with hatching (e.g. 'All children').
    note
        Added under the chart with the interval and symbol notes.
    """
    title = _require_text(title, "a title")
    alt = _require_text(alt, "alt text")
    n = len(groups)
    if n == 0:
        raise ValueError("A bar chart needs at least one group")
    vals = _as_floats(values, n, "values")
    lows = _as_floats(lower, n, "lower")
    highs = _as_floats(upper, n, "upper")
    syms = _as_symbols(symbols, n)
    hidden = [s is not None or math.isnan(v) for s, v in zip(syms, vals)]

    with chart_style():
        fig = _new_figure(height=max(2.2, 0.45 * n + 1.2))
        ax = fig.add_subplot()
        y = np.arange(n)
        finite_high = [v for v in np.concatenate([vals, highs]) if not math.isnan(v)]
        if reference is not None and not is_missing(reference):
            finite_high.append(float(reference))
        top = max(finite_high) if finite_high else 1.0
        top = top if top > 0 else 1.0
        # the bars (plain and highlighted) and the intervals each drawn as one set, not one per group
        marked = set(highlight)
        for is_highlight in (False, True):
            rows = [i for i in range(n) if not hidden[i] and (groups[i] in marked) == is_highlight]
            if rows:
                ax.barh(y[rows], vals[rows], height=0.62,
                        color=OKABE_ITO["vermillion"] if is_highlight else OKABE_ITO["sky_blue"],
                        edgecolor="#1b1b1b", linewidth=0.6, hatch="///" if is_highlight else None, zorder=2)
        with_interval = [i for i in range(n) if not hidden[i] and not (math.isnan(lows[i]) or math.isnan(highs[i]))]
        if with_interval:
            ax.errorbar(vals[with_interval], y[with_interval],
                        xerr=[vals[with_interval] - lows[with_interval], highs[with_interval] - vals[with_interval]],
                        fmt="none", ecolor="#1b1b1b", elinewidth=1.4, capsize=4, zorder=3)
        for i in range(n):
            if hidden[i]:
                label = SYMBOL_CHART_TEXT.get(syms[i] or "x", syms[i] or "x")
                ax.text(top * 0.01, y[i], label, va="center", ha="left", fontsize=10,
                        color=TEXT_GREY, style="italic")
                continue
            right = highs[i] if not math.isnan(highs[i]) else vals[i]
            ax.text(right + top * 0.015, y[i], _value_text(vals[i], unit, decimals),
                    va="center", ha="left", fontsize=10, color="#1b1b1b", zorder=4)
        if reference is not None and not is_missing(reference):
            ax.axvline(float(reference), color=OKABE_ITO["black"], linestyle="--", linewidth=1.5,
                       zorder=5)
            ax.text(float(reference), 1.0, f" {reference_label} {_value_text(float(reference), unit, decimals)}",
                    transform=ax.get_xaxis_transform(), ha="left", va="bottom", fontsize=10,
                    color=OKABE_ITO["black"])
        ax.set_yticks(y, [str(g) for g in groups])
        ax.set_ylim(n - 0.4, -0.6)
        ax.set_xlim(0, top * 1.18)
        ax.xaxis.set_major_formatter(_value_formatter(unit))
        ax.set_xlabel(_wrap(value_label or unit_label(unit), 70))
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        ax.grid(axis="x", zorder=0)
        ax.set_axisbelow(True)
        has_interval = not (np.all(np.isnan(lows)) or np.all(np.isnan(highs)))
        notes = [
            _interval_note(confidence_level, "The black line across the end of each bar shows")
            if has_interval else None,
            _hidden_note(syms, threshold, counts),
            note,
        ]
        return _finish(fig, title=title, alt=alt, notes=notes)


# --------------------------------------------------------------------------- trend chart


def _spread_labels(positions: list[float], min_gap: float) -> list[float]:
    """Push label positions (0-1, axes fraction) apart so they do not overlap."""
    if not positions:
        return []
    order = sorted(range(len(positions)), key=lambda i: positions[i])
    placed = [positions[i] for i in order]
    for _ in range(50):
        moved = False
        for j in range(1, len(placed)):
            if placed[j] - placed[j - 1] < min_gap:
                shift = (min_gap - (placed[j] - placed[j - 1])) / 2
                placed[j - 1] -= shift
                placed[j] += shift
                moved = True
        if not moved:
            break
    out = [0.0] * len(positions)
    for rank, i in enumerate(order):
        out[i] = placed[rank]
    return out


def trend_chart(
    periods: Sequence[object],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    alt: str,
    unit: str,
    symbols: Mapping[str, Sequence[object]] | None = None,
    intervals: Mapping[str, tuple[Sequence[float | None], Sequence[float | None]]] | None = None,
    roles: Mapping[str, str] | None = None,
    value_label: str | None = None,
    decimals: int | None = None,
    start_at_zero: bool = True,
    note: str | None = None,
    threshold: int = DEFAULT_SUPPRESSION_THRESHOLD,
    counts: str = "children",
    confidence_level: float = CONFIDENCE_LEVEL,
) -> Chart:
    """Lines over time: the borough against its comparators, labelled at the line ends.

    Parameters
    ----------
    periods
        Period labels in time order ('2020-21', ..., or months).
    series
        Name -> values, one per period. The first series is the borough unless ``roles``
        says otherwise; 'England', 'London', 'Inner London', 'Outer London' and
        'statistical neighbours (median)' are recognised by name.
    symbols
        Name -> official symbol per period. Hidden or missing points are gaps in the line,
        marked with their symbol just above the axis.
    intervals
        Name -> (lower, upper) drawn as a light band (usually only the borough).
    roles
        Name -> role in :data:`safeguarding.render.palette.ROLE_STYLES`.
    """
    title = _require_text(title, "a title")
    alt = _require_text(alt, "alt text")
    n = len(periods)
    if n == 0 or not series:
        raise ValueError("A trend chart needs at least one period and one series")
    names = list(series)
    role_of = {
        name: resolve_role((roles or {}).get(name) or infer_role(name, is_first=(i == 0)))
        for i, name in enumerate(names)
    }
    data = {name: _as_floats(series[name], n, f"series {name!r}") for name in names}
    syms = {name: _as_symbols((symbols or {}).get(name), n) for name in names}
    for name in names:
        # a symbol always hides the point, whatever number came with it
        data[name] = np.where([s not in {None} for s in syms[name]], np.nan, data[name])

    with chart_style():
        fig = _new_figure(height=3.6)
        ax = fig.add_subplot()
        x = np.arange(n)
        gap_marks: dict[int, list[tuple[str, str]]] = {}
        for name in sorted(names, key=lambda nm: ROLE_STYLES[role_of[nm]].zorder):
            style = ROLE_STYLES[role_of[name]]
            values = data[name]
            if intervals and name in intervals:
                low = _as_floats(intervals[name][0], n, f"lower of {name!r}")
                high = _as_floats(intervals[name][1], n, f"upper of {name!r}")
                keep = ~np.isnan(values)
                ax.fill_between(x, np.where(keep, low, np.nan), np.where(keep, high, np.nan),
                                color=style.color, alpha=0.18, linewidth=0, zorder=style.zorder - 1)
            ax.plot(x, values, color=style.color, linestyle=style.linestyle,
                    linewidth=style.linewidth, marker=style.marker, markersize=style.markersize,
                    markerfacecolor=style.color if style.filled else "white",
                    markeredgecolor="white" if role_of[name] == "borough" else style.color,
                    markeredgewidth=0.8, zorder=style.zorder, label=name)
            for i in range(n):
                if math.isnan(values[i]):
                    gap_marks.setdefault(i, []).append((syms[name][i] or "x", style.color))
        ax.set_xticks(x, [str(p) for p in periods])
        if n > 8:
            step = math.ceil(n / 8)
            for i, label in enumerate(ax.get_xticklabels()):
                # counted back from the last period, so the last is labelled and no two
                # labels crowd ("Feb 2025Mar 2025")
                label.set_visible((n - 1 - i) % step == 0)
        # the direct labels at the right take part of the width: where the period labels would
        # then run into each other ("2020-212021-22"), they are set at an angle
        shown_ticks = sum(1 for lab in ax.get_xticklabels() if lab.get_visible())
        tick_chars = max((len(str(p)) for p in periods), default=0)
        name_chars = max((len(str(nm)) for nm in names), default=0) if len(names) <= 7 else 14
        room_pt = fig.get_figwidth() * 72 - 60 - name_chars * 5.6   # axis label and direct labels out
        if shown_ticks * (tick_chars * 5.6 + 8) > room_pt:
            ax.tick_params(axis="x", labelrotation=35)
            for label in ax.get_xticklabels():
                label.set_horizontalalignment("right")
                label.set_rotation_mode("anchor")
        finite = np.concatenate([v[~np.isnan(v)] for v in data.values()])
        if finite.size:
            low_lim = 0.0 if start_at_zero and finite.min() >= 0 else finite.min()
            span = finite.max() - low_lim
            span = span if span > 0 else max(abs(finite.max()), 1.0)
            ax.set_ylim(low_lim - (0 if low_lim == 0 else 0.08 * span), finite.max() + 0.12 * span)
        ax.yaxis.set_major_formatter(_value_formatter(unit))
        ax.set_ylabel(_wrap(value_label or unit_label(unit)))
        ax.grid(axis="y")
        ax.set_axisbelow(True)
        ax.set_xlim(-0.3, n - 1 + 0.3)

        # hidden points: their symbol just above the x axis, in the series' colour
        for i, marks in gap_marks.items():
            for k, (symbol, color) in enumerate(marks):
                ax.text(x[i], 0.03 + 0.07 * k, symbol, transform=ax.get_xaxis_transform(),
                        ha="center", va="bottom", fontsize=10, fontweight="bold", color=readable_text(color))

        # direct labels at the end of each line instead of a legend box
        y0, y1 = ax.get_ylim()
        ends = []
        for name in names:
            shown = np.flatnonzero(~np.isnan(data[name]))
            if shown.size:
                last = shown[-1]
                ends.append((name, last, (data[name][last] - y0) / (y1 - y0)))
        if len(ends) <= 7:
            spread = _spread_labels([e[2] for e in ends], min_gap=0.075)
            for (name, last, _), pos in zip(ends, spread):
                style = ROLE_STYLES[role_of[name]]
                words = dict(va="center", ha="left", fontsize=10, color=readable_text(style.color),
                             fontweight="bold" if role_of[name] == "borough" else "normal")
                at = (n - 1 + 0.38, y0 + pos * (y1 - y0))
                if last == n - 1:  # beside the line's last point: plain text (an annotation costs more to lay out)
                    ax.text(*at, name, **words)
                else:  # the line ends earlier: a thin leader line to its last point
                    ax.annotate(name, xy=(x[last], data[name][last]), xycoords="data", xytext=at, textcoords="data",
                                annotation_clip=False,
                                arrowprops=dict(arrowstyle="-", color=NEUTRAL_GREY, linewidth=0.6), **words)
        else:
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
        gap_symbols = [symbol for marks in gap_marks.values() for symbol, _ in marks]
        notes = [
            (f"The shaded band shows the {confidence_level:.0%} confidence interval: the range "
             "the true figure is likely to lie in." if intervals else None),
            ("A gap in a line is a period whose figure is hidden or not available; the letter "
             "just above the axis says which." if gap_symbols else None),
            _hidden_note(gap_symbols, threshold, counts),
            note,
        ]
        return _finish(fig, title=title, alt=alt, notes=notes)


# --------------------------------------------------------------------------- funnel plot


def funnel_plot(
    points: pd.DataFrame,
    limits: pd.DataFrame,
    *,
    borough: str,
    title: str,
    alt: str,
    unit: str,
    neighbours: Sequence[str] = (),
    centre: float | None = None,
    centre_label: str = "England",
    area_column: str = "area",
    value_column: str = "value",
    denominator_column: str = "denominator",
    denominator_label: str = "Number of children (the denominator)",
    value_label: str | None = None,
    decimals: int | None = None,
    centre_decimals: int | None = None,
    log_x: bool = False,
    note: str | None = None,
) -> Chart:
    """Every local authority's value against its size, inside 95% and 99.8% control limits.

    Parameters
    ----------
    points
        One row per LA with ``area_column``, ``value_column``, ``denominator_column``.
        Rows with a missing value (suppressed) are left out.
    limits
        Control limits computed by the measures layer: columns ``denominator``,
        ``lower_95``, ``upper_95``, ``lower_99_8``, ``upper_99_8`` (any order of rows).
    borough
        The highlighted LA (matched against ``area_column``), labelled on the chart.
    neighbours
        Statistical neighbours, drawn as blue triangles.
    centre, centre_label
        The line the limits are drawn around (usually England's value).
    """
    title = _require_text(title, "a title")
    alt = _require_text(alt, "alt text")
    needed = {area_column, value_column, denominator_column}
    if missing := needed - set(points.columns):
        raise ValueError(f"points is missing columns {sorted(missing)}")
    limit_cols = {"denominator", "lower_95", "upper_95", "lower_99_8", "upper_99_8"}
    if missing := limit_cols - set(limits.columns):
        raise ValueError(f"limits is missing columns {sorted(missing)}")
    shown = points.loc[points[value_column].notna() & points[denominator_column].notna(),
                       [area_column, value_column, denominator_column]]
    lim = limits.sort_values("denominator")
    neighbour_set = set(neighbours)
    is_borough = shown[area_column] == borough
    is_neighbour = shown[area_column].isin(neighbour_set) & ~is_borough
    others = shown[~is_borough & ~is_neighbour]

    with chart_style():
        fig = _new_figure(height=4.2)
        ax = fig.add_subplot()
        ax.plot(lim["denominator"], lim["upper_99_8"], color="#1b1b1b", linestyle=":",
                linewidth=1.4, label="99.8% limits", zorder=2)
        ax.plot(lim["denominator"], lim["lower_99_8"], color="#1b1b1b", linestyle=":",
                linewidth=1.4, zorder=2)
        ax.plot(lim["denominator"], lim["upper_95"], color="#1b1b1b", linestyle="--",
                linewidth=1.1, label="95% limits", zorder=2)
        ax.plot(lim["denominator"], lim["lower_95"], color="#1b1b1b", linestyle="--",
                linewidth=1.1, zorder=2)
        if centre is not None and not is_missing(centre):
            # England's figure as DfE published it (10%, not 10.0%)
            centre_places = decimals if centre_decimals is None else centre_decimals
            ax.axhline(float(centre), color="#1b1b1b", linewidth=1.0, zorder=2,
                       label=f"{centre_label} ({_value_text(float(centre), unit, centre_places)})")
        other_style = ROLE_STYLES["other"]
        ax.scatter(others[denominator_column], others[value_column], s=22,
                   color=other_style.color, marker=other_style.marker, alpha=0.75,
                   edgecolor="none", zorder=3, label="Other local authorities")
        if is_neighbour.any():
            nb = ROLE_STYLES["neighbours"]
            ax.scatter(shown.loc[is_neighbour, denominator_column],
                       shown.loc[is_neighbour, value_column], s=46, color=nb.color,
                       marker=nb.marker, edgecolor="#1b1b1b", linewidth=0.6, zorder=4,
                       label="Statistical neighbours")
        notes = [
            "Each dot is a local authority. Points outside the dashed lines (95%) or dotted "
            "lines (99.8%) differ from the centre line by more than chance would usually give; "
            "smaller areas naturally vary more, which is why the lines widen to the left.",
        ]
        if is_borough.any():
            row = shown[is_borough].iloc[0]
            bs = ROLE_STYLES["borough"]
            ax.scatter([row[denominator_column]], [row[value_column]], s=110, color=bs.color,
                       marker=bs.marker, edgecolor="#1b1b1b", linewidth=1.0, zorder=6,
                       label=borough)
            ax.annotate(
                f"{borough} ({_value_text(row[value_column], unit, decimals)})",
                xy=(row[denominator_column], row[value_column]), xytext=(12, 14),
                textcoords="offset points", fontsize=10.5, fontweight="bold", color="#1b1b1b",
                arrowprops=dict(arrowstyle="-", color="#1b1b1b", linewidth=0.8), zorder=7,
            )
        else:
            notes.append(f"{borough} is not drawn: its figure, or the number it is counted over, is hidden or not "
                         "available (the text above says which).")
        if log_x:
            ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
        ax.yaxis.set_major_formatter(_value_formatter(unit))
        ax.set_xlabel(_wrap(denominator_label, 70))
        ax.set_ylabel(_wrap(value_label or unit_label(unit)))
        ax.grid(axis="y")
        ax.set_axisbelow(True)
        x_max = max(shown[denominator_column].max() if len(shown) else 0,
                    lim["denominator"].max() if len(lim) else 0)
        if not log_x:
            ax.set_xlim(0, x_max * 1.04)
        # Limits at the very smallest denominators (a handful of tiny areas) run far off the
        # scale of every point; frame the axis on the limits where most areas lie.
        in_view = lim
        if len(shown) >= 20:
            in_view = lim[lim["denominator"] >= shown[denominator_column].quantile(0.05)]
        values = pd.concat([shown[value_column], in_view["upper_99_8"], in_view["lower_99_8"]]).dropna()
        if len(values):
            span = (values.max() - values.min()) or 1.0
            bottom = values.min() - 0.05 * span
            if len(shown) and shown[value_column].min() >= 0:
                bottom = max(bottom, 0.0)  # a rate or share cannot be negative
            ax.set_ylim(bottom, values.max() + 0.08 * span)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, fontsize=9.5,
                  handlelength=2.6)
        notes.append(note)
        return _finish(fig, title=title, alt=alt, notes=notes)


# --------------------------------------------------------------------------- comparators

_ROLE_ORDER = list(ROLE_STYLES)  # borough first ... neighbours, other last
_SINGLE_ROLES = {"neighbours", "other"}


def comparator_chart(
    frame: pd.DataFrame,
    *,
    title: str,
    alt: str,
    unit: str,
    label_column: str = "label",
    value_column: str = "value",
    role_column: str = "role",
    symbol_column: str = "symbol",
    value_label: str | None = None,
    decimals: int | None = None,
    note: str | None = None,
    threshold: int = DEFAULT_SUPPRESSION_THRESHOLD,
    counts: str = "children",
) -> Chart:
    """Dots for the borough, England, the region, inner/outer London, the SN median and each neighbour.

    Parameters
    ----------
    frame
        One row per area: ``label`` (display name), ``value``, optional ``role`` (see
        :data:`~safeguarding.render.palette.ROLE_STYLES`; inferred from the label when
        absent, the first row being the borough and unknown names neighbours) and optional
        ``symbol``. Summary rows come first in role order, then neighbours by value.
    """
    title = _require_text(title, "a title")
    alt = _require_text(alt, "alt text")
    if frame.empty:
        raise ValueError("A comparator chart needs at least one row")
    for column in (label_column, value_column):
        if column not in frame.columns:
            raise ValueError(f"frame is missing column {column!r}")
    rows = []
    for i, (_, r) in enumerate(frame.iterrows()):
        label = str(r[label_column])
        role = r[role_column] if role_column in frame.columns and not is_missing_text(
            r[role_column]) else None
        if role is None:
            role = infer_role(label, is_first=(i == 0))
            role = "neighbours" if role == "other" else role
        role = resolve_role(role)
        symbol = clean_symbol(r[symbol_column]) if symbol_column in frame.columns else None
        value = np.nan if symbol is not None or is_missing(r[value_column]) else float(
            r[value_column])
        places = r.get(f"{value_column}_decimals")  # a figure DfE published at fewer places
        rows.append((label, role, value, symbol, decimals if places is None or is_missing(places) else int(places)))
    summary = sorted([r for r in rows if r[1] not in _SINGLE_ROLES],
                     key=lambda r: _ROLE_ORDER.index(r[1]))
    singles = sorted([r for r in rows if r[1] in _SINGLE_ROLES],
                     key=lambda r: (math.isnan(r[2]), -r[2] if not math.isnan(r[2]) else 0))
    ordered = summary + singles
    n = len(ordered)

    with chart_style():
        fig = _new_figure(height=max(2.2, 0.36 * n + 1.1))
        ax = fig.add_subplot()
        finite = [r[2] for r in ordered if not math.isnan(r[2])]
        top = max(finite) if finite else 1.0
        top = top if top > 0 else 1.0
        borough_value = next((r[2] for r in ordered if r[1] == "borough"), np.nan)
        if not math.isnan(borough_value):
            ax.axvline(borough_value, color=ROLE_STYLES["borough"].color, linestyle=":",
                       linewidth=1.0, zorder=1)
        shown = [(y, role, value) for y, (_, role, value, _, _) in enumerate(ordered) if not math.isnan(value)]
        if shown:  # one set of stems, and one set of dots per role (one artist each, not one per area)
            ax.hlines([y for y, _, _ in shown], 0, [v for _, _, v in shown], color="#CCCCCC", linewidth=1.0, zorder=1)
        for role in dict.fromkeys(role for _, role, _ in shown):
            style = ROLE_STYLES[role]
            ax.plot([v for _, r, v in shown if r == role], [y for y, r, _ in shown if r == role], marker=style.marker,
                    markersize=style.markersize + (2 if role == "borough" else 1),
                    color=style.color, markerfacecolor=style.color if style.filled else "white",
                    markeredgecolor="#1b1b1b" if style.filled else style.color,
                    markeredgewidth=0.7 if style.filled else 1.8,
                    linestyle="none", zorder=style.zorder)
        # each value 9 points right of its dot: text placed through an offset, which lays out
        # as an annotation does at a fraction of the cost (no arrow to place)
        beside = offset_copy(ax.transData, fig=fig, x=9, y=0, units="points")
        for y, (label, role, value, symbol, places) in enumerate(ordered):
            if math.isnan(value):
                ax.text(top * 0.01, y, SYMBOL_CHART_TEXT.get(symbol or "x", symbol or "x"),
                        va="center", ha="left", fontsize=10, style="italic", color=TEXT_GREY)
                continue
            ax.text(value, y, _value_text(value, unit, places), transform=beside, va="center", ha="left",
                    fontsize=10, fontweight="bold" if role == "borough" else "normal")
        if summary and singles:
            ax.axhline(len(summary) - 0.5, color="#BBBBBB", linewidth=0.8)
        ax.set_yticks(range(n), [r[0] for r in ordered])
        for tick, row in zip(ax.get_yticklabels(), ordered):
            if row[1] == "borough":
                tick.set_fontweight("bold")
        ax.set_ylim(n - 0.4, -0.6)
        ax.set_xlim(0, top * 1.15)
        ax.xaxis.set_major_formatter(_value_formatter(unit))
        ax.set_xlabel(_wrap(value_label or unit_label(unit), 70))
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        ax.grid(axis="x")
        ax.set_axisbelow(True)
        notes = [_hidden_note([r[3] for r in ordered], threshold, counts), note]
        return _finish(fig, title=title, alt=alt, notes=notes)


# --------------------------------------------------------------------------- RRI chart


def _rri_range(lows: np.ndarray, highs: np.ndarray, values: np.ndarray) -> tuple[float, float]:
    finite = np.concatenate([a[np.isfinite(a) & (a > 0)] for a in (lows, highs, values)])
    lo = min(0.5, finite.min()) if finite.size else 0.5
    hi = max(2.0, finite.max()) if finite.size else 2.0
    lo = max(lo, 1 / 8)
    hi = min(hi, 8.0)
    # snap outwards to the tick positions so the axis ends on a labelled tick
    ticks = sorted(RRI_TICKS)
    lo = max(t for t in ticks if t <= lo + 1e-9)
    hi = min(t for t in ticks if t >= hi - 1e-9)
    return lo, hi


def _rri_tick_label(value: float, labelled: set[float]) -> str:
    nearest = min(RRI_TICKS, key=lambda t: abs(math.log(t) - math.log(value)))
    return RRI_TICKS[nearest] if nearest in labelled else ""


def rri_chart(
    frame: pd.DataFrame,
    *,
    title: str,
    alt: str,
    reference_group: str = "White British",
    group_column: str = "group",
    stage_column: str = "stage",
    value_column: str = "value",
    lower_column: str = "lower",
    upper_column: str = "upper",
    symbol_column: str = "symbol",
    verdict_column: str = "verdict",
    groups: Sequence[str] | None = None,
    stages: Sequence[str] | None = None,
    ncols: int | None = None,
    counts: str = "children",
    note: str | None = None,
    confidence_level: float = CONFIDENCE_LEVEL,
) -> Chart:
    """Relative rate index (RRI) by group, one panel per stage, for readers new to RRIs.

    The axis is a ratio scale labelled in words ('half as likely', 'same', 'twice as
    likely'), with a line at 'same' (1). A group whose figure is hidden, or with no
    interval, shows 'too few to say' as text, not a point. The reference group shows
    'comparison group'. Filled dots are clear differences (interval not including 1,
    or the measures layer's ``verdict`` column when present); open dots could be chance.

    Parameters
    ----------
    frame
        Rows of group, stage, value (RRI), lower, upper, and optionally symbol, verdict.
    reference_group
        The group every rate is compared with (its RRI is 1 by definition).
    groups, stages
        Display order (default: order of first appearance).
    ncols
        Panels per row (default: 1 for one stage, else 2).
    """
    from safeguarding.render.sentences import rri_verdict

    title = _require_text(title, "a title")
    alt = _require_text(alt, "alt text")
    for column in (group_column, stage_column, value_column, lower_column, upper_column):
        if column not in frame.columns:
            raise ValueError(f"frame is missing column {column!r}")
    group_order = list(groups) if groups is not None else list(dict.fromkeys(frame[group_column]))
    stage_order = list(stages) if stages is not None else list(dict.fromkeys(frame[stage_column]))
    if not group_order or not stage_order:
        raise ValueError("An RRI chart needs at least one group and one stage")
    cols = ncols or (1 if len(stage_order) == 1 else 2)
    nrows = math.ceil(len(stage_order) / cols)
    vals = frame[value_column].astype(float).to_numpy()
    lows = frame[lower_column].astype(float).to_numpy()
    highs = frame[upper_column].astype(float).to_numpy()
    x_lo, x_hi = _rri_range(lows, highs, vals)
    ticks = [t for t in sorted(RRI_TICKS) if x_lo - 1e-9 <= t <= x_hi + 1e-9]
    # Side-by-side panels can be too narrow for a two-line label at every tick (about 0.55 in
    # each): then label every other one (always 'same'), keeping the grid line at each.
    spacing = (A4_WIDTH_IN - 1.6) / cols / (len(ticks) - 0.5)
    labelled = set(ticks) if spacing >= 0.55 else {t for t in ticks if round(math.log2(t)) % 2 == 0}
    point = OKABE_ITO["blue"]

    with chart_style():
        panel_h = 0.34 * len(group_order) + 1.05
        fig = _new_figure(height=max(2.4, nrows * panel_h + 0.5))
        axes = fig.subplots(nrows, cols, sharex=True, sharey=True, squeeze=False)
        for k, stage in enumerate(stage_order):
            ax = axes[k // cols][k % cols]
            sub = frame[frame[stage_column] == stage]
            ax.set_xscale("log")
            ax.set_xlim(x_lo / 1.12, x_hi * 1.12)
            ax.axvline(1.0, color="#1b1b1b", linewidth=1.1, zorder=1)
            # one set of interval lines, of arrow heads each way, and of dots each kind per
            # panel (one artist each, not one per group)
            lines, past_left, past_right, dots = [], [], [], {True: [], False: []}
            for y, group in enumerate(group_order):
                match = sub[sub[group_column] == group]
                if str(group) == str(reference_group):
                    ax.text(1.0, y, " comparison group ", ha="center", va="center", fontsize=9,
                            style="italic", color=TEXT_GREY, zorder=3,
                            bbox=dict(facecolor="white", edgecolor="none", pad=0.5))
                    continue
                if match.empty:
                    continue
                r = match.iloc[0]
                symbol = clean_symbol(r[symbol_column]) if symbol_column in sub.columns else None
                value, low, high = (float(r[value_column]), float(r[lower_column]),
                                    float(r[upper_column]))
                if verdict_column in sub.columns and not is_missing_text(r[verdict_column]):
                    verdict = str(r[verdict_column])
                else:
                    verdict = rri_verdict(low, high, symbol)
                if (verdict == "too few to say" or symbol is not None
                        or not all(np.isfinite([value, low, high])) or value <= 0):
                    ax.text(1.0, y, " too few to say ", ha="center", va="center", fontsize=9,
                            style="italic", color=TEXT_GREY, zorder=3,
                            bbox=dict(facecolor="white", edgecolor="none", pad=0.5))
                    continue
                left, right = max(low, x_lo / 1.1), min(high, x_hi * 1.1)
                lines.append((y, left, right))
                if low < x_lo / 1.1:
                    past_left.append((left, y))
                if high > x_hi * 1.1:
                    past_right.append((right, y))
                dots[verdict in {"over-represented", "under-represented"}].append(
                    (min(max(value, x_lo / 1.1), x_hi * 1.1), y))
            if lines:
                ax.hlines([y for y, _, _ in lines], [a for _, a, _ in lines], [b for _, _, b in lines],
                          color="#1b1b1b", linewidth=1.4, zorder=2, capstyle="butt")
            for heads, marker in ((past_left, "<"), (past_right, ">")):
                if heads:
                    ax.plot([x for x, _ in heads], [y for _, y in heads], marker=marker, color="#1b1b1b",
                            markersize=5, linestyle="none", zorder=2)
            for clear, at in dots.items():
                if at:
                    ax.plot([x for x, _ in at], [y for _, y in at], marker="o", markersize=7.5, color=point,
                            markerfacecolor=point if clear else "white", markeredgecolor=point,
                            markeredgewidth=1.8, linestyle="none", zorder=4)
            ax.set_title(str(stage), fontsize=11)
            ax.set_yticks(range(len(group_order)), [str(g) for g in group_order])
            ax.set_ylim(len(group_order) - 0.5, -0.5)
            ax.xaxis.set_major_locator(FixedLocator(ticks))
            ax.xaxis.set_minor_locator(NullLocator())
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: _rri_tick_label(v, labelled)))
            ax.tick_params(axis="x", labelsize=8.5, labelbottom=True)
            ax.tick_params(axis="y", length=0)
            ax.grid(axis="x", which="major")
            ax.set_axisbelow(True)
        for k in range(len(stage_order), nrows * cols):
            axes[k // cols][k % cols].set_visible(False)
        fig.supxlabel(f"How likely, compared with {reference_group} {counts}", fontsize=10.5)
        notes = [
            f"Each dot shows how likely {counts} in a group were to reach this stage compared "
            f"with {reference_group} {counts} (a relative rate index). The line through a dot "
            f"is its {confidence_level:.0%} confidence interval. Filled dots: a clear "
            "difference. Open dots: the difference could be chance (the line crosses 'same').",
            "'Too few to say': the numbers are too small, or hidden to protect privacy.",
            note,
        ]
        return _finish(fig, title=title, alt=alt, notes=notes)
