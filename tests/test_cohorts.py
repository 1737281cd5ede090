"""Case tables for the cohorts defined once in safeguarding.cohorts (expected, edge, erroneous)."""

from __future__ import annotations

import pandas as pd
import pytest

from safeguarding.cohorts import collection_year_bounds, looked_after_during_year

D = pd.Timestamp


@pytest.mark.parametrize("decom, dec, counted, why", [
    ("2024-06-01", None, True, "started in the year, still looked after"),
    ("2020-01-01", None, True, "started years before, still looked after"),
    ("2020-01-01", "2024-04-01", True, "ended on the first day of the year"),
    ("2020-01-01", "2024-03-31", False, "ended the day before the year began"),
    ("2025-03-31", None, True, "started on the last day of the year"),
    ("2025-04-01", None, False, "started the day after the year ended"),
    ("2024-05-01", "2024-05-02", True, "a short episode inside the year"),
])
def test_looked_after_during_year(decom, dec, counted, why):
    eps = pd.DataFrame({"CHILD": ["A"], "DECOM": [D(decom)], "DEC": [D(dec) if dec else pd.NaT]})
    assert (len(looked_after_during_year(eps, 2025)) == 1) is counted, why


def test_looked_after_during_year_uses_that_years_return_and_counts_children_once():
    eps = pd.DataFrame({"CHILD": ["A", "A", "B"], "DECOM": [D("2024-05-01"), D("2024-09-01"), D("2024-05-01")],
                        "DEC": [D("2024-08-31"), pd.NaT, pd.NaT], "collection_year": [2025, 2025, 2024]})
    out = looked_after_during_year(eps, 2025)
    assert set(out["CHILD"]) == {"A"} and out["CHILD"].nunique() == 1


def test_collection_year_bounds():
    assert collection_year_bounds(2025) == (D("2024-04-01"), D("2025-03-31"))
