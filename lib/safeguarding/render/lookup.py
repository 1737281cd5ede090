"""Rows of a results frame found by their keys, through an index made once per frame.

A view looks rows up by measure, group and period hundreds of times per briefing (the
disproportionality briefing about 600 times, a fifth of its time when each lookup filtered
the whole frame). :func:`first_row` gives the same row as filtering does, from a dictionary
made the first time a frame is asked, and kept while the frame lives (and has as many rows).
"""

from __future__ import annotations

import weakref

import pandas as pd

_INDEXES: dict[tuple, tuple] = {}


def _positions(frame: pd.DataFrame, keys: dict) -> list[int]:
    """Positions of the rows of ``frame`` whose columns equal ``keys``, in order."""
    wanted = tuple(keys.values())
    if any(k is None or (isinstance(k, float) and k != k) for k in wanted):
        return []  # matches no row: no index needed
    columns = tuple(keys)
    slot = (id(frame), columns)
    entry = _INDEXES.get(slot)
    if entry is None or entry[0]() is not frame or entry[1] != len(frame):
        positions: dict[tuple, list[int]] = {}
        for at, key in enumerate(zip(*(frame[c].tolist() for c in columns))):
            positions.setdefault(key, []).append(at)
        entry = (weakref.ref(frame, lambda _ref, slot=slot: _INDEXES.pop(slot, None)), len(frame), positions)
        _INDEXES[slot] = entry
    return entry[2].get(wanted, [])


def first_row(frame: pd.DataFrame, **keys) -> pd.Series | None:
    """The first row of ``frame`` whose columns equal ``keys``, or None: the row
    ``frame[(frame[k] == v) & ...].iloc[0]`` gives. A key of None or NaN matches no row."""
    found = _positions(frame, keys)
    return frame.iloc[found[0]] if found else None


def rows_where(frame: pd.DataFrame, **keys) -> pd.DataFrame:
    """Every row of ``frame`` whose columns equal ``keys``, in order: the frame
    ``frame[(frame[k] == v) & ...]`` gives (its index labels kept)."""
    return frame.iloc[_positions(frame, keys)]
