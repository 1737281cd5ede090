"""Ingest: a raw folder of hand-written files with LA-style names -> parquet tables,
validation_report.csv, validation_summary.csv and manifest.json; and the command line."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from safeguarding.cli import main
from safeguarding.issues import ISSUE_COLUMNS, InputError
from safeguarding.prepare import PROCESSED_TABLES, infer_year, ingest, read_raw_dir

VENV_BIN = Path(sys.executable).parent

FILES = {
    "SSDA903_2024-25_Header.csv": (
        "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
        "C1,M,15/06/2010,WBRI,,,\n"
        "C2,F,31/02/2012,BAFR,,,\n"        # impossible date: rejected
        "C3,U,01/01/2008,XXXX,,,\n"        # unknown ethnicity: kept, blanked
        "C4,F,01/04/2007,MWBC,,1,01/02/2025\n"),
    "eps.csv": (                            # no year in the name: the default (period end) year
        "DECOM,CHILD,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,HOME_POST,PL_POST\n"
        "01/04/2024,C1,S,C2,N1,U4,PR1,,,TW3 1AA,TW4 1AA\n"
        "05/05/2024,C3,S,V2,N4,K2,PR4,01/05/2024,E13,,\n"   # ends before it starts
        "01/06/2024,C9,S,V2,N4,K3,PR4,,,,\n"                # K3 not valid in 2024-25; C9 has no header row
        "01/06/2024,C4,S,C2,N1,R1,PR1,01/03/2025,E4A,,\n"),
    "Missing 2024_2025.csv": (
        "CHILD,DOB,MISSING,MIS_START,MIS_END\n"
        "C1,15/06/2010,M,03/05/2024,05/05/2024\n"
        "C1,15/06/2010,A,01/06/2024,\n"),
    "oc3.txt": (
        "CHILD;DOB;IN_TOUCH;ACTIV;ACCOM\n"
        "L1;01/05/2006;YES;F2;U1\n"
        "L2;01/05/2004;NO;G5;S2\n"),
    "missing_episodes_export.csv": (
        "miss_table_id,miss_person_id,miss_missing_episode_start_date,miss_missing_episode_type,"
        "miss_missing_episode_end_date,miss_missing_rhi_offered,miss_missing_rhi_accepted,miss_missing_from,"
        "miss_missing_rhi_offered_date,miss_missing_rhi_completed_date\n"
        "E1,P1,01/05/2024 22:15,M,02/05/2024 10:00,Y,Y,HOME,05/05/2024 10:00,06/05/2024 12:00\n"
        "E2,P2,01/06/2024 08:00,A,01/06/2024 20:00,Y,N,CARE,04/06/2024 20:01,\n"
        "E3,P9,01/07/2024 08:00,M,,,,HOME,,\n"
        "E4,P1,31/02/2024 08:00,M,,,,HOME,,\n"),
    "people.csv": (
        "pers_person_id,pers_sex,pers_ethnicity,pers_dob\n"
        "P1,F,WBRI,15/06/2010\n"
        "P2,M,BCRB,01/12/2012\n"),
    "exclusions 2023-24.csv": (
        "UPN,URN,Phase,AcademicYear,Category,StartDate,Sessions,Reason,Ethnicity,Sex,SENprovision,FSMeligible\n"
        "A1,100001,SS,2023/24,SUSP,02/10/2023,2,PD,WBRI,M,K,Y\n"
        "A2,100001,SS,2023/24,PERM,05/03/2024,,OT,BCRB,F,E,N\n"),
    "school_roll.csv": (
        "UPN,URN,Phase,AcademicYear,Ethnicity,Sex,SENprovision,FSMeligible\n"
        "A1,100001,SS,2023/24,WBRI,M,K,Y\n"
        "A2,100001,SS,2023/24,BCRB,F,E,N\n"
        "A3,100001,SS,2023/24,WBRI,F,N,N\n"),
    "notes.csv": "who,what\nme,a note\n",
}

CIN_XML = """<?xml version="1.0" encoding="utf-8"?>
<Message><Header><CollectionDetails><Collection>CIN</Collection><Year>2025</Year></CollectionDetails></Header>
<Children>
  <Child><ChildIdentifiers><LAchildID>RC1</LAchildID><PersonBirthDate>2015-05-01</PersonBirthDate><Sex>F</Sex></ChildIdentifiers>
    <ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics>
    <CINdetails><CINreferralDate>2024-06-01</CINreferralDate><ReferralSource>5D</ReferralSource><PrimaryNeedCode>N1</PrimaryNeedCode>
      <Assessments><AssessmentActualStartDate>2024-06-02</AssessmentActualStartDate>
        <FactorsIdentifiedAtAssessment><AssessmentFactors>10A</AssessmentFactors></FactorsIdentifiedAtAssessment></Assessments>
      <Section47><S47ActualStartDate>2024-06-03</S47ActualStartDate><DateOfInitialCPC>2024-06-18</DateOfInitialCPC></Section47>
      <ChildProtectionPlans><CPPstartDate>2024-06-18</CPPstartDate><InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>
        <LatestCategoryOfAbuse>NEG</LatestCategoryOfAbuse><NumberOfPreviousCPP>0</NumberOfPreviousCPP></ChildProtectionPlans>
    </CINdetails></Child>
