"""The site's JavaScript statistics (profiler/report/site/static/stats.js) give the
figures and the words of profiler.stats and profiler.analysis.twosample.

One page loads stats.js from file://, as the site does, in headless Chromium
(tests/browser.py); seeded random samples of 1 to 15 runs a side (build times rounded to
1-4 decimals, so that ties occur, and unrounded ones, so that some have none) go through
both in a few batched calls. Every branch of the U test is reached and counted: too few
runs, identical values, the exact count over every split, scipy's exact branch beyond it
(no ties, a side of at most 8) and the normal approximation. Figures are compared
exactly where both sides do the same IEEE arithmetic; where a libm function enters
(erfc, log, exp) to a relative 1e-12 or tighter.
"""

from __future__ import annotations

import json
import math
import random
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import browser
import pytest

from profiler import stats
from profiler.analysis.twosample import TwoSample, change_pct, change_text
from profiler.model.cells import Sample

STATIC = Path(__file__).resolve().parents[1] / "profiler" / "report" / "site" / "static"
SEED = 20260523

# The page: stats.js from the package, and a harness that runs a batch of cases given
# as JSON and answers in JSON. Non-finite numbers and -0 travel as {"$num": "..."}:
# JSON has no Infinity or NaN, and JSON.stringify(-0) is "0".
HARNESS = """
function revive(k, v) {
  return v !== null && typeof v === "object" && "$num" in v ? Number(v.$num) : v;
}
function enc(k, v) {
  if (typeof v !== "number") return v;
  if (Object.is(v, -0)) return {$num: "-0"};
  return Number.isFinite(v) ? v : {$num: String(v)};
}
function summary(S, xs) {
  return {median: xs.length ? S.median(xs) : null, mad: S.mad(xs), ci: S.median_ci(xs),
          ci_pct: S.ci_halfwidth_pct(xs), range_pct: S.range_halfwidth_pct(xs),
          geomean: S.geomean(xs)};
}
var KINDS = {
  utest: function (S, c) {
    var t = S.two_sample(c.a, c.b, c.alpha);
    return {test: t.test, change_pct: t.change_pct, verdict: t.verdict,
            p_verdict: t.p_verdict, p_verdict_rounds: S.p_verdict(t.test, true),
            exact: S.exact_feasible(c.a.length, c.b.length),
            a: summary(S, c.a), b: summary(S, c.b)};
  },
  orders: function (S, c) { return S.median_ci_orders(c.n, c.confidence); },
  min_p: function (S, c) {
    return [S.utest_min_p(c.n1, c.n2), S.exact_feasible(c.n1, c.n2)];
  },
  min_n: function (S, c) { return S.utest_min_n(c.alpha); },
  text: function (S, c) {
    var x = c.x;
    return [S.change_text(x)].concat(
      typeof x === "number" && Number.isFinite(x)
        ? [S.pyFixed(x, 1), S.pyFixed(x, 2), S.pyFixed(x, 3)] : []);
  },
  change: function (S, c) { return S.change_pct(c.a, c.b); },
  erfc: function (S, c) { return S.erfc(c.x); },
  midranks: function (S, c) { return Array.from(S._midranks2(c.xs).entries()); },
  misc: function (S, c) {
    return [S.min_runs_for_ci(), S.min_runs_for_ci(0.99), S.range_coverage(c.n)];
  },
};
window.runCases = function (kind, payload) {
  var S = window.bpstats;
  var cases = JSON.parse(payload, revive);
  return JSON.stringify(cases.map(function (c) { return KINDS[kind](S, c); }), enc);
};
window.harnessReady = true;
"""


