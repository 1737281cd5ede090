"""The engine every reader shares: load a delimited file tolerantly, then validate it
strictly against a declarative :class:`TableSpec`.

Tolerant of what real files contain: a byte-order mark, header case and stray spaces,
Windows-1252 bytes, dd/mm/YYYY and ISO dates, lower-case codes, blank trailing rows.
Strict about meaning: each value that is not what the specification expects produces an
:class:`~safeguarding.issues.Issue` naming the file, row, column and value. A bad value in
a column the measures depend on rejects the row (severity ``error``); elsewhere the value
is blanked and the row kept (``warning``). Rows read = rows kept + rows rejected.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from safeguarding.codes import each_distinct, ethnicity, spread
from safeguarding.codes.lists import CodeList
from safeguarding.issues import InputError, Issue, ReadResult, issues_frame
from safeguarding.text import plural

KINDS = ("id", "text", "date", "datetime", "code", "ethnicity", "int", "float", "bool", "postcode")

#: Spellings of "no value" that exports write. In free-text columns "NONE" is kept: it is a
#: real code there (CIN census Disability NONE = no disability).
_BLANKS = {"", "NA", "N/A", "NULL", "NONE", "NAN", "NAT"}
_TEXT_BLANKS = _BLANKS - {"NONE"}
_TRUE = frozenset({"Y", "YES", "TRUE", "1", "T", "1.0"})
_FALSE = frozenset({"N", "NO", "FALSE", "0", "F", "0.0"})


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a statutory table.

    Parameters
    ----------
    name : the specification's own name (kept as the column name after reading).
    kind : one of ``KINDS``.
    required : the column must be present in the file (else the file cannot be read).
    nullable : a blank value is acceptable.
    code_list : for ``kind='code'``.
    aliases : other header spellings found in real files (compared case-insensitively).
    reject : a blank or invalid value rejects the row (else the value is blanked, warning).
    keep : keep the column in the processed table (postcodes and free text are dropped).
    minimum, maximum : plausible range for numbers.
    """

    name: str
    kind: str = "text"
    required: bool = True
    nullable: bool = False
    code_list: CodeList | None = None
    aliases: tuple[str, ...] = ()
    reject: bool = True
    keep: bool = True
    minimum: float | None = None
    maximum: float | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: kind {self.kind!r} is not one of {KINDS}")
        if self.kind == "code" and self.code_list is None:
            raise ValueError(f"{self.name}: a code column needs a code_list")


@dataclass(frozen=True)
class TableSpec:
    """A statutory or template table: its name, columns and how to recognise it."""

    name: str
    title: str
    columns: tuple[ColumnSpec, ...]
    #: Columns whose presence identifies the table (beyond required columns).
    signature: tuple[str, ...] = ()
    #: Columns that together must be unique (duplicates are reported as warnings).
    unique: tuple[str, ...] = ()
    description: str = ""
    extra: dict = field(default_factory=dict)
    #: Header spellings whose presence means the file is *another* table (e.g. an exclusions
    #: extract that lacks one column must not be taken for a pupil roll).
    excludes: tuple[str, ...] = ()

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def header_names(self) -> dict[str, str]:
        """Map of folded header spelling -> specification name."""
        out = {}
        for col in self.columns:
            for spelling in (col.name, *col.aliases):
                out[fold_header(spelling)] = col.name
        return out


def fold_header(name: str) -> str:
    """Fold a header for matching: strip BOM and spaces, lower case, drop _ - and spaces."""
    text = str(name).replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s_\-]+", "", text)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode file bytes: UTF-16 with a byte-order mark (Excel's 'Unicode text'), UTF-8 (with or
    without BOM), else Windows-1252. Returns (text, encoding)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


_DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def detect_delimiter(text: str) -> str:
    """The delimiter that splits the header (first non-blank line) into the most fields.

    Decided from the header alone because column names never contain a delimiter, while
    free-text values may (csv.Sniffer is easily misled by them). Ties and one-column files
    give a comma.
    """
    first = next((line for line in text.splitlines() if line.strip()), "")
    best, best_n = ",", 1
    for delimiter in _DELIMITER_NAMES:
        try:
            n = len(next(csv.reader([first], delimiter=delimiter), []))
        except csv.Error:
            continue
        if n > best_n:
            best, best_n = delimiter, n
    return best


