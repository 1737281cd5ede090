"""Child protection (theme 60): section 47 enquiries, initial conferences and plans (CIN census).

Every measure says what it counts: **enquiries** (a child can have two in a year),
**conferences** or **plans** (DfE counts plans, and so does this theme; a child with two plans
starting in the year is counted twice, as in DfE's table D3). Inputs are the processed CIN
census tables ``cin_section47``, ``cin_cp_plans`` and ``cin_children``.

Definitions follow DfE's *Characteristics of children in need* (tables C4, D3 and D5):

* enquiries and plans *in the year* start between 1 April and 31 March;
* plans *at 31 March* started on or before it and had not ended before it (a plan ending on
  31 March is open on that day... DfE counts it as ended: ``CPPendDate`` on or before 31
  March ends it);
* a plan *lasting two years or more* at 31 March started at least 730 days earlier;
* an initial conference is *within 15 working days* when no more than 15 working days
  (Monday to Friday, England's bank holidays excluded) separate the start of the section 47
  enquiry from the conference.
"""

from __future__ import annotations

import pandas as pd

from safeguarding.codes.lists import ABUSE_CATEGORY, CIN_SEX, period_bounds, period_label
from safeguarding.derive import band_order
from safeguarding.measures.cin_common import (
    NOT_RECORDED,
    UNBORN,
    age_and_sex,
    children_within,
    shares,
    working_days_between,
    year_and_population,
)
from safeguarding.measures.registry import MeasureSpec
from safeguarding.measures.results import combine, count_result, percent_result, rate_result
from safeguarding.results.relations import Components, Custom, Rollup
from safeguarding.results.store import Context, ThemeResults

THEME = "child_protection"
P = f"{THEME}."
ALL = "All"
AGE_ORDER = (UNBORN, *band_order("dfe"))
CATEGORY_ORDER = tuple(c.label for c in ABUSE_CATEGORY.codes)
#: A plan open at 31 March that had lasted this many days or more had lasted two years.
TWO_YEARS_DAYS = 730
WORKING_DAYS_TO_ICPC = 15
_POP = "children aged 0 to 17 living in the borough (ONS mid-year estimate for the June before the year ends)"


def _count(mid, label, definition, counts, published_id=None):
    return MeasureSpec(P + mid, THEME, label, definition, "count", counts, published_id=published_id)


def _pct(mid, label, definition, counts, numerator, denominator, num_cell, den_cell, polarity="none", published_id=None):
    return MeasureSpec(P + mid, THEME, label, definition, "percent", counts, numerator, denominator, polarity=polarity,
                       ci_method="wilson", published_id=published_id, numerator_cell=P + num_cell,
                       denominator_cell=P + den_cell)


def _rate(mid, label, definition, counts, numerator, num_cell, published_id):
    return MeasureSpec(P + mid, THEME, label, definition, "per_10k", counts, numerator, _POP, ci_method="poisson_exact",
                       published_id=published_id, numerator_cell=P + num_cell)


