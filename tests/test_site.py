"""`buildprof site OUT`: the pages' tables against the database, the data files, edge
databases (a failed cell, one language, one session, nothing), hostile names, the
output directory's rules, --from a store and --serve. The pages in a real browser:
tests/test_site_browser.py."""

from __future__ import annotations

import json
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import REPO, buildprof, error_line

VOID = {"meta", "link", "br", "input", "img", "hr", "col", "source"}


class _Check(HTMLParser):
    """Tags balanced, and every address in the page relative (nothing from the network)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.refs += [v or "" for k, v in attrs if k in ("src", "href")]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.refs += [v or "" for k, v in attrs if k in ("src", "href")]

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()


def check_page(path: Path) -> str:
    html = path.read_text(encoding="utf-8")
    p = _Check()
    p.feed(html)
    p.close()
    assert p.errors == [] and p.stack == [], (path, p.errors, p.stack)
    for ref in p.refs:
        assert not re.match(r"[a-z]+:", ref), f"{path}: {ref} is not a relative address"
        target = ref.split("?")[0].split("#")[0]
        if target:
            assert (path.parent / target).exists(), f"{path}: {ref} does not exist"
    return html


def make_site(db: Path, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    res = buildprof("site", str(out), "--db", str(db), *args)
    assert res.returncode == 0, res.stderr
    return res


def data_file(out: Path, name: str) -> dict:
    text = (out / "data" / f"{name}.js").read_text(encoding="utf-8")
    m = re.fullmatch(r'bp\.put\("([^"]+)",(.*)\);\n', text, re.S)
    assert m and m.group(1) == name
    return json.loads(m.group(2))


def q(db: Path, sql: str, *params: object) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def edit_copy(db: Path, dest: Path, *statements: str) -> Path:
    with sqlite3.connect(db) as a, sqlite3.connect(dest) as b:
        a.backup(b)
    con = sqlite3.connect(dest)
    for s in statements:
        con.execute(s)
    con.commit()
    con.close()
    return dest


@pytest.fixture(scope="module")
def site(site_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "out"
    res = make_site(site_db, out)
    assert f"wrote {out}" in res.stdout and "index.html" in res.stdout
    return out


def test_every_page_is_balanced_offline_and_links_inside(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert {p.relative_to(site).as_posix() for p in pages} >= {
        "index.html", "compare.html", "toolchains.html", "gap.html", "help.html"}
    for page in pages:
        html = check_page(page)
        assert "http://" not in html and "https://" not in html, page
    for js in (site / "static").glob("*.js"):
        text = js.read_text(encoding="utf-8")
        assert "fetch(" not in text and "XMLHttpRequest" not in text, js


def test_index_lists_every_project_and_series(site: Path, site_db: Path) -> None:
    html = check_page(site / "index.html")
    projects = {r[0] for r in q(site_db, "SELECT DISTINCT p.name FROM runs r JOIN projects p "
                                         "ON p.id = r.project_id WHERE r.warmup = 0")}
    assert projects == {"tiny", "app"}
    for name in projects:
        assert f">{name}</a>" in html
    # a series per cell and machine (and per axis): tiny Go, tiny Rust, app Go over commits
    assert html.count('<tr class="series"') == 3
    # the latest median of tiny Go (session 2) is in its row
    walls = sorted(r[0] for r in q(site_db, "SELECT r.wall_s FROM runs r JOIN projects p ON "
                                            "p.id = r.project_id WHERE p.name = 'tiny' AND "
                                            "p.lang = 'go' AND r.session_id = 2 AND "
                                            "r.status = 'ok' AND r.warmup = 0"))
    assert f"{walls[1]:.3f} s" in html
    assert html.count('<svg class="spark"') == 3
    # the change points of the commit range are the newest ones, in the index
    newest = html.split("Newest change points")[1].split("Every series")[0]
    assert newest.count("<tr>") == 3  # head + the step up and the step down
    assert "add generated tables" not in newest  # the subject is the point's, not shown
    assert "Go compiles in seconds" in html  # the verdict of the paired tiny samples


def test_project_page_tables_and_data_match_the_changes_command(site: Path, site_db: Path
                                                                ) -> None:
    page = next(p for p in (site / "p").glob("*.html") if p.name.endswith("-app.html"))
    html = check_page(page)
    res = buildprof("changes", "--db", str(site_db), "--project", "app", "--format", "json")
    assert res.returncode == 0, res.stderr
    found = json.loads(res.stdout)
    steps = [cp for s in found["series"] for cp in s["change_points"]]
    assert len(steps) == 2
    for cp in steps:
        assert f"<td>{cp['label']}</td>" in html
    assert "Failed points" in html and "syntax error" in html
    data = data_file(site, f"p-{page.stem}")
    (chart,) = data["charts"]
    (line,) = chart["lines"]
    assert chart["by_commit"] is True and len(line["x"]) == 15 == len(line["pts"])
    failed = [i for i, f in enumerate(line["fail"]) if f is not None]
    assert len(failed) == 1 and line["med"][failed[0]] is None
    assert line["pts"][failed[0]][6].startswith("./main.go")
    assert [c[0] for c in line["cps"]] == sorted(c[0] for c in line["cps"])
    medians = q(site_db, "SELECT commit_hash, wall_s FROM runs WHERE status = 'ok' AND "
                         "commit_hash IS NOT NULL AND warmup = 0")
    by_commit: dict[str, list[float]] = {}
    for h, wall in medians:
        by_commit.setdefault(h[:12], []).append(wall)
    for p, m in zip(line["pts"], line["med"], strict=True):
        if m is not None:
            vals = sorted(by_commit[p[0]])
            assert m == pytest.approx((vals[0] + vals[1]) / 2, rel=1e-5)


def test_run_details_and_traces_come_from_the_database(site: Path, site_db: Path) -> None:
    runs = q(site_db, "SELECT id, wall_s, command FROM runs WHERE warmup = 0")
    got: dict[str, list] = {}
    fields: list[str] = []
    commands: list[str] = []
    units: dict = {}
    for f in (site / "data").glob("runs-*.js"):
        d = data_file(site, f.stem)
        fields, commands = d["fields"], d["commands"]
        got |= d["runs"]
        units |= d["units"]
    assert set(got) == {str(r[0]) for r in runs}
    for rid, wall, command in runs:
        row = dict(zip(fields, got[str(rid)], strict=True))
        assert row["wall_s"] == wall and commands[row["command"]] == (command or "")
    with_units = {str(r[0]) for r in q(site_db, "SELECT DISTINCT run_id FROM units")}
    assert set(units) == with_units and with_units
    for rid, u in units.items():
        trace = json.loads((site / u["trace"]).read_text())
        assert trace["otherData"]["runs"][0]["run"] == int(rid)
        assert any(e.get("ph") == "X" for e in trace["traceEvents"])
        # the same trace `breakdown --format trace` writes
        res = buildprof("breakdown", rid, "--format", "trace", "--db", str(site_db))
        assert res.returncode == 0, res.stderr
        assert json.loads(res.stdout)["traceEvents"] == trace["traceEvents"]


def test_compare_page_has_the_compare_table_without_script(site: Path, site_db: Path) -> None:
    html = check_page(site / "compare.html")
    res = buildprof("compare", "session:1", "session:2", "--db", str(site_db), "--format",
                    "json")
    assert res.returncode == 0, res.stderr
    cmp = json.loads(res.stdout)
    table = html.split('id="result"')[1]
    assert "session 2 against session 1" in table
    for cell in cmp["cells"]:
        assert f"{cell['a']['median']:.3f} s" in table and f"{cell['b']['median']:.3f} s" in table
        assert f"<td>{cell['verdict']}</td>" in table
    sides = data_file(site, "sides")
    texts = [s["text"] for s in sides["sides"]]
    assert texts[:3] == ["session:3", "session:2", "session:1"]
    specs = {r[0] for r in q(site_db, "SELECT DISTINCT t.spec FROM runs r JOIN toolchains t "
                                      "ON t.id = r.toolchain_id")}
    assert {"label:first", "label:second", *(f"toolchain:{t}" for t in specs)} <= set(texts)
    assert sides["default"] == {"a": "session:1", "b": "session:2"}
    # each side holds exactly the runs `compare` reads for it
    for i, s in enumerate(sides["sides"]):
        rows = data_file(site, f"side-{i}")["rows"]
        if s["kind"] == "session":
            sid = int(s["text"].split(":")[1])
            want = [r[0] for r in q(site_db, "SELECT id FROM runs WHERE session_id = ? AND "
                                             "status = 'ok' AND warmup = 0 ORDER BY id", sid)]
            assert [r[0] for r in rows] == want


# -- edge databases -------------------------------------------------------------------


def test_empty_database_says_nothing_is_measured(tmp_path: Path) -> None:
    from profiler.storage.db import ResultsDB

    db = tmp_path / "empty.db"
    ResultsDB.open(db).close()
    out = tmp_path / "out"
    make_site(db, out)
    index = check_page(out / "index.html")
    assert "Nothing measured yet" in index and "buildprof run" in index
    assert "nothing to compare yet" in check_page(out / "compare.html")
    assert "No machine here has the graded samples" in check_page(out / "gap.html")
    assert "No release was measured" in check_page(out / "toolchains.html")


def test_failed_cell_one_language_one_session(site_db: Path, tmp_path: Path) -> None:
    # Session 2's tiny Rust cell fails; only Go in session 1 is kept of session 1.
    db = edit_copy(site_db, tmp_path / "edge.db",
                   "UPDATE runs SET status = 'failed', stderr_tail = 'error[E0308]: "
                   "mismatched types' WHERE session_id = 2 AND project_id IN (SELECT id FROM "
                   "projects WHERE lang = 'rust')",
                   "DELETE FROM units WHERE run_id IN (SELECT id FROM runs WHERE session_id IN "
                   "(1, 3))",
                   "DELETE FROM runs WHERE session_id = 3",
                   "DELETE FROM runs WHERE session_id = 1 AND project_id IN (SELECT id FROM "
                   "projects WHERE lang = 'rust')")
    out = tmp_path / "out"
    make_site(db, out)
    index = check_page(out / "index.html")
    assert index.count('<tr class="series"') == 2
    tiny = check_page(next((out / "p").glob("*-tiny.html")))
    assert "Failed points" in tiny and "mismatched types" in tiny
    d = data_file(out, f"p-{next((out / 'p').glob('*-tiny.html')).stem}")
    rust = next(line for c in d["charts"] for line in c["lines"] if line["lang"] == "rust")
    assert rust["med"] == [None] and rust["fail"] != [None]
    # only session 2 has Rust, and it failed: the verdict says what is missing
    gap = check_page(out / "gap.html")
    assert '>not measured</span>' in gap
    assert "No project has clean builds of both languages" in gap

    one = edit_copy(site_db, tmp_path / "one.db",
                    "DELETE FROM units", "DELETE FROM runs WHERE session_id <> 1",
                    "DELETE FROM runs WHERE project_id IN (SELECT id FROM projects WHERE "
                    "lang = 'rust')")
    out1 = tmp_path / "out1"
    make_site(one, out1)
    index = check_page(out1 / "index.html")
    assert index.count('<tr class="series"') == 1
    assert "nothing to compare yet" in check_page(out1 / "compare.html")
    assert "No machine here has the graded samples" in check_page(out1 / "gap.html")


HOSTILE = "<script>alert(1)</script>\"'é☃"


def test_hostile_names_and_labels_are_text(site_db: Path, tmp_path: Path) -> None:
    db = edit_copy(site_db, tmp_path / "hostile.db",
                   f"UPDATE projects SET name = '{HOSTILE.replace(chr(39), chr(39) * 2)}' "
                   "WHERE name = 'app'",
                   f"UPDATE sessions SET label = '{HOSTILE.replace(chr(39), chr(39) * 2)}' "
                   "WHERE id = 2",
                   f"UPDATE runs SET commit_subject = '{HOSTILE.replace(chr(39), chr(39) * 2)}'")
    out = tmp_path / "out"
    make_site(db, out)
    for page in out.rglob("*.html"):
        html = check_page(page)
        assert "<script>alert" not in html, page
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#x27;é☃" in index
    page = next((out / "p").glob("*.html"))
    assert re.fullmatch(r"\d{3}-[A-Za-z0-9._-]*", page.stem)
    d = data_file(out, "sides")
    assert f"label:{HOSTILE}" in [s["text"] for s in d["sides"]]


# -- the command ---------------------------------------------------------------------------


def test_out_directory_rules(site_db: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    line = error_line(buildprof("site", str(mine), "--db", str(site_db)))
    assert "is not empty and is not a site buildprof wrote" in line
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    afile = tmp_path / "file"
    afile.write_text("x")
    assert "is a file" in error_line(buildprof("site", str(afile), "--db", str(site_db)))
    assert "does not exist" in error_line(buildprof("site", str(tmp_path / "o"), "--db",
                                                    str(tmp_path / "none.db")))
    # a site is replaced whole; nothing is left beside it
    out = tmp_path / "out"
    make_site(site_db, out)
    (out / "stale.html").write_text("old")
    make_site(site_db, out, "--project", "tiny")
    assert not (out / "stale.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "mine", "out"]
    assert len(list((out / "p").glob("*.html"))) == 1
    line = error_line(buildprof("site", str(out), "--db", str(site_db), "--project",
                                "nosuch"))
    assert "nosuch" in line and (out / "index.html").is_file()


def test_bad_store_url_is_one_line_without_the_password(tmp_path: Path) -> None:
    res = buildprof("site", str(tmp_path / "out"), "--from",
                    "postgresql://bob:s3cret@127.0.0.1:9/nodb")
    line = error_line(res)
    assert "s3cret" not in res.stdout + res.stderr and "127.0.0.1" in line
    assert not (tmp_path / "out").exists()
    both = error_line(buildprof("site", str(tmp_path / "out"), "--from",
                                "postgresql://bob@127.0.0.1:9/nodb", "--db", "x.db"))
    assert "give one" in both


def test_from_the_team_store(site_db: Path, pg_server: object, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    import pgserver

    pg_server.psql(f"CREATE DATABASE site OWNER {pgserver.USER}")  # type: ignore[attr-defined]
    monkeypatch.setenv("PGPASSWORD", pgserver.PASSWORD)
    url = pg_server.url_for(database="site", password=None)  # type: ignore[attr-defined]
    res = buildprof("push", "--to", url, "--db", str(site_db))
    assert res.returncode == 0, res.stderr
    out = tmp_path / "out"
    res = buildprof("site", str(out), "--from", url)
    assert res.returncode == 0, res.stderr
    local = tmp_path / "local"
    make_site(site_db, local)
    strip = re.compile(r"generated [0-9: -]+UTC|from [^ <]+ ·|from postgresql[^<]*")
    for name in ("index.html", "compare.html"):
        a = strip.sub("", (out / name).read_text())
        b = strip.sub("", (local / name).read_text())
        assert re.findall(r"\d+\.\d{3} s", a) == re.findall(r"\d+\.\d{3} s", b)
        assert len(re.findall(r"\d+\.\d{3} s", a)) > 3
    assert (out / "index.html").read_text().count('<tr class="series"') == 3


def test_serve_answers_on_localhost(site_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "profiler.cli.main", "site", str(out),
                             "--db", str(site_db), "--serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert proc.stdout is not None
        url = None
        for line in proc.stdout:
            m = re.search(r"serving .* on (http://127\.0\.0\.1:\d+/)", line)
            if m:
                url = m.group(1)
                break
        assert url, proc.stderr.read() if proc.stderr else ""
        with urllib.request.urlopen(url + "index.html", timeout=10) as r:
            assert r.status == 200 and b"Build times" in r.read()
        with urllib.request.urlopen(url + "data/sides.js", timeout=10) as r:
            assert r.read().startswith(b'bp.put("sides"')
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert proc.returncode == 0
    shutil.rmtree(out)


def test_payoff_and_tune_results_on_the_index(site_db: Path, tmp_path: Path) -> None:
    import test_report_payoff as tp

    db = tmp_path / "payoff.db"
    tp.fill(db, {"rps": tp.NEW})
    out = tmp_path / "out"
    make_site(db, out)
    index = check_page(out / "index.html")
    pay = index.split("Payoff and tune")[1]
    assert "What Rust's build time buys, on host-a" in pay
    assert "+10.0%" in pay and "+15.0%" in pay  # Rust's requests per second against Go's
    # a real `tune` session: its knob's row, as `tune` and `report` show it
    tuned = edit_copy(site_db, tmp_path / "tuned.db")
    res = buildprof("tune", str(REPO / "tests" / "fixtures" / "gomod"), "--knob", "-trimpath",
                    "--scenario", "clean", "--profile", "debug", "--runs", "2", "--db",
                    str(tuned), timeout=600)
    assert res.returncode == 0, res.stderr
    out2 = tmp_path / "out2"
    make_site(tuned, out2)
    index = check_page(out2 / "index.html")
    session = q(tuned, "SELECT max(id) FROM sessions")[0][0]
    assert f"tune: gomod (go) on {q(tuned, 'SELECT hostname FROM machines')[0][0]}, session " \
           f"{session}" in index
    row = index.split("tune: gomod (go)")[1].split("</table>")[0]
    assert "-trimpath" in row
    assert "[-trimpath]" in index  # its series, beside the baseline's