def load_delimited(path: Path) -> tuple[list[str], list[list[str]], list[int], list[Issue]]:
    """Read a CSV into header, rows of strings and their spreadsheet row numbers.

    Blank rows (every cell empty) are skipped and reported once as ``info``; they are not
    data rows. Row numbers are the rows a spreadsheet shows (header = row 1). The
    delimiter (comma, semicolon, tab or bar) is detected from the header.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"File not found: {path}")
    data = path.read_bytes()
    if is_workbook(data):
        raise InputError(f"{path.name}: this is an Excel workbook saved with a {path.suffix} name, not a text file. "
                         "Rename it to .xlsx (each sheet is then read as a table) or save the sheet as CSV (UTF-8).")
    try:
        text, encoding = decode_bytes(data)
    except UnicodeDecodeError as exc:  # only UTF-16 is strict: its mark says what the file should be
        raise InputError(f"{path.name}: starts as UTF-16 text ('Unicode text') but is damaged or cut short at byte "
                         f"{exc.start:,} ({exc.reason}). Save it again as CSV UTF-8 and try again.") from None
    issues: list[Issue] = []
    if encoding == "utf-16":
        issues.append(Issue(str(path), "", None, None, None, "encoding", "info",
                            "file is UTF-16 ('Unicode text'); read as such"))
    elif encoding != "utf-8":
        issues.append(Issue(str(path), "", None, None, None, "encoding", "info",
                            "file is not UTF-8; read as Windows-1252"))
    text = text.replace("\x00", "")
    delimiter = detect_delimiter(text)
    if delimiter != ",":
        issues.append(Issue(str(path), "", None, None, None, "delimiter", "info",
                            f"values separated by {_DELIMITER_NAMES[delimiter]}, not commas"))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    numbers: list[int] = []
    blank = 0
    try:
        for line_no, row in enumerate(reader, start=1):
            if header is None:
                if not any(cell.strip() for cell in row):
                    continue
                header = [h.replace("\ufeff", "").strip() for h in row]
                continue
            if not (row and row[0].strip()) and not any(cell.strip() for cell in row):  # the first cell usually settles it
                blank += 1
                continue
            rows.append(row)
            numbers.append(line_no)  # the record's row in a spreadsheet (a quoted line break stays in one row)
    except csv.Error as exc:
        raise InputError(f"{path.name}: cannot be read as CSV ({exc}). Save it as CSV (comma separated) and try again.") from exc
    if header is None:
        raise InputError(f"{path.name}: the file is empty (no header row).")
    if blank:
        issues.append(Issue(str(path), "", None, None, None, "blank_rows", "info",
                            f"{plural(blank, 'empty row')} ignored"))
    return header, rows, numbers, issues


def is_workbook(data: bytes) -> bool:
    """True for the bytes of an .xlsx/.xlsm workbook (a ZIP archive)."""
    return data[:4] == b"PK\x03\x04"


def _cell_text(value) -> str:
    """A spreadsheet cell as the text a CSV export would hold: dates as dd/mm/YYYY (with the
    time when there is one), whole numbers without '.0', blanks as ''."""
    import datetime as dt
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M" if (value.hour, value.minute, value.second) != (0, 0, 0) else "%d/%m/%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def load_workbook_sheets(path: Path) -> list[tuple[str, list[str], list[list[str]], list[int], list[Issue]]]:
    """Every non-empty sheet of an .xlsx workbook as (sheet, header, rows, row numbers, issues),
    read with openpyxl (values, not formulas); row numbers are the sheet's own."""
    from openpyxl import load_workbook
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a damaged or password-protected workbook
        raise InputError(f"{path.name}: cannot be read as an Excel workbook ({exc}). Save each sheet as CSV (UTF-8) "
                         "and try again.") from None
    out = []
    try:
        for sheet in book.worksheets:
            header, rows, numbers, blank = None, [], [], 0
            for line_no, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = [_cell_text(v) for v in values]
                if not any(cells):
                    if header is not None:
                        blank += 1
                    continue
                if header is None:
                    header = [c.replace("\ufeff", "").strip() for c in cells]
                    while header and not header[-1]:
                        header.pop()
                    continue
                rows.append(cells[:len(header)] + [""] * (len(header) - len(cells)))
                numbers.append(line_no)
            if header is None:
                continue
            source = f"{path}#{sheet.title}"
            issues = [Issue(source, "", None, None, None, "workbook", "info",
                            f"read from sheet '{sheet.title}' of an Excel workbook")]
            if blank:
                issues.append(Issue(source, "", None, None, None, "blank_rows", "info",
                                    f"{plural(blank, 'empty row')} ignored"))
            out.append((sheet.title, header, rows, numbers, issues))
    finally:
        book.close()
    return out


