"""Theme 4: care leavers in education, employment or training (NEET care leavers).

Care leavers aged 17 to 18 and 19 to 21 (age on their birthday in the year), from the
SSDA903 OC3 table: contact, activity (EET, NEET and why), accommodation and whether it was
suitable, by sex and ethnicity (from the SSDA903 header, when provided), against England,
London and statistical neighbours over every published year. Numbers are small, so every
percentage carries its 95% interval, differences are tested against chance, and every
count is protected with secondary and complement suppression.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from safeguarding import quality
from safeguarding.codes.lists import collection_year
from safeguarding.issues import InputError
from safeguarding.measures import care_leavers as m
from safeguarding.measures import stats
from safeguarding.measures.registry import get as spec
from safeguarding.published.comparators import compare
from safeguarding.render import charts
from safeguarding.render.blocks import HtmlBlock, join_blocks, paragraph
from safeguarding.render.formats import format_interval, format_number_for_unit
from safeguarding.render.sentences import hidden_phrase
from safeguarding.render.tables import html_table
from safeguarding.themes.common import (pick, published_comparison_block, published_trend_block, published_trend_frame,
                                        symbol_of, within_funnel)

#: What each measure says about a care leaver, after "care leavers aged 19 to 21 ...".
VERBS = {
    "neet.in_touch_pct": "were in touch with the council",
    "neet.not_in_touch_pct": "were not in touch, or refused contact",
    "neet.contact_other_pct": "were no longer in contact for another reason",
    "neet.eet_pct": "were in education, employment or training (EET)",
    "neet.neet_pct": "were not in education, employment or training (NEET)",
    "neet.neet_illness_pct": "were NEET because of illness or disability",
    "neet.neet_other_pct": "were NEET for other reasons",
    "neet.neet_parenting_pct": "were NEET because of pregnancy or parenting",
    "neet.activity_not_known_pct": "had no activity known to the council",
    "neet.activity_not_recorded_pct": "were in touch but had no activity recorded",
    "neet.higher_education_pct": "were in higher education",
    "neet.other_education_pct": "were in other education",
    "neet.training_employment_pct": "were in training or employment",
    "neet.apprenticeship_pct": "were in an apprenticeship",
    "neet.accommodation_suitable_pct": "were in suitable accommodation",
    "neet.accommodation_unsuitable_pct": "were in unsuitable accommodation",
    "neet.accommodation_not_known_pct": "had no accommodation known to the council",
    "neet.accommodation_not_recorded_pct": "were in touch but had no accommodation recorded",
}
#: Short names for chart bars and titles.
SHORT = {
    "neet.in_touch_pct": "In touch", "neet.eet_pct": "EET", "neet.neet_pct": "NEET",
    "neet.activity_not_known_pct": "Activity not known", "neet.neet_illness_pct": "NEET: illness or disability",
    "neet.neet_other_pct": "NEET: other reasons", "neet.neet_parenting_pct": "NEET: pregnancy or parenting",
    "neet.accommodation_suitable_pct": "Suitable accommodation",
}
#: Short labels for the comparators summary table.
SUMMARY_LABELS = {"neet.eet_pct": "EET", "neet.neet_pct": "NEET", "neet.activity_not_known_pct": "Activity not known",
                  "neet.higher_education_pct": "Higher education", "neet.accommodation_suitable_pct": "Suitable accommodation"}
#: Measures tested year on year against the borough's own published figures.
TRENDED = ("neet.neet_pct", "neet.eet_pct", "neet.activity_not_known_pct", "neet.higher_education_pct",
           "neet.accommodation_suitable_pct")
COUNTS = "care leavers"
#: The reason for being NEET, in words.
REASON_WORDS = {"neet.neet_illness_pct": "illness or disability", "neet.neet_other_pct": "other reasons",
                "neet.neet_parenting_pct": "pregnancy or parenting"}


#: Figures the briefing most needs: when a small cell must be protected by hiding another,
#: these are hidden last.
HEADLINE_MEASURES = ("neet.neet_pct", "neet.accommodation_suitable_pct", "neet.in_touch_pct")


class NeetTheme:
    TABLES = ("cla_oc3",)
    OPTIONAL_TABLES = ("cla_header",)
    COUNTS = COUNTS  # what the briefing's symbol legend counts
    SECTIONS = ("overview", "neet_reasons", "accommodation", "groups", "comparators")

    def __init__(self, b):
        self.b = b
        self.r: dict[str, pd.DataFrame | None] = {}
        self.changes: dict[tuple[str, str], dict] = {}
        self.comparisons: dict[tuple[str, str], object] = {}
        self.trends: dict[str, pd.DataFrame | None] = {}

    # ---- computation -----------------------------------------------------------------
    def compute(self):
        b, name, end = self.b, self.b.area.name, self.b.period_end
        oc3, header = b.tables["cla_oc3"], b.tables.get("cla_header")
        year = collection_year(end)
        if "collection_year" in oc3 and not (oc3["collection_year"] == year).any():
            years = ", ".join(str(y) for y in sorted(oc3["collection_year"].dropna().unique()))
            raise InputError(f"The OC3 (care leavers) table has no rows for {b.period_label} (collection year {year}); "
                             f"it holds {years or 'no years'}. Check period_end or provide that year's OC3 file.")
        raw = m.composition(oc3, name, end)
        framed, margins = m.protection_margins(raw)
        # Secondary suppression hides other cells before the theme's headline figures.
        main = b.protect(framed, margins=margins, protect_complement=True, keep_shown=HEADLINE_MEASURES)
        self.r["main"] = main[[c for c in main.columns if not c.startswith("_")]]
        self.r["raw"] = raw
        for dimension in ("sex", "ethnicity"):
            if header is None:
                self.r[dimension] = None
                continue
            groups = m.neet_by_group(oc3, header, name, end, dimension)
            self.r[dimension] = b.protect(self._hide_where_total_hidden(groups), protect_complement=True)
        for mid in TRENDED:
            for band in m.BANDS:
                self.changes[(mid, band)] = self._year_on_year(mid, band, year)
        b.quality += quality.check_care_leavers(oc3, year, header, threshold=b.threshold)
        b.quality += quality.percent_consistent(raw)
        b.quality += quality.own_vs_published(self._same_year_published(year))
        b.findings = self.key_findings()

    def _hide_where_total_hidden(self, groups: pd.DataFrame) -> pd.DataFrame:
        """Hide a band's whole breakdown when its NEET total is hidden: the groups would add up to it."""
        out = groups.copy()
        for band in m.BANDS:
            total = self.row("neet.neet_pct", band)
            if total is not None and symbol_of(total):
                rows = out["breakdown"].str.endswith(band)
                out.loc[rows, ["numerator", "value", "lower", "upper"]] = np.nan
                out.loc[rows, "symbol"] = "c"
        return out

    def _year_on_year(self, mid: str, band: str, year: int) -> dict:
        """This year (own records) against last year (the borough's published counts)."""
        now = self.raw_row(mid, band)
        out = {"previous": None, "test": None}
        trend = self.trend(mid, band)
        if trend is None:
            return out
        before = trend[trend["year"] == year - 1]
        if before.empty:
            return out
        prev = before.iloc[0]
        out["previous"] = prev
        if not (pd.isna(prev["numerator"]) or pd.isna(prev["denominator"]) or now is None):
            out["test"] = stats.change_within_noise(prev["numerator"], prev["denominator"], now["numerator"], now["denominator"])
        return out

    def _same_year_published(self, year: int) -> pd.DataFrame:
        """Own figures beside the borough's published figures for the same year, where both are shown."""
        rows = []
        for mid in TRENDED:
            for band in m.BANDS:
                own = self.row(mid, band)
                if own is None or symbol_of(own):
                    continue
                trend = self.trend(mid, band)
                if trend is None:
                    continue
                same = trend[trend["year"] == year]
                if same.empty:
                    continue
                rows.append({"label": f"{spec(mid).label}, {m.BAND_WORDS[band]}", "own": own["value"],
                             "published": same["borough"].iloc[0], "own_n": own["denominator"],
                             "published_n": same["denominator"].iloc[0]})
        return pd.DataFrame(rows, columns=["label", "own", "published", "own_n", "published_n"])

    # ---- lookups ---------------------------------------------------------------------
    def row(self, mid: str, band: str) -> pd.Series | None:
        main = self.r["main"]
        return pick(main[main["breakdown"] == "age_band"], mid, band)

    def raw_row(self, mid: str, band: str) -> pd.Series | None:
        raw = self.r["raw"]
        return pick(raw[raw["breakdown"] == "age_band"], mid, band)

    def trend(self, mid: str, band: str) -> pd.DataFrame | None:
        """The borough's published figures over the years for a measure and band (None when not published)."""
        pid = m.published_id(mid, band)
        if pid not in self.trends:
            try:
                self.trends[pid] = published_trend_frame(self.b.area, pid, self.b.published_dir) if pid else None
            except InputError:
                self.trends[pid] = None
        return self.trends[pid]

    def comparison(self, mid: str, band: str):
        """The latest published comparison for a measure and band (None when not published)."""
        key = (mid, band)
        if key not in self.comparisons:
            pid = m.published_id(mid, band)
            try:
                self.comparisons[key] = compare(self.b.area, pid, published_dir=self.b.published_dir) if pid else None
            except InputError:
                self.comparisons[key] = None
        return self.comparisons[key]

    def shown(self, row) -> bool:
        return row is not None and not symbol_of(row) and not pd.isna(row["value"])

    # ---- words -----------------------------------------------------------------------
    def _pct(self, value, symbol=None) -> str:
        return format_number_for_unit(value, "percent", symbol, decimals=0)

    def _versus(self, row, comparator: float, name: str, polarity: str, within: bool | None) -> str:
        """'higher than England (40%), a difference small enough to be chance' / 'lower than England (30%): better'."""
        if comparator is None or pd.isna(comparator):
            return ""
        own, other = round(row["value"]), round(comparator)
        if own == other:
            return f"the same as {name} ({self._pct(comparator)})"
        direction = "higher" if own > other else "lower"
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
        row = self.row(mid, band)
        total = self.row("neet.care_leavers", band)
        what = VERBS[mid]
        if row is None:
            return ""
        why = hidden_phrase(self.b.threshold, COUNTS)
        if total is None or not self.shown(total):
            return f"The number of care leavers {m.BAND_WORDS[band]} is hidden to protect privacy ({why})."
        if not self.shown(row):
            return (f"Of {int(total['value']):,} care leavers {m.BAND_WORDS[band]}, the number who {what} is hidden to "
                    f"protect privacy ({why}).")
        interval = format_interval(row["lower"], row["upper"], decimals=0, unit="percent")
        if row["numerator"] == 0:
            return (f"None of the {int(row['denominator']):,} care leavers {m.BAND_WORDS[band]} {what} "
                    f"(0%, 95% interval {interval}).")
        return (f"Of {int(row['denominator']):,} care leavers {m.BAND_WORDS[band]}, {int(row['numerator']):,} "
                f"({self._pct(row['value'])}, 95% interval {interval}) {what}.")

    def against_published(self, mid: str, band: str) -> str:
        """'That is in line with England (40% in 2024-25) and the statistical neighbours' median (37%): ...'"""
        row, comp = self.row(mid, band), self.comparison(mid, band)
        if not self.shown(row) or comp is None:
            return ""
        pol = spec(mid).polarity
        named = [(f"England ({self._pct(comp.england)} in {comp.year_label})", comp.england),
                 (f"the statistical neighbours' median ({self._pct(comp.sn_median)})", comp.sn_median)]
        named = [(name, value) for name, value in named if not pd.isna(value)]
        if not named:
            return ""
        chance = [within_funnel(row["value"], None, row["denominator"], value) for _, value in named]
        if all(chance):
            return (f"That is in line with {' and '.join(n for n, _ in named)}: "
                    f"{'the differences are' if len(named) > 1 else 'the difference is'} small enough to be chance.")
        return "That is " + " and ".join(self._versus(row, value, name.split(" (")[0], pol, within)
                                         for (name, value), within in zip(named, chance)) + "."

    # ---- key findings ----------------------------------------------------------------
    def key_findings(self) -> list[str]:
        out = []
        for band in reversed(m.BANDS):  # 19 to 21 first: the larger group, and the one most often quoted
            text = " ".join(t for t in (self.share_sentence("neet.neet_pct", band), self.against_published("neet.neet_pct", band),
                                        self.change_words("neet.neet_pct", band, "NEET")) if t)
            if text:
                out.append(text + (" Lower is better." if self.shown(self.row("neet.neet_pct", band)) else ""))
        out += [t for t in (self._reasons_finding("19-21"), self._contact_finding("19-21"),
                            self._accommodation_finding("19-21"), self._groups_finding()) if t]
        return out[:6]

    def _reasons_finding(self, band: str) -> str:
        reasons = [(mid, self.row(mid, band)) for mid in m.NEET_REASONS]
        shown = [(mid, r) for mid, r in reasons if self.shown(r)]
        total = self.row("neet.neet_pct", band)
        if not shown or not self.shown(total) or total["numerator"] == 0:
            return ""
        top_mid, top = max(shown, key=lambda x: x[1]["numerator"])
        most = "Most" if top["numerator"] > total["numerator"] / 2 else "The largest group of"
        others = [f"{REASON_WORDS[mid]} ({int(r['numerator']):,})" for mid, r in shown if mid != top_mid]
        hidden = [REASON_WORDS[mid] for mid, r in reasons if r is not None and not self.shown(r)]
        text = (f"{most} care leavers {m.BAND_WORDS[band]} who were NEET were NEET for {REASON_WORDS[top_mid]} "
                f"({int(top['numerator']):,} of {int(total['numerator']):,})")
        if others:
            text += f", rather than {' or '.join(others)}"
        text += "."
        if hidden:
            text += f" The number NEET because of {' or '.join(hidden)} is hidden to protect privacy."
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
                within = within_funnel(nk["value"], None, nk["denominator"], comp.england)
                text += f", {self._versus(nk, comp.england, f'England in {comp.year_label}', 'lower_better', within)}"
            text += ". Some of them may be NEET, so the NEET figure may be an undercount."
        return text

    def _accommodation_finding(self, band: str) -> str:
        row = self.row("neet.accommodation_suitable_pct", band)
        if not self.shown(row):
            return ""
        text = (f"{self._pct(row['value'])} of care leavers {m.BAND_WORDS[band]} were in suitable accommodation "
                f"({int(row['numerator']):,} of {int(row['denominator']):,}; higher is better).")
        comparison = self.against_published("neet.accommodation_suitable_pct", band)
        return f"{text} {comparison}".strip()

    def _groups_finding(self) -> str:
        if self.r.get("sex") is None:
            return ("Care leavers cannot be broken down by sex or ethnicity: the SSDA903 header table, which holds them, "
                    "was not provided.")
        gap = self.sex_gap("19-21")
        return gap or ""

    def sex_gap(self, band: str) -> str:
        """Female against male NEET percentages in a band, with the chance test, or ''."""
        frame = self.r.get("sex")
        if frame is None:
            return ""
        rows = frame[frame["breakdown"] == m.breakdown_key("sex", band)]
        f, mm = pick(rows, "neet.neet_pct", "Female"), pick(rows, "neet.neet_pct", "Male")
        if not (self.shown(f) and self.shown(mm)):
            return (f"NEET care leavers {m.BAND_WORDS[band]} cannot be compared by sex: the figures are hidden to protect "
                    "privacy." if f is not None and mm is not None else "")
        test = stats.change_within_noise(mm["numerator"], mm["denominator"], f["numerator"], f["denominator"])
        same = round(f["value"]) == round(mm["value"])
        text = (f"{self._pct(f['value'])} of female care leavers {m.BAND_WORDS[band]} were NEET "
                f"({int(f['numerator']):,} of {int(f['denominator']):,}), against {self._pct(mm['value'])} of male care leavers "
                f"({int(mm['numerator']):,} of {int(mm['denominator']):,})")
        if same:
            return text + "."
        if test.within_noise:
            return text + ": a difference small enough to be chance."
        return text + ": a difference larger than chance would usually give."

    # ---- sections --------------------------------------------------------------------
    def _published_year(self) -> str:
        return next((c.year_label for c in self.comparisons.values() if c is not None), "")

    def _band_caption(self, title: str, band: str) -> str:
        total = self.row("neet.care_leavers", band)
        n = f"all {int(total['value']):,}" if self.shown(total) else "all of them (number hidden)"
        return f"{title}: care leavers {m.BAND_WORDS[band]}; percentages are of {n}"

    def _band_table(self, mids, band: str, title: str, with_england: bool = False, note: str | None = None) -> HtmlBlock:
        """One age band: measure, number, per cent, interval (and England, neighbours' median)."""
        rows = []
        for mid in mids:
            r = self.row(mid, band)
            if r is None:
                continue
            row = {"measure": spec(mid).label, "numerator": r["numerator"], "value": r["value"], "lower": r["lower"],
                   "upper": r["upper"], "symbol": symbol_of(r) or ""}
            if with_england:
                comp = self.comparison(mid, band)
                row |= {"england": comp.england if comp is not None else np.nan,
                        "england_symbol": (comp.england_symbol or "") if comp is not None else "x",
                        "sn_median": comp.sn_median if comp is not None else np.nan,
                        "sn_median_symbol": "" if comp is not None and not pd.isna(comp.sn_median) else "x"}
            rows.append(row)
        columns = {"measure": "Measure", "numerator": "Care leavers", "value": "Per cent", "interval": "95% interval"}
        units = {"value": "percent", "numerator": "count"}
        if with_england:
            columns |= {"england": "England", "sn_median": "Neighbours"}
            units |= {"england": "percent", "sn_median": "percent"}
            note = " ".join(x for x in (note, f"England and Neighbours (the median of the ten statistical neighbours): "
                                              f"published figures for {self._published_year()}; x = no published figure to "
                                              "compare with.") if x)
        return html_table(pd.DataFrame(rows), columns, caption=self._band_caption(title, band), units=units,
                          decimals={"value": 0, "england": 0, "sn_median": 0}, threshold=self.b.threshold, counts=COUNTS,
                          note=note)

    def _bars(self, items, title: str, alt_intro: str, note: str | None = None,
              value_label: str = "Per cent of all care leavers in the age group"):
        """Bar chart with intervals for (label, row) pairs."""
        labels = [label for label, _ in items]
        values = [r["value"] if r is not None else np.nan for _, r in items]
        lower = [r["lower"] if r is not None else np.nan for _, r in items]
        upper = [r["upper"] if r is not None else np.nan for _, r in items]
        symbols = [(symbol_of(r) or "") if r is not None else "x" for _, r in items]
        alt = alt_intro + ": " + "; ".join(f"{lab}: {format_number_for_unit(v, 'percent', s or None, decimals=0)}"
                                           for lab, v, s in zip(labels, values, symbols)) + "."
        return charts.bar_chart_with_intervals(labels, values, lower, upper, title=title, alt=alt, unit="percent", symbols=symbols,
                                               decimals=0, value_label=value_label,
                                               threshold=self.b.threshold, counts=COUNTS, note=note)

    def _changes_summary(self) -> str:
        """Every year-on-year change in one or two sentences, with the chance verdict."""
        moves, beyond = [], []
        for mid in ("neet.neet_pct", "neet.eet_pct"):
            for band in m.BANDS:
                change, now = self.changes.get((mid, band)) or {}, self.row(mid, band)
                prev = change.get("previous")
                if prev is None or not self.shown(now) or symbol_of({"symbol": prev["borough_symbol"]}) or pd.isna(prev["borough"]):
                    continue
                moves.append(f"{SHORT[mid]} {m.BAND_WORDS[band]} went from {self._pct(prev['borough'])} to {self._pct(now['value'])}")
                test = change.get("test")
                if test is not None and not test.within_noise:
                    beyond.append(f"{SHORT[mid]} {m.BAND_WORDS[band]}")
        if not moves:
            return ""
        prev_period = next(c["previous"]["period"] for c in self.changes.values() if c.get("previous") is not None)
        text = f"Since {prev_period} (published figures): {'; '.join(moves)}."
        if beyond:
            return text + f" The change in {' and in '.join(beyond)} is larger than chance would usually give."
        return text + " None of these changes is larger than chance would usually give for groups this size."

    def section_overview(self) -> HtmlBlock:
        b = self.b
        intro = ("Care leavers are young people who were looked after by the council for at least 13 weeks after their 14th "
                 "birthday, including some time after they turned 16. The council keeps in touch with them and records, around "
                 "each birthday from 17 to 21, what they are doing and where they live. They are counted in two age groups by "
                 f"their age on their birthday in {b.period_label}, as the Department for Education (DfE) publishes them. "
                 "Every percentage is of all care leavers in the age group, including those the council was not in touch with, "
                 "so the figures can be compared with England and other areas.")
        counts = []
        for band in m.BANDS:
            total = self.row("neet.care_leavers", band)
            counts.append(f"{int(total['value']):,} care leavers {m.BAND_WORDS[band]}" if self.shown(total) else
                          f"a number of care leavers {m.BAND_WORDS[band]} that is hidden to protect privacy")
        cohort = f"In {b.period_label} the council's return lists {' and '.join(counts)}."
        items = [(f"{SHORT[mid]}, {m.BAND_WORDS[band]}", self.row(mid, band))
                 for band in m.BANDS for mid in ("neet.eet_pct", "neet.neet_pct", "neet.activity_not_known_pct")]
        neet_old = self.row("neet.neet_pct", "19-21")
        if self.shown(neet_old) and round(neet_old["value"] / 10) > 0:
            tenths = round(neet_old["value"] / 10)
            title = (f"About {tenths} in 10 care leavers aged 19 to 21 {'was' if tenths == 1 else 'were'} not in education, "
                     "employment or training")
        else:
            title = "Care leavers in education, employment or training (EET), NEET, or with activity not known"
        chart = self._bars(items, title, "Bar chart with 95% intervals of the percentage of care leavers in each activity group",
                           note="EET: in education, employment or training. NEET: not in education, employment or training.")
        tables = [self._band_table((*m.ACTIVITY_PARTS, "neet.accommodation_suitable_pct", *m.CONTACT_PARTS), band,
                                   f"Care leavers in {b.period_label}") for band in m.BANDS]
        contact = ("Contact comes first: the council cannot know what a young person is doing if it is not in touch with "
                   "them, so every care leaver not in touch counts as 'activity not known'. 'No longer in contact for another "
                   "reason' means the young person no longer needs services, returned home for six months or more, or died, "
                   "or no contact status was recorded.")
        return join_blocks(paragraph(intro), paragraph(f"{cohort} {self._changes_summary()}".strip()), chart, *tables,
                           paragraph(contact))

    def section_neet_reasons(self) -> HtmlBlock:
        b = self.b
        text = ("Care leavers who are not in education, employment or training (NEET) are recorded with one of three reasons: "
                "illness or disability; pregnancy or parenting; or other reasons (for example looking for work, or not "
                "engaging). The reasons matter because they call for different help. Each percentage is of all care leavers "
                "in the age group.")
        sentences = []
        for band in m.BANDS:
            total = self.row("neet.neet_pct", band)
            parts = [self.share_sentence("neet.neet_pct", band)]
            if self.shown(total) and total["numerator"] > 0:
                reasons = [(mid, self.row(mid, band)) for mid in m.NEET_REASONS]
                words = [f"{int(r['numerator']):,} because of {REASON_WORDS[mid]}" if mid != "neet.neet_other_pct" else
                         f"{int(r['numerator']):,} for other reasons" for mid, r in reasons if self.shown(r)]
                if words:
                    parts.append(f"Of them, {', '.join(words)}"
                                 + ("; the other numbers are hidden to protect privacy." if len(words) < 3 else "."))
            sentences.append(paragraph(" ".join(p for p in parts if p)))
        items = [(f"{REASON_WORDS[mid].capitalize()}, {m.BAND_WORDS[band]}", self.row(mid, band))
                 for band in m.BANDS for mid in m.NEET_REASONS]
        title = "Reasons for being NEET, by age group"
        for band in reversed(m.BANDS):  # the older group first: more care leavers, so a steadier picture
            rows = [(mid, self.row(mid, band)) for mid in m.NEET_REASONS]
            if all(self.shown(r) for _, r in rows):
                (top, best), runner_up = sorted(rows, key=lambda x: -x[1]["value"])[:2]
                if best["numerator"] > runner_up[1]["numerator"]:
                    title = f"The most common reason for being NEET {m.BAND_WORDS[band]} was {REASON_WORDS[top]}"
                break
        chart = self._bars(items, title, "Bar chart with 95% intervals of the percentage of care leavers NEET for each reason")
        tables = [self._band_table((*m.EET_PARTS, *m.NEET_REASONS, "neet.activity_not_recorded_pct", "neet.activity_not_known_pct"),
                                   band, f"What care leavers were doing in {b.period_label}", with_england=True)
                  for band in m.BANDS]
        gap = [self.row("neet.activity_not_recorded_pct", band) for band in m.BANDS]
        gap_text = ("'In touch, but activity not recorded' is a recording gap: those young people count as 'not known', which "
                    "lowers both the EET and NEET percentages." if any(g is not None and (not self.shown(g) or g["numerator"] > 0)
                                                                       for g in gap) else
                    "Every care leaver the council was in touch with had an activity recorded.")
        return join_blocks(paragraph(text), *sentences, chart, *tables, paragraph(gap_text))

    def section_accommodation(self) -> HtmlBlock:
        b = self.b
        text = ("For each care leaver the council records the type of accommodation and whether it considers it suitable. "
                "Unsuitable accommodation includes bed and breakfast, no fixed abode and custody, and any other accommodation "
                "judged unsafe or unsuitable for the young person. A higher suitable percentage is better.")
        sentences = []
        for band in m.BANDS:
            parts = [self.share_sentence("neet.accommodation_suitable_pct", band),
                     self.against_published("neet.accommodation_suitable_pct", band),
                     self.change_words("neet.accommodation_suitable_pct", band, "This")]
            sentences.append(paragraph(" ".join(p for p in parts if p)))
        items = [(f"{lab}, {m.BAND_WORDS[band]}", self.row(mid, band)) for band in m.BANDS
                 for mid, lab in (("neet.accommodation_suitable_pct", "Suitable"), ("neet.accommodation_unsuitable_pct", "Not suitable"),
                                  ("neet.accommodation_not_known_pct", "Not known"))]
        old = self.row("neet.accommodation_suitable_pct", "19-21")
        title = (f"{self._pct(old['value'])} of care leavers aged 19 to 21 were in suitable accommodation" if self.shown(old)
                 else "Care leavers in suitable accommodation")
        chart = self._bars(items, title, "Bar chart with 95% intervals of the percentage of care leavers by suitability of accommodation")
        tables = [self._band_table((*m.ACCOMMODATION_PARTS, "neet.accommodation_not_recorded_pct"), band,
                                   "Suitability of accommodation", with_england=True) for band in m.BANDS]
        type_tables = []
        main = self.r["main"]
        for band in m.BANDS:
            types = main[main["breakdown"] == m.breakdown_key("accommodation type", band)]
            type_tables.append(html_table(types, {"group": "Type of accommodation", "numerator": "Care leavers", "value": "Per cent",
                                                  "interval": "95% interval"},
                                          caption=self._band_caption("Where care leavers were living", band),
                                          units={"value": "percent"}, decimals={"value": 0}, threshold=b.threshold, counts=COUNTS))
        return join_blocks(paragraph(text), *sentences, chart, *tables, HtmlBlock("<h3>Type of accommodation</h3>"),
                           paragraph("Care leavers whose accommodation is not known are counted in the suitability tables "
                                     "above, not in these."), *type_tables)

    def _group_verdict(self, frame: pd.DataFrame, dimension: str) -> tuple[str, str]:
        """Chart title and sentence for the group with the highest NEET percentage, tested against the rest of its band."""
        shown = frame[(frame["symbol"].fillna("") == "") & frame["value"].notna() & (frame["group"] != m.NOT_RECORDED)]
        if shown.empty:
            return f"NEET care leavers by {dimension}", ""
        top = shown.loc[shown["value"].idxmax()]
        band = top["breakdown"].rsplit(", ", 1)[-1]
        total = self.raw_row("neet.neet_pct", band)
        rest_k, rest_n = total["numerator"] - top["numerator"], total["denominator"] - top["denominator"]
        test = stats.change_within_noise(rest_k, rest_n, top["numerator"], top["denominator"])
        who = f"{top['group'].lower() if dimension == 'sex' else top['group']} care leavers {m.BAND_WORDS[band]}"
        if test.within_noise:
            return (f"NEET by {dimension}: no group stands out by more than chance would give",
                    f"The highest NEET percentage was among {who} ({self._pct(top['value'])}), but the difference from "
                    f"the other care leavers of that age is small enough to be chance.")
        return (f"NEET by {dimension}: {self._pct(top['value'])} of {who} were NEET, more than chance would give",
                f"{self._pct(top['value'])} of {who} were NEET ({int(top['numerator']):,} of {int(top['denominator']):,}): "
                "higher than among the other care leavers of that age by more than chance would usually give.")

    def section_groups(self) -> HtmlBlock:
        b = self.b
        if self.r.get("sex") is None:
            return paragraph("The SSDA903 header table (which holds each young person's sex and ethnicity) was not provided, "
                             "so care leavers cannot be broken down by sex or ethnicity. Add the Header file to the raw folder "
                             "beside the OC3 file and run ingest again.")
        parts = [paragraph("NEET care leavers by sex and by ethnicity (from the SSDA903 header, joined on the child's "
                           "identifier). Each percentage is of all care leavers of that group and age. Groups are small, so "
                           "intervals are wide and differences are tested against chance before they are called differences.")]
        for dimension, heading in (("sex", "Sex"), ("ethnicity", "Ethnicity")):
            frame = self.r[dimension].copy()
            frame["band"] = frame["breakdown"].str.rsplit(", ", n=1).str[-1].map(lambda x: m.BAND_WORDS[x])
            items = [(f"{g}, {band}", r) for band, g, (_, r) in zip(frame["band"], frame["group"], frame.iterrows())]
            shown = frame[(frame["symbol"].fillna("") == "") & frame["value"].notna()]
            title, verdict = self._group_verdict(frame, dimension)
            words = [w for w in (self.sex_gap(band) for band in m.BANDS) if w] if dimension == "sex" else [verdict]
            if shown.empty:
                body = paragraph(f"Every NEET figure by {dimension} is hidden to protect privacy: the groups are too small.")
            else:
                body = self._bars(items, title, f"Bar chart with 95% intervals of the percentage of care leavers who were NEET, "
                                                f"by {dimension} and age group",
                                  value_label="Per cent NEET, of all care leavers of the group and age")
            notes = []
            if (frame["group"] == m.NOT_RECORDED).any():
                notes.append("'Not recorded': the young person has no row in the header, or no code.")
            if dimension == "ethnicity":
                notes.append("Ethnic groups are the DfE major groups; 'Not known' means refused or not obtained.")
            table = html_table(frame, {"group": heading, "band": "Age", "numerator": "NEET", "denominator": "Care leavers",
                                       "value": "Per cent NEET", "interval": "95% interval"},
                               caption=f"NEET care leavers by {dimension}: percentages are of all care leavers of the group and age",
                               units={"value": "percent"}, decimals={"value": 0}, threshold=b.threshold, counts=COUNTS,
                               note=" ".join(notes) or None)
            parts += [HtmlBlock(f"<h3>{heading}</h3>"), paragraph(" ".join(w for w in words if w)) if any(words) else None,
                      body, table]
        return join_blocks(*parts)

    def section_comparators(self) -> HtmlBlock:
        b = self.b
        parts = [paragraph("How the borough compares with England, London and its ten statistical neighbours (the most similar "
                           "areas in DfE's model). The latest year uses the borough's own records; earlier years and other "
                           "areas are DfE's published figures. In the funnel plot each dot is a local authority: areas outside "
                           "the dashed lines differ from England by more than chance would usually give.")]
        for band in m.BANDS:
            row = self.row("neet.neet_pct", band)
            label = f"NEET, {m.BAND_WORDS[band]}"
            phrase = f"share of care leavers {m.BAND_WORDS[band]} who were NEET"
            parts.append(HtmlBlock(f"<h3>Care leavers {m.BAND_WORDS[band]}</h3>"))
            parts.append(published_comparison_block(b, spec("neet.neet_pct"), m.published_id("neet.neet_pct", band), row["value"],
                                                    symbol_of(row), borough_n=row["denominator"], borough_k=row["numerator"],
                                                    label=label, phrase=phrase))
            test = (self.changes.get(("neet.neet_pct", band)) or {}).get("test")
            parts.append(published_trend_block(b, spec("neet.neet_pct"), m.published_id("neet.neet_pct", band), row,
                                               label=label, phrase=phrase,
                                               within_noise=None if test is None else bool(test.within_noise)))
        parts += [HtmlBlock("<h3>Other measures against comparators</h3>"), self._summary_table()]
        return join_blocks(*parts)

    def _summary_table(self) -> HtmlBlock:
        rows, beyond = [], []
        prev_period = ""
        for mid in ("neet.eet_pct", "neet.neet_pct", "neet.activity_not_known_pct", "neet.higher_education_pct",
                    "neet.accommodation_suitable_pct"):
            for band in m.BANDS:
                r, comp = self.row(mid, band), self.comparison(mid, band)
                if r is None or comp is None:
                    continue
                change = self.changes.get((mid, band)) or {}
                prev, test = change.get("previous"), change.get("test")
                if prev is not None:
                    prev_period = prev["period"]
                if test is not None and self.shown(r) and not test.within_noise:
                    beyond.append(f"{spec(mid).label.lower()} {m.BAND_WORDS[band]}")
                rows.append({"measure": f"{SUMMARY_LABELS[mid]}, {band.replace('-', ' to ')}", "value": r["value"],
                             "symbol": symbol_of(r) or "",
                             "last_year": prev["borough"] if prev is not None else np.nan,
                             "last_year_symbol": (symbol_of({"symbol": prev["borough_symbol"]}) or "") if prev is not None else "x",
                             "england": comp.england, "england_symbol": comp.england_symbol or "",
                             "region": comp.region, "region_symbol": comp.region_symbol or "",
                             "sn_median": comp.sn_median, "sn_median_symbol": "" if not pd.isna(comp.sn_median) else "x",
                             "better": {"higher_better": "Higher", "lower_better": "Lower"}.get(spec(mid).polarity, "Neither")})
        year = self._published_year()
        name = self.b.area.name
        columns = {"measure": "Measure, age", "value": self.b.period_label, "last_year": prev_period or "Year before",
                   "england": "England", "region": "London", "sn_median": "Neighbours", "better": "Better if"}
        units = {c: "percent" for c in ("value", "last_year", "england", "region", "sn_median")}
        verdict = (f"The change from {prev_period} is larger than chance would usually give for: {'; '.join(beyond)}."
                   if beyond else f"No change from {prev_period} is larger than chance would usually give for groups this size.")
        table = html_table(pd.DataFrame(rows), columns, caption=f"{name}: care leavers' activity and accommodation against "
                                                               "comparators (percentages of all care leavers in the age group)",
                           units=units, decimals={c: 0 for c in units}, symbol_columns=("value",), threshold=self.b.threshold,
                           counts=COUNTS, note=f"{name}: {self.b.period_label} from its own records, {prev_period} as published. "
                                               f"England, London and Neighbours (the median of the ten statistical neighbours): "
                                               f"published figures for {year}. Chance: Newcombe interval for the difference "
                                               "between two percentages.",
                           source="Department for Education, Children looked after in England including adoptions; own records.")
        return join_blocks(paragraph(verdict), table)


THEME_CLASS = NeetTheme
