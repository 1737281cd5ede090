"""Run parameters checked before any work: each bad value is refused with what was given, what
was expected and how to fix it, before ingest starts or a kernel is launched.

Used by the command line and the batch (``run_batch``); a notebook's ``open_briefing`` checks
the same values through :func:`check_period_end` and :func:`check_threshold`.
"""

from __future__ import annotations

import calendar
import os
import re
import tempfile
from datetime import date
from pathlib import Path

from safeguarding.issues import InputError

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def check_period_end(text) -> str:
    """The period end as YYYY-MM-DD, or an :class:`InputError` saying what is wrong.

    >>> check_period_end("2025-03-31")
    '2025-03-31'
    """
    value = str(text).strip()
    match = _ISO.match(value)
    if not match:
        raise InputError(f"The period end {value!r} is not a date in the form YYYY-MM-DD (e.g. 2025-03-31, the end "
                         "of the 2024-25 collection year).")
    year, month, day = (int(g) for g in match.groups())
    if not 1 <= month <= 12:
        raise InputError(f"The period end {value!r} has month {month}: months run from 1 to 12.")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise InputError(f"The period end {value!r} is not a date: {calendar.month_name[month]} {year} has {days} "
                         f"days. Give the last day of the period, e.g. {year}-03-31.")
    if year < 2000 or date(year, month, day) > date.today().replace(year=date.today().year + 1):
        raise InputError(f"The period end {value!r} is outside the years this project can hold data for "
                         f"(2000 to next year).")
    return f"{year:04d}-{month:02d}-{day:02d}"


def check_threshold(value) -> int:
    """The suppression threshold as a whole number of 1 or more (0 would switch disclosure
    control off, so it is refused rather than accepted)."""
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InputError(f"The suppression threshold must be a whole number (e.g. 5), not {value!r}.") from None
    if number < 1 or str(value).strip() not in (str(number), f"+{number}"):
        raise InputError(f"The suppression threshold must be a whole number 1 or more, not {value!r}: counts from 1 "
                         "to the threshold are hidden, and 0 would switch disclosure control off.")
    return number


def check_marking(value) -> str:
    """A protective marking: short printable text ('OFFICIAL', 'OFFICIAL-SENSITIVE'), with no
    quotes, backslashes or line breaks (it is printed in the page header of every page)."""
    text = str(value if value is not None else "").strip()
    if not text or len(text) > 40 or not text.isprintable() or any(c in text for c in "\"'<>{};"):
        raise InputError(f"The protective marking must be short plain text such as OFFICIAL or OFFICIAL-SENSITIVE "
                         f"(at most 40 characters, no quotes, brackets or backslashes), not {value!r}.")
    return text


def check_published(path) -> Path | None:
    """A ``--published`` folder must exist: it is never silently replaced by the default."""
    if path is None or str(path) == "":
        return None
    folder = Path(path)
    if not folder.is_dir():
        raise InputError(f"The published statistics folder {folder} does not exist (given with --published). Give "
                         "the folder that holds the DfE/ONS files (see ../shared/data/published/SOURCES.md), or leave "
                         "--published out to use the default.")
    return folder.resolve()


def check_outputs(path) -> Path:
    """The outputs folder, created if needed and shown to be writable before any briefing is run."""
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise InputError(f"Briefings cannot be written to {folder}: {exc.strerror or exc}. Choose another folder "
                         "with --outputs, or fix its permissions.") from None
    if not os.access(folder, os.W_OK):  # pragma: no cover - caught above on most systems
        raise InputError(f"Briefings cannot be written to {folder}: the folder is not writable.")
    return folder
