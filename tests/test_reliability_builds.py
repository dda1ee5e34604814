"""A failed build never looks like success (issue: reliability, round 2, items 1, 2, 4).

Real Cargo projects and Go modules that do not compile, in each phase of a
cell: the warm-up, a timed run, the build of the starting state.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from profiler.backends import backend_for
from profiler.scenarios.edits import append_edit
from profiler.scenarios.plan import CellPlan
from profiler.scenarios.runner import Plan, RunResult, run_cells
from profiler.sources.local import detect_project
from profiler.toolchains import go as go_tc

from conftest import buildprof, copy_fixture, error_line, tree_hash


def _broken_crate(tmp: Path) -> Path:
    project = copy_fixture("crate", tmp)
    with (project / "src" / "lib.rs").open("a") as f:
        f.write('\npub fn broken() -> u32 { "not a number" }\n')
    return project


def _broken_gomod(tmp: Path) -> Path:
    project = copy_fixture("gomod", tmp)
    with (project / "greet" / "greet.go").open("a") as f:
        f.write("\nfunc Broken() int { return undefinedThing }\n")
    return project


def _run(project: Path, db: Path, *args: str) -> tuple[int, str, dict]:
    res = buildprof("run", str(project), "--db", str(db), *args)
    data = {}
    if "--format" in args:
        data = json.loads(res.stdout)
    return res.returncode, res.stdout + res.stderr, data


def _rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as con:
        return con.execute(sql).fetchall()


@pytest.mark.parametrize(("make", "error"), [
    (_broken_crate, "error[E0308]: mismatched types"),
    (_broken_gomod, "greet/greet.go:14:28: undefined: undefinedThing"),
])
def test_a_failed_warmup_fails_the_cell_and_the_session(tmp_path: Path, make, error) -> None:
    project = make(tmp_path)
    db = tmp_path / "r.db"
    code, out, _ = _run(project, db, "--runs", "1", "--warmup", "1")
    assert code == 1, out
    assert "Session 1: failed" in out
    failed = [ln for ln in out.splitlines() if ln.startswith("Failed:")]
    assert len(failed) == 1, out
    assert "clean debug: the warm-up exited " in failed[0]
    assert failed[0].endswith(error), failed[0]
    # The cell is in the table, marked failed, although no timed run happened.
    assert any(ln.startswith("│ " + project.name) and "failed" in ln for ln in out.splitlines())
    # The warm-up is recorded like any failed run, with its exit code and stderr.
    rows = _rows(db, "SELECT warmup, status, exit_code, stderr_tail FROM runs")
    assert len(rows) == 1
    warmup, status, exit_code, tail = rows[0]
    assert (warmup, status) == (1, "failed") and exit_code != 0
    assert error.split(": ")[-1] in tail
    assert _rows(db, "SELECT status FROM sessions") == [("failed",)]


def test_a_failed_timed_run_exits_1_with_the_first_error(tmp_path: Path) -> None:
    project = _broken_gomod(tmp_path)
    code, out, data = _run(project, tmp_path / "r.db", "--runs", "2", "--warmup", "0",
                           "--format", "json")
    assert code == 1
    assert data["session"]["status"] == "failed"
    # The cell stops at its first failure: one failed run, no second attempt.
    assert [(r["iteration"], r["status"]) for r in data["runs"]] == [(1, "failed")]
    assert [(f["phase"], f["exit_code"], f["error"]) for f in data["failures"]] == [
        ("run 1", 1, "greet/greet.go:14:28: undefined: undefinedThing")]


@pytest.mark.parametrize("scenario", ["noop", "incremental"])
def test_a_failed_starting_state_fails_its_cell(tmp_path: Path, scenario: str) -> None:
    project = _broken_gomod(tmp_path)
    args = ["--scenario", scenario, "--runs", "1", "--warmup", "0", "--format", "json"]
    if scenario == "incremental":
        args += ["--edit", "main.go"]
    code, out, data = _run(project, tmp_path / "r.db", *args)
    assert code == 1, out
    assert data["session"]["status"] == "failed"
    (run,) = data["runs"]
    assert (run["warmup"], run["iteration"], run["status"]) == (1, 0, "failed")
    (failure,) = data["failures"]
    assert failure["phase"] == "the starting-state build"
    assert failure["error"] == "greet/greet.go:14:28: undefined: undefinedThing"


def test_a_cell_that_fails_does_not_stop_the_others(tmp_path: Path) -> None:
    good = copy_fixture("gomod", tmp_path / "good")
    bad = _broken_gomod(tmp_path)
    res = buildprof("run", str(good), str(bad), "--runs", "1", "--warmup", "0",
                    "--db", str(tmp_path / "r.db"), "--format", "json")
    assert res.returncode == 1
    runs = json.loads(res.stdout)["runs"]
    assert sorted((r["project"], r["status"]) for r in runs) == [("gomod", "failed"),
                                                                ("gomod", "ok")]


def test_a_rust_toolchain_too_old_names_the_version_and_the_command(tmp_path: Path) -> None:
    project = copy_fixture("crate", tmp_path)
    manifest = project / "Cargo.toml"
    manifest.write_text(manifest.read_text().replace(
        'edition = "2021"', 'edition = "2021"\nrust-version = "1.200"'))
    code, out, _ = _run(project, tmp_path / "r.db", "--runs", "1", "--warmup", "0")
    assert code == 1
    failed = next(ln for ln in out.replace("\n", " ").split("Failed: ")[1:])
    assert "is not supported by the following package" in failed
    assert "buildprof toolchain install rust@1.200" in failed
    assert "--toolchain rust@1.200" in failed


def test_a_go_toolchain_too_old_names_the_version_and_the_command(tmp_path: Path) -> None:
    project = copy_fixture("gomod", tmp_path)
    (project / "go.mod").write_text("module example.com/gomod\n\ngo 1.99\n")
    before = tree_hash(project)
    res = buildprof("run", str(project), "--runs", "1", "--db", str(tmp_path / "r.db"))
    line = error_line(res)
    assert "asks for Go 1.99, newer than go@" in line
    assert "buildprof toolchain install go@1.99" in line
    assert tree_hash(project) == before


def test_the_first_error_is_the_cause_not_cargos_summary() -> None:
    rust, go = backend_for("rust"), backend_for("go")
    text = ("   Compiling x v0.1.0\nwarning: unused variable: `a`\n"
            "error[E0425]: cannot find value `y` in this scope\n --> src/lib.rs:2:5\n"
            "error[E0308]: mismatched types\n"
            "error: could not compile `x` (lib) due to 2 previous errors\n")
    assert rust.first_error(text) == "error[E0425]: cannot find value `y` in this scope"
    assert rust.first_error("error: could not compile `x`\n") == "error: could not compile `x`"
    assert go.first_error("# example.com/m\nvet: ./a.go:3:1: bad\n") == "./a.go:3:1: bad"
    assert go.first_error("go: updates to go.mod needed\n") == "go: updates to go.mod needed"
    # Several packages need a newer rustc: the newest version is the one to install.
    many = ("error: rustc 1.95.0 is not supported by the following packages:\n"
            "  a@1.0.0 requires rustc 1.96\n  b@2.0.0 requires rustc 1.100.1\n")
    assert "buildprof toolchain install rust@1.100.1" in (rust.toolchain_hint(many) or "")
    assert go.toolchain_hint("go: example.com/x@v1.0.0 requires go >= 1.27.1 (running "
                             "go 1.26.8; GOTOOLCHAIN=local)") is not None
    assert rust.toolchain_hint(text) is None
    assert go.explain("\n\nsomething odd happened\n") == "something odd happened"


def test_a_failed_edited_build_leaves_the_copy_reverted(tmp_path: Path) -> None:
    """The edit is reverted in a `finally`: after a failed edited build the
    copy holds the original text again (it used to stay edited)."""
    project = copy_fixture("gomod", tmp_path)
    # The appended edit defines buildprofEdit again: the edited build fails,
    # the starting state (unedited) builds.
    with (project / "main.go").open("a") as f:
        f.write("\nfunc buildprofEdit() int { return 0 }\n")
    original = (project / "main.go").read_bytes()
    cell = CellPlan(detect_project(project), go_tc.resolve(None), "incremental", "debug",
                edit=append_edit(project, "main.go", backend_for("go").appended_edit))
    seen: list[tuple[RunResult, bytes]] = []
    work = tmp_path / "work"

    def on_result(res: RunResult) -> None:
        copy = next(work.glob("*/src/main.go"))
        seen.append((res, copy.read_bytes()))

    run_cells([cell], work, Plan(runs=1, warmup=0), on_result=on_result)
    (res, copy_text), = seen
    assert res.status == "failed" and "buildprofEdit redeclared" in (res.error or "")
    assert copy_text == original
    assert (project / "main.go").read_bytes() == original
