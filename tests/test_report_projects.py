"""`buildprof report` on the user's own projects: each gets its cells, its trend
across sessions, its slowest units and its tune results, and no Go-against-Rust
comparison (a Go module and an unrelated crate are two projects, not a gap).

Real builds of the tiny fixtures through the real CLI; the figures the report prints
are recomputed here from the stored runs (sqlite3 and statistics.median), not through
buildprof's own summaries.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from statistics import median

import pytest

from profiler.analysis import own as proj
from profiler.analysis.wording import CLAIM, seconds
from profiler.report.document.own import CELLS_TITLE, TREND_TITLE, TUNE_TITLE, UNITS_TITLE

from conftest import buildprof, copy_fixture

# What only a Go-against-Rust report says: none of it may appear about own projects.
GAP_TEXT = ("Go against Rust", "NOT MEASURED", "not measured", "Verdict", CLAIM, "Rust/Go",
            "What the claim leaves out", "minutes")


def run(*args: str) -> None:
    res = buildprof("run", *args, timeout=1200)
    assert res.returncode == 0, res.stderr[-3000:]


def report(db: Path, *args: str) -> str:
    res = buildprof("report", "--db", str(db), *args, env={**os.environ, "COLUMNS": "260"})
    assert res.returncode == 0, res.stderr[-3000:]
    assert "Traceback" not in res.stderr
    return res.stdout


def copy_db(src: Path, dest: Path) -> Path:
    """A consistent copy (WAL included) through SQLite's backup API."""
    with sqlite3.connect(src) as a, sqlite3.connect(dest) as b:
        a.backup(b)
    return dest