def _enc(v: Any) -> Any:
    if isinstance(v, float) and (not math.isfinite(v) or (v == 0 and math.copysign(1, v) < 0)):
        return {"$num": "-0" if v == 0 else {math.inf: "Infinity", -math.inf: "-Infinity"}
                .get(v, "NaN")}
    if isinstance(v, dict):
        return {k: _enc(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_enc(x) for x in v]
    return v


def _dec(obj: dict[str, Any]) -> Any:
    return float(obj["$num"]) if set(obj) == {"$num"} else obj


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    html = tmp_path_factory.mktemp("site") / "stats.html"
    html.write_text(f"""<!doctype html>
<html><head><meta charset="utf-8"><title>stats.js</title>
<script src="{(STATIC / 'stats.js').as_uri()}"></script>
<script>{HARNESS}</script></head><body><p>stats.js against profiler.stats</p></body></html>
""", encoding="utf-8")
    with browser.chromium() as driver:
        driver.get(html.as_uri())
        browser.wait_for(driver, "window.harnessReady && window.bpstats")
        yield driver


def run(driver: Any, kind: str, cases: list[dict[str, Any]]) -> list[Any]:
    out = driver.execute_script("return runCases(arguments[0], arguments[1]);", kind,
                                json.dumps(_enc(cases)))
    got = json.loads(out, object_hook=_dec)
    assert len(got) == len(cases)
    return got


def same(x: Any, y: Any) -> bool:
    """Equal, NaN equal to NaN, lists and dicts element by element."""
    if isinstance(x, float | int) and isinstance(y, float | int) and not isinstance(x, bool):
        return x == y or (math.isnan(x) and math.isnan(y))
    if isinstance(x, list | tuple) and isinstance(y, list | tuple):
        return len(x) == len(y) and all(same(a, b) for a, b in zip(x, y, strict=True))
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(same(x[k], y[k]) for k in x)
    return x == y


def close(x: float | None, y: float | None, rel: float) -> bool:
    if x is None or y is None or math.isnan(x) or math.isinf(x):
        return same(x, y)
    return math.isclose(x, y, rel_tol=rel, abs_tol=0)


def report(bad: list[Any]) -> str:
    return f"{len(bad)} mismatches, the first: " + "\n".join(map(repr, bad[:8]))


# -- the samples -----------------------------------------------------------------------------


def _values(rng: random.Random, n: int, base: float, decimals: int | None) -> list[float]:
    spread = rng.choice([0.005, 0.02, 0.05, 0.2])
    xs = [max(0.0, base * (1 + rng.gauss(0, spread))) for _ in range(n)]
    return xs if decimals is None else [round(x, decimals) for x in xs]


def utest_cases() -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    sizes = [(rng.randint(1, 15), rng.randint(1, 15)) for _ in range(900)]
    # Past the exact count (C(n1+n2, n1) > 200,000) and around its edge.
    sizes += [(12, 12), (9, 14), (14, 9), (8, 15), (15, 8), (11, 10), (10, 11), (13, 15),
              (8, 13), (10, 10), (11, 9), (9, 11), (4, 4), (3, 5), (1, 1)] * 40
    cases = []
    for n1, n2 in sizes:
        base = rng.choice([0.08, 0.4, 1.3, 7.5, 42.0])
        decimals = rng.choice([1, 2, 2, 3, 3, 4, None, None])
        shift = rng.choice([1.0, 1.0, 1.01, 1.03, 1.1, 1.5, 0.9])
        cases.append({"a": _values(rng, n1, base, decimals),
                      "b": _values(rng, n2, base * shift, decimals),
                      "alpha": rng.choice([0.05, 0.05, 0.05, 0.01, 0.1])})
    # Identical samples, one value throughout, medians of 0, an empty side.
    for n in (1, 3, 4, 6, 10, 12):
        xs = _values(rng, n, 2.0, 2)
        cases += [{"a": xs, "b": list(xs), "alpha": 0.05},
                  {"a": [1.5] * n, "b": [1.5] * (n + 1), "alpha": 0.05},
                  {"a": [0.0] * n, "b": [0.25] * n, "alpha": 0.05},
                  {"a": [0.0] * n, "b": [0.0] * (n - 1) + [0.5], "alpha": 0.05},
                  {"a": [-x for x in xs], "b": xs, "alpha": 0.05},
                  {"a": xs, "b": [], "alpha": 0.05}]
    # Larger samples: the exact branch with a side of 8 or fewer against up to 200,
    # and the approximation with and without ties.
    for n1, n2, decimals in [(8, 40, None), (3, 200, None), (40, 8, None), (6, 120, None),
                             (25, 30, 2), (40, 40, 1), (30, 30, None), (60, 45, 3)]:
        for _ in range(5):
            cases.append({"a": _values(rng, n1, 1.0, decimals),
                          "b": _values(rng, n2, rng.choice([1.0, 1.02]), decimals),
                          "alpha": 0.05})
    return cases


def branch(a: list[float], b: list[float], alpha: float) -> str:
    """Which way profiler.stats.mann_whitney_many takes for a pair."""
    n1, n2 = len(a), len(b)
    values = set(a) | set(b)
    if stats.utest_min_p(n1, n2) > alpha:
        return "too few"
    if len(values) == 1:
        return "one value"
    if stats.exact_feasible(n1, n2):
        return "exact, ties" if len(values) < n1 + n2 else "exact"
    if len(values) == n1 + n2 and min(n1, n2) <= 8:
        return "large, exact"
    return "normal, ties" if len(values) < n1 + n2 else "normal"


def _summary(xs: list[float]) -> dict[str, Any]:
    return {"median": stats.median(xs) if xs else None, "mad": stats.mad(xs),
            "ci": list(stats.median_ci(xs)), "ci_pct": stats.ci_halfwidth_pct(xs),
            "range_pct": stats.range_halfwidth_pct(xs), "geomean": stats.geomean(xs)}


# -- the tests -------------------------------------------------------------------------------


def test_u_test_verdicts_and_summaries_match_python(page: Any) -> None:
    cases = utest_cases()
    got = run(page, "utest", cases)
    seen: Counter[str] = Counter()
    bad = []
    for case, js in zip(cases, got, strict=True):
        a, b, alpha = case["a"], case["b"], case["alpha"]
        way = branch(a, b, alpha)
        ts = TwoSample.of(Sample(tuple(a)), Sample(tuple(b)), alpha=alpha)
        t = ts.test
        seen[way, t.significant] += 1
        want_test = {"p": t.p, "min_p": t.min_p, "alpha": t.alpha, "n1": t.n1, "n2": t.n2,
                     "too_few": t.too_few, "significant": t.significant}
        # p: exact where it is a count's ratio; through erfc, to a relative 1e-12.
        p_ok = (close(js["test"]["p"], t.p, 1e-12) if way.startswith("normal")
                else same(js["test"]["p"], t.p))
        others = {k: v for k, v in js["test"].items() if k != "p"}
        if not (p_ok and same(others, {k: v for k, v in want_test.items() if k != "p"})):
            bad.append((way, case, js["test"], want_test))
        strings = (js["verdict"], js["p_verdict"], js["p_verdict_rounds"])
        if strings != (ts.verdict, ts.p_verdict(), ts.p_verdict(rounds=True)):
            bad.append((way, case, strings, (ts.verdict, ts.p_verdict(), ts.p_verdict(True))))
        if not same(js["change_pct"], ts.change_pct) or js["exact"] != stats.exact_feasible(
                len(a), len(b)):
            bad.append((way, case, js["change_pct"], ts.change_pct))
        for side, xs in (("a", a), ("b", b)):
            want = _summary(xs)
            mine = js[side]
            if not (close(mine.pop("geomean"), want.pop("geomean"), 1e-14) and same(mine, want)):
                bad.append((way, side, xs, mine, want))
    assert bad == [], report(bad)
    # Every way through the test was taken, significant and not where both can happen.
    for way in ("exact", "exact, ties", "large, exact", "normal", "normal, ties"):
        assert seen[way, True] >= 10 and seen[way, False] >= 10, (way, seen)
    assert seen["too few", False] >= 100 and seen["one value", False] >= 6, seen


def test_median_ci_orders_match_python(page: Any) -> None:
    # Past n = 53 the binomial sums leave the doubles (BigInt in stats.js); Python's
    # exact sums make n in the hundreds slow, hence the few.
    cases = [{"n": n, "confidence": 0.95} for n in [*range(0, 161), 200, 256, 300]]
    cases += [{"n": n, "confidence": c} for c in (0.5, 0.9, 0.99, 0.999) for n in range(0, 121)]
    got = run(page, "orders", cases)
    bad = [(c, js) for c, js in zip(cases, got, strict=True)
           if not same(js, stats.median_ci_orders(c["n"], c["confidence"]))]
    assert bad == [], report(bad)
    assert got[10] == [2, 9, 1 - 2 * 11 / 1024]  # by hand (tests/test_stats.py)
    assert got[5] is None and got[6] == [1, 6, 1 - 2 / 64]


def test_min_p_min_n_and_exactness_bounds_match_python(page: Any) -> None:
    cases = [{"n1": n1, "n2": n2} for n1 in range(0, 41) for n2 in range(0, 41)]
    cases += [{"n1": 200, "n2": 190}, {"n1": 600, "n2": 600}]  # C(1200, 600) > 2^1000
    got = run(page, "min_p", cases)
    bad = [(c, js) for c, js in zip(cases, got, strict=True)
           if not same(js, [stats.utest_min_p(c["n1"], c["n2"]),
                            stats.exact_feasible(c["n1"], c["n2"])])]
    assert bad == [], report(bad)
    alphas = [0.05, 0.01, 0.1, 0.001, 0.2, 1e-6]
    assert run(page, "min_n", [{"alpha": a} for a in alphas]) == [
        stats.utest_min_n(a) for a in alphas]
    misc = run(page, "misc", [{"n": n} for n in range(0, 70)])
    assert misc == [[stats.min_runs_for_ci(), stats.min_runs_for_ci(0.99),
                     stats.range_coverage(n)] for n in range(0, 70)]


def _texts() -> list[float | None]:
    rng = random.Random(SEED + 1)
    xs: list[float | None] = [None, math.nan, math.inf, -math.inf, 0.0, -0.0, 5e-324, -5e-324,
                              0.05, -0.05, 0.04999, 0.25, -0.25, 0.125, 0.375, 0.0625, 2.675,
                              1.005, 99.95, 999.95, -99.95, 1e15, 1e21, 1.5e21, -2.5e22,
                              123456789012345678901234.0, 1e300, 9.999999999999999e20]
    xs += [rng.uniform(-100, 300) for _ in range(1500)]
    xs += [rng.uniform(-1, 1) * 10 ** rng.randint(-8, 8) for _ in range(500)]
    xs += [rng.random() for _ in range(500)]  # p-values
    # Exact binary ties at 1, 2 and 3 decimals: odd multiples of 2^-(d+1).
    xs += [rng.randrange(-4001, 4001, 2) / 2 ** rng.choice([2, 3, 4]) for _ in range(1500)]
    xs += [rng.randrange(1, 2001, 2) / 16000 for _ in range(200)]  # small ones: 0.0000625...
    # Decimal halfway look-alikes (12.35 is not a tie in binary).
    xs += [round(rng.uniform(-500, 500), 1) + 0.05 for _ in range(700)]
    xs += [round(rng.random(), 2) + 0.005 for _ in range(300)]
    xs += [round(rng.random(), 3) + 0.0005 for _ in range(300)]
    return xs


def test_change_text_and_python_number_format_match(page: Any) -> None:
    xs = _texts()
    got = run(page, "text", [{"x": x} for x in xs])
    bad = []
    ties = 0
    for x, js in zip(xs, got, strict=True):
        want = [change_text(x)]
        if x is not None and math.isfinite(x):
            want += [f"{x:.1f}", f"{x:.2f}", f"{x:.3f}"]
            ties += any(x * 2 ** (d + 1) % 2 == 1 for d in (1, 2, 3))
        if js != want:
            bad.append((x, js, want))
    assert bad == [], report(bad)
    assert ties > 1000  # the cases where JavaScript's toFixed rounds the other way
    assert got[xs.index(0.25)] == ["+0.2%", "0.2", "0.25", "0.250"]  # not toFixed's 0.3
    assert got[xs.index(0.125)][2] == "0.12" and got[xs.index(math.inf)] == ["+∞%"]


def test_change_pct_matches_python(page: Any) -> None:
    rng = random.Random(SEED + 2)
    pairs = [(rng.choice([0.0, -0.0, rng.uniform(0, 50), rng.uniform(-5, 5)]),
              rng.choice([0.0, -0.0, rng.uniform(0, 50), -rng.uniform(0, 5)]))
             for _ in range(1000)]
    got = run(page, "change", [{"a": a, "b": b} for a, b in pairs])
    bad = [(a, b, js) for (a, b), js in zip(pairs, got, strict=True)
           if not same(js, change_pct(a, b))]
    assert bad == [], report(bad)


def test_erfc_matches_math_erfc(page: Any) -> None:
    rng = random.Random(SEED + 3)
    xs = [i / 64 for i in range(-6 * 64, 28 * 64)] + [rng.uniform(-6, 27) for _ in range(3000)]
    xs += [0.0, -0.0, 1e-20, 0.46875, -0.46875, 4.0, -4.0, 26.5, 26.543, 40.0, -40.0,
           math.inf, -math.inf, math.nan]
    got = run(page, "erfc", [{"x": x} for x in xs])
    normal = [(x, js) for x, js in zip(xs, got, strict=True)
              if math.isfinite(x) and math.erfc(x) >= sys.float_info.min]
    worst = max((abs(js / math.erfc(x) - 1), x) for x, js in normal)
    assert worst[0] < 1e-14, worst
    # Down among the subnormals, to a few of their steps; 0 and 2 at the ends; NaN.
    tails = [(x, js, math.erfc(x)) for x, js in zip(xs, got, strict=True)
             if (x, js) not in normal and not same(js, math.erfc(x))
             and not abs(js - math.erfc(x)) <= 1e-320]
    assert tails == []
    print(f"erfc: worst relative difference {worst[0]:.2g} (at {worst[1]})")


def test_midranks_match_python(page: Any) -> None:
    rng = random.Random(SEED + 4)
    samples = [[round(rng.uniform(0, 3), 1) for _ in range(rng.randint(1, 30))]
               for _ in range(200)]
    got = run(page, "midranks", [{"xs": xs} for xs in samples])
    for xs, js in zip(samples, got, strict=True):
        assert dict(js) == stats._midranks2(xs)



def test_the_page_logged_no_errors(page: Any) -> None:
    """Last in the module: nothing above made the page log an error or throw."""
    assert browser.console_errors(page) == []
