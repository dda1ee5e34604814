"""`buildprof run PATH --rev A --rev B` and `compare A B` on revisions, with a real
git repository and real Go builds: the second commit adds 3,000 functions, so it
is clearly slower to build; a third only edits the README, so it builds the same."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from conftest import buildprof

pytestmark = pytest.mark.skipif(shutil.which("go") is None or shutil.which("git") is None,
                                reason="needs go and git on PATH")

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}


def git(repo: Path, *args: str) -> str:
    res = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                         env={**os.environ, **GIT_ENV}, check=True)
    return res.stdout.strip()


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("revs") / "app"
    root.mkdir()
    (root / "go.mod").write_text("module example.com/app\n\ngo 1.21\n")
    (root / "main.go").write_text('package main\n\nimport "fmt"\n\n'
                                  "func main() { fmt.Println(answer()) }\n\n"
                                  "func answer() int { return 42 }\n")
    (root / "README.md").write_text("app\n")
    git(root, "init", "-q", "-b", "main")
    commit(root, "base")
    git(root, "tag", "base")
    (root / "README.md").write_text("app, documented\n")
    commit(root, "readme only")
    git(root, "tag", "readme")
    lines = ["package main", ""] + [
        f"func gen{i}(x int) int {{ y := x * {i}; for j := 0; j < {i % 7 + 1}; j++ "
        f"{{ y += j ^ x }}; return y }}" for i in range(3000)]
    (root / "gen.go").write_text("\n".join(lines) + "\n")
    commit(root, "slower")
    git(root, "tag", "slower")
    return root


def tree_state(root: Path) -> dict[str, str]:
    """Every file's hash (the .git directory's included: index, refs, HEAD)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def run_revs(repo: Path, db: Path, *revs: str, runs: str | None = "6"
             ) -> subprocess.CompletedProcess[str]:
    # Six runs a side: at four only complete separation reaches p < 0.05, so one run
    # stalled by a busy machine would flip the gate's verdict; at six it takes several.
    args = [a for r in revs for a in ("--rev", r)]
    return buildprof("run", str(repo), *args, "--scenario", "clean", "--profile", "debug",
                     *(["--runs", runs] if runs else []), "--db", str(db), timeout=600)


def test_a_slower_revision_is_interleaved_recorded_and_fails_the_gate(
        repo: Path, tmp_path: Path) -> None:
    before = tree_state(repo)
    db = tmp_path / "r.db"
    res = run_revs(repo, db, "base", "slower", runs=None)  # comparing: 6 runs by default
    assert res.returncode == 0, res.stderr
    assert ("note: 2 revisions: 6 runs per cell, so that a comparison can reach a verdict "
            "(the U test needs ≥4 a side) with a 95% CI (≥6); --runs N to choose") in res.stderr
    # The user's checkout, index and refs are exactly as they were.
    assert tree_state(repo) == before
    rows = sqlite3.connect(db).execute(
        "SELECT rev, commit_hash FROM runs WHERE warmup = 0 ORDER BY id").fetchall()
    assert [r for r, _ in rows] == ["base", "slower"] * 6  # A B A B …
    assert {r: c for r, c in rows} == {"base": git(repo, "rev-parse", "base"),
                                       "slower": git(repo, "rev-parse", "slower")}
    gate = buildprof("compare", "base", "slower", "--fail-above", "10", "--db", str(db))
    assert gate.returncode == 1, gate.stdout + gate.stderr
    assert "regression: app (go) clean debug: +" in gate.stderr
    # A commit prefix names a revision too, as does rev:NAME; a prefix of digits only
    # (as 8 hex digits of a commit can be) that is no session id is a revision as well.
    prefix = git(repo, "rev-parse", "--short=8", "slower")
    by_prefix = buildprof("compare", "rev:base", prefix, "--fail-above", "10", "--db", str(db))
    assert by_prefix.returncode == 1, by_prefix.stderr
    con = sqlite3.connect(db)
    with con:
        con.execute("UPDATE runs SET commit_hash = '98108953' || substr(commit_hash, 9) "
                    "WHERE rev = 'slower'")
    con.close()
    digits = buildprof("compare", "base", "98108953", "--fail-above", "10", "--db", str(db))
    assert digits.returncode == 1, digits.stderr


def test_revisions_that_build_the_same_pass_the_gate(repo: Path, tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    res = run_revs(repo, db, "base", "readme")
    assert res.returncode == 0, res.stderr
    gate = buildprof("compare", "base", "readme", "--fail-above", "10", "--db", str(db))
    assert gate.returncode == 0, gate.stdout + gate.stderr
    assert "regression" not in gate.stderr


def test_a_dirty_tree_is_allowed_noted_and_not_built(repo: Path, tmp_path: Path) -> None:
    main = repo / "main.go"
    original = main.read_text()
    main.write_text(original + "\nthis is not Go\n")  # would fail any build of the tree
    try:
        res = buildprof("run", str(repo), "--rev", "base", "--scenario", "clean", "--profile",
                        "debug", "--runs", "1", "--db", str(tmp_path / "r.db"))
        assert res.returncode == 0, res.stderr
        assert "has 1 uncommitted change(s); --rev builds committed revisions only" \
            in res.stderr
        assert main.read_text() == original + "\nthis is not Go\n"  # left as it was
    finally:
        main.write_text(original)


@pytest.mark.parametrize(("where", "revs", "message"), [
    ("repo", ["base", "nope"], "Error: unknown revision 'nope' in "),
    ("repo", ["base", "readme~0", "readme"], "Error: --rev readme~0 and --rev readme are the "
                                             "same commit"),
    ("plain", ["base"], "is not in a git repository, so --rev has no revisions to build"),
    ("none", ["base"], "Error: --rev needs the directory of a git checkout"),
])
def test_bad_revisions_get_one_line(repo: Path, tmp_path: Path, where: str, revs: list[str],
                                    message: str) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "go.mod").write_text("module example.com/plain\n\ngo 1.21\n")
    db = tmp_path / "r.db"
    target = {"repo": [str(repo)], "plain": [str(plain)], "none": []}[where]
    args = [a for r in revs for a in ("--rev", r)]
    res = buildprof("run", *target, *args, "--runs", "1", "--db", str(db))
    assert res.returncode == 2, res.stderr
    assert message in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert not db.exists()  # bad input records nothing


def test_compare_names_the_recorded_revisions(repo: Path, tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    assert run_revs(repo, db, "base", "readme").returncode == 0
    res = buildprof("compare", "base", "rev:nope", "--db", str(db))
    assert res.returncode == 2
    assert res.stderr.startswith("Error: no run was recorded for revision 'nope'; recorded: "
                                 "base (")
