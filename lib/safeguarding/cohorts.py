"""Cohorts defined once, used by every theme that counts them.

Each cohort has a case-table test (tests/test_cohorts.py). Theme-specific cohorts live
beside their measures and are imported, never redefined: care leavers in a collection year
(:func:`safeguarding.measures.care_leavers.care_leavers_in_year`) and the school year shown
for a period end (:func:`safeguarding.measures.exclusions.school_year`).
"""

from __future__ import annotations

import pandas as pd


def collection_year_bounds(collection_year: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """1 April to 31 March of an SSDA903 / CIN collection year named by its ending year."""
    return (pd.Timestamp(year=collection_year - 1, month=4, day=1),
            pd.Timestamp(year=collection_year, month=3, day=31))


def looked_after_during_year(episodes: pd.DataFrame, collection_year: int) -> pd.DataFrame:
    """SSDA903 episodes of children looked after at any time in the collection year.

    An episode counts when it started on or before 31 March and had not ended before 1 April
    (DEC blank or on/after 1 April); episodes of the return for that year only, where the
    table holds several years. A child is in the cohort when any of their episodes counts
    (``CHILD`` of the result, unique).
    """
    start, end = collection_year_bounds(collection_year)
    eps = episodes
    if "collection_year" in eps:
        eps = eps[eps["collection_year"] == collection_year]
    return eps[(eps["DECOM"] <= end) & (eps["DEC"].isna() | (eps["DEC"] >= start))]
