"""profiler.model.cells: a cell's labels (CellKey) and its figures (CellSummary), on run rows
made by hand, with values worked out by hand."""

from __future__ import annotations

import math
from typing import Any

import pytest

from profiler.model.cells import CellKey, CellSummary, Sample, scenario_text, summarize
from profiler.samples.resolve import project_kind

BASE: dict[str, Any] = {
    "project": "small", "lang": "go", "toolchain": "go@1.26.8", "scenario": "incremental",
    "profile": "debug", "jobs": 2, "edit": "leaf-body", "session_id": 3, "machine": "host-a",
    "machine_id": "m1", "content_hash": "abc", "loc": 11_000, "source": "sample:small",
    "label": "nightly", "toolchain_version": "1.26.8",
}


def run(wall: float, status: str = "ok", warmup: int = 0, **extra: Any) -> dict[str, Any]:
    return {**BASE, "wall_s": wall, "status": status, "warmup": warmup,
            "user_s": wall * 2, "sys_s": 0.5, "cpu_util": wall / 10,
            "peak_rss_bytes": int(wall * 100), "tree_peak_rss_bytes": int(wall * 300),
            "artifact_bytes": 1000 + int(wall), "exit_code": 0 if status == "ok" else 2,
            "started": f"2026-11-20T10:{int(wall) % 60:02d}:00", **extra}


# -- CellKey: every label of a cell ------------------------------------------------------


def test_cell_key_labels() -> None:
    key = CellKey.of(BASE)
    assert key == CellKey("small", "go", "go@1.26.8", "incremental", "debug", 2, "leaf-body")
    assert key.label == "small go go@1.26.8 incremental leaf-body debug -j2"
    assert key.scenario_text == "incremental (leaf-body) -j2"
    assert key.title == "small (go) incremental (leaf-body) debug -j2"  # compare's name
    plain = CellKey("tiny", "rust", "rust@stable", "clean", "release")
    assert (plain.label, plain.scenario_text, plain.title) == (
        "tiny rust rust@stable clean release", "clean", "tiny (rust) clean release")
    assert key.without_toolchain() == CellKey("small", "go", "", "incremental", "debug", 2,
                                              "leaf-body")
    assert scenario_text("noop") == "noop" and scenario_text("clean", None, 4) == "clean -j4"


# -- Sample: one measure's figures -------------------------------------------------------


def test_sample_median_mad_and_range_by_hand() -> None:
    s = Sample((1.0, 2.0, 3.0, 4.0, 100.0))
    # Deviations from the median 3: 2, 1, 0, 1, 97; their median is 1.
    assert (s.n, s.median, s.mad, s.min, s.max, s.mean) == (5, 3.0, 1.0, 1.0, 100.0, 22.0)
    # Five values are too few for a 95% interval from order statistics (2/2^5 > 5%).
    assert s.ci == (-math.inf, math.inf) and s.ci_pct == math.inf


def test_sample_ci_of_six_values_by_hand() -> None:
    # n = 6: k = 1, the interval is [x_(1), x_(6)] = [1, 6] (coverage 1 - 2/64);
    # the median is 3.5, so the half-width is max(6/3.5 - 1, 1 - 1/3.5) = 5/7.
    s = Sample((6.0, 1.0, 2.0, 5.0, 3.0, 4.0))
    assert (s.ci_low, s.ci_high) == (1.0, 6.0)
    assert s.ci_pct == pytest.approx(500 / 7)
    assert s.stddev == pytest.approx(math.sqrt(17.5 / 5))


def test_empty_sample_has_no_figures() -> None:
    s = Sample(())
    assert (s.n, s.median, s.mad, s.min, s.max, s.mean, s.stddev) == (0, *[None] * 6)
    assert s.ci == (None, None) and s.ci_pct == math.inf


# -- CellSummary -------------------------------------------------------------------------


