"""One Excel workbook per borough and period: every protected table of its briefings.

Analysts and performance teams want the figures behind the briefings in a spreadsheet. The
workbook is written from the borough's **protected** results only (the same tables every
briefing prints, after the one disclosure plan), so it can go wherever the briefings go: a
hidden figure is the symbol ``c`` here too, never a number. One sheet per theme, one row per
figure (tidy: measure, breakdown, group, period, number, out of, value, interval), and an
'About' sheet with the borough, the period, the symbols, the protective marking and the
sources.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from safeguarding.results.cells import is_unprotected

COLUMNS = ("Table", "Measure id", "Measure", "Breakdown", "Group", "Period", "Number", "Out of", "Value",
           "Lower 95%", "Upper 95%", "Unit")
UNIT_WORDS = {"count": "count", "percent": "%", "per_10k": "per 10,000 children", "per_100": "per 100",
              "ratio": "ratio", "hours": "hours", "days": "days", "per_child": "per child"}


def _cell(value, symbol: str, decimals: int | None):
    """A number as it should be written: the symbol where hidden, blank where not applicable."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return symbol or None
    return round(float(value), decimals) if decimals is not None else int(round(float(value)))


def theme_rows(theme: str, tables: dict[str, pd.DataFrame]) -> list[list]:
    """The rows of one theme's sheet, from its protected tables (refuses unprotected ones)."""
    from safeguarding.measures.registry import get
    rows = []
    for name, frame in tables.items():
        if frame is None or frame.empty:
            continue
        if is_unprotected(frame):
            raise RuntimeError(f"refusing to write unprotected results ({theme}: {name}) to a workbook")
        for r in frame.itertuples(index=False):
            try:
                spec = get(r.measure_id)
                label, unit, decimals, estimate = spec.label, spec.unit, spec.decimals, spec.estimate
            except KeyError:
                label, unit, decimals, estimate = r.measure_id, "", 1, False
            symbol = str(r.symbol or "")
            hidden = symbol == "c"
            # an estimate (children of each ethnic group from the Census) is a number, out of
            # the whole population, and its share
            count = unit == "count" and not estimate
            number = r.value if count else r.numerator
            rows.append([name, r.measure_id, label, r.breakdown, r.group, r.period,
                         symbol if hidden else _cell(number, symbol, None),
                         None if count else _cell(r.denominator, symbol, None if unit != "per_10k" else 0),
                         None if count else (symbol if hidden else _cell(r.value, symbol, decimals)),
                         None if count or hidden else _cell(r.lower, "", decimals),
                         None if count or hidden else _cell(r.upper, "", decimals),
                         "% of all children (estimate)" if estimate else UNIT_WORDS.get(unit, unit)])
    return rows


def write_workbook(results, path: Path, titles: dict[str, str], marking: str, threshold: int,
                   themes=None) -> Path:
    """Write ``results`` (a borough's :class:`~safeguarding.results.store.BoroughResults`: its
    ``protected`` tables by theme) to ``path`` (.xlsx), atomically. ``titles``: theme key ->
    sheet title; ``themes``: the themes to write (default every one computed)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from safeguarding.codes.lists import period_label
    wb = Workbook()
    about = wb.active
    about.title = "About"
    area = results.area
    for line in (
        [f"Safeguarding workbook: {area.name}, {period_label(results.period_end)}"], [marking],
        ["Every table of the borough's briefings for the period, after disclosure control: the same figures the "
         "briefings print."],
        [f"c = fewer than {threshold + 1}, or hidden so that another hidden figure cannot be worked out; blank = not "
         "applicable."],
        ["Rates per 10,000 divide by the ONS mid-year estimate of children aged 0 to 17 ('Out of')."],
        ["Published comparators are in the briefings. Source of published figures: Department for Education / Office "
         "for National Statistics, Open Government Licence v3.0."],
        ["Sheets: one per theme; one row per figure."],
    ):
        about.append(line)
    about["A1"].font = Font(bold=True, size=14)
    about.column_dimensions["A"].width = 110
    for theme, tables in results.protected.items():
        if theme in results.unavailable or (themes is not None and theme not in themes):
            continue
        rows = theme_rows(theme, tables)
        if not rows:
            continue
        ws = wb.create_sheet(titles.get(theme, theme)[:31])
        ws.append(list(COLUMNS))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(row)
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(rows) + 1}"
        for i, width in enumerate((16, 34, 44, 18, 30, 10, 10, 10, 10, 10, 10, 20), start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".xlsx.tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path
