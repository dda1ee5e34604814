"""JSON, CSV and Markdown renderers for history, runs, comparisons and exports.

Renderers take data and a text stream and return nothing. JSON never holds
NaN or Infinity (not JSON): such values become null. `hyperfine_results` is the
export format: hyperfine's `results[]` fields, with buildprof's beside them.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from typing import Any, TextIO

from profiler.report.format import seconds, size
from profiler.stats import min_runs_for_ci, stddev

FORMATS = ("table", "json", "csv", "markdown")


def clean(obj: Any) -> Any:
    """`obj` with non-finite floats replaced by None and tuples by lists."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [clean(v) for v in obj]
    return obj


def write_json(obj: Any, out: TextIO) -> None:
    json.dump(clean(obj), out, indent=2, default=str, allow_nan=False)
    out.write("\n")


def write_csv(rows: Sequence[dict[str, Any]], fields: Sequence[str], out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=list(fields), extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in clean(row).items()})


def _md_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def write_markdown(rows: Sequence[dict[str, Any]], fields: Sequence[str], out: TextIO,
                   headers: Sequence[str] | None = None,
                   right: Sequence[str] = ()) -> None:
    """A GitHub-flavoured Markdown table; columns named in `right` are right-aligned."""
    heads = list(headers or fields)
    out.write("| " + " | ".join(_md_cell(h) for h in heads) + " |\n")
    out.write("|" + "|".join("---:" if f in right else "---" for f in fields) + "|\n")
    for row in rows:
        out.write("| " + " | ".join(_md_cell(row.get(f)) for f in fields) + " |\n")


def _fmt_s(x: float | None) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return seconds(x)


def ci_text(pct: float) -> str:
    """± of a median's 95% CI, as benchstat prints it."""
    if not math.isfinite(pct):
        return "± ∞"
    return f"± {pct:.1f}%" if pct < 10 else f"± {pct:.0f}%"


def scenario_text(c: dict[str, Any]) -> str:
    text = c["scenario"] + (f" ({c['edit']})" if c.get("edit") else "")
    return text + (f" -j{c['jobs']}" if c.get("jobs") else "")


# -- history -------------------------------------------------------------------------

HISTORY_FIELDS = ("session", "date", "label", "project", "lang", "toolchain", "scenario",
                  "edit", "profile", "jobs", "machine", "n", "failed", "wall_median",
                  "wall_mad", "wall_ci_low", "wall_ci_high", "wall_ci_pct", "wall_min",
                  "wall_max", "wall_mean", "user_mean", "sys_mean", "cpu_util_median",
                  "peak_rss_median", "tree_peak_rss_median", "artifact_bytes",
                  "content_hash")


def history_json(cells: Sequence[dict[str, Any]], out: TextIO) -> None:
    write_json({"cells": [{k: c.get(k) for k in (*HISTORY_FIELDS, "times")} for c in cells]},
               out)


def history_csv(cells: Sequence[dict[str, Any]], out: TextIO) -> None:
    write_csv(cells, HISTORY_FIELDS, out)


def _history_md_row(c: dict[str, Any]) -> dict[str, Any]:
    return {**c, "date": (c.get("date") or "")[:16].replace("T", " "),
            "scenario": scenario_text(c),
            "median": f"{_fmt_s(c['wall_median'])} ± {_fmt_s(c['wall_mad'])}"
                      if c["n"] else "-",
            "ci": ci_text(c["wall_ci_pct"]) if c["n"] else "-",
            "n": f"{c['n']}" + (f" ({c['failed']} failed)" if c["failed"] else ""),
            "peak": size(c.get("peak_rss_median"))}


def history_markdown(cells: Sequence[dict[str, Any]], out: TextIO) -> None:
    fields = ("session", "date", "label", "project", "toolchain", "scenario", "profile",
              "machine", "n", "median", "ci", "peak")
    heads = ("session", "date (UTC)", "label", "project", "toolchain", "scenario", "profile",
             "machine", "n", "wall median ± MAD", "95% CI", "peak RSS")
    write_markdown([_history_md_row(c) for c in cells], fields, out, heads,
                   right=("session", "n", "median", "ci", "peak"))


# -- individual runs -----------------------------------------------------------------

RUN_FIELDS = ("id", "session_id", "started", "label", "project", "lang", "toolchain",
              "scenario", "edit", "profile", "jobs", "machine", "iteration", "warmup",
              "status", "wall_s", "user_s", "sys_s", "cpu_util", "peak_rss_bytes",
              "tree_peak_rss_bytes", "processes", "exit_code", "artifact_bytes",
              "rebuilt_units", "content_hash", "disturbed", "command")


def runs_json(runs: Sequence[dict[str, Any]], out: TextIO) -> None:
    write_json({"runs": [{k: r.get(k) for k in RUN_FIELDS} for r in runs]}, out)


def runs_csv(runs: Sequence[dict[str, Any]], out: TextIO) -> None:
    write_csv(runs, RUN_FIELDS, out)


