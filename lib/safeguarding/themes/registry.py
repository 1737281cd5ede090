"""One typed record per theme: the only place a theme is described.

The CLI, the batch, the results stage, the briefing, the notebook template, the index and
the tests all read :data:`THEMES`. Adding a theme is: one measures module (with a
``compute`` function and its ``RELATIONS``), one record (here, or in a records module such as
:mod:`safeguarding.themes.records_cin`), one notebook, tests.
"""

from __future__ import annotations

from safeguarding.issues import InputError
from safeguarding.themes import records_cin, records_cla
from safeguarding.themes.record import SN_NOTE as _SN_NOTE
from safeguarding.themes.record import Glance, Section, ThemeRecord

__all__ = ["THEMES", "Glance", "Section", "ThemeRecord", "resolve_theme"]


THEMES: dict[str, ThemeRecord] = {t.key: t for t in (
    ThemeRecord(
        "overview", 0, "Partnership overview", "overview", "overview", tables=(),
        aliases=("partnership_overview", "summary"), check_prefix="OV",
        sections=(Section("themes", "Every theme at a glance"), Section("look_at", "What to look at first")),
        method_notes=("The overview shows each theme's first-page rows as the theme briefing does; the definitions, "
                      "tests and sources are those of the theme briefings.", _SN_NOTE)),
    ThemeRecord(
        "missing", 10, "Missing episodes and return home interviews", "missing", "missing",
        tables=("missing_episodes",), optional_tables=("cla_missing", "cla_episodes"),
        aliases=("missing_episodes", "missing_and_return_interviews", "rhi", "missing_return_interviews"),
        check_prefix="MIS", counts="children",
        headline_measures=("missing.children@scope", "missing.episodes@scope", "missing.rhi_offered_within_72h_pct@scope"),
        sections=(
            Section("overview", "Children and episodes", ("missing.children", "missing.episodes", "missing.episodes_per_child")),
            Section("trend", "Trend", ("missing.children", "missing.episodes", "missing.monthly_episodes", "missing.monthly_children")),
            Section("repeat_and_duration", "Repeat missing and how long episodes last",
                    ("missing.repeat_2plus_pct", "missing.repeat_3plus_pct", "missing.away_pct", "missing.over_24h_pct",
                     "missing.median_duration_hours")),
            Section("length_and_trends", "How long episodes lasted, and what changed over the years",
                    ("missing.episode_length_pct", "missing.repeat_2plus_pct", "missing.over_24h_pct",
                     "missing.median_duration_hours", "missing.rhi_offered_within_72h_pct",
                     "missing.repeat_2plus_missing_only_pct", "missing.over_24h_missing_only_pct",
                     "missing.median_duration_missing_only_hours")),
            Section("who", "Who goes missing", ("missing.children_by_group", "missing.rate_per_10k_by_ethnicity")),
            Section("return_interviews", "Return home interviews",
                    ("missing.rhi_offered_pct", "missing.rhi_offered_within_72h_pct", "missing.rhi_accepted_pct",
                     "missing.rhi_declined_pct", "missing.rhi_completed_pct", "missing.rhi_completed_within_72h_pct",
                     "missing.median_hours_to_rhi", "missing.rhi_time_to_interview_pct")),
            Section("looked_after", "Looked-after children who went missing: England, the region and neighbours",
                    ("missing.cla_missing_pct", "missing.cla_incidents_per_child")),
        ),
        glance=(
            Glance("missing.children", "scope", "All children", "Children who went missing", kind="rate"),
            Glance("missing.episodes", "scope", "All children", "Missing episodes", kind="rate"),
            Glance("missing.repeat_2plus_pct", "scope", "All children", "Children who went missing more than once"),
            Glance("missing.rhi_offered_within_72h_pct", "scope", "All children",
                   "Return interviews offered within 72 hours"),
            Glance("missing.rhi_completed_pct", "scope", "All children", "Return interviews completed"),
            Glance("missing.cla_missing_pct", label="Looked-after children who went missing"),
        ),
        glossary=("Episode", "Return home interview"),
        method_notes=(_SN_NOTE,)),
    ThemeRecord(
        "disproportionality", 20, "Disproportionality by ethnicity", "disproportionality", "disproportionality",
        tables=("cin_children", "cin_details"),
        optional_tables=("cin_assessments", "cin_section47", "cin_cp_plans", "cla_header", "cla_episodes", "cla_oc3",
                         "missing_episodes", "exclusions", "pupils"),
        aliases=("ethnicity", "disproportionality_by_ethnicity"), check_prefix="DIS", counts="children",
        headline_measures=tuple(f"disproportionality.{stage}_rate_per_10k@{breakdown}"
                                for stage in ("referral", "cp_plan", "looked_after") for breakdown in ("all", "ethnicity")),
        sections=(
            Section("journey", "Across the child's journey",
                    ("disproportionality.referral_rate_per_10k", "disproportionality.assessment_rate_per_10k",
                     "disproportionality.s47_rate_per_10k", "disproportionality.cp_plan_rate_per_10k",
                     "disproportionality.looked_after_rate_per_10k", "disproportionality.missing_rate_per_10k",
                     "disproportionality.permanent_exclusion_rate_per_100", "disproportionality.suspension_rate_per_100",
                     "disproportionality.neet_rate_per_100", "disproportionality.rri_white_british",
                     "disproportionality.rri_all_others")),
            Section("stages", "Stage by stage", ("disproportionality.rri_white_british", "disproportionality.rri_all_others",
                                                 "disproportionality.ethnicity_not_known_pct")),
            Section("progression", "Where in the journey the gap opens",
                    ("disproportionality.assessed_after_referral_pct", "disproportionality.s47_after_assessment_pct",
                     "disproportionality.cp_plan_after_s47_pct", "disproportionality.cp_plan_after_referral_pct")),
            Section("minor_groups", "Smaller ethnic groups", ("disproportionality.rri_white_british",)),
            Section("intersections", "Ethnicity with sex and school phase", ("disproportionality.rri_white_british",)),
            Section("over_time", "Over the years", ("disproportionality.rri_white_british",)),
        ),
        glossary=("Relative rate index (RRI)", "Over-represented"),
        method_notes=("Relative rate indices: the ratio of two groups' rates, with a log-scale (Katz) 95% interval, or an "
                      "exact conditional method when either count is below 10; a verdict needs at least 10 children in "
                      "both groups, otherwise it says 'too few to say'.",)),
    ThemeRecord(
        "exclusions", 30, "Exclusions and suspensions", "exclusions", "exclusions",
        tables=("exclusions", "pupils"),
        optional_tables=("cin_children", "cin_details", "cin_cp_plans", "cla_header", "cla_episodes", "cin_assessments",
                         "cla_missing", "missing_episodes"),
        aliases=("suspensions", "exclusions_and_suspensions"), check_prefix="EXC", counts="pupils",
        headline_measures=("exclusions.permanent_rate@all", "exclusions.suspension_rate@all",
                           "exclusions.one_plus_suspension_pct@all"),
        sections=(
            Section("overview", "Exclusions and suspensions this school year",
                    ("exclusions.permanent_rate", "exclusions.suspension_rate", "exclusions.one_plus_suspension_pct",
                     "exclusions.repeat_suspension_pct", "exclusions.suspensions_per_suspended_pupil",
                     "exclusions.school_suspension_rate", "exclusions.school_one_plus_suspension_pct",
                     "exclusions.school_permanent_rate")),
            Section("trend", "How this has changed, and how the borough compares",
                    ("exclusions.permanent_rate", "exclusions.suspension_rate", "exclusions.one_plus_suspension_pct")),
            Section("reasons", "Reasons recorded", ("exclusions.reason_pct", "exclusions.reason_other_or_unmapped_pct")),
            Section("groups", "Which pupils are excluded or suspended",
                    ("exclusions.permanent_rate", "exclusions.suspension_rate", "exclusions.one_plus_suspension_pct")),
            Section("social_care", "Children in need, on protection plans and looked after",
                    ("exclusions.social_care_perm_pct", "exclusions.social_care_one_plus_sus_pct",
                     "exclusions.cla_perm_pct", "exclusions.cla_one_plus_sus_pct", "exclusions.cp_perm_pct",
                     "exclusions.cp_one_plus_sus_pct", "exclusions.cin_perm_pct", "exclusions.cin_one_plus_sus_pct")),
            Section("concerns", "Going missing and exploitation",
                    ("exclusions.concern_perm_pct", "exclusions.concern_one_plus_sus_pct")),
        ),
        glance=(
            Glance("exclusions.permanent_rate", "all", "All pupils", "Permanent exclusions per 100 pupils", kind="rate"),
            Glance("exclusions.suspension_rate", "all", "All pupils", "Suspensions per 100 pupils", kind="rate"),
            Glance("exclusions.one_plus_suspension_pct", "all", "All pupils", "Pupils suspended at least once"),
            Glance("exclusions.social_care_one_plus_sus_pct", "social_care", "Looked after",
                   "Looked-after pupils suspended at least once", published_id="exclusions.cla.one_plus_sus_pct"),
            Glance("exclusions.social_care_one_plus_sus_pct", "social_care", "Other children in need",
                   "Other pupils in need suspended at least once", published_id="exclusions.cino.one_plus_sus_pct"),
        ),
        glossary=("Suspension",),
        method_notes=(_SN_NOTE,)),
    ThemeRecord(
        "neet", 40, "Care leavers in education, employment or training", "care_leavers", "neet",
        tables=("cla_oc3",), optional_tables=("cla_header",),
        aliases=("neet_care_leavers", "care_leavers"), check_prefix="NEET", counts="care leavers",
        headline_measures=("neet.neet_pct@age_band", "neet.accommodation_suitable_pct@age_band",
                           "neet.in_touch_pct@age_band", "neet.eet_pct@age_band", "neet.care_leavers@age_band"),
        sections=(
            Section("overview", "Care leavers this year",
                    ("neet.care_leavers", "neet.in_touch_pct", "neet.no_contact_pct", "neet.eet_pct", "neet.neet_pct",
                     "neet.activity_not_known_pct", "neet.higher_education_pct", "neet.apprenticeship_pct")),
            Section("neet_reasons", "Why care leavers are not in education, employment or training",
                    ("neet.neet_illness_pct", "neet.neet_other_pct", "neet.neet_parenting_pct")),
            Section("accommodation", "Accommodation",
                    ("neet.accommodation_suitable_pct", "neet.accommodation_unsuitable_pct",
                     "neet.accommodation_not_known_pct", "neet.accommodation_type_pct")),
            Section("groups", "By sex and ethnicity", ("neet.neet_pct",)),
            Section("comparators", "Against England, the region and statistical neighbours over the years",
                    ("neet.neet_pct", "neet.eet_pct", "neet.activity_not_known_pct", "neet.higher_education_pct",
                     "neet.accommodation_suitable_pct")),
        ),
        glance=(
            Glance("neet.neet_pct", "age_band", "17-18", "NEET, aged 17 to 18", "care_leavers.17_18.neet_pct", change_from_published=True),
            Glance("neet.neet_pct", "age_band", "19-21", "NEET, aged 19 to 21", "care_leavers.19_21.neet_pct", change_from_published=True),
            Glance("neet.eet_pct", "age_band", "19-21", "In education, employment or training, aged 19 to 21",
                   "care_leavers.19_21.eet_pct", change_from_published=True),
            Glance("neet.activity_not_known_pct", "age_band", "19-21", "Activity not known, aged 19 to 21",
                   "care_leavers.19_21.not_known_pct", change_from_published=True),
            Glance("neet.accommodation_suitable_pct", "age_band", "19-21", "In suitable accommodation, aged 19 to 21",
                   "care_leavers.19_21.accommodation_suitable_pct", change_from_published=True),
        ),
        glossary=("NEET",),
        method_notes=(_SN_NOTE,)),
    *records_cin.RECORDS,
    *records_cla.RECORDS,
)}


def resolve_theme(name: str) -> ThemeRecord:
    """A theme by key, alias, notebook name or number ('missing', 'rhi', '10_missing', '10')."""
    key = str(name).strip().lower().replace("-", "_").removesuffix(".ipynb")
    for record in THEMES.values():
        if key in (record.key, str(record.number), record.notebook.removesuffix(".ipynb"), *record.aliases):
            return record
    raise InputError(f"Unknown theme {name!r}. Themes: {', '.join(THEMES)}.")
