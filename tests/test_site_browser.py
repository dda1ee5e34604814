"""The site in a real browser (Debian's Chromium under chromedriver, tests/browser.py),
opened from file:// as a reader opens it: the index lists every project and series and
filters them; a project page draws its charts, and hovering and clicking a point shows
that point's runs as the database holds them, with the trace of a --breakdown run; the
compare page, given two sessions, shows the figures `buildprof compare --format json`
gives, and keeps the choice in its address. Any error in the browser's console fails
the test; a screenshot of each page is kept (test-artifacts/, or
$BUILDPROF_TEST_ARTIFACTS)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import browser
import pytest
from test_site import HOSTILE, edit_copy, make_site
from test_site import q as rows

from conftest import buildprof


@pytest.fixture(scope="module")
def site(site_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browse") / "site"
    make_site(site_db, out)
    return out


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    with browser.chromium() as d:
        yield d


def open_page(driver: Any, path: Path, query: str = "") -> None:
    browser.console_errors(driver)  # drop what an earlier page logged
    driver.get(path.as_uri() + query)
    # a page with scripts says when it has drawn; one without is done when loaded
    browser.wait_for(driver, "document.readyState === 'complete' && (!window.bp || "
                             "document.body.getAttribute('data-drawn'))")


def no_errors(driver: Any) -> None:
    assert browser.console_errors(driver) == []


def test_index_lists_everything_and_filters(driver: Any, site: Path, site_db: Path) -> None:
    open_page(driver, site / "index.html")
    browser.shot(driver, "site-index")
    projects = {r[0] for r in rows(site_db, "SELECT DISTINCT p.name FROM runs r JOIN "
                                            "projects p ON p.id = r.project_id")}
    listed = driver.execute_script(
        "return Array.from(document.querySelectorAll('#series tr.project a'))"
        ".map(a => a.textContent)")
    assert set(listed) == projects
    visible = "return Array.from(document.querySelectorAll('#series tr.series'))" \
              ".filter(r => !r.hidden).map(r => r.children[1].textContent)"
    assert sorted(driver.execute_script(visible)) == [
        "go go@1.26.8", "go go@1.26.8", f"rust {rust_spec(site_db)}"]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element(By.ID, "f-lang")).select_by_value("rust")
    assert driver.execute_script(visible) == [f"rust {rust_spec(site_db)}"]
    assert driver.find_element(By.ID, "shown").text == "1 of 3 series"
    Select(driver.find_element(By.ID, "f-lang")).select_by_value("")
    box = driver.find_element(By.ID, "search")
    box.send_keys("app")
    assert driver.execute_script(visible) == ["go go@1.26.8"]
    hidden_heads = driver.execute_script(
        "return Array.from(document.querySelectorAll('#series tr.project'))"
        ".filter(r => r.hidden).length")
    assert hidden_heads == 1  # tiny's heading goes with its rows
    no_errors(driver)


def rust_spec(db: Path) -> str:
    return rows(db, "SELECT DISTINCT t.spec FROM runs r JOIN toolchains t ON "
                    "t.id = r.toolchain_id WHERE t.lang = 'rust'")[0][0]


def point_position(driver: Any, chart: int, line: int, point: int) -> tuple[int, int]:
    """Where a point is drawn, in CSS pixels from the plot area's top left."""
    return tuple(driver.execute_script(
        "var c = window.bp.charts[arguments[0]], l = c.chart.lines[arguments[1]];"
        "var k = arguments[2], y = l.med[k] != null ? l.med[k] : l.fail[k];"
        "return [Math.round(c.u.valToPos(l.x[k], 'x')), Math.round(c.u.valToPos(y, 'y'))];",
        chart, line, point))


