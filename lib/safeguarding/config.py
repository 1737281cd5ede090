"""Every path and setting in one place. Nothing here runs at import beyond constants.

Directories resolve in this order: an explicit argument, then an environment
variable, then the default beside the project.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parents[1]

#: Environment variables an analyst can set instead of passing arguments.
ENV_PUBLISHED = "SAFEGUARDING_PUBLISHED"
ENV_DATA = "SAFEGUARDING_DATA"
ENV_OUTPUTS = "SAFEGUARDING_OUTPUTS"

#: Disclosure control: counts from 1 to this value are shown as "c".
DEFAULT_SUPPRESSION_THRESHOLD = 5
#: The protective marking printed at the top of every briefing and every printed page
#: (Government Security Classifications: aggregate figures about children's services,
#: suppressed but not published, are usually handled as OFFICIAL-SENSITIVE).
DEFAULT_MARKING = "OFFICIAL-SENSITIVE"
#: Confidence level used for every interval unless a caller says otherwise.
CONFIDENCE_LEVEL = 0.95
#: Default reporting period: the financial year ending on this date.
DEFAULT_PERIOD_END = "2025-03-31"


def published_dir(override: str | os.PathLike | None = None) -> Path | None:
    """Directory of the DfE/ONS published files, or None when it is not available.

    Order: ``override``; ``$SAFEGUARDING_PUBLISHED``; ``../shared/data/published``
    beside the project. When none exists the shipped compact table is used instead.
    """
    candidates = []
    if override:
        if not Path(override).is_dir():  # never silently replaced by the default
            from safeguarding.params import check_published
            check_published(override)
        candidates.append(Path(override))
    if os.environ.get(ENV_PUBLISHED):
        candidates.append(Path(os.environ[ENV_PUBLISHED]))
    candidates.append(PROJECT_ROOT.parent / "shared" / "data" / "published")
    for path in candidates:
        if path.is_dir():
            return path.resolve()
    return None


def data_dir(override: str | os.PathLike | None = None) -> Path:
    """Top of the data tree (holds raw/ and processed/)."""
    if override:
        return Path(override)
    if os.environ.get(ENV_DATA):
        return Path(os.environ[ENV_DATA])
    return PROJECT_ROOT / "data"


def raw_dir(borough_slug: str, base: str | os.PathLike | None = None) -> Path:
    """Where an LA's own files for one borough live: data/raw/<borough>/."""
    return data_dir(base) / "raw" / borough_slug


def processed_dir(borough_slug: str, base: str | os.PathLike | None = None) -> Path:
    """Where the tidy, validated tables for one borough are written: data/processed/<borough>/."""
    return data_dir(base) / "processed" / borough_slug


def outputs_dir(override: str | os.PathLike | None = None) -> Path:
    """Where briefings are written: outputs/<period>/<borough>/<theme>.html."""
    if override:
        return Path(override)
    if os.environ.get(ENV_OUTPUTS):
        return Path(os.environ[ENV_OUTPUTS])
    return PROJECT_ROOT / "outputs"


def cache_dir() -> Path:
    """Where derived, rebuildable files are cached (parsed published statistics):
    ``$SAFEGUARDING_CACHE`` or ``data/processed/.cache`` (git-ignored). Safe to delete."""
    if os.environ.get("SAFEGUARDING_CACHE"):
        return Path(os.environ["SAFEGUARDING_CACHE"])
    return PROJECT_ROOT / "data" / "processed" / ".cache"


def notebooks_dir() -> Path:
    return PROJECT_ROOT / "notebooks"


#: A hidden file the demo writes beside its synthetic files: ingest records it, and every
#: briefing made from those files says on its first page that the data are synthetic.
SYNTHETIC_MARKER = ".synthetic-demo.json"


def small_frame_strings():
    """A context in which pandas keeps text in Python objects rather than Arrow arrays.

    The results stage and the briefings work on many small frames, selecting rows again and
    again; there Arrow-backed text costs a call into Arrow per column per selection.
    Python-backed text is the same ``str`` dtype with the same values and missing values;
    with it a borough's results stage took 4.4 s instead of 5.3 s and its eight briefings
    17.4 s instead of 19.9 s (5 December 2026), with identical results. Readers of raw files
    keep pandas' default (Arrow), which is faster on large columns of text."""
    import pandas as pd
    return pd.option_context(*_PYTHON_TEXT)


def use_small_frame_strings() -> None:
    """Python-backed text for the rest of this process (a briefing kernel; see
    :func:`small_frame_strings`)."""
    import pandas as pd
    pd.set_option(*_PYTHON_TEXT)


_PYTHON_TEXT = ("mode.string_storage", "python")
