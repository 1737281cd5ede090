"""Property tests for the readers: whatever a file holds, a reader either returns a result
that reconciles (rows read = kept + rejected, every rejected row named by an error) or
raises InputError with a readable message. Never a traceback.
"""

from __future__ import annotations

import csv
import io
import tempfile
import xml.etree.ElementTree as StdET
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from safeguarding.codes import ethnicity
from safeguarding.codes import lists as cl
from safeguarding.issues import InputError
from safeguarding.readers import base
from safeguarding.readers import SPEC_BY_NAME
from safeguarding.readers.cin import read_cin_csv, read_cin_xml
from safeguarding.readers.exclusions import read_exclusions, read_pupils
from safeguarding.readers.missing_log import read_missing_log
from safeguarding.readers.ssda903 import read_ssda903

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

READERS = {
    "cla_header": lambda p: read_ssda903(p, "cla_header", 2025),
    "cla_episodes": lambda p: read_ssda903(p, "cla_episodes", 2026),
    "cla_missing": lambda p: read_ssda903(p, "cla_missing", 2024),
    "cla_oc3": lambda p: read_ssda903(p, "cla_oc3", 2025),
    "cin_details": lambda p: read_cin_csv(p, "cin_details", 2025),
    "cin_cp_plans": lambda p: read_cin_csv(p, "cin_cp_plans", 2025),
    "missing_episodes": lambda p: read_missing_log(p, "missing_episodes"),
    "missing_persons": lambda p: read_missing_log(p, "missing_persons"),
    "exclusions": read_exclusions,
    "pupils": read_pupils,
}


def _write_bytes(data: bytes) -> Path:
    handle = tempfile.NamedTemporaryFile(prefix="prop_", suffix=".csv", delete=False)
    with handle:
        handle.write(data)
    return Path(handle.name)


def _read(table: str, data: bytes):
    path = _write_bytes(data)
    try:
        return READERS[table](path)
    finally:
        path.unlink()


_KIND_DTYPES = {"date": "datetime64[ns]", "datetime": "datetime64[ns]", "int": "Int64", "float": "Float64",
                "bool": "boolean"}


def _check_reconciles(result, xml: bool = False):
    assert result.n_read == result.n_kept + result.n_rejected
    for col in SPEC_BY_NAME[result.table].columns:  # typed whatever the input
        if col.keep and col.name != "AcademicYear":
            assert str(result.frame[col.name].dtype) == _KIND_DTYPES.get(col.kind, "object"), col.name
    errors = result.issues[result.issues["severity"] == "error"]
    if xml:  # rows are Child positions, shared by a child's CINdetails: the message says which one
        assert (result.n_rejected > 0) == (len(errors) > 0)
        assert all(m.startswith(f"Child {r} (LAchildID ") for r, m in zip(errors["row"], errors["message"]))
        return
    error_rows = set(errors["row"].dropna().astype(int))
    kept_rows = set(result.frame["source_row"].astype(int))
    assert len(error_rows) == result.n_rejected, "every rejected row has an error naming it"
    assert not error_rows & kept_rows, "no row with an error is kept"
    assert all(isinstance(m, str) and m for m in result.issues["message"])


def _header(table: str) -> list[str]:
    return [c.name for c in SPEC_BY_NAME[table].columns]


def _csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


# --- arbitrary bytes ------------------------------------------------------------------

@settings(max_examples=150, **SETTINGS)
@given(table=st.sampled_from(sorted(READERS)), data=st.binary(max_size=600))
def test_arbitrary_bytes_never_crash(table, data):
    try:
        result = _read(table, data)
    except InputError as exc:
        assert str(exc)
        return
    _check_reconciles(result)


@pytest.mark.parametrize("data", [b"\xfe\xff\x00", b"\xff\xfeA", b"\xff\xfe\x00\xd8,\x00"])
def test_damaged_utf16_is_refused_saying_so(data):
    """A file with UTF-16's mark but an odd byte out or half a character (found by the property
    test above) is refused with a message, not a decoding crash."""
    table = sorted(READERS)[0]
    with pytest.raises(InputError, match="UTF-16 .* damaged or cut short at byte"):
        _read(table, data)


