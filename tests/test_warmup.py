"""The default warm-ups (profiler.scenarios.runner.auto_warmups), on a real Go build:
none for a clean or incremental build, one for a no-op; --warmup N gives every
cell N."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import buildprof, copy_fixture

pytestmark = pytest.mark.skipif(shutil.which("go") is None, reason="needs go on PATH")


def _warmups(db: Path) -> dict[str, int]:
    con = sqlite3.connect(db)
    rows = con.execute("SELECT scenario, sum(warmup), sum(1 - warmup) FROM runs "
                       "WHERE status = 'ok' GROUP BY scenario").fetchall()
    con.close()
    assert all(timed == 1 for _, _, timed in rows), rows
    return {scenario: warm for scenario, warm, _ in rows}


@pytest.mark.parametrize(("extra", "expected"), [
    ([], {"clean": 0, "incremental": 0, "noop": 1}),
    (["--warmup", "2"], {"clean": 2, "incremental": 2, "noop": 2}),
])
def test_default_warmups(tmp_path: Path, extra: list[str], expected: dict[str, int]) -> None:
    db = tmp_path / "results.db"
    res = buildprof("run", str(copy_fixture("gomod", tmp_path)), "--scenario",
                    "clean,incremental,noop", "--edit", "main.go", "--profile", "debug",
                    "--runs", "1", "--db", str(db), *extra)
    assert res.returncode == 0, res.stderr
    assert _warmups(db) == expected
