"""Summary statistics: pure functions, each naming its method.

Kept free of I/O and of third-party imports at module level; scipy is
imported lazily by the functions that need it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import median


def mad(xs: Sequence[float]) -> float:
    """Median absolute deviation (unscaled), the spread hyperfine and
    benchstat pair with the median."""
    if not xs:
        return math.nan
    m = median(xs)
    return median(abs(x - m) for x in xs)


def summarize(xs: Sequence[float]) -> dict[str, float]:
    """median, MAD, min, max, mean and n of a sample."""
    if not xs:
        return {"n": 0, "median": math.nan, "mad": math.nan, "min": math.nan,
                "max": math.nan, "mean": math.nan}
    return {"n": len(xs), "median": median(xs), "mad": mad(xs), "min": min(xs),
            "max": max(xs), "mean": sum(xs) / len(xs)}


CELL_KEYS = ("project", "lang", "toolchain", "scenario", "profile", "jobs", "edit")


def cell_summaries(runs: Sequence[dict]) -> list[dict]:
    """Group run rows (as stored) into cells and summarise each.

    Warm-up runs are left out. A cell's figures come from its successful runs;
    `failed` counts the others (failed builds and timeouts).
    """
    groups: dict[tuple, list[dict]] = {}
    for run in runs:
        if run.get("warmup"):
            continue
        groups.setdefault(tuple(run.get(k) for k in CELL_KEYS), []).append(run)
    out = []
    for key, rows in groups.items():
        ok = [r for r in rows if r["status"] == "ok"]
        wall = summarize([r["wall_s"] for r in ok])
        cpu = [r["user_s"] + r["sys_s"] for r in ok]
        arts = [r["artifact_bytes"] for r in ok if r.get("artifact_bytes") is not None]
        out.append({
            **dict(zip(CELL_KEYS, key, strict=True)),
            "n": wall["n"], "failed": len(rows) - len(ok),
            "statuses": sorted({r["status"] for r in rows}),
            "wall_median": wall["median"], "wall_mad": wall["mad"],
            "wall_min": wall["min"], "wall_max": wall["max"], "wall_mean": wall["mean"],
            "cpu_median": median(cpu) if cpu else math.nan,
            "cpu_util_median": median([r["cpu_util"] for r in ok]) if ok else math.nan,
            "peak_rss_median": median([r["peak_rss_bytes"] for r in ok]) if ok else math.nan,
            "tree_peak_rss_median": (median([r["tree_peak_rss_bytes"] for r in ok])
                                     if ok else math.nan),
            "artifact_bytes": median(arts) if arts else None,
            "loc": rows[0].get("loc"),
        })
    return out