def test_summary_figures_by_hand() -> None:
    runs = [run(1.0), run(2.0), run(3.0), run(4.0), run(100.0, artifact_bytes=None)]
    c = CellSummary.of(runs)
    assert c.key == CellKey.of(BASE)
    assert (c.n, c.failed, c.statuses) == (5, 0, ("ok",) * 5)
    assert (c.wall.median, c.wall.mad, c.wall.min, c.wall.max, c.wall.mean) == (
        3.0, 1.0, 1.0, 100.0, 22.0)
    assert c.cpu.median == 6.5  # user 2·wall + sys 0.5, median at wall 3
    assert c.cpu_util.median == pytest.approx(0.3)  # parallelism: wall / 10
    assert (c.peak_rss.median, c.tree_peak_rss.median) == (300, 900)
    assert c.artifact_bytes == 1002.5  # the run without an artifact size is left out
    assert c.per_run("artifact_bytes") == (1001, 1002, 1003, 1004, None)
    assert (c.user.mean, c.sys.mean) == (44.0, 0.5)
    assert c.wall.values == (1.0, 2.0, 3.0, 4.0, 100.0)  # run order


def test_summary_context_from_the_runs() -> None:
    c = CellSummary.of([run(5.0), run(2.0, session_id=4, machine="host-b",
                                       toolchain="go@1.25.5", loc=12_000)])
    assert (c.session, c.label, c.machine, c.machine_id, c.content_hash) == (
        3, "nightly", "host-a", "m1", "abc")
    assert c.date == "2026-11-20T10:02:00"  # the earliest start
    assert c.loc == 12_000  # the newest run's
    assert c.toolchain_version == "1.26.8"
    # The kind is the analyses' (they read the sources: samples.resolve.project_kind),
    # from the runs' `kind`; a summary of runs that carry none is of a path.
    assert c.kind == "path"
    assert CellSummary.of([run(1.0, kind="graded")]).kind == "graded"
    assert (c.sessions, c.machines, c.toolchains) == (
        (3, 4), ("host-a", "host-b"), ("go@1.25.5", "go@1.26.8"))


def test_warmups_and_failures() -> None:
    runs = [run(99.0, warmup=1), run(1.0), run(3.0), run(0.1, status="failed"),
            run(0.2, status="timeout")]
    c = CellSummary.of(runs)
    # The successful warm-up is in no figure; the failed runs count but are in no median.
    assert (c.n, c.failed, c.wall.median) == (2, 2, 2.0)
    assert c.statuses == ("ok", "ok", "failed", "timeout")
    assert c.exit_codes == (0, 0, 2, 2)
    assert c.command is None
    # A cell whose only run is a failed warm-up still shows, as failed.
    broken = CellSummary.of([run(0.5, status="failed", warmup=1)])
    assert (broken.n, broken.failed, broken.wall.median, broken.artifact_bytes) == (
        0, 1, None, None)
    with pytest.raises(ValueError):
        CellSummary.of([run(1.0, warmup=1)])


def test_summarize_groups_by_cell_key_in_order() -> None:
    runs = [run(1.0), run(7.0, profile="release"), run(3.0),
            run(9.0, profile="release", warmup=1),
            run(0.1, scenario="noop", edit=None, jobs=None, status="failed", warmup=1)]
    cells = summarize(runs)
    assert [c.key.label for c in cells] == [
        "small go go@1.26.8 incremental leaf-body debug -j2",
        "small go go@1.26.8 incremental leaf-body release -j2",
        "small go go@1.26.8 noop debug"]
    assert [(c.n, c.failed, c.wall.median) for c in cells] == [
        (2, 0, 2.0), (1, 0, 7.0), (0, 1, None)]


def test_project_kind() -> None:
    assert [project_kind(s) for s in ("sample:tiny", "sample:http-service", "path", None)] == [
        "graded", "realworld", "path", "path"]


def test_run_summary_leaves_out_warmups_and_counts_failures() -> None:
    """The case `buildprof run`'s summary was first tested on (was tests/test_stats.py)."""
    base = {"project": "p", "lang": "go", "toolchain": "go@1", "scenario": "clean",
            "profile": "debug", "jobs": None, "edit": None, "user_s": 1.0, "sys_s": 0.5,
            "cpu_util": 1.5, "peak_rss_bytes": 10, "tree_peak_rss_bytes": 20,
            "artifact_bytes": 5}
    runs = [{**base, "warmup": 1, "status": "ok", "wall_s": 99.0},
            {**base, "warmup": 0, "status": "ok", "wall_s": 1.0},
            {**base, "warmup": 0, "status": "ok", "wall_s": 3.0},
            {**base, "warmup": 0, "status": "failed", "wall_s": 0.1}]
    (cell,) = summarize(runs)
    assert (cell.n, cell.failed, cell.wall.median, cell.cpu.median) == (2, 1, 2.0, 1.5)
