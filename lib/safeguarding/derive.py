"""Derived fields, each defined once and tested against a case table.

All functions are vectorised over pandas Series, never mutate their inputs, and return
NA (not an error) where an input is missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from safeguarding.codes import each_distinct, ethnicity
from safeguarding.codes import lists as cl

#: Age bands. ``dfe`` follows DfE children looked after tables; ``missing`` groups the ages at
#: which children most often go missing.
AGE_BANDS = {
    "dfe": ((0, 0, "Under 1"), (1, 4, "1 to 4"), (5, 9, "5 to 9"), (10, 15, "10 to 15"), (16, 17, "16 to 17")),
    "missing": ((0, 9, "Under 10"), (10, 12, "10 to 12"), (13, 15, "13 to 15"), (16, 17, "16 to 17")),
    "care_leaver": ((17, 18, "17-18"), (19, 21, "19-21")),
}


def age_at(dob: pd.Series, at) -> pd.Series:
    """Age in whole years on the date(s) ``at`` (a date or a Series of dates).

    A child born on 29 February is one year older on 1 March in non-leap years.
    Negative ages (date before birth) are returned as NA, never as -1.
    """
    dob = pd.to_datetime(pd.Series(dob), errors="coerce")
    at_series = pd.Series(pd.to_datetime(at), index=dob.index) if not isinstance(at, pd.Series) else pd.to_datetime(at)
    years = at_series.dt.year - dob.dt.year
    before_birthday = (at_series.dt.month < dob.dt.month) | (
        (at_series.dt.month == dob.dt.month) & (at_series.dt.day < dob.dt.day))
    age = (years - before_birthday.astype("Int64")).astype("Int64")
    return age.mask(age < 0)


def age_band(age: pd.Series, scheme: str = "dfe") -> pd.Series:
    """Band for each age under ``scheme`` (see :data:`AGE_BANDS`); NA outside every band.

    Ages are completed years: a fractional age (4.5) is floored before banding, so it
    falls in the band of its whole years rather than between two bands.
    """
    bands = AGE_BANDS[scheme]
    age = np.floor(pd.Series(age).astype("Float64"))
    out = pd.Series(pd.NA, index=age.index, dtype="object")
    for low, high, label in bands:
        out[(age >= low) & (age <= high)] = label
    return out


def band_order(scheme: str = "dfe") -> list[str]:
    return [label for _, _, label in AGE_BANDS[scheme]]


def care_leaver_age_band(dob: pd.Series, collection_year: int) -> pd.Series:
    """'17-18' or '19-21' by the age reached on the birthday in the collection year
    (i.e. age on 31 March of that year); NA for other ages."""
    age = age_at(dob, pd.Timestamp(year=collection_year, month=3, day=31))
    return age_band(age, "care_leaver")


def ethnic_groups(codes: pd.Series) -> pd.DataFrame:
    """Minor and major ethnic group for each DfE ethnicity code."""
    codes = pd.Series(codes)
    return pd.DataFrame({"ethnic_minor": each_distinct(ethnicity.minor_group, codes.to_numpy(dtype=object)),
                         "ethnic_major": each_distinct(ethnicity.major_group, codes.to_numpy(dtype=object))},
                        index=codes.index)


def duration_days(start: pd.Series, end: pd.Series, open_until=None) -> pd.Series:
    """Whole days from start to end; open episodes (no end) run to ``open_until`` when given.
    Negative durations (end before start) are NA."""
    end = pd.to_datetime(end)
    if open_until is not None:
        end = end.fillna(pd.Timestamp(open_until))
    days = (end - pd.to_datetime(start)).dt.days.astype("Int64")
    return days.mask(days < 0)


def duration_hours(start: pd.Series, end: pd.Series) -> pd.Series:
    """Hours from start to end (float); NA when either is missing or end precedes start."""
    hours = (pd.to_datetime(end) - pd.to_datetime(start)).dt.total_seconds() / 3600
    return hours.mask(hours < 0).astype("Float64")


def within_hours(start: pd.Series, event: pd.Series, hours: float = 72) -> pd.Series:
    """True when ``event`` happened no later than ``hours`` after ``start``; False when later
    or never (NA event); NA when ``start`` is unknown. Events before ``start`` count as False
    (they are a data-quality problem, reported separately)."""
    gap = duration_hours(start, event)
    result = (gap <= hours).astype("boolean").fillna(False)
    return result.mask(pd.to_datetime(start).isna())


def activity_group(activ: pd.Series) -> pd.Series:
    """EET / NEET / Not known for SSDA903 OC3 ACTIV codes."""
    groups = {c.code: c.group for c in cl.ACTIV.codes}
    return pd.Series(activ).map(groups).fillna("Not known").astype("object")


def accommodation_suitability(accom: pd.Series) -> pd.Series:
    """Suitable / Not suitable / Not known for SSDA903 OC3 ACCOM codes."""
    groups = {c.code: c.group for c in cl.ACCOM.codes}
    return pd.Series(accom).map(groups).fillna("Not known").astype("object")


def financial_year(dates: pd.Series) -> pd.Series:
    """Financial year (April to March) named by its ending year: 2024-06-01 -> 2025."""
    dates = pd.to_datetime(pd.Series(dates))
    return (dates.dt.year + (dates.dt.month >= 4).astype(int)).astype("Int64")


def academic_year(dates: pd.Series) -> pd.Series:
    """Academic year (September to August) named by its ending year: 2023-10-01 -> 2024."""
    dates = pd.to_datetime(pd.Series(dates))
    return (dates.dt.year + (dates.dt.month >= 9).astype(int)).astype("Int64")
