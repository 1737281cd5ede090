"""Derived fields: one case table per function in ``safeguarding.derive`` (expected values,
edges, and erroneous inputs that must give NA rather than a wrong number)."""

from __future__ import annotations

import pandas as pd
import pytest

from safeguarding import derive

T = pd.Timestamp
NA = pd.NA


def _s(values, dtype="datetime64[ns]"):
    return pd.Series([pd.NaT if v is None and dtype.startswith("datetime") else v for v in values], dtype=dtype)


def _same(got, want) -> bool:
    if want is None or want is NA:
        return pd.isna(got)
    return not pd.isna(got) and got == want


# --- age_at -------------------------------------------------------------------------

AGE_CASES = [
    # dob, on, expected age, why
    ("2010-05-01", "2020-05-01", 10, "birthday today"),
    ("2010-05-01", "2020-04-30", 9, "day before the birthday"),
    ("2010-05-01", "2020-05-02", 10, "day after"),
    ("2010-05-01", "2010-05-01", 0, "born today"),
    ("2010-12-31", "2011-01-01", 0, "one day old across a year end"),
    ("2012-02-29", "2013-02-28", 0, "29 Feb: not yet 1 on 28 Feb of a common year"),
    ("2012-02-29", "2013-03-01", 1, "29 Feb: 1 on 1 March of a common year"),
    ("2012-02-29", "2016-02-29", 4, "29 Feb: birthday in a leap year"),
    ("2012-02-29", "2016-02-28", 3, "29 Feb: day before, leap year"),
    ("2010-05-01", "2010-04-30", None, "date before birth: NA, never -1"),
    ("2010-05-01", "2000-01-01", None, "long before birth"),
    (None, "2020-05-01", None, "blank date of birth"),
    ("2010-05-01", None, None, "blank reference date"),
]


@pytest.mark.parametrize(("dob", "on", "expected", "why"), AGE_CASES, ids=[c[3] for c in AGE_CASES])
def test_age_at_case_table(dob, on, expected, why):
    got = derive.age_at(_s([dob]), _s([on]))
    assert str(got.dtype) == "Int64"
    assert _same(got.iat[0], expected), why


def test_age_at_scalar_reference_date_and_index():
    dob = pd.Series([T("2010-05-01"), T("2015-03-31"), pd.NaT], index=[10, 11, 12])
    got = derive.age_at(dob, "2025-03-31")
    assert got.index.tolist() == [10, 11, 12]
    assert got.tolist()[:2] == [14, 10] and pd.isna(got.iat[2])
    assert dob.tolist()[0] == T("2010-05-01")  # input not mutated


# --- age_band -----------------------------------------------------------------------

BAND_CASES = {
    "dfe": {-1: None, 0: "Under 1", 1: "1 to 4", 4: "1 to 4", 5: "5 to 9", 9: "5 to 9", 10: "10 to 15",
            12: "10 to 15", 13: "10 to 15", 15: "10 to 15", 16: "16 to 17", 17: "16 to 17", 18: None, None: None},
    "missing": {-1: None, 0: "Under 10", 1: "Under 10", 4: "Under 10", 5: "Under 10", 9: "Under 10",
                10: "10 to 12", 12: "10 to 12", 13: "13 to 15", 15: "13 to 15", 16: "16 to 17", 17: "16 to 17",
                18: None, None: None},
    "care_leaver": {-1: None, 0: None, 16: None, 17: "17-18", 18: "17-18", 19: "19-21", 21: "19-21", 22: None,
                    None: None},
}


@pytest.mark.parametrize("scheme", sorted(BAND_CASES))
def test_age_band_boundaries(scheme):
    cases = BAND_CASES[scheme]
    ages = pd.Series(list(cases), dtype="Int64")
    got = derive.age_band(ages, scheme)
    for age, want, band in zip(cases, cases.values(), got):
        assert _same(band, want), (scheme, age, band, want)
    assert got.dtype == object


