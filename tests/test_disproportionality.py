"""Disproportionality by ethnicity (theme 2): hand-computed measure cases, disclosure of the
stage frames through the disclosure plan (the briefing itself: test_disproportionality_view.py)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from safeguarding import quality
from safeguarding.codes.ethnicity import CODES, major_group, minor_group
from safeguarding.issues import issues_frame
from safeguarding.measures import disproportionality as m
from safeguarding.measures import stats
from safeguarding.prepare import NO_REFERRAL, _cin_episodes_without_referral
from safeguarding.results.store import ThemeResults, protect_all

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
    # a plan after the period does not count: the children who went on are among the later stage's
    late = cin_tables(details=[("E", "1", "2025-03-01")], children=[("E", "F", "2012-01-01", "WBRI")],
                      plans=[("E", "1", "2025-04-02")])
    to_plan = m.cin_progression(late["cin_details"], "CINreferralDate", late["cin_cp_plans"], "CPPstartDate",
                                late["cin_children"], END)
    assert dict(zip(to_plan["person"], to_plan["outcome"])) == {"E": False}
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
                        "IN_TOUCH": ["YES", "YES", "YES", "YES"], "ACTIV": ["G5", "F1", "G4", "G5"]})
    header = pd.DataFrame({"CHILD": ["A", "B"], "SEX": ["M", "F"], "collection_year": 2025,
                           "ethnic_minor": ["Black African", "White British"], "ethnic_major": ["Black", "White"]})
    leavers = m.care_leavers(oc3, header, END)
    assert sorted(leavers["person"]) == ["A", "B", "C"]  # D is outside the ages 17 to 21
    got = leavers.set_index("person")
    assert list(got.loc[["A", "B", "C"], "outcome"]) == [True, False, True]
    assert got.loc["C", "group"] == "Not known"  # no header row: counted, never dropped


def care_leaver_people(rows):
    """rows: (id, DfE code or None, NEET?) -> every care leaver aged 17 to 21, with ``outcome``."""
    frame = people([(i, code, "M", "19-21") for i, code, _ in rows])
    return frame.assign(outcome=[neet for _, _, neet in rows])


def test_neet_stage_is_per_100_care_leavers_of_the_group():
    """4 White British care leavers of whom 1 NEET, 10 Black of whom 5 NEET: 25 and 50 per 100,
    RRI 2; the base is the care leavers themselves (counted, Wilson), not children aged 0 to 17."""
    rows = ([(f"W{i}", "WBRI", i < 1) for i in range(4)] + [(f"B{i}", "BCRB", i < 5) for i in range(10)]
            + [("N1", "REFU", True), ("N2", None, False)])
    leavers = care_leaver_people(rows)
    frame = m.stage_frame("neet", leavers[leavers["outcome"]], leavers, "T", "2024-25")
    stage = m.STAGE_BY_KEY["neet"]
    assert (stage.base, stage.per, stage.denominator_concept) == ("care_leavers", 100, "neet.care_leavers")
    wb, black = cell(frame, "White British"), cell(frame, "Black")
    assert (wb["numerator"], wb["denominator"], wb["value"]) == (1, 4, pytest.approx(25.0))
    assert (black["numerator"], black["denominator"], black["value"]) == (5, 10, pytest.approx(50.0))
    lo, hi = stats.wilson_interval(5, 10)
    assert (black["lower"], black["upper"]) == pytest.approx((100 * lo, 100 * hi))
    assert black["method"].startswith("Wilson")
    assert black["rri_wb"] == pytest.approx(2.0)
    assert black["rri_wb_verdict"] == "too few to say"  # 1 White British NEET care leaver
    # 'Not known' has a base here (like pupils, unlike the population stages)
    nk = cell(frame, m.NOT_KNOWN)
    assert (nk["numerator"], nk["denominator"], nk["value"]) == (1, 2, pytest.approx(50.0))
    total = cell(frame, m.TOTAL, "total")
    assert (total["numerator"], total["denominator"]) == (7, 16)
    assert all(frame["measure_id"] == "disproportionality.neet_rate_per_100")
    # the cells: NEET over care leavers, keyed as today (the NEET theme's relation ties them)
    assert black["num_concept"] == "neet.neet@ethnicity=Black"
    assert black["den_concept"] == "neet.care_leavers@ethnicity=Black"
    assert nk["den_concept"] == "neet.care_leavers@ethnicity=Not known"
    assert total["den_concept"] == "neet.care_leavers@age_band=17-21"
    assert cell(frame, "White British")["den_concept"] == "neet.care_leavers@ethnicity_minor=White British"
    assert set(frame["level"]) == {"white", "major", "total"} and set(frame["sex"]) == {m.TOTAL}


def test_neet_measure_id_unit_and_words():
    from safeguarding.measures.registry import get
    from safeguarding.themes.registry import THEMES
    stage = m.STAGE_BY_KEY["neet"]
    spec = get(stage.measure_id)
    assert spec.id == stage.measure_id == "disproportionality.neet_rate_per_100"
    assert (spec.unit, spec.ci_method, spec.counts) == ("per_100", "wilson", "care leavers")
    assert (spec.numerator_cell, spec.denominator_cell) == ("neet.neet", "neet.care_leavers")
    assert spec.denominator == "care leavers aged 17 to 21 of the group"
    assert "10,000" not in spec.label + spec.definition and "per 100 care leavers aged 17 to 21" in spec.label
    assert stage.per_words == "per 100 care leavers aged 17 to 21"
    journey = next(sec for sec in THEMES["disproportionality"].sections if sec.id == "journey")
    assert stage.measure_id in journey.measures
    assert not any("neet_rate_per_10k" in mid for sec in THEMES["disproportionality"].sections for mid in sec.measures)


def test_neet_stage_needs_no_population():
    oc3 = pd.DataFrame({"CHILD": [f"C{i}" for i in range(14)], "collection_year": 2025,
                        "care_leaver_age_band": "19-21", "IN_TOUCH": "YES",
                        "ACTIV": ["G5"] * 1 + ["F1"] * 3 + ["G4"] * 5 + ["F2"] * 5})
    header = pd.DataFrame({"CHILD": [f"C{i}" for i in range(14)], "SEX": "M", "collection_year": 2025,
                           "ethnic_minor": ["White British"] * 4 + ["Black African"] * 10,
                           "ethnic_major": ["White"] * 4 + ["Black"] * 10})
    j = m.build_journey({"cla_oc3": oc3, "cla_header": header}, None, "T", END, population_problem="none")
    assert "neet" in j.stages and "referral" in j.unavailable
    frame = j.stages["neet"]
    assert cell(frame, "White British")["value"] == pytest.approx(25.0)
    assert cell(frame, "Black")["value"] == pytest.approx(50.0)
    assert cell(frame, "Black")["rri_wb"] == pytest.approx(2.0)


def test_pupil_roll_year_and_excluded_pupils():
    pupils = pd.DataFrame({"UPN": ["U1", "U2", "U3", "U1"], "AcademicYear": [2024, 2024, 2024, 2025],
                           "Phase": ["PS", "SS", "SS", "SS"], "Sex": ["M", "F", "M", "M"],
                           "ethnic_minor": ["Black Caribbean", "White British", "Indian", "Black Caribbean"],
                           "ethnic_major": ["Black", "White", "Asian", "Black"]})
    excl = pd.DataFrame({"UPN": ["U1", "U1", "U9", "U2"], "AcademicYear": [2024, 2024, 2024, 2024],
                         "Category": ["SUSP", "SUSP", "PERM", "SUSP"], "Phase": ["PS", "PS", "SS", "SS"],
                         "Sex": ["M", "M", "M", "F"], "ethnic_minor": ["Black Caribbean", "Black Caribbean", "Indian", "White British"],
                         "ethnic_major": ["Black", "Black", "Asian", "White"],
                         "StartDate": pd.to_datetime(["2024-01-10", "2023-10-02", "2024-02-01", "2024-03-01"])})
    assert m.exclusion_year(excl, pupils, END) == 2024  # 2024/25 had not ended by 31 March 2025
    assert m.exclusion_year(excl, pupils, "2025-09-30") == 2025
    roll = m.pupil_roll(pupils, 2024)
    assert sorted(roll["person"]) == ["U1", "U2", "U3"]
    assert m.pupils_not_on_roll(excl, pupils, 2024) == 1  # U9 was excluded but is not on the roll
    susp = m.excluded_pupils(excl, 2024, "SUSP")
    assert sorted(susp["person"]) == ["U1", "U2"]  # U1 suspended twice: one pupil
    assert susp.set_index("person").loc["U1", "age_band"] == "Primary"


# ----------------------------------------------------------------------------------------
# Cells, rates and relative rate indices
# ----------------------------------------------------------------------------------------
def test_count_cells_slices_and_levels():
    p = people(many("BCRB", 3, "M", "Primary") + many("BAFR", 2, "F", "Secondary") + many("WBRI", 4, "F", "Primary")
               + many(None, 1, "U", m.NOT_KNOWN))
    assert m.age_bands_for("referral") is None  # population stages: no age slices
    bands = m.age_bands_for("suspension")  # pupil stages: school phase
    assert bands[-1] == m.NOT_KNOWN and "Primary" in bands
    counts = m.count_cells(p, bands)
    cells = m.cell_index(bands).assign(n=counts.to_numpy())

    def n(group, level="major", sex=m.TOTAL, band=m.TOTAL):
        return cells[(cells.group == group) & (cells.level == level) & (cells.sex == sex) & (cells.age_band == band)]["n"].item()
    assert n("Black") == 5 and n("Black Caribbean", "minor") == 3 and n("White British") == 4
    assert n(m.WHITE, "white") == 4  # White British + Other White, for disclosure control
    assert n(m.TOTAL, "total") == 10 and n(m.NOT_KNOWN) == 1
    assert n("Black", sex="M") == 3 and n("Black", sex="F") == 2
    assert n("Black", band="Primary") == 3 and n(m.TOTAL, "total", band=m.NOT_KNOWN) == 1
    # minor groups only for the whole borough; no minor groups or slices at all when asked
    assert not ((cells.level == "minor") & (cells.sex != m.TOTAL)).any()
    bare = m.cell_index(None, sexes=(), minor=False)
    assert set(bare["level"]) == {"white", "major", "total"} and set(bare["sex"]) == {m.TOTAL}


def test_population_cells_assumptions():
    pop = population({"WBRI": 9000, "BCRB": 1800})
    n = m.population_cells(pop, None)
    cells = m.cell_index(None).assign(n=n.to_numpy())

    def get(group, level="major", sex=m.TOTAL):
        return cells[(cells.group == group) & (cells.level == level) & (cells.sex == sex) & (cells.age_band == m.TOTAL)]["n"].item()
    assert get("Black Caribbean", "minor") == 1800
    assert get("Black", sex="M") == (1800 + 2 * 1000) / 2  # half boys, half girls (Black African, other Black: 1,000)
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
    frame = m.stage_frame("suspension", roll[roll["person"].isin(suspended)], roll, "Test", "2023/24")
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
# Disclosure control: the stage frames through one plan (as the results stage runs them)
# ----------------------------------------------------------------------------------------
def protect(threshold=5, **frames):
    """Protect stage/step frames together, as ``compute`` + ``protect_all`` do: recode parts of
    small groups, one plan over every cell, then hide the comparisons the plan cannot see."""
    tables = {name: m.mark_small_groups(frame, threshold) if name.startswith(("stage_", "step_")) else frame
              for name, frame in frames.items()}
    protected, plan = protect_all({m.THEME: ThemeResults(tables)}, threshold)
    assert plan.failures.empty, plan.failures
    return protected[m.THEME], plan


def test_sex_slice_cells_hidden_with_their_comparisons_and_not_recoverable():
    pop = population({"WBRI": 10_000})
    p = people(many("WBRI", 60, "M") + many("WBRI", 50, "F", start=100) + many("MWBC", 3, "M")
               + many("MWBC", 12, "F", start=10) + many("BAFR", 20, "M") + many("BAFR", 15, "F", start=50))
    shown, plan = protect(stage_referral=m.stage_frame("referral", p, pop, "T", "2024-25"))
    frame = shown["stage_referral"]
    boys = cell(frame, "Mixed", sex="M")
    assert boys["symbol"] == "c" and boys["reason"] == "primary"
    assert pd.isna(boys["numerator"]) and pd.isna(boys["value"]) and pd.isna(boys["rri_wb"])
    assert boys["rri_wb_verdict"] == m.HIDDEN_VERDICT and boys["rri_wb_strict"] == ""
    # 3 boys = 15 Mixed children - 12 girls: one more figure of that sum is hidden, and the audit
    # finds every hidden count open over its whole band
    linked = [cell(frame, "Mixed"), cell(frame, "Mixed", sex="F"), cell(frame, m.TOTAL, "total", sex="M")]
    assert any(r["symbol"] == "c" and r["reason"] == "secondary" for r in linked)
    audit = plan.audit.set_index("cell")
    assert audit["protected"].all() and (audit.loc[audit["status"] == "primary", "highest"] >= 5).all()


def test_white_british_or_white_hidden_beside_a_small_other_white():
    """The other briefings (and DfE) show 'White' (White British + Other White): a White British
    count shown beside a hidden Other White count would give it back unless one more is hidden."""
    pop = population({"WBRI": 10_000})
    p = people(many("WBRI", 50) + many("WIRI", 3) + many("BCRB", 40) + many("AIND", 30) + many("MWBC", 20))
    shown, _ = protect(stage_referral=m.stage_frame("referral", p, pop, "T", "2024-25"))
    frame = shown["stage_referral"]
    assert cell(frame, "Other White")["symbol"] == "c"
    assert "c" in (cell(frame, "White British")["symbol"], cell(frame, m.WHITE, "white")["symbol"])


def test_comparisons_hidden_when_the_reference_is_hidden():
    pop = population({"WBRI": 10_000})
    p = people(many("WBRI", 4) + many("BCRB", 40) + many("AIND", 30) + many("REFU", 2))
    shown, _ = protect(stage_referral=m.stage_frame("referral", p, pop, "T", "2024-25"))
    black = cell(shown["stage_referral"], "Black")
    assert black["symbol"] == "" and black["numerator"] == 40  # the count and rate stay
    assert pd.isna(black["rri_wb"]) and black["rri_wb_verdict"] == m.HIDDEN_VERDICT  # 4 White British: hidden
    # 'Not known' (2) is hidden, so comparisons with all other groups would give it back
    assert pd.isna(black["rri_all"]) and black["rri_all_verdict"] == m.HIDDEN_VERDICT
    assert cell(shown["stage_referral"], "White British")["rri_wb_verdict"] == "comparison group"


def test_parts_of_a_small_group_are_recoded_not_suppressed():
    """Black = 4 (1 Caribbean, 3 African): the parts of a hidden small whole would narrow each
    other down, so they are not published at all (reason 'small group'), whatever their size."""
    pop = population({"WBRI": 10_000})
    p = people(many("WBRI", 50) + many("BCRB", 1) + many("BAFR", 3) + many("AIND", 30) + many("MWBC", 20))
    shown, _ = protect(stage_referral=m.stage_frame("referral", p, pop, "T", "2024-25"))
    frame = shown["stage_referral"]
    assert cell(frame, "Black")["reason"] == "primary"
    for minor in m.MINOR_GROUPS["Black"]:
        assert cell(frame, minor, "minor")["reason"] == m.SMALL_GROUP


def test_step_denominators_are_the_stage_counts():
    """Children referred are the referral stage's counts and the denominators of the steps
    after a referral: one cell, so a figure hidden in one table is hidden in the other."""
    rng = np.random.default_rng(3)
    codes = [c.code for c in CODES if c.major != m.NOT_KNOWN]
    rows = [(f"C{i}", rng.choice(codes), rng.choice(["F", "M"]), m.TOTAL) for i in range(400)]
    rows += [("R1", "REFU", "F", m.TOTAL), ("R2", None, "M", m.TOTAL)]  # 2 with ethnicity not known: hidden
    cohort = people(rows).assign(outcome=rng.random(402) < 0.3)
    shown, _ = protect(stage_referral=m.stage_frame("referral", cohort.drop(columns="outcome"), population(), "T", "2024-25"),
                       step_cp=m.step_frame("cp_plan_after_referral", cohort, "T", "2024-25"))
    stage, step = m.whole_borough(shown["stage_referral"]), shown["step_cp"]
    step = step[step["level"] != "white"]
    stage = stage[stage["level"].isin(["major", "total"])].set_index("group")
    assert step["denominator"].notna().any() and stage["numerator"].isna().any()
    for _, row in step.iterrows():
        assert pd.isna(row["denominator"]) == pd.isna(stage.loc[row["group"], "numerator"]), row["group"]
        if not pd.isna(row["denominator"]):
            assert row["denominator"] == stage.loc[row["group"], "numerator"]


def test_neet_care_leavers_contain_the_neet_and_small_bases_are_hidden():
    """NEET care leavers are among their group's care leavers (one relation, whether or not the
    NEET theme is computed); a group of 1 to 5 care leavers is hidden, and so is its NEET count
    (even 0), as the NEET briefing hides it."""
    from safeguarding.results.relations import Components
    assert any(isinstance(r, Components) and r.total == "neet.care_leavers" and r.parts == ("neet.neet",) and r.subset
               for r in m.RELATIONS)
    rows = ([(f"W{i}", "WBRI", i < 10) for i in range(40)] + [(f"B{i}", "BCRB", i < 12) for i in range(30)]
            + [(f"A{i}", "AIND", i < 8) for i in range(25)] + [(f"M{i}", "MWBC", i < 6) for i in range(20)]
            + [(f"O{i}", "OOTH", i < 7) for i in range(15)] + [(f"X{i}", "WIRI", i < 6) for i in range(12)]
            + [("N1", "REFU", False), ("N2", None, False)])
    leavers = care_leaver_people(rows)
    frame = m.stage_frame("neet", leavers[leavers["outcome"]], leavers, "T", "2024-25")
    shown, plan = protect(stage_neet=frame)
    keys = {e.total for e in plan.equations if e.parts == ("neet.neet|ethnicity|Black|2024-25",)}
    assert "neet.care_leavers|ethnicity|Black|2024-25" in keys
    nk = cell(shown["stage_neet"], m.NOT_KNOWN)
    assert nk["symbol"] == "c" and pd.isna(nk["numerator"]) and pd.isna(nk["denominator"]) and pd.isna(nk["value"])
    assert plan.status["neet.care_leavers|ethnicity|Not known|2024-25"] == "primary"
    assert plan.status["neet.neet|ethnicity|Not known|2024-25"] == "secondary"  # 0 NEET of a small group
    total = cell(shown["stage_neet"], m.TOTAL, "total")
    assert (total["numerator"], total["denominator"]) == (49, 144)


def test_not_known_summary_uses_the_stage_cells():
    pop = population()
    frames = {"referral": m.stage_frame("referral", people(many("WBRI", 50) + many("REFU", 3)), pop, "T", "2024-25"),
              "s47": m.stage_frame("s47", people(many("WBRI", 50) + many(None, 20)), pop, "T", "2024-25")}
    summary = m.not_known_summary(frames, "T")
    assert list(summary["numerator"]) == [3, 20] and list(summary["denominator"]) == [53, 70]
    shown, _ = protect(stage_referral=frames["referral"], stage_s47=frames["s47"], not_known=summary)
    ref, s47 = shown["not_known"].iloc[0], shown["not_known"].iloc[1]
    assert ref["symbol"] == "c" and pd.isna(ref["numerator"]) and pd.isna(ref["value"])
    assert cell(shown["stage_referral"], m.NOT_KNOWN)["symbol"] == "c"
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
    t = {k: f.assign(source_file=f"{k}.csv", source_row=range(2, len(f) + 2)) for k, f in t.items()}
    found = _cin_episodes_without_referral(t)  # at ingest: one warning per row, with file, row and value
    assert [(i.table, i.row, i.column, i.value, i.code) for i in found] == [
        ("cin_assessments", 3, "CINdetailsID", "9", NO_REFERRAL)]
    links = quality.check_cin_links(issues_frame(found))
    assert links[0]["code"] == "DIS03" and links[0]["affected"] == 1 and "1 assessment " in links[0]["message"]
    assert quality.check_cin_links(issues_frame([])) == []
    assert quality.check_pupil_roll(3, "2023/24")[0]["message"].startswith("fewer than 6")
    assert quality.check_pupil_roll(0, "2023/24") == []
    pop = population({"WROM": 5})
    frame = m.stage_frame("referral", people(many("WROM", 12) + many("WBRI", 30)), pop, "T", "2024-25")
    over = quality.check_rates_within_population({"referral": frame})
    assert over[0]["code"] == "DIS04" and "Gypsy/Roma" in over[0]["message"]
    assert m._not_known_check(m.not_known_summary({"referral": frame}, "T")) == []  # nobody not known
    with_nk = m.stage_frame("referral", people(many("WBRI", 30) + many("REFU", 2)), pop, "T", "2024-25")
    found = m._not_known_check(m.not_known_summary({"referral": with_nk}, "T"))
    assert found[0]["code"] == "DIS01" and "2" not in found[0]["message"]  # counts are left to the protected table
    assert {"DIS01", "DIS02", "DIS03", "DIS04"} <= set(quality.CHECKS)


# ----------------------------------------------------------------------------------------
# Over the years
# ----------------------------------------------------------------------------------------
def _school(year, wb, bc, wb_susp, bc_susp):
    """A roll of ``wb`` White British and ``bc`` Black Caribbean pupils in school year ``year``,
    of whom the first ``wb_susp`` and ``bc_susp`` were suspended (twice, for the first)."""
    roll = [(f"W{year}{i}", "White British", "White") for i in range(wb)] + \
           [(f"B{year}{i}", "Black Caribbean", "Black") for i in range(bc)]
    pupils = pd.DataFrame([{"UPN": u, "AcademicYear": year, "Phase": "SS", "Sex": "M", "ethnic_minor": mi,
                            "ethnic_major": ma} for u, mi, ma in roll])
    chosen = pupils[pupils["UPN"].isin([f"W{year}{i}" for i in range(wb_susp)] + [f"B{year}{i}" for i in range(bc_susp)])]
    excl = chosen.assign(Category="SUSP", StartDate=pd.Timestamp(f"{year}-01-10"))
    return pupils, pd.concat([excl, excl.head(1)], ignore_index=True)


def test_trend_frame_hand_computed_relative_rate_index_by_year():
    from safeguarding.codes.areas import resolve_area
    p23, e23 = _school(2023, 20, 10, 4, 6)   # 20 and 60 per 100: RRI 3.0
    p24, e24 = _school(2024, 20, 10, 5, 2)   # 25 and 20 per 100: RRI 0.8
    tables = {"pupils": pd.concat([p23, p24], ignore_index=True),
              "exclusions": pd.concat([e23, e24], ignore_index=True)}
    trend = m.trend_frame(tables, resolve_area("Hounslow"), END, academic_year=2024)
    susp = trend[trend["measure_id"] == m.STAGE_BY_KEY["suspension"].measure_id]
    assert list(dict.fromkeys(susp["period"])) == ["2022/23", "2023/24"]
    black = susp[(susp["group"] == "Black") & (susp["level"] == "major")].set_index("period")
    assert black.loc["2022/23", ["numerator", "denominator"]].tolist() == [6, 10]
    assert black.loc["2022/23", "rri_wb"] == pytest.approx((6 / 10) / (4 / 20))
    assert black.loc["2023/24", "rri_wb"] == pytest.approx((2 / 10) / (5 / 20))
    # whole borough only: no minor groups, sexes or school phases
    assert set(susp["level"]) == {"white", "major", "total"} and set(susp["sex"]) == {m.TOTAL}
    # a year after the briefing's school year is never shown
    later = m.trend_frame(tables, resolve_area("Hounslow"), END, academic_year=2023)
    assert later.empty   # one year only: no trend


def test_trend_table_hides_each_year_on_its_own():
    """Small groups are recoded year by year: a small count in one year hides that year's
    comparisons only."""
    from safeguarding.codes.areas import resolve_area
    p23, e23 = _school(2023, 40, 30, 12, 12)
    p24, e24 = _school(2024, 40, 30, 12, 3)
    tables = {"pupils": pd.concat([p23, p24], ignore_index=True),
              "exclusions": pd.concat([e23, e24], ignore_index=True)}
    trend = m.trend_frame(tables, resolve_area("Hounslow"), END, academic_year=2024)
    marked = pd.concat([m.mark_small_groups(f, 5) for _, f in trend.groupby(["measure_id", "period"], sort=False)],
                       ignore_index=True)
    susp = marked[marked["measure_id"] == m.STAGE_BY_KEY["suspension"].measure_id]
    plan_frames = {"trend": susp}
    out = protect(**plan_frames)[0]["trend"]
    black = out[(out["group"] == "Black") & (out["level"] == "major")].set_index("period")
    assert black.loc["2023/24", "symbol"] == "c" and pd.isna(black.loc["2023/24", "rri_wb"])
    assert black.loc["2022/23", "symbol"] == "" and black.loc["2022/23", "rri_wb"] == pytest.approx(
        (12 / 30) / (12 / 40))


def _shown_group_by_rule(minor, major):
    """The shown group row by row, as the definition says (the reference for shown_group)."""
    out = []
    for mi, ma in zip(minor, major):
        ma = "Not known" if ma is None or ma is pd.NA or (isinstance(ma, float) and math.isnan(ma)) else ma
        if ma == "White":
            out.append("White British" if isinstance(mi, str) and mi == "White British" else "Other White")
        elif ma in ("Mixed", "Asian", "Black"):
            out.append(ma)
        elif ma == "Other":
            out.append("Other ethnic group")
        else:
            out.append("Not known")
    return out


def test_shown_group_follows_the_rule_for_every_mix_of_groups_and_gaps():
    from hypothesis import given, settings, strategies as st
    from safeguarding.codes.ethnicity import shown_group

    majors = st.sampled_from(["White", "Mixed", "Asian", "Black", "Other", "Not known", "Refused", None, pd.NA, np.nan])
    minors = st.sampled_from(["White British", "White Irish", "Any other White background", "Indian", None, pd.NA])

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.tuples(minors, majors), max_size=30), st.sampled_from(["object", "string"]))
    def check(rows, dtype):
        minor = pd.Series([r[0] for r in rows], dtype="object")
        major = pd.Series([r[1] for r in rows], dtype="object")
        if dtype == "string":  # as the readers give them: pandas text with <NA> for a gap
            minor, major = minor.astype("string"), major.astype("string")
        got = shown_group(minor, major)
        assert got.dtype == object and list(got.index) == list(minor.index)
        assert got.tolist() == _shown_group_by_rule(minor.tolist(), major.tolist())

    check()
