"""Real pairs: the smallest one (jq: gojq and jaq) fetched from the Go module
proxy and the Rust crate registry and really built, clean, debug, one run.
The other pairs' fetches and builds are in bench/pairs.py (minutes each)."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from profiler.samples import pairs
from profiler.sources import fetch

from conftest import buildprof, error_line


@pytest.fixture(scope="module")
def jq(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    db = tmp_path_factory.mktemp("pairs") / "r.db"
    res = buildprof("run", "--sample", "jq", "--scenario", "clean", "--profile", "debug",
                    "--runs", "1", "--warmup", "0", "--format", "json", "--db", str(db))
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout), db


def test_the_smallest_pair_builds_both_sides(jq: tuple[dict, Path]) -> None:
    runs = {r["lang"]: r for r in jq[0]["runs"]}
    assert set(runs) == {"go", "rust"}
    assert all(r["project"] == "jq" and r["status"] == "ok" for r in runs.values())
    # Both are programs: gojq's binary and jaq's, not just libraries.
    assert runs["go"]["artifact_bytes"] > 1_000_000 and runs["rust"]["artifact_bytes"] > 1_000_000
    assert "--locked" in runs["rust"]["command"]


def test_the_exact_versions_are_recorded(jq: tuple[dict, Path]) -> None:
    with sqlite3.connect(jq[1]) as con:
        rows = {lang: (source, path) for lang, source, path
                in con.execute("SELECT lang, source, path FROM projects")}
    assert rows == {"go": ("sample:jq", pairs.side("jq", "go").spec),
                    "rust": ("sample:jq", pairs.side("jq", "rust").spec)}
    assert rows["rust"][1] == "crate:jaq@3.1.2"


@pytest.mark.parametrize("lang", ["go", "rust"])
def test_the_pairs_edit_applies_to_the_fetched_source(lang: str, jq: tuple[dict, Path],
                                                      tmp_path: Path) -> None:
    """The named edit finds its text exactly once in what was fetched, and reverts."""
    edit = pairs.edit("jq", lang, "top-body")
    src = fetch.fetch(fetch.parse(pairs.side("jq", lang).spec)).path  # cached by the fixture
    target = tmp_path / edit.path
    target.parent.mkdir(parents=True)
    original = (src / edit.path).read_bytes()
    target.write_bytes(original)
    assert original.count(edit.old.encode()) == 1
    text = edit.apply(tmp_path)
    assert target.read_bytes() != original and edit.new.encode() in target.read_bytes()
    edit.revert(tmp_path, text)
    assert target.read_bytes() == original


def test_pairs_names_every_pair_and_each_side() -> None:
    assert pairs.expand(["pairs"]) == ["jq", "age", "task"]
    assert pairs.expand(["age", "pairs"]) == ["age", "jq", "task"]
    specs = {name: {lang: s.spec for lang, s in p.sides.items()}
             for name, p in pairs.pairs().items()}
    assert specs["age"]["rust"].startswith("crate:rage@")
    assert specs["task"]["go"].startswith("go:github.com/go-task/task/v3@v3.")
    assert all(fetch.parse(s) is not None and "@" in s
               for sides in specs.values() for s in sides.values())


def test_a_pair_has_only_its_own_edit(tmp_path: Path) -> None:
    line = error_line(buildprof("run", "--sample", "jq", "--scenario", "incremental",
                                "--edit", "leaf-body", "--db", str(tmp_path / "r.db")))
    assert "has one edit, top-body" in line
    assert not (tmp_path / "r.db").exists()


def test_an_unknown_sample_lists_the_pairs(tmp_path: Path) -> None:
    line = error_line(buildprof("run", "--sample", "jqq", "--db", str(tmp_path / "r.db")))
    assert "unknown sample 'jqq'" in line and "jq, age, task, pairs" in line


def test_samples_list_shows_the_other_samples() -> None:
    """`samples list` names every --sample besides the sizes: the real-world ones and
    each real pair with the exact versions it builds."""
    from profiler.samples.realworld import REALWORLD

    res = buildprof("samples", "list", "--size", "tiny", "--lang", "go",
                    env={**os.environ, "COLUMNS": "250"})
    assert res.returncode == 0, res.stderr
    assert "Other samples" in res.stdout
    for name in REALWORLD:
        assert f"│ {name} " in res.stdout
    for pair in pairs.pairs().values():
        row = next(line for line in res.stdout.splitlines() if f"│ {pair.name} " in line)
        assert pair.sides["go"].spec in row and pair.sides["rust"].spec in row
    assert f"│ {pairs.ALL} " in res.stdout


def test_the_report_has_the_real_pairs_section(jq: tuple[dict, Path]) -> None:
    res = buildprof("report", "--db", str(jq[1]), "--format", "markdown")
    assert res.returncode == 0, res.stderr
    section = res.stdout.split("## Real projects that do the same job", 1)[1]
    assert "| jq | gojq v0.12.19 / jaq 3.1.2 |" in section
    assert "| clean | debug |" in section


def test_the_lines_compiled_in_total_are_recorded(jq: tuple[dict, Path]) -> None:
    """Counted after the builds: each side's own lines plus its dependencies'."""
    with sqlite3.connect(jq[1]) as con:
        rows = {lang: (loc, compiled) for lang, loc, compiled
                in con.execute("SELECT lang, loc, compiled_loc FROM projects")}
    # jaq is a thin command line over jaq-core, jaq-std, jaq-json and their crates.
    assert rows["rust"][1] > 10 * rows["rust"][0]
    # gojq's dependencies (go-yaml, timefmt-go, go-runewidth, ...) are compiled too.
    assert rows["go"][1] > rows["go"][0]
