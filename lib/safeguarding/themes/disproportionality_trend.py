"""Section 'Over the years' of the disproportionality briefing: the relative rate index of each
major group against White British, year by year, for the stages whose extracts hold earlier
years (:data:`safeguarding.measures.disproportionality.TREND_STAGES`).

A mixin for :class:`safeguarding.themes.disproportionality.DisproportionalityView`; it reads
the protected ``trend`` table only.
"""

from __future__ import annotations

import pandas as pd

from safeguarding.measures import disproportionality as m
from safeguarding.render.blocks import HtmlBlock, heading, join_blocks, paragraph
from safeguarding.render.formats import format_number_for_unit
from safeguarding.render.tables import html_table
from safeguarding.themes.disproportionality_words import COMPARED, SHOWN_VERDICTS, TOO_FEW, VERDICT_WORDS, as_text, join

#: Cell text of a year in which the group's figure is hidden.
HIDDEN = "c"


def trend_cell(row: pd.Series | None) -> str:
    """One group-year: '2.62, higher', '1.10, not clear', 'too few to say', 'c' or 'x'."""
    if row is None:
        return "x"
    verdict = as_text(row["rri_wb_verdict"])
    if as_text(row["symbol"]) == "c" or verdict == m.HIDDEN_VERDICT:
        return HIDDEN
    if verdict in SHOWN_VERDICTS and pd.notna(row["rri_wb"]):
        return f"{format_number_for_unit(row['rri_wb'], 'ratio', decimals=2)}, {VERDICT_WORDS[verdict]}"
    return VERDICT_WORDS.get(verdict, verdict) or "x"


def steady_findings(frame: pd.DataFrame, periods: list[str]) -> tuple[list[str], list[str]]:
    """Groups with a clear difference in the same direction in every year shown (at least three),
    and groups whose verdict was clear in the first year and not in the last, or the reverse."""
    steady, changed = [], []
    for group in COMPARED:
        verdicts = []
        for period in periods:
            rows = frame[(frame["group"] == group) & (frame["level"] == "major") & (frame["period"] == period)]
            verdicts.append(as_text(rows["rri_wb_verdict"].iloc[0]) if len(rows) else "")
        if len(periods) >= 3 and verdicts[0] in ("over-represented", "under-represented") and \
                all(v == verdicts[0] for v in verdicts):
            steady.append(f"{group} ({VERDICT_WORDS[verdicts[0]]})")
        first, last = verdicts[0], verdicts[-1]
        clear = ("over-represented", "under-represented")
        if (first in clear) != (last in clear) and first in SHOWN_VERDICTS and last in SHOWN_VERDICTS:
            changed.append(f"{group} ({VERDICT_WORDS[first]} in {periods[0]}, {VERDICT_WORDS[last]} in {periods[-1]})")
    return steady, changed


class TrendSections:
    def section_over_time(self) -> HtmlBlock:
        b = self.b
        if "trend" not in b.r:
            return paragraph("No stage has earlier years in the borough's extracts, so there is no trend to show. The "
                             "SSDA903 and CIN census extracts hold one collection year; the missing log and the "
                             "exclusions extracts can hold several.")
        trend = b.table("trend")
        parts = [paragraph(
            "Is a difference new, or has it lasted? For the stages whose extracts hold earlier years, each cell is the "
            "relative rate index against White British children in that year, with the verdict: 'higher' and 'lower' "
            f"are clear differences, 'not clear' could be chance, {TOO_FEW}, and 'c' means hidden to protect privacy. "
            "Each year's rate is out of that year's base: the ONS estimate of children for the year (with the Census "
            "2021 ethnic make-up) or that school year's roll. A verdict that holds year after year is stronger "
            "evidence than one year alone.")]
        for key in m.TREND_STAGES:
            stage = m.STAGE_BY_KEY[key]
            frame = trend[trend["measure_id"] == stage.measure_id]
            if frame.empty:
                continue
            periods = list(dict.fromkeys(frame["period"]))
            rows = []
            for group in COMPARED:
                cells = {}
                for i, period in enumerate(periods):
                    sub = frame[(frame["group"] == group) & (frame["level"] == "major") & (frame["period"] == period)]
                    cells[f"y{i}"] = trend_cell(sub.iloc[0] if len(sub) else None)
                rows.append({"group": group, **cells})
            table = pd.DataFrame(rows)
            steady, changed = steady_findings(frame, periods)
            words = []
            if steady:
                words.append(f"In every year from {periods[0]} to {periods[-1]}, the rate was clearly different from "
                             f"White British children's for {join(steady)}.")
            if changed:
                words.append(f"The verdict changed for {join(changed)}.")
            if not words:
                words.append(f"No group's difference from White British children was clear in every year from "
                             f"{periods[0]} to {periods[-1]}.")
            if key == "missing":
                words.append("The count of children who went missing includes 'away from placement' episodes where "
                             "they were recorded; where recording changed in a year (see the missing briefing's data "
                             "quality notes) the change applies to every group, so the ratios are less affected than "
                             "the counts.")
            hidden = (table[[f"y{i}" for i in range(len(periods))]] == HIDDEN).any(axis=None)
            note = "x = no figure for the year." + (
                " c = hidden: the group's count is fewer than "
                f"{b.threshold + 1}, or hidden so that another figure cannot be worked out." if hidden else "")
            parts += [heading(stage.label, 3), paragraph(" ".join(words)),
                      html_table(table, {"group": "Ethnic group", **{f"y{i}": p for i, p in enumerate(periods)}},
                                 caption=f"{stage.label}: relative rate index against White British children, by year "
                                         f"({b.area.name})",
                                 threshold=b.threshold, counts=stage.counts, note=note)]
        return join_blocks(*parts)
