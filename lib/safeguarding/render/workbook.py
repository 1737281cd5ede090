"""One Excel workbook per borough and period with every protected results table: what the
briefings draw on, for the analyst who wants the figures in a spreadsheet.

Only protected tables go in (hidden figures blank, with the symbol 'c' beside them), the same
plan and the same audit as the briefings: the plan covers every count cell of every table,
so nothing here adds to what a reader of all the briefings could work out. The workbook is
refused (nothing written) if a small count would be visible anywhere, as a briefing is.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from safeguarding.measures import registry
from safeguarding.results.cells import small_counts_shown

#: The columns written, in order, with their headings.
COLUMNS = {"measure_id": "Measure id", "measure": "Measure", "breakdown": "Breakdown", "group": "Group",
           "period": "Period", "numerator": "Number", "denominator": "Out of", "value": "Value",
           "lower": "95% interval: lower", "upper": "95% interval: upper", "symbol": "Symbol"}
SHEET_CHARS = 31  # Excel's limit on a sheet name


def _label(measure_id: str) -> str:
    try:
        return registry.get(measure_id).label
    except KeyError:
        return measure_id


def _sheet_name(theme: str, table: str, used: set[str]) -> str:
    base = f"{theme}.{table}"[:SHEET_CHARS]
    name, n = base, 2
    while name.lower() in used:
        suffix = f"~{n}"
        name, n = base[:SHEET_CHARS - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def workbook_frames(results) -> dict[str, pd.DataFrame]:
    """The protected tables of a borough's results, one frame per sheet, in the written layout.

    Raises
    ------
    RuntimeError
        A small count would be visible (nothing is written then).
    """
    estimates = {s.id for s in registry.all_measures() if s.estimate}
    problems = []
    sheets: dict[str, pd.DataFrame] = {}
    used: set[str] = {"about"}
    for theme, tables in results.protected.items():
        if theme in results.unavailable:
            continue
        problems += small_counts_shown(tables, results.threshold, estimates)
        for name, frame in tables.items():
            out = frame.assign(measure=frame["measure_id"].map(_label))
            out = out[[c for c in COLUMNS if c in out.columns]].rename(columns=COLUMNS)
            sheets[_sheet_name(theme, name, used)] = out
    if problems:
        raise RuntimeError("Disclosure check failed, no workbook written: " + "; ".join(problems))
    return sheets


def write_workbook(results, path: Path) -> Path:
    """Write the borough's workbook to ``path`` (via a temporary file and an atomic rename)."""
    from safeguarding.codes.lists import period_label
    sheets = workbook_frames(results)
    about = pd.DataFrame({"": [
        f"{results.area.name}, {period_label(results.period_end)}: every protected table behind the briefings.",
        f"Symbol c: hidden to protect privacy (a count from 1 to {results.threshold}, or hidden so that another figure "
        "cannot be worked out); x: not available. Hidden figures are blank.",
        "The same disclosure plan as the briefings covers every table here.",
        "Sheets are named theme.table; 'Measure id' matches the ids the notebooks and briefings name.",
        "Published statistics: Department for Education and Office for National Statistics, Open Government Licence "
        "v3.0.",
    ]})
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp.xlsx")
    os.close(fd)
    try:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            about.to_excel(writer, sheet_name="About", index=False, header=False)
            for name, frame in sheets.items():
                frame.to_excel(writer, sheet_name=name, index=False, freeze_panes=(1, 0))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
