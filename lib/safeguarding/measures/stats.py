"""Rates, interval estimates, ratios and comparisons used by every briefing.

Every function here is vectorised: it accepts scalars, sequences, numpy arrays or pandas
Series and returns the same kind of thing (a Python ``float``/``str`` for scalar input, a
Series on the index of the first Series argument, otherwise a numpy array). None of them
raises or returns ``inf`` for a zero denominator: where an estimate is undefined (zero or
missing denominator, negative count, a count larger than its denominator for a proportion)
the result is NaN. The one documented exception is a ratio whose *reference* count is zero
(see :func:`relative_rate_index`).

Results that carry more than one number are ``NamedTuple`` records whose ``method`` field
is a short key from :data:`METHOD_DESCRIPTIONS` and whose ``confidence`` field is the
confidence level used, so every result row can say how it was made.
:func:`describe_method` turns the key into words for a briefing's methods section.

References
----------
.. [1] Wilson EB (1927). Probable inference, the law of succession, and statistical
   inference. *J Am Stat Assoc* 22:209-212.
.. [2] Newcombe RG (1998). Two-sided confidence intervals for the single proportion:
   comparison of seven methods. *Stat Med* 17:857-872.
.. [3] Newcombe RG (1998). Interval estimation for the difference between independent
   proportions: comparison of eleven methods. *Stat Med* 17:873-890.
.. [4] Garwood F (1936). Fiducial limits for the Poisson distribution. *Biometrika*
   28:437-442.
.. [5] Breslow NE, Day NE (1987). *Statistical Methods in Cancer Research, Vol II*. IARC
   (Byar's approximation, p. 69).
.. [6] Katz D, Baptista J, Azen SP, Pike MC (1978). Obtaining confidence intervals for the
   risk ratio in cohort studies. *Biometrics* 34:469-474.
.. [7] Clopper CJ, Pearson ES (1934). The use of confidence or fiducial limits illustrated
   in the case of the binomial. *Biometrika* 26:404-413.
.. [8] Armitage P, Berry G, Matthews JNS (2002). *Statistical Methods in Medical Research*,
   4th ed., section 5.3 (conditional binomial method for comparing two Poisson counts).
.. [9] Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance.
   *Stat Med* 24:1185-1202.
.. [10] Public Health England (2018). *Technical Guide: Confidence Intervals*; and
   *Technical Guide: Funnel plots*. PHE Local Knowledge and Intelligence Service.
.. [11] Spiegelhalter DJ (2005). Handling over-dispersion of performance indicators.
   *Qual Saf Health Care* 14:347-351.
.. [12] DerSimonian R, Laird N (1986). Meta-analysis in clinical trials. *Control Clin
   Trials* 7:177-188.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy import special as _sp


class _Discrete:
    """Binomial or Poisson distribution with ``cdf``, ``sf`` and ``ppf``, from ``scipy.special``.

    ``scipy.stats`` takes most of a second to import, which every briefing kernel would pay;
    these few functions are all this module needs.
    """

    def __init__(self, kind: str, n=None, p=None, mu=None):
        if n is not None:
            n = np.asarray(np.round(np.asarray(n, dtype=float)), dtype=np.int64)
        self.kind, self.n, self.p, self.mu = kind, n, p, mu

    def cdf(self, k):
        k = np.asarray(k, dtype=float)
        with np.errstate(invalid="ignore"):
            if self.kind == "binom":
                out = np.where(k < 0, 0.0, _sp.bdtr(np.maximum(np.floor(k), 0).astype(np.int64), self.n, self.p))
                return np.where(k >= np.asarray(self.n, dtype=float), 1.0, out)
            return np.where(k < 0, 0.0, _sp.pdtr(np.maximum(np.floor(k), 0).astype(np.int64), self.mu))

    def sf(self, k):
        return 1.0 - self.cdf(k)

    def ppf(self, q):
        """Smallest whole r with cdf(r) >= q."""
        q = np.asarray(q, dtype=float)
        upper = np.asarray(self.n if self.kind == "binom" else np.inf, dtype=float)
        with np.errstate(invalid="ignore"):
            guess = _sp.bdtrik(q, self.n, self.p) if self.kind == "binom" else _sp.pdtrik(q, self.mu)
        r = np.nan_to_num(np.ceil(np.asarray(guess, dtype=float)), nan=0.0)
        r = np.clip(r, 0, upper)
        for _ in range(3):  # the continuous inverse is within one step of the answer
            r = np.where((r > 0) & (self.cdf(r - 1) >= q), r - 1, r)
            r = np.where((self.cdf(r) < q) & (r < upper), r + 1, r)
        return r


class _sps:
    """The handful of distribution functions used here (see :class:`_Discrete`)."""

    class norm:
        @staticmethod
        def ppf(q):
            return _sp.ndtri(q)

        @staticmethod
        def sf(x):
            return _sp.ndtr(-np.asarray(x, dtype=float))

    class beta:
        @staticmethod
        def ppf(q, a, b):
            return _sp.betaincinv(a, b, q)

    class chi2:
        @staticmethod
        def ppf(q, df):
            return 2.0 * _sp.gammaincinv(np.asarray(df, dtype=float) / 2.0, q)

    class binom:
        def __new__(cls, n, p):
            return _Discrete("binom", n=n, p=p)

        @staticmethod
        def cdf(k, n, p):
            return float(_Discrete("binom", n=n, p=p).cdf(k))

        @staticmethod
        def sf(k, n, p):
            return float(_Discrete("binom", n=n, p=p).sf(k))

    class poisson:
        def __new__(cls, mu):
            return _Discrete("poisson", mu=mu)


sps = _sps

from safeguarding.config import CONFIDENCE_LEVEL

#: Below this many events in either group, ``method='auto'`` ratios use the exact method.
EXACT_METHOD_BELOW = 10
#: Below this many events, :func:`disproportionality_verdict` says "too few to say".
MIN_COUNT_FOR_VERDICT = 10
#: Below this many units (local authorities), :func:`overdispersion` does not estimate it.
MIN_UNITS_FOR_OVERDISPERSION = 10

#: Short method keys used in every result, and what each one means.
METHOD_DESCRIPTIONS: dict[str, str] = {
    "wilson": "Wilson score interval for a proportion (Wilson 1927; Newcombe 1998)",
    "clopper_pearson": "Clopper-Pearson exact binomial interval for a proportion (Clopper and Pearson 1934)",
    "poisson_exact": "exact Poisson interval for a count, from the chi-squared distribution (Garwood 1936)",
    "poisson_byar": "Byar's approximation to the exact Poisson interval for a count (Breslow and Day 1987)",
    "katz_log": "Katz log interval for a ratio of two proportions (Katz et al. 1978)",
    "poisson_log": "log-scale interval for a ratio of two Poisson rates, standard error sqrt(1/k1 + 1/k2)",
    "exact_conditional": "exact conditional binomial interval for a ratio of two Poisson rates "
                         "(Clopper-Pearson interval for k1/(k1+k2), rescaled by the denominators; "
                         "Armitage, Berry and Matthews 2002)",
    "newcombe_hybrid_score": "Newcombe hybrid score interval for a difference of two proportions "
                             "(Newcombe 1998, method 10), with a pooled two-proportion z-test",
    "exact_spiegelhalter": "exact control limits with Spiegelhalter's interpolation (Spiegelhalter 2005)",
    "random_effects_spiegelhalter": "control limits widened for over-dispersion by an additive random-effects "
                                    "term, target +/- z * sqrt(s^2 + tau^2) with tau^2 estimated from "
                                    "winsorised z-scores, and never narrower than the exact limits "
                                    "(Spiegelhalter 2005, Qual Saf Health Care)",
}

#: The funnel position of a value whose denominator or value is missing.
NOT_ASSESSED = "not assessed"
#: Verdicts returned by :func:`disproportionality_verdict`.
VERDICTS = ("over-represented", "under-represented", "no evidence of a difference", "too few to say")


# ----------------------------------------------------------------------------------------
# Result records
# ----------------------------------------------------------------------------------------
class RateEstimate(NamedTuple):
    """A rate per ``per`` with its interval (all in the same units)."""

    rate: Any
    lower: Any
    upper: Any
    method: Any
    confidence: float


class RelativeRateIndex(NamedTuple):
    """Ratio of the group's rate to the reference group's rate, with its interval."""

    ratio: Any
    lower: Any
    upper: Any
    method: Any
    confidence: float


class ChangeTest(NamedTuple):
    """Whether the change from period 1 to period 2 is within noise.

    ``estimate`` is ``p2 - p1`` (a difference of proportions, 0 to 1; multiply by 100 for
    percentage points) when ``measure == 'difference'``, or ``rate2 / rate1`` when
    ``measure == 'ratio'``. ``within_noise`` is True when the interval contains 0 (a
    difference) or 1 (a ratio), and also when no comparison can be made.
    """

    within_noise: Any
    estimate: Any
    lower: Any
    upper: Any
    p_value: Any
    measure: Any
    method: Any
    confidence: float


@dataclass(frozen=True)
class Overdispersion:
    """How much more local authorities vary than chance alone would explain.

    Made by :func:`overdispersion`. Pass :attr:`tau2_for_limits` as ``tau2`` to
    :func:`funnel_limits` and :func:`funnel_position`, so the limits are widened only when
    :meth:`describe` says they are.

    Attributes
    ----------
    phi : float
        Winsorised multiplicative over-dispersion factor: the mean of the squared
        winsorised z-scores (about 1, or a little below because of the winsorising, when
        the variation is chance alone). NaN when there are too few units.
    tau2 : float
        Additive between-unit variance on the measure's unscaled scale (a proportion from
        0 to 1, or a rate per 1). 0 when ``units * phi <= units - 1``, i.e. no
        over-dispersion, or when there are too few units.
    units : int
        Number of units used (those with a value and a positive denominator).
    overdispersed : bool
        ``tau2 > 0`` and ``units * phi`` above the 95th percentile of the chi-squared
        distribution with ``units - 1`` degrees of freedom (a test at the 5% level).
    """

    phi: float
    tau2: float
    units: int
    overdispersed: bool

    @property
    def tau2_for_limits(self) -> float:
        """``tau2`` when :attr:`overdispersed`, otherwise 0 (limits not widened)."""
        return self.tau2 if self.overdispersed else 0.0

    def describe(self) -> str:
        """One plain-English sentence for a briefing's methods or chart notes.

        E.g. "Local authorities vary more than chance alone would explain (across 150
        authorities, the spread is 2.3 times what chance alone would give), so the limits are
        widened to allow for it." (2.3 is the over-dispersion factor, named in plain words.)
        """
        if not np.isfinite(self.phi):
            return (f"There are too few local authorities ({self.units}) to judge whether they vary more than "
                    "chance would explain, so the limits are not widened.")
        factor = f"(across {self.units} authorities, the spread is {self.phi:.1f} times what chance alone would give)"
        if self.overdispersed:
            return (f"Local authorities vary more than chance alone would explain {factor}, "
                    "so the limits are widened to allow for it.")
        return (f"Local authorities vary no more than chance alone could explain {factor}, "
                "so the limits are not widened.")


# ----------------------------------------------------------------------------------------
# Input and output handling
# ----------------------------------------------------------------------------------------
def _as_float_array(x) -> np.ndarray:
    """Numbers as a float array; None, pd.NA and NaN all become NaN."""
    if isinstance(x, (pd.Series, pd.Index)):
        return pd.Series(x).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    if x is None or x is pd.NA:
        return np.array(np.nan)
    try:
        return np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        flat = pd.Series(np.asarray(x, dtype=object).ravel()).astype("Float64")
        return flat.to_numpy(dtype=float, na_value=np.nan).reshape(np.shape(x))


def _series_index(*args) -> pd.Index | None:
    for arg in args:
        if isinstance(arg, pd.Series):
            return arg.index
    return None


def _wrap(result: np.ndarray, index: pd.Index | None):
    """Return a float/str for 0-d results, a Series when an input was a Series, else an array."""
    result = np.asarray(result)
    if result.ndim == 0:
        item = result.item()
        return item if isinstance(item, (str, bool)) else float(item)
    if index is not None and result.shape == (len(index),):
        return pd.Series(result, index=index)
    return result


def _check_confidence(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1 (e.g. 0.95), got {confidence!r}")
    return float(confidence)


def _z(confidence: float) -> float:
    return float(sps.norm.ppf(0.5 + confidence / 2))


def describe_method(method: str, confidence: float | None = None) -> str:
    """Words for a method key, optionally with the confidence level.

    Parameters
    ----------
    method : str
        A key of :data:`METHOD_DESCRIPTIONS`, as found in the ``method`` field of a result.
    confidence : float, optional
        Confidence level to mention, e.g. 0.95 -> "95% confidence".

    Returns
    -------
    str
        E.g. ``"Wilson score interval for a proportion (Wilson 1927; Newcombe 1998), 95% confidence"``.
    """
    try:
        text = METHOD_DESCRIPTIONS[method]
    except KeyError:
        raise ValueError(f"Unknown method {method!r}; expected one of {sorted(METHOD_DESCRIPTIONS)}") from None
    if confidence is not None:
        text = f"{text}, {confidence * 100:g}% confidence"
    return text


# ----------------------------------------------------------------------------------------
# Rates and percentages
# ----------------------------------------------------------------------------------------
def rate_per(k, n, per: float):
    """``per * k / n``, or NaN where ``n`` is zero, negative or missing.

    Parameters
    ----------
    k : number or array-like
        Numerator (count of children, episodes, exclusions...).
    n : number or array-like
        Denominator (children, pupils, population).
    per : float
        Multiplier: 100 for per cent or per 100 pupils, 10_000 for per 10,000 children.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Never raises and never returns ``inf``.
    """
    index = _series_index(k, n)
    k_arr, n_arr = np.broadcast_arrays(_as_float_array(k), _as_float_array(n))
    valid = np.isfinite(k_arr) & np.isfinite(n_arr) & (n_arr > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(valid, per * k_arr / np.where(valid, n_arr, 1.0), np.nan)
    return _wrap(rate, index)


def percent(k, n):
    """``100 * k / n``, or NaN where ``n`` is zero, negative or missing.

    See :func:`rate_per`; never raises and never returns ``inf``.
    """
    return rate_per(k, n, 100)


# ----------------------------------------------------------------------------------------
# Intervals for one proportion or count
# ----------------------------------------------------------------------------------------
def _valid_proportion(k: np.ndarray, n: np.ndarray) -> np.ndarray:
    return np.isfinite(k) & np.isfinite(n) & (n > 0) & (k >= 0) & (k <= n)


def wilson_interval(k, n, confidence: float = CONFIDENCE_LEVEL):
    """Wilson score interval for the proportion ``k / n``.

    Method: Wilson (1927) score interval without continuity correction, as recommended by
    Newcombe (1998) and PHE for proportions; identical to statsmodels
    ``proportion_confint(k, n, method='wilson')``.

    Parameters
    ----------
    k : number or array-like
        Count with the characteristic (0 <= k <= n).
    n : number or array-like
        Denominator.
    confidence : float, default 0.95
        Two-sided confidence level.

    Returns
    -------
    (lower, upper)
        Proportions between 0 and 1 (multiply by 100 for per cent). NaN where ``n <= 0``,
        ``k < 0``, ``k > n`` or either is missing.

    References
    ----------
    Wilson EB (1927) *J Am Stat Assoc* 22:209-212; Newcombe RG (1998) *Stat Med* 17:857-872.
    """
    confidence = _check_confidence(confidence)
    index = _series_index(k, n)
    k_arr, n_arr = np.broadcast_arrays(_as_float_array(k), _as_float_array(n))
    valid = _valid_proportion(k_arr, n_arr)
    n_safe = np.where(valid, n_arr, 1.0)
    p = np.where(valid, k_arr, 0.0) / n_safe
    z = _z(confidence)
    denominator = 1 + z**2 / n_safe
    centre = (p + z**2 / (2 * n_safe)) / denominator
    half_width = z * np.sqrt(p * (1 - p) / n_safe + z**2 / (4 * n_safe**2)) / denominator
    lower = np.where(valid, np.clip(centre - half_width, 0, 1), np.nan)
    upper = np.where(valid, np.clip(centre + half_width, 0, 1), np.nan)
    # exact endpoints where the proportion is 0 or 1 (avoid 1e-17 rounding noise)
    lower = np.where(valid & (k_arr == 0), 0.0, lower)
    upper = np.where(valid & (k_arr == n_arr), 1.0, upper)
    return _wrap(lower, index), _wrap(upper, index)


def clopper_pearson_interval(k, n, confidence: float = CONFIDENCE_LEVEL):
    """Clopper-Pearson exact (beta) interval for the proportion ``k / n``.

    Method: Clopper and Pearson (1934), from beta quantiles; identical to statsmodels
    ``proportion_confint(k, n, method='beta')``. Conservative; prefer
    :func:`wilson_interval` for reporting a single proportion.

    Parameters
    ----------
    k, n : number or array-like
        Count and denominator (0 <= k <= n).
    confidence : float, default 0.95

    Returns
    -------
    (lower, upper)
        Proportions between 0 and 1; NaN where undefined (as :func:`wilson_interval`).

    References
    ----------
    Clopper CJ, Pearson ES (1934) *Biometrika* 26:404-413.
    """
    confidence = _check_confidence(confidence)
    index = _series_index(k, n)
    k_arr, n_arr = np.broadcast_arrays(_as_float_array(k), _as_float_array(n))
    lower, upper = _clopper_pearson(k_arr, n_arr, confidence)
    return _wrap(lower, index), _wrap(upper, index)


def _clopper_pearson(k: np.ndarray, n: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    alpha = 1 - confidence
    valid = _valid_proportion(k, n)
    k_safe = np.where(valid, k, 0.0)
    n_safe = np.where(valid, n, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = np.where(k_safe > 0, sps.beta.ppf(alpha / 2, np.maximum(k_safe, 1e-12), n_safe - k_safe + 1), 0.0)
        upper = np.where(k_safe < n_safe,
                         sps.beta.ppf(1 - alpha / 2, k_safe + 1, np.maximum(n_safe - k_safe, 1e-12)), 1.0)
    return np.where(valid, lower, np.nan), np.where(valid, upper, np.nan)


def exact_poisson_interval(k, confidence: float = CONFIDENCE_LEVEL):
    """Exact (Garwood) interval for a Poisson count ``k``.

    Method: Garwood (1936), ``lower = chi2.ppf(alpha/2, 2k) / 2`` (0 when k = 0) and
    ``upper = chi2.ppf(1 - alpha/2, 2k + 2) / 2``; the method PHE uses for counts and
    rates. At 95%: k=0 -> (0, 3.689), k=1 -> (0.0253, 5.572), k=5 -> (1.624, 11.668).

    Parameters
    ----------
    k : number or array-like
        Observed count (>= 0).
    confidence : float, default 0.95

    Returns
    -------
    (lower, upper)
        Limits for the expected count; NaN where ``k`` is negative or missing.

    References
    ----------
    Garwood F (1936) *Biometrika* 28:437-442.
    """
    confidence = _check_confidence(confidence)
    index = _series_index(k)
    k_arr = _as_float_array(k)
    lower, upper = _garwood(k_arr, confidence)
    return _wrap(lower, index), _wrap(upper, index)


def _garwood(k: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    alpha = 1 - confidence
    valid = np.isfinite(k) & (k >= 0)
    k_safe = np.where(valid, k, 0.0)
    lower = np.where(k_safe > 0, sps.chi2.ppf(alpha / 2, 2 * np.maximum(k_safe, 1e-12)) / 2, 0.0)
    upper = sps.chi2.ppf(1 - alpha / 2, 2 * k_safe + 2) / 2
    return np.where(valid, lower, np.nan), np.where(valid, upper, np.nan)


def byar_poisson_interval(k, confidence: float = CONFIDENCE_LEVEL):
    """Byar's approximation to the exact Poisson interval for a count ``k``.

    Method: Byar, as given by Breslow and Day (1987):
    ``lower = k (1 - 1/(9k) - z/(3 sqrt(k)))**3`` (0 when k = 0),
    ``upper = (k+1) (1 - 1/(9(k+1)) + z/(3 sqrt(k+1)))**3``.
    Within a few per cent of :func:`exact_poisson_interval`; kept for agreement with
    publications that use it.

    Parameters
    ----------
    k : number or array-like
        Observed count (>= 0).
    confidence : float, default 0.95

    Returns
    -------
    (lower, upper)
        NaN where ``k`` is negative or missing.

    References
    ----------
    Breslow NE, Day NE (1987) *Statistical Methods in Cancer Research Vol II*, IARC, p. 69.
    """
    confidence = _check_confidence(confidence)
    index = _series_index(k)
    lower, upper = _byar(_as_float_array(k), confidence)
    return _wrap(lower, index), _wrap(upper, index)


def _byar(k: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    z = _z(confidence)
    valid = np.isfinite(k) & (k >= 0)
    k_safe = np.where(valid, k, 0.0)
    k_pos = np.maximum(k_safe, 1e-12)
    lower = np.where(k_safe > 0, k_pos * (1 - 1 / (9 * k_pos) - z / (3 * np.sqrt(k_pos))) ** 3, 0.0)
    lower = np.maximum(lower, 0.0)
    upper = (k_safe + 1) * (1 - 1 / (9 * (k_safe + 1)) + z / (3 * np.sqrt(k_safe + 1))) ** 3
    return np.where(valid, lower, np.nan), np.where(valid, upper, np.nan)


def rate_interval(k, population, per: float = 10_000, confidence: float = CONFIDENCE_LEVEL,
                  method: str = "exact") -> RateEstimate:
    """A rate per ``per`` of the population, with an interval treating ``k`` as Poisson.

    Method: the count's interval (exact Garwood, or Byar's approximation) divided by the
    population and multiplied by ``per`` (PHE Technical Guide: Confidence Intervals).

    Parameters
    ----------
    k : number or array-like
        Count of events or children.
    population : number or array-like
        Population (denominator); zero or missing gives NaN.
    per : float, default 10_000
        10,000 for children's social care rates, 100 for exclusions per 100 pupils.
    confidence : float, default 0.95
    method : {'exact', 'byar'}, default 'exact'
        'exact' uses :func:`exact_poisson_interval`, 'byar' :func:`byar_poisson_interval`.

    Returns
    -------
    RateEstimate
        ``rate, lower, upper`` per ``per``; ``method`` is 'poisson_exact' or 'poisson_byar'.

    References
    ----------
    Garwood (1936); Breslow and Day (1987); PHE (2018) Technical Guide: Confidence Intervals.
    """
    confidence = _check_confidence(confidence)
    methods = {"exact": ("poisson_exact", _garwood), "byar": ("poisson_byar", _byar)}
    if method not in methods:
        raise ValueError(f"method must be 'exact' or 'byar', got {method!r}")
    key, interval = methods[method]
    index = _series_index(k, population)
    k_arr, n_arr = np.broadcast_arrays(_as_float_array(k), _as_float_array(population))
    valid = np.isfinite(k_arr) & np.isfinite(n_arr) & (n_arr > 0) & (k_arr >= 0)
    n_safe = np.where(valid, n_arr, 1.0)
    low_count, high_count = interval(np.where(valid, k_arr, np.nan), confidence)
    rate = np.where(valid, per * k_arr / n_safe, np.nan)
    lower = np.where(valid, per * low_count / n_safe, np.nan)
    upper = np.where(valid, per * high_count / n_safe, np.nan)
    return RateEstimate(_wrap(rate, index), _wrap(lower, index), _wrap(upper, index), key, confidence)


# ----------------------------------------------------------------------------------------
# Ratio of two rates: relative rate index
# ----------------------------------------------------------------------------------------
def relative_rate_index(k1, n1, k2, n2, confidence: float = CONFIDENCE_LEVEL, method: str = "auto",
                        kind: str = "proportion") -> RelativeRateIndex:
    """Relative rate index (RRI): the group's rate ``k1/n1`` over the reference rate ``k2/n2``.

    Notes
    -----
    'katz'
        Log-scale interval, ``ratio * exp(+-z * se)``. For ``kind='proportion'`` (children
        with an outcome out of children in the group, so ``k <= n``) this is the Katz et al.
        (1978) interval, ``se = sqrt(1/k1 - 1/n1 + 1/k2 - 1/n2)`` (method key 'katz_log');
        for ``kind='rate'`` (events such as episodes, which may exceed ``n``)
        ``se = sqrt(1/k1 + 1/k2)`` (key 'poisson_log'). Undefined (NaN) when either count is 0.
    'exact'
        Exact conditional binomial method for a ratio of two Poisson rates: given
        ``m = k1 + k2``, ``k1 ~ Binomial(m, pi)`` with ``pi / (1 - pi) = R * n1 / n2``, so
        the Clopper-Pearson interval ``(pi_L, pi_U)`` for ``k1 / m`` gives
        ``R = pi / (1 - pi) * n2 / n1`` (key 'exact_conditional'). Treats counts as Poisson,
        which is accurate when counts are small beside their denominators (the case where
        it is used).
    'auto' (default)
        'exact' where either count is below :data:`EXACT_METHOD_BELOW` (10), including 0;
        'katz' otherwise.

    Zero counts: ``k1 = 0`` gives ratio 0, lower 0 and a finite exact upper limit.
    ``k2 = 0`` (no events in the reference group) with ``k1 > 0`` gives ratio ``inf`` and
    upper ``inf`` with a finite lower limit; ``k1 = k2 = 0`` gives NaN. Zero or missing
    denominators give NaN; so does ``k > n`` when ``kind='proportion'``.

    Parameters
    ----------
    k1, n1 : number or array-like
        Count and denominator for the group (e.g. Black children referred; Black children
        in the population).
    k2, n2 : number or array-like
        Count and denominator for the reference group (e.g. White British, or all other
        groups).
    confidence : float, default 0.95
    method : {'auto', 'katz', 'exact'}, default 'auto'
    kind : {'proportion', 'rate'}, default 'proportion'
        Whether the counts are of children out of the denominator (each child counted at
        most once) or of events per head of the denominator.

    Returns
    -------
    RelativeRateIndex
        ``ratio, lower, upper, method, confidence``; ``method`` holds the key used for each
        element ('katz_log', 'poisson_log' or 'exact_conditional').

    References
    ----------
    Katz et al. (1978) *Biometrics* 34:469-474; Clopper and Pearson (1934); Armitage, Berry
    and Matthews (2002) *Statistical Methods in Medical Research*, section 5.3.
    """
    confidence = _check_confidence(confidence)
    if method not in ("auto", "katz", "exact"):
        raise ValueError(f"method must be 'auto', 'katz' or 'exact', got {method!r}")
    if kind not in ("proportion", "rate"):
        raise ValueError(f"kind must be 'proportion' or 'rate', got {kind!r}")
    index = _series_index(k1, n1, k2, n2)
    k1a, n1a, k2a, n2a = np.broadcast_arrays(*(_as_float_array(x) for x in (k1, n1, k2, n2)))
    valid = (np.isfinite(k1a) & np.isfinite(k2a) & np.isfinite(n1a) & np.isfinite(n2a)
             & (n1a > 0) & (n2a > 0) & (k1a >= 0) & (k2a >= 0))
    if kind == "proportion":
        valid &= (k1a <= n1a) & (k2a <= n2a)
    k1s, k2s = np.where(valid, k1a, 1.0), np.where(valid, k2a, 1.0)
    n1s, n2s = np.where(valid, n1a, 1.0), np.where(valid, n2a, 1.0)

    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (k1s / n1s) / (k2s / n2s)
    ratio = np.where((k1s == 0) & (k2s == 0), np.nan, ratio)

    # Katz / log interval
    z = _z(confidence)
    both_positive = (k1s > 0) & (k2s > 0)
    kp1, kp2 = np.where(both_positive, k1s, 1.0), np.where(both_positive, k2s, 1.0)
    if kind == "proportion":
        variance = 1 / kp1 - 1 / n1s + 1 / kp2 - 1 / n2s
        log_key = "katz_log"
    else:
        variance = 1 / kp1 + 1 / kp2
        log_key = "poisson_log"
    se = np.sqrt(np.maximum(variance, 0.0))
    safe_ratio = np.where(both_positive, ratio, 1.0)
    katz_lower = np.where(both_positive, safe_ratio * np.exp(-z * se), np.nan)
    katz_upper = np.where(both_positive, safe_ratio * np.exp(z * se), np.nan)

    # exact conditional binomial interval
    exact_lower, exact_upper = _exact_conditional_ratio(k1s, n1s, k2s, n2s, confidence)

    if method == "exact":
        use_exact = np.ones_like(valid)
    elif method == "katz":
        use_exact = np.zeros_like(valid)
    else:
        use_exact = (k1s < EXACT_METHOD_BELOW) | (k2s < EXACT_METHOD_BELOW)
    lower = np.where(use_exact, exact_lower, katz_lower)
    upper = np.where(use_exact, exact_upper, katz_upper)
    used = np.where(use_exact, "exact_conditional", log_key).astype(object)

    ratio = np.where(valid, ratio, np.nan)
    lower = np.where(valid, lower, np.nan)
    upper = np.where(valid, upper, np.nan)
    return RelativeRateIndex(_wrap(ratio, index), _wrap(lower, index), _wrap(upper, index),
                             _wrap(used, index), confidence)


def _exact_conditional_ratio(k1, n1, k2, n2, confidence):
    """Ratio (k1/n1)/(k2/n2) limits from the Clopper-Pearson interval for k1 / (k1 + k2)."""
    m = k1 + k2
    p_lower, p_upper = _clopper_pearson(k1, np.where(m > 0, m, np.nan), confidence)
    scale = n2 / n1
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = np.where(p_lower >= 1, np.inf, p_lower / (1 - p_lower)) * scale
        upper = np.where(p_upper >= 1, np.inf, p_upper / (1 - p_upper)) * scale
    return lower, upper


def relative_rate_index_frame(frame: pd.DataFrame, numerator: str = "numerator", denominator: str = "denominator",
                              reference_numerator: str = "reference_numerator",
                              reference_denominator: str = "reference_denominator",
                              confidence: float = CONFIDENCE_LEVEL, method: str = "auto",
                              kind: str = "proportion", min_count: int = MIN_COUNT_FOR_VERDICT) -> pd.DataFrame:
    """:func:`relative_rate_index` for every row of a frame, plus the verdict.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per group, holding the group's and the reference group's counts and
        denominators in the named columns. Not modified.
    numerator, denominator, reference_numerator, reference_denominator : str
        Column names.
    confidence, method, kind
        As :func:`relative_rate_index`.
    min_count : int, default 10
        As :func:`disproportionality_verdict`; applied to the group's numerator.

    Returns
    -------
    pandas.DataFrame
        A copy of ``frame`` with added columns ``rri``, ``rri_lower``, ``rri_upper``,
        ``rri_method`` and ``rri_verdict``.
    """
    missing = [c for c in (numerator, denominator, reference_numerator, reference_denominator) if c not in frame]
    if missing:
        raise KeyError(f"relative_rate_index_frame: columns not in the frame: {missing}")
    result = relative_rate_index(frame[numerator], frame[denominator], frame[reference_numerator],
                                 frame[reference_denominator], confidence=confidence, method=method, kind=kind)
    out = frame.copy()
    out["rri"] = result.ratio
    out["rri_lower"] = result.lower
    out["rri_upper"] = result.upper
    out["rri_method"] = result.method
    out["rri_verdict"] = disproportionality_verdict(result.ratio, result.lower, result.upper, frame[numerator],
                                                    min_count=min_count)
    return out


def disproportionality_verdict(ratio, lower, upper, k, min_count: int = MIN_COUNT_FOR_VERDICT):
    """A plain-words verdict on a relative rate index.

    Rules, in order:

    1. ``'too few to say'`` when ``k < min_count`` or any of ``ratio, lower, upper, k`` is
       missing. The default, 10, is the count below which :func:`relative_rate_index`
       switches to the exact method: below it even the exact 95% interval for a count spans
       more than a factor of four (k=9: 4.1 to 17.1), so a ratio says little. It is larger
       than the disclosure threshold (5) on purpose: a shown count of 6 to 9 is not
       disclosive, but is still too few for a verdict.
    2. ``'over-represented'`` when ``lower > 1``.
    3. ``'under-represented'`` when ``upper < 1``.
    4. ``'no evidence of a difference'`` otherwise (the interval includes 1).

    Parameters
    ----------
    ratio, lower, upper : number or array-like
        From :func:`relative_rate_index`.
    k : number or array-like
        The group's count (the numerator of the ratio). Pass ``numpy.minimum(k1, k2)`` to
        also require enough events in the reference group. Use counts *before*
        suppression.
    min_count : int, default 10

    Returns
    -------
    str or array of str
        One of :data:`VERDICTS` per element. The words carry no direction of good or bad.
    """
    index = _series_index(ratio, lower, upper, k)
    r, lo, hi, kk = np.broadcast_arrays(*(_as_float_array(x) for x in (ratio, lower, upper, k)))
    too_few = (kk < min_count) | np.isnan(r) | np.isnan(lo) | np.isnan(hi) | np.isnan(kk)
    verdict = np.select([too_few, lo > 1, hi < 1], ["too few to say", "over-represented", "under-represented"],
                        default="no evidence of a difference").astype(object)
    return _wrap(verdict, index)


# ----------------------------------------------------------------------------------------
# Funnel plots
# ----------------------------------------------------------------------------------------
def _funnel_column_suffix(level: float) -> str:
    return f"{level * 100:g}".replace(".", "_")


def funnel_limit_columns(level: float) -> tuple[str, str]:
    """Names of the lower and upper limit columns for ``level`` in :func:`funnel_limits`.

    ``0.95 -> ('lower_95', 'upper_95')``; ``0.998 -> ('lower_99_8', 'upper_99_8')``.
    """
    suffix = _funnel_column_suffix(level)
    return f"lower_{suffix}", f"upper_{suffix}"


def _default_per(kind: str, per: float | None) -> float:
    if kind not in ("proportion", "rate"):
        raise ValueError(f"kind must be 'proportion' or 'rate', got {kind!r}")
    if per is not None:
        return float(per)
    return 100.0 if kind == "proportion" else 10_000.0


def _exact_limit(p: float, theta: float, n: np.ndarray, kind: str) -> np.ndarray:
    """Spiegelhalter (2005) interpolated p-quantile of the count, divided by n."""
    if kind == "proportion":
        dist = sps.binom(n, theta)
    else:
        dist = sps.poisson(n * theta)
    r = dist.ppf(p)
    f_r = dist.cdf(r)
    f_below = dist.cdf(r - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.where(f_r > f_below, (f_r - p) / (f_r - f_below), 0.0)
        return (r - alpha) / n


def funnel_limits(target: float, denominators, kind: str = "proportion", per: float | None = None,
                  levels: Sequence[float] = (0.95, 0.998), *, tau2: float = 0.0) -> pd.DataFrame:
    """Exact control limits for a funnel plot around ``target``, optionally widened for over-dispersion.

    Method: for each denominator ``n`` and two-sided level ``L``, the ``(1-L)/2`` and
    ``(1+L)/2`` quantiles of the count under the target (Binomial(n, target) for
    proportions, Poisson(n * target) for rates), made continuous by Spiegelhalter's (2005)
    interpolation ``(r_p - a) / n`` with ``a = (F(r_p) - p) / (F(r_p) - F(r_p - 1))``, as
    in PHE's funnel plot tools; clipped to ``[0, per]`` (proportions) or ``[0, inf)``.

    With ``tau2 > 0`` (from :func:`overdispersion`), Spiegelhalter's (2005, *Qual Saf
    Health Care*) additive random-effects limits: on the unscaled scale,
    ``t +/- z_L * sqrt(s^2 + tau2)`` with ``t = target / per``, ``z_L`` the standard normal
    ``(1+L)/2`` quantile and ``s^2 = t(1-t)/n`` (proportions) or ``t/n`` (rates); then
    multiplied by ``per`` and clipped as above. Where the exact limit for ``n`` is wider
    than this normal approximation (small, skewed counts with a small ``tau2``), the
    exact limit is kept, so allowing for over-dispersion never narrows a limit and never
    moves a value from inside the limits to outside them.

    Parameters
    ----------
    target : float
        The comparator value (e.g. England) in the same units as the plotted values:
        per ``per`` (per cent by default for proportions, per 10,000 for rates).
    denominators : array-like
        Denominators at which to compute limits (e.g. every LA's denominator, or a grid
        such as ``numpy.geomspace(10, 5000, 200)``). Binomial denominators are rounded to
        whole numbers; zero or missing gives NaN limits.
    kind : {'proportion', 'rate'}, default 'proportion'
    per : float, optional
        Units of ``target`` and the limits: defaults to 100 for proportions (per cent) and
        10,000 for rates.
    levels : sequence of float, default (0.95, 0.998)
        Two-sided control levels.
    tau2 : float, default 0
        Additive between-unit variance on the unscaled scale (a proportion from 0 to 1, or
        a rate per 1), e.g. ``overdispersion(...).tau2_for_limits``. 0 gives the exact
        limits unchanged.

    Returns
    -------
    pandas.DataFrame
        Column ``denominator`` then, for each level, ``lower_<L>`` and ``upper_<L>``
        (see :func:`funnel_limit_columns`: ``lower_95, upper_95, lower_99_8, upper_99_8``).
        One row per denominator, in the order given. ``attrs['method']`` is
        'exact_spiegelhalter', or 'random_effects_spiegelhalter' (with ``attrs['tau2']``)
        when ``tau2 > 0``.

    References
    ----------
    Spiegelhalter DJ (2005) *Stat Med* 24:1185-1202; Spiegelhalter DJ (2005) *Qual Saf
    Health Care* 14:347-351; PHE (2018) Technical Guide: Funnel plots.
    """
    per = _default_per(kind, per)
    theta = float(target) / per
    if not np.isfinite(theta) or theta < 0 or (kind == "proportion" and theta > 1):
        raise ValueError(f"target {target!r} is outside the possible range for a {kind} per {per:g}")
    tau2 = float(tau2)
    if not np.isfinite(tau2) or tau2 < 0:
        raise ValueError(f"tau2 must be a finite number >= 0, got {tau2!r}")
    n_raw = np.atleast_1d(_as_float_array(denominators)).astype(float)
    n = np.round(n_raw) if kind == "proportion" else n_raw
    valid = np.isfinite(n) & (n > 0)
    n_safe = np.where(valid, n, 1.0)
    out = pd.DataFrame({"denominator": n_raw})
    upper_clip = per if kind == "proportion" else np.inf
    if tau2 > 0:
        within_variance = theta * (1 - theta) / n_safe if kind == "proportion" else theta / n_safe
        spread = np.sqrt(within_variance + tau2)
    for level in levels:
        _check_confidence(level)
        lower_col, upper_col = funnel_limit_columns(level)
        lower = _exact_limit((1 - level) / 2, theta, n_safe, kind) * per
        upper = _exact_limit((1 + level) / 2, theta, n_safe, kind) * per
        if tau2 > 0:
            z = _z(level)
            lower = np.minimum(lower, (theta - z * spread) * per)
            upper = np.maximum(upper, (theta + z * spread) * per)
        out[lower_col] = np.where(valid, np.clip(lower, 0, upper_clip), np.nan)
        out[upper_col] = np.where(valid, np.clip(upper, 0, upper_clip), np.nan)
    if tau2 > 0:
        out.attrs["method"] = "random_effects_spiegelhalter"
        out.attrs["tau2"] = tau2
    else:
        out.attrs["method"] = "exact_spiegelhalter"
    return out


def funnel_position(value, n, target: float, kind: str = "proportion", per: float | None = None,
                    levels: Sequence[float] = (0.95, 0.998), *, tau2: float = 0.0):
    """Where a value sits against the funnel limits for its denominator.

    Parameters
    ----------
    value : number or array-like
        The borough's value, in the units of ``target`` (see :func:`funnel_limits`).
    n : number or array-like
        Its denominator.
    target, kind, per, levels
        As :func:`funnel_limits`.
    tau2 : float, default 0
        As :func:`funnel_limits`: with ``tau2 > 0`` the position is against the limits
        widened for over-dispersion (``overdispersion(...).tau2_for_limits``).

    Returns
    -------
    str or array of str
        ``'within'`` (inside the narrowest limits, boundaries included); ``'above 95%'`` /
        ``'below 95%'`` (outside the 95% limits but inside the 99.8% limits);
        ``'above 99.8%'`` / ``'below 99.8%'`` (outside the widest limits);
        :data:`NOT_ASSESSED` (``'not assessed'``) when the value or denominator is missing
        or zero, e.g. a suppressed value. Labels follow ``levels``.
    """
    index = _series_index(value, n)
    v_arr, n_arr = np.broadcast_arrays(_as_float_array(value), _as_float_array(n))
    shape = v_arr.shape
    v_flat, n_flat = v_arr.ravel(), n_arr.ravel()
    limits = funnel_limits(target, n_flat, kind=kind, per=per, levels=levels, tau2=tau2)
    position = np.full(v_flat.shape, "within", dtype=object)
    for level in sorted(levels):
        lower_col, upper_col = funnel_limit_columns(level)
        position = np.where(v_flat > limits[upper_col].to_numpy(), f"above {level * 100:g}%", position)
        position = np.where(v_flat < limits[lower_col].to_numpy(), f"below {level * 100:g}%", position)
    assessed = np.isfinite(v_flat) & limits[funnel_limit_columns(levels[0])[0]].notna().to_numpy()
    position = np.where(assessed, position, NOT_ASSESSED).astype(object)
    return _wrap(position.reshape(shape), index)


def overdispersion(values, denominators, target: float, kind: str = "proportion", per: float | None = None,
                   winsor: float = 0.10) -> Overdispersion:
    """Estimate over-dispersion among units (local authorities) around ``target``.

    Method: Spiegelhalter (2005, *Qual Saf Health Care*), the additive random-effects
    approach used by PHE and NHS funnel plot tools. On the unscaled scale,
    ``y_i = value_i / per`` and ``t = target / per``; the standard error under the target is
    ``s_i = sqrt(t(1-t)/n_i)`` for a proportion, or ``sqrt(t/n_i)`` for a rate (Poisson
    counts over exposure ``n_i``); ``z_i = (y_i - t) / s_i``. The z-scores are winsorised:
    those below the ``winsor`` quantile are set to it, and those above the ``1 - winsor``
    quantile to that (quantiles by linear interpolation, ``numpy.quantile``'s default, as
    R's ``quantile`` type 7 used by FunnelPlotR). Then, with ``I`` units,

    * ``phi = sum(z_w^2) / I``;
    * ``tau2 = (I * phi - (I - 1)) / (sum(w) - sum(w^2) / sum(w))`` with ``w_i = 1 / s_i^2``
      when ``I * phi > I - 1`` (the DerSimonian-Laird moment estimator), else 0;
    * over-dispersed when ``tau2 > 0`` and ``I * phi`` exceeds the 95th percentile of
      chi-squared on ``I - 1`` degrees of freedom.

    Units with a missing value or a missing, zero or negative denominator are dropped.
    With fewer than :data:`MIN_UNITS_FOR_OVERDISPERSION` (10) units left, nothing is
    estimated: ``phi`` is NaN, ``tau2`` 0 and ``overdispersed`` False.

    Parameters
    ----------
    values : array-like
        Each unit's value in the units of ``target`` (per cent by default for proportions,
        per 10,000 for rates; see :func:`funnel_limits`).
    denominators : array-like
        Each unit's denominator (children, pupils, population), aligned with ``values``.
    target : float
        The comparator (e.g. England), in the units of ``values``.
    kind : {'proportion', 'rate'}, default 'proportion'
    per : float, optional
        Units of ``values`` and ``target``: defaults to 100 for proportions and 10,000 for
        rates, as :func:`funnel_limits`.
    winsor : float, default 0.10
        Fraction winsorised in each tail (0 for none; less than 0.5).

    Returns
    -------
    Overdispersion
        ``phi``, ``tau2`` (unscaled: pass ``result.tau2_for_limits`` as ``tau2`` to
        :func:`funnel_limits` or :func:`funnel_position`), ``units``, ``overdispersed``,
        and ``describe()`` for a sentence in a briefing.

    References
    ----------
    Spiegelhalter DJ (2005) *Qual Saf Health Care* 14:347-351; Spiegelhalter DJ (2005)
    *Stat Med* 24:1185-1202; DerSimonian R, Laird N (1986) *Control Clin Trials* 7:177-188.
    """
    per = _default_per(kind, per)
    if not 0 <= winsor < 0.5:
        raise ValueError(f"winsor must be at least 0 and less than 0.5 (e.g. 0.1), got {winsor!r}")
    theta = float(target) / per
    if not np.isfinite(theta) or theta <= 0 or (kind == "proportion" and theta >= 1):
        raise ValueError(f"target {target!r} leaves no chance variation to compare with for a {kind} per {per:g}")
    y, n = np.broadcast_arrays(np.atleast_1d(_as_float_array(values)), np.atleast_1d(_as_float_array(denominators)))
    keep = np.isfinite(y) & np.isfinite(n) & (n > 0)
    y, n = y[keep] / per, n[keep]
    units = int(y.size)
    if units < MIN_UNITS_FOR_OVERDISPERSION:
        return Overdispersion(phi=float("nan"), tau2=0.0, units=units, overdispersed=False)
    variance = theta * (1 - theta) / n if kind == "proportion" else theta / n
    z = (y - theta) / np.sqrt(variance)
    low, high = np.quantile(z, [winsor, 1 - winsor])
    phi = float(np.mean(np.clip(z, low, high) ** 2))
    tau2 = 0.0
    if units * phi > units - 1:
        w = 1 / variance
        tau2 = float((units * phi - (units - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    critical = float(sps.chi2.ppf(0.95, units - 1))
    return Overdispersion(phi=phi, tau2=tau2, units=units, overdispersed=bool(tau2 > 0 and units * phi > critical))


# ----------------------------------------------------------------------------------------
# Change between two periods
# ----------------------------------------------------------------------------------------
def _newcombe_difference(k1, n1, k2, n2, confidence):
    """Newcombe (1998) method 10 interval for p2 - p1, from the two Wilson intervals."""
    l1, u1 = wilson_interval(k1, n1, confidence)
    l2, u2 = wilson_interval(k2, n2, confidence)
    p1, p2 = k1 / n1, k2 / n2
    d = p2 - p1
    lower = d - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    upper = d + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return d, lower, upper


def _pooled_z_p_value(k1, n1, k2, n2):
    pooled = (k1 + k2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance <= 0:
        return 1.0
    z = (k2 / n2 - k1 / n1) / np.sqrt(variance)
    return float(2 * sps.norm.sf(abs(z)))


def _one_change(k1, n1, k2, n2, confidence, counts_only, kind):
    nan = float("nan")
    if kind == "proportion" and not counts_only:
        if not (np.isfinite([k1, n1, k2, n2]).all() and n1 > 0 and n2 > 0
                and 0 <= k1 <= n1 and 0 <= k2 <= n2):
            return True, nan, nan, nan, nan, "difference", "newcombe_hybrid_score"
        d, lower, upper = _newcombe_difference(k1, n1, k2, n2, confidence)
        p_value = _pooled_z_p_value(k1, n1, k2, n2)
        within = bool(lower <= 0 <= upper)
        return within, d, lower, upper, p_value, "difference", "newcombe_hybrid_score"
    # Poisson counts or rates: exact conditional test and interval for rate2 / rate1
    if not (np.isfinite([k1, n1, k2, n2]).all() and n1 > 0 and n2 > 0 and k1 >= 0 and k2 >= 0) or k1 + k2 == 0:
        return True, nan, nan, nan, nan, "ratio", "exact_conditional"
    k1a, n1a, k2a, n2a = (np.asarray(float(x)) for x in (k1, n1, k2, n2))
    lower, upper = _exact_conditional_ratio(k2a, n2a, k1a, n1a, confidence)
    ratio = (k2 / n2) / (k1 / n1) if k1 > 0 else float("inf")
    m = int(round(k1 + k2))
    pi0 = n2 / (n1 + n2)
    tail = min(sps.binom.cdf(round(k2), m, pi0), sps.binom.sf(round(k2) - 1, m, pi0))
    p_value = float(min(1.0, 2 * tail))
    within = bool(lower <= 1 <= upper)
    return within, float(ratio), float(lower), float(upper), p_value, "ratio", "exact_conditional"


def change_within_noise(k1, n1, k2, n2, confidence: float = CONFIDENCE_LEVEL, kind: str = "proportion") -> ChangeTest:
    """Is the change from period 1 (``k1/n1``) to period 2 (``k2/n2``) within noise?

    Notes
    -----
    Proportions (``kind='proportion'``, the default: children with an outcome out of
    children)
        Newcombe's (1998, method 10) hybrid score interval for ``p2 - p1``, built from the
        two Wilson intervals; ``within_noise`` is True when it contains 0. ``p_value`` is
        the pooled two-proportion z-test (as statsmodels
        ``proportions_ztest(..., prop_var=False)``), given for reference: in rare borderline
        cases it can disagree with the interval, and the verdict follows the interval.
        Method key 'newcombe_hybrid_score'.
    Counts or rates (``kind='rate'``, or ``n1`` and ``n2`` both None: counts without a
    denominator, e.g. missing episodes this year and last)
        Exact conditional binomial method for the ratio ``rate2 / rate1``: given
        ``m = k1 + k2``, ``k2 ~ Binomial(m, n2 / (n1 + n2))`` under no change. The interval
        is the Clopper-Pearson interval rescaled to a ratio; the p-value is the central
        (doubled one-sided) exact p-value, so the two always agree. Method key
        'exact_conditional'.

    Parameters
    ----------
    k1, n1 : number or array-like
        Earlier period: count and denominator (None for counts without a denominator).
    k2, n2 : number or array-like
        Later period.
    confidence : float, default 0.95
    kind : {'proportion', 'rate'}, default 'proportion'

    Returns
    -------
    ChangeTest
        ``within_noise, estimate, lower, upper, p_value, measure, method, confidence``.
        Where no comparison can be made (a zero or missing denominator, no events in either
        period) the numbers are NaN and ``within_noise`` is True: there is no evidence of a
        change.

    References
    ----------
    Newcombe RG (1998) *Stat Med* 17:873-890; Armitage, Berry and Matthews (2002) s. 5.3.
    """
    confidence = _check_confidence(confidence)
    if kind not in ("proportion", "rate"):
        raise ValueError(f"kind must be 'proportion' or 'rate', got {kind!r}")
    counts_only = n1 is None and n2 is None
    if (n1 is None) != (n2 is None):
        raise ValueError("give both denominators (n1 and n2) or neither (counts without a denominator)")
    index = _series_index(k1, n1, k2, n2)
    if counts_only:
        n1 = n2 = 1.0
    arrays = np.broadcast_arrays(*(_as_float_array(x) for x in (k1, n1, k2, n2)))
    shape = arrays[0].shape
    rows = [_one_change(*values, confidence, counts_only, kind) for values in zip(*(a.ravel() for a in arrays))]
    columns = list(zip(*rows)) if rows else [()] * 7
    fields = []
    for column, dtype in zip(columns, (bool, float, float, float, float, object, object)):
        fields.append(_wrap(np.array(column, dtype=dtype).reshape(shape), index))
    return ChangeTest(*fields, confidence)
