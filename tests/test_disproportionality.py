"""Disproportionality by ethnicity (theme 2): hand-computed measure cases, disclosure of the
stage frames, and the briefing executed on demo data for a large and a tiny borough."""

from __future__ import annotations

import math
import re
import shutil

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from safeguarding import quality
from safeguarding.codes.ethnicity import CODES, major_group, minor_group
from safeguarding.measures import disclosure
from safeguarding.measures import disproportionality as m
from safeguarding.measures import stats

END = "2025-03-31"
Z = stats._z(0.95)


# ----------------------------------------------------------------------------------------
# Builders
# ----------------------------------------------------------------------------------------
def people(rows):
    """rows: (id, DfE ethnicity code or None, sex, age band) -> a stage 'people' frame."""
    frame = pd.DataFrame(rows, columns=["id", "code", "sex", "band"])
    frame["ethnic_minor"] = frame["code"].map(minor_group)
    frame["ethnic_major"] = frame["code"].map(major_group)
    return m._people(frame, "id", "ethnic_minor", "ethnic_major", "sex", frame["band"])


def many(code, n, sex="M", band="10 to 15", start=0, prefix=None):
    prefix = prefix or code or "NK"
    return [(f"{prefix}{start + i}", code, sex, band) for i in range(n)]


def population(sizes: dict[str, float] | None = None) -> pd.DataFrame:
    """A child population by DfE code (1,000 children per code unless given)."""
    sizes = sizes or {}
    rows = [(c.code, c.minor, c.major, float(sizes.get(c.code, 1000.0))) for c in CODES if c.ons_categories]
    return pd.DataFrame(rows, columns=["code", "minor", "major", "population_0_17"])


def cell(frame, group, level="major", sex=m.TOTAL, age_band=m.TOTAL):
    sub = frame[(frame["group"] == group) & (frame["level"] == level) & (frame["sex"] == sex)
                & (frame["age_band"] == age_band)]
    assert len(sub) == 1, (group, level, sex, age_band)
    return sub.iloc[0]


def cin_tables(details, children, assessments=(), s47=(), plans=()):
    def dates(frame, col):
        frame[col] = pd.to_datetime(frame[col])
        return frame
    t = {
        "cin_details": dates(pd.DataFrame(details, columns=["LAchildID", "CINdetailsID", "CINreferralDate"]),
                             "CINreferralDate"),
        "cin_children": dates(pd.DataFrame(children, columns=["LAchildID", "Sex", "PersonBirthDate", "Ethnicity"]),
                              "PersonBirthDate"),
        "cin_assessments": dates(pd.DataFrame(list(assessments), columns=["LAchildID", "CINdetailsID",
                                                                          "AssessmentActualStartDate"]),
                                 "AssessmentActualStartDate"),
        "cin_section47": dates(pd.DataFrame(list(s47), columns=["LAchildID", "CINdetailsID", "S47ActualStartDate"]),
                               "S47ActualStartDate"),
        "cin_cp_plans": dates(pd.DataFrame(list(plans), columns=["LAchildID", "CINdetailsID", "CPPstartDate"]),
                              "CPPstartDate"),
    }
    kids = t["cin_children"]
    t["cin_children"] = kids.assign(ethnic_minor=kids["Ethnicity"].map(minor_group),
                                    ethnic_major=kids["Ethnicity"].map(major_group))
    return t


# ----------------------------------------------------------------------------------------
# Groups and who is counted
# ----------------------------------------------------------------------------------------
def test_display_groups_split_white_and_keep_not_known():
    codes = pd.Series(["WBRI", "WIRI", "WROM", "MWBC", "AIND", "BCRB", "OOTH", "REFU", "NOBT", None, "XXXX"])
    got = m.display_group(codes.map(minor_group), codes.map(major_group))
    assert list(got) == ["White British", "Other White", "Other White", "Mixed", "Asian", "Black",
                         "Other ethnic group", "Not known", "Not known", "Not known", "Not known"]


