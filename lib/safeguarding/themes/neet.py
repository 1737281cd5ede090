"""Theme 40: care leavers in education, employment or training (the view: figures in words and key findings).

Reads only the borough's protected results (``b.table``) and DfE's published figures; the
sections are laid out in :mod:`safeguarding.themes.neet_sections`. Every percentage carries
its 95% interval, and differences are tested against chance before they are called
differences.
"""

from __future__ import annotations

import pandas as pd

from safeguarding import quality
from safeguarding.issues import InputError
from safeguarding.measures import care_leavers as m
from safeguarding.measures import stats
from safeguarding.measures.registry import get as spec
from safeguarding.render.comparisons import (
    pick,
    published_trend_frame,
    symbol_of,
    within_funnel,
)
from safeguarding.render.formats import format_interval, format_number_for_unit
from safeguarding.render.hidden import hidden_summary, hidden_words
from safeguarding.render.sentences import SPREAD
from safeguarding.themes.neet_comparators import COUNTS, REASON_WORDS, TRENDED
from safeguarding.themes.neet_sections import NeetSections

#: What a measure of :meth:`NeetView.share_sentence` says about a care leaver, after "care leavers aged 19 to 21 ...".
VERBS = {
    "neet.neet_pct": "were not in education, employment or training (NEET)",
    "neet.accommodation_suitable_pct": "were in suitable accommodation",
}


