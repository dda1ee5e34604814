"""Summary statistics: pure functions, each naming its method.

Summaries (median, MAD), the confidence interval of the median from order
statistics and its half-width in %, the Mann-Whitney U test with its
"too few runs" bound, the geometric mean and modified z-score outliers: what
`run`, `history` and `compare` report (docs/history.md explains each choice).
profiler.model.cells.CellSummary applies them to a cell's runs.
Kept free of I/O and of third-party imports at module level; numpy is imported
where the exact U distribution is counted. scipy is the tests' reference, not a
run-time import (it would cost compare about 1 s).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from statistics import median


def mad(xs: Sequence[float]) -> float:
    """Median absolute deviation (unscaled), the spread hyperfine and
    benchstat pair with the median."""
    if not xs:
        return math.nan
    m = median(xs)
    return median(abs(x - m) for x in xs)


def stddev(xs: Sequence[float]) -> float | None:
    """Sample standard deviation (n-1), as hyperfine reports it; None below 2 values.

    Plain floats: statistics.stdev works in exact fractions, which costs about
    80 µs per small sample, too slow for an export of thousands of cells."""
    n = len(xs)
    if n < 2:
        return None
    m = sum(xs) / n
    return math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1))


# -- confidence interval of the median -----------------------------------------

CONFIDENCE = 0.95
ALPHA = 0.05


def _binom_half_cdf(k: int, n: int) -> float:
    """P(B <= k) for B ~ Binomial(n, 1/2), exact (integer arithmetic)."""
    if k < 0:
        return 0.0
    return sum(math.comb(n, i) for i in range(min(k, n) + 1)) / 2**n


@lru_cache(maxsize=1024)
def median_ci_orders(n: int, confidence: float = CONFIDENCE) -> tuple[int, int, float] | None:
    """The order statistics that bound a distribution-free confidence interval of
    the median of `n` values, and the interval's actual coverage.

    Method (the binomial, or order-statistic, interval: Conover, *Practical
    Nonparametric Statistics*, §3.2; the interval benchstat reports, computed
    there by go-moremath's `stats.QuantileCI`): the number of values below the
    true median is B ~ Binomial(n, 1/2). For the largest k with
    P(B <= k-1) <= (1-confidence)/2, the interval [x_(k), x_(n-k+1)] (1-based
    order statistics) covers the median with probability 1 - 2·P(B <= k-1),
    which is at least `confidence`.

    Returns (k, n-k+1, coverage), 1-based; None when no interval inside the
    sample reaches `confidence` (at 95%, fewer than 6 values: even
    [x_(1), x_(n)] covers only 1 - 2/2^n). benchstat's exact search may take
    one order statistic less on the left when that alone suffices, and it
    switches to a normal approximation above n = 30; this function is always
    exact and symmetric.
    """
    tail = (1 - confidence) / 2
    if n < 1 or _binom_half_cdf(0, n) > tail + 1e-12:
        return None
    k = 1
    while k < n // 2 and _binom_half_cdf(k, n) <= tail + 1e-12:
        k += 1
    return k, n - k + 1, 1 - 2 * _binom_half_cdf(k - 1, n)


def median_ci(xs: Sequence[float], confidence: float = CONFIDENCE) -> tuple[float, float]:
    """95% (by default) confidence interval of the median, from order statistics
    (see `median_ci_orders`). (-inf, inf) when the sample is too small for one."""
    orders = median_ci_orders(len(xs), confidence)
    if orders is None:
        return -math.inf, math.inf
    s = sorted(xs)
    return s[orders[0] - 1], s[orders[1] - 1]


def min_runs_for_ci(confidence: float = CONFIDENCE) -> int:
    """The fewest values for which `median_ci` is finite (6 at 95%)."""
    n = 1
    while median_ci_orders(n, confidence) is None:
        n += 1
    return n


def range_coverage(n: int) -> float:
    """How often the range [min, max] of `n` values holds the true median: 1 - 2/2^n
    (75% at 3 runs, 93.8% at 5). Below `min_runs_for_ci()` it is the best interval
    the runs give, and what buildprof shows instead of a 95% CI."""
    return 1 - 2 * 0.5 ** n if n >= 1 else 0.0


def range_halfwidth_pct(xs: Sequence[float]) -> float:
    """The range [min, max] as `ci_halfwidth_pct` measures an interval: the larger
    side, relative to the median, in %; inf for no values or a median of 0."""
    if not xs:
        return math.inf
    m = median(xs)
    if m == 0:
        return math.inf
    return max(max(xs) / m - 1, 1 - min(xs) / m) * 100


def ci_halfwidth_pct(xs: Sequence[float], confidence: float = CONFIDENCE) -> float:
    """Half-width of the median's confidence interval, relative to the median, in %.

    The interval from order statistics is not symmetric; as benchstat's "± x%",
    the larger side counts: max(hi/median - 1, 1 - lo/median) · 100. inf when
    the sample is too small for an interval (fewer than 6 values at 95%) or the
    median is 0. `buildprof run --runs auto` stops a cell once this is small enough.
    """
    if not xs:
        return math.inf
    lo, hi = median_ci(xs, confidence)
    m = median(xs)
    if math.isinf(lo) or math.isinf(hi) or m == 0:
        return math.inf
    return max(hi / m - 1, 1 - lo / m) * 100


# -- significance: Mann-Whitney U ------------------------------------------------


def utest_min_p(n1: int, n2: int) -> float:
    """The smallest two-sided p-value the exact Mann-Whitney U test can give for
    samples of n1 and n2 values: both samples completely separated, without
    ties, 2 / C(n1+n2, n1) (capped at 1). benchstat tabulates the same figure
    (`uTestMinP`) to warn when a difference could never be detected."""
    if n1 < 1 or n2 < 1:
        return 1.0
    return min(1.0, 2 / math.comb(n1 + n2, n1))


def utest_min_n(alpha: float = ALPHA) -> int:
    """The fewest runs per side (equal sizes) for which the U test can reach
    p < alpha: 4 at alpha = 0.05 (min p = 2/70 = 0.029)."""
    n = 1
    while utest_min_p(n, n) > alpha:
        n += 1
    return n


@dataclass(frozen=True)
class UTest:
    """The outcome of comparing two samples with the Mann-Whitney U test."""

    p: float | None  # two-sided p-value; None when the test could never be significant
    min_p: float  # the smallest p-value these sample sizes allow
    alpha: float
    n1: int
    n2: int

    @property
    def too_few(self) -> bool:
        return self.min_p > self.alpha

    @property
    def significant(self) -> bool:
        return self.p is not None and self.p < self.alpha


EXACT_SPLITS = 200_000  # C(20, 10) = 184,756: every 10 vs 10 comparison is exact


def exact_feasible(n1: int, n2: int) -> bool:
    """Whether the U test's exact null distribution is used for n1 vs n2 values:
    when there are at most EXACT_SPLITS ways to split the pooled values into the
    two groups (always for 10 runs a side or fewer)."""
    return math.comb(n1 + n2, n1) <= EXACT_SPLITS


def _midranks2(values: Sequence[float]) -> dict[float, int]:
    """Twice the mid-rank of each distinct value among `values` (1-based ranks; a
    tie group at positions i..j gets (i+j)/2, so twice that is an integer)."""
    ordered = sorted(values)
    out: dict[float, int] = {}
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[i]:
            j += 1
        out[ordered[i]] = i + j + 2
        i = j + 1
    return out


def permutation_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided p-value of the Mann-Whitney U test from its exact permutation
    distribution, ties included: every one of the C(n1+n2, n1) splits of the
    pooled values into groups of n1 and n2 is equally likely under the null, and
    p = 2·min(P(T ≤ t), P(T ≥ t)) (capped at 1) for the mid-rank sum T of the
    first group, the convention of scipy's exact test and permutation_test. With
    ties the distribution need not be symmetric, hence two tails, not |T - mean|.

    The splits are counted, not listed: a dynamic programme over the pooled
    values counts the subsets of size n1 by their (doubled, so integer) mid-rank
    sum, the same numbers an enumeration gives, in n·n1·max-sum steps.
    """
    import numpy as np

    n1 = len(a)
    ranks2 = _midranks2([*a, *b])
    items = sorted(ranks2[v] for v in (*a, *b))
    top = sum(items[-n1:])
    # counts[k, s]: subsets of k of the values seen so far with doubled rank sum s.
    counts = np.zeros((n1 + 1, top + 1), dtype=np.int64)
    counts[0, 0] = 1
    for r in items:
        counts[1:, r:] += counts[:-1, :top + 1 - r].copy()  # copy: use the old row
    null = counts[n1]
    t = sum(ranks2[v] for v in a)
    total = int(null.sum())  # = C(n1+n2, n1)
    lower, upper = int(null[:t + 1].sum()), int(null[t:].sum())
    return min(1.0, 2 * min(lower, upper) / total)


def mann_whitney(a: Sequence[float], b: Sequence[float], alpha: float = ALPHA) -> UTest:
    """Two-sided Mann-Whitney U test of "a and b come from the same distribution",
    as benchstat compares two samples (golang.org/x/perf/benchmath, AssumeNothing).

    The p-value is exact whenever that is cheap (`exact_feasible`: at most
    EXACT_SPLITS splits of the pooled values, so always for 10 runs a side or
    fewer): the permutation distribution of the mid-rank sum (`permutation_p`),
    which without ties is scipy.stats.mannwhitneyu's method "exact". The normal
    approximation with tie and continuity corrections, which scipy's "auto" uses
    whenever there are ties, gives `[1,1,1,2]` against `[2,3,3,3]` p = 0.032
    where the true p is 4/70 = 0.057. Larger samples get scipy's "auto" (exact
    without ties when one side has at most 8 values, else the approximation).
    No p-value is ever below `utest_min_p`, the smallest one an exact test can
    give at these sizes; the approximation can undershoot it.

    When even complete separation could not reach p < alpha (`utest_min_p`), the
    test is not run and `p` is None, so that the caller says "too few runs"
    rather than print a p-value that means nothing. Identical samples give p = 1.
    """
    return mann_whitney_many([(a, b)], alpha)[0]


def mann_whitney_many(pairs: Sequence[tuple[Sequence[float], Sequence[float]]],
                      alpha: float = ALPHA) -> list[UTest]:
    """`mann_whitney` for many pairs at once, with the same results.

    Small pairs (`exact_feasible`), with or without ties, get the exact
    distribution (`permutation_p`); larger ones the choice scipy's "auto" makes
    (`_large_sample_p`). No scipy at run time: its import costs compare about 1 s.
    """
    out: list[UTest | None] = [None] * len(pairs)
    for i, (a, b) in enumerate(pairs):
        n1, n2 = len(a), len(b)
        min_p = utest_min_p(n1, n2)
        values = set(a) | set(b)
        ties = len(values) < n1 + n2
        if min_p > alpha:
            out[i] = UTest(None, min_p, alpha, n1, n2)
        elif len(values) == 1:
            out[i] = UTest(1.0, min_p, alpha, n1, n2)
        elif exact_feasible(n1, n2):
            # Counted here with or without ties (without, it is scipy's "exact"), so
            # that compare on the usual run counts never imports scipy (about 1 s).
            out[i] = UTest(max(permutation_p(a, b), min_p), min_p, alpha, n1, n2)
        else:
            out[i] = UTest(max(_large_sample_p(a, b, ties), min_p), min_p, alpha, n1, n2)
    return [t for t in out if t is not None]


def _large_sample_p(a: Sequence[float], b: Sequence[float], ties: bool) -> float:
    """The U test's two-sided p-value where the exact distribution over every split
    is too large to count, as scipy.stats.mannwhitneyu(method="auto") computes it:
    exact when there are no ties and one side has at most 8 values (counted with
    the smaller side first, which leaves a two-sided p unchanged), else the normal
    approximation with tie and continuity corrections."""
    n1, n2 = len(a), len(b)
    if not ties and min(n1, n2) <= 8:
        return permutation_p(a, b) if n1 <= n2 else permutation_p(b, a)
    ranks2 = _midranks2([*a, *b])
    u1 = sum(ranks2[v] for v in a) / 2 - n1 * (n1 + 1) / 2
    u = max(u1, n1 * n2 - u1)
    n = n1 + n2
    counts: dict[float, int] = {}
    for v in (*a, *b):
        counts[v] = counts.get(v, 0) + 1
    tie_term = sum(t ** 3 - t for t in counts.values())
    sd = math.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))))
    z = (u - n1 * n2 / 2 - 0.5) / sd
    return min(1.0, max(0.0, math.erfc(z / math.sqrt(2))))  # 2 · sf(z) of N(0, 1)