def test_referred_children_counted_once_in_the_period():
    t = cin_tables(
        details=[("A", "1", "2024-05-01"), ("A", "2", "2025-01-10"),  # referred twice: one child
                 ("B", "1", "2024-03-31"),                            # the day before the period
                 ("C", "1", "2025-03-31"),                            # the last day counts
                 ("D", "1", "2024-06-01")],                           # no child record
        children=[("A", "F", "2012-05-15", "BCRB"), ("B", "M", "2010-01-01", "WBRI"), ("C", "M", "2024-12-01", "REFU")])
    p = m.cin_stage_children(t["cin_details"], "CINreferralDate", t["cin_children"], END)
    assert sorted(p["person"]) == ["A", "C", "D"]
    a = p.set_index("person").loc["A"]
    assert (a["group"], a["minor"], a["sex"], a["age_band"]) == ("Black", "Black Caribbean", "F", "10 to 15")  # 11 on 1 May 2024
    c = p.set_index("person").loc["C"]
    assert (c["group"], c["age_band"]) == ("Not known", "Under 1")
    d = p.set_index("person").loc["D"]
    assert (d["group"], d["sex"], d["age_band"]) == ("Not known", "U", "Not known")


def test_progression_links_the_same_cin_episode():
    t = cin_tables(
        details=[("A", "1", "2024-05-01"), ("B", "1", "2024-06-01"), ("C", "1", "2024-07-01"), ("C", "2", "2023-01-01")],
        children=[("A", "F", "2012-01-01", "WBRI"), ("B", "M", "2012-01-01", "WBRI"), ("C", "M", "2012-01-01", "BAFR")],
        assessments=[("A", "1", "2024-05-10"),   # follows A's referral
                     ("C", "2", "2023-01-15")],  # an older episode: C's referral this year led to nothing
        s47=[("A", "1", "2024-06-01")],
        plans=[("A", "1", "2024-05-20")])       # before the S47: not 'after' it
    cohort = m.cin_progression(t["cin_details"], "CINreferralDate", t["cin_assessments"], "AssessmentActualStartDate",
                               t["cin_children"], END)
    assert dict(zip(cohort["person"], cohort["outcome"])) == {"A": True, "B": False, "C": False}
    after_s47 = m.cin_progression(t["cin_section47"], "S47ActualStartDate", t["cin_cp_plans"], "CPPstartDate",
                                  t["cin_children"], END, later_on_or_after=True)
    assert dict(zip(after_s47["person"], after_s47["outcome"])) == {"A": False}
    frame = m.step_frame("assessed_after_referral", cohort, "Test", "2024-25")
    wb = cell(frame, "White British")
    assert (wb["numerator"], wb["denominator"], wb["value"]) == (1, 2, 50.0)
    lo, hi = stats.wilson_interval(1, 2)
    assert (wb["lower"], wb["upper"]) == pytest.approx((100 * lo, 100 * hi))
    assert cell(frame, m.TOTAL, "total")["denominator"] == 3


def test_looked_after_during_the_year():
    episodes = pd.DataFrame({
        "CHILD": ["A", "B", "C", "D", "E"],
        "DECOM": pd.to_datetime(["2023-06-01", "2024-09-01", "2022-01-01", "2025-04-02", "2024-02-01"]),
        "DEC": pd.to_datetime([None, "2024-12-01", "2024-03-31", None, "2024-04-01"]),
        "collection_year": 2025})
    header = pd.DataFrame({"CHILD": ["A", "B", "C", "D", "E"], "SEX": ["M", "F", "M", "F", "M"],
                           "DOB": pd.to_datetime(["2010-04-01"] * 5), "collection_year": 2025,
                           "ethnic_minor": ["White British", "Black African", "Indian", "Chinese", "White Irish"],
                           "ethnic_major": ["White", "Black", "Asian", "Asian", "White"]})
    p = m.looked_after_children(episodes, header, END)
    # A open all year; B within it; E ceased on the first day; C ceased the day before; D started after
    assert sorted(p["person"]) == ["A", "B", "E"]
    assert p.set_index("person").loc["A", "age_band"] == "10 to 15"  # 14 on 1 April 2024


def test_missing_children_counted_once():
    eps = pd.DataFrame({"miss_person_id": ["P", "P", "Q", "R"],
                        "miss_missing_episode_start_date": pd.to_datetime(["2024-05-01", "2024-06-01", "2024-07-01",
                                                                           "2024-01-01"]),
                        "pers_sex": ["F", "F", "M", "M"], "pers_dob": pd.to_datetime(["2009-01-01"] * 4),
                        "ethnic_minor": ["Black Caribbean", "Black Caribbean", "White British", "Indian"],
                        "ethnic_major": ["Black", "Black", "White", "Asian"]})
    p = m.missing_children(eps, END)
    assert sorted(p["person"]) == ["P", "Q"]
    assert p.set_index("person").loc["P", "age_band"] == "10 to 15"


