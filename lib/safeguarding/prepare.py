"""From an LA's raw files to tidy, typed, validated tables.

``ingest(raw_dir, out_dir)`` reads every CSV and XML file in ``raw_dir``, identifies each
table by its columns (file names vary between LAs), validates it, adds the derived fields,
applies cross-table checks, and writes:

* ``<table>.parquet`` for each table found;
* ``validation_report.csv``: one row per issue (file, table, row, column, value, code,
  severity, message);
* ``validation_summary.csv``: per file, rows read / kept / rejected;
* ``manifest.json``: what was read (with SHA-256 fingerprints), when, by which version.

Raw files are never written. Minimisation: postcodes are not kept.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

import safeguarding
from safeguarding import config, derive
from safeguarding.codes.lists import collection_year
from safeguarding.config import DEFAULT_PERIOD_END
from safeguarding.issues import InputError, Issue, ReadResult, issues_frame
from safeguarding.locks import held
from safeguarding.readers import SPEC_BY_NAME, closest_table, identify_table
from safeguarding.readers.base import (
    file_sha256,
    load_delimited,
    load_workbook_sheets,
    read_rows,
)
from safeguarding.readers.cin import read_cin_xml
from safeguarding.readers.exclusions import _finish

#: Tables written to data/processed (after combining the CIN child tables).
PROCESSED_TABLES = (
    "cla_header", "cla_episodes", "cla_missing", "cla_oc3", "cla_uasc", "cla_reviews",
    "cin_children", "cin_details", "cin_assessments", "cin_section47", "cin_cp_plans",
    "missing_persons", "missing_episodes", "exclusions", "pupils",
)
_YEARLY = {"cla_header", "cla_episodes", "cla_missing", "cla_oc3", "cla_uasc", "cla_reviews",
           "cin_child_identifiers", "cin_child_characteristics", "cin_details", "cin_assessments",
           "cin_section47", "cin_cp_plans"}


@dataclass
class IngestReport:
    """What an ingest did: tables written, per-file counts, every issue."""

    raw_dir: Path
    out_dir: Path
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    issues: pd.DataFrame = field(default_factory=issues_frame)
    unrecognised: list[str] = field(default_factory=list)

    @property
    def n_errors(self) -> int:
        return int((self.issues["severity"] == "error").sum()) if len(self.issues) else 0

    def describe(self) -> str:
        lines = [f"Ingested {self.raw_dir} -> {self.out_dir}"]
        for _, r in self.summary.iterrows():
            lines.append(f"  {r['source']:<45} {r['table']:<26} read {r['rows_read']:>7,}  kept {r['rows_kept']:>7,}"
                         f"  rejected {r['rows_rejected']:>5,}  warnings {r['warnings']:>5,}")
        for name in self.unrecognised:
            why = self.issues[(self.issues["source"] == name.rstrip("/"))
                              & self.issues["code"].isin(["unrecognised", "unreadable", "spreadsheet", "subfolder"])]
            reason = why["message"].iat[0] if len(why) else "not recognised"
            lines.append(f"  {name:<45} NOT USED: {reason}")
        lines.append(f"  {len(self.issues):,} issue(s) written to {self.out_dir / 'validation_report.csv'}")
        return "\n".join(lines)


def infer_year(path: Path, default: int | None) -> int | None:
    """Collection year from a file name: 'SSDA903_2024_25_Header' / '2024-25' / '202425' /
    '2024_2025' -> 2025, 'Header_2025.csv' -> 2025; otherwise ``default``."""
    name = Path(path).stem
    for pair in re.finditer(r"(?<!\d)(20\d{2})[\s_\-/]?(\d{2}|20\d{2})(?!\d)", name):
        first, second = int(pair.group(1)), int(pair.group(2))
        if second == first + 1 or (second < 100 and second == (first + 1) % 100):
            return first + 1
    single = re.search(r"(?<!\d)(20\d{2})(?!\d)", name)
    return int(single.group(1)) if single else default


def xml_collection_year(tables: dict[str, ReadResult]) -> int | None:
    """The collection year a CIN XML stated in its header (None when it stated none)."""
    return next((r.year for r in tables.values() if r.year is not None), None)


#: SSDA903 tables no briefing uses yet, by the columns only they have: named as such, not as
#: a near miss of a table that is used.
UNUSED_TABLES = {
    "SSDA903 AD1 (adoptions)": {"DATE_INT", "DATE_MATCH"},
    "SSDA903 OC2 (outcomes of children looked after for 12 months)": {"SDQ_SCORE"},
    "SSDA903 PlacedAdoption (placed for adoption)": {"DATE_PLACED"},
    "SSDA903 PrevPerm (previous permanence)": {"PREV_PERM"},
    "SSDA903 SWEpisodes (social worker episodes)": {"SW_ID"},
}


def unused_table(header: list[str]) -> str | None:
    """The name of a known table no briefing uses, when the header is one (else None)."""
    from safeguarding.readers.base import fold_header
    folded = {fold_header(h).upper() for h in header}
    for name, marks in UNUSED_TABLES.items():
        if {fold_header(m).upper() for m in marks} <= folded:
            return name
    return None


def _closest_hint(header: list[str]) -> str:
    """' (closest is SSDA903 Episodes, which lacks DECOM)' for a header that nearly fits."""
    spec, missing = closest_table(header)
    if spec is None:
        return ""
    return f" (closest is {spec.title}, which lacks {', '.join(missing)})"


#: File types ingest reads (``.txt`` for delimited exports saved with that extension; each sheet
#: of an .xlsx workbook is read as a table).
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
READABLE_SUFFIXES = (".csv", ".xml", ".txt", *WORKBOOK_SUFFIXES)


def read_raw_dir(raw_dir, period_end: str = DEFAULT_PERIOD_END) -> tuple[list[ReadResult], list[Issue], list[str]]:
    """Read and validate every recognisable file in ``raw_dir`` (pure: writes nothing)."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise InputError(f"Raw data folder not found: {raw_dir}. Put the LA's files there, or run "
                         f"'safeguarding demo' to generate demonstration data.")
    default_year = collection_year(period_end)
    results: list[ReadResult] = []
    notes: list[Issue] = []
    unrecognised: list[str] = []
    entries = sorted(p for p in raw_dir.iterdir() if not p.name.startswith("."))
    files = [p for p in entries if p.is_file() and p.suffix.lower() in READABLE_SUFFIXES]
    # Never skip silently: spreadsheets and subfolders are listed as not used, with the fix.
    for path in entries:
        if path.is_file() and path.suffix.lower() in (".xls", ".ods"):
            unrecognised.append(path.name)
            notes.append(Issue(str(path), "", None, None, None, "spreadsheet", "warning",
                               f"{path.suffix} spreadsheets are not read (.xlsx workbooks are): save it as .xlsx, or "
                               "each sheet as CSV (UTF-8), in this folder; file not used"))
        elif path.is_dir() and any(q.suffix.lower() in READABLE_SUFFIXES for q in path.rglob("*")):
            unrecognised.append(path.name + "/")
            notes.append(Issue(str(path), "", None, None, None, "subfolder", "warning",
                               f"subfolders are not read: move the files in '{path.name}' up into {raw_dir.name}/ "
                               f"(one folder per borough); folder not used"))
    if not files:
        hint = f" ({'; '.join(f'{Path(n.source).name}: {n.message}' for n in notes)})" if notes else ""
        raise InputError(f"No CSV or XML files in {raw_dir}{hint}. Expected SSDA903 tables, a CIN census file, "
                         f"a missing episodes log or an exclusions extract (see data/raw/README.md).")
    for path in files:
        named_year = infer_year(path, None)
        year = default_year if named_year is None else named_year
        try:
            if path.suffix.lower() == ".xml":
                # The XML header states its own collection year (Header/CollectionDetails/Year);
                # the file name or the default is used only when it does not.
                xml = read_cin_xml(path)
                stated = xml_collection_year(xml)
                if stated is None:
                    xml = read_cin_xml(path, year=year)
                elif named_year is not None and named_year != stated:
                    notes.append(Issue(str(path), "", None, None, str(stated), "year_mismatch", "warning",
                                       f"the file name suggests collection year {named_year} but the XML header "
                                       f"says {stated}; the XML header was used"))
                results.extend(xml.values())
                continue
            if path.suffix.lower() in WORKBOOK_SUFFIXES:
                sheets = [(f"{path}#{name}", *rest) for name, *rest in load_workbook_sheets(path)]
            else:
                sheets = [(str(path), *load_delimited(path))]
        except InputError as exc:  # one unreadable file does not stop the others
            unrecognised.append(path.name)
            notes.append(Issue(str(path), "", None, None, None, "unreadable", "warning",
                               f"{str(exc).removeprefix(path.name + ': ').rstrip('.')}; file not used"))
            continue
        digest = file_sha256(path)
        for source, header, rows, numbers, file_issues in sheets:
            result = _read_sheet(Path(source), header, rows, numbers, file_issues, year, digest, notes, unrecognised)
            if result is not None:
                results.append(result)
    check_no_second_copies(results)
    return results, notes, unrecognised


