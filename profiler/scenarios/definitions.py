"""The scenarios and profiles, each defined once, whatever the toolchain.

These texts are the definitions, which `buildprof scenarios` prints beside what each
toolchain's backend does for them (Backend.starts_from, timed, profiles).
"""

from __future__ import annotations

from typing import Any

from profiler.errors import UsageError

SCENARIOS: dict[str, str] = {
    "clean": "project and dependencies rebuilt; the standard library cached, as a "
             "toolchain that ships it prebuilt has it",
    "cold": "nothing cached: a standard library that ships as source is compiled too",
    "incremental": "from a fully built state, one named source edit, then rebuild; the "
                   "edit is reverted and the built state restored after each run",
    "noop": "rebuild of a fully built state with nothing changed",
    "check": "type-check and lint without generating code, from the clean state",
    "test": "compile every test binary without running a test, from the clean state",
}

# What the timed build starts from (Workspace.prepare); each backend adds its own
# detail (Backend.starts_from).
STARTS_FROM: dict[str, str] = {
    "clean": "reset before each run",
    "cold": "reset before each run",
    "incremental": "the fully built state (built once, untimed, and saved), restored before "
                   "each run; then the edit (--edit) is applied",
    "noop": "the fully built state (built once, untimed)",
    "check": "the clean state",
    "test": "the clean state",
}

PROFILES: dict[str, str] = {
    "debug": "unoptimised: the build of the edit-build loop",
    "release": "optimised: the build that ships",
}

# Scenarios that start from a fully built state.
FROM_BUILT = frozenset({"incremental", "noop"})


def split_values(values: list[str] | None) -> list[str]:
    """Accept repetition and comma lists alike: ['a,b', 'c'] -> ['a', 'b', 'c']."""
    out: list[str] = []
    for value in values or []:
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return list(dict.fromkeys(out))  # keep order, drop repeats


def check_names(kind: str, values: list[str], allowed: list[str] | tuple[str, ...]) -> list[str]:
    for value in values:
        if value not in allowed:
            raise UsageError(f"unknown {kind} '{value}'; use one of: {', '.join(allowed)}")
    return values


# What `buildprof run` picks without --scenario/--profile: on the samples, and on
# the user's own projects (profiler.session.resolve.build_cells; `buildprof scenarios` and
# `run --help` print them).
DEFAULT_SCENARIOS: dict[str, tuple[str, ...]] = {
    "samples": ("clean", "incremental", "noop"), "paths": ("clean",)}
DEFAULT_PROFILES: dict[str, tuple[str, ...]] = {
    "samples": ("debug", "release"), "paths": ("debug",)}
# Without --profile, the scenarios that start from a built state run in this profile
# only: the edit-build loop is a debug loop. On the graded samples a release edit
# rebuilds every crate that depends on the edited leaf, so it costs what a clean
# release build does, and a release no-op what a debug one does; both cells cost a
# whole release build of their starting state and told nothing the other cells did
# not (README, "The default matrix"). --profile debug,release measures them.
BUILT_STATE_PROFILE = "debug"
DEFAULT_NOTE = (f"without --profile, {' and '.join(sorted(FROM_BUILT))} run in "
                f"{BUILT_STATE_PROFILE} only (the edit-build loop); --profile debug,release "
                f"adds their release cells")


def default_profiles(scenario: str, kind: str) -> tuple[str, ...]:
    """The profiles a scenario runs in when --profile is not given; `kind` is
    "samples" or "paths"."""
    profiles = DEFAULT_PROFILES[kind]
    if scenario in FROM_BUILT and BUILT_STATE_PROFILE in profiles:
        return (BUILT_STATE_PROFILE,)
    return profiles


# -- what `buildprof scenarios` prints ----------------------------------------------------

UNTIMED = ("Only the build command is timed: copying the project, downloading "
           "dependencies, building, saving and restoring the starting state, and "
           "reverting an edit run outside the timed region.")


def starts_from(scenario: str) -> str:
    """Where the scenario's timed build starts from, with each toolchain's detail."""
    from profiler.backends import backends  # the toolchains' own words: not for --help
    from profiler.languages import title

    details = [f"{title(b.lang)}: {b.starts_from[scenario]}" for b in backends()
               if scenario in b.starts_from]
    return STARTS_FROM[scenario] + (f": {'; '.join(details)}" if details else "")


def describe() -> dict[str, Any]:
    """Every scenario and profile, as `--format json` prints them."""
    from profiler.backends import backends

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
