"""`buildprof scenarios`: what each scenario and profile of `buildprof run` builds.

The one-line definitions are profiler/scenarios/definitions.py's; the starting state
and the timed command of each scenario are what the workspace
(profiler/scenarios/workspace.py) and the backends (profiler/backends/go.py,
cargo.py) do. tests/test_help.py checks that every scenario has both.
"""

from __future__ import annotations

from typing import Annotated

import typer

from profiler.scenarios.definitions import (
    DEFAULT_NOTE,
    DEFAULT_PROFILES,
    DEFAULT_SCENARIOS,
    FROM_BUILT,
    PROFILES,
    SCENARIOS,
)

# rich's console and table are imported in the command: `buildprof --help` imports
# this module. Nothing else is: the command reads only these texts.

# What the timed build starts from (Workspace.prepare and the backends' reset_state).
STARTS_FROM: dict[str, str] = {
    "clean": "reset before each run: Go: GOCACHE restored from a per-toolchain snapshot of "
             "the std packages the project imports; Rust: an empty target directory",
    "cold": "reset before each run: Go: an empty GOCACHE; Rust: an empty target directory",
    "incremental": "the fully built state (built once, untimed, and saved), restored before "
                   "each run; then the edit (--edit) is applied",
    "noop": "the fully built state (built once, untimed)",
    "check": "the clean state (Go's snapshot also holds std's vet facts)",
    "test": "the clean state (Go's snapshot holds the std packages the tests import)",
}

# The one command timed per run, Go then Rust (the backends' argv).
TIMED: dict[str, tuple[str, str]] = {
    "clean": ("go build -v -o DIR/ ./...", "cargo build"),
    "cold": ("go build -v -o DIR/ ./...", "cargo build"),
    "incremental": ("go build -v -o DIR/ ./...", "cargo build"),
    "noop": ("go build -v -o DIR/ ./...", "cargo build"),
    "check": ("go vet ./...", "cargo check"),
    "test": ("go test -c -vet=off -o DIR/ ./...", "cargo test --no-run"),
}


UNTIMED = ("Only the build command is timed: copying the project, downloading "
           "dependencies, building, saving and restoring the starting state, and "
           "reverting an edit run outside the timed region.")


def describe() -> dict[str, object]:
    """Every scenario and profile, as `--format json` prints them."""
    return {
        "scenarios": [
            {"name": name, "description": text,
             "from_built_state": name in FROM_BUILT,
             "starts_from": STARTS_FROM.get(name, ""),
             "timed": dict(zip(("go", "rust"), TIMED.get(name, ("", "")), strict=True))}
            for name, text in SCENARIOS.items()],
        "profiles": [{"name": name, "description": text} for name, text in PROFILES.items()],
        "defaults": {"scenarios": {k: list(v) for k, v in DEFAULT_SCENARIOS.items()},
                     "profiles": {k: list(v) for k, v in DEFAULT_PROFILES.items()},
                     "note": DEFAULT_NOTE},
        "note": UNTIMED,
    }


def scenarios(
    fmt: Annotated[str, typer.Option("--format", help="Output format: table or json")
                   ] = "table",
) -> None:
    """What each scenario and profile of `run` builds, from what state, and what is timed."""
    from profiler.cli.options import check_format

    check_format(fmt, ("table", "json"))
    if fmt == "json":
        import json
        import sys

        json.dump(describe(), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    import os
    import sys

    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    # As profiler.report.terminal.make_console (160 columns when piped), without the
    # report modules it imports (profiler.cells, which loads the storage layer).
    out = Console(width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160)
    table = Table(title="Scenarios (buildprof run --scenario)", title_justify="left",
                  show_lines=True)
    for col in ("scenario", "what it does", "starts from", "timed (Go / Rust)"):
        table.add_column(col, overflow="fold")
    for name, text in SCENARIOS.items():
        go, rust = TIMED.get(name, ("", ""))
        table.add_row(name, escape(text), escape(STARTS_FROM.get(name, "")),
                      escape(f"{go}\n{rust}"))
    out.print(table)
    out.print(UNTIMED, highlight=False)
    out.print(f"Default: {', '.join(DEFAULT_SCENARIOS['samples'])} on the graded samples; "
              f"{', '.join(DEFAULT_SCENARIOS['paths'])} on your own projects.\n",
              highlight=False)
    profiles = Table(title="Profiles (buildprof run --profile)", title_justify="left")
    profiles.add_column("profile")
    profiles.add_column("what it builds", overflow="fold")
    for name, text in PROFILES.items():
        profiles.add_row(name, escape(text))
    out.print(profiles)
    out.print(f"Default: {', '.join(DEFAULT_PROFILES['samples'])} on the graded samples; "
              f"{', '.join(DEFAULT_PROFILES['paths'])} on your own projects; "
              f"{DEFAULT_NOTE}.", highlight=False)