def walls(db: Path, project: str) -> dict[tuple[int, str], list[float]]:
    """(session, variant) -> the successful timed runs' wall times, straight from SQL."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT r.session_id, r.variant, r.wall_s FROM runs r JOIN projects p "
            "ON p.id = r.project_id WHERE p.name = ? AND r.warmup = 0 AND r.status = 'ok' "
            "ORDER BY r.id", [project]).fetchall()
    out: dict[tuple[int, str], list[float]] = {}
    for session, variant, wall in rows:
        out.setdefault((session, variant), []).append(wall)
    return out


def mad(xs: list[float]) -> float:
    m = median(xs)
    return median(abs(x - m) for x in xs)


def between(text: str, start: str, end: str | None = None) -> str:
    part = text[text.index(start):]
    return part[:part.index(end)] if end else part


def no_gap(text: str) -> None:
    for phrase in GAP_TEXT:
        assert phrase not in text, phrase


# -- a Go module: two sessions, the second with --breakdown ------------------------------


@pytest.fixture(scope="module")
def go_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("own-go")
    module = copy_fixture("gomod", tmp)
    db = tmp / "results.db"
    run(str(module), "--runs", "2", "--scenario", "clean", "--db", str(db))
    run(str(module), "--runs", "2", "--scenario", "clean", "--breakdown", "--db", str(db))
    return db


def breakdown_units(db: Path) -> tuple[int, list[tuple[str, float]], list[str]]:
    """The --breakdown run's id, its units (name, wall) longest first, and the units
    marked critical in the order they ran (a chain: each starts after the one before)."""
    with sqlite3.connect(db) as conn:
        (run_id,) = conn.execute("SELECT max(run_id) FROM units").fetchone()
        rows = conn.execute("SELECT name, wall_s, start_s, critical FROM units "
                            "WHERE run_id = ?", [run_id]).fetchall()
    by_wall = sorted(((n, w) for n, w, _, _ in rows), key=lambda u: (-u[1], u[0]))
    chain = [n for n, _, _, crit in sorted(rows, key=lambda u: u[2]) if crit]
    return run_id, by_wall, chain


def test_terminal_shows_the_cells_trend_and_units_and_no_gap(go_db: Path) -> None:
    out = report(go_db)
    no_gap(out)
    assert "gomod (Go)" in out
    w = walls(go_db, "gomod")
    first, second = w[(1, "baseline")], w[(2, "baseline")]
    assert len(first) == len(second) == 2
    # The cells: the newest session's clean debug cell, its median ± MAD and n.
    cells = between(out, CELLS_TITLE, TREND_TITLE)
    row = next(line for line in cells.splitlines() if re.search(r"│ clean\s+│ debug\s+│", line))
    assert f"{seconds(median(second))} ± {seconds(mad(second))}" in row
    assert re.search(r"│ 2\s+│", row)
    # The trend: both sessions, oldest first, and the change from the first to the last.
    trend = between(out, TREND_TITLE, UNITS_TITLE)
    row = next(line for line in trend.splitlines() if "│ clean" in line)
    assert "2 (s1, s2)" in row
    assert f"{seconds(median(first))} → {seconds(median(second))}" in row
    assert f"{100 * (median(second) / median(first) - 1):+.1f}%" in row
    # The slowest units of the --breakdown run, and its critical path in order.
    run_id, by_wall, chain = breakdown_units(go_db)
    units = between(out, UNITS_TITLE)
    assert f"Run {run_id} (session 2" in units
    for name, _ in by_wall[:5]:
        assert re.search(rf"│ {re.escape(name)}\s+│", units), name
    assert chain and f"Critical path: {len(chain)} unit(s)" in units
    assert " → ".join(chain) in units


def test_json_carries_the_exact_figures(go_db: Path) -> None:
    data = json.loads(report(go_db, "--format", "json"))
    assert "verdict" not in data and "pairs" not in data
    (p,) = data["projects"]
    assert (p["project"], p["lang"], p["source"]) == ("gomod", "go", "path")
    w = walls(go_db, "gomod")
    (cell,) = p["cells"]
    assert cell["session"] == 2 and cell["n"] == 2
    assert cell["wall_median"] == pytest.approx(median(w[(2, "baseline")]), abs=1e-12)
    assert cell["wall_mad"] == pytest.approx(mad(w[(2, "baseline")]), abs=1e-12)
    with sqlite3.connect(go_db) as conn:
        cpu = [u + s for u, s in conn.execute(
            "SELECT user_s, sys_s FROM runs WHERE session_id = 2 AND warmup = 0")]
    assert cell["cpu_median"] == pytest.approx(median(cpu), abs=1e-12)
    (trend,) = p["trend"]
    assert [pt["session"] for pt in trend["points"]] == [1, 2]
    assert [pt["wall_median"] for pt in trend["points"]] == pytest.approx(
        [median(w[(1, "baseline")]), median(w[(2, "baseline")])], abs=1e-12)
    run_id, by_wall, chain = breakdown_units(go_db)
    units = p["breakdown"]
    assert units["run_id"] == run_id
    assert [u["name"] for u in units["slowest"]] == [n for n, _ in by_wall[:5]]
    assert units["critical_path"]["chain"] == chain
    walls_by_name = dict(by_wall)
    assert units["critical_path"]["length_s"] == pytest.approx(
        sum(walls_by_name[n] for n in chain), abs=1e-9)
    assert p["tune"] == []


def test_markdown_has_the_same_rows(go_db: Path) -> None:
    md = report(go_db, "--format", "markdown")
    no_gap(md)
    assert md.startswith("# Build times: your projects")
    assert "\n## gomod (Go)\n" in md
    w = walls(go_db, "gomod")
    cells = between(md, f"### {CELLS_TITLE}", f"### {TREND_TITLE}")
    rows = [[c.strip() for c in line.strip("|").split(" | ")]
            for line in cells.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows[0][:5] == ["scenario", "profile", "toolchain", "n", "wall median ± MAD"]
    assert len(rows) == 2
    assert rows[1][0] == "clean" and rows[1][3] == "2"
    assert rows[1][4] == f"{seconds(median(w[(2, 'baseline')]))} ± " \
                         f"{seconds(mad(w[(2, 'baseline')]))}"
    trend = between(md, f"### {TREND_TITLE}", f"### {UNITS_TITLE}")
    assert f"{seconds(median(w[(1, 'baseline')]))} → {seconds(median(w[(2, 'baseline')]))}" \
        in trend
    _, by_wall, chain = breakdown_units(go_db)
    units = between(md, f"### {UNITS_TITLE}")
    assert all(f"| {name} |" in units for name, _ in by_wall[:5])
    assert " → ".join(chain) in units


def test_html_has_a_section_with_the_trend_chart(go_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    res = buildprof("report", "--db", str(go_db), "--html", str(out))
    assert res.returncode == 0, res.stderr
    assert "1 project(s)" in res.stdout
    html = out.read_text(encoding="utf-8")
    root = ET.fromstring(html.split("\n", 1)[1])  # after <!DOCTYPE html>: well-formed XML
    sections = {s.get("id"): s for s in root.iter("section")}
    assert set(sections) == {"project-1", "machine"}
    project = sections["project-1"]
    assert project.findtext("h2") == "gomod (Go)"
    (svg,) = project.iter("svg")
    assert svg.findtext("title") == "gomod (Go): median wall time per session"
    text = "".join(project.itertext())
    no_gap(text)
    w = walls(go_db, "gomod")
    assert f"{seconds(median(w[(1, 'baseline')]))} → {seconds(median(w[(2, 'baseline')]))}" \
        in text
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html


def test_an_older_session_alone_has_no_units_and_a_one_point_trend(go_db: Path) -> None:
    """--session 1 selects that session: its cells, a trend of it alone, and no
    breakdown (its runs recorded none)."""
    (p,) = json.loads(report(go_db, "--session", "1", "--format", "json"))["projects"]
    assert p["sessions"] == [1] and p["breakdown"] is None
    assert [pt["session"] for pt in p["trend"][0]["points"]] == [1]
    out = report(go_db, "--session", "1")
    assert "one session" in out and UNITS_TITLE not in out


# -- tune results ----------------------------------------------------------------------


def test_tune_results_show_the_knob(go_db: Path, tmp_path: Path) -> None:
    db = copy_db(go_db, tmp_path / "tune.db")
    module = copy_fixture("gomod", tmp_path)
    res = buildprof("tune", str(module), "--knob=-trimpath", "--scenario", "clean", "--runs",
                    "2", "--db", str(db), timeout=1200)
    assert res.returncode == 0, res.stderr[-3000:]
    w = walls(db, "gomod")
    base, knob = w[(3, "baseline")], w[(3, "-trimpath")]
    change = 100 * (median(knob) / median(base) - 1)
    out = report(db)
    no_gap(out)
    tune = between(out, TUNE_TITLE)
    row = next(line for line in tune.splitlines() if "│ -trimpath" in line)
    assert f"{change:+.1f}%" in row and seconds(median(base)) in row
    assert "│ clean [-trimpath]" in between(out, CELLS_TITLE, TREND_TITLE)
    (p,) = json.loads(report(db, "--format", "json"))["projects"]
    (r,) = p["tune"]
    assert r["knob"] == "-trimpath" and p["tune_session"] == 3
    assert r["change_pct"] == pytest.approx(change, abs=1e-9)
    assert r["verdict"].startswith(("too few runs", "~", "p="))
    baseline = next(t for t in p["trend"] if t["variant"] == "baseline")
    assert [pt["session"] for pt in baseline["points"]] == [1, 2, 3]
    md = report(db, "--format", "markdown")
    assert f"| -trimpath | clean | debug | {seconds(median(base))} | " in md


# -- a Go module and a crate; and beside paired samples ---------------------------------


@pytest.fixture(scope="module")
def go_rust_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("own-go-rust")
    module, crate = copy_fixture("gomod", tmp), copy_fixture("crate", tmp)
    db = tmp / "results.db"
    run(str(module), str(crate), "--runs", "2", "--scenario", "clean", "--db", str(db))
    return db


def test_a_go_module_and_a_crate_are_two_projects(go_rust_db: Path) -> None:
    out = report(go_rust_db)
    no_gap(out)
    assert "gomod (Go)" in out and "crate (Rust)" in out
    data = json.loads(report(go_rust_db, "--format", "json"))
    assert "verdict" not in data
    assert [(p["project"], p["lang"]) for p in data["projects"]] == [("crate", "rust"),
                                                                     ("gomod", "go")]
    for p in data["projects"]:
        (cell,) = p["cells"]
        assert cell["lang"] == p["lang"]
        assert cell["wall_median"] == pytest.approx(
            median(walls(go_rust_db, p["project"])[(1, "baseline")]), abs=1e-12)
    md = report(go_rust_db, "--format", "markdown")
    no_gap(md)
    assert "\n## crate (Rust)\n" in md and "\n## gomod (Go)\n" in md


def as_sample(db: Path, name: str, sample: str) -> None:
    """A copy of the project `name`'s runs (same session) as the sample `sample`'s side
    in the project's language."""
    with sqlite3.connect(db) as conn:
        cols = [r[1] for r in conn.execute("PRAGMA table_info(projects)") if r[1] != "id"]
        old = conn.execute(f"SELECT id, {', '.join(cols)} FROM projects WHERE name = ?",
                           [name]).fetchone()
        row = dict(zip(cols, old[1:], strict=True))
        row.update(name=sample, source=f"sample:{sample}", path=sample,
                   content_hash=f"{sample}-{row['lang']}")
        new = conn.execute(f"INSERT INTO projects ({', '.join(row)}) VALUES "
                           f"({', '.join('?' * len(row))})", list(row.values())).lastrowid
        run_cols = [r[1] for r in conn.execute("PRAGMA table_info(runs)") if r[1] != "id"]
        for values in conn.execute(f"SELECT {', '.join(run_cols)} FROM runs "
                                   f"WHERE project_id = ?", [old[0]]).fetchall():
            r = dict(zip(run_cols, values, strict=True))
            r.update(project_id=new, uuid=str(uuid.uuid4()))
            conn.execute(f"INSERT INTO runs ({', '.join(r)}) VALUES "
                         f"({', '.join('?' * len(r))})", list(r.values()))
        conn.commit()