def match_columns(header: list[str], spec: TableSpec) -> dict[int, str]:
    """Positions in ``header`` -> specification names (unmatched headers are ignored)."""
    names = spec.header_names()
    out = {}
    for i, h in enumerate(header):
        name = names.get(fold_header(h))
        if name is not None and name not in out.values():
            out[i] = name
    return out


def score_spec(header: list[str], spec: TableSpec) -> float:
    """How well a header fits a spec: 0 when a required or signature column is missing,
    else the share of the spec's columns present (used to identify tables by columns)."""
    present = set(match_columns(header, spec).values())
    needed = set(spec.required) | set(spec.signature)
    if not needed <= present:
        return 0.0
    if spec.excludes and {fold_header(h) for h in header} & {fold_header(x) for x in spec.excludes}:
        return 0.0
    return len(present) / len(spec.columns) + len(needed) / 100


# --- value parsing -------------------------------------------------------------------

_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d/%m/%y", "%Y/%m/%d", "%d.%m.%Y")
_TIME_FORMATS = (
    "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S.%f",
)
_DATETIME_FORMATS = _TIME_FORMATS + _DATE_FORMATS


#: Dates outside this range are not plausible in any of these collections (and would not fit
#: pandas' nanosecond timestamps): they are reported as invalid, never parsed.
DATE_MIN = pd.Timestamp("1900-01-01")
DATE_MAX = pd.Timestamp("2099-12-31 23:59:59")


def parse_dates(values: pd.Series, with_time: bool = False) -> pd.Series:
    """Parse dd/mm/YYYY, ISO and a few other unambiguous day-first formats; NaT when none fits.

    Month-first dates (mm/dd/YYYY) are never guessed: 02/03/2024 is 2 March 2024. A date
    column also accepts a date followed by a time (``31/03/2025 00:00``, as spreadsheets
    export dates); the time is dropped. Dates before 1900 or after 2099 are NaT.
    """
    text = values.astype("string").str.strip()
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    formats = _DATETIME_FORMATS if with_time else _DATE_FORMATS + _TIME_FORMATS
    todo = text.notna()
    for fmt in formats:
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        ok = parsed.notna() & (parsed >= DATE_MIN) & (parsed <= DATE_MAX)
        if ok.any():
            out.loc[parsed.index[ok]] = parsed[ok].astype("datetime64[ns]")
        todo = todo & out.isna()
    if not with_time:
        out = out.dt.normalize()
    return out


def _blank_mask(values: pd.Series, kind: str = "code") -> pd.Series:
    """Cells that are empty or say so ('NULL', 'N/A', ...), each distinct value looked at once."""
    tokens = _TEXT_BLANKS if kind == "text" else _BLANKS
    blank = each_distinct(lambda v: v is None or str(v).strip().upper() in tokens, values)
    return pd.Series(blank.astype(bool), index=values.index)


@dataclass
class _Findings:
    issues: list[Issue] = field(default_factory=list)
    reject: set = field(default_factory=set)


def _report(findings, spec, col, source, rows, positions, values, message, code, severity):
    for pos in positions:
        findings.issues.append(Issue(source, spec.name, int(rows[pos]), col.name,
                                     None if values is None else str(values[pos]), code, severity, message))
        if severity == "error":
            findings.reject.add(pos)


_EMPTY_DTYPES = {"date": "datetime64[ns]", "datetime": "datetime64[ns]", "int": "Int64", "float": "Float64",
                 "bool": "boolean"}


