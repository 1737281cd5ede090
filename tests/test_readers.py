"""Readers: every accepted format, good files and each kind of bad input.

Every test writes its own small file to ``tmp_path`` so that what is being read is visible
next to what is asserted. Row numbers are spreadsheet rows: the header is row 1.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest

from safeguarding.issues import InputError, Issue
from safeguarding.readers import ALL_SPECS, SPEC_BY_NAME, closest_table, identify_file, identify_table
from safeguarding.readers.base import detect_delimiter, parse_dates
from safeguarding.readers.cin import read_cin_csv, read_cin_xml
from safeguarding.readers.exclusions import parse_academic_year, read_exclusions, read_pupils
from safeguarding.readers.missing_log import read_missing_log
from safeguarding.readers.ssda903 import read_ssda903

# --- helpers --------------------------------------------------------------------------

SSDA903 = {"cla_header", "cla_episodes", "cla_missing", "cla_oc3", "cla_uasc", "cla_reviews"}
CIN = {"cin_child_identifiers", "cin_child_characteristics", "cin_details", "cin_assessments",
       "cin_section47", "cin_cp_plans"}


def write(tmp_path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def read(table: str, path, year: int | None = 2025):
    """Read ``path`` as ``table`` through the public reader of its format."""
    if table in SSDA903:
        return read_ssda903(path, table, year)
    if table in CIN:
        return read_cin_csv(path, table, year)
    if table in ("missing_episodes", "missing_persons"):
        return read_missing_log(path, table)
    if table == "exclusions":
        return read_exclusions(path)
    if table == "pupils":
        return read_pupils(path)
    raise KeyError(table)


def issues_of(result, code=None, severity=None) -> pd.DataFrame:
    frame = result.issues
    if code is not None:
        frame = frame[frame["code"] == code]
    if severity is not None:
        frame = frame[frame["severity"] == severity]
    return frame


def assert_reconciles(result):
    assert result.n_read == result.n_kept + result.n_rejected
    assert result.reconciles()
    rejected_rows = set(issues_of(result, severity="error")["row"].dropna().astype(int))
    kept_rows = set(result.frame["source_row"].astype(int))
    assert not (rejected_rows & kept_rows), "a row with an error was kept"
    assert len(rejected_rows) == result.n_rejected, "every rejected row is named by an error"


_KIND_DTYPES = {"date": "datetime64[ns]", "datetime": "datetime64[ns]", "int": "Int64",
                "float": "Float64", "bool": "boolean"}


def assert_typed(result, spec_name: str):
    """Every kept column has the dtype its kind promises; codes and ids are text (object)."""
    spec = SPEC_BY_NAME[spec_name]
    frame = result.frame
    for col in spec.columns:
        if not col.keep:
            assert col.name not in frame, f"{col.name} must not be kept"
            continue
        expected = _KIND_DTYPES.get(col.kind, "object")
        if spec_name in ("exclusions", "pupils") and col.name == "AcademicYear":
            expected = "Int64"
        assert str(frame[col.name].dtype) == expected, (col.name, frame[col.name].dtype)
        if expected == "object":
            assert all(v is None or isinstance(v, str) for v in frame[col.name]), col.name
    assert str(frame["source_row"].dtype) == "Int64"
    assert (frame["source_file"] == result.source.split("/")[-1]).all()


# --- good files -----------------------------------------------------------------------

GOOD = {
    "cla_header": (
        "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
        "C001,M,15/06/2010,WBRI,A123456789012,,\n"
        "C002,F,2012-01-31,BAFR,,1,01/02/2025\n"
        "C003,U,29/02/2008,NOBT,,0,\n",
        {"CHILD": ["C001", "C002", "C003"], "SEX": ["M", "F", "U"],
         "DOB": [pd.Timestamp("2010-06-15"), pd.Timestamp("2012-01-31"), pd.Timestamp("2008-02-29")],
         "ETHNIC": ["WBRI", "BAFR", "NOBT"], "UPN": ["A123456789012", None, None],
         "MOTHER": [pd.NA, 1, 0], "MC_DOB": [pd.NaT, pd.Timestamp("2025-02-01"), pd.NaT]},
    ),
    "cla_episodes": (
        "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
        "C001,01/04/2024,S,C2,N1,U4,PR1,10/09/2024,X1,CARPL,TW3 1AA,TW4 2BB,SC123456\n"
        "C001,10/09/2024,P,C2,N1,K2,PR4,,,,TW3 1AA,KT1 1AA,\n",
        {"CHILD": ["C001", "C001"], "DECOM": [pd.Timestamp("2024-04-01"), pd.Timestamp("2024-09-10")],
         "RNE": ["S", "P"], "LS": ["C2", "C2"], "CIN": ["N1", "N1"], "PLACE": ["U4", "K2"],
         "PLACE_PROVIDER": ["PR1", "PR4"], "DEC": [pd.Timestamp("2024-09-10"), pd.NaT], "REC": ["X1", None],
         "REASON_PLACE_CHANGE": ["CARPL", None], "URN": ["SC123456", None]},
    ),
    "cla_missing": (
        "CHILD,DOB,MISSING,MIS_START,MIS_END\n"
        "C001,15/06/2010,M,03/05/2024,05/05/2024\n"
        "C001,15/06/2010,A,01/06/2024,\n",
        {"MISSING": ["M", "A"], "MIS_START": [pd.Timestamp("2024-05-03"), pd.Timestamp("2024-06-01")],
         "MIS_END": [pd.Timestamp("2024-05-05"), pd.NaT]},
    ),
    "cla_oc3": (
        "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\n"
        "L001,01/05/2006,YES,F2,U1\n"
        "L002,01/05/2004,NO,G5,S2\n"
        "L003,01/05/2005,DIED,0,0\n",
        {"IN_TOUCH": ["YES", "NO", "DIED"], "ACTIV": ["F2", "G5", "0"], "ACCOM": ["U1", "S2", "0"]},
    ),
    "cla_uasc": (
        "CHILD,SEX,DOB,DUC\n"
        "C009,M,01/01/2008,01/01/2026\n",
        {"SEX": ["M"], "DOB": [pd.Timestamp("2008-01-01")], "DUC": [pd.Timestamp("2026-01-01")]},
    ),
    "cla_reviews": (
        "CHILD,DOB,REVIEW,REVIEW_CODE\n"
        "C001,15/06/2010,20/05/2024,PN1\n",
        {"REVIEW": [pd.Timestamp("2024-05-20")], "REVIEW_CODE": ["PN1"]},
    ),
    "cin_child_identifiers": (
        "LAchildID,UPN,PersonBirthDate,Sex,PersonDeathDate\n"
        "RC1,A1,2015-05-01,F,\n"
        "RC2,,2016-07-09,M,\n",
        {"LAchildID": ["RC1", "RC2"], "Sex": ["F", "M"],
         "PersonBirthDate": [pd.Timestamp("2015-05-01"), pd.Timestamp("2016-07-09")]},
    ),
    "cin_child_characteristics": (
        "LAchildID,Ethnicity,Disabilities\n"
        "RC1,WBRI,NONE\n"
        "RC2,MWBC,\"HAND,LD\"\n",
        {"Ethnicity": ["WBRI", "MWBC"], "Disabilities": ["NONE", "HAND,LD"]},
    ),
    "cin_details": (
        "LAchildID,CINdetailsID,CINreferralDate,ReferralSource,PrimaryNeedCode,CINclosureDate,ReasonForClosure,ReferralNFA\n"
        "RC1,1,2024-06-01,5D,N1,,,false\n"
        "RC2,1,2024-07-01,10,N9,2024-07-03,RC8,true\n",
        {"CINreferralDate": [pd.Timestamp("2024-06-01"), pd.Timestamp("2024-07-01")],
         "ReferralSource": ["5D", "10"], "PrimaryNeedCode": ["N1", "N9"],
         "CINclosureDate": [pd.NaT, pd.Timestamp("2024-07-03")], "ReferralNFA": [False, True]},
    ),
    "cin_assessments": (
        "LAchildID,CINdetailsID,AssessmentActualStartDate,AssessmentInternalReviewDate,AssessmentAuthorisationDate,AssessmentFactors\n"
        "RC1,1,2024-06-02,,2024-07-01,\"10A,11A,24A\"\n",
        {"AssessmentFactors": ["10A,11A,24A"], "AssessmentAuthorisationDate": [pd.Timestamp("2024-07-01")]},
    ),
    "cin_section47": (
        "LAchildID,CINdetailsID,S47ActualStartDate,InitialCPCtarget,DateOfInitialCPC,ICPCnotRequired\n"
        "RC1,1,2024-06-03,2024-06-20,2024-06-18,0\n",
        {"DateOfInitialCPC": [pd.Timestamp("2024-06-18")], "ICPCnotRequired": [False]},
    ),
    "cin_cp_plans": (
        "LAchildID,CINdetailsID,CPPstartDate,CPPendDate,InitialCategoryOfAbuse,LatestCategoryOfAbuse,NumberOfPreviousCPP\n"
        "RC1,1,2024-06-18,,NEG,MUL,2\n",
        {"InitialCategoryOfAbuse": ["NEG"], "LatestCategoryOfAbuse": ["MUL"], "NumberOfPreviousCPP": [2]},
    ),
    "missing_episodes": (
        "miss_table_id,miss_person_id,miss_missing_episode_start_date,miss_missing_episode_type,"
        "miss_missing_episode_end_date,miss_missing_rhi_offered,miss_missing_rhi_accepted,miss_missing_from,"
        "miss_missing_rhi_offered_date,miss_missing_rhi_completed_date\n"
        "E1,P1,01/05/2024 22:15,M,02/05/2024 10:00,Y,Y,HOME,03/05/2024 09:00,2024-05-04T15:30\n"
        "E2,P2,2024-06-01T08:00:00,A,,N,,CARE,,\n"
        "E3,P1,2024-07-01,M,2024-07-01 23:59:59,,,,,\n",
        {"miss_missing_episode_start_date": [pd.Timestamp("2024-05-01 22:15"), pd.Timestamp("2024-06-01 08:00"), pd.Timestamp("2024-07-01")],
         "miss_missing_episode_end_date": [pd.Timestamp("2024-05-02 10:00"), pd.NaT, pd.Timestamp("2024-07-01 23:59:59")],
         "miss_missing_episode_type": ["M", "A", "M"], "miss_missing_rhi_offered": ["Y", "N", None],
         "miss_missing_from": ["HOME", "CARE", None],
         "miss_missing_rhi_completed_date": [pd.Timestamp("2024-05-04 15:30"), pd.NaT, pd.NaT]},
    ),
    "missing_persons": (
        "pers_person_id,pers_sex,pers_ethnicity,pers_dob\n"
        "P1,F,WBRI,15/06/2010\n"
        "P2,M,BCRB,2009-12-01\n",
        {"pers_sex": ["F", "M"], "pers_ethnicity": ["WBRI", "BCRB"],
         "pers_dob": [pd.Timestamp("2010-06-15"), pd.Timestamp("2009-12-01")]},
    ),
    "exclusions": (
        "UPN,URN,Phase,AcademicYear,Category,StartDate,Sessions,Reason,Ethnicity,Sex,SENprovision,FSMeligible\n"
        "A100,100001,SS,2023/24,SUSP,02/10/2023,2,PD,WBRI,M,K,Y\n"
        "A101,100001,SS,2023/24,PERM,05/03/2024,,PA,BCRB,F,E,N\n"
        "A102,100002,PS,2019/20,SUSP,05/03/2020,0.5,OT,AIND,M,N,\n",
        {"AcademicYear": [2024, 2024, 2020], "Category": ["SUSP", "PERM", "SUSP"], "Reason": ["PD", "PA", "OT"],
         "Sessions": [2.0, pd.NA, 0.5], "FSMeligible": [True, False, pd.NA], "SENprovision": ["K", "E", "N"]},
    ),
    "pupils": (
        "UPN,URN,Phase,AcademicYear,Ethnicity,Sex,SENprovision,FSMeligible\n"
        "A100,100001,SS,2023/24,WBRI,M,K,1\n"
        "A101,100001,SS,2023-24,BCRB,F,E,0\n",
        {"AcademicYear": [2024, 2024], "FSMeligible": [True, False], "Ethnicity": ["WBRI", "BCRB"]},
    ),
}


def _same(actual, expected) -> bool:
    if expected is None or expected is pd.NA or expected is pd.NaT:
        return pd.isna(actual)
    return actual == expected


@pytest.mark.parametrize("table", sorted(GOOD))
def test_good_file_reads_typed_and_clean(tmp_path, table):
    text, expected = GOOD[table]
    path = write(tmp_path, f"{table}.csv", text)
    result = read(table, path)
    assert result.table == table
    assert_typed(result, table)
    assert len(issues_of(result, severity="error")) == 0, result.issues.to_string()
    assert len(issues_of(result, severity="warning")) == 0, result.issues.to_string()
    assert result.n_rejected == 0 and result.n_kept == result.n_read == text.count("\n") - 1
    assert result.frame["source_row"].tolist() == list(range(2, result.n_read + 2))
    assert len(result.sha256) == 64
    for column, values in expected.items():
        got = result.frame[column].tolist()
        assert len(got) == len(values), column
        assert all(_same(a, e) for a, e in zip(got, values)), (column, got, values)


def test_collection_year_is_added_to_yearly_tables(tmp_path):
    path = write(tmp_path, "h.csv", GOOD["cla_header"][0])
    assert (read("cla_header", path, 2024).frame["collection_year"] == 2024).all()
    assert read("cla_header", path, 2024).year == 2024
    assert "collection_year" not in read("cla_header", path, None).frame


def test_postcodes_are_validated_but_not_kept(tmp_path):
    path = write(tmp_path, "eps.csv", GOOD["cla_episodes"][0])
    frame = read("cla_episodes", path).frame
    assert "HOME_POST" not in frame and "PL_POST" not in frame


# --- missing and misspelt columns ----------------------------------------------------

REQUIRED_CASES = [(spec.name, col) for spec in ALL_SPECS for col in spec.required]


@pytest.mark.parametrize(("table", "missing"), REQUIRED_CASES)
def test_missing_required_column_is_an_input_error(tmp_path, table, missing):
    text = GOOD[table][0]
    names = text.splitlines()[0].split(",")
    keep = [i for i, h in enumerate(names) if h != missing]
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    path = tmp_path / f"LA_{table}_extract.csv"
    frame.iloc[:, keep].to_csv(path, index=False)
    with pytest.raises(InputError) as info:
        read(table, path)
    message = str(info.value)
    assert path.name in message
    assert re.search(rf"\b{re.escape(missing)}\b", message.split("not found")[0])
    assert "Columns found:" in message
    found = message.split("Columns found:")[1]
    assert all(names[i] in found for i in keep)


def test_misspelt_column_message_is_readable(tmp_path):
    path = write(tmp_path, "Header 2025.csv", "CHILD,SEX,D.O.B,ETHNIC\nC1,M,01/01/2010,WBRI\n")
    with pytest.raises(InputError, match=r"Header 2025\.csv: cannot read as SSDA903 Header: required column\(s\) DOB "
                                         r"not found\. Columns found: CHILD, SEX, D\.O\.B, ETHNIC\."):
        read("cla_header", path)


def test_empty_file_and_missing_file_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="empty"):
        read("cla_header", write(tmp_path, "empty.csv", ""))
    with pytest.raises(InputError, match="empty"):
        read("cla_header", write(tmp_path, "blank.csv", "\n\n ,, \n"))
    with pytest.raises(InputError, match="not found"):
        read("cla_header", tmp_path / "nope.csv")


def test_header_case_spaces_and_bom_are_accepted(tmp_path):
    text = "\ufeff child , Sex ,dob,  ethnic,upn\nC1,m,01/01/2010,wbri,\n"
    result = read("cla_header", write(tmp_path, "h.csv", text))
    assert result.n_kept == 1 and len(issues_of(result, severity="error")) == 0
    row = result.frame.iloc[0]
    assert (row["CHILD"], row["SEX"], row["ETHNIC"]) == ("C1", "M", "WBRI")


def test_header_aliases_and_separators_are_accepted(tmp_path):
    text = "Child_ID,Mis-Start,MISSING,mis start,MIS END,dob\nC1,01/05/2024,M,,,\n"
    # 'Child_ID' is an alias of CHILD; 'Mis-Start' folds to MIS_START (the second spelling is ignored)
    result = read("cla_missing", write(tmp_path, "m.csv", text))
    assert result.frame.loc[0, "MIS_START"] == pd.Timestamp("2024-05-01")
    assert result.frame.loc[0, "CHILD"] == "C1"
    assert "mis start" in issues_of(result, code="extra_columns")["value"].iat[0]


def test_extra_columns_are_reported_as_info(tmp_path):
    text = "CHILD,SEX,DOB,ETHNIC,Worker,Team\nC1,M,01/01/2010,WBRI,Sam,East\n"
    result = read("cla_header", write(tmp_path, "h.csv", text))
    extra = issues_of(result, code="extra_columns")
    assert extra["severity"].tolist() == ["info"] and extra["value"].iat[0] == "Worker, Team"
    assert "Worker" not in result.frame


# --- dates ----------------------------------------------------------------------------

def test_day_first_iso_and_spreadsheet_dates(tmp_path):
    text = ("CHILD,SEX,DOB,ETHNIC\n"
            "C1,M,02/03/2010,WBRI\n"        # 2 March, never 3 February
            "C2,M,2010-03-02,WBRI\n"
            "C3,M,2/3/2010,WBRI\n"
            "C4,M,02/03/2010 00:00,WBRI\n"  # as spreadsheets export dates
            "C5,M,2010-03-02T00:00:00,WBRI\n"
            "C6,M,02-03-2010,WBRI\n"
            "C7,M,02.03.2010,WBRI\n")
    result = read("cla_header", write(tmp_path, "h.csv", text))
    assert result.n_kept == 7, result.issues.to_string()
    assert (result.frame["DOB"] == pd.Timestamp("2010-03-02")).all()


def test_datetimes_keep_their_time_and_dates_are_midnight(tmp_path):
    text = GOOD["missing_episodes"][0]
    frame = read("missing_episodes", write(tmp_path, "m.csv", text)).frame
    assert frame["miss_missing_episode_start_date"].iat[0] == pd.Timestamp("2024-05-01 22:15")
    assert frame["miss_missing_episode_start_date"].iat[2] == pd.Timestamp("2024-07-01 00:00")
    # a date column drops a time it is given
    text = "CHILD,SEX,DOB,ETHNIC\nC1,M,02/03/2010 13:45,WBRI\n"
    assert read("cla_header", write(tmp_path, "h.csv", text)).frame["DOB"].iat[0] == pd.Timestamp("2010-03-02")


def test_impossible_date_is_reported_precisely(tmp_path):
    text = ("CHILD,SEX,DOB,ETHNIC\n"
            "C1,M,01/01/2010,WBRI\n"
            "C2,F,31/02/2024,WBRI\n"
            "C3,F,01/01/2011,WBRI\n")
    path = write(tmp_path, "SSDA903_Header.csv", text)
    result = read("cla_header", path)
    bad = issues_of(result, code="date")
    assert len(bad) == 1
    issue = bad.iloc[0]
    assert issue["source"] == str(path)
    assert issue["table"] == "cla_header"
    assert issue["row"] == 3
    assert issue["column"] == "DOB"
    assert issue["value"] == "31/02/2024"
    assert issue["severity"] == "error"
    assert "expected dd/mm/YYYY" in issue["message"]
    assert result.frame["CHILD"].tolist() == ["C1", "C3"]
    assert_reconciles(result)
    line = Issue(**{**issue.to_dict(), "row": int(issue["row"])}).describe()
    assert line.startswith("SSDA903_Header.csv, row 3, column DOB: value '31/02/2024':")


@pytest.mark.parametrize("value", ["31/02/2024", "2024-13-01", "32/01/2024", "01/01/1066", "01/01/2300",
                                   "yesterday", "45382", "2024/31/01", "13/13/13"])
def test_bad_dates_reject_a_required_date(tmp_path, value):
    text = f"CHILD,SEX,DOB,ETHNIC\nC1,M,{value},WBRI\nC2,M,01/01/2010,WBRI\n"
    result = read("cla_header", write(tmp_path, "h.csv", text))
    assert result.frame["CHILD"].tolist() == ["C2"]
    assert issues_of(result, code="date")[["row", "column", "value"]].values.tolist() == [[2, "DOB", value]]
    assert_reconciles(result)


def test_bad_optional_date_is_blanked_with_a_warning(tmp_path):
    text = "CHILD,SEX,DOB,ETHNIC,MC_DOB\nC1,F,01/01/2008,WBRI,30/02/2025\n"
    result = read("cla_header", write(tmp_path, "h.csv", text))
    assert result.n_kept == 1 and pd.isna(result.frame["MC_DOB"].iat[0])
    assert issues_of(result, code="date")["severity"].tolist() == ["warning"]


def test_parse_dates_never_guesses_month_first():
    parsed = parse_dates(pd.Series(["12/31/2024", "31/12/2024", None, ""]))
    assert pd.isna(parsed.iat[0]) and parsed.iat[1] == pd.Timestamp("2024-12-31")
    assert parsed.isna().tolist() == [True, False, True, True]
    assert str(parsed.dtype) == "datetime64[ns]"


# --- codes ----------------------------------------------------------------------------

def test_lower_case_and_padded_codes_are_accepted(tmp_path):
    text = ("CHILD,DECOM,RNE,LS,CIN,PLACE,DEC,REC\n"
            "c1,01/04/2024, s ,c2,n1,u4,02/05/2024,e13\n")
    result = read("cla_episodes", write(tmp_path, "e.csv", text))
    assert len(issues_of(result, severity="warning")) == 0, result.issues.to_string()
    row = result.frame.iloc[0]
    assert (row["RNE"], row["LS"], row["CIN"], row["PLACE"], row["REC"]) == ("S", "C2", "N1", "U4", "E13")
    assert row["CHILD"] == "c1"  # identifiers are kept as written


def test_sex_1_2_in_2024_and_m_f_u_in_2025(tmp_path):
    old = read("cla_header", write(tmp_path, "h24.csv", "CHILD,SEX,DOB,ETHNIC\nC1,1,01/01/2010,WBRI\nC2,2,01/01/2010,WBRI\n"), 2024)
    assert old.frame["SEX"].tolist() == ["M", "F"] and old.issues.empty
    new = read("cla_header", write(tmp_path, "h25.csv", "CHILD,SEX,DOB,ETHNIC\nC1,M,01/01/2010,WBRI\nC2,f,01/01/2010,WBRI\n"
                                                        "C3,U,01/01/2010,WBRI\n"), 2025)
    assert new.frame["SEX"].tolist() == ["M", "F", "U"] and new.issues.empty
    # LAs resubmitting a later year with the old numeric codes are read the same way
    resubmitted = read("cla_header", write(tmp_path, "h25b.csv", "CHILD,SEX,DOB,ETHNIC\nC1,1,01/01/2010,WBRI\n"), 2025)
    assert resubmitted.frame["SEX"].tolist() == ["M"]


def test_sex_u_in_2024_is_not_valid_that_year(tmp_path):
    # SSDA903 2023-24 had only 1 (male) and 2 (female); U arrived with M/F/U in 2024-25.
    result = read("cla_header", write(tmp_path, "h.csv", "CHILD,SEX,DOB,ETHNIC\nC1,U,01/01/2010,WBRI\n"), 2024)
    issue = issues_of(result, code="code").iloc[0]
    assert (issue["row"], issue["column"], issue["value"], issue["severity"]) == (2, "SEX", "U", "warning")
    assert "valid in collection year 2024: F, M" in issue["message"]
    assert result.n_kept == 1 and pd.isna(result.frame["SEX"].iat[0])  # kept, value blanked


@pytest.mark.parametrize(("code", "year", "valid"), [
    ("H5", 2025, True), ("H5", 2026, False), ("K3", 2025, False), ("K3", 2026, True),
    ("P2", 2025, True), ("P2", 2026, False), ("Z1", 2025, True), ("Z1", 2026, False),
    ("Z11", 2025, False), ("Z14", 2026, True), ("U4", 2025, True), ("U4", 2026, True),
])
def test_place_codes_follow_the_collection_year(tmp_path, code, year, valid):
    text = f"CHILD,DECOM,RNE,LS,CIN,PLACE,DEC,REC\nC1,01/04/{year - 1},S,C2,N1,{code.lower()},,\n"
    result = read("cla_episodes", write(tmp_path, "e.csv", text), year)
    assert result.n_kept == 1
    bad = issues_of(result, code="code")
    if valid:
        assert bad.empty and result.frame["PLACE"].iat[0] == code
    else:
        assert bad[["row", "column", "value", "severity"]].values.tolist() == [[2, "PLACE", code.lower(), "warning"]]
        assert f"collection year {year}" in bad["message"].iat[0]
        assert pd.isna(result.frame["PLACE"].iat[0])


def test_unknown_ethnicity_is_a_warning_and_the_row_is_kept(tmp_path):
    text = "CHILD,SEX,DOB,ETHNIC\nC1,M,01/01/2010,WXYZ\nC2,M,01/01/2010,\n"
    result = read("cla_header", write(tmp_path, "h.csv", text))
    assert result.n_kept == 2
    assert result.frame["ETHNIC"].isna().all()
    bad = issues_of(result, code="code")
    assert bad[["row", "column", "value", "severity"]].values.tolist() == [[2, "ETHNIC", "WXYZ", "warning"]]
    assert "WBRI" in bad["message"].iat[0]


def test_invalid_required_code_rejects_the_row(tmp_path):
    text = "CHILD,DOB,MISSING,MIS_START,MIS_END\nC1,,X,01/05/2024,\nC2,,a,01/05/2024,\n"
    result = read("cla_missing", write(tmp_path, "m.csv", text))
    assert result.frame["CHILD"].tolist() == ["C2"] and result.frame["MISSING"].tolist() == ["A"]
    assert issues_of(result, severity="error")[["row", "column", "value"]].values.tolist() == [[2, "MISSING", "X"]]
    assert_reconciles(result)


def test_blank_required_values_reject_and_are_named(tmp_path):
    text = "CHILD,SEX,DOB,ETHNIC\n,M,01/01/2010,WBRI\nC2,M,NULL,WBRI\nC3,,01/01/2010,WBRI\n"
    result = read("cla_header", write(tmp_path, "h.csv", text))
    errors = issues_of(result, severity="error")
    assert errors[["row", "column", "code"]].values.tolist() == [[2, "CHILD", "blank"], [3, "DOB", "blank"]]
    # SEX is needed but not fatal: a warning, row kept
    assert issues_of(result, severity="warning")[["row", "column"]].values.tolist() == [[4, "SEX"]]
    assert result.frame["CHILD"].tolist() == ["C3"]
    assert_reconciles(result)


def test_numbers_are_checked_for_type_and_range(tmp_path):
    text = ("CHILD,SEX,DOB,ETHNIC,MOTHER\n"
            "C1,F,01/01/2008,WBRI,1\nC2,F,01/01/2008,WBRI,2\nC3,F,01/01/2008,WBRI,yes\n"
            "C4,F,01/01/2008,WBRI,inf\nC5,F,01/01/2008,WBRI,0.5\nC6,F,01/01/2008,WBRI,1e400\nC7,F,01/01/2008,WBRI,1.0\n")
    result = read("cla_header", write(tmp_path, "h.csv", text))
    assert result.n_kept == 7
    assert result.frame["MOTHER"].tolist()[0] == 1 and result.frame["MOTHER"].tolist()[6] == 1
    assert result.frame["MOTHER"].iloc[1:6].isna().all()
    found = issues_of(result, severity="warning")[["row", "code"]].values.tolist()
    assert found == [[4, "number"], [5, "number"], [6, "number"], [7, "number"], [3, "range"]]


def test_duplicate_keys_are_warned_not_dropped(tmp_path):
    text = "CHILD,SEX,DOB,ETHNIC\nC1,M,01/01/2010,WBRI\nC1,M,01/01/2010,WBRI\n"
    result = read("cla_header", write(tmp_path, "h.csv", text))
    assert result.n_kept == 2
    assert issues_of(result, code="duplicate")[["row", "severity"]].values.tolist() == [[3, "warning"]]


# --- file shape: blank rows, ragged rows, encodings, delimiters ----------------------

def test_empty_trailing_rows_are_ignored_and_not_counted(tmp_path):
    text = "CHILD,SEX,DOB,ETHNIC\nC1,M,01/01/2010,WBRI\n,,,\n\n , , , \nC2,F,01/01/2011,WBRI\n,,,\n,,,\n\n"
    result = read("cla_header", write(tmp_path, "h.csv", text))
    assert result.n_read == 2 and result.n_kept == 2
    assert result.frame["source_row"].tolist() == [2, 6]  # spreadsheet rows, blank rows still count
    note = issues_of(result, code="blank_rows")
    assert note["severity"].tolist() == ["info"] and "6 empty rows" in note["message"].iat[0]


def test_ragged_rows_with_extra_values_are_rejected_and_short_rows_padded(tmp_path):
    text = ("CHILD,SEX,DOB,ETHNIC\n"
            "C1,M,01/01/2010,WBRI\n"
            "C2,M,01/01/2010,WBRI,extra,cells\n"   # shifted: rejected
            "C3,M,01/01/2010,WBRI,,\n"             # trailing empty cells: fine
            "C4,M,01/01/2010\n"                    # short: ETHNIC read as blank
            "C5,M\n")                              # short: DOB missing, rejected
    result = read("cla_header", write(tmp_path, "h.csv", text))
    assert result.frame["CHILD"].tolist() == ["C1", "C3", "C4"]
    errors = issues_of(result, severity="error")
    assert errors[["row", "code"]].values.tolist() == [[3, "ragged"], [6, "blank"]]
    assert "6 cells but the header has 4" in errors["message"].iat[0]
    short = issues_of(result, code="short_rows")
    assert short["severity"].tolist() == ["warning"] and "rows 5, 6" in short["message"].iat[0]
    assert_reconciles(result)


def test_quoted_line_breaks_keep_spreadsheet_row_numbers(tmp_path):
    text = ('CHILD,DOB,REVIEW,REVIEW_CODE\n'
            'C1,01/01/2010,01/05/2024,"PN1\nsecond line"\n'
            'C2,01/01/2010,31/02/2024,PN2\n')
    result = read("cla_reviews", write(tmp_path, "r.csv", text))
    assert issues_of(result, code="date")["row"].tolist() == [3]  # the third row a spreadsheet shows
    assert result.frame["source_row"].tolist() == [2]


def test_windows_1252_bytes_are_read(tmp_path):
    text = "CHILD,DOB,REVIEW,REVIEW_CODE\nC1,01/01/2010,01/05/2024,Révisé – ok\n"
    path = write(tmp_path, "r.csv", text, encoding="cp1252")
    result = read("cla_reviews", path)
    assert result.frame["REVIEW_CODE"].iat[0] == "Révisé – ok"
    assert issues_of(result, code="encoding")["severity"].tolist() == ["info"]


def test_utf8_with_bom_is_not_reported_as_an_encoding_problem(tmp_path):
    path = write(tmp_path, "r.csv", "CHILD,DOB,REVIEW,REVIEW_CODE\nC1,01/01/2010,01/05/2024,Révisé\n", encoding="utf-8-sig")
    result = read("cla_reviews", path)
    assert result.frame["REVIEW_CODE"].iat[0] == "Révisé"
    assert issues_of(result, code="encoding").empty


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_other_delimiters_are_detected(tmp_path, delimiter):
    rows = [["CHILD", "SEX", "DOB", "ETHNIC", "UPN"], ["C1", "M", "01/01/2010", "WBRI", "A1"],
            ["C2", "F", "2011-02-03", "BAFR", ""]]
    path = write(tmp_path, "h.csv", "\n".join(delimiter.join(r) for r in rows) + "\n")
    result = read("cla_header", path)
    assert result.frame["CHILD"].tolist() == ["C1", "C2"]
    assert result.frame["DOB"].tolist() == [pd.Timestamp("2010-01-01"), pd.Timestamp("2011-02-03")]
    assert issues_of(result, code="delimiter")["severity"].tolist() == ["info"]


def test_semicolon_file_with_commas_in_values(tmp_path):
    text = "CHILD;DOB;REVIEW;REVIEW_CODE\nC1;01/01/2010;01/05/2024;PN1, late\nC2;01/01/2010;02/05/2024;PN2\n"
    result = read("cla_reviews", write(tmp_path, "r.csv", text))
    assert result.frame["REVIEW_CODE"].tolist() == ["PN1, late", "PN2"]


def test_comma_file_with_semicolons_in_values_stays_comma():
    assert detect_delimiter("CHILD,DOB,REVIEW,REVIEW_CODE\nC1,01/01/2010,01/05/2024,a;b;c;d;e\n") == ","
    assert detect_delimiter("ONE_COLUMN\nx\n") == ","


# --- exclusions and pupils ------------------------------------------------------------

EXCLUSION_HEADER = "UPN,URN,Phase,AcademicYear,Category,StartDate,Sessions,Reason,Ethnicity,Sex,SENprovision,FSMeligible\n"


def test_other_reason_valid_in_2019_20_and_unmapped_in_2022_23(tmp_path):
    text = (EXCLUSION_HEADER +
            "A1,1,SS,2019/20,SUSP,01/10/2019,2,OT,WBRI,M,N,N\n"
            "A2,1,SS,2022/23,SUSP,01/10/2022,2,ot,WBRI,M,N,N\n"
            "A3,1,SS,2022/23,SUSP,01/10/2022,2,MT,WBRI,M,N,N\n"
            "A4,1,SS,2019/20,SUSP,01/10/2019,2,MT,WBRI,M,N,N\n")
    result = read("exclusions", write(tmp_path, "x.csv", text))
    assert result.frame["Reason"].tolist() == ["OT", "UNMAPPED", "MT", "UNMAPPED"]
    flagged = issues_of(result, code="unmapped_reason")
    assert flagged[["row", "column", "value", "severity"]].values.tolist() == [
        [3, "Reason", "ot", "warning"], [5, "Reason", "MT", "warning"]]
    assert "2022/23" in flagged["message"].iat[0] and "2019/20" in flagged["message"].iat[1]
    assert result.n_kept == 4


def test_exclusion_category_aliases_and_bad_category(tmp_path):
    text = (EXCLUSION_HEADER +
            "A1,1,SS,2023/24,fixed,01/10/2023,2,PD,WBRI,M,N,N\n"
            "A2,1,SS,2023/24,Permanent,01/10/2023,,PD,WBRI,M,N,N\n"
            "A3,1,SS,2023/24,EXPELLED,01/10/2023,,PD,WBRI,M,N,N\n")
    result = read("exclusions", write(tmp_path, "x.csv", text))
    assert result.frame["Category"].tolist() == ["SUSP", "PERM"]
    assert issues_of(result, severity="error")[["row", "column", "value"]].values.tolist() == [[4, "Category", "EXPELLED"]]
    assert_reconciles(result)


def test_bad_academic_year_rejects_the_row(tmp_path):
    text = (EXCLUSION_HEADER +
            "A1,1,SS,2023/24,SUSP,01/10/2023,2,PD,WBRI,M,N,N\n"
            "A2,1,SS,2023/25,SUSP,01/10/2023,2,PD,WBRI,M,N,N\n"
            "A3,1,SS,last year,SUSP,01/10/2023,2,PD,WBRI,M,N,N\n")
    result = read("exclusions", write(tmp_path, "x.csv", text))
    assert result.frame["UPN"].tolist() == ["A1"]
    bad = issues_of(result, code="academic_year")
    assert bad[["row", "column", "value", "severity"]].values.tolist() == [
        [3, "AcademicYear", "2023/25", "error"], [4, "AcademicYear", "last year", "error"]]
    assert_reconciles(result)


@pytest.mark.parametrize(("text", "year"), [
    ("2023/24", 2024), ("2023-24", 2024), ("2023/2024", 2024), ("202324", 2024), ("2024", 2024),
    (" 2019/20 ", 2020), ("1999/00", 2000), ("2023/25", None), ("202325", None), ("24", None), ("", None),
])
def test_parse_academic_year(text, year):
    got = parse_academic_year(pd.Series([text])).iat[0]
    assert (pd.isna(got) and year is None) or got == year


def test_sessions_range_and_fsm_values(tmp_path):
    text = (EXCLUSION_HEADER +
            "A1,1,SS,2023/24,SUSP,01/10/2023,-1,PD,WBRI,M,N,maybe\n"
            "A2,1,SS,2023/24,SUSP,01/10/2023,1000,PD,WBRI,M,N,true\n")
    result = read("exclusions", write(tmp_path, "x.csv", text))
    assert result.n_kept == 2
    assert result.frame["Sessions"].isna().all()
    assert result.frame["FSMeligible"].tolist()[1] is True and pd.isna(result.frame["FSMeligible"].iat[0])
    assert issues_of(result, severity="warning")[["row", "column", "code"]].values.tolist() == [
        [2, "Sessions", "range"], [3, "Sessions", "range"], [2, "FSMeligible", "bool"]]


def test_pupils_good_and_bad(tmp_path):
    text = ("upn ,URN,phase,Academic_Year,ethnicity,GENDER,SEN,fsm\n"
            "A1,1,secondary,2023/24,wbri,f,EHCP,Y\n"
            "A1,1,SS,2023/24,WBRI,F,E,Y\n"
            "A2,1,XX,2023/24,WBRI,F,Q,Y\n")
    result = read("pupils", write(tmp_path, "p.csv", text))
    assert result.frame["Phase"].tolist() == ["SS", "SS", None]
    assert result.frame["SENprovision"].tolist() == ["E", "E", None]
    assert result.frame["Sex"].tolist() == ["F", "F", "F"]
    assert issues_of(result, code="duplicate")["row"].tolist() == [3]
    assert issues_of(result, code="code")[["row", "column"]].values.tolist() == [[4, "Phase"], [4, "SENprovision"]]


# --- missing log ----------------------------------------------------------------------

def test_missing_log_optional_columns_may_be_absent(tmp_path):
    text = ("miss_table_id,miss_person_id,miss_missing_episode_start_date,miss_missing_episode_type,"
            "miss_missing_episode_end_date,miss_missing_rhi_offered,miss_missing_rhi_accepted\n"
            "E1,P1,01/05/2024 22:15,away,02/05/2024,yes,no\n")
    result = read("missing_episodes", write(tmp_path, "m.csv", text))
    assert_typed(result, "missing_episodes")
    row = result.frame.iloc[0]
    assert (row["miss_missing_episode_type"], row["miss_missing_rhi_offered"], row["miss_missing_rhi_accepted"]) == ("A", "Y", "N")
    assert pd.isna(row["miss_missing_from"]) and pd.isna(row["miss_missing_rhi_offered_date"])


def test_missing_log_bad_values(tmp_path):
    text = ("miss_table_id,miss_person_id,miss_missing_episode_start_date,miss_missing_episode_type,"
            "miss_missing_episode_end_date,miss_missing_rhi_offered,miss_missing_rhi_accepted,miss_missing_from\n"
            "E1,P1,31/02/2024 10:00,M,,Y,Y,HOME\n"
            "E2,P1,01/03/2024 25:00,M,,Y,Y,HOME\n"
            "E3,P1,01/03/2024 10:00,Q,01/03/2024 09:00,maybe,Y,school\n")
    result = read("missing_episodes", write(tmp_path, "m.csv", text))
    assert result.frame["miss_table_id"].tolist() == ["E3"]
    assert issues_of(result, severity="error")[["row", "column"]].values.tolist() == [
        [2, "miss_missing_episode_start_date"], [3, "miss_missing_episode_start_date"]]
    assert issues_of(result, severity="warning")[["row", "column"]].values.tolist() == [
        [4, "miss_missing_episode_type"], [4, "miss_missing_rhi_offered"], [4, "miss_missing_from"]]
    assert_reconciles(result)


def test_missing_persons_sex_has_no_year(tmp_path):
    text = "pers_person_id,pers_sex,pers_ethnicity,pers_dob\nP1,U,,\nP2,1,REFU,\nP3,X,WBRI,\n"
    result = read("missing_persons", write(tmp_path, "p.csv", text))
    assert result.frame["pers_sex"].tolist() == ["U", "M", None]
    assert issues_of(result, code="code")[["row", "column"]].values.tolist() == [[4, "pers_sex"]]


# --- CIN census -----------------------------------------------------------------------

CIN_XML = """<?xml version="1.0" encoding="utf-8"?>
<Message>
  <Header><CollectionDetails><Collection>CIN</Collection><Year>{year}</Year>
    <ReferenceDate>{year}-03-31</ReferenceDate></CollectionDetails></Header>
  <Children>
    <Child>
      <ChildIdentifiers><LAchildID>RC1</LAchildID><UPN>A1</UPN><PersonBirthDate>2015-05-01</PersonBirthDate>
        <Sex>f</Sex></ChildIdentifiers>
      <ChildCharacteristics><Ethnicity>WBRI</Ethnicity>
        <Disabilities><Disability>NONE</Disability></Disabilities></ChildCharacteristics>
      <CINdetails>
        <CINreferralDate>2024-06-01</CINreferralDate><ReferralSource>5D</ReferralSource>
        <PrimaryNeedCode>N1</PrimaryNeedCode><ReferralNFA>false</ReferralNFA>
        <Assessments><AssessmentActualStartDate>2024-06-02</AssessmentActualStartDate>
          <AssessmentAuthorisationDate>2024-07-01</AssessmentAuthorisationDate>
          <FactorsIdentifiedAtAssessment><AssessmentFactors>10A</AssessmentFactors>
            <AssessmentFactors>24A</AssessmentFactors></FactorsIdentifiedAtAssessment></Assessments>
        <Section47><S47ActualStartDate>2024-06-03</S47ActualStartDate><InitialCPCtarget>2024-06-20</InitialCPCtarget>
          <DateOfInitialCPC>2024-06-18</DateOfInitialCPC><ICPCnotRequired>false</ICPCnotRequired></Section47>
        <ChildProtectionPlans><CPPstartDate>2024-06-18</CPPstartDate><InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>
          <LatestCategoryOfAbuse>emo</LatestCategoryOfAbuse><NumberOfPreviousCPP>0</NumberOfPreviousCPP></ChildProtectionPlans>
      </CINdetails>
      <CINdetails><CINreferralDate>2024-11-05</CINreferralDate><ReferralSource>2A</ReferralSource>
        <PrimaryNeedCode>N4</PrimaryNeedCode><CINclosureDate>2025-01-10</CINclosureDate></CINdetails>
    </Child>
    <Child>
      <ChildIdentifiers><LAchildID>RC2</LAchildID><PersonBirthDate>2015-02-31</PersonBirthDate><Sex>M</Sex></ChildIdentifiers>
      <ChildCharacteristics><Ethnicity>ZZZZ</Ethnicity></ChildCharacteristics>
      <CINdetails><CINreferralDate>2024-13-01</CINreferralDate><ReferralSource>99</ReferralSource></CINdetails>
    </Child>
  </Children>
