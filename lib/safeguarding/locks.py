"""One run at a time per folder: a lock beside the folder, taken without waiting.

Two runs writing one borough's processed data, or one outputs folder, would leave a mix of
both. Each takes the folder's lock first (``filelock``: an OS lock, released when the
process ends however it ends, so a killed run never leaves a stale lock); a second run
fails at once with a message naming the folder, rather than interleaving. Building a
borough's results waits instead: the other run is building the same results, which are
then reused.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from safeguarding.issues import InputError


def lock_path(folder: Path) -> Path:
    """The lock file of ``folder``: beside it, so that swapping the folder keeps the lock."""
    folder = Path(folder)
    return folder.parent / f".{folder.name}.lock"


@contextmanager
def held(folder, doing: str, wait: float = 0) -> Iterator[None]:
    """Hold the lock of ``folder`` while ``doing`` (e.g. 'ingesting into'); refuse with an
    :class:`InputError` when another run holds it (at once, or after ``wait`` seconds: a
    reader that can use what the other run is building waits for it instead)."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(lock_path(folder), timeout=wait, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        raise InputError(f"Another run is already {doing} {folder}: wait for it to finish and run again (two runs "
                         "at once would mix their files).") from None
    try:
        yield
    finally:
        lock.release()
