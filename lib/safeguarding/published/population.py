"""Population denominators: children aged 0 to 17 (ONS mid-year estimates) and
population by ethnic group (ONS Census 2021), for an LA, a region or England.

Both work without the published-statistics directory: the 0-17 estimates are the
measure ``population.children_0_17`` of the shipped figures table, and the Census
counts are shipped in ``published/data/census2021_ethnic_population.csv.gz``.

Source: Department for Education / Office for National Statistics, Open Government
Licence v3.0.
"""

from __future__ import annotations

import functools
import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from safeguarding import config
from safeguarding.codes import areas as area_codes
from safeguarding.codes import ethnicity
from safeguarding.issues import InputError
from safeguarding.published import catalogue as cat
from safeguarding.published.ees import read_ons_ethnic_population
from safeguarding.published.figures import ATTRIBUTION, DATA_DIR, figures

SHIPPED_CENSUS = DATA_DIR / "census2021_ethnic_population.csv.gz"
POPULATION_MEASURE = "population.children_0_17"

#: The assumption behind :func:`child_population_by_ethnicity`; briefings quote it.
NOTE = (
    "Child populations by ethnic group are estimates: each group's share of the whole "
    "population (all ages) in Census 2021 is applied to the ONS mid-year estimate of "
    "children aged 0 to 17. Children's ethnic profile differs from adults' (for example, "
    "more children than adults are of Mixed ethnicity), so rates per 10,000 children of a "
    "group are approximate."
)


@dataclass(frozen=True)
class Geography:
    """Where a population is counted: an LA, a region (or Inner/Outer London) or England.

    ``census_codes``: for an LA, its ONS code then its former codes (the first one present
    in the Census table is used); for Inner / Outer London, the codes of its LAs (summed).
    """

    level: str
    area_code: str
    name: str
    dfe_number: int | None = None
    census_codes: tuple[str, ...] = ()


def geography_of(area) -> Geography:
    """An LA (anything :func:`~safeguarding.codes.areas.resolve_area` accepts), or
    'England' / E92000001, a region name or E12 code, 'Inner London' / 'Outer London'.
    """
    if isinstance(area, Geography):
        return area
    if isinstance(area, str):
        key = area_codes.name_key(area)
        if key in ("england", "e92000001", "national"):
            return Geography("National", area_codes.ENGLAND_CODE, "England", None, (area_codes.ENGLAND_CODE,))
        for code, name in area_codes.REGIONS.items():
            if key in (code.lower(), area_codes.name_key(name)):
                return Geography("Regional", code, name, None, (code,))
        for code, name in area_codes.SUB_REGIONS.items():
            # 'Inner London', 'inner-london', 'London (Inner)' (LAIT), E13000001
            if key in (code.lower(), area_codes.name_key(name), "london " + name.split()[0].lower()):
                members = tuple(a.ons_code for a in area_codes.london_areas() if a.sub_region == name)
                return Geography("Sub-regional", code, name, None, members)
    la = area_codes.resolve_area(area)
    return Geography("Local authority", la.ons_code, la.name, la.dfe_number, (la.ons_code, *la.former_ons_codes))


# ----------------------------------------------------------------------------- 0 to 17


#: ONS mid-year estimates by single year of age (and sex), the file the published folder may hold.
AGE_SEX_FILE = "population/ons_mye2_mid2023_Persons.csv"


def age_sex_population_note(published_dir: str | os.PathLike | None = None) -> str:
    """Why the borough's missing children by age and sex are not set against its child
    population: the ONS single-year-of-age estimate is not readable in the published folder
    (in the folder this project is tested with, the file is empty), and the 0 to 17 totals
    give no age or sex."""
    from safeguarding import config
    directory = config.published_dir(published_dir)
    path = None if directory is None else Path(directory) / AGE_SEX_FILE
    if path is None or not path.is_file():
        state = "is not in the published statistics folder"
    elif path.stat().st_size == 0:
        state = "in the published statistics folder is empty"
    else:
        state = "in the published statistics folder is not yet read by this project"
    return ("Age and sex are not set against the borough's child population: the ONS estimate of children by single "
            f"year of age and sex (MYE2) {state}, and the 0 to 17 totals used elsewhere give no age or sex. So the "
            "shares below say who went missing, not which ages or which sex are more likely to go missing.")


