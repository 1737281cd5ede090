"""Disproportionality by ethnicity across the child's journey (theme 20).

For each stage of the journey (referral, assessment, section 47 enquiry, child protection
plan, looked after, missing, permanent exclusion, suspension, NEET care leaver) this module
counts **children** (each child once per stage, however many events they had), divides by
the group's base (children aged 0 to 17, estimated; pupils on the school roll for exclusions;
care leavers aged 17 to 21 for NEET care leavers, as the NEET briefing counts them), and
compares each ethnic group with White British children and with all other groups combined,
as a relative rate index (RRI) with its interval and a plain-words verdict.

Groups
    Major groups are shown always, with White split into White British (the comparison
    group) and Other White. Minor groups (Black Caribbean, Black African, Gypsy/Roma ...)
    sit under their major group. 'Not known' (REFU, NOBT, blank or an unrecognised code) is
    always a row: counted, never dropped; it has no population and so no rate at the
    population stages, but a counted base and a rate at the pupil and care leaver stages.

Slices
    Every stage frame holds the whole borough (``sex == age_band == 'Total'``) and, except
    for NEET care leavers, the major groups within each sex; the exclusion stages also
    within each school phase. Minor groups are shown for the whole borough only, and not for
    NEET care leavers (most would be too small to show). Slices by age were dropped: ONS
    publishes no child population by ethnicity and age for a borough, so their rates rested
    on an assumption, and their small cells cost larger figures elsewhere.

Cells (disclosure control, :mod:`safeguarding.results`)
    Each row's count is a cell keyed on the stage's concept (:attr:`Stage.concept`). Stages
    that re-count another theme's measure use that theme's concept and cohort definition
    (missing: ``missing.children``; looked after: ``cla.children_during_year``; exclusions:
    ``exclusions.pupils_permanent`` / ``exclusions.pupils_suspended`` over
    ``exclusions.pupils``; NEET: ``neet.neet`` over ``neet.care_leavers``), so a count has
    one value and one status in every briefing. Whole-borough rows use the breakdowns
    ``ethnicity`` (DfE major groups), ``ethnicity_minor`` (minor groups, and White British),
    ``ethnicity_other_white`` (Other White) and the stage's total; a slice adds
    ``' by sex'`` / ``' by school phase'`` to the breakdown and ``', <sex or band>'`` to the group.
    :data:`RELATIONS` says how they add up. Counted bases (pupils on the roll, care leavers)
    are cells too; progression steps re-use the earlier stage's cells as denominators.
    Populations are estimates, not cells.

Every function is pure: it takes processed tables (docs/architecture.md) and returns new frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from safeguarding.codes import ethnicity as eth
from safeguarding.codes.lists import (
    SCHOOL_PHASE,
    academic_year_label,
    collection_year,
    period_bounds,
    period_label,
)
from safeguarding.config import CONFIDENCE_LEVEL
from safeguarding.derive import AGE_BANDS, age_at, age_band
from safeguarding.issues import InputError
from safeguarding.measures import care_leavers as cl_measures
from safeguarding.measures import exclusions as exc_measures
from safeguarding.measures import missing as missing_measures
from safeguarding.measures import stats
from safeguarding.measures.registry import RESULT_COLUMNS, MeasureSpec
from safeguarding.results.cells import SMALL_GROUP
from safeguarding.results.relations import (
    Components,
    Custom,
    Rollup,
    cell_key,
    split_key,
)
from safeguarding.results.store import Context, ThemeResults
from safeguarding.text import plural

THEME = "disproportionality"
TOTAL = "Total"
NOT_KNOWN = "Not known"
REFERENCE = eth.REFERENCE_MINOR  # "White British"
ALL_OTHERS = "all other groups"

#: Major groups as shown: White is split so that White British can be the comparison group.
GROUPS = eth.SHOWN_GROUPS
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
PHASES = {c.code: c.label for c in SCHOOL_PHASE.codes}
#: ``rri_*_method`` and ``rri_*_verdict`` of a comparison hidden by disclosure control
#: (:func:`finish_protection`): its own count, or the count it is compared with, is hidden.
HIDDEN_METHOD = "hidden"
HIDDEN_VERDICT = "hidden"
#: Below this many children at a stage (in the group *and* the comparison group), no verdict.
MIN_COUNT = stats.MIN_COUNT_FOR_VERDICT
RRI_SUFFIXES = ("", "_lower", "_upper", "_method", "_verdict", "_strict")
RRI_COLUMNS = tuple(f"rri_{ref}{s}" for ref in ("wb", "all") for s in RRI_SUFFIXES)
#: The DfE major group that White British and Other White make up (level 'white'). Its row
#: is in every stage frame but never shown on its own: DfE and the other briefings publish it.
WHITE = "White"
#: The DfE major group name of each shown group, for cell keys (the breakdown ``ethnicity``
#: of every theme uses :data:`safeguarding.codes.ethnicity.MAJOR_GROUPS`).
MAJOR_KEY = {"Mixed": "Mixed", "Asian": "Asian", "Black": "Black", "Other ethnic group": "Other", NOT_KNOWN: NOT_KNOWN,
             WHITE: WHITE}
#: The DfE major group of every minor group (and of 'Not known').
MAJOR_OF_MINOR = {c.minor: c.major for c in eth.CODES} | {NOT_KNOWN: NOT_KNOWN}
OTHER_WHITE = "Other White"


@dataclass(frozen=True)
class Stage:
    """One stage of the journey: who is counted, against what, and from which tables."""

    key: str
    label: str  # short, for tables and charts
    phrase: str  # completes "... as likely as White British children to ..."
    counts: str  # what one unit is: children / pupils / care leavers
    #: "population" (children 0-17, estimated), "pupils" (the school roll) or "care_leavers"
    #: (care leavers aged 17 to 21, as the NEET briefing counts them).
    base: str
    per: int
    tables: tuple[str, ...]
    #: The count cell's concept (shared with the theme that owns the measure, if any).
    concept: str
    #: Breakdown and group of the whole-borough total cell.
    total: tuple[str, str] = ("all", "All children")
    age_label: str | None = None  # the second slice ('School phase' for pupils; None: sex only)
    by_sex: bool = True  # False: the whole borough only (no slices)
    minor: bool = True  # False: major groups only (no minor groups)

    @property
    def layout(self) -> dict:
        """Keyword arguments of :func:`cell_index` for the stage's cells."""
        return {"sexes": SEXES if self.by_sex else (), "minor": self.minor}

    @property
    def measure_id(self) -> str:
        unit = "per_10k" if self.per == 10_000 else "per_100"
        return f"{THEME}.{self.key}_rate_{unit}"

    @property
    def counted_base(self) -> bool:
        """True when the base is counted people (pupils, care leavers: cells, Wilson intervals),
        False for an estimated population (not a cell; Poisson intervals)."""
        return self.base in BASE_CONCEPTS

    @property
    def denominator_concept(self) -> str:
        """The denominator's cell concept: pupils on the roll, care leavers aged 17 to 21, or ''
        for an estimated population."""
        return BASE_CONCEPTS.get(self.base, "")

    @property
    def base_words(self) -> str:
        """Who the rate is per: 'children' (of the group), 'pupils', 'care leavers aged 17 to 21'."""
        return BASE_WORDS[self.base]

    @property
    def per_words(self) -> str:
        """'per 10,000 children', 'per 100 pupils', 'per 100 care leavers aged 17 to 21'."""
        return f"per {self.per:,} {self.base_words}"