@settings(max_examples=150, **SETTINGS)
@given(table=st.sampled_from(sorted(READERS)), data=st.binary(max_size=600))
def test_valid_header_then_arbitrary_bytes_never_crash(table, data):
    head = (",".join(_header(table)) + "\n").encode()
    try:
        result = _read(table, head + data)
    except InputError as exc:  # e.g. a NUL-laden or unterminated quoted field
        assert str(exc)
        return
    _check_reconciles(result)


# --- arbitrary text under a valid header ----------------------------------------------

_cell_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12)
_plausible = st.sampled_from(["", " ", "01/02/2010", "2024-13-01", "31/02/2024", "M", "f", "U", "1", "2",
                              "WBRI", "zzzz", "N1", "K3", "H5", "NA", "null", "2023/24", "SUSP", "PERM", "OT",
                              "Y", "maybe", "-1", "1e400", "inf", "01/05/2024 22:15", "2024-05-01T25:00",
                              '"', ",", "\n", "\r\n", "\ufeff", "01/01/1066", "31/12/9999", "99999999999999999999",
                              "NONE", "0.5", " 2024-02-29 ", "29/02/2023", "１２", "true", "E4A", "10A,24A"])
_cell = st.one_of(_plausible, _cell_text)


@st.composite
def table_and_rows(draw):
    table = draw(st.sampled_from(sorted(READERS)))
    width = len(_header(table))
    rows = draw(st.lists(st.lists(_cell, min_size=max(0, width - 2), max_size=width + 2), max_size=12))
    return table, rows


@settings(max_examples=200, **SETTINGS)
@given(case=table_and_rows())
def test_arbitrary_rows_reconcile(case):
    table, rows = case
    text = _csv_text([_header(table)] + rows)
    result = _read(table, text.encode("utf-8"))
    # rows whose cells are all blank are not data rows
    expected = sum(1 for row in rows if any(cell.replace("\x00", "").strip() for cell in row))
    assert result.n_read == expected
    _check_reconciles(result)
    assert result.frame["source_row"].is_monotonic_increasing


# --- round trip of valid rows ---------------------------------------------------------

# Identifiers, but never a token every reader reads as blank ('NA', 'NULL', 'NAN', 'NAT',
# 'NONE': what SQL and spreadsheet exports write for a missing value; a real ID is not one)
_ids = st.from_regex(r"[A-Z][A-Z0-9]{0,9}", fullmatch=True).filter(lambda text: text.upper() not in base._BLANKS)
_days = st.dates(date(1995, 1, 1), date(2030, 12, 31))
_times = st.datetimes(datetime(2015, 1, 1), datetime(2030, 12, 31)).map(lambda d: d.replace(second=0, microsecond=0))


def _date_text(draw, value: date) -> str:
    return draw(st.sampled_from([value.strftime("%d/%m/%Y"), value.isoformat(), f"{value.day}/{value.month}/{value.year}"]))


def _datetime_text(draw, value: datetime) -> str:
    return draw(st.sampled_from([value.strftime("%d/%m/%Y %H:%M"), value.strftime("%Y-%m-%dT%H:%M"),
                                 value.strftime("%Y-%m-%d %H:%M:%S")]))


def _code(draw, codes) -> str:
    code = draw(st.sampled_from(sorted(codes)))
    return draw(st.sampled_from([code, code.lower(), f" {code} "]))


@st.composite
def header_rows(draw):
    year = draw(st.sampled_from([2024, 2025, 2026]))
    n = draw(st.integers(1, 8))
    rows, expected = [], []
    sexes = {2024: ["1", "2", "M", "F"], 2025: ["M", "F", "U", "1", "2"], 2026: ["M", "F", "U"]}[year]
    for k in range(n):
        child = f"{draw(_ids)}{k}"
        sex = draw(st.sampled_from(sexes))
        dob = draw(_days)
        eth = _code(draw, ethnicity.VALID_CODES)
        rows.append([child, sex, _date_text(draw, dob), eth, ""])
        expected.append({"CHILD": child, "SEX": {"1": "M", "2": "F"}.get(sex, sex), "DOB": pd.Timestamp(dob),
                         "ETHNIC": eth.strip().upper()})
    return year, ["CHILD", "SEX", "DOB", "ETHNIC", "UPN"], rows, expected


