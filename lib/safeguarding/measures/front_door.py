"""Front door and referrals (theme 50): referrals, re-referrals, where they come from, the needs
recorded, and the assessments that follow (CIN census).

Every measure says what it counts: **referrals** (a child referred twice in the year is two
referrals, as in DfE's table C1) or **assessments**. Inputs are the processed CIN census
tables ``cin_details`` (one row per episode of need, opened by a referral), ``cin_assessments``
and ``cin_children``. Definitions follow DfE's *Characteristics of children in need*:

* a referral *in the year* has its ``CINreferralDate`` between 1 April and 31 March;
* a *re-referral* is a referral within 12 months of the same child's previous referral;
* an assessment is *completed* in the year when it was authorised in it
  (``AssessmentAuthorisationDate``), and *within 45 working days* when no more than 45 working
  days (Monday to Friday, England's bank holidays excluded) separate its start from its
  authorisation;
* factors are those recorded at the end of the assessment (``AssessmentFactors``); a share of
  factors is of completed assessments with any factor recorded, as DfE's table C3 counts them.
"""

from __future__ import annotations

import pandas as pd

from safeguarding.codes.lists import CIN_SEX, PRIMARY_NEED, period_bounds, period_label
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
from safeguarding.results.relations import Components, Custom, Rollup, cell_key, split_key
from safeguarding.results.store import Context, ThemeResults

THEME = "front_door"
P = f"{THEME}."
ALL = "All"
WORKING_DAYS_TO_ASSESS = 45
#: Where a referral came from, in DfE's groups (the first character of the ReferralSource code;
#: the police, 5D, are a group of their own, as DfE publishes them).
SOURCE_GROUPS = {"1": "Individual", "2": "Schools and education services", "3": "Health services", "4": "Housing",
                 "5": "Local authority services", "5D": "Police", "6": "Other legal agency", "7": "Other",
                 "8": "Anonymous", "9": "Unknown", "10": "Other (including children's centres)"}
#: Factors at the end of assessment that bear on exploitation and going missing (code: words).
FACTORS = {"10A": "Going missing", "11A": "Child sexual exploitation", "24A": "Child criminal exploitation",
           "13A": "Gangs", "12A": "Trafficking"}
_POP = "children aged 0 to 17 living in the borough (ONS mid-year estimate for the June before the year ends)"
_REFS = "referrals in the year"


def _pct(mid, label, definition, counts, numerator, denominator, num_cell, den_cell, polarity="none", published_id=None):
    return MeasureSpec(P + mid, THEME, label, definition, "percent", counts, numerator, denominator, polarity=polarity,
                       ci_method="wilson", published_id=published_id, numerator_cell=P + num_cell,
                       denominator_cell=P + den_cell)


