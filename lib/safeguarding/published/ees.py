"""Readers for the published files: Explore Education Statistics (EES) CSVs, the LAIT
long parquet, ONS Census 2021 ethnic-group tables and ONS mid-year estimates.

Every numeric column ``X`` of a published file is split in two:

* ``X``: float, ``NaN`` where the file has a symbol (or a blank);
* ``X_symbol``: the symbol exactly as published (``c``, ``z``, ``x``, ``k``, ``low``,
  ``u``, ``..``, ``:``, ``NA``, ...), ``""`` where the cell holds a number.

A symbol is never turned into 0. What the EES symbols mean:

==========  ===================================================================
``c``       confidential (suppressed to protect individuals)
``k``       / ``low``: rounds to zero, but is not zero
``u``       low reliability (the figure is withheld)
``x``       not available
``z``       not applicable
``:``, ``..``, ``NA``, ``-``, ``.``: not available (older files and LAIT)
==========  ===================================================================

Years: ``year`` is always the calendar year a period ends in (see
:func:`period_year`): a reporting year ``2025`` (year ending 31 March 2025) is 2025; an
academic year ``202324`` is 2024.

Source: Department for Education / Office for National Statistics, Open Government
Licence v3.0.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from safeguarding.issues import InputError

#: Symbols found in numeric columns of official statistics files (compared case-insensitively).
SYMBOLS = ("c", "z", "x", "k", "low", "u", "..", ":", "na", "n/a", "-", ".", "*", "~", "supp", "dk")

SYMBOL_MEANINGS = {
    "c": "confidential (suppressed)",
    "k": "rounds to zero but is not zero",
    "low": "rounds to zero but is not zero",
    "u": "low reliability",
    "x": "not available",
    "z": "not applicable",
    ":": "not available",
    "..": "not available",
    "NA": "not available",
    "-": "not available",
    ".": "not applicable",
}

#: EES columns that identify a row: never converted to numbers (old_la_code looks numeric).
KEY_COLUMNS = frozenset(
    {
        "time_period",
        "time_identifier",
        "geographic_level",
        "country_code",
        "country_name",
        "region_code",
        "region_name",
        "old_la_code",
        "new_la_code",
        "la_name",
        "lad_code",
        "lad_name",
        "year",
        "level",
        "country",
        "school_type",
    }
)

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def _is_symbol(text: str) -> bool:
    return text.lower() in SYMBOLS


def _parse_number(text: str) -> float | None:
    """A number from published text ('263', '12.1', '7.0000000000000007E-2', '749,750'); else None."""
    t = text.strip()
    if _NUMBER.match(t):
        return float(t)
    if _THOUSANDS.match(t):
        return float(t.replace(",", ""))
    return None


def split_symbols(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Split published text into numbers and symbols.

    Parameters
    ----------
    values : Series of str
        Cells as published ('263', 'c', '', 'low').

    Returns
    -------
    (Series of float, Series of str)
        The numbers (``NaN`` for a symbol or a blank) and the symbols (``""`` where the
        cell holds a number or is blank). A symbol never becomes 0.
    """
    text = values.astype("object").where(values.notna(), "").map(lambda v: str(v).strip())
    numbers = text.map(_parse_number)
    numeric = pd.to_numeric(numbers, errors="coerce").astype("float64")
    symbol = text.where(numbers.isna(), "")
    return pd.Series(numeric.to_numpy(), index=values.index, name=values.name), symbol.astype(object)


def _looks_numeric(values: pd.Series) -> bool:
    """A column is numeric when its non-blank cells are numbers or known symbols (>= 1 number)."""
    text = values.astype("object").where(values.notna(), "").map(lambda v: str(v).strip())
    text = text[text != ""]
    if text.empty:
        return False
    parsed = text.map(_parse_number)
    n_numbers = parsed.notna().sum()
    if n_numbers == 0:
        return False
    leftovers = text[parsed.isna()]
    return bool(leftovers.map(_is_symbol).all())


