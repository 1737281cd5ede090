"""A borough's published figure beside its comparators.

:func:`compare` gathers, for one measure and one year, the borough's value and the
values it is judged against: England, its region (London), Inner / Outer London where
published, its ten statistical neighbours (DfE 2025 model) and their median, every LA
(for a funnel plot), and the borough's own trend over all published years.

Source: Department for Education / Office for National Statistics, Open Government
Licence v3.0.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from safeguarding import config
from safeguarding.codes.areas import Area, neighbours_of, resolve_area
from safeguarding.issues import InputError
from safeguarding.published import catalogue as cat
from safeguarding.published.ees import year_label, year_to_show
from safeguarding.published.figures import figures

#: Symbol given to an area that has no row at all in a year (e.g. an LA created later).
NO_ROW_SYMBOL = "x"

#: The neighbours' median is shown only when at least this many neighbours have a published
#: figure: the median of one to three values is one neighbour's figure, or nearly.
MIN_NEIGHBOURS = 4


def neighbour_median(values) -> tuple[float, int]:
    """(median, count) of the neighbours' published values; the median is NaN when fewer
    than :data:`MIN_NEIGHBOURS` have one."""
    published = pd.Series(values, dtype="float64").dropna()
    count = int(published.size)
    return (float(published.median()) if count >= MIN_NEIGHBOURS else np.nan), count


def neighbours_label(count: int, total: int) -> str:
    """'Statistical neighbours (median of 7 of 10)', or why there is no median."""
    if count >= MIN_NEIGHBOURS:
        return f"Statistical neighbours (median of {count} of {total})"
    return f"Statistical neighbours (no median: {count} of {total} published)"


@dataclass
class Comparison:
    """One measure, one year: a borough and its comparators.

    Values are floats (NaN when not published; the reason is in the matching
    ``*_symbol``: 'c' suppressed, 'x' not available, 'z' not applicable, ...).

    Attributes
    ----------
    measure_id, measure : the catalogue id and record.
    area : the borough (:class:`~safeguarding.codes.areas.Area`).
    year : the year shown (the calendar year the period ends in).
    year_requested : the year asked for (None when the latest was asked for).
    year_note : '' or a sentence saying the asked year is not published and which is shown.
    value, symbol, numerator, denominator : the borough's figure.
    england, england_symbol : England.
    region, region_symbol, region_name : the borough's region (London).
    sub_region, sub_region_symbol, sub_region_name : Inner / Outer London (None elsewhere).
    sn_median, sn_mean, sn_count : median and mean of the neighbours' published values,
        and how many neighbours had one (median and mean are NaN when fewer than
        :data:`MIN_NEIGHBOURS` did).
    neighbours : DataFrame name, dfe_number, closeness, value, symbol (closest first).
    all_las : DataFrame area_name, dfe_number, value, numerator, denominator, symbol.
    trend : DataFrame year, value, symbol (the borough, every published year).
    source : where the figures came from (a directory, or the shipped table).
    shown_measure : the catalogue record whose source published the year shown: the
        measure itself, or a continuation (``PublishedMeasure.continued_by``), e.g. LAIT
        for a year the EES file held does not reach.
    """

    measure_id: str
    measure: cat.PublishedMeasure
    area: Area
    year: int
    year_requested: int | None
    year_note: str
    value: float
    symbol: str
    numerator: float
    denominator: float
    england: float
    england_symbol: str
    region: float
    region_symbol: str
    region_name: str
    sub_region: float | None
    sub_region_symbol: str
    sub_region_name: str | None
    sn_median: float
    sn_mean: float
    sn_count: int
    neighbours: pd.DataFrame
    all_las: pd.DataFrame
    trend: pd.DataFrame
    source: str = ""
    notes: list[str] = field(default_factory=list)
    shown_measure: cat.PublishedMeasure | None = None

    @property
    def sn_label(self) -> str:
        """'Statistical neighbours (median of 7 of 10)'."""
        return neighbours_label(self.sn_count, len(self.neighbours))

    @property
    def sn_words(self) -> str:
        """For a sentence: "its statistical neighbours' median (7 of its 10 neighbours publish a figure)"."""
        total = len(self.neighbours)
        if self.sn_count == total:
            return "its statistical neighbours' median"
        return f"its statistical neighbours' median (of the {self.sn_count} of {total} with a published figure)"

    @property
    def published_decimals(self) -> int | None:
        """Decimals DfE published the shown year's figures with (None when not recorded)."""
        return (self.shown_measure or self.measure).decimals

    @property
    def source_title(self) -> str:
        """The publication the shown year's figures come from."""
        return (self.shown_measure or self.measure).source

    @property
    def matches_year(self) -> bool:
        """Whether the year shown is the year asked for (True when the latest was asked for)."""
        return self.year_requested is None or self.year == self.year_requested

    @property
    def year_label(self) -> str:
        """'2024-25' for a reporting year, '2023/24' for an academic year, ..."""
        return year_label(self.year, self.measure.year_kind)

    def table(self) -> pd.DataFrame:
        """The comparison ready to show: one row per area.

        Returns
        -------
        DataFrame
            area (label), role ('borough', 'statistical neighbours', 'sub-region',
            'region', 'England'), value, symbol. The neighbours row is their median.
        """
        rows = [
            (self.area.name, "borough", self.value, self.symbol),
            (self.sn_label, "statistical neighbours", self.sn_median, "" if not math.isnan(self.sn_median) else NO_ROW_SYMBOL),
        ]
        if self.sub_region_name:
            rows.append((self.sub_region_name, "sub-region", self.sub_region, self.sub_region_symbol))
        rows.append((self.region_name, "region", self.region, self.region_symbol))
        rows.append(("England", "England", self.england, self.england_symbol))
        return pd.DataFrame(rows, columns=["area", "role", "value", "symbol"]).astype({"value": "float64"})

    def describe(self) -> str:
        """One plain line: 'Children looked after at 31 March per 10,000 children, 2024-25:
        Hounslow 39; statistical neighbours (median) 45; Outer London 43; London 48; England 67.'
        """
        parts = []
        for label, role, value, symbol in self.table().itertuples(index=False):
            label = "statistical neighbours (median)" if role == "statistical neighbours" else label
            parts.append(f"{label} {_format(value, symbol, self.measure.decimals)}")
        text = f"{self.measure.title}, {self.year_label}: " + "; ".join(parts) + "."
        return f"{text} {self.year_note}".strip()