def runs_markdown(runs: Sequence[dict[str, Any]], out: TextIO) -> None:
    rows = [{**r, "scenario": scenario_text(r), "wall": _fmt_s(r["wall_s"]),
             "peak": size(r.get("peak_rss_bytes")),
             "kind": "warm-up" if r["warmup"] else str(r["iteration"])} for r in runs]
    fields = ("id", "session_id", "started", "project", "toolchain", "scenario", "profile",
              "kind", "status", "wall", "peak")
    heads = ("run", "session", "started (UTC)", "project", "toolchain", "scenario", "profile",
             "run #", "status", "wall", "peak RSS")
    write_markdown(rows, fields, out, heads, right=("id", "session_id", "wall", "peak"))


# -- export: hyperfine-compatible ----------------------------------------------------


def hyperfine_result(c: dict[str, Any]) -> dict[str, Any]:
    """One session × cell as one hyperfine result: hyperfine's fields first
    (times in seconds; `memory_usage_byte` the peak RSS of each run, which is
    what hyperfine records), then buildprof's."""
    times = list(c["times"])
    return {
        "command": c.get("command") or "",
        "mean": c["wall_mean"],
        "stddev": stddev(times),
        "median": c["wall_median"],
        "user": c["user_mean"],
        "system": c["sys_mean"],
        "min": c["wall_min"], "max": c["wall_max"],
        "times": times,
        "memory_usage_byte": list(c["peak_rss_bytes"]),
        "exit_codes": list(c["exit_codes"]),
        # buildprof's own fields
        "name": f"{c['project']} {c['toolchain']} {scenario_text(c)} {c['profile']}",
        "project": c["project"], "lang": c["lang"], "content_hash": c["content_hash"],
        "loc": c.get("loc"),
        "scenario": c["scenario"], "edit": c.get("edit"), "profile": c["profile"],
        "jobs": c.get("jobs"), "toolchain": c["toolchain"],
        "toolchain_version": c.get("toolchain_version"),
        "machine": c["machine"], "machine_id": c["machine_id"],
        "session": c["session"], "label": c.get("label"), "date": c.get("date"),
        "n": c["n"], "failed": c["failed"], "statuses": list(c["statuses"]),
        "median_ci_low": c["wall_ci_low"], "median_ci_high": c["wall_ci_high"],
        "median_ci_pct": c["wall_ci_pct"],
        "mad": c["wall_mad"], "cpu_util_median": c.get("cpu_util_median"),
        "peak_rss_bytes": c.get("peak_rss_median"),
        "tree_peak_rss_bytes": c.get("tree_peak_rss_median"),
        "tree_peak_rss_byte_runs": list(c["tree_peak_rss_bytes"]),
        "artifact_bytes": c.get("artifact_bytes"),
    }