def read_ees_csv(
    path: str | os.PathLike,
    numeric_columns: list[str] | None = None,
    key_columns: frozenset[str] | set[str] = KEY_COLUMNS,
) -> pd.DataFrame:
    """Read an EES-style CSV, splitting each numeric column into value and symbol.

    Handles a UTF-8 byte-order mark on the first header, quoted names containing commas
    ("Kingston upon Hull, City of"), key columns in any order, thousands separators
    ('749,750') and every published symbol.

    Parameters
    ----------
    path : path-like
        The CSV file.
    numeric_columns : list of str, optional
        Columns to split. By default every column outside ``key_columns`` whose non-blank
        cells are all numbers or known symbols (:data:`SYMBOLS`).
    key_columns : set of str
        Columns never treated as numeric (geography and time columns).

    Returns
    -------
    DataFrame
        Key and filter columns as text (blanks are ``""``); for each numeric column ``X``
        a float column ``X`` and a text column ``X_symbol`` right after it.

    Raises
    ------
    InputError
        The file is missing, empty or not a CSV, or a requested numeric column is absent.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"Published file not found: {path}")
    if path.stat().st_size == 0:
        raise InputError(f"Published file is empty: {path}")
    try:
        raw = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
            quoting=csv.QUOTE_MINIMAL,
            skipinitialspace=False,
        )
    except UnicodeDecodeError:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="cp1252")
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{path.name}: cannot be read as CSV ({exc})") from exc
    raw.columns = [str(c).replace("\ufeff", "").strip() for c in raw.columns]
    raw = raw.loc[:, [c for c in raw.columns if not (c.startswith("Unnamed:") and (raw[c] == "").all())]]
    if numeric_columns is None:
        numeric_columns = [c for c in raw.columns if c not in key_columns and _looks_numeric(raw[c])]
    else:
        missing = [c for c in numeric_columns if c not in raw.columns]
        if missing:
            raise InputError(f"{path.name}: expected column(s) {missing} not found; columns are {list(raw.columns)}")
    pieces: dict[str, pd.Series] = {}
    for column in raw.columns:
        if column in numeric_columns:
            number, symbol = split_symbols(raw[column])
            pieces[column] = number
            pieces[f"{column}_symbol"] = symbol
        else:
            pieces[column] = raw[column].map(lambda v: v.strip() if isinstance(v, str) else v)
    out = pd.DataFrame(pieces, index=raw.index)
    out.attrs["source"] = str(path)
    out.attrs["numeric_columns"] = list(numeric_columns)
    return out


# ----------------------------------------------------------------------------- periods

_YEAR_PATTERNS = [
    # 202324 (EES academic / financial year): ends in the second year.
    (re.compile(r"^(\d{4})(\d{2})$"), lambda m: _century(int(m.group(1)), int(m.group(2))), "academic_year"),
    # 2023/24, 2023-24, 2023/2024 (LAIT, old files).
    (re.compile(r"^(\d{4})\s*[/-]\s*(\d{2}|\d{4})$"), lambda m: _century(int(m.group(1)), int(m.group(2)[-2:])), "two_year"),
    # 2013/14-15/16 (three academic years): ends in the last.
    (re.compile(r"^(\d{4})/(\d{2})\s*-\s*(\d{2})/(\d{2})$"), lambda m: _century(int(m.group(1)), int(m.group(4))), "multi_year"),
    # 2025 (EES reporting year; calendar year).
    (re.compile(r"^(\d{4})$"), lambda m: int(m.group(1)), "year"),
]


def _century(start: int, end_two_digits: int) -> int:
    end = (start // 100) * 100 + end_two_digits
    if end <= start:
        end += 100
    if end - start > 10:
        raise ValueError(f"{start} and {end_two_digits:02d} do not make a period")
    return end


def _clean_period(time_period) -> str:
    text = str(time_period).strip()
    text = re.sub(r"\s*\((rev|revised|final|prov|provisional|ot|p|r)\)\s*$", "", text, flags=re.IGNORECASE)
    if re.fullmatch(r"\d{4}\.0", text):
        text = text[:4]
    return text


def period_year(time_period) -> int:
    """The year a published period is named by: the calendar year it ends in.

    Parameters
    ----------
    time_period : int or str
        EES ``time_period`` (``2025`` reporting year; ``202324`` academic year) or a LAIT
        ``Years`` label ('2015/16', '2016-17', '2016-17 (OT)', '2018 (Rev)', '2025 (prov)',
        '2014-16' three calendar years, '2013/14-15/16' three academic years).

    Returns
    -------
    int
        2025 -> 2025; 202324 -> 2024; '2015/16' -> 2016; '2014-16' -> 2016.

    Raises
    ------
    ValueError
        When the text is not a recognisable period (e.g. LAIT's stray '0').
    """
    text = _clean_period(time_period)
    for pattern, to_year, _ in _YEAR_PATTERNS:
        match = pattern.match(text)
        if match:
            year = to_year(match)
            if 1900 <= year <= 2100:
                return year
    raise ValueError(f"Not a recognisable period: {time_period!r}")


def period_label(time_period) -> str:
    """A readable label for a published period, as the publications write it.

    ``202324`` -> '2023/24'; ``2025`` -> '2025'; '2016-17 (OT)' -> '2016-17 (OT)';
    '2014-16' -> '2014-16'.
    """
    text = str(time_period).strip()
    match = re.fullmatch(r"(\d{4})(\d{2})", text)
    if match:
        return f"{match.group(1)}/{match.group(2)}"
    return text


#: Year kinds used by the catalogue, and how a year of each kind reads.
YEAR_KINDS = ("reporting_year", "academic_year", "financial_year", "mid_year", "calendar_year", "census")


def year_to_show(years, year: int | None) -> int | None:
    """The published year to show for a briefing's ``year``: that year if published, else the
    latest earlier one; never a later one (None when nothing is published for ``year`` or
    before). ``year`` None: the latest published. The one rule for every comparator."""
    earlier = sorted(int(y) for y in years if year is None or int(y) <= int(year))
    return earlier[-1] if earlier else None


def year_label(year: int, kind: str = "reporting_year", long: bool = False) -> str:
    """How a ``year`` (the calendar year a period ends in) reads for each kind of period.

    Parameters
    ----------
    year : int
        E.g. 2025.
    kind : str
        'reporting_year' (year ending 31 March: CLA, CIN, care leavers) -> '2024-25' or
        'year ending 31 March 2025'; 'academic_year' -> '2024/25'; 'financial_year' ->
        '2024-25'; 'mid_year' -> 'mid-2025'; 'calendar_year' / 'census' -> '2025'.
    long : bool
        The long form, for sentences.
    """
    year = int(year)
    if kind == "reporting_year":
        return f"year ending 31 March {year}" if long else f"{year - 1}-{year % 100:02d}"
    if kind == "academic_year":
        return f"academic year {year - 1}/{year % 100:02d}" if long else f"{year - 1}/{year % 100:02d}"
    if kind == "financial_year":
        return f"financial year {year - 1}-{year % 100:02d}" if long else f"{year - 1}-{year % 100:02d}"
    if kind == "mid_year":
        return f"30 June {year}" if long else f"mid-{year}"
    if kind in ("calendar_year", "census"):
        return f"Census {year}" if kind == "census" and long else str(year)
    raise ValueError(f"Unknown year kind {kind!r}; expected one of {YEAR_KINDS}")


# ----------------------------------------------------------------------------- LAIT

LAIT_COLUMNS = ("Short Desc", "Data item", "Years", "LA and Regions", "Values", "LA Number", "Region")


def read_lait(path: str | os.PathLike, measures: list[str] | None = None) -> pd.DataFrame:
    """Read the DfE Local Authority Interactive Tool long file (parquet).

    Values are published as text with float noise ('9.3699999999999992',
    '7.0000000000000007E-2') and '-' where there is no figure; 'Years' mixes formats
    ('2015/16', '2016-17 (OT)', '2018 (Rev)', '2014-16', '2025 (prov)'). Rows whose year
    cannot be read (a stray '0') are dropped and counted in ``attrs['dropped_years']``.

    Parameters
    ----------
    path : path-like
        ``benchmark_tool/lait_bds_long.parquet``.
    measures : list of str, optional
        Keep only these 'Short Desc' codes (e.g. ['TotPermEx', 'TotFixedEx']).

    Returns
    -------
    DataFrame
        measure_short, data_item, period (as published), year (int, year the period ends
        in), la_name, dfe_number (Int64: LA number, or 970 England, 980-990 regions),
        region, Values (float), Values_symbol ('-' etc.; '' when a number).
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"LAIT file not found: {path}")
    frame = pd.read_parquet(path)
    missing = [c for c in LAIT_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"{path.name}: LAIT column(s) {missing} not found; columns are {list(frame.columns)}")
    if measures is not None:
        frame = frame[frame["Short Desc"].isin(measures)]
    values, symbols = split_symbols(frame["Values"])
    years = frame["Years"].map(_safe_period_year)
    out = pd.DataFrame(
        {
            "measure_short": frame["Short Desc"].astype(object),
            "data_item": frame["Data item"].astype(object),
            "period": frame["Years"].astype(object),
            "year": years,
            "la_name": frame["LA and Regions"].astype(object),
            "dfe_number": pd.to_numeric(frame["LA Number"], errors="coerce").round().astype("Int64"),
            "region": frame["Region"].astype(object).where(frame["Region"] != "NA", ""),
            "Values": values,
            "Values_symbol": symbols,
        }
    )
    dropped = int(out["year"].isna().sum())
    out = out[out["year"].notna()].copy()
    out["year"] = out["year"].astype(int)
    out.attrs["source"] = str(path)
    out.attrs["dropped_years"] = dropped
    return out.reset_index(drop=True)


