"""Theme 70: children looked after (the view: figures in words, sections and key findings).

Reads only the borough's protected results (``b.table``) and DfE's published figures. Figures
DfE also publishes are set beside England, the region and the statistical neighbours for the
matching year and over the years; a difference is only called one when it is more than chance.
Long-term stability, placements over two years and distance from home need earlier years'
returns and postcodes, so DfE's own figures for the borough are shown for them, labelled so.
"""

from __future__ import annotations

import pandas as pd

from safeguarding.issues import InputError
from safeguarding.measures import looked_after as m
from safeguarding.measures.registry import get as spec
from safeguarding.render.blocks import join_blocks, paragraph
from safeguarding.render.comparisons import published_comparison_block
from safeguarding.themes.cin_view import CinView
from safeguarding.themes.records_cla import HOMES

P = m.P
STOCK = "children looked after on 31 March"
COMPARED = ("rate_per_10k", "starts_rate_per_10k", "ceased_rate_per_10k", "placements_3plus_pct", "uasc_pct")
PHRASES = {"rate_per_10k": "rate of children looked after at 31 March per 10,000 children",
           "starts_rate_per_10k": "rate of children starting to be looked after per 10,000 children",
           "ceased_rate_per_10k": "rate of children ceasing to be looked after per 10,000 children",
           "placements_3plus_pct": "share of children looked after at 31 March with three or more placements in the year",
           "uasc_pct": "share of children looked after at 31 March who were unaccompanied asylum-seeking children",
           "uasc_starts_pct": "share of children starting to be looked after who were unaccompanied asylum-seeking"}
#: Placement groups compared with LAIT's published percentages, and how they read in a sentence.
PLACEMENT_PHRASES = {"Foster placements": "in foster placements", HOMES: "in secure homes and children's homes",
                     "Independent and semi-independent living, supported accommodation":
                         "in independent or semi-independent living or supported accommodation"}


