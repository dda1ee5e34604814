/* buildprof site: the summary statistics and the A/B verdict, in the browser.
 *
 * This file mirrors profiler/stats.py and profiler/analysis/twosample.py, function for
 * function and with the same names, because a static page cannot run Python: the site
 * recomputes a median, its confidence interval or a Mann-Whitney U test when the reader
 * picks what to compare. tests/test_site_stats.py runs both on the same samples in
 * headless Chromium and holds them to the same figures and the same strings; change
 * one side, change the other. The docstrings there say why each method is what it is.
 *
 * Plain ES2017, no modules, no dependencies: it defines window.bpstats. Python's exact
 * integers (math.comb, the binomial sums, int / int correctly rounded) are BigInt here,
 * made with BigInt() rather than literals so that the file parses as ES2017 (every
 * browser since 2020 runs it); the U test's counts of splits are Numbers, exact below
 * 2^53 (see permutation_p). Python's float formatting is pyFixed.
 */
(function () {
  "use strict";

  var CONFIDENCE = 0.95;
  var ALPHA = 0.05;
  var EXACT_SPLITS = 200000; // C(20, 10) = 184,756: every 10 vs 10 comparison is exact

  function numeric(x, y) { return x - y; }

  function sortedCopy(xs) { return Array.prototype.slice.call(xs).sort(numeric); }

  // -- Python's integers and number formatting ---------------------------------------

  /** math.comb(n, k), exact, as a BigInt. */
  function comb(n, k) {
    if (k < 0 || k > n) return BigInt(0);
    k = Math.min(k, n - k);
    var c = BigInt(1);
    for (var i = 0; i < k; i++) c = c * BigInt(n - i) / BigInt(i + 1); // C(n, i+1), exact
    return c;
  }

  function bitLength(x) { return x === BigInt(0) ? 0 : x.toString(2).length; }

  /** x · 2^e, exact unless the result is subnormal. */
  function scale2(x, e) {
    for (; e < -1000; e += 1000) x *= Math.pow(2, -1000);
    for (; e > 1000; e -= 1000) x *= Math.pow(2, 1000);
    return x * Math.pow(2, e);
  }

  /** Python's int / int for BigInt a >= 0, b > 0: the quotient correctly rounded.
   * The integer quotient keeps 65 or 66 bits, its last bit set if anything was left
   * over, so that Number() (round to nearest, ties to even) rounds it as the exact
   * quotient would be rounded. */
  function ratio(a, b) {
    if (a === BigInt(0)) return 0;
    var shift = bitLength(b) - bitLength(a) + 65;
    var num = shift > 0 ? a << BigInt(shift) : a;
    var den = shift < 0 ? b << BigInt(-shift) : b;
    var q = num / den;
    if (q * den !== num) q = q | BigInt(1);
    return scale2(Number(q), -shift);
  }

  /** Python's format(x, f".{digits}f") for a finite x. toFixed reads the exact binary
   * value as Python does, but it rounds an exact tie (an odd multiple of 2^-(digits+1):
   * 0.25 to one digit) away from zero where Python rounds it to even, and it switches
   * to exponent notation from 1e21. */
  function pyFixed(x, digits) {
    var negative = x < 0 || Object.is(x, -0);
    var ax = Math.abs(x);
    var s;
    if (ax >= 1e21) { // an integer: every digit, as Python prints it
      s = BigInt(ax).toString() + (digits > 0 ? "." + "0".repeat(digits) : "");
    } else {
      s = ax.toFixed(digits);
      var t = ax * Math.pow(2, digits + 1); // an odd integer exactly at a tie
      if (Number.isInteger(t) && t % 2 === 1) {
        var last = s.charCodeAt(s.length - 1) - 48;
        // Rounded up to an odd last digit: the even neighbour is one below (no borrow).
        if (last % 2 === 1) s = s.slice(0, -1) + String(last - 1);
      }
    }
    return (negative ? "-" : "") + s;
  }

  /** The complementary error function, math.erfc: W. J. Cody's rational Chebyshev
   * approximations ("Rational Chebyshev approximations for the error function", Math.
   * Comp. 23, 1969; the coefficients of his CALERF in Netlib's SPECFUN), accurate to
   * a few units in the last place of a double. */
  var ERF_A = [3.16112374387056560e0, 1.13864154151050156e2, 3.77485237685302021e2,
    3.20937758913846947e3, 1.85777706184603153e-1];
  var ERF_B = [2.36012909523441209e1, 2.44024637934444173e2, 1.28261652607737228e3,
    2.84423683343917062e3];
  var ERFC_C = [5.64188496988670089e-1, 8.88314979438837594e0, 6.61191906371416295e1,
    2.98635138197400131e2, 8.81952221241769090e2, 1.71204761263407058e3,
    2.05107837782607147e3, 1.23033935479799725e3, 2.15311535474403846e-8];
  var ERFC_D = [1.57449261107098347e1, 1.17693950891312499e2, 5.37181101862009858e2,
    1.62138957456669019e3, 3.29079923573345963e3, 4.36261909014324716e3,
    3.43936767414372164e3, 1.23033935480374942e3];
  var ERFC_P = [3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
    1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2];
  var ERFC_Q = [2.56852019228982242e0, 1.87295284992346047e0, 5.27905102951428412e-1,
    6.05183413124413191e-2, 2.33520497626869185e-3];
  var ONE_OVER_SQRT_PI = 5.6418958354775628695e-1;

  function erfc(x) {
    if (Number.isNaN(x)) return NaN;
    var y = Math.abs(x);
    var num, den, r, ysq;
    if (y <= 0.46875) { // erf(x) = x·A(x²)/B(x²), erfc = 1 - erf
      ysq = y > 1.11e-16 ? y * y : 0;
      num = ERF_A[4] * ysq;
      den = ysq;
      for (var i = 0; i < 3; i++) {
        num = (num + ERF_A[i]) * ysq;
        den = (den + ERF_B[i]) * ysq;
      }
      return 1 - x * (num + ERF_A[3]) / (den + ERF_B[3]);
    }
    if (y <= 4) { // erfc(y) = exp(-y²)·C(y)/D(y)
      num = ERFC_C[8] * y;
      den = y;
      for (var j = 0; j < 7; j++) {
        num = (num + ERFC_C[j]) * y;
        den = (den + ERFC_D[j]) * y;
      }
      r = (num + ERFC_C[7]) / (den + ERFC_D[7]);
    } else if (y >= 27.3) { // erfc(y) < 2^-1075: 0 (Cody stops at 26.543, before subnormals)
      r = 0;
    } else { // erfc(y) = exp(-y²)·(1/√π - z·P(z)/Q(z))/y, z = 1/y²
      ysq = 1 / (y * y);
      num = ERFC_P[5] * ysq;
      den = ysq;
      for (var k = 0; k < 4; k++) {
        num = (num + ERFC_P[k]) * ysq;
        den = (den + ERFC_Q[k]) * ysq;
      }
      r = (ONE_OVER_SQRT_PI - ysq * (num + ERFC_P[4]) / (den + ERFC_Q[4])) / y;
    }
    if (r !== 0) { // exp(-y²) in two factors: y² itself would lose y's low bits
      var y16 = Math.trunc(y * 16) / 16;
      r = Math.exp(-y16 * y16) * Math.exp(-(y - y16) * (y + y16)) * r;
    }
    return x < 0 ? 2 - r : r;
  }

  // -- summaries ------------------------------------------------------------------------

  /** statistics.median: the middle value, or the mean of the two middle ones. */
  function median(xs) {
    var n = xs.length;
    if (n === 0) throw new Error("no median for empty data");
    var s = sortedCopy(xs);
    var i = Math.floor(n / 2);
    return n % 2 === 1 ? s[i] : (s[i - 1] + s[i]) / 2;
  }

  /** Median absolute deviation (unscaled); NaN for no values. */
  function mad(xs) {
    if (xs.length === 0) return NaN;
    var m = median(xs);
    return median(Array.prototype.map.call(xs, function (x) { return Math.abs(x - m); }));
  }

  // -- confidence interval of the median --------------------------------------------------

  var ordersCache = new Map();

  /** [k, n-k+1, coverage] (1-based order statistics) of the distribution-free interval
   * of the median, or null when no interval inside the sample reaches `confidence`. */
  function median_ci_orders(n, confidence) {
    if (confidence === undefined) confidence = CONFIDENCE;
    var key = n + ":" + confidence;
    if (ordersCache.has(key)) return ordersCache.get(key);
    var out = computeOrders(n, confidence);
    if (out !== null) Object.freeze(out); // shared by every caller, as Python's tuple
    ordersCache.set(key, out);
    return out;
  }

  function computeOrders(n, confidence) {
    var tail = (1 - confidence) / 2;
    if (n < 1) return null;
    // cdf(k) = P(B <= k) for B ~ Binomial(n, 1/2), exact: the sum of C(n, i) over i <= k,
    // over 2^n (stats._binom_half_cdf).
    var total = BigInt(1) << BigInt(n);
    var cumulative = [];
    var c = BigInt(1);
    var sum = BigInt(0);
    var cdf = function (k) {
      if (k < 0) return 0;
      k = Math.min(k, n);
      while (cumulative.length <= k) {
        var i = cumulative.length;
        if (i > 0) c = c * BigInt(n - i + 1) / BigInt(i); // C(n, i)
        sum += c;
        cumulative.push(sum);
      }
      return ratio(cumulative[k], total);
    };
    if (cdf(0) > tail + 1e-12) return null;
    var k = 1;
    while (k < Math.floor(n / 2) && cdf(k) <= tail + 1e-12) k++;
    return [k, n - k + 1, 1 - 2 * cdf(k - 1)];
  }

  /** [lo, hi]: the confidence interval of the median from order statistics;
   * [-Infinity, Infinity] when the sample is too small for one. */
  function median_ci(xs, confidence) {
    var orders = median_ci_orders(xs.length, confidence);
    if (orders === null) return [-Infinity, Infinity];
    var s = sortedCopy(xs);
    return [s[orders[0] - 1], s[orders[1] - 1]];
  }

  /** The fewest values for which median_ci is finite (6 at 95%). */
  function min_runs_for_ci(confidence) {
    var n = 1;
    while (median_ci_orders(n, confidence) === null) n++;
    return n;
  }

  /** How often the range [min, max] of n values holds the true median: 1 - 2/2^n. */
  function range_coverage(n) {
    return n >= 1 ? 1 - 2 * Math.pow(0.5, n) : 0;
  }

  /** The range [min, max] measured as ci_halfwidth_pct measures an interval. */
  function range_halfwidth_pct(xs) {
    if (xs.length === 0) return Infinity;
    var m = median(xs);
    if (m === 0) return Infinity;
    var s = sortedCopy(xs);
    return Math.max(s[s.length - 1] / m - 1, 1 - s[0] / m) * 100;
  }

  /** The larger side of the median's confidence interval, relative to the median, in %;
   * Infinity when the sample is too small for an interval or the median is 0. */
  function ci_halfwidth_pct(xs, confidence) {
    if (xs.length === 0) return Infinity;
    var ci = median_ci(xs, confidence);
    var m = median(xs);
    if (!Number.isFinite(ci[0]) || !Number.isFinite(ci[1]) || m === 0) return Infinity;
    return Math.max(ci[1] / m - 1, 1 - ci[0] / m) * 100;
  }

  // -- significance: Mann-Whitney U -----------------------------------------------------

  /** The smallest two-sided p-value the exact U test can give for n1 vs n2 values. */
  function utest_min_p(n1, n2) {
    if (n1 < 1 || n2 < 1) return 1;
    return Math.min(1, ratio(BigInt(2), comb(n1 + n2, n1)));
  }

  /** The fewest runs per side for which the U test can reach p < alpha (4 at 0.05). */
  function utest_min_n(alpha) {
    if (alpha === undefined) alpha = ALPHA;
    var n = 1;
    while (utest_min_p(n, n) > alpha) n++;
    return n;
  }

  /** Whether n1 vs n2 values get the exact null distribution. */
  function exact_feasible(n1, n2) {
    return comb(n1 + n2, n1) <= BigInt(EXACT_SPLITS);
  }

  /** Map of each distinct value to twice its 1-based mid-rank among `values`. */
  function _midranks2(values) {
    var ordered = sortedCopy(values);
    var out = new Map();
    var i = 0;
    while (i < ordered.length) {
      var j = i;
      while (j + 1 < ordered.length && ordered[j + 1] === ordered[i]) j++;
      out.set(ordered[i], i + j + 2);
      i = j + 1;
    }
    return out;
  }

  function rankSum2(ranks2, xs) {
    var t = 0;
    for (var i = 0; i < xs.length; i++) t += ranks2.get(xs[i]);
    return t;
  }

  /** Two-sided p of the U test from its exact permutation distribution, ties included:
   * a dynamic programme counts the subsets of n1 pooled values by their doubled
   * mid-rank sum. The counts are Numbers (Float64), exact while C(n1+n2, n1) < 2^53:
   * always on the exact branch (at most EXACT_SPLITS), and for 8 values against up to
   * about 340 on the large-sample one (numpy's int64 counts in Python overflow
   * themselves past about 8 against 900). */
  function permutation_p(a, b) {
    var n1 = a.length;
    var pooled = Array.from(a).concat(Array.from(b));
    var ranks2 = _midranks2(pooled);
    var items = pooled.map(function (v) { return ranks2.get(v); }).sort(numeric);
    var top = 0;
    for (var i = Math.max(0, items.length - n1); i < items.length; i++) top += items[i];
    // counts[k][s]: subsets of k of the values seen so far with doubled rank sum s.
    var counts = [];
    for (var k = 0; k <= n1; k++) counts.push(new Float64Array(top + 1));
    counts[0][0] = 1;
    items.forEach(function (r) {
      for (var kk = n1; kk >= 1; kk--) { // downwards: row kk-1 still holds the old counts
        var dst = counts[kk], src = counts[kk - 1];
        for (var s = r; s <= top; s++) dst[s] += src[s - r];
      }
    });
    var nullDist = counts[n1];
    var t = rankSum2(ranks2, a);
    var total = 0, lower = 0, upper = 0;
    for (var s2 = 0; s2 <= top; s2++) {
      total += nullDist[s2];
      if (s2 <= t) lower += nullDist[s2];
      if (s2 >= t) upper += nullDist[s2];
    }
    return Math.min(1, 2 * Math.min(lower, upper) / total);
  }

  /** The U test's p where counting every split is too costly, as scipy's
   * mannwhitneyu(method="auto"): exact without ties when a side has at most 8 values,
   * else the normal approximation with tie and continuity corrections. */
  function _large_sample_p(a, b, ties) {
    var n1 = a.length, n2 = b.length;
    if (!ties && Math.min(n1, n2) <= 8) {
      return n1 <= n2 ? permutation_p(a, b) : permutation_p(b, a);
    }
    var pooled = Array.from(a).concat(Array.from(b));
    var ranks2 = _midranks2(pooled);
    var u1 = rankSum2(ranks2, a) / 2 - n1 * (n1 + 1) / 2;
    var u = Math.max(u1, n1 * n2 - u1);
    var n = n1 + n2;
    var counts = new Map();
    pooled.forEach(function (v) { counts.set(v, (counts.get(v) || 0) + 1); });
    var tieTerm = 0;
    counts.forEach(function (t) { tieTerm += t * t * t - t; });
    var sd = Math.sqrt(n1 * n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1))));
    var z = (u - n1 * n2 / 2 - 0.5) / sd;
    return Math.min(1, Math.max(0, erfc(z / Math.sqrt(2)))); // 2 · sf(z) of N(0, 1)
  }

  /** Two-sided Mann-Whitney U test of a against b, as stats.mann_whitney: the UTest's
   * fields, with p null when even complete separation could not reach p < alpha. */
  function mann_whitney(a, b, alpha) {
    if (alpha === undefined) alpha = ALPHA;
    var n1 = a.length, n2 = b.length;
    var minP = utest_min_p(n1, n2);
    var distinct = new Set(Array.from(a).concat(Array.from(b))).size;
    var ties = distinct < n1 + n2;
    var p;
    if (minP > alpha) p = null;
    else if (distinct === 1) p = 1;
    else if (exact_feasible(n1, n2)) p = Math.max(permutation_p(a, b), minP);
    else p = Math.max(_large_sample_p(a, b, ties), minP);
    return {
      p: p, min_p: minP, alpha: alpha, n1: n1, n2: n2,
      too_few: minP > alpha,
      significant: p !== null && p < alpha,
    };
  }

  /** Geometric mean of positive values; NaN if any is <= 0 or there are none. The sum
   * of the logarithms adds left to right, as Python 3.11's sum() (3.12's compensates,
   * which can move the last bit). */
  function geomean(xs) {
    if (xs.length === 0) return NaN;
    var total = 0;
    for (var i = 0; i < xs.length; i++) {
      if (!(xs[i] > 0)) return NaN;
    }
    for (var j = 0; j < xs.length; j++) total += Math.log(xs[j]);
    return Math.exp(total / xs.length);
  }

  // -- A against B (profiler/analysis/twosample.py) ---------------------------------------

  /** The change of b against a in %: ±Infinity from a = 0, NaN when both are 0. */
  function change_pct(a, b) {
    if (a === 0) return b === 0 ? NaN : (b < 0 ? -Infinity : Infinity);
    return (b / a - 1) * 100;
  }

  /** change_pct, or null when a side has no value. */
  function change_of(a, b) {
    return a === null || a === undefined || b === null || b === undefined
      ? null : change_pct(a, b);
  }

  /** `+20.5%`, `+∞%`, `-∞%`, `n/a`; `-` when there is no change to show. */
  function change_text(pct) {
    if (pct === null || pct === undefined) return "-";
    if (Number.isNaN(pct)) return "n/a";
    if (pct === Infinity) return "+∞%";
    if (pct === -Infinity) return "-∞%";
    var s = pyFixed(pct, 1);
    return (s.charAt(0) === "-" ? s : "+" + s) + "%";
  }

  /** benchstat's delta column for a mann_whitney result and the change in %. */
  function verdict(test, pct) {
    if (test.too_few) return "too few runs";
    if (!test.significant) return "~";
    return change_text(pct);
  }

  /** `p=0.003`, `~ (p=0.45)`, or why there is no p-value. */
  function p_verdict(test, rounds) {
    if (test.too_few) {
      if (rounds) {
        return "too few rounds for a U test: " + test.n1 + " a side, " +
          utest_min_n(test.alpha) + " needed";
      }
      return "too few runs (" + utest_min_n(test.alpha) + " a side needed)";
    }
    if (test.significant) return "p=" + pyFixed(test.p, 3);
    return "~ (p=" + pyFixed(test.p, 2) + ")";
  }

  /** B's values against A's, as TwoSample.of: the test, the change of the medians
   * and the verdicts. */
  function two_sample(a, b, alpha) {
    var test = mann_whitney(a, b, alpha);
    var pct = change_of(a.length ? median(a) : null, b.length ? median(b) : null);
    return {
      test: test, change_pct: pct, change_text: change_text(pct),
      verdict: verdict(test, pct), p_verdict: p_verdict(test, false),
    };
  }

  window.bpstats = {
    CONFIDENCE: CONFIDENCE, ALPHA: ALPHA, EXACT_SPLITS: EXACT_SPLITS,
    median: median, mad: mad,
    median_ci_orders: median_ci_orders, median_ci: median_ci,
    min_runs_for_ci: min_runs_for_ci, range_coverage: range_coverage,
    range_halfwidth_pct: range_halfwidth_pct, ci_halfwidth_pct: ci_halfwidth_pct,
    utest_min_p: utest_min_p, utest_min_n: utest_min_n, exact_feasible: exact_feasible,
    _midranks2: _midranks2, permutation_p: permutation_p, _large_sample_p: _large_sample_p,
    mann_whitney: mann_whitney, geomean: geomean,
    change_pct: change_pct, change_of: change_of, change_text: change_text,
    verdict: verdict, p_verdict: p_verdict, two_sample: two_sample,
    erfc: erfc, pyFixed: pyFixed,
  };
})();