def _safe_period_year(text) -> float:
    try:
        return float(period_year(text))
    except (ValueError, TypeError):
        return np.nan


def read_lait_dictionary(path: str | os.PathLike) -> pd.DataFrame:
    """Read ``lait_data_dictionary.csv`` (all text; 'NA' kept as text)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"LAIT data dictionary not found: {path}")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [c.strip() for c in frame.columns]
    return frame


# ----------------------------------------------------------------------------- ONS


def read_ons_ethnic_population(path: str | os.PathLike) -> pd.DataFrame:
    """Read an ONS Census 2021 'Ethnic group (20 categories)' table (LA, region or country).

    The first two columns are the geography code and name, whatever their headers
    ('2023 Upper tier local authorities Code', 'Regions Code', 'Countries Code').

    Returns
    -------
    DataFrame
        area_code, area_name, ons_category (int; -8 is 'Does not apply'), ons_label,
        observation (int, all ages).
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"ONS ethnic population file not found: {path}")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [c.strip() for c in frame.columns]
    code_cols = [c for c in frame.columns if c.endswith("Code")]
    try:
        geo_code = next(c for c in code_cols if "ethnic" not in c.lower())
        eth_code = next(c for c in code_cols if "ethnic" in c.lower())
    except StopIteration:
        raise InputError(
            f"{path.name}: expected a geography 'Code' column and an 'Ethnic group ... Code' column; "
            f"columns are {list(frame.columns)}"
        ) from None
    geo_name = geo_code[: -len(" Code")].strip()
    eth_name = eth_code[: -len(" Code")].strip()
    for column in (geo_name, eth_name, "Observation"):
        if column not in frame.columns:
            raise InputError(f"{path.name}: column {column!r} not found; columns are {list(frame.columns)}")
    observation, symbol = split_symbols(frame["Observation"])
    if (symbol != "").any():
        bad = frame.loc[symbol != "", "Observation"].iloc[0]
        raise InputError(f"{path.name}, column Observation: non-numeric value {bad!r}")
    return pd.DataFrame(
        {
            "area_code": frame[geo_code].str.strip(),
            "area_name": frame[geo_name].str.strip(),
            "ons_category": pd.to_numeric(frame[eth_code]).astype(int),
            "ons_label": frame[eth_name],
            "observation": observation.round().astype("int64"),
        }
    )