def test_care_leavers_neet_with_ethnicity_from_the_header():
    oc3 = pd.DataFrame({"CHILD": ["A", "B", "C", "D"], "collection_year": 2025,
                        "care_leaver_age_band": ["17-18", "19-21", "19-21", None],
                        "activity_group": ["NEET", "EET", "NEET", "NEET"]})
    header = pd.DataFrame({"CHILD": ["A", "B"], "SEX": ["M", "F"], "collection_year": 2025,
                           "ethnic_minor": ["Black African", "White British"], "ethnic_major": ["Black", "White"]})
    leavers = m.care_leavers(oc3, header, END)
    assert sorted(leavers["person"]) == ["A", "B", "C"]  # D is outside the ages 17 to 21
    got = leavers.set_index("person")
    assert list(got.loc[["A", "B", "C"], "outcome"]) == [True, False, True]
    assert got.loc["C", "group"] == "Not known"  # no header row: counted, never dropped


def test_pupil_roll_year_and_excluded_pupils():
    pupils = pd.DataFrame({"UPN": ["U1", "U2", "U3", "U1"], "AcademicYear": [2024, 2024, 2024, 2025],
                           "Phase": ["PS", "SS", "SS", "SS"], "Sex": ["M", "F", "M", "M"],
                           "ethnic_minor": ["Black Caribbean", "White British", "Indian", "Black Caribbean"],
                           "ethnic_major": ["Black", "White", "Asian", "Black"]})
    excl = pd.DataFrame({"UPN": ["U1", "U1", "U9", "U2"], "AcademicYear": [2024, 2024, 2024, 2024],
                         "Category": ["SUSP", "SUSP", "PERM", "SUSP"], "Phase": ["PS", "PS", "SS", "SS"],
                         "Sex": ["M", "M", "M", "F"], "ethnic_minor": ["Black Caribbean", "Black Caribbean", "Indian", "White British"],
                         "ethnic_major": ["Black", "Black", "Asian", "White"]})
    assert m.exclusion_year(pupils, END) == 2024  # 2024/25 had not ended by 31 March 2025
    assert m.exclusion_year(pupils, "2025-09-30") == 2025
    roll, extra = m.pupil_roll(pupils, excl, 2024)
    assert extra == 1 and len(roll) == 4  # U9 was excluded but not on the roll: added
    susp = m.excluded_pupils(excl, roll, 2024, "SUSP")
    assert set(susp.loc[susp["outcome"], "person"]) == {"U1", "U2"}  # U1 suspended twice: one pupil
    assert susp.set_index("person").loc["U1", "age_band"] == "Primary"


# ----------------------------------------------------------------------------------------
# Cells, rates and relative rate indices
# ----------------------------------------------------------------------------------------
def test_count_cells_slices_and_levels():
    p = people(many("BCRB", 3, "M", "5 to 9") + many("BAFR", 2, "F", "10 to 15") + many("WBRI", 4, "F", "1 to 4")
               + many(None, 1, "U", "Under 1"))
    bands = m.age_bands_for("referral")
    counts = m.count_cells(p, bands)
    cells = m.cell_index(bands).assign(n=counts.to_numpy())
    def n(group, level="major", sex=m.TOTAL, band=m.TOTAL):
        return cells[(cells.group == group) & (cells.level == level) & (cells.sex == sex) & (cells.age_band == band)]["n"].item()
    assert n("Black") == 5 and n("Black Caribbean", "minor") == 3 and n("White British") == 4
    assert n(m.WHITE, "white") == 4  # White British + Other White, for disclosure control
    assert n(m.TOTAL, "total") == 10 and n(m.NOT_KNOWN) == 1
    assert n("Black", sex="M") == 3 and n("Black African", "minor", sex="F") == 2
    assert n("Black", band="5 to 9") == 3 and n(m.TOTAL, "total", band="Under 1") == 1


