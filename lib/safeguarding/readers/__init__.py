"""One reader per format. Each returns :class:`~safeguarding.issues.ReadResult` objects:
typed frames plus issues, never writing anything. :func:`identify_table` recognises a
file by its columns, not its name (LAs name files differently)."""

from __future__ import annotations

from pathlib import Path

from safeguarding.readers import cin, exclusions, missing_log, ssda903
from safeguarding.readers.base import TableSpec, load_delimited, score_spec

ALL_SPECS: tuple[TableSpec, ...] = ssda903.SPECS + cin.SPECS + missing_log.SPECS + exclusions.SPECS
SPEC_BY_NAME = {s.name: s for s in ALL_SPECS}


def identify_table(header: list[str]) -> TableSpec | None:
    """The specification a header fits best, or None when it fits none."""
    scored = sorted(((score_spec(header, s), s.name) for s in ALL_SPECS), reverse=True)
    best, name = scored[0]
    return SPEC_BY_NAME[name] if best > 0 else None


def identify_file(path) -> TableSpec | None:
    header, _, _, _ = load_delimited(Path(path))
    return identify_table(header)
