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

import pytest

import profiler
from profiler.cli import run as run_cmd

from conftest import REPO, buildprof

# Third-party libraries that start-up must not load. rich is not among them for
# --help: typer renders its help with rich (typer.rich_utils).
HEAVY_LIBS = ("matplotlib", "scipy", "numpy", "sqlite_utils", "psutil", "pydantic")
# buildprof's own modules that pull those in, or that only a running command needs.
HEAVY_OURS = ("profiler.storage", "profiler.session", "profiler.report", "profiler.analysis",
              "profiler.cells", "profiler.stats", "profiler.compare", "profiler.cache",
              "profiler.doctor", "profiler.machine", "profiler.measure", "profiler.backends",
              "profiler.toolchains", "profiler.scenarios.runner", "profiler.samples.materialise",
              "profiler.cli.progress")

# Every command and group, as `buildprof COMMAND --help` takes them.
COMMANDS = ("run", "history", "compare", "export", "toolchain", "toolchain list",
            "toolchain install", "cache", "cache info", "cache clean", "doctor", "breakdown",
            "report", "samples", "samples list", "samples generate")


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
            "(default: small, medium; with --quick: tiny, small; none with --sample)") in text
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
    from profiler.session import DEFAULT_SIZES

    assert list(run_cmd.DEFAULT_SIZES) == DEFAULT_SIZES
