"""The LA lookup: resolve_area, regions, Inner/Outer London, neighbours, reorganisations."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from safeguarding import config
from safeguarding.codes import areas
from safeguarding.codes.areas import (
    DEMO_BOROUGHS,
    Area,
    all_areas,
    london_areas,
    neighbours_of,
    resolve_area,
)
from safeguarding.issues import InputError

needs_published = pytest.mark.skipif(
    config.published_dir() is None, reason="published statistics directory (../shared/data/published) not available"
)


@pytest.mark.parametrize(
    "given",
    ["hounslow", "E09000018", "e09000018", 313, "313", " 313 ", "Hounslow", "HOUNSLOW", "London Borough of Hounslow"[18:]],
)
def test_resolve_hounslow_every_way(given):
    area = resolve_area(given)
    assert area.slug == "hounslow"
    assert area.ons_code == "E09000018"
    assert area.dfe_number == 313
    assert area.region_code == "E12000007"
    assert area.region_name == "London"


@pytest.mark.parametrize(
    "given, slug",
    [
        ("Hammersmith & Fulham", "hammersmith-and-fulham"),
        ("hammersmith and fulham", "hammersmith-and-fulham"),
        ("Kensington and Chelsea", "kensington-and-chelsea"),
        ("city of london", "city-of-london"),
        ("City of London", "city-of-london"),
        (201, "city-of-london"),
        ("Kingston upon Hull, City of", "kingston-upon-hull"),
        ("Hull", "kingston-upon-hull"),
        ("Bristol", "bristol"),
        ("St Helens", "st-helens"),
        ("St. Helens", "st-helens"),
        ("Westminster", "westminster"),
    ],
)
def test_resolve_names(given, slug):
    assert resolve_area(given).slug == slug


def test_area_is_frozen_and_returned_unchanged():
    area = resolve_area("harrow")
    assert resolve_area(area) is area
    with pytest.raises(dataclasses.FrozenInstanceError):
        area.name = "Elsewhere"  # type: ignore[misc]


def test_unknown_area_suggests_close_matches():
    with pytest.raises(InputError, match="Did you mean: Hounslow"):
        resolve_area("Hounslw")
    with pytest.raises(InputError, match="Unknown local authority"):
        resolve_area("Atlantis")
    with pytest.raises(InputError):
        resolve_area(999)
    with pytest.raises(InputError):
        resolve_area(None)


def test_counts_of_areas():
    live = all_areas()
    assert len(live) == 153
    assert len({a.slug for a in live}) == len(live)
    assert len({a.dfe_number for a in live}) == len(live)
    london = london_areas()
    assert len(london) == 33
    assert sum(a.slug == "city-of-london" for a in london) == 1
    assert {a.sub_region for a in london} == {"Inner London", "Outer London"}
    assert all(a.sub_region == "" for a in live if a.region_code != "E12000007")
    assert len(all_areas(include_terminated=True)) > len(live)


def test_demo_boroughs():
    assert DEMO_BOROUGHS == (
        "hounslow",
        "harrow",
        "hillingdon",
        "hammersmith-and-fulham",
        "kensington-and-chelsea",
        "westminster",
    )
    numbers = [resolve_area(slug).dfe_number for slug in DEMO_BOROUGHS]
    assert numbers == [313, 310, 312, 205, 207, 213]
    assert all(resolve_area(slug).is_london for slug in DEMO_BOROUGHS)


def test_inner_and_outer_london():
    assert resolve_area("hounslow").sub_region == "Outer London"
    assert resolve_area("hounslow").sub_region_code == "E13000002"
    assert resolve_area("harrow").sub_region == "Outer London"
    assert resolve_area("hillingdon").sub_region == "Outer London"
    for slug in ("hammersmith-and-fulham", "kensington-and-chelsea", "westminster", "city-of-london"):
        assert resolve_area(slug).sub_region == "Inner London"
        assert resolve_area(slug).sub_region_code == "E13000001"
    assert resolve_area("leeds").sub_region_code is None


def test_neighbours():
    hounslow = resolve_area("hounslow")
    assert len(hounslow.neighbours) == 10
    neighbours = neighbours_of("hounslow")
    assert [n.dfe_number for n in neighbours] == list(hounslow.neighbours)
    assert neighbours[0].name == "Ealing"
    assert all(isinstance(n, Area) and n.status == "live" for n in neighbours)
    assert hounslow.neighbour_closeness[0] == "Very close"
    for area in all_areas():
        assert len(area.neighbours) == 10, area.name
        assert area.dfe_number not in area.neighbours
        assert all(label == label.strip() and label for label in area.neighbour_closeness)
        assert all(n.status == "live" for n in neighbours_of(area))


def test_reorganised_split_las_raise_naming_successors():
    with pytest.raises(InputError, match=r"Cumberland \(942\).*Westmorland and Furness \(943\)"):
        resolve_area(909)
    with pytest.raises(InputError, match="Cumberland"):
        resolve_area("Cumbria")
    with pytest.raises(InputError, match="North Northamptonshire"):
        resolve_area(928)
    assert resolve_area(942).name == "Cumberland"
    assert resolve_area("Westmorland and Furness").dfe_number == 943


def test_reorganised_single_successor_and_reused_numbers():
    assert resolve_area(837).dfe_number == 839  # Bournemouth -> BCP
    assert resolve_area(836).dfe_number == 839  # Poole -> BCP
    with pytest.raises(InputError, match="Bournemouth, Christchurch and Poole"):
        resolve_area(837, follow_successor=False)
    north_yorkshire = resolve_area(815)
    assert north_yorkshire.ons_code == "E06000065"
    assert "E10000023" in north_yorkshire.former_ons_codes
    assert resolve_area("E10000023") == north_yorkshire
    assert resolve_area(933).ons_code == "E06000066"  # Somerset unitary from 2023
    assert resolve_area("Dorset").dfe_number == 838  # the live Dorset, not the county (835)
    assert resolve_area("E08000016").slug == "barnsley"  # Barnsley's code before May 2025


def test_shipped_csv_and_note():
    table = pd.read_csv(areas.AREAS_CSV, dtype=str, keep_default_na=False)
    expected = {"slug", "name", "ons_code", "dfe_number", "region_code", "region_name", "sub_region", "status"}
    assert expected | {f"sn_{i}" for i in range(1, 11)} <= set(table.columns)
    assert set(table["status"]) == {"live", "terminated"}
    readme = (areas.AREAS_CSV.parent / "README.md").read_text()
    assert "Open Government Licence v3.0" in readme


@pytest.mark.published
@needs_published
def test_shipped_csv_matches_a_rebuild():
    """The shipped areas.csv is what build_reference_tables.py makes from the files."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_reference_tables", config.PROJECT_ROOT / "scripts" / "build_reference_tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rebuilt = module.build(config.published_dir()).to_csv(index=False, lineterminator="\n")
    assert rebuilt == areas.AREAS_CSV.read_text(encoding="utf-8"), "areas.csv is stale: run scripts/build_reference_tables.py"


@pytest.mark.parametrize("short, name", [("kingston", "Kingston upon Thames"), ("richmond", "Richmond upon Thames"),
                                         ("Hammersmith", "Hammersmith and Fulham"), ("hull", "Kingston upon Hull, City of"),
                                         ("BCP", "Bournemouth, Christchurch and Poole")])
def test_everyday_short_names_resolve(short, name):
    assert resolve_area(short).name == name


def test_region_names_the_region_not_london():
    assert resolve_area("manchester").region == "North West"
    assert resolve_area("hounslow").region == "London"


def test_no_theme_or_renderer_writes_london_for_every_borough():
    """Headings and tables name the borough's own region: 'London' is never hard-coded."""
    import re
    from pathlib import Path

    import safeguarding
    root = Path(safeguarding.__file__).parent
    offenders = []
    for path in [*root.glob("themes/*.py"), *root.glob("render/*.py"), root / "briefing.py"]:
        for n, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            if re.search(r"England, London\b|\"London\"(?!,\s*\")", code) and "palette" not in path.name:
                offenders.append(f"{path.name}:{n}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
