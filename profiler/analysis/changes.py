"""Change points: where in a series of builds the time stepped up or down, and why.

A series is one cell (project, language, toolchain, scenario, profile, jobs, edit,
variant) on one machine. Its points are its commits, in first-parent order, for runs
of `run PATH --rev` (each commit's place was recorded with its runs), and its
sessions, in time order, for every other run. A point's value is the median of its
good timed runs; a commit that did not build stays in the series as a failed point
and is left out of the detection.

The detection is E-divisive means (Matteson and James, 2014) as Apache Otava runs it
(vendored: profiler.analysis.otava): the series is split where the two sides differ
most in the energy distance, over sliding windows, each split kept when a Student
t-test of the two sides' point values has p below `max_pvalue`; weak change points
are then merged away at the strict level. MongoDB published this family for its CI
(Daly et al., ICPE 2020); Otava's t-test in place of permutations makes it
deterministic and fast. The parameters are calibrated on buildprof's own noise
(bench/changes_calibration.py, docs/changes.md).

Each change point is then described with buildprof's own statistics: the runs of the
points between the previous change point and it (before) against those from it to
the next (after), as one TwoSample (medians, their CIs, the change, the U test);
and what changed at it (`Cause`): the toolchain version, the locked dependencies and
the build configuration (read by the language's backend from the repository, when
it is there), the lines compiled, the files the commit touched and, with
--breakdown runs on both sides, the units whose time changed most.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from statistics import median
from typing import Any

from profiler.analysis.twosample import TwoSample
from profiler.model.cells import CellKey, Sample

# Calibrated on A/A series of this machine's builds (docs/changes.md): the t-test's
# level, the sliding window and the least change a step must have.
MAX_PVALUE = 0.001
WINDOW = 50
MIN_MAGNITUDE_PCT = 2.0
FIRST_PASS = 0.2
MIDDLE_PASSES = (0.1, 0.05)  # first-pass levels between FIRST_PASS and Otava's (`detect`)


@dataclass(frozen=True)
class Point:
    """A commit (revision runs) or a session (any other run) of a series."""

    label: str  # a commit's 12 digits, or `session 7`
    commit: str | None
    subject: str | None
    date: str | None  # the commit's date, or the session's start
    order: float  # first-parent place, or session start as a number for ordering
    values: tuple[float, ...]  # the good timed runs' wall times
    run_ids: tuple[int, ...]  # those runs
    failed: bool  # no good run, and a failed one
    error: str | None  # a failed point's first error line
    versions: tuple[str, ...]  # toolchain versions its runs used
    compiled_loc: int | None
    repo: str | None
    here: str | None  # the project's directory in the repository
    failed_ids: tuple[int, ...] = ()  # its timed runs that failed

    @property
    def median(self) -> float | None:
        return median(self.values) if self.values else None


@dataclass(frozen=True)
class Series:
    key: CellKey  # rev left out
    machine: str
    machine_id: str
    by_commit: bool
    points: tuple[Point, ...]

    @property
    def measured(self) -> list[Point]:
        return [p for p in self.points if p.values]

    @property
    def title(self) -> str:
        return f"{self.key.label} on {self.machine}"


@dataclass(frozen=True)
class Cause:
    """What changed between the point before a change point and the change point."""

    toolchain: tuple[str, ...] = ()  # `go 1.26.7 → 1.26.8`
    dependencies: tuple[str, ...] = ()  # `serde 1.0.1 → 1.0.2`
    config: tuple[str, ...] = ()  # `Cargo.toml [profile.dev] opt-level: unset → 1`
    compiled_loc: tuple[int | None, int | None] = (None, None)
    files: int | None = None
    top_dirs: tuple[tuple[str, int], ...] = ()
    # The units whose time changed most: name, seconds before and after (None: the
    # unit is new, or gone).
    units: tuple[tuple[str, float | None, float | None], ...] = ()
    note: str | None = None  # why the repository could not be read


@dataclass(frozen=True)
class ChangePoint:
    series: Series
    point: Point  # the first point of the new level
    previous: Point  # the last measured point before it
    step: TwoSample  # runs before (to the previous change) against after (to the next)
    pvalue: float  # the detection's t-test
    cause: Cause = field(default_factory=Cause)

    @property
    def slower(self) -> bool:
        pct = self.step.change_pct
        return pct is not None and pct > 0


# -- series from runs ----------------------------------------------------------------


def _here(run: dict[str, Any]) -> str | None:
    """The project's directory in the repository, from the exported path it was
    built from (…/revisions/NAME-COMMIT16/HERE)."""
    path, commit = run.get("project_path"), run.get("commit_hash")
    if not path or not commit:
        return None
    parts = Path(path).parts
    for i, part in enumerate(parts):
        if part.endswith(f"-{commit[:16]}"):
            return "/".join(parts[i + 1:])
    return None


def series(runs: Sequence[dict[str, Any]]) -> list[Series]:
    """The runs (timed, good and failed) grouped into series, each in order."""
    groups: dict[tuple[CellKey, str, bool], list[dict[str, Any]]] = {}
    for r in runs:
        key = replace(CellKey.of(r), rev=None)
        groups.setdefault((key, r["machine_id"], bool(r.get("commit_hash"))), []).append(r)
    out = []
    for (key, machine_id, by_commit), rows in groups.items():
        points: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            pk = r["commit_hash"] if by_commit else f"session {r['session_id']}"
            points.setdefault(pk, []).append(r)
        made = [_point(pk, rs, by_commit) for pk, rs in points.items()]
        made.sort(key=lambda p: (p.order, p.date or ""))
        out.append(Series(key, rows[0].get("machine") or machine_id[:12], machine_id,
                          by_commit, tuple(made)))
    out.sort(key=lambda s: (s.key.project, s.key.lang, s.key.scenario, s.key.profile,
                            s.key.toolchain, s.key.jobs or 0, s.key.edit or "",
                            s.key.variant, s.machine))
    return out


def _point(pk: str, rows: list[dict[str, Any]], by_commit: bool) -> Point:
    ok = [r for r in rows if r["status"] == "ok"]
    first = rows[0]
    if by_commit:
        order = first.get("commit_order")
        date = first.get("commit_date") or min(r["started"] for r in rows)
        # A commit recorded before its place was (schema < 11): by time.
        key_order = float(order) if order is not None else _stamp(date)
        label, subject = pk[:12], first.get("commit_subject")
    else:
        date = first.get("session_started") or min(r["started"] for r in rows)
        key_order, label, subject = _stamp(date), pk, first.get("label")
    failed = [r for r in rows if r["status"] != "ok"]
    return Point(label, pk if by_commit else None, subject, date, key_order,
                 tuple(r["wall_s"] for r in ok), tuple(r["id"] for r in ok),
                 not ok and bool(failed),
                 _error(failed[0]) if failed and not ok else None,
                 tuple(sorted({r.get("toolchain_version") or "?" for r in rows})),
                 next((r.get("compiled_loc") for r in ok if r.get("compiled_loc")), None),
                 first.get("repo"), _here(first), tuple(r["id"] for r in failed))


def _error(run: dict[str, Any]) -> str:
    """A failed run's one line, as `run` said it: the compiler's first error."""
    from profiler.backends import backend_for

    if run["status"] == "timeout":
        return "timed out"
    return backend_for(run["lang"]).explain(run.get("stderr_tail") or "")


def _stamp(date: str | None) -> float:
    from datetime import datetime

    try:
        return datetime.fromisoformat(date or "").timestamp()
    except ValueError:
        return math.inf


# -- detection -----------------------------------------------------------------------


def detect(values: Sequence[float], max_pvalue: float = MAX_PVALUE, window: int = WINDOW,
           min_magnitude_pct: float = MIN_MAGNITUDE_PCT, first_pass: float = FIRST_PASS
           ) -> list[tuple[int, float]]:
    """Change points of a series of values: the index of each new level's first
    value, and the t-test's p-value. Fewer than 3 values have none.

    Otava's two steps, at several first-pass levels: the split step keeps every
    candidate with p below the level, then the merge step re-tests each against its
    neighbouring change points at `max_pvalue` and drops those below
    `min_magnitude_pct`; the change points of every level are kept. The levels run
    from the lenient `first_pass` down to Otava's own (10 × max_pvalue). A lenient
    first pass matters for a step up followed by a step down (a bump): tested
    against the whole rest of the series, the first split of a bump is not
    significant, though both its edges are strongly so against their neighbours.
    The levels between matter for a clean bump: the most lenient one cuts it into
    one- and two-point pieces, whose tests come out at p = 1, and the merge then
    drops the bump's own edges first (a 7× bump of 14 commits measured in CI was
    found at 0.1 and 0.05 and at neither end)."""
    if len(values) < 3:
        return []
    from profiler.analysis.otava.analysis import TTestSignificanceTester, merge, split

    series = [float(v) for v in values]
    found: dict[int, object] = {}
    # Otava's own first pass as well: a lenient one can keep a weak wobble beside a
    # step at the end of the series (the newest commit), whose one-point segment then
    # tests as p = 1 and is merged away first. Every point kept passed the strict
    # merge at one level; their p-values are then taken between the union's
    # neighbours.
    strict = min(max_pvalue * 10, first_pass)
    for level in sorted({first_pass, *(v for v in MIDDLE_PASSES if strict < v < first_pass),
                         strict}, reverse=True):
        weak = split(series, window_len=window, max_pvalue=level)
        for cp in merge(weak, series, max_pvalue, min_magnitude_pct / 100):
            found.setdefault(int(cp.index), cp)
    tester = TTestSignificanceTester(max_pvalue)

    def tested(idx: list[int]) -> list[Any]:
        """The change points at `idx`, each tested between its neighbours."""
        pts = [found[i] for i in idx]
        intervals = tester.get_intervals(pts)  # type: ignore[arg-type]
        return [tester.change_point(cp.to_candidate(), series,  # type: ignore[attr-defined]
                                    intervals) for cp in pts]

    # One point between two change points is not a level of its own: the union of the
    # passes can hold both edges of a single high commit (the first of a step, say).
    # Of two change points side by side the weaker goes (larger p, then smaller
    # change), and the rest are merged again at the strict level.
    idx = sorted(found)
    while any(b - a == 1 for a, b in itertools.pairwise(idx)):
        cps = tested(idx)
        k = next(k for k in range(len(idx) - 1) if idx[k + 1] - idx[k] == 1)
        weak = max((k, k + 1), key=lambda j: (cps[j].stats.pvalue,
                                             -cps[j].stats.change_magnitude()))
        del idx[weak]
        idx = [int(cp.index) for cp in merge(tested(idx), series, max_pvalue,
                                             min_magnitude_pct / 100)]
    return [(int(cp.index), float(cp.stats.pvalue)) for cp in tested(idx)]


def change_points(s: Series, max_pvalue: float = MAX_PVALUE, window: int = WINDOW,
                  min_magnitude_pct: float = MIN_MAGNITUDE_PCT) -> list[ChangePoint]:
    """The series' change points, each with its step (TwoSample of the runs between
    the change points around it); causes are added by `explain`."""
    pts = s.measured
    found = detect([p.median for p in pts], max_pvalue, window,  # type: ignore[misc]
                   min_magnitude_pct)
    bounds = [0, *(i for i, _ in found), len(pts)]
    out = []
    for k, (i, p) in enumerate(found):
        before = [v for pt in pts[bounds[k]:i] for v in pt.values]
        after = [v for pt in pts[i:bounds[k + 2]] for v in pt.values]
        out.append(ChangePoint(s, pts[i], pts[i - 1],
                               TwoSample.of(Sample(tuple(before)), Sample(tuple(after))), p))
    return out


# -- what changed ----------------------------------------------------------------------


def explain(cp: ChangePoint, units_of_run: Any = None, top: int = 5) -> ChangePoint:
    """The change point with its Cause: what changed between the previous point and it."""
    a, b = cp.previous, cp.point
    toolchain = ()
    if set(a.versions) != set(b.versions):
        toolchain = (f"{cp.series.key.toolchain}: {', '.join(a.versions)} → "
                     f"{', '.join(b.versions)}",)
    cause = Cause(toolchain=toolchain, compiled_loc=(a.compiled_loc, b.compiled_loc))
    if a.commit and b.commit:
        cause = from_repo(cause, cp.series.key.lang, Path(b.repo) if b.repo else None,
                          b.here or "", a.commit, b.commit)
    if units_of_run is not None:
        cause = replace(cause, units=_units(a, b, units_of_run, top))
    return replace(cp, cause=cause)


def from_repo(cause: Cause, lang: str, repo: Path | None, here: str, a: str, b: str
              ) -> Cause:
    """The cause with what the repository says changed from commit `a` to `b`: the
    locked dependencies and build configuration (the language's backend reads
    them) and the files touched; a note instead when the repository is not here."""
    from profiler.backends import backend_for
    from profiler.sources import commits

    if repo is None or not commits.has_commit(repo, a) or not commits.has_commit(repo, b):
        where = f" at {repo}" if repo else ""
        return replace(cause, note=f"the repository{where} is not here, or lacks these "
                                   f"commits: dependencies, configuration and files not read")
    backend = backend_for(lang)
    read_a, read_b = commits.reader(repo, a), commits.reader(repo, b)
    t = commits.touched(repo, a, b)
    deps_a, deps_b = backend.dependencies(read_a, here), backend.dependencies(read_b, here)
    deps = []
    for name in sorted(deps_a.keys() | deps_b.keys()):
        old, new = deps_a.get(name), deps_b.get(name)
        if old != new:
            deps.append(f"{name} {old} (removed)" if new is None else
                        f"{name} {new} (added)" if old is None else f"{name} {old} → {new}")
    return replace(cause, dependencies=tuple(deps),
                   config=tuple(backend.config_changes(read_a, read_b, list(t.files), here)),
                   files=len(t.files), top_dirs=t.top_dirs[:3])


def _units(a: Point, b: Point, units_of_run: Any, top: int
           ) -> tuple[tuple[str, float | None, float | None], ...]:
    from profiler.analysis.unitdiff import diff

    ua = [units_of_run(i) for i in a.run_ids]
    ub = [units_of_run(i) for i in b.run_ids]
    if not any(ua) or not any(ub):
        return ()
    d = diff(ua, ub)
    moved = [(c.name, c.a.wall_s, c.b.wall_s) for c in d.changed]
    moved += [(u.name, None, u.wall_s) for u in d.new]
    moved += [(u.name, u.wall_s, None) for u in d.removed]
    moved.sort(key=lambda m: -abs((m[2] or 0.0) - (m[1] or 0.0)))
    return tuple(moved[:top])


# -- the command's answer ------------------------------------------------------------


@dataclass(frozen=True)
class Changes:
    """Every selected series and the change points found in it, with the parameters."""

    series: tuple[Series, ...]
    points: tuple[ChangePoint, ...]
    max_pvalue: float
    min_magnitude_pct: float

    def of(self, s: Series) -> list[ChangePoint]:
        return [cp for cp in self.points if cp.series is s]

    def newest_steps(self, above_pct: float) -> list[ChangePoint]:
        """Change points at the newest measured point of their series that are a
        slowdown by more than `above_pct` (`--fail-on-change`). Being a change point
        is the significance; when both sides have the runs a U test needs, the shifted
        U test of `compare --fail-above` must agree. (The newest point alone usually
        has too few runs for a U test: three runs a side never reach p < 0.05.)"""
        out = []
        for s in self.series:
            pts = s.measured
            found = self.of(s)
            if not (pts and found and found[-1].point is pts[-1]):
                continue
            cp = found[-1]
            pct = cp.step.change_pct
            if pct is None or pct <= above_pct:
                continue
            if cp.step.test.too_few or cp.step.threshold_test(above_pct).significant:
                out.append(cp)
        return out


def find(store: Any, filters: Any, *, max_pvalue: float = MAX_PVALUE,
         min_magnitude_pct: float = MIN_MAGNITUDE_PCT, causes: bool = True,
         top_units: int = 5, runs: Sequence[dict[str, Any]] | None = None) -> Changes:
    """The change points of every series the filters select, each explained. `runs`:
    the timed runs of `filters`, when the caller has read them already."""
    every = series(store.runs(filters, timed_only=True) if runs is None else runs)
    found = []
    for s in every:
        for cp in change_points(s, max_pvalue, WINDOW, min_magnitude_pct):
            found.append(explain(cp, store.units_of_run, top_units) if causes else cp)
    return Changes(tuple(every), tuple(found), max_pvalue, min_magnitude_pct)
