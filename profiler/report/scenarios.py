"""`buildprof scenarios`: what each scenario and profile of `run` builds, from what
state, and the command each toolchain times, as scenarios.definitions.describe gives
them (the definitions beside each backend's own words), drawn as two tables."""

from __future__ import annotations

import os
import sys
from typing import Any

from profiler.languages import title


def print_tables(data: dict[str, Any]) -> None:
    """The scenarios and the profiles of `data` (describe()) as two tables on stdout."""
    from rich.console import Console

    from profiler.report.console import SafeTable

    # As report.console.make_console (160 columns when piped), without the storage
    # and statistics modules its neighbours load.
    out = Console(width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160)
    table = SafeTable(title="Scenarios (buildprof run --scenario)", title_justify="left",
                  show_lines=True)
    for col in ("scenario", "what it does", "starts from", "timed"):
        table.add_column(col, overflow="fold")
    for s in data["scenarios"]:
        timed = "\n".join(f"{title(lang)}: {text}" for lang, text in s["timed"].items() if text)
        table.add_row(s["name"], s["description"], s["starts_from"], timed)
    out.print(table)
    out.print(data["note"], highlight=False)
    defaults = data["defaults"]
    out.print(f"Default: {', '.join(defaults['scenarios']['samples'])} on the graded samples; "
              f"{', '.join(defaults['scenarios']['paths'])} on your own projects.\n",
              highlight=False)
    profiles = SafeTable(title="Profiles (buildprof run --profile)", title_justify="left")
    profiles.add_column("profile")
    profiles.add_column("what it builds", overflow="fold")
    for p in data["profiles"]:
        builds = "\n".join(f"{title(lang)}: {text}" for lang, text in p["builds"].items()
                           if text)
        profiles.add_row(p["name"], f"{p['description']}\n{builds}")
    out.print(profiles)
    out.print(f"Default: {', '.join(defaults['profiles']['samples'])} on the graded samples; "
              f"{', '.join(defaults['profiles']['paths'])} on your own projects; "
              f"{defaults['note']}.", highlight=False)
