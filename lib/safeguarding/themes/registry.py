"""One typed record per theme: the only place a theme is described.

The CLI, the batch, the results stage, the briefing, the notebook template, the index and
the tests all read :data:`THEMES`. Adding a theme is: one measures module (with a
``compute`` function and its ``RELATIONS``), one record here, one notebook, tests.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from safeguarding.issues import InputError


@dataclass(frozen=True)
class Section:
    """One section of a briefing: heading, the measures it shows, and the view that lays it out."""

    id: str
    heading: str
    measures: tuple[str, ...] = ()


@dataclass(frozen=True)
class ThemeRecord:
    key: str
    number: int
    title: str
    #: Module under ``safeguarding.measures`` with ``compute(ctx)`` and ``RELATIONS``.
    measures_module: str
    #: Module under ``safeguarding.themes`` with the theme's view class (``VIEW``).
    view_module: str
    tables: tuple[str, ...]
    optional_tables: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    #: Prefix of the data-quality checks (``quality.CHECKS``) that belong to the theme.
    check_prefix: str = "DQ"
    #: What the theme's counts count, for the symbol legend.
    counts: str = "children"
    #: Measures whose cells are hidden last (secondary suppression).
    headline_measures: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()
    method_notes: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def notebook(self) -> str:
        return f"{self.number:02d}_{self.key}.ipynb"

    @property
    def section_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.sections)

    def measures(self):
        return importlib.import_module(f"safeguarding.measures.{self.measures_module}")

    def view_class(self):
        return importlib.import_module(f"safeguarding.themes.{self.view_module}").VIEW


_SN_NOTE = ("Statistical neighbours: the ten most similar local authorities in the DfE children's services "
            "statistical neighbour model (2025).")

THEMES: dict[str, ThemeRecord] = {t.key: t for t in (
    ThemeRecord(
        "missing", 10, "Missing episodes and return home interviews", "missing", "missing",
        tables=("missing_episodes",), optional_tables=("cla_missing", "cla_episodes"),
        aliases=("missing_episodes", "missing_and_return_interviews", "rhi", "missing_return_interviews"),
        check_prefix="MIS", counts="children",
        headline_measures=("missing.children", "missing.episodes", "missing.rhi_offered_within_72h_pct"),
        sections=(
            Section("overview", "Children and episodes", ("missing.children", "missing.episodes", "missing.episodes_per_child")),
            Section("trend", "Trend", ("missing.children", "missing.episodes", "missing.monthly_episodes", "missing.monthly_children")),
            Section("repeat_and_duration", "Repeat missing and how long episodes last",
                    ("missing.repeat_2plus_pct", "missing.repeat_3plus_pct", "missing.away_pct", "missing.over_24h_pct",
                     "missing.median_duration_hours")),
            Section("who", "Who goes missing", ("missing.children_by_group", "missing.rate_per_10k_by_ethnicity")),
            Section("return_interviews", "Return home interviews",
                    ("missing.rhi_offered_pct", "missing.rhi_offered_within_72h_pct", "missing.rhi_accepted_pct",
                     "missing.rhi_declined_pct", "missing.rhi_completed_pct", "missing.median_hours_to_rhi")),
            Section("looked_after", "Looked-after children who went missing: England, London and neighbours",
                    ("missing.cla_missing_pct", "missing.cla_incidents_per_child")),
        ),
        method_notes=(_SN_NOTE,)),
    ThemeRecord(
        "disproportionality", 20, "Disproportionality by ethnicity", "disproportionality", "disproportionality",
        tables=("cin_children", "cin_details"),
        optional_tables=("cin_assessments", "cin_section47", "cin_cp_plans", "cla_header", "cla_episodes", "cla_oc3",
                         "missing_episodes", "exclusions", "pupils"),
        aliases=("ethnicity", "disproportionality_by_ethnicity"), check_prefix="DIS", counts="children",
        sections=(
            Section("journey", "The child's journey, by ethnic group"),
            Section("stages", "Stage by stage"),
            Section("progression", "From one stage to the next"),
            Section("minor_groups", "Minor ethnic groups"),
            Section("intersections", "Ethnicity with sex and age"),
        ),
        method_notes=("Relative rate indices: the ratio of two groups' rates, with a log-scale (Katz) 95% interval, or an "
                      "exact conditional method when either count is below 10; a verdict needs at least 10 children in "
                      "both groups, otherwise it says 'too few to say'.",)),
    ThemeRecord(
        "exclusions", 30, "Exclusions and suspensions", "exclusions", "exclusions",
        tables=("exclusions", "pupils"),
        optional_tables=("cin_children", "cin_details", "cin_cp_plans", "cla_header", "cla_episodes"),
        aliases=("suspensions", "exclusions_and_suspensions"), check_prefix="EXC", counts="pupils",
        headline_measures=("exclusions.permanent_rate", "exclusions.suspension_rate"),
        sections=(
            Section("overview", "Exclusions and suspensions this school year"),
            Section("trend", "Trend"),
            Section("reasons", "Reasons"),
            Section("groups", "Which pupils"),
            Section("social_care", "Children in need, on a protection plan or looked after"),
        ),
        method_notes=(_SN_NOTE,)),
    ThemeRecord(
        "neet", 40, "Care leavers in education, employment or training", "care_leavers", "neet",
        tables=("cla_oc3",), optional_tables=("cla_header",),
        aliases=("neet_care_leavers", "care_leavers"), check_prefix="NEET", counts="care leavers",
        headline_measures=("neet.neet_pct", "neet.accommodation_suitable_pct", "neet.in_touch_pct", "neet.eet_pct",
                           "neet.care_leavers"),
        sections=(
            Section("overview", "In touch and activity"),
            Section("neet_reasons", "Why care leavers are NEET"),
            Section("accommodation", "Accommodation"),
            Section("groups", "By sex and ethnicity"),
            Section("comparators", "England, London and statistical neighbours"),
        ),
        method_notes=(_SN_NOTE,)),
)}


def resolve_theme(name: str) -> ThemeRecord:
    """A theme by key, alias, notebook name or number ('missing', 'rhi', '10_missing', '10')."""
    key = str(name).strip().lower().replace("-", "_").removesuffix(".ipynb")
    for record in THEMES.values():
        if key in (record.key, str(record.number), record.notebook.removesuffix(".ipynb"), *record.aliases):
            return record
    raise InputError(f"Unknown theme {name!r}. Themes: {', '.join(THEMES)}.")