class LookedAfterView(CinView):
    """Key findings and sections of the children looked after briefing, from protected results."""

    measures = m
    compared = COMPARED
    phrases = PHRASES
    check = "CLA01"
    counts = "looked-after children"

    def placed(self, group: str) -> str:
        """'26 of 263 children looked after on 31 March (9.9%) lived in secure homes and children's homes.'"""
        row = self.row("placement_pct", "placement", group)
        where = PLACEMENT_PHRASES.get(group, f"in {group.lower()}")
        if row is None:
            return ""
        if not self.shown(row):
            return f"The number of children living {where} {self.hidden(row, 'children')}."
        return (f"{int(row['numerator']):,} of {int(row['denominator']):,} {STOCK} ({self.fmt('placement_pct', row['value'])})"
                f" lived {where}.")

    # ---- key findings ----------------------------------------------------------------
    def key_findings(self) -> list[str]:
        out = [self.count_and_rate("cla_31mar", "rate_per_10k", STOCK, "children"),
               self.count_and_rate("starts", "starts_rate_per_10k", "children who started to be looked after in the "
                                   "year", "children"),
               self.placed("Foster placements"), self.placed(HOMES),
               self.share("placements_3plus_pct", "had three or more placements in the year (lower is better)", STOCK),
               self.share("uasc_pct", "were unaccompanied asylum-seeking children", STOCK)]
        return [t for t in out if t]

    # ---- blocks ----------------------------------------------------------------------
    def _compared_group(self, mid: str, breakdown: str, group: str, published_id: str, phrase: str):
        row, s = self.row(mid, breakdown, group), spec(P + mid)
        if row is None:
            return paragraph(f"{group}: not in the borough's results.")
        return published_comparison_block(self.b, s, published_id, row["value"], row.get("symbol"),
                                          borough_n=row["denominator"], borough_k=row["numerator"],
                                          label=f"{s.label}: {group.lower()}", phrase=phrase, reason=row.get("reason"))

    def _published_only(self, s, phrase: str):
        """DfE's figure for the borough (the borough's own files cannot give it), beside England,
        the region and neighbours."""
        try:
            comp = self.b.compare(s.published_id)
        except InputError as exc:
            return paragraph(f"{s.label}: not available ({exc}).")
        value = comp.value if not pd.isna(comp.value) else None
        return published_comparison_block(self.b, s, s.published_id, value, comp.symbol, borough_n=comp.denominator,
                                          borough_k=comp.numerator, phrase=phrase, comparison=comp, own_records=False)

    # ---- sections --------------------------------------------------------------------
    def section_stock_and_flows(self):
        ceased = self.count_and_rate("ceased", "ceased_rate_per_10k", "children who ceased to be looked after in the "
                                     "year", "children")
        return join_blocks(
            paragraph(" ".join((self.count_and_rate("cla_31mar", "rate_per_10k", STOCK, "children"),
                                self.count_and_rate("starts", "starts_rate_per_10k", "children who started to be looked "
                                                    "after in the year", "children"), ceased))),
            self._figures(("cla_31mar", "rate_per_10k", "starts", "starts_rate_per_10k", "ceased", "ceased_rate_per_10k"),
                          "Children looked after, starting and ceasing"),
            self._compared("rate_per_10k"), self._compared("starts_rate_per_10k"), self._compared("ceased_rate_per_10k"))

    def section_placements(self):
        words = " ".join(t for t in (self.placed(g) for g in PLACEMENT_PHRASES) if t)
        distance = next(s for s in m.PUBLISHED_ONLY if s.published_id == "cla.over_20_miles_pct")
        return join_blocks(
            paragraph(words or "Placements are hidden in this briefing."),
            self.b.show(P + "placement_pct", view="bar", breakdown="placement",
                        caption=f"Children looked after at 31 March, by placement, {self.b.period_label}"),
            *(self._compared_group("placement_pct", "placement", g, m.PLACEMENT_PUBLISHED[g],
                                   f"share of {STOCK} living {phrase}") for g, phrase in PLACEMENT_PHRASES.items()),
            paragraph("Distance from home needs the postcodes of home and placement; the borough's files are not used "
                      "for it. DfE's published figure for the borough is shown."),
            self._published_only(distance, "share of children looked after placed more than 20 miles from home, "
                                           "outside the borough (DfE's figure)"))

    def section_stability(self):
        long_term, two_years = (next(s for s in m.PUBLISHED_ONLY if s.published_id == pid)
                                for pid in ("cla.long_term_stability_pct", "cla.placements_3plus_2yrs_pct"))
        return join_blocks(
            paragraph(self.share("placements_3plus_pct", "had three or more placements in the year (lower is better)",
                                 STOCK)),
            self._figures(("placements_3plus_pct",), "Placement stability"),
            self._compared("placements_3plus_pct"),
            paragraph("Long-term stability and placements over two years need every earlier year's return; DfE's "
                      "published figures for the borough are shown."),
            self._published_only(long_term, "share of children under 16 looked after for two and a half years who had "
                                            "lived with the same carer for two years (DfE's figure)"),
            self._published_only(two_years, "share of children looked after for two years with three or more "
                                            "placements in those two years (DfE's figure)"))

    def section_legal_status(self):
        words = self.leading("legal_status_pct", "legal_status", "legal status on 31 March", "children")
        return join_blocks(paragraph(words or "Legal statuses are hidden in this briefing."),
                           self.b.show(P + "legal_status_pct", view="bar", breakdown="legal_status",
                                       caption=f"Children looked after at 31 March, by legal status, "
                                               f"{self.b.period_label}"))

    def section_ceased(self):
        words = self.leading("ceased_reason_pct", "reason", "reason care ended", "children")
        return join_blocks(paragraph(words or "Reasons care ended are hidden in this briefing."),
                           self.b.show(P + "ceased_reason_pct", view="bar", breakdown="reason",
                                       caption=f"Children ceasing to be looked after, by reason, {self.b.period_label}"))

    def section_who(self):
        parts = [paragraph(" ".join(t for t in (
            self.leading("by_group_pct", "age", "age group on 31 March", "children"),
            self.share("uasc_pct", "were unaccompanied asylum-seeking children", STOCK),
            self.share("uasc_starts_pct", "were unaccompanied asylum-seeking children", "children who started to be "
                       "looked after in the year"),
            "Ethnic groups are compared in the disproportionality briefing (children looked after during the year "
            "per 10,000 children of each group, beside the other stages of the child's journey).") if t)),
                 self.b.show(P + "by_group_pct", view="bar", breakdown="age",
                             caption=f"Children looked after at 31 March, by age, {self.b.period_label}"),
                 self.b.show(P + "by_group_pct", breakdown="sex",
                             caption=f"Children looked after at 31 March, by sex, {self.b.period_label}"),
                 self._compared("uasc_pct"), self._compared("uasc_starts_pct")]
        return join_blocks(*parts)


VIEW = LookedAfterView
