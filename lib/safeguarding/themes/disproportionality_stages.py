"""Sections 'Stage by stage' and 'Where in the journey the gap opens' of the
disproportionality briefing: for each stage (and each step after referral), how many
children of each group were counted, their rate, and how it compares, in words and a table.

A mixin for :class:`safeguarding.themes.disproportionality.DisproportionalityView`.
"""

from __future__ import annotations

import pandas as pd

from safeguarding.measures import disproportionality as m
from safeguarding.measures.registry import get as spec
from safeguarding.render.blocks import HtmlBlock, heading, join_blocks, paragraph
from safeguarding.render.formats import format_count, format_number_for_unit
from safeguarding.render.sentences import describe_rri, lower_first, upper_first
from safeguarding.render.tables import html_table
from safeguarding.text import plural
from safeguarding.themes.disproportionality_words import (
    CLEAR,
    COMPARED,
    TOO_FEW,
    as_text,
    join,
)

#: Who a stage's count is, where it is not simply its unit (by the stage's base): the NEET
#: care leaver stage counts NEET care leavers among care leavers.
COUNTED = {"care_leavers": "NEET care leavers"}
#: The heading of a stage table's denominator column, by the stage's base.
DENOMINATOR_HEADINGS = {"population": "population", "pupils": "pupils on the roll", "care_leavers": "care leavers"}
#: What a stage table's denominators and its 'Not known' row are, by the stage's base.
NOT_KNOWN_NOTES = {
    "population": "'Not known' has no population, so no rate (x).",
    "pupils": "Pupils: pupils of the group on the school roll. 'Not known': pupils whose ethnicity is not recorded on "
              "the roll.",
    "care_leavers": "Care leavers: care leavers aged 17 to 21 of the group, as the NEET briefing counts them. 'Not "
                    "known': care leavers whose ethnicity is not recorded.",
}
#: Short row labels for the progression chart.
STEP_ROWS = {"assessed_after_referral": "Assessed, of those referred",
             "s47_after_assessment": "Section 47, of those assessed",
             "cp_plan_after_s47": "Plan, of those with a section 47",
             "cp_plan_after_referral": "Plan, of those referred"}


