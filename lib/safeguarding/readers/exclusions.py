"""Pupil-level exclusions extract (school census exclusions module) and the pupil roll
(school census pupil characteristics) used as the denominator.

Reason codes differ by academic year (DfE withdrew "Other" and added reasons from
2020/21): they are checked against the list valid for each row's own academic year and
unmapped codes are reported, never dropped.
"""

from __future__ import annotations

import re
from dataclasses import asdict

import numpy as np
import pandas as pd

from safeguarding.codes import each_distinct
from safeguarding.codes import lists as cl
from safeguarding.issues import Issue, ReadResult, issues_frame, issues_from_frame
from safeguarding.readers.base import ColumnSpec as C, TableSpec, read_table

_ACADEMIC_YEAR = C("AcademicYear", "text", aliases=("academic_year", "acadyr", "year"))
_PUPIL = (C("UPN", "id", aliases=("pupil_upn",)), C("URN", "text", nullable=True, reject=False, aliases=("school_urn", "laestab")),
          C("Phase", "code", code_list=cl.SCHOOL_PHASE, reject=False, nullable=True))
_CHARACTERISTICS = (
    C("Ethnicity", "ethnicity", nullable=True, reject=False, aliases=("ETHNIC",)),
    C("Sex", "code", code_list=cl.SEX, nullable=True, reject=False, aliases=("Gender",)),
    C("SENprovision", "code", code_list=cl.SEN_PROVISION, nullable=True, reject=False, aliases=("sen_provision", "SEN")),
    C("FSMeligible", "bool", nullable=True, reject=False, aliases=("fsm", "FSM", "fsm_eligible")),
)

EXCLUSIONS = TableSpec(
    "exclusions", "exclusions extract",
    _PUPIL + (_ACADEMIC_YEAR, C("Category", "code", code_list=cl.EXCLUSION_CATEGORY),
              C("StartDate", "date", nullable=True, reject=False, aliases=("start_date",)),
              C("Sessions", "float", nullable=True, reject=False, minimum=0, maximum=400, aliases=("ActualSessions",)),
              C("Reason", "text", nullable=True, reject=False, aliases=("ReasonCode", "reason_code"))) + _CHARACTERISTICS,
    signature=("Category",),
)

PUPILS = TableSpec(
    "pupils", "pupil roll (school census)",
    _PUPIL + (_ACADEMIC_YEAR,) + _CHARACTERISTICS,
    signature=("SENprovision",), unique=("UPN", "AcademicYear"),
    # An exclusions extract missing one of its columns is reported, not read as a pupil roll.
    excludes=tuple(name for col in EXCLUSIONS.columns if col not in _PUPIL + (_ACADEMIC_YEAR,) + _CHARACTERISTICS
                   for name in (col.name, *col.aliases)),
)

SPECS = (EXCLUSIONS, PUPILS)
BY_NAME = {s.name: s for s in SPECS}


def parse_academic_year(values: pd.Series) -> pd.Series:
    """'2023/24', '2023-24', '2023/2024', '202324', '2024' -> 2024 (the year the academic
    year ends). NA when the text is not an academic year, including a pair of years that
    are not consecutive ('2023/25'). Each distinct text is parsed once (a school roll repeats
    a few years over many rows)."""
    text = values.astype("string").to_numpy(dtype=object, na_value=None)
    return pd.Series(pd.array(each_distinct(_academic_year, text), dtype="Int64"), index=values.index)


_YEAR_PAIR = re.compile(r"((?:19|20)\d{2})\s*[/-]?\s*(\d{2}|(?:19|20)\d{2})")
_YEAR = re.compile(r"(?:19|20)\d{2}")


def _academic_year(value: str | None) -> int | None:
    """The year one academic year's text ends in (see :func:`parse_academic_year`), or None."""
    if value is None:
        return None
    text = value.strip()
    if pair := _YEAR_PAIR.fullmatch(text):
        first, second = int(pair[1]), int(pair[2])
        return first + 1 if second == (first + 1 if second >= 100 else (first + 1) % 100) else None
    return int(text) if _YEAR.fullmatch(text) else None


def _finish(result: ReadResult, check_reason: bool) -> ReadResult:
    """Turn AcademicYear text into the ending year and check reasons against that year's list."""
    frame = result.frame.copy()
    issues = [asdict(i) for i in issues_from_frame(result.issues)]
    years = parse_academic_year(frame["AcademicYear"])
    bad_year = years.isna().to_numpy()
    reject = set(np.flatnonzero(bad_year))
    for pos in reject:
        issues.append(dict(source=result.source, table=result.table, row=int(frame["source_row"].iat[pos]),
                           column="AcademicYear", value=str(frame["AcademicYear"].iat[pos]), code="academic_year",
                           severity="error", message="not an academic year; expected e.g. 2023/24"))
    frame["AcademicYear"] = years
    if check_reason:
        reasons = []
        for pos, (raw, year) in enumerate(zip(frame["Reason"], years)):
            code = cl.EXCLUSION_REASON.normalise(raw, None if pd.isna(year) else int(year))
            if code is not None and not pd.isna(year) and code not in cl.EXCLUSION_REASON.valid(int(year)):
                issues.append(dict(source=result.source, table=result.table, row=int(frame["source_row"].iat[pos]),
                                   column="Reason", value=str(raw), code="unmapped_reason", severity="warning",
                                   message=f"reason not valid in {cl.academic_year_label(int(year))}; kept as "
                                           f"'Unmapped'. Expected {cl.EXCLUSION_REASON.expected(int(year))}"))
                code = "UNMAPPED"
            reasons.append(code)
        frame["Reason"] = pd.Series(reasons, index=frame.index, dtype="object")
    keep = np.ones(len(frame), dtype=bool)
    keep[list(reject)] = False
    records = [Issue(**r) for r in issues]
    return ReadResult(result.table, result.source, frame[keep].reset_index(drop=True), issues_frame(records),
                      result.n_read, result.n_rejected + int((~keep).sum()), result.sha256, result.year)


def read_exclusions(path) -> ReadResult:
    """Read a pupil-level exclusions extract (one row per exclusion)."""
    return _finish(read_table(path, EXCLUSIONS), check_reason=True)


def read_pupils(path) -> ReadResult:
    """Read a pupil roll (one row per pupil per academic year), the denominator for rates per 100 pupils."""
    return _finish(read_table(path, PUPILS), check_reason=False)
