"""`buildprof scenarios`: what each scenario and profile of `buildprof run` builds.

The definitions are profiler/scenarios/definitions.py's; what each toolchain does
for them (its starting state, the command timed) is its backend's
(profiler/backends/); scenarios.definitions.describe gathers both, and
profiler.report.scenarios draws them.
"""

from __future__ import annotations

from profiler.cli.options import format_option

# The backends' texts and rich are imported in the command: `buildprof --help`
# imports this module.


def scenarios(
    fmt: format_option("table", "json") = "table",
) -> None:
    """What each scenario and profile of `run` builds, from what state, and what is timed."""
    from profiler.scenarios.definitions import describe

    data = describe()
    if fmt == "json":
        import sys

        from profiler.report.writers import write_json

        write_json(data, sys.stdout)
        return
    from profiler.report.scenarios import print_tables

    print_tables(data)
