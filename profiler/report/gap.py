"""The gap report's data: Go against Rust, the scaling fits and the verdict.

`load(conn, filters)` reads the stored runs (one query, through
profiler.storage.queries); everything after it is a pure function of rows, so
the terminal, Markdown, JSON and HTML renderers show the same numbers.

The verdict rule (docs/report.md states it for users):

* Evidence: the clean scenario (project and dependencies rebuilt, the standard
  library cached, each tool's default parallelism) at the largest graded size
  measured in both languages (a real-world sample when no graded size was).
* "Seconds" is under 60 s, "minutes" is 60 s or more: the run headline's rule
  (`profiler.report.terminal.verdict`), applied to Go's default build (the
  `release` profile, Go's one optimising mode) against each Rust profile
  measured (`cargo build` = debug, `cargo build --release` = release).
* holds: Go finishes in seconds and every measured Rust profile takes minutes.
* partly holds: Rust takes minutes in some profile but not every one while Go
  takes seconds, or Rust takes minutes and so does Go.
* does not hold: Rust finishes in under a minute in every measured profile.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from profiler.errors import UsageError
from profiler.report.format import seconds
from profiler.report.terminal import MINUTE
from profiler.report.terminal import verdict as cell_verdict
from profiler.samples.spec import SIZES
from profiler.stats import mad
from profiler.storage.queries import Filters

LANG_ORDER = ("go", "rust")
PROFILE_ORDER = ("debug", "release")
SCENARIO_ORDER = ("clean", "cold", "incremental", "noop", "check", "test")
THRESHOLDS: tuple[tuple[float, str], ...] = ((10.0, "10 s"), (60.0, "1 minute"),
                                             (600.0, "10 minutes"))
MIN_SIZES = 3  # fewer graded sizes than this: the fit is shown, but not trusted
GO_DEFAULT_PROFILE = "release"  # `go build` with no flags; debug is -gcflags=all=-N -l

# Why a scenario's gap can differ from the clean build's (the claim leaves these out).
LEFT_OUT: dict[str, str] = {
    "cold": "nothing cached: Go compiles its standard library from source, Rust's ships "
            "prebuilt",
    "incremental": "one edit in a built project: each tool rebuilds only what depends on it",
    "noop": "a rebuild with nothing changed",
    "check": "`cargo check` (no code generation) against `go vet ./...`",
    "test": "test binaries compiled, not run",
}
# The scenarios the verdict's caveats name even when they were not measured.
CAVEAT_SCENARIOS = ("cold", "incremental", "check")


# -- records ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One language's figures for a project × scenario × profile (× edit, jobs),
    over the successful timed runs of one toolchain."""

    project: str
    kind: str  # graded | realworld | path
    lang: str
    toolchain: str
    loc: int | None
    scenario: str
    edit: str | None
    jobs: int | None
    profile: str
    n: int
    failed: int
    wall_median: float | None
    wall_mad: float | None
    cpu_util: float | None
    peak_rss: float | None
    tree_peak_rss: float | None
    artifact_bytes: float | None
    times: tuple[float, ...] = ()


@dataclass(frozen=True)
class Pair:
    """Go against Rust for one project × scenario × profile."""

    project: str
    kind: str
    scenario: str
    edit: str | None
    jobs: int | None
    profile: str
    go: Cell | None
    rust: Cell | None

    @property
    def ratio(self) -> float | None:
        """Rust's median over Go's: how many times longer Rust takes."""
        if not (self.go and self.rust and self.go.n and self.rust.n):
            return None
        g, r = self.go.wall_median, self.rust.wall_median
        if g is None or r is None or g <= 0:
            return None
        return r / g


