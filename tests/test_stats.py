"""profiler.stats against known values: hand-computed order statistics, scipy's
U test and quantile CI, hyperfine-style outliers."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
import scipy.stats

from profiler import stats
from profiler.stats import (
    ci_halfwidth_pct,
    geomean,
    mad,
    mann_whitney,
    mann_whitney_many,
    median_ci,
    median_ci_orders,
    min_runs_for_ci,
    modified_zscores,
    outliers,
    stddev,
    utest_min_n,
    utest_min_p,
)


def binom_half_cdf(k: int, n: int) -> float:
    return sum(math.comb(n, i) for i in range(k + 1)) / 2**n


# -- spread (a cell's summary is tests/test_cells.py) -----------------------------------


def test_mad() -> None:
    xs = [1.0, 2.0, 3.0, 4.0, 100.0]
    assert mad(xs) == 1.0  # deviations from 3: 2, 1, 0, 1, 97
    assert math.isnan(mad([]))


# -- confidence interval of the median -------------------------------------------------


def test_ci_orders_n10_by_hand() -> None:
    # B ~ Bin(10, 1/2): P(B <= 1) = 11/1024 = 0.0107 <= 0.025 < P(B <= 2) = 56/1024,
    # so k = 2: the interval is [x_(2), x_(9)], coverage 1 - 2·11/1024.
    assert binom_half_cdf(1, 10) == 11 / 1024 <= 0.025 < binom_half_cdf(2, 10) == 56 / 1024
    assert median_ci_orders(10) == (2, 9, 1 - 2 * 11 / 1024)


def test_ci_orders_n20_by_hand() -> None:
    # Bin(20, 1/2): P(B <= 5) = 21700/2^20 = 0.0207 <= 0.025 < P(B <= 6) = 0.0577: k = 6.
    assert binom_half_cdf(5, 20) == 21700 / 2**20
    assert binom_half_cdf(5, 20) <= 0.025 < binom_half_cdf(6, 20)
    lo, hi, coverage = median_ci_orders(20)  # type: ignore[misc]
    assert (lo, hi) == (6, 15)
    assert coverage == pytest.approx(1 - 2 * 21700 / 2**20) == pytest.approx(0.9586, abs=1e-4)


def test_ci_needs_six_values_at_95_percent() -> None:
    # Even [x_(1), x_(n)] misses the median with probability 2/2^n: 1/16 > 0.05 at n=5.
    assert median_ci_orders(5) is None
    assert median_ci_orders(6) == (1, 6, 1 - 2 / 64)  # benchstat: 0.96875 at n=6
    assert min_runs_for_ci() == 6
    assert median_ci([1.0, 2.0, 3.0]) == (-math.inf, math.inf)
    assert ci_halfwidth_pct([1.0, 2.0, 3.0, 4.0, 5.0]) == math.inf


def test_ci_on_a_fixed_sample() -> None:
    xs = [10.6, 9.5, 12.0, 10.0, 10.3, 9.8, 11.0, 10.1, 10.4, 10.2]  # n = 10, unsorted
    # sorted: 9.5 9.8 10.0 10.1 10.2 10.3 10.4 10.6 11.0 12.0 -> x_(2) = 9.8, x_(9) = 11.0
    assert median_ci(xs) == (9.8, 11.0)
    # median 10.25; the larger side: 11.0/10.25 - 1 = 7.317%
    assert ci_halfwidth_pct(xs) == pytest.approx((11.0 / 10.25 - 1) * 100)
    assert ci_halfwidth_pct(xs) == pytest.approx(7.317, abs=1e-3)


def test_ci_agrees_with_scipy_quantile_test() -> None:
    rng = np.random.default_rng(7)
    for n in range(6, 41):
        xs = rng.lognormal(0, 0.1, n)
        ci = scipy.stats.quantile_test(xs, q=float(np.median(xs)), p=0.5).confidence_interval(
            0.95)
        assert median_ci(list(xs)) == (ci.low, ci.high), n


# -- Mann-Whitney U ----------------------------------------------------------------------


@pytest.mark.parametrize("a,b", [
    ([1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]),  # separated, exact
    ([1.00, 1.02, 0.99, 1.01, 1.03], [1.10, 1.08, 1.12, 1.09, 1.11]),
    ([1.0, 1.1, 1.2, 1.3, 1.4, 1.5], [1.05, 1.15, 1.25, 1.35, 1.45, 1.55]),  # overlapping
    ([float(x) for x in range(12)], [x + 3.5 for x in range(10)]),  # n > 8: asymptotic
    ([0.5, 0.6, 0.7], [0.8, 0.9, 1.0, 1.1, 1.2]),  # unequal sizes, min p = 2/56
])
def test_u_test_p_is_scipys(a: list[float], b: list[float]) -> None:
    expected = scipy.stats.mannwhitneyu(a, b, alternative="two-sided").pvalue
    got = mann_whitney(a, b)
    assert got.p == pytest.approx(expected, rel=1e-12)
    assert got.significant == (expected < 0.05)


@pytest.mark.parametrize("seed", range(6))
def test_large_u_tests_are_scipys_auto(seed: int) -> None:
    """Beyond the exact counts: scipy's "auto" choice, computed without scipy. Seeds
    0-1: 40 vs 35 without ties (normal approximation); 2-3: with ties; 4-5: 30 vs 6
    without ties (scipy's exact test, since one side has at most 8)."""
    rng = np.random.default_rng(seed)
    if seed < 2:
        a, b = rng.normal(10, 1, 40).tolist(), rng.normal(10.5, 1, 35).tolist()
    elif seed < 4:
        a = rng.integers(0, 12, 40).astype(float).tolist()
        b = rng.integers(2, 14, 35).astype(float).tolist()
    else:
        a, b = rng.normal(10, 1, 30).tolist(), rng.normal(11, 1, 6).tolist()
    expected = scipy.stats.mannwhitneyu(a, b, alternative="two-sided").pvalue
    got = mann_whitney(a, b)
    assert got.p == pytest.approx(max(expected, got.min_p), rel=1e-9)


def test_u_test_known_value() -> None:
    # 4 vs 4, completely separated, no ties: the exact two-sided p is 2/C(8,4) = 2/70.
    res = mann_whitney([1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0])
    assert res.p == pytest.approx(2 / 70)
    assert res.significant and not res.too_few


def test_too_few_runs_is_not_a_p_value() -> None:
    assert utest_min_p(2, 2) == pytest.approx(1 / 3)  # benchstat's uTestMinP[2]
    assert utest_min_p(3, 3) == pytest.approx(0.1)
    assert utest_min_p(4, 4) == pytest.approx(2 / 70)
    assert utest_min_n() == 4  # benchstat: "need >= 4 samples" at alpha 0.05
    res = mann_whitney([1.0, 1.1], [5.0, 5.1])
    assert res.p is None and res.too_few and not res.significant
    assert mann_whitney([1.0, 1.1, 1.2], [5.0, 5.1, 5.2]).too_few
    # 3 vs 5 can reach significance (min p = 2/56 = 0.036), 3 vs 4 cannot (2/35 = 0.057).
    assert not mann_whitney([1.0, 1.1, 1.2], [5.0, 5.1, 5.2, 5.3, 5.4]).too_few
    assert mann_whitney([1.0, 1.1, 1.2], [5.0, 5.1, 5.2, 5.3]).too_few


def test_identical_samples_are_not_different() -> None:
    res = mann_whitney([2.0] * 5, [2.0] * 5)
    assert res.p == 1.0 and not res.significant


def test_batched_u_tests_equal_single_ones() -> None:
    # Same sizes, one pair with ties and one without: scipy would switch the whole
    # batch to the asymptotic method if they shared a call.
    pairs = [([1.0, 2.0, 3.0, 4.0, 5.0], [6.0, 7.0, 8.0, 9.0, 10.0]),
             ([1.0, 1.0, 3.0, 4.0, 5.0], [6.0, 7.0, 8.0, 9.0, 9.0]),
             ([1.0, 2.0, 3.0, 4.0, 5.0], [3.5, 4.5, 5.5, 6.5, 7.5]),
             ([1.0, 2.0], [3.0, 4.0]),
             ([float(x) for x in range(10)], [x + 2.5 for x in range(10)])]
    batched = mann_whitney_many(pairs)
    for (a, b), res in zip(pairs, batched, strict=True):
        assert res.p == mann_whitney(a, b).p
    assert batched[0].p == pytest.approx(2 / 252) and batched[1].p == pytest.approx(2 / 252)
    assert batched[2].p == pytest.approx(scipy.stats.mannwhitneyu(*pairs[2]).pvalue, rel=1e-12)
    assert batched[3].p is None


# -- other helpers --------------------------------------------------------------------------


def test_geomean() -> None:
    assert geomean([1.0, 4.0]) == pytest.approx(2.0)
    assert geomean([1.1, 0.9, 1.2]) == pytest.approx((1.1 * 0.9 * 1.2) ** (1 / 3))
    assert math.isnan(geomean([1.0, 0.0]))


def test_stddev_matches_statistics() -> None:
    xs = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]
    assert stddev(xs) == pytest.approx(statistics.stdev(xs))
    assert stddev([1.0]) is None