#: The cell concept of each counted base (the theme that owns it counts the same people).
BASE_CONCEPTS = {"pupils": "exclusions.pupils", "care_leavers": "neet.care_leavers"}
#: Who each base counts, in words (after 'per 100').
BASE_WORDS = {"population": "children", "pupils": "pupils", "care_leavers": "care leavers aged 17 to 21"}


_PUPILS = ("all", exc_measures.ALL_PUPILS)
STAGES: tuple[Stage, ...] = (
    Stage("referral", "Referred", "be referred to children's social care", "children", "population", 10_000,
          ("cin_details", "cin_children"), f"{THEME}.referred"),
    Stage("assessment", "Assessed", "have a social work assessment", "children", "population", 10_000,
          ("cin_assessments", "cin_children"), f"{THEME}.assessed"),
    Stage("s47", "Section 47 enquiry", "be the subject of a section 47 (child protection) enquiry", "children",
          "population", 10_000, ("cin_section47", "cin_children"), f"{THEME}.s47"),
    Stage("cp_plan", "Child protection plan", "start a child protection plan", "children", "population", 10_000,
          ("cin_cp_plans", "cin_children"), f"{THEME}.cp_plan_started"),
    Stage("looked_after", "Looked after", "be looked after during the year", "children", "population", 10_000,
          ("cla_episodes", "cla_header"), "cla.children_during_year", ("all", "Looked-after children")),
    Stage("missing", "Went missing", "go missing from home or care", "children", "population", 10_000,
          ("missing_episodes",), "missing.children", ("scope", missing_measures.SCOPES["all"]), None, False),
    Stage("permanent_exclusion", "Permanently excluded", "be permanently excluded from school", "pupils", "pupils",
          100, ("exclusions", "pupils"), "exclusions.pupils_permanent", _PUPILS, None, False, False),
    Stage("suspension", "Suspended", "be suspended from school", "pupils", "pupils", 100, ("exclusions", "pupils"),
          "exclusions.pupils_suspended", _PUPILS, "School phase"),
    Stage("neet", "NEET care leaver", "be not in education, employment or training, among care leavers aged 17 to 21",
          "care leavers", "care_leavers", 100, ("cla_oc3", "cla_header"), "neet.neet", ("age_band", "17-21"), None,
          False, False),
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

    @property
    def concept(self) -> str:
        """The numerator's cell concept (children who went on to the later stage)."""
        return f"{THEME}.{self.key}"

    @property
    def denominator_concept(self) -> str:
        """The denominator's cell concept: the earlier stage's children (the same cells)."""
        return STAGE_BY_KEY[self.after].concept


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
)
STEP_BY_KEY = {s.key: s for s in STEPS}
#: The stage each step's children go on to (its children are among that stage's).
STEP_LATER_STAGE = {"assessed_after_referral": "assessment", "s47_after_assessment": "s47",
                    "cp_plan_after_s47": "cp_plan", "cp_plan_after_referral": "cp_plan"}

_POPULATION_DENOMINATOR = ("children aged 0 to 17 of the same ethnic group living in the borough (estimate: Census "
                           "2021 shares applied to the ONS mid-year estimate)")
