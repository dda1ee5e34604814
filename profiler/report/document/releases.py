"""The report's "Compilers over time", as the text rows every renderer shares.

The terminal, Markdown and HTML renderers take their titles, heads and rows from
here, so they show the same numbers for a CompilersOverTime
(profiler.analysis.releases); the HTML report adds its chart (document/charts.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from profiler.analysis import wording as w
from profiler.analysis.releases import (
    Cell,
    CompilersOverTime,
    Point,
    Release,
    Step,
    build_text,
)

TITLE = "Compilers over time"

RELEASES_TITLE = "Releases measured"
RELEASE_HEADS = ("line", "release", "released", "toolchains", "origin", "sessions")
RELEASE_RIGHT = ()

STEPS_TITLE = "From one release to the next: the changes the U test finds"
STEP_HEADS = ("line", "size", "scenario", "from → to", "before", "after", "change",
              "U test")
STEP_RIGHT = (4, 5, 6)

RATIOS_TITLE = "Rust/Go by release year: median of each year's releases"
RATIO_HEADS = ("size", "scenario", "year", "Go releases", "Go", "Rust releases", "Rust",
               "Rust/Go")
RATIO_RIGHT = (4, 6, 7)


def sessions_text(ids: tuple[int, ...]) -> str:
    """`1, 4, 7`; past six sessions `12 sessions, 3 to 40`."""
    if len(ids) > 6:
        return f"{len(ids)} sessions, {ids[0]} to {ids[-1]}"
    return ", ".join(map(str, ids))


def intro(s: CompilersOverTime) -> str:
    sessions = sessions_text(s.sessions)
    if len(s.sessions) <= 6:
        sessions = f"session{'s' if len(s.sessions) > 1 else ''} {sessions}"
    return (f"The graded samples built by each release of Go and Rust on this machine "
            f"({sessions}): median wall time "
            f"± MAD (runs). A line is one compiler's builds from release to release: all "
            f"Go is one; Rust's official builds and Debian's are two. ≈: a release date "
            f"not recorded, estimated by version order.")


SENTENCE_RULE = ("The sentence reads clean debug builds at the largest size measured "
                 "across releases (another cell only where those were not), each line's "
                 "first release against its last (U test), and the Rust/Go ratio in the "
                 "first year both languages were measured against the last.")


def release_rows(s: CompilersOverTime) -> list[list[str]]:
    return [[r.line_title, r.version, r.date_text, ", ".join(r.specs), ", ".join(r.origins),
             sessions_text(r.sessions)] for r in s.releases]


def point_text(p: Point | None) -> str:
    """`2.51 s ± 0.02 s (6)`; `failed (2)` without a successful run; `-` unmeasured."""
    if p is None:
        return "-"
    if not p.wall.n:
        return f"failed ({p.failed})"
    spread = f" ± {w.seconds(p.wall.mad)}" if p.wall.n > 1 else ""
    failed = f", {p.failed} failed" if p.failed else ""
    return f"{w.seconds(p.wall.median)}{spread} ({p.wall.n}{failed})"


@dataclass(frozen=True)
class TimesTable:
    """One scenario × profile: a row per release, a column per size."""

    title: str
    heads: tuple[str, ...]
    right: tuple[int, ...]
    rows: list[list[str]]


def times_tables(s: CompilersOverTime) -> list[TimesTable]:
    cells = s.cells
    kinds = list(dict.fromkeys((c.scenario, c.edit, c.profile) for c in cells))
    out = []
    for scenario, edit, profile in kinds:
        mine = [c for c in cells if (c.scenario, c.edit, c.profile) == (scenario, edit, profile)]
        sizes = [c.size for c in mine]
        rows = []
        for r in s.releases:
            found = [s.point(c, r) for c in mine]
            if any(found):
                rows.append([r.line_title, r.version, r.date_text,
                             *(point_text(p) for p in found)])
        heads = ("line", "release", "released", *sizes)
        out.append(TimesTable(f"{mine[0].text}: median wall time ± MAD (runs)", heads,
                              tuple(range(3, len(heads))), rows))
    return out


def _release_pair(a: Release, b: Release) -> str:
    return f"{a.version} → {b.version}"


def step_row(st: Step) -> list[str]:
    c: Cell = st.a.cell
    return [st.a.release.line_title, c.size, c.text, _release_pair(st.a.release, st.b.release),
            w.seconds(st.a.wall.median), w.seconds(st.b.wall.median), st.test.change_text,
            st.test.p_verdict()]


def step_rows(s: CompilersOverTime) -> list[list[str]]:
    return [step_row(st) for st in s.shown_steps]


def steps_summary(s: CompilersOverTime) -> str:
    """How many steps there are, how many the table names, and why the rest are not."""
    shown = s.shown_steps
    few = sum(st.test.test.too_few for st in shown)
    quiet = len(s.steps) - len(shown)
    if not s.steps:
        return "No line has two releases measured in one cell: no step to test."
    parts = [f"{len(s.steps)} step(s) between consecutive releases of a line"]
    parts.append(f"{len(shown) - few} significant (U test, p < 0.05)")
    if few:
        parts.append(f"{few} on too few runs to test")
    if quiet:
        parts.append(f"{quiet} within the noise, not listed")
    return "; ".join(parts) + "."


def ratio_rows(s: CompilersOverTime) -> list[list[str]]:
    several = len({r.rust_line for r in s.ratios}) > 1
    rows = []
    for r in s.ratios:
        rust = ", ".join(p.release.version for p in r.rust)
        if several:
            rust += f" ({build_text(r.rust_line)})"
        rows.append([r.cell.size, r.cell.text, r.year_text,
                     ", ".join(p.release.version for p in r.go), w.seconds(r.go_s), rust,
                     w.seconds(r.rust_s), f"{r.ratio:.1f}×"])
    return rows

