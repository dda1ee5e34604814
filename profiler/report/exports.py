"""Exports for other tools: Bencher's BMF, Go's benchmark format, Chrome trace events.

Pure conversions (no files, no database): history cells (`CellSummary`) become
Bencher Metric Format JSON (`bmf`) or Go benchmark-format text (`benchfmt`, what
benchstat reads); one --breakdown run's units and RSS series become a Chrome trace
(`trace`, which Perfetto and chrome://tracing open). docs/exports.md describes each
format for users.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from profiler.analysis.wording import size
from profiler.model.cells import CellKey, CellSummary, Row, Sample
from profiler.model.units import Unit
from profiler.report.writers import markdown_table, seconds_text, write_csv, write_json

# -- hyperfine's JSON, CSV and Markdown -------------------------------------------------


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
                 (f"{seconds_text(r['mean'])} ± {seconds_text(r['stddev'])}"
                  if r["stddev"] is not None else seconds_text(r["mean"])),
                 seconds_text(r["median"]), seconds_text(r["min"]), seconds_text(r["max"]),
                 size(r["peak_rss_bytes"])] for r in data["results"]]
        markdown_table(("cell", "session", "n", "mean ± σ", "median", "min", "max",
                        "peak RSS"), rows, out, right=range(1, 8))


# -- Bencher Metric Format ---------------------------------------------------------------


@dataclass(frozen=True)
class BmfMeasure:
    slug: str  # Bencher's measure slug (kebab case)
    unit: str
    what: str
    sample: Callable[[CellSummary], Sample]


# build-time and file-size are Bencher's own measures (seconds, bytes); Bencher creates
# the other three the first time a report names them.
BMF_MEASURES = (
    BmfMeasure("build-time", "seconds", "wall time of the build", lambda c: c.wall),
    BmfMeasure("cpu-time", "seconds", "CPU time of the build's processes, user + system",
               lambda c: c.cpu),
    BmfMeasure("peak-rss", "bytes", "peak RSS of the largest single process",
               lambda c: c.peak_rss),
    BmfMeasure("tree-peak-rss", "bytes", "peak RSS of the whole process tree (summed)",
               lambda c: c.tree_peak_rss),
    BmfMeasure("file-size", "bytes", "size of the build's artifacts", lambda c: c.artifact),
)


def bmf_name(cell: CellSummary) -> str:
    """The Bencher benchmark of a cell: its label (`small go go@1.26.8 clean debug`,
    `app@main go …` for a `run --rev` revision). No session or date: the same cell
    keeps its name from one report to the next, so Bencher tracks it over time."""
    return cell.key.label


def bmf_metric(sample: Sample) -> dict[str, float] | None:
    """value: the median; lower/upper: the median's 95% CI when finite (6 runs or
    more), else the min and max. None when the cell did not measure it."""
    if sample.median is None:
        return None
    low, high = sample.ci
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        low, high = sample.min, sample.max
    return {"value": sample.median, "lower_value": low, "upper_value": high}


def bmf(cells: Sequence[CellSummary]) -> tuple[dict[str, dict[str, dict[str, float]]], list[str]]:
    """BMF JSON `{benchmark: {measure: {value, lower_value, upper_value}}}` for the
    cells (newest session first, as history gives them), and notes on what was left
    out: a cell without a successful timed run, and a cell seen again in an older
    session (one benchmark holds one value: the newest session's wins)."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    older = empty = 0
    for cell in cells:
        name = bmf_name(cell)
        if name in out:
            older += 1
            continue
        measures = {m.slug: metric for m in BMF_MEASURES
                    if (metric := bmf_metric(m.sample(cell))) is not None}
        if not measures:
            empty += 1
            continue
        out[name] = measures
    notes = []
    if empty:
        notes.append(f"left out {empty} cell(s) without a successful timed run")
    if older:
        notes.append(f"left out {older} older result(s) of cells exported from a newer "
                     f"session (a benchmark holds one value); select one session with "
                     f"--label, --since or --limit")
    return out, notes


# -- Go benchmark format (benchstat) -----------------------------------------------------

# (unit, what a run row gives): seconds per build, bytes. benchstat tidies and scales
# them (sec/op as s, ms, ...; *-bytes as KiB, MiB, ...).
BENCHFMT_UNITS: tuple[tuple[str, Callable[[Row], float | None]], ...] = (
    ("sec/op", lambda r: r.get("wall_s")),
    ("cpu-sec/op", lambda r: None if r.get("user_s") is None and r.get("sys_s") is None
     else (r.get("user_s") or 0.0) + (r.get("sys_s") or 0.0)),
    ("peak-rss-bytes", lambda r: r.get("peak_rss_bytes")),
    ("tree-peak-rss-bytes", lambda r: r.get("tree_peak_rss_bytes")),
    ("artifact-bytes", lambda r: r.get("artifact_bytes")),
)

_NAME_UNSAFE = re.compile(r"[\s/]+")


def _name_value(value: object) -> str:
    """A value for a `/key=value` part of a benchmark name: no space, no slash."""
    return _NAME_UNSAFE.sub("_", str(value)) or "_"


def benchfmt_name(key: CellKey) -> str:
    """`BenchmarkBuild/project=small/lang=go/scenario=clean/profile=debug`, with
    `/edit=…` and `/jobs=N` when the cell has them: benchstat reads each `/key=value`
    as a sub-benchmark key (`-col /scenario`, `-filter /lang:go`). The toolchain is a
    configuration line instead, so two toolchains' files name the same benchmarks."""
    parts = [("project", key.project), ("lang", key.lang), ("scenario", key.scenario),
             ("edit", key.edit), ("profile", key.profile), ("jobs", key.jobs)]
    return "BenchmarkBuild" + "".join(f"/{k}={_name_value(v)}" for k, v in parts
                                      if v is not None and v != "")


def _config_value(value: object) -> str:
    return "" if value is None else " ".join(str(value).split())


def _number(x: float) -> str:
    return str(int(x)) if isinstance(x, int) or float(x).is_integer() else repr(float(x))


def benchfmt_config(cell: CellSummary,
                    machines: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, str]:
    """The file configuration of a cell's results, what benchstat groups tables by
    (its default `-table .config`): `go test`'s own keys first (goos, goarch, pkg: the
    project built, cpu), then the machine and what a comparison varies (the toolchain,
    the session and its label, the revision); "" for none (a machine recorded before
    buildprof kept its OS and architecture has no goos/goarch)."""
    m = (machines or {}).get(cell.machine_id or "", {})
    return {"goos": _config_value(m.get("system")), "goarch": _config_value(m.get("arch")),
            "pkg": _config_value(cell.key.project), "cpu": _config_value(m.get("cpu_model")),
            "machine": _config_value(cell.machine), "toolchain": _config_value(cell.key.toolchain),
            "session": _config_value(cell.session), "label": _config_value(cell.label),
            "rev": _config_value(cell.key.rev)}


def benchfmt(cells: Sequence[CellSummary],
             machines: Mapping[str, Mapping[str, Any]] | None = None) -> tuple[str, list[str]]:
    """Go benchmark-format text: before each cell's results, the configuration lines
    that changed (`key: value`; `key:` with no value clears one), then one line per
    successful timed run: `BenchmarkBuild/… 1 V sec/op V cpu-sec/op …` (a run that
    did not measure a value leaves its pair out). Notes name the cells left out."""
    lines: list[str] = []
    current: dict[str, str] = {}
    empty = 0
    for cell in cells:
        runs = [pairs for r in cell.ok if (pairs := _pairs(r))]
        if not runs:
            empty += 1
            continue
        for key, value in benchfmt_config(cell, machines).items():
            if current.get(key, "") != value:
                lines.append(f"{key}: {value}" if value else f"{key}:")
                current[key] = value
        name = benchfmt_name(cell.key)
        lines += [f"{name} 1 {pairs}" for pairs in runs]
    notes = [f"left out {empty} cell(s) without a successful timed run"] if empty else []
    return "".join(f"{line}\n" for line in lines), notes


def _pairs(run: Row) -> str:
    values = [(unit, v) for unit, read in BENCHFMT_UNITS if (v := read(run)) is not None
              and math.isfinite(v)]
    return " ".join(f"{_number(v)} {unit}" for unit, v in values)


# -- Chrome trace events -----------------------------------------------------------------

US = 1_000_000  # trace timestamps are microseconds


def _us(seconds: float) -> int:
    return round(seconds * US)


def slots(units: Sequence[Unit]) -> list[int]:
    """Each unit's track, 1 up, in the order given: the lowest-numbered track free
    when it starts (greedy interval partitioning, on whole microseconds as the trace
    writes them), so no two units on one track overlap and the number of tracks is
    the build's largest number of units at once."""
    order = sorted(range(len(units)), key=lambda i: (_us(units[i].start_s), _us(units[i].end_s)))
    busy: list[tuple[int, int]] = []  # (end µs, track)
    free: list[int] = []
    tracks = 0
    out = [0] * len(units)
    for i in order:
        start, end = _us(units[i].start_s), _us(units[i].end_s)
        while busy and busy[0][0] <= start:
            heapq.heappush(free, heapq.heappop(busy)[1])
        if free:
            track = heapq.heappop(free)
        else:
            tracks += 1
            track = tracks
        out[i] = track
        heapq.heappush(busy, (max(end, start), track))
    return out


def running_counts(units: Sequence[Unit]) -> list[tuple[int, int]]:
    """(µs, units running) at every change: the compilers and linkers at work."""
    delta: dict[int, int] = {}
    for u in units:
        start, end = _us(u.start_s), _us(u.end_s)
        if end > start:
            delta[start] = delta.get(start, 0) + 1
            delta[end] = delta.get(end, 0) - 1
    out, running = [], 0
    for t in sorted(delta):
        if delta[t]:
            running += delta[t]
            out.append((t, running))
    return out


RSS_COUNTER = "process tree RSS"
RUNNING_COUNTER = "compilers/linkers running"


def run_info(run: Mapping[str, Any], units: Sequence[Unit], critical: Sequence[str],
             samples: Sequence[tuple[float, int]], recorded_by: str | None = None,
             machine: str | None = None) -> dict[str, Any]:
    """What the trace's metadata says of one run (`run`: a row of ResultsDB.run)."""
    return {"run": run["id"], "pid": run["id"], "cell": CellKey.of(run).label,
            "project": run.get("project"), "lang": run.get("lang"),
            "toolchain": run.get("toolchain"), "toolchain_version": run.get("toolchain_version"),
            "scenario": run.get("scenario"), "edit": run.get("edit"),
            "profile": run.get("profile"), "jobs": run.get("jobs"), "rev": run.get("rev"),
            "command": run.get("command"), "wall_s": run.get("wall_s"),
            "status": run.get("status"), "session": run.get("session_id"),
            "started": run.get("started"), "machine": machine,
            "recorded_by_buildprof": recorded_by, "units": len(units),
            "critical_path": list(critical), "rss_samples": len(samples)}


def trace_events(run: Mapping[str, Any], units: Sequence[Unit], critical: Collection[str],
                 samples: Sequence[tuple[float, int]]) -> list[dict[str, Any]]:
    """One run's events, its process id its run id: the process and track names
    (ph M), one complete event per unit (ph X, on its `slots` track), the tree's RSS
    over time (ph C, when the run stored a series) and the number of units running
    (ph C, at each change). Times in µs since the build started."""
    pid = run["id"]
    tracks = slots(units)
    events: list[dict[str, Any]] = [
        {"name": "process_name", "ph": "M", "pid": pid, "tid": 0,
         "args": {"name": f"run {pid}: {CellKey.of(run).label}"}},
        {"name": "process_sort_index", "ph": "M", "pid": pid, "tid": 0,
         "args": {"sort_index": pid}}]
    for track in range(1, max(tracks, default=0) + 1):
        events.append({"name": "thread_name", "ph": "M", "pid": pid, "tid": track,
                       "args": {"name": f"slot {track}"}})
        events.append({"name": "thread_sort_index", "ph": "M", "pid": pid, "tid": track,
                       "args": {"sort_index": track}})
    for u, track in zip(units, tracks, strict=True):
        start = _us(u.start_s)
        events.append({"name": u.name, "cat": u.kind, "ph": "X", "ts": start,
                       "dur": max(0, _us(u.end_s) - start), "pid": pid, "tid": track,
                       "args": {"wall_s": u.wall_s, "cpu_s": u.cpu_s,
                                "peak_rss_bytes": u.peak_rss_bytes,
                                "critical": u.name in critical, "deps": list(u.deps)}})
    events += [{"name": RSS_COUNTER, "ph": "C", "ts": _us(t), "pid": pid,
                "args": {"bytes": rss}} for t, rss in samples]
    events += [{"name": RUNNING_COUNTER, "ph": "C", "ts": t, "pid": pid,
                "args": {"running": n}} for t, n in running_counts(units)]
    return events


def trace(runs: Sequence[tuple[list[dict[str, Any]], dict[str, Any]]],
          version: str) -> dict[str, Any]:
    """The Chrome trace (JSON object format) of one or more runs: each run's
    (trace_events, run_info), one process per run; `otherData` holds the exporting
    buildprof's version and each run's run_info."""
    return {"traceEvents": [e for events, _ in runs for e in events],
            "displayTimeUnit": "ms",
            "otherData": {"buildprof_version": version, "runs": [info for _, info in runs]}}
