"""Output files never overwrite a results database and are written whole (issue 26,
item 5): export -o, report --html and breakdown -o refuse the database they read and
any other SQLite file unless --force, and write through a temporary file renamed at
the end."""

from __future__ import annotations

import io
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from test_compare import A_SMALL, A_TINY
from test_merge import results_file as results

from profiler.errors import UsageError
from profiler.report.writers import write_file

from conftest import buildprof, error_line

COMMANDS = {
    "export": ["export", "--format", "csv", "--output"],
    "report": ["report", "--all", "--html"],
    "breakdown": ["breakdown", "1", "--format", "trace", "--output"],
}


def _runs(path: Path) -> int:
    return sqlite3.connect(path).execute("SELECT count(*) FROM runs").fetchone()[0]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_output_that_is_the_database_is_refused(tmp_path: Path, command: str) -> None:
    db = results(tmp_path / "r.db", "laptop", {"tiny": A_TINY, "small": A_SMALL})
    before, raw = _runs(db), db.read_bytes()
    res = buildprof(*COMMANDS[command], str(db), "--db", str(db))
    assert res.returncode == 2, res.stderr
    assert error_line(res).startswith(f"Error: {COMMANDS[command][-1]} {db} is the results "
                                      f"database being read; writing it would lose every run")
    assert _runs(db) == before and db.read_bytes() == raw


@pytest.mark.parametrize("command", ["export", "report"])
def test_another_sqlite_file_needs_force(tmp_path: Path, command: str) -> None:
    db = results(tmp_path / "r.db", "laptop", {"tiny": A_TINY})
    other = results(tmp_path / "other.db", "ci", {"small": A_SMALL})
    raw = other.read_bytes()
    res = buildprof(*COMMANDS[command], str(other), "--db", str(db))
    assert res.returncode == 2 and "is an SQLite database (a results file?)" in error_line(res)
    assert other.read_bytes() == raw
    res = buildprof(*COMMANDS[command], str(other), "--db", str(db), "--force")
    assert res.returncode == 0, res.stderr
    assert not other.read_bytes().startswith(b"SQLite format 3")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_an_output_is_whole_or_not_at_all(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    out.write_text("old\n")
    os.chmod(out, 0o640)

    def half(f: io.TextIOBase) -> None:
        f.write("half of the new")
        raise OSError(28, "No space left on device")

    with pytest.raises(UsageError, match="cannot write .*No space left on device"):
        write_file(out, half, option="--output")
    assert out.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]  # no temporary left
    write_file(out, lambda f: f.write("new\n"), option="--output")
    assert out.read_text() == "new\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o640  # the old file's mode is kept
