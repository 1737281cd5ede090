"""Sections 'Smaller ethnic groups' and 'Ethnicity with sex and school phase' of the
disproportionality briefing.

A mixin for :class:`safeguarding.themes.disproportionality.DisproportionalityView`. Smaller
groups are in the whole-borough rows of every stage but NEET; combinations with sex are in
every stage but NEET (major groups), and with school phase in the exclusion stages.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from safeguarding.measures import disproportionality as m
from safeguarding.render.blocks import (
    HtmlBlock,
    bullet_list,
    heading,
    join_blocks,
    paragraph,
)
from safeguarding.render.sentences import upper_first
from safeguarding.render.tables import html_table
from safeguarding.text import plural
from safeguarding.themes.disproportionality_words import (
    CLEAR,
    COMPARED,
    SEX_WORDS,
    TOO_FEW,
    VERDICT_WORDS,
    as_text,
    callout,
    join,
    rates_note,
)

#: Stages shown in the first of two matrices (children's social care); the rest in the second.
SOCIAL_CARE = ("referral", "assessment", "s47", "cp_plan", "looked_after")
MINORS = tuple(g for gs in m.MINOR_GROUPS.values() for g in gs)
#: At most this many combinations of ethnicity with sex or school phase are listed per stage.
MAX_INTERSECTION_ROWS = 8


class GroupSections:
    # ---- smaller groups ----------------------------------------------------------------
    def section_minor_groups(self) -> HtmlBlock:
        parts = [paragraph(
            "Major groups can hide differences within them: Black Caribbean and Black African children, for example, "
            "can have very different rates. Here each smaller group is compared with White British children where the "
            f"numbers allow: 'higher' and 'lower' are clear differences, 'not clear' could be chance, {TOO_FEW}, and "
            "'c' means hidden to protect privacy (each table says why). Smaller groups are not shown for NEET care "
            "leavers: the numbers are too small.")]
        keys = [k for k, f in self.stages.items() if (f["level"] == "minor").any()]
        if not keys:
            return join_blocks(*parts, paragraph("No stage with smaller groups could be computed."))
        for chosen, what in (([k for k in keys if k in SOCIAL_CARE], "children's social care"),
                             ([k for k in keys if k not in SOCIAL_CARE], "missing and school exclusions")):
            if chosen:
                parts.append(self._minor_matrix(chosen, what))
        caribbean = self._caribbean_african()
        if caribbean:
            parts += [heading("Black Caribbean and Black African children", 3), bullet_list(caribbean)]
        parts += [heading("Smaller groups with a clear difference", 3), self._minor_detail(keys),
                  paragraph("Populations for Traveller of Irish heritage, Gypsy/Roma and Other ethnic group are "
                            "approximate: the DfE codes and the Census 2021 categories differ (see the notes).", "note")]
        return join_blocks(*parts)

    def _minor_matrix(self, keys: list[str], what: str) -> HtmlBlock:
        rows, cells = [], []
        for minor in MINORS:
            row = {"group": minor + (" (approximate)" if minor in m.APPROXIMATE_GROUPS else "")}
            for key in keys:
                r = self.row(self.stages[key], minor, "minor")
                row[key] = self.rri_cell(r)
                cells.append(r)
            rows.append(row)
        return html_table(pd.DataFrame(rows), {"group": "Group"} | {k: self.label(k) for k in keys},
                          caption=f"Smaller ethnic groups compared with White British children: {what}",
                          symbol_columns=(), threshold=self.b.threshold,
                          note=" ".join(x for x in (("Relative rate index (2 = twice as likely as White British children) "
                                                    "and whether the difference is clear."),
                                                    self.hidden_note([c for c in cells if c is not None])) if x))

    def _likelihood(self, row: pd.Series, counts: str) -> str:
        verdict = as_text(row["rri_wb_verdict"])
        if verdict in CLEAR:
            return f"{self.times(row)} (a clear difference)"
        if verdict == "no evidence of a difference":
            return f"{self.times(row)} (could be chance)"
        if verdict == m.HIDDEN_VERDICT:
            return f"not shown ({self.comparison_why(row, counts=counts)})"
        return "too few for a judgement"

    def _caribbean_african(self) -> list[str]:
        out = []
        for key, frame in self.stages.items():
            car, afr = self.row(frame, "Black Caribbean", "minor"), self.row(frame, "Black African", "minor")
            if car is None or afr is None or not (car["rri_wb_verdict"] in CLEAR or afr["rri_wb_verdict"] in CLEAR):
                continue
            noun = m.STAGE_BY_KEY[key].counts
            out.append(f"{self.label(key)}, compared with White British {noun}: Black Caribbean {noun} "
                       f"{self._likelihood(car, noun)}; Black African {noun} {self._likelihood(afr, noun)}.")
        return out

    def _minor_detail(self, keys: list[str]) -> HtmlBlock:
        rows, tally, hidden, listed = [], {"clear": 0, "similar": 0, "few": 0}, [], []
        for key in keys:
            whole = m.whole_borough(self.stages[key])
            for _, r in whole[whole["level"] == "minor"].iterrows():
                verdict = as_text(r["rri_wb_verdict"])
                if verdict == m.HIDDEN_VERDICT:
                    hidden.append(r)
                    continue
                tally["clear" if verdict in CLEAR else "similar" if verdict == "no evidence of a difference" else "few"] += 1
                if verdict in CLEAR and r["rri_wb_strict"] == "yes":
                    listed.append(key)
                    rows.append({"stage": self.label(key), "group": r["group"], "numerator": r["numerator"],
                                 "rate": self.rate_text(r, self.unit(key)), "rri": self.rri_text(r),
                                 "verdict": VERDICT_WORDS[verdict], "symbol": r["symbol"]})
        total = sum(tally.values()) + len(hidden)
        why = self.hidden_reasons(hidden)
        intro = (f"Of {total:,} combinations of smaller group and stage, {tally['clear']:,} showed a clear difference "
                 f"from White British children, {tally['similar']:,} no clear difference and {tally['few']:,} had too "
                 f"few children for a judgement; {len(hidden):,} {'is' if len(hidden) == 1 else 'are'} hidden to protect privacy{f' ({why})' if why else ''}. "
                 f"The {len(rows):,} clear differences that still hold with a much stricter test (see 'Ethnicity with "
                 "sex and school phase') are listed below; the matrices above show the rest.")
        if not rows:
            return paragraph(intro)
        table = html_table(pd.DataFrame(rows), {"stage": "Stage", "group": "Group", "numerator": "Children",
                                                "rate": "Rate (95% interval)",
                                                "rri": "Compared with White British (95% interval)",
                                                "verdict": "Difference"},
                           caption="Smaller ethnic groups with a clear difference that holds with a stricter test",
                           threshold=self.b.threshold,
                           note=rates_note(dict.fromkeys(listed)))
        return join_blocks(paragraph(intro), table)

    # ---- ethnicity with sex and school phase ----------------------------------------------
    def section_intersections(self) -> HtmlBlock:
        n = self.n_tests
        parts = [paragraph(
            "Ethnicity combined with sex (or, for exclusions, school phase) can show a group the broader figures hide "
            "(for example, Black Caribbean boys in exclusions). Each combination is compared with White British "
            "children of the same sex or phase. ONS does not publish children by ethnic group and sex for a borough, "
            "so for the social care stages the comparisons within each sex assume every group is half girls and half "
            "boys. Exclusions use the pupil roll, which gives these numbers. Only the major groups are combined."),
            callout(
            f"A caution about many comparisons: this briefing compares groups with White British children {n:,} times. "
            f"With 95% intervals, about 1 in 20 comparisons where there is no real difference will still look like one, "
            f"so about {max(1, round(n / 20)):,} of the 'clear' differences could be chance. The column 'Still clear "
            f"with a stricter test?' repeats each clear comparison with a much stricter interval (a Bonferroni "
            f"correction: {100 * (1 - 0.05 / n):.4g}% instead of 95%). No verdict has been changed: read a 'no' there "
            "as a difference worth watching, not an established one.")]
        chart = self._intersection_chart()
        if chart is not None:
            parts.append(chart)
        for key, frame in self.stages.items():
            block = self._intersection_block(key, frame)
            if block is not None:
                parts += [heading(self.label(key), 3), block]
        return join_blocks(*parts)

    def who(self, row: pd.Series, counts: str) -> str:
        if row["sex"] != m.TOTAL:
            word = SEX_WORDS[row["sex"]] if counts == "children" else f"{SEX_WORDS[row['sex']]} ({counts})"
            return f"{row['group']} {word}"
        band = str(row["age_band"])
        return f"{row['group']} pupils ({band.lower()}{' schools' if band != 'Alternative provision' else ''})"

    def _intersection_block(self, key: str, frame: pd.DataFrame) -> HtmlBlock | None:
        stage = m.STAGE_BY_KEY[key]
        cells = frame[((frame["sex"] != m.TOTAL) | (frame["age_band"] != m.TOTAL)) & frame["group"].isin(COMPARED)]
        cells = cells[(cells["sex"] != "U") & (cells["age_band"] != m.NOT_KNOWN)]
        if cells.empty:
            return None
        verdicts = cells["rri_wb_verdict"].fillna("")
        clear = cells[verdicts.isin(CLEAR)]
        hidden = [r for _, r in cells[verdicts == m.HIDDEN_VERDICT].iterrows()]
        similar = int((verdicts == "no evidence of a difference").sum())
        few = int((verdicts == "too few to say").sum())
        slices = "sex or school phase" if stage.age_label else "sex"
        summary = (f"{len(cells):,} combinations of ethnic group with {slices} were checked: {len(clear):,} showed a "
                   f"clear difference from White British {stage.counts} of the same {slices}, {similar:,} no clear "
                   f"difference, {few:,} had too few {stage.counts} for a judgement and {len(hidden):,} are hidden to "
                   "protect privacy.")
        if hidden:
            summary += f" Hidden: {self.hidden_reasons(hidden, counts=stage.counts)}."
        if clear.empty:
            return paragraph(summary)
        strength = np.abs(np.log(clear["rri_wb"].astype(float).clip(lower=1e-6)))
        clear = clear.assign(_firm=(clear["rri_wb_strict"] == "yes"), _strength=strength)
        clear = clear.sort_values(["_firm", "_strength"], ascending=False)
        if len(clear) > MAX_INTERSECTION_ROWS:
            summary += (f" The {MAX_INTERSECTION_ROWS} largest differences are listed (those that hold with the stricter "
                        f"test first); {plural(len(clear) - MAX_INTERSECTION_ROWS, 'smaller one')} {'is' if len(clear) - MAX_INTERSECTION_ROWS == 1 else 'are'} not.")
            clear = clear.head(MAX_INTERSECTION_ROWS)
        note = {"pupils": "The pupil roll gives the number of pupils of each group by sex and school phase.",
                "care_leavers": "Care leavers aged 17 to 21 are counted by group and sex, so no assumption is needed.",
                }.get(stage.base, "'Compared with' is the relative rate index within the same sex. It assumes each "
                                  "group's children are half girls and half boys.")
        rows = pd.DataFrame({
            "who": [self.who(r, stage.counts) for _, r in clear.iterrows()],
            "numerator": clear["numerator"].to_numpy(), "symbol": clear["symbol"].to_numpy(),
            "rri": [self.rri_text(r) for _, r in clear.iterrows()],
            "verdict": clear["rri_wb_verdict"].map(VERDICT_WORDS).to_numpy(),
            "strict": clear["rri_wb_strict"].to_numpy()})
        table = html_table(rows, {"who": "Who", "numerator": upper_first(stage.counts),
                                  "rri": f"Compared with White British {stage.counts} of the same {slices} (95% interval)",
                                  "verdict": "Difference", "strict": "Still clear with a stricter test?"},
                           caption=f"{self.label(key)}: combinations with a clear difference",
                           threshold=self.b.threshold, counts=stage.counts, note=note)
        return join_blocks(paragraph(summary), table)

    def _intersection_chart(self):
        key = next((k for k in ("suspension", "permanent_exclusion", "referral") if k in self.stages), None)
        if key is None:
            return None
        stage, frame = m.STAGE_BY_KEY[key], self.stages[key]
        panels = {"F": "Girls", "M": "Boys"}
        rows = [self.chart_row(group, panels[sex], self.row(frame, group, sex=sex)) for sex in panels for group in COMPARED]
        boys_over = [r["stage"] for r in rows if r["group"] == "Boys" and r["verdict"] == "over-represented"]
        title = (f"{self.label(key)}: {join(boys_over)} boys were more likely than White British boys"
                 if boys_over else f"{self.label(key)}: each group compared with White British {stage.counts} of the same sex")
        return self.rri_panels(rows, title=title, panels=list(panels.values()), note="", counts=stage.counts,
                               rows_in_panel=list(COMPARED),
                               alt_intro=f"Dot charts for girls and boys of how likely each group was to be counted at the "
                                         f"stage '{self.label(key)}', compared with White British {stage.counts} of the "
                                         "same sex.")
