"""Exports for other tools, on real recorded builds: Bencher Metric Format JSON, Go
benchmark format read by the real benchstat, and Chrome traces of a real --breakdown
run checked against the trace-event format's fields."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

from profiler.model.cells import CellKey, CellSummary, Sample
from profiler.model.units import Unit
from profiler.report import exports

from conftest import buildprof, error_line

CELL = "Build/project=tiny/lang=go/scenario=clean/profile=debug"


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two real sessions of the tiny Go sample, clean debug: 'a', one timed run with
    --breakdown; 'b', three timed runs without."""
    db = tmp_path_factory.mktemp("exports") / "r.db"
    for args in (["--runs", "1", "--breakdown", "--label", "a"],
                 ["--runs", "3", "--warmup", "0", "--label", "b"]):
        res = buildprof("run", "--size", "tiny", "--lang", "go", "--scenario", "clean",
                        "--profile", "debug", "--db", str(db), *args)
        assert res.returncode == 0, res.stderr
    return db


def _cells(db: Path, label: str) -> list[CellSummary]:
    from profiler.model.filters import Filters
    from profiler.storage.db import ResultsDB

    with ResultsDB.open(db, readonly=True) as store:
        return store.history_cells(Filters(labels=(label,)), None)


def _export(db: Path, *args: str) -> str:
    res = buildprof("export", "--db", str(db), *args)
    assert res.returncode == 0, res.stderr
    return res.stdout


def _breakdown_run(db: Path) -> int:
    con = sqlite3.connect(db)
    (run_id,) = con.execute("SELECT DISTINCT run_id FROM units").fetchone()
    return int(run_id)


# -- Bencher Metric Format ----------------------------------------------------------------


def test_bmf_holds_each_cells_medians_with_their_bounds(recorded: Path) -> None:
    bmf = json.loads(_export(recorded, "--format", "bmf", "--label", "b"))
    (cell,) = _cells(recorded, "b")
    assert list(bmf) == [f"tiny go {cell.key.toolchain} clean debug"]
    measures = bmf[cell.key.label]
    assert list(measures) == ["build-time", "cpu-time", "peak-rss", "tree-peak-rss", "file-size"]
    for slug, sample in (("build-time", cell.wall), ("cpu-time", cell.cpu),
                         ("peak-rss", cell.peak_rss), ("tree-peak-rss", cell.tree_peak_rss),
                         ("file-size", cell.artifact)):
        m = measures[slug]
        assert set(m) == {"value", "lower_value", "upper_value"}
        assert all(isinstance(v, int | float) for v in m.values())
        # 3 runs: the median's CI is infinite, so the bounds are the min and max.
        assert m["value"] == pytest.approx(statistics.median(sample.values))
        assert (m["lower_value"], m["upper_value"]) == (min(sample.values), max(sample.values))
        assert m["lower_value"] <= m["value"] <= m["upper_value"]
    con = sqlite3.connect(recorded)
    walls = [w for (w,) in con.execute(
        "SELECT wall_s FROM runs r JOIN sessions s ON s.id = r.session_id "
        "WHERE s.label = 'b' AND NOT r.warmup AND r.status = 'ok'")]
    assert len(walls) == 3
    assert measures["build-time"]["value"] == pytest.approx(statistics.median(walls))


def test_bmf_keeps_the_newest_session_of_a_cell_and_says_so(recorded: Path) -> None:
    res = buildprof("export", "--db", str(recorded), "--format", "bmf")
    assert res.returncode == 0, res.stderr
    bmf = json.loads(res.stdout)
    (newest,) = _cells(recorded, "b")  # session 'b' is the newer
    assert list(bmf) == [newest.key.label]
    assert bmf[newest.key.label]["build-time"]["value"] == pytest.approx(newest.wall.median)
    assert "note: left out 1 older result(s) of cells exported from a newer session" \
        in res.stderr