@dataclass(frozen=True)
class Fit:
    """time = a·LOC^b, least squares on (ln LOC, ln time) over the graded sizes."""

    lang: str
    toolchain: str
    scenario: str
    edit: str | None
    jobs: int | None
    profile: str
    points: tuple[tuple[str, int, float], ...]  # (size, LOC, median seconds), by LOC
    a: float | None
    b: float | None
    r2: float | None
    crossings: tuple[tuple[float, float | None], ...]  # (threshold s, LOC or None)

    @property
    def sizes(self) -> int:
        return len(self.points)

    @property
    def trusted(self) -> bool:
        return self.b is not None and self.sizes >= MIN_SIZES

    @property
    def loc_range(self) -> tuple[int, int]:
        return self.points[0][1], self.points[-1][1]

    def predict(self, loc: float) -> float | None:
        if self.a is None or self.b is None:
            return None
        return self.a * loc ** self.b

    def crossing(self, threshold: float) -> float | None:
        return dict(self.crossings).get(threshold)

    def extrapolated(self, loc: float) -> bool:
        lo, hi = self.loc_range
        return not (lo <= loc <= hi)

    @property
    def note(self) -> str:
        if self.b is None:
            return "one size: no fit" if self.sizes == 1 else "no fit"
        if not self.trusted:
            return f"{self.sizes} sizes: too few to trust"
        return ""


@dataclass(frozen=True)
class Evidence:
    """The claim tested at one project (the verdict uses the largest)."""

    project: str
    go_loc: int | None
    rust_loc: int | None
    go_profile: str
    go_s: float
    rust_s: tuple[tuple[str, float], ...]  # (profile, seconds) for each Rust profile measured

    @property
    def outcome(self) -> str:
        return outcome(self.go_s, dict(self.rust_s))


@dataclass(frozen=True)
class Verdict:
    outcome: str  # holds | partly holds | does not hold | not measured
    evidence: Evidence | None
    by_size: tuple[Evidence, ...]  # every graded size measured in both languages
    reasons: tuple[str, ...]  # the numbers behind it, in sentences
    missing_profiles: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScenarioGap:
    """How the gap of another scenario compares with the clean build's."""

    project: str
    scenario: str
    edit: str | None
    profile: str
    go_s: float
    rust_s: float
    ratio: float
    clean_ratio: float | None
    why: str
    jobs: int | None = None

    @property
    def change(self) -> str:
        if self.clean_ratio is None:
            return ""
        if self.ratio < 1 <= self.clean_ratio:
            return "reversed: Rust is faster here"
        if self.ratio < self.clean_ratio / 1.25:
            return "narrower"
        if self.ratio > self.clean_ratio * 1.25:
            return "wider"
        return "about the same"


@dataclass(frozen=True)
class Unit:
    name: str
    kind: str
    start_s: float
    end_s: float
    cpu_s: float | None
    peak_rss_bytes: int | None
    critical: bool


@dataclass(frozen=True)
class Timeline:
    """The per-unit record of one --breakdown run."""

    run_id: int
    lang: str
    project: str
    toolchain: str
    scenario: str
    profile: str
    wall_s: float
    units: tuple[Unit, ...]


@dataclass(frozen=True)
class GapReport:
    sessions: tuple[dict[str, Any], ...]  # id, started, status, label, command_line
    machine: dict[str, Any]
    toolchains: tuple[dict[str, Any], ...]  # lang, spec, version, version_full
    primary: dict[str, str]  # lang -> the toolchain of the Go-vs-Rust tables
    cells: tuple[Cell, ...]  # every toolchain
    pairs: tuple[Pair, ...]
    fits: tuple[Fit, ...]
    verdict: Verdict
    gaps: tuple[ScenarioGap, ...]
    not_measured: tuple[str, ...]  # caveat scenarios absent from the data
    sentences: tuple[str, ...]  # the scaling in words
    timelines: tuple[Timeline, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def fitted(self) -> list[Fit]:
        """The fits on two sizes or more (the others have no line to show)."""
        return [f for f in self.fits if f.b is not None]

    @property
    def unfitted(self) -> list[str]:
        """Scenario labels measured at a single graded size: no fit."""
        out: list[str] = []
        for f in self.fits:
            label = scenario_label(f.scenario, f.edit, f.jobs)
            if f.b is None and label not in out:
                out.append(label)
        return out

    @property
    def multi_toolchain_langs(self) -> list[str]:
        return [lang for lang in LANG_ORDER
                if len({c.toolchain for c in self.cells if c.lang == lang}) > 1]


# -- pure computations ---------------------------------------------------------------


def fit_power_law(points: Sequence[tuple[float, float]]
                  ) -> tuple[float, float, float] | None:
    """(a, b, R²) of time = a·LOC^b by ordinary least squares on (ln LOC, ln time).

    R² is that of the log-log regression: 1 - SS_res/SS_tot of ln time. None when
    fewer than two distinct LOC or a non-positive value; R² is nan when every
    time is the same.
    """
    pts = [(x, y) for x, y in points]
    if any(x <= 0 or y <= 0 for x, y in pts) or len({x for x, _ in pts}) < 2:
        return None
    xs = [math.log(x) for x, _ in pts]
    ys = [math.log(y) for _, y in pts]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    b = sxy / sxx
    ln_a = my - b * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - (ln_a + b * x)) ** 2 for x, y in zip(xs, ys, strict=True))
    r2 = 1 - ss_res / ss_tot if ss_tot > 0 else math.nan
    return math.exp(ln_a), b, r2


