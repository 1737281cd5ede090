"""Section 'How long episodes lasted, and what changed over the years' of the missing briefing
(a mixin of :class:`safeguarding.themes.missing.MissingView`, which provides ``b`` and ``r``).

Episode length: the year's episodes that ended, by length band and scope. Over the years:
children missing more than once, episodes over 24 hours, the median length and interviews
offered within 72 hours; the latest change is judged against chance. When 'away' episodes stop
or start being recorded, the first three count only episodes recorded as missing (as computed
by the measures module); after any other break, only the years since it are compared.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from safeguarding.measures import missing as m
from safeguarding.measures import stats
from safeguarding.measures.registry import get as spec
from safeguarding.render import charts
from safeguarding.render.blocks import HtmlBlock, as_html, bullet_list, join_blocks, paragraph
from safeguarding.render.comparisons import pick, symbol_of
from safeguarding.render.formats import format_number_for_unit, symbol_legend
from safeguarding.render.hidden import hidden_words
from safeguarding.render.palette import chart_style
from safeguarding.render.sentences import describe_trend
from safeguarding.render.tables import html_table
from safeguarding.text import plural
from safeguarding.themes.missing_trend import breaks_shown, recording_words

ALL, HOME, CARE = m.SCOPES["all"], m.SCOPES["home"], m.SCOPES["care"]
#: The trend's percentages: (measure, the same counting only episodes recorded as missing,
#: name on the chart, name in a table, what a sentence calls it, what it counts).
TREND = (
    ("missing.repeat_2plus_pct", "missing.repeat_2plus_missing_only_pct", "More than once",
     "Children missing more than once", "the percentage of children who went missing more than once", "children"),
    ("missing.over_24h_pct", "missing.over_24h_missing_only_pct", "Over 24 hours", "Episodes over 24 hours",
     "the percentage of episodes lasting over 24 hours (of those that ended)", "episodes"),
    ("missing.rhi_offered_within_72h_pct", "missing.rhi_offered_within_72h_pct", "Interview in 72 hours",
     "Interview offered within 72 hours",
     "the percentage of missing episodes that ended with an interview offered within 72 hours", "episodes"),
)
MEDIAN = ("missing.median_duration_hours", "missing.median_duration_missing_only_hours")
ROLES = ("borough", "london", "england")
TITLE_WORDS = {"More than once": "repeat missing", "Over 24 hours": "the share of episodes over 24 hours",
               "Interview in 72 hours": "interviews offered within 72 hours"}


def pct(value, symbol=None, decimals: int = 1) -> str:
    return format_number_for_unit(value, "percent", symbol or None, decimals)


class LengthAndTrendSections:
    def section_length_and_trends(self) -> HtmlBlock:
        return join_blocks(self._length_block(), self._trend_block())

    # ---- episode length this year -----------------------------------------------------
    def _length_block(self) -> HtmlBlock:
        b, t = self.b, self.r["length"]
        bands = [label for label, _ in m.EPISODE_LENGTH]
        rows = {scope: band_rows(t, scope, bands) for scope in (HOME, CARE, ALL)}
        allr = rows[ALL]
        words, title = self._length_words(allr)
        chart = charts.bar_chart_with_intervals(
            bands, list(allr["value"]), list(allr["lower"]), list(allr["upper"]), symbols=list(allr["symbol"]),
            unit="percent", decimals=0, title=title, value_label="Per cent of episodes that ended",
            threshold=b.threshold, counts="episodes",
            alt=f"Bar chart with 95% intervals of episodes that ended in {b.period_label} by length, all children: "
                + "; ".join(f"{g}: {pct(v, s, 0)}" for g, v, s in zip(bands, allr["value"], allr["symbol"])) + ".")
        used: set[str] = set()
        table_rows = [{"band": band, **{scope: count_and_share(rows[scope], band, used) for scope in (HOME, CARE, ALL)}}
                      for band in [*bands, "All episodes that ended"]]
        table = html_table(pd.DataFrame(table_rows), {"band": "Length", HOME: "From home", CARE: "From care", ALL: "All children"},
                           caption=f"Episodes that ended in {b.period_label} by length: number (per cent)",
                           symbol_columns=(), threshold=b.threshold,
                           note=" ".join(x for x in (symbol_legend(used, threshold=b.threshold, counts="episodes"),
                                                     "Each band includes its upper limit.") if x))
        home_and_care = self._home_and_care_words()
        return join_blocks(HtmlBlock("<h3>How long episodes lasted</h3>"), paragraph(words),
                           beside(narrow(chart), table), paragraph(home_and_care) if home_and_care else None)

    def _length_words(self, allr) -> tuple[str, str]:
        """The sentence on all children's episodes by length, and the chart title that agrees with it."""
        b, label = self.b, self.b.period_label
        n = allr["denominator"].iloc[0]
        if pd.isna(n) or not n:
            return (f"The lengths of episodes that ended in {label} are hidden to protect privacy." if pd.isna(n) else
                    f"No episode that started in {label} has a recorded end.", f"Episodes that ended in {label}, by length")
        n = int(n)
        shown = [f"{int(r['numerator']):,} ({pct(r['value'], None, 0)}) {'lasted ' if not i else ''}{band.lower()}"
                 for i, (band, r) in enumerate((band, r) for band, r in allr.iterrows() if not r["symbol"])]
        hidden = [f"The number that lasted {band.lower()} {hidden_words(r.get('reason'), b.threshold, 'episodes')}."
                  for band, r in allr.iterrows() if r["symbol"]]
        text = " ".join([f"Of the {plural(n, 'episode')} that started in {label} and ended (a recorded end after the "
                         f"start), {join_and(shown)}." if shown else "", *hidden]).strip()
        day, longest = allr.iloc[:2], allr.iloc[-1]
        if any(day["symbol"]):
            return text, f"Episodes that ended in {label}, by length"
        k = int(day["numerator"].sum())  # two shown counts, so that the reader can add them up too
        up_to_day = pct(100 * k / n, None, 0)
        title = f"{up_to_day} of episodes that ended lasted a day or less"
        if not longest["symbol"]:
            title += f"; {pct(longest['value'], None, 0)} lasted {allr.index[-1].lower()}"
        return f"{text} In all, {k:,} of {n:,} ({up_to_day}) lasted a day or less.", title

    def _home_and_care_words(self) -> str:
        """Over 24 hours from home against from care, with whether the difference could be chance."""
        h = self.r["headline"]
        home, care = pick(h, "missing.over_24h_pct", HOME), pick(h, "missing.over_24h_pct", CARE)
        if home is None or care is None or symbol_of(home) or symbol_of(care) or pd.isna(home["value"]) or pd.isna(care["value"]):
            return ""
        a, c = pct(home["value"], None, 0), pct(care["value"], None, 0)
        text = f"Of episodes that ended, {c} of those from care and {a} of those from home lasted over 24 hours"
        if a == c:
            return text + "."
        test = stats.change_within_noise(home["numerator"], home["denominator"], care["numerator"], care["denominator"])
        more = "from care" if care["value"] > home["value"] else "from home"
        return text + (": a difference small enough to be due to chance." if test.within_noise
                       else f": episodes {more} lasted over 24 hours more often, by more than chance would explain.")

    # ---- over the years ---------------------------------------------------------------
    def _trend_block(self) -> HtmlBlock:
        b, t = self.b, self.r["trends"]
        periods = list(dict.fromkeys(t["period"]))
        missing_only = bool(t["measure_id"].eq(TREND[0][1]).any())
        compared = comparable_years(self, periods)
        breaks = [br for br in breaks_shown(self, periods) if br["category"] == "A"]
        parts, sentences, lines, symbols, intervals, changes = [], [], {}, {}, {}, []
        if missing_only:
            parts.append(f"{recording_words(breaks)}: a change in recording, so in every year children missing more than "
                         "once, episodes over 24 hours and the median length count only episodes recorded as missing "
                         "(not 'away'). Interviews are never due after 'away' episodes.")
        if compared != periods:
            parts.append(f"Recording changed in {compared[0]}: only the years since then are compared.")
        for mid, mo_id, name, _, phrase, counts in TREND:
            mid = mo_id if missing_only else mid
            rows = series(t, mid, ALL, periods)
            lines[name], symbols[name] = list(rows["value"]), list(rows["symbol"])
            intervals[name] = (list(rows["lower"]), list(rows["upper"]))
            sub = rows.loc[compared]
            noise, moved = latest_change(sub)
            sentence = describe_trend(phrase, compared, list(sub["value"]), spec(mid).polarity, "percent",
                                      symbols=list(sub["symbol"]), within_noise=noise, threshold=b.threshold, counts=counts)
            if noise is False and moved:  # said before the first year's figure, so 'that change' is the latest
                head, sep, tail = sentence.partition(f" In {compared[0]} it was")
                sentence = f"{head} That change is more than chance would explain.{sep}{tail}"
            sentences.append(sentence)
            changes.append((name, noise, (moved, moved and sub["value"].iloc[-1] > sub["value"].iloc[-2])))
        med = series(t, MEDIAN[missing_only], ALL, periods).loc[compared]
        shown = [format_number_for_unit(v, "hours", s or None, 0) for v, s in zip(med["value"][-2:], med["symbol"][-2:])]
        sentences.append(describe_trend("the median length of episodes that ended", compared, list(med["value"]), "none",
                                        "hours", decimals=0, symbols=list(med["symbol"]), threshold=b.threshold,
                                        counts="episodes")
                         + (" A median has no interval here, so its change is not tested against chance."
                            if len(shown) == 2 and shown[0] != shown[1] and not any(med["symbol"][-2:]) else ""))
        chart = charts.trend_chart(
            periods, lines, symbols=symbols, intervals=intervals, roles=dict(zip(lines, ROLES)), unit="percent", decimals=0,
            value_label="Per cent", title=trend_title(changes, compared), threshold=b.threshold, counts="children or episodes",
            note=(recording_words(breaks) + ": the lines count only episodes recorded as missing.") if missing_only else None,
            alt=f"Line chart with 95% intervals, all children, {periods[0]} to {periods[-1]}: " + "; ".join(
                f"{k} " + ", ".join(pct(v, s, 0) for v, s in zip(lines[k], symbols[k])) for k in lines) + ".")
        return join_blocks(HtmlBlock("<h3>Over the years</h3>"), paragraph(" ".join(parts)) if parts else None,
                           bullet_list(sentences),
                           beside(narrow(chart, 4.4, 3.2, tilt=True), self._years_table(t, periods, missing_only)),
                           self._change_table(t, compared, missing_only))

    def _years_table(self, t, periods, missing_only) -> HtmlBlock:
        frame = pd.DataFrame({"period": [x.replace("-", "\u2011") for x in periods]})  # a year on one line
        units = {}
        for (mid, mo_id, *_), key in zip(TREND, ("repeat", "long", "rhi")):
            rows = series(t, mo_id if missing_only else mid, ALL, periods)
            frame[key], frame[f"{key}_symbol"], units[key] = list(rows["value"]), list(rows["symbol"]), "percent"
        med = series(t, MEDIAN[missing_only], ALL, periods)
        frame["median"], frame["median_symbol"], units["median"] = list(med["value"]), list(med["symbol"]), "hours"
        return html_table(frame, {"period": "Year", "repeat": "More than once (%)", "long": "Over 24 hours (%)",
                                  "median": "Median (hours)", "rhi": "Interview in 72 hours (%)"},
                          caption="All children by year: children who went missing more than once; episodes that ended: "
                                  "over 24 hours, median length, and with an interview offered within 72 hours",
                          units=units, decimals={"median": 0}, symbol_columns=(), threshold=self.b.threshold,
                          counts="children or episodes")

    def _change_table(self, t, compared, missing_only) -> HtmlBlock:
        """Each measure and scope: the last two years compared, the latest with its interval and total."""
        if len(compared) < 2:
            return HtmlBlock("")
        p0, p1 = compared[-2:]
        records = []
        for mid, mo_id, _, name, _, counts in TREND:
            mid = mo_id if missing_only else mid
            for scope, who in ((HOME, "From home"), (CARE, "From care"), (ALL, ALL)):
                rows = series(t, mid, scope, [p0, p1])
                noise, moved = latest_change(rows)
                last = rows.iloc[1]
                records.append({"measure": name, "group": who, "before": rows.iloc[0]["value"], "before_symbol": rows.iloc[0]["symbol"],
                                "value": last["value"], "value_symbol": last["symbol"], "lower": last["lower"], "upper": last["upper"],
                                "symbol": last["symbol"], "denominator": last["denominator"], "denominator_symbol": last["symbol"] if pd.isna(last["denominator"]) else "",
                                "change": "the same" if noise is not None and not moved else
                                {True: "could be chance", False: "more than chance", None: "not compared"}[noise]})
        return html_table(pd.DataFrame(records), {"measure": "Measure", "group": "Who", "before": p0, "value": p1,
                                                  "interval": f"95% interval, {p1}", "denominator": f"Out of, {p1}",
                                                  "change": "Change"},
                          caption=f"Each group: {p0} against {p1}, and whether the change could be chance",
                          units={"before": "percent", "value": "percent", "denominator": "count"},
                          symbol_columns=("interval",), threshold=self.b.threshold, counts="children or episodes",
                          note="Out of: children who went missing, or episodes that ended. 'Could be chance': the 95% "
                               "interval of the change includes no change.")


