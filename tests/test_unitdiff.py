"""`compare A B --units`: which units got slower between two revisions, which are new
and which removed. The pure comparison on hand-written unit rows, then a real
repository whose head deletes package `old` and adds package `gen` (3,000
functions), built with --breakdown."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from test_revisions import commit, git

from profiler.analysis.unitdiff import diff

from conftest import buildprof


def _unit(name: str, wall: float, kind: str = "lib") -> dict:
    return {"name": name, "kind": kind, "wall_s": wall, "cpu_s": wall, "peak_rss_bytes": 1 << 20}


def test_units_are_matched_by_name_ranked_by_change_new_and_removed_listed() -> None:
    a = [[_unit("app", 1.0), _unit("leaf", 0.5), _unit("old", 0.2)],
         [_unit("app", 1.2), _unit("leaf", 0.7), _unit("old", 0.4)]]
    b = [[_unit("app", 1.1), _unit("leaf", 2.0), _unit("gen", 3.0)],
         [_unit("app", 1.1), _unit("leaf", 2.2), _unit("gen", 3.2)], []]
    d = diff(a, b)
    assert [(c.name, round(c.delta_s, 6)) for c in d.changed] == [("leaf", 1.5), ("app", 0.0)]
    assert [(u.name, u.wall_s) for u in d.new] == [("gen", 3.1)]
    assert [(u.name, round(u.wall_s, 6)) for u in d.removed] == [("old", 0.3)]
    assert (d.runs_a, d.runs_b) == (2, 2)  # a run without units is left out
    assert round(d.total_delta_s, 6) == round(1.5 + 0.0 + 3.1 - 0.3, 6)


@pytest.fixture(scope="module")
def pkg_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("units") / "app"
    (root / "old").mkdir(parents=True)
    (root / "go.mod").write_text("module example.com/app\n\ngo 1.21\n")
    (root / "old" / "old.go").write_text("package old\n\nfunc Old() int { return 1 }\n")
    (root / "main.go").write_text('package main\n\nimport (\n\t"fmt"\n\n\t"example.com/app/old"'
                                  '\n)\n\nfunc main() { fmt.Println(old.Old()) }\n')
    git(root, "init", "-q", "-b", "main")
    commit(root, "base")
    shutil.rmtree(root / "old")
    (root / "gen").mkdir()
    lines = ["package gen", ""] + [
        f"func Gen{i}(x int) int {{ y := x * {i}; for j := 0; j < {i % 7 + 1}; j++ "
        f"{{ y += j ^ x }}; return y }}" for i in range(3000)]
    (root / "gen" / "gen.go").write_text("\n".join(lines) + "\n")
    (root / "main.go").write_text('package main\n\nimport (\n\t"fmt"\n\n\t"example.com/app/gen"'
                                  '\n)\n\nfunc main() { fmt.Println(gen.Gen1(2)) }\n')
    commit(root, "head")
    return root


@pytest.mark.skipif(shutil.which("go") is None or shutil.which("git") is None,
                    reason="needs go and git on PATH")
def test_compare_units_of_two_revisions(pkg_repo: Path, tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    res = buildprof("run", str(pkg_repo), "--rev", "main~1", "--rev", "main", "--scenario",
                    "clean", "--profile", "debug", "--runs", "2", "--breakdown", "--db", str(db),
                    env={**os.environ})
    assert res.returncode == 0, res.stderr
    # The run itself ends with the comparison of the two revisions and of their units.
    assert "A: main~1" in res.stdout and "B: main" in res.stdout
    assert "Units of app (go) clean debug" in res.stdout
    assert "example.com/app/gen" in res.stdout and "removed" in res.stdout
    out = buildprof("compare", "main~1", "main", "--units", "--format", "json", "--db", str(db))
    assert out.returncode == 0, out.stderr
    (cell,) = json.loads(out.stdout)["units"]
    assert cell["cell"] == "app (go) clean debug" and cell["runs_a"] == cell["runs_b"] == 2
    assert [u["name"] for u in cell["new"]] == ["example.com/app/gen"]
    assert [u["name"] for u in cell["removed"]] == ["example.com/app/old"]
    assert {c["name"] for c in cell["changed"]} >= {"example.com/app", "example.com/app (link)"}
    table = buildprof("compare", "main~1", "main", "--units", "--db", str(db))
    assert "example.com/app/gen" in table.stdout and "new" in table.stdout
    # Runs without units: one line that says how to record them.
    plain = tmp_path / "plain.db"
    assert buildprof("run", str(pkg_repo), "--rev", "main~1", "--rev", "main", "--scenario",
                     "clean", "--runs", "1", "--db", str(plain)).returncode == 0
    bad = buildprof("compare", "main~1", "main", "--units", "--db", str(plain))
    assert bad.returncode == 2
    assert bad.stderr.startswith("Error: no compared cell has units on both sides: record "
                                 "both with `buildprof run --breakdown …`")
