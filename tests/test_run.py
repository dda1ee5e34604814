"""`buildprof run` on real Go and Cargo fixture projects, recorded in a real SQLite file."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from conftest import buildprof, copy_fixture, tree_hash

RUN_FIELDS = {"wall_s", "user_s", "sys_s", "cpu_util", "peak_rss_bytes", "tree_peak_rss_bytes",
              "processes", "exit_code", "artifact_bytes", "lang", "toolchain", "project",
              "scenario", "profile", "jobs", "iteration"}


@pytest.fixture
def isolated_home(tmp_path: Path) -> dict[str, str]:
    """An environment whose HOME is empty, so any write to the user's caches shows."""
    home = tmp_path / "home"
    home.mkdir()
    env = os.environ.copy()
    real_home = Path.home()
    rustup_home = os.environ.get("RUSTUP_HOME", str(real_home / ".rustup"))
    env.update(HOME=str(home), RUSTUP_HOME=rustup_home,
               XDG_CACHE_HOME=str(home / ".cache"))
    env.pop("GOCACHE", None)
    return env


@pytest.mark.parametrize("fixture,lang", [("gomod", "go"), ("crate", "rust")])
def test_run_records_runs_and_leaves_user_files_alone(
        fixture: str, lang: str, tmp_path: Path, isolated_home: dict[str, str]) -> None:
    # A path with a space and non-ASCII characters must work.
    project = copy_fixture(fixture, tmp_path / "my projects ü")
    before = tree_hash(project)
    db = tmp_path / "results.db"
    res = buildprof("run", str(project), "--runs", "2", "--warmup", "1", "--db", str(db),
                    "--format", "json", env=isolated_home)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["session"]["status"] == "completed"
    runs = data["runs"]
    assert len(runs) == 3  # one warm-up and two timed runs
    assert [r["warmup"] for r in runs] == [1, 0, 0]
    for run in runs:
        assert set(run) >= RUN_FIELDS
        assert run["lang"] == lang and run["project"] == project.name
        assert run["scenario"] == "clean" and run["status"] == "ok" and run["exit_code"] == 0
        assert run["wall_s"] > 0 and run["user_s"] > 0
        assert run["peak_rss_bytes"] > 10 * 2**20  # a compiler ran
        assert run["tree_peak_rss_bytes"] >= run["peak_rss_bytes"] * 0.5
        assert run["processes"] >= 2
        assert run["artifact_bytes"] > 100_000
    assert runs[1]["artifact_bytes"] == runs[2]["artifact_bytes"]
    # The user's project is byte-for-byte unchanged, with no build output in it,
    # and nothing was written to the (empty) home directory: no go-build cache,
    # no ~/go, no ~/.cargo registry.
    assert tree_hash(project) == before
    assert not (project / "target").exists()
    assert sorted(p.name for p in (tmp_path / "home").iterdir()) == []
    # The database holds the same runs, with machine and toolchain.
    con = sqlite3.connect(db)
    rows = con.execute("""SELECT r.wall_s, t.lang, t.version_full, m.cpu_model, p.content_hash
                          FROM runs r JOIN toolchains t ON t.id = r.toolchain_id
                          JOIN machines m ON m.id = r.machine_id
                          JOIN projects p ON p.id = r.project_id ORDER BY r.id""").fetchall()
    assert [r[0] for r in rows] == [r["wall_s"] for r in runs]
    assert rows[0][1] == lang
    assert ("rustc" in rows[0][2] and "LLVM version" in rows[0][2]) if lang == "rust" \
        else rows[0][2].startswith("go version go")
    assert rows[0][3]
    assert len(rows[0][4]) == 64


def test_go_clean_build_uses_a_std_only_snapshot(tmp_path: Path) -> None:
    project = copy_fixture("gomod", tmp_path)
    cache = tmp_path / "cache"  # its own cache: only this project's snapshot is in it
    res = buildprof("run", str(project), "--runs", "1", "--warmup", "0",
                    "--db", str(tmp_path / "r.db"),
                    env={**os.environ, "BUILDPROF_CACHE": str(cache)})
    assert res.returncode == 0, res.stderr
    snapshots = list((cache / "gostd").glob("*/.complete"))
    assert len(snapshots) == 1
    assert snapshots
    listed = {p for s in snapshots for p in s.read_text().split()}
    # The fixture imports fmt and strings: their std deps are in, net/http is not,
    # and none of the project's own packages is.
    assert {"fmt", "strings", "runtime"} <= listed
    assert "net/http" not in listed
    assert not any(p.startswith("example.com") for p in listed)


def test_table_output_and_session_row(tmp_path: Path) -> None:
    project = copy_fixture("gomod", tmp_path)
    db = tmp_path / "r.db"
    res = buildprof("run", str(project), "--runs", "1", "--warmup", "0", "--db", str(db),
                    "--label", "smoke")
    assert res.returncode == 0, res.stderr
    assert "Session 1: completed" in res.stdout
    assert "gomod" in res.stdout and "clean" in res.stdout
    con = sqlite3.connect(db)
    status, label, cmd, ended = con.execute(
        "SELECT status, label, command_line, ended FROM sessions").fetchone()
    assert (status, label) == ("completed", "smoke")
    assert cmd.startswith("buildprof run") and ended


def test_failed_build_is_recorded_not_an_error(tmp_path: Path) -> None:
    project = copy_fixture("gomod", tmp_path)
    (project / "main.go").write_text("package main\n\nfunc main() { undefined_name() }\n")
    db = tmp_path / "r.db"
    res = buildprof("run", str(project), "--runs", "2", "--warmup", "0", "--db", str(db),
                    "--format", "json")
    assert res.returncode == 1
    data = json.loads(res.stdout)
    assert data["session"]["status"] == "failed"
    # The first failure stops that cell (it would fail the same way again).
    assert len(data["runs"]) == 1
    run = data["runs"][0]
    assert run["status"] == "failed" and run["exit_code"] == 1
    assert "undefined" in run["stderr_tail"]
