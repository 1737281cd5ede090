"""What the CIN census themes (child protection, front door) share: one view class that reads a
theme's protected results by measure id and says each figure in words, beside England (funnel
test), with its one-table summary, its comparison with England, the region and neighbours, and
its published trend. A theme's view sets :attr:`measures`, :attr:`compared` and :attr:`phrases`
and writes its own key findings and sections.
"""

from __future__ import annotations

import pandas as pd

from safeguarding import quality
from safeguarding.issues import InputError
from safeguarding.measures.registry import get as spec
from safeguarding.render.blocks import join_blocks, paragraph
from safeguarding.render.comparisons import (
    published_comparison_block,
    published_trend_block,
    symbol_of,
    within_funnel,
)
from safeguarding.render.glance import format_figure
from safeguarding.render.hidden import hidden_words
from safeguarding.render.lookup import first_row, rows_where
from safeguarding.render.sentences import versus_words
from safeguarding.render.tables import html_table
from safeguarding.text import lower_first


class CinView:
    """Figures in words and blocks for a theme of the CIN census (subclassed per theme)."""

    #: The theme's measures module (``P``: its measure id prefix; ``ALL``, ``NOT_RECORDED``).
    measures = None
    #: Measures compared with England, the region and neighbours, and over the years.
    compared: tuple[str, ...] = ()
    #: What each compared measure says, after "<borough>'s ...".
    phrases: dict[str, str] = {}
    #: The data-quality check that reports own figures against DfE's for the same year.
    check = ""
    #: What the summary tables count.
    counts = "children"

    def __init__(self, b):
        self.b = b
        self.r = {name: b.table(name) for name in b.r}
        self.comparisons: dict[str, object] = {}
        #: Own figures against DfE's for the same year (judged only on figures shown).
        self.quality = self._against_published()

    @property
    def P(self) -> str:
        return self.measures.P

    def _holding(self, mid: str, breakdown: str) -> tuple[pd.DataFrame, pd.DataFrame] | None:
        """The first of the theme's tables with rows of a measure in one breakdown, and those rows."""
        for frame in self.r.values():
            found = rows_where(frame, measure_id=self.P + mid, breakdown=breakdown)
            if len(found):
                return frame, found
        return None

    def rows(self, mid: str, breakdown: str = "all") -> pd.DataFrame:
        """Every row of a measure in one breakdown, from whichever of the theme's tables holds it."""
        held = self._holding(mid, breakdown)
        return pd.DataFrame() if held is None else held[1]

    def row(self, mid: str, breakdown: str = "all", group: str | None = None) -> pd.Series | None:
        held = self._holding(mid, breakdown)
        return None if held is None else first_row(held[0], measure_id=self.P + mid, breakdown=breakdown,
                                                   group=group or self.measures.ALL)

    def shown(self, row) -> bool:
        return row is not None and not symbol_of(row) and not pd.isna(row["value"])

    def hidden(self, row, counts: str) -> str:
        return hidden_words(None if row is None else row.get("reason"), self.b.threshold, counts)

    def comparison(self, mid: str):
        """The published comparison of one of the theme's measures (None when there is none)."""
        return self.published(spec(self.P + mid).published_id)

    def published(self, published_id: str | None):
        """A published measure for the borough and its comparators, read once per briefing (None
        when it is not published for the year or before)."""
        if published_id not in self.comparisons:
            try:
                self.comparisons[published_id] = self.b.compare(published_id) if published_id else None
            except InputError:
                self.comparisons[published_id] = None
        return self.comparisons[published_id]

    def fmt(self, mid: str, value, published: int | None = None) -> str:
        """A figure of a measure; one DfE published (``published``: its decimals) as DfE did."""
        return format_figure(value, spec(self.P + mid), published=published)

    # ---- words -----------------------------------------------------------------------
    def against_england(self, mid: str) -> str:
        """'higher than England (50.8 in 2024-25) (worse)', with chance judged by the funnel test."""
        row, comp, s = self.row(mid), self.comparison(mid), spec(self.P + mid)
        if not self.shown(row) or comp is None or pd.isna(comp.england):
            return ""
        kind = "rate" if s.unit == "per_10k" else "proportion"
        within = within_funnel(row["value"], None, row["denominator"], comp.england, s.unit, kind, comp)
        england = self.fmt(mid, comp.england, comp.published_decimals)
        words = versus_words(row["value"], comp.england, f"England ({england} in {comp.year_label})",
                             within_noise=within, decimals=s.decimals, polarity=s.polarity)
        return words

    def count_and_rate(self, count_mid: str, rate_mid: str, what: str, counts: str) -> str:
        n, rate = self.row(count_mid), self.row(rate_mid)
        if not self.shown(n):
            return f"The number of {what} {self.hidden(n, counts)}."
        text = f"There were {int(n['value']):,} {what}"
        if self.shown(rate):
            text += f", {self.fmt(rate_mid, rate['value'])} children"
            versus = self.against_england(rate_mid)
            text += f": {versus}" if versus else ""
        return text + "."

    def share(self, mid: str, verb: str, counts: str) -> str:
        """'Of 230 conferences, 190 (82.6%, 95% interval 77.2% to 87.0%) were held within 15 working days.'"""
        row = self.row(mid)
        if row is None:
            return ""
        if not self.shown(row):
            return f"The number of {counts} that {verb} {self.hidden(row, counts)}."
        interval = f"95% interval {self.fmt(mid, row['lower'])} to {self.fmt(mid, row['upper'])}"
        text = (f"Of {int(row['denominator']):,} {counts}, {int(row['numerator']):,} ({self.fmt(mid, row['value'])}, "
                f"{interval}) {verb}")
        versus = self.against_england(mid) if spec(self.P + mid).published_id else ""
        return text + (f": {versus}." if versus else ".")

    def largest(self, mid: str, breakdown: str) -> pd.Series | None:
        """The group of a breakdown with the most ('Not recorded' left out), when it is certainly
        the largest (see :func:`~safeguarding.render.hidden.certain_largest`), else None."""
        from safeguarding.render.hidden import certain_largest
        return certain_largest(self.rows(mid, breakdown), self.b.threshold, exclude=(self.measures.NOT_RECORDED,))

    def leading(self, mid: str, breakdown: str, noun: str, counts: str | None = None) -> str:
        """'The most common initial category: neglect, 87 of 195 plans (44.6%).' (the group's own
        words after the colon: 'Care orders was the most common' read wrongly)."""
        top = self.largest(mid, breakdown)
        if top is None:
            return ""
        return (f"The most common {noun}: {lower_first(str(top['group']))}, {int(top['numerator']):,} of "
                f"{int(top['denominator']):,} {counts or self.counts} ({self.fmt(mid, top['value'])}).")

    def not_named(self, what: str, *measures: tuple[str, str]) -> str:
        """Why no group of these (measure, breakdown)s is named the most common: every group is
        hidden, or some are, so that the largest shown one may not be the largest."""
        for mid, breakdown in measures:
            if any(self.shown(row) for _, row in self.rows(mid, breakdown).iterrows()):
                return (f"{what} are in the table below; some are hidden to protect privacy, so the most common "
                        "cannot be named.")
        return f"{what} are hidden in this briefing."

    # ---- blocks ----------------------------------------------------------------------
    def _compared(self, mid: str):
        row, s = self.row(mid), spec(self.P + mid)
        if row is None:
            return paragraph(f"{s.label}: not available ({self._why_missing()}).")
        kind = "rate" if s.unit == "per_10k" else "proportion"
        return published_comparison_block(self.b, s, s.published_id, row["value"], row.get("symbol"),
                                          borough_n=row["denominator"], borough_k=row["numerator"],
                                          phrase=self.phrases[mid], funnel_kind=kind, reason=row.get("reason"))

    def _figures(self, mids, what: str):
        """The section's figures in one table: number, out of, figure and interval."""
        rows = []
        for mid in mids:
            r, s = self.row(mid), spec(self.P + mid)
            if r is None:
                continue
            hidden, rate = not self.shown(r), s.unit == "per_10k"
            number = r["value"] if s.unit == "count" else r["numerator"]
            rows.append({"measure": s.label, "number": "c" if hidden else f"{int(number):,}",
                         "out_of": "" if s.unit == "count" else "c" if pd.isna(r["denominator"])
                         else f"{int(r['denominator']):,}" + (" children" if rate else ""),
                         "figure": "" if s.unit == "count" else "c" if hidden else self.fmt(mid, r["value"]),
                         "ci": "" if s.unit == "count" or hidden
                         else f"{self.fmt(mid, r['lower'])} to {self.fmt(mid, r['upper'])}"})
        note = (f"c = fewer than {self.b.threshold + 1}, or hidden so that another figure cannot be worked out."
                + (" Rates are per 10,000 children aged 0 to 17 (ONS mid-year estimate)."
                   if any(spec(self.P + mid).unit == "per_10k" for mid in mids) else ""))
        return html_table(pd.DataFrame(rows), {"measure": "Measure", "number": "Number", "out_of": "Out of",
                                               "figure": "Percentage or rate", "ci": "95% interval"},
                          caption=f"{what}: {self.b.area.name}, {self.b.period_label}", units={}, symbol_columns=(),
                          note=note, threshold=self.b.threshold, counts=self.counts)

    def _against_published(self) -> list[dict]:
        """Own figures that differ from DfE's for the same year, as DfE rounds them (at the
        published measure's decimals: 39 per 10,000 for children looked after, 28.9 for plans)."""
        groups: dict[tuple[str, int], list[dict]] = {}
        for mid in self.compared:
            own, comp = self.row(mid), self.comparison(mid)
            if self.shown(own) and comp is not None and comp.matches_year and not pd.isna(comp.value):
                suffix = {"percent": "%", "per_10k": " per 10,000"}.get(spec(self.P + mid).unit, "")
                groups.setdefault((suffix, comp.measure.decimals), []).append(
                    {"measure_id": self.P + mid, "label": spec(self.P + mid).label, "own": own["value"],
                     "published": comp.value, "own_n": own["denominator"], "published_n": comp.denominator})
        out = []
        for (suffix, decimals), rows in groups.items():
            out += quality.own_vs_published(pd.DataFrame(rows), code=self.check, decimals=decimals, suffix=suffix)
        return out

    def _why_missing(self) -> str:
        return self.b.meta.get("population_problem") or "not in the borough's results"

    def change_test(self, mid: str, row):
        """This year's own figure against the borough's published figure for the year before, with
        its counts (None when DfE published no counts, or the figure is hidden): a rate per 10,000
        children is a count over a population, a percentage a proportion."""
        from safeguarding.measures import stats
        from safeguarding.render.comparisons import published_trend_frame
        s = spec(self.P + mid)
        if not self.shown(row):
            return None
        try:
            trend = published_trend_frame(self.b.area, s.published_id, self.b.published_dir, up_to=self.b.published_year)
        except InputError:
            return None
        before = trend[trend["year"] == self.b.published_year - 1]
        if before.empty or before[["numerator", "denominator"]].isna().any(axis=None):
            return None
        kind = "rate" if s.unit == "per_10k" else "proportion"
        return stats.change_within_noise(float(before["numerator"].iloc[0]), float(before["denominator"].iloc[0]),
                                         float(row["numerator"]), float(row["denominator"]), kind=kind)

    def section_over_time(self):
        blocks = []
        for mid in self.compared:
            row, s = self.row(mid), spec(self.P + mid)
            if row is not None:
                test = self.change_test(mid, row)
                blocks.append(published_trend_block(self.b, s, s.published_id, row, label=s.label, phrase=self.phrases[mid],
                                                    within_noise=None if test is None else test.within_noise))
        return join_blocks(*blocks) if blocks else paragraph("No published figures over time are available.")
