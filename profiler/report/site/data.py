"""The data files beside the pages: one per project page, the compare page's list of
sides and one file per side, and the runs' details in buckets of 1,000 ids.

Each file is JSON wrapped in one call, `bp.put("NAME", {...});`, and is loaded with a
<script> tag: browsers refuse fetch() of a file:// address, and a script tag works from
file:// and from any static host alike. A page loads only its own file (the index
none: its sparklines are inline SVG), so the index never reads every series.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

from profiler.analysis.changes import Point
from profiler.analysis.site import Chart, ProjectView, Site
from profiler.model.cells import CellKey
from profiler.report.changes import cause_lines
from profiler.report.site.pages import PALETTE, band_of, line_label
from profiler.report.writers import clean

BUCKET = 1000  # runs per details file


def wrap(name: str, payload: Any) -> str:
    """The file's text: `bp.put("name", JSON);`."""
    try:
        text = json.dumps(payload, separators=(",", ":"), allow_nan=False)
    except ValueError:  # a non-finite number somewhere: null, as every JSON writer does
        text = json.dumps(clean(payload), separators=(",", ":"), allow_nan=False)
    return f"bp.put({json.dumps(name)},{text});\n"


def _f(x: float | None, digits: int = 6) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return float(f"{x:.{digits}g}")


def _point(p: Point) -> list[Any]:
    return [p.label, p.date, p.subject, list(p.versions), len(p.values),
            sorted((*p.run_ids, *p.failed_ids)),
            p.error]


def _chart(chart: Chart) -> dict[str, Any]:
    lines = []
    for i, line in enumerate(chart.lines):
        s = line.series
        xs, med, lo, hi, fail, pts = [], [], [], [], [], []
        band = set()
        for p in s.points:
            x = p.order if math.isfinite(p.order) else (xs[-1] + 1 if xs else 0)
            if xs and x <= xs[-1]:
                x = xs[-1] + 1e-3  # two points at the same place: keep both, in order
            xs.append(x)
            pts.append(_point(p))
            if p.values:
                b_lo, b_hi, what = band_of(p.values)
                band.add(what)
                med.append(_f(p.median))
                lo.append(_f(b_lo))
                hi.append(_f(b_hi))
            else:
                med += [None]
                lo += [None]
                hi += [None]
        # A failed point is drawn at the level of the point before it (else after it).
        for k, p in enumerate(s.points):
            if not p.failed:
                fail.append(None)
                continue
            near = (m for m in (*reversed(med[:k]), *med[k:]) if m is not None)
            fail.append(next(near, 0.0))
        index = {id(p): k for k, p in enumerate(s.points)}
        cps = [[index[id(cp.point)], cp.step.change_text, cp.step.p_verdict(),
                "; ".join(cause_lines(cp.cause))] for cp in line.changes]
        lines.append({"label": line_label(line), "machine": s.machine, "lang": s.key.lang,
                      "toolchain": s.key.toolchain, "color": PALETTE[i % len(PALETTE)],
                      "band": " or ".join(sorted(band)), "x": xs, "med": med, "lo": lo,
                      "hi": hi, "fail": fail, "pts": pts, "cps": cps})
    return {"title": chart.title, "by_commit": chart.by_commit, "lines": lines}


def project_payload(p: ProjectView) -> dict[str, Any]:
    return {"name": p.name, "bucket": BUCKET, "charts": [_chart(c) for c in p.charts]}


# What the details pane shows of a run; the series (project, language, toolchain, cell,
# machine) is the chart's line already.
RUN_FIELDS = ("session_id", "started", "status", "wall_s", "user_s", "sys_s", "cpu_util",
              "peak_rss_bytes", "tree_peak_rss_bytes", "artifact_bytes", "processes",
              "command", "toolchain_version", "disturbed", "exit_code", "rebuilt_units",
              "compiled_loc", "label", "commit_hash")


def run_buckets(site: Site) -> Iterator[tuple[str, dict[str, Any]]]:
    """(file name, payload) per bucket of run ids: each run's figures (a list in the
    order of `fields`; its command a number into `commands`), and, for a --breakdown
    run, its units, critical path and trace file."""
    buckets: dict[int, dict[str, list[Any]]] = {}
    for rid, run in site.runs.items():
        buckets.setdefault(rid // BUCKET, {})[str(rid)] = [run.get(k) for k in RUN_FIELDS]
    at = RUN_FIELDS.index("command")
    for k, runs in sorted(buckets.items()):
        commands: dict[str, int] = {}
        for row in runs.values():
            row[at] = commands.setdefault(row[at] or "", len(commands))
        extra = {}
        for rid in runs:
            t = site.traces.get(int(rid))
            if t is not None:
                extra[rid] = {"units": len(t.units), "chain": list(t.chain),
                              "trace": f"traces/run-{rid}.json"}
        yield f"runs-{k}", {"fields": RUN_FIELDS, "commands": list(commands), "runs": runs,
                            "units": extra}


def sides_payload(site: Site) -> tuple[dict[str, Any], list[list[list[Any]]]]:
    """The compare page's list (sides with the cells, contents, machines and
    toolchains their rows refer to by number) and each side's rows:
    [run id, cell, content, machine, toolchain, session, wall, cpu, peak RSS, tree RSS]."""
    cells: dict[CellKey, int] = {}
    hashes: dict[str, int] = {}
    machines: dict[str, int] = {}
    hosts: list[str] = []
    specs: dict[str, int] = {}
    per_side = []
    for side in site.sides:
        rows = []
        for r in side.rows:
            key = CellKey.of(r).without_toolchain()
            c = cells.setdefault(key, len(cells))
            h = hashes.setdefault(r["content_hash"], len(hashes))
            if r["machine_id"] not in machines:
                machines[r["machine_id"]] = len(machines)
                hosts.append(r.get("machine") or "")
            t = specs.setdefault(r["toolchain"], len(specs))
            cpu = (r.get("user_s") or 0.0) + (r.get("sys_s") or 0.0)
            rows.append([r["id"], c, h, machines[r["machine_id"]], t, r["session_id"],
                         r["wall_s"], cpu, r.get("peak_rss_bytes"),
                         r.get("tree_peak_rss_bytes")])
        per_side.append(rows)
    d = site.default_compare
    payload = {
        "sides": [{"text": s.text, "kind": s.kind, "title": s.title, "note": s.note,
                   "file": f"side-{i}"} for i, s in enumerate(site.sides)],
        "cells": [{"title": k.title, "project": k.project, "lang": k.lang,
                   "scenario": k.scenario, "scenario_text": k.scenario_text, "edit": k.edit,
                   "profile": k.profile, "jobs": k.jobs, "variant": k.variant}
                  for k in cells],
        "hashes": list(hashes),
        "machines": [{"id": m, "host": h} for m, h in zip(machines, hosts, strict=True)],
        "toolchains": [{"spec": s, **{k: v for k, v in site.toolchains.get(s, {}).items()
                                      if k in ("provenance", "source", "build_line",
                                               "origin")}} for s in specs],
        "default": {"a": d.a.text if d.a.kind != "session" else f"session:{d.a.text}",
                    "b": d.b.text if d.b.kind != "session" else f"session:{d.b.text}"}
        if d else None,
    }
    return payload, per_side
