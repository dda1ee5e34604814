"""The gap between Go and Rust: the records, the analysis and the verdict.

`build(**rows)` takes what the storage query profiler.storage.queries.report_rows
reads (the timed runs of a selection, their sessions, machine, toolchains and
units) and is a pure function of them, so the terminal, Markdown, JSON and HTML
renderers show the same numbers. The verdict rule is profiler.analysis.rule; the
sentences are profiler.analysis.wording's; a cell's figures are a
profiler.model.cells.CellSummary.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from profiler.analysis import wording
from profiler.analysis.realpairs import real_pairs
from profiler.analysis.records import (
    Evidence,
    Fit,
    GapReport,
    Pair,
    ScenarioGap,
    Timeline,
    TimelineUnit,
    Verdict,
)
from profiler.analysis.rule import (
    GO_DEFAULT_PROFILE,
    LANG_ORDER,
    MINUTE,
    PROFILE_ORDER,
    SCENARIO_ORDER,
    THRESHOLDS,
)
from profiler.analysis.rule import verdict as minutes_vs_seconds
from profiler.model.cells import CellSummary, summarize
from profiler.samples.resolve import with_kinds
from profiler.samples.spec import SIZES

# The scenarios the verdict's caveats name even when they were not measured.
CAVEAT_SCENARIOS = ("cold", "incremental", "check")
MAX_LOC = 1e9  # past a billion lines no project exists: a crossing there is "beyond"


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


def crossing_loc(a: float, b: float, seconds: float) -> float | None:
    """The LOC at which a·LOC^b reaches `seconds`; None when the curve does not grow."""
    if b <= 0 or a <= 0:
        return None
    loc = (seconds / a) ** (1 / b)
    # A nearly flat curve (no-op builds) "crosses" at absurd sizes; past a
    # billion lines no project exists, so say only that.
    return loc if loc <= MAX_LOC else math.inf


def _project_order(kind: str, name: str) -> tuple[int, int, str]:
    rank = {"graded": 0, "realworld": 1, "pair": 2, "path": 3}[kind]
    if kind == "pair":  # in pairs.toml's order: jq, age, task
        from profiler.samples.pairs import names

        return rank, names().index(name) if name in names() else 0, name
    return rank, SIZES.index(name) if kind == "graded" else 0, name


def _order(values: Sequence[str], value: str) -> tuple[int, str]:
    return (values.index(value) if value in values else len(values)), value


def cell_order(c: CellSummary) -> tuple:
    """The report's order: graded sizes smallest first, then scenarios, profiles, languages."""
    k = c.key
    return (_project_order(c.kind, k.project), _order(SCENARIO_ORDER, k.scenario),
            k.edit or "", k.jobs or 0, _order(PROFILE_ORDER, k.profile),
            _order(LANG_ORDER, k.lang), k.toolchain)


def primary_toolchains(cells: Sequence[CellSummary]) -> dict[str, str]:
    """Per language, the toolchain the Go-vs-Rust tables use: the one with the most
    successful runs in the selection (ties: the last in name order)."""
    count: dict[tuple[str, str], int] = {}
    for c in cells:
        lang_tc = (c.key.lang, c.key.toolchain)
        count[lang_tc] = count.get(lang_tc, 0) + c.n
    out: dict[str, str] = {}
    for (lang, tc), n in sorted(count.items()):
        if lang not in out or n >= count[(lang, out[lang])]:
            out[lang] = tc
    return out


def pairs_of(cells: Sequence[CellSummary], primary: dict[str, str]) -> list[Pair]:
    """Go against Rust per project × scenario × edit × jobs × profile, primary toolchains."""
    by_key: dict[tuple, dict[str, CellSummary]] = {}
    for c in cells:
        k = c.key
        if primary.get(k.lang) != k.toolchain:
            continue
        by_key.setdefault((k.project, c.kind, k.scenario, k.edit, k.jobs, k.profile),
                          {})[k.lang] = c
    return [Pair(project, kind, scenario, edit, jobs, profile, langs.get("go"),
                 langs.get("rust"))
            for (project, kind, scenario, edit, jobs, profile), langs in by_key.items()]