def child_population_series(area, published_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """ONS mid-year estimates of children aged 0 to 17 for one area, every year.

    Returns
    -------
    DataFrame
        year (mid-year), value (persons), symbol.
    """
    geo = geography_of(area)
    frame = figures(POPULATION_MEASURE, published_dir)
    if geo.level == "Local authority":
        rows = frame[(frame["geographic_level"] == "Local authority") & (frame["dfe_number"] == geo.dfe_number)]
    else:
        rows = frame[frame["area_code"] == geo.area_code]
    return rows[["year", "value", "symbol"]].sort_values("year").reset_index(drop=True)


def child_population(area, year: int, published_dir: str | os.PathLike | None = None) -> int:
    """Children aged 0 to 17 (ONS mid-year estimate) in an area.

    Parameters
    ----------
    area : Area, str or int
        An LA, or 'England', a region ('London'), 'Inner London' / 'Outer London'.
    year : int
        The mid-year wanted (30 June of ``year``). The latest published estimate at or
        before it is used. DfE divides counts for the year ending 31 March Y by the mid-(Y-1)
        estimate: pass ``Y - 1`` to reproduce its rates.

    Returns
    -------
    int

    Raises
    ------
    InputError
        No estimate for the area at or before ``year``.
    """
    geo = geography_of(area)
    series = child_population_series(geo, published_dir)
    usable = series[(series["year"] <= int(year)) & series["value"].notna()]
    if usable.empty:
        first = series["year"].min() if len(series) else None
        raise InputError(
            f"No ONS mid-year estimate of children aged 0 to 17 for {geo.name} at or before {year}"
            + (f" (first published year: {first})" if first is not None else "")
        )
    return int(round(float(usable.iloc[-1]["value"])))


# ----------------------------------------------------------------------------- Census 2021


def read_census_ethnicity(published_dir: str | os.PathLike) -> pd.DataFrame:
    """Census 2021 population by ethnic group for England, the regions and each LA.

    Reads ``population/ons-ethnic-population-{nat,reg,la}.csv`` (Wales rows dropped).

    Returns
    -------
    DataFrame
        geographic_level, area_code, area_name, ons_category, observation.
    """
    directory = Path(published_dir)
    parts = []
    for level, relative in [("National", cat.F_ETHNIC_NAT), ("Regional", cat.F_ETHNIC_REG), ("Local authority", cat.F_ETHNIC_LA)]:
        frame = read_ons_ethnic_population(directory / relative)
        frame = frame[frame["area_code"].str.startswith("E")]
        parts.append(frame.assign(geographic_level=level)[["geographic_level", "area_code", "area_name", "ons_category", "observation"]])
    return pd.concat(parts, ignore_index=True)


def write_shipped_census(frame: pd.DataFrame, path: str | os.PathLike = SHIPPED_CENSUS) -> Path:
    """Write the compact Census 2021 table (gzip CSV with the attribution in a '#' line)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = f"# {ATTRIBUTION}. ONS Census 2021, ethnic group (20 categories), all ages.\n"
    body = frame.to_csv(index=False, lineterminator="\n")
    with gzip.GzipFile(path, "wb", compresslevel=9, mtime=0) as handle:
        handle.write((header + body).encode("utf-8"))
    return path


@functools.cache
def _census(directory: str | None) -> pd.DataFrame:
    if directory is not None:
        return read_census_ethnicity(directory)
    if not SHIPPED_CENSUS.exists():
        raise InputError(
            f"No published-statistics directory and no shipped Census table {SHIPPED_CENSUS}: "
            f"set ${config.ENV_PUBLISHED} or run scripts/build_published_table.py"
        )
    return pd.read_csv(SHIPPED_CENSUS, comment="#", dtype={"area_code": str, "area_name": str, "geographic_level": str})


def ethnic_population(area, published_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Census 2021 population (all ages) by DfE ethnicity code.

    Census categories mapped to the same DfE code are added together (DfE 'OOTH' =
    Census 'Arab' + 'Any other ethnic group'); 'Does not apply' is excluded; DfE codes
    with no Census counterpart ('REFU', 'NOBT') are left out. The mapping is
    :data:`safeguarding.codes.ethnicity.CODES`.

    Parameters
    ----------
    area : Area, str or int
        An LA, or 'England', a region ('London'), or 'Inner London' / 'Outer London'
        (the sum of their LAs).

    Returns
    -------
    DataFrame
        code, minor, major, ons_categories (e.g. '18,19'), population (int),
        approximate_denominator (bool).
    """
    geo = geography_of(area)
    directory = config.published_dir(published_dir)
    table = _census(None if directory is None else str(directory))
    rows = table[table["area_code"].isin(geo.census_codes)]
    if rows.empty:
        raise InputError(
            f"No Census 2021 ethnic-group population for {geo.name} ({geo.area_code}) in "
            f"{'the shipped table' if directory is None else cat.F_ETHNIC_LA}"
        )
    if geo.level != "Sub-regional":  # one code only: the current one if present, else a former one
        first = next(code for code in geo.census_codes if (rows["area_code"] == code).any())
        rows = rows[rows["area_code"] == first]
    counts = rows.groupby("ons_category")["observation"].sum()
    records = []
    for entry in ethnicity.CODES:
        if not entry.ons_categories:
            continue
        missing = [c for c in entry.ons_categories if c not in counts.index]
        if missing:
            raise InputError(f"Census 2021 table for {geo.name} has no ethnic category {missing} (for {entry.code})")
        records.append(
            {
                "code": entry.code,
                "minor": entry.minor,
                "major": entry.major,
                "ons_categories": ",".join(str(c) for c in entry.ons_categories),
                "population": int(sum(int(counts[c]) for c in entry.ons_categories)),
                "approximate_denominator": entry.approximate_denominator,
            }
        )
    out = pd.DataFrame(records)
    out.attrs["area"] = geo.name
    return out


def child_population_by_ethnicity(area, year: int, published_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Estimated children aged 0 to 17 by DfE ethnicity code.

    Each group's share of the whole Census 2021 population (all ages) in the area,
    multiplied by the ONS mid-year estimate of children aged 0 to 17 (latest at or before
    ``year``). This assumes children have the same ethnic profile as all ages, which they
    do not exactly: see :data:`NOTE`, which briefings must quote with any rate by
    ethnicity built on these denominators.

    Parameters
    ----------
    area : Area, str or int
        An LA, or 'England', a region ('London').
    year : int
        Mid-year of the 0-17 estimate (latest at or before it is used).

    Returns
    -------
    DataFrame
        code, minor, major, census_population, share, population_0_17 (float, not
        rounded: sums to the 0-17 total), approximate_denominator. ``attrs['note']`` holds
        :data:`NOTE`; ``attrs['total_0_17']`` the 0-17 estimate used.
    """
    census = ethnic_population(area, published_dir)
    total = child_population(area, year, published_dir)
    share = census["population"] / census["population"].sum()
    out = pd.DataFrame(
        {
            "code": census["code"],
            "minor": census["minor"],
            "major": census["major"],
            "census_population": census["population"],
            "share": share,
            "population_0_17": share * total,
            "approximate_denominator": census["approximate_denominator"],
        }
    )
    out.attrs["note"] = NOTE
    out.attrs["total_0_17"] = total
    out.attrs["area"] = census.attrs.get("area")
    return out
