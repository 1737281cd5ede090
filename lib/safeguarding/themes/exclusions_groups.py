"""Exclusions briefing: the overview, groups and social care sections (a part of the view in
themes/exclusions.py)."""

from __future__ import annotations

import pandas as pd

from safeguarding.measures import exclusions as m
from safeguarding.measures.registry import get as spec
from safeguarding.render import charts
from safeguarding.render.blocks import HtmlBlock, join_blocks, paragraph
from safeguarding.render.comparisons import pick, symbol_of
from safeguarding.render.count_rate_tables import count_rate_cells, wide_by_group
from safeguarding.render.formats import format_interval, format_number_for_unit
from safeguarding.render.sentences import lower_first, upper_first
from safeguarding.render.tables import html_table

GROUP_BREAKDOWNS = ("ethnicity", "sex", "sen", "fsm")
TOP_SCHOOLS = 10
#: The three rates of a group table: short name, measure, heading, decimals, percent?
GROUP_COLUMNS = (("perm", "exclusions.permanent_rate", "Permanent exclusions (per 100 pupils)", 2, False),
                 ("susp", "exclusions.suspension_rate", "Suspensions (per 100 pupils)", 2, False),
                 ("one", "exclusions.one_plus_suspension_pct", "Pupils suspended at least once (% of pupils)", 1, True))


