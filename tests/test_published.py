"""Published statistics: readers (symbols, BOM, commas, column order, schema drift), the
catalogue, tidy figures, comparators and population denominators.

Unit tests use small synthetic files written to tmp_path. Tests marked ``published`` read
the real DfE / ONS files and are skipped when ``config.published_dir()`` is None.
"""

from __future__ import annotations

import gzip
import math

import numpy as np
import pandas as pd
import pytest

from safeguarding import config
from safeguarding.codes.areas import resolve_area
from safeguarding.issues import InputError
from safeguarding.published import catalogue as cat
from safeguarding.published import ees, population
import safeguarding.published.figures as fig
from safeguarding.published.catalogue import get_measure, measure_ids, normalise_schema
from safeguarding.published.comparators import compare
from safeguarding.render.comparisons import published_trend_frame, published_year_words
from safeguarding.published.ees import (
    period_label,
    period_year,
    read_ees_csv,
    read_lait,
    read_ons_ethnic_population,
    read_ons_mid_year_population,
    split_symbols,
    year_label,
)
from safeguarding.published.figures import figures

PUBLISHED = config.published_dir()
needs_published = pytest.mark.skipif(
    PUBLISHED is None, reason="published statistics directory (../shared/data/published) not available"
)

EES_HEADER = (
    "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
    "old_la_code,la_name,new_la_code"
)


def write(path, text: str, bom: bool = False) -> str:
    path.write_bytes(("\ufeff" if bom else "").encode("utf-8") + text.encode("utf-8"))
    return str(path)


# ============================================================================ readers


def test_split_symbols_never_makes_zero():
    raw = pd.Series(["263", "c", "z", "x", "k", "low", "u", "..", ":", "NA", "", "0", "12.5", "1,234"])
    values, symbols = split_symbols(raw)
    assert values.tolist()[0] == 263.0
    assert values.iloc[11] == 0.0 and symbols.iloc[11] == ""  # a published zero stays zero
    assert values.iloc[12] == 12.5 and values.iloc[13] == 1234.0
    for i, symbol in enumerate(["c", "z", "x", "k", "low", "u", "..", ":", "NA"], start=1):
        assert math.isnan(values.iloc[i]), symbol
        assert symbols.iloc[i] == symbol
    assert math.isnan(values.iloc[10]) and symbols.iloc[10] == ""
    assert values.dtype == "float64"


def test_read_ees_csv_bom_commas_and_symbols(tmp_path):
    path = write(
        tmp_path / "cla.csv",
        EES_HEADER + ",population_type,children_count,rate_per_10000\n"
        '2025,Reporting year,Local authority,E92000001,England,E12000003,Yorkshire and The Humber,810,'
        '"Kingston upon Hull, City of",E06000010,Children looked after on 31 March each year,1190,c\n'
        "2025,Reporting year,Local authority,E92000001,England,E13000002,Outer London,313,Hounslow,"
        "E09000018,Children looked after on 31 March each year,263,39\n"
        "2025,Reporting year,National,E92000001,England,,,,,,Children looked after on 31 March each year,81770,low\n",
        bom=True,
    )
    frame = read_ees_csv(path)
    assert frame.columns[0] == "time_period"  # BOM stripped
    assert frame.loc[0, "la_name"] == "Kingston upon Hull, City of"
    assert frame.loc[0, "new_la_code"] == "E06000010"  # the comma did not shift columns
    assert frame["old_la_code"].tolist() == ["810", "313", ""]  # key columns stay text
    assert frame["children_count"].tolist() == [1190.0, 263.0, 81770.0]
    assert math.isnan(frame.loc[0, "rate_per_10000"]) and frame.loc[0, "rate_per_10000_symbol"] == "c"
    assert frame.loc[1, "rate_per_10000"] == 39.0 and frame.loc[1, "rate_per_10000_symbol"] == ""
    assert frame.loc[2, "rate_per_10000_symbol"] == "low"
    cols = list(frame.columns)
    assert cols.index("children_count_symbol") == cols.index("children_count") + 1
    assert "population_type_symbol" not in cols


def test_read_ees_csv_column_order_does_not_matter(tmp_path):
    rows = [
        {"time_period": "2025", "geographic_level": "Local authority", "country_code": "E92000001",
         "country_name": "England", "old_la_code": "313", "la_name": "Hounslow", "new_la_code": "E09000018",
         "referral_count": "2158", "rereferral_percent": "12.1"},
        {"time_period": "2025", "geographic_level": "Local authority", "country_code": "E92000001",
         "country_name": "England", "old_la_code": "310", "la_name": "Harrow", "new_la_code": "E09000015",
         "referral_count": "c", "rereferral_percent": "x"},
    ]
    a = pd.DataFrame(rows)
    b = a[list(reversed(a.columns))]
    a.to_csv(tmp_path / "a.csv", index=False)
    b.to_csv(tmp_path / "b.csv", index=False)
    fa, fb = read_ees_csv(tmp_path / "a.csv"), read_ees_csv(tmp_path / "b.csv")
    pd.testing.assert_frame_equal(fa[sorted(fa.columns)], fb[sorted(fb.columns)])
    assert fb.loc[1, "referral_count_symbol"] == "c"