@st.composite
def episode_rows(draw):
    year = draw(st.sampled_from([2024, 2025, 2026]))
    rows, expected = [], []
    for k in range(draw(st.integers(1, 8))):
        start = draw(_days)
        place = _code(draw, cl.PLACE.valid(year))
        rec = draw(st.one_of(st.just(""), st.sampled_from(sorted(cl.REC.valid(year)))))
        row = {"CHILD": f"C{k}", "DECOM": _date_text(draw, start), "RNE": _code(draw, cl.RNE.valid(year)),
               "LS": _code(draw, cl.LS.valid(year)), "CIN": _code(draw, cl.CIN_NEED.valid(year)), "PLACE": place,
               "DEC": "", "REC": rec}
        rows.append(list(row.values()))
        expected.append({"CHILD": f"C{k}", "DECOM": pd.Timestamp(start), "PLACE": place.strip().upper(),
                         "RNE": row["RNE"].strip().upper(), "REC": rec or None})
    return year, ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "DEC", "REC"], rows, expected


@st.composite
def missing_rows(draw):
    rows, expected = [], []
    for k in range(draw(st.integers(1, 8))):
        start = draw(_times)
        end = draw(st.one_of(st.none(), _times))
        rows.append([f"E{k}", draw(_ids), _datetime_text(draw, start), draw(st.sampled_from(["M", "a", "Away", ""])),
                     "" if end is None else _datetime_text(draw, end), draw(st.sampled_from(["Y", "n", "yes", ""])), ""])
        expected.append({"miss_table_id": f"E{k}", "miss_missing_episode_start_date": pd.Timestamp(start),
                         "miss_missing_episode_end_date": pd.NaT if end is None else pd.Timestamp(end)})
    header = ["miss_table_id", "miss_person_id", "miss_missing_episode_start_date", "miss_missing_episode_type",
              "miss_missing_episode_end_date", "miss_missing_rhi_offered", "miss_missing_rhi_accepted"]
    return None, header, rows, expected


@st.composite
def exclusion_rows(draw):
    rows, expected = [], []
    for k in range(draw(st.integers(1, 8))):
        year = draw(st.integers(2015, 2026))
        reason = _code(draw, cl.EXCLUSION_REASON.valid(year))
        label = draw(st.sampled_from([f"{year - 1}/{year % 100:02d}", f"{year - 1}-{year % 100:02d}", str(year)]))
        rows.append([f"U{k}", "100000", "SS", label, draw(st.sampled_from(["SUSP", "perm", "Fixed"])), "",
                     str(draw(st.integers(0, 300)) / 2), reason, "WBRI", "M", "N", draw(st.sampled_from(["Y", "N", ""]))])
        expected.append({"UPN": f"U{k}", "AcademicYear": year, "Reason": reason.strip().upper()})
    header = ["UPN", "URN", "Phase", "AcademicYear", "Category", "StartDate", "Sessions", "Reason", "Ethnicity",
              "Sex", "SENprovision", "FSMeligible"]
    return None, header, rows, expected


ROUND_TRIPS = {
    "cla_header": (header_rows(), lambda p, y: read_ssda903(p, "cla_header", y)),
    "cla_episodes": (episode_rows(), lambda p, y: read_ssda903(p, "cla_episodes", y)),
    "missing_episodes": (missing_rows(), lambda p, y: read_missing_log(p)),
    "exclusions": (exclusion_rows(), lambda p, y: read_exclusions(p)),
}


@pytest.mark.parametrize("table", sorted(ROUND_TRIPS))
def test_valid_rows_are_all_kept_and_preserved(table):
    strategy, reader = ROUND_TRIPS[table]

    @settings(max_examples=60, **SETTINGS)
    @given(case=strategy)
    def check(case):
        year, header, rows, expected = case
        path = _write_bytes(_csv_text([header] + rows).encode("utf-8"))
        try:
            result = reader(path, year)
        finally:
            path.unlink()
        assert result.n_read == result.n_kept == len(rows), result.issues.to_string()
        bad = result.issues[result.issues["severity"].isin(["error", "warning"]) & (result.issues["code"] != "duplicate")]
        assert bad.empty, bad.to_string()
        for got, want in zip(result.frame.to_dict("records"), expected):
            for column, value in want.items():
                assert (pd.isna(got[column]) and pd.isna(value)) if value is None or value is pd.NaT else got[column] == value, \
                    (column, got[column], value)

    check()


