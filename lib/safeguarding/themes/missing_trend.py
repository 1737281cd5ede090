"""The trend of the missing briefing, read across breaks in recording (functions of a
:class:`safeguarding.themes.missing.MissingView`, which provides ``b`` and ``r``).

When a kind of episode stops or starts being recorded within the years shown (e.g. 'away'
episodes vanish from 2022-23: :func:`safeguarding.measures.missing.recording_breaks`, kept in
the theme's meta as years only), totals either side are not comparable. The sentence, the
chart title and the key finding then say that recording changed and read the trend on a
comparable series: children and episodes recorded as missing (not 'away'), taken protected
from the yearly table. After any other break, only the years since it are compared.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from safeguarding.measures import missing as m
from safeguarding.measures import stats
from safeguarding.render import charts
from safeguarding.render.blocks import HtmlBlock, join_blocks, paragraph
from safeguarding.render.comparisons import pick, symbol_of
from safeguarding.render.formats import format_number_for_unit
from safeguarding.render.sentences import describe_trend
from safeguarding.render.tables import html_table

#: Rows of the yearly table: (measure, how it counts). The missing-only and 'away' rows are
#: shown when recording changed within the years shown, for home or care if it had 'away' episodes.
YEARLY_ROWS = (("missing.children", "Children"),
               ("missing.children_missing_only", "Children with an episode recorded as missing"),
               ("missing.episodes", "Episodes"), ("missing.episodes_missing_only", "Episodes recorded as missing"),
               ("missing.episodes_away", "Episodes recorded as 'away'"))
MISSING_ONLY_TITLE = " (counting episodes recorded as missing, not 'away')"
#: The chart's lines for home and for care: all children and episodes, or, where 'away'
#: episodes stopped or started being recorded, those recorded as missing.
CHART_LINES = (("missing.children", "children"), ("missing.episodes", "episodes"))
CHART_LINES_MISSING_ONLY = (("missing.children_missing_only", "children with an episode recorded as missing"),
                            ("missing.episodes_missing_only", "episodes recorded as missing"))


def section_trend(view) -> HtmlBlock:
    """Sentence, chart and table of children and episodes by year (the monthly block is the view's)."""
    b, y = view.b, view.r["yearly"]
    periods = list(dict.fromkeys(y["period"]))
    breaks = breaks_shown(view, periods)
    away_scopes = [br["scope"] for br in distinct(breaks) if br["category"] == "A"]
    lines, symbols = {}, {}
    for scope in (m.SCOPES["home"], m.SCOPES["care"]):
        # where 'away' episodes came or went, the chart draws the series the change leaves alone
        for mid, what in (CHART_LINES_MISSING_ONLY if scope in away_scopes else CHART_LINES):
            lines[f"{scope}: {what}"], symbols[f"{scope}: {what}"] = series(view, mid, scope, periods)
    label, shown, values, syms = children_trend(view, periods, breaks)
    sentence = describe_trend(label, shown, values, "none", "count", symbols=syms, threshold=b.threshold)
    if breaks:
        sentence = " ".join([recording_words(breaks) + ": a change in recording, so figures that include them cannot "
                             "be compared across the change.", sentence, *episodes_across_breaks(view, periods, breaks)])
    chart = charts.trend_chart(
        periods, lines, symbols=symbols, unit="count", value_label="Number", threshold=b.threshold, counts="children",
        title=trend_title(shown, values, syms, bool(away_scopes)),
        note=chart_note(breaks, away_scopes),
        alt="Line chart over " + f"{len(periods)} years of children and episodes missing from home and from care: "
            + "; ".join(f"{k} " + ", ".join(format_number_for_unit(v, 'count', s or None) for v, s in zip(lines[k], symbols[k]))
                        for k in lines))
    records, any_away = [], False
    for scope in sorted(g for g in y["group"].unique() if g != m.SCOPES["all"]):
        away, away_s = series(view, "missing.episodes_away", scope, periods)
        with_away = bool(breaks) and any(s or (not pd.isna(v) and v > 0) for v, s in zip(away, away_s))
        any_away = any_away or with_away
        for mid, what in (YEARLY_ROWS if with_away else (YEARLY_ROWS[0], YEARLY_ROWS[2])):
            row_values, row_symbols = series(view, mid, scope, periods)
            records.append({"group": scope, "measure": what, **dict(zip(periods, row_values)),
                            **{f"{p}_symbol": s for p, s in zip(periods, row_symbols)}})
    tbl = pd.DataFrame(records, columns=["group", "measure", *periods, *(f"{p}_symbol" for p in periods)])
    table = html_table(tbl, {"group": "Who", "measure": "Counting"} | {p: p for p in periods},
                       caption="Children and episodes by year", units={p: "count" for p in periods},
                       symbol_columns=(), threshold=b.threshold,
                       note=("Episodes recorded as missing and 'away' episodes add up to all episodes; children with an "
                             "episode recorded as missing leave out children who were only 'away'.") if any_away else None)
    return join_blocks(paragraph(sentence), chart, table)


def chart_note(breaks, away_scopes) -> str | None:
    """The trend chart's note on changes in recording: which lines leave 'away' episodes out
    (their years can be compared), and which cross a change (theirs cannot)."""
    if not breaks:
        return None
    words = recording_words(breaks)
    if not away_scopes:
        return f"{words}: figures either side of the change cannot be compared."
    where = " and ".join(m.SCOPE_WORDS.get(s, "") or "in all" for s in away_scopes)
    note = (f"{words}. The lines for episodes {where} count only episodes recorded as missing, so their years "
            "can be compared, unless some episodes once recorded as 'away' are now recorded as missing (a jump in "
            "the year of the change would suggest it; see data quality); the table gives all episodes.")
    if any(br["category"] != "A" for br in distinct(breaks)):
        note += " Other figures either side of a change in recording cannot be compared."
    return note


def series(view, measure_id, group, periods) -> tuple[list, list[str]]:
    """Values and symbols of one series of the (protected) yearly table, one per period ('' when shown)."""
    y = view.r["yearly"]
    sub = y[(y["measure_id"] == measure_id) & (y["group"] == group)].drop_duplicates("period").set_index("period")
    sub = sub.reindex(periods)
    return list(sub["value"]), [s if isinstance(s, str) else "" for s in sub["symbol"]]


def breaks_shown(view, periods) -> list[dict]:
    """Breaks in recording (kept in the theme's meta) with the years either side among ``periods``."""
    breaks = view.b.meta.get("recording_breaks") or []
    return [br for br in breaks if br["year_before"] in periods and br["year_after"] in periods]


def distinct(breaks) -> list[dict]:
    """Breaks, leaving out 'All children' where home or care shows the same break."""
    return m.distinct_breaks(pd.DataFrame(breaks)).to_dict("records") if breaks else []


def recording_words(breaks) -> str:
    """"'Away' episodes from care are recorded up to 2021-22 and not from 2022-23" (one clause per
    break, joined by semicolons)."""
    grouped: dict[tuple, list[str]] = {}
    for br in distinct(breaks):
        grouped.setdefault((br["category"], br["change"], br["year_before"], br["year_after"]), []).append(
            m.SCOPE_WORDS.get(br["scope"], ""))
    parts = []
    for (cat, change, before, after), wheres in grouped.items():
        subject = f"{m.EPISODE_TYPE_NAMES.get(cat, f'Episodes of type {cat!r}')} {' and '.join(w for w in wheres if w)}".strip()
        parts.append(f"{subject} are recorded up to {before} and not from {after}" if change == "stopped"
                     else f"{subject} are not recorded before {after} and are from {after}")
    return "; ".join(parts)


def children_trend(view, periods, breaks):
    """(label, periods, values, symbols) of the children series the trend is read on: all
    children; when 'away' episodes stop or start being recorded, children with an episode
    recorded as missing; after any other break, only the years since it."""
    if any(br["category"] == "A" for br in breaks):
        values, symbols = series(view, "missing.children_missing_only", m.SCOPES["all"], periods)
        return ("Counting only episodes recorded as missing (not 'away'), the number of children who went missing",
                periods, values, symbols)
    if breaks:
        periods = periods[max(periods.index(br["year_after"]) for br in breaks):]
    values, symbols = series(view, "missing.children", m.SCOPES["all"], periods)
    return "The number of children who went missing", periods, values, symbols


def episodes_across_breaks(view, periods, breaks) -> list[str]:
    """For each scope where 'away' episodes stopped or started being recorded: episodes recorded as
    missing from the first to the last year shown either side of the break, and all episodes,
    whose change across the break is in recording, not in behaviour."""
    out = []
    for br in distinct(breaks):
        if br["category"] != "A":
            continue
        scope, where = br["scope"], m.SCOPE_WORDS.get(br["scope"], "") or "in all"
        only, only_s = series(view, "missing.episodes_missing_only", scope, periods)
        every, every_s = series(view, "missing.episodes", scope, periods)
        ok = [i for i in range(len(periods)) if not only_s[i] and not every_s[i] and not pd.isna(only[i])
              and not pd.isna(every[i])]
        ok = [i for i in ok if periods[i] <= br["year_before"]][:1] + [i for i in ok if periods[i] >= br["year_after"]][-1:]
        if len(ok) < 2:
            continue
        i, j = ok
        if only[j] == only[i]:
            moved = f"were {_n(only[j])} in both {periods[i]} and {periods[j]}"
        else:
            moved = f"went {'up' if only[j] > only[i] else 'down'} from {_n(only[i])} in {periods[i]} to {_n(only[j])} in {periods[j]}"
        recorded = "not recorded from" if br["change"] == "stopped" else "recorded only from"
        step_all, step_only = np.sign(every[j] - every[i]), np.sign(only[j] - only[i])
        if step_all and step_all != step_only:  # all episodes move the other way: that is all recording
            tail = (f"so the apparent {'rise' if step_all > 0 else 'fall'} in all episodes {where}, from {_n(every[i])} "
                    f"to {_n(every[j])}, is a change in recording, not in behaviour.")
        else:
            figures = f"{_n(every[i])} in both years" if not step_all else f"{_n(every[i])} to {_n(every[j])}"
            tail = (f"so all episodes {where} ({figures}) are not comparable across that change: part of the "
                    "difference is in recording, not in behaviour.")
        out.append(f"Episodes {where} recorded as missing {moved}; 'away' episodes are {recorded} {br['year_after']}, {tail}")
    return out


def _n(value) -> str:
    return format_number_for_unit(value, "count", None)


def trend_title(periods, values, symbols, missing_only: bool = False) -> str:
    """The title of the trend chart, on the same series and years as the sentence above it."""
    shown = [(p, v) for p, v, s in zip(periods, values, symbols) if not s and not pd.isna(v)]
    if len(shown) < 2 or shown[-1][1] == shown[-2][1]:
        return "Children who went missing, by year"
    (p0, v0), (p1, v1) = shown[-2], shown[-1]
    return f"{'More' if v1 > v0 else 'Fewer'} children went missing in {p1} than in {p0}{MISSING_ONLY_TITLE if missing_only else ''}"


def change_in_children(view, ch) -> str:
    """'That is 2% fewer children than in 2023-24.' (after the key finding on ``ch``, the latest
    year's children), read on a series comparable across the two years: when 'away' episodes
    stopped or started being recorded between them, on children with an episode recorded as
    missing; after any other break, not at all."""
    y, all_label = view.r["yearly"], m.SCOPES["all"]
    periods = list(dict.fromkeys(y[(y["measure_id"] == "missing.children") & (y["group"] == all_label)]["period"]))
    if len(periods) < 2:
        return ""
    p0, p1 = periods[-2], periods[-1]
    breaks = breaks_shown(view, [p0, p1])
    prev, cur, lead = view._previous("missing.children", all_label), ch, ""
    if breaks:
        recording = recording_words(breaks)
        not_compared = f" {recording}: a change in recording, so this is not compared with {p0}."
        if not any(br["category"] == "A" for br in breaks):
            return not_compared
        prev = view._previous("missing.children_missing_only", all_label)
        cur = pick(y, "missing.children_missing_only", all_label, period=p1)
        if prev is None or cur is None or symbol_of(prev) or symbol_of(cur) or not prev["value"] > 0:
            return not_compared
        lead = f" {recording}, so the comparison counts only children with an episode recorded as missing:"
    if prev is None or symbol_of(prev) or not prev["value"] > 0:
        return ""
    test = stats.change_within_noise(prev["value"], None, cur["value"], None, kind="rate")
    change = 100 * (cur["value"] - prev["value"]) / prev["value"]
    noise = " (a change within the range expected by chance)" if test.within_noise else ""
    more = "more" if change > 0 else "fewer"
    if lead:
        if cur["value"] == prev["value"]:
            return f"{lead} {int(cur['value']):,} in {p1}, the same as in {prev['period']}."
        return f"{lead} {int(cur['value']):,} in {p1}, {abs(change):.0f}% {more} than in {prev['period']}{noise}."
    if cur["value"] == prev["value"]:
        return f" That is the same number of children as in {prev['period']}."
    return f" That is {abs(change):.0f}% {more} children than in {prev['period']}{noise}."
