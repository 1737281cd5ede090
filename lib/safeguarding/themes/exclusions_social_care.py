"""Exclusions briefing: the section on children in need, on protection plans and looked after
(a part of the view in themes/exclusions.py): the borough's own figures by children's social
care group, and DfE's published figures for the same groups, for the year and over time."""

from __future__ import annotations

import pandas as pd

from safeguarding.measures import exclusions as m
from safeguarding.measures.registry import get as spec
from safeguarding.render import charts
from safeguarding.render.blocks import HtmlBlock, join_blocks, paragraph
from safeguarding.render.comparisons import comparison_block, pick, symbol_of
from safeguarding.render.count_rate_tables import count_rate_cells, wide_by_group
from safeguarding.render.formats import format_number_for_unit
from safeguarding.render.sentences import upper_first
from safeguarding.render.tables import html_table
from safeguarding.themes.exclusions_groups import pupils_in


class SocialCareSections:
    """Section 'social_care' of :class:`~safeguarding.themes.exclusions.ExclusionsView`."""

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
        trend = self._published_social_care_trend()
        frame = pd.DataFrame(rows)
        table = html_table(frame, {"measure": "Pupils", "year": "Published year", "own": f"{b.area.name} {self.label}",
                                   "published": f"{b.area.name} published", "england": "England",
                                   "london": b.area.region, "sn": "Neighbours (median)"},
                           caption=f"Children's social care groups (%): {b.area.name}'s own figures for {self.label} and "
                                   "published figures for the year on each row",
                           units={c: "number" for c in ("own", "published", "england", "london", "sn")}, decimals=2,
                           threshold=b.threshold, counts="pupils",
                           source="Department for Education, Outcomes for children in need, including children looked after by "
                                  "local authorities in England; Open Government Licence v3.0.")
        return join_blocks(text, table, *trend, *blocks)

    def _published_social_care_trend(self) -> list[HtmlBlock]:
        """Published suspensions of pupils looked after, on a plan and otherwise in need, every year
        DfE has published up to the briefing's school year: the borough against England."""
        from safeguarding.issues import InputError
        from safeguarding.render.comparisons import published_trend_frame
        from safeguarding.render.sentences import describe_trend
        b, columns, units, frame, words = self.b, {"period": "School year"}, {}, None, []
        for group in (m.CLA, m.CP, m.CIN):
            cid = m.SOCIAL_CARE_COMPARISONS[group, "sus"]
            try:
                trend = published_trend_frame(b.area, spec(cid).published_id, b.published_dir, up_to=self.year)
            except InputError:
                continue
            trend = trend[trend["borough"].notna() | trend["england"].notna()]
            if trend.empty:
                continue
            key = {m.CLA: "cla", m.CP: "cp", m.CIN: "cin"}[group]
            part = trend[["period", "borough", "borough_symbol", "england", "england_symbol"]].rename(columns={
                "borough": key, "borough_symbol": f"{key}_symbol", "england": f"{key}_eng",
                "england_symbol": f"{key}_eng_symbol"})
            frame = part if frame is None else frame.merge(part, on="period", how="outer")
            who = pupils_in("social_care", group)
            columns |= {key: f"{upper_first(who)}: {b.area.name}", f"{key}_eng": f"{upper_first(who)}: England"}
            units |= {key: "percent", f"{key}_eng": "percent"}
            # DfE's own symbols (c, low, ...) mean 'not published' here: our legend's 'c' is ours
            symbols = ["x" if pd.isna(v) else "" for v in trend["borough"]]
            # polarity 'none': DfE publishes no counts for recent years, so no change can be tested against chance
            words.append(describe_trend(f"share of {who} suspended at least once", list(trend["period"]),
                                        list(trend["borough"]), "none", "percent", symbols=symbols,
                                        area_name=b.area.name, decimals=1, threshold=b.threshold, counts="pupils"))
        if frame is None:
            return []
        frame = frame.sort_values("period", ignore_index=True)
        for key in [c for c in columns if c != "period"]:
            frame[f"{key}_symbol"] = ["x" if pd.isna(v) else "" for v in frame[key]]
        note = ("As published by DfE (Outcomes for children in need; later years from its Local Authority Interactive "
                "Tool), counted at 31 March. x = not published, or suppressed by DfE because the group is small. These "
                "are published figures, not the borough's own records.")
        caution = ("DfE does not publish the counts behind the recent figures, so whether a year-on-year change is more "
                   "than chance cannot be tested; the groups are small (tens of pupils in most boroughs), so changes of "
                   "a few points are common from chance alone.")
        return [HtmlBlock("<h4>Published figures over time</h4>"), paragraph(" ".join(words) + " " + caution),
                html_table(frame, columns, caption=f"Pupils suspended at least once (%), by children's social care group: "
                                                   f"{b.area.name} and England by school year, as published",
                           units=units, decimals={c: 1 for c in units}, threshold=b.threshold, counts="pupils",
                           note=note)]