# --- CIN XML --------------------------------------------------------------------------

_xml_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xD7FF), max_size=12)
_CIN_TAGS = ["LAchildID", "PersonBirthDate", "Sex", "GenderCurrent", "UPN", "Ethnicity", "Disability", "CINreferralDate",
             "ReferralSource", "PrimaryNeedCode", "CINclosureDate", "ReferralNFA", "AssessmentActualStartDate",
             "AssessmentFactors", "S47ActualStartDate", "ICPCnotRequired", "CPPstartDate", "NumberOfPreviousCPP",
             "InitialCategoryOfAbuse", "Year", "Other"]
_CONTAINERS = ["ChildIdentifiers", "ChildCharacteristics", "CINdetails", "Assessments", "Section47",
               "ChildProtectionPlans", "Disabilities", "FactorsIdentifiedAtAssessment"]



_leaf = st.tuples(st.sampled_from(_CIN_TAGS), _xml_text, st.just([]))
_node = st.recursive(_leaf, lambda inner: st.tuples(st.sampled_from(_CONTAINERS), _xml_text,
                                                    st.lists(inner, max_size=4)), max_leaves=15)


def _build(parent, spec):
    tag, text, kids = spec
    elem = StdET.SubElement(parent, tag)
    elem.text = text
    for kid in kids:
        _build(elem, kid)


@st.composite
def cin_documents(draw):
    root = StdET.Element("Message")
    header = StdET.SubElement(StdET.SubElement(root, "Header"), "CollectionDetails")
    StdET.SubElement(header, "Year").text = draw(st.sampled_from(["2025", "", "20x5", "１２３４"]))
    children = StdET.SubElement(root, "Children")
    for _ in range(draw(st.integers(0, 4))):
        child = StdET.SubElement(children, "Child")
        for spec in draw(st.lists(_node, max_size=4)):
            _build(child, spec)
    return StdET.tostring(root, encoding="unicode")


@settings(max_examples=100, **SETTINGS)
@given(document=cin_documents())
def test_cin_xml_never_crashes_on_well_formed_documents(document):
    path = _write_bytes(document.encode("utf-8"))
    try:
        out = read_cin_xml(path)
    finally:
        path.unlink()
    assert len(out) == 6
    for result in out.values():
        _check_reconciles(result, xml=True)
    n_children = document.count("<Child>") + document.count("<Child />")
    assert out["cin_child_identifiers"].n_read == n_children


@settings(max_examples=150, **SETTINGS)
@given(document=cin_documents(), cut=st.integers(0, 10_000), junk=st.sampled_from(["", "<", "&", "</Child>", "\x01"]))
def test_cin_xml_malformed_raises_input_error(document, cut, junk):
    broken = document[: cut % max(len(document), 1)] + junk
    try:
        StdET.fromstring(broken)
        well_formed = True
    except StdET.ParseError:
        well_formed = False
    path = _write_bytes(broken.encode("utf-8"))
    try:
        if well_formed:
            read_cin_xml(path)
        else:
            with pytest.raises(InputError, match=path.name):
                read_cin_xml(path)
    finally:
        path.unlink()


@settings(max_examples=200, **SETTINGS)
@given(st.lists(st.one_of(st.none(), st.just(float("nan")), st.just(pd.NA),
                          st.sampled_from(["", " ", "NA", "n/a", " Null ", "none", "NaN", "NaT", "None ", "x", "0", "N"]),
                          st.text(max_size=6)), max_size=40),
       st.sampled_from(["code", "text"]))
def test_blank_cells_found_once_per_distinct_value_as_cell_by_cell(values, kind):
    """_blank_mask looks at each distinct value once: the same cells as pandas' string methods
    find cell by cell (empty, missing, or a word that means blank; 'None' is a word in text)."""
    series = pd.Series(values, dtype="object", index=pd.RangeIndex(len(values)) + 7)
    tokens = base._TEXT_BLANKS if kind == "text" else base._BLANKS
    expected = series.isna() | series.astype("string").str.strip().str.upper().isin(tokens)
    found = base._blank_mask(series, kind)
    assert found.dtype == bool and found.index.equals(series.index)
    assert found.tolist() == expected.fillna(False).astype(bool).tolist()