def _format(value: float, symbol: str, decimals: int | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return symbol or NO_ROW_SYMBOL
    digits = 1 if decimals is None else decimals
    return f"{value:,.{digits}f}"


_NO_ROW = (np.nan, NO_ROW_SYMBOL, np.nan, np.nan)


class _Year:
    """One published year of a measure, with its rows looked up by (level, area)."""

    def __init__(self, rows: pd.DataFrame):
        self.measure_id = str(rows["measure_id"].iloc[0]) if len(rows) else ""
        las = rows[rows["geographic_level"] == "Local authority"]
        self.las = las[["area_name", "dfe_number", "value", "numerator", "denominator", "symbol"]].reset_index(drop=True)
        self._rows: dict[tuple, tuple] = {}
        for level, code, dfe, value, symbol, numerator, denominator in rows[
                ["geographic_level", "area_code", "dfe_number", "value", "symbol", "numerator", "denominator"]
        ].itertuples(index=False):
            key = (level, None if level == "National" else (int(dfe) if level == "Local authority" else code))
            if level == "Local authority" and pd.isna(dfe):
                continue
            # the first row of an area wins, as before
            self._rows.setdefault(key, (float(value), str(symbol), float(numerator), float(denominator)))

    def row(self, key: tuple) -> tuple[float, str, float, float]:
        if key[0] == "Local authority" and key[1] is not None:
            key = (key[0], int(key[1]))
        return self._rows.get(key, _NO_ROW)


class _Indexed:
    """A measure's published figures split by year, for quick lookups by area."""

    def __init__(self, frame: pd.DataFrame):
        self.years = sorted(int(y) for y in frame["year"].unique().tolist())
        self.by_year = {int(y): _Year(rows) for y, rows in frame.groupby("year", sort=True)}
        # each authority's rows found in one pass; its trend is made when first asked for (a
        # briefing asks for one or two of the 153; making them all took most of a kernel's
        # first briefing)
        self._las = frame.loc[frame["geographic_level"] == "Local authority", ["year", "value", "symbol"]]
        dfe = frame.loc[self._las.index, "dfe_number"]
        self._positions = {int(number): at for number, at in dfe.groupby(dfe, sort=False).indices.items()}
        self._trend: dict[int, pd.DataFrame] = {}

    def trend_of(self, dfe_number) -> pd.DataFrame:
        key = int(dfe_number) if dfe_number is not None else None
        found = self._trend.get(key)
        if found is None and key in self._positions:
            found = self._trend[key] = self._las.iloc[self._positions[key]].sort_values("year").reset_index(drop=True)
        if found is None:
            return pd.DataFrame({"year": pd.Series(dtype="int64"), "value": pd.Series(dtype="float64"),
                                 "symbol": pd.Series(dtype="object")})
        return found.copy()


@functools.lru_cache(maxsize=512)
def _indexed(measure_id: str, directory: str) -> _Indexed:
    """The published figures of a measure, indexed once per process (a briefing compares
    dozens of measures; the overview compares every theme's)."""
    return _Indexed(figures(measure_id, directory or None))


def compare(area, measure_id: str, year: int | None = None, published_dir: str | os.PathLike | None = None) -> Comparison:
    """Compare a borough's published figure with England, its region, Inner / Outer London
    and its statistical neighbours.

    Parameters
    ----------
    area : Area, str or int
        The borough: an :class:`Area` or anything :func:`resolve_area` accepts
        ('hounslow', 'E09000018', 313, 'Hounslow').
    measure_id : str
        A catalogue id ('cla.rate_per_10k').
    year : int, optional
        The year (calendar year the period ends in). None: the latest published year of
        the measure. A year that is not published falls back to the latest one before it;
        ``year_requested`` and ``year_note`` say so.
    published_dir : path-like, optional
        The published files; by default ``config.published_dir()``, falling back to the
        shipped compact table.

    Returns
    -------
    Comparison

    Raises
    ------
    InputError
        Unknown area or measure, or no published year at or before ``year``.
    """
    la = resolve_area(area)
    measure = cat.get_measure(measure_id)
    directory = str(config.published_dir(published_dir) or "")
    found = _compared(la, measure.id, None if year is None else int(year), directory)
    # each caller gets its own tables and notes (the comparison is kept for the process)
    return dataclasses.replace(found, neighbours=found.neighbours.copy(), all_las=found.all_las.copy(),
                               trend=found.trend.copy(), notes=list(found.notes))


@functools.lru_cache(maxsize=256)  # one borough's at a time (about 100), not every borough's
def _compared(la: Area, measure_id: str, year: int | None, directory: str) -> Comparison:
    """:func:`compare`, once per process for each borough, measure, year and folder: a borough's
    briefings ask for about 250 comparisons, 94 of them different (the overview asks again for
    every theme's headline measures)."""
    measure = cat.get_measure(measure_id)
    index = _indexed(measure.id, directory)
    years = index.years
    if not years:
        raise InputError(f"No published figures for {measure.id}")
    note = ""
    shown = year_to_show(years, year)
    if shown is None:
        raise InputError(f"{measure.id} ({measure.title}) is first published for {years[0]}; nothing for {year} or before")
    if year is not None and shown != int(year):
        note = (f"{measure.title} is not published for {year_label(int(year), measure.year_kind)}; "
                f"the latest earlier year, {year_label(shown, measure.year_kind)}, is shown.")
    in_year = index.by_year[shown]
    shown_measure = cat.get_measure(in_year.measure_id) if in_year.measure_id else measure

    value, symbol, numerator, denominator = in_year.row(("Local authority", la.dfe_number))
    england, england_symbol, _, _ = in_year.row(("National", None))
    region, region_symbol, _, _ = in_year.row(("Regional", la.region_code))
    sub_region = sub_region_name = None
    sub_region_symbol = ""
    if la.sub_region_code:
        sub_region_name = la.sub_region
        sub_region, sub_region_symbol, _, _ = in_year.row(("Sub-regional", la.sub_region_code))

    neighbour_rows = []
    for neighbour, closeness in zip(neighbours_of(la), la.neighbour_closeness or [""] * len(la.neighbours)):
        n_value, n_symbol, _, _ = in_year.row(("Local authority", neighbour.dfe_number))
        neighbour_rows.append((neighbour.name, neighbour.dfe_number, closeness, n_value, n_symbol))
    neighbours = pd.DataFrame(neighbour_rows, columns=["name", "dfe_number", "closeness", "value", "symbol"])
    neighbours = neighbours.astype({"dfe_number": "Int64", "value": "float64"})
    sn_median, sn_count = neighbour_median(neighbours["value"])

    all_las = in_year.las.copy()
    trend = index.trend_of(la.dfe_number)
    notes = []
    if sn_count < MIN_NEIGHBOURS:
        notes.append(f"Only {sn_count} of the {len(neighbours)} statistical neighbours have a published value this "
                     "year: too few for a median.")
    return Comparison(
        measure_id=measure.id,
        measure=measure,
        area=la,
        year=int(shown),
        year_requested=None if year is None else int(year),
        year_note=note,
        value=value,
        symbol=symbol,
        numerator=numerator,
        denominator=denominator,
        england=england,
        england_symbol=england_symbol,
        region=region,
        region_symbol=region_symbol,
        region_name=la.region_name,
        sub_region=sub_region,
        sub_region_symbol=sub_region_symbol,
        sub_region_name=sub_region_name,
        sn_median=sn_median,
        sn_mean=float(neighbours["value"].mean()) if not math.isnan(sn_median) else np.nan,
        sn_count=sn_count,
        neighbours=neighbours,
        all_las=all_las,
        trend=trend,
        source=directory or "shipped table",
        notes=notes,
        shown_measure=shown_measure,
    )


def published_trend_frame(area, published_id: str, published_dir=None, up_to: int | None = None) -> pd.DataFrame:
    """A published measure over every published year (up to and including ``up_to`` when
    given; never a year after the briefing's): the borough, England, its region and the
    median of its statistical neighbours.

    Returns
    -------
    DataFrame
        One row per year (oldest first): ``year``, ``period`` ('2024-25'), ``borough``,
        ``borough_symbol``, ``numerator``, ``denominator`` (the borough's published counts,
        NaN where not published), ``england``, ``england_symbol``, ``region``,
        ``region_symbol``, ``sn_median`` (NaN when fewer than four neighbours have a
        figure) and ``sn_count``.
    """
    directory = str(config.published_dir(published_dir) or "")
    return _published_trend(resolve_area(area).slug, published_id, directory, None if up_to is None else int(up_to)).copy()


@functools.lru_cache(maxsize=512)
def _published_trend(slug: str, published_id: str, directory: str, up_to: int | None) -> pd.DataFrame:
    """:func:`published_trend_frame`, once per area, measure and year in a process (a borough's
    briefings ask for the same trends several times; published figures do not change while
    a process runs)."""
    la = resolve_area(slug)
    measure = cat.get_measure(published_id)
    frame = figures(measure.id, directory or None)
    if up_to is not None:
        frame = frame[frame["year"] <= int(up_to)]
    years = sorted(int(y) for y in frame["year"].unique())
    level = frame["geographic_level"]
    las = frame[level == "Local authority"]

    def by_year(rows):  # each year's first row (the order of the published file), by year
        return rows.drop_duplicates("year").set_index("year")

    own = by_year(las[las["dfe_number"] == la.dfe_number])
    eng = by_year(frame[level == "National"])
    reg = by_year(frame[(level == "Regional") & (frame["area_code"] == la.region_code)])
    neighbours = [n.dfe_number for n in neighbours_of(la)]
    near = las[las["dfe_number"].isin(neighbours)].groupby("year")["value"]
    near_values = {int(year): values for year, values in near}

    def get(rows, year, column, default=np.nan):
        return rows.at[year, column] if year in rows.index else default

    out = []
    for year in years:
        sn_median, sn_count = neighbour_median(near_values.get(year, pd.Series(dtype="float64")))
        out.append({"year": year, "period": year_label(year, measure.year_kind),
                    "borough": float(get(own, year, "value")), "borough_symbol": str(get(own, year, "symbol", "x")),
                    "numerator": float(get(own, year, "numerator")), "denominator": float(get(own, year, "denominator")),
                    "england": float(get(eng, year, "value")), "england_symbol": str(get(eng, year, "symbol", "x")),
                    "region": float(get(reg, year, "value")), "region_symbol": str(get(reg, year, "symbol", "x")),
                    "sn_median": sn_median, "sn_count": sn_count})
    return pd.DataFrame(out)
