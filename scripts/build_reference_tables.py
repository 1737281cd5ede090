"""Build the shipped local-authority lookup ``lib/safeguarding/codes/data/areas.csv``.

Reads the DfE reference files in the published-statistics directory (see
``safeguarding.config.published_dir``):

* ``reference/las.csv``: ONS code, name, DfE number, dates of operation, status;
* ``reference/region_la_hierarchy.csv``: region names;
* ``reference/sn_model_2025_wide.csv``: statistical neighbours (2025 model);
* ``reference/New_Statistical_Neighbour_Groupings_April_2021.csv``: only for more
  spellings of names (the 2025 model covers every live LA, City of London and Isles of
  Scilly included, so the 2021 groupings are not needed for neighbours);
* the EES files (``cin/b1_...``, ``cla/...``): Inner / Outer London (region_code
  E13000001 / E13000002 on London LA rows) and the LA names they print;
* the LAIT parquet and the ONS files: more spellings of LA names (aliases).

Run from the project root::

    .venv/bin/python scripts/build_reference_tables.py [--published DIR]

Source: Department for Education / Office for National Statistics, Open Government
Licence v3.0.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import pandas as pd

from safeguarding import config

OUT = config.PACKAGE_DIR / "codes" / "data" / "areas.csv"

#: LAs abolished whose DfE number was not reused: number -> (successor numbers, date).
#: Source: reference/las.csv (date_of_termination) and the structural-change orders.
SUCCESSORS: dict[int, tuple[tuple[int, ...], str]] = {
    909: ((942, 943), "2023-04-01"),  # Cumbria -> Cumberland, Westmorland and Furness
    928: ((940, 941), "2021-04-01"),  # Northamptonshire -> North / West Northamptonshire
    837: ((839,), "2019-04-01"),  # Bournemouth -> Bournemouth, Christchurch and Poole
    836: ((839,), "2019-04-01"),  # Poole -> Bournemouth, Christchurch and Poole
    835: ((838, 839), "2019-04-01"),  # Dorset county -> Dorset; Christchurch to BCP
    820: ((822, 823), "2009-04-01"),  # Bedfordshire -> Bedford, Central Bedfordshire
    875: ((895, 896), "2009-04-01"),  # Cheshire -> Cheshire East, Cheshire West and Chester
}

#: Terminated ONS codes without a DfE number of their own, and the live LA that took over.
FORMER_CODES_WITHOUT_NUMBER = {
    "E10000010": 840,  # Durham (county) -> County Durham
    "E10000022": 929,  # Northumberland (county) -> Northumberland
    "E10000026": 893,  # Shropshire (county) -> Shropshire
    "E10000033": 865,  # Wiltshire (county) -> Wiltshire
}

#: Everyday short names not printed in any of the files.
COMMON_NAMES = {810: ("Hull",), 839: ("BCP",), 840: ("Durham",), 884: ("Herefordshire",)}

INNER_LONDON, OUTER_LONDON = "E13000001", "E13000002"
SUB_REGION_NAMES = {INNER_LONDON: "Inner London", OUTER_LONDON: "Outer London"}


def slugify(name: str) -> str:
    """'Hammersmith and Fulham' -> 'hammersmith-and-fulham'; 'Bristol, City of' -> 'bristol'."""
    text = re.sub(r",\s*(city|county) of$", "", name.strip(), flags=re.IGNORECASE)
    text = text.lower().replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def read_text_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def is_number(text: str) -> bool:
    return bool(re.fullmatch(r"\d{3}", str(text).strip()))


def collect_aliases(published: Path) -> dict[int, set[str]]:
    """Every spelling of each LA name found in the published files, by DfE number."""
    aliases: dict[int, set[str]] = {}

    def add(number, name):
        if is_number(str(number).split(".")[0]) and name and str(name).strip():
            aliases.setdefault(int(str(number).split(".")[0]), set()).add(str(name).strip())

    ees = [
        "cin/b1_children_in_need_2013_to_2025.csv",
        "cla/cla_number_and_rate_per_10k_children.csv",
        "cla/la_children_who_were_missing_or_away_from_placement_without_authorisation.csv",
        "exclusions/permanent_exclusions_and_suspensions_la.csv",
        "population/ons_mid-year_population_estimates_2012_to_2024.csv",
    ]
    for rel in ees:
        path = published / rel
        if path.exists():
            frame = read_text_csv(path)
            for number, name in frame[["old_la_code", "la_name"]].drop_duplicates().itertuples(index=False):
                add(number, name)
    lait = published / "benchmark_tool" / "lait_bds_long.parquet"
    if lait.exists():
        frame = pd.read_parquet(lait, columns=["LA Number", "LA and Regions"]).drop_duplicates()
        for number, name in frame.itertuples(index=False):
            if pd.notna(number) and number < 900 or 900 <= number < 970:
                add(int(number), name)
    for rel, num_col, name_col in [
        ("reference/sn_model_2025_wide.csv", "old_la_code", "la_name"),
        ("reference/New_Statistical_Neighbour_Groupings_April_2021.csv", "LA number", "LA Name"),
    ]:
        frame = read_text_csv(published / rel)
        for number, name in frame[[num_col, name_col]].itertuples(index=False):
            add(number, name)
    for number, names in COMMON_NAMES.items():
        for name in names:
            add(number, name)
    return aliases


def sub_regions(published: Path) -> dict[int, str]:
    """DfE number -> 'Inner London' / 'Outer London', from the LA rows of the EES files."""
    out: dict[int, str] = {}
    for rel in ["cin/b1_children_in_need_2013_to_2025.csv", "cla/cla_number_and_rate_per_10k_children.csv"]:
        frame = read_text_csv(published / rel)
        rows = frame[(frame["geographic_level"] == "Local authority") & frame["region_code"].isin(SUB_REGION_NAMES)]
        for number, code in rows[["old_la_code", "region_code"]].drop_duplicates().itertuples(index=False):
            name = SUB_REGION_NAMES[code]
            if int(number) in out and out[int(number)] != name:
                raise ValueError(f"{rel}: LA {number} is in both Inner and Outer London")
            out[int(number)] = name
    return out


def neighbours_2025(published: Path) -> dict[int, tuple[list[int], list[str]]]:
    frame = read_text_csv(published / "reference" / "sn_model_2025_wide.csv")
    out = {}
    for _, row in frame.iterrows():
        numbers = [int(row[f"SN_{i}"]) for i in range(1, 11)]
        labels = [row[f"SN_{i}P"].strip() for i in range(1, 11)]
        out[int(row["old_la_code"])] = (numbers, labels)
    return out


def build(published: Path) -> pd.DataFrame:
    las = read_text_csv(published / "reference" / "las.csv")
    hierarchy = read_text_csv(published / "reference" / "region_la_hierarchy.csv")
    region_names = (
        hierarchy[hierarchy["region_code"].str.startswith("E12")]
        .drop_duplicates("region_code")
        .set_index("region_code")["region_name"]
        .to_dict()
    )
    subs = sub_regions(published)
    sn25 = neighbours_2025(published)
    aliases = collect_aliases(published)

    # One LA per row (not the joint '940 / 941' rows), in England (not BFPO 702).
    single = las[
        las["old_la_code"].map(is_number)
        & las["new_la_code"].str.match(r"^E0[6-9]|^E10")
        & las["parent_geography_code"].str.startswith("E12")
    ]
    live = single[single["status"] == "live"]
    if live["old_la_code"].duplicated().any():
        raise ValueError("las.csv: a DfE number is used by two live LAs")
    live_numbers = set(live["old_la_code"].astype(int))

    # Former ONS codes of live LAs: terminated rows whose number was reused, plus the 2009 counties.
    former: dict[int, list[str]] = {}
    for _, row in single[single["status"] == "terminated"].iterrows():
        if int(row["old_la_code"]) in live_numbers:
            former.setdefault(int(row["old_la_code"]), []).append(row["new_la_code"])
    for code, number in FORMER_CODES_WITHOUT_NUMBER.items():
        former.setdefault(number, []).append(code)

    records = []

    def record(row, status, successors=(), succession_date=""):
        number = int(row["old_la_code"])
        sns, labels, model = [], [], ""
        if status == "live":
            if number in sn25:
                (sns, labels), model = sn25[number], "2025"
        names = {row["la_name"]} | aliases.get(number, set())
        rec = {
            "slug": slugify(row["la_name"]),
            "name": row["la_name"],
            "ons_code": row["new_la_code"],
            "dfe_number": number,
            "region_code": row["parent_geography_code"],
            "region_name": region_names.get(row["parent_geography_code"], ""),
            "sub_region": subs.get(number, "") if row["parent_geography_code"] == "E12000007" else "",
            "status": status,
            "date_of_operation": pd.to_datetime(row["date_of_operation"], dayfirst=True).date().isoformat()
            if row["date_of_operation"]
            else "",
            "date_of_termination": pd.to_datetime(row["date_of_termination"], dayfirst=True).date().isoformat()
            if row["date_of_termination"]
            else "",
            "successors": " ".join(str(s) for s in successors),
            "succession_date": succession_date,
            "former_ons_codes": " ".join(sorted(former.get(number, []))) if status == "live" else "",
            "sn_model": model,
        }
        for i in range(10):
            rec[f"sn_{i + 1}"] = sns[i] if i < len(sns) else pd.NA
        for i in range(10):
            rec[f"sn_{i + 1}_closeness"] = labels[i] if i < len(labels) else ""
        rec["aliases"] = "|".join(sorted(n for n in names if n != row["la_name"]))
        records.append(rec)

    for _, row in live.iterrows():
        record(row, "live")
    for number, (successors, date) in SUCCESSORS.items():
        rows = single[(single["old_la_code"].astype(int) == number) & (single["status"] == "terminated")]
        if rows.empty:
            raise ValueError(f"las.csv has no terminated LA numbered {number}")
        missing = [s for s in successors if s not in live_numbers]
        if missing:
            raise ValueError(f"successor(s) {missing} of LA {number} are not live in las.csv")
        record(rows.iloc[0], "terminated", successors, date)

    table = pd.DataFrame(records)
    # A terminated LA whose slug collides with a live one gets its number appended.
    clash = (table["status"] == "terminated") & table["slug"].isin(table.loc[table["status"] == "live", "slug"])
    table.loc[clash, "slug"] = table.loc[clash, "slug"] + "-" + table.loc[clash, "dfe_number"].astype(str)
    if table["slug"].duplicated().any():
        raise ValueError(f"duplicate slugs: {table.loc[table['slug'].duplicated(), 'slug'].tolist()}")
    for i in range(1, 11):
        table[f"sn_{i}"] = table[f"sn_{i}"].astype("Int64")
    return table.sort_values(["status", "dfe_number"], ascending=[True, True]).reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--published", default=None, help="published-statistics directory")
    args = parser.parse_args(argv)
    published = config.published_dir(args.published)
    if published is None:
        print("Published statistics directory not found; set SAFEGUARDING_PUBLISHED.", file=sys.stderr)
        return 1
    table = build(published)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(OUT, index=False, lineterminator="\n")
    live = table[table["status"] == "live"]
    print(f"wrote {OUT} ({len(live)} live, {len(table) - len(live)} terminated LAs; {OUT.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
