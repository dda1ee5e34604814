"""All the tabular output: JSON, CSV and Markdown of history, runs, exports and
comparisons, and the gap report's JSON.

Renderers take data (CellSummary, Comparison, GapReport, run rows) and a text
stream and return nothing. JSON never holds NaN or Infinity (not JSON): `clean`,
the one scrubber every JSON and CSV writer goes through, makes them null.
`markdown_table` is the one Markdown table writer (the gap report's Markdown uses
it too). `hyperfine_results` is the export format: hyperfine's `results[]`
fields, with buildprof's beside them.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Collection, Sequence
from dataclasses import asdict, fields
from typing import TYPE_CHECKING, Any, TextIO

from profiler.analysis.compare import LOAD_METRICS, CellComparison, Comparison, change_text
from profiler.analysis.wording import CLAIM, RULE, caveats, seconds, size
from profiler.model.cells import CellKey, CellSummary
from profiler.stats import min_runs_for_ci

# Annotations only: history and export import this module and need no gap analysis.
if TYPE_CHECKING:
    from profiler.analysis.own import ProjectSection, ProjectsReport, Trend
    from profiler.analysis.records import GapReport, Pair

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


def markdown_table(heads: Sequence[str], rows: Sequence[Sequence[Any]], out: TextIO,
                   right: Collection[int] = ()) -> None:
    """A GitHub-flavoured Markdown table; the columns whose index is in `right` are
    right-aligned. None shows as an empty cell."""
    out.write("| " + " | ".join(_md_cell(h) for h in heads) + " |\n")
    out.write("|" + "|".join("---:" if i in right else "---" for i in range(len(heads)))
              + "|\n")
    for row in rows:
        out.write("| " + " | ".join(_md_cell(v) for v in row) + " |\n")


def _fmt_s(x: float | None) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return seconds(x)


def ci_text(pct: float) -> str:
    """± of a median's 95% CI, as benchstat prints it."""
    if not math.isfinite(pct):
        return "± ∞"
    return f"± {pct:.1f}%" if pct < 10 else f"± {pct:.0f}%"


def date_text(iso: str | None) -> str:
    """An ISO date-time to the minute: `2026-11-20 10:01`."""
    return (iso or "")[:16].replace("T", " ")


# -- history -------------------------------------------------------------------------

HISTORY_FIELDS = ("session", "date", "label", "project", "lang", "toolchain", "scenario",
                  "edit", "profile", "jobs", "machine", "n", "failed", "wall_median",
                  "wall_mad", "wall_ci_low", "wall_ci_high", "wall_ci_pct", "wall_min",
                  "wall_max", "wall_mean", "user_mean", "sys_mean", "cpu_util_median",
                  "peak_rss_median", "tree_peak_rss_median", "artifact_bytes",
                  "content_hash", "variant")  # variant: a `tune` knob, else baseline (last:
                                              # the columns before it keep their places)


def history_row(c: CellSummary) -> dict[str, Any]:
    """A history cell as one flat row of HISTORY_FIELDS."""
    k, wall = c.key, c.wall
    return {"session": c.session, "date": c.date, "label": c.label, "project": k.project,
            "lang": k.lang, "toolchain": k.toolchain, "scenario": k.scenario, "edit": k.edit,
            "profile": k.profile, "jobs": k.jobs, "variant": k.variant, "machine": c.machine,
            "n": c.n,
            "failed": c.failed, "wall_median": wall.median, "wall_mad": wall.mad,
            "wall_ci_low": wall.ci_low, "wall_ci_high": wall.ci_high,
            "wall_ci_pct": wall.ci_pct, "wall_min": wall.min, "wall_max": wall.max,
            "wall_mean": wall.mean, "user_mean": c.user.mean, "sys_mean": c.sys.mean,
            "cpu_util_median": c.cpu_util.median, "peak_rss_median": c.peak_rss.median,
            "tree_peak_rss_median": c.tree_peak_rss.median,
            "artifact_bytes": c.artifact_bytes, "content_hash": c.content_hash}


# A load cell (queries.load_cells): `buildprof payoff`'s rounds of one session,
# project, toolchain and connection count.
LOAD_FIELDS = ("session", "date", "label", "project", "lang", "toolchain", "connections",
               "profile", "machine", "n", "failed", "requests_per_s_median", "p50_ms_median",
               "p99_ms_median", "errors", "server_peak_rss_median", "content_hash")