def hover_and_click(driver: Any, chart: int, line: int, point: int) -> str:
    from selenium.webdriver.common.action_chains import ActionChains

    over = driver.execute_script("return window.bp.charts[arguments[0]].u.over;", chart)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", over)
    x, y = point_position(driver, chart, line, point)
    size = over.size
    # move_to_element_with_offset measures from the element's centre
    ActionChains(driver).move_to_element_with_offset(
        over, x - size["width"] // 2, y - size["height"] // 2).perform()
    browser.wait_for(driver, "!document.getElementById('tip').hidden")
    tip = driver.execute_script("return document.getElementById('tip').textContent;")
    ActionChains(driver).click().perform()
    browser.wait_for(driver, "document.querySelector('#details tr[data-run]') || "
                             "document.querySelector('#details .error')")
    return tip


def test_project_page_hover_and_click_show_the_runs(driver: Any, site: Path,
                                                    site_db: Path) -> None:
    page = next((site / "p").glob("*-tiny.html"))
    open_page(driver, page)
    charts = driver.execute_script("return window.bp.charts.map(c => c.chart.lines.length)")
    assert charts == [2]  # clean debug: Go and Rust over the two sessions
    line = driver.execute_script(
        "return window.bp.charts[0].chart.lines.findIndex(l => l.lang === 'go')")
    tip = hover_and_click(driver, 0, line, 1)
    assert "go go@1.26.8" in tip and "session 2" in tip
    browser.shot(driver, "site-project-tiny")
    shown = driver.execute_script(
        "return Array.from(document.querySelectorAll('#details tr[data-run]'))"
        ".map(r => [Number(r.dataset.run), Number(r.dataset.wall), r.children[3].textContent])")
    want = rows(site_db, "SELECT r.id, r.wall_s FROM runs r JOIN projects p ON "
                         "p.id = r.project_id WHERE p.name = 'tiny' AND p.lang = 'go' AND "
                         "r.session_id = 2 AND r.status = 'ok' AND r.warmup = 0 ORDER BY r.id")
    assert [(i, w) for i, w, _ in shown] == want
    assert [t for _, _, t in shown] == [f"{w:.3f} s" for _, w in want]
    command = rows(site_db, "SELECT command FROM runs WHERE id = ?", want[0][0])[0][0]
    pane = driver.find_element("id", "details").text
    assert command in pane and "critical path" in pane
    link = driver.execute_script(
        "var a = document.querySelector('#details a[download]'); return a && a.href;")
    assert link and link.endswith(f"traces/run-{want[0][0]}.json")
    trace = json.loads(Path(link.removeprefix("file://")).read_text())
    assert trace["otherData"]["runs"][0]["run"] == want[0][0]
    driver.find_element("css selector", "#details button.close").click()
    assert driver.execute_script("return document.getElementById('details').hidden")
    no_errors(driver)


def test_commit_series_marks_the_failed_commit_and_the_steps(driver: Any, site: Path) -> None:
    page = next((site / "p").glob("*-app.html"))
    open_page(driver, page)
    browser.shot(driver, "site-project-app")
    failed = driver.execute_script(
        "return window.bp.charts[0].chart.lines[0].fail.findIndex(v => v != null)")
    assert failed >= 0
    hover_and_click(driver, 0, 0, failed)
    assert "syntax error" in driver.find_element("id", "details").text
    browser.wait_for(driver, "document.querySelector('#details tr[data-run]')")
    statuses = driver.execute_script(
        "return Array.from(document.querySelectorAll('#details tr[data-run]'))"
        ".map(r => r.children[2].textContent)")
    assert statuses and set(statuses) == {"failed"}
    steps = driver.execute_script("return window.bp.charts[0].chart.lines[0].cps.length")
    assert steps == 2
    no_errors(driver)


def cli_compare(db: Path, a: str, b: str) -> dict[str, Any]:
    res = buildprof("compare", a, b, "--db", str(db), "--format", "json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def page_compare(driver: Any) -> dict[str, Any]:
    return driver.execute_script("""
        var r = window.bp.compareResult;
        return {cells: r.cells.map(c => ({project: c.key.project, lang: c.key.lang,
                  a: {n: c.a.n, median: c.a.median, values: c.a.values},
                  b: {n: c.b.n, median: c.b.median, values: c.b.values},
                  change_pct: c.change_pct, p: c.test.p, min_p: c.test.min_p,
                  verdict: window.bpstats.verdict(c.test, c.change_pct)})),
                geomean: r.geomean, only_a: r.only_a, only_b: r.only_b,
                refused: r.refused};""")


def same(page: dict[str, Any], cli: dict[str, Any]) -> None:
    assert len(page["cells"]) == len(cli["cells"]) > 0
    for got, want in zip(page["cells"], cli["cells"], strict=True):
        assert (got["project"], got["lang"]) == (want["project"], want["lang"])
        for side in ("a", "b"):
            assert got[side]["n"] == want[side]["n"]
            assert got[side]["values"] == want[side]["values"]
            assert got[side]["median"] == want[side]["median"]
        assert got["change_pct"] == pytest.approx(want["change_pct"], rel=1e-12)
        assert got["p"] == want["p"] and got["min_p"] == want["min_p"]
        assert got["verdict"] == want["verdict"]
    for k in ("a", "b", "change_pct"):
        assert page["geomean"][k] == pytest.approx(cli["geomean"][k], rel=1e-12)
    assert page["only_a"] == cli["only_a"] and page["only_b"] == cli["only_b"]
    assert page["refused"] == cli["refused"]


def test_compare_picks_two_sessions_like_the_cli(driver: Any, site: Path,
                                                 site_db: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    open_page(driver, site / "compare.html")
    same(page_compare(driver), cli_compare(site_db, "session:1", "session:2"))
    Select(driver.find_element(By.ID, "side-a")).select_by_value("session:2")
    Select(driver.find_element(By.ID, "side-b")).select_by_value("session:1")
    browser.wait_for(driver, "document.getElementById('result').dataset.state === 'done' && "
                             "window.bp.compareResult.a.text === 'session:2'")
    same(page_compare(driver), cli_compare(site_db, "session:2", "session:1"))
    link = driver.find_element(By.ID, "permalink").get_attribute("href")
    assert link.endswith("compare.html?a=session%3A2&b=session%3A1&metric=wall")
    assert driver.current_url.endswith("?a=session%3A2&b=session%3A1&metric=wall")
    browser.shot(driver, "site-compare")
    table = driver.find_element(By.ID, "result").text
    assert "B: session 1" in table and "geomean" in table
    # the permalink opens the same choice; a toolchain pair is compared as the CLI does
    open_page(driver, site / "compare.html", "?a=label%3Afirst&b=label%3Asecond&metric=cpu")
    assert Select(driver.find_element(By.ID, "side-a")).first_selected_option \
        .get_attribute("value") == "label:first"
    res = buildprof("compare", "label:first", "label:second", "--metric", "cpu", "--db",
                    str(site_db), "--format", "json")
    same(page_compare(driver), json.loads(res.stdout))
    # the commit range against a tiny session: nothing in common, said as the CLI says it
    Select(driver.find_element(By.ID, "side-a")).select_by_value("session:3")
    browser.wait_for(driver, "document.getElementById('result').dataset.state === 'error'")
    err = buildprof("compare", "session:3", "label:second", "--db", str(site_db))
    assert err.returncode == 2
    assert driver.find_element(By.ID, "result").text in err.stderr
    # two revisions of the range: the step up at c6 against the commit before it
    revs = driver.execute_script(
        "return Array.from(document.querySelectorAll('#side-a option'))"
        ".map(o => o.value).filter(v => v.startsWith('rev:'))")
    subjects = driver.execute_script(
        "return Array.from(document.querySelectorAll('#side-a option'))"
        ".filter(o => o.value.startsWith('rev:')).map(o => o.textContent)")
    step = next(i for i, t in enumerate(subjects) if "add generated tables" in t)
    a, b = revs[step - 1], revs[step]
    open_page(driver, site / "compare.html", f"?a={a.replace(':', '%3A')}&b="
                                             f"{b.replace(':', '%3A')}&metric=wall")
    got = page_compare(driver)
    same(got, cli_compare(site_db, a, b))
    assert got["cells"][0]["change_pct"] > 100
    no_errors(driver)


def test_help_toolchains_and_gap_pages(driver: Any, site: Path) -> None:
    for name, text in (("help.html", "Mann–Whitney U"), ("toolchains.html", "Compilers"),
                       ("gap.html", "Verdict")):
        open_page(driver, site / name)
        assert text in driver.find_element("tag name", "body").text
        browser.shot(driver, f"site-{name.removesuffix('.html')}")
        no_errors(driver)


def test_hostile_names_are_text_in_the_browser(driver: Any, site_db: Path,
                                               tmp_path: Path) -> None:
    db = edit_copy(site_db, tmp_path / "hostile.db",
                   f"UPDATE projects SET name = '{HOSTILE.replace(chr(39), chr(39) * 2)}' "
                   "WHERE name = 'app'",
                   f"UPDATE runs SET commit_subject = '{HOSTILE.replace(chr(39), chr(39) * 2)}'",
                   f"UPDATE sessions SET label = '{HOSTILE.replace(chr(39), chr(39) * 2)}' "
                   "WHERE id = 3")
    out = tmp_path / "site"
    make_site(db, out)
    driver.execute_script("window.alerted = false;")
    open_page(driver, out / "index.html")
    assert HOSTILE in driver.find_element("id", "series").text
    page = next(p for p in (out / "p").glob("*.html") if not p.stem.endswith("tiny"))
    open_page(driver, page)
    hover_and_click(driver, 0, 0, 0)
    assert HOSTILE in driver.find_element("id", "details").text
    open_page(driver, out / "compare.html")
    options = driver.execute_script(
        "return Array.from(document.querySelectorAll('#side-a option')).map(o => o.value)")
    assert f"label:{HOSTILE}" in options
    # nothing ran: an injected <script> would have failed (alert is blocked headless)
    assert driver.execute_script("return document.querySelectorAll('script').length") == \
        len(driver.execute_script("return Array.from(document.scripts).filter(s => s.src || "
                                  "s.textContent.startsWith('bp.start'))"))
    no_errors(driver)


# -- any database: the checks every site must pass ----------------------------------------


def check_any_site(driver: Any, db: Path, out: Path) -> None:
    """What every site must do, whatever its database holds: the index lists every
    project and every series `changes` finds; each project page draws every series and
    hovering and clicking its first point shows that point's runs with the walls the
    database holds; the compare page shows the figures `compare --format json` gives
    for its default pair; no page logs an error."""
    from profiler.analysis import changes
    from profiler.model.filters import Filters
    from profiler.storage.db import ResultsDB

    with ResultsDB.open(db, readonly=True) as store:
        every = changes.series(store.runs(Filters(), timed_only=True))
    open_page(driver, out / "index.html")
    listed = driver.execute_script(
        "return Array.from(document.querySelectorAll('#series tr.project a'))"
        ".map(a => a.textContent)")
    assert sorted(listed) == sorted({s.key.project for s in every})
    assert driver.execute_script(
        "return document.querySelectorAll('#series tr.series').length") == len(every)
    no_errors(driver)
    walls = dict(rows(db, "SELECT id, wall_s FROM runs"))
    for page in sorted((out / "p").glob("*.html")):
        open_page(driver, page)
        lines = driver.execute_script(
            "return window.bp.charts.reduce((n, c) => n + c.chart.lines.length, 0)")
        name = driver.find_element("tag name", "h1").text
        assert lines == sum(1 for s in every if s.key.project == name), page
        hover_and_click(driver, 0, 0, 0)
        shown = driver.execute_script(
            "return Array.from(document.querySelectorAll('#details tr[data-run]'))"
            ".map(r => [Number(r.dataset.run), r.dataset.wall])")
        assert shown, page
        for rid, wall in shown:
            assert (wall == "null" and walls[rid] is None) or float(wall) == walls[rid]
        no_errors(driver)
    open_page(driver, out / "compare.html")
    state = driver.execute_script("return document.getElementById('result').dataset.state")
    if state == "done":
        r = driver.execute_script("return [window.bp.compareResult.a.text, "
                                  "window.bp.compareResult.b.text]")
        same(page_compare(driver), cli_compare(db, *r))
    no_errors(driver)


def site_dbs() -> list[str]:
    """The site_db fixture, and the results files named in BUILDPROF_SITE_CHECK_DBS
    (paths joined by ':'; the default run's results.db, the bench database)."""
    extra = [p for p in os.environ.get("BUILDPROF_SITE_CHECK_DBS", "").split(":") if p]
    return ["site_db", *extra]


@pytest.mark.parametrize("which", site_dbs())
def test_any_site_passes_the_checks(driver: Any, which: str, request: pytest.FixtureRequest,
                                    tmp_path: Path) -> None:
    db = request.getfixturevalue("site_db") if which == "site_db" else Path(which)
    out = tmp_path / "site"
    make_site(db, out)
    check_any_site(driver, db, out)
