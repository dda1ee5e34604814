"""`buildprof scenarios`: what each scenario and profile of `buildprof run` builds.

The definitions are profiler/scenarios/definitions.py's; what each toolchain does
for them (its starting state, the command timed) is its backend's
(profiler/backends/); profiler.report.scenarios prints both.
"""

from __future__ import annotations

from profiler.cli.options import format_option

# The backends' texts and rich are imported in the command: `buildprof --help`
# imports this module.


def scenarios(
    fmt: format_option("table", "json") = "table",
) -> None:
    """What each scenario and profile of `run` builds, from what state, and what is timed."""
    from profiler.report import scenarios as view

    if fmt == "json":
        import sys

        from profiler.report.writers import write_json

        write_json(view.describe(), sys.stdout)
        return
    view.print_tables()
