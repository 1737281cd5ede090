"""School exclusions and suspensions (theme 3).

Every rate says what it counts and what it is divided by:

* **exclusions** (events): permanent exclusions, or suspensions, per 100 pupils on the
  roll. A pupil suspended three times counts three times, as in the DfE statistics.
* **pupils** (people): pupils with one or more suspensions, per 100 pupils on the roll;
  of pupils suspended, the share suspended twice or more.

The denominator is the pupil roll (``pupils`` table) for the same academic year, as DfE
divides by pupils on roll at the January census. Years are academic years named by the
year they end (2023/24 -> 2024), see ``codes.lists.academic_year``.

Reason codes are versioned by academic year: the reader keeps codes that are not valid in
their own year as ``'UNMAPPED'`` (e.g. 'Other', OT, withdrawn from 2020/21). The share of
exclusions recorded as 'Other' or unmapped is reported as a data-quality measure: such
reasons say nothing about the circumstances (Harrow recorded 23 of 45 permanent
exclusions in 2018/19 as 'Other').

Polarity: the DfE LAIT data dictionary gives every exclusion and suspension measure
(TotPermEx, TotFixedEx, Total_ Pup_FixedEx, CINFixedExclusion, CINPermExclusion,
LAC_Fixed_ Ex) the polarity 'Low': lower is better. Rates and percentages of pupils
excluded follow it; descriptive shares (reasons, repeat suspensions, suspensions per
suspended pupil) carry no judgement.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from safeguarding.codes import lists as cl
from safeguarding.codes.ethnicity import CODES as ETHNIC_CODES
from safeguarding.codes.ethnicity import MAJOR_GROUPS, REFERENCE_MINOR
from safeguarding.issues import InputError
from safeguarding.measures.registry import MeasureSpec
from safeguarding.measures.results import (
    combine,
    percent_result,
    rate_result,
    ratio_result,
)
from safeguarding.results.cells import SMALL_GROUP
from safeguarding.results.relations import (
    Components,
    Custom,
    Rollup,
    cell_key,
    split_key,
)
from safeguarding.results.store import Context, ThemeResults

THEME = "exclusions"
ALL_PUPILS = "All pupils"
NOT_RECORDED = "Not recorded"
#: Reason label for codes the reader marked as not valid in their academic year.
UNMAPPED = "UNMAPPED"
UNMAPPED_LABEL = "Code not valid in that year"
OTHER_CODE = "OT"
#: A pupil may be suspended for at most 45 school days (90 sessions) in an academic year.
MAX_SUSPENSION_SESSIONS = 90
#: Pupils on roll per child aged 0-17, used only to place other local authorities on a
#: funnel plot: published rates come without pupil numbers. England has about 8.4 million
#: pupils in state-funded primary, secondary and special schools and about 12.2 million
#: children aged 0 to 17 (ONS mid-2024), a ratio of about 0.7.
PUPILS_PER_CHILD_ESTIMATE = 0.7

CATEGORIES = {"PERM": "Permanent exclusions", "SUSP": "Suspensions"}
BREAKDOWNS = {
    "phase": "School phase", "sex": "Sex", "ethnicity": "Ethnic group", "ethnicity_minor": "Ethnic group (detailed)",
    "sen": "Special educational needs", "fsm": "Free school meals",
}
SEX_LABELS = {"F": "Girls", "M": "Boys", "U": "Sex not known"}
FSM_LABELS = {True: "Eligible for free school meals", False: "Not eligible for free school meals"}

#: Children's social care groups, most intensive first: a pupil is counted once, in the
#: first group that applies (the DfE 'Outcomes for children in need' groups do the same:
#: CINO excludes CP plans and CLA; CPPO excludes CLA).
CLA = "Looked after"
CP = "On a child protection plan (not looked after)"
CIN = "Other children in need"
NOT_KNOWN = "Not known to children's social care"
SOCIAL_CARE_GROUPS = (CLA, CP, CIN, NOT_KNOWN)

_PER_100 = "pupils on the school roll"

# ---- count cells (concepts; see safeguarding.results.cells). Shared with the disproportionality
# theme, which counts the same pupils by ethnic group with :func:`group_counts`.
#: Pupils on the roll (rows of the pupil roll for the academic year).
PUPILS = "exclusions.pupils"
#: Permanent exclusions and suspensions (events), in the group recorded on the exclusion.
PERMANENT = "exclusions.permanent"
SUSPENSIONS = "exclusions.suspensions"
#: Pupils (by UPN) with at least one permanent exclusion / one or more suspensions, in the
#: group recorded at their first one of the year; 2+: two or more suspensions.
PUPILS_PERMANENT = "exclusions.pupils_permanent"
PUPILS_SUSPENDED = "exclusions.pupils_suspended"
PUPILS_SUSPENDED_2PLUS = "exclusions.pupils_suspended_2plus"
#: Pupils suspended at each school (a pupil suspended at two schools counts at both).
PUPILS_SUSPENDED_AT_SCHOOL = "exclusions.pupils_suspended_at_school"
#: Breakdown of exclusions whose reason cannot be analysed ('Other' or a code not valid that year).
REASON_QUALITY = "reason_quality"
OTHER_OR_INVALID = "Other or not valid"
#: The count cell of each category's exclusions.
EVENTS = {"PERM": PERMANENT, "SUSP": SUSPENSIONS}
MEASURES: tuple[MeasureSpec, ...] = (
    MeasureSpec("exclusions.permanent_rate", THEME, "Permanent exclusion rate per 100 pupils",
                "Permanent exclusions in the academic year per 100 pupils on the school roll that year. Polarity from the "
                "DfE LAIT data dictionary (TotPermEx: 'Low'): lower is better.",
                "per_100", "exclusions", "permanent exclusions", _PER_100, polarity="lower_better",
                ci_method="poisson_exact", decimals=2, published_id="exclusions.perm_rate",
                numerator_cell=PERMANENT, denominator_cell=PUPILS),
    MeasureSpec("exclusions.suspension_rate", THEME, "Suspension rate per 100 pupils",
                "Suspensions (fixed-period exclusions) in the academic year per 100 pupils on the school roll that year; "
                "a pupil suspended three times counts three times. Polarity from the DfE LAIT data dictionary "
                "(TotFixedEx: 'Low'): lower is better.",
                "per_100", "exclusions", "suspensions", _PER_100, polarity="lower_better",
                ci_method="poisson_exact", decimals=2, published_id="exclusions.suspension_rate",
                numerator_cell=SUSPENSIONS, denominator_cell=PUPILS),
    MeasureSpec("exclusions.one_plus_suspension_pct", THEME, "Share of pupils suspended at least once",
                "Pupils with one or more suspensions in the academic year, as a percentage of (per 100) pupils on the "
                "school roll that year; each pupil counts once. Polarity from the DfE LAIT data dictionary "
                "(Total_ Pup_FixedEx: 'Low'): lower is better.",
                "percent", "pupils", "pupils with one or more suspensions", _PER_100, polarity="lower_better",
                ci_method="wilson", decimals=2, published_id="exclusions.one_plus_suspension_rate",
                numerator_cell=PUPILS_SUSPENDED, denominator_cell=PUPILS),
    MeasureSpec("exclusions.repeat_suspension_pct", THEME, "Share of suspended pupils suspended more than once",
                "Of pupils with one or more suspensions in the academic year, the percentage with two or more. "
                "Descriptive: no polarity.",
                "percent", "pupils", "pupils with two or more suspensions", "pupils with one or more suspensions",
                ci_method="wilson", decimals=1, numerator_cell=PUPILS_SUSPENDED_2PLUS, denominator_cell=PUPILS_SUSPENDED),
    MeasureSpec("exclusions.suspensions_per_suspended_pupil", THEME, "Suspensions per suspended pupil",
                "Suspensions in the academic year divided by the number of pupils suspended at least once "
                "(DfE 'average suspensions per pupil'). Descriptive: no polarity.",
                "ratio", "exclusions", "suspensions", "pupils with one or more suspensions", decimals=1,
                numerator_cell=SUSPENSIONS, denominator_cell=PUPILS_SUSPENDED),
    MeasureSpec("exclusions.school_suspension_rate", THEME, "Suspensions per 100 pupils at the school",
                "Suspensions at the school (by URN) in the academic year per 100 pupils on the school's roll that year.",
                "per_100", "exclusions", "suspensions at the school", "pupils on the school's roll",
                polarity="lower_better", ci_method="poisson_exact", decimals=1, numerator_cell=SUSPENSIONS,
                denominator_cell=PUPILS),
    MeasureSpec("exclusions.school_one_plus_suspension_pct", THEME, "Share of the school's pupils suspended at least once",
                "Pupils with one or more suspensions at the school (by URN) in the academic year, per 100 pupils on the "
                "school's roll that year.",
                "percent", "pupils", "pupils suspended at the school", "pupils on the school's roll",
                polarity="lower_better", ci_method="wilson", decimals=1, numerator_cell=PUPILS_SUSPENDED_AT_SCHOOL,
                denominator_cell=PUPILS),
    MeasureSpec("exclusions.school_permanent_rate", THEME, "Permanent exclusions per 100 pupils at the school",
                "Permanent exclusions from the school (by URN) in the academic year per 100 pupils on the school's roll.",
                "per_100", "exclusions", "permanent exclusions from the school", "pupils on the school's roll",
                polarity="lower_better", ci_method="poisson_exact", decimals=2, numerator_cell=PERMANENT,
                denominator_cell=PUPILS),
    MeasureSpec("exclusions.reason_pct", THEME, "Share of exclusions by reason",
                "Of permanent exclusions (or of suspensions) in the academic year, the percentage recorded with each "
                "reason, using the reason codes valid in that academic year. Descriptive: no polarity.",
                "percent", "exclusions", "exclusions with the reason", "exclusions of the same kind", ci_method="wilson"),
    MeasureSpec("exclusions.reason_other_or_unmapped_pct", THEME, "Exclusions recorded as 'Other' or with an invalid reason",
                "Of permanent exclusions (or of suspensions) in the academic year, the percentage whose reason is 'Other' "
                "(OT, withdrawn from 2020/21) or a code not valid in that academic year. A data-quality measure: lower "
                "is better, because such a reason says nothing about the circumstances.",
                "percent", "exclusions", "exclusions recorded as 'Other' or with an invalid code",
                "exclusions of the same kind", polarity="lower_better", ci_method="wilson"),
    MeasureSpec("exclusions.social_care_perm_pct", THEME, "Share of pupils permanently excluded, by social care group",
                "Pupils on the roll with at least one permanent exclusion in the academic year, as a percentage of pupils "
                "on the roll in the same children's social care group (looked after, on a child protection plan, other children in need, not known; defined in the briefing's section on them). "
                "Lower is better (LAIT CINPermExclusion: 'Low').",
                "percent", "pupils", "pupils with a permanent exclusion", "pupils on roll in the group",
                polarity="lower_better", ci_method="wilson", decimals=2, numerator_cell=PUPILS_PERMANENT,
                denominator_cell=PUPILS),
    MeasureSpec("exclusions.social_care_one_plus_sus_pct", THEME, "Share of pupils suspended at least once, by social care group",
                "Pupils on the roll with one or more suspensions in the academic year, as a percentage of pupils on the "
                "roll in the same children's social care group. Lower is better (LAIT CINFixedExclusion: 'Low').",
                "percent", "pupils", "pupils with one or more suspensions", "pupils on roll in the group",
                polarity="lower_better", ci_method="wilson", decimals=1, numerator_cell=PUPILS_SUSPENDED,
                denominator_cell=PUPILS),
)

MEASURES += (
    MeasureSpec("exclusions.concern_perm_pct", THEME, "Share of pupils permanently excluded, by concern recorded",
                "Pupils on the roll with at least one permanent exclusion in the academic year, as a percentage of pupils "
                "on the roll with (or without) the concern: going missing or exploitation noted at a social care "
                "assessment, or a recorded missing episode, in the same school year (linked by UPN). Descriptive: it "
                "shows where exclusion and these risks meet, not that one causes the other.",
                "percent", "pupils", "pupils with a permanent exclusion", "pupils on roll in the group",
                ci_method="wilson", decimals=2, numerator_cell=PUPILS_PERMANENT, denominator_cell=PUPILS),
    MeasureSpec("exclusions.concern_one_plus_sus_pct", THEME, "Share of pupils suspended at least once, by concern recorded",
                "Pupils on the roll with one or more suspensions in the academic year, as a percentage of pupils on the "
                "roll with (or without) the concern, linked by UPN (see the measure above). Descriptive.",
                "percent", "pupils", "pupils with one or more suspensions", "pupils on roll in the group",
                ci_method="wilson", decimals=1, numerator_cell=PUPILS_SUSPENDED, denominator_cell=PUPILS),
)

#: One comparison measure per published social-care group (published ids in the catalogue).
SOCIAL_CARE_COMPARISONS = {
    (CLA, "perm"): "exclusions.cla_perm_pct", (CLA, "sus"): "exclusions.cla_one_plus_sus_pct",
    (CP, "perm"): "exclusions.cp_perm_pct", (CP, "sus"): "exclusions.cp_one_plus_sus_pct",
    (CIN, "perm"): "exclusions.cin_perm_pct", (CIN, "sus"): "exclusions.cin_one_plus_sus_pct",
}
_PUBLISHED_GROUP = {CLA: ("cla", "looked-after pupils", "children looked after for 12 months at 31 March"),
                    CP: ("cppo", "pupils on a child protection plan", "children on a child protection plan at 31 March"),
                    CIN: ("cino", "other pupils in need", "children in need at 31 March, not on a plan or looked after")}
for (_group, _kind), _mid in SOCIAL_CARE_COMPARISONS.items():
    _key, _who, _published = _PUBLISHED_GROUP[_group]
    if _kind == "perm":
        MEASURES += (MeasureSpec(
            _mid, THEME, f"Share of {_who} permanently excluded",
            f"Of {_who} on the roll, the percentage with at least one permanent exclusion in the academic year. Compared "
            f"with the DfE 'Outcomes for children in need' figure for {_published}. Lower is better (LAIT: 'Low').",
            "percent", "pupils", "pupils with a permanent exclusion", f"{_who} on the roll",
            polarity="lower_better", ci_method="wilson", decimals=2, published_id=f"exclusions.{_key}.perm_pct",
            numerator_cell=PUPILS_PERMANENT, denominator_cell=PUPILS),)
    else:
        MEASURES += (MeasureSpec(
            _mid, THEME, f"Share of {_who} suspended at least once",
            f"Of {_who} on the roll, the percentage with one or more suspensions in the academic year. Compared with "
            f"the DfE 'Outcomes for children in need' figure for {_published}. Lower is better (LAIT: 'Low').",
            "percent", "pupils", "pupils with one or more suspensions", f"{_who} on the roll",
            polarity="lower_better", ci_method="wilson", decimals=1, published_id=f"exclusions.{_key}.one_plus_sus_pct",
            numerator_cell=PUPILS_SUSPENDED, denominator_cell=PUPILS),)


# ---------------------------------------------------------------------------------- years
def year_label(year: int) -> str:
    """2024 -> '2023/24'."""
    return cl.academic_year_label(int(year))


def academic_year_bounds(year: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of an academic year named by its ending year: 2024 -> 1 Sep 2023, 31 Aug 2024."""
    return pd.Timestamp(year=int(year) - 1, month=9, day=1), pd.Timestamp(year=int(year), month=8, day=31)


