"""Theme 70: children looked after (the view: figures in words, sections and key findings).

Reads only the borough's protected results (``b.table``) and DfE's published figures. Figures
DfE also publishes are set beside England, the region and the statistical neighbours for the
matching year and over the years; a difference is only called one when it is more than chance.
Long-term stability, placements over two years and distance from home need earlier years'
returns and postcodes, so DfE's own figures for the borough are shown for them, labelled so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from safeguarding.measures import looked_after as m
from safeguarding.measures.registry import get as spec
from safeguarding.render.blocks import join_blocks, paragraph
from safeguarding.render.comparisons import cite, within_funnel
from safeguarding.render.glance import format_figure
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
INDEPENDENT = "Independent and semi-independent living, supported accommodation"
PLACEMENT_PHRASES = {"Foster placements": "in foster placements", HOMES: "in secure homes and children's homes",
                     INDEPENDENT: "in independent or semi-independent living or supported accommodation"}


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
        text = (f"{int(row['numerator']):,} of {int(row['denominator']):,} {STOCK} "
                f"({self.fmt('placement_pct', row['value'])}) lived {where}")
        comp = self.published(m.PLACEMENT_PUBLISHED.get(group))
        if comp is None or pd.isna(comp.england):
            return text + "."
        return text + ": " + self.versus_england(row["value"], row["denominator"], comp, spec(P + "placement_pct")) + "."

    # ---- key findings ----------------------------------------------------------------
    def key_findings(self) -> list[str]:
        out = [self.count_and_rate("cla_31mar", "rate_per_10k", STOCK, "children"),
               self.placed("Foster placements"), self.placed(HOMES), self.placed(INDEPENDENT),
               self.share("placements_3plus_pct", "had three or more placements in the year (lower is better)", STOCK),
               self.share("uasc_pct", "were unaccompanied asylum-seeking children", STOCK)]
        return [t for t in out if t]

    # ---- data quality ----------------------------------------------------------------
    def _against_published(self) -> list[dict]:
        """Own figures that differ from DfE's for the same year, as DfE rounds them: the compared
        measures, unaccompanied children among those starting, and each placement group LAIT
        publishes (named 'measure@group', so the first page flags only that group's row)."""
        from safeguarding import quality
        out = super()._against_published()
        rows = [(P + "uasc_starts_pct", spec(P + "uasc_starts_pct").label, self.row("uasc_starts_pct"),
                 "cla.uasc_starts_pct")]
        rows += [(f"{P}placement_pct@{g}", f"{g} (children looked after at 31 March)",
                  self.row("placement_pct", "placement", g), pid) for g, pid in m.PLACEMENT_PUBLISHED.items()]
        found = []
        for mid, label, own, pid in rows:
            comp = self.published(pid)
            if comp is not None and self.shown(own) and comp.matches_year and not pd.isna(comp.value):
                found.append({"measure_id": mid, "label": label, "own": own["value"], "published": comp.value,
                              "own_n": own["denominator"], "published_n": comp.denominator})
        if found:
            out += quality.own_vs_published(pd.DataFrame(found), code=self.check, decimals=0, suffix="%")
        return out

    def versus_england(self, value, n, comp, s) -> str:
        """'lower than England (67%)': chance judged by the funnel test when the count behind
        the figure is known; otherwise the difference is stated untested, without 'better' or 'worse'."""
        from safeguarding.render.sentences import versus_words
        within = within_funnel(value, None, n, comp.england, s.unit, "proportion", comp)
        england = format_figure(comp.england, s, published=comp.published_decimals)
        words = versus_words(value, comp.england, f"England ({england})", within_noise=within,
                             decimals=s.decimals, polarity=s.polarity if within is not None else None)
        if within is None and not words.startswith("the same"):
            words += " (not tested against chance: the number it is out of is not published)"
        return words

    # ---- blocks ----------------------------------------------------------------------
    def _table_of_comparisons(self, rows: list[tuple[str, object, str, object]], caption: str, own: bool):
        """Several published measures in one table (one row each: the borough's own figure where
        it has one, DfE's figure for it, England, the region, the neighbours' median), with a
        sentence per row saying how the borough compares with England (chance judged by the funnel
        test where the counts are known). ``rows``: (label, own row or None, published id, spec)."""
        from safeguarding.render.tables import html_table
        table, words = [], []
        for label, row, pid, s in rows:
            comp = self.published(pid)
            if comp is None:
                continue
            shown = own and self.shown(row)
            # a hidden own figure is never printed beside DfE's for the same year (a reader would
            # take one for the other): both are 'c'
            hidden = own and row is not None and not shown and comp.matches_year
            value, n = ((row["value"], row["denominator"]) if shown else (np.nan, np.nan) if hidden
                        else (comp.value, comp.denominator))
            def f(v, published=comp.published_decimals, s=s):  # DfE's figures as DfE published them
                return format_figure(v, s, published=published) if not pd.isna(v) else "x"
            table.append({"measure": label, **({"own": f(row["value"], None) if shown else "c" if row is not None
                                                else "x"} if own else {}),
                          "published": "c" if hidden else f(comp.value), "england": f(comp.england),
                          "region": f(comp.region), "sn": f(comp.sn_median)})
            if not pd.isna(value) and not pd.isna(comp.england):
                words.append(f"{label}: {f(value, None if shown else comp.published_decimals)}, "
                             f"{self.versus_england(value, n, comp, s)}.")
        if not table:
            return paragraph(f"{caption}: not published for the year.")
        year = comp.year_label
        columns = {"measure": "Measure", **({"own": f"{self.b.area.name} (own records)"} if own else {}),
                   "published": f"{self.b.area.name} (DfE)", "england": "England", "region": comp.region_name,
                   "sn": "Statistical neighbours (median)"}
        cite(self.b, f"{comp.source_title}, {year}", comp.measure.title)
        return join_blocks(paragraph(" ".join(words)), html_table(
            pd.DataFrame(table), columns, caption=f"{caption}: {self.b.area.name} and comparators, {year}", units={},
            symbol_columns=(), threshold=self.b.threshold, counts="children",
            note=(f"c = hidden in {self.b.area.name}'s own records (fewer than {self.b.threshold + 1} children, or so "
                  "that another hidden figure cannot be worked out); DfE's figure for the same year is then not shown "
                  "either. x = not published.") if own else "x = not published.",
            source=f"Department for Education, {comp.source_title} ({year})."
                   + (f" {self.b.area.name} (own records): its files for {self.b.period_label}." if own else "")))

    def _caption(self, mid: str, breakdown: str, what: str) -> str:
        """A chart title that states the finding: 'Foster placements the largest group (60.1%):
        children looked after at 31 March, by placement, 2024-25'."""
        top = self.largest(mid, breakdown)
        if top is None or top["numerator"] <= 0:
            return f"{what[0].upper()}{what[1:]}, {self.b.period_label}"
        return f"{top['group']}: the largest group ({self.fmt(mid, top['value'])}) of {what}, {self.b.period_label}"

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
        groups = [(g, self.row("placement_pct", "placement", g), pid, spec(P + "placement_pct"))
                  for g, pid in m.PLACEMENT_PUBLISHED.items()]
        return join_blocks(
            paragraph(words or self.not_named("Placements", ("placement_pct", "placement"))),
            self.b.show(P + "placement_pct", view="bar", breakdown="placement",
                        caption=self._caption("placement_pct", "placement", "children looked after at 31 March, by "
                                                                                "placement")),
            self._table_of_comparisons(groups, "Children looked after at 31 March, by placement (%)", own=True),
            paragraph("Distance from home needs the postcodes of home and placement, which the briefing does not "
                      "use; DfE's published figure for the borough is shown."),
            self._table_of_comparisons([(distance.label, None, distance.published_id, distance)],
                                       "Placed more than 20 miles from home, outside the borough (%)", own=False))

    def section_stability(self):
        dfe_only = [s for s in m.PUBLISHED_ONLY if s.published_id != "cla.over_20_miles_pct"]
        return join_blocks(
            paragraph(self.share("placements_3plus_pct", "had three or more placements in the year (lower is better)",
                                 STOCK)),
            self._figures(("placements_3plus_pct",), "Placement stability"),
            self._compared("placements_3plus_pct"),
            paragraph("Long-term stability and placements over two years need every earlier year's return; DfE's "
                      "published figures for the borough are shown."),
            self._table_of_comparisons([(s.label, None, s.published_id, s) for s in dfe_only],
                                       "Long-term placement stability (DfE's figures)", own=False))

    def section_legal_status(self):
        words = self.leading("legal_status_pct", "legal_status", "legal status on 31 March", "children")
        return join_blocks(paragraph(words or self.not_named("Legal statuses", ("legal_status_pct", "legal_status"))),
                           self.b.show(P + "legal_status_pct", view="bar", breakdown="legal_status",
                                       caption=self._caption("legal_status_pct", "legal_status",
                                                             "children looked after at 31 March, by legal status")))

    def section_ceased(self):
        words = self.leading("ceased_reason_pct", "reason", "reason care ended", "children")
        return join_blocks(paragraph(words or self.not_named("Reasons care ended", ("ceased_reason_pct", "reason"))),
                           self.b.show(P + "ceased_reason_pct", view="bar", breakdown="reason",
                                       caption=self._caption("ceased_reason_pct", "reason",
                                                             "children ceasing to be looked after, by reason")))

    def section_who(self):
        parts = [paragraph(" ".join(t for t in (
            self.leading("by_group_pct", "age", "age group on 31 March", "children"),
            self.share("uasc_pct", "were unaccompanied asylum-seeking children", STOCK),
            self.share("uasc_starts_pct", "were unaccompanied asylum-seeking children", "children who started to be "
                       "looked after in the year"),
            "Ethnic groups are compared in the disproportionality briefing (children looked after during the year "
            "per 10,000 children of each group, beside the other stages of the child's journey).") if t)),
                 self.b.show(P + "by_group_pct", view="bar", breakdown="age",
                             caption=self._caption("by_group_pct", "age", "children looked after at 31 March, by age")),
                 self.b.show(P + "by_group_pct", breakdown="sex",
                             caption=f"Children looked after at 31 March, by sex, {self.b.period_label}"),
                 self._compared("uasc_pct"),
                 self._table_of_comparisons([(spec(P + "uasc_starts_pct").label, self.row("uasc_starts_pct"),
                                              "cla.uasc_starts_pct", spec(P + "uasc_starts_pct"))],
                                            "Unaccompanied asylum-seeking children among those starting (%)", own=True)]
        return join_blocks(*parts)


VIEW = LookedAfterView
