"""`buildprof report`: the gap report on a database of real tiny and small builds.

The numbers the report prints are recomputed here independently from the stored
runs (medians with statistics.median, fits with numpy.polyfit, the verdict with
the rule of docs/report.md), and the HTML is parsed, searched for anything that
would load from the network, and rendered in headless Chromium.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import sqlite3
import subprocess
import uuid
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from statistics import median

import numpy as np
import pytest

from profiler.analysis import gap, rule
from profiler.analysis.wording import seconds
from profiler.model.filters import Filters

from conftest import buildprof

SIZES = ("tiny", "small")


# -- the database ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Real clean builds of tiny and small, debug and release, one run each."""
    db = tmp_path_factory.mktemp("report") / "results.db"
    res = buildprof("run", "--size", ",".join(SIZES), "--scenario", "clean", "--profile",
                    "debug,release", "--runs", "1", "--warmup", "0", "--db", str(db),
                    timeout=1200)
    assert res.returncode == 0, res.stderr
    return db


def copy_db(src: Path, dest: Path) -> Path:
    """A consistent copy (WAL included) through SQLite's backup API."""
    with sqlite3.connect(src) as a, sqlite3.connect(dest) as b:
        a.backup(b)
    return dest


def clone_runs(conn: sqlite3.Connection, where: str, params: list, **changes: object
               ) -> list[int]:
    """Insert copies of the runs matching `where`, with `changes` (a value, or a
    function of the old row)."""
    cols = [r[1] for r in conn.execute("PRAGMA table_info(runs)") if r[1] != "id"]
    rows = conn.execute(f"SELECT {', '.join(cols)} FROM runs r WHERE {where}", params).fetchall()
    ids = []
    for row in rows:
        d = dict(zip(cols, row, strict=True))
        d["uuid"] = str(uuid.uuid4())  # a copy is a run of its own
        for key, value in changes.items():
            d[key] = value(d) if callable(value) else value
        cur = conn.execute(f"INSERT INTO runs ({', '.join(d)}) VALUES "
                           f"({', '.join('?' * len(d))})", list(d.values()))
        ids.append(int(cur.lastrowid or 0))
    conn.commit()
    return ids


def stored_medians(db: Path) -> dict[tuple[str, str, str], tuple[float, int]]:
    """(size, lang, profile) -> (median wall of the ok timed runs, LOC), straight from SQL."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            """SELECT p.name, p.lang, r.profile, r.wall_s, p.loc FROM runs r
               JOIN projects p ON p.id = r.project_id
               WHERE r.warmup = 0 AND r.status = 'ok' AND r.scenario = 'clean'""").fetchall()
    walls: dict[tuple[str, str, str], list[float]] = {}
    locs = {}
    for name, lang, profile, wall, loc in rows:
        walls.setdefault((name, lang, profile), []).append(wall)
        locs[(name, lang, profile)] = loc
    return {k: (median(v), locs[k]) for k, v in walls.items()}


def load(db: Path, **filters: object) -> gap.GapReport:
    from profiler.storage.db import ResultsDB

    with ResultsDB.open(db, readonly=True) as store:
        return gap.build(**store.report_rows(Filters(**filters)))  # type: ignore[arg-type]


def expected_verdict(med: dict[tuple[str, str, str], tuple[float, int]]) -> str:
    """docs/report.md's rule, written again: at the largest size with clean builds in
    both languages, Go's default build (release) against each Rust profile."""
    size = [s for s in SIZES if (s, "go", "release") in med and
            any((s, "rust", p) in med for p in ("debug", "release"))][-1]
    go = med[(size, "go", "release")][0]
    rust = [med[(size, "rust", p)][0] for p in ("debug", "release") if (size, "rust", p) in med]
    if all(r < 60 for r in rust):
        return "does not hold"
    if go < 60 and all(r >= 60 for r in rust):
        return "holds"
    return "partly holds"