def test_bmf_bounds_are_the_ci_from_six_runs_and_absent_measures_are_left_out() -> None:
    values = (1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7)
    ci = Sample(values).ci
    assert all(math.isfinite(x) for x in ci)  # type: ignore[arg-type]
    assert exports.bmf_metric(Sample(values)) == {
        "value": statistics.median(values), "lower_value": ci[0], "upper_value": ci[1]}
    assert exports.bmf_metric(Sample((2.0, 3.0))) == {
        "value": 2.5, "lower_value": 2.0, "upper_value": 3.0}
    assert exports.bmf_metric(Sample(())) is None
    rows = [{"project": "p", "lang": "go", "toolchain": "go@1.26.8", "scenario": "clean",
             "profile": "debug", "status": "ok", "warmup": 0, "wall_s": w, "user_s": 1.0,
             "sys_s": 0.5, "peak_rss_bytes": None, "tree_peak_rss_bytes": None,
             "artifact_bytes": None, "rev": "v2"} for w in values]
    failed = [{**rows[0], "profile": "release", "status": "failed"}]
    bmf, notes = exports.bmf([CellSummary.of(rows), CellSummary.of(failed)])
    assert list(bmf) == ["p@v2 go go@1.26.8 clean debug"]
    assert list(bmf["p@v2 go go@1.26.8 clean debug"]) == ["build-time", "cpu-time"]
    assert bmf["p@v2 go go@1.26.8 clean debug"]["cpu-time"]["value"] == 1.5
    assert notes == ["left out 1 cell(s) without a successful timed run"]
    text, notes = exports.benchfmt([CellSummary.of(rows), CellSummary.of(failed)])
    config, results = _parse_benchfmt(text)
    # No machine (so no goos, goarch, cpu), session or label: only what the rows hold.
    assert config == [("pkg", "p"), ("toolchain", "go@1.26.8"), ("rev", "v2")]
    assert [p for _, p in results] == [{"sec/op": w, "cpu-sec/op": 1.5} for w in values]
    assert notes == ["left out 1 cell(s) without a successful timed run"]


# -- Go benchmark format ------------------------------------------------------------------

CONFIG_LINE = re.compile(r"^[a-z][^\sA-Z:]*:( .*)?$")  # benchfmt: key has no space or capital
FLOAT = r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?"


def _parse_benchfmt(text: str) -> tuple[list[tuple[str, str]], list[tuple[str, dict[str, float]]]]:
    """(config lines, benchmark lines) of Go benchmark-format text; every line must
    be one or the other, each benchmark line with N = 1 and value/unit pairs."""
    config, results = [], []
    for line in text.splitlines():
        if line.startswith("Benchmark"):
            fields = line.split()
            assert len(fields) >= 4 and len(fields) % 2 == 0, line
            name, iters, rest = fields[0], fields[1], fields[2:]
            assert iters == "1", line
            assert re.fullmatch(r"Benchmark[A-Z]\w*(/[a-z]+=[^/\s]+)+", name), name
            pairs = {}
            for value, unit in zip(rest[::2], rest[1::2], strict=True):
                assert re.fullmatch(FLOAT, value), line
                assert not re.fullmatch(FLOAT, unit), line
                pairs[unit] = float(value)
            results.append((name, pairs))
        else:
            assert CONFIG_LINE.match(line), f"neither a config nor a Benchmark line: {line!r}"
            key, _, value = line.partition(":")
            config.append((key, value.strip()))
    return config, results


def test_benchfmt_lines_are_config_or_one_run_each(recorded: Path) -> None:
    text = _export(recorded, "--format", "benchfmt")
    config, results = _parse_benchfmt(text)
    walls = [w for (w,) in sqlite3.connect(recorded).execute(
        "SELECT wall_s FROM runs WHERE NOT warmup AND status = 'ok' ORDER BY id")]
    assert len(results) == len(walls) == 4  # one line per successful timed run
    assert {name for name, _ in results} == {f"Benchmark{CELL}"}
    assert sorted(p["sec/op"] for _, p in results) == pytest.approx(sorted(walls))
    for _, pairs in results:
        assert set(pairs) == {"sec/op", "cpu-sec/op", "peak-rss-bytes", "tree-peak-rss-bytes",
                              "artifact-bytes"}
    keys = {k for k, _ in config}
    assert keys == {"goos", "goarch", "pkg", "cpu", "machine", "toolchain", "session", "label"}
    # go test's own keys, as `go env` and /proc/cpuinfo name them on this machine.
    goenv = subprocess.run(["go", "env", "GOOS", "GOARCH"], capture_output=True, text=True,
                           check=True).stdout.split()
    assert [v for k, v in config if k in ("goos", "goarch")] == goenv
    assert ("pkg", "tiny") in config
    cpu = next(v for k, v in config if k == "cpu")
    model = [ln.split(":", 1)[1].strip() for ln in
             Path("/proc/cpuinfo").read_text().splitlines() if ln.startswith("model name")]
    assert cpu == " ".join(model[0].split()) if model else cpu
    assert [k for k, _ in config][:4] == ["goos", "goarch", "pkg", "cpu"]
    assert ("label", "b") in config and ("label", "a") in config
    # Newest session first: b's three runs, then a's config changes and its run.
    assert text.index("label: b") < text.index("label: a")


