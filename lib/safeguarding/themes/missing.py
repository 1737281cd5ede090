"""Theme 10: missing episodes and return home interviews (the view: key findings and sections)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from safeguarding.measures import missing as m
from safeguarding.measures.registry import get as spec
from safeguarding.published.population import NOTE as ETHNIC_POPULATION_NOTE
from safeguarding.render import charts
from safeguarding.render.blocks import HtmlBlock, join_blocks, paragraph
from safeguarding.render.comparisons import (
    comparison_block,
    pick,
    published_trend_block,
    symbol_of,
)
from safeguarding.render.formats import format_number_for_unit, format_published
from safeguarding.render.sentences import describe_share
from safeguarding.render.tables import html_table, measure_table
from safeguarding.themes.missing_duration import LengthAndTrendSections
from safeguarding.themes.missing_rhi import ReturnInterviewSections

SEX_LABELS = {"F": "Girls", "M": "Boys", "U": "Sex not known", "Not recorded": "Not recorded"}


class MissingView(ReturnInterviewSections, LengthAndTrendSections):
    """Key findings and sections of the missing briefing, from the borough's protected results."""

    def __init__(self, b):
        self.b = b
        self.r: dict = {name: b.table(name) for name in b.r}
        self.r["pop_major"] = pd.Series(b.meta["population_by_major_group"], dtype=float)
        #: The data-quality note, and DfE's comparison for the same year, when the figures differ.
        self.quality, self._published_same_year = self._own_vs_published()

    def _own_vs_published(self) -> tuple[list[dict], object]:
        """Looked-after children who went missing: the borough's own figure against DfE's for the
        same year (both shown in the briefing), as a data-quality note when they differ; with
        DfE's comparison when they do (else None)."""
        from safeguarding import quality
        from safeguarding.issues import InputError
        row = pick(self.r["cla"], "missing.cla_missing_pct") if "cla" in self.r else None
        if row is None or symbol_of(row):
            return [], None
        try:
            comp = self.b.compare("cla_missing.pct_missing")
        except InputError:
            return [], None
        if not comp.matches_year or pd.isna(comp.value):
            return [], None
        frame = pd.DataFrame([{"measure_id": "missing.cla_missing_pct", "label": "Looked-after children who went missing",
                               "own": row["value"],
                               "published": comp.value, "own_n": row["denominator"],
                               "published_n": comp.denominator}])
        found = quality.own_vs_published(frame, code="MIS09")
        return found, comp if found else None

    def published_differs(self) -> str:
        """Where DfE published a different figure for the same year, a sentence saying so beside
        the borough's own (the comparisons use the own figure; on DfE's they could read otherwise)."""
        comp = self._published_same_year
        if comp is None:
            return ""
        s = spec("missing.cla_missing_pct")
        published = format_published(comp.value, s.unit, None, s.decimals, comp.published_decimals)
        return (f"DfE published {published} for {self.b.area.name} for the same year, a different figure: the "
                "comparisons below use the borough's own records and could read differently on DfE's (see data quality).")

    # ---- key findings ----------------------------------------------------------------
    def key_findings(self) -> list[str]:
        b, r = self.b, self.r
        out = []
        all_label = m.SCOPES["all"]
        ch, ep = pick(r["headline"], "missing.children", all_label), pick(r["headline"], "missing.episodes", all_label)
        per = pick(r["headline"], "missing.episodes_per_child", all_label)
        if ch is not None and not symbol_of(ch):
            text = (f"{int(ch['value']):,} children went missing in {b.period_label}, in {int(ep['value']):,} episodes "
                    f"(episodes are counted separately from children: on average {per['value']:.1f} episodes per child).")
            from safeguarding.themes.missing_trend import change_in_children
            text += change_in_children(self, ch)  # on a comparable series when recording changed
            out.append(text)
        rep = pick(r["headline"], "missing.repeat_3plus_pct", all_label)
        if rep is not None and not symbol_of(rep):
            out.append(f"{describe_share(rep['numerator'], rep['denominator'], 'went missing three or more times', 'children', threshold=b.threshold)} "
                       "Repeat episodes are a known warning sign of exploitation.")
        w72 = pick(r["rhi"], "missing.rhi_offered_within_72h_pct", all_label)
        if w72 is not None and not symbol_of(w72):
            out.append(f"A return home interview was offered within 72 hours of the child's return after {int(w72['numerator']):,} "
                       f"of {int(w72['denominator']):,} missing episodes that ended ({w72['value']:.0f}%; 'away' episodes, after "
                       "which no interview is due, are left out). Higher is better: statutory "
                       "guidance expects every child to be offered one within 72 hours.")
        comp = pick(r["rhi"], "missing.rhi_completed_pct", all_label)
        if comp is not None and not symbol_of(comp):
            out.append(f"Interviews were completed after {comp['value']:.0f}% of missing episodes that ended "
                       f"({int(comp['numerator']):,} of {int(comp['denominator']):,} episodes).")
        eth = r["ethnicity"]
        pop_share = 100 * r["pop_major"] / r["pop_major"].sum()
        gaps = []
        for _, row in eth.iterrows():
            if row["group"] in pop_share.index and not symbol_of(row) and row["numerator"] >= 10:
                gaps.append((row["value"] - pop_share[row["group"]], row["group"], row["value"], pop_share[row["group"]]))
        if gaps:
            gap, group, share, pshare = max(gaps)
            if gap > 3:
                out.append(f"{group} children were {share:.0f}% of children who went missing but about {pshare:.0f}% of the "
                           f"borough's children: a group to look at in the disproportionality briefing.")
        cla = r.get("cla")
        if cla is not None:
            row = pick(cla, "missing.cla_missing_pct")
            if row is not None and not symbol_of(row):
                differs = self.published_differs()
                out.append(f"{row['value']:.0f}% of looked-after children went missing at least once "
                           f"({int(row['numerator']):,} of {int(row['denominator']):,}"
                           + (", from the borough's own records). " + differs if differs else
                              "); see the comparison with England and neighbours below."))
        return out[:6]

    def _previous(self, measure_id, group):
        y = self.r["yearly"]
        sub = y[(y["measure_id"] == measure_id) & (y["group"] == group)]
        periods = list(dict.fromkeys(sub["period"]))
        if len(periods) < 2:
            return None
        return sub[sub["period"] == periods[-2]].iloc[0]

    # ---- sections --------------------------------------------------------------------
    def section_overview(self) -> HtmlBlock:
        b, h = self.b, self.r["headline"]
        rows = []
        for scope in m.SCOPES.values():
            row = {"scope": scope}
            for mid, col in (("missing.children", "children"), ("missing.episodes", "episodes"),
                             ("missing.episodes_per_child", "per_child")):
                x = pick(h, mid, scope)
                row[col] = x["value"] if x is not None else np.nan
                row[f"{col}_symbol"] = symbol_of(x) or ""
            rows.append(row)
        frame = pd.DataFrame(rows)
        frame["symbol"] = frame["children_symbol"]
        text = ("Children missing from home live with their families; children missing from care are looked after by the "
                "council. 'All children' also includes episodes where the log does not say which. Each child is counted "
                "once however many times they went missing; each episode is counted separately.")
        table = html_table(frame, {"scope": "Who", "children": "Children", "episodes": "Episodes", "per_child": "Episodes per child"},
                           caption=f"Children and episodes, {b.period_label}", units={"children": "count", "episodes": "count", "per_child": "ratio"},
                           decimals={"per_child": 1}, symbol_columns=(), threshold=b.threshold)
        values = [frame.loc[i, "children"] for i in range(len(frame))]
        chart = charts.bar_chart_with_intervals(
            list(frame["scope"]), values, title=self._overview_title(frame), unit="count", symbols=list(frame["children_symbol"]),
            alt="Bar chart of the number of children who went missing: " + "; ".join(
                f"{s}: {format_number_for_unit(v, 'count', sy or None)}" for s, v, sy in zip(frame["scope"], values, frame["children_symbol"])),
            value_label="Children", threshold=b.threshold, counts="children")
        return join_blocks(paragraph(text), chart, table)

    def _overview_title(self, frame):
        home, care = frame.iloc[0], frame.iloc[1]
        if home["children_symbol"] or care["children_symbol"]:
            return "Children who went missing from home and from care"
        bigger = "from home than from care" if home["children"] >= care["children"] else "from care than from home"
        return f"More children went missing {bigger}"

    def section_trend(self) -> HtmlBlock:
        """Children and episodes by year, read across any break in recording (see
        :mod:`safeguarding.themes.missing_trend`), then month by month."""
        from safeguarding.themes.missing_trend import section_trend
        return join_blocks(section_trend(self), self._monthly_block())

    def _monthly_block(self):
        b, mo = self.b, self.r["monthly"]
        eps = mo[mo["measure_id"] == "missing.monthly_episodes"]
        kids = mo[mo["measure_id"] == "missing.monthly_children"]
        months = list(eps["group"])
        shown = eps[(eps["symbol"].fillna("") == "") & (eps["value"] > 0)]
        peak = shown.loc[shown["value"].idxmax(), "group"] if len(shown) >= 3 else None
        if peak is None:
            chart = paragraph("Monthly figures are too small to show without identifying children; see the yearly totals above.")
        else:
            chart = charts.trend_chart(months, {"Episodes": list(eps["value"]), "Children": list(kids["value"])},
                                       symbols={"Episodes": list(eps["symbol"]), "Children": list(kids["symbol"])},
                                       unit="count", value_label="Number", threshold=b.threshold, counts="episodes",
                                       title=f"Episodes by month in {b.period_label}: the most were in {peak}",
                                       alt=f"Line chart of missing episodes and children by month from {months[0]} to {months[-1]}; "
                                           f"the highest number of episodes was in {peak}.")
        frame = pd.DataFrame({"month": months, "episodes": list(eps["value"]), "episodes_symbol": list(eps["symbol"]),
                              "children": list(kids["value"]), "children_symbol": list(kids["symbol"])})
        table = html_table(frame, {"month": "Month", "episodes": "Episodes", "children": "Children"},
                           caption="Episodes and children by month (a child missing in two months is counted in both)",
                           units={"episodes": "count", "children": "count"}, symbol_columns=(), threshold=b.threshold)
        return join_blocks(HtmlBlock("<h3>Month by month</h3>"), chart, table)

    def section_repeat_and_duration(self) -> HtmlBlock:
        b, h = self.b, self.r["headline"]
        ids = ["missing.repeat_2plus_pct", "missing.repeat_3plus_pct", "missing.away_pct", "missing.over_24h_pct"]
        rows = h[h["measure_id"].isin(ids)].copy()
        rows["measure"] = rows["measure_id"].map(lambda i: spec(i).label)
        rows["counted"] = rows["measure_id"].map(lambda i: spec(i).counts)
        table = html_table(rows, {"measure": "Measure", "group": "Who", "value": "Per cent", "numerator": "Number", "denominator": "Out of", "counted": "Counted in"},
                           caption="Repeat missing, 'away' episodes and long episodes", units={"value": "percent", "numerator": "count", "denominator": "count"},
                           threshold=b.threshold, row_header=True)
        all_rows = rows[rows["group"] == m.SCOPES["all"]]
        chart = charts.bar_chart_with_intervals(list(all_rows["measure"]), list(all_rows["value"]), list(all_rows["lower"]), list(all_rows["upper"]),
                                                symbols=list(all_rows["symbol"]), unit="percent", threshold=b.threshold, counts="children",
                                                title=self._repeat_title(all_rows), value_label="Per cent",
                                                alt="Bar chart with 95% intervals, all children: " + "; ".join(
                                                    f"{a}: {format_number_for_unit(v, 'percent', s or None)}" for a, v, s in zip(all_rows['measure'], all_rows['value'], all_rows['symbol'])))
        med = pick(h, "missing.median_duration_hours", m.SCOPES["all"])
        text = ("Repeat missing is counted in children (of children who went missing); 'away' and long episodes are counted in "
                "episodes. 'Away from placement without authorisation' means the child's whereabouts were known.")
        if med is not None and not symbol_of(med) and not pd.isna(med["value"]):
            text += f" Half of all episodes that ended lasted {med['value']:.0f} hours or less."
        return join_blocks(paragraph(text), chart, table)

    def _repeat_title(self, rows):
        r3 = rows[rows["measure_id"] == "missing.repeat_3plus_pct"]
        if len(r3) and not r3.iloc[0]["symbol"] and not pd.isna(r3.iloc[0]["value"]):
            return f"About {r3.iloc[0]['value']:.0f} in every 100 children who went missing did so three or more times"
        return "Repeat missing and long episodes"

    def section_who(self) -> HtmlBlock:
        b = self.b
        from safeguarding.published.population import age_sex_population_note
        parts = [paragraph("Children are counted once, in the group recorded at their first episode in the year. "
                           "Shares are of all children who went missing. " + age_sex_population_note(b.published_dir))]
        for key, label in (("age_band", "Age at first episode"), ("sex", "Sex")):
            frame = self.r[key].copy()
            if key == "sex":
                frame["group"] = frame["group"].map(lambda g: SEX_LABELS.get(g, g))
            parts.append(measure_table(frame, "percent", caption=f"Children who went missing by {label.lower()}", group_label=label,
                                       numerator_label="Children", denominator_label="All children missing",
                                       value_label="Share (%)", threshold=b.threshold, counts="children"))
        eth = self.r["ethnicity"].copy()
        pop_share = 100 * self.r["pop_major"] / self.r["pop_major"].sum()
        eth["population_share"] = eth["group"].map(pop_share)
        rate = self.r["eth_rate"]
        chart_frame = rate[rate["group"] != "Not known"]
        chart = charts.bar_chart_with_intervals(list(chart_frame["group"]), list(chart_frame["value"]), list(chart_frame["lower"]), list(chart_frame["upper"]),
                                                symbols=list(chart_frame["symbol"]), unit="per_10k", threshold=b.threshold, counts="children",
                                                title=self._eth_title(chart_frame), value_label="Children per 10,000",
                                                alt="Bar chart with 95% intervals of children who went missing per 10,000 children of each ethnic group: " + "; ".join(
                                                    f"{g}: {format_number_for_unit(v, 'per_10k', s or None)}" for g, v, s in zip(chart_frame['group'], chart_frame['value'], chart_frame['symbol'])))
        table = html_table(eth, {"group": "Ethnic group", "numerator": "Children missing", "value": "Share of children missing (%)",
                                 "population_share": "Share of all children in the borough (%)"},
                           caption="Ethnicity of children who went missing against the borough's child population",
                           units={"numerator": "count", "value": "percent", "population_share": "percent"},
                           symbol_columns=("numerator", "value"), threshold=b.threshold,
                           note=ETHNIC_POPULATION_NOTE)
        rate_table = measure_table(rate, "per_10k", caption="Children who went missing per 10,000 children of each group",
                                   group_label="Ethnic group", numerator_label="Children missing", denominator_label="Child population (estimate)",
                                   value_label="Per 10,000", threshold=b.threshold, counts="children")
        # the rates and shares rest on all-age Census shares: said before the chart, not only under a table
        caveat = paragraph(ETHNIC_POPULATION_NOTE)
        return join_blocks(*parts, HtmlBlock("<h3>Ethnicity</h3>"), caveat, chart, table, rate_table)

    def _eth_title(self, frame):
        shown = frame[(frame["symbol"] == "") & frame["value"].notna()]
        if shown.empty:
            return "Children who went missing per 10,000 children, by ethnic group"
        top = shown.loc[shown["value"].idxmax()]
        return f"{top['group']} children had the highest rate of going missing ({top['value']:.0f} per 10,000 children)"

    def section_looked_after(self) -> HtmlBlock:
        b = self.b
        cla = self.r.get("cla")
        if cla is None:
            return paragraph("SSDA903 episodes and missing tables were not provided, so looked-after children cannot be compared "
                             "with England and statistical neighbours.")
        row = pick(cla, "missing.cla_missing_pct")
        text = paragraph(f"From the SSDA903 return: {describe_share(row['numerator'], row['denominator'], 'had at least one missing incident', 'looked-after children', symbol=symbol_of(row), threshold=b.threshold)} "
                         "This is counted in children, with children looked after at any time in the year as the denominator, as the DfE publishes it. "
                         + self.published_differs())
        block = comparison_block(b, "missing.cla_missing_pct", row["value"], symbol_of(row), borough_n=row["denominator"], borough_k=row["numerator"], reason=row.get("reason"))
        inc = pick(cla, "missing.cla_incidents_per_child")
        inc_block = comparison_block(b, "missing.cla_incidents_per_child", inc["value"], symbol_of(inc),
                                     borough_n=None if symbol_of(inc) else inc["denominator"],
                                     borough_k=None if symbol_of(inc) else inc["numerator"], funnel_kind="rate",
                                     reason=inc.get("reason")) if inc is not None else HtmlBlock("")
        trend = published_trend_block(b, spec("missing.cla_missing_pct"), "cla_missing.pct_missing", row,
                                      label="Looked-after children who went missing",
                                      phrase="percentage of looked-after children who went missing")
        return join_blocks(text, block, HtmlBlock(f"<h3>Over the years, against England, {b.area.region} and neighbours</h3>"),
                           trend, HtmlBlock("<h3>Incidents per looked-after child who went missing</h3>"), inc_block)


VIEW = MissingView