def _read_sheet(path: Path, header, rows, numbers, file_issues, year, digest, notes, unrecognised):
    """One delimited file or workbook sheet: identified by its columns, validated, or noted as not used."""
    spec = identify_table(header)
    unused = unused_table(header) if spec is None else None
    if unused:
        unrecognised.append(path.name)
        notes.append(Issue(str(path), "", None, None, None, "not_used", "info",
                           f"this is the {unused} table, which no briefing uses yet; file not used"))
        return None
    if spec is None:
        unrecognised.append(path.name)
        found = ", ".join(h for h in header[:12] if h) + (" ..." if len(header) > 12 else "")
        notes.append(Issue(str(path), "", None, None, found, "unrecognised", "warning",
                           f"columns match no known table{_closest_hint(header)}; file not used"))
        return None
    result = read_rows(header, rows, numbers, spec, str(path), year=year if spec.name in _YEARLY else None,
                       file_issues=file_issues, sha256=digest if "#" not in path.name else f"{digest}#{path.name}")
    if spec.name in ("exclusions", "pupils"):
        result = _finish(result, check_reason=spec.name == "exclusions")
    return result




#: Share of the smaller file's rows that, found again in another file of the same table and
#: year, mark it as a second copy (an export saved twice, 'Episodes - Copy.csv').
COPY_SHARE = 0.5
#: Columns the reader adds (where a row came from); rows are compared without them.
_PROVENANCE = ("source_file", "source_row")


