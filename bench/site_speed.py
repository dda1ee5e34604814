"""How fast is `buildprof site`, and how fast do its pages draw? The issue's targets:

- `buildprof site OUT --db DB` of a 100,000-run history (history_bench.fill: ~760
  sessions on 3 machines, ~900 series) through the real CLI (the `buildprof` script
  beside this interpreter, a new process each time), median of --builds runs, with the
  stages the CLI stamps on stderr. Target: < 30 s.
- the index in headless Chromium (tests/browser.py) from file://: navigation start to
  <body data-drawn> (its filters set up; its sparklines are inline SVG), timed in the
  page by a MutationObserver added before any script (CDP
  Page.addScriptToEvaluateOnNewDocument); the `load` event and the first frame after
  data-drawn (rAF, then a task) too. For the whole site and a site of about 500 series
  (`buildprof site --lang go` of the same database; --subset). Target: < 2 s at 500.
- a project page of 50 series of 200 points (one Go project on one machine, 200
  sessions of 5 toolchains x 5 scenarios x 2 profiles, a warm-up and 3 timed runs: 10
  charts of 5 lines), to data-drawn; checks that uPlot got 50 lines of 200 points.
  Target: < 1 s.

A page's figure is the median of --loads loads, each in a new tab with the cache
cleared (one browser). The CPU, its cores and the load before the start are printed
with the figures: measure on a quiet machine.

    .venv/bin/python bench/site_speed.py [--runs 100000] [--db PATH] [--builds 3]
        [--loads 5] [--subset "--lang go"] [--json FILE] [--shots DIR] [--keep DIR]

--db: an existing database instead of a filled one; --shots DIR: site-index.png,
site-index-series.png (its table of series) and site-project.png (1280x900) for
docs/site.md; --keep DIR: keep the databases and sites.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

from browser import ERROR_HOOK, chromium, console_errors, wait_for  # noqa: E402
from history_bench import _id, fill  # noqa: E402

from profiler.storage.db import ResultsDB  # noqa: E402

TARGETS = {"build": 30.0, "index": 2.0, "project": 1.0}
SCRIPT = Path(sys.executable).with_name("buildprof")
CLI = [str(SCRIPT)] if SCRIPT.is_file() else [sys.executable, "-m", "profiler.cli.main"]

# Records, in the page, when <body> gets data-drawn and the first frame after it.
TIMER = """
window.__bpT = {};
new MutationObserver(function (_, obs) {
  var b = document.body;
  if (!b || !b.hasAttribute('data-drawn')) return;
  obs.disconnect();
  __bpT.drawn = performance.now();
  __bpT.value = b.getAttribute('data-drawn');
  requestAnimationFrame(function () {
    setTimeout(function () { __bpT.painted = performance.now(); }, 0);
  });
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-drawn']});
"""
DONE = ("window.__bpT && __bpT.painted != null && "
        "performance.getEntriesByType('navigation')[0].loadEventEnd > 0")
FIGURES = """
var nav = performance.getEntriesByType('navigation')[0];
return {drawn: __bpT.drawn / 1000, painted: __bpT.painted / 1000,
        load: nav.loadEventEnd / 1000, value: __bpT.value,
        series: document.querySelectorAll('tr.series').length};
"""
# What the project page drew: its charts' lines, those uPlot got, points per line.
CHARTS = """
var lines = [], uplot = 0;
bp.charts.forEach(function (c) { uplot += (c.u.series.length - 1) / 4;
  c.chart.lines.forEach(function (l) { lines.push(l.med.filter(Number.isFinite).length); }); });
return {charts: bp.charts.length, lines: lines.length, uplot_lines: uplot, points: lines,
        canvases: document.querySelectorAll('.plot canvas').length};
"""

GO = ["go@1.22.10", "go@1.23.12", "go@1.24.9", "go@1.25.5", "go@1.26.8"]
SCENARIOS = {"clean": 8.0, "cold": 9.0, "incremental": 0.9, "noop": 0.3, "test": 11.0}


def fill_project(path: Path, sessions: int = 200, seed: int = 7) -> None:
    """One Go project on one machine: `sessions` sessions of 5 toolchains x 5 scenarios
    x 2 profiles, a warm-up and 3 timed runs each; go@1.26.8 gets 8% slower at
    session 150 (change points to draw)."""
    rng = random.Random(seed)
    db = ResultsDB.open(path)
    conn = db.conn
    start = datetime(2026, 1, 1, tzinfo=UTC)
    conn.execute("BEGIN")
    conn.execute("INSERT INTO machines (id, hostname, cpu_model, cores, logical_cpus, "
                 "memory_bytes, os, kernel, python, first_seen) VALUES "
                 "(?, 'bench', 'Synthetic CPU', 2, 2, 25769803776, 'Debian', '6.1', '3.11', ?)",
                 [_id("bench"), start.isoformat()])
    conn.executemany("INSERT INTO toolchains (id, lang, spec, version, version_full, path, "
                     "first_seen) VALUES (?1, 'go', ?2, ?3, 'go ' || ?3, "
                     "'/opt/' || ?2 || '/bin', ?4)",
                     [[_id(spec), spec, spec[3:], start.isoformat()] for spec in GO])
    pid = conn.execute("INSERT INTO projects (name, lang, source, path, content_hash, loc, "
                       "files, first_seen) VALUES ('api-gateway', 'go', 'path:api-gateway', "
                       "'api-gateway', ?, 50000, 400, ?)",
                       [_id("api-gateway") * 4, start.isoformat()]).lastrowid
    cols = ("session_id", "project_id", "toolchain_id", "machine_id", "scenario", "profile",
            "edit", "iteration", "warmup", "started", "status", "wall_s", "user_s", "sys_s",
            "cpu_util", "peak_rss_bytes", "tree_peak_rss_bytes", "processes", "exit_code",
            "artifact_bytes", "rebuilt_units", "command", "launcher")
    rows = []
    for sid in range(1, sessions + 1):
        t0 = start + timedelta(hours=30 * sid)
        conn.execute("INSERT INTO sessions (id, started, ended, status, buildprof_version, "
                     "command_line, machine_id, hostname, pid, pid_started) VALUES "
                     "(?, ?, ?, 'completed', '0.1.0', 'buildprof run', ?, 'bench', 1, 0)",
                     [sid, t0.isoformat(timespec="milliseconds"),
                      (t0 + timedelta(hours=1)).isoformat(timespec="milliseconds"),
                      _id("bench")])
        n = 0
        for i, spec in enumerate(GO):
            for scen, wall in SCENARIOS.items():
                for prof in ("debug", "release"):
                    base = wall * (1.08 - 0.02 * i) * (1.3 if prof == "release" else 1.0)
                    base *= 1.08 if spec == "go@1.26.8" and sid >= 150 else 1.0
                    for it in range(4):
                        w = base * rng.lognormvariate(0, 0.03)
                        rows.append([sid, pid, _id(spec), _id("bench"), scen, prof,
                                     "leaf-body" if scen == "incremental" else None,
                                     max(it, 1), int(it == 0),
                                     (t0 + timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%S"),
                                     "ok", w, w * 1.6, w * 0.2, 1.8, 300_000_000, 600_000_000,
                                     12, 0, 9_000_000, 40, f"/opt/{spec}/bin/go build ./...",
                                     "c"])
                        n += 1
    conn.executemany(f"INSERT INTO runs ({', '.join(cols)}) VALUES "
                     f"({', '.join('?' * len(cols))})", rows)
    conn.execute("COMMIT")
    db.close()


def build(db: Path, out: Path, *extra: str) -> dict[str, Any]:
    """`buildprof site OUT --db DB [extra]` in a new process: its wall time, each stage
    (the stderr stamps; the last stage ends at the total on stdout) and its summary."""
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    res = subprocess.run([*CLI, "site", str(out), "--db", str(db), *extra],
                         capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    wall = time.perf_counter() - t
    if res.returncode != 0:
        raise SystemExit(f"buildprof site {' '.join(extra)} failed:\n{res.stderr}")
    stamps = [(float(m[1]), m[2]) for m in
              re.finditer(r"^\[\s*([\d.]+) s\] (.+)$", res.stderr, re.M)]
    total = float(re.search(r" in ([\d.]+) s; open", res.stdout)[1])
    stages = {re.sub(r"[\d,]+ runs", "N runs", name): t1 - t0
              for (t0, name), (t1, _) in zip(stamps, [*stamps[1:], (total, "")], strict=True)}
    stages["interpreter start-up, imports, exit"] = wall - total
    return {"wall": wall, "stages": stages, "summary": res.stdout.strip().split(";")[0]}


def load(driver: Any, url: str, loads: int) -> dict[str, Any]:
    """Open `url` `loads` times, each in a new tab with the cache cleared: each load's
    times (s from navigation start) and what the last load showed."""
    got, errors = [], []
    for _ in range(loads):
        old = driver.current_window_handle
        driver.switch_to.new_window("tab")
        new = driver.current_window_handle
        driver.switch_to.window(old)
        driver.close()
        driver.switch_to.window(new)
        driver.execute_cdp_cmd("Network.clearBrowserCache", {})
        for source in (ERROR_HOOK, TIMER):
            driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": source})
        driver.get(url)
        wait_for(driver, DONE, timeout=120)
        got.append(driver.execute_script(FIGURES))
        errors += console_errors(driver)
    out: dict[str, Any] = {k: [round(g[k], 3) for g in got] for k in ("drawn", "painted", "load")}
    return {**out, "value": got[-1]["value"], "series": got[-1]["series"], "errors": errors}


def machine() -> dict[str, Any]:
    """The CPU, its cores, the load average and the share of CPU time used over 1 s."""
    cpu = next((ln.split(":", 1)[1].strip() for ln in
                Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), "?")

    def ticks() -> list[int]:  # the first line: every CPU's user, nice, system, idle, …
        return [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]

    a = ticks()
    time.sleep(1)
    d = [y - x for x, y in zip(a, ticks(), strict=True)]
    return {"cpu": cpu, "logical_cpus": os.cpu_count(), "loadavg": os.getloadavg(),
            "busy_before_pct": round(100 - 100 * (d[3] + d[4]) / (sum(d) or 1), 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=100_000, help="runs in the filled database")
    ap.add_argument("--db", type=Path, help="an existing database instead of filling one")
    ap.add_argument("--builds", type=int, default=3, help="timed `buildprof site` runs")
    ap.add_argument("--loads", type=int, default=5, help="loads of each page")
    ap.add_argument("--subset", default="--lang go",
                    help="filters for the ~500-series site (default: %(default)s)")
    ap.add_argument("--json", type=Path, help="write the figures here as JSON")
    ap.add_argument("--shots", type=Path, help="save screenshots of two pages here")
    ap.add_argument("--keep", type=Path, help="keep the databases and sites here")
    args = ap.parse_args()

    host = machine()
    print(f"machine: {host['cpu']}, {host['logical_cpus']} logical CPUs; before the start: "
          f"load average {' '.join(f'{x:.2f}' for x in host['loadavg'])}, "
          f"CPU {host['busy_before_pct']:.0f}% busy over 1 s")
    tmp = tempfile.TemporaryDirectory(prefix="bp-site-speed-")
    work = args.keep or Path(tmp.name)
    work.mkdir(parents=True, exist_ok=True)
    db, proj_db = args.db or work / "history.db", work / "project.db"
    if args.db is not None and not args.db.is_file():
        raise SystemExit(f"no database at {args.db}")
    if args.db is None:
        db.unlink(missing_ok=True)
        fill(db, args.runs)
    proj_db.unlink(missing_ok=True)
    fill_project(proj_db)
    runs = {}
    for path in (db, proj_db):
        con = sqlite3.connect(path)
        runs[path] = con.execute("SELECT count(*), sum(warmup = 0), "
                                 "count(DISTINCT session_id) FROM runs").fetchone()
        con.close()
        print(f"{path}: {runs[path][0]:,} runs ({runs[path][1]:,} timed), "
              f"{runs[path][2]:,} sessions")

    print(f"\nbuildprof site OUT --db {db}, {args.builds} times:")
    builds = []
    for i in range(args.builds):
        builds.append(build(db, work / "site"))
        print(f"  {i + 1}: {builds[-1]['wall']:.1f} s  ({builds[-1]['summary']})")
    stages = {k: statistics.median(b["stages"][k] for b in builds) for k in builds[0]["stages"]}
    sub = build(db, work / "site-subset", *shlex.split(args.subset))
    proj = build(proj_db, work / "site-project")
    print(f"\n{'stage (s)':42} {'whole':>7} {'subset':>7} {'project':>7}")
    for name in stages:
        print(f"  {name:40} {stages[name]:7.1f} {sub['stages'].get(name, 0):7.1f} "
              f"{proj['stages'].get(name, 0):7.1f}")
    print(f"  {'whole command':40} {statistics.median(b['wall'] for b in builds):7.1f} "
          f"{sub['wall']:7.1f} {proj['wall']:7.1f}")
    print(f"(whole: median of {args.builds}; subset: `site {args.subset}` of the same "
          f"database; project: the 50 x 200 database; once each)")

    pages: dict[str, dict[str, Any]] = {}
    with chromium() as driver:
        browser = driver.capabilities.get("browserVersion", "?")
        for name, url in (("index", work / "site" / "index.html"),
                          ("index-subset", work / "site-subset" / "index.html"),
                          ("project", next((work / "site-project" / "p").glob("*.html")))):
            pages[name] = load(driver, url.resolve().as_uri(), args.loads)
        pages["project"]["drew"] = driver.execute_script(CHARTS)
        if args.shots:  # the window is 1280x900, its viewport less: make the page 1280x900
            args.shots.mkdir(parents=True, exist_ok=True)
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})
            driver.execute_script("document.getElementById('chart-0').scrollIntoView();")
            time.sleep(0.5)
            driver.save_screenshot(str(args.shots / "site-project.png"))
            driver.get((work / "site" / "index.html").resolve().as_uri())
            wait_for(driver, "document.body.hasAttribute('data-drawn')", timeout=60)
            driver.save_screenshot(str(args.shots / "site-index.png"))
            driver.execute_script("document.getElementById('filters').scrollIntoView();")
            time.sleep(0.3)
            driver.save_screenshot(str(args.shots / "site-index-series.png"))
            print(f"\nscreenshots: {args.shots}/site-index.png, site-index-series.png, "
                  f"site-project.png")

    drew = pages["project"]["drew"]
    ok = (drew["lines"] == drew["uplot_lines"] == 50 and set(drew["points"]) == {200}
          and drew["canvases"] == drew["charts"])
    print(f"\nproject page: {drew['charts']} charts, {drew['lines']} lines "
          f"({drew['uplot_lines']:g} handed to uPlot), {min(drew['points'])}-"
          f"{max(drew['points'])} points per line: "
          f"{'as expected' if ok else 'NOT 50 lines of 200 points'}")
    broken = [name for name, p in pages.items() if p["errors"] or p["value"] == "error"]
    for name in broken:
        print(f"{name}: data-drawn={pages[name]['value']!r}, errors: {pages[name]['errors']}")

    rows: list[tuple[str, list[float], str]] = [
        (f"buildprof site, {runs[db][0]:,} runs", [b["wall"] for b in builds], "build")]
    for name, what, target in (
            ("index", "index", "ref"), ("index-subset", f"index {args.subset}", "index"),
            ("project", "project page, 50 lines x 200 points", "project")):
        p = pages[name]
        series = f", {p['series']} series" if name != "project" else ""
        rows += [(f"{what}{series}: data-drawn", p["drawn"], target),
                 ("    load event", p["load"], ""), ("    first frame after", p["painted"], "")]
    print(f"\n{'figure':52} {'median':>7}  {'each (s)':30} target")
    for what, each, target in rows:
        median = statistics.median(each)
        verdict = ("(< 2 s is for ~500 series)" if target == "ref" else "" if not target
                   else f"< {TARGETS[target]:g} s: "
                   f"{'meets' if median < TARGETS[target] else 'MISSES'}")
        print(f"{what:52} {median:6.2f}s  {' '.join(f'{x:.2f}' for x in each):30} {verdict}")
    print(f"(Chromium {browser}; pages: seconds from navigation start, {args.loads} loads, "
          f"each in a new tab with the cache cleared; load average now "
          f"{os.getloadavg()[0]:.2f})")
    if args.json:
        args.json.write_text(json.dumps({
            "machine": host, "chromium": browser, "runs": runs[db][0], "subset": args.subset,
            "targets_s": TARGETS, "build_s": [round(b["wall"], 2) for b in builds],
            "stages_s": {k: round(v, 2) for k, v in stages.items()},
            "build_subset_s": round(sub["wall"], 2), "build_project_s": round(proj["wall"], 2),
            "pages": pages, "project_ok": ok}, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    if broken or not ok:
        raise SystemExit("a page drew wrong or logged errors (above)")


if __name__ == "__main__":
    main()