MEASURES: tuple[MeasureSpec, ...] = (
    MeasureSpec(P + "referrals", THEME, "Referrals", "Referrals to children's social care in the year (CIN census "
                "CINreferralDate). A child referred twice is counted twice.", "count", "referrals",
                published_id="cin.referrals"),
    MeasureSpec(P + "referral_rate_per_10k", THEME, "Referrals per 10,000 children", "Referrals in the year per "
                "10,000 children aged 0 to 17.", "per_10k", "referrals", _REFS, _POP, ci_method="poisson_exact",
                published_id="cin.referral_rate_per_10k", numerator_cell=P + "referrals"),
    _pct("rereferral_pct", "Re-referrals within 12 months", "Of referrals in the year, the percentage within 12 months "
         "of the same child's previous referral.", "referrals", "re-referrals", _REFS, "rereferrals", "referrals",
         polarity="lower_better", published_id="cin.rereferral_pct"),
    _pct("nfa_pct", "Referrals with no further action", "Of referrals in the year, the percentage closed with no "
         "further action (the CIN census flag ReferralNFA).", "referrals", "referrals closed with no further action", _REFS, "referrals_nfa",
         "referrals", published_id="cin.referrals_nfa_pct"),
    _pct("source_pct", "Referrals by source", "Of referrals in the year, the percentage from each source, in DfE's "
         "groups (the police on their own; local authority services are the council's own services).",
         "referrals", "referrals from the source", _REFS, "referrals", "referrals@all=All"),
    _pct("primary_need_pct", "Referrals by primary need", "Of referrals in the year, the percentage with each "
         "primary need recorded for the episode (PrimaryNeedCode).", "referrals", "referrals with the need", _REFS,
         "referrals", "referrals@all=All"),
    _pct("by_group_pct", "Referrals by age and sex", "Of referrals in the year, the percentage for children of each "
         "age at referral ('unborn' before birth) and sex.", "referrals", "referrals of children in the group", _REFS,
         "referrals", "referrals@all=All"),
    MeasureSpec(P + "assessments", THEME, "Assessments completed", "Social work assessments authorised in the year "
                "(AssessmentAuthorisationDate).", "count", "assessments"),
    _pct("assessed_45_days_pct", "Assessments completed within 45 working days", "Of assessments completed in the "
         "year, the percentage authorised within 45 working days of starting (Monday to Friday, England's bank "
         "holidays excluded).", "assessments", "assessments within 45 working days", "assessments completed in the year",
         "assessments_45_days", "assessments", polarity="higher_better", published_id="cin.assessed_45_days_pct"),
    _pct("factor_pct", "Factors at the end of assessment", "Of assessments completed in the year with any factor "
         "recorded, the percentage with each factor that bears on exploitation or going missing (an assessment can "
         "have several).", "assessments", "assessments with the factor", "assessments completed with any factor",
         "assessments_factor", "assessments_any_factor@all=All"),
)
PUBLISHED_ROWS = {P + "referrals": "cin.referrals", P + "rereferral_pct": "cin.rereferral_pct",
                  P + "nfa_pct": "cin.referrals_nfa_pct"}


def source_group(code) -> str:
    if not isinstance(code, str) or not code:
        return NOT_RECORDED
    key = code if code in ("10", "5D") else code[0]
    return SOURCE_GROUPS.get(key, NOT_RECORDED)


def referrals_in_year(details: pd.DataFrame, period_end) -> pd.DataFrame:
    """Referrals in the year, each with whether it came within 12 months of the child's previous one."""
    start, end = period_bounds(period_end)
    d = details.sort_values(["LAchildID", "CINreferralDate"])
    previous = d.groupby("LAchildID")["CINreferralDate"].shift()
    d = d.assign(rereferral=previous.notna() & (previous >= d["CINreferralDate"] - pd.DateOffset(months=12)))
    return d[(d["CINreferralDate"] >= start) & (d["CINreferralDate"] <= end)]


