"""'At a glance': the first-page table of a briefing's headline measures.

One row per headline measure: the borough's figure for the period, the change since the
year before (with the chance verdict), England and the statistical neighbours' median for
the matching published year, and what that adds up to. Everything comes from the
borough's protected results (:meth:`Briefing.result`) and the published comparators
(:meth:`Briefing.compare`); nothing is computed here that a later section does not also show.

A theme lists its rows as :class:`Glance` records (``ThemeRecord.glance``); a view may add
rows of its own with :func:`text_row`.
"""

from __future__ import annotations

import math

import pandas as pd

from safeguarding.issues import InputError
from safeguarding.measures import stats
from safeguarding.measures.registry import get as get_measure
from safeguarding.render.blocks import HtmlBlock
from safeguarding.render.formats import (
    format_number_for_unit,
    format_published,
    rounding_words,
    same_when_rounded,
    symbol_legend,
)
from safeguarding.render.sentences import versus_words
from safeguarding.render.tables import html_table
from safeguarding.themes.registry import Glance

COLUMNS = {"measure": "Measure", "now": "This year", "change": "Change since the year before",
           "england": "England", "neighbours": "Statistical neighbours", "verdict": "In short"}


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _symbol(row) -> str:
    s = row.get("symbol", "") if row is not None else "x"
    return "" if _missing(s) else str(s)


def _rows_of(b, g: Glance) -> pd.DataFrame:
    frame = b.result(g.measure_id)
    if g.breakdown is not None:
        frame = frame[frame["breakdown"] == g.breakdown]
    if g.group is not None:
        frame = frame[frame["group"] == g.group]
    return frame


def format_figure(value, spec, symbol="", published: int | None = None) -> str:
    """A figure as the first page prints it: people and episodes whole, other units at the
    measure's decimals, or a figure DfE published (``published``: its decimals) as DfE did."""
    decimals = 0 if spec.unit == "count" else spec.decimals  # people and episodes are whole numbers
    return format_published(value, spec.unit, symbol or None, decimals, published)


def _change(spec, now, before, kind: str) -> str:
    if before is None:
        return ""
    then = f"{before['period']}"
    if _symbol(before) or _missing(before["value"]):
        return f"{then}: {format_figure(before['value'], spec, _symbol(before) or 'x')}"
    if _symbol(now) or _missing(now["value"]):
        return f"{then}: {format_figure(before['value'], spec)}"
    shown_now, shown_then = format_figure(now["value"], spec), format_figure(before["value"], spec)
    dfe_places = before.get("decimals")
    if (dfe_places is not None and not _missing(dfe_places) and spec.unit != "count"
            and int(dfe_places) < (1 if spec.decimals is None else spec.decimals)):
        # DfE published the year before rounded (11%): compared at that precision, 10.6% is not
        # 'down from 11.0%'
        places = int(dfe_places)
        shown_then = format_number_for_unit(before["value"], spec.unit, None, decimals=places)
        if same_when_rounded(now["value"], before["value"], spec.unit, places):
            return f"about the same as {shown_then} ({then}, rounded to {rounding_words(places)})"
    if shown_now == shown_then:
        return f"unchanged from {then}"
    direction = "up" if now["value"] > before["value"] else "down"
    counts = spec.unit == "count"
    k1, k2 = before["numerator"], now["numerator"]
    n1, n2 = (None, None) if counts else (before["denominator"], now["denominator"])
    if _missing(k1) or _missing(k2) or (not counts and (_missing(n1) or _missing(n2))):
        return f"{direction} from {shown_then} ({then})"
    test = stats.change_within_noise(k1, n1, k2, n2, kind="rate" if counts else kind)
    noise = "could be chance" if test.within_noise else "more than chance"
    return f"{direction} from {shown_then} ({then}); {noise}"


def _against(b, spec, now, comp, kind: str) -> tuple[str, str, str]:
    """England and neighbours cells, and the short verdict."""
    from safeguarding.render.comparisons import within_funnel
    if comp is None:
        return "", "", ""
    year = comp.year_label
    published = comp.published_decimals
    england = format_figure(comp.england, spec, comp.england_symbol or ("" if not _missing(comp.england) else "x"),
                            published)
    england = f"{england} ({year})"
    sn = format_figure(comp.sn_median, spec, "" if not _missing(comp.sn_median) else "x", published)
    sn = f"{sn} (median of {comp.sn_count})" if not _missing(comp.sn_median) else "too few published"
    if _symbol(now) or _missing(now["value"]) or _missing(comp.england):
        return england, sn, ""
    within = within_funnel(now["value"], None, now.get("denominator"), comp.england, spec.unit, kind, comp)
    verdict = versus_words(now["value"], comp.england, within_noise=within, decimals=spec.decimals,
                           polarity=spec.polarity)
    if not comp.matches_year:
        verdict += f"; England as published for {year}"
    return england, sn, verdict