@dataclass(frozen=True)
class Headline:
    """One line of `run`'s headline: Go's default build against one Rust profile, for
    a project and scenario measured in both languages."""

    project: str
    scenario: str
    edit: str | None
    go: CellSummary
    rust: CellSummary
    # A language was measured with several toolchains: the line names the ones it uses
    # (primary_toolchains: the one with the most runs).
    several: bool = False

    @property
    def go_s(self) -> float:
        return float(self.go.wall.median or 0)

    @property
    def rust_s(self) -> float:
        return float(self.rust.wall.median or 0)

    @property
    def ratio(self) -> float:
        """Rust's median over Go's (inf when Go took no time)."""
        return self.rust_s / self.go_s if self.go_s > 0 else math.inf

    @property
    def verdict(self) -> str:
        return minutes_vs_seconds(self.rust_s, self.go_s)


def headlines(cells: Sequence[CellSummary]) -> list[Headline]:
    """`run`'s headline: for each project and scenario measured in both languages, Go's
    default build (release) against each Rust profile, by the report's pairing rule
    (pairs_of, on the primary toolchains), so that `run` and `report` agree."""
    measured = [c for c in cells if c.n]
    several = any(len({c.key.toolchain for c in measured if c.key.lang == lang}) > 1
                  for lang in LANG_ORDER)
    groups: dict[tuple[Any, ...], dict[str, dict[str, CellSummary]]] = {}
    for p in pairs_of(measured, primary_toolchains(measured)):
        sides = groups.setdefault((p.project, p.scenario, p.edit, p.jobs), {"go": {}, "rust": {}})
        for lang in ("go", "rust"):
            if (cell := getattr(p, lang)) is not None:
                sides[lang].setdefault(p.profile, cell)
    out = []
    for (project, scenario, edit, _jobs), sides in groups.items():
        if not sides["go"]:
            continue
        go = sides["go"].get(GO_DEFAULT_PROFILE) or next(iter(sides["go"].values()))
        out += [Headline(project, scenario, edit, go, sides["rust"][prof], several)
                for prof in PROFILE_ORDER if prof in sides["rust"]]
    return out


def fits_of(cells: Sequence[CellSummary], primary: dict[str, str]) -> list[Fit]:
    """A fit per language × scenario × edit × jobs × profile across the graded sizes."""
    groups: dict[tuple, list[CellSummary]] = {}
    for c in cells:
        k = c.key
        if (c.kind == "graded" and primary.get(k.lang) == k.toolchain and c.n
                and c.wall.median and c.loc):
            groups.setdefault((k.lang, k.toolchain, k.scenario, k.edit, k.jobs, k.profile),
                              []).append(c)
    fits = []
    for (lang, tc, scenario, edit, jobs, profile), group in groups.items():
        points = tuple(sorted(((c.key.project, int(c.loc or 0), float(c.wall.median or 0))
                               for c in group), key=lambda p: p[1]))
        res = fit_power_law([(p[1], p[2]) for p in points])
        a, b, r2 = res if res else (None, None, None)
        crossings = tuple((t, crossing_loc(a, b, t) if a is not None and b is not None
                           else None) for t, _ in THRESHOLDS)
        fits.append(Fit(lang, tc, scenario, edit, jobs, profile, points, a, b, r2, crossings))
    fits.sort(key=lambda f: (_order(SCENARIO_ORDER, f.scenario), f.edit or "", f.jobs or 0,
                             _order(PROFILE_ORDER, f.profile), _order(LANG_ORDER, f.lang)))
    return fits


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
    rust_s = tuple((prof, float(rust[prof].wall.median or 0))  # type: ignore[union-attr]
                   for prof in sorted(rust, key=lambda p: _order(PROFILE_ORDER, p)))
    r_any = next(iter(rust.values()))
    return Evidence(project, g.loc, r_any.loc, go_profile,  # type: ignore[union-attr]
                    float(g.wall.median or 0), rust_s)  # type: ignore[union-attr]


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
        return Verdict("not measured", None, (), (wording.NOT_MEASURED,))
    rust = dict(ev.rust_s)
    missing = tuple(p for p in PROFILE_ORDER if p not in rust)
    crossings = []
    if ev.outcome != "holds":
        # Where the fits say the claim would start to hold (extrapolation, said as such).
        for prof in rust:
            fit = next((f for f in fits if f.lang == "rust" and f.scenario == "clean"
                        and f.profile == prof and f.edit is None and f.jobs is None
                        and f.b is not None), None)
            if fit is None or rust[prof] >= MINUTE:
                continue
            cross = fit.crossing(MINUTE)
            if cross is not None:
                crossings.append((prof, fit, cross))
    return Verdict(ev.outcome, ev, tuple(by_size),
                   tuple(wording.verdict_reasons(ev, by_size, missing, crossings)), missing)


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
                                float(p.go.wall.median or 0), float(p.rust.wall.median or 0),
                                p.ratio, clean, wording.LEFT_OUT.get(p.scenario, ""), p.jobs)
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
                                TimelineUnit(u["name"], u["kind"] or "?", u["start_s"],
                                             u["end_s"],
                                     u.get("cpu_s"), u.get("peak_rss_bytes"),
                                     bool(u.get("critical"))) for u in rows)))
    return out