def test_benchfmt_names_are_valid_sub_benchmark_keys() -> None:
    key = CellKey("my proj/x", "rust", "rust@1.80.0", "incremental", "release", 2, "leaf body")
    assert exports.benchfmt_name(key) == ("BenchmarkBuild/project=my_proj_x/lang=rust/"
                                          "scenario=incremental/edit=leaf_body/"
                                          "profile=release/jobs=2")


@pytest.fixture(scope="session")
def benchstat(request: pytest.FixtureRequest,
              tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real benchstat, installed once with `go install` through the Go module
    proxy into a directory kept in pytest's cache. Skips (naming the failure) when it
    cannot be installed."""
    cache = getattr(request.config, "cache", None)
    gobin = (cache.mkdir("benchstat-bin") if cache is not None
             else tmp_path_factory.mktemp("benchstat-bin"))
    exe = Path(gobin) / "benchstat"
    if exe.is_file():
        return exe
    go = shutil.which("go")
    if go is None:
        pytest.skip("cannot install benchstat: no `go` on PATH")
    env = {**os.environ, "GOBIN": str(gobin), "GOFLAGS": "", "GOTOOLCHAIN": "local"}
    failures = []
    # latest first; the pinned version is the one this test was written against.
    for version in ("latest", "v0.0.0-20260908200009-22c9c6c9d4da"):
        try:
            res = subprocess.run([go, "install", f"golang.org/x/perf/cmd/benchstat@{version}"],
                                 capture_output=True, text=True, env=env, timeout=600)
        except subprocess.TimeoutExpired:
            failures.append(f"@{version}: timed out")
            continue
        if res.returncode == 0 and exe.is_file():
            return exe
        last = (res.stderr.strip().splitlines() or ["no output"])[-1]
        failures.append(f"@{version}: exit {res.returncode}: {last}")
    pytest.skip("cannot install benchstat (go install golang.org/x/perf/cmd/benchstat): "
                + "; ".join(failures))


def test_benchstat_compares_two_exported_sessions(recorded: Path, benchstat: Path,
                                                  tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    for label, path in (("a", a), ("b", b)):
        res = buildprof("export", "--db", str(recorded), "--format", "benchfmt",
                        "--label", label, "--output", str(path))
        assert res.returncode == 0, res.stderr
    # -table machine: the session and label differ between the files (see docs/exports.md).
    res = subprocess.run([str(benchstat), "-table", "machine", f"A={a}", f"B={b}"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    out = res.stdout
    for unit in ("sec/op", "cpu-sec/op", "peak-rss-bytes", "tree-peak-rss-bytes",
                 "artifact-bytes"):
        assert unit in out, out
    assert CELL in out and "vs base" in out and "n=1+3" in out, out
    assert "Mi" in out  # the byte units scaled as bytes (binary prefixes)

    # The same comparison as CSV: benchstat's medians are the cells' medians.
    res = subprocess.run([str(benchstat), "-table", "machine", "-format", "csv",
                          f"A={a}", f"B={b}"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    medians = _benchstat_medians(res.stdout)
    (cell_a,), (cell_b,) = _cells(recorded, "a"), _cells(recorded, "b")
    assert medians[("sec/op", "A")] == pytest.approx(cell_a.wall.median)
    assert medians[("sec/op", "B")] == pytest.approx(cell_b.wall.median)
    assert medians[("cpu-sec/op", "B")] == pytest.approx(cell_b.cpu.median)
    assert medians[("peak-rss-bytes", "B")] == pytest.approx(cell_b.peak_rss.median)
    assert medians[("tree-peak-rss-bytes", "A")] == pytest.approx(cell_a.tree_peak_rss.median)


def _benchstat_medians(text: str) -> dict[tuple[str, str], float]:
    """(unit, column) → the median of the CELL row, from `benchstat -format csv`: each
    table is a row of column names (",A,,B,,,"), a row of units (",sec/op,CI,...")
    and the benchmark rows."""
    medians: dict[tuple[str, str], float] = {}
    heads: list[list[str]] = []
    for row in csv.reader(io.StringIO(text)):
        if len(row) > 1 and row[0] == "":
            heads.append(row)
        elif row and row[0] == CELL:
            columns, units = heads[-2], heads[-1]
            for i, value in enumerate(row):
                if i < len(columns) and columns[i]:
                    medians[(units[i], columns[i])] = float(value)
    return medians


# -- Chrome trace -------------------------------------------------------------------------


def _trace(db: Path, target: str, tmp_path: Path) -> tuple[dict, str]:
    out = tmp_path / f"trace-{target}.json"
    res = buildprof("breakdown", target, "--format", "trace", "--db", str(db), "-o", str(out))
    assert res.returncode == 0, res.stderr
    return json.loads(out.read_text()), res.stderr


def _check_trace_events(events: list[dict]) -> None:
    """The trace-event format's fields, and no overlap on a track."""
    tracks: dict[tuple[int, int], list[tuple[float, float]]] = defaultdict(list)
    for e in events:
        assert e["ph"] in ("X", "C", "M"), e
        assert isinstance(e["name"], str) and isinstance(e["pid"], int), e
        if e["ph"] == "X":
            for field in ("name", "ph", "ts", "dur", "pid", "tid", "cat", "args"):
                assert field in e, e
            assert isinstance(e["ts"], int | float) and isinstance(e["dur"], int | float), e
            assert e["dur"] >= 0, e
            assert set(e["args"]) >= {"cpu_s", "peak_rss_bytes", "critical"}, e
            assert isinstance(e["args"]["critical"], bool), e
            tracks[(e["pid"], e["tid"])].append((e["ts"], e["ts"] + e["dur"]))
        elif e["ph"] == "C":
            assert isinstance(e["ts"], int | float) and e["args"], e
            assert all(isinstance(v, int | float) for v in e["args"].values()), e
        else:
            assert e["name"] in ("process_name", "process_sort_index", "thread_name",
                                 "thread_sort_index"), e
    for spans in tracks.values():
        spans.sort()
        for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
            assert end <= start, spans


def test_trace_of_a_real_breakdown_run(recorded: Path, tmp_path: Path) -> None:
    run_id = _breakdown_run(recorded)
    data, stderr = _trace(recorded, str(run_id), tmp_path)
    assert set(data) == {"traceEvents", "displayTimeUnit", "otherData"}
    assert data["displayTimeUnit"] == "ms"
    events = data["traceEvents"]
    _check_trace_events(events)
    assert "ui.perfetto.dev" in stderr

    con = sqlite3.connect(recorded)
    units = con.execute("SELECT name, kind, start_s, end_s, critical FROM units "
                        "WHERE run_id = ?", [run_id]).fetchall()
    rss = [r for (r,) in con.execute("SELECT tree_rss_bytes FROM tree_samples WHERE run_id = ?",
                                     [run_id])]
    xs = [e for e in events if e["ph"] == "X"]
    assert len(xs) == len(units) > 0
    assert {e["pid"] for e in events} == {run_id}
    by_name = {e["name"]: e for e in xs}
    for name, kind, start, end, critical in units:
        e = by_name[name]
        assert e["cat"] == kind and e["args"]["critical"] == bool(critical)
        assert e["ts"] == pytest.approx(start * 1e6, abs=1)
        assert e["dur"] == pytest.approx((end - start) * 1e6, abs=2)
    counters = defaultdict(list)
    for e in events:
        if e["ph"] == "C":
            counters[e["name"]].append(e)
    assert rss, "a --breakdown run stores the tree's RSS series"
    assert max(e["args"]["bytes"] for e in counters[exports.RSS_COUNTER]) == max(rss)
    assert len(counters[exports.RSS_COUNTER]) == len(rss)
    running = [e["args"]["running"] for e in counters[exports.RUNNING_COUNTER]]
    tids = {e["tid"] for e in xs}
    names = {e["tid"]: e["args"]["name"] for e in events if e["name"] == "thread_name"}
    assert set(names) == tids and names[1] == "slot 1"
    assert running[-1] == 0 and 1 <= max(running) <= len(tids)
    (process,) = [e for e in events if e["name"] == "process_name"]
    assert process["args"]["name"].startswith(f"run {run_id}: tiny go go@")

    meta = data["otherData"]
    (info,) = meta["runs"]
    run = con.execute("SELECT wall_s, status, session_id, command FROM runs WHERE id = ?",
                      [run_id]).fetchone()
    assert (info["wall_s"], info["status"], info["session"], info["command"]) == run
    assert info["run"] == info["pid"] == run_id and info["units"] == len(units)
    assert info["cell"].startswith("tiny go go@") and info["cell"].endswith(" clean debug")
    assert meta["buildprof_version"] and info["recorded_by_buildprof"]
    assert set(info["critical_path"]) == {n for n, *_, c in units if c}


def test_trace_of_a_session_has_one_process_per_run(recorded: Path, tmp_path: Path) -> None:
    session = sqlite3.connect(recorded).execute(
        "SELECT id FROM sessions WHERE label = 'a'").fetchone()[0]
    data, _ = _trace(recorded, f"s{session}", tmp_path)
    _check_trace_events(data["traceEvents"])
    assert [r["pid"] for r in data["otherData"]["runs"]] == [_breakdown_run(recorded)]


def test_trace_without_an_rss_series_leaves_its_counter_out(recorded: Path,
                                                            tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    shutil.copy(recorded, db)
    run_id = _breakdown_run(db)
    con = sqlite3.connect(db)
    with con:
        con.execute("DELETE FROM tree_samples WHERE run_id = ?", [run_id])
    con.close()
    data, stderr = _trace(db, str(run_id), tmp_path)
    names = {e["name"] for e in data["traceEvents"] if e["ph"] == "C"}
    assert names == {exports.RUNNING_COUNTER}
    assert f"note: run {run_id} has no stored RSS series" in stderr
    assert len([e for e in data["traceEvents"] if e["ph"] == "X"]) > 0


def test_trace_refuses_a_run_without_a_breakdown(recorded: Path) -> None:
    plain = sqlite3.connect(recorded).execute(
        "SELECT r.id FROM runs r JOIN sessions s ON s.id = r.session_id "
        "WHERE s.label = 'b' ORDER BY r.id LIMIT 1").fetchone()[0]
    res = buildprof("breakdown", str(plain), "--format", "trace", "--db", str(recorded))
    assert error_line(res) == (
        f"Error: run {plain} has no breakdown (no per-unit records) to trace; record one "
        f"with `buildprof run --breakdown …`, then see `buildprof history --runs`")
    res = buildprof("breakdown", str(plain), "-o", "x.json", "--db", str(recorded))
    assert error_line(res) == "Error: --output writes a trace: add --format trace"
    res = buildprof("breakdown", str(plain), "--format", "svg", "--db", str(recorded))
    assert error_line(res) == "Error: unknown format 'svg'; use one of: table, trace"


def test_slots_put_concurrent_units_on_separate_tracks() -> None:
    units = [Unit("a", "lib", 0, 2, 1, None), Unit("b", "lib", 0, 1, 1, None),
             Unit("c", "lib", 1, 3, 1, None), Unit("d", "bin", 2, 4, 1, None),
             Unit("e", "lib", 0.5, 0.9, 1, None), Unit("f", "link", 4, 5, 1, None)]
    assert exports.slots(units) == [2, 1, 1, 2, 3, 1]
    assert exports.running_counts(units) == [
        (0, 2), (500_000, 3), (900_000, 2), (3_000_000, 1), (5_000_000, 0)]
    events = exports.trace_events({"id": 7, "project": "p", "lang": "go",
                                   "toolchain": "go@1.26.8", "scenario": "clean",
                                   "profile": "debug"}, units, {"a", "d"}, [(0.5, 100)])
    _check_trace_events(events)
    assert [e["tid"] for e in events if e["name"] == "thread_name"] == [1, 2, 3]
    assert [e["name"] for e in events if e["ph"] == "X" and e["args"]["critical"]] == ["a", "d"]
