"""Exclusions briefing: the trend and reasons sections (a part of the view in themes/exclusions.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from safeguarding.measures import exclusions as m
from safeguarding.measures import stats
from safeguarding.measures.registry import get as spec
from safeguarding.render import charts
from safeguarding.render.blocks import HtmlBlock, join_blocks, paragraph
from safeguarding.render.hidden import certain_largest
from safeguarding.render.comparisons import (
    comparison_block,
    pick,
    symbol_of,
    within_funnel,
)
from safeguarding.render.count_rate_tables import count_rate_cells
from safeguarding.render.formats import format_number_for_unit
from safeguarding.render.sentences import SPREAD, describe_trend, lower_first
from safeguarding.render.tables import html_table

#: Published measures (LAIT) for the borough's own headline measures.
LAIT = {"exclusions.permanent_rate": "exclusions.perm_rate", "exclusions.suspension_rate": "exclusions.suspension_rate",
        "exclusions.one_plus_suspension_pct": "exclusions.one_plus_suspension_rate"}
FUNNEL_KIND = {"exclusions.permanent_rate": "rate", "exclusions.suspension_rate": "rate",
               "exclusions.one_plus_suspension_pct": "proportion"}
#: How each headline measure reads in a sentence ("Harrow's suspension rate was ...").
SENTENCE_LABELS = {"exclusions.permanent_rate": "permanent exclusion rate", "exclusions.suspension_rate": "suspension rate",
                   "exclusions.one_plus_suspension_pct": "share of pupils suspended at least once"}


class TrendSections:
    """Sections 'trend' and 'reasons' of :class:`~safeguarding.themes.exclusions.ExclusionsView`."""

    def section_trend(self) -> HtmlBlock:
        periods = [m.year_label(x) for x in self.years]
        parts = [paragraph(
            f"The borough's own figures for each school year in the data ({periods[0]} to {periods[-1]}), beside the rates "
            f"the Department for Education publishes for England, {self.b.area.region} and the borough's statistical neighbours (Local "
            "Authority Interactive Tool). Published rates count pupils in all state-funded primary, secondary and special "
            "schools in each area, per 100 pupils; the borough's come from its own extract and pupil roll, so a small gap "
            "between its own and its published figure can come from coverage alone.")]
        for mid, kind in (("exclusions.suspension_rate", "rate"), ("exclusions.permanent_rate", "rate"),
                          ("exclusions.one_plus_suspension_pct", "proportion")):
            parts.append(self._trend_block(mid, kind, periods))
        table = self._trend_table(periods)
        parts.append(table)
        parts.append(HtmlBlock(f"<h3>Against England, {self.b.area.region} and statistical neighbours, {self.label}</h3>"))
        parts.append(paragraph(
            "In the funnel plots below, the published rates come without pupil numbers, so each other area's number of pupils "
            f"is estimated as {m.PUPILS_PER_CHILD_ESTIMATE:g} times its ONS estimate of children aged 0 to 17 (about the "
            "share of children who are pupils in state-funded schools in England); the borough's own pupil roll is used for "
            "the borough. The control limits are therefore approximate."))
        h = self.r["headline"]
        for mid in LAIT:
            row = pick(h, mid)
            parts.append(HtmlBlock(f"<h4>{spec(mid).label}</h4>"))
            parts.append(self._lait_comparison(mid, row))
        return join_blocks(*parts)

    def _trend_block(self, mid, kind, periods):
        b, y = self.b, self.r["yearly"]
        sp = spec(mid)
        own = y[y["measure_id"] == mid].set_index("period").reindex(periods)
        series = {b.area.name: list(own["value"])}
        symbols = {b.area.name: list(own["symbol"].fillna(""))}
        region = b.area.region
        for who in ("England", region, "Statistical neighbours (median)"):
            series[who], symbols[who] = [], []
        for year in self.years:
            comp = self._published(LAIT[mid], year)
            ok = comp is not None and comp.year == year
            for who, value, sym in (("England", "england", "england_symbol"), (region, "region", "region_symbol"),
                                    ("Statistical neighbours (median)", "sn_median", None)):
                series[who].append(getattr(comp, value) if ok else np.nan)
                symbols[who].append((getattr(comp, sym) or "") if ok and sym else ("" if ok else "x"))
        sentence = describe_trend(SENTENCE_LABELS[mid], periods, list(own["value"]), sp.polarity, sp.unit,
                                  symbols=list(own["symbol"].fillna("")), area_name=b.area.name, decimals=sp.decimals,
                                  threshold=b.threshold, counts=sp.counts,
                                  within_noise=self._within_noise(mid, kind))
        shown = [None if sym or pd.isna(v) else round(float(v), sp.decimals)
                 for v, sym in zip(own["value"], own["symbol"].fillna(""))]
        title = f"{sp.label}, {periods[0]} to {periods[-1]}"
        if len(shown) >= 2 and shown[-1] is not None and shown[-2] is not None:
            # the title says what the text says: a change or a gap within chance is not a rise or a gap
            now, before = shown[-1], shown[-2]
            trend = "rose" if now > before else "fell" if now < before else "held steady"
            if trend != "held steady" and self._within_noise(mid, kind):
                trend = "changed by no more than chance"
            title = f"The {SENTENCE_LABELS[mid]} {trend} in {periods[-1]}"
            eng = series["England"][-1]
            if not pd.isna(eng):
                eng = round(float(eng), sp.decimals)
                row, comp = pick(self.r["headline"], mid), self._lait(mid)
                near = (comp is not None and row is not None and not symbol_of(row)
                        and within_funnel(row["value"], None, row["denominator"], comp.england, sp.unit, kind, comp))
                where = ("not clearly different from" if near is True and now != eng else
                         "below" if now < eng else "above" if now > eng else "the same as")
                title += f" and is {where} England's" + (", within the usual spread between authorities"
                                                         if near == SPREAD and now != eng else "")
        chart = charts.trend_chart(
            periods, series, symbols=symbols, unit=sp.unit, decimals=sp.decimals, value_label=sp.label,
            title=title, threshold=b.threshold, counts=sp.counts,
            alt=f"Line chart of {sp.label.lower()} by school year from {periods[0]} to {periods[-1]}: " + "; ".join(
                f"{k} " + ", ".join(format_number_for_unit(v, sp.unit, s or None, sp.decimals) for v, s in zip(series[k], symbols[k]))
                for k in series) + ".")
        return join_blocks(HtmlBlock(f"<h3>{sp.label}</h3>"), paragraph(sentence), chart)

    def _within_noise(self, mid, kind):
        now, prev = pick(self.r["headline"], mid), self._previous(mid)
        if prev is None or symbol_of(prev) or symbol_of(now) or pd.isna(prev["denominator"]) or pd.isna(now["denominator"]):
            return None
        return bool(stats.change_within_noise(prev["numerator"], prev["denominator"], now["numerator"], now["denominator"],
                                              kind=kind).within_noise)

    def _trend_table(self, periods):
        b, y = self.b, self.r["yearly"]
        ids = ["exclusions.permanent_rate", "exclusions.suspension_rate", "exclusions.one_plus_suspension_pct",
               "exclusions.repeat_suspension_pct"]
        rows = []
        for year, period in zip(self.years, periods):
            row = {"period": period}
            sub = y[y["period"] == period]
            first = pick(sub, ids[0])
            row["pupils"] = first["denominator"] if first is not None else np.nan
            row["pupils_symbol"] = "" if first is not None and not pd.isna(first["denominator"]) else "x"
            for mid in ids:
                x = pick(sub, mid)
                short = mid.split(".")[1]
                row[f"{short}_n"] = x["numerator"] if x is not None else np.nan
                row[f"{short}_n_symbol"] = "" if x is not None and not pd.isna(x["numerator"]) else (symbol_of(x) or "x")
                row[short] = x["value"] if x is not None else np.nan
                row[f"{short}_symbol"] = "" if x is not None and not pd.isna(x["value"]) else (symbol_of(x) or "x")
            rows.append(row)
        frame = pd.DataFrame(rows).rename(columns=lambda c: c.replace("_n_symbol", "_nsym"))
        for short in ("permanent_rate", "suspension_rate", "one_plus_suspension_pct", "repeat_suspension_pct"):
            frame = frame.rename(columns={short: f"{short}_rate", f"{short}_symbol": f"{short}_rate_symbol",
                                          f"{short}_nsym": f"{short}_n_symbol"})
        cols = (("permanent_rate", "Permanent exclusions (per 100 pupils)", 2, False),
                ("suspension_rate", "Suspensions (per 100 pupils)", 2, False),
                ("one_plus_suspension_pct", "Pupils suspended at least once (% of pupils)", 2, True),
                ("repeat_suspension_pct", "Of them, suspended more than once (% of them)", 1, True))
        frame, used = count_rate_cells(frame, [(c, dec, pct) for c, _, dec, pct in cols])
        return html_table(frame, {"period": "School year", "pupils": "Pupils on roll"} | {c: head for c, head, *_ in cols},
                          caption=f"{b.area.name}: exclusions and suspensions by school year (own records)",
                          units={"pupils": "count"}, threshold=b.threshold, counts="exclusions or pupils",
                          note=self._legend(used, "Each cell shows the number, then in brackets the rate."))

    def _lait_comparison(self, mid, row):
        b = self.b
        comp = self._lait(mid)
        if comp is None:
            return paragraph("Published comparators are not available for this measure.")
        block = comparison_block(b, mid, row["value"], symbol_of(row), borough_n=row["denominator"], borough_k=row["numerator"],
                                 funnel_kind=FUNNEL_KIND[mid], period_label=self.label, comparison=comp,
                                 reason=row.get("reason"))
        note = [comp.year_note] if comp.year_note else []
        return join_blocks(*(paragraph(n) for n in note), block)

    def section_reasons(self) -> HtmlBlock:
        b = self.b
        parts = [paragraph(
            "Schools record the main reason for each exclusion from a list set by the Department for Education. The list "
            "changes: 'Other' was withdrawn from 2020/21, when reasons such as the use or threat of use of an offensive "
            "weapon and inappropriate use of social media were added. Each exclusion is checked against the list for its "
            "own school year; a code not on that year's list is shown as 'code not valid in that year'. 'Other' and invalid "
            "codes say nothing about what happened, so a high share is a recording problem to fix (Harrow recorded 23 of "
            "45 permanent exclusions in 2018/19 as 'Other').")]
        for cat in ("SUSP", "PERM"):
            frame = self.r[f"reasons_{cat}"]
            name = m.CATEGORIES[cat]
            parts.append(HtmlBlock(f"<h3>{name}</h3>"))
            if frame is None or frame.empty:
                parts.append(paragraph(f"There were no {name.lower()} in {self.label}."))
                continue
            n = frame["denominator"].iloc[0]
            out_of = "a hidden number" if pd.isna(n) else f"{int(n):,}"
            shown = frame[frame["symbol"].fillna("") == ""]
            top = certain_largest(frame, b.threshold)
            if top is not None:
                problem = (" That is a recording problem: the reason cannot be analysed."
                           if top["group"] in (m.UNMAPPED_LABEL, "Other", m.NOT_RECORDED) else "")
                parts.append(paragraph(f"The most common reason for {name.lower()} in {self.label} was "
                                       f"'{lower_first(top['group'])}' ({self._fmt(top)} of {out_of} {name.lower()})."
                                       + problem))
            if cat == "SUSP" or len(shown) >= 3:
                parts.append(charts.bar_chart_with_intervals(
                    list(frame["group"]), list(frame["value"]), list(frame["lower"]), list(frame["upper"]),
                    symbols=list(frame["symbol"]), unit="percent", decimals=1, threshold=b.threshold, counts="exclusions",
                    value_label=f"Share of {name.lower()} (%)",
                    title=(f"'{top['group']}' was the most common reason for {name.lower()} ({self._fmt(top)})"
                           if top is not None
                           else f"Reasons for {name.lower()}, {self.label}"),
                    alt=f"Bar chart with 95% intervals of the share of {name.lower()} by reason in {self.label}: " + "; ".join(
                        f"{g}: {format_number_for_unit(v, 'percent', s or None, 1)}"
                        for g, v, s in zip(frame["group"], frame["value"], frame["symbol"])) + "."))
            parts.append(html_table(frame, {"group": "Reason", "numerator": name, "value": "Share (%)",
                                            "interval": "95% confidence interval"},
                                    caption=f"{name} by reason, {self.label} (out of {out_of})",
                                    units={"value": "percent", "interval": "percent"}, threshold=b.threshold,
                                    counts="exclusions"))
        parts.append(HtmlBlock("<h3>'Other' and invalid reasons, year by year</h3>"))
        parts.append(self._other_block())
        return join_blocks(*parts)

    def _other_block(self):
        b, o = self.b, self.r["other"]
        periods = list(dict.fromkeys(o["period"]))
        series, symbols = {}, {}
        for name in m.CATEGORIES.values():
            sub = o[o["group"] == name].set_index("period").reindex(periods)
            series[name] = list(sub["value"])
            symbols[name] = list(sub["symbol"].fillna(""))
        text = self._other_sentence(o)
        chart = charts.trend_chart(
            periods, series, symbols=symbols, unit="percent", decimals=1, threshold=b.threshold, counts="exclusions",
            roles={m.CATEGORIES["PERM"]: "borough", m.CATEGORIES["SUSP"]: "neighbours_median"},
            value_label="Recorded as 'Other' or invalid (%)",
            title="Share of exclusions whose reason cannot be analysed, by school year",
            alt=f"Line chart of the percentage of permanent exclusions and of suspensions recorded as 'Other' or with an invalid "
                f"reason code, {periods[0]} to {periods[-1]}: " + "; ".join(
                    f"{k} " + ", ".join(format_number_for_unit(v, 'percent', s or None, 1) for v, s in zip(series[k], symbols[k]))
                    for k in series) + ".")
        table = html_table(o, {"period": "School year", "group": "Kind", "numerator": "Recorded as 'Other' or invalid",
                               "denominator": "Out of", "value": "Share (%)"},
                           caption="Exclusions recorded as 'Other' or with a reason code not valid in that year",
                           units={"value": "percent"}, threshold=b.threshold, counts="exclusions",
                           detail=True,  # the chart's data, year by year: folded on screen, a download on paper
                           note="'Other' was a valid code up to 2019/20 and is counted here in every year, because it never "
                                "said what happened.")
        return join_blocks(paragraph(text) if text else None, chart, table)

    def _other_sentence(self, o) -> str:
        """What the 'Other'/invalid share was in the year shown, and when it was last seen otherwise."""
        now = o[o["period"] == self.label]
        # a hidden count, or a shown count above 0 (a shown 0 beside a hidden share is left to the table)
        some = (now["numerator"].fillna(0) > 0) | ((now["symbol"].fillna("") == "c") & now["numerator"].isna())
        flagged = now[some]
        if flagged.empty:
            earlier = o[(o["period"] != self.label) & ((o["numerator"].fillna(0) > 0) | (o["symbol"].fillna("") == "c"))]
            if earlier.empty:
                return "No exclusion in the years shown was recorded as 'Other' or with a code that was not valid at the time."
            last = earlier["period"].iloc[-1]
            return (f"No exclusion in {self.label} was recorded as 'Other' or with an invalid code. The last year with any "
                    f"was {last}" + (", when 'Other' was still on the list." if last <= "2019/20" else "."))
        parts = []
        for _, row in flagged.iterrows():
            what = row["group"].lower()
            if pd.isna(row["numerator"]):
                parts.append(self._count(row, noun=what))
            elif symbol_of(row):
                parts.append(f"{int(row['numerator']):,} {what} (the share is {self._hidden(row)})")
            else:
                parts.append(f"{int(row['numerator']):,} of {int(row['denominator']):,} {what} ({self._fmt(row)})")
        return f"In {self.label}, " + " and ".join(parts) + " were recorded as 'Other' or with a code not valid that year."