def build(runs: Sequence[dict[str, Any]], *, sessions: Sequence[dict[str, Any]] = (),
          machine: dict[str, Any] | None = None, toolchains: Sequence[dict[str, Any]] = (),
          units: Sequence[dict[str, Any]] = (),
          reference: tuple[Sequence[Fit], str] | None = None) -> GapReport:
    """The whole report from timed run rows (with project, lang, loc, source and
    toolchain), the sessions, the machine, the toolchains and any units rows.
    `reference`: graded fits measured in another session (and how to name it), for
    the real pairs' "predicted" when the selection has no graded fit of its own."""
    runs = with_kinds(runs)
    hashes: dict[tuple[str, str], set[str]] = {}
    for r in runs:
        hashes.setdefault((r["project"], r["lang"]), set()).add(r.get("content_hash") or "")
    newest: dict[tuple[str, str], str] = {}
    for r in sorted(runs, key=lambda r: r["id"]):
        newest[(r["project"], r["lang"])] = r.get("content_hash") or ""
    changed = sorted(k for k, v in hashes.items() if len(v) > 1)
    if changed:
        runs = [r for r in runs if (r.get("content_hash") or "") ==
                newest[(r["project"], r["lang"])]]
    cells = sorted(summarize(runs), key=cell_order)
    primary = primary_toolchains(cells)
    specs = {c.key.toolchain for c in cells}
    several = {lang: primary[lang] for lang in LANG_ORDER
               if len({c.key.toolchain for c in cells if c.key.lang == lang}) > 1}
    notes = wording.notes(changed, several, failed=sum(c.failed for c in cells),
                          disturbed=sum(1 for r in runs if r.get("disturbed")),
                          single=sum(1 for c in cells if c.n == 1))
    pairs = pairs_of(cells, primary)
    fits = fits_of(cells, primary)
    verdict = verdict_of(pairs, fits)
    reals = real_pairs(pairs, reference[0] if reference else fits, runs)
    if reference and reals:
        notes.append(f"the real pairs are predicted by the graded fit of {reference[1]}, the "
                     f"newest graded session of this machine and toolchains")
    if reals:
        verdict = replace(verdict, reasons=(*verdict.reasons, wording.pairs_agreement(reals)))
    gaps, absent = gaps_of(pairs)
    return GapReport(
        sessions=tuple(sessions), machine=dict(machine or {}),
        toolchains=tuple(t for t in toolchains if t["spec"] in specs),
        primary=primary, cells=tuple(cells), pairs=tuple(pairs), fits=tuple(fits),
        verdict=verdict, gaps=tuple(gaps), not_measured=tuple(absent),
        sentences=tuple(wording.scaling_sentences(fits)),
        timelines=tuple(timelines_of(units, runs)), notes=tuple(notes),
        real_pairs=tuple(reals))