MAX_LOC = 1e9


def median_text(c: Cell | None) -> str:
    """A cell's median ± MAD as plain text, shared by every renderer."""
    if c is None:
        return "-"
    if not c.n:
        return f"failed ({c.failed})"
    return seconds(c.wall_median) + (f" ± {seconds(c.wall_mad)}" if c.n > 1 else "")


def ratio_text(p: Pair) -> str:
    return "-" if p.ratio is None else f"{p.ratio:.1f}×"


def crossing_loc(a: float, b: float, seconds: float) -> float | None:
    """The LOC at which a·LOC^b reaches `seconds`; None when the curve does not grow."""
    if b <= 0 or a <= 0:
        return None
    loc = (seconds / a) ** (1 / b)
    # A nearly flat curve (no-op builds) "crosses" at absurd sizes; past a
    # billion lines no project exists, so say only that.
    return loc if loc <= MAX_LOC else math.inf


def outcome(go_s: float, rust_s: dict[str, float]) -> str:
    """The machine verdict for one project (see the module docstring)."""
    if not rust_s:
        return "not measured"
    minutes = {p for p, s in rust_s.items() if s >= MINUTE}
    if not minutes:
        return "does not hold"
    if all(cell_verdict(s, go_s) == "holds" for s in rust_s.values()):
        return "holds"
    return "partly holds"


def project_kind(source: str | None) -> str:
    name = (source or "").removeprefix("sample:")
    if source and source.startswith("sample:"):
        return "graded" if name in SIZES else "realworld"
    return "path"


def _project_order(kind: str, name: str) -> tuple[int, int, str]:
    rank = {"graded": 0, "realworld": 1, "path": 2}[kind]
    return rank, SIZES.index(name) if kind == "graded" else 0, name


def _order(values: Sequence[str], value: str) -> tuple[int, str]:
    return (values.index(value) if value in values else len(values)), value


def _median(xs: list[float]) -> float | None:
    return median(xs) if xs else None


