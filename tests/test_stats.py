"""Statistics against hand-worked cases, published tables and statsmodels."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)
from statsmodels.stats.rates import test_poisson_2indep as poisson_2indep_test

from safeguarding.measures import stats

Z95 = 1.959963984540054


# ---------------------------------------------------------------------------------------
# percent and rate_per
# ---------------------------------------------------------------------------------------
def test_percent_and_rate_per_basic():
    assert stats.percent(377, 582) == pytest.approx(64.776, abs=1e-3)
    assert stats.rate_per(39, 10_000, 10_000) == 39.0
    assert stats.rate_per(7, 75, 100) == pytest.approx(9.3333, abs=1e-4)


def test_percent_zero_denominator_is_nan_without_warning_or_inf():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isnan(stats.percent(3, 0))
        assert math.isnan(stats.percent(0, 0))
        assert math.isnan(stats.rate_per(5, None, 10_000))
        result = stats.percent(np.array([1, 2, 0]), np.array([0, 4, 0]))
    assert np.isnan(result[0]) and result[1] == 50 and np.isnan(result[2])
    assert not np.isinf(result).any()


def test_percent_keeps_series_index_and_handles_nullable_na():
    k = pd.Series([1, pd.NA, 3], index=["a", "b", "c"], dtype="Int64")
    n = pd.Series([4, 4, 0], index=["a", "b", "c"], dtype="Int64")
    result = stats.percent(k, n)
    assert isinstance(result, pd.Series)
    assert list(result.index) == ["a", "b", "c"]
    assert result["a"] == 25 and np.isnan(result["b"]) and np.isnan(result["c"])


# ---------------------------------------------------------------------------------------
# Wilson and Clopper-Pearson
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("k, n", [(2, 3), (0, 10), (10, 10), (1, 1), (377, 582), (44, 317)])
def test_wilson_matches_statsmodels(k, n):
    expected = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert stats.wilson_interval(k, n) == pytest.approx(expected, abs=1e-12)


def test_wilson_hand_worked_2_of_3():
    # p = 2/3, z = 1.96: centre = (p + z^2/6) / (1 + z^2/3), half = z sqrt(p(1-p)/3 + z^2/36) / (1 + z^2/3)
    p, n, z = 2 / 3, 3, Z95
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    lower, upper = stats.wilson_interval(2, 3)
    assert (lower, upper) == pytest.approx((centre - half, centre + half))
    assert lower == pytest.approx(0.2077, abs=1e-4) and upper == pytest.approx(0.9385, abs=1e-4)


def test_wilson_0_of_10_starts_at_zero():
    lower, upper = stats.wilson_interval(0, 10)
    assert lower == 0.0
    assert upper == pytest.approx(0.2775, abs=1e-4)


def test_wilson_vectorised_and_undefined_cases():
    k = np.array([0, 3, 5, 4, -1])
    n = np.array([0, 10, 5, 3, 10])
    lower, upper = stats.wilson_interval(k, n)
    assert np.isnan(lower[0]) and np.isnan(upper[0])  # n = 0
    assert np.isnan(lower[3]) and np.isnan(lower[4])  # k > n, k < 0
    expected = proportion_confint(np.array([3, 5]), np.array([10, 5]), method="wilson")
    np.testing.assert_allclose(lower[1:3], expected[0])
    np.testing.assert_allclose(upper[1:3], expected[1])


def test_wilson_other_confidence_level():
    expected = proportion_confint(7, 40, alpha=0.002, method="wilson")
    assert stats.wilson_interval(7, 40, confidence=0.998) == pytest.approx(expected)


@pytest.mark.parametrize("k, n", [(0, 10), (3, 23), (10, 10), (50, 120)])
def test_clopper_pearson_matches_statsmodels(k, n):
    expected = proportion_confint(k, n, alpha=0.05, method="beta")
    assert stats.clopper_pearson_interval(k, n) == pytest.approx(expected, abs=1e-10)


# ---------------------------------------------------------------------------------------
# Poisson counts and rates
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("k, lower, upper", [
    # Garwood limits as tabulated (e.g. Sahai & Khurshid 1993; PHE CI tool)
    (0, 0.0, 3.689),
    (1, 0.0253, 5.572),
    (5, 1.6235, 11.668),
    (10, 4.795, 18.390),
])
def test_exact_poisson_against_published_table(k, lower, upper):
    got = stats.exact_poisson_interval(k)
    assert got[0] == pytest.approx(lower, abs=5e-4)
    assert got[1] == pytest.approx(upper, abs=5e-4)


def test_exact_poisson_vectorised_and_negative():
    lower, upper = stats.exact_poisson_interval([0, 1, -2])
    assert lower[0] == 0 and upper[0] == pytest.approx(3.689, abs=1e-3)
    assert np.isnan(lower[2]) and np.isnan(upper[2])


def test_byar_close_to_exact():
    k = np.array([1, 5, 20, 100])
    exact = stats.exact_poisson_interval(k)
    byar = stats.byar_poisson_interval(k)
    np.testing.assert_allclose(byar[1], exact[1], rtol=0.01)
    np.testing.assert_allclose(byar[0][1:], exact[0][1:], rtol=0.02)
    assert stats.byar_poisson_interval(0)[0] == 0


def test_rate_interval_exact_and_byar():
    result = stats.rate_interval(5, 20_000, per=10_000)
    assert result.rate == 2.5
    assert result.lower == pytest.approx(1.62348639 / 2, rel=1e-6)
    assert result.upper == pytest.approx(11.66833208 / 2, rel=1e-6)
    assert result.method == "poisson_exact" and result.confidence == 0.95
    assert stats.rate_interval(5, 20_000, method="byar").method == "poisson_byar"
    zero_population = stats.rate_interval(5, 0)
    assert all(math.isnan(x) for x in zero_population[:3])
    with pytest.raises(ValueError):
        stats.rate_interval(5, 100, method="wald")


# ---------------------------------------------------------------------------------------
# Relative rate index
# ---------------------------------------------------------------------------------------
def test_katz_rri_hand_worked():
    # RRI = (30/1000) / (20/2000) = 3
    # se(log RRI) = sqrt(1/30 - 1/1000 + 1/20 - 1/2000) = sqrt(0.0818333) = 0.286065
    # interval = 3 * exp(-+1.96 * 0.286065) = (1.7125, 5.2556)
    result = stats.relative_rate_index(30, 1000, 20, 2000)
    assert result.method == "katz_log"
    assert result.ratio == pytest.approx(3.0)
    se = math.sqrt(1 / 30 - 1 / 1000 + 1 / 20 - 1 / 2000)
    assert se == pytest.approx(0.286065, abs=1e-6)
    assert result.lower == pytest.approx(3 * math.exp(-Z95 * se))
    assert result.upper == pytest.approx(3 * math.exp(Z95 * se))
    assert result.lower == pytest.approx(1.7125, abs=1e-4)
    assert result.upper == pytest.approx(5.2556, abs=1e-4)


def test_log_rate_ratio_for_events():
    result = stats.relative_rate_index(30, 1000, 20, 2000, kind="rate")
    assert result.method == "poisson_log"
    se = math.sqrt(1 / 30 + 1 / 20)
    assert (result.lower, result.upper) == pytest.approx((3 * math.exp(-Z95 * se), 3 * math.exp(Z95 * se)))


def test_exact_rri_small_counts_is_conditional_binomial():
    # 3 of the 23 events are in group 1; Clopper-Pearson for 3/23 rescaled by n2/n1 = 2
    result = stats.relative_rate_index(3, 1000, 20, 2000)
    assert result.method == "exact_conditional"
    assert result.ratio == pytest.approx(0.3)
    pi_lower, pi_upper = proportion_confint(3, 23, alpha=0.05, method="beta")
    assert result.lower == pytest.approx(pi_lower / (1 - pi_lower) * 2)
    assert result.upper == pytest.approx(pi_upper / (1 - pi_upper) * 2)
    # at each limit the one-sided exact conditional test in statsmodels gives p = 0.025
    for bound, alternative in ((result.lower, "larger"), (result.upper, "smaller")):
        p = poisson_2indep_test(3, 1000, 20, 2000, value=bound, method="exact-cond", compare="ratio",
                                alternative=alternative).pvalue
        assert p == pytest.approx(0.025, abs=1e-6)


def test_exact_rri_zero_numerator_gives_finite_upper():
    result = stats.relative_rate_index(0, 1000, 20, 2000)
    assert result.ratio == 0 and result.lower == 0
    # Clopper-Pearson upper for 0/20 is 1 - 0.025^(1/20)
    pi_upper = 1 - 0.025 ** (1 / 20)
    assert result.upper == pytest.approx(pi_upper / (1 - pi_upper) * 2)
    assert math.isfinite(result.upper)


def test_exact_rri_zero_reference_and_both_zero():
    result = stats.relative_rate_index(12, 1000, 0, 2000)
    assert result.ratio == math.inf and result.upper == math.inf
    assert 1 < result.lower < math.inf
    both = stats.relative_rate_index(0, 1000, 0, 2000)
    assert all(math.isnan(x) for x in both[:3])


def test_rri_auto_switches_at_ten_and_explicit_methods():
    assert stats.relative_rate_index(9, 1000, 50, 2000).method == "exact_conditional"
    assert stats.relative_rate_index(10, 1000, 50, 2000).method == "katz_log"
    assert stats.relative_rate_index(50, 1000, 9, 2000).method == "exact_conditional"
    assert stats.relative_rate_index(50, 1000, 50, 2000, method="exact").method == "exact_conditional"
    katz_zero = stats.relative_rate_index(0, 1000, 50, 2000, method="katz")
    assert math.isnan(katz_zero.lower)
    with pytest.raises(ValueError):
        stats.relative_rate_index(5, 10, 5, 10, method="wald")


def test_rri_vectorised_over_series_and_invalid_rows():
    k1 = pd.Series([30, 3, 0, 5, 4], index=list("abcde"))
    n1 = pd.Series([1000, 1000, 1000, 0, 2])
    n1.index = k1.index
    result = stats.relative_rate_index(k1, n1, 20, 2000)
    assert list(result.ratio.index) == list("abcde")
    assert list(result.method) == ["katz_log", "exact_conditional", "exact_conditional", "exact_conditional",
                                   "exact_conditional"]
    assert result.ratio["a"] == pytest.approx(3)
    assert np.isnan(result.ratio["d"])  # zero denominator
    assert np.isnan(result.ratio["e"])  # 4 children out of 2 is not a proportion
    assert stats.relative_rate_index(4, 2, 20, 2000, kind="rate").ratio == pytest.approx(200)


def test_rri_frame_adds_columns_without_mutating():
    frame = pd.DataFrame({"group": ["Black", "Asian", "Mixed"], "numerator": [60, 12, 2],
                          "denominator": [3000, 8000, 1500],
                          "reference_numerator": [100, 100, 100], "reference_denominator": [20000] * 3})
    before = frame.copy()
    out = stats.relative_rate_index_frame(frame)
    pd.testing.assert_frame_equal(frame, before)
    assert {"rri", "rri_lower", "rri_upper", "rri_method", "rri_verdict"} <= set(out.columns)
    assert list(out["rri_verdict"]) == ["over-represented", "under-represented", "too few to say"]
    with pytest.raises(KeyError):
        stats.relative_rate_index_frame(frame.drop(columns="reference_numerator"))


# ---------------------------------------------------------------------------------------
# Verdicts
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("ratio, lower, upper, k, verdict", [
    (3.0, 1.7, 5.3, 30, "over-represented"),
    (0.4, 0.2, 0.8, 12, "under-represented"),
    (1.2, 0.8, 1.6, 40, "no evidence of a difference"),
    (1.5, 1.0, 2.1, 40, "no evidence of a difference"),  # interval touching 1
    (6.0, 2.0, 15.0, 2, "too few to say"),  # a ratio from 2 children
    (6.0, 2.0, 15.0, 9, "too few to say"),
    (float("nan"), float("nan"), float("nan"), 40, "too few to say"),
])
def test_disproportionality_verdict(ratio, lower, upper, k, verdict):
    assert stats.disproportionality_verdict(ratio, lower, upper, k) == verdict


def test_verdict_min_count_and_vectorised():
    assert stats.disproportionality_verdict(6.0, 2.0, 15.0, 6, min_count=5) == "over-represented"
    verdicts = stats.disproportionality_verdict(pd.Series([3.0, 1.0]), [1.5, 0.5], [5.0, 2.0], [20, 20])
    assert list(verdicts) == ["over-represented", "no evidence of a difference"]
    assert set(stats.VERDICTS) >= set(verdicts)


# ---------------------------------------------------------------------------------------
# Funnel plots
# ---------------------------------------------------------------------------------------
def test_funnel_limits_shape_monotone_and_contain_target():
    n = np.array([10, 20, 50, 100, 200, 500, 1000, 5000])
    limits = stats.funnel_limits(20.0, n, kind="proportion")
    assert list(limits.columns) == ["denominator", "lower_95", "upper_95", "lower_99_8", "upper_99_8"]
    assert limits.attrs["method"] == "exact_spiegelhalter"
    assert (limits["lower_99_8"] <= limits["lower_95"]).all()
    assert (limits["lower_95"] <= 20).all() and (limits["upper_95"] >= 20).all()
    assert (limits["upper_95"] <= limits["upper_99_8"]).all()
    assert limits["upper_95"].is_monotonic_decreasing and limits["lower_95"].is_monotonic_increasing
    assert limits["upper_99_8"].is_monotonic_decreasing and limits["lower_99_8"].is_monotonic_increasing
    # narrows towards the target
    assert limits["upper_95"].iloc[-1] - limits["lower_95"].iloc[-1] < 3


def test_funnel_limits_bracket_binomial_quantiles():
    # Binomial(100, 0.2): 97.5% quantile 28, 2.5% quantile 12 -> interpolated limits just below
    limits = stats.funnel_limits(20.0, [100]).iloc[0]
    assert sps.binom.ppf(0.975, 100, 0.2) == 28
    assert 27 <= limits["upper_95"] <= 28
    assert sps.binom.ppf(0.025, 100, 0.2) == 12
    assert 11 <= limits["lower_95"] <= 12


def test_funnel_limits_rate_per_10000():
    limits = stats.funnel_limits(50.0, [1_000, 10_000, 100_000], kind="rate")
    assert limits["upper_95"].is_monotonic_decreasing
    # Poisson(50): 97.5% quantile 64 -> upper limit between 63 and 64 per 10,000 at 10,000 children
    assert 63 <= limits.loc[1, "upper_95"] <= 64
    assert (limits["lower_95"] >= 0).all()


def test_funnel_limits_zero_denominator_and_bad_target():
    limits = stats.funnel_limits(20.0, [0, 100])
    assert limits.iloc[0, 1:].isna().all() and limits.iloc[1, 1:].notna().all()
    with pytest.raises(ValueError):
        stats.funnel_limits(120.0, [100])


def test_funnel_position():
    values = pd.Series([20.0, 30.0, 35.0, 8.0, 10.0, np.nan])
    n = pd.Series([100, 100, 100, 100, 100, 100])
    positions = stats.funnel_position(values, n, 20.0)
    assert list(positions) == ["within", "above 95%", "above 99.8%", "below 99.8%", "below 95%", "not assessed"]
    assert stats.funnel_position(20.0, 100, 20.0) == "within"


# ---------------------------------------------------------------------------------------
# Over-dispersion (Spiegelhalter 2005, Qual Saf Health Care 14:347-351)
# ---------------------------------------------------------------------------------------
# Twelve authorities around a target of 20%. For a proportion s_i = sqrt(t(1-t)/n_i) =
# 0.4/sqrt(n_i), so the counts are chosen to give whole or half z-scores:
#   n     k    value   s       z = (k/n - 0.2)/s
#   400   56   14%     0.02    -3
#   100   12   12%     0.04    -2
#   1600  296  18.5%   0.01    -1.5
#   25    3    12%     0.08    -1
#   625   120  19.2%   0.016   -0.5
#   100   20   20%     0.04     0
#   400   84   21%     0.02     0.5
#   625   135  21.6%   0.016    1
#   100   26   26%     0.04     1.5
#   2500  540  21.6%   0.008    2
#   1600  360  22.5%   0.01     2.5
#   25    13   52%     0.08     4
HAND_N = np.array([400, 100, 1600, 25, 625, 100, 400, 625, 100, 2500, 1600, 25])
HAND_K = np.array([56, 12, 296, 3, 120, 20, 84, 135, 26, 540, 360, 13])
HAND_Z = np.array([-3, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 4])
# Winsorising at the 10% and 90% quantiles (linear interpolation, numpy/R type 7), I = 12:
#   10%: position 0.1 * 11 = 1.1 -> z(1) + 0.1 * (z(2) - z(1)) = -2 + 0.1 * 0.5 = -1.95
#   90%: position 0.9 * 11 = 9.9 -> z(9) + 0.9 * (z(10) - z(9)) = 2 + 0.9 * 0.5 = 2.45
# Winsorised z: -1.95, -1.95, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2.45, 2.45
# sum z_w^2 = 2(3.8025) + 2.25 + 1 + 0.25 + 0 + 0.25 + 1 + 2.25 + 4 + 2(6.0025) = 30.61
HAND_PHI = 30.61 / 12  # 2.5508333...
# I * phi = 30.61 > I - 1 = 11. Weights w_i = 1/s_i^2 = n_i / 0.16:
#   sum n = 8100, sum n^2 = 12,502,500
#   sum w - sum w^2 / sum w = (sum n - sum n^2 / sum n) / 0.16 = (8100 - 125025/81) / 0.16
#                           = (531075/81) / 0.16 = 531075 / 12.96 = 40978.00926...
HAND_TAU2 = (30.61 - 11) * 12.96 / 531075  # 0.000478549357... (sd 0.0219, 2.2 points)
# chi-squared(11) 95th percentile = 19.675 < 30.61, so over-dispersed.


def test_overdispersion_hand_worked():
    result = stats.overdispersion(100 * HAND_K / HAND_N, HAND_N, 20.0)
    assert np.allclose((HAND_K / HAND_N - 0.2) / np.sqrt(0.16 / HAND_N), HAND_Z, rtol=0, atol=1e-12)
    assert result.units == 12
    assert result.phi == pytest.approx(2.5508333333333333, abs=1e-9)
    assert result.phi == pytest.approx(HAND_PHI, abs=1e-12)
    assert result.tau2 == pytest.approx(0.000478549357435, abs=1e-12)
    assert result.tau2 == pytest.approx(HAND_TAU2, rel=1e-9)
    assert sps.chi2.ppf(0.95, 11) == pytest.approx(19.675, abs=1e-3)
    assert result.overdispersed is True
    assert result.tau2_for_limits == result.tau2
    assert result.describe() == ("Local authorities vary more than chance alone would explain (across 12 "
                                 "authorities, the spread is 2.6 times what chance alone would give), so the limits "
                                 "are widened to allow for it.")


def test_overdispersion_drops_missing_and_non_positive_denominators_and_takes_series():
    values = pd.Series(list(100 * HAND_K / HAND_N) + [np.nan, 30.0, 30.0, 30.0], dtype=float)
    n = pd.Series(list(HAND_N) + [100, 0, -5, np.nan], dtype=float)
    result = stats.overdispersion(values, n, 20.0)
    assert result.units == 12
    assert result.phi == pytest.approx(HAND_PHI, abs=1e-12)
    assert result.tau2 == pytest.approx(HAND_TAU2, rel=1e-9)
    # order does not matter
    order = np.random.default_rng(1).permutation(12)
    shuffled = stats.overdispersion((100 * HAND_K / HAND_N)[order], HAND_N[order], 20.0)
    assert shuffled.phi == pytest.approx(HAND_PHI, abs=1e-12) and shuffled.tau2 == pytest.approx(HAND_TAU2, rel=1e-9)


def test_overdispersion_rates_use_poisson_standard_error():
    # the same z-scores for a rate of 50 per 10,000: s_i = sqrt(t / n_i), w_i = n_i / t
    t = 50 / 10_000
    values = 10_000 * (t + HAND_Z * np.sqrt(t / HAND_N))
    result = stats.overdispersion(values, HAND_N, 50.0, kind="rate")
    assert result.phi == pytest.approx(HAND_PHI, abs=1e-9)
    w = HAND_N / t
    assert result.tau2 == pytest.approx((30.61 - 11) / (w.sum() - (w**2).sum() / w.sum()), rel=1e-9)
    # per=1: values and target per child, the same answer
    per_one = stats.overdispersion(values / 10_000, HAND_N, t, kind="rate", per=1)
    assert per_one.tau2 == pytest.approx(result.tau2, rel=1e-9)


def test_no_overdispersion_at_target_gives_zero_tau2_and_default_limits():
    n = np.arange(100, 1600, 100)
    at_target = stats.overdispersion(np.full(n.shape, 20.0), n, 20.0)
    assert at_target.phi == 0 and at_target.tau2 == 0 and at_target.overdispersed is False
    # binomial data with no extra variation: winsorising pulls phi below 1
    rng = np.random.default_rng(20240501)
    n = rng.integers(200, 20_000, 150)
    k = rng.binomial(n, 0.2)
    result = stats.overdispersion(100 * k / n, n, 20.0)
    assert result.units == 150 and result.phi < 1
    assert result.tau2 == 0 and result.overdispersed is False and result.tau2_for_limits == 0
    assert result.describe() == ("Local authorities vary no more than chance alone could explain (across 150 "
                                 f"authorities, the spread is {result.phi:.1f} times what chance alone would give), "
                                 "so the limits are not widened.")
    default = stats.funnel_limits(20.0, n)
    widened = stats.funnel_limits(20.0, n, tau2=result.tau2)
    pd.testing.assert_frame_equal(widened, default)
    assert widened.attrs == default.attrs == {"method": "exact_spiegelhalter"}
    assert list(stats.funnel_position(100 * k / n, n, 20.0, tau2=result.tau2)) == \
        list(stats.funnel_position(100 * k / n, n, 20.0))


def test_some_extra_variation_but_not_significant_is_not_widened():
    # all n = 100 (s = 0.04); z-scores a little wider than chance: sum z^2 after winsorising
    # is between I - 1 = 11 and chi2(11) 95th percentile 19.68
    z = np.array([-1.8, -1.6, -1.3, -1.1, -0.9, -0.4, 0.4, 0.9, 1.1, 1.3, 1.6, 1.8])
    result = stats.overdispersion(20 + 4 * z, np.full(12, 100), 20.0)
    assert 11 < 12 * result.phi < 19.675
    assert result.tau2 > 0 and result.overdispersed is False and result.tau2_for_limits == 0
    assert "not widened" in result.describe()


def test_overdispersion_too_few_units():
    values = [14, 12, 18.5, 12, 19.2, 20, 21, 21.6, 26, np.nan, 30]
    n = [400, 100, 1600, 25, 625, 100, 400, 625, 100, 100, 0]
    result = stats.overdispersion(values, n, 20.0)
    assert result.units == 9 and math.isnan(result.phi)
    assert result.tau2 == 0 and result.overdispersed is False and result.tau2_for_limits == 0
    assert result.describe() == ("There are too few local authorities (9) to judge whether they vary more than "
                                 "chance would explain, so the limits are not widened.")


def test_overdispersion_bad_arguments():
    with pytest.raises(ValueError):
        stats.overdispersion(HAND_K, HAND_N, 0.0)  # no chance variation at a target of 0
    with pytest.raises(ValueError):
        stats.overdispersion(HAND_K, HAND_N, 100.0)
    with pytest.raises(ValueError):
        stats.overdispersion(HAND_K, HAND_N, 20.0, winsor=0.5)
    with pytest.raises(ValueError):
        stats.overdispersion(HAND_K, HAND_N, 20.0, kind="ratio")
    with pytest.raises(ValueError):
        stats.funnel_limits(20.0, [100], tau2=-1e-6)
    with pytest.raises(ValueError):
        stats.funnel_limits(20.0, [100], tau2=float("nan"))


def test_widened_limits_hand_worked():
    # n = 100: sqrt(0.16/100 + tau2) = sqrt(0.0016 + 0.000478549) = 0.0455911...
    limits = stats.funnel_limits(20.0, [100, 0], levels=(0.95,), tau2=HAND_TAU2)
    half = Z95 * math.sqrt(0.0016 + HAND_TAU2)
    assert limits.loc[0, "upper_95"] == pytest.approx(100 * (0.2 + half), abs=1e-9)  # 28.9357
    assert limits.loc[0, "lower_95"] == pytest.approx(100 * (0.2 - half), abs=1e-9)  # 11.0643
    assert limits.loc[1, ["lower_95", "upper_95"]].isna().all()
    assert limits.attrs == {"method": "random_effects_spiegelhalter", "tau2": HAND_TAU2}
    assert limits.attrs["method"] in stats.METHOD_DESCRIPTIONS
    # proportion limits are clipped to [0, per]
    clipped = stats.funnel_limits(20.0, [4], levels=(0.95,), tau2=0.04)
    assert clipped.loc[0, "lower_95"] == 0


def test_widened_limits_keep_exact_limit_where_it_is_wider():
    # 1% of 10: the exact upper limit (7.74%) is above 1% + 1.96 sqrt(0.0099/10 + tau2) = 7.17%
    # for a tiny tau2; the exact limit is kept so widening never narrows
    default = stats.funnel_limits(1.0, [10], levels=(0.95,))
    widened = stats.funnel_limits(1.0, [10], levels=(0.95,), tau2=1e-6)
    assert 100 * (0.01 + Z95 * math.sqrt(0.0099 / 10 + 1e-6)) < default.loc[0, "upper_95"]
    assert widened.loc[0, "upper_95"] == default.loc[0, "upper_95"]


def test_funnel_position_with_tau2_moves_borderline_unit_within():
    # 28.5% of 100 against 20%: above the exact 95% limit (27.65), inside the widened 28.94
    assert stats.funnel_position(28.5, 100, 20.0) == "above 95%"
    assert stats.funnel_position(28.5, 100, 20.0, tau2=HAND_TAU2) == "within"
    # a clear outlier stays outside; a missing value is still not assessed
    positions = stats.funnel_position(pd.Series([28.5, 52.0, np.nan]), pd.Series([100, 25, 100]), 20.0,
                                      tau2=HAND_TAU2)
    assert list(positions) == ["within", "above 99.8%", "not assessed"]


@st.composite
def _funnel_case(draw):
    kind = draw(st.sampled_from(["proportion", "rate"]))
    if kind == "proportion":
        per, target = 100.0, draw(st.floats(0.5, 99.5))
    else:
        per, target = 10_000.0, draw(st.floats(0.5, 2_000.0))
    n = draw(st.lists(st.integers(1, 200_000), min_size=1, max_size=15))
    tau2 = draw(st.floats(1e-12, 0.05))
    return kind, per, target, n, tau2


@settings(max_examples=200, deadline=None)
@given(_funnel_case(), st.floats(1.0, 10.0))
def test_property_widened_limits_contain_default_and_grow_with_tau2(case, factor):
    kind, per, target, n, tau2 = case
    default = stats.funnel_limits(target, n, kind=kind, per=per)
    widened = stats.funnel_limits(target, n, kind=kind, per=per, tau2=tau2)
    wider = stats.funnel_limits(target, n, kind=kind, per=per, tau2=tau2 * factor)
    n_arr = np.asarray(n, dtype=float)
    t = target / per
    s2 = t * (1 - t) / n_arr if kind == "proportion" else t / n_arr
    top = per if kind == "proportion" else np.inf
    for level in (0.95, 0.998):
        lower, upper = stats.funnel_limit_columns(level)
        assert (widened[lower] <= default[lower]).all() and (widened[upper] >= default[upper]).all()
        assert (wider[lower] <= widened[lower]).all() and (wider[upper] >= widened[upper]).all()
        z = sps.norm.ppf(0.5 + level / 2)
        normal_upper = np.minimum(per * (t + z * np.sqrt(s2 + tau2)), top)
        normal_lower = np.maximum(per * (t - z * np.sqrt(s2 + tau2)), 0)
        np.testing.assert_array_less(normal_upper - 1e-9 * per, widened[upper].to_numpy())
        np.testing.assert_array_less(widened[lower].to_numpy(), normal_lower + 1e-9 * per)


# ---------------------------------------------------------------------------------------
# Change between years
# ---------------------------------------------------------------------------------------
def test_change_within_noise_obvious_noise():
    result = stats.change_within_noise(10, 100, 12, 100)
    assert result.within_noise is True
    assert result.measure == "difference" and result.method == "newcombe_hybrid_score"
    assert result.estimate == pytest.approx(0.02)
    assert result.lower < 0 < result.upper
    assert result.p_value > 0.5


def test_change_within_noise_obviously_real():
    result = stats.change_within_noise(10, 1000, 60, 1000)
    assert result.within_noise is False
    assert result.lower > 0 and result.p_value < 1e-6


@pytest.mark.parametrize("k1, n1, k2, n2",
                         [(10, 100, 12, 100), (10, 1000, 60, 1000), (0, 20, 5, 25), (43, 100, 16, 90)])
def test_change_matches_statsmodels_newcombe_and_ztest(k1, n1, k2, n2):
    result = stats.change_within_noise(k1, n1, k2, n2)
    expected = confint_proportions_2indep(k2, n2, k1, n1, method="newcomb", compare="diff", alpha=0.05)
    assert (result.lower, result.upper) == pytest.approx(expected, abs=1e-10)
    _, p = proportions_ztest([k2, k1], [n2, n1], value=0, alternative="two-sided", prop_var=False)
    assert result.p_value == pytest.approx(p)


def test_change_small_cohort_like_harrow_neet():
    # "43% of females were NEET compared to 16% of males" style: 6 of 14 vs 3 of 19
    assert stats.change_within_noise(3, 19, 6, 14).within_noise is True


def test_change_in_counts_uses_exact_poisson_comparison():
    noise = stats.change_within_noise(100, None, 130, None)
    assert noise.measure == "ratio" and noise.method == "exact_conditional"
    assert noise.estimate == pytest.approx(1.3)
    expected = poisson_2indep_test(130, 1, 100, 1, method="exact-cond", compare="ratio").pvalue
    assert noise.p_value == pytest.approx(expected)
    assert noise.within_noise is True  # p = 0.056
    real = stats.change_within_noise(100, None, 200, None)
    assert real.within_noise is False and real.lower > 1


def test_change_in_rates_with_populations():
    # 80 per 10,000 last year vs 95 per 10,000 this year, similar population
    result = stats.change_within_noise(400, 50_000, 480, 50_500, kind="rate")
    assert result.estimate == pytest.approx((480 / 50_500) / (400 / 50_000))
    assert result.within_noise is (result.lower <= 1 <= result.upper)


def test_change_undefined_is_nan_and_within_noise():
    result = stats.change_within_noise(3, 0, 4, 10)
    assert result.within_noise is True and math.isnan(result.estimate) and math.isnan(result.p_value)
    counts = stats.change_within_noise(0, None, 0, None)
    assert counts.within_noise is True and math.isnan(counts.estimate)
    with pytest.raises(ValueError):
        stats.change_within_noise(1, 10, 2, None)


def test_change_vectorised():
    result = stats.change_within_noise(pd.Series([10, 10]), [100, 1000], [12, 60], [100, 1000])
    assert list(result.within_noise) == [True, False]
    assert list(result.method) == ["newcombe_hybrid_score"] * 2


# ---------------------------------------------------------------------------------------
# Methods are named
# ---------------------------------------------------------------------------------------
def test_every_method_key_is_described():
    keys = {
        stats.relative_rate_index(30, 1000, 20, 2000).method,
        stats.relative_rate_index(30, 1000, 20, 2000, kind="rate").method,
        stats.relative_rate_index(3, 1000, 20, 2000).method,
        stats.rate_interval(3, 100).method,
        stats.rate_interval(3, 100, method="byar").method,
        stats.change_within_noise(1, 10, 2, 10).method,
        stats.funnel_limits(10, [100]).attrs["method"],
    }
    assert keys <= set(stats.METHOD_DESCRIPTIONS)
    assert stats.describe_method("wilson", 0.95).endswith("95% confidence")
    with pytest.raises(ValueError):
        stats.describe_method("wald")


def test_confidence_must_be_a_fraction():
    with pytest.raises(ValueError):
        stats.wilson_interval(1, 10, confidence=95)