def expected_scaling(med: dict[tuple[str, str, str], tuple[float, int]], lang: str,
                     profile: str) -> tuple[str, str]:
    """(what the scaling sentence says of `lang`'s clean `profile` builds, what it must
    not say), from numpy's fit of the stored medians: the crossings of a growing fit
    (slope b > 0), else that the builds do not grow with size."""
    x = np.log([med[(s, lang, profile)][1] for s in SIZES])
    y = np.log([med[(s, lang, profile)][0] for s in SIZES])
    b = float(np.polyfit(x, y, 1)[0])
    grows = {"rust": f"Rust {profile} clean builds pass 1 minute at about",
             "go": f"Go {profile} stays under 10 s up to"}[lang]
    flat = f"{'Rust' if lang == 'rust' else 'Go'} {profile} clean builds do not grow with size"
    return (grows, flat) if b > 0 else (f"{flat} (b = {b:.2f})", grows)


def report_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "260"}
    return buildprof("report", *args, env=env)


# -- the numbers -------------------------------------------------------------------------


def test_medians_ratio_fit_and_verdict_match_the_stored_runs(real_db: Path) -> None:
    med = stored_medians(real_db)
    rep = load(real_db)
    assert [s["id"] for s in rep.sessions] == [1]
    pairs = {(p.project, p.profile): p for p in rep.pairs}
    assert set(pairs) == {(s, p) for s in SIZES for p in ("debug", "release")}
    for (size, profile), p in pairs.items():
        go, rust = med[(size, "go", profile)][0], med[(size, "rust", profile)][0]
        assert p.go is not None and p.rust is not None
        assert p.go.wall.median == pytest.approx(go, rel=1e-12)
        assert p.rust.wall.median == pytest.approx(rust, rel=1e-12)
        assert p.ratio == pytest.approx(rust / go, rel=1e-12)

    fits = {(f.lang, f.profile): f for f in rep.fits}
    assert set(fits) == {(lang, p) for lang in ("go", "rust") for p in ("debug", "release")}
    for (lang, profile), f in fits.items():
        x = np.log([med[(s, lang, profile)][1] for s in SIZES])
        y = np.log([med[(s, lang, profile)][0] for s in SIZES])
        b, ln_a = np.polyfit(x, y, 1)
        r2 = np.corrcoef(x, y)[0, 1] ** 2
        assert f.b == pytest.approx(b, rel=1e-9)
        assert f.a == pytest.approx(math.exp(ln_a), rel=1e-9)
        assert f.r2 == pytest.approx(r2, abs=1e-9)
        # Two sizes: a line through two points, shown but not trusted.
        assert f.sizes == 2 and not f.trusted and f.note == "2 sizes: too few to trust"
        for t, loc in f.crossings:
            assert loc is not None and math.exp(ln_a) * loc ** b == pytest.approx(t, rel=1e-9)

    assert rep.verdict.outcome == expected_verdict(med)
    ev = rep.verdict.evidence
    assert ev is not None and ev.project == "small" and ev.go_profile == "release"
    assert ev.go_s == pytest.approx(med[("small", "go", "release")][0])
    assert dict(ev.rust_s) == pytest.approx({p: med[("small", "rust", p)][0]
                                             for p in ("debug", "release")})
    # Cold, incremental and check were not run: the report names them.
    assert rep.not_measured == ("cold", "incremental", "check")


def test_terminal_report_prints_the_numbers(real_db: Path) -> None:
    res = report_cli("--db", str(real_db))
    assert res.returncode == 0, res.stderr
    out = res.stdout
    med = stored_medians(real_db)
    assert f"for this machine: {expected_verdict(med).upper()}" in out
    for size in SIZES:
        for profile in ("debug", "release"):
            go, rust = med[(size, "go", profile)][0], med[(size, "rust", profile)][0]
            row = next(line for line in out.splitlines()
                       if re.match(rf"│ {size}\s+│.*│ clean\s+│ {profile}\s+│", line))
            assert seconds(go) in row and seconds(rust) in row
            assert f"{rust / go:.1f}×" in row
            assert "█" in row
    assert "2 sizes: too few to trust" in out
    # The scaling sentence follows the fit's slope: from one run per size a noisy
    # machine can tilt it either way, so the phrase expected is derived from the
    # stored runs (rich may wrap the sentence: compare with whitespace collapsed).
    words = " ".join(out.split())
    for lang in ("rust", "go"):
        said, not_said = expected_scaling(med, lang, "release")
        assert said in words, (said, words)
        assert not_said not in words, (not_said, words)
    assert "cold was not measured" in out
    assert "buildprof run --size tiny,small --scenario clean" in out  # how to reproduce


