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


#: Legal statuses of an agreed series of short-term breaks: DfE leaves these children out of
#: every count of children looked after (starts, ceased, at 31 March).
SHORT_BREAKS = ("V3", "V4")


def care_episodes(episodes: pd.DataFrame, collection_year: int) -> pd.DataFrame:
    """The SSDA903 episodes of one collection year's return (where the table holds several),
    without episodes under a series of short-term breaks (legal status V3 or V4)."""
    eps = episodes
    if "collection_year" in eps:
        eps = eps[eps["collection_year"] == collection_year]
    return eps[~eps["LS"].isin(SHORT_BREAKS)] if "LS" in eps else eps


def looked_after_on(episodes: pd.DataFrame, day) -> pd.DataFrame:
    """The episode of each child looked after on ``day``: started on or before it and not ended
    before the end of it (an episode ending on ``day`` is not open: DfE counts a child who
    ceased on 31 March as ceased, not as looked after at 31 March). One row per child (the
    latest such episode)."""
    day = pd.Timestamp(day)
    open_ = episodes[(episodes["DECOM"] <= day) & (episodes["DEC"].isna() | (episodes["DEC"] > day))]
    return open_.sort_values(["CHILD", "DECOM"], kind="stable").drop_duplicates("CHILD", keep="last")
