"""Records every reader and rule uses to report what is wrong with input data.

An :class:`Issue` names the file, table, row, column and value, and says what was
expected, so that an analyst can open the file and fix it. A :class:`ReadResult`
carries the kept rows together with the issues, and the counts that prove nothing was
dropped silently: ``n_read == n_kept + n_rejected``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, asdict
from pathlib import Path

import pandas as pd

#: Severity levels. An ``error`` rejects the row; a ``warning`` keeps it (the value may be
#: blanked) and is reported; ``info`` is a note about the file as a whole.
SEVERITIES = ("error", "warning", "info")

ISSUE_COLUMNS = ["source", "table", "row", "column", "value", "code", "severity", "message"]


class InputError(Exception):
    """Input that cannot be read at all (missing file, missing required column).

    The message is written for a person: it says which file and what to do.
    The command line prints it without a traceback.
    """


@dataclass(frozen=True)
class Issue:
    """One problem found in one place of one input file.

    ``row`` is the line number a spreadsheet would show (the header is row 1, the first
    data row is row 2); ``None`` for an issue about a whole file or column.
    """

    source: str
    table: str
    row: int | None
    column: str | None
    value: str | None
    code: str
    severity: str
    message: str

    def __post_init__(self):
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")

    def describe(self) -> str:
        """One readable line: ``file, row 7, column DOB: value '31/02/2024' ...``."""
        where = [Path(self.source).name]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        value = "" if self.value is None else f" value {self.value!r}:"
        return f"{', '.join(where)}:{value} {self.message} [{self.code}, {self.severity}]"


def issues_frame(issues: list[Issue] | None = None) -> pd.DataFrame:
    """A tidy frame of issues with the standard columns (empty when there are none).

    Text columns are ``object`` so that a missing column or value stays ``None`` (not NaN,
    as pandas 3's default string dtype would make it); ``row`` is ``Int64``.
    """
    if not issues:
        frame = pd.DataFrame({c: pd.Series(dtype="object") for c in ISSUE_COLUMNS})
    else:
        records = [asdict(i) for i in issues]
        frame = pd.DataFrame({c: pd.Series([r[c] for r in records], dtype="object") for c in ISSUE_COLUMNS})
    frame["row"] = frame["row"].astype("Int64")
    return frame


def issues_from_frame(frame: pd.DataFrame) -> list[Issue]:
    """The inverse of :func:`issues_frame`: rows back to :class:`Issue` (NA -> None)."""
    out = []
    for record in frame[ISSUE_COLUMNS].to_dict("records"):
        clean = {k: (None if v is None or (not isinstance(v, str) and pd.isna(v)) else v) for k, v in record.items()}
        if clean["row"] is not None:
            clean["row"] = int(clean["row"])
        out.append(Issue(**clean))
    return out


@dataclass
class ReadResult:
    """What a reader returns: the kept rows, the issues, and the reconciliation counts."""

    table: str
    source: str
    frame: pd.DataFrame
    issues: pd.DataFrame = field(default_factory=issues_frame)
    n_read: int = 0
    n_rejected: int = 0
    sha256: str = ""
    #: The collection year the rows were validated for (None when not year-keyed).
    year: int | None = None

    @property
    def n_kept(self) -> int:
        return len(self.frame)

    def reconciles(self) -> bool:
        """Rows read equal rows kept plus rows rejected."""
        return self.n_read == self.n_kept + self.n_rejected

    def summary(self) -> dict:
        sev = self.issues["severity"].value_counts() if len(self.issues) else {}
        return {
            "table": self.table,
            "source": Path(self.source).name,
            "rows_read": self.n_read,
            "rows_kept": self.n_kept,
            "rows_rejected": self.n_rejected,
            "errors": int(sev.get("error", 0)),
            "warnings": int(sev.get("warning", 0)),
            "sha256": self.sha256,
        }
