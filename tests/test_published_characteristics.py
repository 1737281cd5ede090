"""England's exclusions by ethnic group (DfE's national characteristics table): grouping
onto the groups the briefing shows, rates and relative rate indices computed by hand, the
year rule shared with every comparator, and agreement with DfE's published rates."""

from __future__ import annotations

import pandas as pd
import pytest

from safeguarding import config
from safeguarding.issues import InputError
from safeguarding.published import characteristics as ch

HEADER = ("year,level,country_code,country,school_type,characteristic_desc,characteristic_1,characteristic_2,"
          "headcount,perm_excl,perm_excl_rate,fixed_excl,fixed_excl_rate,one_plus_fixed,one_plus_fixed_rate")


def _row(year, desc, label, headcount, perm, one_plus, school_type="Total", second="Total"):
    return (f"{year},NATIONAL,E92000001,England,{school_type},{desc},{label},{second},{headcount},{perm},0,0,0,"
            f"{one_plus},0")


@pytest.fixture()
def published(tmp_path):
    rows = [HEADER]
    for year, scale in (("201415", 1), ("201516", 2)):
        rows += [
            _row(year, "Total", "Total", 10_000 * scale, 20 * scale, 400 * scale),
            _row(year, "Ethnicity", "Ethnicity_Minor_White_British", 5_000 * scale, 10 * scale, 200 * scale),
            _row(year, "Ethnicity", "Ethnicity_Minor_Irish", 500 * scale, 0, 10 * scale),
            _row(year, "Ethnicity", "Ethnicity_Minor_Gypsy_Roma", 500 * scale, 5 * scale, 40 * scale),
            _row(year, "Ethnicity", "Ethnicity_Minor_Chinese", 1_000 * scale, 0, 5 * scale),
            _row(year, "Ethnicity", "Ethnicity_Minor_Indian", 1_000 * scale, 0, 15 * scale),
            _row(year, "Ethnicity", "Ethnicity_Minor_Black_Caribbean", 1_000 * scale, 5 * scale, 100 * scale),
            _row(year, "Ethnicity", "Ethnicity_Unclassified", 1_000 * scale, 0, 30 * scale),
            # totals and other cuts that must not be counted again
            _row(year, "Ethnicity", "Ethnicity_Major_White_Total", 6_000 * scale, 15 * scale, 250 * scale),
            _row(year, "Ethnicity", "Ethnicity_Minority_ethnic_pupil", 4_000 * scale, 10 * scale, 170 * scale),
            _row(year, "Ethnicity_gender", "Ethnicity_Minor_White_British", 2_500 * scale, 5 * scale, 100 * scale,
                 second="Female"),
            _row(year, "Ethnicity", "Ethnicity_Minor_White_British", 2_000 * scale, 5 * scale, 90 * scale,
                 school_type="State-funded secondary"),
        ]
    folder = tmp_path / "exclusions"
    folder.mkdir()
    (folder / "SFR35_2017_National_characteristics.csv").write_text("\n".join(rows) + "\n")
    ch.clear_cache()
    yield tmp_path
    ch.clear_cache()


def test_groups_rates_and_rri_by_hand(published):
    got = ch.england_exclusions_by_ethnicity(2016, published)
    assert (got.year, got.note) == (2016, "")
    frame = got.frame.set_index("group")
    assert list(frame.index) == ["White British", "Other White", "Asian", "Black", "Not known", "Total"]
    # Other White = Irish + Gypsy/Roma; Asian = Chinese + Indian (Chinese counted as Asian)
    assert frame.loc["Other White", ["pupils", "permanent", "suspended"]].tolist() == [2_000, 10, 100]
    assert frame.loc["Asian", ["pupils", "suspended"]].tolist() == [4_000, 40]
    # White British: 400 of 10,000 suspended = 4.00 per 100; Other White 100 of 2,000 = 5.00
    assert frame.loc["White British", "suspended_rate"] == pytest.approx(4.0)
    assert frame.loc["Other White", "suspended_rri"] == pytest.approx(5.0 / 4.0)
    assert frame.loc["Asian", "suspended_rri"] == pytest.approx(1.0 / 4.0)
    # Black Caribbean: 10 permanent of 2,000 = 0.5 per 100; White British 20 of 10,000 = 0.2
    assert frame.loc["Black", "permanent_rri"] == pytest.approx(2.5)
    assert frame.loc["Total", "pupils"] == 20_000


def test_year_rule_matching_else_latest_earlier_never_later(published):
    assert ch.england_exclusions_by_ethnicity(2015, published).year == 2015
    later = ch.england_exclusions_by_ethnicity(2024, published)
    assert later.year == 2016
    assert "2023/24" in later.note and "2015/16" in later.note
    with pytest.raises(InputError, match="2014/15"):
        ch.england_exclusions_by_ethnicity(2014, published)


def test_missing_file_is_a_plain_error(tmp_path):
    ch.clear_cache()
    with pytest.raises(InputError):
        ch.england_exclusions_by_ethnicity(2024, tmp_path)


@pytest.mark.skipif(config.published_dir() is None, reason="published statistics not available")
def test_rates_agree_with_dfe_published_rates():
    """Groups that DfE also publishes as one row (White British; Mixed and Black, whose DfE
    major groups match ours) have DfE's published rates within 0.01 per 100: ours are sums of
    minor groups' counts, each rounded by DfE to the nearest 5 (Mixed: 11,260 of 362,575 =
    3.11 against DfE's 3.10 from its own rounded total of 11,255)."""
    ch.clear_cache()
    got = ch.england_exclusions_by_ethnicity(2016).frame.set_index("group")
    raw = pd.read_csv(config.published_dir() / ch.FILE, dtype=str)
    raw = raw[(raw["year"] == "201516") & (raw["school_type"] == "Total") & (raw["characteristic_2"] == "Total")
              & (raw["characteristic_desc"].isin(["Ethnicity", "Total"]))].set_index("characteristic_1")
    for group, label in (("White British", "Ethnicity_Minor_White_British"), ("Mixed", "Ethnicity_Major_Mixed_Total"),
                         ("Black", "Ethnicity_Major_Black_Total"), ("Total", "Total")):
        assert got.loc[group, "permanent_rate"] == pytest.approx(float(raw.loc[label, "perm_excl_rate"]), abs=0.011)
        assert got.loc[group, "suspended_rate"] == pytest.approx(float(raw.loc[label, "one_plus_fixed_rate"]),
                                                                 abs=0.011)
    # 2015/16: Black pupils 3.70 per 100 suspended against White British 2.42: 1.53 times
    assert got.loc["Black", "suspended_rri"] == pytest.approx(14370 / 388515 / (116495 / 4811695), rel=1e-9)
    assert round(got.loc["Black", "suspended_rri"], 2) == 1.53
