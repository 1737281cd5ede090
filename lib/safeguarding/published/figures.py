"""Published figures as one tidy long frame per measure.

:func:`figures` returns, for a catalogue measure, every published row (England, regions,
Inner / Outer London, every LA, every year) as::

    measure_id, year, geographic_level, area_code, dfe_number, area_name,
    value, numerator, denominator, symbol

``value`` is NaN wherever the file has a symbol, and ``symbol`` keeps it (``c``, ``z``,
``x``, ``k``, ``u``, ...; '' when a number is published). A symbol is never a zero.

Where the figures come from: ``config.published_dir(published_dir)`` (the real DfE / ONS
files). When no such directory exists (a fresh clone without ``../shared``), the compact
table shipped with the package, ``published/data/published_figures.csv.gz`` (built by
``scripts/build_published_table.py`` from the same catalogue), is used instead.

Source: Department for Education / Office for National Statistics, Open Government
Licence v3.0.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np
import pandas as pd

from safeguarding import config
from safeguarding.codes import areas as area_codes
from safeguarding.issues import InputError
from safeguarding.published import catalogue as cat
from safeguarding.published.ees import (
    ees_geography,
    period_year,
    read_ees_csv,
    read_lait,
)

FIGURE_COLUMNS = [
    "measure_id",
    "year",
    "geographic_level",
    "area_code",
    "dfe_number",
    "area_name",
    "value",
    "numerator",
    "denominator",
    "symbol",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED_TABLE = DATA_DIR / "published_figures.csv.gz"
ATTRIBUTION = "Source: Department for Education / Office for National Statistics, Open Government Licence v3.0"

#: LAIT numbers for England and the regions -> (geographic_level, code, name).
LAIT_GEOGRAPHY = {
    970: ("National", area_codes.ENGLAND_CODE, "England"),
    980: ("Regional", "E12000001", "North East"),
    981: ("Regional", "E12000002", "North West"),
    982: ("Regional", "E12000003", "Yorkshire and The Humber"),
    983: ("Regional", "E12000004", "East Midlands"),
    984: ("Regional", "E12000005", "West Midlands"),
    985: ("Regional", "E12000006", "East of England"),
    986: ("Regional", "E12000007", "London"),
    987: ("Sub-regional", area_codes.INNER_LONDON_CODE, "Inner London"),
    988: ("Sub-regional", area_codes.OUTER_LONDON_CODE, "Outer London"),
    989: ("Regional", "E12000008", "South East"),
    990: ("Regional", "E12000009", "South West"),
}
#: LAIT prints '-' for "no figure"; in the figures frame it becomes the EES symbol 'x'.
LAIT_SYMBOLS = {"-": "x"}

_LEVEL_ORDER = {"National": 0, "Regional": 1, "Sub-regional": 2, "Local authority": 3}


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in FIGURE_COLUMNS})
    return _typed(frame)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[FIGURE_COLUMNS].copy()
    out["year"] = pd.to_numeric(out["year"]).astype("int64")
    out["dfe_number"] = pd.to_numeric(out["dfe_number"], errors="coerce").round().astype("Int64")
    for column in ("value", "numerator", "denominator"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    for column in ("measure_id", "geographic_level", "area_code", "area_name", "symbol"):
        out[column] = out[column].astype(object).where(out[column].notna(), "").astype(str).astype(object)
    return out


def _sorted(frame: pd.DataFrame, by_measure: bool = True) -> pd.DataFrame:
    order = frame["geographic_level"].map(_LEVEL_ORDER).fillna(9)
    keys = ["measure_id"] * by_measure + ["year", "_order", "area_code", "dfe_number"]
    return frame.assign(_order=order).sort_values(keys, kind="stable").drop(columns="_order").reset_index(drop=True)


# ----------------------------------------------------------------------------- loading files


@functools.cache
def _load_ees(directory: str, relative: str) -> pd.DataFrame:
    path = Path(directory) / relative
    frame = cat.normalise_schema(read_ees_csv(path))
    if "time_period" not in frame.columns:
        raise InputError(f"{path.name}: column 'time_period' not found; columns are {list(frame.columns)}")
    geography = ees_geography(frame)
    frame = frame.drop(columns=[c for c in geography.columns if c in frame.columns])
    frame = pd.concat([frame, geography], axis=1)
    frame["year"] = frame["time_period"].map(period_year).astype("int64")
    frame.attrs["source"] = str(path)
    return frame


@functools.cache
def _load_lait(directory: str, relative: str) -> pd.DataFrame:
    path = Path(directory) / relative
    codes = sorted({m.filter_dict["Short Desc"] for m in cat.CATALOGUE if m.source_kind == "lait"})
    frame = read_lait(path, measures=codes)
    frame = frame.rename(columns={"measure_short": "Short Desc"})
    number = frame["dfe_number"]
    lookup = {a.dfe_number: a for a in area_codes.all_areas(include_terminated=True)}
    level, code, name = [], [], []
    for n, published_name in zip(number, frame["la_name"]):
        if pd.notna(n) and int(n) in LAIT_GEOGRAPHY:
            lv, cd, nm = LAIT_GEOGRAPHY[int(n)]
        else:
            area = lookup.get(int(n)) if pd.notna(n) else None
            lv, cd, nm = "Local authority", (area.ons_code if area else ""), published_name
        level.append(lv)
        code.append(cd)
        name.append(nm)
    frame["geographic_level"] = level
    frame["area_code"] = code
    frame["area_name"] = name
    frame["dfe_number"] = number.where(frame["geographic_level"] == "Local authority")
    frame["Values_symbol"] = frame["Values_symbol"].map(lambda s: LAIT_SYMBOLS.get(s, s))
    frame.attrs["source"] = str(path)
    return frame


def _load(directory: str, relative: str) -> pd.DataFrame:
    if relative.endswith(".parquet"):
        return _load_lait(directory, relative)
    return _load_ees(directory, relative)


# ----------------------------------------------------------------------------- computing


def _mask(frame: pd.DataFrame, filters: dict[str, str], source: str) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, wanted in filters.items():
        if column not in frame.columns:
            raise InputError(f"{Path(source).name}: filter column {column!r} not found; columns are {list(frame.columns)}")
        mask &= frame[column].astype(str).str.strip() == wanted
    return mask


def _reference(measure: cat.PublishedMeasure, ref: cat.Ref | None, frame: pd.DataFrame, rows: pd.DataFrame) -> pd.Series:
    """Numerator or denominator for ``rows``: from their own column, or from sibling rows."""
    source = frame.attrs.get("source", measure.file)
    if ref is None:
        return pd.Series(np.nan, index=rows.index)
    if ref.column not in frame.columns:
        raise InputError(
            f"{Path(source).name}: column {ref.column!r} (for {measure.id}) not found; columns are {list(frame.columns)}"
        )
    if not ref.where:
        return rows[ref.column].astype("float64")
    filters = {**measure.filter_dict, **dict(ref.where)}
    siblings = frame[_mask(frame, filters, source)]
    keys = ["year", "geographic_level", "area_code", "dfe_number"]
    siblings = siblings[keys + [ref.column]]
    if siblings.duplicated(keys).any():
        dup = siblings[siblings.duplicated(keys, keep=False)].head(2)
        raise InputError(f"{Path(source).name}: more than one row for {filters} at {dup[keys].to_dict('records')}")
    merged = rows[keys].merge(siblings, on=keys, how="left")
    return pd.Series(merged[ref.column].to_numpy(dtype="float64"), index=rows.index)


#: What reading a published file can raise when the file is absent or laid out differently.
UNREADABLE = (InputError, OSError, ValueError, KeyError, UnicodeError, pd.errors.ParserError)


class PublishedUnavailable(InputError):
    """A published file the catalogue needs could not be read (not in the folder, or laid out
    differently, e.g. an older wide release). Its message is fit for a circulated briefing:
    the release file's name, in plain words, no local path; ``detail`` keeps the reader's
    own message (columns found, path) for the analyst."""

    def __init__(self, relative: str, detail: str):
        self.file, self.detail = relative, detail
        missing = "not found" in detail and ("Published file" in detail or "LAIT file" in detail)
        why = ("it is not in the published folder" if missing else
               "it is not laid out as this version reads DfE's releases (an older or re-shaped release?)")
        super().__init__(f"DfE's published file {relative} could not be read: {why}. Figures from it are not available")


def _file_measure(measure: cat.PublishedMeasure, directory: str) -> pd.DataFrame:
    frame = _load(directory, measure.file)
    source = frame.attrs.get("source", measure.file)
    if measure.value not in frame.columns:
        raise InputError(
            f"{Path(source).name}: value column {measure.value!r} (for {measure.id}) not found; "
            f"columns are {list(frame.columns)}"
        )
    rows = frame[_mask(frame, measure.filter_dict, source)]
    if rows.empty:
        raise InputError(f"{Path(source).name}: no rows match {measure.filter_dict} (for {measure.id})")
    out = pd.DataFrame(
        {
            "measure_id": measure.id,
            "year": rows["year"],
            "geographic_level": rows["geographic_level"],
            "area_code": rows["area_code"],
            "dfe_number": rows["dfe_number"],
            "area_name": rows["area_name"],
            "value": rows[measure.value].astype("float64"),
            "numerator": _reference(measure, measure.numerator, frame, rows),
            "denominator": _reference(measure, measure.denominator, frame, rows),
            "symbol": rows[f"{measure.value}_symbol"],
        },
        index=rows.index,
    )
    return _typed(out)


def _derived_measure(measure: cat.PublishedMeasure, directory: str | None) -> pd.DataFrame:
    numerator_id, population_id = measure.derived_from
    num = figures(numerator_id, directory)
    pop = figures(population_id, directory)
    pop = pop.assign(year=pop["year"] + measure.population_lag)
    pop_la = pop[pop["geographic_level"] == "Local authority"].drop_duplicates(["year", "dfe_number"])
    pop_other = pop[pop["geographic_level"] != "Local authority"].drop_duplicates(["year", "area_code"])
    la = num["geographic_level"] == "Local authority"
    by_number = num.loc[la, ["year", "dfe_number"]].merge(
        pop_la[["year", "dfe_number", "value", "symbol"]], on=["year", "dfe_number"], how="left"
    )
    by_code = num.loc[~la, ["year", "area_code"]].merge(
        pop_other[["year", "area_code", "value", "symbol"]], on=["year", "area_code"], how="left"
    )
    population = pd.Series(np.nan, index=num.index)
    pop_symbol = pd.Series("", index=num.index, dtype=object)
    population.loc[la] = by_number["value"].to_numpy()
    population.loc[~la] = by_code["value"].to_numpy()
    pop_symbol.loc[la] = by_number["symbol"].fillna("x").to_numpy()
    pop_symbol.loc[~la] = by_code["symbol"].fillna("x").to_numpy()
    rate = (num["value"] / population * measure.per).where(population > 0)
    if measure.decimals is not None:
        rate = rate.round(measure.decimals)
    symbol = num["symbol"].where(num["symbol"] != "", "")
    no_population = population.isna() & (symbol == "") & num["value"].notna()
    symbol = symbol.where(~no_population, pop_symbol.where(pop_symbol != "", "x"))
    out = num.assign(
        measure_id=measure.id, value=rate, numerator=num["value"], denominator=population, symbol=symbol
    )
    return _typed(out)


# ----------------------------------------------------------------------------- shipped table


@functools.cache
def _shipped_table() -> pd.DataFrame:
    if not SHIPPED_TABLE.exists():
        raise InputError(
            f"No published-statistics directory was found and the shipped table {SHIPPED_TABLE} is missing: "
            f"set ${config.ENV_PUBLISHED} or rebuild it with scripts/build_published_table.py"
        )
    frame = pd.read_csv(
        SHIPPED_TABLE,
        comment="#",
        dtype={"measure_id": str, "geographic_level": str, "area_code": str, "area_name": str, "symbol": str},
        keep_default_na=False,
        na_values={"value": [""], "numerator": [""], "denominator": [""], "dfe_number": [""]},
    )
    return _typed(frame)


def write_shipped_table(frame: pd.DataFrame, path: str | os.PathLike = SHIPPED_TABLE) -> Path:
    """Write the compact table (gzip CSV, attribution in '#' header lines).

    Numbers are written with up to 10 significant digits, which removes LAIT's float
    noise ('9.3699999999999992' -> 9.37) and keeps every published digit.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = _sorted(_typed(frame))
    header = (
        f"# {ATTRIBUTION}.\n"
        "# Compact copy of the published figures in safeguarding.published.catalogue; "
        "built by scripts/build_published_table.py. Symbols as published (c, z, x, k, u, ...).\n"
    )
    import gzip

    body = frame.to_csv(index=False, float_format="%.10g", lineterminator="\n")
    with gzip.GzipFile(path, "wb", compresslevel=9, mtime=0) as handle:
        handle.write((header + body).encode("utf-8"))
    return path


