"""Child protection (theme 60): hand-computed measures, the published figures the demo
re-aggregates to, disclosure links to the disproportionality theme, and the briefing."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from fixtures_data import theme_value
from safeguarding.measures import child_protection as m
from safeguarding.results.plan import plan_disclosure
from safeguarding.results.relations import expand
from safeguarding.themes.child_protection import ChildProtectionView
from safeguarding.themes.registry import THEMES

END = "2025-03-31"
T = pd.Timestamp


def test_working_days_leave_out_weekends_and_bank_holidays():
    start = pd.Series([T("2025-01-03"), T("2024-12-24"), T("2025-01-06"), T("2025-01-06"), None, T("2025-01-10")])
    end = pd.Series([T("2025-01-06"), T("2024-12-27"), T("2025-01-27"), T("2025-01-06"), T("2025-01-06"), T("2025-01-09")])
    from safeguarding.measures.cin_common import working_days_between
    days = working_days_between(start, end)
    # Friday to Monday: 1; Christmas Eve to the 27th: Christmas Day and Boxing Day are holidays, so 1;
    # three weeks: 15; the same day: 0; missing or backwards: not known
    assert list(days[:4]) == [1, 1, 15, 0]
    assert days[4:].isna().all()


def _tables():
    """Five plans, four enquiries and two children, each worked out by hand below."""
    s47 = pd.DataFrame({
        "LAchildID": ["a", "b", "c", "d"],
        "S47ActualStartDate": [T("2024-04-01"), T("2024-10-01"), T("2025-03-20"), T("2024-03-28")],
        # a: conference 15 working days after (1 April 2024 + 3 weeks = 22 April); b: 16 days (8 Oct
        # is day 5 ... 23 Oct is day 16); c: none yet; d: enquiry last year (Thursday 28 March 2024),
        # conference in this one (Tuesday 2 April: Good Friday and Easter Monday between, so 1 day)
        "DateOfInitialCPC": [T("2024-04-22"), T("2024-10-23"), pd.NaT, T("2024-04-02")],
    })
    plans = pd.DataFrame({
        "LAchildID": ["a", "b", "e", "f", "g"],
        "CPPstartDate": [T("2024-04-22"), T("2024-10-23"), T("2022-01-10"), T("2023-06-01"), T("2024-05-01")],
        "CPPendDate": [pd.NaT, T("2025-02-01"), pd.NaT, T("2025-06-01"), T("2025-03-31")],
        "InitialCategoryOfAbuse": ["NEG", "EMO", "NEG", "PHY", None],
        "LatestCategoryOfAbuse": ["NEG", "EMO", "MUL", "PHY", "SAB"],
        "NumberOfPreviousCPP": [0, 2, 0, 1, 1],
    })
    children = pd.DataFrame({"LAchildID": ["a", "b", "e", "f", "g"],
                             "PersonBirthDate": [T("2024-06-01"), T("2015-01-01"), T("2010-01-01"), T("2020-01-01"), T("2007-03-01")],
                             "Sex": ["F", "M", "F", "M", "U"]})
    return s47, plans, children


_value = functools.partial(theme_value, m)


def test_measures_hand_computed():
    s47, plans, children = _tables()
    t = m.results(s47, plans, children, "Test", END, population=20_000)
    # enquiries starting in 2024-25: a, b, c (d started in 2023-24)
    assert _value(t, "enquiries", "s47_enquiries") == 3
    assert _value(t, "enquiries", "s47_rate_per_10k") == pytest.approx(1.5)
    # of them, a and b had a conference: 2 of 3
    assert _value(t, "enquiries", "icpc_after_s47_pct", column="numerator") == 2
    # conferences held in the year: a, b, d; within 15 working days: a (15) and d (1), not b (16)
    assert _value(t, "enquiries", "icpcs") == 3
    assert _value(t, "enquiries", "icpc_within_15_days_pct", column="numerator") == 2
    # plans: a, b, g start in the year; b ends 1 Feb and g on 31 March (ended, not open); open on
    # 31 March: a, e (from 2022) and f (ends in June)
    assert _value(t, "plans", "plans_started") == 3
    assert _value(t, "plans", "plans_ended") == 2
    assert _value(t, "plans", "plans_open") == 3
    assert _value(t, "plans", "open_rate_per_10k") == pytest.approx(1.5)
    # second or subsequent: b and g of the three starting
    assert _value(t, "plans", "second_subsequent_pct", column="numerator") == 2
    # open two years or more at 31 March 2025: e (started 10 January 2022); f is 22 months
    assert _value(t, "plans", "open_two_years_pct", column="numerator") == 1
    assert _value(t, "plans", "ended_two_years_pct", column="numerator") == 0
    # initial category of the three starting: neglect (a), emotional (b), not recorded (g)
    assert _value(t, "categories", "initial_category_pct", "initial_category", "Neglect", "numerator") == 1
    assert _value(t, "categories", "initial_category_pct", "initial_category", m.NOT_RECORDED, "numerator") == 1
    assert _value(t, "categories", "initial_category_pct", "initial_category", "Sexual abuse", "numerator") == 0
    # latest category of the three open: neglect (a), multiple (e), physical (f)
    assert _value(t, "categories", "latest_category_pct", "latest_category", "Multiple", "numerator") == 1
    # age at the start: a was born after its plan started (unborn), b was 9, g was 17
    assert _value(t, "groups", "started_by_group_pct", "age", m.UNBORN, "numerator") == 1
    assert _value(t, "groups", "started_by_group_pct", "age", "5 to 9", "numerator") == 1
    assert _value(t, "groups", "started_by_group_pct", "age", "16 to 17", "numerator") == 1
    assert _value(t, "groups", "started_by_group_pct", "sex", "Unknown or not recorded", "numerator") == 1


def test_without_a_population_there_are_no_rates():
    s47, plans, children = _tables()
    t = m.results(s47, plans, children, "Test", END, population=None)
    assert not t["plans"]["measure_id"].str.contains("rate_per_10k").any()


def test_a_small_category_is_protected_across_the_table_and_its_total():
    """Multiple = 2 of 40 plans: hiding it alone would leave 40 minus the others."""
    from safeguarding.results.cells import cell_values, register_cells
    rng = np.random.default_rng(1)
    n = 40
    codes = ["NEG"] * 20 + ["EMO"] * 12 + ["PHY"] * 6 + ["MUL"] * 2
    plans = pd.DataFrame({"LAchildID": [f"k{i}" for i in range(n)],
                          "CPPstartDate": [T("2024-06-01") + pd.Timedelta(days=int(d)) for d in rng.integers(0, 200, n)],
                          "CPPendDate": pd.NaT, "InitialCategoryOfAbuse": codes, "LatestCategoryOfAbuse": codes,
                          "NumberOfPreviousCPP": 0})
    children = pd.DataFrame({"LAchildID": plans["LAchildID"], "PersonBirthDate": T("2015-01-01"), "Sex": "F"})
    s47 = pd.DataFrame({"LAchildID": [], "S47ActualStartDate": pd.Series([], dtype="datetime64[ns]"),
                        "DateOfInitialCPC": pd.Series([], dtype="datetime64[ns]")})
    t = m.results(s47, plans, children, "Test", END, population=None)
    frames = [register_cells(f) for f in t.values()]
    values = cell_values(frames)
    plan = plan_disclosure(values, expand(m.RELATIONS, values.keys(), values), 5)
    assert plan.failures.empty
    multiple = m.P + "plans_started|initial_category|Multiple|2024-25"
    assert plan.status[multiple] == "primary"
    hidden = [k for k, s in plan.status.items() if "initial_category" in k and s == "secondary"]
    assert hidden, "a second category must be hidden with 'Multiple'"


def test_children_with_a_plan_are_at_most_the_plans():
    """The disproportionality theme's children starting a plan (by sex) sit within this theme's plans."""
    keys = {"disproportionality.cp_plan_started|all by sex|All children, F|2024-25",
            m.P + "plans_started|sex|Female|2024-25", "disproportionality.s47|all|All children|2024-25",
            m.P + "s47_enquiries|all|All|2024-25"}
    pairs = dict((parts[0], total) for parts, total in m._children_within_plans(keys))
    assert pairs == {"disproportionality.cp_plan_started|all by sex|All children, F|2024-25": m.P + "plans_started|sex|Female|2024-25",
                     "disproportionality.s47|all|All children|2024-25": m.P + "s47_enquiries|all|All|2024-25"}


# ---------------------------------------------------------------------------------------
# Demo boroughs: published figures and the briefing
# ---------------------------------------------------------------------------------------
BOROUGHS = ("hounslow", "city-of-london")


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory):
    from fixtures_data import shared_demo
    return shared_demo(tmp_path_factory, BOROUGHS)


@pytest.fixture(scope="session")
def briefings(demo_data):
    from fixtures_data import theme_briefings
    return theme_briefings(demo_data, "child_protection", BOROUGHS)


def test_demo_re_aggregates_to_the_published_figures(briefings):
    """Hounslow 2024-25 as DfE published it (table D3): 195 plans starting, 28.9 per 10,000
    children, 40 of them second or subsequent (20.5%). The figures the demo meets within a
    tolerance are checked in test_demo."""
    from safeguarding.published.figures import area_figure
    b = briefings["hounslow"]
    unprotected = {name: f for name, f in b.results.themes["child_protection"].tables.items()}
    assert _value(unprotected, "plans", "plans_started") == area_figure("cp.starts", b.area, 2025, b.published_dir)["value"]
    published = area_figure("cp.second_subsequent_pct", b.area, 2025, b.published_dir)
    assert _value(unprotected, "plans", "second_subsequent_pct", column="numerator") == published["numerator"] == 40
    assert round(_value(unprotected, "plans", "starts_rate_per_10k"), 1) == round(b.compare("cp.starts_rate_per_10k").value, 1)


@pytest.mark.parametrize("slug", BOROUGHS)
def test_every_section_renders(briefings, slug):
    from fixtures_data import check_sections
    check_sections(briefings[slug])


def test_hounslow_findings_in_words(briefings):
    findings = " ".join(briefings["hounslow"].findings)
    assert "195 child protection plans starting in the year, 28.9 per 10,000 children" in findings
    assert "Of 195 plans starting in the year, 40 (20.5%" in findings


def test_view_has_a_section_for_every_record_section():
    assert all(hasattr(ChildProtectionView, f"section_{s}") for s in THEMES["child_protection"].section_ids)


def test_first_page_flags_figures_that_differ_from_dfe(briefings):
    """Where the borough's own figure differs from DfE's for the same year (a data-quality
    finding), the first-page row says so beside the figure, not only in the data notes."""
    from safeguarding.measures.registry import get
    from safeguarding.render.glance import glance_row
    b = briefings["hounslow"]
    messages = " ".join(f["message"] for f in b.view.quality)
    assert messages  # the demo's rates sit within a tolerance of DfE's, not on them
    flagged = 0
    for g in b.record.glance:
        row = glance_row(b, g, b.period_label)
        differs = f"{get(g.measure_id).label}:" in messages
        assert ("DfE published a different figure" in row["verdict"]) == differs, g.measure_id
        flagged += differs
    assert flagged >= 1