def band_rows(t: pd.DataFrame, scope: str, bands: list[str]) -> pd.DataFrame:
    """The rows of one scope's length bands, indexed by band ('' symbol when shown)."""
    sub = t[t["group"].isin([f"{scope}: {x}" for x in bands])].copy()
    sub.index = [g.split(": ", 1)[1] for g in sub["group"]]
    sub = sub.reindex(bands)
    sub["symbol"] = [s if isinstance(s, str) else "" for s in sub["symbol"]]
    return sub


def count_and_share(rows: pd.DataFrame, band: str, used: set) -> str:
    """'229 (27%)', a symbol for a hidden band; for the total row, the episodes that ended."""
    if band not in rows.index:
        n = rows["denominator"].iloc[0]
        if pd.isna(n):
            used.add("c")
            return "c"
        return f"{int(n):,}"
    row = rows.loc[band]
    if row["symbol"] or pd.isna(row["numerator"]):
        used.add(row["symbol"] or "x")
        return row["symbol"] or "x"
    return f"{int(row['numerator']):,}\u00a0({pct(row['value'], None, 0)})"


def series(t: pd.DataFrame, measure_id: str, group: str, periods) -> pd.DataFrame:
    """One measure's rows for one group, indexed by period ('' symbol when shown; 'x' when absent)."""
    sub = t[(t["measure_id"] == measure_id) & (t["group"] == group)].drop_duplicates("period").set_index("period")
    sub = sub.reindex(periods)
    sub["symbol"] = [s if isinstance(s, str) and s else ("x" if pd.isna(v) else "") for s, v in zip(sub["symbol"], sub["value"])]
    return sub