def test_population_cells_assumptions():
    pop = population({"WBRI": 9000, "BCRB": 1800})
    bands = m.age_bands_for("referral")
    n = m.population_cells(pop, bands)
    cells = m.cell_index(bands).assign(n=n.to_numpy())
    def get(group, level="major", sex=m.TOTAL, band=m.TOTAL):
        return cells[(cells.group == group) & (cells.level == level) & (cells.sex == sex) & (cells.age_band == band)]["n"].item()
    assert get("Black Caribbean", "minor") == 1800
    assert get("Black Caribbean", "minor", sex="M") == 900  # half boys, half girls
    assert get("Black Caribbean", "minor", band="10 to 15") == pytest.approx(1800 * 6 / 18)  # ages 10-15: 6 of 18 years
    assert get("White British", sex="U") == 0
    assert math.isnan(get(m.NOT_KNOWN))
    assert get(m.TOTAL, "total") == pop["population_0_17"].sum()


def test_rri_against_white_british_worked_example():
    """40 Black Caribbean children of 1,000 against 100 White British of 10,000: RRI 4.

    Rates of an estimated population: log interval with se = sqrt(1/40 + 1/100) (as
    statsmodels ``confint_poisson_2indep(method='wald-log')``)."""
    pop = population({"WBRI": 10_000, "BCRB": 1000})
    p = people(many("WBRI", 100) + many("BCRB", 40))
    frame = m.stage_frame("referral", p, pop, "Test", "2024-25")
    bcrb = cell(frame, "Black Caribbean", "minor")
    se = math.sqrt(1 / 40 + 1 / 100)
    assert bcrb["rri_wb"] == pytest.approx(4.0)
    assert (bcrb["rri_wb_lower"], bcrb["rri_wb_upper"]) == pytest.approx((4 * math.exp(-Z * se), 4 * math.exp(Z * se)))
    assert (bcrb["rri_wb_lower"], bcrb["rri_wb_upper"]) == pytest.approx((2.7721375, 5.7717195))  # statsmodels
    assert bcrb["rri_wb_method"] == "poisson_log" and bcrb["rri_wb_verdict"] == "over-represented"
    assert bcrb["value"] == pytest.approx(400.0)  # per 10,000
    lo, hi = stats.exact_poisson_interval(40)
    assert (bcrb["lower"], bcrb["upper"]) == pytest.approx((lo * 10, hi * 10))
    assert cell(frame, "White British")["rri_wb_verdict"] == "comparison group"


def test_rri_of_pupils_is_katz_and_matches_statsmodels():
    """40 of 1,000 Black pupils and 100 of 10,000 White British pupils suspended."""
    from statsmodels.stats.proportion import confint_proportions_2indep
    roll = people(many("WBRI", 10_000) + many("BCRB", 1000))
    suspended = {f"WBRI{i}" for i in range(100)} | {f"BCRB{i}" for i in range(40)}
    roll = roll.assign(outcome=roll["person"].isin(suspended))
    frame = m.stage_frame("suspension", roll, None, "Test", "2023/24")
    black = cell(frame, "Black")
    se = math.sqrt(1 / 40 - 1 / 1000 + 1 / 100 - 1 / 10_000)  # Katz et al. (1978)
    assert black["rri_wb"] == pytest.approx(4.0)
    assert black["rri_wb_method"] == "katz_log"
    assert (black["rri_wb_lower"], black["rri_wb_upper"]) == pytest.approx((4 * math.exp(-Z * se), 4 * math.exp(Z * se)))
    expected = confint_proportions_2indep(40, 1000, 100, 10_000, compare="ratio", method="log")
    assert (black["rri_wb_lower"], black["rri_wb_upper"]) == pytest.approx(tuple(float(x) for x in expected))
    assert black["value"] == pytest.approx(4.0)  # per 100 pupils
    assert black["method"].startswith("Wilson")


def test_rri_against_all_other_groups():
    """Black 40 of 1,000 against every other known child: 100 + 60 of 10,000 + 5,000."""
    pop = population({c.code: 0 for c in CODES} | {"WBRI": 10_000, "BCRB": 1000, "AIND": 5000})
    p = people(many("WBRI", 100) + many("BCRB", 40) + many("AIND", 60) + many("REFU", 7))
    frame = m.stage_frame("referral", p, pop, "Test", "2024-25")
    black = cell(frame, "Black")
    assert black["rri_all"] == pytest.approx((40 / 1000) / (160 / 15_000))
    total = cell(frame, m.TOTAL, "total")
    assert total["numerator"] == 207 and total["denominator"] == 16_000  # Not known counted, no population
    assert math.isnan(cell(frame, m.NOT_KNOWN)["value"])