# The columns the history CSV gains when load cells are in it (after HISTORY_FIELDS).
LOAD_CSV_EXTRA = tuple(f for f in LOAD_FIELDS if f not in HISTORY_FIELDS)
LOAD_TITLE = "Load runs (buildprof payoff)"


def history_json(cells: Sequence[CellSummary], out: TextIO,
                 load_cells: Sequence[dict[str, Any]] = ()) -> None:
    """`{"cells": [...], "load_cells": [...]}`: the build cells as before (each a
    HISTORY_FIELDS row with its `times`), and the load cells of `buildprof payoff`
    under their own key (each a LOAD_FIELDS row with its rounds' `requests_per_s`;
    `n` counts the successful rounds), an empty list when there are none. A reader
    of `cells` sees what it always did."""
    write_json({"cells": [{**history_row(c), "times": c.wall.values} for c in cells],
                "load_cells": [{**{k: lc.get(k) for k in LOAD_FIELDS},
                                "requests_per_s": lc.get("requests_per_s", [])}
                               for lc in load_cells]}, out)


def history_csv(cells: Sequence[CellSummary], out: TextIO,
                load_cells: Sequence[dict[str, Any]] = ()) -> None:
    """One row per build cell (HISTORY_FIELDS). With load cells, the header gains
    LOAD_CSV_EXTRA (connections, requests/s, p50, p99, errors, server peak RSS) and
    each load cell is a row with `scenario` = `load` (`n`: successful rounds), after
    the build cells; without them the CSV is exactly as before."""
    if not load_cells:
        write_csv([history_row(c) for c in cells], HISTORY_FIELDS, out)
        return
    rows = [history_row(c) for c in cells]
    rows += [{**{k: lc.get(k) for k in LOAD_FIELDS}, "scenario": "load"} for lc in load_cells]
    write_csv(rows, (*HISTORY_FIELDS, *LOAD_CSV_EXTRA), out)


def n_text(c: CellSummary) -> str:
    """n, and how many runs failed: `5 (1 failed)`."""
    return f"{c.n}" + (f" ({c.failed} failed)" if c.failed else "")


def history_markdown(cells: Sequence[CellSummary], out: TextIO,
                     load_cells: Sequence[dict[str, Any]] = ()) -> None:
    """The build cells' table, then, when there are load cells, a heading
    LOAD_TITLE and theirs (the build table is left out when it would be empty)."""
    heads = ("session", "date (UTC)", "label", "project", "toolchain", "scenario", "profile",
             "machine", "n", "wall median ± MAD", "95% CI", "peak RSS")
    rows = [[c.session, date_text(c.date), c.label, c.key.project, c.key.toolchain,
             c.key.scenario_text, c.key.profile, c.machine, n_text(c),
             f"{_fmt_s(c.wall.median)} ± {_fmt_s(c.wall.mad)}" if c.n else "-",
             ci_text(c.wall.ci_pct) if c.n else "-", size(c.peak_rss.median)] for c in cells]
    if cells or not load_cells:
        markdown_table(heads, rows, out, right=(0, 8, 9, 10, 11))
    if load_cells:
        out.write(f"\n### {LOAD_TITLE}\n\n" if cells else f"### {LOAD_TITLE}\n\n")
        markdown_table(LOAD_HEADS, [load_columns(lc) for lc in load_cells], out,
                       right=(0, 6, 7, 8, 9, 10, 11, 12))
        out.write(f"\n{LOAD_NOTE}\n")


# The load cells' columns, in every table that shows them (terminal and Markdown).
LOAD_HEADS = ("session", "date (UTC)", "label", "project", "toolchain", "machine",
              "connections", "rounds", "req/s", "p50", "p99", "errors", "server RSS")
LOAD_NOTE = ("req/s, p50, p99 and server RSS (peak): medians over the successful rounds; "
             "errors: summed over every round")


def rounds_text(lc: dict[str, Any]) -> str:
    """Successful rounds, and how many failed: `5 (1 failed)`."""
    return f"{lc['n']}" + (f" ({lc['failed']} failed)" if lc.get("failed") else "")


