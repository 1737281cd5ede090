"""Disproportionality by ethnicity across the child's journey (theme 2).

For each stage of the journey (referral, assessment, section 47 enquiry, child protection
plan, looked after, missing, permanent exclusion, suspension, NEET care leaver) this module
counts **children** (each child once per stage, however many events they had), divides by
the group's population (children aged 0 to 17, estimated; or pupils on the school roll for
exclusions), and compares each ethnic group with White British children and with all other
groups combined, as a relative rate index (RRI) with its interval and a plain-words verdict.

Groups
    Major groups are shown always, with White split into White British (the comparison
    group) and Other White. Minor groups (Black Caribbean, Black African, Gypsy/Roma ...)
    sit under their major group in the same frame, so disclosure control protects the two
    levels together (a hidden minor group cannot be worked out from its major group).
    'Not known' (REFU, NOBT, blank or an unrecognised code) is always a row: it is
    counted, never dropped, but it has no population and no rate.

Slices
    Every stage frame holds the whole borough (``sex == age_band == 'Total'``), and the
    same table within each sex and each age band (school phase for exclusions), so the
    intersections (e.g. Black Caribbean boys) are protected with the figures they add up to.

Frames
    A *stage frame* is a MeasureResult (``registry.RESULT_COLUMNS``) plus ``stage, level,
    parent, sex, age_band`` and the RRI columns ``rri_wb*`` (against White British) and
    ``rri_all*`` (against all other groups with a known ethnicity), each with ``_lower``,
    ``_upper``, ``_method``, ``_verdict`` and ``_strict`` (does the verdict hold with a
    Bonferroni-adjusted interval?), and helper columns ``m_*`` naming the suppression
    margins (:data:`MARGINS`). Protect it with::

        disclosure.suppress(frame, margins=MARGINS, dependent_cols=DEPENDENT_COLS, ...)

    then :func:`hide_unsafe_comparisons`, which hides ratios whose *reference* count is hidden.

Every function is pure: it takes processed tables (docs/architecture.md) and returns new frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from safeguarding.codes import ethnicity as eth
from safeguarding.config import CONFIDENCE_LEVEL
from safeguarding.derive import AGE_BANDS, age_at, age_band, band_order
from safeguarding.measures import stats
from safeguarding.measures.disclosure import Margin
from safeguarding.codes.lists import academic_year_label, period_bounds, period_label
from safeguarding.measures.registry import RESULT_COLUMNS, MeasureSpec

THEME = "disproportionality"
TOTAL = "Total"
NOT_KNOWN = "Not known"
REFERENCE = eth.REFERENCE_MINOR  # "White British"
ALL_OTHERS = "all other groups"

#: Major groups as shown: White is split so that White British can be the comparison group.
GROUPS = ("White British", "Other White", "Mixed", "Asian", "Black", "Other ethnic group", NOT_KNOWN)
#: Minor groups shown under each major group (groups with a single minor group have none).
MINOR_GROUPS: dict[str, tuple[str, ...]] = {
    "Other White": tuple(c.minor for c in eth.CODES if c.major == "White" and c.code != eth.REFERENCE_CODE),
    "Mixed": tuple(c.minor for c in eth.CODES if c.major == "Mixed"),
    "Asian": tuple(c.minor for c in eth.CODES if c.major == "Asian"),
    "Black": tuple(c.minor for c in eth.CODES if c.major == "Black"),
}
#: Minor groups whose population is approximate (DfE and Census categories differ).
APPROXIMATE_GROUPS = tuple(c.minor for c in eth.CODES if c.approximate_denominator) + ("Other ethnic group",)
SEXES = ("F", "M", "U")
PHASES = {"PS": "Primary", "SS": "Secondary", "SP": "Special", "AP": "Alternative provision", "NS": "Nursery"}
#: ``rri_*_method`` of a comparison hidden by disclosure control (see :func:`hide_unsafe_comparisons`).
HIDDEN_METHOD = "hidden"
#: Below this many children at a stage (in the group *and* the comparison group), no verdict.
MIN_COUNT = stats.MIN_COUNT_FOR_VERDICT
RRI_SUFFIXES = ("", "_lower", "_upper", "_method", "_verdict", "_strict")
RRI_COLUMNS = tuple(f"rri_{ref}{s}" for ref in ("wb", "all") for s in RRI_SUFFIXES)
#: Columns computed from a row's count: hidden with it (``suppress(dependent_cols=...)``).
DEPENDENT_COLS = ("value", "lower", "upper") + RRI_COLUMNS
#: The DfE major group that White British and Other White make up. Its row is in every stage
#: frame (level 'white') but never shown: DfE publishes counts for it, so disclosure control
#: must treat it as a total that White British and Other White add up to.
WHITE = "White"
#: Suppression margins of a stage frame: minor groups add up to their major group; White
#: British and Other White add up to White; White and the other major groups add up to the
#: total; sexes to the total of each group; age bands to the total of each group.
MARGINS = (Margin(("measure_id", "m_minor_key"), "m_minor_cat"), Margin(("measure_id", "m_white_key"), "m_white_cat"),
           Margin(("measure_id", "m_major_key"), "m_major_cat"), Margin(("measure_id", "m_sex_key"), "m_sex_cat"),
           Margin(("measure_id", "m_age_key"), "m_age_cat"))


@dataclass(frozen=True)
class Stage:
    """One stage of the journey: who is counted, against what, and from which tables."""

    key: str
    label: str  # short, for tables and charts
    phrase: str  # completes "... as likely as White British children to ..."
    counts: str  # what one unit is: children / pupils / care leavers
    base: str  # "population" (children 0-17, estimated) or "pupils" (the school roll)
    per: int
    tables: tuple[str, ...]
    age_label: str | None = "Age"  # the second breakdown (None: sex only)

    @property
    def measure_id(self) -> str:
        unit = "per_10k" if self.per == 10_000 else "per_100"
        return f"{THEME}.{self.key}_rate_{unit}"


STAGES: tuple[Stage, ...] = (
    Stage("referral", "Referred", "be referred to children's social care", "children", "population", 10_000,
          ("cin_details", "cin_children")),
    Stage("assessment", "Assessed", "have a social work assessment", "children", "population", 10_000,
          ("cin_assessments", "cin_children")),
    Stage("s47", "Section 47 enquiry", "be the subject of a section 47 (child protection) enquiry", "children",
          "population", 10_000, ("cin_section47", "cin_children")),
    Stage("cp_plan", "Child protection plan", "start a child protection plan", "children", "population", 10_000,
          ("cin_cp_plans", "cin_children")),
    Stage("looked_after", "Looked after", "be looked after during the year", "children", "population", 10_000,
          ("cla_episodes", "cla_header")),
    Stage("missing", "Went missing", "go missing from home or care", "children", "population", 10_000,
          ("missing_episodes",)),
    Stage("permanent_exclusion", "Permanently excluded", "be permanently excluded from school", "pupils", "pupils",
          100, ("exclusions", "pupils"), "School phase"),
    Stage("suspension", "Suspended", "be suspended from school", "pupils", "pupils", 100, ("exclusions", "pupils"),
          "School phase"),
    Stage("neet", "NEET care leaver", "be a care leaver (aged 17 to 21) not in education, employment or training",
          "care leavers", "population", 10_000, ("cla_oc3", "cla_header"), None),
)
STAGE_BY_KEY = {s.key: s for s in STAGES}


@dataclass(frozen=True)
class Step:
    """Progression from one stage to the next, among the children at the earlier stage."""

    key: str
    label: str
    cohort: str  # who the denominator is
    outcome: str  # completes "<k> of <n> <cohort> ..."
    phrase: str  # completes "... as likely as White British <cohort> to ..."
    counts: str
    tables: tuple[str, ...]
    heading: str  # short name of the earlier stage, for a table column or chart row
    after: str  # key of the stage whose children are the cohort (its counts are this step's denominators)

    @property
    def measure_id(self) -> str:
        return f"{THEME}.{self.key}_pct"


STEPS: tuple[Step, ...] = (
    Step("assessed_after_referral", "Referred, then assessed", "children referred in the year",
         "had an assessment following that referral", "have an assessment after a referral", "children",
         ("cin_details", "cin_assessments", "cin_children"), "Referred", "referral"),
    Step("s47_after_assessment", "Assessed, then a section 47 enquiry", "children assessed in the year",
         "had a section 47 enquiry in the same episode of need", "have a section 47 enquiry after an assessment",
         "children", ("cin_assessments", "cin_section47", "cin_children"), "Assessed", "assessment"),
    Step("cp_plan_after_s47", "Section 47 enquiry, then a child protection plan",
         "children with a section 47 enquiry in the year", "started a child protection plan after it",
         "start a child protection plan after a section 47 enquiry", "children",
         ("cin_section47", "cin_cp_plans", "cin_children"), "With an enquiry", "s47"),
    Step("cp_plan_after_referral", "Referred, then a child protection plan", "children referred in the year",
         "started a child protection plan following that referral", "start a child protection plan after a referral",
         "children", ("cin_details", "cin_cp_plans", "cin_children"), "Referred", "referral"),
    Step("neet_of_care_leavers", "Care leavers not in education, employment or training",
         "care leavers aged 17 to 21", "were not in education, employment or training (NEET)", "be NEET",
         "care leavers", ("cla_oc3", "cla_header"), "Care leavers", "neet"),
)
STEP_BY_KEY = {s.key: s for s in STEPS}

_POPULATION_DENOMINATOR = ("children aged 0 to 17 of the same ethnic group living in the borough (estimate: Census "
                           "2021 shares applied to the ONS mid-year estimate)")
MEASURES: tuple[MeasureSpec, ...] = (
    MeasureSpec(f"{THEME}.child_population", THEME, "Children living in the borough (estimate)",
                "Estimated children aged 0 to 17 of each ethnic group: each group's share of the Census 2021 population "
                "(all ages) applied to the ONS mid-year estimate of children aged 0 to 17.", "count", "children"),
    MeasureSpec(f"{THEME}.referral_rate_per_10k", THEME, "Children referred per 10,000 children",
                "Children with at least one referral to children's social care starting in the year (CIN census "
                "CINreferralDate), per 10,000 children of the group. A child referred twice is counted once.",
                "per_10k", "children", "children referred", _POPULATION_DENOMINATOR, ci_method="poisson_exact"),
    MeasureSpec(f"{THEME}.assessment_rate_per_10k", THEME, "Children assessed per 10,000 children",
                "Children with at least one social work assessment starting in the year (CIN census "
                "AssessmentActualStartDate), per 10,000 children of the group.",
                "per_10k", "children", "children assessed", _POPULATION_DENOMINATOR, ci_method="poisson_exact"),
    MeasureSpec(f"{THEME}.s47_rate_per_10k", THEME, "Children with a section 47 enquiry per 10,000 children",
                "Children with at least one section 47 enquiry starting in the year (CIN census S47ActualStartDate), "
                "per 10,000 children of the group.",
                "per_10k", "children", "children with a section 47 enquiry", _POPULATION_DENOMINATOR,
                ci_method="poisson_exact"),
    MeasureSpec(f"{THEME}.cp_plan_rate_per_10k", THEME, "Children starting a child protection plan per 10,000 children",
                "Children with at least one child protection plan starting in the year (CIN census CPPstartDate), "
                "per 10,000 children of the group.",
                "per_10k", "children", "children starting a plan", _POPULATION_DENOMINATOR, ci_method="poisson_exact"),
    MeasureSpec(f"{THEME}.looked_after_rate_per_10k", THEME, "Children looked after during the year per 10,000 children",
                "Children looked after at any time in the year (an SSDA903 episode open on any day of it), per 10,000 "
                "children of the group; ethnicity from the SSDA903 header.",
                "per_10k", "children", "children looked after during the year", _POPULATION_DENOMINATOR,
                ci_method="poisson_exact"),
    MeasureSpec(f"{THEME}.missing_rate_per_10k", THEME, "Children who went missing per 10,000 children",
                "Children with at least one missing or away episode (from home or care) starting in the year, from "
                "the missing log, per 10,000 children of the group.",
                "per_10k", "children", "children who went missing", _POPULATION_DENOMINATOR, ci_method="poisson_exact"),
    MeasureSpec(f"{THEME}.permanent_exclusion_rate_per_100", THEME, "Pupils permanently excluded per 100 pupils",
                "Pupils with a permanent exclusion in the academic year, per 100 pupils of the group on the school "
                "roll (the pupil roll extract). A pupil is counted once.",
                "per_100", "pupils", "pupils permanently excluded", "pupils of the group on the roll",
                ci_method="wilson"),
    MeasureSpec(f"{THEME}.suspension_rate_per_100", THEME, "Pupils suspended per 100 pupils",
                "Pupils with one or more suspensions in the academic year, per 100 pupils of the group on the school "
                "roll. A pupil suspended three times is counted once.",
                "per_100", "pupils", "pupils with one or more suspensions", "pupils of the group on the roll",
                ci_method="wilson"),
    MeasureSpec(f"{THEME}.neet_rate_per_10k", THEME, "NEET care leavers per 10,000 children",
                "Care leavers aged 17 to 21 (SSDA903 OC3) not in education, employment or training, per 10,000 "
                "children aged 0 to 17 of the group: a measure of how likely a child of the group is to end the "
                "journey as a NEET care leaver. Ethnicity from the SSDA903 header.",
                "per_10k", "care leavers", "NEET care leavers", _POPULATION_DENOMINATOR, ci_method="poisson_exact"),
    MeasureSpec(f"{THEME}.assessed_after_referral_pct", THEME, "Referred children who were assessed",
                "Of children referred in the year, the percentage whose referral (the same CIN episode) led to an "
                "assessment.", "percent", "children", "children assessed after the referral",
                "children referred in the year", ci_method="wilson"),
    MeasureSpec(f"{THEME}.s47_after_assessment_pct", THEME, "Assessed children with a section 47 enquiry",
                "Of children with an assessment starting in the year, the percentage with a section 47 enquiry in the "
                "same CIN episode.", "percent", "children", "children with a section 47 enquiry",
                "children assessed in the year", ci_method="wilson"),
    MeasureSpec(f"{THEME}.cp_plan_after_s47_pct", THEME, "Section 47 enquiries that led to a plan",
                "Of children with a section 47 enquiry starting in the year, the percentage who started a child "
                "protection plan on or after the enquiry in the same CIN episode.", "percent", "children",
                "children starting a plan", "children with a section 47 enquiry in the year", ci_method="wilson"),
    MeasureSpec(f"{THEME}.cp_plan_after_referral_pct", THEME, "Referred children who reached a plan",
                "Of children referred in the year, the percentage whose referral (the same CIN episode) led to a child "
                "protection plan.", "percent", "children", "children starting a plan", "children referred in the year",
                ci_method="wilson"),
    MeasureSpec(f"{THEME}.neet_of_care_leavers_pct", THEME, "Care leavers not in education, employment or training",
                "Of care leavers aged 17 to 21 in the year (SSDA903 OC3), the percentage not in education, employment "
                "or training (NEET).", "percent", "care leavers", "NEET care leavers", "care leavers aged 17 to 21",
                ci_method="wilson"),
    MeasureSpec(f"{THEME}.rri_white_british", THEME, "Relative rate index against White British children",
                "The group's rate divided by the White British rate at the same stage: 2 means twice as likely, "
                "0.5 half as likely. 95% interval: Katz log method, or the exact conditional method when either count "
                "is below 10.", "ratio", "children", "the group's rate", "the White British rate",
                ci_method="katz_or_exact", decimals=2),
    MeasureSpec(f"{THEME}.rri_all_others", THEME, "Relative rate index against all other groups",
                "The group's rate divided by the rate of all other children whose ethnicity is known, at the same "
                "stage. Same interval methods as the White British comparison.", "ratio", "children",
                "the group's rate", "the rate of all other groups", ci_method="katz_or_exact", decimals=2),
    MeasureSpec(f"{THEME}.ethnicity_not_known_pct", THEME, "Ethnicity not known",
                "Of children counted at each stage, the percentage whose ethnicity was refused, not obtained, blank "
                "or not a recognised code.", "percent", "children", "children with ethnicity not known",
                "children at the stage", polarity="lower_better", ci_method="wilson"),
)


# ----------------------------------------------------------------------------------------
# Groups
# ----------------------------------------------------------------------------------------
def display_group(minor: pd.Series, major: pd.Series) -> pd.Series:
    """The major group as shown: White British, Other White, Mixed, Asian, Black, Any other
    ethnic group or Not known (from the derived ``ethnic_minor`` / ``ethnic_major`` fields)."""
    minor = pd.Series(minor).astype("object")
    major = pd.Series(major, index=minor.index).astype("object").fillna(NOT_KNOWN)
    out = major.where(major.isin(["Mixed", "Asian", "Black"]), NOT_KNOWN)
    out = out.mask(major == "White", "Other White").mask((major == "White") & (minor == REFERENCE), REFERENCE)
    return out.mask(major == "Other", "Other ethnic group").astype("object")


def _people(frame: pd.DataFrame, person: str, minor: str, major: str, sex: str | None, band: pd.Series | None
            ) -> pd.DataFrame:
    """One row per person: person, group, minor, sex (F/M/U), age_band ('Not known' when absent)."""
    idx = frame.index
    mins = frame[minor] if minor in frame else pd.Series(pd.NA, index=idx)
    majs = frame[major] if major in frame else pd.Series(pd.NA, index=idx)
    sexes = frame[sex].astype("object") if sex is not None and sex in frame else pd.Series("U", index=idx)
    sexes = sexes.where(sexes.isin(SEXES), "U")
    bands = pd.Series(NOT_KNOWN, index=idx, dtype=object) if band is None else band.astype("object").fillna(NOT_KNOWN)
    return pd.DataFrame({"person": frame[person].astype("object").to_numpy(),
                         "group": display_group(mins, majs).to_numpy(),
                         "minor": mins.astype("object").fillna(NOT_KNOWN).to_numpy(),
                         "sex": sexes.to_numpy(), "age_band": bands.to_numpy()})


# ----------------------------------------------------------------------------------------
# Who is at each stage
# ----------------------------------------------------------------------------------------
def _in_period(dates: pd.Series, period_end) -> pd.Series:
    start, end = period_bounds(period_end)
    return (dates >= start) & (dates <= end)


def _cin_child_details(cin_children: pd.DataFrame) -> pd.DataFrame:
    kids = cin_children
    if "collection_year" in kids:
        kids = kids.sort_values("collection_year", kind="stable")
    return kids.drop_duplicates("LAchildID", keep="last").set_index("LAchildID")


def cin_stage_children(events: pd.DataFrame, date_col: str, cin_children: pd.DataFrame, period_end) -> pd.DataFrame:
    """Children with at least one CIN event (referral, assessment, S47, plan) dated in the period.

    Each child is counted once, with their age at their first such event in the period
    (DfE age bands) and the sex and ethnicity of the CIN census child record (latest year).
    A child with no child record is kept, with sex and ethnicity not known.

    Returns
    -------
    DataFrame
        person, group, minor, sex, age_band (see :func:`display_group`).
    """
    hits = events[_in_period(events[date_col], period_end)].sort_values(date_col, kind="stable")
    first = hits.drop_duplicates("LAchildID")[["LAchildID", date_col]]
    kids = _cin_child_details(cin_children)
    joined = first.join(kids[[c for c in ("Sex", "PersonBirthDate", "ethnic_minor", "ethnic_major") if c in kids]],
                        on="LAchildID")
    dob = joined["PersonBirthDate"] if "PersonBirthDate" in joined else pd.Series(pd.NaT, index=joined.index)
    bands = age_band(age_at(dob, joined[date_col]), "dfe")
    return _people(joined, "LAchildID", "ethnic_minor", "ethnic_major", "Sex", bands)


def cin_progression(earlier: pd.DataFrame, earlier_date: str, later: pd.DataFrame, later_date: str,
                    cin_children: pd.DataFrame, period_end, later_on_or_after: bool = False) -> pd.DataFrame:
    """Children at an earlier CIN stage in the period, and whether they reached a later one.

    The link is the CIN episode (``LAchildID`` + ``CINdetailsID``): a child referred in the
    year 'reached' an assessment when an assessment belongs to the episode of a referral
    dated in the year. With ``later_on_or_after`` the later event must also be dated on or
    after the earlier one (e.g. a plan after the section 47 enquiry). Later events may fall
    after the period (the data's own end date limits them).

    Returns
    -------
    DataFrame
        The children at the earlier stage (as :func:`cin_stage_children`) plus ``outcome`` (bool).
    """
    cohort = earlier[_in_period(earlier[earlier_date], period_end)][["LAchildID", "CINdetailsID", earlier_date]]
    links = cohort.merge(later[["LAchildID", "CINdetailsID", later_date]], on=["LAchildID", "CINdetailsID"], how="inner")
    if later_on_or_after:
        links = links[links[later_date] >= links[earlier_date]]
    reached = set(links["LAchildID"])
    people = cin_stage_children(earlier, earlier_date, cin_children, period_end)
    return people.assign(outcome=people["person"].isin(reached).to_numpy())


def looked_after_children(cla_episodes: pd.DataFrame, cla_header: pd.DataFrame, period_end) -> pd.DataFrame:
    """Children looked after at any time in the year ending ``period_end`` (an SSDA903 episode
    open on any day of it), with sex and ethnicity from the header and age on the first day
    they were looked after in the year."""
    start, end = period_bounds(period_end)
    eps = cla_episodes
    if "collection_year" in eps:
        from safeguarding.codes.lists import collection_year
        eps = eps[eps["collection_year"] == collection_year(period_end)]
    during = eps[(eps["DECOM"] <= end) & (eps["DEC"].isna() | (eps["DEC"] >= start.normalize()))]
    first = during.assign(_from=during["DECOM"].where(during["DECOM"] > start, start)).sort_values("_from")
    first = first.drop_duplicates("CHILD")[["CHILD", "_from"]]
    head = cla_header
    if "collection_year" in head:
        head = head.sort_values("collection_year", kind="stable")
    head = head.drop_duplicates("CHILD", keep="last").set_index("CHILD")
    joined = first.join(head[[c for c in ("SEX", "DOB", "ethnic_minor", "ethnic_major") if c in head]], on="CHILD")
    dob = joined["DOB"] if "DOB" in joined else pd.Series(pd.NaT, index=joined.index)
    return _people(joined, "CHILD", "ethnic_minor", "ethnic_major", "SEX", age_band(age_at(dob, joined["_from"]), "dfe"))


def missing_children(missing_episodes: pd.DataFrame, period_end) -> pd.DataFrame:
    """Children with a missing or away episode (home or care) starting in the period, with
    the person details at their first episode (age in DfE bands)."""
    eps = missing_episodes[_in_period(missing_episodes["miss_missing_episode_start_date"], period_end)]
    first = eps.sort_values("miss_missing_episode_start_date", kind="stable").drop_duplicates("miss_person_id")
    if "pers_dob" in first:
        bands = age_band(age_at(first["pers_dob"], first["miss_missing_episode_start_date"]), "dfe")
    else:
        bands = None
    return _people(first, "miss_person_id", "ethnic_minor", "ethnic_major", "pers_sex", bands)


def exclusion_year(pupils: pd.DataFrame, period_end) -> int | None:
    """The academic year (named by its ending year) to report with a period ending ``period_end``:
    the latest year on the pupil roll that ended (31 August) on or before ``period_end``, or
    the earliest year on the roll when none had."""
    years = pd.Series(pd.Series(pupils["AcademicYear"]).dropna().unique()).astype(int)
    if years.empty:
        return None
    end = pd.Timestamp(period_end)
    done = years[[pd.Timestamp(year=y, month=8, day=31) <= end for y in years]]
    return int(done.max()) if len(done) else int(years.min())


def pupil_roll(pupils: pd.DataFrame, exclusions: pd.DataFrame, year: int) -> tuple[pd.DataFrame, int]:
    """Pupils on the roll in academic year ``year``, one row each (school phase as the
    'age band'), plus any excluded pupil missing from the roll (added with the details on
    the exclusion record, so no exclusion is dropped).

    Returns
    -------
    (DataFrame, int)
        People (person = UPN) and the number of excluded pupils who were not on the roll.
    """
    roll = pupils[pupils["AcademicYear"] == year].drop_duplicates("UPN")
    excl = exclusions[exclusions["AcademicYear"] == year].drop_duplicates("UPN")
    extra = excl[~excl["UPN"].isin(roll["UPN"])]
    both = pd.concat([roll, extra[[c for c in roll.columns if c in extra.columns]]], ignore_index=True)
    phases = both["Phase"].map(PHASES) if "Phase" in both else None
    return _people(both, "UPN", "ethnic_minor", "ethnic_major", "Sex", phases), len(extra)


def excluded_pupils(exclusions: pd.DataFrame, roll: pd.DataFrame, year: int, category: str) -> pd.DataFrame:
    """Pupils on ``roll`` (from :func:`pupil_roll`) with at least one exclusion of
    ``category`` ('PERM' or 'SUSP') in academic year ``year``; ``outcome`` marks them."""
    hit = exclusions[(exclusions["AcademicYear"] == year) & (exclusions["Category"] == category)]
    return roll.assign(outcome=roll["person"].isin(set(hit["UPN"])).to_numpy())


def care_leavers(cla_oc3: pd.DataFrame, cla_header: pd.DataFrame, period_end) -> pd.DataFrame:
    """Care leavers aged 17 to 21 in the collection year (SSDA903 OC3), with ``outcome`` True
    when not in education, employment or training (NEET). Ethnicity and sex come from the
    SSDA903 header (latest year); age band '17-18' / '19-21'."""
    from safeguarding.codes.lists import collection_year
    oc3 = cla_oc3
    if "collection_year" in oc3:
        oc3 = oc3[oc3["collection_year"] == collection_year(period_end)]
    oc3 = oc3[oc3["care_leaver_age_band"].notna()].drop_duplicates("CHILD")
    head = cla_header
    if "collection_year" in head:
        head = head.sort_values("collection_year", kind="stable")
    head = head.drop_duplicates("CHILD", keep="last").set_index("CHILD")
    joined = oc3.join(head[[c for c in ("SEX", "ethnic_minor", "ethnic_major") if c in head]], on="CHILD")
    people = _people(joined, "CHILD", "ethnic_minor", "ethnic_major", "SEX", joined["care_leaver_age_band"])
    return people.assign(outcome=(joined["activity_group"] == "NEET").to_numpy())


# ----------------------------------------------------------------------------------------
# Cells: counts and denominators by group (two levels), sex and age band
# ----------------------------------------------------------------------------------------
def cell_index(age_bands: list[str] | None) -> pd.DataFrame:
    """Every cell of a stage frame, in display order: the whole borough, then each sex, then
    each age band; within each, White (level 'white': White British + Other White, for
    disclosure control only), the major groups (level 'major', with their minor groups,
    level 'minor', after them) and the total (level 'total'). ``age_bands=None`` leaves out
    the age slices."""
    slices = [(TOTAL, TOTAL)] + [(s, TOTAL) for s in SEXES] + [(TOTAL, a) for a in (age_bands or [])]
    rows = []
    for sex, band in slices:
        rows.append((WHITE, "white", WHITE, sex, band))
        for group in GROUPS:
            rows.append((group, "major", group, sex, band))
            for minor in MINOR_GROUPS.get(group, ()):
                rows.append((minor, "minor", group, sex, band))
        rows.append((TOTAL, "total", TOTAL, sex, band))
    return pd.DataFrame(rows, columns=["group", "level", "parent", "sex", "age_band"])


def count_cells(people: pd.DataFrame, age_bands: list[str] | None, weight: str | None = None) -> pd.Series:
    """Counts of ``people`` (or sums of their ``weight``) in every cell of :func:`cell_index`.

    ``people`` has columns group, minor, sex, age_band (as the stage extractors return).
    The total of a slice counts everyone in it, 'Not known' included. Returns a float
    Series aligned with ``cell_index(age_bands)``.
    """
    cells = cell_index(age_bands)
    w = people[weight].astype(float) if weight else pd.Series(1.0, index=people.index)
    keys = [people["sex"].astype(object), people["age_band"].astype(object)]
    tidy = {"major": w.groupby(keys + [people["group"].astype(object)]).sum().rename("w").reset_index(),
            "minor": w.groupby(keys + [people["minor"].astype(object)]).sum().rename("w").reset_index()}
    for frame in tidy.values():
        frame.columns = ["sex", "age_band", "label", "w"]
    out = np.zeros(len(cells))
    for (sex, band), idx in cells.groupby(["sex", "age_band"], sort=False).indices.items():
        sums = {}
        for level, frame in tidy.items():
            keep = np.ones(len(frame), dtype=bool)
            if sex != TOTAL:
                keep &= (frame["sex"] == sex).to_numpy()
            if band != TOTAL:
                keep &= (frame["age_band"] == band).to_numpy()
            sums[level] = frame[keep].groupby("label")["w"].sum()
        sub = cells.iloc[idx]
        white = float(sums["major"].get(REFERENCE, 0.0) + sums["major"].get("Other White", 0.0))
        values = np.where(sub["level"] == "total", float(sums["major"].sum()),
                          np.where(sub["level"] == "white", white,
                                   np.where(sub["level"] == "minor", sub["group"].map(sums["minor"]),
                                            sub["group"].map(sums["major"]))))
        out[idx] = np.nan_to_num(values.astype(float), nan=0.0)
    return pd.Series(out, index=cells.index)


def population_by_group(population: pd.DataFrame) -> pd.DataFrame:
    """Estimated children aged 0 to 17 as a weighted 'people' frame: one row per DfE code
    with group, minor, sex ('Total'), age_band ('Total') and ``population`` (the weight).

    ``population`` is :func:`safeguarding.published.population.child_population_by_ethnicity`
    (code, minor, major, population_0_17).
    """
    return pd.DataFrame({"group": display_group(population["minor"], population["major"]).to_numpy(),
                         "minor": population["minor"].astype(object).to_numpy(), "sex": TOTAL, "age_band": TOTAL,
                         "population": population["population_0_17"].astype(float).to_numpy()})


def population_cells(population: pd.DataFrame, age_bands: list[str] | None) -> pd.Series:
    """Estimated children in every cell of :func:`cell_index` (float).

    ONS publishes no children by ethnic group *and* sex or age for a borough, so the cells
    within a sex or an age band assume that every group has the same make-up: half of each
    group's children are girls and half boys, and each single year of age 0 to 17 holds an
    eighteenth of them. A relative rate index within a sex or age band does not depend on
    these shares (they cancel), but the rates per 10,000 do, and are approximate.
    'Not known' has no population (NaN); neither do unknown sex or age.
    """
    cells = cell_index(age_bands)
    whole = count_cells(population_by_group(population), None, weight="population")
    whole_cells = cell_index(None)
    lookup = {(r.group, r.level): v for r, v in zip(whole_cells.itertuples(index=False), whole.to_numpy())
              if r.sex == TOTAL}
    known = sum(lookup[(g, "major")] for g in GROUPS if g != NOT_KNOWN)
    lookup[(TOTAL, "total")] = known  # children of every known group (Not known has no population)
    lookup[(WHITE, "white")] = lookup[(REFERENCE, "major")] + lookup[("Other White", "major")]
    band_share = {label: (hi - lo + 1) / 18 for lo, hi, label in AGE_BANDS["dfe"]}
    out = np.zeros(len(cells))
    for i, r in enumerate(cells.itertuples(index=False)):
        share = 1.0
        if r.sex != TOTAL:
            share = 0.5 if r.sex in ("F", "M") else 0.0
        if r.age_band != TOTAL:
            share = band_share.get(r.age_band, 0.0)
        out[i] = np.nan if r.group == NOT_KNOWN else lookup[(r.group, r.level)] * share
    return pd.Series(out, index=cells.index)


def age_bands_for(stage_key: str) -> list[str] | None:
    """The age (or school phase) categories of a stage, with 'Not known' last."""
    stage = STAGE_BY_KEY.get(stage_key)
    if stage is not None and stage.age_label is None:
        return None
    if stage is not None and stage.base == "pupils":
        return list(PHASES.values()) + [NOT_KNOWN]
    return band_order("dfe") + [NOT_KNOWN]


# ----------------------------------------------------------------------------------------
# Rates and relative rate indices
# ----------------------------------------------------------------------------------------
def rate_frame(numerators: pd.Series, denominators: pd.Series, age_bands: list[str] | None, *, measure_id: str,
               stage: str, area: str, period: str, per: float, interval: str,
               confidence: float = CONFIDENCE_LEVEL) -> pd.DataFrame:
    """A stage frame (see the module docstring) from counts and denominators per cell.

    Parameters
    ----------
    numerators, denominators : Series
        Aligned with ``cell_index(age_bands)`` (:func:`count_cells`, :func:`population_cells`).
        Denominators of 'Not known' may be NaN (no population).
    measure_id, stage, area, period : str
    per : float
        10,000 (children per 10,000) or 100 (per 100 pupils, or per cent).
    interval : {'poisson', 'wilson'}
        'poisson': a rate of an *estimated* population: exact Poisson (Garwood) interval for
        the rate, and RRIs as a ratio of two Poisson rates (log interval with standard error
        sqrt(1/k1 + 1/k2), exact conditional below 10), which stays defined when an
        estimate is smaller than its count. 'wilson': a share of *counted* children or
        pupils: Wilson interval, and RRIs as a ratio of proportions (Katz log interval,
        exact conditional below 10).

    Returns
    -------
    DataFrame
        One row per cell, with the rate, its interval, both relative rate indices with
        intervals (``stats.relative_rate_index``: Katz log, or exact when a count is below
        10), verdicts (``stats.disproportionality_verdict`` on the smaller of the two counts)
        and the suppression-margin helper columns.
    """
    cells = cell_index(age_bands)
    k = numerators.to_numpy(dtype=float)
    n = denominators.to_numpy(dtype=float)
    if interval == "poisson":
        est = stats.rate_interval(k, n, per=per, confidence=confidence, method="exact")
        value, lower, upper = est.rate, est.lower, est.upper
        method = f"exact Poisson interval, {confidence:.0%}"
    elif interval == "wilson":
        value = np.asarray(stats.rate_per(k, n, per), dtype=float)
        lo, hi = stats.wilson_interval(k, n, confidence)
        lower, upper = per * np.asarray(lo, dtype=float), per * np.asarray(hi, dtype=float)
        method = f"Wilson score interval, {confidence:.0%}"
    else:
        raise ValueError(f"interval must be 'poisson' or 'wilson', got {interval!r}")
    out = cells.assign(measure_id=measure_id, area=area, breakdown=_breakdown(cells), period=period,
                       numerator=k, denominator=n, value=value, lower=lower, upper=upper, method=method, symbol="",
                       stage=stage)
    out = _add_rri(out, confidence, kind="rate" if interval == "poisson" else "proportion")
    out = _add_margin_columns(out)
    return out[RESULT_COLUMNS + ["stage", "level", "parent", "sex", "age_band", *RRI_COLUMNS]
               + [c for c in out.columns if c.startswith("m_")]]


def _breakdown(cells: pd.DataFrame) -> pd.Series:
    kind = np.where(cells["sex"] != TOTAL, "ethnicity by sex", np.where(cells["age_band"] != TOTAL,
                    "ethnicity by age", "ethnicity"))
    return pd.Series(kind, index=cells.index)


def _slice_keys(frame: pd.DataFrame) -> pd.Series:
    return frame["sex"].astype(str) + "|" + frame["age_band"].astype(str)


def _rri_kind(frame: pd.DataFrame) -> str:
    return "rate" if str(frame["method"].iat[0]).startswith("exact Poisson") else "proportion"


def _reference_arrays(frame: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """For every row: the White British count and denominator of its slice, and the count
    and denominator of all children of a known group in its slice."""
    codes, uniques = pd.factorize(_slice_keys(frame))
    k = frame["numerator"].to_numpy(dtype=float)
    n = frame["denominator"].to_numpy(dtype=float)
    major = (frame["level"] == "major").to_numpy()
    group = frame["group"].to_numpy(dtype=object)
    known = major & (group != NOT_KNOWN)
    k_known = np.bincount(codes, weights=np.where(known, k, 0.0), minlength=len(uniques))
    n_known = np.bincount(codes, weights=np.where(known, np.nan_to_num(n), 0.0), minlength=len(uniques))
    ref_row = np.full(len(uniques), -1)
    is_ref = major & (group == REFERENCE)
    ref_row[codes[is_ref]] = np.flatnonzero(is_ref)
    return k[ref_row[codes]], n[ref_row[codes]], k_known[codes], n_known[codes]


def _add_rri(frame: pd.DataFrame, confidence: float, kind: str) -> pd.DataFrame:
    out = frame.copy()
    k = out["numerator"].to_numpy(dtype=float)
    n = out["denominator"].to_numpy(dtype=float)
    k_wb, n_wb, k_known, n_known = _reference_arrays(out)
    group = out["group"].to_numpy(dtype=object)
    is_ref = (out["level"] == "major").to_numpy() & (group == REFERENCE)
    compare = out["level"].isin(["major", "minor"]).to_numpy() & (group != NOT_KNOWN)
    references = {"wb": (compare & ~is_ref, k_wb, n_wb), "all": (compare, k_known - k, n_known - n)}
    for ref, (rows, k2, n2) in references.items():
        ratio, lower, upper = (np.full(len(out), np.nan) for _ in range(3))
        method = np.full(len(out), "", dtype=object)
        verdict = np.full(len(out), "", dtype=object)
        if rows.any():
            result = stats.relative_rate_index(k[rows], n[rows], k2[rows], n2[rows], confidence=confidence,
                                               method="auto", kind=kind)
            ratio[rows], lower[rows], upper[rows] = result.ratio, result.lower, result.upper
            method[rows] = np.asarray(result.method, dtype=object)
            verdict[rows] = np.asarray(stats.disproportionality_verdict(
                result.ratio, result.lower, result.upper, np.minimum(k[rows], k2[rows])), dtype=object)
        if ref == "wb":
            verdict[is_ref] = "comparison group"
        out[f"rri_{ref}"], out[f"rri_{ref}_lower"], out[f"rri_{ref}_upper"] = ratio, lower, upper
        out[f"rri_{ref}_method"] = pd.Series(method, index=out.index, dtype=object)
        out[f"rri_{ref}_verdict"] = pd.Series(verdict, index=out.index, dtype=object)
        out[f"rri_{ref}_strict"] = pd.Series("", index=out.index, dtype=object)
    return out


def _add_margin_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Helper columns that name each suppression margin (see :data:`MARGINS`). A row that is
    not part of a margin gets a key of its own, so it forms no equation there."""
    out = frame.copy()
    slices = _slice_keys(out)
    solo = "solo|" + pd.Series(np.arange(len(out)), index=out.index).astype(str)
    level, group = out["level"], out["group"]
    has_minors = group.isin(list(MINOR_GROUPS)) & (level == "major")
    is_minor = level == "minor"
    out["m_minor_key"] = np.where(is_minor | has_minors, slices + "|" + out["parent"], solo)
    out["m_minor_cat"] = np.where(is_minor, group, np.where(has_minors, TOTAL, "-"))
    in_white = (level == "major") & group.isin([REFERENCE, "Other White"])
    out["m_white_key"] = np.where(in_white | (level == "white"), slices + "|" + WHITE, solo)
    out["m_white_cat"] = np.where(in_white, group, np.where(level == "white", TOTAL, "-"))
    on_major = ((level == "major") & ~in_white) | level.isin(["white", "total"])
    out["m_major_key"] = np.where(on_major, slices, solo)
    out["m_major_cat"] = np.where(level == "total", TOTAL, np.where(on_major, group, "-"))
    by_sex = out["age_band"] == TOTAL
    out["m_sex_key"] = np.where(by_sex, level + "|" + group, solo)
    out["m_sex_cat"] = np.where(by_sex, out["sex"], "-")
    by_age = (out["sex"] == TOTAL) & bool((out["age_band"] != TOTAL).any())
    out["m_age_key"] = np.where(by_age, level + "|" + group, solo)
    out["m_age_cat"] = np.where(by_age, out["age_band"], "-")
    return out


def add_strict_check(frame: pd.DataFrame, n_tests: int, confidence: float = CONFIDENCE_LEVEL) -> pd.DataFrame:
    """Whether each clear difference still holds with a Bonferroni-style stricter interval.

    Many groups are compared at many stages, so some 'clear' differences will be chance:
    at 95% confidence about 1 in 20 comparisons where there is no real difference looks
    like one. The stricter interval uses confidence ``1 - (1 - confidence) / n_tests``.
    The verdict is not changed; ``rri_wb_strict`` / ``rri_all_strict`` say 'yes' (still
    clear), 'no' (could be chance among so many comparisons) or '' (no clear difference
    to check).
    """
    if n_tests < 1:
        raise ValueError(f"n_tests must be 1 or more, got {n_tests!r}")
    strict_conf = 1 - (1 - confidence) / n_tests
    out = frame.copy()
    k = out["numerator"].to_numpy(dtype=float)
    n = out["denominator"].to_numpy(dtype=float)
    k_wb, n_wb, k_known, n_known = _reference_arrays(out)
    for ref, k2, n2 in (("wb", k_wb, n_wb), ("all", k_known - k, n_known - n)):
        strict = np.full(len(out), "", dtype=object)
        clear = out[f"rri_{ref}_verdict"].isin(["over-represented", "under-represented"]).to_numpy()
        if clear.any():
            result = stats.relative_rate_index(k[clear], n[clear], k2[clear], n2[clear], confidence=strict_conf,
                                               kind=_rri_kind(out))
            holds = (np.asarray(result.lower, float) > 1) | (np.asarray(result.upper, float) < 1)
            strict[clear] = np.where(holds, "yes", "no")
        out[f"rri_{ref}_strict"] = pd.Series(strict, index=out.index, dtype=object)
    return out


def count_tests(*frames: pd.DataFrame) -> int:
    """Comparisons with White British that could give a verdict (any verdict other than
    'too few to say'), across the frames given: the family for :func:`add_strict_check`."""
    n = 0
    for frame in frames:
        if frame is None or frame.empty:
            continue
        n += int(frame["rri_wb_verdict"].isin(["over-represented", "under-represented",
                                               "no evidence of a difference"]).sum())
    return max(n, 1)


def reported_comparisons(stages: dict[str, pd.DataFrame], steps: dict[str, pd.DataFrame]) -> list[pd.DataFrame]:
    """The rows whose comparisons a briefing reports, and so the family of tests for
    :func:`add_strict_check`: every cell of each stage (groups, smaller groups, and within
    each sex and age band) and the major groups of each step for the whole borough."""
    rows = list(stages.values())
    for frame in steps.values():
        whole = whole_borough(frame)
        rows.append(whole[whole["level"] == "major"])
    return rows


def hide_unsafe_comparisons(protected: pd.DataFrame) -> pd.DataFrame:
    """After suppression: hide ratios that would give back a hidden *reference* count.

    An RRI against White British reveals the White British count of its slice (given the
    group's shown count and the public populations), so when that count is hidden every
    RRI against White British in the slice is hidden. An RRI against all other groups
    reveals the total of children with a known ethnicity, and so the 'Not known' count
    (and the total): when either is hidden, every RRI against all other groups in the
    slice is hidden. Hidden comparisons get the verdict 'too few to say' and the method
    :data:`HIDDEN_METHOD`, so a table can say why; the symbol stays as suppression left it
    (the row's own count and rate may still be shown).
    """
    out = protected.copy()
    slices = _slice_keys(out)
    row_hidden = out["symbol"].astype(str).eq("c")
    for key in dict.fromkeys(slices):
        mask = slices == key
        sub = out[mask]
        wb_hidden = bool(row_hidden[mask & (out["group"] == REFERENCE) & (out["level"] == "major")].any())
        others_hidden = bool(row_hidden[mask & out["group"].isin([NOT_KNOWN, TOTAL]) & (out["level"] != "minor")].any())
        for ref, hide in (("wb", wb_hidden), ("all", others_hidden)):
            rows = sub.index if hide else sub.index[row_hidden[mask].to_numpy()]
            _blank_rri(out, rows, ref)
    return out


def _blank_rri(out, rows, ref):
    if len(rows) == 0:
        return
    for suffix in ("", "_lower", "_upper"):
        out.loc[rows, f"rri_{ref}{suffix}"] = np.nan
    out.loc[rows, f"rri_{ref}_strict"] = ""
    verdict = _default_verdict(out.loc[rows], ref)
    out.loc[rows, f"rri_{ref}_method"] = np.where(verdict == "too few to say", HIDDEN_METHOD, "").astype(object)
    out.loc[rows, f"rri_{ref}_verdict"] = verdict


def _default_verdict(rows: pd.DataFrame, ref: str) -> np.ndarray:
    """The verdict of a comparison that cannot be shown: none for the total and 'Not known',
    'comparison group' for White British against itself, otherwise 'too few to say'."""
    no_comparison = rows["level"].isin(["total", "white"]) | (rows["group"] == NOT_KNOWN)
    itself = (rows["group"] == REFERENCE) & (rows["level"] == "major") & (ref == "wb")
    return np.where(no_comparison, "", np.where(itself, "comparison group", "too few to say")).astype(object)


# ----------------------------------------------------------------------------------------
# Stage and step frames
# ----------------------------------------------------------------------------------------
def stage_frame(stage_key: str, people: pd.DataFrame, base: pd.DataFrame | None, area: str, period: str,
                confidence: float = CONFIDENCE_LEVEL) -> pd.DataFrame:
    """The stage frame for one stage.

    Parameters
    ----------
    stage_key : str
        A key of :data:`STAGE_BY_KEY`.
    people : DataFrame
        Children at the stage (one row each), from the stage's extractor (e.g.
        :func:`cin_stage_children`); for pupil stages the roll with ``outcome``
        (:func:`excluded_pupils`).
    base : DataFrame
        For population stages: the child population by ethnicity
        (``child_population_by_ethnicity``). Ignored for pupil stages (the roll is ``people``).
    """
    stage = STAGE_BY_KEY[stage_key]
    bands = age_bands_for(stage_key)
    if stage.base == "pupils":
        k = count_cells(people[people["outcome"]], bands)
        n = count_cells(people, bands)
        interval = "wilson"
    else:
        k = count_cells(people, bands)
        n = population_cells(base, bands)
        interval = "poisson"
    return rate_frame(k, n, bands, measure_id=stage.measure_id, stage=stage.label, area=area, period=period,
                      per=stage.per, interval=interval, confidence=confidence)


def step_frame(step_key: str, cohort: pd.DataFrame, area: str, period: str,
               confidence: float = CONFIDENCE_LEVEL) -> pd.DataFrame:
    """The progression frame for one step: of the children at the earlier stage (``cohort``,
    with ``outcome``), the percentage who reached the later one, by group (Wilson
    intervals; RRIs of the percentages).

    The frame has the same slices (sex, age band) as the earlier stage's frame, so that its
    denominators, which are that stage's counts, get the same margins and so the same
    suppression: a count hidden at the stage is never shown as a denominator here.
    """
    step = STEP_BY_KEY[step_key]
    bands = age_bands_for(step.after)
    k = count_cells(cohort[cohort["outcome"]], bands)
    n = count_cells(cohort, bands)
    return rate_frame(k, n, bands, measure_id=step.measure_id, stage=step.label, area=area, period=period, per=100,
                      interval="wilson", confidence=confidence)


def population_frame(population: pd.DataFrame, area: str, period: str) -> pd.DataFrame:
    """Estimated children aged 0 to 17 by group (major and minor) and each group's share of
    the children of a known group (%). 'Not known' has no population (NaN)."""
    cells = cell_index(None)
    whole = ((cells["sex"] == TOTAL) & (cells["level"] != "white")).to_numpy()
    pops = population_cells(population, None).to_numpy()[whole]
    cells = cells[whole].reset_index(drop=True)
    total = float(pops[(cells["level"] == "total").to_numpy()][0])
    out = cells.assign(measure_id=f"{THEME}.child_population", area=area, breakdown="ethnicity", period=period,
                       numerator=pops, denominator=total, value=100 * pops / total if total else np.nan,
                       lower=np.nan, upper=np.nan, method="estimate", symbol="", stage="Population")
    out["approximate"] = out["group"].isin(APPROXIMATE_GROUPS)
    return out


def not_known_summary(frames: dict[str, pd.DataFrame], area: str) -> pd.DataFrame:
    """Children whose ethnicity is not known, as a count and a share of the children at each
    stage, from *protected* stage frames (so a hidden count stays hidden: its share is NaN
    with symbol 'c'). Groups are stage labels, in journey order."""
    rows = []
    for key, frame in frames.items():
        whole = frame[(frame["sex"] == TOTAL) & (frame["age_band"] == TOTAL)]
        nk = whole[(whole["group"] == NOT_KNOWN) & (whole["level"] == "major")].iloc[0]
        tot = whole[whole["level"] == "total"].iloc[0]
        rows.append((frame["stage"].iat[0], nk["numerator"], tot["numerator"], nk["period"],
                     "c" if (str(nk["symbol"]) == "c" or str(tot["symbol"]) == "c") else ""))
    if not rows:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    labels, k, n, periods, symbols = zip(*rows)
    k = np.array(k, dtype=float)
    n = np.array(n, dtype=float)
    hidden = np.array([s == "c" for s in symbols])
    k_shown = np.where(hidden, np.nan, k)
    lo, hi = stats.wilson_interval(k_shown, n)
    out = pd.DataFrame({
        "measure_id": f"{THEME}.ethnicity_not_known_pct", "area": area, "breakdown": "stage", "group": list(labels),
        "period": list(periods), "numerator": k_shown, "denominator": n,
        "value": np.asarray(stats.percent(k_shown, n), dtype=float), "lower": 100 * np.asarray(lo, dtype=float),
        "upper": 100 * np.asarray(hi, dtype=float), "method": f"Wilson score interval, {CONFIDENCE_LEVEL:.0%}",
        "symbol": list(symbols)})
    return out[RESULT_COLUMNS]


def whole_borough(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of a stage frame for the whole borough (not within a sex or age band), without
    the White row (which is there for disclosure control only)."""
    return frame[(frame["sex"] == TOTAL) & (frame["age_band"] == TOTAL) & (frame["level"] != "white")]


def stage_period(stage_key: str, period_end, exclusion_academic_year: int | None = None) -> str:
    """The period label a stage reports: the financial year, or the academic year for exclusions."""
    if STAGE_BY_KEY[stage_key].base == "pupils" and exclusion_academic_year is not None:
        return academic_year_label(exclusion_academic_year)
    return period_label(period_end)


# ----------------------------------------------------------------------------------------
# The whole journey
# ----------------------------------------------------------------------------------------
@dataclass
class Journey:
    """Every result of the theme before disclosure control.

    ``stages`` and ``steps`` map keys of :data:`STAGE_BY_KEY` / :data:`STEP_BY_KEY` to
    their frames, in journey order; a stage that could not be computed is absent and
    ``unavailable`` says why, in words. ``n_tests`` is the number of comparisons with
    White British that could give a verdict (see :func:`add_strict_check`).
    """

    stages: dict[str, pd.DataFrame]
    steps: dict[str, pd.DataFrame]
    population: pd.DataFrame | None
    unavailable: dict[str, str]
    n_tests: int
    academic_year: int | None = None
    pupils_not_on_roll: int = 0


def missing_tables(needed: tuple[str, ...], tables: dict[str, pd.DataFrame]) -> list[str]:
    """Tables of ``needed`` that are not in ``tables``."""
    return [t for t in needed if t not in tables]


def stage_people(stage_key: str, tables: dict[str, pd.DataFrame], period_end, academic_year: int | None = None,
                 roll: pd.DataFrame | None = None) -> pd.DataFrame:
    """The people counted at a stage (for pupil stages: the roll, with ``outcome``).

    Pupil stages need ``academic_year`` (:func:`exclusion_year`); pass ``roll`` (from
    :func:`pupil_roll`) to avoid building it again.
    """
    t = tables
    if stage_key == "referral":
        return cin_stage_children(t["cin_details"], "CINreferralDate", t["cin_children"], period_end)
    if stage_key == "assessment":
        return cin_stage_children(t["cin_assessments"], "AssessmentActualStartDate", t["cin_children"], period_end)
    if stage_key == "s47":
        return cin_stage_children(t["cin_section47"], "S47ActualStartDate", t["cin_children"], period_end)
    if stage_key == "cp_plan":
        return cin_stage_children(t["cin_cp_plans"], "CPPstartDate", t["cin_children"], period_end)
    if stage_key == "looked_after":
        return looked_after_children(t["cla_episodes"], t["cla_header"], period_end)
    if stage_key == "missing":
        return missing_children(t["missing_episodes"], period_end)
    if stage_key in ("permanent_exclusion", "suspension"):
        if roll is None:
            roll, _ = pupil_roll(t["pupils"], t["exclusions"], academic_year)
        return excluded_pupils(t["exclusions"], roll, academic_year, "PERM" if stage_key == "permanent_exclusion" else "SUSP")
    if stage_key == "neet":
        leavers = care_leavers(t["cla_oc3"], t["cla_header"], period_end)
        return leavers[leavers["outcome"]]
    raise KeyError(f"unknown stage {stage_key!r}; stages: {', '.join(STAGE_BY_KEY)}")


def step_cohort(step_key: str, tables: dict[str, pd.DataFrame], period_end) -> pd.DataFrame:
    """The children at the earlier stage of a step, with ``outcome`` (reached the later one)."""
    t = tables
    if step_key == "assessed_after_referral":
        return cin_progression(t["cin_details"], "CINreferralDate", t["cin_assessments"], "AssessmentActualStartDate",
                               t["cin_children"], period_end)
    if step_key == "s47_after_assessment":
        return cin_progression(t["cin_assessments"], "AssessmentActualStartDate", t["cin_section47"],
                               "S47ActualStartDate", t["cin_children"], period_end)
    if step_key == "cp_plan_after_s47":
        return cin_progression(t["cin_section47"], "S47ActualStartDate", t["cin_cp_plans"], "CPPstartDate",
                               t["cin_children"], period_end, later_on_or_after=True)
    if step_key == "cp_plan_after_referral":
        return cin_progression(t["cin_details"], "CINreferralDate", t["cin_cp_plans"], "CPPstartDate",
                               t["cin_children"], period_end)
    if step_key == "neet_of_care_leavers":
        return care_leavers(t["cla_oc3"], t["cla_header"], period_end)
    raise KeyError(f"unknown step {step_key!r}; steps: {', '.join(STEP_BY_KEY)}")


def _absent(needed: list[str]) -> str:
    return (f"not available: the {', '.join(needed)} table{'s were' if len(needed) > 1 else ' was'} not provided "
            "(see data/raw/README.md for the files needed)")


def build_journey(tables: dict[str, pd.DataFrame], population: pd.DataFrame | None, area: str, period_end,
                  confidence: float = CONFIDENCE_LEVEL, population_problem: str | None = None) -> Journey:
    """Every stage and step frame that the tables allow, with the strict (Bonferroni) check.

    Parameters
    ----------
    tables : dict
        Processed tables by name (any subset).
    population : DataFrame or None
        ``child_population_by_ethnicity`` for the borough; None when not available
        (population-based stages are then unavailable, with ``population_problem`` as
        the reason).
    """
    unavailable: dict[str, str] = {}
    stages: dict[str, pd.DataFrame] = {}
    year = exclusion_year(tables["pupils"], period_end) if "pupils" in tables else None
    extra, roll = 0, None
    if year is not None and "exclusions" in tables:
        roll, extra = pupil_roll(tables["pupils"], tables["exclusions"], year)
    for stage in STAGES:
        absent = missing_tables(stage.tables, tables)
        if absent:
            unavailable[stage.key] = _absent(absent)
            continue
        if stage.base == "population" and population is None:
            unavailable[stage.key] = f"not available: no population estimate ({population_problem or 'not found'})"
            continue
        if stage.base == "pupils" and year is None:
            unavailable[stage.key] = "not available: the pupil roll holds no academic year"
            continue
        people = stage_people(stage.key, tables, period_end, year, roll)
        stages[stage.key] = stage_frame(stage.key, people, population, area, stage_period(stage.key, period_end, year),
                                        confidence)
    steps: dict[str, pd.DataFrame] = {}
    for step in STEPS:
        absent = missing_tables(step.tables, tables)
        if absent:
            unavailable[step.key] = _absent(absent)
            continue
        steps[step.key] = step_frame(step.key, step_cohort(step.key, tables, period_end), area,
                                     period_label(period_end), confidence)
    n_tests = count_tests(*reported_comparisons(stages, steps))
    stages = {k: add_strict_check(f, n_tests, confidence) for k, f in stages.items()}
    steps = {k: add_strict_check(f, n_tests, confidence) for k, f in steps.items()}
    pop = population_frame(population, area, period_label(period_end)) if population is not None else None
    return Journey(stages, steps, pop, unavailable, n_tests, year, extra)