def latest_change(rows: pd.DataFrame) -> tuple[bool | None, bool]:
    """Whether the change between the last two rows could be chance (None when either is hidden or
    absent), and whether the figures as shown differ."""
    if len(rows) < 2:
        return None, False
    a, c = rows.iloc[-2], rows.iloc[-1]
    if a["symbol"] or c["symbol"] or pd.isna(a["denominator"]) or pd.isna(c["denominator"]):
        return None, False
    moved = pct(a["value"]) != pct(c["value"])
    test = stats.change_within_noise(a["numerator"], a["denominator"], c["numerator"], c["denominator"])
    return bool(test.within_noise), moved


def join_and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def comparable_years(view, periods: list[str]) -> list[str]:
    """The years compared: all, or those since the last break in recording other than 'away'."""
    others = [br for br in breaks_shown(view, periods) if br["category"] != "A"]
    return periods[max(periods.index(br["year_after"]) for br in others):] if others else periods


def trend_title(changes, periods) -> str:
    """The chart title: the latest changes that are more than chance, with their direction; never
    a rise or fall that the sentences call chance."""
    if len(periods) < 2 or any(noise is None for _, noise, _ in changes):
        return "Repeat missing, long episodes and interviews within 72 hours, by year"
    real = [f"{TITLE_WORDS[name]} {'rose' if up else 'fell'}" for name, noise, (moved, up) in changes if noise is False and moved]
    if not real:
        return (f"Repeat missing, long episodes and interviews within 72 hours: no change from {periods[-2]} to "
                f"{periods[-1]} beyond what chance would explain")
    text = f"{join_and(real)} in {periods[-1]}, by more than chance would explain"
    if len(real) < len(changes):
        text += "; the other changes could be chance"
    return text[0].upper() + text[1:]


def narrow(chart, width: float = 3.7, height: float = 3.0, tilt: bool = False):
    """The chart redrawn at about half the page width, to stand beside a table at a readable
    size (``tilt``: year labels at an angle, so that they do not run into each other)."""
    with chart_style():
        chart.figure.set_size_inches(width, height)
        for ax in chart.figure.axes if tilt else ():
            ax.tick_params(axis="x", labelrotation=35)
            for label in ax.get_xticklabels():
                label.set_horizontalalignment("right")
        image = charts.svg_of(chart.figure)
    return dataclasses.replace(chart, image=image)


def beside(chart, table) -> HtmlBlock:
    """A chart with its table beside it (one above the other on a narrow screen)."""
    cell = '<div style="flex:{} 1 16rem;min-width:0">{}</div>'
    return HtmlBlock('<div class="beside" style="display:flex;flex-wrap:wrap;gap:0 1.25rem;align-items:flex-start">'
                     + cell.format(1, as_html(chart)) + cell.format(1.7, as_html(table)) + "</div>")