def rps_text(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:,.0f}" if x >= 100 else f"{x:.2f}"


def ms_text(x: float | None) -> str:
    """Milliseconds with about four significant figures: `0.412 ms`, `12.35 ms`."""
    if x is None or not math.isfinite(x):
        return "-"
    if x < 10:
        return f"{x:.3f} ms"
    return f"{x:.2f} ms" if x < 100 else f"{x:.1f} ms"


def load_columns(lc: dict[str, Any]) -> list[str]:
    """A load cell as the LOAD_HEADS columns' text."""
    return [str(lc["session"]), date_text(lc.get("date")), lc.get("label") or "",
            lc.get("project") or "", lc.get("toolchain") or "",
            lc.get("machine") or "", str(lc["connections"]), rounds_text(lc),
            rps_text(lc.get("requests_per_s_median")), ms_text(lc.get("p50_ms_median")),
            ms_text(lc.get("p99_ms_median")), str(lc.get("errors") or 0),
            size(lc.get("server_peak_rss_median"))]


# -- individual runs -----------------------------------------------------------------

RUN_FIELDS = ("id", "session_id", "started", "label", "project", "lang", "toolchain",
              "scenario", "edit", "profile", "jobs", "machine", "iteration", "warmup",
              "status", "wall_s", "user_s", "sys_s", "cpu_util", "peak_rss_bytes",
              "tree_peak_rss_bytes", "processes", "exit_code", "artifact_bytes",
              "rebuilt_units", "content_hash", "disturbed", "command", "variant")


def runs_json(runs: Sequence[dict[str, Any]], out: TextIO) -> None:
    write_json({"runs": [{k: r.get(k) for k in RUN_FIELDS} for r in runs]}, out)


def runs_csv(runs: Sequence[dict[str, Any]], out: TextIO) -> None:
    write_csv(runs, RUN_FIELDS, out)


def runs_markdown(runs: Sequence[dict[str, Any]], out: TextIO) -> None:
    heads = ("run", "session", "started (UTC)", "project", "toolchain", "scenario", "profile",
             "run #", "status", "wall", "peak RSS")
    rows = [[r["id"], r["session_id"], r["started"], r["project"], r["toolchain"],
             CellKey.of(r).scenario_text, r["profile"],
             "warm-up" if r["warmup"] else str(r["iteration"]), r["status"],
             _fmt_s(r["wall_s"]), size(r.get("peak_rss_bytes"))] for r in runs]
    markdown_table(heads, rows, out, right=(0, 1, 9, 10))


# -- export: hyperfine-compatible ----------------------------------------------------


def hyperfine_result(c: CellSummary) -> dict[str, Any]:
    """One session × cell as one hyperfine result: hyperfine's fields first
    (times in seconds; `memory_usage_byte` the peak RSS of each run, which is
    what hyperfine records), then buildprof's."""
    k, wall = c.key, c.wall
    return {
        "command": c.command or "",
        "mean": wall.mean,
        "stddev": wall.stddev,
        "median": wall.median,
        "user": c.user.mean,
        "system": c.sys.mean,
        "min": wall.min, "max": wall.max,
        "times": wall.values,
        "memory_usage_byte": c.per_run("peak_rss_bytes"),
        "exit_codes": c.exit_codes,
        # buildprof's own fields
        "name": f"{k.project} {k.toolchain} {k.scenario_text} {k.profile}",
        "project": k.project, "lang": k.lang, "content_hash": c.content_hash, "loc": c.loc,
        "scenario": k.scenario, "edit": k.edit, "profile": k.profile, "jobs": k.jobs,
        "toolchain": k.toolchain, "toolchain_version": c.toolchain_version,
        "machine": c.machine, "machine_id": c.machine_id,
        "session": c.session, "label": c.label, "date": c.date,
        "n": c.n, "failed": c.failed, "statuses": c.statuses,
        "median_ci_low": wall.ci_low, "median_ci_high": wall.ci_high,
        "median_ci_pct": wall.ci_pct,
        "mad": wall.mad, "cpu_util_median": c.cpu_util.median,
        "peak_rss_bytes": c.peak_rss.median,
        "tree_peak_rss_bytes": c.tree_peak_rss.median,
        "tree_peak_rss_byte_runs": c.per_run("tree_peak_rss_bytes"),
        "artifact_bytes": c.artifact_bytes,
    }


