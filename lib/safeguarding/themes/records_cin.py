"""Theme records of the CIN census themes: front door and referrals, child protection."""

from __future__ import annotations

from safeguarding.themes.record import SN_NOTE, Glance, Section, ThemeRecord

WORKING_DAYS_NOTE = ("Working days: Monday to Friday, leaving out England's bank holidays (the holidays package, "
                     "from GOV.UK's list).")

RECORDS = (
    ThemeRecord(
        "front_door", 50, "Front door and referrals", "front_door", "front_door",
        tables=("cin_children", "cin_details"), optional_tables=("cin_assessments",),
        aliases=("referrals", "front_door_and_referrals"), check_prefix="FD", counts="referrals",
        headline_measures=("front_door.referral_rate_per_10k@all", "front_door.rereferral_pct@all"),
        sections=(
            Section("referrals", "Referrals and re-referrals",
                    tuple(f"front_door.{mid}" for mid in ("referrals", "referral_rate_per_10k", "rereferral_pct", "nfa_pct"))),
            Section("sources", "Where referrals come from", ("front_door.source_pct",)),
            Section("needs", "Needs recorded", ("front_door.primary_need_pct",)),
            Section("assessments", "Assessments", ("front_door.assessments", "front_door.assessed_45_days_pct",
                                                   "front_door.factor_pct")),
            Section("who", "Which children", ("front_door.by_group_pct", "disproportionality.referral_rate_per_10k")),
            Section("over_time", "Over the years, against England, the region and neighbours",
                    tuple(f"front_door.{mid}" for mid in ("referral_rate_per_10k", "rereferral_pct", "nfa_pct",
                                                          "assessed_45_days_pct"))),
        ),
        glance=(
            Glance("front_door.referral_rate_per_10k", "all", "All", "Referrals per 10,000 children", kind="rate",
                   change_from_published=True),
            Glance("front_door.rereferral_pct", "all", "All", "Re-referrals within 12 months", change_from_published=True),
            Glance("front_door.nfa_pct", "all", "All", "Referrals closed with no further action", change_from_published=True),
            Glance("front_door.assessed_45_days_pct", "all", "All", "Assessments within 45 working days",
                   change_from_published=True),
        ),
        glossary=("Referral", "Re-referral", "Assessment"),
        method_notes=(SN_NOTE, WORKING_DAYS_NOTE)),
    ThemeRecord(
        "child_protection", 60, "Child protection", "child_protection", "child_protection",
        tables=("cin_children", "cin_section47", "cin_cp_plans"), optional_tables=("cin_details",),
        aliases=("cp", "child_protection_plans", "section_47"), check_prefix="CP", counts="plans",
        headline_measures=tuple(f"child_protection.{mid}@all" for mid in ("starts_rate_per_10k", "open_rate_per_10k",
                                                                        "s47_rate_per_10k")),
        sections=(
            Section("enquiries", "Section 47 enquiries and initial conferences",
                    tuple(f"child_protection.{mid}" for mid in ("s47_enquiries", "s47_rate_per_10k", "icpc_after_s47_pct",
                                                                "icpcs", "icpc_within_15_days_pct"))),
            Section("plans", "Plans starting, ending and open at 31 March",
                    tuple(f"child_protection.{mid}" for mid in ("plans_started", "starts_rate_per_10k", "plans_ended",
                                                                "plans_open", "open_rate_per_10k"))),
            Section("repeat_and_duration", "Repeat plans and long plans",
                    ("child_protection.second_subsequent_pct", "child_protection.open_two_years_pct",
                     "child_protection.ended_two_years_pct")),
            Section("categories", "Categories of abuse",
                    ("child_protection.initial_category_pct", "child_protection.latest_category_pct")),
            Section("who", "Which children", ("child_protection.started_by_group_pct",
                                              "disproportionality.cp_plan_rate_per_10k")),
            Section("over_time", "Over the years, against England, the region and neighbours",
                    tuple(f"child_protection.{mid}" for mid in ("s47_rate_per_10k", "icpc_within_15_days_pct",
                                                                "starts_rate_per_10k", "open_rate_per_10k",
                                                                "second_subsequent_pct", "open_two_years_pct"))),
        ),
        glance=(
            Glance("child_protection.s47_rate_per_10k", "all", "All", "Section 47 enquiries per 10,000 children",
                   kind="rate", change_from_published=True),
            Glance("child_protection.icpc_within_15_days_pct", "all", "All", "Initial conferences within 15 working days",
                   change_from_published=True),
            Glance("child_protection.starts_rate_per_10k", "all", "All", "Plans starting per 10,000 children",
                   kind="rate", change_from_published=True),
            Glance("child_protection.open_rate_per_10k", "all", "All", "Plans at 31 March per 10,000 children",
                   kind="rate", change_from_published=True),
            Glance("child_protection.second_subsequent_pct", "all", "All", "Second or subsequent plans",
                   change_from_published=True),
            Glance("child_protection.open_two_years_pct", "all", "All", "Plans at 31 March open 2 years or more",
                   change_from_published=True),
        ),
        glossary=("Section 47 enquiry", "Initial child protection conference", "Child protection plan"),
        method_notes=(SN_NOTE, WORKING_DAYS_NOTE)),
)
