"""The catalogue of published measures: one record per measure, saying where it lives.

Each :class:`PublishedMeasure` names the file (relative to the published-statistics
directory), the filter that picks its rows, the value column, and where its numerator
and denominator come from (a column of the same row, or a column of a sibling row, e.g.
the 'Total' row of the same LA and year). :func:`safeguarding.published.figures.figures`
turns a record into a tidy frame.

Schema drift between releases is normalised here, once (:func:`normalise_schema`):

* ``CLA_group`` (missing-from-care file) and ``cla_group`` (placement stability) are the
  same column: always ``cla_group``;
* care leavers up to the 2024 release: ``age, activity | accommodation_suitability,
  number, percentage`` with ages 'Aged 17 to 18' / 'Aged 19 to 21'; from 2025:
  ``care_leaver_age, breakdown, care_leaver_count, care_leaver_percent`` with
  '17 to 18 years' / '19 to 21 years'. Old names are renamed to the new ones;
* placement stability before 2025: ``number, percentage`` -> ``children_count,
  children_percent``.

Polarity and unit words are those of ``safeguarding.measures.registry``: polarity
``'lower_better'``, ``'higher_better'`` or ``'none'`` where the direction
is not clear-cut (a higher rate of children looked after is neither good nor bad).

Source: Department for Education / Office for National Statistics, Open Government
Licence v3.0.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass

import pandas as pd

from safeguarding.issues import InputError

POLARITIES = ("lower_better", "higher_better", "none")
UNITS = ("count", "percent", "per_10k", "per_100", "ratio", "persons")
SOURCE_KINDS = ("ees", "lait", "derived")

# Publication titles.
CLA_TITLE = "Children looked after in England including adoptions (DfE)"
CIN_TITLE = "Children in need (DfE)"
OUTCOMES_TITLE = "Outcomes for children in need, including children looked after by local authorities in England (DfE)"
LAIT_TITLE = "Local Authority Interactive Tool (DfE); from Suspensions and permanent exclusions in England"
LAIT_CLA_TITLE = "Local Authority Interactive Tool (DfE); from Children looked after in England including adoptions"
LAIT_OUTCOMES_TITLE = ("Local Authority Interactive Tool (DfE); from Outcomes for children in need, including children "
                       "looked after by local authorities in England")
LAIT_CIN_TITLE = "Local Authority Interactive Tool (DfE); from Characteristics of children in need"
MYE_TITLE = "Mid-year population estimates (ONS), as published by DfE"

# Files (relative to the published-statistics directory).
F_CLA = "cla/cla_number_and_rate_per_10k_children.csv"
F_STABILITY = "cla/la_cla_placement_stability.csv"
F_MISSING = "cla/la_children_who_were_missing_or_away_from_placement_without_authorisation.csv"
F_ACTIVITY = "care_leavers/la_care_leavers_activity.csv"
F_ACCOMMODATION = "care_leavers/la_care_leavers_accommodation_suitability.csv"
F_B1 = "cin/b1_children_in_need_2013_to_2025.csv"
F_C1 = "cin/c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"
F_C3 = "cin/c3_factors_identified_at_end_of_assessment_2018_to_2025.csv"
F_D3 = "cin/d3_cpps_subsequent_plan_2013_to_2025.csv"
F_D5 = "cin/d5_cpps_at31march_by_duration_2013_to_2025.csv"
F_EXCL = "exclusions/permanent_exclusions_and_suspensions_la.csv"
F_LAIT = "benchmark_tool/lait_bds_long.parquet"
F_MYE = "population/ons_mid-year_population_estimates_2012_to_2024.csv"
F_ETHNIC_LA = "population/ons-ethnic-population-la.csv"
F_ETHNIC_REG = "population/ons-ethnic-population-reg.csv"
F_ETHNIC_NAT = "population/ons-ethnic-population-nat.csv"


@dataclass(frozen=True)
class Ref:
    """A column of the measure's own row (``where`` empty), or of a sibling row: the row
    with the same geography and year whose filter columns are changed as ``where`` says.
    """

    column: str
    where: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PublishedMeasure:
    """One published measure.

    Attributes
    ----------
    id : str
        'cla.rate_per_10k'.
    title : str
        Short label for tables and charts.
    file : str
        Path relative to the published-statistics directory ('' for derived measures).
    value : str
        Column holding the published value ('Values' for LAIT).
    filters : tuple of (column, value)
        Picks the measure's rows.
    numerator, denominator : Ref or None
        Where the counts behind a rate or percentage are published.
    unit : str
        One of :data:`UNITS`.
    polarity : str
        One of :data:`POLARITIES`.
    year_kind : str
        'reporting_year' (year ending 31 March), 'academic_year', 'mid_year'.
    description : str
        What is counted, in words.
    source : str
        Publication title.
    source_kind : str
        'ees' (EES CSV), 'lait' (LAIT parquet) or 'derived' (computed here from two
        published measures).
    derived_from : tuple of str
        For a derived rate: (numerator measure id, population measure id).
    population_lag : int
        For a derived rate: population year = measure year - lag (DfE divides counts for
        the year ending 31 March Y by the mid-(Y-1) estimate).
    per : int
        Multiplier for a derived rate (10,000).
    decimals : int or None
        Decimals as published (derived rates are rounded to this).
    continued_by : tuple of str
        Catalogue ids of the same measure from another source (LAIT carries several EES
        series further than the EES files held): :func:`~safeguarding.published.figures.figures`
        fills each year the measure's own file lacks from them, in order. The figures
        must agree where both are published (tested).
    """

    id: str
    title: str
    file: str
    value: str
    filters: tuple[tuple[str, str], ...] = ()
    numerator: Ref | None = None
    denominator: Ref | None = None
    unit: str = "count"
    polarity: str = "none"
    year_kind: str = "reporting_year"
    description: str = ""
    source: str = ""
    source_kind: str = "ees"
    derived_from: tuple[str, ...] = ()
    population_lag: int = 1
    per: int = 10_000
    decimals: int | None = None
    continued_by: tuple[str, ...] = ()

    def __post_init__(self):
        if self.polarity not in POLARITIES:
            raise ValueError(f"{self.id}: polarity {self.polarity!r} not in {POLARITIES}")
        if self.unit not in UNITS:
            raise ValueError(f"{self.id}: unit {self.unit!r} not in {UNITS}")
        if self.source_kind not in SOURCE_KINDS:
            raise ValueError(f"{self.id}: source_kind {self.source_kind!r} not in {SOURCE_KINDS}")

    @property
    def filter_dict(self) -> dict[str, str]:
        return dict(self.filters)


def _f(**kwargs) -> tuple[tuple[str, str], ...]:
    return tuple(kwargs.items())


def _build() -> tuple[PublishedMeasure, ...]:
    m: list[PublishedMeasure] = []
    add = m.append

    # ---------------------------------------------------------------- children looked after
    for key, population_type, label in [
        ("", "Children looked after on 31 March each year", "Children looked after at 31 March"),
        ("starts_", "Children starting to be looked after each year", "Children starting to be looked after"),
        ("ceased_", "Children ceasing to be looked after each year", "Children ceasing to be looked after"),
    ]:
        count_id = "cla.count_31mar" if not key else f"cla.{key}count"
        rate_id = "cla.rate_per_10k" if not key else f"cla.{key}rate_per_10k"
        add(
            PublishedMeasure(
                count_id, label, F_CLA, "children_count", _f(population_type=population_type),
                unit="count", description=f"{label} (number).", source=CLA_TITLE,
            )
        )
        add(
            PublishedMeasure(
                rate_id, f"{label} per 10,000 children", F_CLA, "rate_per_10000",
                _f(population_type=population_type),
                numerator=Ref("children_count"), denominator=Ref("population_estimate"),
                unit="per_10k", decimals=0,
                description=f"{label} per 10,000 children aged 0 to 17 (ONS mid-year estimate of the previous June).",
                source=CLA_TITLE,
            )
        )
    stability = [
        ("cla.placements_3plus_pct", "CLA on 31 March", "With 3 or more placements during the year",
         "Children looked after at 31 March with 3 or more placements during the year", "lower_better"),
        ("cla.placements_3plus_2yrs_pct", "CLA 2 years on 31 March",
         "With 3 or more placements during the previous 2 years",
         "Children looked after for 2 years at 31 March with 3 or more placements in those 2 years", "lower_better"),
        ("cla.long_term_stability_pct",
         "Children looked after continuously for at least 2.5 years on 31 March aged under 16 years",
         "Living with the same carer for at least 2 years",
         "Children under 16 looked after for 2.5 years or more, living with the same carer for at least 2 years",
         "higher_better"),
    ]
    for mid, group, row, label, polarity in stability:
        add(
            PublishedMeasure(
                mid, label, F_STABILITY, "children_percent", _f(cla_group=group, placement_stability=row),
                numerator=Ref("children_count"),
                denominator=Ref("children_count", _f(placement_stability="Total children")),
                unit="percent", polarity=polarity, decimals=0,
                description=f"% of {label[0].lower()}{label[1:]}.", source=CLA_TITLE,
            )
        )

    # ---------------------------------------------------------------- missing from care (13)
    during = "Children looked after during the year"
    went_missing = "Children who had a missing incident during the year"
    away = "Children who were away from placement without authorisation during the year"
    missing_rows = [
        ("cla_missing.pct_missing", "Percentage of children who had a missing incident during the year",
         "% of looked-after children who had a missing incident", "percent", 0,
         Ref("number", _f(cla_group=went_missing)), Ref("number", _f(cla_group=during))),
        ("cla_missing.children_missing", went_missing, "Looked-after children who had a missing incident",
         "count", 0, None, None),
        ("cla_missing.incidents", "Number of missing incidents during the year",
         "Missing incidents of looked-after children", "count", 0, None, None),
        ("cla_missing.incidents_per_child", "Average number of missing incidents per looked after child who went missing",
         "Missing incidents per looked-after child who went missing", "ratio", 1,
         Ref("number", _f(cla_group="Number of missing incidents during the year")),
         Ref("number", _f(cla_group=went_missing))),
        ("cla_missing.cla_during_year", during, "Children looked after during the year", "count", 0, None, None),
        ("cla_missing.repeat_children", "Children who went missing more than once during the year",
         "Looked-after children who went missing more than once", "count", 0, None, None),
        ("cla_missing.missing_at_31mar", "Children missing at 31 March", "Looked-after children missing at 31 March",
         "count", 0, None, None),
        ("cla_missing.pct_away", "Percentage of children who were away from placement without authorisation during the year",
         "% of looked-after children away from placement without authorisation", "percent", 0,
         Ref("number", _f(cla_group=away)), Ref("number", _f(cla_group=during))),
        ("cla_missing.children_away", away, "Looked-after children away from placement without authorisation",
         "count", 0, None, None),
        ("cla_missing.repeat_away_children",
         "Children who were away from placement without authorisation more than once during the year",
         "Looked-after children away without authorisation more than once", "count", 0, None, None),
        ("cla_missing.away_incidents", "Number of away from placement without authorisation incidents during the year",
         "Incidents of looked-after children away from placement without authorisation", "count", 0, None, None),
        ("cla_missing.away_incidents_per_child",
         "Average number of away from placement without authorisation incidents per looked after child",
         "Away-without-authorisation incidents per looked-after child who was away", "ratio", 1,
         Ref("number", _f(cla_group="Number of away from placement without authorisation incidents during the year")),
         Ref("number", _f(cla_group=away))),
        ("cla_missing.away_at_31mar", "Children away from placement without authorisation at 31 March",
         "Looked-after children away from placement without authorisation at 31 March", "count", 0, None, None),
    ]
    lait_missing = {"cla_missing.pct_missing": ("Children_missing", "none"),
                    "cla_missing.pct_away": ("Children_Away", "none")}
    for mid, group, label, unit, decimals, num, den in missing_rows:
        short, polarity = lait_missing.get(mid, ("", "none"))
        add(
            PublishedMeasure(
                mid, label, F_MISSING, "number", _f(cla_group=group), numerator=num, denominator=den,
                unit=unit, polarity=polarity, decimals=decimals,
                description=f"{group} (published label). Children looked after at any time in the year.",
                source=CLA_TITLE, continued_by=(f"{mid}_lait",) if short else (),
            )
        )
        if short:
            add(
                PublishedMeasure(
                    f"{mid}_lait", label, F_LAIT, "Values", _f(**{"Short Desc": short}), unit=unit,
                    polarity=polarity, decimals=decimals,
                    description=f"{label}: LAIT measure '{short}' (the same figure as the EES file, carried on "
                                "to later years).", source=LAIT_CLA_TITLE, source_kind="lait",
                )
            )

    # ---------------------------------------------------------------- care leavers
    activities = [
        ("neet_pct", "Total not in education, employment or training", "NEET", "lower_better"),
        ("eet_pct", "Total in education, employment or training", "in education, employment or training",
         "higher_better"),
        ("neet_illness_pct", "Not in education, training or employment, owing to illness or disability",
         "NEET owing to illness or disability", "none"),
        ("neet_other_pct", "Not in education, training or employment, owing to other reasons",
         "NEET owing to other reasons", "none"),
        ("neet_parenting_pct", "Not in education, training or employment, owing to pregnancy or parenting",
         "NEET owing to pregnancy or parenting", "none"),
        ("not_known_pct", "Total information not known", "activity not known (incl. not in touch)",
         "lower_better"),
        ("higher_education_pct", "Higher education i.e. studies beyond A level", "in higher education",
         "higher_better"),
        ("other_education_pct", "Education other than higher education", "in education other than higher education",
         "none"),
        ("training_employment_pct", "In training or employment (excl. apprenticeship)",
         "in training or employment (not an apprenticeship)", "none"),
        ("apprenticeship_pct", "In an apprenticeship", "in an apprenticeship", "none"),
    ]
    for age_key, age in [("17_18", "17 to 18 years"), ("19_21", "19 to 21 years")]:
        for key, breakdown, words, polarity in activities:
            add(
                PublishedMeasure(
                    f"care_leavers.{age_key}.{key}", f"Care leavers aged {age[:-6]}: % {words}",
                    F_ACTIVITY, "care_leaver_percent", _f(care_leaver_age=age, breakdown=breakdown),
                    numerator=Ref("care_leaver_count"),
                    denominator=Ref("care_leaver_count", _f(breakdown="Total")),
                    unit="percent", polarity=polarity, decimals=0,
                    description=(
                        f"% of care leavers aged {age[:-6]} (on their birthday in the year) {words}; "
                        f"published breakdown '{breakdown}'."
                    ),
                    source=CLA_TITLE,
                )
            )
        add(
            PublishedMeasure(
                f"care_leavers.{age_key}.total", f"Care leavers aged {age[:-6]}", F_ACTIVITY, "care_leaver_count",
                _f(care_leaver_age=age, breakdown="Total"), unit="count",
                description=f"Care leavers aged {age[:-6]} (the cohort for the activity measures).", source=CLA_TITLE,
            )
        )
        add(
            PublishedMeasure(
                f"care_leavers.{age_key}.accommodation_suitable_pct",
                f"Care leavers aged {age[:-6]}: % in suitable accommodation", F_ACCOMMODATION,
                "care_leaver_percent", _f(care_leaver_age=age, breakdown="Accommodation considered suitable"),
                numerator=Ref("care_leaver_count"),
                denominator=Ref("care_leaver_count", _f(breakdown="Suitability total")),
                unit="percent", polarity="higher_better", decimals=0,
                description=f"% of care leavers aged {age[:-6]} whose accommodation was considered suitable.",
                source=CLA_TITLE,
            )
        )
        for key, breakdown, words, polarity in (
                ("accommodation_unsuitable_pct", "Accommodation considered unsuitable", "in unsuitable accommodation",
                 "lower_better"),
                ("accommodation_not_known_pct", "No information", "whose accommodation is not known", "lower_better")):
            add(
                PublishedMeasure(
                    f"care_leavers.{age_key}.{key}", f"Care leavers aged {age[:-6]}: % {words}", F_ACCOMMODATION,
                    "care_leaver_percent", _f(care_leaver_age=age, breakdown=breakdown),
                    numerator=Ref("care_leaver_count"),
                    denominator=Ref("care_leaver_count", _f(breakdown="Suitability total")),
                    unit="percent", polarity=polarity, decimals=0,
                    description=f"% of care leavers aged {age[:-6]} {words}; published breakdown '{breakdown}'.",
                    source=CLA_TITLE,
                )
            )

    add(PublishedMeasure(
        "care_leavers.19_21.not_in_touch_pct", "Care leavers aged 19 to 21: % the council was not in touch with",
        F_LAIT, "Values", _f(**{"Short Desc": "CareLeavers_LA_NotInTouch"}), unit="percent",
        polarity="lower_better", decimals=0,
        description="% of care leavers aged 19 to 21 the local authority was not in touch with; excludes young people "
                    "whose activity a third party reported. LAIT measure 'CareLeavers_LA_NotInTouch'.",
        source=LAIT_CLA_TITLE, source_kind="lait"))

    # ---------------------------------------------------------------- children in need
    add(PublishedMeasure("cin.referrals", "Referrals to children's social care", F_C1, "referral_count",
                         unit="count", description="Referrals in the year ending 31 March.", source=CIN_TITLE))
    add(PublishedMeasure("cin.rereferrals", "Re-referrals within 12 months", F_C1, "rereferral_count",
                         unit="count", description="Referrals within 12 months of a previous referral.",
                         source=CIN_TITLE))
    add(PublishedMeasure("cin.rereferral_pct", "% of referrals that were re-referrals within 12 months", F_C1,
                         "rereferral_percent", numerator=Ref("rereferral_count"),
                         denominator=Ref("referral_count"), unit="percent", polarity="lower_better",
                         decimals=1, description="% of referrals within 12 months of a previous referral.",
                         source=CIN_TITLE))
    add(PublishedMeasure("cin.referrals_nfa_pct", "% of referrals with no further action", F_C1,
                         "no_further_action_percent", numerator=Ref("no_further_action_count"),
                         denominator=Ref("referral_count"), unit="percent", decimals=1,
                         description="% of referrals closed with no further action.", source=CIN_TITLE))
    add(PublishedMeasure("cin.count_31mar", "Children in need at 31 March", F_B1, "At31_episodes",
                         unit="count", description="Children in need at 31 March (episodes open at 31 March).",
                         source=CIN_TITLE))
    add(PublishedMeasure("cin.starts", "Children starting an episode of need", F_B1, "Started_child",
                         unit="count", description="Children who started an episode of need in the year.",
                         source=CIN_TITLE))
    factors = [
        ("going_missing", "Going_missing", "going missing"),
        ("cse", "Child_sexual_exploitation", "child sexual exploitation"),
        ("cce", "Child_criminal_exploitation", "child criminal exploitation"),
        ("gangs", "Gangs", "gangs"),
        ("trafficking", "Trafficking", "trafficking"),
    ]
    for key, column, words in factors:
        add(PublishedMeasure(f"cin.factor_{key}", f"Assessments with factor: {words}", F_C3, column,
                             denominator=Ref("Episodes_with_assessment_factor"), unit="count",
                             description=f"Episodes with {words} identified as a factor at the end of assessment "
                                         f"(denominator: episodes with any assessment factor).", source=CIN_TITLE))

    # ---------------------------------------------------------------- child protection
    add(PublishedMeasure("cp.starts", "Child protection plans starting", F_D3, "CPP_start", unit="count",
                         description="Child protection plans starting in the year.", source=CIN_TITLE))
    add(PublishedMeasure("cp.second_subsequent_pct", "% of CP plans that were a second or subsequent plan", F_D3,
                         "CPP_subsequent_percent", numerator=Ref("CPP_subsequent"), denominator=Ref("CPP_start"),
                         unit="percent", polarity="lower_better", decimals=1,
                         description="% of child protection plans starting in the year that were a second or "
                                     "subsequent plan.", source=CIN_TITLE))
    add(PublishedMeasure("cp.count_31mar", "Child protection plans at 31 March", F_D5, "CPP_At31", unit="count",
                         description="Children subject to a child protection plan at 31 March.", source=CIN_TITLE))
    add(PublishedMeasure("cp.two_years_plus_pct", "% of CP plans at 31 March lasting 2 years or more", F_D5,
                         "2_years_or_more_percent", numerator=Ref("2_years_or_more"), denominator=Ref("CPP_At31"),
                         unit="percent", polarity="lower_better", decimals=1,
                         description="% of child protection plans open at 31 March that had lasted 2 years or more.",
                         source=CIN_TITLE))

    # LAIT carries three children in need measures the EES files held do not (assessments within
    # 45 working days, section 47 enquiries and conferences: DfE's tables C2 and C4).
    for mid, short, label, unit, polarity, description in (
        ("cp.s47_rate_per_10k", "Section_47", "Section 47 enquiries per 10,000 children", "per_10k", "none",
         "Section 47 enquiries starting in the year per 10,000 children aged 0 to 17."),
        ("cin.assessed_45_days_pct", "Continue_Assess_Comp", "Assessments completed within 45 working days (%)",
         "percent", "higher_better", "Assessments completed in the year within 45 working days of their start (%)."),
        ("cp.icpc_within_15_days_pct", "CP_conf_15days",
         "Initial child protection conferences held within 15 working days (%)", "percent", "higher_better",
         "Initial child protection conferences held in the year within 15 working days of the start of the "
         "section 47 enquiry that led to them (%)."),
    ):
        add(PublishedMeasure(mid, label, F_LAIT, "Values", _f(**{"Short Desc": short}), unit=unit, polarity=polarity,
                             decimals=1, description=f"{description} LAIT measure '{short}'.", source=LAIT_CIN_TITLE,
                             source_kind="lait"))

    # LAIT carries the children looked after release's percentages the EES files held do not:
    # unaccompanied asylum-seeking children, placement groups at 31 March and distance from home.
    for mid, short, label, polarity in (
        ("cla.uasc_pct", "Unacc_Asylmn_Seek_Childn%", "Children looked after at 31 March who were unaccompanied "
         "asylum-seeking children (%)", "none"),
        ("cla.uasc_starts_pct", "UASC_%_Starting", "Children starting to be looked after who were unaccompanied "
         "asylum-seeking children (%)", "none"),
        ("cla.foster_pct", "LAC_Foster_Placements", "Children looked after at 31 March in foster placements (%)",
         "higher_better"),
        ("cla.childrens_homes_pct", "LAC_SecHome_And_ChildHome",
         "Children looked after at 31 March in secure homes and children's homes (%)", "none"),
        ("cla.independent_pct", "LAC_Ind_SInd_Liv_Arr", "Children looked after at 31 March in independent or "
         "semi-independent living or supported accommodation (%)", "none"),
        ("cla.other_residential_pct", "LAC_Other_Res_Settings",
         "Children looked after at 31 March in other residential settings (%)", "none"),
        ("cla.with_parents_pct", "LAC_Parents_OR_Others", "Children looked after at 31 March placed with parents or "
         "others with parental responsibility (%)", "higher_better"),
        ("cla.other_placements_pct", "LAC_Other_Place_Inc_Unreg",
         "Children looked after at 31 March in other placements, unregistered settings included (%)", "none"),
        ("cla.over_20_miles_pct", "LACDistance", "Children looked after at 31 March placed more than 20 miles from "
         "home, outside the local authority's boundary (%)", "lower_better"),
    ):
        add(PublishedMeasure(mid, label, F_LAIT, "Values", _f(**{"Short Desc": short}), unit="percent",
                             polarity=polarity, decimals=0, description=f"{label}. LAIT measure '{short}'.",
                             source=LAIT_CLA_TITLE, source_kind="lait"))
    # ... and three of the reasons care ended: public counts the disclosure plan must know
    for mid, short, label, unit in (
        ("cla.ceased_adopted_count", "No_of LAC Adopted", "Children looked after who were adopted in the year", "count"),
        ("cla.ceased_sgo_count", "LAC_ceased_SGO", "Children who ceased to be looked after because of a special "
         "guardianship order", "count"),
        ("cla.ceased_cao_pct", "LAC_ceased_CAO%", "Children who ceased to be looked after because of a residence "
         "order or child arrangements order (%)", "percent"),
    ):
        add(PublishedMeasure(mid, label, F_LAIT, "Values", _f(**{"Short Desc": short}), unit=unit, decimals=0,
                             description=f"{label}. LAIT measure '{short}'.", source=LAIT_CLA_TITLE, source_kind="lait"))

    # ---------------------------------------------------------------- derived rates per 10,000
    derived = [
        ("cin.rate_per_10k", "Children in need at 31 March per 10,000 children", "cin.count_31mar"),
        ("cin.referral_rate_per_10k", "Referrals per 10,000 children", "cin.referrals"),
        ("cp.starts_rate_per_10k", "Child protection plans starting per 10,000 children", "cp.starts"),
        ("cp.rate_per_10k", "Child protection plans at 31 March per 10,000 children", "cp.count_31mar"),
    ]
    for mid, label, numerator in derived:
        add(PublishedMeasure(mid, label, "", "value", unit="per_10k", decimals=1, source_kind="derived",
                             derived_from=(numerator, "population.children_0_17"), population_lag=1,
                             description=f"{label}: {numerator} divided by the ONS mid-year estimate of children "
                                         f"aged 0 to 17 in the June before the year ends (computed here; DfE "
                                         f"publishes the same rate rounded).", source=f"{CIN_TITLE}; {MYE_TITLE}"))

    # ---------------------------------------------------------------- exclusions
    lait = [
        ("exclusions.perm_rate", "TotPermEx", "Permanent exclusion rate (all pupils)",
         "Permanent exclusions as a % of the school population (state-funded primary, secondary and special)."),
        ("exclusions.suspension_rate", "TotFixedEx", "Suspension rate (all pupils)",
         "Suspensions as a % of the school population (state-funded primary, secondary and special)."),
        ("exclusions.one_plus_suspension_rate", "Total_ Pup_FixedEx", "Pupils with one or more suspensions (%)",
         "% of pupils with one or more suspensions."),
    ]
    for mid, short, label, description in lait:
        add(PublishedMeasure(mid, label, F_LAIT, "Values", _f(**{"Short Desc": short}),
                             unit="per_100", polarity="lower_better", year_kind="academic_year",
                             decimals=2, description=f"{description} LAIT measure '{short}'.",
                             source=LAIT_TITLE, source_kind="lait"))
    # LAIT carries three of these series past the EES file held (to 2023/24).
    lait_groups = {("cino", "perm"): "CINPermExclusion", ("cino", "one_plus_sus"): "CINFixedExclusion",
                   ("cla", "one_plus_sus"): "LAC_Fixed_ Ex"}
    for key, group, words in [
        ("cino", "CINO at 31 March", "children in need at 31 March (excluding CP plans and CLA)"),
        ("cppo", "CPPO at 31 March", "children on a child protection plan at 31 March"),
        ("cla", "CLA 12 months at 31 March", "children looked after for 12 months at 31 March"),
    ]:
        for kind, value, numerator, title, what in [
            ("perm", "pt_perm_excl", "t_perm_excl", "Permanent exclusions", "a permanent exclusion"),
            ("one_plus_sus", "pt_one_plus_sus", "t_one_plus_sus", "One or more suspensions", "one or more suspensions"),
        ]:
            mid, short = f"exclusions.{key}.{kind}_pct", lait_groups.get((key, kind))
            add(PublishedMeasure(mid, f"{title}: {words}", F_EXCL, value, _f(social_care_group=group),
                                 numerator=Ref(numerator), denominator=Ref("t_pupils"), unit="percent",
                                 polarity="lower_better", year_kind="academic_year", decimals=2,
                                 description=f"% of pupils who are {words} with {what}.", source=OUTCOMES_TITLE,
                                 continued_by=(f"{mid}_lait",) if short else ()))
            if short:
                add(PublishedMeasure(f"{mid}_lait", f"{title}: {words}", F_LAIT, "Values", _f(**{"Short Desc": short}),
                                     unit="percent", polarity="lower_better", year_kind="academic_year", decimals=2,
                                     description=f"% of pupils who are {words} with {what}: LAIT measure '{short}' "
                                                 "(the same figure as the EES file, carried on to later years).",
                                     source=LAIT_OUTCOMES_TITLE, source_kind="lait"))

    # ---------------------------------------------------------------- population
    add(PublishedMeasure("population.children_0_17", "Children aged 0 to 17", F_MYE, "population_estimate",
                         _f(age_group="Children aged 0 to 17 years"), unit="persons", year_kind="mid_year",
                         decimals=0, description="ONS mid-year estimate of children aged 0 to 17 (30 June).",
                         source=MYE_TITLE))
    return tuple(m)


CATALOGUE: tuple[PublishedMeasure, ...] = _build()
BY_ID: dict[str, PublishedMeasure] = {m.id: m for m in CATALOGUE}
if len(BY_ID) != len(CATALOGUE):  # pragma: no cover - guards edits to the list above
    raise RuntimeError("duplicate measure ids in the published catalogue")
for _m in CATALOGUE:  # pragma: no cover - guards edits to the list above
    for _other in _m.continued_by:
        if _other not in BY_ID or (BY_ID[_other].unit, BY_ID[_other].year_kind) != (_m.unit, _m.year_kind):
            raise RuntimeError(f"{_m.id}: continuation {_other!r} is unknown or counts in another unit or year")


def measure_ids() -> list[str]:
    """Every measure id in the catalogue, in catalogue order."""
    return [m.id for m in CATALOGUE]


def get_measure(measure_id: str) -> PublishedMeasure:
    """The catalogue record for ``measure_id``.

    Raises
    ------
    InputError
        Unknown id, with the closest ids suggested.
    """
    if isinstance(measure_id, PublishedMeasure):
        return measure_id
    try:
        return BY_ID[measure_id]
    except KeyError:
        close = difflib.get_close_matches(str(measure_id), list(BY_ID), n=3, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise InputError(f"Unknown published measure {measure_id!r}.{hint} See catalogue_frame() for the list.") from None


def catalogue_frame() -> pd.DataFrame:
    """The catalogue as a DataFrame (one row per measure), for reading and documentation."""
    rows = []
    for m in CATALOGUE:
        row = asdict(m)
        row["filters"] = "; ".join(f"{k} = {v}" for k, v in m.filters)
        for part in ("numerator", "denominator"):
            ref = getattr(m, part)
            row[part] = (
                "" if ref is None else ref.column + (" where " + ", ".join(f"{k} = {v}" for k, v in ref.where) if ref.where else "")
            )
        row["derived_from"] = " / ".join(m.derived_from)
        rows.append(row)
    return pd.DataFrame(rows)


def files_used() -> list[str]:
    """Published files the catalogue reads (relative paths)."""
    return sorted({m.file for m in CATALOGUE if m.file})


# ----------------------------------------------------------------------------- schema drift

_CARE_LEAVER_RENAMES = {
    "age": "care_leaver_age",
    "activity": "breakdown",
    "accommodation_suitability": "breakdown",
    "number": "care_leaver_count",
    "percentage": "care_leaver_percent",
}
_STABILITY_RENAMES = {"number": "children_count", "percentage": "children_percent"}


def _rename_with_symbols(frame: pd.DataFrame, renames: dict[str, str]) -> pd.DataFrame:
    mapping = {}
    for old, new in renames.items():
        if old in frame.columns:
            mapping[old] = new
            if f"{old}_symbol" in frame.columns:
                mapping[f"{old}_symbol"] = f"{new}_symbol"
    return frame.rename(columns=mapping)


def normalise_schema(frame: pd.DataFrame) -> pd.DataFrame:
    """Rename columns and labels that changed between releases to the current names.

    Parameters
    ----------
    frame : DataFrame
        As returned by :func:`safeguarding.published.ees.read_ees_csv` (value and
        ``_symbol`` columns are renamed together).

    Returns
    -------
    DataFrame
        A new frame (the input is not changed): ``cla_group`` for ``CLA_group``; care
        leavers' ``care_leaver_age, breakdown, care_leaver_count, care_leaver_percent``
        for ``age, activity|accommodation_suitability, number, percentage`` with ages
        '17 to 18 years' for 'Aged 17 to 18'; placement stability ``children_count,
        children_percent`` for ``number, percentage``.
    """
    out = frame.copy()
    lower = {c: c.lower() for c in out.columns if c.lower() == "cla_group" and c != "cla_group"}
    out = out.rename(columns=lower)
    cols = set(out.columns)
    if "age" in cols and ({"activity", "accommodation_suitability"} & cols):
        if {"activity", "accommodation_suitability"} <= cols:
            raise InputError(
                f"{out.attrs.get('source', 'care leavers file')}: has both 'activity' and "
                "'accommodation_suitability' columns; cannot tell which is the breakdown"
            )
        out = _rename_with_symbols(out, _CARE_LEAVER_RENAMES)
    if "placement_stability" in cols and "children_count" not in cols:
        out = _rename_with_symbols(out, _STABILITY_RENAMES)
    if "care_leaver_age" in out.columns:
        out["care_leaver_age"] = out["care_leaver_age"].map(_care_leaver_age_label)
    return out


def _care_leaver_age_label(text):
    """'Aged 17 to 18' -> '17 to 18 years' (the 2025 label); others unchanged."""
    if not isinstance(text, str):
        return text
    match = re.fullmatch(r"\s*aged\s+(\d+)\s+to\s+(\d+)\s*(years)?\s*", text, flags=re.IGNORECASE)
    return f"{match.group(1)} to {match.group(2)} years" if match else text.strip()
