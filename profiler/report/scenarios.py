"""`buildprof scenarios`: what each scenario and profile of `run` builds, from what
state, and the command each toolchain times: the definitions
(scenarios.definitions) beside each backend's own words for them."""

from __future__ import annotations

import os
import sys
from typing import Any

from profiler.backends import backends
from profiler.languages import title
from profiler.scenarios.definitions import (
    DEFAULT_NOTE,
    DEFAULT_PROFILES,
    DEFAULT_SCENARIOS,
    FROM_BUILT,
    PROFILES,
    SCENARIOS,
    STARTS_FROM,
)

UNTIMED = ("Only the build command is timed: copying the project, downloading "
           "dependencies, building, saving and restoring the starting state, and "
           "reverting an edit run outside the timed region.")


def starts_from(scenario: str) -> str:
    """Where the scenario's timed build starts from, with each toolchain's detail."""
    details = [f"{title(b.lang)}: {b.starts_from[scenario]}" for b in backends()
               if scenario in b.starts_from]
    return STARTS_FROM[scenario] + (f": {'; '.join(details)}" if details else "")


def describe() -> dict[str, Any]:
    """Every scenario and profile, as `--format json` prints them."""
    every = backends()
    return {
        "scenarios": [
            {"name": name, "description": text, "from_built_state": name in FROM_BUILT,
             "starts_from": starts_from(name),
             "timed": {b.lang: b.timed.get(name, "") for b in every}}
            for name, text in SCENARIOS.items()],
        "profiles": [{"name": name, "description": text,
                      "builds": {b.lang: b.profiles.get(name, "") for b in every}}
                     for name, text in PROFILES.items()],
        "defaults": {"scenarios": {k: list(v) for k, v in DEFAULT_SCENARIOS.items()},
                     "profiles": {k: list(v) for k, v in DEFAULT_PROFILES.items()},
                     "note": DEFAULT_NOTE},
        "note": UNTIMED,
    }


def print_tables() -> None:
    """The scenarios and the profiles as two tables on stdout."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    # As report.console.make_console (160 columns when piped), without the storage
    # and statistics modules its neighbours load.
    out = Console(width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160)
    every = backends()
    table = Table(title="Scenarios (buildprof run --scenario)", title_justify="left",
                  show_lines=True)
    for col in ("scenario", "what it does", "starts from", "timed"):
        table.add_column(col, overflow="fold")
    for name, text in SCENARIOS.items():
        timed = "\n".join(f"{title(b.lang)}: {b.timed[name]}" for b in every if name in b.timed)
        table.add_row(name, escape(text), escape(starts_from(name)), escape(timed))
    out.print(table)
    out.print(UNTIMED, highlight=False)
    out.print(f"Default: {', '.join(DEFAULT_SCENARIOS['samples'])} on the graded samples; "
              f"{', '.join(DEFAULT_SCENARIOS['paths'])} on your own projects.\n",
              highlight=False)
    profiles = Table(title="Profiles (buildprof run --profile)", title_justify="left")
    profiles.add_column("profile")
    profiles.add_column("what it builds", overflow="fold")
    for name, text in PROFILES.items():
        builds = "\n".join(f"{title(b.lang)}: {b.profiles[name]}" for b in every
                           if name in b.profiles)
        profiles.add_row(name, escape(f"{text}\n{builds}"))
    out.print(profiles)
    out.print(f"Default: {', '.join(DEFAULT_PROFILES['samples'])} on the graded samples; "
              f"{', '.join(DEFAULT_PROFILES['paths'])} on your own projects; "
              f"{DEFAULT_NOTE}.", highlight=False)