def _published_before(b, published_id: str) -> pd.Series | None:
    """The borough's own published figure for the year before the briefing's (when the
    borough's records hold only this year), labelled as published."""
    try:
        comp = b.compare(published_id, b.published_year - 1)
    except InputError:
        return None
    if not comp.matches_year or (_missing(comp.value) and not comp.symbol):
        return None
    return pd.Series({"period": f"{comp.year_label}, published", "value": comp.value, "symbol": comp.symbol,
                      "numerator": comp.numerator, "denominator": comp.denominator,
                      "decimals": comp.published_decimals})


def glance_row(b, g: Glance, period: str) -> dict:
    """The row of the first-page table for one headline measure (all cells as text)."""
    spec = get_measure(g.measure_id)
    label = g.label or spec.label
    try:
        rows = _rows_of(b, g)
    except InputError:
        rows = pd.DataFrame()
    current = rows[rows["period"] == period] if len(rows) else rows
    if current.empty:
        return {"measure": label, "now": "not available", "change": "", "england": "", "neighbours": "",
                "verdict": ""}
    now = current.iloc[0]
    earlier = rows[rows["period"] < period].sort_values("period")
    before = earlier.iloc[-1] if len(earlier) else None
    published_id = spec.published_id if g.published_id is None else g.published_id
    if before is None and published_id and g.change_from_published:
        before = _published_before(b, published_id)
    comp = None
    if published_id:
        # a view that prepares its comparisons (e.g. with estimated denominators for the funnel
        # limits) gives the same one here, so the first page and the section agree
        prepared = getattr(getattr(b, "view", None), "published_for_glance", None)
        try:
            comp = prepared(g.measure_id, published_id) if prepared else b.compare(published_id)
        except InputError:
            comp = None
    england, sn, verdict = _against(b, spec, now, comp, g.kind)
    value = format_figure(now["value"], spec, _symbol(now))
    if _symbol(now) == "c":
        verdict = "hidden to protect privacy"
    elif _differs_from_published(b, g.measure_id, g.group):
        verdict = (f"{verdict}; " if verdict else "") + "DfE published a different figure for this year (see data quality)"
    return {"measure": label, "now": value, "change": _change(spec, now, before, g.kind), "england": england,
            "neighbours": sn, "verdict": verdict}


def _differs_from_published(b, measure_id: str, group: str | None = None) -> bool:
    """Whether the view's data-quality checks found the borough's own figure for this measure
    different from DfE's for the same year (a reader must see it beside the figure, not only at
    the end of the briefing): the findings name the measures (:func:`quality.own_vs_published`),
    or one group of a measure as 'measure@group'."""
    found = getattr(getattr(b, "view", None), "quality", None) or []
    return any(measure_id in f.get("measures", ()) or f"{measure_id}@{group}" in f.get("measures", ())
               for f in found)


def text_row(measure: str, value: str, change: str = "", england: str = "", neighbours: str = "",
             verdict: str = "") -> dict:
    """A row a view writes itself (e.g. the group most over-represented at a stage)."""
    return {"measure": measure, "now": value, "change": change, "england": england, "neighbours": neighbours,
            "verdict": verdict}


def glance_table(b, rows: list[dict], period: str) -> HtmlBlock:
    """The first-page table: every headline measure, its change, England and neighbours."""
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    keep = [c for c in COLUMNS if c in ("measure", "now") or frame[c].astype(str).str.strip().ne("").any()]
    used = {s for s in frame["now"] if s in {"c", "x", "z"}}
    legend = symbol_legend(used, threshold=b.threshold, counts=b.record.counts)
    return html_table(frame, {c: COLUMNS[c] for c in keep}, caption=f"At a glance: {b.area.name}, {period}",
                      units={}, threshold=b.threshold, counts=b.record.counts,
                      note=(f"{legend} " if legend else "") + " ".join(_notes(keep)))


def _notes(columns) -> list[str]:
    """The footnote, for the columns the table has."""
    out = ["This year: the borough's own records."]
    if "change" in columns:
        out.append("Change: against the borough's own records for the year before, or its published figure where "
                   "marked 'published', with whether the change is more than chance would explain.")
    if "england" in columns:
        out.append("England and statistical neighbours: published figures for the matching year (or the latest "
                   "published, as stated); 'not clearly different' means the gap could be chance; 'within the usual "
                   "spread' means more than chance, but no more than authorities usually differ from one another.")
    out.append("Every figure is explained in the sections that follow.")
    return out