# ----------------------------------------------------------------------------- public API


def figures(measure_id: str, published_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Every published figure for one measure, tidy and long.

    Parameters
    ----------
    measure_id : str
        A catalogue id (see :func:`safeguarding.published.catalogue.measure_ids`), e.g.
        'cla.rate_per_10k'.
    published_dir : path-like, optional
        Directory of the published files; by default ``config.published_dir()``. When no
        directory is available the shipped compact table is used.

    Returns
    -------
    DataFrame
        measure_id (the catalogue id whose source gave the row: the measure's own, or for
        years its file lacks, a continuation's; see ``PublishedMeasure.continued_by``),
        year (int: the year the period ends in), geographic_level ('National',
        'Regional', 'Sub-regional' for Inner / Outer London, 'Local authority'), area_code
        (E92000001 / E12... / E13... / the LA's ONS code as published that year; for
        LAIT measures, the LA's current code from the areas lookup),
        dfe_number (Int64, LA rows only), area_name, value, numerator, denominator
        (float; NaN where not published), symbol ('' when a number is published).

    Raises
    ------
    InputError
        Unknown measure id; a file or column the catalogue expects is missing.
    """
    measure = cat.get_measure(measure_id)
    out = _own_figures(measure, published_dir)
    if not measure.continued_by:
        return out
    parts, years = [out], set(out["year"])
    for other in measure.continued_by:
        try:
            more = _own_figures(cat.get_measure(other), published_dir)
        except InputError:
            continue  # a release without the continuing source: the measure's own years stand
        more = more[~more["year"].isin(years)]
        years |= set(more["year"])
        parts.append(more)
    return _sorted(pd.concat(parts, ignore_index=True), by_measure=False)  # years in order, whichever source


def _own_figures(measure: cat.PublishedMeasure, published_dir) -> pd.DataFrame:
    """The figures of ``measure``'s own source only (no continuation)."""
    directory = config.published_dir(published_dir)
    if directory is None:
        table = _shipped_table()
        out = table[table["measure_id"] == measure.id]
        if out.empty:
            raise InputError(
                f"Measure {measure.id!r} is not in the shipped table {SHIPPED_TABLE.name}; "
                f"rebuild it with scripts/build_published_table.py"
            )
        return out.reset_index(drop=True).copy()
    return _cached_figures(measure.id, str(directory)).copy()


@functools.cache
def _cached_figures(measure_id: str, directory: str) -> pd.DataFrame:
    """Figures for one measure, parsed once per process and kept on disk between processes.

    Parsing the EES files takes most of a second; every briefing kernel needs a few
    measures. The disk copy (parquet in ``config.cache_dir()``) is keyed by the measure,
    the directory, the package version and the size and modification time of every
    published file the catalogue reads, so a changed file is re-read.
    """
    import hashlib
    import tempfile

    from safeguarding import __version__
    stamp = [measure_id, directory, __version__]
    for rel in cat.files_used():
        path = Path(directory) / rel
        if path.exists():
            st = path.stat()
            stamp.append(f"{rel}:{st.st_size}:{st.st_mtime_ns}")
    key = hashlib.sha256("|".join(stamp).encode()).hexdigest()[:20]
    cache = config.cache_dir() / f"published-{measure_id}-{key}.parquet"
    if cache.exists():
        try:
            return pd.read_parquet(cache)
        except Exception:  # a damaged cache file is rebuilt, never trusted
            pass
    measure = cat.get_measure(measure_id)
    try:
        if measure.source_kind == "derived":
            out = _derived_measure(measure, directory)
        else:
            out = _file_measure(measure, directory)
    except PublishedUnavailable:
        raise
    except UNREADABLE as exc:
        raise PublishedUnavailable(measure.file or measure.id, str(exc)) from exc
    out = _sorted(out)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache.parent, suffix=".tmp")
        os.close(fd)
        out.to_parquet(tmp, index=False)
        os.replace(tmp, cache)
    except OSError:
        pass  # a read-only cache folder only costs time
    return out


def unreadable_files(published_dir: str | os.PathLike | None = None) -> list[PublishedUnavailable]:
    """Every published file the catalogue reads that cannot be read, once each (for a run to
    say so once, before it starts): briefings then say those comparisons are not available."""
    directory = config.published_dir(published_dir)
    if directory is None:
        return []
    out = []
    for rel in cat.files_used():
        path = Path(directory) / rel
        try:
            if not path.exists():
                raise InputError(f"Published file not found: {path}")
            if rel.endswith(".csv"):  # its first rows: enough to see the layout, without parsing it all
                head = cat.normalise_schema(pd.read_csv(path, nrows=20, dtype=str, encoding="utf-8-sig"))
                need = {"time_period"} | {c for m in cat.CATALOGUE if m.file == rel
                                          for c in (m.value, *m.filter_dict)}
                missing = sorted(need - set(head.columns))
                if missing:
                    raise InputError(f"{path.name}: column(s) {missing} not found; columns are {list(head.columns)}")
        except UNREADABLE as exc:
            out.append(PublishedUnavailable(rel, str(exc)))
    return out


def area_figure(measure_id: str, area, year: int, published_dir=None) -> pd.Series | None:
    """DfE's figure of ``measure_id`` for ``area`` (a :class:`~safeguarding.codes.areas.Area`) and
    ``year``, or None when none is published or it is suppressed (a symbol tells a reader nothing exact)."""
    frame = figures(measure_id, published_dir)
    rows = frame[(frame["dfe_number"] == area.dfe_number) & (frame["year"] == year)]
    if rows.empty:
        return None
    row = rows.iloc[-1]
    if str(row.get("symbol") or "").strip() or pd.isna(row["value"]):
        return None  # suppressed or not published: tells a reader nothing exact
    return row


def all_figures(published_dir: str | os.PathLike | None = None, measure_ids: list[str] | None = None) -> pd.DataFrame:
    """Every catalogue measure's own figures (or those named), in one frame: each row once,
    under the measure whose source published it (continuations are not repeated)."""
    ids = measure_ids or cat.measure_ids()
    frames = [_own_figures(cat.get_measure(m), published_dir) for m in ids]
    return _sorted(pd.concat(frames, ignore_index=True)) if frames else _empty()


def available_years(measure_id: str, published_dir: str | os.PathLike | None = None) -> list[int]:
    """Years for which a measure is published, oldest first."""
    return sorted(figures(measure_id, published_dir)["year"].unique().tolist())


def clear_cache() -> None:
    """Forget files read so far (after the published files change)."""
    from safeguarding.published import characteristics, comparators
    for function in (_load_ees, _load_lait, _cached_figures, _shipped_table, comparators._indexed,
                     comparators._published_trend):
        function.cache_clear()
    characteristics.clear_cache()