@pytest.mark.parametrize("k_black, expected", [
    (40, "over-represented"),            # 4 times as likely, interval well above 1
    (3, "too few to say"),               # fewer than 10 children: no verdict even with an interval
    (10, "no evidence of a difference"),  # 10 of 1,000 against 100 of 10,000: the same rate
])
def test_verdicts(k_black, expected):
    pop = population({"WBRI": 10_000, "BCRB": 1000})
    p = people(many("WBRI", 100) + many("BCRB", k_black))
    frame = m.stage_frame("referral", p, pop, "Test", "2024-25")
    assert cell(frame, "Black Caribbean", "minor")["rri_wb_verdict"] == expected


def test_under_represented_and_too_few_in_the_comparison_group():
    pop = population({"WBRI": 10_000, "AIND": 10_000})
    under = m.stage_frame("referral", people(many("WBRI", 100) + many("AIND", 20)), pop, "T", "2024-25")
    assert cell(under, "Indian", "minor")["rri_wb_verdict"] == "under-represented"
    few_ref = m.stage_frame("referral", people(many("WBRI", 4) + many("AIND", 200)), pop, "T", "2024-25")
    assert cell(few_ref, "Indian", "minor")["rri_wb_verdict"] == "too few to say"  # only 4 White British children


def test_strict_check_bonferroni():
    pop = population({"WBRI": 10_000, "BCRB": 1000, "BAFR": 1000})
    # Black Caribbean: 4 times as likely (clear even with a strict test); Black African: 1.3 times with
    # 130 children, clear at 95% but not at 1 - 0.05/500
    p = people(many("WBRI", 1000) + many("BCRB", 400) + many("BAFR", 130))
    frame = m.stage_frame("referral", p, pop, "T", "2024-25")
    assert cell(frame, "Black African", "minor")["rri_wb_verdict"] == "over-represented"
    one = m.add_strict_check(frame, 1)
    assert cell(one, "Black African", "minor")["rri_wb_strict"] == "yes"  # one test: the ordinary interval
    strict = m.add_strict_check(frame, 500)
    assert cell(strict, "Black Caribbean", "minor")["rri_wb_strict"] == "yes"
    assert cell(strict, "Black African", "minor")["rri_wb_strict"] == "no"
    r = stats.relative_rate_index(130, 1000, 1000, 10_000, confidence=1 - 0.05 / 500, kind="rate")
    assert r.lower < 1  # the stricter interval includes 1
    assert cell(strict, "White British")["rri_wb_strict"] == ""
    assert m.count_tests(frame) == int(frame["rri_wb_verdict"].isin(
        ["over-represented", "under-represented", "no evidence of a difference"]).sum())


# ----------------------------------------------------------------------------------------
# Disclosure control
# ----------------------------------------------------------------------------------------
def protect(frame, threshold=5, protect_denominator=False):
    out = disclosure.suppress(frame, threshold=threshold, margins=m.MARGINS, dependent_cols=m.DEPENDENT_COLS,
                              protect_denominator=protect_denominator)
    return m.hide_unsafe_comparisons(out)


def test_intersection_cells_suppressed_and_not_recoverable():
    pop = population({"WBRI": 10_000})
    p = people(many("WBRI", 60, "M") + many("WBRI", 50, "F", start=100) + many("BCRB", 3, "M")
               + many("BCRB", 12, "F", start=10) + many("BAFR", 20, "M") + many("BAFR", 15, "F", start=50))
    frame = m.stage_frame("referral", p, pop, "T", "2024-25")
    shown = protect(frame)
    boys = cell(shown, "Black Caribbean", "minor", sex="M")
    assert boys["symbol"] == "c" and pd.isna(boys["numerator"]) and pd.isna(boys["value"]) and pd.isna(boys["rri_wb"])
    assert boys["rri_wb_verdict"] == "too few to say" and boys["rri_wb_strict"] == ""
    assert disclosure.visible_small_counts(shown).empty
    assert disclosure.recoverable_cells(frame, shown, margins=m.MARGINS).empty
    # a second cell protects it: Black Caribbean girls (12) or boys of another group
    assert (shown["symbol"] == "c").sum() >= 2


