"""Generic views: a protected result and its measure spec -> sentence-free table, chart and alt text.

An analyst in JupyterLab can show any measure by id (``b.show("missing.children_by_group",
view="bar")``) without writing layout code. Views never compute a measure and refuse
unprotected results.
"""

from __future__ import annotations

import pandas as pd

from safeguarding.measures.registry import MeasureSpec
from safeguarding.render import charts
from safeguarding.render.blocks import HtmlBlock, join_blocks
from safeguarding.render.formats import format_number_for_unit
from safeguarding.render.tables import measure_table
from safeguarding.results.cells import is_unprotected

VIEWS = ("table", "bar", "trend")


def _alt(frame: pd.DataFrame, spec: MeasureSpec, what: str) -> str:
    parts = [f"{g}: {format_number_for_unit(v, spec.unit, s or None, spec.decimals)}"
             for g, v, s in zip(frame["group"], frame["value"], frame["symbol"].fillna(""))]
    return f"{what} of {spec.label.lower()}: " + "; ".join(parts[:20]) + ("; see the table for the rest" if len(parts) > 20 else "")


def render_view(frame: pd.DataFrame, spec: MeasureSpec, view: str = "table", *, threshold: int, counts: str,
                caption: str | None = None) -> HtmlBlock:
    if is_unprotected(frame):
        raise RuntimeError(f"refusing to render unprotected results for {spec.id}: use b.result(id) (protected) "
                           "or b.show(id)")
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; views: {', '.join(VIEWS)}")
    periods = list(dict.fromkeys(frame["period"]))
    latest = frame[frame["period"] == periods[-1]] if periods else frame
    caption = caption or f"{spec.label}" + (f", {periods[-1]}" if periods and view != "trend" else "")
    table = measure_table(latest if view != "trend" else frame.assign(group=frame["group"] + ", " + frame["period"]),
                          spec.unit, caption=caption, decimals=spec.decimals, threshold=threshold, counts=counts)
    if view == "table":
        return table
    if view == "bar":
        chart = charts.bar_chart_with_intervals(
            list(latest["group"]), list(latest["value"]), list(latest["lower"]), list(latest["upper"]),
            symbols=list(latest["symbol"].fillna("")), unit=spec.unit, title=caption, value_label=spec.label,
            threshold=threshold, counts=counts, alt=_alt(latest, spec, "Bar chart"))
        return join_blocks(chart, table)
    series, symbols = {}, {}
    for group, sub in frame.groupby("group", sort=False):
        sub = sub.set_index("period").reindex(periods)
        series[str(group)] = list(sub["value"])
        symbols[str(group)] = list(sub["symbol"].fillna(""))
    chart = charts.trend_chart(periods, series, symbols=symbols, unit=spec.unit, value_label=spec.label,
                               title=f"{spec.label}, {periods[0]} to {periods[-1]}", threshold=threshold, counts=counts,
                               alt=f"Line chart of {spec.label.lower()} by year, {periods[0]} to {periods[-1]}, for "
                                   f"{', '.join(series)}; the figures are in the table below.")
    return join_blocks(chart, table)
