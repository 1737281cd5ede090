"""SSDA903, the children looked after return: one CSV per table, dates dd/mm/YYYY.

Column names and code lists follow DfE SSDA903 guidance. Code lists are validated for
the collection year being read (SEX 1/2 up to 2023-24, M/F/U from 2024-25; PLACE changed
in 2025-26), see :mod:`safeguarding.codes.lists`.
"""

from __future__ import annotations

from safeguarding.codes import lists as cl
from safeguarding.readers.base import ColumnSpec as C, TableSpec, read_table
from safeguarding.issues import ReadResult

CHILD = C("CHILD", "id", aliases=("child_id", "childid"))
DOB = C("DOB", "date")

HEADER = TableSpec(
    "cla_header", "SSDA903 Header",
    (CHILD, C("SEX", "code", code_list=cl.SEX, reject=False), DOB,
     C("ETHNIC", "ethnicity", reject=False, nullable=True), C("UPN", "id", required=False, nullable=True),
     C("MOTHER", "int", required=False, nullable=True, reject=False, minimum=0, maximum=1),
     C("MC_DOB", "date", required=False, nullable=True, reject=False)),
    signature=("ETHNIC",), unique=("CHILD",),
)

EPISODES = TableSpec(
    "cla_episodes", "SSDA903 Episodes",
    (CHILD, C("DECOM", "date"), C("RNE", "code", code_list=cl.RNE, reject=False),
     C("LS", "code", code_list=cl.LS, reject=False), C("CIN", "code", code_list=cl.CIN_NEED, reject=False),
     C("PLACE", "code", code_list=cl.PLACE, reject=False),
     C("PLACE_PROVIDER", "code", code_list=cl.PLACE_PROVIDER, nullable=True, reject=False, required=False),
     C("DEC", "date", nullable=True, reject=False),
     C("REC", "code", code_list=cl.REC, nullable=True, reject=False),
     C("REASON_PLACE_CHANGE", "code", code_list=cl.REASON_PLACE_CHANGE, nullable=True, reject=False, required=False),
     C("HOME_POST", "postcode", required=False, nullable=True, reject=False, keep=False),
     C("PL_POST", "postcode", required=False, nullable=True, reject=False, keep=False),
     C("URN", "text", required=False, nullable=True, reject=False)),
    signature=("DECOM",), unique=("CHILD", "DECOM"),
)

MISSING = TableSpec(
    "cla_missing", "SSDA903 Missing",
    (CHILD, C("DOB", "date", reject=False, nullable=True), C("MISSING", "code", code_list=cl.MISSING_TYPE),
     C("MIS_START", "date"), C("MIS_END", "date", nullable=True, reject=False)),
    signature=("MIS_START",), unique=("CHILD", "MIS_START"),
)

OC3 = TableSpec(
    "cla_oc3", "SSDA903 OC3 (care leavers)",
    (CHILD, DOB, C("IN_TOUCH", "code", code_list=cl.IN_TOUCH, reject=False),
     C("ACTIV", "code", code_list=cl.ACTIV, reject=False, nullable=True),
     C("ACCOM", "code", code_list=cl.ACCOM, reject=False, nullable=True)),
    signature=("IN_TOUCH",), unique=("CHILD",),
)

UASC = TableSpec(
    "cla_uasc", "SSDA903 UASC",
    (CHILD, C("SEX", "code", code_list=cl.SEX, reject=False), C("DOB", "date", reject=False),
     C("DUC", "date", nullable=True, reject=False)),
    signature=("DUC",), unique=("CHILD",),
)

REVIEWS = TableSpec(
    "cla_reviews", "SSDA903 Reviews",
    (CHILD, C("DOB", "date", reject=False), C("REVIEW", "date"),
     C("REVIEW_CODE", "text", nullable=True, reject=False)),
    signature=("REVIEW",),
)

SPECS = (HEADER, EPISODES, MISSING, OC3, UASC, REVIEWS)
BY_NAME = {s.name: s for s in SPECS}


def read_ssda903(path, table: str, year: int | None = None) -> ReadResult:
    """Read one SSDA903 table (``cla_header``, ``cla_episodes``, ``cla_missing``, ``cla_oc3``,
    ``cla_uasc``, ``cla_reviews``) for a collection year (e.g. 2025 for 2024-25)."""
    return read_table(path, BY_NAME[table], year=year)