def _row_hashes(frame: pd.DataFrame) -> pd.Series:
    columns = [c for c in frame.columns if c not in _PROVENANCE]
    return pd.util.hash_pandas_object(frame[columns].astype(str), index=False)


def check_no_second_copies(results: list[ReadResult]) -> None:
    """Refuse a folder holding the same table twice: the same file under two names, or two files
    of one table and year that share most of their rows. Counting both would double every
    figure with no data-quality warning, so nothing is written until one of them is removed.
    Files that split a table (one per year, or a partial export with no rows in common) pass."""
    problems = []
    by_table: dict[tuple[str, int | None], list[ReadResult]] = {}
    for r in results:
        by_table.setdefault((r.table, r.year), []).append(r)
    for (table, year), group in by_table.items():
        if len({Path(r.source) for r in group}) < 2:
            continue  # one file: nothing to compare it with (its rows are not hashed)
        hashes = {id(r): set(_row_hashes(r.frame)) if len(r.frame) else set() for r in group}
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if Path(a.source) == Path(b.source):
                    continue  # one file read as several tables (CIN XML) is not a copy
                names = f"'{Path(a.source).name}' and '{Path(b.source).name}'"
                if a.sha256 and a.sha256 == b.sha256:
                    problems.append(f"{names} are the same file (identical contents): the {table} table twice")
                    continue
                shared = len(hashes[id(a)] & hashes[id(b)])
                smaller = min(len(hashes[id(a)]), len(hashes[id(b)]))
                if smaller and shared >= COPY_SHARE * smaller:
                    problems.append(f"{names} are both the {table} table" + (f" for {year}" if year else "")
                                    + f" and share {shared:,} of the {smaller:,} distinct rows of the smaller: a second "
                                    "copy or an overlapping export")
    if problems:
        folder = Path(results[0].source).parent
        raise InputError("The same data is in the folder twice, so every figure would be counted twice: "
                         + "; ".join(problems) + f". Remove or move the extra copy out of {folder} (keep the "
                         "complete, latest export) and run again. Nothing was written.")


