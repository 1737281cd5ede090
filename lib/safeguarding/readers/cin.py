"""CIN census: the DfE XML return, or the same content as flat CSV tables.

XML: ``Message/Children/Child`` with ``ChildIdentifiers``, ``ChildCharacteristics`` and one
or more ``CINdetails`` (each with ``Assessments``, ``CINPlanDates``, ``Section47``,
``ChildProtectionPlans``). Dates are ISO (YYYY-MM-DD). The XML has no episode identifier:
``CINdetailsID`` is numbered 1, 2, ... within each child, as the flat tables do.

Flat CSV: ``ChildIdentifiers``, ``ChildCharacteristics``, ``CINdetails``, ``Assessments``,
``Section47`` and ``ChildProtectionPlans`` keyed by ``LAchildID`` (and ``CINdetailsID``).
Both routes validate through the same specifications, so messages are the same.
XML issues give the ``Child`` element's position as the row (first child = row 1), and the
message names the child's ``LAchildID`` and which ``CINdetails`` (etc.) the value is in.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
from defusedxml import ElementTree as ET

from safeguarding.codes import lists as cl
from safeguarding.issues import InputError, Issue, ReadResult, issues_frame, issues_from_frame
from safeguarding.readers.base import ColumnSpec as C, TableSpec, file_sha256, parse_dates, read_rows, read_table

_ID = C("LAchildID", "id", aliases=("la_child_id", "child_id"))
_DETAILS_ID = C("CINdetailsID", "id", aliases=("cin_details_id",))

CHILD_IDENTIFIERS = TableSpec(
    "cin_child_identifiers", "CIN census ChildIdentifiers",
    (_ID, C("UPN", "id", nullable=True, required=False),
     C("PersonBirthDate", "date", nullable=True, reject=False, aliases=("DOB",)),
     C("Sex", "code", code_list=cl.CIN_SEX, reject=False, aliases=("GenderCurrent", "Gender")),
     C("PersonDeathDate", "date", required=False, nullable=True, reject=False),
     # Optional here so that one flat "children" file with identifiers and ethnicity is read whole.
     C("Ethnicity", "ethnicity", required=False, nullable=True, reject=False)),
    signature=("PersonBirthDate",), unique=("LAchildID",),
)
CHILD_CHARACTERISTICS = TableSpec(
    "cin_child_characteristics", "CIN census ChildCharacteristics",
    (_ID, C("Ethnicity", "ethnicity", nullable=True, reject=False),
     C("Disabilities", "text", required=False, nullable=True, reject=False)),
    signature=("Ethnicity",), unique=("LAchildID",),
)
DETAILS = TableSpec(
    "cin_details", "CIN census CINdetails",
    (_ID, _DETAILS_ID, C("CINreferralDate", "date"),
     C("ReferralSource", "code", code_list=cl.REFERRAL_SOURCE, nullable=True, reject=False),
     C("PrimaryNeedCode", "code", code_list=cl.PRIMARY_NEED, nullable=True, reject=False),
     C("CINclosureDate", "date", nullable=True, reject=False),
     C("ReasonForClosure", "text", nullable=True, reject=False, required=False),
     C("ReferralNFA", "bool", nullable=True, reject=False, required=False),
     # an initial child protection conference with no section 47 enquiry in the episode (a
     # child moving in on a plan from another authority) is dated on CINdetails itself
     C("DateOfInitialCPC", "date", nullable=True, reject=False, required=False)),
    signature=("CINreferralDate",), unique=("LAchildID", "CINdetailsID"),
)
ASSESSMENTS = TableSpec(
    "cin_assessments", "CIN census Assessments",
    (_ID, _DETAILS_ID, C("AssessmentActualStartDate", "date"),
     C("AssessmentInternalReviewDate", "date", required=False, nullable=True, reject=False),
     C("AssessmentAuthorisationDate", "date", nullable=True, reject=False),
     C("AssessmentFactors", "text", nullable=True, reject=False, required=False)),
    signature=("AssessmentActualStartDate",),
)
SECTION47 = TableSpec(
    "cin_section47", "CIN census Section47",
    (_ID, _DETAILS_ID, C("S47ActualStartDate", "date"),
     C("InitialCPCtarget", "date", nullable=True, reject=False, required=False),
     C("DateOfInitialCPC", "date", nullable=True, reject=False),
     C("ICPCnotRequired", "bool", nullable=True, reject=False, required=False)),
    signature=("S47ActualStartDate",),
)
CP_PLANS = TableSpec(
    "cin_cp_plans", "CIN census ChildProtectionPlans",
    (_ID, _DETAILS_ID, C("CPPstartDate", "date"), C("CPPendDate", "date", nullable=True, reject=False),
     C("InitialCategoryOfAbuse", "code", code_list=cl.ABUSE_CATEGORY, nullable=True, reject=False),
     C("LatestCategoryOfAbuse", "code", code_list=cl.ABUSE_CATEGORY, nullable=True, reject=False),
     C("NumberOfPreviousCPP", "int", nullable=True, reject=False, minimum=0, maximum=50)),
    signature=("CPPstartDate",),
)

SPECS = (CHILD_IDENTIFIERS, CHILD_CHARACTERISTICS, DETAILS, ASSESSMENTS, SECTION47, CP_PLANS)
BY_NAME = {s.name: s for s in SPECS}


def read_cin_csv(path, table: str, year: int | None = None) -> ReadResult:
    """Read one flat CIN census table (see ``SPECS`` for names)."""
    return read_table(path, BY_NAME[table], year=year)


def _text(elem, tag):
    if elem is None:
        return ""
    found = elem.find(tag)
    return "" if found is None or found.text is None else found.text.strip()


def read_cin_xml(path, year: int | None = None) -> dict[str, ReadResult]:
    """Read a DfE CIN census XML file into the same tables as the flat CSV route.

    Returns a dict of table name -> ReadResult. An XML file that cannot be parsed raises
    :class:`InputError` with the parser's position; one with no ``Child`` elements gives
    empty tables and a warning. The collection year is ``year`` when given, else the
    header's ``CollectionDetails/Year`` (or its ``ReferenceDate``).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"File not found: {path}")
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise InputError(f"{path.name}: not well-formed XML ({exc}). Check the file is a complete CIN census export.") from exc
    except Exception as exc:  # defusedxml refuses entity expansion and the like
        raise InputError(f"{path.name}: XML refused ({exc}).") from exc
    for element in root.iter():  # a namespace on <Message> (xmlns="...") is not part of the names
        if isinstance(element.tag, str) and element.tag.startswith("{"):
            element.tag = element.tag.split("}", 1)[1]
    collection = _text(root.find("Header/CollectionDetails"), "Collection").upper()
    if "903" in collection or root.find(".//EPISODES") is not None or root.find(".//DECOM") is not None:
        raise InputError(f"{path.name}: this is an SSDA903 (children looked after) XML export, which is not read yet. "
                         "Export the SSDA903 tables as CSV files (Header, Episodes, Missing, OC3, ...) into this folder.")
    children = root.findall("./Children/Child") or root.findall(".//Child")
    if year is None:
        ref = _text(root.find("Header/CollectionDetails"), "Year") or _text(root.find("Header"), "Year")
        year = int(ref) if ref.isascii() and ref.isdigit() and len(ref) == 4 else None
        if year is None:  # fall back on the reference date, e.g. 2025-03-31 -> 2025
            ref_date = parse_dates(pd.Series([_text(root.find("Header/CollectionDetails"), "ReferenceDate") or None]))
            year = None if ref_date.isna().iat[0] else cl.collection_year(ref_date.iat[0])
    tables: dict[str, tuple[list[str], list[list[str]], list[int]]] = {}

    contexts: dict[str, list[str]] = {}

    def add(spec, values, row, where=""):
        header = [c.name for c in spec.columns]
        tables.setdefault(spec.name, (header, [], []))
        tables[spec.name][1].append([values.get(h, "") for h in header])
        tables[spec.name][2].append(row)
        child = f"Child {row} (LAchildID {values.get('LAchildID') or 'blank'})"
        contexts.setdefault(spec.name, []).append(child + where)

    for number, child in enumerate(children, start=1):
        ids = child.find("ChildIdentifiers")
        la_id = _text(ids, "LAchildID")
        sex = _text(ids, "Sex") or _text(ids, "GenderCurrent")
        add(CHILD_IDENTIFIERS, {"LAchildID": la_id, "UPN": _text(ids, "UPN"),
                                "PersonBirthDate": _text(ids, "PersonBirthDate"), "Sex": sex,
                                "PersonDeathDate": _text(ids, "PersonDeathDate")}, number)
        chars = child.find("ChildCharacteristics")
        disabilities = [] if chars is None else [d.text.strip() for d in chars.iter("Disability") if d.text]
        add(CHILD_CHARACTERISTICS, {"LAchildID": la_id, "Ethnicity": _text(chars, "Ethnicity"),
                                    "Disabilities": ",".join(disabilities)}, number)
        for k, details in enumerate(child.findall("CINdetails"), start=1):
            did = str(k)
            add(DETAILS, {"LAchildID": la_id, "CINdetailsID": did, **{
                t: _text(details, t) for t in ("CINreferralDate", "ReferralSource", "PrimaryNeedCode",
                                               "CINclosureDate", "ReasonForClosure", "ReferralNFA",
                                               "DateOfInitialCPC")}}, number,
                f", CINdetails {k}")
            for j, a in enumerate(details.findall("Assessments"), start=1):
                factors = [f.text.strip() for f in a.iter("AssessmentFactors") if f.text and f.text.strip()]
                add(ASSESSMENTS, {"LAchildID": la_id, "CINdetailsID": did,
                                  "AssessmentActualStartDate": _text(a, "AssessmentActualStartDate"),
                                  "AssessmentInternalReviewDate": _text(a, "AssessmentInternalReviewDate"),
                                  "AssessmentAuthorisationDate": _text(a, "AssessmentAuthorisationDate"),
                                  "AssessmentFactors": ",".join(factors)}, number, f", CINdetails {k}, Assessments {j}")
            for j, s in enumerate(details.findall("Section47"), start=1):
                add(SECTION47, {"LAchildID": la_id, "CINdetailsID": did, **{
                    t: _text(s, t) for t in ("S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC", "ICPCnotRequired")}},
                    number, f", CINdetails {k}, Section47 {j}")
            for j, p in enumerate(details.findall("ChildProtectionPlans"), start=1):
                add(CP_PLANS, {"LAchildID": la_id, "CINdetailsID": did, **{
                    t: _text(p, t) for t in ("CPPstartDate", "CPPendDate", "InitialCategoryOfAbuse",
                                             "LatestCategoryOfAbuse", "NumberOfPreviousCPP")}},
                    number, f", CINdetails {k}, ChildProtectionPlans {j}")
    sha = file_sha256(path)
    out = {}
    for spec in SPECS:
        header, rows, numbers = tables.get(spec.name, ([c.name for c in spec.columns], [], []))
        where = contexts.get(spec.name, [])
        # Validate with one sequence number per record, then report each issue at its Child's
        # position, saying which child (and which CINdetails, ...) it is about.
        sequence = list(range(1, len(rows) + 1))
        result = read_rows(header, rows, sequence, spec, str(path), year=year, sha256=sha)
        issues = [replace(i, row=numbers[i.row - 1], message=f"{where[i.row - 1]}: {i.message}") if i.row else i
                  for i in issues_from_frame(result.issues)]
        result.issues = issues_frame(issues)
        result.frame["source_row"] = pd.array([numbers[k - 1] for k in result.frame["source_row"]], dtype="Int64")
        out[spec.name] = result
    if not children:
        out[CHILD_IDENTIFIERS.name].issues = issues_frame([Issue(str(path), "cin_child_identifiers", None, None, None,
                                                                  "no_children", "warning", "no Child elements found in the XML")])
    return out
