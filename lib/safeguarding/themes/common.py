"""Pieces every theme uses: comparator sections from published statistics, funnel plots,
and helpers to read a value and its symbol out of a protected result frame."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from safeguarding.issues import InputError
from safeguarding.measures import stats
from safeguarding.measures.registry import get as get_measure
from safeguarding.published.comparators import compare
from safeguarding.render import charts
from safeguarding.render.blocks import HtmlBlock, join_blocks, paragraph
from safeguarding.render.formats import format_number_for_unit
from safeguarding.render.sentences import describe_comparison
from safeguarding.render.tables import html_table


def pick(frame: pd.DataFrame, measure_id: str, group=None, period=None) -> pd.Series | None:
    """The single row of ``frame`` for a measure (and group/period), or None."""
    sub = frame[frame["measure_id"] == measure_id]
    if group is not None:
        sub = sub[sub["group"] == group]
    if period is not None:
        sub = sub[sub["period"] == period]
    return None if sub.empty else sub.iloc[0]


def symbol_of(row) -> str | None:
    if row is None:
        return "x"
    s = row.get("symbol", "")
    return None if (s is None or (isinstance(s, float) and math.isnan(s)) or s == "") else str(s)


def comparator_frame(comp, borough_label: str, borough_value: float, borough_symbol=None) -> pd.DataFrame:
    """Rows for a comparator chart/table: the borough, England, London, Inner/Outer London,
    the neighbour median and each neighbour."""
    rows = [{"label": borough_label, "value": borough_value, "symbol": borough_symbol or "", "role": "borough"}]
    if not math.isnan(comp.value) or comp.symbol:
        rows.append({"label": f"{comp.area.name} (published {comp.year})", "value": comp.value, "symbol": comp.symbol or "", "role": "borough_published"})
    rows.append({"label": "England", "value": comp.england, "symbol": comp.england_symbol or "", "role": "england"})
    if comp.region_name:
        rows.append({"label": comp.region_name, "value": comp.region, "symbol": comp.region_symbol or "", "role": "london"})
    if comp.sub_region_name:
        role = "inner_london" if "Inner" in comp.sub_region_name else "outer_london"
        rows.append({"label": comp.sub_region_name, "value": comp.sub_region, "symbol": comp.sub_region_symbol or "", "role": role})
    rows.append({"label": f"Statistical neighbours (median of {comp.sn_count})", "value": comp.sn_median, "symbol": "", "role": "neighbours_median"})
    for _, n in comp.neighbours.iterrows():
        rows.append({"label": n["name"], "value": n["value"], "symbol": n["symbol"] or "", "role": "neighbours"})
    return pd.DataFrame(rows)


def comparison_block(b, measure_id: str, borough_value: float, borough_symbol, borough_n=None, borough_k=None,
                     funnel_kind: str = "proportion") -> HtmlBlock:
    """Sentence, comparator chart, funnel plot and table for one measure against published figures.

    ``borough_value`` is the borough's own figure for the briefing period (from its data);
    the published figures are the latest year available.
    """
    spec = get_measure(measure_id)
    try:
        comp = compare(b.area, spec.published_id, year=None, published_dir=b.published_dir)
    except InputError as exc:
        return paragraph(f"Published comparators are not available for this measure: {exc}")
    unit = spec.unit if spec.unit != "ratio" else "ratio"
    noun = spec.counts
    sent = [describe_comparison(spec.label, borough_value, comp.england, f"England ({comp.year})", spec.polarity, unit,
                                area_name=b.area.name, symbol=borough_symbol, comparator_symbol=comp.england_symbol,
                                decimals=spec.decimals, threshold=b.threshold, counts=noun)]
    if not math.isnan(comp.sn_median):
        sent.append(describe_comparison(spec.label, borough_value, comp.sn_median, "its statistical neighbours' median",
                                        spec.polarity, unit, area_name=b.area.name, symbol=borough_symbol,
                                        decimals=spec.decimals, threshold=b.threshold, counts=noun))
    sent.append(f"The borough's figure is for {b.period_label}, from its own records; the latest published figures for "
                f"other areas are for {comp.year}.")
    frame = comparator_frame(comp, f"{b.area.name} ({b.period_label})", borough_value, borough_symbol)
    title = _comparison_title(spec, b.area.name, borough_value, comp.england, borough_symbol)
    alt = (f"Dot chart of {spec.label.lower()}: {b.area.name} {_fmt(borough_value, unit, borough_symbol, spec.decimals)}, "
           f"England {_fmt(comp.england, unit, comp.england_symbol, spec.decimals)}, "
           f"statistical neighbours' median {_fmt(comp.sn_median, unit, None, spec.decimals)}, and each neighbour.")
    chart = charts.comparator_chart(frame, title=title, alt=alt, unit=unit, decimals=spec.decimals,
                                    threshold=b.threshold, counts=noun)
    table = html_table(frame, {"label": "Area", "value": spec.label}, caption=f"{spec.label}: {b.area.name} and comparators",
                       units={"value": unit}, decimals={"value": spec.decimals}, threshold=b.threshold, counts=noun,
                       source=f"Department for Education, {comp.measure.source if hasattr(comp.measure, 'source') else 'published statistics'} ({comp.year}); "
                              f"{b.area.name} {b.period_label}: own records.")
    parts = [paragraph(" ".join(sent)), chart, table]
    funnel = funnel_block(b, comp, spec, borough_value, borough_symbol, borough_k, borough_n, funnel_kind)
    if funnel is not None:
        parts.append(funnel)
    b.sources.append(f"{spec.label}: published {comp.year}.")
    return join_blocks(*parts)


def funnel_block(b, comp, spec, value, symbol, k, n, kind="proportion"):
    las = comp.all_las.dropna(subset=["value", "denominator"])
    las = las[las["denominator"] > 0]
    if len(las) < 20 or math.isnan(comp.england):
        return None
    target = comp.england / (100 if spec.unit == "percent" else 1)
    n_max = max(las["denominator"].max(), n or 0) * 1.05
    grid = np.unique(np.linspace(max(1, las["denominator"].min() * 0.9), n_max, 200).round())
    limits = stats.funnel_limits(target, grid, kind=kind)
    if spec.unit == "percent":
        limits = limits.copy()
        for col in limits.columns:
            if col != "denominator":
                limits[col] = limits[col] * 100
    points = las.rename(columns={"area_name": "area"})[["area", "value", "denominator"]].copy()
    points = points[points["area"] != b.area.name]
    if symbol is None and n and not math.isnan(value):
        points = pd.concat([points, pd.DataFrame([{"area": b.area.name, "value": value, "denominator": n}])], ignore_index=True)
        position = stats.funnel_position(value / (100 if spec.unit == "percent" else 1), n, target, kind=kind)
        where = _position_words(position)
    else:
        where = "cannot be placed (its figure is hidden or not available)"
    neighbours = list(comp.neighbours["name"])
    title = f"Against all local authorities, {b.area.name} {where}"
    alt = (f"Funnel plot: {spec.label.lower()} for each local authority in {comp.year} against its number of "
           f"{spec.counts}, with 95% and 99.8% control limits around England's {_fmt(comp.england, spec.unit, None, spec.decimals)}. "
           f"{b.area.name} ({b.period_label}) {where}.")
    chart = charts.funnel_plot(points, limits, borough=b.area.name, title=title, alt=alt, unit=spec.unit,
                               neighbours=neighbours, centre=comp.england, centre_label=f"England {comp.year}",
                               denominator_label=f"Number of {spec.counts} (the denominator)", decimals=spec.decimals)
    return chart


def _position_words(position) -> str:
    text = str(position)
    if "99.8" in text and "above" in text:
        return "is well above England: beyond the 99.8% limit"
    if "99.8" in text and "below" in text:
        return "is well below England: beyond the 99.8% limit"
    if "above" in text:
        return "is above England: beyond the 95% limit"
    if "below" in text:
        return "is below England: beyond the 95% limit"
    return "is within the range expected by chance"


def _fmt(value, unit, symbol, decimals):
    return format_number_for_unit(value, unit, symbol, decimals=decimals)


def _comparison_title(spec, name, value, england, symbol):
    if symbol or value is None or math.isnan(value) or math.isnan(england):
        return f"{spec.label}: {name} against England, London and statistical neighbours"
    if abs(value - england) < 0.05 * max(abs(england), 1e-9):
        return f"{spec.label} in {name} is close to England"
    return f"{spec.label} in {name} is {'higher' if value > england else 'lower'} than England"