def read_ons_mid_year_population(path: str | os.PathLike) -> pd.DataFrame:
    """Read ONS mid-year estimates of children aged 0 to 17.

    Two layouts are accepted:

    * the EES-shaped file (``time_period, geographic_level, ..., age_group,
      population_estimate``), as in ``ons_mid-year_population_estimates_2012_to_2024.csv``;
    * an ONS MYE2 table (``Code, Name, Geography, All ages, 0, 1, ..., 90``): ages 0 to 17
      are summed; the year comes from ``mid20YY`` in the file name.

    Returns
    -------
    DataFrame
        year (int, the mid-year), geographic_level, area_code, dfe_number (Int64, LA rows),
        area_name, population (float), population_symbol.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"ONS mid-year estimates file not found: {path}")
    if path.stat().st_size == 0:
        raise InputError(f"ONS mid-year estimates file is empty: {path}")
    head = pd.read_csv(path, dtype=str, nrows=0, encoding="utf-8-sig").columns
    head = [c.strip() for c in head]
    if "time_period" in head:
        frame = read_ees_csv(path)
        if "population_estimate" not in frame.columns:
            raise InputError(f"{path.name}: column 'population_estimate' not found")
        if "age_group" in frame.columns:
            frame = frame[frame["age_group"].str.contains("0 to 17", regex=False)]
        geo = ees_geography(frame)
        return pd.DataFrame(
            {
                "year": frame["time_period"].map(period_year).astype(int),
                **{c: geo[c] for c in geo.columns},
                "population": frame["population_estimate"],
                "population_symbol": frame["population_estimate_symbol"],
            }
        ).reset_index(drop=True)
    ages = [str(a) for a in range(18)]
    if "Code" in head and all(a in head for a in ages):
        match = re.search(r"mid[-_]?(\d{4})", path.name, flags=re.IGNORECASE)
        if not match:
            raise InputError(f"{path.name}: MYE2 layout, but no 'midYYYY' in the file name to give the year")
        frame = read_ees_csv(path, numeric_columns=ages, key_columns=frozenset(head) - set(ages))
        total = frame[ages].sum(axis=1, min_count=len(ages))
        symbol = frame[[f"{a}_symbol" for a in ages]].apply(lambda r: next((s for s in r if s), ""), axis=1)
        code = frame["Code"].str.strip()
        level = np.select(
            [code.str.startswith("E92"), code.str.startswith("E12"), code.str.startswith("E13")],
            ["National", "Regional", "Sub-regional"],
            default="Local authority",
        )
        return pd.DataFrame(
            {
                "year": int(match.group(1)),
                "geographic_level": level,
                "area_code": code,
                "dfe_number": pd.array([pd.NA] * len(frame), dtype="Int64"),
                "area_name": frame["Name"].str.strip() if "Name" in frame.columns else "",
                "population": total,
                "population_symbol": symbol,
            }
        ).reset_index(drop=True)
    raise InputError(
        f"{path.name}: not a recognised mid-year estimates layout (expected EES columns time_period/"
        f"population_estimate or an ONS MYE2 table with Code and single-year ages); columns are {head[:12]}"
    )


# ----------------------------------------------------------------------------- geography

GEOGRAPHIC_LEVELS = ("National", "Regional", "Sub-regional", "Local authority")


def ees_geography(frame: pd.DataFrame) -> pd.DataFrame:
    """The geography of each EES row, in the layout :func:`figures` uses.

    Inner and Outer London (region codes E13000001 / E13000002, published as
    'Regional') become 'Sub-regional'.

    Returns
    -------
    DataFrame
        geographic_level, area_code, dfe_number (Int64, LA rows only), area_name.
    """
    source = frame.attrs.get("source", "published file")
    for column in ("geographic_level", "country_code", "country_name"):
        if column not in frame.columns:
            raise InputError(f"{Path(source).name}: EES column {column!r} not found")
    level = frame["geographic_level"].astype(object)
    region_code = frame.get("region_code", pd.Series("", index=frame.index)).astype(object)
    region_name = frame.get("region_name", pd.Series("", index=frame.index)).astype(object)
    la_code = frame.get("new_la_code", pd.Series("", index=frame.index)).astype(object)
    la_name = frame.get("la_name", pd.Series("", index=frame.index)).astype(object)
    la_number = frame.get("old_la_code", pd.Series("", index=frame.index)).astype(object)
    national = level == "National"
    regional = level == "Regional"
    sub = regional & region_code.str.startswith("E13")
    local = level == "Local authority"
    out_level = level.where(~sub, "Sub-regional")
    area_code = np.select(
        [national, regional, local], [frame["country_code"].astype(object), region_code, la_code], default=""
    )
    area_name = np.select(
        [national, regional, local], [frame["country_name"].astype(object), region_name, la_name], default=""
    )
    number = pd.to_numeric(la_number.where(local, ""), errors="coerce").round().astype("Int64")
    return pd.DataFrame(
        {
            "geographic_level": out_level.to_numpy(dtype=object),
            "area_code": area_code,
            "dfe_number": number.to_numpy(),
            "area_name": area_name,
        },
        index=frame.index,
    ).astype({"dfe_number": "Int64"})