def validate_frame(raw: pd.DataFrame, spec: TableSpec, source: str, row_numbers,
                   year: int | None = None) -> tuple[pd.DataFrame, list[Issue], set]:
    """Type and check a frame of raw strings (columns already named as in ``spec``).

    Returns the typed frame (all rows, bad values blanked), the issues, and the set of
    positions to reject.
    """
    rows = np.asarray(row_numbers)
    findings = _Findings()
    typed = {}
    n = len(raw)
    for col in spec.columns:
        if col.name not in raw.columns:  # an optional column the file does not have: all missing, typed
            dtype = _EMPTY_DTYPES.get(col.kind, "object")
            empty = pd.NaT if dtype.startswith("datetime") else None if dtype == "object" else pd.NA
            typed[col.name] = pd.Series([empty] * n, index=raw.index, dtype=dtype)
            continue
        values = raw[col.name]
        # each distinct cell is looked at once (a code column repeats a handful of values
        # over many rows), then spread back to the rows
        positions, distinct = pd.factorize(values.astype("object"), use_na_sentinel=True)
        distinct = pd.Series(distinct, dtype="object")
        distinct_blank = np.append(_blank_mask(distinct, col.kind).to_numpy(), True)  # last: a missing cell
        distinct_text = distinct.astype("string").str.strip().mask(distinct_blank[:-1])
        blank = distinct_blank[positions]
        severity = "error" if col.reject else "warning"
        if not col.nullable and blank.any():
            _report(findings, spec, col, source, rows, np.flatnonzero(blank), None,
                    f"{col.name} is blank; a value is required", "blank", severity)
        text = pd.Series(distinct_text.array.take(positions, allow_fill=True), index=raw.index)
        distinct_arr = np.append(distinct_text.to_numpy(dtype=object, na_value=None), None)
        arr_text = distinct_arr[positions]
        if col.kind in ("date", "datetime"):
            parsed = parse_dates(text, with_time=col.kind == "datetime")
            bad = (~blank) & parsed.isna().to_numpy()
            if bad.any():
                _report(findings, spec, col, source, rows, np.flatnonzero(bad), arr_text,
                        "not a valid date; expected dd/mm/YYYY (e.g. 31/03/2025) or YYYY-MM-DD, between 1900 and 2099",
                        "date", severity)
            typed[col.name] = parsed
        elif col.kind == "code":
            normalised = pd.Series(spread(lambda v: col.code_list.normalise(v, year), distinct_arr, positions),
                                   index=raw.index, dtype="object")
            bad = (normalised.notna() & ~normalised.isin(list(col.code_list.valid(year)))).to_numpy()
            if bad.any():
                _report(findings, spec, col, source, rows, np.flatnonzero(bad), arr_text,
                        f"unknown code; expected {col.code_list.expected(year)}", "code", severity)
                normalised[bad] = None
            typed[col.name] = normalised
        elif col.kind == "ethnicity":
            normalised = pd.Series(spread(ethnicity.normalise_code, distinct_arr, positions), index=raw.index,
                                   dtype="object")
            bad = (normalised.notna() & ~normalised.isin(list(ethnicity.VALID_CODES))).to_numpy()
            if bad.any():
                _report(findings, spec, col, source, rows, np.flatnonzero(bad), arr_text,
                        "unknown ethnicity code; expected a DfE code such as WBRI, BCRB, AIND, "
                        "or REFU/NOBT when refused or not obtained", "code", severity)
                normalised[bad] = None
            typed[col.name] = normalised
        elif col.kind in ("int", "float"):
            number = pd.to_numeric(text.astype("object"), errors="coerce").astype("float64")
            finite = np.isfinite(number.to_numpy())
            bad = (~blank) & ~finite  # not a number, or inf / too large to hold
            if col.kind == "int":
                whole = np.where(finite, number.to_numpy(), 0.0)
                bad |= (whole % 1 != 0) | (np.abs(whole) > 2 ** 53)
            number = number.mask(bad)
            range_bad = np.zeros(n, dtype=bool)
            if col.minimum is not None:
                range_bad |= (number < col.minimum).fillna(False).to_numpy()
            if col.maximum is not None:
                range_bad |= (number > col.maximum).fillna(False).to_numpy()
            if bad.any():
                _report(findings, spec, col, source, rows, np.flatnonzero(bad), arr_text,
                        f"not a valid {'whole ' if col.kind == 'int' else ''}number", "number", severity)
            if range_bad.any():
                _report(findings, spec, col, source, rows, np.flatnonzero(range_bad), arr_text,
                        f"outside the plausible range {col.minimum} to {col.maximum}", "range", severity)
            number = number.mask(bad | range_bad)
            typed[col.name] = number.astype("Int64") if col.kind == "int" else number.astype("Float64")
        elif col.kind == "bool":
            up = [None if v is None else v.upper() for v in arr_text]
            true = np.array([v in _TRUE for v in up], dtype=bool)
            false = np.array([v in _FALSE for v in up], dtype=bool)
            bad = np.array([v is not None for v in up], dtype=bool) & ~true & ~false
            if bad.any():
                _report(findings, spec, col, source, rows, np.flatnonzero(bad), arr_text,
                        "expected true/false (Y/N, 1/0)", "bool", severity)
            flags = pd.array([True if t else False if f else pd.NA for t, f in zip(true, false)], dtype="boolean")
            typed[col.name] = pd.Series(flags, index=raw.index)
        elif col.kind == "id":
            typed[col.name] = text.astype("object").where(~blank, None)
        else:  # text, postcode
            typed[col.name] = text.astype("object").where(~blank, None)
    frame = pd.DataFrame(typed, index=raw.index)
    return frame, findings.issues, findings.reject