def test_other_white_never_hidden_alone_beside_white_british():
    """DfE publishes 'White' (White British + Other White): a White British count shown beside
    a hidden Other White count would give it back, so the comparison group is hidden too."""
    pop = population({"WBRI": 10_000})
    p = people(many("WBRI", 50) + many("WIRI", 3) + many("BCRB", 40) + many("AIND", 30) + many("MWBC", 20))
    frame = m.stage_frame("referral", p, pop, "T", "2024-25")
    shown = protect(frame)
    assert cell(shown, "Other White")["symbol"] == "c"
    assert cell(shown, "White British")["symbol"] == "c"
    assert disclosure.recoverable_cells(frame, shown, margins=m.MARGINS).empty


def test_comparisons_hidden_when_the_reference_is_hidden():
    pop = population({"WBRI": 10_000})
    p = people(many("WBRI", 4) + many("BCRB", 40) + many("AIND", 30) + many("REFU", 2))
    shown = protect(m.stage_frame("referral", p, pop, "T", "2024-25"))
    black = cell(shown, "Black")
    assert black["symbol"] == "" and black["numerator"] == 40  # the count and rate stay
    assert pd.isna(black["rri_wb"]) and black["rri_wb_verdict"] == "too few to say"  # 4 White British: hidden
    # 'Not known' (2) is hidden, so comparisons with all other groups would give it back
    assert pd.isna(black["rri_all"]) and black["rri_all_verdict"] == "too few to say"
    assert cell(shown, "White British")["rri_wb_verdict"] == "comparison group"


def test_step_denominators_suppressed_like_the_stage_counts():
    """Children referred are the referral stage's counts and the denominators of the steps
    after a referral: a figure hidden in one table must be hidden in the other."""
    rng = np.random.default_rng(3)
    codes = [c.code for c in CODES] + ["REFU"]
    bands = m.age_bands_for("referral")
    rows = [(f"C{i}", rng.choice(codes), rng.choice(["F", "M"]), rng.choice(bands[:-1])) for i in range(400)]
    cohort = people(rows).assign(outcome=rng.random(400) < 0.3)
    stage = protect(m.stage_frame("referral", cohort.drop(columns="outcome"), population(), "T", "2024-25"))
    step = protect(m.step_frame("cp_plan_after_referral", cohort, "T", "2024-25"), protect_denominator=True)
    assert list(stage["numerator"].isna()) == list(step["denominator"].isna())
    assert stage["numerator"].isna().any()  # the case does exercise suppression
    shown = step["denominator"].notna()
    assert (step.loc[shown, "denominator"] == stage.loc[shown, "numerator"]).all()


def test_not_known_summary_keeps_hidden_counts_hidden():
    pop = population()
    shown = {"referral": protect(m.stage_frame("referral", people(many("WBRI", 50) + many("REFU", 3)), pop, "T", "2024-25")),
             "s47": protect(m.stage_frame("s47", people(many("WBRI", 50) + many(None, 20)), pop, "T", "2024-25"))}
    summary = m.not_known_summary(shown, "T")
    ref, s47 = summary.iloc[0], summary.iloc[1]
    assert ref["symbol"] == "c" and pd.isna(ref["numerator"]) and pd.isna(ref["value"])
    assert (s47["numerator"], s47["denominator"]) == (20, 70)
    assert s47["value"] == pytest.approx(100 * 20 / 70)


def test_build_journey_without_optional_tables():
    t = cin_tables(details=[(f"C{i}", "1", "2024-06-01") for i in range(30)],
                   children=[(f"C{i}", "M", "2012-01-01", "WBRI" if i % 2 else "BAFR") for i in range(30)])
    tables = {k: t[k] for k in ("cin_details", "cin_children")}
    j = m.build_journey(tables, population(), "T", END)
    assert list(j.stages) == ["referral"]
    assert "cin_assessments" in j.unavailable["assessment"] and "not provided" in j.unavailable["assessment"]
    assert "pupils" in j.unavailable["suspension"]
    no_pop = m.build_journey(tables, None, "T", END, population_problem="no estimate for this area")
    assert not no_pop.stages and "no estimate for this area" in no_pop.unavailable["referral"]


