"""What the CIN census themes (front door, child protection) share, defined once: working days,
the child population their rates divide by, the check that the period is held, shares of a
total, and how their counts sit against the disproportionality theme's counts of children."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from safeguarding.codes.lists import CIN_SEX, collection_year, period_label
from safeguarding.derive import age_at, age_band
from safeguarding.issues import InputError
from safeguarding.measures.results import percent_result
from safeguarding.results.relations import cell_key, split_key

UNBORN = "Unborn"
NOT_RECORDED = "Not recorded"
#: The disproportionality theme's sex slices of all children, and this theme's sex groups.
DISPRO_SEX = {"All children, F": "Female", "All children, M": "Male", "All children, U": "Unknown or not recorded"}


@cache
def _bank_holidays(first: int, last: int) -> tuple[np.datetime64, ...]:
    import holidays
    days = holidays.country_holidays("GB", subdiv="ENG", years=range(first, last + 1))
    return tuple(np.datetime64(d, "D") for d in sorted(days))


def working_days_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """Working days from ``start`` to ``end`` (Monday to Friday, England's bank holidays left
    out; the start day is not counted, the end day is): Friday to the next Monday is 1. NA where
    either date is missing or the end is before the start."""
    start, end = pd.to_datetime(start), pd.to_datetime(end)
    ok = start.notna() & end.notna() & (end >= start)
    out = pd.Series(pd.NA, index=start.index, dtype="Int64")
    if ok.any():
        s = start[ok].to_numpy().astype("datetime64[D]")
        e = end[ok].to_numpy().astype("datetime64[D]")
        years = pd.DatetimeIndex(np.concatenate([s, e])).year
        hol = list(_bank_holidays(int(years.min()), int(years.max())))
        out[ok] = np.busday_count(s + 1, e + 1, holidays=hol)
    return out


def year_and_population(ctx, table: str, what: str, source: str = "CIN census") -> tuple[int, float | None, str | None]:
    """The collection year of the period (refused when ``table`` holds none of it), and the ONS
    estimate of children aged 0 to 17 the rates divide by (with the reason when there is none)."""
    from safeguarding.published.population import child_population
    year = collection_year(ctx.period_end)
    frame = ctx.tables[table]
    if "collection_year" in frame and not (frame["collection_year"] == year).any():
        held = ", ".join(str(y) for y in sorted(frame["collection_year"].dropna().unique()))
        raise InputError(f"The {source} {what} hold no rows for collection year {year} "
                         f"({period_label(ctx.period_end)}); they hold {held or 'no years'}. Check period_end.")
    try:
        return year, float(child_population(ctx.area, year - 1, ctx.published_dir)), None
    except InputError as exc:
        return year, None, str(exc)


def shares(measure_id: str, area: str, breakdown: str, labels: pd.Series, order, period: str) -> pd.DataFrame:
    """Percentages of all ``labels`` in each group: every group of ``order`` (0 where none), then
    any other label found (e.g. 'Not recorded'), each out of the whole."""
    counts = labels.value_counts()
    groups = list(order) + sorted(set(counts.index) - set(order))
    return percent_result(measure_id, area, breakdown, groups, [int(counts.get(g, 0)) for g in groups],
                          [len(labels)] * len(groups), period)


def age_and_sex(events: pd.DataFrame, date: str, children: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """For each event (a referral, a plan), the child's age band on its ``date`` ('Unborn' when
    the event came before birth) and sex, from the CIN census children ('Not recorded' where
    the child or the field is missing). Aligned with ``events``."""
    who = events[["LAchildID", date]].merge(
        children[["LAchildID", "PersonBirthDate", "Sex"]].drop_duplicates("LAchildID"), on="LAchildID", how="left")
    dob = pd.to_datetime(who["PersonBirthDate"])
    band = age_band(age_at(dob, who[date])).astype(object)
    band[dob > who[date]] = UNBORN
    sex = who["Sex"].map(lambda c: CIN_SEX.label(c) if isinstance(c, str) else NOT_RECORDED)
    return band.fillna(NOT_RECORDED).set_axis(events.index), sex.set_axis(events.index)


def children_within(keys: set[str], dispro_concept: str, ours: str, by_sex: bool = True) -> list[tuple[list[str], str]]:
    """The disproportionality theme counts *children* (referred, with an enquiry, starting a plan),
    in total and by sex; the CIN themes count referrals, enquiries and plans. Each child has at
    least one, so the children are at most ours, group by group."""
    out = []
    for key in keys:
        concept, breakdown, group, period = split_key(key)
        if concept != dispro_concept:
            continue
        if breakdown == "all":
            total = cell_key(ours, "all", "All", period)
        elif by_sex and breakdown == "all by sex" and group in DISPRO_SEX:
            total = cell_key(ours, "sex", DISPRO_SEX[group], period)
        else:
            continue
        if total in keys:
            out.append(([key], total))
    return out