</Message>
"""


def test_cin_xml_reads_every_table(tmp_path):
    path = write(tmp_path, "cin.xml", CIN_XML.format(year=2025))
    out = read_cin_xml(path)
    assert set(out) == CIN
    for name, result in out.items():
        assert_typed(result, name)
        assert_reconciles(result)
        assert result.year == 2025 and (result.frame["collection_year"] == 2025).all()
    ident = out["cin_child_identifiers"].frame
    assert ident["LAchildID"].tolist() == ["RC1", "RC2"] and ident["Sex"].tolist() == ["F", "M"]
    assert out["cin_child_characteristics"].frame["Disabilities"].tolist() == ["NONE", None]
    details = out["cin_details"].frame
    assert details[["LAchildID", "CINdetailsID"]].values.tolist() == [["RC1", "1"], ["RC1", "2"]]
    assert details["ReferralNFA"].tolist()[0] is False and pd.isna(details["ReferralNFA"].iat[1])
    assert details["CINclosureDate"].tolist()[1] == pd.Timestamp("2025-01-10")
    assert out["cin_assessments"].frame["AssessmentFactors"].tolist() == ["10A,24A"]
    assert out["cin_cp_plans"].frame["LatestCategoryOfAbuse"].tolist() == ["EMO"]
    assert out["cin_section47"].frame["ICPCnotRequired"].tolist() == [False]


def test_cin_xml_issues_name_the_child_position(tmp_path):
    path = write(tmp_path, "cin.xml", CIN_XML.format(year=2025))
    out = read_cin_xml(path)
    bad_dob = issues_of(out["cin_child_identifiers"], code="date")
    assert bad_dob[["row", "column", "value", "severity"]].values.tolist() == [[2, "PersonBirthDate", "2015-02-31", "warning"]]
    details = out["cin_details"]
    assert details.n_read == 3 and details.n_rejected == 1
    error = issues_of(details, severity="error")
    assert error[["row", "column", "value"]].values.tolist() == [[2, "CINreferralDate", "2024-13-01"]]
    # the message says which child, and which of its CINdetails, the value is in
    assert error["message"].iat[0].startswith("Child 2 (LAchildID RC2), CINdetails 1: not a valid date")
    assert details.frame["source_row"].tolist() == [1, 1]  # both CINdetails of the first child
    assert issues_of(out["cin_child_characteristics"], code="code")["value"].tolist() == ["ZZZZ"]


def test_cin_xml_year_argument_and_reference_date(tmp_path):
    assert read_cin_xml(write(tmp_path, "a.xml", CIN_XML.format(year=2024)), year=2026)["cin_details"].year == 2026
    no_year = CIN_XML.format(year=2024).replace("<Year>2024</Year>", "")
    assert read_cin_xml(write(tmp_path, "b.xml", no_year))["cin_details"].year == 2024


def test_cin_xml_without_children_is_a_warning(tmp_path):
    out = read_cin_xml(write(tmp_path, "e.xml", "<Message><Header/><Children/></Message>"))
    assert all(r.n_read == 0 for r in out.values())
    assert issues_of(out["cin_child_identifiers"], code="no_children")["severity"].tolist() == ["warning"]


@pytest.mark.parametrize("text", ["", "<Message><Children>", "not xml at all", "<a></b>",
                                  '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY e "x">]><m>&e;</m>'])
def test_cin_xml_malformed_is_an_input_error(tmp_path, text):
    path = write(tmp_path, "bad.xml", text)
    with pytest.raises(InputError, match="bad.xml"):
        read_cin_xml(path)


def test_cin_flat_combined_child_file(tmp_path):
    text = "LAchildID,UPN,PersonBirthDate,Sex,Ethnicity\nRC1,A1,2015-05-01,2,WBRI\n"
    path = write(tmp_path, "children.csv", text)
    assert identify_file(path).name == "cin_child_identifiers"
    frame = read("cin_child_identifiers", path).frame
    assert frame[["Sex", "Ethnicity"]].values.tolist() == [["F", "WBRI"]]


def test_cin_flat_and_xml_give_the_same_frames(tmp_path):
    out = read_cin_xml(write(tmp_path, "cin.xml", CIN_XML.format(year=2025)))
    for name in ("cin_section47", "cin_cp_plans", "cin_assessments"):
        frame = out[name].frame
        spec = SPEC_BY_NAME[name]
        columns = [c.name for c in spec.columns]
        csv = frame[columns].astype(object).where(frame[columns].notna(), "")
        for col in columns:  # write back as the flat CSV route would receive it
            if str(frame[col].dtype).startswith("datetime"):
                csv[col] = frame[col].dt.strftime("%Y-%m-%d").fillna("")
        path = tmp_path / f"{name}.csv"
        csv.to_csv(path, index=False)
        flat = read_cin_csv(path, name, 2025).frame
        pd.testing.assert_frame_equal(flat[columns], frame[columns], check_dtype=True)


# --- identification -------------------------------------------------------------------

@pytest.mark.parametrize("table", sorted(GOOD))
@pytest.mark.parametrize("name", ["export.csv", "Copy of final (2).txt", "{table}_2025.csv"])
def test_identify_by_columns_not_names(tmp_path, table, name):
    text = GOOD[table][0]
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    reordered = frame[list(reversed(frame.columns))]
    reordered.columns = [f" {c.upper()} " for c in reordered.columns]
    path = tmp_path / name.format(table=table)
    reordered.to_csv(path, index=False)
    assert identify_file(path).name == table
    # and the reversed, upper-cased file still reads with the same values
    result = read(table, path)
    original = read(table, write(tmp_path, "original.csv", text))
    pd.testing.assert_frame_equal(result.frame.drop(columns="source_file"), original.frame.drop(columns="source_file"))


def test_identify_minimal_required_columns():
    assert identify_table(["CHILD", "SEX", "DOB", "ETHNIC"]).name == "cla_header"
    assert identify_table(["CHILD", "SEX", "DOB", "DUC"]).name == "cla_uasc"
    assert identify_table(["child", "dob", "review", "review_code"]).name == "cla_reviews"
    assert identify_table(["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"]).name == "cla_missing"
    assert identify_table(["LAchildID", "Ethnicity"]).name == "cin_child_characteristics"
    pupil = ["UPN", "URN", "Phase", "AcademicYear", "Ethnicity", "Sex", "SENprovision", "FSMeligible"]
    assert identify_table(pupil).name == "pupils"
    exclusion = pupil + ["Category", "StartDate", "Sessions", "Reason"]
    assert identify_table(exclusion).name == "exclusions"
    # an exclusions extract lacking a column is not mistaken for the pupil roll
    assert identify_table(exclusion[:-1]) is None
    assert closest_table(exclusion[:-1])[0].name == "exclusions"
    assert identify_table(pupil[:-1]) is None
    assert identify_table(["pers_person_id", "pers_sex", "pers_ethnicity", "pers_dob"]).name == "missing_persons"
    assert identify_table(["name", "age"]) is None
    assert identify_table([]) is None


def test_closest_table_names_what_is_missing():
    spec, missing = closest_table(["CHILD", "DECOMM", "RNE", "LS", "CIN", "PLACE", "DEC", "REC"])
    assert spec.name == "cla_episodes" and missing == ["DECOM"]
    assert closest_table(["name", "age"]) == (None, [])
    assert closest_table(["CHILD", "name"]) == (None, [])  # one shared column is not "close"


def test_every_spec_is_identified_from_its_own_columns():
    for spec in ALL_SPECS:
        assert identify_table([c.name for c in spec.columns]).name == spec.name
        assert identify_table(list(spec.required) + list(spec.signature)).name == spec.name


# --- shipped templates ------------------------------------------------------------------

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"


@pytest.mark.parametrize("table", ["missing_episodes", "missing_persons", "exclusions", "pupils"])
def test_templates_match_the_specifications(table, tmp_path):
    path = TEMPLATES_DIR / f"{table}_TEMPLATE.csv"
    text = path.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, "templates are shipped empty: header row only"
    assert lines[0].split(",") == [c.name for c in SPEC_BY_NAME[table].columns]
    assert identify_file(path).name == table
    result = read(table, path)
    assert result.n_read == 0 and result.frame.empty
    assert_typed(result, table)


def test_raw_readme_documents_every_table_and_column():
    readme = (TEMPLATES_DIR.parent / "data" / "raw" / "README.md").read_text(encoding="utf-8")
    for spec in ALL_SPECS:
        assert f"`{spec.name}`" in readme, spec.name
        for col in spec.columns:
            assert f"`{col.name}`" in readme, (spec.name, col.name)
    for template in TEMPLATES_DIR.glob("*_TEMPLATE.csv"):
        assert f"templates/{template.name}" in readme
    processed = (TEMPLATES_DIR.parent / "data" / "processed" / "README.md").read_text(encoding="utf-8")
    from safeguarding.prepare import PROCESSED_TABLES
    assert all(f"`{name}`" in processed for name in PROCESSED_TABLES)


def test_cin_xml_reads_an_initial_conference_dated_on_cindetails(tmp_path):
    """A child moving in on a plan has an initial conference with no section 47 enquiry: CIN
    census item N00110 sits on CINdetails. It is read, not dropped."""
    xml = CIN_XML.format(year=2025).replace(
        "<CINclosureDate>2025-01-10</CINclosureDate></CINdetails>",
        "<CINclosureDate>2025-01-10</CINclosureDate><DateOfInitialCPC>2024-11-20</DateOfInitialCPC></CINdetails>")
    details = read_cin_xml(write(tmp_path, "cin.xml", xml))["cin_details"]
    assert_reconciles(details)
    frame = details.frame
    assert pd.isna(frame["DateOfInitialCPC"].iat[0])
    assert frame["DateOfInitialCPC"].iat[1] == pd.Timestamp("2024-11-20")
