"""Code lists and reference mappings, each written down once and keyed by collection year."""

from __future__ import annotations

import numpy as np
import pandas as pd


def each_distinct(fn, values) -> np.ndarray:
    """``[fn(v) for v in values]`` as an object array, with ``fn`` called once per distinct
    value: a code column repeats a handful of values over many rows (a school roll has
    hundreds of thousands). Blanks (None, NaN, NA) all get ``fn(None)``."""
    positions, distinct = pd.factorize(pd.Series(values, dtype="object"), use_na_sentinel=True)
    return spread(fn, [*distinct, None], positions)  # a blank's position is -1: the last, fn(None)


def spread(fn, distinct, positions: np.ndarray) -> np.ndarray:
    """``fn`` of each row's value as an object array, called once per distinct value:
    ``distinct[positions]`` are the rows' values (a position of -1 is the last of ``distinct``)."""
    mapped = np.empty(len(distinct), dtype=object)
    mapped[:] = [fn(v) for v in distinct]
    return mapped[positions]