def test_paired_samples_get_the_gap_and_own_projects_their_sections(go_rust_db: Path,
                                                                    tmp_path: Path) -> None:
    """The runs of both fixtures copied as the tiny sample's Go and Rust sides, in the
    same session: Go against Rust for tiny, and a section each for gomod and crate,
    which stay out of the gap's tables."""
    db = copy_db(go_rust_db, tmp_path / "mixed.db")
    as_sample(db, "gomod", "tiny")
    as_sample(db, "crate", "tiny")
    out = report(db)
    assert "Go against Rust" in out and "Rust/Go" in out
    gap = [line for line in between(out, "Go against Rust", "Your projects").splitlines()
           if line.startswith("│")]
    assert any(re.match(r"│ tiny\s+│", line) for line in gap)
    assert not any("gomod" in line or "crate" in line for line in gap)
    own = between(out, "Your projects")
    assert "gomod (Go)" in own and "crate (Rust)" in own and "Rust/Go" not in own
    data = json.loads(report(db, "--format", "json"))
    assert {p["project"] for p in data["pairs"]} == {"tiny"}
    assert data["verdict"]["outcome"] != "not measured"
    assert [p["project"] for p in data["projects"]] == ["crate", "gomod"]
    html_path = tmp_path / "mixed.html"
    res = buildprof("report", "--db", str(db), "--html", str(html_path))
    assert res.returncode == 0, res.stderr
    root = ET.fromstring(html_path.read_text(encoding="utf-8").split("\n", 1)[1])
    ids = [s.get("id") for s in root.iter("section")]
    assert ids[0] == "verdict" and ids[-1] == "machine"
    assert ids[-3:-1] == ["project-1", "project-2"]