def test_read_ees_csv_errors(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_ees_csv(tmp_path / "missing.csv")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        read_ees_csv(empty)
    path = write(tmp_path / "x.csv", "time_period,value\n2025,3\n")
    with pytest.raises(InputError, match=r"x\.csv.*'count'"):
        read_ees_csv(path, numeric_columns=["count"])


def test_thousands_separators_and_dot_symbol(tmp_path):
    path = write(tmp_path / "sfr.csv", 'year,level,headcount,perm_excl_rate\n201516,National,"749,750",.\n201516,National,x,0.08\n')
    frame = read_ees_csv(path)
    assert frame["headcount"].iloc[0] == 749750.0
    assert frame["headcount_symbol"].iloc[1] == "x"
    assert frame["perm_excl_rate_symbol"].iloc[0] == "."
    assert frame["year"].iloc[0] == "201516"


@pytest.mark.parametrize(
    "given, year",
    [
        (2025, 2025),
        ("2025", 2025),
        (202324, 2024),
        ("202021", 2021),
        ("199900", 2000),
        ("2023/24", 2024),
        ("2016-17", 2017),
        ("2016-17 (OT)", 2017),
        ("2018 (Rev)", 2018),
        ("2025 (prov)", 2025),
        ("2020 (Final)", 2020),
        ("2014-16", 2016),
        ("2013/14-15/16", 2016),
    ],
)
def test_period_year(given, year):
    assert period_year(given) == year


@pytest.mark.parametrize("bad", ["0", "", "abc", "2025-26-27"])
def test_period_year_rejects(bad):
    with pytest.raises(ValueError):
        period_year(bad)


def test_labels():
    assert period_label(202324) == "2023/24"
    assert period_label("2025") == "2025"
    assert year_label(2025, "reporting_year") == "2024-25"
    assert year_label(2025, "reporting_year", long=True) == "year ending 31 March 2025"
    assert year_label(2024, "academic_year") == "2023/24"
    assert year_label(2024, "mid_year") == "mid-2024"
    with pytest.raises(ValueError):
        year_label(2024, "fortnight")


def test_read_lait_noise_symbols_and_years(tmp_path):
    frame = pd.DataFrame(
        {
            "Short Desc": ["TotPermEx", "TotPermEx", "TotPermEx", "TotFixedEx", "CINPermExclusion"],
            "Data item": ["Total Permanent Explusions", None, None, None, None],
            "Years": ["2015/16", "2016/17", "2016/17", "2016-17 (OT)", "0"],
            "LA and Regions": ["Hounslow", "Hounslow", "London", "England", "Hounslow"],
            "Values": ["7.9170000000000004E-2", "9.3699999999999992", "-", "4.2869200000000003", "-"],
            "LA Number": [313.0, 313.0, 986.0, 970.0, 313.0],
            "Region": ["Outer London", "Outer London", "NA", "NA", "Outer London"],
        }
    )
    path = tmp_path / "lait.parquet"
    frame.to_parquet(path)
    out = read_lait(path)
    assert out.attrs["dropped_years"] == 1  # the stray '0'
    assert out["year"].tolist() == [2016, 2017, 2017, 2017]
    assert out["Values"].iloc[0] == pytest.approx(0.07917)
    assert out["Values"].iloc[1] == 9.37
    assert math.isnan(out["Values"].iloc[2]) and out["Values_symbol"].iloc[2] == "-"
    assert out["dfe_number"].dtype == "Int64"
    assert out["region"].iloc[2] == ""
    assert len(read_lait(path, measures=["TotFixedEx"])) == 1


def test_read_ons_ethnic_population(tmp_path):
    path = write(
        tmp_path / "eth.csv",
        "2023 Upper tier local authorities Code,2023 Upper tier local authorities,"
        "Ethnic group (20 categories) Code,Ethnic group (20 categories),Observation\n"
        "E09000018,Hounslow,-8,Does not apply,0\n"
        'E09000018,Hounslow,1,"Asian, Asian British or Asian Welsh: Bangladeshi",2699\n',
    )
    out = read_ons_ethnic_population(path)
    assert out.columns.tolist() == ["area_code", "area_name", "ons_category", "ons_label", "observation"]
    assert out["ons_category"].tolist() == [-8, 1]
    assert out["observation"].tolist() == [0, 2699]
    assert out["ons_label"].iloc[1].startswith("Asian, Asian British")


def test_read_mid_year_population_both_layouts(tmp_path):
    ees_path = write(
        tmp_path / "mye.csv",
        "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
        "old_la_code,new_la_code,la_name,age_group,population_estimate\n"
        "2024,Reporting year,Local authority,E92000001,England,E13000002,Outer London,313,E09000018,Hounslow,"
        "Children aged 0 to 17 years,67554\n"
        "2024,Reporting year,Regional,E92000001,England,E13000002,Outer London,,,,Children aged 0 to 17 years,x\n",
    )
    out = read_ons_mid_year_population(ees_path)
    assert out.loc[0, "population"] == 67554 and out.loc[0, "dfe_number"] == 313
    assert out.loc[1, "geographic_level"] == "Sub-regional" and out.loc[1, "population_symbol"] == "x"
    ages = ",".join(str(a) for a in range(91))
    values = ",".join("10" for _ in range(91))
    mye2 = write(tmp_path / "ons_mye2_mid2023_Persons.csv", f"Code,Name,Geography,All ages,{ages}\nE09000018,Hounslow,London Borough,910,{values}\n")
    out = read_ons_mid_year_population(mye2)
    assert out.loc[0, "year"] == 2023 and out.loc[0, "population"] == 180.0  # ages 0..17
    empty = tmp_path / "ons_mye2_mid2024_Persons.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        read_ons_mid_year_population(empty)


# ============================================================================ schema drift


def test_normalise_old_care_leavers_schema(tmp_path):
    """Releases up to 2024: age / activity / number / percentage and 'Aged 17 to 18'."""
    header = EES_HEADER + ",age,activity,number,percentage\n"
    lines = []
    for age, total, neet, pct in [("Aged 17 to 18", "80", "20", "25"), ("Aged 19 to 21", "300", "120", "40")]:
        lines.append(f"2024,Reporting year,Local authority,E92000001,England,E13000002,Outer London,313,Hounslow,E09000018,{age},Total,{total},100\n")
        lines.append(
            f"2024,Reporting year,Local authority,E92000001,England,E13000002,Outer London,313,Hounslow,E09000018,{age},"
            f'"Total not in education, employment or training",{neet},{pct}\n'
        )
        lines.append(
            f"2024,Reporting year,National,E92000001,England,,,,,,{age},"
            f'"Total not in education, employment or training",c,c\n'
        )
        lines.append(f"2024,Reporting year,National,E92000001,England,,,,,,{age},Total,12000,100\n")
    (tmp_path / "care_leavers").mkdir()
    path = write(tmp_path / "care_leavers" / "la_care_leavers_activity.csv", header + "".join(lines), bom=True)

    frame = normalise_schema(read_ees_csv(path))
    assert {"care_leaver_age", "breakdown", "care_leaver_count", "care_leaver_percent",
            "care_leaver_count_symbol"} <= set(frame.columns)
    assert not {"age", "activity", "number", "percentage"} & set(frame.columns)
    assert set(frame["care_leaver_age"]) == {"17 to 18 years", "19 to 21 years"}

    out = figures("care_leavers.19_21.neet_pct", published_dir=tmp_path)
    hounslow = out[out["dfe_number"] == 313].iloc[0]
    assert (hounslow["year"], hounslow["value"], hounslow["numerator"], hounslow["denominator"]) == (2024, 40, 120, 300)
    england = out[out["geographic_level"] == "National"].iloc[0]
    assert math.isnan(england["value"]) and england["symbol"] == "c" and england["denominator"] == 12000


def test_normalise_new_schema_is_unchanged_and_input_not_mutated():
    frame = pd.DataFrame({"care_leaver_age": ["17 to 18 years"], "breakdown": ["Total"], "care_leaver_count": [5.0]})
    out = normalise_schema(frame)
    pd.testing.assert_frame_equal(out, frame)
    old = pd.DataFrame({"age": ["Aged 17 to 18"], "activity": ["Total"], "number": [5.0], "number_symbol": [""]})
    normalise_schema(old)
    assert list(old.columns) == ["age", "activity", "number", "number_symbol"]


def test_normalise_cla_group_and_old_placement_stability():
    missing = pd.DataFrame({"CLA_group": ["Children missing at 31 March"], "number": [3.0], "number_symbol": [""]})
    out = normalise_schema(missing)
    assert "cla_group" in out.columns and "number" in out.columns  # 'number' is this file's value column
    stability = pd.DataFrame({"cla_group": ["CLA on 31 March"], "placement_stability": ["Total children"],
                              "number": [263.0], "number_symbol": [""], "percentage": [100.0], "percentage_symbol": [""]})
    out = normalise_schema(stability)
    assert {"children_count", "children_count_symbol", "children_percent"} <= set(out.columns)


def test_missing_file_with_cla_group_column(tmp_path):
    (tmp_path / "cla").mkdir()
    rows = [
        ("Children looked after during the year", "541"),
        ("Children who had a missing incident during the year", "86"),
        ("Percentage of children who had a missing incident during the year", "16"),
        ("Number of missing incidents during the year", "511"),
    ]
    body = "".join(
        f"2023,Reporting year,Local authority,E92000001,England,E13000002,Outer London,313,Hounslow,E09000018,{g},{n}\n"
        for g, n in rows
    )
    write(tmp_path / cat.F_MISSING, EES_HEADER + ",CLA_group,number\n" + body, bom=True)
    out = figures("cla_missing.pct_missing", published_dir=tmp_path)
    assert out[["value", "numerator", "denominator"]].iloc[0].tolist() == [16, 86, 541]
    assert figures("cla_missing.incidents", published_dir=tmp_path)["value"].iloc[0] == 511


def test_missing_filter_column_names_file_and_column(tmp_path):
    (tmp_path / "cla").mkdir()
    write(tmp_path / cat.F_CLA, EES_HEADER + ",population_group,children_count\n2025,Reporting year,National,E92000001,England,,,,,,x,1\n")
    with pytest.raises(InputError, match=r"cla/cla_number_and_rate_per_10k_children\.csv could not be read") as err:
        figures("cla.count_31mar", published_dir=tmp_path)
    assert "population_type" in err.value.detail   # the analyst's detail names the column


# ============================================================================ catalogue

REQUIRED = [
    "cla.count_31mar", "cla.rate_per_10k", "cla.starts_count", "cla.ceased_count", "cla.placements_3plus_pct",
    "cin.referrals", "cin.rereferrals", "cin.rereferral_pct", "cin.count_31mar", "cin.rate_per_10k",
    "cp.starts", "cp.second_subsequent_pct", "cp.count_31mar", "cp.two_years_plus_pct",
    "cla_missing.pct_missing", "cla_missing.children_missing", "cla_missing.incidents",
    "cla_missing.incidents_per_child", "cla_missing.cla_during_year", "cla_missing.repeat_children",
    "cla_missing.pct_away", "cla_missing.away_incidents",
    "exclusions.perm_rate", "exclusions.suspension_rate",
    "population.children_0_17",
] + [
    f"care_leavers.{age}.{key}"
    for age in ("17_18", "19_21")
    for key in ("neet_pct", "eet_pct", "neet_illness_pct", "neet_other_pct", "neet_parenting_pct",
                "not_known_pct", "total", "accommodation_suitable_pct")
] + [f"exclusions.{g}.{k}" for g in ("cino", "cppo", "cla") for k in ("perm_pct", "one_plus_sus_pct")]


def test_catalogue_has_required_measures():
    ids = measure_ids()
    assert len(ids) == len(set(ids))
    missing = [m for m in REQUIRED if m not in ids]
    assert not missing
    assert sum(m.startswith("cla_missing.") and not m.endswith("_lait") for m in ids) == 13


def test_catalogue_records_are_complete():
    for m in cat.CATALOGUE:
        assert m.polarity in cat.POLARITIES and m.unit in cat.UNITS
        assert m.title and m.description and m.source
        if m.source_kind == "derived":
            assert all(d in cat.BY_ID for d in m.derived_from)
        else:
            assert m.file in cat.files_used()
    frame = cat.catalogue_frame()
    assert len(frame) == len(cat.CATALOGUE)
    assert {"id", "file", "filters", "value", "numerator", "denominator", "unit", "polarity", "year_kind"} <= set(frame.columns)


def test_unknown_measure_suggests():
    with pytest.raises(InputError, match="cla.rate_per_10k"):
        get_measure("cla.rate_per_10000")


# ============================================================================ shipped table (no published dir)


@pytest.fixture
def without_published(monkeypatch):
    """Behave as a fresh clone: no ../shared, no environment variable."""
    monkeypatch.setattr(config, "published_dir", lambda override=None: None)
    yield


def test_shipped_table_has_attribution_and_every_measure():
    with gzip.open(fig.SHIPPED_TABLE, "rt", encoding="utf-8") as handle:
        first = handle.readline()
    assert "Open Government Licence v3.0" in first
    assert fig.SHIPPED_TABLE.stat().st_size < 1_500_000
    table = fig._shipped_table()
    assert set(table["measure_id"]) == set(measure_ids())
    assert "Open Government Licence v3.0" in (fig.DATA_DIR / "README.md").read_text()


def test_figures_and_compare_without_published_dir(without_published):
    out = figures("cla.rate_per_10k")
    assert list(out.columns) == fig.FIGURE_COLUMNS
    assert out["dfe_number"].dtype == "Int64"
    hounslow = out[(out["dfe_number"] == 313) & (out["year"] == 2025)].iloc[0]
    assert hounslow["value"] == 39 and hounslow["numerator"] == 263

    result = compare("hounslow", "cla.rate_per_10k")
    assert result.source == "shipped table"
    assert result.year == 2025 and result.value == 39
    assert result.sub_region_name == "Outer London"
    assert len(result.neighbours) == 10
    table = result.table()
    assert table["role"].tolist() == ["borough", "statistical neighbours", "sub-region", "region", "England"]
    assert not table["value"].isna().any()


def test_population_without_published_dir(without_published):
    assert population.child_population("hounslow", 2024) == 67554
    assert population.child_population("hounslow", 2030) == 67554  # latest at or before
    eth = population.ethnic_population("hounslow")
    assert eth["population"].sum() > 250_000
    by_eth = population.child_population_by_ethnicity("hounslow", 2024)
    assert by_eth["population_0_17"].sum() == pytest.approx(67554)
    assert by_eth.attrs["note"] == population.NOTE


def test_compare_year_fallback_and_errors(without_published):
    result = compare(313, "cla_missing.incidents", year=2025)
    assert result.year == 2023 and result.year_requested == 2025 and not result.matches_year
    assert "not published" in result.year_note
    exact = compare(313, "cla_missing.incidents", year=2022)
    assert exact.year == 2022 and exact.year_note == "" and exact.matches_year
    with pytest.raises(InputError, match="first published"):
        compare("hounslow", "cla_missing.pct_missing", year=2010)
    with pytest.raises(InputError):
        compare("Atlantis", "cla.rate_per_10k")


def test_compare_is_worked_out_once_and_each_caller_gets_its_own_tables(without_published):
    """A comparison is kept for the process; changing one caller's tables or notes must not
    change what the next caller gets, and the same area given another way finds the same."""
    from safeguarding.published.comparators import _compared
    first = compare("hounslow", "cla.rate_per_10k", year=2024)
    hits = _compared.cache_info().hits
    first.neighbours.loc[:, "value"] = -1.0
    first.all_las.loc[:, "value"] = -1.0
    first.trend.loc[:, "value"] = -1.0
    first.notes.append("changed")
    again = compare(313, "cla.rate_per_10k", year=2024)  # the same borough by its DfE number
    assert _compared.cache_info().hits == hits + 1
    assert (again.neighbours["value"] != -1.0).all() and (again.all_las["value"] != -1.0).all()
    assert (again.trend["value"] != -1.0).all() and "changed" not in again.notes
    assert again.value == first.value and again.source == first.source


def test_compare_keeps_symbols(without_published):
    result = compare("hounslow", "cp.two_years_plus_pct", year=2025)
    assert math.isnan(result.value) and result.symbol == "c"
    assert result.denominator == 183
    assert "c" in result.describe()


def test_compare_outside_london_has_no_sub_region(without_published):
    result = compare("leeds", "cla.rate_per_10k")
    assert result.sub_region is None and result.sub_region_name is None
    assert result.region_name == "Yorkshire and The Humber"
    assert "sub-region" not in result.table()["role"].tolist()


# ============================================================================ real files


@pytest.fixture(scope="module")
def live_figures():
    if PUBLISHED is None:
        pytest.skip("published statistics directory not available")
    return fig.all_figures(PUBLISHED)


def _one(measure_id: str, year: int, dfe_number: int = 313) -> pd.Series:
    out = figures(measure_id, PUBLISHED)
    rows = out[(out["dfe_number"] == dfe_number) & (out["year"] == year)]
    assert len(rows) == 1, (measure_id, year, dfe_number)
    return rows.iloc[0]


@pytest.mark.published
@needs_published
def test_hounslow_published_figures():
    assert _one("cla.count_31mar", 2025)["value"] == 263
    rate = _one("cla.rate_per_10k", 2025)
    assert (rate["value"], rate["numerator"], rate["denominator"]) == (39, 263, 67554)
    assert _one("cin.referrals", 2025)["value"] == 2158
    rereferral = _one("cin.rereferral_pct", 2025)
    assert rereferral["value"] == 12.1 and rereferral["denominator"] == 2158
    assert _one("cla_missing.children_missing", 2023)["value"] == 86
    assert _one("cla_missing.incidents", 2023)["value"] == 511
    per_child = _one("cla_missing.incidents_per_child", 2023)
    assert per_child["numerator"] == 511 and per_child["denominator"] == 86
    neet = _one("care_leavers.19_21.neet_pct", 2025)
    assert (neet["value"], neet["numerator"], neet["denominator"]) == (41, 125, 307)
    assert _one("population.children_0_17", 2024)["value"] == 67554
    assert population.child_population("hounslow", 2024, PUBLISHED) == 67554


@pytest.mark.published
@needs_published
def test_hounslow_comparators_live():
    hounslow = resolve_area("hounslow")
    assert len(hounslow.neighbours) == 10
    assert hounslow.sub_region == "Outer London"
    result = compare(hounslow, "cla.rate_per_10k", published_dir=PUBLISHED)
    assert result.value == 39 and result.england == 67 and result.region == 48 and result.sub_region == 43
    assert result.sn_count == 10
    assert result.sn_median == pytest.approx(float(np.median(result.neighbours["value"])))
    assert len(result.all_las) >= 150
    assert result.trend["year"].tolist() == [2021, 2022, 2023, 2024, 2025]


@pytest.mark.published
@needs_published
def test_symbols_are_never_zero_in_real_files():
    raw = pd.read_csv(PUBLISHED / cat.F_B1, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame = read_ees_csv(PUBLISHED / cat.F_B1)
    suppressed = raw["At31_episodes"].isin(["c", "u", "x"])
    assert suppressed.any()
    assert frame.loc[suppressed, "At31_episodes"].isna().all()
    assert (frame.loc[suppressed, "At31_episodes_symbol"] == raw.loc[suppressed, "At31_episodes"]).all()
    out = figures("cin.count_31mar", PUBLISHED)
    assert out.loc[out["symbol"] != "", "value"].isna().all()


@pytest.mark.published
@needs_published
def test_shipped_table_agrees_with_live_files(live_figures):
    shipped = fig._shipped_table()
    keys = ["measure_id", "year", "geographic_level", "area_code", "dfe_number"]
    merged = live_figures.merge(shipped, on=keys, how="outer", suffixes=("_live", "_shipped"), indicator=True)
    assert (merged["_merge"] == "both").all(), "shipped table is stale: run scripts/build_published_table.py"
    for column in ("value", "numerator", "denominator"):
        live, ship = merged[f"{column}_live"], merged[f"{column}_shipped"]
        assert (live.isna() == ship.isna()).all(), column
        both = live.notna()
        assert np.allclose(live[both], ship[both], rtol=1e-9, atol=0), column
    assert (merged["symbol_live"] == merged["symbol_shipped"]).all()
    assert (merged["area_name_live"] == merged["area_name_shipped"]).all()


@pytest.mark.published
@needs_published
def test_derived_rates_match_dfe_published_rates():
    """CIN and CP rates per 10,000 computed here equal the rates DfE publishes in LAIT."""
    lait = read_lait(PUBLISHED / cat.F_LAIT, measures=["CIN", "CPP_rate"])
    for code, measure_id in [("CIN", "cin.rate_per_10k"), ("CPP_rate", "cp.rate_per_10k")]:
        published = lait[(lait["measure_short"] == code) & (lait["dfe_number"] < 900) & lait["Values"].notna()]
        ours = figures(measure_id, PUBLISHED)
        ours = ours[ours["geographic_level"] == "Local authority"]
        merged = published.merge(ours, on=["dfe_number", "year"])
        assert len(merged) > 1000
        assert (merged["Values"] - merged["value"]).abs().max() < 0.051, measure_id


@pytest.mark.published
@needs_published
def test_lait_measure_codes_and_polarity_from_dictionary():
    dictionary = ees.read_lait_dictionary(PUBLISHED / "benchmark_tool" / "lait_data_dictionary.csv")
    polarity = dictionary.drop_duplicates("Measure_short").set_index("Measure_short")["Polarity"]
    for m in cat.CATALOGUE:
        if m.source_kind == "lait":
            short = m.filter_dict["Short Desc"]
            assert short in polarity.index, short
            # 'NA': the dictionary gives no polarity (e.g. children ceasing care by a special guardianship order)
            assert m.polarity == {"Low": "lower_better", "High": "higher_better", "-": "none",
                                  "NA": "none"}[polarity[short]], short


@pytest.mark.published
@needs_published
def test_every_measure_has_hounslow_and_england(live_figures):
    for measure_id, rows in live_figures.groupby("measure_id"):
        assert (rows["dfe_number"] == 313).any(), measure_id
        assert (rows["geographic_level"] == "National").any(), measure_id
        assert not rows.duplicated(["year", "geographic_level", "area_code"]).any(), measure_id
        # no number without a reason: NaN values always carry a symbol
        assert (rows.loc[rows["value"].isna(), "symbol"] != "").all(), measure_id


@pytest.mark.published
@needs_published
def test_ethnic_population_live():
    eth = population.ethnic_population("hounslow", PUBLISHED)
    assert len(eth) == 18  # 20 DfE codes less REFU and NOBT
    ooth = eth.set_index("code").loc["OOTH"]
    raw = read_ons_ethnic_population(PUBLISHED / cat.F_ETHNIC_LA)
    hounslow = raw[raw["area_code"] == "E09000018"].set_index("ons_category")["observation"]
    assert ooth["population"] == hounslow[18] + hounslow[19]  # Arab + any other
    assert eth["population"].sum() == hounslow.drop(-8).sum()
    england = population.ethnic_population("England", PUBLISHED)
    assert england["population"].sum() > 50_000_000
    barnsley = population.ethnic_population("barnsley", PUBLISHED)  # census has the pre-2025 code
    assert barnsley["population"].sum() > 200_000


# ============================================================================ one year rule across sources

def _lait_rows(short: str, years_values: dict[str, dict[str, str]]) -> pd.DataFrame:
    """A LAIT long frame: {Years: {area name: value}} for England (970) and Hounslow (313)."""
    numbers = {"England": 970.0, "Hounslow": 313.0}
    rows = [{"Short Desc": short, "Data item": "% LAC missing from care", "Years": year, "LA and Regions": area,
             "Values": value, "LA Number": numbers[area], "Region": "Outer London"}
            for year, by_area in years_values.items() for area, value in by_area.items()]
    return pd.DataFrame(rows)


def _missing_sources(tmp_path, ees_years: dict[int, tuple[str, str]], lait_years: dict[str, dict[str, str]]):
    """An EES missing-from-care file (England and Hounslow %, by year) and a LAIT file."""
    (tmp_path / "cla").mkdir(exist_ok=True)
    (tmp_path / "benchmark_tool").mkdir(exist_ok=True)
    group = "Percentage of children who had a missing incident during the year"
    body = ""
    for year, (england, hounslow) in ees_years.items():
        body += f"{year},Reporting year,National,E92000001,England,,,,,,{group},{england}\n"
        body += (f"{year},Reporting year,Local authority,E92000001,England,E13000002,Outer London,313,Hounslow,"
                 f"E09000018,{group},{hounslow}\n")
    write(tmp_path / cat.F_MISSING, EES_HEADER + ",CLA_group,number\n" + body)
    _lait_rows("Children_missing", lait_years).to_parquet(tmp_path / cat.F_LAIT, index=False)
    fig.clear_cache()
    return tmp_path


def test_matching_year_comes_from_whichever_source_publishes_it(tmp_path):
    """EES to 2023, LAIT to 2025: the briefing year is matched from LAIT; where both publish
    a year the EES figure (the measure's own source) is the one used."""
    d = _missing_sources(tmp_path, {2022: ("11", "16"), 2023: ("11", "16")},
                         {"2023": {"England": "99", "Hounslow": "99"}, "2024": {"England": "11", "Hounslow": "13"},
                          "2025": {"England": "11", "Hounslow": "16"}})
    out = figures("cla_missing.pct_missing", published_dir=d)
    assert sorted(out["year"].unique()) == [2022, 2023, 2024, 2025]
    assert set(out.loc[out["year"] <= 2023, "measure_id"]) == {"cla_missing.pct_missing"}
    assert set(out.loc[out["year"] >= 2024, "measure_id"]) == {"cla_missing.pct_missing_lait"}
    now = compare(313, "cla_missing.pct_missing", year=2025, published_dir=d)
    assert (now.year, now.value, now.england, now.year_note) == (2025, 16, 11, "")
    assert now.matches_year and now.source_title.startswith("Local Authority Interactive Tool")
    before = compare(313, "cla_missing.pct_missing", year=2023, published_dir=d)
    assert (before.year, before.value) == (2023, 16)  # EES, not LAIT's 99
    assert before.source_title == cat.CLA_TITLE


def test_never_a_later_year_than_the_briefing(tmp_path):
    """A newer release dropped into the folder (2026) is not used for a 2024-25 briefing,
    and a briefing for a year not yet published gets the latest earlier year, stated."""
    d = _missing_sources(tmp_path, {2024: ("11", "13"), 2025: ("11", "16"), 2026: ("12", "30")},
                         {"2026": {"England": "12", "Hounslow": "30"}})
    now = compare(313, "cla_missing.pct_missing", year=2025, published_dir=d)
    assert (now.year, now.value) == (2025, 16)
    trend = published_trend_frame(313, "cla_missing.pct_missing", d, up_to=2025)
    assert trend["year"].tolist() == [2024, 2025]
    future = compare(313, "cla_missing.pct_missing", year=2027, published_dir=d)
    assert future.year == 2026 and not future.matches_year
    assert "not published for 2026-27" in future.year_note and "2025-26, is shown" in future.year_note
    assert "not published for 2026-27 in the published files held" in published_year_words("Hounslow", "2026-27", future)
    assert "same year (2024-25)" in published_year_words("Hounslow", "2024-25", now)


def test_without_the_continuing_source_the_own_years_stand(tmp_path):
    d = _missing_sources(tmp_path, {2022: ("11", "16")}, {"2025": {"England": "11", "Hounslow": "16"}})
    (d / cat.F_LAIT).unlink()
    fig.clear_cache()
    result = compare(313, "cla_missing.pct_missing", year=2025, published_dir=d)
    assert result.year == 2022 and "2021-22, is shown" in result.year_note


@pytest.mark.published
@needs_published
def test_lait_continues_ees_series_with_the_same_figures():
    """Where both sources publish a year they agree (LAIT holds revised figures: allow
    revisions, but the typical difference is nil and nearly all within one point)."""
    pairs = [(m.id, other) for m in cat.CATALOGUE for other in m.continued_by]
    assert len(pairs) == 5
    keys = ["year", "geographic_level", "area_code"]
    for own, other in pairs:
        a, b = (fig._own_figures(get_measure(x), PUBLISHED) for x in (own, other))
        both = a.merge(b, on=keys, suffixes=("", "_lait")).dropna(subset=["value", "value_lait"])
        diff = (both["value"] - both["value_lait"]).abs()
        assert len(both) > 500 and diff.median() <= 0.05 and (diff <= 1.0).mean() >= 0.98, own


@pytest.mark.published
@needs_published
def test_published_2024_25_missing_from_care_comparators():
    """Issue 8: LAIT publishes % of looked-after children missing for 2025 (England 11,
    Hounslow 16, Kensington and Chelsea 18); the 2024-25 briefing must use them."""
    kc = compare("kensington and chelsea", "cla_missing.pct_missing", year=2025, published_dir=PUBLISHED)
    assert (kc.year, kc.value, kc.england, kc.year_note) == (2025, 18, 11, "")
    assert compare("hounslow", "cla_missing.pct_missing", year=2025, published_dir=PUBLISHED).value == 16
    sus = compare("hounslow", "exclusions.cla.one_plus_sus_pct", year=2024, published_dir=PUBLISHED)
    assert (sus.year, sus.value, sus.england) == (2024, 8.05, 14.55)


@pytest.mark.published
@needs_published
def test_every_published_care_leaver_activity_has_a_measure():
    """Issue 8: own apprenticeships were not set against DfE's (Hounslow 19-21 published: 8, 3%)."""
    from safeguarding.measures import care_leavers as cl
    pid = cl.published_id("neet.apprenticeship_pct", "19-21")
    row = _one(pid, 2025)
    assert (row["numerator"], row["value"], row["denominator"]) == (8, 3, 307)
    for mid in ("neet.other_education_pct", "neet.training_employment_pct", "neet.higher_education_pct"):
        assert cl.published_id(mid, "17-18") in measure_ids()


def test_age_sex_population_note_says_why(tmp_path):
    from safeguarding.published.population import AGE_SEX_FILE, age_sex_population_note
    assert "is not in the published statistics folder" in age_sex_population_note(tmp_path)
    (tmp_path / AGE_SEX_FILE).parent.mkdir(parents=True)
    (tmp_path / AGE_SEX_FILE).write_text("")
    assert "is empty" in age_sex_population_note(tmp_path)
    (tmp_path / AGE_SEX_FILE).write_text("age,persons\n0,100\n")
    assert "not yet read" in age_sex_population_note(tmp_path)


def _release_with(tmp_path, relative: str, text: str | None):
    """A published folder: every real file linked in, ``relative`` replaced (or removed: None)."""
    root = tmp_path / "published"
    for rel in cat.files_used():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel != relative:
            target.symlink_to(PUBLISHED / rel)
        elif text is not None:
            target.write_text(text)
    return root


@needs_published
def test_an_older_wide_release_is_named_not_an_internal_error(tmp_path):
    """An older wide release (one column per figure) in place of the long EES file: one plain
    message naming the release file, no local path; briefings say comparisons are not available."""
    from safeguarding.published.figures import PublishedUnavailable, clear_cache, unreadable_files
    from safeguarding.render.comparisons import _not_available
    rel = "care_leavers/la_care_leavers_activity.csv"
    root = _release_with(tmp_path, rel, "LA_code,LA_name,Total_17,EET_17,NEET_17\n313,Hounslow,100,60,30\n")
    clear_cache()
    with pytest.raises(PublishedUnavailable) as err:
        figures("care_leavers.17_18.neet_pct", root)
    text = str(err.value)
    assert text.startswith(f"DfE's published file {rel} could not be read: it is not laid out")
    assert str(tmp_path) not in text and "columns are" not in text
    assert "Total_17" in err.value.detail                     # the analyst's detail is kept
    assert [p.file for p in unreadable_files(root)] == [rel]   # the batch says so once, before it starts
    words = _not_available("Published comparators", err.value)
    assert words.endswith("Figures from it are not available.") and str(tmp_path) not in words


@needs_published
def test_a_published_file_missing_from_the_folder_is_named(tmp_path):
    from safeguarding.published.figures import PublishedUnavailable, clear_cache, unreadable_files
    rel = "cla/la_cla_placement_stability.csv"
    root = _release_with(tmp_path, rel, None)
    clear_cache()
    with pytest.raises(PublishedUnavailable, match="it is not in the published folder"):
        figures("cla.placements_3plus_pct", root)
    assert [str(p) for p in unreadable_files(root)] == [
        f"DfE's published file {rel} could not be read: it is not in the published folder. "
        "Figures from it are not available"]


def test_year_to_show_is_the_one_comparator_year_rule():
    from safeguarding.published.ees import year_to_show
    years = [2021, 2023, 2024]
    assert year_to_show(years, 2023) == 2023  # the matching year
    assert year_to_show(years, 2022) == 2021  # else the latest earlier one
    assert year_to_show(years, 2026) == 2024  # never a later one
    assert year_to_show(years, 2020) is None
    assert year_to_show(years, None) == 2024


def test_each_authority_s_published_trend_is_made_when_first_asked_for():
    """A measure's published figures are indexed once per process; each authority's trend is
    made from them when a briefing first asks (making all 153 took most of a kernel's first
    briefing). It is that authority's rows sorted by year, handed out as a copy."""
    from safeguarding.published.comparators import _Indexed
    frame = pd.DataFrame({
        "measure_id": "m", "geographic_level": ["National", "Local authority", "Local authority", "Regional",
                                               "Local authority", "Local authority"],
        "area_code": ["E92000001", "E09000018", "E09000018", "E12000007", "E09000015", "E09000018"],
        "area_name": ["England", "Hounslow", "Hounslow", "London", "Harrow", "Hounslow"],
        "dfe_number": [np.nan, 313, 313, np.nan, 310, 313], "year": [2024, 2025, 2023, 2024, 2024, 2024],
        "value": [10.0, 12.0, 9.0, 11.0, 8.0, 10.5], "symbol": ["", "", "", "", "c", ""],
        "numerator": np.nan, "denominator": np.nan})
    index = _Indexed(frame)
    assert index._trend == {}
    hounslow = index.trend_of(313)
    assert hounslow.to_dict("list") == {"year": [2023, 2024, 2025], "value": [9.0, 10.5, 12.0], "symbol": ["", "", ""]}
    assert list(index._trend) == [313]  # Harrow's is not made until asked for
    hounslow.loc[0, "value"] = -1.0  # a copy: the index keeps its own
    assert index.trend_of(313.0)["value"].tolist() == [9.0, 10.5, 12.0]
    assert index.trend_of(310).to_dict("list") == {"year": [2024], "value": [8.0], "symbol": ["c"]}
    for nobody in (None, 999):
        empty = index.trend_of(nobody)
        assert empty.empty and list(empty.columns) == ["year", "value", "symbol"]
