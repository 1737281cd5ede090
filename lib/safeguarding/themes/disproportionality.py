"""Theme 2: disproportionality by ethnicity across the child's journey.

Everything is computed in :mod:`safeguarding.measures.disproportionality`; this module
protects the results (``b.protect`` with the measures' margins and dependent columns,
then ``hide_unsafe_comparisons``), writes the key findings and lays out the sections.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from safeguarding import quality
from safeguarding.codes.ethnicity import MAPPING_NOTE
from safeguarding.issues import InputError
from safeguarding.measures import disproportionality as m
from safeguarding.measures.registry import get as spec
from safeguarding.published import population as population_module
from safeguarding.render import charts
from safeguarding.render.blocks import HtmlBlock, bullet_list, join_blocks, paragraph
from safeguarding.render.formats import format_count, format_interval, format_number_for_unit, smallest_shown_count
from safeguarding.render.sentences import describe_rri
from safeguarding.render.tables import html_table

#: Groups compared with White British, in display order.
COMPARED = tuple(g for g in m.GROUPS if g not in (m.REFERENCE, m.NOT_KNOWN))
SEX_WORDS = {"F": "girls", "M": "boys", "U": "sex not recorded"}
CLEAR = ("over-represented", "under-represented")
RRI_IDS = (f"{m.THEME}.rri_white_british", f"{m.THEME}.rri_all_others")
VERDICT_WORDS = {"over-represented": "higher", "under-represented": "lower",
                 "no evidence of a difference": "not clear", "too few to say": "too few to say",
                 "comparison group": "comparison group", "": ""}
#: Stages shown in the first of two matrices (children's social care); the rest in the second.
SOCIAL_CARE = ("referral", "assessment", "s47", "cp_plan", "looked_after")
#: Short row labels for the progression chart.
STEP_ROWS = {"assessed_after_referral": "Assessed, of those referred",
             "s47_after_assessment": "Section 47, of those assessed",
             "cp_plan_after_s47": "Plan, of those with a section 47",
             "cp_plan_after_referral": "Plan, of those referred",
             "neet_of_care_leavers": "NEET, of care leavers"}
#: At most this many combinations of ethnicity with sex or age are listed per stage.
MAX_INTERSECTION_ROWS = 8


class DisproportionalityTheme:
    TABLES = ("cin_children", "cin_details")
    OPTIONAL_TABLES = ("cin_assessments", "cin_section47", "cin_cp_plans", "cla_header", "cla_episodes", "cla_oc3",
                       "missing_episodes", "exclusions", "pupils")
    SECTIONS = ("journey", "stages", "progression", "minor_groups", "intersections")

    def __init__(self, b):
        self.b = b
        self.journey: m.Journey | None = None
        self.stages: dict[str, pd.DataFrame] = {}
        self.steps: dict[str, pd.DataFrame] = {}
        self.population: pd.DataFrame | None = None
        self.not_known: pd.DataFrame | None = None

    # ---- computation -----------------------------------------------------------------
    def compute(self):
        b = self.b
        pop, problem = None, None
        try:
            pop = population_module.child_population_by_ethnicity(b.area, pd.Timestamp(b.period_end).year - 1,
                                                                  published_dir=b.published_dir)
        except InputError as exc:
            problem = str(exc)
        j = m.build_journey(b.tables, pop, b.area.name, b.period_end, population_problem=problem)
        self.journey = j
        self.stages = {k: self._protect(f, m.STAGE_BY_KEY[k].base != "population") for k, f in j.stages.items()}
        self.steps = {k: self._protect(f, True) for k, f in j.steps.items()}
        if j.population is not None:
            self.population = b.protect(j.population, secondary=False, protect_denominator=False)
        self.not_known = b.protect(m.not_known_summary(self.stages, b.area.name), secondary=False)
        for mid in RRI_IDS:
            if mid not in b.used_measures:
                b.used_measures.append(mid)
        b.sources.append(f"Populations by ethnic group: ONS Census 2021 and ONS mid-year estimates. {population_module.NOTE}")
        b.quality += quality.check_ethnicity_recorded(self.not_known)
        if j.academic_year is not None:
            b.quality += quality.check_pupil_roll(j.pupils_not_on_roll, m.academic_year_label(j.academic_year),
                                                  b.threshold)
        b.quality += quality.check_cin_links(b.tables)
        b.quality += quality.check_rates_within_population(j.stages)
        b.findings = self.key_findings()

    def _protect(self, frame: pd.DataFrame, protect_denominator: bool) -> pd.DataFrame:
        protected = self.b.protect(frame, margins=m.MARGINS, dependent_cols=m.DEPENDENT_COLS,
                                   protect_denominator=protect_denominator)
        return m.hide_unsafe_comparisons(protected)

    # ---- helpers -----------------------------------------------------------------------
    def _row(self, frame: pd.DataFrame, group: str, level: str = "major", sex: str = m.TOTAL,
             age_band: str = m.TOTAL) -> pd.Series | None:
        sub = frame[(frame["group"] == group) & (frame["level"] == level) & (frame["sex"] == sex)
                    & (frame["age_band"] == age_band)]
        return None if sub.empty else sub.iloc[0]

    def _total(self, frame: pd.DataFrame) -> pd.Series:
        return self._row(frame, m.TOTAL, "total")

    def _label(self, stage_key: str) -> str:
        stage = m.STAGE_BY_KEY[stage_key]
        if stage.base == "pupils" and self.journey.academic_year is not None:
            return f"{stage.label} ({m.academic_year_label(self.journey.academic_year)})"
        return stage.label

    def _unit(self, stage_key: str) -> str:
        return "per_10k" if m.STAGE_BY_KEY[stage_key].per == 10_000 else "per_100"

    def _rri_cell(self, row: pd.Series | None, ref: str = "wb", decimals: int = 1) -> str:
        """A relative rate index in a matrix cell: '1.8 higher', 'too few to say', 'c'."""
        if row is None:
            return "x"
        verdict = _text(row[f"rri_{ref}_verdict"])
        if verdict != "comparison group" and (str(row["symbol"]) == "c" or _hidden(row, ref)):
            return "c"
        if verdict in ("too few to say", "comparison group", ""):
            return VERDICT_WORDS.get(verdict, verdict)
        return f"{format_number_for_unit(row[f'rri_{ref}'], 'ratio', decimals=decimals)} {VERDICT_WORDS[verdict]}"

    def _rate_text(self, row: pd.Series, unit: str) -> str:
        """'346 (320 to 374)': a rate and its interval in one cell, or the row's symbol."""
        symbol = _text(row["symbol"]) or None
        if symbol or pd.isna(row["value"]):
            return symbol or "x"
        places = {"per_10k": 0, "per_100": 2, "percent": 1}[unit]
        value = format_number_for_unit(row["value"], unit, decimals=places, with_unit=False)
        if pd.isna(row["lower"]) or pd.isna(row["upper"]):
            return value
        return f"{value} ({format_interval(row['lower'], row['upper'], decimals=places, unit=unit)})"

    def _rri_text(self, row: pd.Series, ref: str = "wb") -> str:
        """'1.85 (1.58 to 2.17)', or '' where there is no ratio to show (too few, hidden, reference)."""
        if _text(row[f"rri_{ref}_verdict"]) not in ("over-represented", "under-represented",
                                                    "no evidence of a difference"):
            return ""
        value = self._rri_value(row, ref)
        interval = self._rri_interval(row, ref)
        return f"{value} ({interval})" if interval else value

    def _rri_interval(self, row: pd.Series, ref: str = "wb") -> str:
        if pd.isna(row[f"rri_{ref}"]) or pd.isna(row[f"rri_{ref}_lower"]):
            return ""
        upper = row[f"rri_{ref}_upper"]
        if np.isinf(upper):
            return f"{format_number_for_unit(row[f'rri_{ref}_lower'], 'ratio')} or more"
        return format_interval(row[f"rri_{ref}_lower"], upper, decimals=2)

    def _rri_value(self, row: pd.Series, ref: str = "wb") -> str:
        if pd.isna(row[f"rri_{ref}"]) or np.isinf(row[f"rri_{ref}"]):
            return ""
        return format_number_for_unit(row[f"rri_{ref}"], "ratio", decimals=2)

    def _verdict_text(self, row: pd.Series, ref: str = "wb") -> str:
        verdict = _text(row[f"rri_{ref}_verdict"])
        if verdict == "too few to say" and (str(row["symbol"]) == "c" or _hidden(row, ref)):
            return "hidden (privacy)"
        return verdict

    def _who(self, row: pd.Series, counts: str = "children") -> str:
        noun = "pupils" if counts == "pupils" else ("care leavers" if counts == "care leavers" else "children")
        if row["sex"] != m.TOTAL:
            word = SEX_WORDS[row["sex"]]
            if noun == "care leavers":
                word = {"F": "female care leavers", "M": "male care leavers"}.get(row["sex"], word)
            return f"{row['group']} {word}"
        if row["age_band"] != m.TOTAL:
            band = str(row["age_band"])
            if noun == "pupils":
                return f"{row['group']} pupils ({band.lower()} schools)" if band not in ("Alternative provision", m.NOT_KNOWN) \
                    else f"{row['group']} pupils ({band.lower()})"
            return f"{row['group']} children aged {band.lower()}" if band != m.NOT_KNOWN else f"{row['group']} children, age not known"
        return f"{row['group']} {noun}"

    def _unavailable_block(self, key: str, label: str) -> HtmlBlock:
        reason = self.journey.unavailable.get(key, "not available")
        return paragraph(f"{label}: {reason}.")

    # ---- key findings ----------------------------------------------------------------
    def key_findings(self) -> list[str]:
        out: list[str] = []
        if not self.stages:
            return ["No stage of the journey could be computed: see the notes below for the tables needed."]
        profile = self._group_profile()
        over = [g for g, p in profile.items() if p["over"]]
        over.sort(key=lambda g: -len(profile[g]["over"]))
        for i, group in enumerate(over[:2]):
            stages = profile[group]["over"]
            parts = [f"{m.STAGE_BY_KEY[k].phrase} ({self._times(r)})" for k, r in stages[:3]]
            more = f", and at {len(stages) - 3} other stage(s)" if len(stages) > 3 else ""
            hint = " ('2 times as likely' means twice as likely as a White British child.)" if i == 0 else ""
            out.append(f"{group} children were more likely than White British children to {_join(parts)}{more}.{hint}")
        under = [g for g, p in profile.items() if len(p["under"]) >= 2]
        if under:
            group = max(under, key=lambda g: len(profile[g]["under"]))
            labels = [m.STAGE_BY_KEY[k].label.lower() for k, _ in profile[group]["under"]]
            out.append(f"{group} children were less likely than White British children to be counted at "
                       f"{len(labels)} stage(s) ({_join(labels)}). Lower rates can mean less need, but can also mean "
                       "need that is not being seen.")
        gap = self._gap_sentences()
        if gap:
            out.append(" ".join(gap[:2]))
        nk = self._not_known_finding()
        if nk:
            out.append(nk)
        n_clear, n_strict = self._clear_counts()
        if n_clear:
            out.append(f"{self.journey.n_tests:,} comparisons with White British children were made; about "
                       f"{max(1, round(self.journey.n_tests / 20)):,} of them would look like a difference by chance alone. "
                       f"{n_clear:,} showed a clear difference, and {n_strict:,} of those still hold with a much stricter "
                       "test (see 'Ethnicity with sex and age').")
        if not n_clear:
            out.insert(0, "No ethnic group differed clearly from White British children at any stage: most comparisons "
                          "had too few children to say, or the rates were similar. Small differences cannot be told "
                          "apart from chance with numbers this size.")
        if len(out) < 3:
            out.insert(0, self._context_finding())
        return [x for x in out if x][:6]

    def _context_finding(self) -> str:
        """How many children were counted at the main stages (for the reader's bearings)."""
        parts = []
        for key, words in (("referral", "were referred"), ("s47", "had a section 47 enquiry"),
                           ("cp_plan", "started a child protection plan"), ("looked_after", "were looked after")):
            if key in self.stages:
                total = self._total(self.stages[key])
                count = "a small number of" if _text(total["symbol"]) == "c" else format_count(total["numerator"])
                parts.append(f"{count} children {words}")
        if not parts:
            return ""
        return (f"In {self.b.period_label}, {_join(parts)}. Each stage is compared, group by group, with the number of "
                "children of the same ethnic group living in the borough.")

    def _times(self, row) -> str:
        return f"{format_number_for_unit(row['rri_wb'], 'ratio', decimals=1)} times as likely"

    def _group_profile(self) -> dict:
        profile = {g: {"over": [], "under": []} for g in COMPARED}
        for key, frame in self.stages.items():
            for group in COMPARED:
                row = self._row(frame, group)
                if row is None:
                    continue
                if row["rri_wb_verdict"] == "over-represented":
                    profile[group]["over"].append((key, row))
                elif row["rri_wb_verdict"] == "under-represented":
                    profile[group]["under"].append((key, row))
        return profile

    def _not_known_finding(self) -> str | None:
        nk = self.not_known
        if nk is None or nk.empty:
            return None
        shown = nk[(nk["symbol"] != "c") & nk["value"].notna()]
        hidden = nk[nk["symbol"] == "c"]
        small = ("At some stages a small number of children had no recorded ethnicity (the exact numbers are hidden to "
                 "protect privacy): the partnership asked that ethnicity be recorded for every child.")
        if shown.empty or (shown["value"].max() == 0 and len(hidden)):
            return small
        worst = shown.loc[shown["value"].idxmax()]
        if worst["value"] == 0:
            return "Ethnicity was recorded for every child counted at every stage."
        return (f"Ethnicity was not recorded for {format_count(worst['numerator'])} of {format_count(worst['denominator'])} "
                f"children at the '{worst['group']}' stage ({worst['value']:.1f}%), the highest share at any stage. These "
                "children cannot be counted in any group's rate: the partnership asked that ethnicity be recorded.")

    def _clear_counts(self) -> tuple[int, int]:
        n_clear = n_strict = 0
        for frame in m.reported_comparisons(self.stages, self.steps):
            clear = frame["rri_wb_verdict"].isin(CLEAR)
            n_clear += int(clear.sum())
            n_strict += int((clear & (frame["rri_wb_strict"] == "yes")).sum())
        return n_clear, n_strict

    def _gap_sentences(self) -> list[str]:
        """Where the gap in child protection plans opens: at the front door (referral), after
        it (from referral to a plan), or neither clearly. Empty when no group differs."""
        if not {"referral", "cp_plan"} <= set(self.stages) or "cp_plan_after_referral" not in self.steps:
            return []
        more, less = [], []
        patterns: dict[str, list[str]] = {"front door": [], "after": [], "unclear": []}
        for group in COMPARED:
            plan = self._row(self.stages["cp_plan"], group)
            ref = self._row(self.stages["referral"], group)
            step = self._row(self.steps["cp_plan_after_referral"], group)
            if plan["rri_wb_verdict"] not in CLEAR:
                continue
            (more if plan["rri_wb_verdict"] == "over-represented" else less).append(group)
            if step["rri_wb_verdict"] == plan["rri_wb_verdict"]:
                patterns["after"].append(group)
            elif ref["rri_wb_verdict"] == plan["rri_wb_verdict"] and step["rri_wb_verdict"] not in CLEAR:
                patterns["front door"].append(group)
            else:
                patterns["unclear"].append(group)
        if not more and not less:
            return []
        if more and less:
            who = f"{_join(more)} children were more likely, and {_join(less)} children less likely,"
        else:
            who = f"{_join(more or less)} children were {'more' if more else 'less'} likely"
        out = [f"{who} than White British children to start a child protection plan."]
        for pattern, words in (("front door", "the difference opens at the front door: they were referred at a "
                                              "different rate, but once referred were no more or less likely than "
                                              "White British children to reach a plan"),
                               ("after", "the difference widens after referral: of children referred, they were "
                                         "also more or less likely than White British children to reach a plan"),
                               ("unclear", "neither the referral rate nor the path from referral to a plan alone "
                                           "explains the difference clearly")):
            groups = patterns[pattern]
            if groups:
                subject = f"{_join(groups)} children" if len(groups) < len(more) + len(less) else \
                    ("all of them" if len(groups) > 2 else ("both" if len(groups) == 2 else f"{groups[0]} children"))
                out.append(f"For {subject}, {words}.")
        return out

    # ---- sections --------------------------------------------------------------------
    def section_journey(self) -> HtmlBlock:
        intro = paragraph(
            "This briefing asks whether children of some ethnic groups are more, or less, likely than others to reach "
            "each stage of the journey through children's services, from referral to care, and in school exclusions and "
            "care leavers' outcomes. At each stage each child is counted once, however many times it happened, and "
            "divided by the number of children of the same group living in the borough (for exclusions: pupils of the "
            "group on the school roll).")
        how = _callout(
            "How to read the comparisons: a relative rate index (RRI) divides a group's rate by the White British rate. "
            "An RRI of 2 means children in this group were twice as likely as White British children to reach that "
            "stage; 0.5 means half as likely; 1 means equally likely. 'Higher' or 'lower' is shown only when the 95% "
            "interval (the range the true figure is likely to lie in) does not include 1; otherwise the difference "
            "could be chance. 'Too few to say' means fewer than 10 children in the group, or figures hidden to "
            "protect privacy.")
        parts = [intro, how]
        chart = self._journey_chart()
        parts.append(chart if chart is not None else paragraph(
            "No group had enough children at any stage to be compared with White British children, so there is no "
            "chart: the table shows what can be shown."))
        parts.append(self._journey_table())
        if self.population is not None:
            parts.append(self._population_table())
        parts.append(HtmlBlock("<h3>Children whose ethnicity was not recorded</h3>"))
        parts.append(self._not_known_table())
        parts.append(HtmlBlock("<h3>About these figures</h3>"))
        notes = [
            "White is split into White British (the comparison group) and Other White (Irish, Traveller of Irish "
            "heritage, Gypsy/Roma and any other White background), so that every group can be compared with White "
            "British children. Each table also compares each group with all other groups combined.",
            population_module.NOTE,
            MAPPING_NOTE,
            "Exclusions and suspensions are for the latest complete school year and count pupils (each pupil once), "
            "per 100 pupils of the group on the school roll.",
            "NEET care leavers (aged 17 to 21) are counted against children aged 0 to 17 of the same group, as a measure "
            "of how likely a child of the group is to end the journey as a NEET care leaver; 'Where in the journey the "
            "gap opens' also shows the share of care leavers who are NEET.",
        ]
        for key, reason in self.journey.unavailable.items():
            label = m.STAGE_BY_KEY[key].label if key in m.STAGE_BY_KEY else m.STEP_BY_KEY[key].label
            notes.append(f"{label}: {reason}.")
        parts.append(bullet_list(notes))
        return join_blocks(*parts)

    def _journey_chart(self):
        rows = []
        for key, frame in self.stages.items():
            for group in COMPARED:
                row = self._row(frame, group)
                rows.append({"stage": self._label(key), "group": group, "value": row["rri_wb"],
                             "lower": row["rri_wb_lower"], "upper": row["rri_wb_upper"], "symbol": row["symbol"],
                             "verdict": row["rri_wb_verdict"]})
        if not rows or not _any_comparison(rows):
            return None
        frame = pd.DataFrame(rows)
        title = self._journey_title()
        alt = ("Dot charts, one per ethnic group, of how likely children in the group were to reach each stage compared "
               "with White British children: " + " ".join(
                   f"{g}: " + "; ".join(f"{r.stage} {self._alt_value(r)}" for r in frame[frame['group'] == g].itertuples())
                   + "." for g in COMPARED))
        return charts.rri_chart(frame, title=title, alt=alt, group_column="stage", stage_column="group",
                                stages=list(COMPARED), ncols=2,
                                note="An RRI of 2 means children in this group were twice as likely as White British "
                                     "children to reach that stage.")

    def _alt_value(self, r) -> str:
        if r.verdict in CLEAR and not pd.isna(r.value):
            return f"{format_number_for_unit(r.value, 'ratio', decimals=1)} ({VERDICT_WORDS[r.verdict]})"
        if r.verdict == "no evidence of a difference" and not pd.isna(r.value):
            return f"{format_number_for_unit(r.value, 'ratio', decimals=1)} (no clear difference)"
        return "too few to say"

    def _journey_title(self) -> str:
        profile = self._group_profile()
        n = len(self.stages)
        over = sorted((g for g in COMPARED if len(profile[g]["over"]) * 2 > n), key=lambda g: -len(profile[g]["over"]))
        under = [g for g in COMPARED if len(profile[g]["under"]) * 2 > n]
        if over and under:
            return (f"{_join(over)} children were more likely, and {_join(under)} children less likely, than White British "
                    f"children to reach most stages")
        if over:
            return f"{_join(over)} children were more likely than White British children to reach most stages"
        if under:
            return f"{_join(under)} children were less likely than White British children to reach most stages"
        return "How likely children of each group were to reach each stage, compared with White British children"

    def _journey_table(self) -> HtmlBlock:
        rows = []
        for key, frame in self.stages.items():
            total, wb = self._total(frame), self._row(frame, m.REFERENCE)
            unit = self._unit(key)
            row = {"stage": self._label(key), "children": total["numerator"], "children_symbol": total["symbol"],
                   "rate": format_number_for_unit(total["value"], unit, _text(total["symbol"]) or None),
                   "wb_rate": format_number_for_unit(wb["value"], unit, _text(wb["symbol"]) or None)}
            for group in COMPARED:
                row[group] = self._rri_cell(self._row(frame, group))
            rows.append(row)
        if not rows:
            return paragraph("No stage could be computed.")
        columns = {"stage": "Stage", "children": "Children counted", "wb_rate": "White British rate"} \
            | {g: g for g in COMPARED}
        return html_table(pd.DataFrame(rows), columns, caption="Each group compared with White British children, stage by "
                          "stage (relative rate index, and whether the difference is clear)",
                          units={"children": "count"}, symbol_columns=(), threshold=self.b.threshold,
                          note=(f"Each group's figure is its rate divided by the White British rate (2 = twice as "
                                f"likely). Rates count children per 10,000 children of the group (pupils per 100 pupils "
                                f"for exclusions). 'higher' / 'lower': a clear difference (the 95% interval excludes 1); "
                                f"'not clear': it could be chance. "
                                f"c = hidden to protect privacy (fewer than {smallest_shown_count(self.b.threshold)}, or "
                                "could reveal a number that small). 'Too few to say': fewer than 10 children."))

    def _population_table(self) -> HtmlBlock:
        pop = self.population
        rows = pop[pop["level"].isin(["major", "total"])].copy()
        rows = rows[rows["group"] != m.NOT_KNOWN]
        rows["label"] = rows["group"].replace({m.TOTAL: "All children"})
        return html_table(rows, {"label": "Group", "numerator": "Children aged 0 to 17 (estimate)", "value": "Share"},
                          caption="The starting point: children living in the borough, by ethnic group",
                          units={"numerator": "count", "value": "percent"}, symbol_columns=("numerator", "value"),
                          threshold=self.b.threshold,
                          note="Estimates: Census 2021 shares of each group applied to the ONS mid-year estimate of "
                               "children aged 0 to 17 (see 'About these figures'). Every rate per 10,000 children in "
                               "this briefing divides by these numbers.")

    def _not_known_table(self) -> HtmlBlock:
        nk = self.not_known
        if nk is None or nk.empty:
            return paragraph("No stage could be computed.")
        frame = nk.copy()
        labels = {m.STAGE_BY_KEY[k].label: self._label(k) for k in self.stages}
        frame["group"] = frame["group"].map(lambda g: labels.get(g, g))
        frame["children"] = frame["denominator"]
        return html_table(frame, {"group": "Stage", "children": "Children counted", "numerator": "Ethnicity not known",
                                  "value": "Share", "interval": "95% confidence interval"},
                          caption="Children whose ethnicity was refused, not obtained or not recorded, at each stage",
                          units={"children": "count", "value": "percent"}, threshold=self.b.threshold,
                          note="These children are counted at every stage ('Not known' rows) but have no population, so "
                               "they are in no group's rate. The more of them there are, the less certain every "
                               "comparison in this briefing is.")

    # -- stage by stage
    def section_stages(self) -> HtmlBlock:
        parts = [paragraph("For each stage: how many children of each group were counted, the rate per 10,000 children "
                           "of that group (per 100 pupils for exclusions), and how that compares with White British "
                           "children and with all other groups combined.")]
        for stage in m.STAGES:
            parts.append(HtmlBlock(f"<h3>{_escape(self._label(stage.key) if stage.key in self.stages else stage.label)}</h3>"))
            if stage.key not in self.stages:
                parts.append(self._unavailable_block(stage.key, stage.label))
                continue
            parts.append(self._stage_block(stage.key))
        return join_blocks(*parts)

    def _stage_block(self, key: str) -> HtmlBlock:
        stage, frame = m.STAGE_BY_KEY[key], self.stages[key]
        whole = m.whole_borough(frame)
        rows = whole[whole["level"].isin(["major", "total"])].copy()
        unit = self._unit(key)
        sp = spec(stage.measure_id)
        rows["label"] = rows["group"].replace({m.TOTAL: f"All {stage.counts}"})
        rows["vs_wb"] = [self._rri_text(r) for _, r in rows.iterrows()]
        rows["vs_wb_verdict"] = [self._verdict_text(r) for _, r in rows.iterrows()]
        rows["vs_all"] = [self._rri_cell(r, "all", decimals=2) if r["level"] != "total" and r["group"] != m.NOT_KNOWN
                          else "" for _, r in rows.iterrows()]
        per = "Per 10,000" if stage.per == 10_000 else "Per 100"
        denominator = "Population" if stage.base == "population" else "Pupils"
        not_known = ("'Not known' has no population, so no rate (x)." if stage.base == "population" else
                     "Pupils: pupils of the group on the school roll. 'Not known': pupils whose ethnicity is not "
                     "recorded on the roll.")
        table = html_table(
            rows, {"label": "Group", "numerator": _capital(stage.counts), "denominator": denominator,
                   "value": per, "interval": "95% interval", "vs_wb": "Compared with White British (95% interval)",
                   "vs_wb_verdict": "Verdict", "vs_all": "Compared with all other groups"},
            caption=f"{sp.label} by ethnic group, {frame['period'].iat[0]}",
            units={"denominator": "count", "value": unit}, decimals={"value": 0 if stage.per == 10_000 else 2},
            threshold=self.b.threshold, counts=stage.counts,
            note=(f"Who is counted: {_lower_first(sp.definition)} Denominator: {sp.denominator}. {not_known} "
                  "'Compared with' is the relative rate index: 2 means twice as likely."))
        return join_blocks(paragraph(" ".join(self._stage_sentences(key, rows))), table)

    def _stage_sentences(self, key: str, major: pd.DataFrame) -> list[str]:
        stage = m.STAGE_BY_KEY[key]
        counts = "children" if stage.counts != "pupils" else "pupils"
        total = self._total(major)
        out = []
        if _text(total["symbol"]) != "c":
            out.append(f"{format_count(total['numerator'])} {stage.counts} were counted "
                       f"({format_number_for_unit(total['value'], self._unit(key))} "
                       f"{'children' if stage.per == 10_000 else 'pupils'}).")
        rows = major[major["group"].isin(COMPARED)]
        over = rows[rows["rri_wb_verdict"] == "over-represented"].sort_values("rri_wb", ascending=False)
        under = rows[rows["rri_wb_verdict"] == "under-represented"].sort_values("rri_wb")
        lead = over.iloc[0] if len(over) else (under.iloc[0] if len(under) else None)
        if lead is not None:
            out.append(describe_rri(lead["group"], stage.phrase, lead["rri_wb"], lead["rri_wb_lower"],
                                    lead["rri_wb_upper"], counts=counts, verdict=lead["rri_wb_verdict"]))
        more = [f"{r['group']} ({self._times(r)})" for _, r in over.iterrows() if r is not lead and r["group"] != lead["group"]]
        less = [f"{r['group']} ({self._times(r)})" for _, r in under.iterrows() if r["group"] != lead["group"]]
        if more:
            out.append(f"{_join(more)} {counts} were also more likely than White British {counts} to {stage.phrase}.")
        if less:
            also = " also" if lead is not None and lead["rri_wb_verdict"] == "under-represented" else ""
            out.append(f"{_join(less)} {counts} were{also} less likely.")
        similar = list(rows[rows["rri_wb_verdict"] == "no evidence of a difference"]["group"])
        few = list(rows[rows["rri_wb_verdict"] == "too few to say"]["group"])
        if similar:
            out.append(f"For {_join(similar)} {counts} the difference from White British {counts} was not clear "
                       "(it could be chance).")
        if few:
            out.append(f"There were too few {_join(few)} {counts} to say, or their figures are hidden to protect privacy.")
        wb = self._row(major, m.REFERENCE)
        if wb is not None and _text(wb["symbol"]) == "c":
            out.append(f"The number of White British {counts} is hidden to protect privacy, so no group can be compared "
                       "with them.")
        return out

    # -- progression
    def section_progression(self) -> HtmlBlock:
        parts = [paragraph(
            "The stages above compare each group with all children of that group in the borough. Here each step is "
            "compared only with the children who reached the step before it, to show where in the journey a gap opens: "
            "at the front door (referral), or later (for example, of children referred, who went on to a child "
            "protection plan). Children are followed through the same episode of need in the CIN census. An RRI of 2 "
            "here means that, of children at the earlier step, those in this group were twice as likely as White "
            "British children to go on to the next.")]
        if not self.steps:
            parts.append(paragraph("No step could be computed: the CIN census tables are needed."))
            return join_blocks(*parts)
        chart = self._progression_chart()
        if chart is not None:
            parts.append(chart)
        parts.extend(paragraph(s) for s in self._gap_sentences())
        for step in m.STEPS:
            parts.append(HtmlBlock(f"<h3>{_escape(step.label)}</h3>"))
            if step.key not in self.steps:
                parts.append(self._unavailable_block(step.key, step.label))
                continue
            parts.append(self._step_block(step.key))
        parts.append(paragraph("Looked after, missing and exclusions are not steps that follow a referral in the same "
                               "records, so they are compared with all children (or pupils) only, in 'Stage by stage'."))
        return join_blocks(*parts)

    def _progression_chart(self):
        rows = []
        if "referral" in self.stages:
            for group in COMPARED:
                r = self._row(self.stages["referral"], group)
                rows.append(self._chart_row("Referred, of all children", group, r))
        for step in m.STEPS:
            if step.key in self.steps:
                for group in COMPARED:
                    rows.append(self._chart_row(STEP_ROWS[step.key], group, self._row(self.steps[step.key], group)))
        if not rows or not _any_comparison(rows):
            return None
        frame = pd.DataFrame(rows)
        alt = ("Dot charts, one per ethnic group, comparing each group with White British children at each step, among "
               "the children who reached the step before: " + " ".join(
                   f"{g}: " + "; ".join(f"{r.stage} {self._alt_value(r)}" for r in frame[frame['group'] == g].itertuples())
                   + "." for g in COMPARED))
        return charts.rri_chart(frame, title=self._progression_title(), alt=alt, group_column="stage",
                                stage_column="group", stages=list(COMPARED), ncols=2,
                                note="The first row compares with all children in the borough; the others compare with "
                                     "the children who reached the step before.")

    def _chart_row(self, label, group, r):
        return {"stage": label, "group": group, "value": r["rri_wb"], "lower": r["rri_wb_lower"],
                "upper": r["rri_wb_upper"], "symbol": r["symbol"], "verdict": r["rri_wb_verdict"]}

    def _progression_title(self) -> str:
        steps = [k for k in ("assessed_after_referral", "s47_after_assessment", "cp_plan_after_s47", "cp_plan_after_referral")
                 if k in self.steps]
        clear_steps = sum(self._row(self.steps[k], g)["rri_wb_verdict"] in CLEAR for k in steps for g in COMPARED)
        clear_ref = sum(self._row(self.stages["referral"], g)["rri_wb_verdict"] in CLEAR for g in COMPARED) \
            if "referral" in self.stages else 0
        if clear_ref and not clear_steps:
            return "The differences open at referral: once referred, groups moved through the steps at similar rates"
        if clear_steps:
            return "Some groups were more, or less, likely than White British children to move on after referral"
        return "Each step compared with the step before, by ethnic group"

    def _step_block(self, key: str) -> HtmlBlock:
        step, frame = m.STEP_BY_KEY[key], self.steps[key]
        whole = m.whole_borough(frame)
        rows = whole[whole["level"].isin(["major", "total"])].copy()
        rows["label"] = rows["group"].replace({m.TOTAL: f"All {step.counts}"})
        rows["vs_wb"] = [self._rri_text(r) for _, r in rows.iterrows()]
        rows["vs_wb_verdict"] = [self._verdict_text(r) for _, r in rows.iterrows()]
        total = self._total(rows)
        counts = step.counts
        text = []
        if _text(total["symbol"]) != "c":
            text.append(f"Of {format_count(total['denominator'])} {step.cohort}, {format_count(total['numerator'])} "
                        f"({format_number_for_unit(total['value'], 'percent')}) {step.outcome}.")
        clear = rows[rows["group"].isin(COMPARED) & rows["rri_wb_verdict"].isin(CLEAR)].sort_values("rri_wb", ascending=False)
        for _, r in clear.head(2).iterrows():
            text.append(describe_rri(r["group"], step.phrase, r["rri_wb"], r["rri_wb_lower"], r["rri_wb_upper"],
                                     counts=counts, verdict=r["rri_wb_verdict"]))
        if len(clear) > 2:
            text.append(f"{len(clear) - 2} other group(s) also differed clearly: see the table.")
        if not len(clear):
            text.append(f"No group differed clearly from White British {counts} at this step.")
        sp = spec(step.measure_id)
        table = html_table(rows, {"label": "Group", "denominator": step.heading, "numerator": "Went on",
                                  "value": "Per cent", "interval": "95% interval",
                                  "vs_wb": "Compared with White British (95% interval)", "vs_wb_verdict": "Verdict"},
                           caption=f"{sp.label}, {frame['period'].iat[0]}", units={"value": "percent"},
                           threshold=self.b.threshold, counts=counts,
                           note=f"Who is counted: {_lower_first(sp.definition)} Denominator: {sp.denominator}.")
        return join_blocks(paragraph(" ".join(text)), table)

    # -- minor groups
    def section_minor_groups(self) -> HtmlBlock:
        parts = [paragraph(
            "Major groups can hide differences within them: Black Caribbean and Black African children, for example, "
            "can have very different rates. Here each smaller group is compared with White British children where the "
            "numbers allow: 'higher' and 'lower' are clear differences, 'not clear' could be chance, 'too few to say' "
            "means fewer than 10 children, and 'c' means hidden to protect privacy.")]
        if not self.stages:
            parts.append(paragraph("No stage could be computed."))
            return join_blocks(*parts)
        first = [k for k in self.stages if k in SOCIAL_CARE]
        second = [k for k in self.stages if k not in SOCIAL_CARE]
        if first:
            parts.append(self._minor_matrix(first, "children's social care"))
        if second:
            parts.append(self._minor_matrix(second, "missing, school exclusions and care leavers"))
        caribbean = self._caribbean_african()
        if caribbean:
            parts.append(HtmlBlock("<h3>Black Caribbean and Black African children</h3>"))
            parts.append(bullet_list(caribbean))
        parts.append(HtmlBlock("<h3>Smaller groups with a clear difference</h3>"))
        parts.append(self._minor_detail())
        parts.append(paragraph("Populations for Traveller of Irish heritage, Gypsy/Roma and Other ethnic group are "
                               "approximate: the DfE codes and the Census 2021 categories differ (see the notes).", "note"))
        return join_blocks(*parts)

    def _minor_rows(self):
        for parent, minors in m.MINOR_GROUPS.items():
            for minor in minors:
                yield parent, minor

    def _minor_matrix(self, keys: list[str], what: str) -> HtmlBlock:
        rows = []
        for _parent, minor in self._minor_rows():
            row = {"group": minor + (" (approximate)" if minor in m.APPROXIMATE_GROUPS else "")}
            for key in keys:
                row[key] = self._rri_cell(self._row(self.stages[key], minor, "minor"))
            rows.append(row)
        columns = {"group": "Group"} | {k: self._label(k) for k in keys}
        return html_table(pd.DataFrame(rows), columns, caption=f"Smaller ethnic groups compared with White British "
                          f"children: {what}", symbol_columns=(), threshold=self.b.threshold,
                          note=(f"Relative rate index (2 = twice as likely as White British children) and whether the "
                                f"difference is clear. c = hidden to protect privacy (fewer than "
                                f"{smallest_shown_count(self.b.threshold)} children, or could reveal a number that small)."))

    def _likelihood(self, row: pd.Series) -> str:
        verdict = _text(row["rri_wb_verdict"])
        if verdict in CLEAR:
            return f"{format_number_for_unit(row['rri_wb'], 'ratio', decimals=1)} times as likely (a clear difference)"
        if verdict == "no evidence of a difference":
            return f"{format_number_for_unit(row['rri_wb'], 'ratio', decimals=1)} times as likely (could be chance)"
        return "too few to say" if _text(row["symbol"]) != "c" else "hidden to protect privacy"

    def _caribbean_african(self) -> list[str]:
        out = []
        for key, frame in self.stages.items():
            stage = m.STAGE_BY_KEY[key]
            car, afr = self._row(frame, "Black Caribbean", "minor"), self._row(frame, "Black African", "minor")
            if car is None or afr is None or not (car["rri_wb_verdict"] in CLEAR or afr["rri_wb_verdict"] in CLEAR):
                continue
            noun = "pupils" if stage.counts == "pupils" else "children"
            out.append(f"{self._label(key)}, compared with White British {noun}: Black Caribbean {noun} "
                       f"{self._likelihood(car)}; Black African {noun} {self._likelihood(afr)}.")
        return out

    def _minor_detail(self) -> HtmlBlock:
        rows = []
        hidden = few = similar = clear = 0
        for key, frame in self.stages.items():
            whole = m.whole_borough(frame)
            unit = self._unit(key)
            for _, r in whole[whole["level"] == "minor"].iterrows():
                verdict = _text(r["rri_wb_verdict"])
                if verdict == "too few to say":
                    hidden += _text(r["symbol"]) == "c"
                    few += _text(r["symbol"]) != "c"
                    continue
                if verdict not in CLEAR:
                    similar += 1
                    continue
                clear += 1
                if r["rri_wb_strict"] != "yes":
                    continue
                rows.append({"stage": self._label(key), "group": r["group"], "numerator": r["numerator"],
                             "rate": self._rate_text(r, unit), "rri": self._rri_text(r),
                             "verdict": VERDICT_WORDS[verdict], "strict": r["rri_wb_strict"], "symbol": r["symbol"]})
        total = hidden + few + similar + clear
        intro = (f"Of {total:,} combinations of smaller group and stage, {clear:,} showed a clear difference from "
                 f"White British children, {similar:,} no clear difference, {few:,} had too few children to say anything "
                 f"and {hidden:,} are hidden to protect privacy. The {len(rows):,} clear differences that still hold with "
                 "a much stricter test (see 'Ethnicity with sex and age') are listed below; the matrices above show "
                 "the rest.")
        if not rows:
            return paragraph(intro)
        table = html_table(pd.DataFrame(rows), {"stage": "Stage", "group": "Group", "numerator": "Children",
                                                "rate": "Rate (95% interval)",
                                                "rri": "Compared with White British (95% interval)",
                                                "verdict": "Difference"},
                           caption="Smaller ethnic groups with a clear difference that holds with a stricter test",
                           threshold=self.b.threshold,
                           note="Rates count children per 10,000 children of the group (pupils per 100 pupils for "
                                "exclusions).")
        return join_blocks(paragraph(intro), table)

    # -- intersections
    def section_intersections(self) -> HtmlBlock:
        n = self.journey.n_tests
        parts = [paragraph(
            "Ethnicity combined with sex or age can show a group the broader figures hide (for example, Black Caribbean "
            "boys in exclusions). Each combination is compared with White British children of the same sex or age. "
            "ONS does not publish children by ethnic group and sex or age for a borough, so for the social care stages "
            "the comparisons assume every group has the same share of boys and girls and the same age profile; the "
            "comparison between groups does not depend on the share of boys, but does depend on the age profile, "
            "which differs between groups (Mixed children, for example, are younger on average). Exclusions use the "
            "pupil roll, which does give these numbers."),
            _callout(
            f"A caution about many comparisons: this briefing compares groups with White British children {n:,} times. "
            f"With 95% intervals, about 1 in 20 comparisons where there is no real difference will still look like one, "
            f"so about {max(1, round(n / 20)):,} of the 'clear' differences could be chance. The column 'Still clear "
            f"with a stricter test?' repeats each clear comparison with a much stricter interval (a Bonferroni "
            f"correction: {100 * (1 - 0.05 / n):.4g}% instead of 95%). No verdict has been changed: read a 'no' there "
            "as a difference worth watching, not an established one.")]
        chart = self._intersection_chart()
        if chart is not None:
            parts.append(chart)
        any_rows = False
        for key, frame in self.stages.items():
            block = self._intersection_block(key, frame)
            if block is not None:
                parts.append(HtmlBlock(f"<h3>{_escape(self._label(key))}</h3>"))
                parts.append(block)
                any_rows = True
        if not any_rows:
            parts.append(paragraph("No combination of ethnicity with sex or age had enough children to show a clear "
                                   "difference from White British children."))
        return join_blocks(*parts)

    def _intersection_block(self, key: str, frame: pd.DataFrame) -> HtmlBlock | None:
        stage = m.STAGE_BY_KEY[key]
        cells = frame[((frame["sex"] != m.TOTAL) | (frame["age_band"] != m.TOTAL))
                      & frame["group"].isin([*COMPARED, *[g for gs in m.MINOR_GROUPS.values() for g in gs]])]
        cells = cells[(cells["sex"] != "U") & (cells["age_band"] != m.NOT_KNOWN)]
        clear = cells[cells["rri_wb_verdict"].isin(CLEAR)].sort_values("rri_wb", ascending=False)
        similar = int((cells["rri_wb_verdict"] == "no evidence of a difference").sum())
        few = len(cells) - len(clear) - similar
        summary = (f"{len(cells):,} combinations of ethnic group with sex or {(stage.age_label or 'age').lower()} were checked: "
                   f"{len(clear):,} showed a clear difference from White British {stage.counts} of the same sex or "
                   f"{(stage.age_label or 'age').lower()}, {similar:,} no clear difference, and {few:,} had too few "
                   f"{stage.counts} to say (or are hidden to protect privacy).")
        if clear.empty:
            return paragraph(summary)
        strength = np.abs(np.log(clear["rri_wb"].astype(float).clip(lower=1e-6)))
        clear = clear.assign(_firm=(clear["rri_wb_strict"] == "yes"), _strength=strength)
        clear = clear.sort_values(["_firm", "_strength"], ascending=False)
        if len(clear) > MAX_INTERSECTION_ROWS:
            left = len(clear) - MAX_INTERSECTION_ROWS
            clear = clear.head(MAX_INTERSECTION_ROWS)
            summary += (f" The {MAX_INTERSECTION_ROWS} largest differences are listed (those that hold with the stricter "
                        f"test first); {left:,} smaller ones are not.")
        second = (stage.age_label or "age").lower()
        if stage.base == "pupils":
            note = "The pupil roll gives the number of pupils of each group by sex and school phase."
        else:
            note = ("'Compared with' is the relative rate index within the same sex or age band. It assumes each "
                    "group's children are half girls and half boys, spread evenly over ages 0 to 17.")
        rows = pd.DataFrame({
            "who": [self._who(r, stage.counts) for _, r in clear.iterrows()],
            "numerator": clear["numerator"].to_numpy(), "symbol": clear["symbol"].to_numpy(),
            "rri": [self._rri_text(r) for _, r in clear.iterrows()],
            "verdict": clear["rri_wb_verdict"].map(VERDICT_WORDS).to_numpy(),
            "strict": clear["rri_wb_strict"].to_numpy()})
        table = html_table(rows, {"who": "Who", "numerator": _capital(stage.counts),
                                  "rri": f"Compared with White British {stage.counts} of the same sex or {second} "
                                         "(95% interval)",
                                  "verdict": "Difference", "strict": "Still clear with a stricter test?"},
                           caption=f"{self._label(key)}: combinations with a clear difference",
                           threshold=self.b.threshold, counts=stage.counts, note=note)
        return join_blocks(paragraph(summary), table)

    def _intersection_chart(self):
        key = next((k for k in ("suspension", "permanent_exclusion", "referral") if k in self.stages), None)
        if key is None:
            return None
        frame = self.stages[key]
        rows = []
        for sex in ("F", "M"):
            for group in COMPARED:
                r = self._row(frame, group, sex=sex)
                rows.append(self._chart_row(group, SEX_WORDS[sex].capitalize(), r))
        if not _any_comparison(rows):
            return None
        data = pd.DataFrame(rows)
        stage = m.STAGE_BY_KEY[key]
        clear = data[data["verdict"].isin(CLEAR)]
        boys_over = clear[(clear["group"] == "Boys") & (clear["verdict"] == "over-represented")]["stage"].tolist()
        title = (f"{self._label(key)}: {_join(boys_over)} boys were more likely than White British boys"
                 if boys_over else f"{self._label(key)}: each group compared with White British {stage.counts} of the same sex")
        alt = (f"Dot charts for girls and boys of how likely each group was to be counted at the stage "
               f"'{self._label(key)}', compared with White British {stage.counts} of the same sex: " + " ".join(
                   f"{s}: " + "; ".join(f"{r.stage} {self._alt_value(r)}" for r in data[data['group'] == s].itertuples())
                   + "." for s in ("Girls", "Boys")))
        return charts.rri_chart(data, title=title, alt=alt, group_column="stage", stage_column="group",
                                stages=["Girls", "Boys"], groups=list(COMPARED), ncols=2, counts=stage.counts,
                                reference_group="White British")


def _hidden(row: pd.Series, ref: str) -> bool:
    """Whether a comparison was hidden by disclosure control (its reference count is hidden)."""
    return _text(row[f"rri_{ref}_method"]) == m.HIDDEN_METHOD


def _any_comparison(rows: list[dict]) -> bool:
    """Whether any chart row has a comparison to draw (not all 'too few to say')."""
    return any(r["verdict"] in (*CLEAR, "no evidence of a difference") for r in rows)


def _join(items) -> str:
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _callout(text: str) -> HtmlBlock:
    import html
    return HtmlBlock(f'<div class="callout"><p>{html.escape(text)}</p></div>')


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _text(value) -> str:
    """A text cell that may be missing (NaN after suppression) as a string."""
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _escape(text: str) -> str:
    import html
    return html.escape(str(text))


VIEW = DisproportionalityTheme