def hyperfine_results(cells: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {"results": [hyperfine_result(c) for c in cells]}


EXPORT_CSV_FIELDS = ("command", "mean", "stddev", "median", "user", "system", "min", "max",
                     "name", "project", "lang", "scenario", "edit", "profile", "jobs",
                     "toolchain", "machine", "session", "label", "date", "n", "failed",
                     "median_ci_low", "median_ci_high", "peak_rss_bytes",
                     "tree_peak_rss_bytes", "artifact_bytes", "content_hash")


def export(cells: Sequence[dict[str, Any]], fmt: str, out: TextIO) -> None:
    """`buildprof export`: hyperfine JSON; CSV with hyperfine's leading columns
    (command, mean, stddev, median, user, system, min, max); Markdown as hyperfine's
    table (mean ± σ, min, max) with the cell named."""
    data = hyperfine_results(cells)
    if fmt == "json":
        write_json(data, out)
    elif fmt == "csv":
        write_csv(data["results"], EXPORT_CSV_FIELDS, out)
    else:
        rows = [{**r, "cell": r["name"],
                 "mean": (f"{_fmt_s(r['mean'])} ± {_fmt_s(r['stddev'])}"
                          if r["stddev"] is not None else _fmt_s(r["mean"])),
                 "median": _fmt_s(r["median"]), "min": _fmt_s(r["min"]),
                 "max": _fmt_s(r["max"]), "peak": size(r["peak_rss_bytes"])}
                for r in data["results"]]
        write_markdown(rows, ("cell", "session", "n", "mean", "median", "min", "max", "peak"),
                       out, ("cell", "session", "n", "mean ± σ", "median", "min", "max",
                             "peak RSS"),
                       right=("session", "n", "mean", "median", "min", "max", "peak"))


# -- compare -------------------------------------------------------------------------


def value_text(x: float, unit: str) -> str:
    """A median with four significant figures, enough to see a 1% change."""
    if not math.isfinite(x):
        return "-"
    if unit == "B":
        return size(x)
    if x < 10:
        return f"{x:.3f} s"
    return f"{x:.2f} s" if x < 100 else f"{x:.1f} s"


def compare_dict(result: Any) -> dict[str, Any]:
    """A Comparison as plain data (for JSON)."""
    def sample(s: Any) -> dict[str, Any]:
        return {"n": s.n, "median": s.median, "ci_low": s.ci_low, "ci_high": s.ci_high,
                "ci_pct": s.ci_pct, "values": list(s.values), "toolchains": list(s.toolchains),
                "machines": list(s.machines), "sessions": list(s.sessions)}

    return {
        "a": {"text": result.a.text, "kind": result.a.kind},
        "b": {"text": result.b.text, "kind": result.b.kind},
        "metric": result.metric, "unit": result.unit, "alpha": result.alpha,
        "cells": [{"project": c.project, "lang": c.lang, "content_hash": c.content_hash,
                   "scenario": c.scenario, "edit": c.edit, "profile": c.profile,
                   "jobs": c.jobs, "a": sample(c.a), "b": sample(c.b),
                   "change_pct": c.change_pct, "p": c.p, "min_p": c.min_p,
                   "significant": c.significant, "verdict": c.verdict,
                   "note": c.too_few_text if c.too_few else None} for c in result.cells],
        "geomean": {"a": result.geomean_a, "b": result.geomean_b,
                    "change_pct": result.geomean_change_pct},
        "only_a": result.only_a, "only_b": result.only_b, "refused": result.refused,
        "cross_machine": result.cross_machine,
    }


COMPARE_CSV_FIELDS = ("project", "lang", "scenario", "edit", "profile", "jobs",
                      "a_toolchain", "b_toolchain", "a_n", "a_median", "a_ci_low",
                      "a_ci_high", "b_n", "b_median", "b_ci_low", "b_ci_high", "change_pct",
                      "p", "verdict", "note")


def compare_rows(result: Any) -> list[dict[str, Any]]:
    """One flat row per cell, then the geomean row."""
    rows = []
    for c in result.cells:
        rows.append({"project": c.project, "lang": c.lang, "scenario": c.scenario,
                     "edit": c.edit, "profile": c.profile, "jobs": c.jobs,
                     "a_toolchain": ", ".join(c.a.toolchains),
                     "b_toolchain": ", ".join(c.b.toolchains),
                     "a_n": c.a.n, "a_median": c.a.median, "a_ci_low": c.a.ci_low,
                     "a_ci_high": c.a.ci_high, "a_ci_pct": c.a.ci_pct,
                     "b_n": c.b.n, "b_median": c.b.median, "b_ci_low": c.b.ci_low,
                     "b_ci_high": c.b.ci_high, "b_ci_pct": c.b.ci_pct,
                     "change_pct": c.change_pct, "p": c.p, "verdict": c.verdict,
                     "note": c.too_few_text if c.too_few else None})
    rows.append({"project": "geomean", "a_median": result.geomean_a,
                 "b_median": result.geomean_b, "change_pct": result.geomean_change_pct})
    return rows


def compare_csv(result: Any, out: TextIO) -> None:
    write_csv(compare_rows(result), COMPARE_CSV_FIELDS, out)


def compare_markdown(result: Any, out: TextIO) -> None:
    from profiler.compare import change_text

    unit = result.unit
    rows = []
    for r in compare_rows(result):
        geo = r["project"] == "geomean"
        cell = "geomean" if geo else (
            f"{r['project']} ({r['lang']}) {scenario_text(r)} {r['profile']}")
        rows.append({
            "cell": cell,
            "a": value_text(r["a_median"], unit) + ("" if geo else f" {ci_text(r['a_ci_pct'])}"),
            "an": "" if geo else r["a_n"],
            "b": value_text(r["b_median"], unit) + ("" if geo else f" {ci_text(r['b_ci_pct'])}"),
            "bn": "" if geo else r["b_n"],
            "change": change_text(r["change_pct"]),  # +∞% from a median of 0, n/a for 0 → 0
            "p": "" if geo or r["p"] is None else f"{r['p']:.3f}",
            "verdict": "" if geo else r["verdict"],
        })
    write_markdown(rows, ("cell", "a", "an", "b", "bn", "change", "p", "verdict"), out,
                   ("cell", f"A: {result.a.title}", "n", f"B: {result.b.title}", "n",
                    "change", "p", "verdict"),
                   right=("a", "an", "b", "bn", "change", "p", "verdict"))
    for note in compare_notes(result):
        out.write(f"\n{note}\n")


def compare_notes(result: Any) -> list[str]:
    """The lines under a comparison: too-few-runs explanations, refused cells,
    cells measured on one side only."""
    notes = list(dict.fromkeys(c.too_few_text for c in result.cells if c.too_few))
    if any(not math.isfinite(c.a.ci_pct) or not math.isfinite(c.b.ci_pct)
           for c in result.cells):
        notes.append(f"± ∞: a 95% confidence interval of the median needs ≥"
                     f"{min_runs_for_ci()} runs")
    notes += result.refused
    if result.cross_machine:
        notes.append("warning: runs from different machines were pooled "
                     "(--allow-cross-machine)")
    for side, cells in ((result.a, result.only_a), (result.b, result.only_b)):
        if cells:
            shown = "; ".join(cells[:5]) + (f"; … {len(cells) - 5} more" if len(cells) > 5
                                              else "")
            notes.append(f"only in {side.title} (not compared): {shown}")
    return notes
