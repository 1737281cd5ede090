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
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

import safeguarding
from safeguarding import derive
from safeguarding.codes.lists import collection_year
from safeguarding.config import DEFAULT_PERIOD_END
from safeguarding.issues import InputError, Issue, ReadResult, issues_frame
from safeguarding.readers import SPEC_BY_NAME, identify_table
from safeguarding.readers.base import load_delimited, read_rows, file_sha256
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
            lines.append(f"  {name:<45} not recognised (see validation_report.csv)")
        lines.append(f"  {len(self.issues):,} issue(s) written to {self.out_dir / 'validation_report.csv'}")
        return "\n".join(lines)


def infer_year(path: Path, default: int) -> int:
    """Collection year from a file name: 'SSDA903_2024_25_Header' / '2024-25' / '202425' -> 2025,
    'Header_2025.csv' -> 2025; otherwise ``default``."""
    name = Path(path).stem
    pair = re.search(r"(20\d{2})[\s_\-/]?(\d{2})(?!\d)", name)
    if pair and int(pair.group(2)) == (int(pair.group(1)) + 1) % 100:
        return int(pair.group(1)) + 1
    single = re.search(r"(?<!\d)(20\d{2})(?!\d)", name)
    return int(single.group(1)) if single else default


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
    files = sorted(p for p in raw_dir.iterdir() if p.is_file() and p.suffix.lower() in (".csv", ".xml", ".txt"))
    if not files:
        raise InputError(f"No CSV or XML files in {raw_dir}. Expected SSDA903 tables, a CIN census file, "
                         f"a missing episodes log or an exclusions extract (see data/raw/README.md).")
    for path in files:
        year = infer_year(path, default_year)
        if path.suffix.lower() == ".xml":
            results.extend(read_cin_xml(path, year=year).values())
            continue
        header, rows, numbers, file_issues = load_delimited(path)
        spec = identify_table(header)
        if spec is None:
            unrecognised.append(path.name)
            notes.append(Issue(str(path), "", None, None, ", ".join(header[:12]), "unrecognised", "warning",
                               "columns do not match any known table (SSDA903, CIN census, missing log, "
                               "exclusions, pupil roll); file not used"))
            continue
        result = read_rows(header, rows, numbers, spec, str(path), year=year if spec.name in _YEARLY else None,
                           file_issues=file_issues, sha256=file_sha256(path))
        if spec.name in ("exclusions", "pupils"):
            result = _finish(result, check_reason=spec.name == "exclusions")
        results.append(result)
    return results, notes, unrecognised


def _concat(results: list[ReadResult], table: str) -> pd.DataFrame | None:
    frames = [r.frame for r in results if r.table == table]
    if not frames:
        return None
    frames = [f for f in frames if len(f)] or frames[:1]
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].copy()


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
        ends = pd.to_datetime(episodes["collection_year"].astype(str) + "-03-31") if "collection_year" in episodes else end
        episodes["episode_days"] = derive.duration_days(episodes["DECOM"], episodes["DEC"], open_until=None).fillna(
            derive.duration_days(episodes["DECOM"], pd.Series(ends, index=episodes.index)))
        tables["cla_episodes"] = episodes
    cla_missing = _concat(results, "cla_missing")
    if cla_missing is not None:
        cla_missing["duration_days"] = derive.duration_days(cla_missing["MIS_START"], cla_missing["MIS_END"])
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
        chars = _concat(results, "cin_child_characteristics")
        if chars is not None:
            chars = chars.drop_duplicates("LAchildID")[["LAchildID", "Ethnicity"]]
            children = ident.merge(chars, on="LAchildID", how="left", validate="many_to_one")
        else:
            children = ident.assign(Ethnicity=pd.NA)
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

    if "cla_episodes" in tables and "cla_header" in tables:
        known = set(tables["cla_header"]["CHILD"])
        orphan = tables["cla_episodes"][~tables["cla_episodes"]["CHILD"].isin(known)]
        for _, r in orphan.iterrows():
            issues.append(Issue(r["source_file"], "cla_episodes", int(r["source_row"]), "CHILD", str(r["CHILD"]),
                                "no_header", "warning", "child has episodes but no row in the Header table"))
    return tables, issues


def ingest(raw_dir, out_dir, period_end: str = DEFAULT_PERIOD_END) -> IngestReport:
    """Validate and process every file in ``raw_dir`` into ``out_dir`` (see module docstring)."""
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    results, notes, unrecognised = read_raw_dir(raw_dir, period_end)
    if not results:
        raise InputError(f"None of the files in {raw_dir} could be recognised: {', '.join(unrecognised)}. "
                         f"Check the column headers against data/raw/README.md.")
    tables, cross = build_tables(results, period_end)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("*.parquet"):
        stale.unlink()
    for name, frame in tables.items():
        frame.to_parquet(out_dir / f"{name}.parquet", index=False)
    issue_frames = [r.issues for r in results if len(r.issues)] + [issues_frame(notes + cross)]
    issues = pd.concat(issue_frames, ignore_index=True) if issue_frames else issues_frame()
    issues["source"] = issues["source"].map(lambda s: Path(s).name if isinstance(s, str) else s)
    issues.to_csv(out_dir / "validation_report.csv", index=False)
    summary = pd.DataFrame([r.summary() for r in results])
    summary.to_csv(out_dir / "validation_summary.csv", index=False)
    manifest = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "safeguarding_version": safeguarding.__version__,
        "raw_dir": str(raw_dir),
        "period_end": period_end,
        "files": summary.to_dict("records"),
        "unrecognised": unrecognised,
        "tables": {name: len(frame) for name, frame in tables.items()},
        "issues": {"errors": int((issues["severity"] == "error").sum()),
                   "warnings": int((issues["severity"] == "warning").sum())},
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
    return IngestReport(raw_dir, out_dir, tables, summary, issues, unrecognised)


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