def test_outliers_by_modified_z_score() -> None:
    # hyperfine's own example: 0.5 among values around 0.30.
    assert outliers([0.5, 0.30, 0.29, 0.31, 0.30]) == [0]
    assert outliers([-0.2, 0.0, 0.2]) == []
    # median 10.025, MAD 0.075: 10.5 scores 0.6745·0.475/0.075 = 4.27 > 3.5,
    # where hyperfine's threshold (about 10 standard deviations) would not flag it.
    xs = [10.0, 10.1, 9.9, 10.05, 9.95, 10.5]
    assert modified_zscores(xs)[5] == pytest.approx(0.6745 * 0.475 / 0.075)
    assert outliers(xs) == [5]
    # 10.4 scores 3.37: not an outlier.
    assert outliers([10.0, 10.1, 9.9, 10.05, 9.95, 10.4]) == []
    # MAD = 0 (more than half equal): any other value is an outlier, as in hyperfine.
    assert outliers([10.0] * 7 + [100.0]) == [7]
    assert outliers([]) == [] and outliers([5.0]) == []


def test_below_six_runs_the_range_and_how_often_it_holds_the_median() -> None:
    from profiler.model.cells import Sample
    from profiler.report.writers import ci_text, range_note

    assert stats.range_coverage(3) == 0.75 and stats.range_coverage(5) == 0.9375
    three = Sample((1.0, 1.1, 0.95))  # median 1.0: +10% / -5%, the larger side counts
    assert ci_text(three) == "± 10% (75%)"
    assert ci_text(Sample((2.0,))) == "-"  # one run: no interval at all
    six = Sample((1.0, 1.01, 0.99, 1.02, 0.98, 1.0))
    assert ci_text(six).startswith("± ") and "(" not in ci_text(six)  # a real 95% CI
    assert range_note([six]) is None
    assert range_note([three, six, Sample((1.0, 2.0))]) == (
        "± x% (y%): below 6 runs, the range of the runs, which holds the median y% of the "
        "time (50% at 2 runs, 75% at 3 runs); a 95% CI needs ≥6 runs")
