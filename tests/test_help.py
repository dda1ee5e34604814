"""Every option says what it does; `run --help` groups its options in panels that each
fit a 24-line screen; the long scenario texts are `buildprof scenarios`' (issue 14)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
import typer

from profiler.cli import run as run_cmd
from profiler.cli.main import app
from profiler.scenarios.definitions import PROFILES, SCENARIOS

from conftest import REPO

RUN_PANELS = (run_cmd.WHAT, run_cmd.HOW, run_cmd.RUNS, run_cmd.MEASURE, run_cmd.RESULTS)


def _help(*args: str, columns: int = 100) -> str:
    env = {**os.environ, "COLUMNS": str(columns)}
    env.pop("NO_COLOR", None)
    res = subprocess.run([sys.executable, "-m", "profiler.cli.main", *args, "--help"],
                         capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    return res.stdout


def _commands(cmd: typer.core.TyperGroup | typer.core.TyperCommand, path: str = "buildprof"
              ) -> Iterator[tuple[str, object]]:
    yield path, cmd
    for name, sub in getattr(cmd, "commands", {}).items():
        yield from _commands(sub, f"{path} {name}")


def _params() -> list[tuple[str, object]]:
    return [(path, p) for path, cmd in _commands(typer.main.get_command(app))
            for p in cmd.params]  # type: ignore[attr-defined]


def test_every_option_and_argument_of_every_command_has_help() -> None:
    params = _params()
    options = [(path, p) for path, p in params if isinstance(p, typer.core.TyperOption)]
    assert len(options) > 50  # the walk reached the subcommands
    assert any(path == "buildprof scenarios" for path, _ in options)
    missing = [f"{path} {p.opts}" for path, p in params  # type: ignore[attr-defined]
               if not (getattr(p, "help", None) or "").strip()]
    assert missing == []


@pytest.mark.parametrize("columns", [80, 100])
def test_run_help_groups_options_in_panels_that_fit_a_screen(columns: int) -> None:
    text = _help("run", columns=columns)
    panels = dict(re.findall(r"^╭─ (.+?) ─+╮\n(.*?)^╰", text, re.MULTILINE | re.DOTALL))
    assert set(RUN_PANELS) <= set(panels)
    for title, body in panels.items():
        assert len(body.splitlines()) + 2 <= 24, (title, body)
    # Every option of run but --format sits in one of the named panels.
    named = "".join(panels[t] for t in RUN_PANELS)
    for p in typer.main.get_command(app).commands["run"].params:  # type: ignore[attr-defined]
        if isinstance(p, typer.core.TyperOption) and p.name != "fmt":
            assert p.opts[0] in named, p.opts


def test_run_help_points_to_scenarios_instead_of_the_long_texts() -> None:
    text = _help("run")
    flat = " ".join(text.replace("│", " ").split())  # wrapped help lines joined again
    assert "`buildprof scenarios`" in flat
    # The long definitions moved: run --help names the scenarios and profiles only.
    for moved in (SCENARIOS["clean"], SCENARIOS["test"], PROFILES["debug"]):
        assert " ".join(moved.split()[:6]) not in flat
    assert "copied in before each run" not in flat
    for name in SCENARIOS:
        assert name in flat


def test_scenarios_lists_every_scenario_and_profile() -> None:
    res = subprocess.run([sys.executable, "-m", "profiler.cli.main", "scenarios"],
                         capture_output=True, text=True, cwd=REPO,
                         env={**os.environ, "COLUMNS": "100"}, timeout=120)
    assert res.returncode == 0, res.stderr
    rows = {ln.split("│")[1].strip() for ln in res.stdout.splitlines() if ln.startswith("│")}
    assert set(SCENARIOS) | set(PROFILES) <= rows
    flat = " ".join(res.stdout.replace("│", " ").split())
    assert "GOCACHE" in flat and "cargo check" in flat  # the backends' own words


def test_scenarios_json_has_every_scenario_with_its_start_and_timed_command() -> None:
    res = subprocess.run([sys.executable, "-m", "profiler.cli.main", "scenarios", "--format",
                          "json"], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert [s["name"] for s in data["scenarios"]] == list(SCENARIOS)
    assert [p["name"] for p in data["profiles"]] == list(PROFILES)
    for s in data["scenarios"]:
        assert s["description"] == SCENARIOS[s["name"]]
        assert s["starts_from"] and s["timed"]["go"] and s["timed"]["rust"]
    clean = data["scenarios"][0]
    assert "Go: GOCACHE restored from a per-toolchain snapshot" in clean["starts_from"]
    assert "Rust: an empty target directory" in clean["starts_from"]


def test_every_scenario_has_a_starting_state_and_timed_commands() -> None:
    # A scenario added to definitions.py must be described there, and every backend
    # must say what it times for it and what it builds in each profile.
    from profiler.backends import backends
    from profiler.scenarios.definitions import STARTS_FROM

    assert set(STARTS_FROM) == set(SCENARIOS)
    for b in backends():
        assert set(b.timed) == set(SCENARIOS), b.lang
        assert set(b.profiles) == set(PROFILES), b.lang


def test_the_defaults_shown_are_the_session_defaults() -> None:
    """One definition of the defaults: what `scenarios` prints is what the session
    builds from (profiler.scenarios.definitions), and the default matrix on the
    samples is clean in both profiles, incremental and noop in debug only."""
    from profiler.samples.resolve import graded
    from profiler.scenarios import definitions
    from profiler.session import resolve as session
    from profiler.toolchains.base import Toolchain

    assert session.DEFAULT_SCENARIOS is definitions.DEFAULT_SCENARIOS
    assert session.default_profiles is definitions.default_profiles
    tc = Toolchain("go", "go@99.0", "99.0", "go99.0", "/bin/go", "/")
    small = graded("small", "go")
    req = session.RunRequest([], [], [], [], [], [], [], [], [])
    cells = session.build_cells(req, [small], {"go": [tc]})
    assert [(c.scenario, c.profile) for c in cells] == [
        ("clean", "debug"), ("clean", "release"), ("incremental", "debug"), ("noop", "debug")]
    # An explicit --profile gives every scenario every profile named.
    req.profiles = ["debug", "release"]
    assert len(session.build_cells(req, [small], {"go": [tc]})) == 6
    # Both the texts say so.
    assert definitions.DEFAULT_NOTE in definitions.describe()["defaults"]["note"]

def test_scenarios_rejects_an_unknown_format() -> None:
    res = subprocess.run([sys.executable, "-m", "profiler.cli.main", "scenarios", "--format",
                          "csv"], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert res.returncode == 2
    assert "unknown format 'csv'" in res.stderr


@pytest.mark.parametrize("args", [["scenarios", "--help"], ["scenarios"]])
def test_scenarios_loads_no_heavy_module(args: list[str]) -> None:
    res = subprocess.run([sys.executable, "-X", "importtime", "-m", "profiler.cli.main", *args],
                         capture_output=True, text=True, cwd=REPO, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    modules = set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)\s*$", res.stderr,
                             re.MULTILINE))
    heavy = ("matplotlib", "scipy", "numpy", "sqlite_utils", "psutil", "profiler.storage",
             "profiler.session", "profiler.scenarios.runner")
    if args[-1] == "--help":
        heavy += ("pydantic",)  # typer loads it to convert the values of a command it runs
    assert sorted(m for m in modules if m.split(".")[0] in heavy or m.startswith(heavy)) == []