def results(details: pd.DataFrame, assessments: pd.DataFrame | None, children: pd.DataFrame, area: str, period_end,
            population: float | None) -> dict[str, pd.DataFrame]:
    """Every result of the theme (unprotected), as named tables."""
    start, end = period_bounds(period_end)
    period = period_label(period_end)
    refs = referrals_in_year(details, period_end)
    n = len(refs)
    band, sex = age_and_sex(refs, "CINreferralDate", children)
    source = refs["ReferralSource"].map(source_group)
    tables = {
        "referrals": combine(
            count_result(P + "referrals", area, "all", [ALL], [n], period),
            rate_result(P + "referral_rate_per_10k", area, "all", [ALL], [n], [population], period=period) if population else None,
            percent_result(P + "rereferral_pct", area, "all", [ALL], [int(refs["rereferral"].sum())], [n], period),
            percent_result(P + "nfa_pct", area, "all", [ALL], [int(refs["ReferralNFA"].fillna(False).astype(bool).sum())], [n],
                           period)),
        "sources": shares(P + "source_pct", area, "source", source, list(dict.fromkeys(SOURCE_GROUPS.values())), period),
        "needs": shares(P + "primary_need_pct", area, "primary_need",
                         refs["PrimaryNeedCode"].map(lambda c: PRIMARY_NEED.label(c) if isinstance(c, str) else NOT_RECORDED),
                         [c.label for c in PRIMARY_NEED.codes], period),
        "groups": combine(shares(P + "by_group_pct", area, "age", band, (UNBORN, *band_order("dfe")), period),
                          shares(P + "by_group_pct", area, "sex", sex, [c.label for c in CIN_SEX.codes], period)),
    }
    if assessments is not None:
        done = assessments[(assessments["AssessmentAuthorisationDate"] >= start) & (assessments["AssessmentAuthorisationDate"] <= end)]
        days = working_days_between(done["AssessmentActualStartDate"], done["AssessmentAuthorisationDate"])
        factors = done["AssessmentFactors"].fillna("").astype(str).str.upper().str.replace(" ", "").str.split(",")
        with_any = factors.map(lambda xs: any(x for x in xs))
        counts = [int(factors[with_any].map(lambda xs, c=c: c in xs).sum()) for c in FACTORS]
        tables["assessments"] = combine(
            count_result(P + "assessments", area, "all", [ALL], [len(done)], period),
            percent_result(P + "assessed_45_days_pct", area, "all", [ALL], [int((days <= WORKING_DAYS_TO_ASSESS).sum())],
                           [len(done)], period),
            percent_result(P + "factor_pct", area, "factor", list(FACTORS.values()), counts, [int(with_any.sum())] * len(FACTORS),
                           period))
    return tables


def _children_within_referrals(keys: set[str]) -> list[tuple[list[str], str]]:
    """The disproportionality theme's children referred (in total and by sex) are at most the referrals."""
    return children_within(keys, "disproportionality.referred", P + "referrals")


#: How this theme's count cells add up (see safeguarding.results.relations).
RELATIONS = (
    *(Rollup((P + "referrals",), breakdown, "all", ALL, name=f"referrals by {breakdown}")
      for breakdown in ("source", "primary_need", "age", "sex")),
    Components(P + "referrals", (P + "rereferrals",), subset=True, whole=("all", ALL)),
    Components(P + "referrals", (P + "referrals_nfa",), subset=True, whole=("all", ALL)),
    Components(P + "assessments", (P + "assessments_45_days",), subset=True, whole=("all", ALL)),
    Components(P + "assessments", (P + "assessments_any_factor",), subset=True, whole=("all", ALL)),
    Custom(lambda keys: [([k], cell_key(P + "assessments_any_factor", "all", ALL, split_key(k)[3]))
                         for k in keys if k.startswith(P + "assessments_factor|")
                         and cell_key(P + "assessments_any_factor", "all", ALL, split_key(k)[3]) in keys],
           name="assessments with a factor are among those with any factor", subset=True),
    Custom(_children_within_referrals, name="children referred are at most the referrals", subset=True),
)


def published_counterpart(measure_id: str, breakdown: str, group: str) -> str | None:
    """The DfE figure of a result row (see :mod:`safeguarding.results.public`)."""
    return PUBLISHED_ROWS.get(measure_id) if breakdown == "all" else None


def compute(ctx: Context) -> ThemeResults:
    """Every result of the front door theme for a borough and period (unprotected)."""
    from safeguarding import quality
    year, population, problem = year_and_population(ctx, "cin_details", "episodes")
    details = ctx.tables["cin_details"]
    tables = results(details, ctx.tables.get("cin_assessments"), ctx.tables["cin_children"], ctx.area.name,
                     ctx.period_end, population)
    checks = quality.check_against_published(ctx.tables, ctx.area, year, ctx.published_dir, counts=("referrals",))
    return ThemeResults(tables, {"collection_year": year, "population": population, "population_problem": problem,
                                 "assessments": "assessments" in tables}, checks)