def hyperfine_results(cells: Sequence[CellSummary]) -> dict[str, Any]:
    return {"results": [hyperfine_result(c) for c in cells]}


EXPORT_CSV_FIELDS = ("command", "mean", "stddev", "median", "user", "system", "min", "max",
                     "name", "project", "lang", "scenario", "edit", "profile", "jobs",
                     "toolchain", "machine", "session", "label", "date", "n", "failed",
                     "median_ci_low", "median_ci_high", "peak_rss_bytes",
                     "tree_peak_rss_bytes", "artifact_bytes", "content_hash")


def export(cells: Sequence[CellSummary], fmt: str, out: TextIO) -> None:
    """`buildprof export`: hyperfine JSON; CSV with hyperfine's leading columns
    (command, mean, stddev, median, user, system, min, max); Markdown as hyperfine's
    table (mean ± σ, min, max) with the cell named."""
    data = hyperfine_results(cells)
    if fmt == "json":
        write_json(data, out)
    elif fmt == "csv":
        write_csv(data["results"], EXPORT_CSV_FIELDS, out)
    else:
        rows = [[r["name"], r["session"], r["n"],
                 (f"{_fmt_s(r['mean'])} ± {_fmt_s(r['stddev'])}"
                  if r["stddev"] is not None else _fmt_s(r["mean"])),
                 _fmt_s(r["median"]), _fmt_s(r["min"]), _fmt_s(r["max"]),
                 size(r["peak_rss_bytes"])] for r in data["results"]]
        markdown_table(("cell", "session", "n", "mean ± σ", "median", "min", "max",
                        "peak RSS"), rows, out, right=range(1, 8))


# -- compare -------------------------------------------------------------------------


def value_text(x: float, unit: str) -> str:
    """A median with four significant figures, enough to see a 1% change."""
    if not math.isfinite(x):
        return "-"
    if unit == "B":
        return size(x)
    if unit == "req/s":
        return f"{rps_text(x)} req/s"
    if unit == "ms":
        return ms_text(x)
    if x < 10:
        return f"{x:.3f} s"
    return f"{x:.2f} s" if x < 100 else f"{x:.1f} s"


def compare_dict(result: Comparison) -> dict[str, Any]:
    """A Comparison as plain data (for JSON). `higher_is_better` says which way is
    worse (true for requests per second); a load metric's cells (scenario `load`,
    the edit naming the connection count) also carry `connections`."""
    def side(c: CellComparison, which: str) -> dict[str, Any]:
        s, cell = (c.a, c.cell_a) if which == "a" else (c.b, c.cell_b)
        return {"n": s.n, "median": s.median, "ci_low": s.ci_low, "ci_high": s.ci_high,
                "ci_pct": s.ci_pct, "values": s.values, "toolchains": cell.toolchains,
                "machines": cell.machines, "sessions": cell.sessions}

    def load(c: CellComparison) -> dict[str, Any]:
        return ({"connections": c.cell_a.runs[0].get("connections")}
                if result.metric in LOAD_METRICS else {})

    return {
        "a": {"text": result.a.text, "kind": result.a.kind},
        "b": {"text": result.b.text, "kind": result.b.kind},
        "metric": result.metric, "unit": result.unit, "alpha": result.alpha,
        "higher_is_better": result.higher_is_better,
        "cells": [{"project": c.key.project, "lang": c.key.lang,
                   "content_hash": c.content_hash, "scenario": c.key.scenario,
                   "edit": c.key.edit, "profile": c.key.profile, "jobs": c.key.jobs,
                   **load(c), "a": side(c, "a"), "b": side(c, "b"),
                   "change_pct": c.change_pct, "p": c.test.p, "min_p": c.test.min_p,
                   "significant": c.test.significant, "verdict": c.verdict,
                   "note": c.too_few_text if c.test.too_few else None} for c in result.cells],
        "geomean": {"a": result.geomean_a, "b": result.geomean_b,
                    "change_pct": result.geomean_change_pct},
        "only_a": result.only_a, "only_b": result.only_b, "refused": result.refused,
        "cross_machine": result.cross_machine,
    }


