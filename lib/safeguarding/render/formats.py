"""Number formats and official-statistics symbols, applied only at render time.

Results stay numeric (value, lower, upper) with the symbol in its own column; these
functions turn one number and its symbol into the text a reader sees. When a symbol is
present it is shown *instead of* the number, whatever the number is, so a figure that
the disclosure step hid can never reach a briefing through a format call.

Rounding is half-up on the decimal value shown (64.85 -> 64.9), as in published tables
and spreadsheets, not Python's round-half-to-even on binary floats.

Units
-----
=================  ==========================  ==================
unit               value holds                 shown as
=================  ==========================  ==================
``count``          a count                     ``1,234``
``percent``        a percentage, 0 to 100      ``64.8%``
``proportion``     a proportion, 0 to 1        ``64.8%``
``rate_per_10000`` a rate per 10,000           ``39 per 10,000``
``rate_per_1000``  a rate per 1,000            ``4.2 per 1,000``
``rate_per_100``   a rate per 100 (pupils)     ``9.33 per 100``
``ratio``          a ratio (e.g. RRI)          ``1.45``
``days``           a duration in days          ``12 days``
``hours``          a duration in hours         ``36.5 hours``
``per_child``      an average per child        ``2.3 per child``
``number``         any other number            ``3.2``
=================  ==========================  ==================
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import pandas as pd

from safeguarding.config import DEFAULT_SUPPRESSION_THRESHOLD

#: Official symbols and their meaning. ``c`` is filled in by :func:`symbol_meaning`.
SYMBOL_MEANINGS: dict[str, str] = {
    "c": "fewer than {smallest_shown} {counts}, or hidden so that a hidden figure cannot "
         "be worked out from the total",
    "z": "not applicable",
    "x": "not available",
    "low": "rounds to zero, but is not zero",
}

#: Shown for a missing number that carries no symbol (treated as not available).
MISSING_SYMBOL = "x"


@dataclass(frozen=True)
class UnitFormat:
    """How one unit is shown: default decimals, multiplier, and the words after the number."""

    decimals: int
    scale: float
    suffix: str
    label: str


UNITS: dict[str, UnitFormat] = {
    "count": UnitFormat(0, 1.0, "", "Number"),
    "percent": UnitFormat(1, 1.0, "%", "Percentage"),
    "proportion": UnitFormat(1, 100.0, "%", "Percentage"),
    "rate_per_10000": UnitFormat(0, 1.0, " per 10,000", "Rate per 10,000"),
    "rate_per_1000": UnitFormat(1, 1.0, " per 1,000", "Rate per 1,000"),
    "rate_per_100": UnitFormat(2, 1.0, " per 100", "Rate per 100"),
    "ratio": UnitFormat(2, 1.0, "", "Ratio"),
    "days": UnitFormat(0, 1.0, " days", "Days"),
    "hours": UnitFormat(1, 1.0, " hours", "Hours"),
    "per_child": UnitFormat(1, 1.0, " per child", "Number per child"),
    "number": UnitFormat(1, 1.0, "", "Value"),
}

#: Other spellings accepted for a unit.
UNIT_ALIASES: dict[str, str] = {
    "n": "count",
    "pct": "percent",
    "%": "percent",
    "per_10000": "rate_per_10000",
    "per_10k": "rate_per_10000",
    "rate_per_10k": "rate_per_10000",
    "per_1000": "rate_per_1000",
    "per_100": "rate_per_100",
    "rri": "ratio",
    "episodes_per_child": "per_child",
}


def clean_symbol(symbol: object) -> str | None:
    """The symbol as shown (``'c'``, ``'z'``, ``'x'``, ``'low'``), or None when there is none.

    Blank strings, None, NaN and ``pd.NA`` all mean "no symbol: show the value".
    """
    if symbol is None:
        return None
    if isinstance(symbol, float) and math.isnan(symbol):
        return None
    try:
        import pandas as pd

        if symbol is pd.NA or symbol is pd.NaT:
            return None
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    text = str(symbol).strip()
    if not text or text.lower() in {"nan", "<na>", "none"}:
        return None
    return text.lower() if text.lower() in SYMBOL_MEANINGS else text


def is_missing_text(value: object) -> bool:
    """True for None, NaN, ``pd.NA`` or a blank string (a text cell with nothing to show)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def is_missing(value: object) -> bool:
    """True when ``value`` is None, NaN or ``pd.NA`` (a number that cannot be shown)."""
    if value is None:
        return True
    try:
        return bool(math.isnan(float(value)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def resolve_unit(unit: str) -> str:
    """The canonical unit name; raise ``ValueError`` for a unit this module cannot show."""
    key = str(unit).strip().lower()
    key = UNIT_ALIASES.get(key, key)
    if key not in UNITS:
        known = ", ".join(UNITS)
        raise ValueError(f"Unknown unit {unit!r}; expected one of: {known}")
    return key


def unit_label(unit: str) -> str:
    """A short column heading for a unit ('Rate per 10,000', 'Percentage', ...)."""
    return UNITS[resolve_unit(unit)].label


def round_half_up(value: float, decimals: int) -> Decimal:
    """``value`` rounded half-up to ``decimals`` places, as a Decimal (exact for display)."""
    try:
        number = Decimal(repr(float(value)))
    except InvalidOperation as exc:  # pragma: no cover - guarded by is_missing
        raise ValueError(f"Cannot round {value!r}") from exc
    quantum = Decimal(1).scaleb(-decimals)
    rounded = number.quantize(quantum, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # never show "-0.0"
    return rounded


def format_number(value: object, symbol: object = None, decimals: int = 0) -> str:
    """A number with thousands separators and ``decimals`` places, or its symbol.

    Examples
    --------
    >>> format_number(12345.678, decimals=1)
    '12,345.7'
    >>> format_number(3.0, "c")
    'c'
    """
    shown = clean_symbol(symbol)
    if shown is not None:
        return shown
    if is_missing(value):
        return MISSING_SYMBOL
    return f"{round_half_up(value, decimals):,.{decimals}f}"


def format_count(value: object, symbol: object = None) -> str:
    """A whole number with thousands separators ('1,234'), or its symbol ('c')."""
    return format_number(value, symbol, decimals=0)


def format_percent(value: object, symbol: object = None, decimals: int = 1) -> str:
    """A percentage held as 0-100, shown as '64.8%'; or its symbol.

    For a proportion held as 0-1 use ``format_number_for_unit(value, 'proportion')``.
    """
    text = format_number(value, symbol, decimals)
    if clean_symbol(symbol) is not None or is_missing(value):
        return text
    return f"{text}%"


def format_rate(value: object, symbol: object = None, per: int = 10_000,
                decimals: int | None = None) -> str:
    """A rate with its base, '39 per 10,000'; or its symbol.

    ``decimals`` defaults to 0 for rates per 1,000 or more and 2 for rates per 100.
    """
    if decimals is None:
        decimals = 0 if per >= 10_000 else (1 if per >= 1_000 else 2)
    text = format_number(value, symbol, decimals)
    if clean_symbol(symbol) is not None or is_missing(value):
        return text
    return f"{text} per {per:,}"


def format_interval(lower: object, upper: object, symbol: object = None, decimals: int = 1,
                    unit: str | None = None) -> str:
    """A confidence interval as '55.2 to 74.1' (with '%' for percentages); or the symbol.

    'to' is used instead of a dash so a negative bound cannot be misread. When either
    bound is missing and there is no symbol, 'x' (not available) is shown.
    """
    shown = clean_symbol(symbol)
    if shown is not None:
        return shown
    if is_missing(lower) or is_missing(upper):
        return MISSING_SYMBOL
    if unit is None:
        low = format_number(lower, decimals=decimals)
        high = format_number(upper, decimals=decimals)
    else:
        low = format_number_for_unit(lower, unit, decimals=decimals, with_unit=False)
        high = format_number_for_unit(upper, unit, decimals=decimals, with_unit=False)
    return f"{low} to {high}"


def format_number_for_unit(value: object, unit: str, symbol: object = None,
                           decimals: int | None = None, *, with_unit: bool = True) -> str:
    """Format ``value`` the way its unit is read ('39 per 10,000', '64.8%', '12 days').

    Parameters
    ----------
    value
        The number (NaN when suppressed).
    unit
        One of :data:`UNITS` (or an alias in :data:`UNIT_ALIASES`).
    symbol
        Official symbol; shown instead of the value when present.
    decimals
        Places after the point; the unit's default when None (use the measure's registry
        decimals where there is one).
    with_unit
        When False, leave out words after the number ('per 10,000', 'days') for a table
        column whose heading names the unit. A '%' sign is always kept.
    """
    spec = UNITS[resolve_unit(unit)]
    places = spec.decimals if decimals is None else decimals
    if clean_symbol(symbol) is not None or is_missing(value):
        return format_number(value, symbol, places)
    text = format_number(float(value) * spec.scale, None, places)  # type: ignore[arg-type]
    if spec.suffix == "%":
        return f"{text}%"
    if with_unit and spec.suffix:
        if spec.suffix in {" days", " hours"} and text == "1":
            return f"{text}{spec.suffix[:-1]}"
        return f"{text}{spec.suffix}"
    return text


def smallest_shown_count(threshold: int = DEFAULT_SUPPRESSION_THRESHOLD) -> int:
    """The smallest non-zero count that is shown: counts 1 to ``threshold`` are hidden."""
    return int(threshold) + 1


def symbol_meaning(symbol: str, threshold: int = DEFAULT_SUPPRESSION_THRESHOLD,
                   counts: str = "children") -> str:
    """Plain-English meaning of one symbol; ``counts`` names what is counted (children, episodes)."""
    key = clean_symbol(symbol)
    if key is None or key not in SYMBOL_MEANINGS:
        raise ValueError(f"Unknown symbol {symbol!r}; expected one of: {', '.join(SYMBOL_MEANINGS)}")
    return SYMBOL_MEANINGS[key].format(smallest_shown=smallest_shown_count(threshold), counts=counts)


def symbol_legend(symbols: object = None, threshold: int = DEFAULT_SUPPRESSION_THRESHOLD,
                  counts: str = "children") -> str:
    """Legend text for the symbols a table uses, e.g.

    'c = fewer than 6 children, or hidden so that a hidden figure cannot be worked out
    from the total; x = not available.'

    Parameters
    ----------
    symbols
        The symbols to explain (any iterable; blanks and unknown symbols are skipped).
        None explains all four. An empty result gives ''.
    threshold
        Suppression threshold: counts from 1 to this value are shown as 'c'.
    counts
        What the counts are of ('children', 'episodes', 'pupils').
    """
    if symbols is None:
        wanted = list(SYMBOL_MEANINGS)
    else:
        present = {clean_symbol(s) for s in symbols}  # type: ignore[union-attr]
        wanted = [s for s in SYMBOL_MEANINGS if s in present]
    if not wanted:
        return ""
    parts = [f"{s} = {symbol_meaning(s, threshold, counts)}" for s in wanted]
    return "; ".join(parts) + "."


def published_places(value: object, unit: str, decimals: int | None, published: int | None) -> int | None:
    """Places to show a figure DfE published: as DfE published it ('11%', not '11.0%', for a
    figure published in whole numbers), unless the figure has more (a median of two
    published figures, 10.5%) or the measure shows fewer. ``decimals`` is the measure's
    own (None: the unit's)."""
    places = UNITS[resolve_unit(unit)].decimals if decimals is None else decimals
    if published is None or published >= places or is_missing(value):
        return decimals
    scaled = float(value) * UNITS[resolve_unit(unit)].scale
    return published if round(scaled, published) == round(scaled, places) else decimals


def format_published(value, unit: str, symbol: str | None, decimals: int | None, published: int | None = None) -> str:
    """A figure at the measure's ``decimals``, or one DfE published (``published``: the places it
    was published to) as DfE printed it (see :func:`published_places`)."""
    return format_number_for_unit(value, unit, symbol, decimals=published_places(value, unit, decimals, published))


def same_when_rounded(a: float, b: float, unit: str, places: int) -> bool:
    """Whether two figures read the same at ``places`` decimals, rounded half-up as figures are
    printed (10.5% and DfE's 11% are the same at whole numbers; 12.5% and 12% are not)."""
    scale = UNITS[resolve_unit(unit)].scale
    return round_half_up(float(a) * scale, places) == round_half_up(float(b) * scale, places)


def rounding_words(places: int) -> str:
    """'whole numbers', '1 decimal place', '2 decimal places'."""
    return "whole numbers" if places == 0 else f"{places} decimal place{'' if places == 1 else 's'}"
