"""The per-borough Excel workbook is written from protected results only."""

from __future__ import annotations

import pandas as pd
import pytest

from safeguarding.results.cells import unprotected
from safeguarding.render.workbook import theme_rows


def _frame():
    return pd.DataFrame({
        "measure_id": ["looked_after.cla_31mar", "looked_after.uasc_pct", "looked_after.uasc_pct"],
        "breakdown": ["all", "all", "all"], "group": ["All", "All", "All"], "period": "2024-25",
        "numerator": [263.0, float("nan"), 55.0], "denominator": [float("nan"), 263.0, 263.0],
        "value": [263.0, float("nan"), 20.912], "lower": [float("nan"), float("nan"), 16.4],
        "upper": [float("nan"), float("nan"), 26.2], "symbol": ["", "c", ""]})


def test_rows_write_hidden_figures_as_c_and_round_as_the_measure_does():
    rows = theme_rows("looked_after", {"stock_and_flows": _frame()})
    count, hidden, shown = rows
    assert count[6] == 263 and count[7] is None and count[8] is None  # a count: no 'out of', no value
    assert hidden[6] == "c" and hidden[8] == "c" and hidden[9] is None  # no interval for a hidden figure
    assert shown[6:11] == [55, 263, 20.9, 16.4, 26.2] and shown[11] == "%"


def test_unprotected_results_are_refused():
    with pytest.raises(RuntimeError, match="unprotected"):
        theme_rows("looked_after", {"stock_and_flows": unprotected(_frame())})