def summarize(runs: Sequence[dict[str, Any]]) -> list[Cell]:
    """Cells from timed runs (rows of queries.fetch_runs plus `source`): medians of
    the successful runs, `failed` counting the others."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for r in runs:
        if r.get("warmup"):
            continue
        key = (r["project"], r["lang"], r["toolchain"], r["scenario"], r.get("edit"),
               r.get("jobs"), r["profile"])
        groups.setdefault(key, []).append(r)
    cells = []
    for (project, lang, toolchain, scenario, edit, jobs, profile), rows in groups.items():
        ok = [r for r in rows if r["status"] == "ok"]
        walls = [r["wall_s"] for r in ok]

        def med(col: str, ok: list[dict[str, Any]] = ok) -> float | None:
            return _median([r[col] for r in ok if r.get(col) is not None])

        cells.append(Cell(
            project=project, kind=project_kind(rows[0].get("source")), lang=lang,
            toolchain=toolchain, loc=rows[-1].get("loc"), scenario=scenario, edit=edit,
            jobs=jobs, profile=profile, n=len(ok), failed=len(rows) - len(ok),
            wall_median=_median(walls), wall_mad=mad(walls) if walls else None,
            cpu_util=med("cpu_util"), peak_rss=med("peak_rss_bytes"),
            tree_peak_rss=med("tree_peak_rss_bytes"), artifact_bytes=med("artifact_bytes"),
            times=tuple(walls)))
    cells.sort(key=lambda c: (_project_order(c.kind, c.project),
                              _order(SCENARIO_ORDER, c.scenario), c.edit or "", c.jobs or 0,
                              _order(PROFILE_ORDER, c.profile), _order(LANG_ORDER, c.lang),
                              c.toolchain))
    return cells


def primary_toolchains(cells: Sequence[Cell]) -> dict[str, str]:
    """Per language, the toolchain the Go-vs-Rust tables use: the one with the most
    successful runs in the selection (ties: the last in name order)."""
    count: dict[tuple[str, str], int] = {}
    for c in cells:
        count[(c.lang, c.toolchain)] = count.get((c.lang, c.toolchain), 0) + c.n
    out: dict[str, str] = {}
    for (lang, tc), n in sorted(count.items()):
        if lang not in out or n >= count[(lang, out[lang])]:
            out[lang] = tc
    return out


def pairs_of(cells: Sequence[Cell], primary: dict[str, str]) -> list[Pair]:
    """Go against Rust per project × scenario × edit × jobs × profile, primary toolchains."""
    by_key: dict[tuple, dict[str, Cell]] = {}
    for c in cells:
        if primary.get(c.lang) != c.toolchain:
            continue
        by_key.setdefault((c.project, c.kind, c.scenario, c.edit, c.jobs, c.profile),
                          {})[c.lang] = c
    return [Pair(project, kind, scenario, edit, jobs, profile, langs.get("go"),
                 langs.get("rust"))
            for (project, kind, scenario, edit, jobs, profile), langs in by_key.items()]


def fits_of(cells: Sequence[Cell], primary: dict[str, str]) -> list[Fit]:
    """A fit per language × scenario × edit × jobs × profile across the graded sizes."""
    groups: dict[tuple, list[Cell]] = {}
    for c in cells:
        if (c.kind == "graded" and primary.get(c.lang) == c.toolchain and c.n
                and c.wall_median and c.loc):
            groups.setdefault((c.lang, c.toolchain, c.scenario, c.edit, c.jobs, c.profile),
                              []).append(c)
    fits = []
    for (lang, tc, scenario, edit, jobs, profile), group in groups.items():
        points = tuple(sorted(((c.project, int(c.loc or 0), float(c.wall_median or 0))
                               for c in group), key=lambda p: p[1]))
        res = fit_power_law([(p[1], p[2]) for p in points])
        a, b, r2 = res if res else (None, None, None)
        crossings = tuple((t, crossing_loc(a, b, t) if a is not None and b is not None
                           else None) for t, _ in THRESHOLDS)
        fits.append(Fit(lang, tc, scenario, edit, jobs, profile, points, a, b, r2, crossings))
    fits.sort(key=lambda f: (_order(SCENARIO_ORDER, f.scenario), f.edit or "", f.jobs or 0,
                             _order(PROFILE_ORDER, f.profile), _order(LANG_ORDER, f.lang)))
    return fits


def loc_text(loc: float | None) -> str:
    """12 lines, 950 lines, 12 k lines, 1.2 M lines."""
    if loc is None or math.isnan(loc):
        return "-"
    if math.isinf(loc):
        return "beyond 1 G lines"
    if loc < 1000:
        return f"{loc:.0f} lines"
    if loc < 10_000:
        return f"{loc / 1000:.1f} k lines"
    if loc < 1_000_000:
        return f"{loc / 1000:.0f} k lines"
    return f"{loc / 1e6:.1f} M lines"


def _lang_name(lang: str) -> str:
    return {"go": "Go", "rust": "Rust"}.get(lang, lang)


def _where(fit: Fit, loc: float | None) -> str:
    return " (extrapolated)" if loc is not None and fit.extrapolated(loc) else ""


def scaling_sentences(fits: Sequence[Fit]) -> list[str]:
    """The fits in words, for the clean scenario (else the first one measured):
    where Rust passes 1 minute (and 10 minutes), how far Go stays under 10 s and
    under 1 minute."""
    fitted = [f for f in fits if f.b is not None and f.edit is None and f.jobs is None]
    scenarios = [s for s in SCENARIO_ORDER if any(f.scenario == s for f in fitted)]
    if not scenarios:
        return []
    scenario = scenarios[0]
    out = []
    for profile in PROFILE_ORDER:
        parts = []
        by_lang = {f.lang: f for f in fitted if f.scenario == scenario and f.profile == profile}
        rust, go = by_lang.get("rust"), by_lang.get("go")
        if rust:
            m1, m10 = rust.crossing(60.0), rust.crossing(600.0)
            if m1 is None:
                parts.append(f"Rust {profile} {scenario} builds do not grow with size "
                             f"(b = {rust.b:.2f})")
            else:
                parts.append(f"Rust {profile} {scenario} builds pass 1 minute at about "
                             f"{loc_text(m1)}{_where(rust, m1)} and 10 minutes at about "
                             f"{loc_text(m10)}{_where(rust, m10)}")
        if go:
            s10, m1 = go.crossing(10.0), go.crossing(60.0)
            if s10 is None:
                parts.append(f"Go {profile} {scenario} builds do not grow with size "
                             f"(b = {go.b:.2f})")
            else:
                parts.append(f"Go {profile} stays under 10 s up to {loc_text(s10)}"
                             f"{_where(go, s10)} and under 1 minute up to {loc_text(m1)}"
                             f"{_where(go, m1)}")
        if parts:
            sentence = "; ".join(parts) + "."
            shaky = [f for f in (rust, go) if f and not f.trusted]
            if shaky:
                sentence += (f" These fits rest on {min(f.sizes for f in shaky)} sizes: too few "
                             f"to trust (measure at least {MIN_SIZES}, e.g. "
                             f"`buildprof run --size tiny,small,medium`).")
            out.append(sentence)
    return out


def _evidence(pairs: Sequence[Pair], project: str) -> Evidence | None:
    """The claim at one project: clean scenario, no edit, the tools' default jobs
    (else the most jobs measured); Go's default build against each Rust profile."""
    clean = [p for p in pairs if p.project == project and p.scenario == "clean" and not p.edit]
    if not clean:
        return None
    jobs_seen = {p.jobs for p in clean}
    jobs = None if None in jobs_seen else max(j for j in jobs_seen if j is not None)
    clean = [p for p in clean if p.jobs == jobs]
    go = {p.profile: p.go for p in clean if p.go and p.go.n}
    rust = {p.profile: p.rust for p in clean if p.rust and p.rust.n}
    if not go or not rust:
        return None
    go_profile = GO_DEFAULT_PROFILE if GO_DEFAULT_PROFILE in go else sorted(go)[0]
    g = go[go_profile]
    rust_s = tuple((prof, float(rust[prof].wall_median or 0))
                   for prof in sorted(rust, key=lambda p: _order(PROFILE_ORDER, p)))
    r_any = next(iter(rust.values()))
    return Evidence(project, g.loc, r_any.loc, go_profile, float(g.wall_median or 0), rust_s)