def test_age_band_order_and_fractional_ages():
    assert derive.band_order("dfe") == ["Under 1", "1 to 4", "5 to 9", "10 to 15", "16 to 17"]
    assert derive.band_order("missing") == ["Under 10", "10 to 12", "13 to 15", "16 to 17"]
    # a fractional age is in the band of its completed years, never between two bands
    assert derive.age_band(pd.Series([4.5, 9.99, 17.9, -0.5])).tolist()[:3] == ["1 to 4", "5 to 9", "16 to 17"]
    assert pd.isna(derive.age_band(pd.Series([-0.5])).iat[0])
    with pytest.raises(KeyError):
        derive.age_band(pd.Series([1]), "no such scheme")


# --- care_leaver_age_band -----------------------------------------------------------

CARE_LEAVER = {15: None, 16: None, 17: "17-18", 18: "17-18", 19: "19-21", 20: "19-21", 21: "19-21", 22: None}


@pytest.mark.parametrize(("age_on_31_march", "expected"), [(a, CARE_LEAVER[a]) for a in (16, 17, 18, 19, 20, 21, 22)])
def test_care_leaver_age_band(age_on_31_march, expected):
    year = 2025
    on_birthday = T(year=year - age_on_31_march, month=3, day=31)       # just reached that age on 31 March
    day_after = T(year=year - age_on_31_march, month=4, day=1)          # one year younger on 31 March
    got = derive.care_leaver_age_band(pd.Series([on_birthday, day_after, pd.NaT]), year)
    assert _same(got.iat[0], expected)
    assert _same(got.iat[1], CARE_LEAVER[age_on_31_march - 1])
    assert pd.isna(got.iat[2])


# --- durations ----------------------------------------------------------------------

DAY_CASES = [
    ("2024-01-01", "2024-01-01", None, 0, "same day"),
    ("2024-01-01", "2024-01-02", None, 1, "next day"),
    ("2024-02-28", "2024-03-01", None, 2, "across 29 Feb"),
    ("2024-01-01", None, None, None, "open, no cut-off"),
    ("2024-01-01", None, "2024-03-31", 90, "open, runs to the cut-off"),
    ("2024-01-01", "2024-01-10", "2024-03-31", 9, "closed ignores the cut-off"),
    ("2024-01-05", "2024-01-01", None, None, "ends before it starts: NA"),
    ("2024-04-05", None, "2024-03-31", None, "starts after the cut-off: NA"),
    (None, "2024-01-01", None, None, "unknown start"),
]


@pytest.mark.parametrize(("start", "end", "open_until", "expected", "why"), DAY_CASES, ids=[c[4] for c in DAY_CASES])
def test_duration_days_case_table(start, end, open_until, expected, why):
    got = derive.duration_days(_s([start]), _s([end]), open_until=open_until)
    assert str(got.dtype) == "Int64"
    assert _same(got.iat[0], expected), why


HOUR_CASES = [
    ("2024-05-01 22:15", "2024-05-02 10:00", 11.75, "overnight"),
    ("2024-05-01 10:00", "2024-05-01 10:00", 0.0, "returned at once"),
    ("2024-03-30 12:00", "2024-03-31 12:00", 24.0, "clock change is ignored: timestamps are naive"),
    ("2024-05-01 10:00", None, None, "still missing"),
    (None, "2024-05-01 10:00", None, "unknown start"),
    ("2024-05-02 10:00", "2024-05-01 10:00", None, "ends before it starts: NA"),
]


@pytest.mark.parametrize(("start", "end", "expected", "why"), HOUR_CASES, ids=[c[3] for c in HOUR_CASES])
def test_duration_hours_case_table(start, end, expected, why):
    got = derive.duration_hours(_s([start]), _s([end]))
    assert str(got.dtype) == "Float64"
    assert _same(got.iat[0], expected), why


WITHIN_CASES = [
    ("2024-05-01 10:00", "2024-05-04 10:00", True, "exactly 72 hours"),
    ("2024-05-01 10:00", "2024-05-04 10:01", False, "72 hours and 1 minute"),
    ("2024-05-01 10:00", "2024-05-04 09:59", True, "1 minute inside"),
    ("2024-05-01 10:00", "2024-05-01 10:00", True, "at once"),
    ("2024-05-01 10:00", None, False, "never happened"),
    ("2024-05-01 10:00", "2024-04-30 10:00", False, "event before the start (a data error): not within"),
    (None, "2024-05-02 10:00", None, "unknown start: NA"),
    (None, None, None, "unknown start and no event: NA"),
]