COMPARE_CSV_FIELDS = ("project", "lang", "scenario", "edit", "profile", "jobs",
                      "a_toolchain", "b_toolchain", "a_n", "a_median", "a_ci_low",
                      "a_ci_high", "b_n", "b_median", "b_ci_low", "b_ci_high", "change_pct",
                      "p", "verdict", "note")


def compare_rows(result: Comparison) -> list[dict[str, Any]]:
    """One flat row per cell, then the geomean row."""
    rows = []
    for c in result.cells:
        rows.append({"project": c.key.project, "lang": c.key.lang, "scenario": c.key.scenario,
                     "edit": c.key.edit, "profile": c.key.profile, "jobs": c.key.jobs,
                     "a_toolchain": ", ".join(c.cell_a.toolchains),
                     "b_toolchain": ", ".join(c.cell_b.toolchains),
                     "a_n": c.a.n, "a_median": c.a.median, "a_ci_low": c.a.ci_low,
                     "a_ci_high": c.a.ci_high, "a_ci_pct": c.a.ci_pct,
                     "b_n": c.b.n, "b_median": c.b.median, "b_ci_low": c.b.ci_low,
                     "b_ci_high": c.b.ci_high, "b_ci_pct": c.b.ci_pct,
                     "change_pct": c.change_pct, "p": c.test.p, "verdict": c.verdict,
                     "note": c.too_few_text if c.test.too_few else None})
    rows.append({"project": "geomean", "a_median": result.geomean_a,
                 "b_median": result.geomean_b, "change_pct": result.geomean_change_pct})
    return rows


def compare_csv(result: Comparison, out: TextIO) -> None:
    write_csv(compare_rows(result), COMPARE_CSV_FIELDS, out)


def compare_columns(c: CellComparison) -> tuple[str, str, str]:
    """The cell as the comparison tables name it: project (language), scenario, profile."""
    return f"{c.key.project} ({c.key.lang})", c.key.scenario_text, c.key.profile


def sample_text(c: CellComparison, which: str, unit: str) -> str:
    """One side's median with the ± of its 95% CI: `1.234 s ± 2.1%`."""
    s = c.a if which == "a" else c.b
    return f"{value_text(s.median, unit)} {ci_text(s.ci_pct)}"  # type: ignore[arg-type]


def compare_markdown(result: Comparison, out: TextIO) -> None:
    unit = result.unit
    rows: list[list[Any]] = [
        [" ".join(compare_columns(c)), sample_text(c, "a", unit), c.a.n,
         sample_text(c, "b", unit), c.b.n, c.change_text,  # +∞% from 0, n/a for 0 → 0
         "" if c.test.p is None else f"{c.test.p:.3f}", c.verdict] for c in result.cells]
    rows.append(["geomean", value_text(result.geomean_a, unit), "",
                 value_text(result.geomean_b, unit), "", change_text(result.geomean_change_pct),
                 "", ""])
    markdown_table(("cell", f"A: {result.a.title}", "n", f"B: {result.b.title}", "n",
                    "change", "p", "verdict"), rows, out, right=range(1, 8))
    for note in compare_notes(result):
        out.write(f"\n{note}\n")


def compare_notes(result: Comparison) -> list[str]:
    """The lines under a comparison: too-few-runs explanations, refused cells,
    cells measured on one side only."""
    notes = list(dict.fromkeys(c.too_few_text for c in result.cells if c.test.too_few))
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


# -- the gap report ------------------------------------------------------------------------


def _gap_cell(c: CellSummary | None) -> dict[str, Any] | None:
    """A cell of the gap report as its JSON has always held it."""
    if c is None:
        return None
    k = c.key
    return {"project": k.project, "kind": c.kind, "lang": k.lang, "toolchain": k.toolchain,
            "loc": c.loc, "scenario": k.scenario, "edit": k.edit, "jobs": k.jobs,
            "profile": k.profile, "n": c.n, "failed": c.failed, "wall_median": c.wall.median,
            "wall_mad": c.wall.mad, "cpu_util": c.cpu_util.median,
            "peak_rss": c.peak_rss.median, "tree_peak_rss": c.tree_peak_rss.median,
            "artifact_bytes": c.artifact_bytes, "times": c.wall.values}


def _gap_pair(p: Pair) -> dict[str, Any]:
    data = {f.name: getattr(p, f.name) for f in fields(p)}
    data["go"], data["rust"] = _gap_cell(p.go), _gap_cell(p.rust)
    return {**data, "ratio": p.ratio}