</Children></Message>
"""


@pytest.fixture
def raw_dir(tmp_path):
    raw = tmp_path / "raw" / "testborough"
    raw.mkdir(parents=True)
    for name, text in FILES.items():
        (raw / name).write_text(text, encoding="utf-8")
    (raw / "CIN census 2023-24.xml").write_text(CIN_XML, encoding="utf-8")  # the XML header's year wins
    return raw


def _fingerprints(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def ingested(raw_dir, tmp_path):
    before = _fingerprints(raw_dir)
    out = tmp_path / "processed" / "testborough"
    report = ingest(raw_dir, out)
    assert _fingerprints(raw_dir) == before, "raw files must never be written"
    return report, out


def test_ingest_writes_tables_report_summary_and_manifest(ingested):
    report, out = ingested
    written = {p.stem for p in out.glob("*.parquet")}
    assert written == {"cla_header", "cla_episodes", "cla_missing", "cla_oc3", "cin_children", "cin_details",
                       "cin_assessments", "cin_section47", "cin_cp_plans", "missing_persons", "missing_episodes",
                       "exclusions", "pupils"}
    assert written <= set(PROCESSED_TABLES)
    for name in ("validation_report.csv", "validation_summary.csv", "manifest.json"):
        assert (out / name).is_file()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["tables"]["cla_header"] == 3
    assert manifest["unrecognised"] == ["notes.csv"]
    assert {f["source"] for f in manifest["files"]} >= set(FILES) - {"notes.csv"}
    assert all(len(f["sha256"]) == 64 for f in manifest["files"])
    assert manifest["issues"]["errors"] >= 2


def test_report_rows_name_file_row_column_value(ingested):
    _, out = ingested
    report = pd.read_csv(out / "validation_report.csv", dtype=str, keep_default_na=False)
    assert list(report.columns) == ISSUE_COLUMNS

    def find(source, column, code):
        hit = report[(report["source"] == source) & (report["column"] == column) & (report["code"] == code)]
        assert len(hit) == 1, report.to_string()
        return hit.iloc[0]

    dob = find("SSDA903_2024-25_Header.csv", "DOB", "date")
    assert (dob["table"], dob["row"], dob["value"], dob["severity"]) == ("cla_header", "3", "31/02/2012", "error")
    assert "expected dd/mm/YYYY" in dob["message"]
    ethnic = find("SSDA903_2024-25_Header.csv", "ETHNIC", "code")
    assert (ethnic["row"], ethnic["value"], ethnic["severity"]) == ("4", "XXXX", "warning")
    place = find("eps.csv", "PLACE", "code")
    assert (place["row"], place["value"]) == ("4", "K3") and "2025" in place["message"]
    assert find("eps.csv", "DEC", "end_before_start")["row"] == "3"
    assert find("eps.csv", "CHILD", "no_header")["value"] == "C9"
    assert find("missing_episodes_export.csv", "miss_person_id", "no_person")["value"] == "P9"
    assert find("missing_episodes_export.csv", "miss_missing_episode_start_date", "date")["row"] == "5"
    unrec = report[report["code"] == "unrecognised"].iloc[0]
    assert (unrec["source"], unrec["value"], unrec["severity"]) == ("notes.csv", "who, what", "warning")
    # file-level notes have no row
    assert report.loc[report["code"] == "delimiter", "source"].tolist() == ["oc3.txt"]
    assert report.loc[report["code"] == "delimiter", "row"].tolist() == [""]


def test_summary_reconciles_every_file(ingested):
    _, out = ingested
    summary = pd.read_csv(out / "validation_summary.csv")
    assert {"table", "source", "rows_read", "rows_kept", "rows_rejected", "errors", "warnings", "sha256"} <= set(summary)
    assert (summary["rows_read"] == summary["rows_kept"] + summary["rows_rejected"]).all()
    by_file = summary.groupby("source")[["rows_read", "rows_kept", "rows_rejected"]].sum()
    assert by_file.loc["SSDA903_2024-25_Header.csv"].tolist() == [4, 3, 1]
    assert by_file.loc["eps.csv"].tolist() == [4, 4, 0]
    assert by_file.loc["missing_episodes_export.csv"].tolist() == [4, 3, 1]
    assert by_file.loc["CIN census 2023-24.xml"].tolist()[0] >= 6   # one row per CIN table
    episodes = summary[summary["source"] == "eps.csv"].iloc[0]
    assert episodes["warnings"] == 3  # the PLACE code plus the two cross-table checks on this file


def test_processed_tables_are_typed_and_minimised(ingested):
    report, out = ingested
    header = pd.read_parquet(out / "cla_header.parquet")
    assert header["CHILD"].tolist() == ["C1", "C3", "C4"]
    assert str(header["DOB"].dtype).startswith("datetime64")
    assert header[["ethnic_minor", "ethnic_major"]].values.tolist()[0] == ["White British", "White"]
    assert header["ethnic_major"].tolist()[1] == "Not known"  # XXXX blanked -> not known
    assert (header["collection_year"] == 2025).all()
    assert {"source_file", "source_row"} <= set(header)

    episodes = pd.read_parquet(out / "cla_episodes.parquet")
    assert "HOME_POST" not in episodes and "PL_POST" not in episodes  # postcodes not kept
    assert (episodes["collection_year"] == 2025).all()
    days = dict(zip(episodes["CHILD"], episodes["episode_days"]))
    assert days["C1"] == 364            # open: 1 April 2024 to 31 March 2025
    assert pd.isna(days["C3"])          # ends before it starts: no duration
    assert days["C4"] == 273

    oc3 = pd.read_parquet(out / "cla_oc3.parquet")
    assert oc3["care_leaver_age_band"].tolist() == ["17-18", "19-21"]
    assert oc3["activity_group"].tolist() == ["EET", "NEET"]
    assert oc3["accom_suitability"].tolist() == ["Suitable", "Not suitable"]

    missing = pd.read_parquet(out / "cla_missing.parquet")
    assert missing["duration_days"].tolist()[0] == 2 and pd.isna(missing["duration_days"].iat[1])

    miss = pd.read_parquet(out / "missing_episodes.parquet").set_index("miss_table_id")
    assert miss.loc["E1", "duration_hours"] == pytest.approx(11.75)
    assert bool(miss.loc["E1", "rhi_offered_within_72h"]) is True       # exactly 72 hours after return
    assert bool(miss.loc["E2", "rhi_offered_within_72h"]) is False      # 72 hours and 1 minute
    assert pd.isna(miss.loc["E3", "rhi_offered_within_72h"])             # not yet returned
    assert miss.loc["E1", "hours_to_rhi"] == pytest.approx(98.0)
    assert miss.loc["E1", "age_band"] == "13 to 15" and miss.loc["E2", "pers_sex"] == "M"
    assert pd.isna(miss.loc["E3", "pers_sex"])                           # unknown person kept
    assert miss.loc["E1", "financial_year"] == 2025

    children = pd.read_parquet(out / "cin_children.parquet")
    assert children[["LAchildID", "Ethnicity", "ethnic_major"]].values.tolist() == [["RC1", "WBRI", "White"]]
    assert (pd.read_parquet(out / "cin_details.parquet")["collection_year"] == 2025).all()

    exclusions = pd.read_parquet(out / "exclusions.parquet")
    assert exclusions["Reason"].tolist() == ["PD", "UNMAPPED"] and exclusions["AcademicYear"].tolist() == [2024, 2024]
    assert len(pd.read_parquet(out / "pupils.parquet")) == 3


def test_xml_header_year_wins_over_file_name(ingested):
    report, _ = ingested
    mismatch = report.issues[report.issues["code"] == "year_mismatch"]
    assert mismatch["source"].tolist() == ["CIN census 2023-24.xml"]
    assert "2024" in mismatch["message"].iat[0] and "2025" in mismatch["message"].iat[0]


def test_rerun_replaces_stale_tables(raw_dir, tmp_path):
    out = tmp_path / "out"
    ingest(raw_dir, out)
    (raw_dir / "people.csv").unlink()
    (out / "old_table.parquet").write_bytes(b"stale")
    ingest(raw_dir, out)
    assert not (out / "missing_persons.parquet").exists() and not (out / "old_table.parquet").exists()


def test_describe_lists_each_file(ingested):
    report, _ = ingested
    text = report.describe()
    assert "SSDA903_2024-25_Header.csv" in text and "rejected     1" in text
    assert "notes.csv" in text and "NOT USED: columns match no known table" in text


# --- infer_year -----------------------------------------------------------------------

@pytest.mark.parametrize(("name", "year"), [
    ("SSDA903_2024-25_Header.csv", 2025), ("SSDA903_2024_25_Header.csv", 2025), ("header_202425.csv", 2025),
    ("Header_2025.csv", 2025), ("episodes 2024_2025.csv", 2025), ("episodes 2024-2025.csv", 2025),
    ("2023-24 missing.csv", 2024), ("Header 2024 25.csv", 2025), ("CIN_2019-20.xml", 2020),
    ("eps.csv", 2031), ("SSDA903_Header.csv", 2031), ("header_2024-26.csv", 2024), ("header_12345.csv", 2031),
    ("v20245_header.csv", 2031),
])
def test_infer_year(name, year):
    assert infer_year(Path(name), 2031) == year


def test_infer_year_without_default():
    assert infer_year(Path("eps.csv"), None) is None


# --- what is not fatal, and what is ---------------------------------------------------

def test_unrecognised_and_unreadable_files_are_reported_not_fatal(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "h.csv").write_text(FILES["SSDA903_2024-25_Header.csv"])
    (raw / "eps typo.csv").write_text("CHILD,DECOMM,RNE,LS,CIN,PLACE,DEC,REC\nC1,01/04/2024,S,C2,N1,U4,,\n")
    (raw / "empty.csv").write_text("")
    (raw / "broken.xml").write_text("<Message><Children>")
    (raw / "workbook.xlsx").write_bytes(b"PK\x03\x04")   # a damaged workbook
    (raw / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")       # the old Excel format
    (raw / "2024-25").mkdir()
    (raw / "2024-25" / "eps.csv").write_text(FILES["eps.csv"])
    (raw / ".hidden.csv").write_text("x\n")
    report = ingest(raw, tmp_path / "out")
    assert report.tables["cla_header"].shape[0] == 3
    assert sorted(report.unrecognised) == ["2024-25/", "broken.xml", "empty.csv", "eps typo.csv", "old.xls",
                                           "workbook.xlsx"]
    codes = dict(zip(report.issues["source"], report.issues["code"]))
    assert codes["eps typo.csv"] == "unrecognised" and codes["empty.csv"] == "unreadable"
    assert codes["broken.xml"] == "unreadable" and codes["workbook.xlsx"] == "unreadable"
    assert codes["old.xls"] == "spreadsheet"
    assert codes["2024-25"] == "subfolder"
    typo = report.issues[report.issues["source"] == "eps typo.csv"]["message"].iat[0]
    assert "closest is SSDA903 Episodes, which lacks DECOM" in typo


def test_empty_or_missing_folder_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="No CSV or XML files"):
        ingest(tmp_path, tmp_path / "out")
    with pytest.raises(InputError, match="not found"):
        ingest(tmp_path / "nowhere", tmp_path / "out")
    (tmp_path / "book.xlsx").write_bytes(b"PK")
    with pytest.raises(InputError, match="(?i)save each sheet as CSV"):
        ingest(tmp_path, tmp_path / "out")


def test_folder_of_only_unusable_files_is_an_input_error(tmp_path):
    (tmp_path / "h.csv").write_text("CHILD,SEX,D.O.B,ETHNIC\nC1,M,01/01/2010,WBRI\n")
    with pytest.raises(InputError) as info:
        ingest(tmp_path, tmp_path / "out")
    assert "h.csv" in str(info.value) and "closest is SSDA903 Header, which lacks DOB" in str(info.value)
    assert not (tmp_path / "out").exists()


def test_read_raw_dir_is_pure(raw_dir):
    before = _fingerprints(raw_dir)
    results, notes, unrecognised = read_raw_dir(raw_dir)
    assert _fingerprints(raw_dir) == before
    assert all(r.reconciles() for r in results) and unrecognised == ["notes.csv"]


# --- command line ---------------------------------------------------------------------

def test_cli_ingest_prints_a_summary(raw_dir, tmp_path, capsys):
    code = main(["ingest", "--raw", str(raw_dir), "--out", str(tmp_path / "cli_out")])
    captured = capsys.readouterr()
    assert code == 0
    assert "SSDA903_2024-25_Header.csv" in captured.out and "cla_header" in captured.out
    assert "validation_report.csv" in captured.out
    assert (tmp_path / "cli_out" / "cla_header.parquet").is_file()


def test_cli_strict_exits_1_when_rows_are_rejected(raw_dir, tmp_path, capsys):
    assert main(["ingest", "--raw", str(raw_dir), "--out", str(tmp_path / "o"), "--strict"]) == 1


def test_cli_wrong_header_exits_2_with_one_readable_line(tmp_path, capsys):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "SSDA903_Header.csv").write_text("CHILD,SEX,Date of birth,ETHNIC\nC1,M,01/01/2010,WBRI\n")
    code = main(["ingest", "--raw", str(raw), "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("safeguarding ingest: ") and "SSDA903_Header.csv" in lines[0] and "DOB" in lines[0]
    assert "Traceback" not in captured.err


def test_cli_subprocess_has_no_traceback(tmp_path):
    exe = VENV_BIN / "safeguarding"
    if not exe.exists():
        pytest.skip("console script not installed")
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "eps.csv").write_text("CHILD,DECOM\nC1,01/04/2024\n")
    run = subprocess.run([str(exe), "ingest", "--raw", str(raw), "--out", str(tmp_path / "out")],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert run.stderr.count("\n") == 1 and "eps.csv" in run.stderr


# ---- the same table twice ----------------------------------------------------------------
def test_a_second_copy_of_a_file_is_refused_naming_both(raw_dir, tmp_path):
    """'ssd_missing (1).csv' beside the original doubled every figure with no warning."""
    original = raw_dir / "missing_episodes_export.csv"
    (raw_dir / "missing_episodes_export (1).csv").write_bytes(original.read_bytes())
    with pytest.raises(InputError) as err:
        ingest(raw_dir, tmp_path / "out")
    text = str(err.value)
    assert "'missing_episodes_export (1).csv' and 'missing_episodes_export.csv' are the same file" in text
    assert "Nothing was written" in text and not (tmp_path / "out").exists()


def test_an_overlapping_export_is_refused(raw_dir, tmp_path):
    """A copy re-saved by a spreadsheet (different bytes) that repeats most rows is a second copy."""
    original = (raw_dir / "missing_episodes_export.csv").read_text().splitlines()
    (raw_dir / "Episodes - Copy.csv").write_text("\r\n".join(original[:4]) + "\r\n")  # 3 of 4 rows again
    with pytest.raises(InputError, match=r"share 3 of the 3 distinct rows of the smaller"):
        read_raw_dir(raw_dir)


def test_a_table_split_across_files_is_not_a_copy(raw_dir, tmp_path):
    original = (raw_dir / "missing_episodes_export.csv").read_text().splitlines()
    (raw_dir / "missing_episodes_export.csv").write_text("\n".join(original[:3]) + "\n")
    (raw_dir / "missing_episodes_later.csv").write_text("\n".join([original[0], *original[3:]]) + "\n")
    report = ingest(raw_dir, tmp_path / "out")
    kept = report.summary[report.summary["table"] == "missing_episodes"]
    assert kept["rows_read"].sum() == 4 and len(kept) == 2


@pytest.mark.parametrize("header, name", [
    ("CHILD,DOB,DATE_INT,DATE_MATCH,FOSTER_CARE,NB_ADOPTR,SEX_ADOPTR,LS_ADOPTR", "SSDA903 AD1 (adoptions)"),
    ("CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK", "SSDA903 OC2"),
    ("CHILD,DOB,DATE_PLACED,DATE_PLACED_CEASED,REASON_PLACED_CEASED", "SSDA903 PlacedAdoption"),
    ("CHILD,DOB,PREV_PERM,LA_PERM,DATE_PERM", "SSDA903 PrevPerm"),
    ("CHILD,SW_ID,SW_DECOM,SW_DEC,SW_REASON", "SSDA903 SWEpisodes"),
])
def test_tables_no_briefing_uses_are_named_as_such(raw_dir, header, name):
    (raw_dir / "extra.csv").write_text(header + "\n" + ",".join("1" for _ in header.split(",")) + "\n")
    results, notes, unrecognised = read_raw_dir(raw_dir)
    note = [n for n in notes if n.source.endswith("extra.csv")]
    assert len(note) == 1 and note[0].code == "not_used" and note[0].severity == "info"
    assert name in note[0].message and "closest is" not in note[0].message
    assert "extra.csv" in unrecognised


# ---- formats: Excel workbooks, UTF-16 text, a workbook with a .csv name ----------------------
def _workbook(path):
    import datetime as dt

    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    sheet.title = "Header"
    sheet.append(["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"])
    sheet.append(["X1", "M", dt.datetime(2010, 6, 15), "WBRI", None, None, None])
    sheet.append([None] * 7)                                                       # a blank row
    sheet.append(["X2", "F", dt.datetime(2012, 2, 1), "BAFR", None, 1, dt.datetime(2025, 2, 1)])
    oc2 = book.create_sheet("OC2")
    oc2.append(["CHILD", "DOB", "SDQ_SCORE", "SDQ_REASON", "CONVICTED"])
    oc2.append(["X1", dt.datetime(2010, 6, 15), 12, "SDQ1", 0])
    book.save(path)


def test_an_xlsx_workbook_is_read_sheet_by_sheet(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    _workbook(raw / "SSDA903_2024-25.xlsx")
    results, notes, unrecognised = read_raw_dir(raw)
    header = [r for r in results if r.table == "cla_header"]
    assert len(header) == 1 and header[0].n_read == 2 and header[0].n_kept == 2 and header[0].reconciles()
    frame = header[0].frame.set_index("CHILD")
    assert str(frame.loc["X1", "DOB"].date()) == "2010-06-15"                         # a date cell, not text
    assert header[0].source.endswith("SSDA903_2024-25.xlsx#Header")
    assert any(n.code == "not_used" and "OC2" in n.message for n in notes)             # the other sheet, named
    assert any(n.code == "blank_rows" for n in notes + [i for r in results for i in []]) or \
        (header[0].issues["code"] == "blank_rows").any()


def test_a_workbook_saved_with_a_csv_name_says_so(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    _workbook(raw / "header.csv")
    (raw / "ok.csv").write_text(FILES["SSDA903_2024-25_Header.csv"])
    results, notes, unrecognised = read_raw_dir(raw)
    note = [n for n in notes if n.source.endswith("header.csv")][0]
    assert "Excel workbook saved with a .csv name" in note.message and "PK" not in note.message
    assert "header.csv" in unrecognised


def test_utf16_unicode_text_is_read(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    text = FILES["SSDA903_2024-25_Header.csv"].replace(",", "\t")
    (raw / "header.txt").write_bytes(text.encode("utf-16"))
    results, notes, unrecognised = read_raw_dir(raw)
    (header,) = [r for r in results if r.table == "cla_header"]
    assert header.n_read == 4 and header.reconciles()
    assert (header.issues["code"] == "encoding").any()


def test_cin_xml_with_a_namespace_is_read(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "cin.xml").write_text(CIN_XML.replace("<Message>", '<Message xmlns="http://www.dfe.gov.uk/CIN">'))
    results, notes, unrecognised = read_raw_dir(raw)
    tables = {r.table: r for r in results}
    assert tables["cin_details"].n_kept == 1 and tables["cin_section47"].n_kept == 1
    assert not unrecognised


def test_an_ssda903_xml_export_is_named_not_read_as_an_empty_cin_census(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "903.xml").write_text(
        '<?xml version="1.0"?><Message><Header><CollectionDetails><Collection>SSDA903</Collection><Year>2025</Year>'
        "</CollectionDetails></Header><Children><Child><CHILD>1</CHILD><EPISODES><EPISODE><DECOM>2024-04-01</DECOM>"
        "</EPISODE></EPISODES></Child></Children></Message>")
    (raw / "h.csv").write_text(FILES["SSDA903_2024-25_Header.csv"])
    results, notes, unrecognised = read_raw_dir(raw)
    note = [n for n in notes if n.source.endswith("903.xml")][0]
    assert "SSDA903 (children looked after) XML export" in note.message and "903.xml" in unrecognised


def test_the_same_child_in_two_cin_files_of_a_year_is_flagged(raw_dir, tmp_path):
    """A second CIN census file for 2024-25 (another extract, not a copy) holding a child the
    first file has: flagged at ingest (file, row, child) and in the briefing's data quality."""
    from safeguarding.quality import check_cin_links
    # (recorded a little differently: a copy of the same rows is refused outright, see above)
    second = (CIN_XML.replace("<PersonBirthDate>2015-05-01", "<UPN>A123456789012</UPN><PersonBirthDate>2015-05-01")
              .replace("<Ethnicity>WBRI</Ethnicity></ChildCharacteristics>\n    <CINdetails>",
                       "<Ethnicity>WIRI</Ethnicity></ChildCharacteristics>\n    <CINdetails>")
              .replace("2024-06-01", "2024-10-01").replace("2024-06-02", "2024-10-02")
              .replace("2024-06-03", "2024-10-03").replace("2024-06-18", "2024-10-18")
              .replace("</Children>", "<Child><ChildIdentifiers><LAchildID>RC7</LAchildID>"
                                      "<PersonBirthDate>2016-05-01</PersonBirthDate><Sex>M</Sex></ChildIdentifiers>"
                                      "<ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics>"
                                      "<CINdetails><CINreferralDate>2024-09-01</CINreferralDate></CINdetails></Child>"
                                      "</Children>"))
    (raw_dir / "CIN census 2024-25 resubmission.xml").write_text(second, encoding="utf-8")
    report = ingest(raw_dir, tmp_path / "out")
    flagged = report.issues[report.issues["code"] == "child_in_several_files"]
    assert flagged[["source", "table", "column", "value"]].values.tolist() == [
        ["CIN census 2024-25 resubmission.xml", "cin_child_identifiers", "LAchildID", "RC1"]]
    assert "CIN census 2023-24.xml" in flagged["message"].iat[0]   # the file it was first found in
    findings = check_cin_links(report.issues)
    assert [f["code"] for f in findings][:1] == ["DIS05"] and findings[0]["affected"] == 1
    # nothing is dropped: both files' rows are kept and counted
    assert report.summary.loc[report.summary["table"] == "cin_child_identifiers", "rows_read"].sum() == 3


