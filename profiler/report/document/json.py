"""`report --format json`: the gap report, the own projects and the compilers over
time as plain data."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from profiler.analysis.document import Document
from profiler.analysis.own import ProjectSection, ProjectsReport, Trend
from profiler.analysis.records import GapReport, Pair
from profiler.analysis.releases import Cell, CompilersOverTime, Point, Release
from profiler.analysis.twosample import TwoSample
from profiler.analysis.wording import CLAIM, RULE, caveats
from profiler.model.cells import CellSummary
from profiler.report.writers import clean


def _gap_cell(c: CellSummary | None) -> dict[str, Any] | None:
    """A cell of the gap report as its JSON has always held it."""
    if c is None:
        return None
    k = c.key
    return {"project": k.project, "kind": c.kind, "lang": k.lang, "toolchain": k.toolchain,
            "loc": c.loc, "scenario": k.scenario, "edit": k.edit, "jobs": k.jobs,
            "profile": k.profile, "n": c.n, "failed": c.failed, "wall_median": c.wall.median,
            "wall_mad": c.wall.mad, "cpu_util": c.cpu_util.median,
            "peak_rss": c.peak_rss.median, "tree_peak_rss": c.tree_peak_rss.median,
            "artifact_bytes": c.artifact_bytes, "times": c.wall.values}


def _gap_pair(p: Pair) -> dict[str, Any]:
    data = {f.name: getattr(p, f.name) for f in fields(p)}
    data["go"], data["rust"] = _gap_cell(p.go), _gap_cell(p.rust)
    return {**data, "ratio": p.ratio}


def gap_dict(report: GapReport) -> dict[str, Any]:
    """The gap report as JSON-ready data (`report --format json`): its fields, the
    claim, the rule and the caveats; non-finite floats become None."""
    data = {f.name: getattr(report, f.name) for f in fields(report)}
    data.update(
        cells=[_gap_cell(c) for c in report.cells],
        pairs=[_gap_pair(p) for p in report.pairs],
        fits=[{**asdict(f), "trusted": f.trusted, "note": f.note} for f in report.fits],
        verdict=asdict(report.verdict), gaps=[asdict(g) for g in report.gaps],
        timelines=[asdict(t) for t in report.timelines],
        real_pairs=[{**asdict(r), "rows": [_gap_pair(p) for p in r.rows],
                     "agrees": r.agrees,
                     "predictions": [{**asdict(x), "ratio": x.ratio} for x in r.predictions]}
                    for r in report.real_pairs])
    data["claim"], data["rule"], data["caveats"] = CLAIM, RULE, caveats(report)
    return clean(data)


def _project_cell(c: CellSummary) -> dict[str, Any]:
    """A cell of an own project: the gap report's cell fields, and its knob, revision
    and CPU time."""
    return {**(_gap_cell(c) or {}), "variant": c.key.variant, "rev": c.key.rev,
            "session": c.session, "cpu_median": c.cpu.median}


def _trend(t: Trend) -> dict[str, Any]:
    k = t.key
    return {"scenario": k.scenario, "edit": k.edit, "jobs": k.jobs, "profile": k.profile,
            "toolchain": k.toolchain, "variant": k.variant, "rev": k.rev,
            "change_pct": t.change_pct,
            "points": [{"session": p.session, "date": p.date, "n": p.n, "wall_median": p.median,
                        "toolchain": p.toolchain, "content_hash": p.content_hash}
                       for p in t.points]}


def _project(p: ProjectSection) -> dict[str, Any]:
    units = None
    if p.units is not None:
        u = p.units
        units = {"run_id": u.run_id, "session": u.session, "scenario": u.key.scenario,
                 "edit": u.key.edit, "profile": u.key.profile, "toolchain": u.key.toolchain,
                 "wall_s": u.wall_s, "units": u.count,
                 "slowest": [{"name": x.name, "kind": x.kind, "start_s": x.start_s,
                              "wall_s": x.wall_s, "cpu_s": x.cpu_s,
                              "peak_rss_bytes": x.peak_rss_bytes} for x in u.slowest],
                 "critical_path": {"chain": list(u.chain), "length_s": u.chain_s}}
    tune = [{"knob": r.knob, "scenario": r.key.scenario, "edit": r.key.edit,
             "jobs": r.key.jobs, "profile": r.key.profile,
             "baseline_median": r.baseline.wall.median, "median": r.cell.wall.median,
             "change_pct": r.change_pct, "verdict": r.verdict_text(), "significant": r.significant,
             "p": r.test.p, "caveat": r.caveat, "error": r.error}
            for r in p.tune]
    return {"project": p.name, "lang": p.lang, "source": p.source, "path": p.path,
            "loc": p.loc, "sessions": list(p.sessions),
            "cells": [_project_cell(c) for c in p.cells],
            "trend": [_trend(t) for t in p.trends], "breakdown": units,
            "tune_session": p.tune_session, "tune": tune, "notes": list(p.notes),
            "change_points": [{"series": cp.series.key.label, "machine": cp.series.machine,
                               "at": cp.point.label, "commit": cp.point.commit,
                               "subject": cp.point.subject, "date": cp.point.date,
                               "before_median": cp.step.a.median,
                               "after_median": cp.step.b.median,
                               "change_pct": cp.step.change_pct, "t_test_p": cp.pvalue}
                              for cp in p.changes]}


def report_dict(gap: GapReport | None, projects: ProjectsReport | None) -> dict[str, Any]:
    """`report --format json`: the gap report's fields (gap_dict) when the selection
    holds paired projects, and always `projects`, the own projects' sections ([] when
    none). Without paired projects there is no verdict: the top level then holds only
    the sessions, machine and toolchains the projects' cells come from."""
    own = [_project(p) for p in projects.projects] if projects is not None else []
    if gap is not None:
        return clean({**gap_dict(gap), "projects": own})
    assert projects is not None  # a report holds paired projects, own ones or both
    return clean({"sessions": projects.sessions, "machine": projects.machine,
                  "toolchains": projects.toolchains, "projects": own})