def test_quality_checks():
    t = cin_tables(details=[("A", "1", "2024-06-01")], children=[("A", "M", "2012-01-01", "WBRI")],
                   assessments=[("A", "1", "2024-06-02"), ("A", "9", "2024-06-03")])
    links = quality.check_cin_links(t)
    assert links[0]["code"] == "DIS03" and links[0]["affected"] == 1
    assert quality.check_pupil_roll(3, "2023/24")[0]["message"].startswith("fewer than 6")
    assert quality.check_pupil_roll(0, "2023/24") == []
    pop = population({"WROM": 5})
    frame = m.stage_frame("referral", people(many("WROM", 12) + many("WBRI", 30)), pop, "T", "2024-25")
    over = quality.check_rates_within_population({"referral": frame})
    assert over[0]["code"] == "DIS04" and "Gypsy/Roma" in over[0]["message"]
    nk = m.not_known_summary({"referral": protect(frame)}, "T")
    assert quality.check_ethnicity_recorded(nk) == []  # nobody with ethnicity not known
    assert {"DIS01", "DIS02", "DIS03", "DIS04"} <= set(quality.CHECKS)


# ----------------------------------------------------------------------------------------
# The briefing on demo data
# ----------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def demo_data(tmp_path_factory):
    """Demo data for a large borough (hounslow) and a tiny one (city-of-london), ingested."""
    from safeguarding.demo import generate_demo
    from safeguarding.prepare import ingest
    data = tmp_path_factory.mktemp("disproportionality_data")
    generate_demo(["hounslow", "city-of-london"], out_dir=data / "raw", seed=11)
    for slug in ("hounslow", "city-of-london"):
        ingest(data / "raw" / slug, data / "processed" / slug)
    return data


@pytest.fixture(scope="session")
def briefings(demo_data):
    from safeguarding.briefing import open_briefing
    return {slug: open_briefing("disproportionality", slug, data_dir=demo_data) for slug in ("hounslow", "city-of-london")}


SECTIONS = ("journey", "stages", "progression", "minor_groups", "intersections")


@pytest.mark.parametrize("slug", ["hounslow", "city-of-london"])
def test_briefing_sections_render_and_are_safe(briefings, slug):
    b = briefings[slug]
    assert set(SECTIONS) <= set(b.record.section_ids)
    html = "".join(str(b.section(name)) for name in SECTIONS) + str(b.data_quality()) + str(b.methods())
    text = BeautifulSoup(html, "html.parser").get_text(" ")
    assert not re.search(r"\b(nan|inf|None)\b", text), re.search(r".{60}\b(nan|inf|None)\b.{60}", text)
    assert "Traceback" not in html
    assert b.self_check() == []
    b.assert_safe()
    assert 1 <= len(b.findings) <= 6
    for frame in b.view.stages.values():
        assert disclosure.visible_small_counts(frame, threshold=b.threshold).empty
        hidden = frame["symbol"] == "c"
        assert frame.loc[hidden, ["value", "rri_wb", "rri_all"]].isna().all().all()
    assert "An RRI of 2 means children in this group were twice as likely as White British children" in html
    assert "Census 2021" in html and "Not known" in html


def test_large_borough_findings_and_content(briefings):
    b = briefings["hounslow"]
    assert 3 <= len(b.findings) <= 6
    th = b.view
    assert list(th.stages) == [s.key for s in m.STAGES]  # every stage available in the demo data
    assert th.journey.n_tests > 100
    html = str(b.section("journey"))
    assert "<img" in html and "alt=" in html  # the summary RRI chart
    referral = m.whole_borough(th.stages["referral"])
    assert referral["rri_wb_verdict"].isin(["over-represented", "under-represented"]).any()
    assert "Black Caribbean" in str(b.section("minor_groups"))
    assert "Bonferroni" in str(b.section("intersections"))


def test_tiny_borough_suppresses_and_says_so(briefings):
    b = briefings["city-of-london"]
    th = b.view
    hidden = sum(int((f["symbol"] == "c").sum()) for f in th.stages.values())
    assert hidden > 0
    text = " ".join(b.findings)
    assert "too few" in text.lower() or "hidden" in text.lower()


def test_briefing_with_only_the_required_tables(demo_data, tmp_path):
    from safeguarding.briefing import open_briefing
    folder = tmp_path / "processed" / "hounslow"
    folder.mkdir(parents=True)
    for name in ("cin_children.parquet", "cin_details.parquet", "validation_report.csv", "validation_summary.csv",
                 "manifest.json"):
        shutil.copy(demo_data / "processed" / "hounslow" / name, folder / name)
    b = open_briefing("disproportionality", "hounslow", data_dir=tmp_path)
    assert list(b.view.stages) == ["referral"]
    stages = str(b.section("stages"))
    assert "not available" in stages and "cin_assessments" in stages
    for name in SECTIONS:
        b.section(name)
    b.assert_safe()