# -- the analysis on its own -------------------------------------------------------------


def _row(i: int, session: int, wall: float, toolchain: str = "go@1.26.8",
         content: str = "c1") -> dict:
    return {"id": i, "session_id": session, "project_id": 1, "machine_id": "m",
            "project": "app", "lang": "go", "source": "path", "project_path": "/src/app",
            "content_hash": content, "loc": 100, "toolchain": toolchain, "scenario": "clean",
            "edit": None, "jobs": None, "profile": "debug", "variant": "baseline", "rev": None,
            "warmup": 0, "status": "ok", "wall_s": wall, "started": f"2026-12-0{session}T10"}


def test_a_trend_follows_a_toolchain_upgrade_and_a_source_change_and_names_them() -> None:
    history = [_row(1, 1, 1.0), _row(2, 1, 3.0), _row(3, 2, 2.5, content="c2"),
               _row(4, 3, 4.0, toolchain="go@1.27.0", content="c2")]
    p = proj.section("app", "go", history[3:], history)
    (trend,) = p.trends
    assert [(pt.session, pt.median) for pt in trend.points] == [(1, 2.0), (2, 2.5), (3, 4.0)]
    assert trend.change_pct == pytest.approx(100.0)
    assert any("its sources changed at session(s) 2" in n for n in p.notes)
    assert any("the toolchain changed at session(s) 3" in n for n in p.notes)
    # --all pools the newest content only, and says which sessions were left out.
    pooled = proj.section("app", "go", history[:3], history[:3], all_sessions=True)
    (cell,) = pooled.cells
    assert cell.n == 1 and cell.wall.median == pytest.approx(2.5)
    assert any("session(s) 1 left out" in n for n in pooled.notes)
    # Without --all: the newest session that has the project.
    newest = proj.section("app", "go", history[:3], history[:3])
    assert newest.sessions == (2,) and newest.cells[0].wall.median == pytest.approx(2.5)


