"""`buildprof merge A.db B.db --into C.db`: result files into one, nothing twice, on
real SQLite files written through ResultsDB as `run` writes them."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from test_compare import A_SMALL, A_TINY, B_SMALL, B_TINY, Fill

from profiler.storage.db import ResultsDB

from conftest import buildprof


def results_file(path: Path, label: str, walls: dict[str, list[float]]) -> Path:
    """A results file with one labelled session, one cell per project, and the last
    run's units and RSS samples."""
    f = Fill(path)
    s = f.session(label)
    for project, values in walls.items():
        f.runs(s, project, "go@1.26.8", values)
    run_id = f.db.conn.execute("SELECT max(id) FROM runs").fetchone()[0]
    with f.db.conn:  # the last run's units and samples, added to it as a fixture
        f.db.db["units"].insert({"run_id": run_id, "name": "app", "kind": "bin",
                                 "start_s": 0.0, "end_s": 1.0, "wall_s": 1.0, "cpu_s": 0.9,
                                 "peak_rss_bytes": 1 << 20, "deps": "[]", "critical": 1})
        f.db.db["tree_samples"].insert_all({"run_id": run_id, "t_s": t, "tree_rss_bytes": rss}
                                           for t, rss in ((0.0, 1 << 20), (0.5, 3 << 20)))
    f.db.close()
    return path


def _count(path: Path, table: str) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def _history(path: Path) -> list[tuple]:
    res = buildprof("history", "--db", str(path), "--format", "json")
    assert res.returncode == 0, res.stderr
    return sorted((c["project"], c["label"], c["n"], c["wall_median"])
                  for c in json.loads(res.stdout)["cells"])


@pytest.fixture
def two(tmp_path: Path) -> tuple[Path, Path]:
    a = results_file(tmp_path / "a.db", "laptop", {"tiny": A_TINY, "small": A_SMALL})
    b = results_file(tmp_path / "b.db", "ci", {"tiny": B_TINY, "small": B_SMALL})
    return a, b


def test_merge_adds_everything_once_and_the_figures_stay(two: tuple[Path, Path],
                                                         tmp_path: Path) -> None:
    a, b = two
    c = tmp_path / "c.db"
    res = buildprof("merge", str(a), str(b), "--into", str(c))
    assert res.returncode == 0, res.stderr
    assert f"{a}: added 1 sessions, 12 runs, 2 projects, 1 machines, 2 toolchains;" in res.stdout
    assert f"{b}: added 1 sessions, 12 runs; 0 sessions and 0 runs already there" in res.stdout
    assert (_count(c, "runs"), _count(c, "sessions"), _count(c, "units"),
            _count(c, "tree_samples")) == (24, 2, 2, 4)
    assert _history(c) == sorted(_history(a) + _history(b))
    # compare on the merged file gives the figures compare gives on the two sides.
    res = buildprof("compare", "laptop", "ci", "--db", str(c), "--format", "json")
    assert res.returncode == 0, res.stderr
    changes = {r["project"]: r["change_pct"] for r in json.loads(res.stdout)["cells"]}
    assert round(changes["tiny"], 1) == 20.5
    # Again, and a copy of a file that shares all its runs: nothing is added.
    copy = tmp_path / "a-copy.db"
    shutil.copy(a, copy)
    res = buildprof("merge", str(a), str(copy), str(b), "--into", str(c))
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("added nothing") == 3
    assert _count(c, "runs") == 24 and _count(c, "units") == 2


def test_files_from_before_ids_agree_on_their_shared_runs(two: tuple[Path, Path],
                                                          tmp_path: Path) -> None:
    """Two copies of one file recorded before runs had ids: the ids computed from
    what identifies each row are the same in both, so the merge keeps one of each."""
    a, _ = two
    old1, old2 = tmp_path / "old1.db", tmp_path / "old2.db"
    for old in (old1, old2):
        shutil.copy(a, old)
        con = sqlite3.connect(old)
        con.execute("UPDATE runs SET uuid = NULL")
        con.execute("UPDATE sessions SET uuid = NULL")
        con.commit()
        con.close()
    c = tmp_path / "c.db"
    with ResultsDB.open(c) as dest:
        first = dest.merge_from(old1)
        second = dest.merge_from(old2)
    assert (first.added["runs"], second.added["runs"], second.had["runs"]) == (12, 0, 12)


@pytest.mark.parametrize(("case", "message"), [
    ("missing", "does not exist; give result files written by `buildprof run`"),
    ("itself", "is also --into; merge into another file"),
    ("foreign", "is a SQLite database of another application"),
])
def test_bad_sources_get_one_line_and_write_nothing(two: tuple[Path, Path], tmp_path: Path,
                                                    case: str, message: str) -> None:
    a, _ = two
    c = tmp_path / "c.db"
    buildprof("merge", str(a), "--into", str(c))
    before = _count(c, "runs")
    foreign = tmp_path / "foreign.db"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE t (x)")
    con.close()
    src = {"missing": tmp_path / "nope.db", "itself": c, "foreign": foreign}[case]
    fresh = results_file(tmp_path / "fresh.db", "new", {"tiny": A_TINY})  # not in c yet
    res = buildprof("merge", str(fresh), str(src), "--into", str(c))
    assert res.returncode == 2, res.stdout + res.stderr
    assert message in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert _count(c, "runs") == before
