"""Theme 3: school exclusions and suspensions."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from safeguarding import quality
from safeguarding.issues import InputError
from safeguarding.measures import exclusions as m
from safeguarding.measures import stats
from safeguarding.measures.registry import get as spec
from safeguarding.published.comparators import compare
from safeguarding.render import charts
from safeguarding.render.blocks import HtmlBlock, join_blocks, paragraph
from safeguarding.render.formats import format_interval, format_number_for_unit, symbol_legend
from safeguarding.render.sentences import describe_comparison, describe_trend
from safeguarding.render.tables import html_table
from safeguarding.themes.common import comparison_block, pick, symbol_of, within_funnel

#: Published measures (LAIT) for the borough's own headline measures.
LAIT = {"exclusions.permanent_rate": "exclusions.perm_rate", "exclusions.suspension_rate": "exclusions.suspension_rate",
        "exclusions.one_plus_suspension_pct": "exclusions.one_plus_suspension_rate"}
FUNNEL_KIND = {"exclusions.permanent_rate": "rate", "exclusions.suspension_rate": "rate",
               "exclusions.one_plus_suspension_pct": "proportion"}
GROUP_BREAKDOWNS = ("ethnicity", "sex", "sen", "fsm")
TOP_SCHOOLS = 10
#: How each headline measure reads in a sentence ("Harrow's suspension rate was ...").
SENTENCE_LABELS = {"exclusions.permanent_rate": "permanent exclusion rate", "exclusions.suspension_rate": "suspension rate",
                   "exclusions.one_plus_suspension_pct": "share of pupils suspended at least once"}
#: The three rates of a group table: short name, measure, heading, decimals, percent?
GROUP_COLUMNS = (("perm", "exclusions.permanent_rate", "Permanent exclusions (per 100 pupils)", 2, False),
                 ("susp", "exclusions.suspension_rate", "Suspensions (per 100 pupils)", 2, False),
                 ("one", "exclusions.one_plus_suspension_pct", "Pupils suspended at least once (% of pupils)", 1, True))


class ExclusionsTheme:
    TABLES = ("exclusions", "pupils")
    OPTIONAL_TABLES = ("cin_children", "cin_details", "cin_cp_plans", "cla_header", "cla_episodes")
    SECTIONS = ("overview", "trend", "reasons", "groups", "social_care")

    def __init__(self, b):
        self.b = b
        self.r: dict[str, pd.DataFrame] = {}
        self.year: int | None = None
        self.label = ""
        self.years: list[int] = []
        self.later_years: list[int] = []
        self.link: m.SocialCareLink | None = None

    # ---- computation -----------------------------------------------------------------
    def compute(self):
        b, name = self.b, self.b.area.name
        exc, roll = b.tables["exclusions"], b.tables["pupils"]
        in_data = m.years_in_data(exc, roll)
        year = m.latest_complete_year(in_data, b.period_end)
        if year is None:
            raise InputError(f"The exclusions extract and pupil roll for {name} hold no academic year that ended by "
                             f"{pd.Timestamp(b.period_end):%d %B %Y} (years found: "
                             f"{', '.join(m.year_label(y) for y in in_data) or 'none'}). An academic year ends on 31 August.")
        self.year, self.label = year, m.year_label(year)
        self.shown_period = self.label
        self.years = [y for y in in_data if y <= year][-5:]
        self.later_years = [y for y in in_data if y > year]
        r = self.r
        r["headline"] = b.protect(m.headline(exc, roll, name, year), secondary=False)
        r["yearly"] = b.protect(m.yearly(exc, roll, name, self.years), secondary=False)
        for key in ("phase", *GROUP_BREAKDOWNS, "ethnicity_minor"):
            r[key] = b.protect(m.by_group(exc, roll, name, year, key))
        r["schools"] = b.protect(m.schools(exc, roll, name, year))
        for cat in m.CATEGORIES:
            r[f"reasons_{cat}"] = b.protect(m.reasons(exc, name, year, cat))
        r["other"] = b.protect(m.other_or_unmapped(exc, name, self.years), secondary=False)
        optional = {t: b.tables.get(t) for t in self.OPTIONAL_TABLES}
        self.link = m.link_social_care(roll, year, **optional)
        r["social_care"] = b.protect(m.social_care(exc, self.link, name, year), total_label=m.ALL_PUPILS)

        raw = m.headline(exc, roll, name, year)
        b.quality += quality.check_exclusions(exc, roll, year, self.link, threshold=b.threshold)
        b.quality += quality.percent_consistent(raw)
        for cat in m.CATEGORIES:
            b.quality += quality.shares_sum_to_100(m.reasons(exc, name, year, cat), "exclusions.reason_pct")
        b.findings = self.key_findings()

    # ---- helpers ---------------------------------------------------------------------
    def _fmt(self, row, unit=None, column="value"):
        """A value as shown (its symbol when hidden)."""
        if row is None:
            return "x"
        sp = spec(row["measure_id"])
        unit = unit or sp.unit
        decimals = None if unit == "count" else sp.decimals
        return format_number_for_unit(row[column], unit, symbol_of(row), decimals)

    def _count(self, row, column="numerator", noun=""):
        """A count in words; 'fewer than 6' style when hidden."""
        noun = f" {noun}" if noun else ""
        if row is None or pd.isna(row[column]):
            if row is not None and symbol_of(row) == "c":
                return f"a hidden number of{noun} (fewer than {self.b.threshold + 1}, or hidden to protect a small number)"
            return f"an unknown number of{noun}"
        return f"{int(row[column]):,}{noun}"

    def _why_year(self) -> str:
        start, end = m.academic_year_bounds(self.year)
        text = (f"Figures are for the school year {self.label} ({start:%B %Y} to {end:%B %Y}): the latest complete "
                f"school year in the data before the end of this briefing's period ({pd.Timestamp(self.b.period_end):%d %B %Y}).")
        if self.later_years:
            text += (f" {', '.join(m.year_label(y) for y in self.later_years)} is not shown because it had not finished by then, "
                     "and a part year would understate exclusions.")
        return text

    def _previous(self, measure_id):
        y = self.r["yearly"]
        sub = y[y["measure_id"] == measure_id]
        return sub.iloc[-2] if len(sub) >= 2 else None

    def _change_words(self, measure_id, kind) -> str:
        """'up from 2.90 per 100 in 2022/23 (a change within the range expected by chance)'."""
        now, prev = pick(self.r["headline"], measure_id), self._previous(measure_id)
        if prev is None or symbol_of(prev) or symbol_of(now) or pd.isna(prev["value"]) or pd.isna(now["value"]):
            return ""
        test = stats.change_within_noise(prev["numerator"], prev["denominator"], now["numerator"], now["denominator"], kind=kind)
        shown_now, shown_prev = self._fmt(now), self._fmt(prev)
        if shown_now == shown_prev:
            return f"the same as in {prev['period']}"
        direction = "up" if now["value"] > prev["value"] else "down"
        noise = ("a change within the range expected by chance" if test.within_noise
                 else "more than chance alone would explain")
        return f"{direction} from {shown_prev} in {prev['period']} ({noise})"

    def _published(self, measure_id, year=None):
        try:
            return compare(self.b.area, measure_id, year=year, published_dir=self.b.published_dir)
        except InputError:
            return None

    # ---- key findings ----------------------------------------------------------------
    def key_findings(self) -> list[str]:
        b, h = self.b, self.r["headline"]
        out = []
        perm, susp = pick(h, "exclusions.permanent_rate"), pick(h, "exclusions.suspension_rate")
        one, rep = pick(h, "exclusions.one_plus_suspension_pct"), pick(h, "exclusions.repeat_suspension_pct")
        pupils = perm["denominator"]
        if not pd.isna(pupils):
            rate = lambda row: "" if symbol_of(row) else f" ({self._fmt(row)} pupils)"  # noqa: E731
            out.append(f"In {self.label}, the latest complete school year, schools recorded "
                       f"{self._count(perm, noun='permanent exclusions')}{rate(perm)} and "
                       f"{self._count(susp, noun='suspensions')}{rate(susp)}, among {int(pupils):,} pupils on roll.")
        else:
            out.append(f"In {self.label} the pupil roll is not available, so rates per 100 pupils cannot be worked out.")
        if not symbol_of(one):
            text = (f"{self._count(one, noun='pupils')} ({self._fmt(one)} of all pupils) were suspended at least once: each "
                    "pupil counts once however often they were suspended.")
            if rep is not None and not symbol_of(rep):
                text += f" Of those pupils, {self._fmt(rep)} were suspended more than once."
            out.append(text)
        comp = self._published(LAIT["exclusions.suspension_rate"])
        if comp is not None:
            sentence = describe_comparison("suspension rate", susp["value"], comp.england, f"England ({comp.year_label})",
                                           "lower_better", "per_100",
                                           within_funnel(susp["value"], symbol_of(susp), susp["denominator"],
                                                         comp.england, "per_100", FUNNEL_KIND["exclusions.suspension_rate"]),
                                           area_name=b.area.name, symbol=symbol_of(susp),
                                           comparator_symbol=comp.england_symbol, decimals=2, threshold=b.threshold,
                                           counts="exclusions")
            pcomp = self._published(LAIT["exclusions.permanent_rate"])
            if pcomp is not None and not symbol_of(perm):
                sentence += " " + describe_comparison(
                    "permanent exclusion rate", perm["value"], pcomp.england, f"England ({pcomp.year_label})", "lower_better",
                    "per_100", within_funnel(perm["value"], symbol_of(perm), perm["denominator"], pcomp.england,
                                             "per_100", FUNNEL_KIND["exclusions.permanent_rate"]),
                    area_name=b.area.name, symbol=symbol_of(perm), comparator_symbol=pcomp.england_symbol,
                    decimals=2, threshold=b.threshold, counts="exclusions")
            out.append(sentence + " For exclusions, DfE counts lower as better.")
        change = self._change_words("exclusions.suspension_rate", "rate")
        if change:
            out.append(f"The suspension rate was {self._fmt(susp)} pupils in {self.label}, {change}.")
        group = self._most_affected_group()
        if group:
            out.append(group)
        other = pick(self.r["other"], "exclusions.reason_other_or_unmapped_pct", m.CATEGORIES["PERM"], self.label)
        other_s = pick(self.r["other"], "exclusions.reason_other_or_unmapped_pct", m.CATEGORIES["SUSP"], self.label)
        flagged = [x for x in (other, other_s) if x is not None and (symbol_of(x) == "c" or (x["numerator"] or 0) > 0)]
        if flagged:
            parts = [f"{self._count(x)} of {int(x['denominator']):,} {x['group'].lower()}"
                     + (f" ({self._fmt(x)})" if not symbol_of(x) else "") for x in flagged if not pd.isna(x["denominator"])]
            if parts:
                out.append(f"Recording: {' and '.join(parts)} in {self.label} were recorded as 'Other' or with a reason "
                           "code not valid that year, so the reason cannot be analysed (see Reasons recorded).")
        return out[:6]

    def _most_affected_group(self) -> str | None:
        """The group with the highest share of pupils suspended, where the difference from all
        pupils is clear (intervals do not overlap) and at least 10 pupils were suspended."""
        allp = pick(self.r["headline"], "exclusions.one_plus_suspension_pct")
        if allp is None or symbol_of(allp):
            return None
        candidates = []
        sc = self.r["social_care"]
        frames = [("social_care", sc[(sc["measure_id"] == "exclusions.social_care_one_plus_sus_pct") & (sc["group"] != m.ALL_PUPILS)])]
        for key in ("sen", "fsm", "ethnicity", "sex"):
            f = self.r[key]
            frames.append((key, f[f["measure_id"] == "exclusions.one_plus_suspension_pct"]))
        for key, frame in frames:
            for _, row in frame.iterrows():
                if symbol_of(row) or pd.isna(row["value"]) or row["numerator"] < 10 or \
                        row["group"] in (m.NOT_KNOWN, m.NOT_RECORDED, "Not known"):
                    continue
                if row["lower"] > allp["upper"]:
                    candidates.append((row["value"] / allp["value"], key, row))
        if not candidates:
            return None
        ratio, key, row = max(candidates, key=lambda c: c[0])
        return (f"{_upper_first(pupils_in(key, row['group']))} were the most likely to be suspended: "
                f"{self._fmt(row, 'percent')} were suspended at least once ({int(row['numerator']):,} of "
                f"{int(row['denominator']):,}), about {ratio:.1f} times the share for all pupils ({self._fmt(allp, 'percent')}).")

    # ---- sections --------------------------------------------------------------------
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
        wide = self._wide(s, {"exclusions.school_suspension_rate": "susp", "exclusions.school_one_plus_suspension_pct": "one",
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
        top, used = self._paired(top, (("susp", "Suspensions (per 100 pupils)", 1, False),
                                        ("one", "Pupils suspended at least once (% of pupils)", 1, True),
                                        ("perm", "Permanent exclusions (per 100 pupils)", 2, False)))
        table = html_table(top, {"group": "School (URN)", "pupils": "Pupils on roll", "susp": "Suspensions (per 100 pupils)",
                                 "one": "Pupils suspended at least once (% of pupils)",
                                 "perm": "Permanent exclusions (per 100 pupils)"},
                           caption=f"Schools with the most suspensions, {self.label}", units={"pupils": "count"},
                           threshold=b.threshold, counts="exclusions or pupils",
                           note=self._legend(used, "A school with no pupils on the borough's roll (for example one outside "
                                                   "the borough) shows x for its rates."))
        return join_blocks(text, table)

    def _wide(self, frame, names: dict) -> pd.DataFrame:
        """One row per group: pupils on roll, and per measure its count and rate, each with its symbol."""
        groups = list(dict.fromkeys(frame["group"]))
        out = pd.DataFrame({"group": groups})
        for mid, short in names.items():
            sub = frame[frame["measure_id"] == mid].set_index("group").reindex(groups)
            sym = sub["symbol"].fillna("").astype(str)
            out[f"{short}_n"] = sub["numerator"].astype(float).to_numpy()
            out[f"{short}_n_symbol"] = np.where(sub["numerator"].isna(), np.where(sym == "", "x", sym), "")
            out[f"{short}_rate"] = sub["value"].astype(float).to_numpy()
            out[f"{short}_rate_symbol"] = np.where(sub["value"].isna(), np.where(sym == "", "x", sym), "")
            if "pupils" not in out:
                out["pupils"] = sub["denominator"].astype(float).to_numpy()
                out["pupils_symbol"] = np.where(sub["denominator"].isna(), np.where(sym == "", "x", sym), "")
        return out

    def _paired(self, wide: pd.DataFrame, columns) -> tuple[pd.DataFrame, set]:
        """Text cells 'count (rate)' for each (short, heading, decimals, percent) in ``columns``,
        so a table keeps to a page width; a hidden count shows its symbol alone."""
        out, used = wide.copy(), set()
        for short, _, decimals, pct in columns:
            cells = []
            for n, n_sym, rate, r_sym in zip(wide[f"{short}_n"], wide[f"{short}_n_symbol"], wide[f"{short}_rate"],
                                             wide[f"{short}_rate_symbol"]):
                if n_sym:
                    used.add(n_sym)
                    cells.append(n_sym)
                    continue
                if r_sym:
                    used.add(r_sym)
                rate_text = r_sym or f"{rate:.{decimals}f}{'%' if pct else ''}"
                cells.append(f"{n:,.0f} ({rate_text})")
            out[short] = cells
        used |= {s for s in wide.get("pupils_symbol", pd.Series(dtype=object)) if s}
        return out, used

    def _legend(self, used, note: str = "") -> str:
        legend = symbol_legend(used, threshold=self.b.threshold, counts="exclusions or pupils")
        return " ".join(x for x in (legend, note) if x)

    def _group_block(self, key: str, chart: bool = True) -> HtmlBlock:
        b, frame = self.b, self.r[key]
        wide = self._wide(frame, {mid: short for short, mid, *_ in GROUP_COLUMNS})
        wide, used = self._paired(wide, [(short, head, dec, pct) for short, _, head, dec, pct in GROUP_COLUMNS])
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
        return f"{_upper_first(pupils_in(key, top['group']))} had the highest share suspended at least once ({pct})"

    def section_trend(self) -> HtmlBlock:
        b, y = self.b, self.r["yearly"]
        periods = [m.year_label(x) for x in self.years]
        parts = [paragraph(
            f"The borough's own figures for each school year in the data ({periods[0]} to {periods[-1]}), beside the rates "
            "the Department for Education publishes for England, London and the borough's statistical neighbours (Local "
            "Authority Interactive Tool). Published rates count pupils in all state-funded primary, secondary and special "
            "schools in each area, per 100 pupils; the borough's come from its own extract and pupil roll, so a small gap "
            "between its own and its published figure can come from coverage alone.")]
        for mid, kind in (("exclusions.suspension_rate", "rate"), ("exclusions.permanent_rate", "rate"),
                          ("exclusions.one_plus_suspension_pct", "proportion")):
            parts.append(self._trend_block(mid, kind, periods))
        table = self._trend_table(periods)
        parts.append(table)
        parts.append(HtmlBlock(f"<h3>Against England, London and statistical neighbours, {self.label}</h3>"))
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
        for who in ("England", "London", "Statistical neighbours (median)"):
            series[who], symbols[who] = [], []
        for year in self.years:
            comp = self._published(LAIT[mid], year)
            ok = comp is not None and comp.year == year
            for who, value, sym in (("England", "england", "england_symbol"), ("London", "region", "region_symbol"),
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
            now, before = shown[-1], shown[-2]
            trend = "rose" if now > before else "fell" if now < before else "held steady"
            title = f"The {SENTENCE_LABELS[mid]} {trend} in {periods[-1]}"
            eng = series["England"][-1]
            if not pd.isna(eng):
                eng = round(float(eng), sp.decimals)
                title += f" and is {'below' if now < eng else 'above' if now > eng else 'the same as'} England's"
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
        frame, used = self._paired(frame, cols)
        return html_table(frame, {"period": "School year", "pupils": "Pupils on roll"} | {c: head for c, head, *_ in cols},
                          caption=f"{b.area.name}: exclusions and suspensions by school year (own records)",
                          units={"pupils": "count"}, threshold=b.threshold, counts="exclusions or pupils",
                          note=self._legend(used, "Each cell shows the number, then in brackets the rate."))

    def _lait_comparison(self, mid, row):
        b = self.b
        comp = self._published(LAIT[mid], self.year)
        if comp is None:
            return paragraph("Published comparators are not available for this measure.")
        estimates = m.estimated_pupils_by_la(comp.year, b.published_dir)
        las = comp.all_las.copy()
        las["denominator"] = las["dfe_number"].map(estimates)
        comp = dataclasses.replace(comp, all_las=las)
        block = comparison_block(b, mid, row["value"], symbol_of(row), borough_n=row["denominator"], borough_k=row["numerator"],
                                 funnel_kind=FUNNEL_KIND[mid], period_label=self.label, comparison=comp)
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
            if len(shown):
                top = shown.loc[shown["numerator"].astype(float).idxmax()]
                problem = (" That is a recording problem: the reason cannot be analysed."
                           if top["group"] in (m.UNMAPPED_LABEL, "Other", m.NOT_RECORDED) else "")
                parts.append(paragraph(f"The most common reason for {name.lower()} in {self.label} was "
                                       f"'{_lower_first(top['group'])}' ({self._fmt(top)} of {out_of} {name.lower()})."
                                       + problem))
            if cat == "SUSP" or len(shown) >= 3:
                parts.append(charts.bar_chart_with_intervals(
                    list(frame["group"]), list(frame["value"]), list(frame["lower"]), list(frame["upper"]),
                    symbols=list(frame["symbol"]), unit="percent", decimals=1, threshold=b.threshold, counts="exclusions",
                    value_label=f"Share of {name.lower()} (%)",
                    title=(f"'{top['group']}' was the most common reason for {name.lower()} ({self._fmt(top)})" if len(shown)
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
                           note="'Other' was a valid code up to 2019/20 and is counted here in every year, because it never "
                                "said what happened.")
        return join_blocks(paragraph(text) if text else None, chart, table)

    def _other_sentence(self, o) -> str:
        """What the 'Other'/invalid share was in the year shown, and when it was last seen otherwise."""
        now = o[o["period"] == self.label]
        flagged = now[(now["symbol"].fillna("") == "c") | (now["numerator"].fillna(0) > 0)]
        if flagged.empty:
            earlier = o[(o["period"] != self.label) & ((o["numerator"].fillna(0) > 0) | (o["symbol"].fillna("") == "c"))]
            if earlier.empty:
                return f"No exclusion in the years shown was recorded as 'Other' or with a code that was not valid at the time."
            last = earlier["period"].iloc[-1]
            return (f"No exclusion in {self.label} was recorded as 'Other' or with an invalid code. The last year with any "
                    f"was {last}" + (", when 'Other' was still on the list." if last <= "2019/20" else "."))
        parts = []
        for _, row in flagged.iterrows():
            what = row["group"].lower()
            if symbol_of(row):
                parts.append(f"a hidden number of {what} (fewer than {self.b.threshold + 1}, or hidden to protect a small number)")
            else:
                parts.append(f"{int(row['numerator']):,} of {int(row['denominator']):,} {what} ({self._fmt(row)})")
        return f"In {self.label}, " + " and ".join(parts) + " were recorded as 'Other' or with a code not valid that year."

    def section_groups(self) -> HtmlBlock:
        parts = [paragraph(
            f"Which pupils were excluded or suspended in {self.label}, against all pupils on roll in the same group. The "
            "chart shows the share of pupils suspended at least once, with its 95% confidence interval; where the intervals "
            "of two groups do not overlap the difference is unlikely to be chance. Groups with very few pupils are hidden "
            "to protect them.")]
        for key in GROUP_BREAKDOWNS:
            parts.append(HtmlBlock(f"<h3>{m.BREAKDOWNS[key]}</h3>"))
            parts.append(self._group_block(key))
        parts.append(HtmlBlock("<h3>Ethnic groups in more detail</h3>"))
        parts.append(paragraph(
            "Smaller ethnic groups (for example Black Caribbean and White and Black Caribbean pupils, whom several London "
            "partnerships have found over-represented in exclusions) are hidden where numbers are too small. The "
            "disproportionality briefing compares every group with White British pupils."))
        parts.append(self._group_block("ethnicity_minor", chart=False))
        return join_blocks(*parts)

    def section_social_care(self) -> HtmlBlock:
        b, link, sc = self.b, self.link, self.r["social_care"]
        missing = []
        if "CLA" not in link.sources:
            missing.append("the SSDA903 Header and Episodes tables (for looked-after children)")
        if "CIN" not in link.sources or "CP" not in link.sources:
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
        perm = sc[sc["measure_id"] == "exclusions.social_care_perm_pct"].copy()
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
        wide = self._wide(sc, {"exclusions.social_care_perm_pct": "perm", "exclusions.social_care_one_plus_sus_pct": "one"})
        wide, used = self._paired(wide, (("perm", "", 2, True), ("one", "", 1, True)))
        parts.append(html_table(wide, {"group": "Group", "pupils": "Pupils on roll",
                                       "perm": "Permanently excluded (% of the group)",
                                       "one": "Suspended at least once (% of the group)"},
                                caption=f"Pupils permanently excluded and suspended, by children's social care group, {self.label}",
                                units={"pupils": "count"}, threshold=b.threshold, counts="pupils",
                                note=self._legend(used, "Pupils on the roll only: exclusions of pupils who were not on the roll "
                                                        "that year are left out of this table.")))
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
            rows.append({"measure": f"{short}: {what}", "own": own["value"], "own_symbol": symbol_of(own) or "",
                         "published": comp.value, "published_symbol": comp.symbol or "",
                         "england": comp.england, "england_symbol": comp.england_symbol or "",
                         "london": comp.region, "london_symbol": comp.region_symbol or "",
                         "sn": comp.sn_median, "sn_symbol": "" if comp.sn_count else "x"})
            if kind == "sus":
                if cid not in b.used_measures:
                    b.used_measures.append(cid)
                blocks += [HtmlBlock(f"<h4>{spec(cid).label}</h4>"),
                           comparison_block(b, cid, own["value"], symbol_of(own), borough_n=own["denominator"],
                                            borough_k=own["numerator"], period_label=self.label)]
        if not rows:
            return paragraph("Published figures for children in need, on plans and looked after are not available.")
        year = ", ".join(sorted(years))
        text = paragraph(
            f"The Department for Education publishes these figures by local authority up to {year} (Outcomes for children in "
            "need). Its groups are counted at 31 March (children looked after for 12 months; on a plan; other children in "
            "need) rather than at any time in the school year as here, so read the comparison as a guide to scale, not an "
            f"exact match. The borough's own figures are for {self.label}.")
        frame = pd.DataFrame(rows)
        table = html_table(frame, {"measure": "Pupils", "own": f"{b.area.name} {self.label}",
                                   "published": f"{b.area.name} published", "england": "England",
                                   "london": "London", "sn": "Neighbours (median)"},
                           caption=f"Children's social care groups (%): {b.area.name}'s own figures for {self.label} and "
                                   f"published figures for {year}",
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
        return "pupils " + _lower_first(group)
    if key == "social_care":
        return {m.CLA: "looked-after pupils", m.CP: "pupils on a child protection plan", m.CIN: "other pupils in need",
                m.NOT_KNOWN: "pupils not known to children's social care"}.get(group, group)
    return f"{group} pupils" if group not in ("Not known", m.NOT_RECORDED) else f"pupils whose ethnicity is not known"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text and not text[:2].isupper() else text


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


THEME_CLASS = ExclusionsTheme
