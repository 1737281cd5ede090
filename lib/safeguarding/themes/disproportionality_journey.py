"""Section 'Across the child's journey' of the disproportionality briefing, and the RRI
charts of every section.

A mixin for :class:`safeguarding.themes.disproportionality.DisproportionalityView`, which
provides the lookups (``row``, ``total``, ``label``) and the words for figures (``rri_cell``,
``verdict_text``, ``why`` ...). Charts are drawn from protected rows only; a hidden
comparison has no dot (and its table cell says why).
"""

from __future__ import annotations

import pandas as pd

from safeguarding.codes.ethnicity import MAPPING_NOTE
from safeguarding.measures import disproportionality as m
from safeguarding.render import charts
from safeguarding.render.blocks import (
    HtmlBlock,
    bullet_list,
    heading,
    join_blocks,
    paragraph,
)
from safeguarding.render.formats import format_number_for_unit
from safeguarding.render.tables import html_table
from safeguarding.themes.disproportionality_words import (
    CLEAR,
    COMPARED,
    SHOWN_VERDICTS,
    TOO_FEW,
    VERDICT_WORDS,
    as_text,
    callout,
    join,
    rates_note,
)

RRI_NOTE = "An RRI of 2 means children in this group were twice as likely as White British children to reach that stage."


class JourneySections:
    # ---- charts ----------------------------------------------------------------------
    def chart_row(self, label: str, group: str, r: pd.Series) -> dict:
        return {"stage": label, "group": group, "value": r["rri_wb"], "lower": r["rri_wb_lower"],
                "upper": r["rri_wb_upper"], "symbol": as_text(r["symbol"]), "verdict": as_text(r["rri_wb_verdict"])}

    def rri_panels(self, rows: list[dict], *, title: str, alt_intro: str, panels, note: str, counts: str = "children",
                   panel_column: str = "group", row_column: str = "stage", rows_in_panel=None):
        """An RRI chart of the rows (None when no row has a comparison to draw). A hidden comparison is
        left out (no dot, no words); the table beside the chart says why."""
        if not any(r["verdict"] in SHOWN_VERDICTS for r in rows):
            return None
        frame = pd.DataFrame(rows)
        alt = alt_intro + " " + " ".join(
            f"{p}: " + "; ".join(f"{r[row_column]} {_alt_value(r)}" for r in rows if r[panel_column] == p) + "."
            for p in panels)
        shown = frame[frame["verdict"] != m.HIDDEN_VERDICT]
        if len(shown) < len(frame):
            note += " A row with no dot and no words: the comparison is hidden to protect privacy (the table says why)."
        return charts.rri_chart(shown, title=title, alt=alt, group_column=row_column, stage_column=panel_column,
                                stages=list(panels), groups=rows_in_panel, ncols=2, counts=counts, note=note,
                                reference_group="White British")

    # ---- across the journey ------------------------------------------------------------
    def section_journey(self) -> HtmlBlock:
        parts = [paragraph(
            "This briefing asks whether children of some ethnic groups are more, or less, likely than others to reach "
            "each stage of the journey through children's services, from referral to care, and in school exclusions and "
            "care leavers' outcomes. At each stage each child is counted once, however many times it happened, and "
            "divided by the number of children of the same group living in the borough (for exclusions: pupils of the "
            "group on the school roll; for NEET care leavers: care leavers aged 17 to 21 of the group)."), callout(
            "How to read the comparisons: a relative rate index (RRI) divides a group's rate by the White British rate. "
            "An RRI of 2 means children in this group were twice as likely as White British children to reach that "
            "stage; 0.5 means half as likely; 1 means equally likely. 'Higher' or 'lower' is shown only when the 95% "
            "interval (the range the true figure is likely to lie in) does not include 1; otherwise the difference is "
            f"'not clear' (it could be chance); {TOO_FEW}. 'c' means a figure is hidden to protect privacy; each "
            "table says why.")]
        rows = [self.chart_row(self.label(k), g, self.row(f, g)) for k, f in self.stages.items() for g in COMPARED]
        chart = self.rri_panels(rows, title=self._journey_title(), panels=COMPARED, note=RRI_NOTE,
                                rows_in_panel=[self.label(k) for k in self.stages],
                                alt_intro="Dot charts, one per ethnic group, of how likely children in the group were "
                                          "to reach each stage compared with White British children.")
        parts.append(chart if chart is not None else paragraph(
            "No group has a comparison with White British children that can be shown at any stage, so there is no "
            "chart: the table shows what can be shown."))
        parts.append(self._journey_table())
        if self.population is not None:
            parts.append(self._population_table())
        parts += [heading("Children whose ethnicity was not recorded", 3), self._not_known_table(),
                  heading("About these figures", 3)]
        year = self.b.meta.get("academic_year")
        notes = [
            ("White is split into White British (the comparison group) and Other White (Irish, Traveller of Irish "
            "heritage, Gypsy/Roma and any other White background), so that every group can be compared with White "
            "British children. Each table also compares each group with all other groups combined."),
            self.b.meta["population_note"], MAPPING_NOTE,
            (f"Exclusions and suspensions are for the latest complete school year{f' ({year})' if year else ''} and count "
            "pupils (each pupil once), per 100 pupils of the group on the school roll."),
            ("NEET care leavers are counted against care leavers aged 17 to 21 of the same group (as the NEET briefing "
            "counts them), per 100 care leavers: the share of the group's care leavers not in education, employment "
            "or training, compared with the share of White British care leavers. Only the major groups are shown, as "
            "the numbers are small."),
        ]
        for key, reason in self.unavailable.items():
            label = m.STAGE_BY_KEY[key].label if key in m.STAGE_BY_KEY else m.STEP_BY_KEY[key].label
            notes.append(f"{label}: {reason}.")
        parts.append(bullet_list(notes))
        return join_blocks(*parts)

    def _journey_title(self) -> str:
        profile, n = self.group_profile(), len(self.stages)
        over = sorted((g for g in COMPARED if len(profile[g]["over"]) * 2 > n), key=lambda g: -len(profile[g]["over"]))
        under = [g for g in COMPARED if len(profile[g]["under"]) * 2 > n]
        if over and under:
            return (f"{join(over)} children were more likely, and {join(under)} children less likely, than White "
                    "British children to reach most stages")
        if over or under:
            return (f"{join(over or under)} children were {'more' if over else 'less'} likely than White British "
                    "children to reach most stages")
        return "How likely children of each group were to reach each stage, compared with White British children"

    def _journey_table(self) -> HtmlBlock:
        if not self.stages:
            return paragraph("No stage could be computed.")
        rows, compared = [], []
        for key, frame in self.stages.items():
            total, wb = self.total(frame), self.row(frame, m.REFERENCE)
            row = {"stage": self.label(key), "children": total["numerator"], "children_symbol": as_text(total["symbol"]),
                   "wb_rate": format_number_for_unit(wb["value"], self.unit(key), as_text(wb["symbol"]) or None)}
            for group in COMPARED:
                r = self.row(frame, group)
                row[group] = self.rri_cell(r)
                compared.append(r)
            rows.append(row)
        columns = {"stage": "Stage", "children": "Children counted", "wb_rate": "White British rate"} | {g: g for g in COMPARED}
        note = (f"Each group's figure is its rate divided by the White British rate (2 = twice as likely). "
                f"{rates_note(self.stages)} 'higher' / 'lower': a clear difference (the 95% interval excludes 1); "
                f"'not clear': it could be chance; {TOO_FEW}.")
        return html_table(pd.DataFrame(rows), columns, caption="Each group compared with White British children, stage by "
                          "stage (relative rate index, and whether the difference is clear)",
                          units={"children": "count"}, symbol_columns=(), threshold=self.b.threshold,
                          note=" ".join(x for x in (note, self.hidden_note(compared)) if x))

    def _population_table(self) -> HtmlBlock:
        pop = self.population
        rows = pop[pop["level"].isin(["major", "total"]) & (pop["group"] != m.NOT_KNOWN)].copy()
        rows["label"] = rows["group"].replace({m.TOTAL: "All children"})
        return html_table(rows, {"label": "Group", "numerator": "Children aged 0 to 17 (estimate)", "value": "Share"},
                          caption="The starting point: children living in the borough, by ethnic group",
                          units={"numerator": "count", "value": "percent"}, threshold=self.b.threshold,
                          note="Estimates: Census 2021 shares of each group applied to the ONS mid-year estimate of "
                               "children aged 0 to 17 (see 'About these figures'). Every rate per 10,000 children in "
                               "this briefing divides by these numbers.")

    def _not_known_table(self) -> HtmlBlock:
        frame = self.not_known.copy()
        if frame.empty:
            return paragraph("No stage could be computed.")
        labels = {m.STAGE_BY_KEY[k].label: self.label(k) for k in self.stages}
        frame["stage_label"] = frame["group"].map(lambda g: labels.get(g, g))
        frame["why"] = [self.why(r).removeprefix("is ") if as_text(r["symbol"]) == "c" else "" for _, r in frame.iterrows()]
        columns = {"stage_label": "Stage", "denominator": "Children counted", "numerator": "Ethnicity not known",
                   "value": "Share", "interval": "95% confidence interval"}
        if frame["why"].any():
            columns["why"] = "Why hidden"
        return html_table(frame, columns, caption="Children whose ethnicity was refused, not obtained or not recorded, "
                          "at each stage", units={"value": "percent"}, threshold=self.b.threshold,
                          note="These children are counted at every stage ('Not known' rows) but belong to no group, so "
                               "no group's rate includes them (and they have no population, so no rate of their own at "
                               "the stages compared with the borough's children). The more of them there are, the less "
                               "certain every comparison in this briefing is.")


def _alt_value(r: dict) -> str:
    if r["verdict"] in SHOWN_VERDICTS and not pd.isna(r["value"]):
        words = VERDICT_WORDS[r["verdict"]] if r["verdict"] in CLEAR else "no clear difference"
        return f"{format_number_for_unit(r['value'], 'ratio', decimals=1)} ({words})"
    if r["verdict"] == m.HIDDEN_VERDICT:
        return "hidden to protect privacy"
    return r["verdict"] or "not available"