def geomean(xs: Sequence[float]) -> float:
    """Geometric mean of positive values (benchstat's summary row); nan if any is <= 0."""
    if not xs or any(x <= 0 for x in xs):
        return math.nan
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


# -- outliers ----------------------------------------------------------------------

OUTLIER_Z = 3.5


def modified_zscores(xs: Sequence[float]) -> list[float]:
    """Iglewicz and Hoaglin's modified z-score, 0.6745·(x - median)/MAD.

    0.6745 makes MAD comparable with a standard deviation for normal data
    (MAD ≈ 0.6745 σ). When MAD is 0 (more than half the values equal), a value
    off the median scores ±inf, as hyperfine treats it (it divides by epsilon).
    """
    if not xs:
        return []
    m = median(xs)
    d = mad(xs)
    if d == 0:
        return [0.0 if x == m else math.copysign(math.inf, x - m) for x in xs]
    return [0.6745 * (x - m) / d for x in xs]


def outliers(xs: Sequence[float], threshold: float = OUTLIER_Z) -> list[int]:
    """Indices of the values whose modified z-score exceeds `threshold` in absolute
    value: 3.5, as Iglewicz and Hoaglin (1993, "How to Detect and Handle
    Outliers") recommend. hyperfine's outlier warning uses the same median/MAD
    score (unscaled, threshold 10·1.4826, i.e. about 10 standard deviations);
    3.5 flags more, which suits builds that run only a few times."""
    return [i for i, z in enumerate(modified_zscores(xs)) if abs(z) > threshold]