# ---- partial exports ---------------------------------------------------------------------
def test_a_cut_short_episodes_file_leaves_orphans_flagged(raw_dir, tmp_path):
    """An Episodes file cut short: Header children and Missing rows with no episode that year
    are each flagged (file, row, CHILD) rather than passing as 'no data-quality problems'."""
    eps = (raw_dir / "eps.csv").read_text().splitlines()
    (raw_dir / "eps.csv").write_text("\n".join([eps[0], *eps[2:]]) + "\n")   # C1's episode is lost
    report = ingest(raw_dir, tmp_path / "out")
    orphans = report.issues[report.issues["code"] == "no_episode"]
    assert sorted(orphans[["table", "row", "value"]].values.tolist()) == [
        ["cla_header", 2, "C1"], ["cla_missing", 2, "C1"], ["cla_missing", 3, "C1"]]   # file lines
    assert "is the Episodes file complete?" in orphans["message"].iat[0]
    # a care leaver (OC3) in the Header with no episode is not an orphan
    assert not report.issues["value"].isin(["L1", "L2"]).any()


# ---- atomic and locked ---------------------------------------------------------------------
def test_ingest_swaps_in_a_complete_folder_and_keeps_results(raw_dir, tmp_path):
    out = tmp_path / "out"
    ingest(raw_dir, out)
    (out / "results" / "2025-03-31_t5").mkdir(parents=True)
    (out / "results" / "2025-03-31_t5" / "manifest.json").write_text("{}")
    (out / "stale_table.parquet").write_text("from an older run")
    ingest(raw_dir, out)
    assert not (out / "stale_table.parquet").exists()             # a new folder, not files written over the old
    assert (out / "results" / "2025-03-31_t5" / "manifest.json").exists()   # results kept: their key decides reuse
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")) == [".out.lock"]   # no leftovers