def test_a_tune_knob_cell_of_a_sample_is_not_its_build_in_the_gap(go_rust_db: Path,
                                                                  tmp_path: Path) -> None:
    """A knob cell (runs.variant) of the tiny sample, 1000 s long, must not stand in
    for the sample's baseline build in the Go-against-Rust tables."""
    db = copy_db(go_rust_db, tmp_path / "knob.db")
    with sqlite3.connect(db) as conn:
        ids = {}
        for name, lang in (("gomod", "go"), ("crate", "rust")):
            ids[lang] = conn.execute("SELECT id FROM projects WHERE name = ?", [name]
                                     ).fetchone()[0]
            conn.execute("UPDATE projects SET name = 'tiny', source = 'sample:tiny', "
                         "path = 'tiny' WHERE id = ?", [ids[lang]])
        run_cols = [r[1] for r in conn.execute("PRAGMA table_info(runs)") if r[1] != "id"]
        base = conn.execute(f"SELECT {', '.join(run_cols)} FROM runs WHERE project_id = ? "
                            f"AND warmup = 0 AND status = 'ok' ORDER BY id DESC LIMIT 1",
                            [ids["go"]]).fetchone()
        knob = dict(zip(run_cols, base, strict=True))
        knob.update(variant="debuginfo=0", wall_s=1000.0, uuid=str(uuid.uuid4()))
        conn.execute(f"INSERT INTO runs ({', '.join(knob)}) VALUES "
                     f"({', '.join('?' * len(knob))})", list(knob.values()))
        conn.commit()
        session = knob["session_id"]
        walls = sorted(w for (w,) in conn.execute(
            "SELECT wall_s FROM runs WHERE project_id = ? AND session_id = ? AND warmup = 0 "
            "AND status = 'ok' AND variant = 'baseline' AND scenario = 'clean'",
            [ids["go"], session]))
    data = json.loads(report(db, "--format", "json", "--session", str(session)))
    text = json.dumps(data["pairs"])
    assert "1000.0" not in text and data["pairs"], data["pairs"]
    go_medians = [p["go"]["wall_median"] for p in data["pairs"]
                  if p.get("go") and p["scenario"] == "clean"]
    assert go_medians and go_medians[0] == pytest.approx(median(walls))


def test_a_sample_measured_in_one_language_stands_alone(go_rust_db: Path,
                                                        tmp_path: Path) -> None:
    """`run --size small --lang go` measures one side of a pair: Go against Rust never
    shows it with an empty Rust column. It gets a section of its own, saying what
    would measure its other side; beside a paired sample it stays out of the gap."""
    db = copy_db(go_rust_db, tmp_path / "one-side.db")
    as_sample(db, "gomod", "small")
    out = report(db)
    no_gap(out)
    assert out.startswith("Projects on their own")
    alone = between(out, "small (Go)")
    assert "measured here in Go only" in alone
    assert "`buildprof run --size small --lang rust`" in " ".join(alone.split())
    data = json.loads(report(db, "--format", "json"))
    assert "pairs" not in data
    assert [(p["project"], p["lang"]) for p in data["projects"]] == [
        ("crate", "rust"), ("gomod", "go"), ("small", "go")]
    small = data["projects"][2]
    go_walls = walls(db, "small")
    assert [c["wall_median"] for c in small["cells"]] == [
        pytest.approx(median(v)) for v in go_walls.values()]
    # Beside a sample measured in both languages: that one is the gap, small is not.
    as_sample(db, "gomod", "tiny")
    as_sample(db, "crate", "tiny")
    out = report(db)
    gap = [line for line in between(out, "Go against Rust", "Projects on their own"
                                     ).splitlines() if line.startswith("│")]
    assert any(re.match(r"│ tiny\s+│", line) for line in gap)
    assert not any("small" in line for line in gap)
    assert "small (Go)" in between(out, "Projects on their own")
    data = json.loads(report(db, "--format", "json"))
    assert {p["project"] for p in data["pairs"]} == {"tiny"}