class StageSections:
    def section_stages(self) -> HtmlBlock:
        parts = [paragraph("For each stage: how many children of each group were counted, the rate per 10,000 children "
                           "of that group (per 100 pupils for exclusions; for NEET care leavers, per 100 care leavers "
                           "aged 17 to 21 of the group), and how that compares with White British children (or pupils, "
                           "or care leavers) and with all other groups combined.")]
        for stage in m.STAGES:
            parts.append(heading(self.label(stage.key) if stage.key in self.stages else stage.label, 3))
            parts.append(self._stage_block(stage.key) if stage.key in self.stages else
                         paragraph(f"{stage.label}: {self.unavailable.get(stage.key, 'not available')}."))
        return join_blocks(*parts)

    def stage_rows(self, key: str) -> pd.DataFrame:
        """The whole borough's major groups and total of a stage, with the comparisons in words."""
        stage = m.STAGE_BY_KEY[key]
        whole = m.whole_borough(self.stages[key])
        rows = whole[whole["level"].isin(["major", "total"])].copy()
        rows["label"] = rows["group"].replace({m.TOTAL: f"All {stage.counts}"})
        rows["vs_wb"] = [self.rri_text(r) for _, r in rows.iterrows()]
        rows["vs_wb_verdict"] = [self.verdict_text(r, counts=stage.counts)
                                 or (self.why(r, stage.counts).removeprefix("is ") if as_text(r["symbol"]) else "")
                                 for _, r in rows.iterrows()]
        rows["vs_all"] = [self.rri_cell(r, "all", decimals=2) if r["level"] != "total" and r["group"] != m.NOT_KNOWN
                          else "" for _, r in rows.iterrows()]
        return rows

    def _stage_block(self, key: str) -> HtmlBlock:
        stage, frame = m.STAGE_BY_KEY[key], self.stages[key]
        rows = self.stage_rows(key)
        sp = spec(stage.measure_id)
        per = upper_first(stage.per_words)
        denominator = upper_first(DENOMINATOR_HEADINGS[stage.base])
        not_known = NOT_KNOWN_NOTES[stage.base]
        hidden_all = self.hidden_note([r for _, r in rows.iterrows()], "all", stage.counts)
        england, england_columns, england_note = self.england_columns(key, rows), {}, ""
        if england is not None:
            rows = rows.assign(england_rate=england["rate"], england_rri=england["rri"])
            england_columns = {"england_rate": f"England {england.attrs['year']}: {stage.per_words}",
                               "england_rri": f"England {england.attrs['year']}: compared with White British"}
            england_note = (f" England: DfE's national figures for {england.attrs['year']}, the same groups (Chinese "
                            "pupils in Asian), computed from its counts, which it rounds to the nearest 5.")
        table = html_table(
            rows, {"label": "Group", "numerator": (f"Pupils {lower_first(stage.label)}" if stage.base == "pupils" else
                                                   upper_first(COUNTED.get(stage.base, stage.counts))),
                   "denominator": denominator,
                   "value": per, "interval": "95% interval", "vs_wb": "Compared with White British (95% interval)",
                   "vs_wb_verdict": "Verdict", "vs_all": "Compared with all other groups", **england_columns},
            caption=f"{sp.label} by ethnic group, {frame['period'].iat[0]}",
            units={"denominator": "count", "value": self.unit(key)}, decimals={"value": 0 if stage.per == 10_000 else 2},
            threshold=self.b.threshold, counts=stage.counts,
            note=(f"Who is counted: {lower_first(sp.definition)} Denominator: {sp.denominator}. {not_known} "
                  f"'Compared with' is the relative rate index: 2 means twice as likely; {TOO_FEW}."
                  + (f" In the column 'Compared with all other groups', {hidden_all}" if hidden_all else "")
                  + england_note))
        return join_blocks(paragraph(" ".join(self.stage_sentences(key, rows))), table)

    def stage_sentences(self, key: str, rows: pd.DataFrame) -> list[str]:
        stage = m.STAGE_BY_KEY[key]
        counts = stage.counts  # children, pupils or care leavers: who is compared with White British
        counted = COUNTED.get(stage.base, stage.counts)  # who the count is
        total = self.total(rows)
        out = []
        if as_text(total["symbol"]):
            out.append(f"The number of {counted} counted {self.why(total, stage.counts)}.")
        elif stage.base == "care_leavers":
            of = ("" if pd.isna(total["denominator"]) else
                  f" of {format_count(total['denominator'])} care leavers aged 17 to 21")
            out.append(f"{format_count(total['numerator'])}{of} were not in education, employment or training "
                       f"({format_number_for_unit(total['value'], self.unit(key))} {stage.base_words}).")
        else:
            out.append(f"{format_count(total['numerator'])} {stage.counts} were counted "
                       f"({format_number_for_unit(total['value'], self.unit(key))} {stage.base_words}).")
        compared = rows[rows["group"].isin(COMPARED)]
        over = compared[compared["rri_wb_verdict"] == "over-represented"].sort_values("rri_wb", ascending=False)
        under = compared[compared["rri_wb_verdict"] == "under-represented"].sort_values("rri_wb")
        lead = over.iloc[0] if len(over) else (under.iloc[0] if len(under) else None)
        if lead is not None:
            out.append(describe_rri(lead["group"], stage.phrase, lead["rri_wb"], lead["rri_wb_lower"],
                                    lead["rri_wb_upper"], counts=counts, verdict=lead["rri_wb_verdict"]))
            over, under = over[over["group"] != lead["group"]], under[under["group"] != lead["group"]]
        if len(over):
            out.append(f"{join(f'{g} ({self.times(r)})' for g, r in zip(over['group'], over.to_dict('records')))} "
                       f"{counts} were also more likely than White British {counts} to {stage.phrase}.")
        if len(under):
            also = " also" if lead is not None and lead["rri_wb_verdict"] == "under-represented" else ""
            out.append(f"{join(f'{g} ({self.times(r)})' for g, r in zip(under['group'], under.to_dict('records')))} "
                       f"{counts} were{also} less likely.")
        similar = list(compared.loc[compared["rri_wb_verdict"] == "no evidence of a difference", "group"])
        few = list(compared.loc[compared["rri_wb_verdict"] == "too few to say", "group"])
        if similar:
            out.append(f"For {join(similar)} {counts} the difference from White British {counts} was not clear "
                       "(it could be chance).")
        if few:
            out.append(f"There were too few {join(few)} {counts} (or White British {counts}) for a judgement.")
        wb = self.row(rows, m.REFERENCE)
        hidden = [r for _, r in compared.iterrows() if self.comparison_hidden(r)]
        if wb is not None and as_text(wb["symbol"]):
            out.append(f"The number of White British {counted} {self.why(wb, counts)}, so no group can be compared "
                       "with them.")
            hidden = [r for r in hidden if as_text(r["symbol"])]
        return out + self.hidden_sentences(hidden, counts) + self.england_sentences(key, lead)

    # ---- where the gap opens ------------------------------------------------------------
    def section_progression(self) -> HtmlBlock:
        parts = [paragraph(
            "The stages above compare each group with all children of that group in the borough. Here each step is "
            "compared only with the children who reached the step before it, to show where in the journey a gap opens: "
            "at the front door (referral), or later (for example, of children referred, who went on to a child "
            "protection plan). Children are followed through the same episode of need in the CIN census. An RRI of 2 "
            "here means that, of children at the earlier step, those in this group were twice as likely as White "
            "British children to go on to the next.")]
        if not self.steps:
            return join_blocks(*parts, paragraph("No step could be computed: the CIN census tables are needed."))
        rows = [self.chart_row("Referred, of all children", g, self.row(self.stages["referral"], g))
                for g in COMPARED if "referral" in self.stages]
        rows += [self.chart_row(STEP_ROWS[k], g, self.row(f, g)) for k, f in self.steps.items() for g in COMPARED]
        chart = self.rri_panels(rows, title=self._progression_title(), panels=COMPARED,
                                rows_in_panel=list(dict.fromkeys(r["stage"] for r in rows)),
                                note="The first row compares with all children in the borough; the others compare "
                                     "with the children who reached the step before.",
                                alt_intro="Dot charts, one per ethnic group, comparing each group with White British "
                                          "children at each step, among the children who reached the step before.")
        if chart is not None:
            parts.append(chart)
        parts.extend(paragraph(s) for s in self.gap_sentences())
        for step in m.STEPS:
            parts.append(heading(step.label, 3))
            parts.append(self._step_block(step.key) if step.key in self.steps else
                         paragraph(f"{step.label}: {self.unavailable.get(step.key, 'not available')}."))
        parts.append(paragraph("Looked after, missing and exclusions are not steps that follow a referral in the same "
                               "records, so they are compared with all children (or pupils) only, in 'Stage by stage'."))
        return join_blocks(*parts)

    def _progression_title(self) -> str:
        def clear(frame):
            return sum(as_text(self.row(frame, g)["rri_wb_verdict"]) in CLEAR for g in COMPARED)
        clear_steps = sum(clear(f) for f in self.steps.values())
        clear_ref = clear(self.stages["referral"]) if "referral" in self.stages else 0
        if clear_ref and not clear_steps:
            return "The differences open at referral: once referred, no group moved through the steps clearly faster or slower"
        if clear_steps:
            return "Some groups were more, or less, likely than White British children to move on after referral"
        return "Each step compared with the step before, by ethnic group"

    def gap_sentences(self) -> list[str]:
        """Where the gap in child protection plans opens: at the front door (referral), after it, or
        neither clearly (or the comparison that would say is hidden). Empty when no group differs."""
        if not {"referral", "cp_plan"} <= set(self.stages) or "cp_plan_after_referral" not in self.steps:
            return []
        more, less, patterns = [], [], {"front door": [], "after": [], "unclear": [], "hidden": []}
        for group in COMPARED:
            plan, ref, step = (self.row(f, group) for f in (self.stages["cp_plan"], self.stages["referral"],
                                                             self.steps["cp_plan_after_referral"]))
            verdict = as_text(plan["rri_wb_verdict"])
            if verdict not in CLEAR:
                continue
            (more if verdict == CLEAR[0] else less).append(group)
            if self.comparison_hidden(step) or self.comparison_hidden(ref):
                patterns["hidden"].append(group)
            elif step["rri_wb_verdict"] == verdict:
                patterns["after"].append(group)
            elif ref["rri_wb_verdict"] == verdict and step["rri_wb_verdict"] not in CLEAR:
                patterns["front door"].append(group)
            else:
                patterns["unclear"].append(group)
        if not more and not less:
            return []
        if more and less:
            who = f"{join(more)} children were more likely, and {join(less)} children less likely,"
        else:
            who = f"{join(more or less)} children were {'more' if more else 'less'} likely"
        out = [f"{who} than White British children to start a child protection plan."]
        for pattern, words in (("front door", ("the difference opens at the front door: they were referred at a "
                                              "different rate, but once referred were no more or less likely than "
                                              "White British children to reach a plan")),
                               ("after", ("the difference widens after referral: of children referred, they were "
                                         "also more or less likely than White British children to reach a plan")),
                               ("unclear", ("neither the referral rate nor the path from referral to a plan alone "
                                           "explains the difference clearly")),
                               ("hidden", ("the comparison that would show where the gap opens is hidden to protect "
                                          "privacy"))):
            if patterns[pattern]:
                out.append(f"For {join(patterns[pattern])} children, {words}.")
        return out

    def _step_block(self, key: str) -> HtmlBlock:
        step, frame = m.STEP_BY_KEY[key], self.steps[key]
        rows = m.whole_borough(frame)
        rows = rows[rows["level"].isin(["major", "total"])].copy()
        rows["label"] = rows["group"].replace({m.TOTAL: f"All {step.counts}"})
        rows["vs_wb"] = [self.rri_text(r) for _, r in rows.iterrows()]
        rows["verdict"] = [self.verdict_text(r) or (self.why(r).removeprefix("is ") if as_text(r["symbol"]) else "")
                           for _, r in rows.iterrows()]
        total = self.total(rows)
        text = []
        if as_text(total["symbol"]):
            text.append(f"The number of {step.cohort} who {step.outcome} {self.why(total)}.")
        else:
            text.append(f"Of {format_count(total['denominator'])} {step.cohort}, {format_count(total['numerator'])} "
                        f"({format_number_for_unit(total['value'], 'percent')}) {step.outcome}.")
        compared = rows[rows["group"].isin(COMPARED)]
        clear = compared[compared["rri_wb_verdict"].isin(CLEAR)].sort_values("rri_wb", ascending=False)
        for _, r in clear.head(2).iterrows():
            text.append(describe_rri(r["group"], step.phrase, r["rri_wb"], r["rri_wb_lower"], r["rri_wb_upper"],
                                     counts=step.counts, verdict=r["rri_wb_verdict"]))
        if len(clear) > 2:
            text.append(f"{plural(len(clear) - 2, 'other group')} also differed clearly: see the table.")
        hidden = [r for _, r in compared.iterrows() if self.comparison_hidden(r)]
        if not len(clear) and len(hidden) < len(compared):
            text.append(f"No group shown differed clearly from White British {step.counts} at this step.")
        text += self.hidden_sentences(hidden, step.counts)
        sp = spec(step.measure_id)
        table = html_table(rows, {"label": "Group", "denominator": step.heading, "numerator": "Went on",
                                  "value": "Per cent", "interval": "95% interval",
                                  "vs_wb": "Compared with White British (95% interval)", "verdict": "Verdict"},
                           caption=f"{sp.label}, {frame['period'].iat[0]}", units={"value": "percent"},
                           threshold=self.b.threshold, counts=step.counts,
                           note=f"Who is counted: {sp.definition} Denominator: {sp.denominator}.")
        return join_blocks(paragraph(" ".join(text)), table)