def test_a_killed_ingest_leaves_the_old_folder_whole(raw_dir, tmp_path, monkeypatch):
    """Killed part-way through writing (here: the fourth table fails): the folder is the last
    complete ingest, never some new tables beside old ones and the previous manifest."""
    import safeguarding.prepare as prep
    out = tmp_path / "out"
    ingest(raw_dir, out)
    before = _fingerprints(out)
    calls = {"n": 0}
    real = pd.DataFrame.to_parquet

    def dying(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", dying)
    with pytest.raises(KeyboardInterrupt):
        prep.ingest(raw_dir, out)
    monkeypatch.undo()
    assert _fingerprints(out) == before
    assert [p.name for p in tmp_path.iterdir() if ".ingest-" in p.name or ".old-" in p.name] == []


def test_a_second_run_on_the_same_folder_fails_clearly(raw_dir, tmp_path):
    """Another process holds the borough's lock (a run in progress): ingest refuses at once,
    naming the folder; the lock goes with the process that held it."""
    from fixtures_data import hold_lock
    out = tmp_path / "out"
    with hold_lock(out, "ingesting into"):
        with pytest.raises(InputError, match=r"Another run is already ingesting into .*out: wait for it"):
            ingest(raw_dir, out)
        assert not out.exists()
    ingest(raw_dir, out)   # the holder is gone (killed, not tidied up): its lock went with it
    assert (out / "manifest.json").exists()