def _cell(c: Cell) -> dict[str, Any]:
    return {"size": c.size, "scenario": c.scenario, "edit": c.edit, "profile": c.profile}


def _release(r: Release) -> dict[str, Any]:
    return {"lang": r.lang, "line": r.line, "line_title": r.line_title, "version": r.version,
            "toolchains": list(r.specs), "origins": list(r.origins), "released": r.released,
            "date": r.date, "date_estimated": r.estimated, "sessions": list(r.sessions)}


def _point(p: Point) -> dict[str, Any]:
    r = p.release
    return {**_cell(p.cell), "lang": r.lang, "line": r.line, "version": r.version,
            "toolchains": list(r.specs), "date": r.date, "date_estimated": r.estimated,
            "n": p.wall.n, "failed": p.failed, "wall_median": p.wall.median,
            "wall_mad": p.wall.mad, "ci_low": p.wall.ci_low, "ci_high": p.wall.ci_high,
            "times": list(p.wall.values)}


def _test(a: Point, b: Point, t: TwoSample) -> dict[str, Any]:
    return {"lang": a.release.lang, "line": a.release.line, "from": a.release.version,
            "to": b.release.version, "before_median": t.a.median, "after_median": t.b.median,
            "change_pct": t.change_pct, "p": t.test.p, "significant": t.significant,
            "too_few": t.test.too_few, "verdict": t.verdict}


def compilers_dict(s: CompilersOverTime) -> dict[str, Any]:
    """The compilers over time: releases, points, steps between consecutive releases
    (`shown`: named in the report), the Rust/Go ratio by year, each line's first
    release against its last in the sentence's cell, the sentence and the notes."""
    return {"sessions": list(s.sessions), "sentence": s.sentence,
            "cell": _cell(s.cell) if s.cell else None,
            "releases": [_release(r) for r in s.releases],
            "points": [_point(p) for p in s.points],
            "steps": [{**_cell(st.a.cell), **_test(st.a, st.b, st.test), "shown": st.shown}
                      for st in s.steps],
            "ratios": [{**_cell(r.cell), "year": r.year, "year_estimated": r.estimated,
                        "rust_line": r.rust_line,
                        "go_releases": [p.release.version for p in r.go],
                        "rust_releases": [p.release.version for p in r.rust],
                        "go_median": r.go_s, "rust_median": r.rust_s, "ratio": r.ratio}
                       for r in s.ratios],
            "spans": [_test(sp.a, sp.b, sp.test) for sp in s.spans],
            "notes": list(s.notes)}


def document_dict(doc: Document) -> dict[str, Any]:
    """The whole report as plain data (report_dict; the payoff is not in it), with
    `compilers_over_time` (null without two releases of a language measured)."""
    return clean({**report_dict(doc.gap, doc.projects),
                  "compilers_over_time": (compilers_dict(doc.compilers)
                                          if doc.compilers is not None else None)})
