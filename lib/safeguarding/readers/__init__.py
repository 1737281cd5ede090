"""One reader per format. Each returns :class:`~safeguarding.issues.ReadResult` objects:
typed frames plus issues, never writing anything. :func:`identify_table` recognises a
file by its columns, not its name (LAs name files differently)."""

from __future__ import annotations

from pathlib import Path

from safeguarding.readers import cin, exclusions, missing_log, ssda903
from safeguarding.readers.base import TableSpec, load_delimited, match_columns, score_spec

ALL_SPECS: tuple[TableSpec, ...] = ssda903.SPECS + cin.SPECS + missing_log.SPECS + exclusions.SPECS
SPEC_BY_NAME = {s.name: s for s in ALL_SPECS}


def identify_table(header: list[str]) -> TableSpec | None:
    """The specification a header fits best, or None when it fits none."""
    scored = sorted(((score_spec(header, s), s.name) for s in ALL_SPECS), reverse=True)
    best, name = scored[0]
    return SPEC_BY_NAME[name] if best > 0 else None


def closest_table(header: list[str]) -> tuple[TableSpec | None, list[str]]:
    """For a header that fits no table: the table sharing most required/signature columns
    with it (at least two, and at least half of them), and the columns it lacks.
    ``(None, [])`` when nothing is close."""
    best, best_key = None, (0, 0)
    for spec in ALL_SPECS:
        present = set(match_columns(header, spec).values())
        needed = list(dict.fromkeys(spec.required + spec.signature))
        have = sum(1 for c in needed if c in present)
        key = (have, -(len(needed) - have))
        if have >= 2 and 2 * have >= len(needed) and key > best_key:
            best, best_key = spec, key
    if best is None:
        return None, []
    present = set(match_columns(header, best).values())
    return best, [c for c in dict.fromkeys(best.required + best.signature) if c not in present]


def identify_file(path) -> TableSpec | None:
    header, _, _, _ = load_delimited(Path(path))
    return identify_table(header)
