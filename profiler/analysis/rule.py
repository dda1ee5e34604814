"""The verdict rule on "Go compiles in seconds, Rust in minutes" (docs/report.md
states it for users).

* Evidence: the clean scenario (project and dependencies rebuilt, the standard
  library cached, each tool's default parallelism) at the largest graded size
  measured in both languages (a real-world sample when no graded size was).
* "Seconds" is under 60 s, "minutes" is 60 s or more (`verdict`, the rule the
  run headline applies to each cell), applied to Go's default build (the
  `release` profile, Go's one optimising mode) against each Rust profile
  measured (`cargo build` = debug, `cargo build --release` = release).
* holds: Go finishes in seconds and every measured Rust profile takes minutes.
* partly holds: Rust takes minutes in some profile but not every one while Go
  takes seconds, or Rust takes minutes and so does Go.
* does not hold: Rust finishes in under a minute in every measured profile.
"""

from __future__ import annotations

MINUTE = 60.0
GO_DEFAULT_PROFILE = "release"  # `go build` with no flags; debug is -gcflags=all=-N -l

# The order in which the report lists languages, profiles and scenarios.
LANG_ORDER = ("go", "rust")
PROFILE_ORDER = ("debug", "release")
SCENARIO_ORDER = ("clean", "cold", "incremental", "noop", "check", "test")

# The times the scaling fits are read at: where a curve crosses each.
THRESHOLDS: tuple[tuple[float, str], ...] = ((10.0, "10 s"), (60.0, "1 minute"),
                                             (600.0, "10 minutes"))
MIN_SIZES = 3  # fewer graded sizes than this: the fit is shown, but not trusted


def verdict(rust_s: float, go_s: float) -> str:
    """The rule for one cell: the claim holds when Rust takes a minute or more
    ("minutes") while Go stays under a minute ("seconds")."""
    return "holds" if rust_s >= MINUTE and go_s < MINUTE else "does not hold"


def outcome(go_s: float, rust_s: dict[str, float]) -> str:
    """The verdict for one project: Go's default build against each Rust profile."""
    if not rust_s:
        return "not measured"
    minutes = {p for p, s in rust_s.items() if s >= MINUTE}
    if not minutes:
        return "does not hold"
    if all(verdict(s, go_s) == "holds" for s in rust_s.values()):
        return "holds"
    return "partly holds"