def _concat(results: list[ReadResult], table: str) -> pd.DataFrame | None:
    frames = [r.frame for r in results if r.table == table]
    if not frames:
        return None
    frames = [f for f in frames if len(f)] or frames[:1]
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].copy()


def _end_before_start(frame: pd.DataFrame, table: str, start: str, stop: str, what: str) -> list[Issue]:
    bad = (frame[stop] < frame[start]).fillna(False)
    return [Issue(r["source_file"], table, int(r["source_row"]), stop, r[stop].strftime("%d/%m/%Y"),
                  "end_before_start", "warning", f"{what} ends ({stop}) before it starts ({start}); duration not used")
            for _, r in frame[bad].iterrows()]


def build_tables(results: list[ReadResult], period_end: str = DEFAULT_PERIOD_END) -> tuple[dict[str, pd.DataFrame], list[Issue]]:
    """Combine read tables, add derived fields and run cross-table checks."""
    tables: dict[str, pd.DataFrame] = {}
    issues: list[Issue] = []
    end = pd.Timestamp(period_end)

    header = _concat(results, "cla_header")
    if header is not None:
        tables["cla_header"] = pd.concat([header, derive.ethnic_groups(header["ETHNIC"])], axis=1)
    episodes = _concat(results, "cla_episodes")
    if episodes is not None:
        ends = (pd.to_datetime(episodes["collection_year"].astype(str) + "-03-31") if "collection_year" in episodes
                else pd.Series(end, index=episodes.index))
        # Open episodes (no DEC) run to the end of their collection year; an episode that
        # ends before it starts has no duration (NA), and is reported.
        open_days = derive.duration_days(episodes["DECOM"], pd.Series(ends, index=episodes.index))
        episodes["episode_days"] = derive.duration_days(episodes["DECOM"], episodes["DEC"]).where(
            episodes["DEC"].notna(), open_days)
        issues.extend(_end_before_start(episodes, "cla_episodes", "DECOM", "DEC", "episode"))
        tables["cla_episodes"] = episodes
    cla_missing = _concat(results, "cla_missing")
    if cla_missing is not None:
        cla_missing["duration_days"] = derive.duration_days(cla_missing["MIS_START"], cla_missing["MIS_END"])
        issues.extend(_end_before_start(cla_missing, "cla_missing", "MIS_START", "MIS_END", "missing episode"))
        tables["cla_missing"] = cla_missing
    oc3 = _concat(results, "cla_oc3")
    if oc3 is not None:
        years = oc3["collection_year"].astype(int)
        year_end = pd.to_datetime(years.astype(str) + "-03-31")
        oc3["age_at_year_end"] = derive.age_at(oc3["DOB"], year_end)
        oc3["care_leaver_age_band"] = derive.age_band(oc3["age_at_year_end"], "care_leaver")
        oc3["activity_group"] = derive.activity_group(oc3["ACTIV"])
        oc3["accom_suitability"] = derive.accommodation_suitability(oc3["ACCOM"])
        tables["cla_oc3"] = oc3
    for name in ("cla_uasc", "cla_reviews", "cin_details", "cin_assessments", "cin_section47", "cin_cp_plans"):
        frame = _concat(results, name)
        if frame is not None:
            tables[name] = frame
    ident = _concat(results, "cin_child_identifiers")
    if ident is not None:
        issues.extend(_child_in_several_cin_files(ident))
        chars = _concat(results, "cin_child_characteristics")
        children = ident if "Ethnicity" in ident else ident.assign(Ethnicity=pd.NA)
        if chars is not None:  # ChildCharacteristics wins over an Ethnicity column in the identifiers file
            chars = chars.drop_duplicates("LAchildID")[["LAchildID", "Ethnicity"]].rename(columns={"Ethnicity": "_ethnicity"})
            children = children.merge(chars, on="LAchildID", how="left", validate="many_to_one")
            children["Ethnicity"] = children["_ethnicity"].where(children["_ethnicity"].notna(), children["Ethnicity"])
            children = children.drop(columns="_ethnicity")
        tables["cin_children"] = pd.concat([children, derive.ethnic_groups(children["Ethnicity"])], axis=1)

    persons = _concat(results, "missing_persons")
    if persons is not None:
        persons = pd.concat([persons, derive.ethnic_groups(persons["pers_ethnicity"])], axis=1)
        tables["missing_persons"] = persons
    miss = _concat(results, "missing_episodes")
    if miss is not None:
        if persons is not None:
            person_cols = persons.drop(columns=["source_file", "source_row"]).drop_duplicates("pers_person_id")
            unknown = ~miss["miss_person_id"].isin(person_cols["pers_person_id"])
            for _, r in miss[unknown].iterrows():
                issues.append(Issue(r["source_file"], "missing_episodes", int(r["source_row"]), "miss_person_id",
                                    str(r["miss_person_id"]), "no_person", "warning",
                                    "person not found in the person table; sex, age and ethnicity unknown"))
            miss = miss.merge(person_cols, left_on="miss_person_id", right_on="pers_person_id", how="left")
        start, stop = miss["miss_missing_episode_start_date"], miss["miss_missing_episode_end_date"]
        miss["duration_hours"] = derive.duration_hours(start, stop)
        bad_order = (stop < start).fillna(False)
        for _, r in miss[bad_order].iterrows():
            issues.append(Issue(r["source_file"], "missing_episodes", int(r["source_row"]), "miss_missing_episode_end_date",
                                str(r["miss_missing_episode_end_date"]), "end_before_start", "warning",
                                "episode ends before it starts; duration not used"))
        if "pers_dob" in miss:
            miss["age_at_start"] = derive.age_at(miss["pers_dob"], start)
            miss["age_band"] = derive.age_band(miss["age_at_start"], "missing")
        miss["financial_year"] = derive.financial_year(start)
        miss["rhi_offered_within_72h"] = derive.within_hours(stop, miss["miss_missing_rhi_offered_date"], 72)
        miss["hours_to_rhi"] = derive.duration_hours(stop, miss["miss_missing_rhi_completed_date"])
        tables["missing_episodes"] = miss

    for name in ("exclusions", "pupils"):
        frame = _concat(results, name)
        if frame is not None:
            tables[name] = pd.concat([frame, derive.ethnic_groups(frame["Ethnicity"])], axis=1)

    issues.extend(_cin_episodes_without_referral(tables))
    issues.extend(_ssda903_orphans(tables))
    return tables, issues


