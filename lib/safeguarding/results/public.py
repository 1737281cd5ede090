"""What published figures already tell a reader about the borough's own counts.

DfE publishes some of the counts our briefings show, for the same borough and year: care
leavers NEET by age band (with their numerators), looked-after children who went missing,
exclusion rates of all pupils and of looked-after pupils. They are public, and a neighbour's
briefing prints them beside its own. A reader who takes the published figure as the
borough's own count can combine it with every figure a briefing shows, so the disclosure
plan must know it (:mod:`safeguarding.results.plan`, "Public figures").

Each measures module says which of its result rows DfE also publishes, with a function
``published_counterpart(measure_id, breakdown, group) -> catalogue id | None``. This module
turns the published figure of the row's year into the range it allows for the row's
numerator and denominator cells:

* a published numerator or denominator (EES files publish both): that count exactly;
* a published count measure: that count;
* a published rate or percentage without counts (LAIT): every whole count whose rate, with
  the borough's own denominator, rounds to the published figure (at the decimals printed).

Ranges the borough's own count is outside are dropped by the plan: a figure from another
extract or definition would mislead a reader rather than inform them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from safeguarding.codes.areas import Area
from safeguarding.issues import InputError
from safeguarding.published import catalogue
from safeguarding.published.ees import period_year
from safeguarding.published.figures import area_figure
from safeguarding.results.plan import Known

Counterpart = Callable[[str, str, str], "str | None"]
#: Units of a published figure that is a share of a denominator, and what it is out of.
SCALE = {"percent": 100.0, "per_100": 100.0, "per_1000": 1000.0, "per_10k": 10000.0}


def printed_decimals(value: float, most: int = 6) -> int:
    """How many decimal places a published figure was printed with (0.07723 -> 5, 18.0 -> 0)."""
    for d in range(most + 1):
        if abs(round(value, d) - value) < 1e-9:
            return d
    return most


def count_range(value: float, denominator: float, per: float, decimals: int) -> tuple[float, float] | None:
    """Whole counts a reader takes ``value`` (a rate printed at ``decimals`` places) to mean with
    the borough's own ``denominator``, as (lowest, highest); None when the denominator is unknown.

    Every count whose ``n / denominator * per`` rounds to ``value``; and, since DfE's rate is
    of its own roll, which differs a little from the borough's, the whole count nearest to
    ``value * denominator / per`` too (a reader rounds it, and is right in practice: the
    demo's 83 shown exclusion counts all equal DfE's rate times the own roll, rounded).

    >>> count_range(15.0, 39, 100, 0)   # 15% of 39: 5.655 to 6.045
    (6.0, 6.0)
    >>> count_range(0.07723, 17069, 100, 5)   # 13.18 exclusions: no count rounds to it exactly
    (13.0, 13.0)
    >>> count_range(0.08, 17069, 100, 2)   # 0.075 to 0.085 of 17,069: 12.8 to 14.5
    (13.0, 14.0)
    """
    if not denominator or denominator <= 0 or pd.isna(value) or pd.isna(denominator):
        return None
    half = 0.5 * 10.0 ** (-decimals)
    low = max(math.ceil((value - half) * denominator / per - 1e-9), 0)
    high = math.floor((value + half) * denominator / per + 1e-9)
    nearest = max(math.floor(value * denominator / per + 0.5), 0)
    return float(min(low, nearest)), float(max(high, nearest))


def published_ranges(frames: Iterable[tuple[pd.DataFrame, Counterpart]], area: Area,
                     published_dir: Path | None) -> tuple[Known, dict[str, str]]:
    """Ranges published figures give for registered cells, and the published measure behind
    each (for the audit). ``frames``: registered result tables (with ``num_cell`` and
    ``den_cell``), each with its theme's ``published_counterpart``."""
    known: Known = {}
    source: dict[str, str] = {}

    def add(cell: str, bounds: tuple[float, float] | None, measure_id: str, own: float) -> None:
        # a range the borough's own count is outside (another extract or definition) would
        # mislead a reader rather than inform them: it is not a fact about this count
        if not cell or bounds is None or pd.isna(own) or not bounds[0] - 1e-9 <= own <= bounds[1] + 1e-9:
            return
        if cell in known:  # two published figures for one cell: a reader applies both
            bounds = (max(known[cell][0], bounds[0]), min(known[cell][1], bounds[1]))
        known[cell] = bounds
        source[cell] = measure_id

    cache: dict[tuple[str, int], pd.Series | None] = {}
    for frame, counterpart in frames:
        if frame.empty:
            continue
        for row in frame.itertuples(index=False):
            measure_id = counterpart(row.measure_id, str(row.breakdown), str(row.group))
            if measure_id is None:
                continue
            try:
                year = period_year(row.period)
            except ValueError:
                continue
            if (measure_id, year) not in cache:
                try:
                    cache[measure_id, year] = area_figure(measure_id, area, year, published_dir)
                except (KeyError, InputError):  # not in the catalogue, or its file cannot be read
                    cache[measure_id, year] = None
            pub = cache[measure_id, year]
            if pub is None:
                continue
            unit = catalogue.get_measure(measure_id).unit
            value = float(pub["value"])
            if unit == "count":
                add(row.num_cell, (value, value), measure_id, row.numerator)
                continue
            if pd.notna(pub["numerator"]):
                add(row.num_cell, (float(pub["numerator"]),) * 2, measure_id, row.numerator)
            if pd.notna(pub["denominator"]):
                add(row.den_cell, (float(pub["denominator"]),) * 2, measure_id, row.denominator)
            if unit in SCALE and pd.isna(pub["numerator"]):
                # a rate without its count: with the borough's own denominator (shown, or
                # close to one a reader can find), the count it rounds from
                denominator = pub["denominator"] if pd.notna(pub["denominator"]) else row.denominator
                add(row.num_cell, count_range(value, float(denominator), SCALE[unit], printed_decimals(value)),
                    measure_id, row.numerator)
    return known, source