MEASURES: tuple[MeasureSpec, ...] = (
    _count("s47_enquiries", "Section 47 enquiries", "Section 47 enquiries starting in the year (CIN census "
           "S47ActualStartDate). A child with two enquiries is counted twice.", "enquiries"),
    _rate("s47_rate_per_10k", "Section 47 enquiries per 10,000 children", "Section 47 enquiries starting in the year "
          "per 10,000 children aged 0 to 17.", "enquiries", "section 47 enquiries", "s47_enquiries", "cp.s47_rate_per_10k"),
    _pct("icpc_after_s47_pct", "Enquiries leading to an initial conference", "Of section 47 enquiries starting in the "
         "year, the percentage with an initial child protection conference recorded (DateOfInitialCPC). An enquiry "
         "that started in March may have its conference after the census closed, so the last weeks count low.",
         "enquiries", "enquiries with an initial conference", "section 47 enquiries starting in the year",
         "s47_with_icpc", "s47_enquiries"),
    _count("icpcs", "Initial child protection conferences", "Initial child protection conferences held in the year "
           "(DateOfInitialCPC).", "conferences"),
    _pct("icpc_within_15_days_pct", "Initial conferences within 15 working days", "Of initial child protection "
         "conferences held in the year, the percentage held within 15 working days of the start of the section 47 "
         "enquiry (Monday to Friday, England's bank holidays excluded).", "conferences",
         "conferences within 15 working days", "initial conferences held in the year", "icpcs_within_15_days", "icpcs",
         polarity="higher_better", published_id="cp.icpc_within_15_days_pct"),
    _count("plans_started", "Child protection plans starting", "Child protection plans starting in the year "
           "(CPPstartDate).", "plans", published_id="cp.starts"),
    _rate("starts_rate_per_10k", "Plans starting per 10,000 children", "Child protection plans starting in the year "
          "per 10,000 children aged 0 to 17.", "plans", "plans starting", "plans_started", "cp.starts_rate_per_10k"),
    _count("plans_ended", "Child protection plans ending", "Child protection plans ending in the year (CPPendDate).",
           "plans"),
    _count("plans_open", "Child protection plans at 31 March", "Child protection plans open on 31 March: started on "
           "or before it, with no end date on or before it.", "plans", published_id="cp.count_31mar"),
    _rate("open_rate_per_10k", "Plans at 31 March per 10,000 children", "Child protection plans open on 31 March per "
          "10,000 children aged 0 to 17.", "plans", "plans at 31 March", "plans_open", "cp.rate_per_10k"),
    _pct("second_subsequent_pct", "Second or subsequent plans", "Of plans starting in the year, the percentage for a "
         "child who had a child protection plan before (NumberOfPreviousCPP of 1 or more), at any time and in any "
         "authority.", "plans", "second or subsequent plans", "plans starting in the year", "plans_second",
         "plans_started", polarity="lower_better", published_id="cp.second_subsequent_pct"),
    _pct("open_two_years_pct", "Plans at 31 March open for 2 years or more", "Of plans open on 31 March, the "
         "percentage that had lasted two years (730 days) or more.", "plans", "plans open 2 years or more",
         "plans at 31 March", "plans_open_2y", "plans_open", polarity="lower_better", published_id="cp.two_years_plus_pct"),
    _pct("ended_two_years_pct", "Plans ending after 2 years or more", "Of plans ending in the year, the percentage "
         "that had lasted two years (730 days) or more.", "plans", "plans that lasted 2 years or more",
         "plans ending in the year", "plans_ended_2y", "plans_ended", polarity="lower_better"),
    _pct("initial_category_pct", "Plans starting, by initial category of abuse", "Of plans starting in the year, the "
         "percentage in each initial category of abuse (InitialCategoryOfAbuse).", "plans", "plans in the category",
         "plans starting in the year", "plans_started", "plans_started@all=All"),
    _pct("latest_category_pct", "Plans at 31 March, by latest category of abuse", "Of plans open on 31 March, the "
         "percentage in each latest category of abuse (LatestCategoryOfAbuse).", "plans", "plans in the category",
         "plans at 31 March", "plans_open", "plans_open@all=All"),
    _pct("started_by_group_pct", "Plans starting, by age and sex", "Of plans starting in the year, the percentage "
         "for children of each age (at the start of the plan; 'unborn' when the plan started before birth) and sex.",
         "plans", "plans for children of the group", "plans starting in the year", "plans_started",
         "plans_started@all=All"),
)
PUBLISHED_ROWS = {P + "plans_started": "cp.starts", P + "plans_open": "cp.count_31mar",
                  P + "second_subsequent_pct": "cp.second_subsequent_pct", P + "open_two_years_pct": "cp.two_years_plus_pct"}


def _in(dates: pd.Series, start, end) -> pd.Series:
    return (dates >= start) & (dates <= end)


def plan_cohorts(plans: pd.DataFrame, period_end) -> dict[str, pd.DataFrame]:
    """Plans starting in the year, ending in it, and open at its last day."""
    start, end = period_bounds(period_end)
    begun, ended = plans["CPPstartDate"], plans["CPPendDate"]
    return {"started": plans[_in(begun, start, end)], "ended": plans[_in(ended, start, end)],
            "open": plans[(begun <= end) & (ended.isna() | (ended > end))]}


def _lasted(plans: pd.DataFrame, until) -> pd.Series:
    return (pd.to_datetime(until) - plans["CPPstartDate"]).dt.days >= TWO_YEARS_DAYS


def _category(codes: pd.Series) -> pd.Series:
    return codes.map(lambda c: ABUSE_CATEGORY.label(c) if isinstance(c, str) and c in ABUSE_CATEGORY.valid() else NOT_RECORDED)


