"""buildprof starts fast: `--help`, `--version` and `COMMAND --help` import only the
command-line layer, never the storage, session, report or analysis modules nor the
libraries behind them (sqlite_utils, which loads numpy; scipy; matplotlib; psutil).
Each command imports what it needs when it runs. bench/startup.py times it.

Every check runs a fresh interpreter: in this test process the modules are loaded
already by other tests."""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import profiler
from profiler.cli import run as run_cmd

from conftest import REPO, buildprof, copy_fixture

# Third-party libraries that start-up must not load. rich is not among them for
# --help: typer renders its help with rich (typer.rich_utils).
HEAVY_LIBS = ("matplotlib", "scipy", "numpy", "sqlite_utils", "psutil", "pydantic")
# buildprof's own modules that pull those in, or that only a running command needs.
HEAVY_OURS = ("profiler.storage", "profiler.session", "profiler.report", "profiler.analysis",
              "profiler.model", "profiler.stats", "profiler.cache",
              "profiler.machine", "profiler.measure", "profiler.backends",
              "profiler.toolchains", "profiler.scenarios.runner", "profiler.samples.materialise",
              "profiler.cli.progress")

# Every command and group, as `buildprof COMMAND --help` takes them.
COMMANDS = ("run", "history", "compare", "export", "toolchain", "toolchain list",
            "toolchain install", "cache", "cache info", "cache clean", "doctor", "breakdown",
            "report", "samples", "samples list", "samples generate", "scenarios")


def _heavy(modules: set[str], libs: tuple[str, ...] = HEAVY_LIBS) -> list[str]:
    return sorted(m for m in modules
                  if m.split(".")[0] in libs
                  or any(m == h or m.startswith(h + ".") for h in HEAVY_OURS))


def _imported_by(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run `buildprof ARGS` under `python -X importtime` and return the modules it
    imported, read from the import-time lines on stderr."""
    res = subprocess.run([sys.executable, "-X", "importtime", "-m", "profiler.cli.main", *args],
                         capture_output=True, text=True, cwd=REPO, env=os.environ.copy(),
                         timeout=120)
    modules = set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)\s*$", res.stderr,
                             re.MULTILINE))
    assert "profiler.cli.main" in modules or "profiler.cli" in modules, res.stderr[-2000:]
    return res, modules


def test_importing_the_cli_loads_no_heavy_module() -> None:
    code = ("import sys, profiler.cli.main; "
            "print('\\n'.join(sorted(sys.modules)))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, env=os.environ.copy(), timeout=120, check=True)
    modules = set(res.stdout.split())
    assert "profiler.cli.run" in modules  # the commands are registered, just not run
    # Not even rich: the commands' output modules load it when they print.
    assert _heavy(modules, HEAVY_LIBS + ("rich",)) == []


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_loads_no_heavy_module(command: str) -> None:
    res, modules = _imported_by(*command.split(), "--help")
    assert res.returncode == 0, res.stderr[-2000:]
    assert "Usage:" in res.stdout
    assert _heavy(modules) == []


def test_version_loads_neither_heavy_modules_nor_rich() -> None:
    res, modules = _imported_by("--version")
    assert res.returncode == 0
    assert _heavy(modules, HEAVY_LIBS + ("rich",)) == []


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real session: the gomod fixture, noop, one timed run."""
    tmp = tmp_path_factory.mktemp("startup")
    db = tmp / "results.db"
    res = buildprof("run", str(copy_fixture("gomod", tmp)), "--scenario", "noop", "--profile",
                    "debug", "--runs", "1", "--warmup", "0", "--db", str(db))
    assert res.returncode == 0, res.stderr
    return db


# What the commands that read the database load beyond what they need. They read through
# the plain sqlite3 connection: sqlite_utils (and the numpy it imports) is for writes.
# typer loads pydantic to convert the values of the options given.
NOT_FOR_READING = ("matplotlib", "scipy", "sqlite_utils", "numpy", "profiler.session",
                   "profiler.scenarios.runner",
                   "profiler.samples.materialise", "profiler.analysis.gap",
                   "profiler.analysis.realpairs", "profiler.machine.facts",
                   "profiler.cli.progress")


@pytest.mark.parametrize("command", [["history"], ["history", "--runs"], ["export"]])
def test_history_and_export_load_only_what_they_use(small_db: Path, command: list[str]) -> None:
    res, modules = _imported_by(*command, "--db", str(small_db))
    assert res.returncode == 0, res.stderr[-2000:]
    assert "profiler.storage.db" in modules  # it did read the database
    # psutil and the noise checks too: profiler.storage uses psutil only to record a
    # session, which only `run` does.
    unwanted = ("psutil", "profiler.measure", *NOT_FOR_READING)
    assert sorted(m for m in modules if m.split(".")[0] in unwanted
                  or m.startswith(unwanted)) == []


def test_doctor_loads_no_analysis_or_report(small_db: Path) -> None:
    """doctor needs psutil and the noise checks, not the report side."""
    res, modules = _imported_by("doctor", "--db", str(small_db))
    assert res.returncode in (0, 1), res.stderr[-2000:]  # 1: a toolchain needs fixing
    assert "profiler.machine.doctor" in modules
    assert sorted(m for m in modules if m.split(".")[0] in NOT_FOR_READING
                  or m.startswith((*NOT_FOR_READING, "profiler.report", "profiler.analysis"))
                  ) == []


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag: str) -> None:
    res = buildprof(flag)
    assert (res.returncode, res.stdout, res.stderr) == (0, f"buildprof {profiler.__version__}\n",
                                                        "")