def verdict_of(pairs: Sequence[Pair], fits: Sequence[Fit]) -> Verdict:
    """The verdict at the largest graded size measured in both languages (else the
    largest real-world sample), with every graded size's outcome and the reasons."""
    order: list[tuple[str, str]] = []
    for p in pairs:
        if (p.kind, p.project) not in order:
            order.append((p.kind, p.project))
    by_size = [e for kind, name in order if kind == "graded"
               for e in [_evidence(pairs, name)] if e]
    others = [e for kind, name in order if kind != "graded"
              for e in [_evidence(pairs, name)] if e]
    if by_size:
        ev = by_size[-1]
    elif others:
        ev = max(others, key=lambda e: (e.go_loc or 0) + (e.rust_loc or 0))
    else:
        return Verdict("not measured", None, (), (
            "No project has clean builds of both languages in this selection: run "
            "`buildprof run --size tiny,small,medium` (clean is the default scenario).",))
    result = ev.outcome
    rust = dict(ev.rust_s)
    go_word = "seconds" if ev.go_s < MINUTE else "minutes"
    reasons = [f"Clean build of {ev.project} ({loc_text(ev.go_loc)} of Go, "
               f"{loc_text(ev.rust_loc)} of Rust): Go {ev.go_profile} {seconds(ev.go_s)} "
               f"({go_word})."]
    for prof, s in ev.rust_s:
        word = "minutes" if s >= MINUTE else "seconds"
        reasons.append(f"Rust {prof} {seconds(s)} ({word}), {s / ev.go_s:.1f}× Go's "
                       f"{ev.go_profile} build." if ev.go_s > 0 else
                       f"Rust {prof} {seconds(s)} ({word}).")
    missing = tuple(p for p in PROFILE_ORDER if p not in rust)
    if missing:
        reasons.append(f"Rust {', '.join(missing)} was not measured: the verdict covers "
                       f"{', '.join(rust)} only (`--profile debug,release`).")
    if len(by_size) > 1:
        steps = ", ".join(f"{e.project}: {e.outcome}" for e in by_size)
        reasons.append(f"By size: {steps}.")
    if result != "holds":
        # Where the fits say the claim would start to hold (extrapolation, said as such).
        for prof in rust:
            fit = next((f for f in fits if f.lang == "rust" and f.scenario == "clean"
                        and f.profile == prof and f.edit is None and f.jobs is None
                        and f.b is not None), None)
            if fit is None or rust[prof] >= MINUTE:
                continue
            cross = fit.crossing(MINUTE)
            if cross is not None:
                trust = "" if fit.trusted else f"; fit on {fit.sizes} sizes, too few to trust"
                reasons.append(f"By the fit, Rust {prof} clean builds would reach 1 minute at "
                               f"about {loc_text(cross)}{_where(fit, cross)}{trust}.")
    return Verdict(result, ev, tuple(by_size), tuple(reasons), missing)