def _ssda903_orphans(tables: dict[str, pd.DataFrame]) -> list[Issue]:
    """Rows of one SSDA903 table with no partner in another for the same year: the sign of a
    partial export (an Episodes file cut short leaves most Header children and Missing rows
    with no episode). One warning per row, in the validation report; the briefing's data
    quality section counts them."""
    out: list[Issue] = []

    def keys(frame: pd.DataFrame) -> pd.Series:
        year = frame["collection_year"].astype(str) if "collection_year" in frame else ""
        return frame["CHILD"].astype(str) + "|" + year

    def orphans(name: str, other: str, code: str, message: str, also: str | None = None) -> None:
        frame, partner = tables.get(name), tables.get(other)
        if frame is None or partner is None or frame.empty:
            return
        known = set(keys(partner)) | (set(keys(tables[also])) if also in tables else set())
        for r in frame[~keys(frame).isin(known)].itertuples(index=False):
            out.append(Issue(r.source_file, name, int(r.source_row), "CHILD", str(r.CHILD), code, "warning", message))

    orphans("cla_episodes", "cla_header", "no_header", "child has episodes but no row in the Header table")
    # a care leaver (OC3) is in the Header with no episode that year
    orphans("cla_header", "cla_episodes", "no_episode", "child in the Header table has no episode that year and "
            "is not a care leaver in OC3: is the Episodes file complete?", also="cla_oc3")
    orphans("cla_missing", "cla_episodes", "no_episode", "missing or away episode of a child with no episode of "
            "care that year: is the Episodes file complete?")
    return out