def latest_complete_year(years, period_end) -> int | None:
    """The latest academic year in ``years`` that ends (31 August) on or before ``period_end``.

    Period end 31 March 2025 -> 2024 (2023/24): 2024/25 is still running. None when no year
    in the data has ended.
    """
    end = pd.Timestamp(period_end)
    complete = [int(y) for y in pd.Series(list(years)).dropna().unique() if academic_year_bounds(int(y))[1] <= end]
    return max(complete) if complete else None


def years_in_data(exclusions: pd.DataFrame, pupils: pd.DataFrame) -> list[int]:
    """Academic years present in the exclusions extract or the pupil roll, in order."""
    years = set(exclusions["AcademicYear"].dropna().astype(int)) | set(pupils["AcademicYear"].dropna().astype(int))
    return sorted(years)


def school_year(exclusions: pd.DataFrame, pupils: pd.DataFrame, period_end) -> int | None:
    """The school year reported for a period ending ``period_end``: the latest academic year in
    the exclusions extract or the pupil roll that ended (31 August) on or before it; None when
    none had. Every theme that reports exclusions for a period uses this year."""
    return latest_complete_year(years_in_data(exclusions, pupils), period_end)


def _in_year(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    return frame[frame["AcademicYear"] == int(year)]


# ---------------------------------------------------------------------------------- groups
def group_labels(frame: pd.DataFrame, breakdown: str) -> pd.Series:
    """The readable group of each row of an exclusions or pupils frame for ``breakdown``."""
    if breakdown == "phase":
        labels = {c.code: c.label for c in cl.SCHOOL_PHASE.codes}
        out = frame["Phase"].map(labels)
    elif breakdown == "sex":
        out = frame["Sex"].map(SEX_LABELS)
    elif breakdown == "ethnicity":
        out = frame["ethnic_major"]
    elif breakdown == "ethnicity_minor":
        out = frame["ethnic_minor"]
    elif breakdown == "sen":
        labels = {c.code: c.label for c in cl.SEN_PROVISION.codes}
        out = frame["SENprovision"].map(labels)
    elif breakdown == "fsm":
        out = frame["FSMeligible"].astype("object").map(lambda v: FSM_LABELS.get(v) if not pd.isna(v) else None)
    else:
        raise ValueError(f"unknown breakdown {breakdown!r}; expected one of {list(BREAKDOWNS)}")
    return out.astype("object").where(out.notna(), NOT_RECORDED)


def _group_order(breakdown: str, present) -> list[str]:
    present = set(present)
    if breakdown == "phase":
        base = [c.label for c in cl.SCHOOL_PHASE.codes]
    elif breakdown == "sex":
        base = list(SEX_LABELS.values())
    elif breakdown == "ethnicity":
        base = list(MAJOR_GROUPS)
    elif breakdown == "ethnicity_minor":
        base = list(dict.fromkeys(c.minor for c in ETHNIC_CODES))
    elif breakdown == "sen":
        base = [c.label for c in cl.SEN_PROVISION.codes]
    else:
        base = list(FSM_LABELS.values())
    return [g for g in base if g in present] + sorted(present - set(base) - {NOT_RECORDED}) + \
        ([NOT_RECORDED] if NOT_RECORDED in present else [])


# ---------------------------------------------------------------------------------- measures
def pupil_ids(frame: pd.DataFrame) -> pd.Series:
    """Each row's pupil (normalised UPN; NA where none is recorded, so it is never counted as a pupil)."""
    return normalise_upn(frame["UPN"])


def first_per_pupil(exc: pd.DataFrame) -> pd.DataFrame:
    """Each pupil's first exclusion of the frame (by start date); rows with no UPN are left out."""
    ids = pupil_ids(exc)
    ordered = exc.assign(_pupil=ids)[ids.notna().to_numpy()].sort_values("StartDate", na_position="last", kind="stable")
    return ordered.drop_duplicates("_pupil")


def group_counts(exclusions: pd.DataFrame, pupils: pd.DataFrame, year: int, breakdown: str | None = None) -> pd.DataFrame:
    """The counts behind every exclusions rate, per group of ``breakdown`` (None: all pupils).

    Index: the groups (in order). Columns are the count cells (:data:`PUPILS`,
    :data:`PERMANENT`, :data:`SUSPENSIONS`, :data:`PUPILS_PERMANENT`,
    :data:`PUPILS_SUSPENDED`, :data:`PUPILS_SUSPENDED_2PLUS`): pupils on the roll recorded
    in the group; exclusions in the group recorded on the exclusion; a pupil excluded more
    than once in the group recorded at their first exclusion of that kind in the year. This
    is the one definition of these counts: other themes counting the same pupils import it.
    """
    return _YearRows(exclusions, pupils, year).counts(breakdown)


class _YearRows:
    """One school year's rows, split once for every breakdown's counts (:func:`group_counts`):
    the roll, permanent exclusions, suspensions, each pupil's first of each, and which of the
    first suspensions belong to pupils suspended twice or more."""

    def __init__(self, exclusions: pd.DataFrame, pupils: pd.DataFrame, year: int):
        exc, self.roll = _in_year(exclusions, year).reset_index(drop=True), _in_year(pupils, year)  # rows labelled once
        self.perm, self.susp = exc[exc["Category"] == "PERM"], exc[exc["Category"] == "SUSP"]
        self.first_perm, self.first_susp = first_per_pupil(self.perm), first_per_pupil(self.susp)
        self.repeat = self.first_susp["_pupil"].map(pupil_ids(self.susp).value_counts()).to_numpy() >= 2

    def counts(self, breakdown: str | None) -> pd.DataFrame:
        if breakdown is None:
            label = lambda f: pd.Series(ALL_PUPILS, index=f.index, dtype="object")  # noqa: E731
        else:
            label = lambda f: group_labels(f, breakdown)  # noqa: E731
        roll, perm, susp = label(self.roll), label(self.perm), label(self.susp)
        # a pupil's first exclusion is one of the year's rows (same index): its group is that row's
        labels = {PUPILS: roll, PERMANENT: perm, SUSPENSIONS: susp, PUPILS_PERMANENT: perm.loc[self.first_perm.index],
                  PUPILS_SUSPENDED: susp.loc[self.first_susp.index],
                  PUPILS_SUSPENDED_2PLUS: susp.loc[self.first_susp.index[self.repeat]]}
        groups = [ALL_PUPILS] if breakdown is None else _group_order(breakdown, set(perm) | set(susp) | set(roll))
        return pd.DataFrame({cell: found.value_counts().reindex(groups, fill_value=0) for cell, found in labels.items()},
                            index=pd.Index(groups, name="group"))


def headline(exclusions: pd.DataFrame, pupils: pd.DataFrame, area: str, year: int) -> pd.DataFrame:
    """All pupils, one academic year: permanent exclusions and suspensions per 100 pupils,
    pupils suspended (%), repeat suspensions and suspensions per suspended pupil."""
    return _rates(exclusions, pupils, area, year, "all", None)


def by_group(exclusions: pd.DataFrame, pupils: pd.DataFrame, area: str, year: int, breakdown: str) -> pd.DataFrame:
    """The three headline rates per group of ``breakdown`` (see :data:`BREAKDOWNS`).

    Exclusions are counted in the group recorded on the exclusion; a pupil suspended more
    than once is counted in the group recorded at their first suspension of the year; the
    denominator is pupils on the roll recorded in that group. Pupils whose group is not
    recorded are shown as 'Not recorded'. A group with no pupils on the roll has no rate.
    """
    return _rates(exclusions, pupils, area, year, breakdown, breakdown)


def by_groups(exclusions: pd.DataFrame, pupils: pd.DataFrame, area: str, year: int, breakdowns) -> dict[str, pd.DataFrame]:
    """:func:`by_group` for each of ``breakdowns``, the year's rows split once for all of them."""
    rows = _YearRows(exclusions, pupils, year)
    return {key: _rates(exclusions, pupils, area, year, key, key, rows) for key in breakdowns}


def _rates(exclusions, pupils, area, year, breakdown, key, rows=None):
    c = (rows if rows is not None else _YearRows(exclusions, pupils, year)).counts(key)
    groups, period = list(c.index), year_label(year)
    frames = [
        rate_result("exclusions.permanent_rate", area, breakdown, groups, c[PERMANENT], c[PUPILS], 100, period),
        rate_result("exclusions.suspension_rate", area, breakdown, groups, c[SUSPENSIONS], c[PUPILS], 100, period),
        percent_result("exclusions.one_plus_suspension_pct", area, breakdown, groups, c[PUPILS_SUSPENDED], c[PUPILS], period),
    ]
    if key is None:
        frames += [percent_result("exclusions.repeat_suspension_pct", area, breakdown, groups, c[PUPILS_SUSPENDED_2PLUS],
                                  c[PUPILS_SUSPENDED], period),
                   ratio_result("exclusions.suspensions_per_suspended_pupil", area, breakdown, groups, c[SUSPENSIONS],
                                c[PUPILS_SUSPENDED], period)]
    return combine(*frames)


def yearly(exclusions: pd.DataFrame, pupils: pd.DataFrame, area: str, years) -> pd.DataFrame:
    """:func:`headline` for each academic year in ``years`` (in order)."""
    return combine(*(headline(exclusions, pupils, area, y) for y in years))


def schools(exclusions: pd.DataFrame, pupils: pd.DataFrame, area: str, year: int) -> pd.DataFrame:
    """Per school (URN): suspensions per 100 pupils, pupils suspended (%) and permanent
    exclusions per 100 pupils, with the school's roll as the denominator.

    Every school on the roll or in the extract is a row (group = URN), so secondary
    suppression runs over all schools even if a briefing shows only the top few. Exclusions
    with no URN are grouped as 'Not recorded'.
    """
    exc, roll = _in_year(exclusions, year), _in_year(pupils, year)
    urn = lambda f: f["URN"].astype("object").where(f["URN"].notna(), NOT_RECORDED).astype(str)
    susp = exc[exc["Category"] == "SUSP"]
    perm = exc[exc["Category"] == "PERM"]
    present = set(urn(roll)) | set(urn(exc))
    groups = sorted(present - {NOT_RECORDED}) + ([NOT_RECORDED] if NOT_RECORDED in present else [])
    count = lambda s: s.value_counts().reindex(groups, fill_value=0).to_numpy()
    n_roll = count(urn(roll))
    pupils_susp = susp.assign(_urn=urn(susp), _pupil=pupil_ids(susp)).dropna(subset=["_pupil"])
    pupils_susp = pupils_susp.drop_duplicates(["_urn", "_pupil"])["_urn"]
    period = year_label(year)
    return combine(
        rate_result("exclusions.school_suspension_rate", area, "school", groups, count(urn(susp)), n_roll, 100, period),
        percent_result("exclusions.school_one_plus_suspension_pct", area, "school", groups, count(pupils_susp), n_roll, period),
        rate_result("exclusions.school_permanent_rate", area, "school", groups, count(urn(perm)), n_roll, 100, period),
    )


def reason_label(code, year: int | None = None) -> str:
    """Readable reason: the code list label, 'Other', 'Code not valid in that year' or 'Not recorded'."""
    if code is None or (not isinstance(code, str) and pd.isna(code)):
        return NOT_RECORDED
    if code == UNMAPPED:
        return UNMAPPED_LABEL
    return cl.EXCLUSION_REASON.label(code)


def reason_breakdown(category: str) -> str:
    """'PERM' -> 'reason: permanent exclusions'."""
    return f"reason: {CATEGORIES[category].lower()}"


def reasons(exclusions: pd.DataFrame, area: str, year: int, category: str) -> pd.DataFrame:
    """Share of one category's exclusions ('PERM' or 'SUSP') recorded with each reason.

    Reasons are ordered by count; 'Other', codes not valid in the year and blanks come last.
    The breakdown names the category (:func:`reason_breakdown`); each row's count cell is the
    category's exclusions with that reason, out of all of them (``num_concept`` / ``den_concept``).
    """
    exc = _in_year(exclusions, year)
    exc = exc[exc["Category"] == category]
    labels = exc["Reason"].map(lambda c: reason_label(c, year)).astype("object")
    counts = labels.value_counts()
    tail = [g for g in (cl.EXCLUSION_REASON.label(OTHER_CODE), UNMAPPED_LABEL, NOT_RECORDED) if g in counts.index]
    head = [g for g in counts.index if g not in tail]
    head = sorted(head, key=lambda g: (-counts[g], g))
    groups = head + tail
    out = percent_result("exclusions.reason_pct", area, reason_breakdown(category), groups, counts.reindex(groups).to_numpy(),
                         np.full(len(groups), len(exc)), year_label(year))
    return out.assign(num_concept=EVENTS[category], den_concept=f"{EVENTS[category]}@all={ALL_PUPILS}")


def other_or_unmapped_mask(exclusions: pd.DataFrame) -> pd.Series:
    """True where the reason is 'Other' (OT) or a code not valid in the exclusion's year."""
    return exclusions["Reason"].isin([OTHER_CODE, UNMAPPED]).fillna(False).astype(bool)


def other_or_unmapped(exclusions: pd.DataFrame, area: str, years) -> pd.DataFrame:
    """Per academic year and category: the percentage of exclusions recorded as 'Other' or
    with a code not valid in that year (group = category label, period = academic year).
    The count cell is the category's exclusions in the :data:`REASON_QUALITY` breakdown."""
    frames = []
    flagged = other_or_unmapped_mask(exclusions)
    for year in years:
        in_year = exclusions["AcademicYear"] == int(year)
        cats = list(CATEGORIES)
        k = [int((flagged & in_year & (exclusions["Category"] == c)).sum()) for c in cats]
        n = [int((in_year & (exclusions["Category"] == c)).sum()) for c in cats]
        frame = percent_result("exclusions.reason_other_or_unmapped_pct", area, "category",
                               [CATEGORIES[c] for c in cats], k, n, year_label(year))
        frames.append(frame.assign(num_concept=[f"{EVENTS[c]}@{REASON_QUALITY}={OTHER_OR_INVALID}" for c in cats],
                                   den_concept=[f"{EVENTS[c]}@all={ALL_PUPILS}" for c in cats]))
    return combine(*frames)


# ---------------------------------------------------------------------------------- social care
@dataclass(frozen=True)
class SocialCareLink:
    """Each pupil's children's social care group for one academic year, and how it was found.

    ``status``: one row per pupil on the roll (UPN, group). ``sources``: which groups could
    be looked for ('CLA' needs SSDA903 Header + Episodes; 'CIN' and 'CP' need the CIN census
    children table with UPNs plus CIN details / CP plans). ``known``: children with a CIN
    episode, CP plan or care episode in the year and a UPN, per group (before matching);
    ``matched``: of those, how many were found on the roll; ``no_upn``: children in the year
    with no UPN recorded (cannot be linked).
    """

    status: pd.DataFrame
    sources: frozenset
    known: dict
    matched: dict
    no_upn: dict


def normalise_upn(values: pd.Series) -> pd.Series:
    """UPNs as upper-case text without spaces; blanks become NA."""
    text = values.astype("string").str.strip().str.upper().str.replace(" ", "", regex=False)
    return text.where(text.notna() & (text != ""), pd.NA)


def _overlaps(start: pd.Series, end: pd.Series, window_start, window_end) -> pd.Series:
    """Open at any time in [window_start, window_end]: started by its end and not ended before its start."""
    return ((start <= window_end) & (end.isna() | (end >= window_start))).fillna(False).astype(bool)


def link_social_care(pupils: pd.DataFrame, year: int, cin_children=None, cin_details=None, cin_cp_plans=None,
                     cla_header=None, cla_episodes=None) -> SocialCareLink:
    """Children's social care group of each pupil on the roll in academic ``year``, linked by UPN.

    Definitions (all over the academic year, 1 September to 31 August):

    * **Looked after**: the UPN is in the SSDA903 Header and that child (CHILD) has an
      episode of care open at any time in the year (DECOM on or before 31 August and DEC
      blank or on or after 1 September).
    * **On a child protection plan**: the UPN is in the CIN census children table and that
      child (LAchildID) has a plan open at any time in the year (CPPstartDate on or before
      31 August, CPPendDate blank or on or after 1 September); not looked after.
    * **Other child in need**: the UPN is in the CIN census children table and that child
      has a CIN episode open at any time in the year (CINreferralDate on or before
      31 August, CINclosureDate blank or on or after 1 September) that was not a referral
      closed with no further action (ReferralNFA); not on a plan or looked after.
    * **Not known to children's social care**: every other pupil on the roll.

    The groups are exclusive, most intensive first, like the DfE 'Outcomes for children in
    need' groups (CLA; CPPO = CP plan, not looked after; CINO = other children in need).
    Those are counted at 31 March, not over the year, so the borough's figures are not
    exactly comparable with the published ones.
    """
    start, end = academic_year_bounds(year)
    roll = _in_year(pupils, year)
    upns = normalise_upn(roll["UPN"])
    found: dict[str, set] = {}
    sources, known, no_upn = set(), {}, {}
    if cla_header is not None and cla_episodes is not None:
        sources.add("CLA")
        eps = cla_episodes[_overlaps(cla_episodes["DECOM"], cla_episodes["DEC"], start, end)]
        children = cla_header[cla_header["CHILD"].isin(set(eps["CHILD"]))].drop_duplicates("CHILD")
        upn = normalise_upn(children["UPN"]) if "UPN" in children else pd.Series(pd.NA, index=children.index, dtype="string")
        found[CLA] = set(upn.dropna())
        no_upn[CLA] = int(upn.isna().sum())
    if cin_children is not None and "UPN" in cin_children:
        child_upn = cin_children.drop_duplicates("LAchildID").set_index("LAchildID")["UPN"]
        child_upn = normalise_upn(child_upn)
        for label, table, open_ in (
            (CP, cin_cp_plans, lambda t: _overlaps(t["CPPstartDate"], t["CPPendDate"], start, end)),
            (CIN, cin_details, lambda t: _overlaps(t["CINreferralDate"], t["CINclosureDate"], start, end)
             & ~(t["ReferralNFA"].fillna(False).astype(bool) if "ReferralNFA" in t else False)),
        ):
            if table is None:
                continue
            sources.add("CP" if label == CP else "CIN")
            ids = pd.Index(table.loc[open_(table), "LAchildID"].unique())
            upn = child_upn.reindex(ids)
            found[label] = set(upn.dropna())
            no_upn[label] = int(upn.isna().sum())
    group = pd.Series(NOT_KNOWN, index=roll.index, dtype="object")
    for label in (CIN, CP, CLA):  # most intensive last, so it wins
        if label in found:
            group[upns.isin(found[label]).fillna(False).to_numpy(dtype=bool)] = label
    roll_upns = set(upns.dropna())
    for label, members in found.items():
        known[label] = len(members)
    matched = {label: len(members & roll_upns) for label, members in found.items()}
    status = pd.DataFrame({"UPN": upns.to_numpy(), "group": group.to_numpy()})
    return SocialCareLink(status, frozenset(sources), known, matched, no_upn)


def social_care(exclusions: pd.DataFrame, link: SocialCareLink, area: str, year: int) -> pd.DataFrame:
    """Pupils permanently excluded and pupils suspended at least once, per children's social care
    group (pupils on the roll only; see :func:`link_social_care`), and all pupils (breakdown
    'all': the same cells as the headline, counting every pupil excluded that year).

    Groups that could not be looked for (their source tables are missing) are marked not
    available ('x'); their pupils are then in a less intensive group or 'not known'.
    """
    exc = _in_year(exclusions, year)
    upn = pupil_ids(exc)
    perm_upns = set(upn[exc["Category"].eq("PERM").to_numpy()].dropna())
    susp_upns = set(upn[exc["Category"].eq("SUSP").to_numpy()].dropna())
    status = link.status
    groups = list(SOCIAL_CARE_GROUPS)
    masks = [status["group"] == g for g in SOCIAL_CARE_GROUPS]
    n = [int(m.sum()) for m in masks]
    k_perm = [int(status.loc[m, "UPN"].isin(perm_upns).sum()) for m in masks]
    k_susp = [int(status.loc[m, "UPN"].isin(susp_upns).sum()) for m in masks]
    period = year_label(year)
    # All pupils: every pupil excluded that year (as group_counts counts them), out of the whole roll.
    out = combine(percent_result("exclusions.social_care_perm_pct", area, "social_care", groups, k_perm, n, period),
                  percent_result("exclusions.social_care_perm_pct", area, "all", [ALL_PUPILS], [len(perm_upns)],
                                 [len(status)], period),
                  percent_result("exclusions.social_care_one_plus_sus_pct", area, "social_care", groups, k_susp, n, period),
                  percent_result("exclusions.social_care_one_plus_sus_pct", area, "all", [ALL_PUPILS], [len(susp_upns)],
                                 [len(status)], period))
    source_of = {CLA: "CLA", CP: "CP", CIN: "CIN"}
    missing = [g for g, s in source_of.items() if s not in link.sources]
    if missing:
        at = out["group"].isin(missing)
        out.loc[at, ["numerator", "denominator", "value", "lower", "upper"]] = np.nan
        out.loc[at, "symbol"] = "x"
    return out


# ---------------------------------------------------------------------------------- missing and exploitation
#: CIN census assessment factors that record a concern of going missing or of exploitation.
CONCERN_FACTORS = {"10A": "going missing", "11A": "child sexual exploitation", "13A": "gangs",
                   "24A": "child criminal exploitation"}
#: The two linked concerns (breakdown -> (group with the concern, group without)).
EXPLOITATION = "exploitation"
MISSING = "went_missing"
CONCERN_GROUPS = {
    EXPLOITATION: ("Going missing or exploitation noted at an assessment", "No such concern noted"),
    MISSING: ("Went missing (a recorded episode)", "No recorded missing episode"),
}
#: Tables the concerns are looked for in, when provided.
CONCERN_TABLES = ("cin_children", "cin_assessments", "cla_header", "cla_missing", "missing_episodes")


@dataclass(frozen=True)
class ConcernLink:
    """Which pupils on the roll of an academic year had each concern, linked by UPN.

    ``status``: one row per pupil on the roll (UPN and one True/False column per concern
    looked for). ``windows``: per concern, the dates the linked records cover within the
    school year (a missing log that starts in April covers April to August of a school year
    that began in September). ``known`` / ``matched``: children with the concern and a UPN,
    and how many of them were found on the roll; ``no_upn``: children with the concern whose
    UPN is not recorded (cannot be linked)."""

    status: pd.DataFrame
    windows: dict
    known: dict
    matched: dict
    no_upn: dict


def _covered(dates: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The part of the school year a table's records cover (its first to last date, clipped)."""
    dates = dates.dropna()
    if dates.empty or dates.max() < start or dates.min() > end:
        return None
    return max(start, dates.min().normalize()), min(end, dates.max().normalize())


def covered_words(window: tuple[pd.Timestamp, pd.Timestamp], year: int) -> str:
    """What part of school ``year`` linked records cover, in words: 'the whole school year', or
    '1 April to 31 August 2024 only' (a log that starts in April covers the end of the year)."""
    start, end = academic_year_bounds(year)
    if window[0] <= start and window[1] >= end.normalize():
        return "the whole school year"
    first = f"{window[0].day} {window[0]:%B}" + ("" if window[0].year == window[1].year else f" {window[0]:%Y}")
    return f"{first} to {window[1].day} {window[1]:%B %Y} only"


def link_concerns(pupils: pd.DataFrame, year: int, cin_children=None, cin_assessments=None, cla_header=None,
                  cla_missing=None, missing_episodes=None) -> ConcernLink:
    """Pupils on the roll in academic ``year`` (1 September to 31 August) with each concern:

    * **Going missing or exploitation noted at an assessment**: the UPN is in the CIN census
      children table and that child (LAchildID) had an assessment starting in the school year
      with factor 10A (going missing), 11A (child sexual exploitation), 13A (gangs) or 24A
      (child criminal exploitation).
    * **Went missing**: a missing or away episode starting in the school year, for a child
      whose UPN is known: looked-after children in the SSDA903 Missing table (UPN from the
      Header) and children in the missing log whose person record has a UPN (``pers_upn``).

    Only the part of the school year the linked records cover counts (``windows``); a pupil
    outside every source is counted as having no such concern recorded, which is what the
    groups' names say."""
    start, end = academic_year_bounds(year)
    roll = _in_year(pupils, year)
    upns = normalise_upn(roll["UPN"])
    found: dict[str, set] = {}
    windows, no_upn = {}, {}
    if cin_children is not None and cin_assessments is not None and "UPN" in cin_children \
            and "AssessmentFactors" in cin_assessments:
        when = cin_assessments["AssessmentActualStartDate"]
        window = _covered(when, start, end)
        if window is not None:
            factors = cin_assessments["AssessmentFactors"].fillna("").astype(str).str.upper().str.split(",")
            flagged = factors.map(lambda f: any(x.strip() in CONCERN_FACTORS for x in f))
            ids = pd.Index(cin_assessments.loc[flagged & when.between(start, end), "LAchildID"].unique())
            upn = normalise_upn(cin_children.drop_duplicates("LAchildID").set_index("LAchildID")["UPN"]).reindex(ids)
            found[EXPLOITATION], no_upn[EXPLOITATION] = set(upn.dropna()), int(upn.isna().sum())
            windows[EXPLOITATION] = window
    went: set = set()
    missing_no_upn, covered = 0, []
    if cla_missing is not None and cla_header is not None and "UPN" in cla_header:
        when = cla_missing["MIS_START"]
        window = _covered(when, start, end)
        if window is not None:
            covered.append(window)
            ids = pd.Index(cla_missing.loc[when.between(start, end), "CHILD"].unique())
            upn = normalise_upn(cla_header.drop_duplicates("CHILD").set_index("CHILD")["UPN"]).reindex(ids)
            went |= set(upn.dropna())
            missing_no_upn += int(upn.isna().sum())
    if missing_episodes is not None and "pers_upn" in missing_episodes:
        when = missing_episodes["miss_missing_episode_start_date"]
        window = _covered(when, start, end)
        if window is not None:
            covered.append(window)
            rows = missing_episodes[when.between(start, end)].drop_duplicates("miss_person_id")
            upn = normalise_upn(rows["pers_upn"])
            went |= set(upn.dropna())
            missing_no_upn += int(upn.isna().sum())
    if covered:
        found[MISSING], no_upn[MISSING] = went, missing_no_upn
        windows[MISSING] = (min(w[0] for w in covered), max(w[1] for w in covered))
    status = pd.DataFrame({"UPN": upns.to_numpy()})
    for key, members in found.items():
        status[key] = upns.isin(members).fillna(False).to_numpy(dtype=bool)
    roll_upns = set(upns.dropna())
    return ConcernLink(status, windows, {k: len(v) for k, v in found.items()},
                       {k: len(v & roll_upns) for k, v in found.items()}, no_upn)


def concerns(exclusions: pd.DataFrame, link: ConcernLink, area: str, year: int) -> pd.DataFrame:
    """Pupils permanently excluded and pupils suspended at least once, among pupils on the roll
    with and without each concern looked for (:func:`link_concerns`); breakdowns
    ``exploitation`` and ``went_missing``, each adding up to the whole roll (breakdown 'all')."""
    exc = _in_year(exclusions, year)
    upn = pupil_ids(exc)
    excluded = {"exclusions.concern_perm_pct": set(upn[exc["Category"].eq("PERM").to_numpy()].dropna()),
                "exclusions.concern_one_plus_sus_pct": set(upn[exc["Category"].eq("SUSP").to_numpy()].dropna())}
    status, period, frames = link.status, year_label(year), []
    for key, groups in CONCERN_GROUPS.items():
        if key not in status:
            continue
        masks = [status[key], ~status[key]]
        for measure_id, who in excluded.items():
            k = [int(status.loc[m, "UPN"].isin(who).sum()) for m in masks]
            frames.append(percent_result(measure_id, area, key, list(groups), k, [int(m.sum()) for m in masks], period))
    return combine(*frames) if frames else pd.DataFrame()


# ---------------------------------------------------------------------------------- published
def estimated_pupils_by_la(year: int, published_dir=None) -> pd.Series:
    """Approximate pupils on roll per local authority (index: DfE number) for a funnel plot:
    :data:`PUPILS_PER_CHILD_ESTIMATE` times the ONS mid-year estimate of children aged 0 to 17
    (mid-year ``year - 1``, the autumn the academic year starts, or the latest before it)."""
    from safeguarding.published.figures import figures
    pop = figures("population.children_0_17", published_dir)
    las = pop[(pop["geographic_level"] == "Local authority") & pop["value"].notna()]
    las = las[las["year"] <= int(year) - 1] if (las["year"] <= int(year) - 1).any() else las
    latest = las.sort_values("year").drop_duplicates("dfe_number", keep="last")
    return (latest.set_index("dfe_number")["value"] * PUPILS_PER_CHILD_ESTIMATE).round()


# ---------------------------------------------------------------------------------- relations
#: Minor ethnic group -> major group (codes.ethnicity), with the labels for unknown and blank codes.
MINOR_TO_MAJOR = {c.minor: c.major for c in ETHNIC_CODES} | {"Not known": "Not known", NOT_RECORDED: NOT_RECORDED}
_COUNTS = (PUPILS, PERMANENT, SUSPENSIONS, PUPILS_PERMANENT, PUPILS_SUSPENDED, PUPILS_SUSPENDED_2PLUS)


def _unanalysable_reasons(keys: set[str]) -> list[tuple[list[str], str]]:
    """Exclusions recorded as 'Other' or with an invalid code = the 'Other' and 'Code not valid'
    reason cells of the same kind and year (where the reasons are shown)."""
    out = []
    for key in keys:
        concept, breakdown, _, period = split_key(key)
        if breakdown != REASON_QUALITY:
            continue
        category = next(c for c, events in EVENTS.items() if events == concept)
        parts = [k for k in (cell_key(concept, reason_breakdown(category), r, period)
                             for r in (cl.EXCLUSION_REASON.label(OTHER_CODE), UNMAPPED_LABEL)) if k in keys]
        if parts:
            out.append((parts, key))
    return out


def _within_all(keys: set[str]) -> list[tuple[list[str], str]]:
    """Exclusions recorded as 'Other' or invalid are some of all exclusions of the kind that year."""
    out = []
    for key in keys:
        concept, breakdown, _, period = split_key(key)
        if breakdown == REASON_QUALITY:
            out.append(([key], cell_key(concept, "all", ALL_PUPILS, period)))
    return out


#: How this theme's count cells add up (see safeguarding.results.relations).
RELATIONS = (
    # Every breakdown with a total: its groups add up to all pupils (exclusions to all exclusions
    # of the kind, reasons included; pupils on the roll of each school to the whole roll).
    *(Rollup(_COUNTS, breakdown, "all", ALL_PUPILS)
      for breakdown in ("phase", "sex", "ethnicity", "sen", "fsm", "school", "social_care", EXPLOITATION, MISSING,
                        *(reason_breakdown(c) for c in CATEGORIES))),
    # Minor ethnic groups add up to their major group.
    Rollup(_COUNTS, "ethnicity_minor", "ethnicity", MINOR_TO_MAJOR),
    Custom(_unanalysable_reasons, "exclusions: 'Other' and invalid reasons"),
    Custom(_within_all, "exclusions: 'Other' or invalid within all", subset=True),
    # A pupil counted as excluded has at least one exclusion in their group (at their school);
    # over all pupils, a pupil suspended more than once has at least two.
    # A pupil is rarely permanently excluded twice in a year, so a reader may take the two
    # counts as equal: where they are equal, the plan treats them as one figure (exact).
    Components(PERMANENT, (PUPILS_PERMANENT,)),
    Components(SUSPENSIONS, (PUPILS_SUSPENDED,), subset=True),
    Components(SUSPENSIONS, (PUPILS_SUSPENDED, PUPILS_SUSPENDED_2PLUS), breakdowns=("all",), subset=True),
    Components(PUPILS_SUSPENDED, (PUPILS_SUSPENDED_2PLUS,), subset=True),
    Components(SUSPENSIONS, (PUPILS_SUSPENDED_AT_SCHOOL,), subset=True),
)

#: Breakdowns whose groups add up to all pupils (see RELATIONS).
_UNDER_ALL = ("phase", "sex", "ethnicity", "sen", "fsm", "school", "social_care", EXPLOITATION, MISSING,
              *(reason_breakdown(c) for c in CATEGORIES))


def _ancestors(breakdown: str, group: str) -> list[tuple[str, str]]:
    """The (breakdown, group) cells a group's cell adds up into, nearest first."""
    if breakdown == "ethnicity_minor":
        return [("ethnicity", MINOR_TO_MAJOR.get(group, group)), ("all", ALL_PUPILS)]
    return [("all", ALL_PUPILS)] if breakdown in _UNDER_ALL else []


def merge_small_groups(tables: dict[str, pd.DataFrame], threshold: int) -> dict[str, pd.DataFrame]:
    """Recode instead of suppressing: a count of a group within a whole (minor ethnic group
    within its major group, or within Other White; any group within all pupils) whose whole is from 1 to
    ``threshold`` is not published for the group. Its parts could only be hidden too, and
    two hidden parts of a small whole narrow each other down (each is at most the whole
    less one), which no secondary suppression can prevent. Such rows get no count cell
    (``num_concept`` ''); :func:`finish_protection` hides them with the reason
    :data:`SMALL_GROUP`, and the raw tables keep their counts for the analyst."""
    from safeguarding.results.cells import cell_values, register_cells
    from safeguarding.results.relations import split_key
    registered = {name: register_cells(frame) for name, frame in tables.items()}
    values = cell_values(registered.values())
    out = {}
    for name, frame in registered.items():
        small = []
        for key in frame["num_cell"]:
            if not key:
                small.append(False)
                continue
            concept, breakdown, group, period = split_key(key)
            wholes = [values.get(cell_key(concept, b, g, period), 0) for b, g in _ancestors(breakdown, group)]
            if breakdown == "ethnicity_minor" and MINOR_TO_MAJOR.get(group) == "White" and group != REFERENCE_MINOR:
                # 'Other White' (White less White British) is a group too: the journey briefing shows it
                wholes.append(values.get(cell_key(concept, "ethnicity", "White", period), 0)
                              - values.get(cell_key(concept, "ethnicity_minor", REFERENCE_MINOR, period), 0))
            small.append(any(0 < whole <= threshold for whole in wholes))
        small = np.array(small, dtype=bool)
        result = tables[name].copy()
        if small.any():
            num = result["num_concept"] if "num_concept" in result else pd.Series(np.nan, index=result.index, dtype=object)
            result["num_concept"] = num.astype(object).mask(small, "")
        result[SMALL_GROUP_COLUMN] = small
        out[name] = result
    return out


def finish_protection(name: str, frame: pd.DataFrame, plan) -> pd.DataFrame:
    """Hide the rows :func:`merge_small_groups` marked (count, rate and interval) as 'c'."""
    if SMALL_GROUP_COLUMN not in frame or not frame[SMALL_GROUP_COLUMN].any():
        return frame
    out = frame.copy()
    at = out[SMALL_GROUP_COLUMN].astype(bool)
    out.loc[at, ["numerator", "value", "lower", "upper"]] = np.nan
    out.loc[at, "symbol"] = "c"
    out.loc[at & (out["reason"] == ""), "reason"] = SMALL_GROUP
    return out


SMALL_GROUP_COLUMN = "within_small_group"

#: Children's social care tables the theme links pupils to, when provided.
SOCIAL_CARE_TABLES = ("cin_children", "cin_details", "cin_cp_plans", "cla_header", "cla_episodes")


#: Result measure (all pupils) -> DfE's published rate of the LA's pupils.
PUBLISHED_ALL_PUPILS = {"exclusions.permanent_rate": "exclusions.perm_rate",
                        "exclusions.suspension_rate": "exclusions.suspension_rate",
                        "exclusions.one_plus_suspension_pct": "exclusions.one_plus_suspension_rate"}
#: Social-care group -> DfE's group in the outcomes-by-characteristics files.
PUBLISHED_SOCIAL_CARE = {"Looked after": "cla", "On a child protection plan (not looked after)": "cppo",
                         "Other children in need": "cino"}


def published_counterpart(measure_id: str, breakdown: str, group: str) -> str | None:
    """The DfE figure of a result row (:mod:`safeguarding.results.public`): exclusion rates of
    all the LA's pupils, and of pupils looked after, on a plan or otherwise in need."""
    if breakdown == "all":
        return PUBLISHED_ALL_PUPILS.get(measure_id)
    if breakdown == "social_care" and group in PUBLISHED_SOCIAL_CARE:
        kind = {"exclusions.social_care_perm_pct": "perm_pct",
                "exclusions.social_care_one_plus_sus_pct": "one_plus_sus_pct"}.get(measure_id)
        return f"exclusions.{PUBLISHED_SOCIAL_CARE[group]}.{kind}" if kind else None
    return None


def compute(ctx: Context) -> ThemeResults:
    """Every result of the exclusions theme for a borough and period (unprotected).

    The school year is :func:`school_year` for the period end; the trend covers up to five
    school years to it. ``meta`` holds the years and which social care sources were linked.
    """
    from safeguarding import quality

    exc, roll, name = ctx.tables["exclusions"], ctx.tables["pupils"], ctx.area.name
    in_data = years_in_data(exc, roll)
    year = school_year(exc, roll, ctx.period_end)
    if year is None:
        raise InputError(f"The exclusions extract and pupil roll for {name} hold no academic year that ended by "
                         f"{pd.Timestamp(ctx.period_end):%d %B %Y} (years found: "
                         f"{', '.join(year_label(y) for y in in_data) or 'none'}). An academic year ends on 31 August.")
    years = [y for y in in_data if y <= year][-5:]
    tables = {"headline": headline(exc, roll, name, year), "yearly": yearly(exc, roll, name, years)}
    tables.update(by_groups(exc, roll, name, year, BREAKDOWNS))
    tables["schools"] = schools(exc, roll, name, year)
    for cat in CATEGORIES:
        tables[f"reasons_{cat}"] = reasons(exc, name, year, cat)
    tables["other"] = other_or_unmapped(exc, name, years)
    link = link_social_care(roll, year, **{t: ctx.tables.get(t) for t in SOCIAL_CARE_TABLES})
    tables["social_care"] = social_care(exc, link, name, year)
    concern_link = link_concerns(roll, year, **{t: ctx.tables.get(t) for t in CONCERN_TABLES})
    concern = concerns(exc, concern_link, name, year)
    if not concern.empty:
        tables["concerns"] = concern
    tables = merge_small_groups(tables, ctx.threshold)
    checks = quality.check_exclusions(exc, roll, year, link, threshold=ctx.threshold)
    checks += quality.percent_consistent(tables["headline"])
    for cat in CATEGORIES:
        checks += quality.shares_sum_to_100(tables[f"reasons_{cat}"], "exclusions.reason_pct")
    meta = {"year": year, "label": year_label(year), "years": years,
            "later_years": [y for y in in_data if y > year], "social_care_sources": sorted(link.sources),
            "concern_windows": {k: covered_words(w, year) for k, w in concern_link.windows.items()},
            "concern_no_upn": concern_link.no_upn}
    return ThemeResults(tables, meta, checks)