def gaps_of(pairs: Sequence[Pair]) -> tuple[list[ScenarioGap], list[str]]:
    """Each other scenario's gap against the clean build's, at the largest project
    where that scenario was measured in both languages (real-world samples after
    the graded sizes); and which of cold, incremental and check were not measured."""
    done: dict[tuple, ScenarioGap] = {}
    for p in pairs:  # in project order: a later (larger) project replaces an earlier one
        if p.scenario == "clean" or p.ratio is None or p.go is None or p.rust is None:
            continue
        clean = next((q.ratio for q in pairs if q.project == p.project and q.scenario == "clean"
                      and not q.edit and q.jobs == p.jobs and q.profile == p.profile), None)
        key = (p.scenario, p.edit, p.jobs, p.profile, p.kind == "graded")
        done[key] = ScenarioGap(p.project, p.scenario, p.edit, p.profile,
                                float(p.go.wall_median or 0), float(p.rust.wall_median or 0),
                                p.ratio, clean, LEFT_OUT.get(p.scenario, ""), p.jobs)
    gaps = list(done.values())
    seen = {g.scenario for g in gaps}
    return gaps, [s for s in CAVEAT_SCENARIOS if s not in seen]


def timelines_of(units: Sequence[dict[str, Any]], runs: Sequence[dict[str, Any]]
                 ) -> list[Timeline]:
    """Per language, the timeline of one --breakdown run: clean before other scenarios,
    release before debug, the largest project, the newest run."""
    by_run: dict[int, list[dict[str, Any]]] = {}
    for u in units:
        by_run.setdefault(u["run_id"], []).append(u)
    run_by_id = {r["id"]: r for r in runs if r.get("status") == "ok"}
    out = []
    for lang in LANG_ORDER:
        cands = [run_by_id[i] for i in by_run if i in run_by_id
                 and run_by_id[i]["lang"] == lang]
        if not cands:
            continue
        best = max(cands, key=lambda r: (r["scenario"] == "clean", r["profile"] == "release",
                                         r.get("loc") or 0, r["id"]))
        rows = sorted(by_run[best["id"]], key=lambda u: (u["start_s"], u["name"]))
        out.append(Timeline(best["id"], lang, best["project"], best["toolchain"],
                            best["scenario"], best["profile"], best["wall_s"], tuple(
                                Unit(u["name"], u["kind"] or "?", u["start_s"], u["end_s"],
                                     u.get("cpu_s"), u.get("peak_rss_bytes"),
                                     bool(u.get("critical"))) for u in rows)))
    return out