#: The folder of built results inside a processed folder (see safeguarding.results.store).
RESULTS = "results"
#: Issue code of an assessment, enquiry or plan whose CIN episode has no referral record.
NO_REFERRAL = "no_referral"
#: Issue code of a child found in more than one CIN census file of the same year.
SEVERAL_FILES = "child_in_several_files"


def _child_in_several_cin_files(ident: pd.DataFrame) -> list[Issue]:
    """A child in two CIN census files of one collection year (a resubmission or an overlapping
    extract beside the original): their referrals, assessments and plans may be counted twice.
    One warning per later row, naming the file the child was first found in."""
    year = ident["collection_year"] if "collection_year" in ident else pd.Series(0, index=ident.index)
    keyed = ident.assign(key_year=year.astype(str), key_id=ident["LAchildID"].astype(str))
    first = keyed.drop_duplicates(["key_year", "key_id"]).set_index(["key_year", "key_id"])["source_file"]
    out = []
    for r in keyed[keyed.duplicated(["key_year", "key_id"])].itertuples(index=False):
        where = first.get((r.key_year, r.key_id))
        if where is None or where == r.source_file:
            continue  # the same file twice is the reader's 'unique' rule, not this one
        out.append(Issue(r.source_file, "cin_child_identifiers", int(r.source_row), "LAchildID", str(r.LAchildID),
                         SEVERAL_FILES, "warning", f"the same child is in {Path(where).name} for the same year: "
                         "their referrals, assessments and plans may be counted twice (keep one file per year)"))
    return out


def _cin_episodes_without_referral(tables: dict[str, pd.DataFrame]) -> list[Issue]:
    """Assessments, section 47 enquiries and plans whose CIN episode (LAchildID + CINdetailsID)
    has no row in the CIN details table: counted at their own stage, they cannot be followed
    from a referral (one warning per row, in the validation report)."""
    details = tables.get("cin_details")
    if details is None:
        return []
    known = pd.MultiIndex.from_frame(details[["LAchildID", "CINdetailsID"]].astype(str))
    out = []
    for name in ("cin_assessments", "cin_section47", "cin_cp_plans"):
        frame = tables.get(name)
        if frame is None or frame.empty:
            continue
        keys = pd.MultiIndex.from_frame(frame[["LAchildID", "CINdetailsID"]].astype(str))
        for _, r in frame[~keys.isin(known)].iterrows():
            out.append(Issue(r["source_file"], name, int(r["source_row"]), "CINdetailsID", str(r["CINdetailsID"]),
                             NO_REFERRAL, "warning", "the CIN episode has no referral in the CIN details table: counted "
                             "at its own stage, but it cannot be followed from a referral"))
    return out


