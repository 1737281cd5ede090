"""Front door and referrals (theme 50): hand-computed measures, the published figures the demo
re-aggregates to, disclosure links, and the briefing."""

from __future__ import annotations

import functools

import pandas as pd
import pytest
from fixtures_data import theme_value
from safeguarding.measures import front_door as m
from safeguarding.results.cells import cell_values, register_cells
from safeguarding.results.plan import plan_disclosure
from safeguarding.results.relations import expand
from safeguarding.themes.front_door import FrontDoorView
from safeguarding.themes.registry import THEMES

END = "2025-03-31"
T = pd.Timestamp


def _tables():
    """Six referrals of four children, and four assessments, each worked out by hand below."""
    details = pd.DataFrame({
        "LAchildID": ["a", "a", "b", "c", "c", "d"],
        # a: referred in May 2023 and again in April 2024 (within 12 months: a re-referral);
        # c: referred in June 2024 and again in August 2025 (after the year); d: unborn at referral
        "CINreferralDate": [T("2023-05-01"), T("2024-04-10"), T("2024-09-01"), T("2024-06-01"), T("2025-08-01"),
                            T("2025-01-15")],
        "ReferralSource": ["5D", "5D", "2A", "3E", None, "1A"],
        "PrimaryNeedCode": ["N1", "N1", "N2", "N1", "N1", None],
        "ReferralNFA": [False, False, True, False, False, False],
    })
    assessments = pd.DataFrame({
        "LAchildID": ["a", "b", "c", "d"],
        # a: 45 working days exactly (Wednesday 10 April to Friday 14 June 2024: 47 weekdays, less
        # the 6 May and 27 May bank holidays); b: authorised the year before (21 days); c: 46 days
        # (3 June to 6 August, with no bank holiday); d: 10 days
        "AssessmentActualStartDate": [T("2024-04-10"), T("2024-02-01"), T("2024-06-03"), T("2025-01-16")],
        "AssessmentAuthorisationDate": [T("2024-06-14"), T("2024-03-01"), T("2024-08-06"), T("2025-01-30")],
        "AssessmentFactors": ["10A,24A", "11A", "", "24A , 2B"],
    })
    children = pd.DataFrame({"LAchildID": ["a", "b", "c", "d"],
                             "PersonBirthDate": [T("2010-05-01"), T("2020-01-01"), T("2024-01-01"), T("2025-02-01")],
                             "Sex": ["F", "M", "F", "U"]})
    return details, assessments, children


_value = functools.partial(theme_value, m)


def test_working_days_of_the_assessments():
    from safeguarding.measures.cin_common import working_days_between
    _, a, _ = _tables()
    assert list(working_days_between(a["AssessmentActualStartDate"], a["AssessmentAuthorisationDate"])) == [45, 21, 46, 10]


def test_measures_hand_computed():
    details, assessments, children = _tables()
    t = m.results(details, assessments, children, "Test", END, population=10_000)
    # referrals in 2024-25: a (April), b, c (June), d; not a's 2023 one or c's in 2025-26
    assert _value(t, "referrals", "referrals") == 4
    assert _value(t, "referrals", "referral_rate_per_10k") == pytest.approx(4.0)
    # a's April referral came 11 months after its May 2023 one
    assert _value(t, "referrals", "rereferral_pct", column="numerator") == 1
    assert _value(t, "referrals", "nfa_pct", column="numerator") == 1
    # sources: police (a), schools (b), health (c), individual (d); the police are a group of their own
    assert _value(t, "sources", "source_pct", "source", "Police", "numerator") == 1
    assert _value(t, "sources", "source_pct", "source", "Local authority services", "numerator") == 0
    assert _value(t, "sources", "source_pct", "source", "Schools and education services", "numerator") == 1
    assert _value(t, "needs", "primary_need_pct", "primary_need", "Abuse or neglect", "numerator") == 2
    assert _value(t, "needs", "primary_need_pct", "primary_need", m.NOT_RECORDED, "numerator") == 1
    # ages at referral: a 13, b 4, c under 1, d unborn
    assert _value(t, "groups", "by_group_pct", "age", "Unborn", "numerator") == 1
    assert _value(t, "groups", "by_group_pct", "age", "10 to 15", "numerator") == 1
    assert _value(t, "groups", "by_group_pct", "sex", "Female", "numerator") == 2
    # assessments authorised in the year: a, c, d (b was authorised in March 2024)
    assert _value(t, "assessments", "assessments") == 3
    assert _value(t, "assessments", "assessed_45_days_pct", column="numerator") == 2  # a (45) and d (10), not c (46)
    # factors, of the two with any factor recorded (a and d): going missing 1, criminal exploitation 2
    assert _value(t, "assessments", "factor_pct", "factor", "Going missing", "denominator") == 2
    assert _value(t, "assessments", "factor_pct", "factor", "Child criminal exploitation", "numerator") == 2
    assert _value(t, "assessments", "factor_pct", "factor", "Child sexual exploitation", "numerator") == 0


