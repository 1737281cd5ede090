"""The care leavers briefing against its own past and other areas: year-on-year changes and the
summary table of comparators (a mixin for :class:`safeguarding.themes.neet.NeetView`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from safeguarding.measures import care_leavers as m
from safeguarding.measures.registry import get as spec
from safeguarding.render.blocks import join_blocks, paragraph
from safeguarding.render.comparisons import symbol_of
from safeguarding.render.tables import html_table

COUNTS = "care leavers"
#: Measures tested year on year against the borough's own published figures, with short labels.
TRENDED = {"neet.eet_pct": "EET", "neet.neet_pct": "NEET", "neet.activity_not_known_pct": "Activity not known",
           "neet.higher_education_pct": "Higher education", "neet.accommodation_suitable_pct": "Suitable accommodation"}
#: The reason for being NEET, in words.
REASON_WORDS = {"neet.neet_illness_pct": "illness or disability", "neet.neet_other_pct": "other reasons",
                "neet.neet_parenting_pct": "pregnancy or parenting"}


class ComparatorSections:
    def _published_year(self) -> str:
        return next((c.year_label for c in self.comparisons.values() if c is not None), "")

    def _changes_summary(self) -> str:
        """Every year-on-year change of NEET and EET in one or two sentences, with the chance verdict."""
        moves, beyond, since = [], [], ""
        for mid in ("neet.neet_pct", "neet.eet_pct"):
            for band in m.BANDS:
                change, now = self.changes[(mid, band)], self.row(mid, band)
                prev = change["previous"]
                if prev is None or not self.shown(now) or symbol_of({"symbol": prev["borough_symbol"]}) or pd.isna(prev["borough"]):
                    continue
                since = prev["period"]
                moves.append(f"{TRENDED[mid]} {m.BAND_WORDS[band]} went from {self._pct(prev['borough'])} to {self._pct(now['value'])}")
                if change["test"] is not None and not change["test"].within_noise:
                    beyond.append(f"{TRENDED[mid]} {m.BAND_WORDS[band]}")
        if not moves:
            return ""
        text = f"Since {since} (published figures): {'; '.join(moves)}."
        if beyond:
            return text + f" The change in {' and in '.join(beyond)} is larger than chance would usually give."
        return text + " None of these changes is larger than chance would usually give for groups this size."

    def _summary_table(self):
        rows, beyond = [], []
        prev_period = ""
        for mid, short in TRENDED.items():
            for band in m.BANDS:
                r, comp = self.row(mid, band), self.comparison(mid, band)
                if comp is None:
                    continue
                prev, test = self.changes[(mid, band)]["previous"], self.changes[(mid, band)]["test"]
                if prev is not None:
                    prev_period = prev["period"]
                if test is not None and not test.within_noise:
                    beyond.append(f"{spec(mid).label.lower()} {m.BAND_WORDS[band]}")
                rows.append({"measure": f"{short}, {band.replace('-', ' to ')}", "value": r["value"],
                             "symbol": symbol_of(r) or "",
                             "last_year": prev["borough"] if prev is not None else np.nan,
                             "last_year_symbol": (symbol_of({"symbol": prev["borough_symbol"]}) or "") if prev is not None else "x",
                             "england": comp.england, "england_symbol": comp.england_symbol or "",
                             "region": comp.region, "region_symbol": comp.region_symbol or "",
                             "sn_median": comp.sn_median, "sn_median_symbol": "" if not pd.isna(comp.sn_median) else "x",
                             "better": {"higher_better": "Higher", "lower_better": "Lower"}.get(spec(mid).polarity, "Neither")})
        name, period = self.b.area.name, self.b.period_label
        columns = {"measure": "Measure, age", "value": period, "last_year": prev_period or "Year before",
                   "england": "England", "region": self.b.area.region, "sn_median": "Neighbours", "better": "Better if"}
        units = {c: "percent" for c in ("value", "last_year", "england", "region", "sn_median")}
        verdict = (f"The change from {prev_period} is larger than chance would usually give for: {'; '.join(beyond)}."
                   if beyond else f"No change from {prev_period} is larger than chance would usually give for groups this size.")
        table = html_table(pd.DataFrame(rows), columns, caption=f"{name}: care leavers' activity and accommodation against "
                                                               "comparators (percentages of all care leavers in the age group)",
                           units=units, decimals={c: 0 for c in units}, symbol_columns=("value",), threshold=self.b.threshold,
                           counts=COUNTS, note=f"{name}: {period} from its own records, {prev_period} as published. "
                                               f"England, {self.b.area.region} and Neighbours (the median of the ten statistical neighbours' published figures, shown when at least four publish one): "
                                               f"published figures for {self._published_year()}. Chance: Newcombe interval for "
                                               "the difference between two percentages.",
                           source="Department for Education, Children looked after in England including adoptions; own records.")
        return join_blocks(paragraph(verdict), table)