def test_the_version_constant_is_the_package_version() -> None:
    """--version prints profiler.__version__ (cheaper than importlib.metadata): it must
    be the version pyproject.toml gives and the installed distribution carries."""
    with (REPO / "pyproject.toml").open("rb") as f:
        declared = tomllib.load(f)["project"]["version"]
    assert profiler.__version__ == declared == importlib.metadata.version("buildprof")


def test_every_run_option_has_help() -> None:
    res = buildprof("run", "--help", env={**os.environ, "COLUMNS": "200"})
    assert res.returncode == 0, res.stderr
    text = " ".join(res.stdout.replace("│", " ").split())
    assert "--lang <list[str]> Languages: go, rust (default: both)" in text
    assert ("--size <list[str]> Graded sample sizes: tiny, small, medium, large, huge "
            "(default: tiny, small, medium; with --quick: tiny, small; none with --sample)") in text
    # An option without help is a line with the option and its type only.
    bare = [ln for ln in res.stdout.splitlines()
            if re.fullmatch(r"[│|]?\s*(--[\w-]+)(\s+-\w)?\s+(<[^>]+>|[A-Z]+)?\s*[│|]?", ln)]
    assert bare == []


def test_every_option_of_every_command_has_help() -> None:
    """The declarations themselves, so a new option without help fails here too."""
    import typer

    from profiler.cli.main import app

    def leaves(cmd: object, path: str) -> list[tuple[str, object]]:
        subs = getattr(cmd, "commands", None)
        if subs is None:
            return [(path, cmd)]
        return [leaf for name, sub in subs.items() for leaf in leaves(sub, f"{path} {name}")]

    missing = [(path, p.name) for path, cmd in leaves(typer.main.get_command(app), "buildprof")
               for p in cmd.params if not getattr(p, "help", None)]  # type: ignore[attr-defined]
    assert missing == []


def test_size_help_names_the_sessions_defaults() -> None:
    """--size's help copies the session's default sizes (importing the session at
    start-up would load psutil and sqlite_utils)."""
    from profiler.session.resolve import DEFAULT_SIZES

    assert list(run_cmd.DEFAULT_SIZES) == DEFAULT_SIZES


def test_the_u_test_does_not_import_scipy() -> None:
    """compare's U test counts the exact distribution itself for up to 10 runs a side,
    ties or not, and computes scipy's choice for larger samples without it, so compare
    does not pay scipy's import (about 1 s)."""
    code = ("import sys\n"
            "from profiler.stats import mann_whitney_many\n"
            "small = mann_whitney_many([([1.0, 2, 3, 4, 5], [6.0, 7, 8, 9, 10]),\n"
            "                           ([1.0, 1, 2, 3, 3], [3.0, 4, 4, 5, 6])])\n"
            "print('scipy' in sys.modules, [round(t.p, 6) for t in small])\n"
            "mann_whitney_many([(list(range(30)), list(range(5, 35)))])\n"
            "print('scipy' in sys.modules)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, check=True)
    first, second = res.stdout.splitlines()
    # 2/252 (complete separation of 5 and 5); then a pair with ties, counted exactly.
    assert first.startswith("False [0.007937, ")
    assert second == "False"
