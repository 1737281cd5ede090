"""Theme 00: the partnership overview (the view). Every theme's headline measures in one table,
with what to look at first, for the board that reads this before any theme briefing.

Each row is the theme's own 'At a glance' row (:func:`safeguarding.render.glance.glance_row`:
the same figure, change, England, neighbours and verdict as the theme's first page), plus the
borough's place among all authorities and its published figure five years before. Nothing is
computed here that the theme briefings do not show: the overview opens each theme's briefing on
the same protected results and reads its rows.
"""

from __future__ import annotations

import html
import math

import pandas as pd

from safeguarding.issues import InputError
from safeguarding.measures.registry import get as get_measure
from safeguarding.render.blocks import HtmlBlock, bullet_list, join_blocks, paragraph
from safeguarding.render.comparisons import cite
from safeguarding.render.formats import format_published
from safeguarding.render.glance import COLUMNS as GLANCE_COLUMNS
from safeguarding.render.glance import glance_row
from safeguarding.render.tables import html_table

#: Rows a theme's view writes itself (beyond its record's 'At a glance' rows) shown in the overview.
VIEW_ROWS = 4
QUARTERS = ("lowest quarter", "second quarter", "third quarter", "highest quarter")


def quarter_words(value: float, others: pd.Series) -> str:
    """'third quarter of 152' : where ``value`` sits among all authorities' published figures
    (the share of them below it, in quarters); '' when there are too few to say."""
    others = pd.to_numeric(others, errors="coerce").dropna()
    if value is None or (isinstance(value, float) and math.isnan(value)) or len(others) < 20:
        return ""
    below = float((others < value).mean() + 0.5 * (others == value).mean())
    return f"{QUARTERS[min(int(below * 4), 3)]} of {len(others)}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def look_at(rows: list[dict]) -> list[str]:
    """What to look at first, from the same verdicts the themes print, one item each: a figure
    worse than England by more than chance, then a change since the year before that is more
    than chance would explain (changes for the worse first, where the measure has a direction)."""
    worse = [f"{r['theme']}: {_lower_first(r['measure'])} ({r['now']}) is {r['verdict'].replace(' (worse)', '')}, "
             "and worse." for r in rows if "(worse)" in r["verdict"]]
    moved = []
    for r in rows:
        if "more than chance" not in r["change"]:
            continue
        went = r["change"].split(";")[0]
        up = went.startswith("up")
        judged = {"higher_better": up, "lower_better": not up}.get(r.get("polarity", "none"))
        verdict = "" if judged is None else (", a change for the better" if judged else ", a change for the worse")
        moved.append((judged is not False, f"{r['theme']}: {_lower_first(r['measure'])} went {went} to {r['now']}, "
                                           f"more than chance would explain{verdict}."))
    out = worse + [text for _, text in sorted(moved, key=lambda x: x[0])]
    return out or ["No headline figure is worse than England, or changed since the year before, by more than chance "
                   "would explain. Each theme briefing has the detail."]