@pytest.mark.parametrize(("start", "event", "expected", "why"), WITHIN_CASES, ids=[c[3] for c in WITHIN_CASES])
def test_within_hours_case_table(start, event, expected, why):
    got = derive.within_hours(_s([start]), _s([event]), 72)
    assert str(got.dtype) == "boolean"
    assert _same(got.iat[0], expected), why


def test_within_hours_other_limits():
    start, event = _s(["2024-05-01 10:00"]), _s(["2024-05-02 10:00"])
    assert derive.within_hours(start, event, 24).iat[0]
    assert not derive.within_hours(start, event, 23.99).iat[0]


# --- code groupings -----------------------------------------------------------------

@pytest.mark.parametrize(("code", "group"), [
    ("F1", "EET"), ("P1", "EET"), ("F2", "EET"), ("P2", "EET"), ("F4", "EET"), ("P4", "EET"), ("F5", "EET"),
    ("P5", "EET"), ("G4", "NEET"), ("G5", "NEET"), ("G6", "NEET"), ("0", "Not known"), (None, "Not known"),
    ("ZZ", "Not known"), ("f1", "Not known"),  # readers upper-case codes; raw lower case is not guessed here
])
def test_activity_group(code, group):
    assert derive.activity_group(pd.Series([code], dtype=object)).iat[0] == group


@pytest.mark.parametrize(("code", "suitability"), [
    ("B1", "Suitable"), ("B2", "Not suitable"), ("U1", "Suitable"), ("U2", "Not suitable"), ("Z1", "Suitable"),
    ("S2", "Not suitable"), ("0", "Not known"), (None, "Not known"), ("U3", "Not known"), ("Q1", "Not known"),
])
def test_accommodation_suitability(code, suitability):
    assert derive.accommodation_suitability(pd.Series([code], dtype=object)).iat[0] == suitability


def test_ethnic_groups():
    got = derive.ethnic_groups(pd.Series(["WBRI", "CHNE", "REFU", None, "ZZZZ", "wirt"], index=list("abcdef")))
    assert got.index.tolist() == list("abcdef")
    assert got["ethnic_major"].tolist() == ["White", "Asian", "Not known", "Not known", "Not known", "White"]
    assert got["ethnic_minor"].tolist()[:3] == ["White British", "Chinese", "Refused"]


# --- years --------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "financial", "academic"), [
    ("2024-03-31", 2024, 2024), ("2024-04-01", 2025, 2024),
    ("2024-08-31", 2025, 2024), ("2024-09-01", 2025, 2025),
    ("2024-12-31", 2025, 2025), ("2025-01-01", 2025, 2025),
    ("2025-03-31 23:59", 2025, 2025), (None, None, None),
])
def test_financial_and_academic_year(day, financial, academic):
    dates = _s([day])
    assert _same(derive.financial_year(dates).iat[0], financial)
    assert _same(derive.academic_year(dates).iat[0], academic)
    assert str(derive.financial_year(dates).dtype) == "Int64"


def test_year_functions_agree_with_codes_lists():
    from safeguarding.codes import lists as cl
    days = pd.Series(pd.date_range("2023-01-01", "2026-12-31", freq="7D"))
    assert derive.financial_year(days).tolist() == [cl.collection_year(d) for d in days]
    assert derive.academic_year(days).tolist() == [cl.academic_year(d) for d in days]
    assert cl.academic_year_label(2024) == "2023/24" and cl.financial_year_label(2025) == "2024-25"


def test_each_distinct_is_the_row_by_row_mapping_with_one_call_per_value():
    import numpy as np
    from safeguarding.codes import each_distinct
    from safeguarding.codes.ethnicity import minor_group
    values = np.array(["WBRI", None, " wbri", "BCRB", "WBRI", float("nan"), "XXXX", pd.NA, "BCRB"], dtype=object)
    calls = []

    def counted(v):
        calls.append(v)
        return minor_group(v)

    assert list(each_distinct(counted, values)) == [minor_group(v) for v in values]
    assert len(calls) == 5  # WBRI, ' wbri', BCRB, XXXX and one call for every blank
    assert list(each_distinct(str, np.array([], dtype=object))) == []