def results(s47: pd.DataFrame, plans: pd.DataFrame, children: pd.DataFrame, area: str, period_end,
            population: float | None) -> dict[str, pd.DataFrame]:
    """Every result of the theme (unprotected), as named tables."""
    start, end = period_bounds(period_end)
    period = period_label(period_end)
    one = lambda mid, k: count_result(P + mid, area, "all", [ALL], [k], period)  # noqa: E731
    pct = lambda mid, k, n: percent_result(P + mid, area, "all", [ALL], [k], [n], period)  # noqa: E731
    rate = (lambda mid, k: rate_result(P + mid, area, "all", [ALL], [k], [population], period=period)) \
        if population else (lambda mid, k: None)
    enquiries = s47[_in(s47["S47ActualStartDate"], start, end)]
    held = s47[_in(s47["DateOfInitialCPC"], start, end)]
    on_time = working_days_between(held["S47ActualStartDate"], held["DateOfInitialCPC"]) <= WORKING_DAYS_TO_ICPC
    c = plan_cohorts(plans, period_end)
    started, ended, open_ = c["started"], c["ended"], c["open"]
    previous = pd.to_numeric(started["NumberOfPreviousCPP"], errors="coerce").fillna(0)
    band, sex = age_and_sex(started, "CPPstartDate", children)
    return {
        "enquiries": combine(
            one("s47_enquiries", len(enquiries)), rate("s47_rate_per_10k", len(enquiries)),
            pct("icpc_after_s47_pct", int(enquiries["DateOfInitialCPC"].notna().sum()), len(enquiries)),
            one("icpcs", len(held)), pct("icpc_within_15_days_pct", int(on_time.fillna(False).sum()), len(held))),
        "plans": combine(
            one("plans_started", len(started)), rate("starts_rate_per_10k", len(started)),
            one("plans_ended", len(ended)), one("plans_open", len(open_)), rate("open_rate_per_10k", len(open_)),
            pct("second_subsequent_pct", int((previous > 0).sum()), len(started)),
            pct("open_two_years_pct", int(_lasted(open_, end).sum()), len(open_)),
            pct("ended_two_years_pct", int(_lasted(ended, ended["CPPendDate"]).sum()), len(ended))),
        "categories": combine(
            shares(P + "initial_category_pct", area, "initial_category", _category(started["InitialCategoryOfAbuse"]),
                    CATEGORY_ORDER, period),
            shares(P + "latest_category_pct", area, "latest_category", _category(open_["LatestCategoryOfAbuse"]),
                    CATEGORY_ORDER, period)),
        "groups": combine(shares(P + "started_by_group_pct", area, "age", band, AGE_ORDER, period),
                          shares(P + "started_by_group_pct", area, "sex", sex, [x.label for x in CIN_SEX.codes], period)),
    }


def _children_within_plans(keys: set[str]) -> list[tuple[list[str], str]]:
    """The disproportionality theme's children with an enquiry (in total) or starting a plan (in
    total and by sex) are at most this theme's enquiries and plans."""
    return (children_within(keys, "disproportionality.s47", P + "s47_enquiries", by_sex=False)
            + children_within(keys, "disproportionality.cp_plan_started", P + "plans_started"))


#: How this theme's count cells add up (see safeguarding.results.relations).
RELATIONS = (
    Rollup((P + "plans_started",), "initial_category", "all", ALL, name="plans starting by initial category"),
    Rollup((P + "plans_started",), "age", "all", ALL, name="plans starting by age"),
    Rollup((P + "plans_started",), "sex", "all", ALL, name="plans starting by sex"),
    Rollup((P + "plans_open",), "latest_category", "all", ALL, name="plans at 31 March by latest category"),
    *(Components(P + total, (P + part,), subset=True, whole=("all", ALL)) for total, part in (
        ("s47_enquiries", "s47_with_icpc"), ("icpcs", "icpcs_within_15_days"), ("plans_started", "plans_second"),
        ("plans_open", "plans_open_2y"), ("plans_ended", "plans_ended_2y"))),
    Custom(_children_within_plans, name="children with an enquiry or a plan are at most the enquiries or plans",
           subset=True),
)


def published_counterpart(measure_id: str, breakdown: str, group: str) -> str | None:
    """The DfE figure of a result row (see :mod:`safeguarding.results.public`)."""
    return PUBLISHED_ROWS.get(measure_id) if breakdown == "all" else None


def compute(ctx: Context) -> ThemeResults:
    """Every result of the child protection theme for a borough and period (unprotected)."""
    from safeguarding import quality
    year, population, problem = year_and_population(ctx, "cin_cp_plans", "child protection plans")
    plans = ctx.tables["cin_cp_plans"]
    tables = results(ctx.tables["cin_section47"], plans, ctx.tables["cin_children"], ctx.area.name, ctx.period_end,
                     population)
    checks = quality.check_against_published(ctx.tables, ctx.area, year, ctx.published_dir)
    return ThemeResults(tables, {"collection_year": year, "population": population, "population_problem": problem},
                        checks)