class OverviewView:
    """Every available theme's headline rows, from briefings opened on the same results."""

    def __init__(self, b):
        from safeguarding.briefing import open_briefing
        from safeguarding.themes.registry import THEMES
        self.b = b
        self.rows: list[dict] = []
        self.missing: list[str] = []
        self.linked: list[tuple[str, str]] = []
        for record in THEMES.values():
            if record.key == b.theme:
                continue
            if record.key not in b.results.themes:
                why = b.results.unavailable.get(record.key, "not built for this run")
                self.missing.append(f"{record.title}: {why}")
                continue
            try:
                sub = open_briefing(record.key, b.area.slug, b.period_end, published_dir=b.published_dir,
                                    suppression_threshold=b.threshold, results=b.results)
            except InputError as exc:
                self.missing.append(f"{record.title}: {exc}")
                continue
            self.linked.append((record.title, f"{record.key}.html"))
            period = getattr(sub.view, "shown_period", None) or sub.period_label
            title = record.title if period == b.period_label else f"{record.title} ({period})"
            for g in record.glance:
                row = glance_row(sub, g, period)
                row.update(self._placing(sub, g, period))
                self.rows.append({"theme": title, "period": period, "polarity": get_measure(g.measure_id).polarity,
                                  **row})
                if g.measure_id not in b.used_measures:  # the methods define the measures shown
                    b.used_measures.append(g.measure_id)
            for row in list(getattr(sub.view, "glance_rows", lambda: [])())[:VIEW_ROWS]:
                self.rows.append({"theme": title, "period": period, "polarity": "none", "among": "",
                                  "five_years": "", **row})
            for release, titles in sub.cited.items():
                for title in titles:
                    cite(b, release, title)

    @staticmethod
    def _placing(sub, g, period: str) -> dict:
        """Among all authorities (quarter), and the borough's published figure five years before."""
        spec = get_measure(g.measure_id)
        published_id = spec.published_id if g.published_id is None else g.published_id
        out = {"among": "", "five_years": ""}
        if not published_id:
            return out
        try:
            comp = sub.compare(published_id)
            rows = sub.result(g.measure_id)
        except InputError:
            return out
        rows = rows[(rows["period"] == period) & (rows["breakdown"] == g.breakdown) & (rows["group"] == g.group)]
        if len(rows) and not str(rows["symbol"].iloc[0] or "") and not pd.isna(rows["value"].iloc[0]):
            out["among"] = quarter_words(float(rows["value"].iloc[0]), comp.all_las["value"])
        # exactly five years before the published year shown (an older year is not 'five years
        # before'); DfE's own symbol when it hid or did not publish the figure that year
        then = comp.trend[comp.trend["year"] == comp.year - 5]
        if len(then):
            first = then.iloc[-1]
            from safeguarding.published.ees import year_label
            symbol = str(first.get("symbol") or "") if pd.isna(first["value"]) else ""
            if not pd.isna(first["value"]) or symbol:
                value = format_published(first["value"], spec.unit, symbol or None, spec.decimals, comp.measure.decimals)
                out["five_years"] = f"{value} ({year_label(int(first['year']), comp.measure.year_kind)})"
        return out

    def key_findings(self) -> list[str]:
        """A count of what stands out, then the first items of 'What to look at first'."""
        items = look_at(self.rows)
        themes = len({r["theme"] for r in self.rows})
        worse = sum("(worse)" in r["verdict"] for r in self.rows)
        moved = sum("more than chance" in r["change"] for r in self.rows)
        if not worse and not moved:
            return items[:1]
        summary = (f"Of {len(self.rows)} headline figures across {themes} themes, {worse} "
                   f"{'is' if worse == 1 else 'are'} worse than England by more than chance would explain, and {moved} "
                   f"changed since the year before by more than chance would explain"
                   + (" (the first five below; all are in 'What to look at first')." if len(items) > 5 else ":"))
        return [summary] + items[:5]

    def section_themes(self) -> HtmlBlock:
        if not self.rows:
            return paragraph("No theme could be summarised: " + "; ".join(self.missing))
        columns = {"theme": "Theme", "measure": GLANCE_COLUMNS["measure"], "now": GLANCE_COLUMNS["now"],
                   "change": GLANCE_COLUMNS["change"], "five_years": "Five years before (published)",
                   "england": GLANCE_COLUMNS["england"], "neighbours": GLANCE_COLUMNS["neighbours"],
                   "among": "Among all authorities", "verdict": GLANCE_COLUMNS["verdict"]}
        frame = pd.DataFrame(self.rows)
        keep = {c: h for c, h in columns.items() if c in ("theme", "measure", "now") or frame[c].astype(str).str.strip().ne("").any()}
        periods = sorted(set(frame["period"]))
        note = ("Each row is the first-page row of the theme's own briefing, where every figure is explained. "
                "This year: the borough's own records" + (f" ({', '.join(periods)})" if len(periods) > 1 else "") +
                ". Five years before: the borough's figure as DfE published it. Among all authorities: where this "
                "year's figure sits among every authority's published figure for the matching year (lowest to "
                "highest quarter; whether higher is better depends on the measure). c = hidden to protect privacy "
                f"(fewer than {self.b.threshold + 1}, or a figure that would let one be worked out).")
        table = html_table(frame, keep, caption=f"Every theme at a glance: {self.b.area.name}, {self.b.period_label}",
                           units={}, symbol_columns=(), note=note, threshold=self.b.threshold, detail=False,
                           wide=True)
        links = HtmlBlock('<p class="theme-links">Theme briefings: ' + " &middot; ".join(
            f'<a href="{html.escape(href)}">{html.escape(title)}</a>' for title, href in self.linked) + "</p>")
        parts = [table, links]
        if self.missing:
            parts.append(paragraph("Not in this overview: " + "; ".join(self.missing)))
        return join_blocks(*parts)

    def section_look_at(self) -> HtmlBlock:
        return join_blocks(paragraph("What to look at first, from the same tests the theme briefings use: a figure worse "
                                     "than England by more than chance and more than authorities usually differ, or a "
                                     "change since the year before larger than chance would explain for numbers this "
                                     "size. A change measured against a published figure without its counts cannot be "
                                     "tested, and is not listed; the table shows it."), bullet_list(look_at(self.rows)))


VIEW = OverviewView