class NeetView(NeetSections):
    """Key findings and sections of the care leavers briefing, from the borough's protected results."""

    def __init__(self, b):
        self.b = b
        self.r = {name: b.table(name) for name in ("main", "sex", "ethnicity") if name in b.r}
        self.year = int(b.meta["collection_year"])
        self.comparisons: dict[tuple[str, str], object] = {}
        self.trends: dict[str, pd.DataFrame | None] = {}
        self.changes = {(mid, band): self._year_on_year(mid, band) for mid in TRENDED for band in m.BANDS}
        #: Findings that can only be judged on the figures as shown (own against published, same year).
        self.quality = quality.own_vs_published(self._same_year_published())

    # ---- lookups ---------------------------------------------------------------------
    def row(self, mid: str, band: str) -> pd.Series | None:
        main = self.r["main"]
        return pick(main[main["breakdown"] == "age_band"], mid, band)

    def shown(self, row) -> bool:
        return row is not None and not symbol_of(row) and not pd.isna(row["value"])

    def hidden(self, row) -> str:
        """'is hidden: fewer than 6 care leavers' (or another reason) for a hidden row."""
        return hidden_words(row.get("reason"), self.b.threshold, COUNTS)

    def hidden_rows(self, rows) -> str:
        return hidden_summary([r.get("reason") for r in rows if r is not None and not self.shown(r)], self.b.threshold, COUNTS)

    def trend(self, mid: str, band: str) -> pd.DataFrame | None:
        """The borough's published figures over the years for a measure and band (None when not published)."""
        pid = m.published_id(mid, band)
        if pid not in self.trends:
            try:
                self.trends[pid] = published_trend_frame(self.b.area, pid, self.b.published_dir, up_to=self.b.published_year) if pid else None
            except InputError:
                self.trends[pid] = None
        return self.trends[pid]

    def comparison(self, mid: str, band: str):
        """The latest published comparison for a measure and band (None when not published)."""
        key = (mid, band)
        if key not in self.comparisons:
            pid = m.published_id(mid, band)
            try:
                self.comparisons[key] = self.b.compare(pid) if pid else None
            except InputError:
                self.comparisons[key] = None
        return self.comparisons[key]

    def _year_on_year(self, mid: str, band: str) -> dict:
        """This year as shown (own records) against last year (the borough's published counts)."""
        out = {"previous": None, "test": None}
        trend, now = self.trend(mid, band), self.row(mid, band)
        before = trend[trend["year"] == self.year - 1] if trend is not None else pd.DataFrame()
        if before.empty:
            return out
        prev = out["previous"] = before.iloc[0]
        if self.shown(now) and not (pd.isna(prev["numerator"]) or pd.isna(prev["denominator"])):
            out["test"] = stats.change_within_noise(prev["numerator"], prev["denominator"], now["numerator"], now["denominator"])
        return out

    def _same_year_published(self) -> pd.DataFrame:
        """Own figures beside the borough's published figures for the same year, where both are
        shown: every measure DfE publishes (activities, including apprenticeships, and
        accommodation), not only those on the trend charts."""
        rows = []
        for mid in (k for k in m.PUBLISHED_KEYS if spec(k).unit == "percent"):
            for band in m.BANDS:
                own, trend = self.row(mid, band), self.trend(mid, band)
                same = trend[trend["year"] == self.year] if trend is not None else pd.DataFrame()
                if self.shown(own) and not same.empty:
                    rows.append({"label": f"{spec(mid).label}, {m.BAND_WORDS[band]}", "own": own["value"],
                                 "published": same["borough"].iloc[0], "own_n": own["denominator"],
                                 "published_n": same["denominator"].iloc[0]})
        return pd.DataFrame(rows, columns=["label", "own", "published", "own_n", "published_n"])

    # ---- words -----------------------------------------------------------------------
    def _pct(self, value, symbol=None) -> str:
        return format_number_for_unit(value, "percent", symbol, decimals=0)

    def _versus(self, row, comparator: float, name: str, polarity: str, within: bool | None) -> str:
        """'higher than England (40%), a difference small enough to be chance' / 'lower than England (30%): better'."""
        own, other = round(row["value"]), round(comparator)
        if own == other:
            return f"the same as {name} ({self._pct(comparator)})"
        direction = "higher" if own > other else "lower"
        if within == SPREAD:
            return f"{direction} than {name} ({self._pct(comparator)}), within the usual spread between authorities"
        if within:
            return f"{direction} than {name} ({self._pct(comparator)}), a difference small enough to be chance"
        good = {"higher_better": "higher", "lower_better": "lower"}.get(polarity)
        verdict = "" if good is None else (": better" if direction == good else ": worse")
        return f"{direction} than {name} ({self._pct(comparator)}){verdict}"

    def change_words(self, mid: str, band: str, subject: str) -> str:
        """'NEET rose from 37% in 2023-24 to 41% in 2024-25, a change small enough to be chance.'"""
        change = self.changes.get((mid, band)) or {}
        prev, test, now = change.get("previous"), change.get("test"), self.row(mid, band)
        if prev is None or not self.shown(now):
            return ""
        if symbol_of({"symbol": prev["borough_symbol"]}) or pd.isna(prev["borough"]):
            return f"The published figure for {prev['period']} is hidden or not available, so no change can be measured."
        before, after = round(prev["borough"]), round(now["value"])
        if before == after:
            return f"{subject} was {self._pct(now['value'])} in {self.b.period_label}, the same as in {prev['period']}."
        verb = "rose" if after > before else "fell"
        text = f"{subject} {verb} from {self._pct(prev['borough'])} in {prev['period']} to {self._pct(now['value'])} in {self.b.period_label}"
        if test is None:
            return text + "."
        if test.within_noise:
            return text + ", a change small enough to be chance."
        good = {"higher_better": "rose", "lower_better": "fell"}.get(spec(mid).polarity)
        judgement = "" if good is None else (", a change for the better" if verb == good else ", a change for the worse")
        return text + f"{judgement}: more than chance would usually give."

    def share_sentence(self, mid: str, band: str) -> str:
        """'Of 307 care leavers aged 19 to 21, 125 (41%, 95% interval 35% to 46%) were NEET.'"""
        row, total = self.row(mid, band), self.row(m.COHORT, band)
        if row is None:
            return ""
        if not self.shown(total):
            return f"The number of care leavers {m.BAND_WORDS[band]} {self.hidden(total)}."
        if not self.shown(row):
            return f"Of {int(total['value']):,} care leavers {m.BAND_WORDS[band]}, the number who {VERBS[mid]} {self.hidden(row)}."
        interval = format_interval(row["lower"], row["upper"], decimals=0, unit="percent")
        if row["numerator"] == 0:
            return f"None of the {int(row['denominator']):,} care leavers {m.BAND_WORDS[band]} {VERBS[mid]} (0%, 95% interval {interval})."
        return (f"Of {int(row['denominator']):,} care leavers {m.BAND_WORDS[band]}, {int(row['numerator']):,} "
                f"({self._pct(row['value'])}, 95% interval {interval}) {VERBS[mid]}.")

    def against_published(self, mid: str, band: str) -> str:
        """'That is not clearly different from England (40% in 2024-25) or the statistical neighbours' median
        (37%): the differences are small enough to be chance.' or, where a difference is more than chance,
        one sentence per comparator: 'That is lower than England (40%), within the usual spread between
        authorities. It is lower than the statistical neighbours' median (35%), a difference small enough
        to be chance.'"""
        row, comp = self.row(mid, band), self.comparison(mid, band)
        if not self.shown(row) or comp is None:
            return ""
        named = [(f"England ({self._pct(comp.england)} in {comp.year_label})", comp.england),
                 (f"{comp.sn_words.replace('its ', 'the ', 1)} ({self._pct(comp.sn_median)})", comp.sn_median)]
        named = [(name, value) for name, value in named if not pd.isna(value)]
        if not named:
            return ""
        tests = [within_funnel(row["value"], None, row["denominator"], value, comparison=comp) for _, value in named]
        if all(t is True for t in tests):
            return (f"That is not clearly different from {' or '.join(n for n, _ in named)}: "
                    f"{'the differences are' if len(named) > 1 else 'the difference is'} small enough to be chance.")
        # one sentence per comparator, each with its own verdict (within the usual spread kept)
        return " ".join(f"{'That' if i == 0 else 'It'} is "
                        f"{self._versus(row, value, name.split(' (')[0], spec(mid).polarity, within)}."
                        for i, ((name, value), within) in enumerate(zip(named, tests)))

    # ---- key findings ----------------------------------------------------------------
    def key_findings(self) -> list[str]:
        out, hidden = [], []
        for band in reversed(m.BANDS):  # 19 to 21 first: the larger group, and the one most often quoted
            text = " ".join(t for t in (self.share_sentence("neet.neet_pct", band), self.against_published("neet.neet_pct", band),
                                        self.change_words("neet.neet_pct", band, "NEET")) if t)
            if text and self.shown(self.row("neet.neet_pct", band)):
                out.append(text + " Lower is better.")
            elif text:
                hidden.append(text)  # a hidden headline is said, after what can be said
        out += [t for t in (self._reasons_finding("19-21"), self._contact_finding("19-21"),
                            self._accommodation_finding("19-21"), self._groups_finding()) if t]
        return (out[:6 - len(hidden)] + hidden) if hidden else out[:6]

    def _reasons_finding(self, band: str) -> str:
        reasons = [(mid, self.row(mid, band)) for mid in m.NEET_REASONS]
        shown = [(mid, r) for mid, r in reasons if self.shown(r)]
        total = self.row("neet.neet_pct", band)
        if not shown or not self.shown(total) or total["numerator"] == 0:
            return ""
        top_mid, top = max(shown, key=lambda x: x[1]["numerator"])
        most = "Most" if top["numerator"] > total["numerator"] / 2 else "The largest group of"
        others = [f"{REASON_WORDS[mid]} ({int(r['numerator']):,})" for mid, r in shown if mid != top_mid]
        text = (f"{most} care leavers {m.BAND_WORDS[band]} who were NEET were NEET for {REASON_WORDS[top_mid]} "
                f"({int(top['numerator']):,} of {int(total['numerator']):,})")
        text += f", rather than {' or '.join(others)}." if others else "."
        for mid, r in reasons:
            if r is not None and not self.shown(r):
                text += f" The number NEET because of {REASON_WORDS[mid]} {self.hidden(r)}."
        return text + " Each reason calls for different support."

    def _contact_finding(self, band: str) -> str:
        touch, nk = self.row("neet.in_touch_pct", band), self.row("neet.activity_not_known_pct", band)
        if not self.shown(touch):
            return ""
        text = (f"The council was in touch with {self._pct(touch['value'])} of care leavers {m.BAND_WORDS[band]} "
                f"({int(touch['numerator']):,} of {int(touch['denominator']):,}; higher is better).")
        if self.shown(nk) and nk["numerator"] > 0:
            text += f" It did not know what {self._pct(nk['value'])} were doing ({int(nk['numerator']):,} young people)"
            comp = self.comparison("neet.activity_not_known_pct", band)
            if comp is not None and not pd.isna(comp.england):
                within = within_funnel(nk["value"], None, nk["denominator"], comp.england, comparison=comp)
                text += f", {self._versus(nk, comp.england, f'England in {comp.year_label}', 'lower_better', within)}"
            text += ". Some of them may be NEET, so the NEET figure may be an undercount."
        return text

    def _accommodation_finding(self, band: str) -> str:
        row = self.row("neet.accommodation_suitable_pct", band)
        if not self.shown(row):
            return ""
        text = (f"{self._pct(row['value'])} of care leavers {m.BAND_WORDS[band]} were in suitable accommodation "
                f"({int(row['numerator']):,} of {int(row['denominator']):,}; higher is better).")
        return f"{text} {self.against_published('neet.accommodation_suitable_pct', band)}".strip()

    def _groups_finding(self) -> str:
        if "sex" not in self.r:
            return ("Care leavers cannot be broken down by sex or ethnicity: the SSDA903 header table, which holds them, "
                    "was not provided.")
        return self.sex_gap(m.ALL_BANDS)

    def sex_gap(self, band: str) -> str:
        """Female against male NEET percentages in a band, with the chance test, or ''."""
        frame = self.r.get("sex")
        if frame is None:
            return ""
        rows = frame[frame["breakdown"] == m.breakdown_key("sex", band)]
        f, mm = pick(rows, "neet.neet_pct", "Female"), pick(rows, "neet.neet_pct", "Male")
        if f is None or mm is None:
            return ""
        if not (self.shown(f) and self.shown(mm)):
            return (f"NEET care leavers {m.BAND_WORDS[band]} cannot be compared by sex: the figures are hidden "
                    f"({self.hidden_rows([f, mm])}).")
        test = stats.change_within_noise(mm["numerator"], mm["denominator"], f["numerator"], f["denominator"])
        text = (f"{self._pct(f['value'])} of female care leavers {m.BAND_WORDS[band]} were NEET "
                f"({int(f['numerator']):,} of {int(f['denominator']):,}), against {self._pct(mm['value'])} of male care leavers "
                f"({int(mm['numerator']):,} of {int(mm['denominator']):,})")
        if round(f["value"]) == round(mm["value"]):
            return text + "."
        if test.within_noise:
            return text + ": a difference small enough to be chance."
        return text + ": a difference larger than chance would usually give."


VIEW = NeetView