def gap_dict(report: GapReport) -> dict[str, Any]:
    """The gap report as JSON-ready data (`report --format json`): its fields, the
    claim, the rule and the caveats; non-finite floats become None."""
    data = {f.name: getattr(report, f.name) for f in fields(report)}
    data.update(
        cells=[_gap_cell(c) for c in report.cells],
        pairs=[_gap_pair(p) for p in report.pairs],
        fits=[{**asdict(f), "trusted": f.trusted, "note": f.note} for f in report.fits],
        verdict=asdict(report.verdict), gaps=[asdict(g) for g in report.gaps],
        timelines=[asdict(t) for t in report.timelines],
        real_pairs=[{**asdict(r), "rows": [_gap_pair(p) for p in r.rows],
                     "agrees": r.agrees,
                     "predictions": [{**asdict(x), "ratio": x.ratio} for x in r.predictions]}
                    for r in report.real_pairs])
    data["claim"], data["rule"], data["caveats"] = CLAIM, RULE, caveats(report)
    return clean(data)


# -- the user's own projects in the report ---------------------------------------------------


def _project_cell(c: CellSummary) -> dict[str, Any]:
    """A cell of an own project: the gap report's cell fields, and its knob, revision
    and CPU time."""
    return {**(_gap_cell(c) or {}), "variant": c.key.variant, "rev": c.key.rev,
            "session": c.session, "cpu_median": c.cpu.median}


def _trend(t: Trend) -> dict[str, Any]:
    k = t.key
    return {"scenario": k.scenario, "edit": k.edit, "jobs": k.jobs, "profile": k.profile,
            "toolchain": k.toolchain, "variant": k.variant, "rev": k.rev,
            "change_pct": t.change_pct,
            "points": [{"session": p.session, "date": p.date, "n": p.n, "wall_median": p.median,
                        "toolchain": p.toolchain, "content_hash": p.content_hash}
                       for p in t.points]}


def _project(p: ProjectSection) -> dict[str, Any]:
    units = None
    if p.units is not None:
        u = p.units
        units = {"run_id": u.run_id, "session": u.session, "scenario": u.key.scenario,
                 "edit": u.key.edit, "profile": u.key.profile, "toolchain": u.key.toolchain,
                 "wall_s": u.wall_s, "units": u.count,
                 "slowest": [{"name": x.name, "kind": x.kind, "start_s": x.start_s,
                              "wall_s": x.wall_s, "cpu_s": x.cpu_s,
                              "peak_rss_bytes": x.peak_rss_bytes} for x in u.slowest],
                 "critical_path": {"chain": list(u.chain), "length_s": u.chain_s}}
    tune = [{"knob": r.knob, "scenario": r.key.scenario, "edit": r.key.edit,
             "jobs": r.key.jobs, "profile": r.key.profile,
             "baseline_median": r.baseline.wall.median, "median": r.cell.wall.median,
             "change_pct": r.change_pct, "verdict": r.verdict(), "significant": r.significant,
             "p": r.test.p if r.test else None, "caveat": r.caveat, "error": r.error}
            for r in p.tune]
    return {"project": p.name, "lang": p.lang, "source": p.source, "path": p.path,
            "loc": p.loc, "sessions": list(p.sessions),
            "cells": [_project_cell(c) for c in p.cells],
            "trend": [_trend(t) for t in p.trends], "breakdown": units,
            "tune_session": p.tune_session, "tune": tune, "notes": list(p.notes)}


def report_dict(gap: GapReport | None, projects: ProjectsReport | None) -> dict[str, Any]:
    """`report --format json`: the gap report's fields (gap_dict) when the selection
    holds paired projects, and always `projects`, the own projects' sections ([] when
    none). Without paired projects there is no verdict: the top level then holds only
    the sessions, machine and toolchains the projects' cells come from."""
    own = [_project(p) for p in projects.projects] if projects is not None else []
    if gap is not None:
        return clean({**gap_dict(gap), "projects": own})
    assert projects is not None  # a report holds paired projects, own ones or both
    return clean({"sessions": projects.sessions, "machine": projects.machine,
                  "toolchains": projects.toolchains, "projects": own})