MEASURES: tuple[MeasureSpec, ...] = (
    MeasureSpec(f"{THEME}.child_population", THEME, "Children living in the borough (estimate)",
                "Estimated children aged 0 to 17 of each ethnic group: each group's share of the Census 2021 population "
                "(all ages) applied to the ONS mid-year estimate of children aged 0 to 17.", "count", "children",
                estimate=True),
    MeasureSpec(f"{THEME}.referral_rate_per_10k", THEME, "Children referred per 10,000 children",
                "Children with at least one referral to children's social care starting in the year (CIN census "
                "CINreferralDate), per 10,000 children of the group. A child referred twice is counted once.",
                "per_10k", "children", "children referred", _POPULATION_DENOMINATOR, ci_method="poisson_exact", numerator_cell=f"{THEME}.referred"),
    MeasureSpec(f"{THEME}.assessment_rate_per_10k", THEME, "Children assessed per 10,000 children",
                "Children with at least one social work assessment starting in the year (CIN census "
                "AssessmentActualStartDate), per 10,000 children of the group.",
                "per_10k", "children", "children assessed", _POPULATION_DENOMINATOR, ci_method="poisson_exact", numerator_cell=f"{THEME}.assessed"),
    MeasureSpec(f"{THEME}.s47_rate_per_10k", THEME, "Children with a section 47 enquiry per 10,000 children",
                "Children with at least one section 47 enquiry starting in the year (CIN census S47ActualStartDate), "
                "per 10,000 children of the group.",
                "per_10k", "children", "children with a section 47 enquiry", _POPULATION_DENOMINATOR,
                ci_method="poisson_exact", numerator_cell=f"{THEME}.s47"),
    MeasureSpec(f"{THEME}.cp_plan_rate_per_10k", THEME, "Children starting a child protection plan per 10,000 children",
                "Children with at least one child protection plan starting in the year (CIN census CPPstartDate), "
                "per 10,000 children of the group.",
                "per_10k", "children", "children starting a plan", _POPULATION_DENOMINATOR, ci_method="poisson_exact", numerator_cell=f"{THEME}.cp_plan_started"),
    MeasureSpec(f"{THEME}.looked_after_rate_per_10k", THEME, "Children looked after during the year per 10,000 children",
                "Children looked after at any time in the year (an SSDA903 episode open on any day of it), per 10,000 "
                "children of the group; ethnicity from the SSDA903 header.",
                "per_10k", "children", "children looked after during the year", _POPULATION_DENOMINATOR,
                ci_method="poisson_exact", numerator_cell="cla.children_during_year"),
    MeasureSpec(f"{THEME}.missing_rate_per_10k", THEME, "Children who went missing per 10,000 children",
                "Children with at least one missing or away episode (from home or care) starting in the year, from "
                "the missing log, per 10,000 children of the group.",
                "per_10k", "children", "children who went missing", _POPULATION_DENOMINATOR, ci_method="poisson_exact", numerator_cell="missing.children"),
    MeasureSpec(f"{THEME}.permanent_exclusion_rate_per_100", THEME, "Pupils permanently excluded per 100 pupils",
                "Pupils with a permanent exclusion in the latest complete school year, in the group recorded on their "
                "first permanent exclusion, per 100 pupils of the group on the school roll (the pupil roll extract). "
                "A pupil is counted once, as in the exclusions briefing.",
                "per_100", "pupils", "pupils permanently excluded", "pupils of the group on the roll",
                ci_method="wilson", numerator_cell="exclusions.pupils_permanent", denominator_cell="exclusions.pupils"),
    MeasureSpec(f"{THEME}.suspension_rate_per_100", THEME, "Pupils suspended per 100 pupils",
                "Pupils with one or more suspensions in the latest complete school year, in the group recorded on "
                "their first suspension, per 100 pupils of the group on the school roll. A pupil suspended three "
                "times is counted once, as in the exclusions briefing.",
                "per_100", "pupils", "pupils with one or more suspensions", "pupils of the group on the roll",
                ci_method="wilson", numerator_cell="exclusions.pupils_suspended", denominator_cell="exclusions.pupils"),
    MeasureSpec(f"{THEME}.neet_rate_per_100", THEME, "NEET care leavers per 100 care leavers aged 17 to 21",
                "Care leavers aged 17 to 21 (SSDA903 OC3) not in education, employment or training, per 100 care "
                "leavers aged 17 to 21 of the group: the percentage of the group's care leavers who were NEET, not a "
                "rate per child of the population. Care leavers and NEET (in touch, SSDA903 activity codes G4, G5 or G6) as the NEET "
                "briefing counts them; ethnicity from the SSDA903 header.",
                "per_100", "care leavers", "NEET care leavers", "care leavers aged 17 to 21 of the group",
                ci_method="wilson", numerator_cell="neet.neet", denominator_cell="neet.care_leavers"),
    MeasureSpec(f"{THEME}.assessed_after_referral_pct", THEME, "Referred children who were assessed",
                "Of children referred in the year, the percentage whose referral (the same CIN episode) led to an "
                "assessment.", "percent", "children", "children assessed after the referral",
                "children referred in the year", ci_method="wilson", numerator_cell=f"{THEME}.assessed_after_referral", denominator_cell=f"{THEME}.referred"),
    MeasureSpec(f"{THEME}.s47_after_assessment_pct", THEME, "Assessed children with a section 47 enquiry",
                "Of children with an assessment starting in the year, the percentage with a section 47 enquiry in the "
                "same CIN episode.", "percent", "children", "children with a section 47 enquiry",
                "children assessed in the year", ci_method="wilson", numerator_cell=f"{THEME}.s47_after_assessment", denominator_cell=f"{THEME}.assessed"),
    MeasureSpec(f"{THEME}.cp_plan_after_s47_pct", THEME, "Section 47 enquiries that led to a plan",
                "Of children with a section 47 enquiry starting in the year, the percentage who started a child "
                "protection plan on or after the enquiry in the same CIN episode.", "percent", "children",
                "children starting a plan", "children with a section 47 enquiry in the year", ci_method="wilson", numerator_cell=f"{THEME}.cp_plan_after_s47", denominator_cell=f"{THEME}.s47"),
    MeasureSpec(f"{THEME}.cp_plan_after_referral_pct", THEME, "Referred children who reached a plan",
                "Of children referred in the year, the percentage whose referral (the same CIN episode) led to a child "
                "protection plan.", "percent", "children", "children starting a plan", "children referred in the year",
                ci_method="wilson", numerator_cell=f"{THEME}.cp_plan_after_referral", denominator_cell=f"{THEME}.referred"),
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
#: The major group as shown: White British, Other White, Mixed, Asian, Black, Other ethnic
#: group or Not known (from the derived ``ethnic_minor`` / ``ethnic_major`` fields).
display_group = eth.shown_group


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
    after the earlier one (e.g. a plan after the section 47 enquiry). Later events count only
    when dated in the period, so the children who went on are among the later stage's.

    Returns
    -------
    DataFrame
        The children at the earlier stage (as :func:`cin_stage_children`) plus ``outcome`` (bool).
    """
    cohort = earlier[_in_period(earlier[earlier_date], period_end)][["LAchildID", "CINdetailsID", earlier_date]]
    links = cohort.merge(later[["LAchildID", "CINdetailsID", later_date]], on=["LAchildID", "CINdetailsID"], how="inner")
    if later_on_or_after:
        links = links[links[later_date] >= links[earlier_date]]
    # only later events in the period: the children who went on are then among the later
    # stage's children (a relation the disclosure plan relies on, see RELATIONS)
    links = links[_in_period(links[later_date], period_end)]
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
    the person details at their first episode (age in DfE bands): the missing theme's
    children (:func:`safeguarding.measures.missing.episodes_in_period`, first episode)."""
    eps = missing_measures.episodes_in_period(missing_episodes, period_end)
    first = eps.sort_values("miss_missing_episode_start_date").drop_duplicates("miss_person_id")
    if "pers_dob" in first:
        bands = age_band(age_at(first["pers_dob"], first["miss_missing_episode_start_date"]), "dfe")
    else:
        bands = None
    return _people(first, "miss_person_id", "ethnic_minor", "ethnic_major", "pers_sex", bands)


def exclusion_year(exclusions: pd.DataFrame, pupils: pd.DataFrame, period_end) -> int | None:
    """The school year the exclusion stages report: the exclusions theme's rule (the latest
    complete school year in either extract, :func:`safeguarding.measures.exclusions.latest_complete_year`)."""
    return exc_measures.school_year(exclusions, pupils, period_end)


def _pupils(frame: pd.DataFrame) -> pd.DataFrame:
    phases = frame["Phase"].map(PHASES) if "Phase" in frame else None
    return _people(frame, "UPN", "ethnic_minor", "ethnic_major", "Sex", phases)


def pupil_roll(pupils: pd.DataFrame, year: int) -> pd.DataFrame:
    """Pupils on the roll in school year ``year`` (school phase as the 'age band'): the
    exclusions theme's denominator (every roll row of the year)."""
    return _pupils(pupils[pupils["AcademicYear"] == int(year)])


def excluded_pupils(exclusions: pd.DataFrame, year: int, category: str) -> pd.DataFrame:
    """Pupils with at least one exclusion of ``category`` ('PERM' or 'SUSP') in school year
    ``year``, each once, with the details recorded on their first such exclusion (as the
    exclusions theme counts pupils suspended)."""
    hit = exclusions[(exclusions["AcademicYear"] == int(year)) & (exclusions["Category"] == category)]
    return _pupils(exc_measures.first_per_pupil(hit).assign(UPN=lambda f: f["_pupil"]))


def pupils_not_on_roll(exclusions: pd.DataFrame, pupils: pd.DataFrame, year: int) -> int:
    """Excluded pupils in ``year`` whose UPN is not on that year's roll (a data-quality check)."""
    excluded = set(exclusions.loc[exclusions["AcademicYear"] == int(year), "UPN"])
    return len(excluded - set(pupils.loc[pupils["AcademicYear"] == int(year), "UPN"]))


def care_leavers(cla_oc3: pd.DataFrame, cla_header: pd.DataFrame, period_end) -> pd.DataFrame:
    """Care leavers aged 17 to 21 in the collection year, as the NEET theme counts them
    (:func:`safeguarding.measures.care_leavers.care_leavers_in_year`), with ``outcome`` True
    when NEET (:func:`~safeguarding.measures.care_leavers.activity_status`). Ethnicity and
    sex come from the SSDA903 header (latest year)."""
    leavers = cl_measures.care_leavers_in_year(cla_oc3, collection_year(period_end))
    head = cla_header
    if "collection_year" in head:
        head = head.sort_values("collection_year", kind="stable")
    head = head.drop_duplicates("CHILD", keep="last").set_index("CHILD")
    joined = leavers.join(head[[c for c in ("SEX", "ethnic_minor", "ethnic_major") if c in head]], on="CHILD")
    people = _people(joined, "CHILD", "ethnic_minor", "ethnic_major", "SEX", joined["care_leaver_age_band"])
    neet = cl_measures.activity_status(leavers).isin(cl_measures.NEET_REASONS)
    return people.assign(outcome=neet.to_numpy())


# ----------------------------------------------------------------------------------------
# Cells: counts and denominators by group (two levels), sex and age band
# ----------------------------------------------------------------------------------------
def cell_index(age_bands: list[str] | None, sexes: tuple[str, ...] = SEXES, minor: bool = True) -> pd.DataFrame:
    """Every cell of a stage frame, in display order: the whole borough, then each sex, then
    each age band; within each, White (level 'white': White British + Other White, shown
    in no table), the major groups (level 'major'; in the whole borough with their minor
    groups, level 'minor', after them) and the total (level 'total'). ``age_bands=None``
    leaves out the age slices, ``sexes=()`` the sex slices and ``minor=False`` the minor
    groups. Minor groups are not split by sex or age: most such cells would be too small to
    show, and hiding them would hide many larger figures with them."""
    slices = [(TOTAL, TOTAL)] + [(s, TOTAL) for s in sexes] + [(TOTAL, a) for a in (age_bands or [])]
    rows = []
    for sex, band in slices:
        whole = sex == TOTAL and band == TOTAL
        rows.append((WHITE, "white", WHITE, sex, band))
        for group in GROUPS:
            rows.append((group, "major", group, sex, band))
            for name in MINOR_GROUPS.get(group, ()) if whole and minor else ():
                rows.append((name, "minor", group, sex, band))
        rows.append((TOTAL, "total", TOTAL, sex, band))
    return pd.DataFrame(rows, columns=["group", "level", "parent", "sex", "age_band"])


def count_cells(people: pd.DataFrame, age_bands: list[str] | None, weight: str | None = None, **layout) -> pd.Series:
    """Counts of ``people`` (or sums of their ``weight``) in every cell of :func:`cell_index`.

    ``people`` has columns group, minor, sex, age_band (as the stage extractors return).
    The total of a slice counts everyone in it, 'Not known' included. Returns a float
    Series aligned with ``cell_index(age_bands, **layout)``.
    """
    cells = cell_index(age_bands, **layout)
    n = len(people)
    w = people[weight].astype(float).to_numpy() if weight else np.ones(n)
    white = people["group"].isin([REFERENCE, OTHER_WHITE]).to_numpy()
    position = {key: i for i, key in enumerate(zip(cells["group"], cells["level"], cells["sex"], cells["age_band"]))}
    out = np.zeros(len(cells))
    # Each person adds to: their major group, their minor group, White (if White), the total;
    # in the whole borough, their sex's slice and their age band's slice. Labels are coded once
    # and summed with bincount (a data frame per slice cost seconds per borough).
    everyone = np.ones(n, dtype=bool)
    whole = np.zeros(n, dtype=np.int64), np.array([TOTAL], dtype=object)
    sexes, bands = pd.factorize(people["sex"].astype(object).to_numpy()), pd.factorize(people["age_band"].astype(object).to_numpy())
    levels = (("major", pd.factorize(people["group"].to_numpy(dtype=object)), everyone),
              ("minor", pd.factorize(people["minor"].to_numpy(dtype=object)), everyone),
              ("white", (np.zeros(n, dtype=np.int64), np.array([WHITE], dtype=object)), white),
              ("total", whole, everyone))
    for sex_col, band_col in ((False, False), (True, False), (False, True)):
        sex, band = sexes if sex_col else whole, bands if band_col else whole
        # a slice counts the people in it: rows whose sex or band is 'Total' (a weighted
        # population with no such detail) are counted once, in the whole borough
        in_slice = (np.asarray(sex[1], dtype=object)[sex[0]] != TOTAL) if sex_col else \
            (np.asarray(band[1], dtype=object)[band[0]] != TOTAL) if band_col else everyone
        for level, (codes, labels), keep in levels:
            m = keep & in_slice & (codes >= 0) & (sex[0] >= 0) & (band[0] >= 0)
            if not m.any():
                continue
            ns, nb = len(sex[1]), len(band[1])
            combined = (codes[m] * ns + sex[0][m]) * nb + band[0][m]
            sums = np.bincount(combined, weights=w[m], minlength=len(labels) * ns * nb)
            for code in np.flatnonzero(sums):
                g, rest = divmod(int(code), ns * nb)
                i = position.get((labels[g], level, sex[1][rest // nb], band[1][rest % nb]))
                if i is not None:
                    out[i] += sums[code]
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


def population_cells(population: pd.DataFrame, age_bands: list[str] | None, **layout) -> pd.Series:
    """Estimated children in every cell of :func:`cell_index` (float).

    ONS publishes no children by ethnic group *and* sex or age for a borough, so the cells
    within a sex or an age band assume that every group has the same make-up: half of each
    group's children are girls and half boys, and each single year of age 0 to 17 holds an
    eighteenth of them. A relative rate index within a sex or age band does not depend on
    these shares (they cancel), but the rates per 10,000 do, and are approximate.
    'Not known' has no population (NaN); neither do unknown sex or age.
    """
    cells = cell_index(age_bands, **layout)
    whole_cells = cell_index(None)
    whole = count_cells(population_by_group(population), None, weight="population").to_numpy()
    at_total = (whole_cells["sex"] == TOTAL).to_numpy()
    lookup = dict(zip(zip(whole_cells["group"][at_total], whole_cells["level"][at_total]), whole[at_total]))
    lookup[(TOTAL, "total")] = sum(lookup[(g, "major")] for g in GROUPS if g != NOT_KNOWN)  # known groups only
    band_share = {label: (hi - lo + 1) / 18 for lo, hi, label in AGE_BANDS["dfe"]}
    sex_share = cells["sex"].map(lambda s: 1.0 if s == TOTAL else (0.5 if s in ("F", "M") else 0.0))
    age_share = cells["age_band"].map(lambda a: 1.0 if a == TOTAL else band_share.get(a, 0.0))
    base = np.array([lookup[(g, lv)] for g, lv in zip(cells["group"], cells["level"])], dtype=float)
    out = base * sex_share.to_numpy(dtype=float) * age_share.to_numpy(dtype=float)
    out[(cells["group"] == NOT_KNOWN).to_numpy()] = np.nan
    return pd.Series(out, index=cells.index)


def age_bands_for(stage_key: str) -> list[str] | None:
    """The age (or school phase) categories of a stage, with 'Not known' last."""
    stage = STAGE_BY_KEY.get(stage_key)
    if stage is not None and stage.age_label == "School phase":
        return list(PHASES.values()) + [NOT_KNOWN]
    return None


# ----------------------------------------------------------------------------------------
# Cell keys (see the module docstring and safeguarding.results.relations)
# ----------------------------------------------------------------------------------------
def _base_key(level: str, group: str, total: tuple[str, str]) -> tuple[str, str]:
    """Breakdown and group of a whole-borough cell."""
    if level == "total":
        return total
    if level == "minor" or group == REFERENCE:
        return "ethnicity_minor", group
    if group == OTHER_WHITE:
        return "ethnicity_other_white", group
    return "ethnicity", MAJOR_KEY[group]


def slice_word(age_label: str | None) -> str:
    """The name of the second slice of a stage's cell keys: 'age' or 'school phase'."""
    return "school phase" if age_label == "School phase" else "age"


def cell_keys(cells: pd.DataFrame, total: tuple[str, str], age_label: str | None = "Age") -> list[tuple[str, str]]:
    """Breakdown and group of the cell of every row of :func:`cell_index` (``total``: the
    stage's whole-borough total cell)."""
    out = []
    for level, group, sex, band in zip(cells["level"], cells["group"], cells["sex"], cells["age_band"]):
        breakdown, label = _base_key(level, group, total)
        if sex != TOTAL:
            breakdown, label = f"{breakdown} by sex", f"{label}, {sex}"
        elif band != TOTAL:
            breakdown, label = f"{breakdown} by {slice_word(age_label)}", f"{label}, {band}"
        out.append((breakdown, label))
    return out


def _concept_column(concept: str, keys: list[tuple[str, str]], mask=None) -> list[str]:
    """Per-row ``num_concept`` / ``den_concept`` values (``concept@breakdown=group``)."""
    if not concept:
        return [""] * len(keys)
    return [f"{concept}@{b}={g}" if mask is None or mask[i] else "" for i, (b, g) in enumerate(keys)]


# ----------------------------------------------------------------------------------------
# Rates and relative rate indices
# ----------------------------------------------------------------------------------------
def rate_frame(numerators: pd.Series, denominators: pd.Series, age_bands: list[str] | None, *, measure_id: str,
               stage: str, area: str, period: str, per: float, interval: str, num_concept: str = "",
               den_concept: str = "", total: tuple[str, str] = ("all", "All children"), age_label: str | None = "Age",
               confidence: float = CONFIDENCE_LEVEL, **layout) -> pd.DataFrame:
    """A stage frame (see the module docstring) from counts and denominators per cell.

    Parameters
    ----------
    numerators, denominators : Series
        Aligned with ``cell_index(age_bands, **layout)`` (:func:`count_cells`, :func:`population_cells`).
        Denominators of 'Not known' may be NaN (no population).
    measure_id, stage, area, period : str
    per : float
        10,000 (children per 10,000) or 100 (per 100 pupils or care leavers, or per cent).
    interval : {'poisson', 'wilson'}
        'poisson': a rate of an *estimated* population: exact Poisson (Garwood) interval for
        the rate, and RRIs as a ratio of two Poisson rates (log interval with standard error
        sqrt(1/k1 + 1/k2), exact conditional below 10), which stays defined when an
        estimate is smaller than its count. 'wilson': a share of *counted* children,
        pupils or care leavers: Wilson interval, and RRIs as a ratio of proportions (Katz log interval,
        exact conditional below 10).
    num_concept, den_concept, total, age_label
        The cell concepts of the counts and denominators ('' : not a cell, e.g. a population
        estimate), the whole-borough total cell and the second slice (see :func:`cell_keys`).

    Returns
    -------
    DataFrame
        One row per cell, with the rate, its interval, both relative rate indices with
        intervals (``stats.relative_rate_index``: Katz log, or exact when a count is below
        10), verdicts (``stats.disproportionality_verdict`` on the smaller of the two counts)
        and the cell concepts of each row (``num_concept``, ``den_concept``).
    """
    cells = cell_index(age_bands, **layout)
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
    keys = cell_keys(cells, total, age_label)
    out = cells.assign(measure_id=measure_id, area=area, breakdown=_breakdown(cells, age_label), period=period,
                       numerator=k, denominator=n, value=value, lower=lower, upper=upper, method=method, symbol="",
                       stage=stage, num_concept=_concept_column(num_concept, keys),
                       den_concept=_concept_column(den_concept, keys, ~np.isnan(n)))
    out = _add_rri(out, confidence, kind="rate" if interval == "poisson" else "proportion")
    return out[RESULT_COLUMNS + ["stage", "level", "parent", "sex", "age_band", *RRI_COLUMNS, "num_concept",
                                 "den_concept"]]


def _breakdown(cells: pd.DataFrame, age_label: str | None = "Age") -> pd.Series:
    """The ``breakdown`` of each row: 'ethnicity', or 'ethnicity by sex: F' / 'ethnicity by
    school phase: Primary' within a slice (so measure, breakdown, group and period name one row)."""
    word = slice_word(age_label)
    kind = np.where(cells["sex"] != TOTAL, "ethnicity by sex: " + cells["sex"].astype(str),
                    np.where(cells["age_band"] != TOTAL, f"ethnicity by {word}: " + cells["age_band"].astype(str),
                             "ethnicity"))
    return pd.Series(kind, index=cells.index)


def _slice_keys(frame: pd.DataFrame) -> pd.Series:
    """One key per slice: measure, period, sex and age band (a trend table holds many years)."""
    return (frame["measure_id"].astype(str) + "|" + frame["period"].astype(str) + "|" + frame["sex"].astype(str)
            + "|" + frame["age_band"].astype(str))


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


# ----------------------------------------------------------------------------------------
# Recoding, and after the disclosure plan
# ----------------------------------------------------------------------------------------
def mark_small_groups(frame: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Recode instead of suppressing: a count that is part of a count from 1 to ``threshold``
    is not published (no count cell; :func:`finish_protection` hides it with the reason
    :data:`SMALL_GROUP`). Two hidden parts of a hidden small whole narrow each other down
    (each is at most the whole less one), which no secondary suppression can prevent. The
    wholes: a minor group's major group, White British's and Other White's White, a group's
    total; within a sex or age band, the same group in the whole borough and the slice's
    total (and so on up: a part of an unpublished count is unpublished). Numerators and
    counted denominators (a step's cohort) are marked separately (``small_numerator``,
    ``small_denominator``). The raw tables keep every count for the analyst."""
    out = frame.reset_index(drop=True).copy()
    keys = list(zip(out["group"], out["level"], out["sex"], out["age_band"]))
    index = {key: i for i, key in enumerate(keys)}
    wholes = []
    for (g, lv, sx, ab), parent in zip(keys, out["parent"]):
        if lv == "total":
            up = [(TOTAL, "total", TOTAL, TOTAL)] if (sx, ab) != (TOTAL, TOTAL) else []
        else:
            up = [((parent, "major") if lv == "minor" else
                   (WHITE, "white") if g in (REFERENCE, OTHER_WHITE) else (TOTAL, "total")) + (sx, ab)]
            if (sx, ab) != (TOTAL, TOTAL):
                up.append((g, lv, TOTAL, TOTAL))
        wholes.append([index[w] for w in up if w in index])
    order = np.argsort([(sx, ab) != (TOTAL, TOTAL) for _, _, sx, ab in keys], kind="stable")
    for column, concept in (("numerator", "num_concept"), ("denominator", "den_concept")):
        counted = out[concept].astype(bool).to_numpy()
        k = out[column].to_numpy(dtype=float)
        small = counted & (k >= 1) & (k <= threshold)
        dropped = np.zeros(len(out), dtype=bool)
        for i in order:
            dropped[i] = counted[i] and any(small[j] or dropped[j] for j in wholes[i])
        out[f"small_{column}"] = dropped
        out.loc[dropped, concept] = ""
    return out


def finish_protection(name: str, frame: pd.DataFrame, plan) -> pd.DataFrame:
    """Hide what :func:`safeguarding.results.cells.apply_plan` cannot see: the relative rate
    indices (columns ``rri_*``), called by the results stage for every table after the plan.

    A row's RRIs are hidden with its own count or denominator. An RRI against White British
    also gives back the White British count of its slice (given the shown count and the
    public populations), so when that row is hidden every RRI against White British in the
    slice is hidden; an RRI against all other groups gives back the total of children of a
    known group, so when the slice's total or 'Not known' row is hidden every RRI against all
    other groups in the slice is hidden. A hidden comparison has no ratio, interval or strict
    check; its method and verdict are :data:`HIDDEN_METHOD` / :data:`HIDDEN_VERDICT` (the
    comparison group's own row keeps 'comparison group'; rows with no comparison keep '').
    """
    if "rri_wb" not in frame or frame.empty:
        return frame
    out = frame.copy()
    for column in ("numerator", "denominator"):
        if f"small_{column}" in out:
            small = out[f"small_{column}"].astype(bool).to_numpy()
            out.loc[small, [column, "value", "lower", "upper"]] = np.nan
            out.loc[small, "symbol"] = "c"
            out.loc[small & ~out["reason"].astype(bool).to_numpy(), "reason"] = SMALL_GROUP
    codes, _ = pd.factorize(_slice_keys(out))
    hidden = out["symbol"].astype(str).eq("c").to_numpy()
    level, group = out["level"].to_numpy(dtype=object), out["group"].to_numpy(dtype=object)

    def in_slice_of(mask: np.ndarray) -> np.ndarray:
        return np.isin(codes, codes[mask & hidden])

    wb_row = (level == "major") & (group == REFERENCE)
    others = ((level == "major") & (group == NOT_KNOWN)) | (level == "total")
    no_comparison = np.isin(level, ["total", "white"]) | (group == NOT_KNOWN)
    for ref, reference_hidden in (("wb", in_slice_of(wb_row)), ("all", in_slice_of(others))):
        rows = (hidden | reference_hidden) & ~no_comparison
        itself = wb_row & (ref == "wb")
        rows &= ~itself
        for suffix in ("", "_lower", "_upper"):
            out.loc[rows, f"rri_{ref}{suffix}"] = np.nan
        out.loc[rows, f"rri_{ref}_strict"] = ""
        out.loc[rows, f"rri_{ref}_method"] = HIDDEN_METHOD
        out.loc[rows, f"rri_{ref}_verdict"] = HIDDEN_VERDICT
    return out


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
        Children (or pupils, or care leavers) counted at the stage, one row each, from the
        stage's extractor (e.g. :func:`cin_stage_children`, :func:`excluded_pupils`).
    base : DataFrame
        For population stages: the child population by ethnicity
        (``child_population_by_ethnicity``); for pupil stages: the roll (:func:`pupil_roll`);
        for NEET care leavers: every care leaver aged 17 to 21 (:func:`care_leavers`).
    """
    stage = STAGE_BY_KEY[stage_key]
    bands = age_bands_for(stage_key)
    k = count_cells(people, bands, **stage.layout)
    if stage.counted_base:
        n, interval = count_cells(base, bands, **stage.layout), "wilson"
    else:
        n, interval = population_cells(base, bands, **stage.layout), "poisson"
    return rate_frame(k, n, bands, measure_id=stage.measure_id, stage=stage.label, area=area, period=period,
                      per=stage.per, interval=interval, num_concept=stage.concept,
                      den_concept=stage.denominator_concept, total=stage.total, age_label=stage.age_label,
                      confidence=confidence, **stage.layout)


def step_frame(step_key: str, cohort: pd.DataFrame, area: str, period: str,
               confidence: float = CONFIDENCE_LEVEL) -> pd.DataFrame:
    """The progression frame for one step: of the children at the earlier stage (``cohort``,
    with ``outcome``), the percentage who reached the later one, by group (Wilson
    intervals; RRIs of the percentages).

    Only the whole borough and its major groups are reported (no slices by sex or age, no
    minor groups). Its denominators are the earlier stage's count cells (the same keys): a
    count hidden at the stage is hidden here.
    """
    step = STEP_BY_KEY[step_key]
    stage = STAGE_BY_KEY[step.after]
    layout = {"sexes": (), "minor": False}
    k = count_cells(cohort[cohort["outcome"]], None, **layout)
    n = count_cells(cohort, None, **layout)
    return rate_frame(k, n, None, measure_id=step.measure_id, stage=step.label, area=area, period=period, per=100,
                      interval="wilson", num_concept=step.concept, den_concept=step.denominator_concept,
                      total=stage.total, age_label=stage.age_label, confidence=confidence, **layout)


def population_frame(population: pd.DataFrame, area: str, period: str) -> pd.DataFrame:
    """Estimated children aged 0 to 17 by group (major and minor) and each group's share of
    the children of a known group (%). 'Not known' has no population (NaN). Estimates are
    published figures, not counts of children: they are not disclosure cells."""
    cells = cell_index(None)
    whole = ((cells["sex"] == TOTAL) & (cells["level"] != "white")).to_numpy()
    pops = population_cells(population, None).to_numpy()[whole]
    cells = cells[whole].reset_index(drop=True)
    total = float(pops[(cells["level"] == "total").to_numpy()][0])
    out = cells.assign(measure_id=f"{THEME}.child_population", area=area, breakdown="ethnicity", period=period,
                       numerator=pops, denominator=total, value=100 * pops / total if total else np.nan,
                       lower=np.nan, upper=np.nan, method="estimate", symbol="", stage="Population",
                       num_concept="", den_concept="")
    out["approximate"] = out["group"].isin(APPROXIMATE_GROUPS)
    return out


def not_known_summary(frames: dict[str, pd.DataFrame], area: str) -> pd.DataFrame:
    """Children whose ethnicity is not known, as a count and a share of the children at each
    stage (groups: stage labels, in journey order). Each row's count is the stage's 'Not
    known' cell and its denominator the stage's total cell, so the plan treats them as the
    same figures as in the stage tables."""
    rows = []
    for frame in frames.values():
        whole = frame[(frame["sex"] == TOTAL) & (frame["age_band"] == TOTAL)]
        nk = whole[(whole["group"] == NOT_KNOWN) & (whole["level"] == "major")].iloc[0]
        tot = whole[whole["level"] == "total"].iloc[0]
        rows.append((frame["stage"].iat[0], nk["numerator"], tot["numerator"], nk["period"], nk["num_concept"],
                     tot["num_concept"]))
    if not rows:
        return pd.DataFrame(columns=RESULT_COLUMNS + ["num_concept", "den_concept"])
    labels, k, n, periods, num, den = zip(*rows)
    k, n = np.array(k, dtype=float), np.array(n, dtype=float)
    lo, hi = stats.wilson_interval(k, n)
    return pd.DataFrame({
        "measure_id": f"{THEME}.ethnicity_not_known_pct", "area": area, "breakdown": "stage", "group": list(labels),
        "period": list(periods), "numerator": k, "denominator": n,
        "value": np.asarray(stats.percent(k, n), dtype=float), "lower": 100 * np.asarray(lo, dtype=float),
        "upper": 100 * np.asarray(hi, dtype=float), "method": f"Wilson score interval, {CONFIDENCE_LEVEL:.0%}",
        "symbol": "", "num_concept": list(num), "den_concept": list(den)})


def whole_borough(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of a stage frame for the whole borough (not within a sex or age band), without
    the White row (shown in no table)."""
    return frame[(frame["sex"] == TOTAL) & (frame["age_band"] == TOTAL) & (frame["level"] != "white")]


def stage_period(stage_key: str, period_end, exclusion_academic_year: int | None = None) -> str:
    """The period label a stage reports: the financial year, or the school year for exclusions."""
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


def stage_base(stage_key: str, tables: dict[str, pd.DataFrame], period_end, academic_year: int | None = None,
               population: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """What a stage's counts are divided by: the child population estimate (``population``),
    the school roll of ``academic_year`` (pupil stages) or every care leaver aged 17 to 21
    (NEET care leavers, of whom :func:`stage_people` counts those NEET)."""
    stage = STAGE_BY_KEY[stage_key]
    if stage.base == "pupils":
        return pupil_roll(tables["pupils"], academic_year)
    if stage.base == "care_leavers":
        return care_leavers(tables["cla_oc3"], tables["cla_header"], period_end)
    return population


def stage_people(stage_key: str, tables: dict[str, pd.DataFrame], period_end,
                 academic_year: int | None = None) -> pd.DataFrame:
    """The people counted at a stage. Pupil stages need ``academic_year`` (:func:`exclusion_year`)."""
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
        return excluded_pupils(t["exclusions"], academic_year, "PERM" if stage_key == "permanent_exclusion" else "SUSP")
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
    year, extra = None, 0
    if {"exclusions", "pupils"} <= set(tables):
        year = exclusion_year(tables["exclusions"], tables["pupils"], period_end)
        extra = pupils_not_on_roll(tables["exclusions"], tables["pupils"], year) if year is not None else 0
    for stage in STAGES:
        absent = missing_tables(stage.tables, tables)
        if absent:
            unavailable[stage.key] = _absent(absent)
            continue
        if stage.base == "population" and population is None:
            unavailable[stage.key] = f"not available: no population estimate ({population_problem or 'not found'})"
            continue
        if stage.base == "pupils" and year is None:
            unavailable[stage.key] = "not available: no school year in the extracts had ended by the end of the period"
            continue
        people = stage_people(stage.key, tables, period_end, year)
        base = stage_base(stage.key, tables, period_end, year, population)
        stages[stage.key] = stage_frame(stage.key, people, base, area, stage_period(stage.key, period_end, year),
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


# ----------------------------------------------------------------------------------------
# Over the years: the stages with child-level data for earlier years
# ----------------------------------------------------------------------------------------
#: Stages whose extracts hold earlier years (the missing log; the exclusions and roll
#: extracts): their rates and relative rate indices by major group, year by year. The
#: SSDA903 and CIN census extracts hold one collection year, so their stages have no trend.
TREND_STAGES = ("missing", "suspension", "permanent_exclusion")
#: How many years a trend shows, the briefing's own year included.
TREND_YEARS = 5


def _trend_periods(stage: Stage, tables: dict[str, pd.DataFrame], period_end,
                   academic_year: int | None) -> list[tuple[object, str]]:
    """(year, period label) of each year a stage's extracts hold, oldest first, up to the
    briefing's own: financial years ending 31 March for missing, school years for pupils."""
    if stage.base == "pupils":
        if academic_year is None:
            return []
        held = pd.to_numeric(tables["exclusions"]["AcademicYear"], errors="coerce").dropna().astype(int)
        rolls = set(pd.to_numeric(tables["pupils"]["AcademicYear"], errors="coerce").dropna().astype(int))
        years = sorted(y for y in set(held) & rolls if y <= academic_year)[-TREND_YEARS:]
        return [(y, academic_year_label(y)) for y in years]
    end = pd.Timestamp(period_end)
    starts = tables["missing_episodes"]["miss_missing_episode_start_date"]
    out = []
    for back in range(TREND_YEARS - 1, -1, -1):
        year_end = end - pd.DateOffset(years=back)
        first, last = year_end - pd.DateOffset(years=1) + pd.Timedelta(days=1), year_end
        if ((starts >= first) & (starts <= last)).any():
            out.append((year_end, period_label(year_end)))
    return out


def trend_frame(tables: dict[str, pd.DataFrame], area, period_end, academic_year: int | None,
                published_dir=None, confidence: float = CONFIDENCE_LEVEL) -> pd.DataFrame:
    """Rates and relative rate indices by major ethnic group (whole borough, no sex, age or
    minor groups) for every year the extracts hold of :data:`TREND_STAGES`. Each year's rate is
    out of that year's base: the ONS estimate of children for the mid-year inside it (with the
    same Census 2021 ethnic shares), or that school year's roll. The briefing's own year is
    the same cells as its stage frame. Empty when no stage has two years."""
    from safeguarding.published import population as population_module
    frames, roll_cells = [], {}  # each school year's roll counted once, for every pupil stage
    for key in TREND_STAGES:
        stage = STAGE_BY_KEY[key]
        if missing_tables(stage.tables, tables):
            continue
        periods = _trend_periods(stage, tables, period_end, academic_year)
        if len(periods) < 2:
            continue
        for year, label in periods:
            if stage.base == "pupils":
                people = stage_people(key, tables, period_end, year)
                if year not in roll_cells:
                    roll_cells[year] = count_cells(pupil_roll(tables["pupils"], year), None, sexes=(), minor=False)
                n = roll_cells[year]
            else:
                people = stage_people(key, tables, year)
                try:
                    base = population_module.child_population_by_ethnicity(area, year.year - 1,
                                                                          published_dir=published_dir)
                except InputError:
                    continue
                n = population_cells(base, None, sexes=(), minor=False)
            k = count_cells(people, None, sexes=(), minor=False)
            frames.append(rate_frame(k, n, None, measure_id=stage.measure_id, stage=stage.label, area=area.name,
                                     period=label, per=stage.per,
                                     interval="wilson" if stage.counted_base else "poisson",
                                     num_concept=stage.concept, den_concept=stage.denominator_concept,
                                     total=stage.total, age_label=stage.age_label, confidence=confidence,
                                     sexes=(), minor=False))
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


# ----------------------------------------------------------------------------------------
# Relations between count cells (for the disclosure plan)
# ----------------------------------------------------------------------------------------
def _strip_slice(group: str) -> str:
    return group.rsplit(", ", 1)[0]


def _in_slice(mapping: dict[str, str] | str):
    """``parent_of`` for a Rollup within a slice: 'Black Caribbean, F' -> 'Black, F'."""
    def parent(group: str) -> str | None:
        label, _, part = group.rpartition(", ")
        target = mapping if isinstance(mapping, str) else mapping.get(label)
        return None if target is None else f"{target}, {part}"
    return parent


_OTHER_WHITE_OF = {m: OTHER_WHITE for m in MINOR_GROUPS[OTHER_WHITE]}
#: Every concept counted by group here, with its whole-borough total cell.
_CONCEPT_TOTALS: dict[str, tuple[str, str]] = (
    {s.concept: s.total for s in STAGES} | {s.concept: STAGE_BY_KEY[s.after].total for s in STEPS}
    | {s.denominator_concept: s.total for s in STAGES if s.denominator_concept})
_SLICES = ("sex", "age", "school phase")


def _hierarchy(concept: str, total: tuple[str, str]) -> list:
    """Rollups of one concept: minor groups to major groups and to Other White, major groups
    to the total, and each slice (sex, age band, school phase) to the whole borough, and
    the same hierarchy within each slice."""
    tb, tg = total
    rels = [Rollup((concept,), "ethnicity_minor", "ethnicity", MAJOR_OF_MINOR),
            Rollup((concept,), "ethnicity_minor", "ethnicity_other_white", _OTHER_WHITE_OF),
            Rollup((concept,), "ethnicity", tb, tg)]
    for word in _SLICES:
        for base in ("ethnicity_minor", "ethnicity", "ethnicity_other_white", tb):
            rels.append(Rollup((concept,), f"{base} by {word}", base, _strip_slice))
        rels.append(Rollup((concept,), f"ethnicity by {word}", f"{tb} by {word}", _in_slice(tg)))
    return rels


def _white_split(keys: set[str]) -> list[tuple[list[str], str]]:
    """White British + Other White = White, for the whole borough and within each sex and
    age band (the minor groups say the same only while they are published: the parts of a
    small Other White are not)."""
    out = []
    for key in keys:
        concept, breakdown, group, period = split_key(key)
        base, by, word = breakdown.partition(" by ")
        if concept not in _CONCEPT_TOTALS or base != "ethnicity" or not (group == WHITE or group.startswith(f"{WHITE}, ")):
            continue
        part = group.removeprefix(WHITE)  # '' or ', <sex or band>'
        suffix = f" by {word}" if by else ""
        parts = [cell_key(concept, f"ethnicity_minor{suffix}", f"{REFERENCE}{part}", period),
                 cell_key(concept, f"ethnicity_other_white{suffix}", f"{OTHER_WHITE}{part}", period)]
        if any(p in keys for p in parts):
            out.append(([p for p in parts if p in keys], key))
    return out


#: Groups of another theme's breakdown that are the same children as a slice total here.
_SAME_GROUPS = {
    "missing.children": {("scope by sex", "All children, F"): ("sex", "F"), ("scope by sex", "All children, M"): ("sex", "M")},
    **{c: {("all by sex", f"{exc_measures.ALL_PUPILS}, F"): ("sex", exc_measures.SEX_LABELS["F"]),
           ("all by sex", f"{exc_measures.ALL_PUPILS}, M"): ("sex", exc_measures.SEX_LABELS["M"]),
           **{("all by school phase", f"{exc_measures.ALL_PUPILS}, {p}"): ("phase", p) for p in PHASES.values()}}
       for c in ("exclusions.pupils_permanent", "exclusions.pupils_suspended", "exclusions.pupils")},
}


def _same_cells(keys: set[str]) -> list[tuple[list[str], str]]:
    """A slice total here equals another theme's cell for the same children (same cohort,
    same record): each is a part adding up to the other, so hiding one hides both."""
    out = []
    for key in keys:
        concept, breakdown, group, period = split_key(key)
        other = _SAME_GROUPS.get(concept, {}).get((breakdown, group))
        if other is not None:
            twin = cell_key(concept, *other, period)
            if twin in keys:
                out += [([key], twin), ([twin], key)]
    return out


def _neet_groups(keys: set[str]) -> list[tuple[list[str], str]]:
    """The NEET theme counts care leavers aged 17 to 21 by major ethnic group too
    (``ethnicity 17-21``): the same children as this theme's ``ethnicity`` cells of
    ``neet.neet`` and ``neet.care_leavers``, so each equals the other (and this theme's
    'Not known' is the NEET theme's 'Not known' and 'Not recorded' together)."""
    out = []
    theirs = cl_measures.breakdown_key("ethnicity", cl_measures.ALL_BANDS)
    for key in keys:
        concept, breakdown, group, period = split_key(key)
        if concept not in ("neet.neet", "neet.care_leavers") or breakdown != "ethnicity":
            continue
        names = (group, cl_measures.NOT_RECORDED) if group == NOT_KNOWN else (group,)
        parts = [p for p in (cell_key(concept, theirs, g, period) for g in names) if p in keys]
        if parts:
            out.append((parts, key))
            if len(parts) == 1:
                out.append(([key], parts[0]))
    return out


#: How this theme's count cells add up (see safeguarding.results.relations).
RELATIONS = (
    *(rel for concept, total in _CONCEPT_TOTALS.items() for rel in _hierarchy(concept, total)),
    # Children who went on to the next step are among the children at the step before.
    *(Components(s.denominator_concept, (s.concept,), subset=True, whole=STAGE_BY_KEY[s.after].total) for s in STEPS),
    # ... and among the children at the later stage (e.g. referred, then a plan: among the
    # children starting a plan). By ethnic group and in total only: a child's age band can
    # differ between the two events. Where every child at the later stage took the step (every
    # child assessed was referred in the year), the step's table is the stage's, group by group.
    *(Components(STAGE_BY_KEY[later].concept, (s.concept,), subset=True, whole=STAGE_BY_KEY[later].total,
                 breakdowns=("ethnicity", "ethnicity_minor", "ethnicity_other_white", STAGE_BY_KEY[later].total[0]))
      for s, later in ((STEP_BY_KEY[k], v) for k, v in STEP_LATER_STAGE.items())),
    # NEET care leavers are among the care leavers of their group (their stage's base). The
    # NEET theme says so too (NEET + not NEET = care leavers), but only when it is computed.
    Components(STAGE_BY_KEY["neet"].denominator_concept, (STAGE_BY_KEY["neet"].concept,), subset=True,
               breakdowns=("ethnicity", "ethnicity_minor", "ethnicity_other_white", STAGE_BY_KEY["neet"].total[0])),
    Custom(_white_split, name="White British and Other White make up White"),
    Custom(_same_cells, name="a slice total here is another theme's group of the same children"),
    Custom(_neet_groups, name="care leavers by ethnic group are the NEET theme's care leavers by ethnic group"),
)


def _not_known_check(not_known: pd.DataFrame) -> list[dict]:
    """The data-quality note on ethnicity not recorded (check DIS01). It is written before
    disclosure control, so it names the stages and leaves the numbers to the protected
    table ('Children whose ethnicity was not recorded'); 'affected' counts stages."""
    from safeguarding import quality
    stages = list(not_known.loc[not_known["numerator"] > 0, "group"])
    if not stages:
        return []
    return [quality.finding("DIS01", len(stages), f"Ethnicity is not known for some children at {plural(len(stages), 'stage')} "
                            f"({', '.join(stages)}): they cannot be placed in any group's rate, and are shown as 'Not "
                            "known' at every stage (numbers in the table 'Children whose ethnicity was not recorded', "
                            "hidden where small). Partners are asked to record ethnicity for every child.")]


def compute(ctx: Context) -> ThemeResults:
    """Every result of the theme for a borough and period (unprotected): one frame per stage
    (``stage_<key>``) and step (``step_<key>``), the population and the 'not known' summary."""
    from safeguarding import quality
    from safeguarding.published import population as population_module

    pop, problem = None, None
    try:
        pop = population_module.child_population_by_ethnicity(ctx.area, pd.Timestamp(ctx.period_end).year - 1,
                                                              published_dir=ctx.published_dir)
    except InputError as exc:
        problem = str(exc)
    j = build_journey(ctx.tables, pop, ctx.area.name, ctx.period_end, population_problem=problem)
    tables = {f"stage_{k}": mark_small_groups(f, ctx.threshold) for k, f in j.stages.items()} \
        | {f"step_{k}": mark_small_groups(f, ctx.threshold) for k, f in j.steps.items()}
    if j.population is not None:
        tables["population"] = j.population
    tables["not_known"] = not_known_summary(j.stages, ctx.area.name)
    trend = trend_frame(ctx.tables, ctx.area, ctx.period_end, j.academic_year, ctx.published_dir)
    if not trend.empty:  # one stage-year at a time: each is a stage frame of its own
        tables["trend"] = pd.concat([mark_small_groups(f, ctx.threshold) for _, f in
                                     trend.groupby(["measure_id", "period"], sort=False)], ignore_index=True)
    checks = _not_known_check(tables["not_known"])
    if j.academic_year is not None:
        checks += quality.check_pupil_roll(j.pupils_not_on_roll, academic_year_label(j.academic_year), ctx.threshold)
    checks += quality.check_cin_links(ctx.validation)
    checks += quality.check_against_published(ctx.tables, ctx.area, pd.Timestamp(ctx.period_end).year,
                                              ctx.published_dir)
    checks += quality.check_rates_within_population(j.stages)
    meta = {"stages": list(j.stages), "steps": list(j.steps), "unavailable": j.unavailable, "n_tests": j.n_tests,
            "academic_year": academic_year_label(j.academic_year) if j.academic_year is not None else None,
            "population_note": population_module.NOTE}
    return ThemeResults(tables, meta, checks)
