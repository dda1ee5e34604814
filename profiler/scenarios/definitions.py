"""The scenarios and profiles, each defined once for both languages.

These texts are the definitions: the CLI help and the README show them.
"""

from __future__ import annotations

from profiler.errors import UsageError

SCENARIOS: dict[str, str] = {
    "clean": "project and dependencies rebuilt; the standard library cached "
             "(Rust's ships prebuilt; Go gets a GOCACHE snapshot holding only the std "
             "packages the project imports, copied in before each run)",
    "cold": "nothing cached: Go starts from an empty GOCACHE and compiles its std from "
            "source; Cargo from an empty target directory (Rust's std stays prebuilt)",
    "incremental": "from a fully built state, one named source edit, then rebuild; the "
                   "edit is reverted and the built state restored after each run",
    "noop": "rebuild of a fully built state with nothing changed",
    "check": "`cargo check` against `go vet ./...`, from the clean state",
    "test": "compile every test binary without running a test: `cargo test --no-run` "
            "against `go test -c -vet=off -o DIR/ ./...`, from the clean state",
}

PROFILES: dict[str, str] = {
    "debug": "Rust: dev profile (cargo build). Go: -gcflags=all=-N -l (no optimisation, "
             "no inlining)",
    "release": "Rust: release profile (cargo build --release). Go: the default build, "
               "Go's one optimising mode",
}

GO_DEBUG_FLAGS = ["-gcflags=all=-N -l"]

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
# the user's own projects (profiler.session.build_cells; `buildprof scenarios` and
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
