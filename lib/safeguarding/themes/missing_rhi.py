"""Section 'Return home interviews' of the missing briefing (a mixin of
:class:`safeguarding.themes.missing.MissingView`, which provides ``b`` and ``r``).

Interviews are counted in missing episodes that ended: an 'away' episode (whereabouts known)
is not followed by an interview, so it is in neither the count nor the total.
"""

from __future__ import annotations

import pandas as pd

from safeguarding.measures import missing as m
from safeguarding.measures.registry import get as spec
from safeguarding.render import charts
from safeguarding.render.blocks import HtmlBlock, join_blocks, paragraph
from safeguarding.render.comparisons import pick, symbol_of
from safeguarding.render.formats import format_number_for_unit
from safeguarding.render.hidden import hidden_words
from safeguarding.render.tables import html_table

RHI_MEASURES = ("missing.rhi_offered_pct", "missing.rhi_offered_within_72h_pct", "missing.rhi_accepted_pct",
                "missing.rhi_declined_pct", "missing.rhi_completed_pct", "missing.rhi_completed_within_72h_pct")


class ReturnInterviewSections:
    def section_return_interviews(self) -> HtmlBlock:
        b, r = self.b, self.r["rhi"]
        rows = r[r["measure_id"].isin(RHI_MEASURES)].copy()
        rows["measure"] = rows["measure_id"].map(lambda i: spec(i).label)
        rows["counted"] = rows["measure_id"].map(lambda i: spec(i).denominator)
        allr = rows[rows["group"] == m.SCOPES["all"]]
        w72 = pick(allr, "missing.rhi_offered_within_72h_pct")
        title = ("Return interviews offered within 72 hours" if w72 is None or symbol_of(w72) or pd.isna(w72["value"])
                 else f"An interview was offered within 72 hours after {w72['value']:.0f}% of missing episodes")
        chart = charts.bar_chart_with_intervals(
            list(allr["measure"]), list(allr["value"]), list(allr["lower"]), list(allr["upper"]),
            symbols=list(allr["symbol"]), unit="percent", title=title, value_label="Per cent of missing episodes that ended",
            threshold=b.threshold, counts="episodes",
            alt="Bar chart with 95% intervals of return home interview measures, all missing episodes that ended: " + "; ".join(
                f"{a}: {format_number_for_unit(v, 'percent', s or None)}" for a, v, s in zip(allr['measure'], allr['value'], allr['symbol'])))
        table = html_table(rows, {"measure": "Measure", "group": "Who", "value": "Per cent", "lower": "Lower", "upper": "Upper",
                                  "numerator": "Episodes", "denominator": "Out of", "counted": "Out of what"},
                           caption="Return home interviews, counted in missing episodes that ended ('away' episodes left out)",
                           units={"value": "percent", "lower": "percent", "upper": "percent", "numerator": "count",
                                  "denominator": "count"},
                           threshold=b.threshold, counts="episodes")
        text = ("A return home interview is an independent conversation offered to every child after they return, to understand "
                "why they went missing and keep them safe. These measures count episodes, not children: a child who went missing "
                "five times should be offered five interviews. They are counted in missing episodes that ended; an 'away' episode "
                "(the child's whereabouts were known) is not followed by an interview, so it is left out. Statutory guidance "
                "expects an interview to be offered within 72 hours of the child's return.")
        return join_blocks(paragraph(text), chart, table, self._time_to_interview())

    def _time_to_interview(self) -> HtmlBlock:
        """How long after the child's return the completed interviews took place, against 72 hours."""
        r = self.r["rhi"]
        bands = r[r["measure_id"] == "missing.rhi_time_to_interview_pct"]
        if bands.empty:
            return HtmlBlock("")
        done = pick(r, "missing.rhi_completed_within_72h_pct", m.SCOPES["all"])
        med = pick(r, "missing.median_hours_to_rhi", m.SCOPES["all"])
        words = []
        if done is not None and not symbol_of(done) and not pd.isna(done["value"]):
            words.append(f"An interview was completed within 72 hours of the child's return after {int(done['numerator']):,} of "
                         f"{int(done['denominator']):,} missing episodes that ended ({done['value']:.0f}%).")
        elif done is not None and symbol_of(done) == "c":
            words.append(f"The number of interviews completed within 72 hours {hidden_words(done.get('reason'), self.b.threshold, 'episodes')}.")
        if med is not None and not symbol_of(med) and not pd.isna(med["value"]):
            words.append(f"Half of the completed interviews took place within {med['value']:.0f} hours of the child's return.")
        table = html_table(bands, {"group": "Time from return to completed interview", "numerator": "Interviews",
                                   "value": "Per cent", "lower": "Lower", "upper": "Upper"},
                           caption="Completed return home interviews by time from the child's return (all children)",
                           units={"numerator": "count", "value": "percent", "lower": "percent", "upper": "percent"},
                           threshold=self.b.threshold, counts="episodes",
                           note="'Not known': the interview date is missing, or before the recorded return.")
        return join_blocks(HtmlBlock("<h3>How soon interviews took place</h3>"),
                           paragraph(" ".join(words)) if words else None, table)
