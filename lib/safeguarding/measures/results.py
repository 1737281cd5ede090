"""Build tidy MeasureResult frames (see ``registry.RESULT_COLUMNS``) from counts.

Values stay numeric; intervals name their method. Disclosure control is applied
afterwards (``disclosure.suppress``), never here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from safeguarding.config import CONFIDENCE_LEVEL
from safeguarding.measures import registry, stats


def _frame(measure_id, area, breakdown, groups, period, numerator, denominator, value, lower, upper, method):
    n = len(groups)
    out = pd.DataFrame({
        "measure_id": measure_id, "area": area, "breakdown": breakdown,
        "group": list(groups), "period": period,
        "numerator": np.asarray(numerator, dtype=float) if numerator is not None else np.full(n, np.nan),
        "denominator": np.asarray(denominator, dtype=float) if denominator is not None else np.full(n, np.nan),
        "value": np.asarray(value, dtype=float),
        "lower": np.asarray(lower, dtype=float) if lower is not None else np.full(n, np.nan),
        "upper": np.asarray(upper, dtype=float) if upper is not None else np.full(n, np.nan),
        "method": method, "symbol": "",
    })
    return out[registry.RESULT_COLUMNS]


def percent_result(measure_id, area, breakdown, groups, k, n, period="", confidence=CONFIDENCE_LEVEL):
    """Percentages k/n with Wilson score intervals (in percent)."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    value = np.where(n > 0, 100 * k / np.where(n > 0, n, 1), np.nan)
    lower, upper = stats.wilson_interval(k, n, confidence)
    return _frame(measure_id, area, breakdown, groups, period, k, n, value, 100 * np.asarray(lower, float),
                  100 * np.asarray(upper, float), f"Wilson score interval, {confidence:.0%}")


def rate_result(measure_id, area, breakdown, groups, k, population, per=10_000, period="", confidence=CONFIDENCE_LEVEL):
    """Rates per ``per`` of a population, with exact Poisson (Garwood) intervals."""
    k = np.asarray(k, dtype=float)
    population = np.asarray(population, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(population > 0, per * k / np.where(population > 0, population, 1), np.nan)
    lo, hi = stats.exact_poisson_interval(k, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = np.where(population > 0, per * np.asarray(lo, float) / np.where(population > 0, population, 1), np.nan)
        upper = np.where(population > 0, per * np.asarray(hi, float) / np.where(population > 0, population, 1), np.nan)
    return _frame(measure_id, area, breakdown, groups, period, k, population, value, lower, upper,
                  f"exact Poisson interval, {confidence:.0%}")


def count_result(measure_id, area, breakdown, groups, k, period=""):
    """Plain counts (no interval)."""
    k = np.asarray(k, dtype=float)
    return _frame(measure_id, area, breakdown, groups, period, k, None, k, None, None, "count")


def ratio_result(measure_id, area, breakdown, groups, k, n, period=""):
    """k per n (e.g. episodes per child), no interval."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(n > 0, k / np.where(n > 0, n, 1), np.nan)
    return _frame(measure_id, area, breakdown, groups, period, k, n, value, None, None, "ratio")


def value_result(measure_id, area, breakdown, groups, values, n=None, period="", method="median"):
    """A statistic such as a median, with the number of records it summarises in ``denominator``."""
    return _frame(measure_id, area, breakdown, groups, period, None, n, values, None, None, method)


def combine(*frames: pd.DataFrame) -> pd.DataFrame:
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return pd.DataFrame(columns=registry.RESULT_COLUMNS)
    return pd.concat(frames, ignore_index=True)