def build(runs: Sequence[dict[str, Any]], *, sessions: Sequence[dict[str, Any]] = (),
          machine: dict[str, Any] | None = None, toolchains: Sequence[dict[str, Any]] = (),
          units: Sequence[dict[str, Any]] = ()) -> GapReport:
    """The whole report from timed run rows (with project, lang, loc, source and
    toolchain), the sessions, the machine, the toolchains and any units rows."""
    notes: list[str] = []
    hashes: dict[tuple[str, str], set[str]] = {}
    for r in runs:
        hashes.setdefault((r["project"], r["lang"]), set()).add(r.get("content_hash") or "")
    newest: dict[tuple[str, str], str] = {}
    for r in sorted(runs, key=lambda r: r["id"]):
        newest[(r["project"], r["lang"])] = r.get("content_hash") or ""
    changed = sorted(k for k, v in hashes.items() if len(v) > 1)
    if changed:
        notes.append("Changed sources: " + ", ".join(f"{p} ({lang})" for p, lang in changed)
                     + " were measured with different contents; only the newest is used.")
        runs = [r for r in runs if (r.get("content_hash") or "") ==
                newest[(r["project"], r["lang"])]]
    cells = summarize(runs)
    primary = primary_toolchains(cells)
    multi = [lang for lang in LANG_ORDER if len({c.toolchain for c in cells if c.lang == lang}) > 1]
    for lang in multi:
        notes.append(f"Several {_lang_name(lang)} toolchains: the Go-against-Rust tables use "
                     f"{primary[lang]} (choose another with --toolchain); all are compared "
                     f"under Toolchains.")
    failed = sum(c.failed for c in cells)
    if failed:
        notes.append(f"{failed} timed run(s) failed or timed out and are left out of the "
                     f"medians (see `buildprof history --runs`).")
    disturbed = sum(1 for r in runs if r.get("disturbed"))
    if disturbed:
        notes.append(f"{disturbed} run(s) started while other processes were busy "
                     f"(runs.disturbed): their times may be inflated.")
    single = sum(1 for c in cells if c.n == 1)
    if single:
        notes.append(f"{single} cell(s) rest on a single timed run: no spread is known "
                     f"(`buildprof run --runs 5`).")
    pairs = pairs_of(cells, primary)
    fits = fits_of(cells, primary)
    verdict = verdict_of(pairs, fits)
    gaps, absent = gaps_of(pairs)
    return GapReport(
        sessions=tuple(sessions), machine=dict(machine or {}), toolchains=tuple(
            t for t in toolchains if t["spec"] in {c.toolchain for c in cells}),
        primary=primary, cells=tuple(cells), pairs=tuple(pairs), fits=tuple(fits),
        verdict=verdict, gaps=tuple(gaps), not_measured=tuple(absent),
        sentences=tuple(scaling_sentences(fits)), timelines=tuple(timelines_of(units, runs)),
        notes=tuple(notes))


# -- the query ---------------------------------------------------------------------------


