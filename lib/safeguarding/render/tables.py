"""Accessible HTML tables from tidy results.

A table is a specification (which columns, their labels and units) applied to a numeric
frame at render time. The output is a real ``<table>`` with a ``<caption>``, a
``<thead>`` of ``<th scope="col">``, a row header per row, right-aligned numbers, the
official symbol in place of any hidden number, and a footnote that explains the
symbols used.

Disclosure: in a row whose ``symbol`` is set, every column listed in ``symbol_columns``
(numerator, value, lower, upper and the interval by default) shows the symbol, whatever
number the frame holds. Any other missing number shows the row's symbol, or 'x'.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import pandas as pd

from safeguarding.config import CONFIDENCE_LEVEL, DEFAULT_SUPPRESSION_THRESHOLD
from safeguarding.render.blocks import HtmlBlock
from safeguarding.render.formats import (
    MISSING_SYMBOL,
    UNITS,
    clean_symbol,
    format_interval,
    format_number_for_unit,
    is_missing,
    is_missing_text,
    resolve_unit,
    symbol_legend,
    unit_label,
)

#: Columns that show the row's symbol instead of their number when the row has one.
DEFAULT_SYMBOL_COLUMNS = ("numerator", "value", "lower", "upper", "interval")
#: Pseudo-column built from ``lower`` and ``upper``.
INTERVAL_COLUMN = "interval"

#: A table longer than this is a detail table unless the caller says otherwise: folded
#: behind its caption on screen, one line on paper, and downloadable as CSV (see
#: :func:`html_table`'s ``detail``).
DETAIL_ROWS = 15

#: Numbers are right-aligned by the stylesheet and, for the notebook view, inline.
_NUM_ATTRS = ' class="num" style="text-align:right"'


def _cell_units(frame: pd.DataFrame, columns: Mapping[str, str],
                units: Mapping[str, str] | None) -> dict[str, str | None]:
    """Unit for every requested column (None for text)."""
    given = {key: resolve_unit(value) for key, value in (units or {}).items()}
    value_unit = given.get("value", "number")
    out: dict[str, str | None] = {}
    for column in columns:
        if column in given:
            out[column] = given[column]
        elif column in {"numerator", "denominator"}:
            out[column] = "count"
        elif column in {"value", "lower", "upper", INTERVAL_COLUMN}:
            out[column] = value_unit
        elif column in frame.columns and pd.api.types.is_bool_dtype(frame[column]):
            out[column] = None
        elif column in frame.columns and pd.api.types.is_numeric_dtype(frame[column]):
            out[column] = "count" if pd.api.types.is_integer_dtype(frame[column]) else "number"
        else:
            out[column] = None
    return out


def _decimals_for(column: str, decimals: int | Mapping[str, int] | None) -> int | None:
    if decimals is None:
        return None
    if isinstance(decimals, Mapping):
        if column in decimals:
            return decimals[column]
        if column in {"lower", "upper", INTERVAL_COLUMN}:
            return decimals.get("value")
        return None
    if column in {"numerator", "denominator"}:
        return None  # counts are whole numbers whatever the measure's decimals
    return int(decimals)


def _format_cell(row: pd.Series, column: str, unit: str | None, places: int | None,
                 row_symbol: str | None, symbol_columns: Sequence[str]) -> str:
    if unit is None:
        value = row.get(column)
        return "" if is_missing_text(value) else str(value)
    if row_symbol is not None and column in symbol_columns:
        return row_symbol
    if column == INTERVAL_COLUMN:
        lower, upper = row.get("lower"), row.get("upper")
        if is_missing(lower) or is_missing(upper):
            return row_symbol or MISSING_SYMBOL
        places = _unit_decimals(unit) if places is None else places
        return format_interval(lower, upper, None, decimals=places, unit=unit)
    value = row.get(column)
    if is_missing(value):
        return row_symbol or MISSING_SYMBOL
    return format_number_for_unit(value, unit, None, places, with_unit=False)


def _unit_decimals(unit: str) -> int:
    return UNITS[resolve_unit(unit)].decimals


def html_table(
    frame: pd.DataFrame,
    columns: Mapping[str, str],
    *,
    caption: str,
    units: Mapping[str, str] | None = None,
    decimals: int | Mapping[str, int] | None = None,
    note: str | None = None,
    source: str | None = None,
    symbol_column: str = "symbol",
    symbol_columns: Sequence[str] = DEFAULT_SYMBOL_COLUMNS,
    row_header: bool = True,
    threshold: int = DEFAULT_SUPPRESSION_THRESHOLD,
    counts: str = "children",
    detail: bool | None = None,
    wide: bool = False,
) -> HtmlBlock:
    """An accessible HTML table of selected columns of ``frame``.

    Parameters
    ----------
    frame
        Tidy rows, e.g. a MeasureResult. Not modified.
    columns
        Column name -> heading, in display order. ``"interval"`` is a pseudo-column built
        from ``lower`` and ``upper`` ('55.2 to 74.1'). Put the unit in the heading
        ('Rate per 10,000'): cells show bare numbers (percentages keep their '%').
    caption
        What the table shows; required (it is the table's accessible name).
    units
        Column -> unit (see :mod:`safeguarding.render.formats`). ``numerator`` and
        ``denominator`` default to 'count'; ``lower``, ``upper`` and ``interval`` follow
        ``value``; other numeric columns are counts (integers) or plain numbers.
    decimals
        One number for every non-count column, or column -> places. Default: the unit's.
    note, source
        Footnote and source line printed under the table.
    symbol_column
        Column holding the official symbol of each row (skipped when absent).
    symbol_columns
        Columns that show the row's symbol instead of their number.
    row_header
        Mark the first column's cells as row headers (``<th scope="row">``).
    threshold, counts
        Used in the symbol legend: 'c = fewer than {threshold + 1} {counts}, ...'.
    detail
        A long detail table: inside ``<details>`` (the caption is the summary; folded on
        screen, one line on paper, so a briefing prints short) with a link to download the
        cells exactly as shown, symbols and all, as CSV. None (default): a table of more
        than :data:`DETAIL_ROWS` rows is a detail table.
    wide
        A table of many columns: on a wide screen it may use more than the text's width
        (centred on the page), so that a laptop shows every column without scrolling.

    Returns
    -------
    HtmlBlock
        Displays as the table in a notebook and in the briefing.
    """
    if not caption or not str(caption).strip():
        raise ValueError("A table needs a caption saying what it shows")
    if frame.attrs.get("unprotected"):
        raise RuntimeError(f"refusing to render unprotected results in a table ({caption!r}): use protected results")
    if not columns:
        raise ValueError("A table needs at least one column")
    for column in columns:
        if column == INTERVAL_COLUMN:
            missing = {"lower", "upper"} - set(frame.columns)
            if missing:
                raise ValueError(f"The 'interval' column needs {sorted(missing)} in the frame")
        elif column not in frame.columns:
            raise ValueError(f"Column {column!r} is not in the frame; it has {list(frame.columns)}")

    cell_units = _cell_units(frame, columns, units)
    has_symbols = symbol_column in frame.columns
    used_symbols: set[str] = set()

    head_cells = [f'<th scope="col"{_NUM_ATTRS if cell_units[c] else ""}>{html.escape(str(label))}</th>'
                  for c, label in columns.items()]
    shown_rows = []
    for _, row in frame.iterrows():
        row_symbol = clean_symbol(row.get(symbol_column)) if has_symbols else None
        texts = []
        for column in columns:
            unit = cell_units[column]
            places = _decimals_for(column, decimals)
            # A cell's own places (a figure DfE published in whole numbers beside the borough's
            # own to one place) in a '<column>_decimals' column.
            own_places = row.get(f"{column}_decimals")
            if own_places is not None and not is_missing(own_places):
                places = int(own_places)
            # A wide table can carry one symbol per cell in a '<column>_symbol' column.
            cell_symbol_col = f"{column}_symbol"
            if cell_symbol_col in frame.columns:
                text = _format_cell(row, column, unit, places, clean_symbol(row.get(cell_symbol_col)), (column,))
            else:
                text = _format_cell(row, column, unit, places, row_symbol, symbol_columns)
            if unit is not None and text in {"c", "z", "x", "low"}:
                used_symbols.add(text)
            texts.append(text)
        shown_rows.append(texts)
    head, body = _head_and_body(head_cells, shown_rows, [cell_units[c] for c in columns], row_header)

    notes = []
    legend = symbol_legend(used_symbols, threshold=threshold, counts=counts)
    if legend:
        notes.append(f'<p class="table-note">{html.escape(legend)}</p>')
    if note:
        notes.append(f'<p class="table-note">{html.escape(str(note))}</p>')
    if source:
        notes.append(f'<p class="table-note">Source: {html.escape(str(source))}</p>')

    table = (
        # a named, keyboard-focusable region, so a table wider than a narrow screen can be
        # scrolled sideways without a mouse (WCAG 2.1.1; axe 'scrollable-region-focusable')
        f'<div class="table-wrap" role="region" tabindex="0" aria-label="{html.escape(str(caption))}"><table>'
        f"<caption>{html.escape(str(caption))}</caption>"
        f"<thead><tr>{head}</tr></thead>"
        f"{body}"
        "</table></div>"
    )
    if detail is None:
        detail = len(frame) > DETAIL_ROWS
    link = _csv_link(list(columns.values()), shown_rows, str(caption))  # every table, as shown
    if not detail:
        return HtmlBlock(f'<div class="briefing-table{" wide" if wide else ""}">{table}{"".join(notes)}{link}</div>')
    summary = (f"<summary>Table: {html.escape(str(caption))} ({len(frame):,} rows; select to show, or "
               "download)</summary>")
    return HtmlBlock(f'<details class="briefing-table detail-table">{summary}{table}{"".join(notes)}{link}</details>')


def row_groups(first_column: list[str]) -> list[int]:
    """For each row, how many rows its group spans if it starts one (0 if it continues one):
    runs of the same first-column text, in order."""
    spans = [0] * len(first_column)
    start = 0
    for i in range(1, len(first_column) + 1):
        if i == len(first_column) or first_column[i] != first_column[start]:
            spans[start] = i - start
            start = i
    return spans


def _head_and_body(head_cells: list[str], rows: list[list[str]], units: list[str | None],
                   row_header: bool) -> tuple[str, str]:
    """The header row's cells and the ``<tbody>`` part(s) of a table.

    Where the first column repeats in consecutive rows and the second is text, the rows are
    grouped: each group is its own ``<tbody>`` headed by a row with the group's name
    (``<th scope="rowgroup">`` across the table, said once), and the second column is each
    row's header, so a screen reader names both for every number ('Missing from care,
    2023-24: 617'). The first column then has no column of its own: the table is narrower."""
    spans = row_groups([r[0] for r in rows])
    grouped = row_header and len(units) > 2 and units[0] is None and units[1] is None and max(spans, default=0) > 1
    if not grouped:
        return "".join(head_cells), "<tbody>" + "".join(_row(texts, units, 0 if row_header else -1)
                                                         for texts in rows) + "</tbody>"
    body = []
    for i, texts in enumerate(rows):
        if spans[i]:
            if body:
                body.append("</tbody>")
            body.append(f'<tbody><tr class="group"><th scope="rowgroup" colspan="{len(units) - 1}">'
                        f"<span>{html.escape(texts[0])}</span></th></tr>")
        body.append(_row(texts[1:], units[1:], 0))
    return "".join(head_cells[1:]), "".join(body) + "</tbody>"


def _row(texts: list[str], units: list[str | None], header_at: int) -> str:
    cells = []
    for position, (text, unit) in enumerate(zip(texts, units)):
        escaped = html.escape(text)
        if position == header_at:
            cells.append(f'<th scope="row"{_NUM_ATTRS if unit else ""}>{escaped}</th>')
        elif unit is not None:
            cells.append(f"<td{_NUM_ATTRS}>{escaped}</td>")
        else:
            cells.append(f"<td>{escaped}</td>")
    return "<tr>" + "".join(cells) + "</tr>"


def _csv_link(header: list[str], rows: list[list[str]], caption: str) -> str:
    """A link that downloads the table's cells exactly as shown (symbols included) as CSV."""
    import csv
    import io
    import re
    from urllib.parse import quote
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([caption])
    writer.writerow(header)
    writer.writerows(rows)
    name = re.sub(r"[^a-z0-9]+", "-", caption.lower()).strip("-")[:60] or "table"
    return (f'<p class="table-note download"><a download="{name}.csv" '
            f'href="data:text/csv;charset=utf-8,{quote(buffer.getvalue())}">Download this table as CSV '
            f"({len(rows):,} rows)</a></p>")


def measure_table(
    frame: pd.DataFrame,
    unit: str,
    *,
    caption: str,
    group_label: str = "Group",
    numerator_label: str = "Number",
    denominator_label: str = "Out of",
    value_label: str | None = None,
    decimals: int | None = None,
    show_counts: bool = True,
    show_interval: bool = True,
    confidence_level: float = CONFIDENCE_LEVEL,
    note: str | None = None,
    source: str | None = None,
    threshold: int = DEFAULT_SUPPRESSION_THRESHOLD,
    counts: str = "children",
) -> HtmlBlock:
    """The standard table of a MeasureResult: group, number, out of, value, interval.

    A convenience over :func:`html_table` with the usual headings; ``unit`` and
    ``decimals`` normally come from the measure's registry entry. The interval column is
    left out when ``show_interval`` is False or the frame has no interval at all.
    """
    columns: dict[str, str] = {"group": group_label}
    if show_counts and "numerator" in frame.columns:
        columns["numerator"] = numerator_label
    if show_counts and "denominator" in frame.columns and frame["denominator"].notna().any():
        columns["denominator"] = denominator_label
    columns["value"] = value_label or unit_label(unit)
    has_interval = {"lower", "upper"} <= set(frame.columns) and frame["lower"].notna().any()
    if show_interval and has_interval:
        columns[INTERVAL_COLUMN] = f"{confidence_level:.0%} confidence interval"
    return html_table(
        frame,
        columns,
        caption=caption,
        units={"value": unit},
        decimals=None if decimals is None else {"value": decimals},
        note=note,
        source=source,
        threshold=threshold,
        counts=counts,
    )
