"""Exclusions briefing: the overview, groups and social care sections (a part of the view in
themes/exclusions.py)."""

from __future__ import annotations

import pandas as pd

from safeguarding.measures import exclusions as m
from safeguarding.measures.registry import get as spec
from safeguarding.render import charts
from safeguarding.render.blocks import HtmlBlock, join_blocks, paragraph
from safeguarding.render.comparisons import comparison_block, pick, symbol_of
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
    """Sections 'overview', 'groups' and 'social_care' of :class:`~safeguarding.themes.exclusions.ExclusionsView`."""

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

    def section_social_care(self) -> HtmlBlock:
        b, sources, sc = self.b, set(self.b.meta["social_care_sources"]), self.r["social_care"]
        missing = []
        if "CLA" not in sources:
            missing.append("the SSDA903 Header and Episodes tables (for looked-after children)")
        if "CIN" not in sources or "CP" not in sources:
            missing.append("the CIN census children table with UPNs, CIN details and child protection plans")
        intro = (f"Pupils on the roll in {self.label} are linked by their UPN (unique pupil number) to children's social care "
                 "records, and each pupil is counted once, in the first group that applies: looked after (the UPN is in the "
                 "SSDA903 Header and the child had an episode of care open at any time in the school year); on a child "
                 "protection plan (the UPN is in the CIN census and a plan was open at any time in the school year); other "
                 "children in need (a CIN episode open at any time in the school year, not a referral closed with no further "
                 "action); otherwise not known to children's social care. These are counted in pupils, out of pupils on roll "
                 "in the same group.")
        parts = [paragraph(intro)]
        if missing:
            parts.append(paragraph("Not provided: " + "; and ".join(missing) + ". Groups that need them are shown as x (not "
                                   "available); their pupils are counted in the next group that could be found, or as not known."))
        susp = sc[sc["measure_id"] == "exclusions.social_care_one_plus_sus_pct"].copy()
        allp = pick(susp, "exclusions.social_care_one_plus_sus_pct", m.ALL_PUPILS)
        chart_rows = susp[susp["group"] != m.ALL_PUPILS]
        reference = None if symbol_of(allp) else allp["value"]
        shown = chart_rows[(chart_rows["symbol"].fillna("") == "") & chart_rows["value"].notna()]
        title = "Pupils suspended at least once, by children's social care group"
        if len(shown) and shown["value"].max() > 0:
            top = shown.loc[shown["value"].idxmax()]
            pct = format_number_for_unit(top["value"], "percent", None, 1)
            title = f"{pct} of {pupils_in('social_care', top['group'])} were suspended at least once, the highest share"
        parts.append(charts.bar_chart_with_intervals(
            list(chart_rows["group"]), list(chart_rows["value"]), list(chart_rows["lower"]), list(chart_rows["upper"]),
            symbols=list(chart_rows["symbol"]), unit="percent", decimals=1, reference=reference, reference_label="All pupils",
            threshold=b.threshold, counts="pupils", title=title,
            note="The dashed line is the figure for all pupils." if reference is not None else None,
            value_label="% of the group suspended at least once",
            alt=f"Bar chart with 95% intervals of the percentage of pupils suspended at least once in {self.label}, by "
                "children's social care group: " + "; ".join(
                    f"{g}: {format_number_for_unit(v, 'percent', s or None, 1)}"
                    for g, v, s in zip(chart_rows["group"], chart_rows["value"], chart_rows["symbol"])) + "."))
        wide = wide_by_group(sc, {"exclusions.social_care_perm_pct": "perm", "exclusions.social_care_one_plus_sus_pct": "one"})
        wide, used = count_rate_cells(wide, (("perm", 2, True), ("one", 1, True)))
        parts.append(html_table(wide, {"group": "Group", "pupils": "Pupils on roll",
                                       "perm": "Permanently excluded (% of the group)",
                                       "one": "Suspended at least once (% of the group)"},
                                caption=f"Pupils permanently excluded and suspended, by children's social care group, {self.label}",
                                units={"pupils": "count"}, threshold=b.threshold, counts="pupils",
                                note=self._legend(used, "The groups count pupils on the roll only; 'All pupils' counts every "
                                                        "pupil excluded that year, as in the overview.")))
        parts.append(HtmlBlock("<h3>Against published figures</h3>"))
        parts.append(self._published_social_care(sc))
        return join_blocks(*parts)

    def _published_social_care(self, sc) -> HtmlBlock:
        b = self.b
        rows, blocks, years = [], [], set()
        for (group, kind), cid in m.SOCIAL_CARE_COMPARISONS.items():
            generic = "exclusions.social_care_perm_pct" if kind == "perm" else "exclusions.social_care_one_plus_sus_pct"
            own = pick(sc, generic, group)
            comp = self._published(spec(cid).published_id)
            if comp is None:
                continue
            years.add(comp.year_label)
            short = {m.CLA: "Looked after", m.CP: "On a child protection plan", m.CIN: "Other children in need"}[group]
            what = "permanently excluded" if kind == "perm" else "suspended at least once"
            rows.append({"measure": f"{short}: {what}", "year": comp.year_label,
                         "own": own["value"], "own_symbol": symbol_of(own) or "",
                         "published": comp.value, "published_symbol": comp.symbol or "",
                         "england": comp.england, "england_symbol": comp.england_symbol or "",
                         "london": comp.region, "london_symbol": comp.region_symbol or "",
                         "sn": comp.sn_median, "sn_symbol": "" if not pd.isna(comp.sn_median) else "x"})
            if kind == "sus":
                if cid not in b.used_measures:
                    b.used_measures.append(cid)
                blocks += [HtmlBlock(f"<h4>{spec(cid).label}</h4>"),
                           comparison_block(b, cid, own["value"], symbol_of(own), borough_n=own["denominator"],
                                            borough_k=own["numerator"], period_label=self.label,
                                            reason=own.get("reason"))]
        if not rows:
            return paragraph("Published figures for children in need, on plans and looked after are not available.")
        older = sorted(y for y in years if y != self.label)
        when = (f"for {self.label}, the same school year" if not older else
                f"for {self.label} where published, and otherwise for the latest year published ({', '.join(older)}: "
                "the year is given on each row)")
        text = paragraph(
            f"The Department for Education publishes these figures by local authority (Outcomes for children in need, "
            f"carried on in its Local Authority Interactive Tool): here {when}. Its groups are counted at 31 March "
            "(children looked after for 12 months; on a plan; other children in need) rather than at any time in the "
            "school year as here, so read the comparison as a guide to scale, not an exact match. The borough's own "
            f"figures are for {self.label}.")
        frame = pd.DataFrame(rows)
        table = html_table(frame, {"measure": "Pupils", "year": "Published year", "own": f"{b.area.name} {self.label}",
                                   "published": f"{b.area.name} published", "england": "England",
                                   "london": "London", "sn": "Neighbours (median)"},
                           caption=f"Children's social care groups (%): {b.area.name}'s own figures for {self.label} and "
                                   "published figures for the year on each row",
                           units={c: "number" for c in ("own", "published", "england", "london", "sn")}, decimals=2,
                           threshold=b.threshold, counts="pupils",
                           source="Department for Education, Outcomes for children in need, including children looked after by "
                                  "local authorities in England; Open Government Licence v3.0.")
        return join_blocks(text, table, *blocks)


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



