"""Theme 60: child protection (the view: figures in words, sections and key findings).

Reads only the borough's protected results (``b.table``) and DfE's published figures. Each
figure DfE also publishes is set beside England, the region and the statistical neighbours
for the matching year (:func:`published_comparison_block`) and over the years
(:func:`published_trend_block`); a difference is only called one when it is more than chance.
"""

from __future__ import annotations

import pandas as pd

from safeguarding.issues import InputError
from safeguarding.measures import child_protection as m
from safeguarding.measures.registry import get as spec
from safeguarding import quality
from safeguarding.render.blocks import join_blocks, paragraph
from safeguarding.render.comparisons import (
    pick,
    published_comparison_block,
    published_trend_block,
    symbol_of,
    within_funnel,
)
from safeguarding.render.formats import format_number_for_unit
from safeguarding.render.hidden import hidden_words
from safeguarding.render.sentences import versus_words
from safeguarding.render.tables import html_table

P = m.P
#: The measures compared with England, the region and neighbours, and over the years.
COMPARED = ("s47_rate_per_10k", "icpc_within_15_days_pct", "starts_rate_per_10k", "open_rate_per_10k",
            "second_subsequent_pct", "open_two_years_pct")
#: What each compared measure says, after "<borough>'s ...".
PHRASES = {"s47_rate_per_10k": "rate of section 47 enquiries per 10,000 children",
           "icpc_within_15_days_pct": "share of initial conferences held within 15 working days",
           "starts_rate_per_10k": "rate of child protection plans starting per 10,000 children",
           "open_rate_per_10k": "rate of child protection plans at 31 March per 10,000 children",
           "second_subsequent_pct": "share of plans starting that were a second or subsequent plan",
           "open_two_years_pct": "share of plans at 31 March that had lasted two years or more"}
TABLE_OF = {"s47_rate_per_10k": "enquiries", "icpc_within_15_days_pct": "enquiries", "icpc_after_s47_pct": "enquiries",
            "s47_enquiries": "enquiries", "icpcs": "enquiries"}


