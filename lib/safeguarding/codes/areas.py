"""Local authorities: one lookup by slug, ONS code, DfE number or name.

The table is ``codes/data/areas.csv``, shipped with the package and built from the DfE
reference files by ``scripts/build_reference_tables.py`` (so the project works without
the published-statistics directory). It holds every live English LA with its region,
Inner / Outer London (as the DfE files place it), and its ten statistical neighbours
(DfE 2025 model), plus the LAs abolished since 2009 whose DfE number was not reused.

Reorganised LAs
---------------
* A DfE number kept by a new authority resolves to the live one: 815 is North
  Yorkshire (E06000065, from April 2023; the county council E10000023 is a former code),
  933 Somerset, 825 Buckinghamshire, 370 / 373 Barnsley / Sheffield (new ONS codes 2025).
* An abolished LA with a single successor resolves to that successor (Bournemouth 837
  and Poole 836 -> Bournemouth, Christchurch and Poole 839).
* An abolished LA split between several successors raises :class:`InputError` naming
  them (Cumbria 909 -> Cumberland 942 and Westmorland and Furness 943 from April 2023;
  Northamptonshire 928 -> 940 / 941 from April 2021; Dorset county 835 -> 838 / 839).

Source: Department for Education / Office for National Statistics, Open Government
Licence v3.0.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from safeguarding.issues import InputError

AREAS_CSV = Path(__file__).resolve().parent / "data" / "areas.csv"

#: The six seed boroughs of the demonstration.
DEMO_BOROUGHS = (
    "hounslow",
    "harrow",
    "hillingdon",
    "hammersmith-and-fulham",
    "kensington-and-chelsea",
    "westminster",
)

ENGLAND_CODE = "E92000001"
LONDON_CODE = "E12000007"
INNER_LONDON_CODE = "E13000001"
OUTER_LONDON_CODE = "E13000002"

#: Region and sub-region codes -> names, as the DfE files print them.
REGIONS = {
    "E12000001": "North East",
    "E12000002": "North West",
    "E12000003": "Yorkshire and The Humber",
    "E12000004": "East Midlands",
    "E12000005": "West Midlands",
    "E12000006": "East of England",
    "E12000007": "London",
    "E12000008": "South East",
    "E12000009": "South West",
}
SUB_REGIONS = {INNER_LONDON_CODE: "Inner London", OUTER_LONDON_CODE: "Outer London"}


@dataclass(frozen=True)
class Area:
    """One local authority (children's services authority).

    Attributes
    ----------
    slug : str
        Lower-case, hyphenated name used for folders and URLs ('hammersmith-and-fulham').
    name : str
        Name as DfE prints it ('Kingston upon Hull, City of').
    ons_code : str
        Current ONS code (E09000018).
    dfe_number : int
        DfE three-digit LA number (old_la_code, 313). The stable key across years.
    region_code, region_name : str
        Government office region (E12000007, 'London').
    sub_region : str
        'Inner London' / 'Outer London' for London LAs, else ''.
    neighbours : tuple of int
        DfE numbers of the ten statistical neighbours (2025 model), closest first.
    neighbour_closeness : tuple of str
        DfE's closeness label for each neighbour ('Very close', ...).
    status : str
        'live' or 'terminated'.
    former_ons_codes : tuple of str
        ONS codes this LA had before a reorganisation (North Yorkshire: E10000023).
    successors : tuple of int
        For a terminated LA, the DfE numbers of the LAs that replaced it.
    """

    slug: str
    name: str
    ons_code: str
    dfe_number: int
    region_code: str
    region_name: str
    sub_region: str
    neighbours: tuple[int, ...]
    neighbour_closeness: tuple[str, ...] = ()
    status: str = "live"
    former_ons_codes: tuple[str, ...] = ()
    successors: tuple[int, ...] = ()
    date_of_termination: str = ""

    @property
    def sub_region_code(self) -> str | None:
        """E13000001 / E13000002 for Inner / Outer London, else None."""
        return {v: k for k, v in SUB_REGIONS.items()}.get(self.sub_region)

    @property
    def is_london(self) -> bool:
        return self.region_code == LONDON_CODE

    @property
    def region(self) -> str:
        """The region's name for headings and tables ('London', 'North West'); 'Region' when unknown."""
        return self.region_name or "Region"

    def __str__(self) -> str:
        return self.name


def name_key(text: str) -> str:
    """Normalise a name for matching: case, '&', punctuation and spacing do not matter.

    >>> name_key("Hammersmith & Fulham") == name_key("hammersmith and fulham")
    True
    """
    text = str(text).lower().replace("&", " and ")
    text = re.sub(r"\(pre lg\)", " ", text)
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _name_variants(name: str) -> set[str]:
    """'Bristol, City of' -> {'Bristol, City of', 'City of Bristol', 'Bristol'}."""
    variants = {name}
    match = re.fullmatch(r"(.+),\s*(City|County) of", name.strip(), flags=re.IGNORECASE)
    if match:
        variants |= {match.group(1), f"{match.group(2)} of {match.group(1)}"}
    if name.lower().startswith("st. "):
        variants.add("St " + name[4:])
        variants.add("Saint " + name[4:])
    return variants


def _split_ints(text) -> tuple[int, ...]:
    if text is None or pd.isna(text) or not str(text).strip():
        return ()
    return tuple(int(x) for x in str(text).split())


@functools.cache
def _table() -> pd.DataFrame:
    if not AREAS_CSV.exists():
        raise InputError(
            f"The LA lookup {AREAS_CSV} is missing; rebuild it with scripts/build_reference_tables.py"
        )
    return pd.read_csv(AREAS_CSV, dtype=str, keep_default_na=False, encoding="utf-8")


def _area_from_row(row: pd.Series) -> Area:
    neighbours = tuple(int(row[f"sn_{i}"]) for i in range(1, 11) if row[f"sn_{i}"])
    closeness = tuple(row[f"sn_{i}_closeness"].strip() for i in range(1, 11) if row[f"sn_{i}"])
    return Area(
        slug=row["slug"],
        name=row["name"],
        ons_code=row["ons_code"],
        dfe_number=int(row["dfe_number"]),
        region_code=row["region_code"],
        region_name=row["region_name"],
        sub_region=row["sub_region"],
        neighbours=neighbours,
        neighbour_closeness=closeness,
        status=row["status"],
        former_ons_codes=tuple(row["former_ons_codes"].split()),
        successors=_split_ints(row["successors"]),
        date_of_termination=row["date_of_termination"],
    )


@functools.cache
def _indexes() -> tuple[tuple[Area, ...], dict[str, Area]]:
    """All areas, and one index of every accepted spelling -> Area.

    Live areas win over terminated ones when a spelling is shared ('Dorset').
    """
    areas = tuple(_area_from_row(row) for _, row in _table().iterrows())
    index: dict[str, Area] = {}
    aliases = dict(zip(_table()["dfe_number"].astype(int), _table()["aliases"]))
    # Terminated first so that live areas overwrite shared spellings.
    for area in sorted(areas, key=lambda a: a.status == "live"):
        keys = {area.slug, area.ons_code.lower(), str(area.dfe_number)}
        keys |= {code.lower() for code in area.former_ons_codes}
        names = {area.name} | {a for a in aliases[area.dfe_number].split("|") if a}
        for name in names:
            keys |= {name_key(v) for v in _name_variants(name)}
        keys |= {name_key(area.slug)}
        for key in keys:
            index[key] = area
    # Short names in everyday use (never overriding a full name): 'kingston' is Kingston upon
    # Thames, as London partnerships say it; Hull already answers to 'hull'.
    by_name = {name_key(a.name): a for a in areas if a.status == "live"}
    for short, full in SHORT_NAMES.items():
        if name_key(short) not in index and name_key(full) in by_name:
            index[name_key(short)] = by_name[name_key(full)]
    return areas, index


#: Everyday short names -> the DfE name they mean.
SHORT_NAMES = {
    "kingston": "Kingston upon Thames", "richmond": "Richmond upon Thames", "barking": "Barking and Dagenham",
    "hammersmith": "Hammersmith and Fulham", "lbhf": "Hammersmith and Fulham", "kensington": "Kensington and Chelsea",
    "rbkc": "Kensington and Chelsea", "tower hamlets": "Tower Hamlets", "brighton": "Brighton and Hove",
    "windsor": "Windsor and Maidenhead", "telford": "Telford and Wrekin", "redcar": "Redcar and Cleveland",
    "stockton": "Stockton-on-Tees", "southend": "Southend-on-Sea", "newcastle": "Newcastle upon Tyne",
    "bath": "Bath and North East Somerset", "banes": "Bath and North East Somerset",
    "bcp": "Bournemouth, Christchurch and Poole", "north lincs": "North Lincolnshire",
    "ne lincs": "North East Lincolnshire", "east riding": "East Riding of Yorkshire",
}


def all_areas(include_terminated: bool = False) -> list[Area]:
    """Every live LA (153 in 2025), in DfE-number order.

    Parameters
    ----------
    include_terminated : bool
        Also return the abolished LAs whose number was not reused (Cumbria, ...).
    """
    areas, _ = _indexes()
    return [a for a in areas if include_terminated or a.status == "live"]


def london_areas() -> list[Area]:
    """The 33 London LAs: 32 boroughs and the City of London."""
    return [a for a in all_areas() if a.region_code == LONDON_CODE]


def _successor_message(area: Area) -> str:
    _, index = _indexes()
    names = ", ".join(f"{index[str(n)].name} ({n})" for n in area.successors)
    when = f" after {area.date_of_termination}" if area.date_of_termination else ""
    return (
        f"{area.name} (DfE {area.dfe_number}, {area.ons_code}) ceased to exist{when} and was replaced by "
        f"{names}: give one of those instead."
    )


def resolve_area(x: "str | int | Area", follow_successor: bool = True) -> Area:
    """Find a local authority from a slug, ONS code, DfE number or name.

    Parameters
    ----------
    x : str, int or Area
        'hounslow', 'E09000018', 313, '313', 'Hounslow', 'Hammersmith & Fulham',
        'Kingston upon Hull' ... (case, '&' and punctuation do not matter). An
        :class:`Area` is returned unchanged.
    follow_successor : bool
        For an abolished LA with one successor, return the successor (default). When
        False, or when there are several successors, an :class:`InputError` says what
        replaced it.

    Returns
    -------
    Area

    Raises
    ------
    InputError
        Unknown input (with close matches suggested), or an abolished LA split between
        several successors.
    """
    if isinstance(x, Area):
        return x
    if x is None or (isinstance(x, float) and pd.isna(x)):
        raise InputError("No local authority given: pass a slug, ONS code, DfE number or name.")
    areas, index = _indexes()
    if isinstance(x, float) and float(x).is_integer():
        x = int(x)
    text = str(x).strip()
    candidates = [text.lower(), name_key(text)]
    if re.fullmatch(r"\d+(\.0)?", text):
        candidates.insert(0, str(int(float(text))))
    for key in candidates:
        if key in index:
            area = index[key]
            if area.status == "terminated":
                if follow_successor and len(area.successors) == 1:
                    return index[str(area.successors[0])]
                raise InputError(_successor_message(area))
            return area
    suggestions = difflib.get_close_matches(name_key(text), [k for k in index if not k[:1].isdigit()], n=3, cutoff=0.6)
    names = []
    for key in suggestions:
        name = index[key].name
        if name not in names:
            names.append(name)
    hint = f" Did you mean: {', '.join(names)}?" if names else ""
    raise InputError(
        f"Unknown local authority {x!r}: give a slug ('hounslow'), an ONS code ('E09000018'), "
        f"a DfE number (313) or a name ('Hounslow').{hint}"
    )


def neighbours_of(area: "str | int | Area") -> list[Area]:
    """The statistical neighbours of an LA (DfE 2025 model), closest first.

    City of London and Isles of Scilly have neighbours in the model too, all labelled
    'Not close': treat comparisons for them with care.
    """
    area = resolve_area(area)
    _, index = _indexes()
    return [index[str(n)] for n in area.neighbours]


def areas_frame(include_terminated: bool = False) -> pd.DataFrame:
    """The lookup as a DataFrame (one row per LA), for joins."""
    table = _table()
    if not include_terminated:
        table = table[table["status"] == "live"]
    out = table.copy()
    out["dfe_number"] = out["dfe_number"].astype(int)
    return out.reset_index(drop=True)