def test_without_assessments_there_is_no_assessment_table():
    details, _, children = _tables()
    assert "assessments" not in m.results(details, None, children, "Test", END, population=10_000)


def test_a_small_source_is_protected_across_the_sources_and_their_total():
    """3 referrals from the police, 30 from other council services and 27 from schools: hiding
    the police alone would leave 60 minus the others, so a second source is hidden too."""
    n = 60
    details = pd.DataFrame({"LAchildID": [f"k{i}" for i in range(n)], "CINreferralDate": T("2024-07-01"),
                            "ReferralSource": ["5D"] * 3 + ["5A"] * 30 + ["2A"] * 27, "PrimaryNeedCode": "N1",
                            "ReferralNFA": False})
    children = pd.DataFrame({"LAchildID": details["LAchildID"], "PersonBirthDate": T("2015-01-01"), "Sex": "M"})
    t = m.results(details, None, children, "Test", END, population=None)
    values = cell_values([register_cells(f) for f in t.values()])
    plan = plan_disclosure(values, expand(m.RELATIONS, values.keys(), values), 5)
    assert plan.failures.empty
    assert plan.status[m.P + "referrals|source|Police|2024-25"] == "primary"
    assert any(s == "secondary" for k, s in plan.status.items() if "|source|" in k)


# ---------------------------------------------------------------------------------------
BOROUGHS = ("hounslow", "city-of-london")


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory):
    from fixtures_data import shared_demo
    return shared_demo(tmp_path_factory, BOROUGHS)


@pytest.fixture(scope="session")
def briefings(demo_data):
    from fixtures_data import theme_briefings
    return theme_briefings(demo_data, "front_door", BOROUGHS)


def test_demo_re_aggregates_to_the_published_figures(briefings):
    """Hounslow 2024-25 as DfE published it (table C1): 2,158 referrals (319.8 per 10,000
    children), 261 re-referrals (12.1%), 114 closed with no further action (5.3%)."""
    from safeguarding.published.figures import area_figure
    b = briefings["hounslow"]
    t = b.results.themes["front_door"].tables
    assert _value(t, "referrals", "referrals") == area_figure("cin.referrals", b.area, 2025, b.published_dir)["value"] == 2158
    assert _value(t, "referrals", "rereferral_pct", column="numerator") == 261
    assert round(_value(t, "referrals", "nfa_pct"), 1) == b.compare("cin.referrals_nfa_pct").value == 5.3
    assert round(_value(t, "referrals", "referral_rate_per_10k"), 1) == pytest.approx(b.compare("cin.referral_rate_per_10k").value, abs=0.5)


@pytest.mark.parametrize("slug", BOROUGHS)
def test_every_section_renders(briefings, slug):
    from fixtures_data import check_sections
    check_sections(briefings[slug])


def test_hounslow_findings_in_words(briefings):
    findings = " ".join(briefings["hounslow"].findings)
    assert "2,158 referrals to children's social care in the year" in findings
    assert "Of 2,158 referrals in the year, 261 (12.1%" in findings


def test_view_has_a_section_for_every_record_section():
    assert all(hasattr(FrontDoorView, f"section_{s}") for s in THEMES["front_door"].section_ids)
