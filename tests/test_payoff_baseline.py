"""payoff's build costs and kept binaries come from baseline builds only: a `tune`
knob's runs (newer, faster, smaller) and a --jobs scan's are never taken for the
project's build (issue 26, item 6)."""

from __future__ import annotations

from pathlib import Path

from test_compare import Fill
from test_runner import TC

from profiler.analysis.payoff import build_costs
from profiler.scenarios.plan import CellPlan, Variant
from profiler.session.run import keeps_binary
from profiler.sources.local import Project


def _runs(f: Fill, session: int, pid: int, wall: float, size: int, *,
          variant: str = "baseline", jobs: int | None = None) -> None:
    for i in (1, 2, 3):
        f.db.add_run({"session_id": session, "project_id": pid, "toolchain_id": "tc-go@1.26.8",
                      "machine_id": "m1aaaaaaaaaaaaaa", "scenario": "clean",
                      "profile": "release", "jobs": jobs, "edit": None, "iteration": i,
                      "warmup": 0, "started": "2026-11-20T10:00:00", "status": "ok",
                      "wall_s": wall, "exit_code": 0, "artifact_bytes": size,
                      "variant": variant})


def test_build_costs_skip_a_newer_knob_and_jobs_session(tmp_path: Path) -> None:
    f = Fill(tmp_path / "r.db")
    pid = f.db.ensure_project("http-service", "go", "sample:http-service", "http-service",
                              "c" * 64, 100, 3)
    _runs(f, f.session("run"), pid, 10.0, 9_000_000)
    _runs(f, f.session("tune"), pid, 6.0, 2_000_000, variant="-trimpath")
    _runs(f, f.session("jobs"), pid, 14.0, 9_000_000, jobs=1)
    rows = f.db.build_costs(pid, "tc-go@1.26.8", "m1aaaaaaaaaaaaaa")
    assert {r["wall_s"] for r in rows} == {10.0}
    costs = build_costs(rows)
    assert costs["clean_release_s"] == 10.0 and costs["binary_bytes"] == 9_000_000


def test_only_baseline_release_builds_of_a_server_keep_their_binary(tmp_path: Path) -> None:
    server = Project("srv", "go", tmp_path / "srv", "sample:http-service", serves=True)
    other = Project("lib", "go", tmp_path / "lib", "path")
    release = CellPlan(server, TC, "clean", "release")
    assert keeps_binary(release, asked=False)
    assert not keeps_binary(CellPlan(server, TC, "clean", "debug"), asked=False)
    assert not keeps_binary(CellPlan(server, TC, "clean", "release",
                                     variant=Variant("-trimpath", args=("-trimpath",))),
                            asked=False)
    assert not keeps_binary(CellPlan(server, TC, "clean", "release", jobs=1), asked=False)
    assert not keeps_binary(CellPlan(other, TC, "clean", "release"), asked=False)
    assert keeps_binary(CellPlan(other, TC, "clean", "release"), asked=True)