def _rows(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def _marks(values: Iterable[Any]) -> str:
    return ", ".join("?" for _ in values)


def load(conn: sqlite3.Connection, filters: Filters, *, all_sessions: bool = False
         ) -> GapReport:
    """The report over the runs matching `filters` (those of `buildprof history`).

    Without --session, --label or --since (or `all_sessions`), only the latest
    session with matching runs counts. The runs must come from one machine."""
    from profiler.storage import queries

    if conn.execute("SELECT 1 FROM runs WHERE warmup = 0 LIMIT 1").fetchone() is None:
        raise UsageError("the database holds no timed runs yet; run `buildprof run` "
                         "(e.g. `buildprof run --size tiny,small`) first")
    queries.check_filters(conn, filters)
    for sid in filters.sessions:
        if not queries.session_exists(conn, sid):
            lo, hi = conn.execute("SELECT min(id), max(id) FROM sessions").fetchone()
            raise UsageError(f"no session {sid}; sessions are numbered {lo} to {hi} "
                             f"(see `buildprof history`)")
    if not (all_sessions or filters.sessions or filters.labels or filters.since):
        cond, params = queries.where(filters)
        latest = conn.execute(f"SELECT max(r.session_id) FROM runs r WHERE r.warmup = 0 "
                              f"AND {cond}", params).fetchone()[0]
        if latest is not None:
            filters = filters.with_(sessions=(latest,))
    runs = queries.fetch_runs(conn, filters, timed_only=True)
    if not runs:
        raise UsageError("no timed runs match these filters; loosen them or choose the "
                         "session with --session N (see `buildprof history`)")
    sources = dict(conn.execute("SELECT id, source FROM projects").fetchall())
    runs = [{**r, "source": sources.get(r["project_id"])} for r in runs]
    machine_ids = sorted({r["machine_id"] for r in runs})
    if len(machine_ids) > 1:
        hosts = dict(conn.execute("SELECT id, hostname FROM machines").fetchall())
        names = ", ".join(f"{hosts.get(m, '?')} ({m[:8]})" for m in machine_ids)
        raise UsageError(f"the selected runs come from {len(machine_ids)} machines ({names}); "
                         f"the verdict is per machine: choose one with --machine")
    machine = _rows(conn.execute("SELECT * FROM machines WHERE id = ?", machine_ids))
    session_ids = sorted({r["session_id"] for r in runs})
    sessions = _rows(conn.execute(
        f"SELECT id, started, ended, status, label, command_line FROM sessions "
        f"WHERE id IN ({_marks(session_ids)}) ORDER BY id", session_ids))
    tc_ids = sorted({r["toolchain_id"] for r in runs})
    toolchains = _rows(conn.execute(
        f"SELECT id, lang, spec, version, version_full, path FROM toolchains "
        f"WHERE id IN ({_marks(tc_ids)}) ORDER BY lang, spec", tc_ids))
    run_ids = [r["id"] for r in runs if r["status"] == "ok"]
    units: list[dict[str, Any]] = []
    for i in range(0, len(run_ids), 500):  # SQLite's bound-parameter limit
        chunk = run_ids[i:i + 500]
        units += _rows(conn.execute(
            f"SELECT run_id, name, kind, start_s, end_s, wall_s, cpu_s, peak_rss_bytes, "
            f"critical FROM units WHERE run_id IN ({_marks(chunk)})", chunk))
    return build(runs, sessions=sessions, machine=machine[0] if machine else {},
                 toolchains=toolchains, units=units)


# -- words shared by every renderer ------------------------------------------------------

CLAIM = "Go compiles in seconds, Rust in minutes"
RULE = ("Clean builds at the largest graded size measured in both languages; seconds: "
        "under 60 s, minutes: 60 s or more; Go's default build (release) against each Rust "
        "profile measured. Holds: Go takes seconds and every Rust profile minutes. Partly "
        "holds: Rust takes minutes in some profile only, or Go takes minutes too. Does not "
        "hold: every Rust profile finishes in under a minute.")


def scenario_label(scenario: str, edit: str | None = None, jobs: int | None = None) -> str:
    text = scenario + (f" ({edit})" if edit else "")
    return text + (f" -j{jobs}" if jobs else "")


def caveats(report: GapReport) -> list[str]:
    """What the claim leaves out: each other scenario's gap against the clean
    build's, measured where the data has it, and named where it does not."""
    out = []
    for g in report.gaps:
        what = scenario_label(g.scenario, g.edit, g.jobs)
        against = (f" against {g.clean_ratio:.1f}× for the clean build: {g.change}"
                   if g.clean_ratio is not None else "")
        out.append(f"{what}, {g.profile}, {g.project}: Rust {seconds(g.rust_s)} vs Go "
                   f"{seconds(g.go_s)}, {g.ratio:.1f}×{against} ({g.why}).")
    ev = report.verdict.evidence
    size = ev.project if ev else "small"
    for s in report.not_measured:
        out.append(f"{s} was not measured ({LEFT_OUT[s]}): "
                   f"`buildprof run --size {size} --scenario {s}`.")
    kinds = {c.kind for c in report.cells}
    if "realworld" not in kinds:
        out.append("Third-party dependencies: the graded samples use only the standard "
                   "library; the real-world samples (`--sample http-service,cli-tool`) add "
                   "crates and modules to compile.")
    cores = report.machine.get("logical_cpus") or report.machine.get("cores")
    if cores:
        out.append(f"This machine has {cores} CPU(s): both tools build in parallel, so more "
                   f"cores shorten both, and the gap need not stay the same.")
    return out


def as_dict(report: GapReport) -> dict[str, Any]:
    """The report as JSON-ready data: non-finite floats become None."""
    from dataclasses import asdict

    def clean(obj: Any) -> Any:
        if isinstance(obj, float):
            return obj if math.isfinite(obj) else None
        if isinstance(obj, dict):
            return {str(k): clean(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [clean(v) for v in obj]
        return obj

    data = asdict(report)
    data["verdict"]["outcome"] = report.verdict.outcome
    for p, src in zip(data["pairs"], report.pairs, strict=True):
        p["ratio"] = src.ratio
    for f, src in zip(data["fits"], report.fits, strict=True):
        f["trusted"], f["note"] = src.trusted, src.note
    data["claim"], data["rule"], data["caveats"] = CLAIM, RULE, caveats(report)
    return clean(data)