class GroupSections:
    """Sections 'overview' and 'groups' of :class:`~safeguarding.themes.exclusions.ExclusionsView`."""

    def section_overview(self) -> HtmlBlock:
        b, h = self.b, self.r["headline"]
        rows = h.copy()
        rows["measure"] = rows["measure_id"].map(lambda i: spec(i).label)
        rows["counted"] = rows["measure_id"].map(lambda i: f"{spec(i).numerator}, out of {spec(i).denominator}")
        rows["shown"] = [format_number_for_unit(r["value"], spec(r["measure_id"]).unit, symbol_of(r),
                                                spec(r["measure_id"]).decimals, with_unit=False) for _, r in rows.iterrows()]
        rows["ci"] = [format_interval(r["lower"], r["upper"], symbol_of(r), decimals=spec(r["measure_id"]).decimals)
                      if not pd.isna(r["lower"]) or symbol_of(r) else "" for _, r in rows.iterrows()]
        intro = paragraph(
            self._why_year() + " Two kinds of figure appear: rates of exclusions count events (a pupil suspended three "
            "times counts three times), while 'pupils suspended' counts each pupil once. Both are per 100 pupils on the "
            "school roll in the same year, the way the Department for Education publishes them.")
        table = html_table(rows, {"measure": "Measure", "counted": "What is counted", "numerator": "Number",
                                  "denominator": "Out of", "shown": "Value", "ci": "95% confidence interval"},
                           caption=f"Exclusions and suspensions, all pupils, {self.label}",
                           units={"numerator": "count", "denominator": "count"}, symbol_columns=("numerator",),
                           threshold=b.threshold, counts="exclusions or pupils",
                           note="The confidence interval is the range the true rate is likely to lie in, given the numbers; "
                                "a ratio has none.")
        return join_blocks(intro, table, HtmlBlock("<h3>By school phase</h3>"), self._group_block("phase"),
                           HtmlBlock("<h3>Schools with the most suspensions</h3>"), self._schools_block())

    def _schools_block(self) -> HtmlBlock:
        b, s = self.b, self.r["schools"]
        wide = wide_by_group(s, {"exclusions.school_suspension_rate": "susp", "exclusions.school_one_plus_suspension_pct": "one",
                                 "exclusions.school_permanent_rate": "perm"})
        wide = wide[wide["group"] != m.NOT_RECORDED]
        n_schools = len(wide)
        top = wide.sort_values(["susp_n", "susp_rate"], ascending=False, na_position="last").head(TOP_SCHOOLS)
        top = top[top["susp_n"].fillna(0) > 0]
        if top.empty:
            return paragraph(f"No school had enough suspensions in {self.label} to be shown without risk of identifying pupils.")
        text = paragraph(
            f"The {len(top)} schools (of {n_schools}) with the most suspensions in {self.label}. Schools are shown by their "
            "URN (unique reference number, as in Get Information about Schools); the data hold no school names. Compare the "
            "rates, not the counts: a large school has more suspensions for the same rate. Where pupils were suspended at "
            "more than one school they count at each.")
        top, used = count_rate_cells(top, (("susp", 1, False), ("one", 1, True), ("perm", 2, False)))
        table = html_table(top, {"group": "School (URN)", "pupils": "Pupils on roll", "susp": "Suspensions (per 100 pupils)",
                                 "one": "Pupils suspended at least once (% of pupils)",
                                 "perm": "Permanent exclusions (per 100 pupils)"},
                           caption=f"Schools with the most suspensions, {self.label}", units={"pupils": "count"},
                           threshold=b.threshold, counts="exclusions or pupils",
                           note=self._legend(used, "A school with no pupils on the borough's roll (for example one outside "
                                                   "the borough) shows x for its rates."))
        return join_blocks(text, table)

    def _group_block(self, key: str, chart: bool = True) -> HtmlBlock:
        b, frame = self.b, self.r[key]
        wide = wide_by_group(frame, {mid: short for short, mid, *_ in GROUP_COLUMNS})
        wide, used = count_rate_cells(wide, [(short, dec, pct) for short, _, _, dec, pct in GROUP_COLUMNS])
        label = m.BREAKDOWNS[key]
        table = html_table(wide, {"group": label, "pupils": "Pupils on roll"} | {short: head for short, _, head, *_ in GROUP_COLUMNS},
                           caption=f"Exclusions and suspensions by {label.lower()}, {self.label}", units={"pupils": "count"},
                           threshold=b.threshold, counts="exclusions or pupils",
                           note=self._legend(used, "Each cell shows the number, then in brackets the rate per 100 pupils on roll "
                                                   "in the group. Exclusions are counted in the group recorded on the exclusion, "
                                                   "pupils suspended in the group recorded at their first suspension of the year."))
        if not chart:
            return table
        one = frame[(frame["measure_id"] == "exclusions.one_plus_suspension_pct") & (frame["group"] != m.NOT_RECORDED)]
        allp = pick(self.r["headline"], "exclusions.one_plus_suspension_pct")
        reference = None if symbol_of(allp) else allp["value"]
        fig = charts.bar_chart_with_intervals(
            list(one["group"]), list(one["value"]), list(one["lower"]), list(one["upper"]), symbols=list(one["symbol"]),
            unit="percent", decimals=1, reference=reference, reference_label="All pupils", threshold=b.threshold,
            counts="pupils", value_label="% of the group suspended at least once",
            title=self._group_title(one, key), note="The dashed line is the figure for all pupils." if reference is not None else None,
            alt=f"Bar chart with 95% intervals of the percentage of pupils suspended at least once in {self.label}, by "
                f"{label.lower()}: " + "; ".join(f"{g}: {format_number_for_unit(v, 'percent', s or None, 1)}"
                                                  for g, v, s in zip(one["group"], one["value"], one["symbol"]))
                + (f". All pupils: {format_number_for_unit(reference, 'percent', None, 1)}." if reference is not None else "."))
        return join_blocks(fig, table)

    def _group_title(self, one, key):
        shown = one[(one["symbol"].fillna("") == "") & one["value"].notna() & (one["group"] != "Not known")]
        if len(shown) < 2:
            return f"Pupils suspended at least once, by {m.BREAKDOWNS[key].lower()}"
        ranked = shown.sort_values("value", ascending=False)
        top, second = ranked.iloc[0], ranked.iloc[1]
        if round(top["value"], 1) <= round(second["value"], 1):
            return f"Pupils suspended at least once, by {m.BREAKDOWNS[key].lower()}"
        pct = format_number_for_unit(top["value"], "percent", None, 1)
        return f"{upper_first(pupils_in(key, top['group']))} had the highest share suspended at least once ({pct})"

    def section_groups(self) -> HtmlBlock:
        parts = [paragraph(
            f"Which pupils were excluded or suspended in {self.label}, against all pupils on roll in the same group. The "
            "chart shows the share of pupils suspended at least once, with its 95% confidence interval; where the intervals "
            "of two groups do not overlap the difference is unlikely to be chance. Figures for groups with very few pupils "
            "are hidden to protect them, and so are some others, so that a hidden figure cannot be worked out from the "
            "totals.")]
        for key in GROUP_BREAKDOWNS:
            parts.append(HtmlBlock(f"<h3>{m.BREAKDOWNS[key]}</h3>"))
            parts.append(self._group_block(key))
        parts.append(HtmlBlock("<h3>Ethnic groups in more detail</h3>"))
        parts.append(paragraph(
            "Smaller ethnic groups (for example Black Caribbean and White and Black Caribbean pupils, whom several London "
            "partnerships have found over-represented in exclusions) are hidden where numbers are small, and where their "
            "whole ethnic group had fewer than " + f"{self.b.threshold + 1} (its figure is then shown only for the whole "
            "group). The disproportionality briefing compares every group with White British pupils."))
        parts.append(self._group_block("ethnicity_minor", chart=False))
        return join_blocks(*parts)


def pupils_in(key: str, group: str) -> str:
    """The pupils of a group in words: 'Black pupils', 'boys', 'pupils with SEN support'."""
    if key == "sex":
        return {"Boys": "boys", "Girls": "girls"}.get(group, f"pupils whose sex is {group.lower()}")
    if key == "phase":
        return f"pupils in {group.lower()} schools" if group != "Alternative provision" else "pupils in alternative provision"
    if key == "sen":
        return {"No special educational need": "pupils with no special educational need",
                "SEN support": "pupils receiving SEN support",
                "Education, health and care plan": "pupils with an education, health and care plan"}.get(group, f"pupils: {group}")
    if key == "fsm":
        return "pupils " + lower_first(group)
    if key == "social_care":
        return {m.CLA: "looked-after pupils", m.CP: "pupils on a child protection plan", m.CIN: "other pupils in need",
                m.NOT_KNOWN: "pupils not known to children's social care"}.get(group, group)
    return f"{group} pupils" if group not in ("Not known", m.NOT_RECORDED) else "pupils whose ethnicity is not known"