def test_markdown_has_the_same_medians(real_db: Path) -> None:
    res = report_cli("--db", str(real_db), "--format", "markdown")
    assert res.returncode == 0, res.stderr
    med = stored_medians(real_db)
    md = res.stdout
    assert f"## Verdict: **{expected_verdict(med)}**" in md
    section = md.split("## Build times")[1].split("\n## ")[0]
    rows = [[c.strip() for c in line.strip("|").split(" | ")]
            for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    head, body = rows[0], rows[1:]
    assert head[:8] == ["project", "lines Go / Rust", "scenario", "profile", "n Go/Rust", "Go",
                        "Rust", "Rust/Go"]
    assert len(body) == 4
    for row in body:
        size, profile = row[0], row[3]
        go, rust = med[(size, "go", profile)][0], med[(size, "rust", profile)][0]
        assert row[5] == seconds(go) and row[6] == seconds(rust)
        assert row[7] == f"{rust / go:.1f}×"
    assert "| 2 |" in md.split("## Scaling")[1]  # the fits' size count
    assert "too few to trust" in md


def test_json_carries_the_verdict_and_fits(real_db: Path) -> None:
    import json

    res = report_cli("--db", str(real_db), "--format", "json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["verdict"]["outcome"] == expected_verdict(stored_medians(real_db))
    assert {len(f["points"]) for f in data["fits"]} == {2}
    assert all(f["trusted"] is False for f in data["fits"])


# -- pure functions ----------------------------------------------------------------------


def _row(i: int, size: str, lang: str, loc: int, wall: float, profile: str = "release",
         scenario: str = "clean", toolchain: str | None = None) -> dict:
    return {"id": i, "session_id": 1, "project_id": i, "machine_id": "m", "project": size,
            "lang": lang, "loc": loc, "source": f"sample:{size}", "content_hash": size + lang,
            "toolchain": toolchain or f"{lang}@1", "toolchain_id": lang, "scenario": scenario,
            "edit": None, "jobs": None, "profile": profile, "warmup": 0, "status": "ok",
            "wall_s": wall, "cpu_util": 1.5, "peak_rss_bytes": 1 << 20,
            "tree_peak_rss_bytes": 2 << 20, "artifact_bytes": 1 << 20}


def test_three_sizes_give_a_trusted_fit_with_its_crossings() -> None:
    locs = {"tiny": 1000, "small": 10_000, "medium": 50_000}
    rust = {"tiny": 9.0, "small": 70.0, "medium": 300.0}
    go = {"tiny": 1.0, "small": 5.0, "medium": 30.0}
    rows = [_row(i, s, lang, locs[s] + (7 if lang == "rust" else 0), t[s])
            for i, (s, lang, t) in enumerate((s, lang, t) for s in locs
                                            for lang, t in (("go", go), ("rust", rust)))]
    rep = gap.build(rows)
    f = next(f for f in rep.fits if f.lang == "rust")
    x = np.log([locs[s] + 7 for s in locs])
    y = np.log([rust[s] for s in locs])
    b, ln_a = np.polyfit(x, y, 1)
    assert f.trusted and f.sizes == 3 and f.note == ""
    assert f.b == pytest.approx(b) and f.r2 == pytest.approx(np.corrcoef(x, y)[0, 1] ** 2)
    assert f.r2 < 1
    assert f.crossing(60.0) == pytest.approx(math.exp((math.log(60) - ln_a) / b))
    # At medium, Go 30 s is seconds and Rust release 300 s minutes (debug not measured).
    assert rep.verdict.outcome == "holds"
    assert rep.verdict.missing_profiles == ("debug",)
    assert not any("too few" in s for s in rep.sentences)


def test_a_fit_on_two_sizes_is_too_few_to_trust() -> None:
    rows = [_row(1, "tiny", "go", 1000, 1.0), _row(2, "small", "go", 10_000, 4.0)]
    (f,) = gap.build(rows).fits
    assert f.b == pytest.approx(math.log(4) / math.log(10))
    assert not f.trusted and "too few to trust" in f.note
    one = gap.build(rows[:1]).fits[0]
    assert one.b is None and one.note == "one size: no fit"


@pytest.mark.parametrize(("go", "rust", "want"), [
    (8.0, {"debug": 20.0, "release": 64.0}, "partly holds"),
    (8.0, {"debug": 70.0, "release": 200.0}, "holds"),
    (70.0, {"debug": 200.0, "release": 900.0}, "partly holds"),  # Go in minutes too
    (5.0, {"debug": 20.0, "release": 59.9}, "does not hold"),
    (5.0, {"release": 60.0}, "holds"),
])
def test_verdict_rule(go: float, rust: dict[str, float], want: str) -> None:
    assert rule.outcome(go, rust) == want


def test_scenario_gap_says_how_it_differs_from_clean() -> None:
    def change(ratio: float, clean: float) -> str:
        return gap.ScenarioGap("small", "incremental", None, "debug", 4.9, 4.9 * ratio, ratio,
                               clean, "").change

    assert change(0.4, 4.2) == "reversed: Rust is faster here"
    assert change(2.6, 7.7) == "narrower"
    assert change(6.6, 7.7) == "about the same"
    assert change(12.0, 7.7) == "wider"


# -- HTML ----------------------------------------------------------------------------------


class _Tags(HTMLParser):
    """Checks that every element is closed in order (void elements aside) and
    records the sections and what they hold."""

    VOID = {"meta", "br", "img", "link", "input", "hr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()


def sections(html: str) -> dict[str, int]:
    """Section id -> number of <svg> charts in it, from the XML tree."""
    root = ET.fromstring(html.split("\n", 1)[1])  # after <!DOCTYPE html>
    return {s.get("id", ""): len(s.findall(".//svg")) for s in root.iter("section")}


def assert_offline(html: str) -> None:
    assert "http://" not in html and "https://" not in html
    assert not re.search(r"""(src|href)\s*=\s*["'](?!#)""", html), "a src/href not in-page"
    assert not re.search(r"url\(\s*['\"]?(?!#)", html), "a url() not in-page"
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert "<img" not in html and "<iframe" not in html and "<object" not in html


def check_html(path: Path) -> str:
    html = path.read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(html)
    parser.close()
    assert parser.errors == [] and parser.stack == []
    ET.fromstring(html.split("\n", 1)[1])  # well-formed XML too
    assert_offline(html)
    return html


@pytest.fixture(scope="module")
def html_report(real_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("html") / "report.html"
    res = report_cli("--db", str(real_db), "--html", str(out))
    assert res.returncode == 0, res.stderr
    assert f"Wrote {out}" in res.stdout
    return out


def test_html_is_well_formed_offline_with_one_chart_per_section(html_report: Path,
                                                                real_db: Path) -> None:
    html = check_html(html_report)
    got = sections(html)
    assert got == {"verdict": 0, "scaling": 1, "times": 1, "memory": 1, "leaves-out": 0,
                   "machine": 0}
    med = stored_medians(real_db)
    assert f">{expected_verdict(med)}</span>" in html
    for (size, lang, profile), (wall, _loc) in med.items():
        assert seconds(wall) in html, (size, lang, profile)
    # the exact command that made the data, and the toolchains' full version text
    assert "buildprof run --size tiny,small --scenario clean --profile debug,release" in html
    assert "LLVM version" in html and "go version go" in html
    # the log-log chart holds the fitted lines' legend for both languages
    scaling = html.split('id="scaling"')[1].split("</section>")[0]
    assert "Go release fit: b=" in scaling and "Rust release fit: b=" in scaling


def test_html_renders_in_headless_chromium(html_report: Path, tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("chromium is not on PATH (Debian's `chromium` package; `.ci/run` "
                    "installs it through bootstrap.sh --test)")
    shot = tmp_path / "shot.png"
    res = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
         "--window-size=1200,2000", html_report.as_uri()],
        capture_output=True, text=True, timeout=180)
    assert shot.is_file(), res.stderr[-2000:]
    from matplotlib.image import imread

    img = (imread(str(shot))[:, :, :3] * 255).round().astype(np.int32)
    colors = np.unique(img.reshape(-1, 3), axis=0)
    assert len(colors) > 50, f"only {len(colors)} colours: a blank page?"

    def near(rgb: tuple[int, int, int]) -> int:
        return int((np.abs(img - np.array(rgb)).sum(axis=2) < 30).sum())

    assert near((0x00, 0xAD, 0xD8)) > 500  # Go's bars and lines
    assert near((0xCE, 0x42, 0x2B)) > 500  # Rust's


# -- optional sections and data the real runs lack --------------------------------------


def _units(conn: sqlite3.Connection, run_id: int, names: list[tuple[str, str, float, float,
                                                                   bool]]) -> None:
    for name, kind, start, end, crit in names:
        conn.execute("INSERT INTO units (run_id, name, kind, start_s, end_s, wall_s, cpu_s, "
                     "peak_rss_bytes, deps, critical) VALUES (?,?,?,?,?,?,?,?,?,?)",
                     [run_id, name, kind, start, end, end - start, (end - start) * 0.9,
                      50 << 20, "[]", int(crit)])
    conn.commit()


def test_gantt_section_only_when_units_exist(real_db: Path, html_report: Path,
                                             tmp_path: Path) -> None:
    assert "timeline" not in sections(html_report.read_text())
    db = copy_db(real_db, tmp_path / "units.db")
    with sqlite3.connect(db) as conn:
        run = {lang: conn.execute(
            "SELECT r.id FROM runs r JOIN projects p ON p.id = r.project_id WHERE p.lang = ? "
            "AND p.name = 'small' AND r.profile = 'release'", [lang]).fetchone()[0]
            for lang in ("go", "rust")}
        _units(conn, run["go"], [("leaf", "lib", 0.1, 0.6, True), ("mid", "lib", 0.6, 1.0, False),
                                 ("app", "bin", 0.6, 1.2, True),
                                 ("app (link)", "link", 1.2, 1.5, True)])
        _units(conn, run["rust"], [("leaf", "lib", 0.2, 5.0, True),
                                   ("app (bin)", "bin", 5.0, 6.0, True)])
    out = tmp_path / "units.html"
    res = report_cli("--db", str(db), "--html", str(out))
    assert res.returncode == 0, res.stderr
    html = check_html(out)
    assert sections(html)["timeline"] == 1
    timeline = html.split('id="timeline"')[1].split("</section>")[0]
    assert "leaf → app → app (link)" in timeline  # Go's critical path, in order
    assert f"run {run['rust']} (rust@" in timeline
    term = report_cli("--db", str(db)).stdout
    assert f"Units of run {run['go']} (small, go, clean release): 4 units" in term


def test_other_scenarios_toolchains_and_sessions(real_db: Path, tmp_path: Path) -> None:
    """Cold runs show how the gap differs; a second Go toolchain gets its own section;
    a newer session becomes the default; --all pools them."""
    db = copy_db(real_db, tmp_path / "more.db")
    med = stored_medians(real_db)
    with sqlite3.connect(db) as conn:
        go_ids = {r[0] for r in conn.execute("SELECT id FROM toolchains WHERE lang = 'go'")}
        clone_runs(conn, "r.scenario = 'clean' AND r.project_id IN (SELECT id FROM projects "
                   "WHERE name = 'small')", [], scenario="cold",
                   wall_s=lambda d: d["wall_s"] * (4.0 if d["toolchain_id"] in go_ids else 1.1))
        conn.execute("INSERT INTO toolchains (id, lang, spec, version, version_full, path) "
                     "VALUES ('oldgo', 'go', 'go@1.25.5', '1.25.5', 'go version go1.25.5', "
                     "'/x/go')")
        clone_runs(conn, "r.scenario = 'clean' AND r.toolchain_id IN (SELECT id FROM toolchains "
                   "WHERE lang = 'go')", [], toolchain_id="oldgo",
                   wall_s=lambda d: d["wall_s"] * 1.5)
        conn.commit()
    rep = load(db)
    cold = {g.profile: g for g in rep.gaps if g.scenario == "cold"}
    assert set(cold) == {"debug", "release"}
    for prof, g in cold.items():
        clean = med[("small", "rust", prof)][0] / med[("small", "go", prof)][0]
        assert g.clean_ratio == pytest.approx(clean)
        assert g.ratio == pytest.approx(clean * 1.1 / 4.0)
        assert g.change == ("reversed: Rust is faster here" if g.ratio < 1 <= clean
                            else "narrower")
    assert "cold" not in rep.not_measured
    assert rep.multi_toolchain_langs == ["go"]
    assert rep.primary["go"] == "go@1.26.8"  # a tie on runs: the last in name order
    out = tmp_path / "more.html"
    res = report_cli("--db", str(db), "--html", str(out), "--format", "markdown")
    assert res.returncode == 0, res.stderr
    assert "cold, release, small: Rust" in res.stdout and "narrower" in res.stdout
    assert "## Toolchains (go)" in res.stdout
    got = sections(check_html(out))
    assert got["toolchains"] == 1 and got["scaling"] == 1

    # A newer session with one Rust run: the default report is that session alone.
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO sessions (id, started, status, command_line, machine_id) "
                     "SELECT 2, '2099-01-01T00:00:00', 'completed', 'buildprof run --lang rust "
                     "--size tiny', machine_id FROM sessions WHERE id = 1")
        clone_runs(conn, "r.scenario = 'clean' AND r.profile = 'release' AND r.project_id IN "
                   "(SELECT id FROM projects WHERE name = 'tiny' AND lang = 'rust')", [],
                   session_id=2)
    latest = load(db)
    assert [s["id"] for s in latest.sessions] == [2]
    assert latest.verdict.outcome == "not measured"
    assert load(db, sessions=(1,)).verdict.outcome == expected_verdict(med)
    from profiler.storage.db import ResultsDB

    with ResultsDB.open(db, readonly=True) as store:
        pooled = gap.build(**store.report_rows(Filters(), all_sessions=True))
    tiny = next(c for c in pooled.cells if c.key.project == "tiny" and c.key.lang == "rust"
                and c.key.profile == "release" and c.key.scenario == "clean")
    assert tiny.n == 2


@pytest.mark.parametrize(("args", "message"), [
    (["--session", "99"], "Error: no session 99; sessions are numbered 1 to 1"),
    (["--format", "xml"], "Error: unknown format 'xml'; use one of: table, markdown, json"),
    (["--size", "gigantic"], "Error: no project named 'gigantic' in the database"),
    (["--all", "--session", "1"], "Error: --all and --session exclude each other"),
    (["--html", "/nonexistent/dir/r.html"], "Error: cannot write /nonexistent/dir/r.html: "
                                            "directory /nonexistent/dir does not exist"),
])
def test_bad_input_names_the_fix(real_db: Path, args: list[str], message: str) -> None:
    res = report_cli("--db", str(real_db), *args)
    assert res.returncode == 2
    assert res.stderr.startswith(message), res.stderr


def test_missing_database_and_several_machines(real_db: Path, tmp_path: Path) -> None:
    res = report_cli("--db", str(tmp_path / "none.db"))
    assert res.returncode == 2
    assert "does not exist; run `buildprof run` first" in res.stderr
    db = copy_db(real_db, tmp_path / "two.db")
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO machines (id, hostname, cpu_model, cores) "
                     "VALUES ('ffff0000', 'other', 'x', 1)")
        clone_runs(conn, "r.id = 1", [], machine_id="ffff0000")
        mine = conn.execute("SELECT id FROM machines WHERE id != 'ffff0000'").fetchone()[0]
    res = report_cli("--db", str(db))
    assert res.returncode == 2
    assert "from 2 machines" in res.stderr and "choose one with --machine" in res.stderr
    res = report_cli("--db", str(db), "--machine", mine[:6])
    assert res.returncode == 0, res.stderr
