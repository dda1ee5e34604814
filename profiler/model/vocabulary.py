"""The closed sets of words a results file holds: what a run's scenario, profile and
status, a session's status and a load round's status may be. The scenarios' texts
live in profiler.scenarios.definitions (tests/test_merge.py checks that the names
agree); storage checks merged and pulled rows against these."""

SCENARIOS = ("clean", "cold", "incremental", "noop", "check", "test")
PROFILES = ("debug", "release")
RUN_STATUSES = ("ok", "failed", "timeout")
SESSION_STATUSES = ("running", "completed", "failed", "interrupted", "aborted")
LOAD_STATUSES = ("ok", "failed")
LOAD_SCENARIOS = ("load",)