def read_table(path, spec: TableSpec, year: int | None = None) -> ReadResult:
    """Read one delimited file against ``spec``: the shared path of every CSV reader."""
    path = Path(path)
    header, rows, numbers, issues = load_delimited(path)
    return read_rows(header, rows, numbers, spec, str(path), year=year, file_issues=issues,
                     sha256=file_sha256(path))


def read_rows(header, rows, numbers, spec: TableSpec, source: str, year: int | None = None,
              file_issues: list[Issue] | None = None, sha256: str = "") -> ReadResult:
    """Validate rows (lists of strings, as read) against a spec; see :func:`read_table`."""
    issues = list(file_issues or [])
    issues = [Issue(i.source, spec.name, i.row, i.column, i.value, i.code, i.severity, i.message) for i in issues]
    positions = match_columns(header, spec)
    missing = [c for c in spec.required if c not in positions.values()]
    if missing:
        found = ", ".join(h for h in header if h) or "(none)"
        raise InputError(
            f"{Path(source).name}: cannot read as {spec.title}: required column(s) "
            f"{', '.join(missing)} not found. Columns found: {found}."
        )
    width = len(header)
    ragged = []
    short = []
    if rows and width and all(len(row) == width for row in rows):  # the usual file: one transpose
        cells = np.array(rows, dtype=object)  # rows of strings, each cell as read (7x quicker than zip(*rows))
        data = {name: cells[:, pos] for pos, name in positions.items()}
    else:
        data = {name: [] for name in positions.values()}
        for k, row in enumerate(rows):
            if len(row) > width and any(c.strip() for c in row[width:]):
                ragged.append(k)
            elif len(row) < width:
                short.append(k)
            for pos, name in positions.items():
                data[name].append(row[pos] if pos < len(row) else "")
    raw = pd.DataFrame(data, dtype="object")
    raw.index = pd.RangeIndex(len(rows))
    for k in ragged:
        issues.append(Issue(source, spec.name, int(numbers[k]), None, None, "ragged", "error",
                            f"row has {len(rows[k])} cells but the header has {width}; columns may be shifted"))
    if short:
        shown = ", ".join(str(numbers[k]) for k in short[:10]) + (" ..." if len(short) > 10 else "")
        issues.append(Issue(source, spec.name, None, None, None, "short_rows", "warning",
                            f"{plural(len(short), 'row')} with fewer cells than the header (rows {shown}); "
                            f"the missing cells were read as blank"))
    frame, found, reject = validate_frame(raw, spec, source, numbers, year)
    issues.extend(found)
    reject |= set(ragged)
    unknown = [h for i, h in enumerate(header) if i not in positions and h]
    if unknown:
        issues.append(Issue(source, spec.name, None, None, ", ".join(unknown[:10]), "extra_columns", "info",
                            "column(s) not in the specification were ignored"))
    frame = frame[[c.name for c in spec.columns if c.keep]]
    frame["source_file"] = Path(source).name
    frame["source_row"] = pd.array(numbers, dtype="Int64")
    if year is not None:
        frame["collection_year"] = year
    if spec.unique:
        dup = frame.duplicated(subset=list(spec.unique), keep="first") & frame[list(spec.unique)].notna().all(axis=1)
        for pos in np.flatnonzero(dup.to_numpy()):
            issues.append(Issue(source, spec.name, int(numbers[pos]), ",".join(spec.unique), None, "duplicate",
                                "warning", f"duplicate of an earlier row on {', '.join(spec.unique)}"))
    keep_mask = np.ones(len(frame), dtype=bool)
    if reject:
        keep_mask[list(reject)] = False
    kept = frame[keep_mask].reset_index(drop=True)
    return ReadResult(table=spec.name, source=source, frame=kept, issues=issues_frame(issues),
                      n_read=len(rows), n_rejected=int((~keep_mask).sum()), sha256=sha256, year=year)
