"""Scenarios, profiles, jobs and interleaving, on the tiny samples and fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from profiler.scenarios.definitions import split_values

from conftest import buildprof, copy_fixture, error_line, tree_hash

ALL = "clean,cold,incremental,noop,check,test"


def _run_json(*args: str) -> dict:
    res = buildprof("run", *args, "--format", "json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def tiny_all(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """Every scenario on tiny, both languages, debug, one run each."""
    db = tmp_path_factory.mktemp("scen") / "r.db"
    data = _run_json("--size", "tiny", "--scenario", ALL, "--profile", "debug", "--runs", "1",
                     "--warmup", "0", "--db", str(db))
    return data["runs"]


def _cell(runs: list[dict], lang: str, scenario: str) -> dict:
    found = [r for r in runs if r["lang"] == lang and r["scenario"] == scenario]
    assert len(found) == 1, (lang, scenario, len(found))
    return found[0]


@pytest.mark.parametrize("lang", ["go", "rust"])
def test_every_scenario_builds(tiny_all: list[dict], lang: str) -> None:
    for scenario in ALL.split(","):
        run = _cell(tiny_all, lang, scenario)
        assert run["status"] == "ok", (scenario, run["stderr_tail"])
        assert run["wall_s"] > 0
    assert _cell(tiny_all, lang, "incremental")["edit"] == "leaf-body"
    assert _cell(tiny_all, lang, "check")["artifact_bytes"] is None
    assert _cell(tiny_all, lang, "test")["artifact_bytes"] > 0


@pytest.mark.parametrize("lang", ["go", "rust"])
def test_incremental_rebuilds_and_noop_does_not(tiny_all: list[dict], lang: str) -> None:
    incr, noop = _cell(tiny_all, lang, "incremental"), _cell(tiny_all, lang, "noop")
    clean = _cell(tiny_all, lang, "clean")
    # leaf-body edits the most depended-on package: it and at least one dependent
    # are compiled again; a no-op build compiles nothing.
    assert incr["rebuilt_units"] >= 2 if lang == "go" else incr["rebuilt_units"] >= 1
    assert noop["rebuilt_units"] == 0
    assert clean["rebuilt_units"] >= incr["rebuilt_units"]
    # ... and does far less work. CPU time, not wall: a no-op build lasts a fraction of
    # a second, which one stall of a loaded machine could double; its CPU stays put.
    # A clean build compiles and links (several times a no-op's CPU here); a no-op
    # that redid the work would come close to it.
    assert _cpu(noop) * 2 < _cpu(clean), (noop, clean)


def _cpu(run: dict) -> float:
    return run["user_s"] + run["sys_s"]


def test_go_cold_compiles_the_standard_library(tiny_all: list[dict]) -> None:
    cold, clean = _cell(tiny_all, "go", "cold"), _cell(tiny_all, "go", "clean")
    assert cold["rebuilt_units"] > clean["rebuilt_units"] + 10  # std packages too
    assert cold["wall_s"] > clean["wall_s"]
    assert cold["user_s"] > 2 * clean["user_s"]


def test_every_incremental_run_starts_from_the_same_state(tmp_path: Path) -> None:
    """Go's cache is keyed by content: without restoring the built state, the second
    run of the same edit would be a cache hit and compile nothing."""
    data = _run_json("--size", "tiny", "--lang", "go", "--scenario", "incremental",
                     "--profile", "release", "--runs", "3", "--warmup", "1",
                     "--db", str(tmp_path / "r.db"))
    units = [r["rebuilt_units"] for r in data["runs"]]
    assert len(units) == 4 and len(set(units)) == 1 and units[0] >= 2


def test_runs_are_interleaved_within_a_block_and_blocks_follow_each_other(
        tmp_path: Path) -> None:
    """The cells of one scenario alternate (debug, release, debug, release); the next
    scenario's block starts once the first is done (profiler.scenarios.runner.blocks)."""
    data = _run_json(str(copy_fixture("gomod", tmp_path)), "--scenario", "clean,noop",
                     "--profile", "debug,release", "--runs", "2", "--warmup", "0",
                     "--db", str(tmp_path / "r.db"))
    order = [(r["scenario"], r["profile"], r["iteration"]) for r in data["runs"]]
    assert order == [("clean", "debug", 1), ("clean", "release", 1), ("clean", "debug", 2),
                     ("clean", "release", 2), ("noop", "debug", 1), ("noop", "release", 1),
                     ("noop", "debug", 2), ("noop", "release", 2)]


@pytest.mark.parametrize("fixture,edit", [("gomod", "greet/greet.go"), ("crate", "src/lib.rs")])
def test_user_project_unchanged_by_every_scenario(fixture: str, edit: str, tmp_path: Path) -> None:
    project = copy_fixture(fixture, tmp_path)
    before = tree_hash(project)
    data = _run_json(str(project), "--scenario", ALL, "--edit", edit, "--runs", "1",
                     "--warmup", "0", "--db", str(tmp_path / "r.db"))
    assert {r["scenario"] for r in data["runs"]} == set(ALL.split(","))
    assert all(r["status"] == "ok" for r in data["runs"])
    incr = next(r for r in data["runs"] if r["scenario"] == "incremental")
    assert incr["edit"] == f"append:{edit}" and incr["rebuilt_units"] >= 1
    assert tree_hash(project) == before


def test_incremental_on_own_project_needs_edit(tmp_path: Path) -> None:
    res = buildprof("run", str(copy_fixture("gomod", tmp_path)), "--scenario", "incremental",
                    "--db", str(tmp_path / "r.db"))
    assert error_line(res) == ("Error: the incremental scenario on your own project needs "
                               "--edit FILE (a source file to append a change to)")


def test_multi_value_options_accept_repetition_and_commas() -> None:
    assert split_values(["clean,noop", "cold", "noop"]) == ["clean", "noop", "cold"]
    assert split_values([" a , b,,"]) == ["a", "b"]
    assert split_values(None) == []