class ChildProtectionView:
    """Key findings and sections of the child protection briefing, from protected results."""

    def __init__(self, b):
        self.b = b
        self.r = {name: b.table(name) for name in ("enquiries", "plans", "categories", "groups") if name in b.r}
        self.comparisons: dict[str, object] = {}
        #: Own figures against DfE's for the same year (judged only on figures shown).
        self.quality = self._against_published()

    # ---- lookups ---------------------------------------------------------------------
    def row(self, mid: str, breakdown: str = "all", group: str = m.ALL) -> pd.Series | None:
        frame = self.r.get(TABLE_OF.get(mid, "plans"))
        if mid.endswith("category_pct"):
            frame = self.r.get("categories")
        if frame is None:
            return None
        return pick(frame[frame["breakdown"] == breakdown], P + mid, group)

    def shown(self, row) -> bool:
        return row is not None and not symbol_of(row) and not pd.isna(row["value"])

    def hidden(self, row, counts: str) -> str:
        return hidden_words(None if row is None else row.get("reason"), self.b.threshold, counts)

    def comparison(self, mid: str):
        if mid not in self.comparisons:
            try:
                self.comparisons[mid] = self.b.compare(spec(P + mid).published_id)
            except InputError:
                self.comparisons[mid] = None
        return self.comparisons[mid]

    def fmt(self, mid: str, value) -> str:
        s = spec(P + mid)
        return format_number_for_unit(value, s.unit, None, decimals=0 if s.unit == "count" else s.decimals)

    # ---- words -----------------------------------------------------------------------
    def against_england(self, mid: str) -> str:
        """'higher than England (50.8 in 2024-25) (worse)', with chance judged by the funnel test."""
        row, comp, s = self.row(mid), self.comparison(mid), spec(P + mid)
        if not self.shown(row) or comp is None or pd.isna(comp.england):
            return ""
        kind = "rate" if s.unit == "per_10k" else "proportion"
        within = within_funnel(row["value"], None, row["denominator"], comp.england, s.unit, kind, comp)
        words = versus_words(row["value"], comp.england, f"England ({self.fmt(mid, comp.england)} in {comp.year_label})",
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
        versus = self.against_england(mid) if spec(P + mid).published_id else ""
        return text + (f": {versus}." if versus else ".")

    def leading(self, mid: str, breakdown: str, noun: str) -> str:
        """'Neglect was the most common initial category: 87 of 195 plans (44.6%).'"""
        frame = self.r.get("categories" if "category" in breakdown else "groups")
        if frame is None:
            return ""
        rows = frame[(frame["measure_id"] == P + mid) & (frame["breakdown"] == breakdown)]
        shown = rows[rows["symbol"].fillna("").eq("") & rows["group"].ne(m.NOT_RECORDED)]
        if shown.empty:
            return ""
        top = shown.loc[shown["numerator"].idxmax()]
        return (f"{top['group']} was the most common {noun}: {int(top['numerator']):,} of {int(top['denominator']):,} "
                f"plans ({self.fmt(mid, top['value'])}).")

    # ---- key findings ----------------------------------------------------------------
    def key_findings(self) -> list[str]:
        out = [self.count_and_rate("s47_enquiries", "s47_rate_per_10k", "section 47 enquiries starting in the year",
                                   "enquiries"),
               self.share("icpc_within_15_days_pct", "were held within 15 working days of the enquiry starting "
                          "(higher is better)", "initial conferences held in the year"),
               self.count_and_rate("plans_started", "starts_rate_per_10k", "child protection plans starting in the year",
                                   "plans"),
               self.count_and_rate("plans_open", "open_rate_per_10k", "child protection plans open on 31 March", "plans"),
               self.share("second_subsequent_pct", "were for a child who had been on a plan before",
                          "plans starting in the year"),
               self.leading("initial_category_pct", "initial_category", "initial category of abuse")]
        return [t for t in out if t]

    # ---- sections --------------------------------------------------------------------
    def _compared(self, mid: str):
        row, s = self.row(mid), spec(P + mid)
        if row is None:
            return paragraph(f"{s.label}: not available ({self._why_missing()}).")
        kind = "rate" if s.unit == "per_10k" else "proportion"
        return published_comparison_block(self.b, s, s.published_id, row["value"], row.get("symbol"),
                                          borough_n=row["denominator"], borough_k=row["numerator"],
                                          phrase=PHRASES[mid], funnel_kind=kind, reason=row.get("reason"))

    def _figures(self, mids, what: str):
        """The section's figures in one table: number, out of, figure and interval."""
        rows = []
        for mid in mids:
            r, s = self.row(mid), spec(P + mid)
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
        note = (f"c = fewer than {self.b.threshold + 1}, or hidden so that another figure cannot be worked out. "
                "Rates are per 10,000 children aged 0 to 17 (ONS mid-year estimate).")
        return html_table(pd.DataFrame(rows), {"measure": "Measure", "number": "Number", "out_of": "Out of",
                                               "figure": "Percentage or rate", "ci": "95% interval"},
                          caption=f"{what}: {self.b.area.name}, {self.b.period_label}", units={}, symbol_columns=(),
                          note=note, threshold=self.b.threshold, counts="plans")

    def _against_published(self) -> list[dict]:
        """Own figures that differ from DfE's for the same year, as DfE rounds them."""
        out = []
        for unit, suffix in (("percent", "%"), ("per_10k", " per 10,000")):
            rows = []
            for mid in (x for x in COMPARED if spec(P + x).unit == unit):
                own, comp = self.row(mid), self.comparison(mid)
                if self.shown(own) and comp is not None and comp.matches_year and not pd.isna(comp.value):
                    rows.append({"label": spec(P + mid).label, "own": own["value"], "published": comp.value,
                                 "own_n": own["denominator"], "published_n": comp.denominator})
            out += quality.own_vs_published(pd.DataFrame(rows, columns=["label", "own", "published", "own_n", "published_n"]),
                                            code="CP01", decimals=1, suffix=suffix)
        return out

    def _why_missing(self) -> str:
        return self.b.meta.get("population_problem") or "not in the borough's results"

    def section_enquiries(self):
        return join_blocks(
            paragraph(" ".join(t for t in (
                self.count_and_rate("s47_enquiries", "s47_rate_per_10k", "section 47 enquiries starting in the year",
                                    "enquiries"),
                self.share("icpc_after_s47_pct", "led to an initial child protection conference",
                           "section 47 enquiries starting in the year"),
                self.share("icpc_within_15_days_pct", "were held within 15 working days of the enquiry starting "
                           "(higher is better)", "initial conferences held in the year")) if t)),
            self._figures(("s47_enquiries", "s47_rate_per_10k", "icpc_after_s47_pct", "icpcs", "icpc_within_15_days_pct"),
                          "Section 47 enquiries and initial conferences"),
            self._compared("s47_rate_per_10k"), self._compared("icpc_within_15_days_pct"))

    def section_plans(self):
        ended = self.row("plans_ended")
        ended_text = (f"{int(ended['value']):,} plans ended in the year." if self.shown(ended)
                      else f"The number of plans that ended {self.hidden(ended, 'plans')}.")
        return join_blocks(
            paragraph(" ".join((self.count_and_rate("plans_started", "starts_rate_per_10k",
                                                    "child protection plans starting in the year", "plans"),
                                ended_text,
                                self.count_and_rate("plans_open", "open_rate_per_10k",
                                                    "child protection plans open on 31 March", "plans")))),
            self._figures(("plans_started", "starts_rate_per_10k", "plans_ended", "plans_open", "open_rate_per_10k"),
                          "Child protection plans"),
            self._compared("starts_rate_per_10k"), self._compared("open_rate_per_10k"))

    def section_repeat_and_duration(self):
        return join_blocks(
            paragraph(" ".join(t for t in (
                self.share("second_subsequent_pct", "were for a child who had been on a plan before (lower is better)",
                           "plans starting in the year"),
                self.share("open_two_years_pct", "had lasted two years or more", "plans open on 31 March"),
                self.share("ended_two_years_pct", "had lasted two years or more", "plans that ended in the year"))
                if t)),
            self._figures(("second_subsequent_pct", "open_two_years_pct", "ended_two_years_pct"),
                          "Repeat plans and long plans"),
            self._compared("second_subsequent_pct"), self._compared("open_two_years_pct"))

    def section_categories(self):
        words = " ".join(t for t in (self.leading("initial_category_pct", "initial_category", "initial category of abuse"),
                                     self.leading("latest_category_pct", "latest_category",
                                                  "latest category of abuse of plans open on 31 March")) if t)
        return join_blocks(paragraph(words or "The categories of abuse are hidden in this briefing."),
                           self.b.show(P + "initial_category_pct", view="bar"),
                           self.b.show(P + "latest_category_pct", view="bar"))

    def section_who(self):
        parts = [paragraph(" ".join(t for t in (
            self.leading("started_by_group_pct", "age", "age group at the start of a plan"),
            "Ethnic groups are compared in the disproportionality briefing; the rates per 10,000 children of each "
            "group starting a plan are repeated here.") if t)),
                 self.b.show(P + "started_by_group_pct", view="bar", breakdown="age",
                             caption=f"Plans starting, by age at the start of the plan, {self.b.period_label}"),
                 self.b.show(P + "started_by_group_pct", breakdown="sex",
                             caption=f"Plans starting, by sex, {self.b.period_label}")]
        try:
            parts.append(self.b.show("disproportionality.cp_plan_rate_per_10k", view="bar", breakdown="ethnicity"))
        except InputError as exc:
            parts.append(paragraph(f"Rates by ethnic group are not available: {exc}"))
        return join_blocks(*parts)

    def section_over_time(self):
        blocks = []
        for mid in COMPARED:
            row, s = self.row(mid), spec(P + mid)
            if row is not None:
                blocks.append(published_trend_block(self.b, s, s.published_id, row, label=s.label, phrase=PHRASES[mid]))
        return join_blocks(*blocks) if blocks else paragraph("No published figures over time are available.")


VIEW = ChildProtectionView