def ingest(raw_dir, out_dir, period_end: str = DEFAULT_PERIOD_END) -> IngestReport:
    """Validate and process every file in ``raw_dir`` into ``out_dir`` (see module docstring)."""
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    results, notes, unrecognised = read_raw_dir(raw_dir, period_end)
    if not results:
        reasons = "; ".join(f"{Path(n.source).name}: {n.message}" for n in notes)
        raise InputError(f"None of the files in {raw_dir} could be used: {reasons}. "
                         f"Check the column headers against data/raw/README.md.")
    tables, cross = build_tables(results, period_end)
    with held(out_dir, "ingesting into"):
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.ingest-", dir=out_dir.parent))
        try:
            report = _write_processed(tmp, raw_dir, out_dir, period_end, results, notes, cross, tables, unrecognised)
            _swap_in(tmp, out_dir)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return report


def _swap_in(new: Path, final: Path) -> None:
    """Replace ``final`` with the complete folder ``new``: a killed ingest leaves either the old
    folder or the new one, never a mix (the old one is set aside, then removed). Results built
    from the old folder move across: each is keyed by the processed data it was built from, so
    one the new data does not match is rebuilt, not reused."""
    old = None
    if (final / RESULTS).is_dir():
        os.replace(final / RESULTS, new / RESULTS)
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        os.replace(final, old)
    os.replace(new, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _write_processed(out_dir: Path, raw_dir: Path, final: Path, period_end: str, results, notes, cross, tables,
                     unrecognised) -> IngestReport:
    """Write the processed tables, reports and manifest of one ingest into ``out_dir``."""
    for name, frame in tables.items():
        frame.to_parquet(out_dir / f"{name}.parquet", index=False)
    issue_frames = [r.issues for r in results if len(r.issues)] + [issues_frame(notes + cross)]
    issues = pd.concat(issue_frames, ignore_index=True) if issue_frames else issues_frame()
    issues["source"] = issues["source"].map(lambda s: Path(s).name if isinstance(s, str) else s)
    issues.to_csv(out_dir / "validation_report.csv", index=False)
    summary = pd.DataFrame([r.summary() for r in results])
    # cross-table checks (orphan episodes, end before start, ...) count against the file they name
    for issue in cross:
        at = (summary["source"] == Path(issue.source).name) & (summary["table"] == issue.table)
        column = {"error": "errors", "warning": "warnings"}.get(issue.severity)
        if column and at.any():
            summary.loc[at.to_numpy().nonzero()[0][0], column] += 1
    summary.to_csv(out_dir / "validation_summary.csv", index=False)
    manifest = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "safeguarding_version": safeguarding.__version__,
        "raw_dir": str(raw_dir),
        "period_end": period_end,
        # the demo's synthetic files (config.SYNTHETIC_MARKER): every briefing says so
        "synthetic": (raw_dir / config.SYNTHETIC_MARKER).exists(),
        "files": summary.to_dict("records"),
        "unrecognised": unrecognised,
        "tables": {name: len(frame) for name, frame in tables.items()},
        "issues": {"errors": int((issues["severity"] == "error").sum()),
                   "warnings": int((issues["severity"] == "warning").sum())},
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
    return IngestReport(raw_dir, final, tables, summary, issues, unrecognised)


def load_processed(processed_dir, tables: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """Load processed tables; a missing one raises InputError naming the folder and the fix."""
    processed_dir = Path(processed_dir)
    out = {}
    for name in tables:
        path = processed_dir / f"{name}.parquet"
        if not path.exists():
            raise InputError(f"Table '{name}' not found in {processed_dir}. Run 'safeguarding ingest' on the "
                             f"borough's raw files first (it needs a file with the {SPEC_BY_NAME.get(name).title if name in SPEC_BY_NAME else name} columns).")
        out[name] = pd.read_parquet(path)
    return out
