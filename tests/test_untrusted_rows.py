"""Rows from elsewhere cannot break a report, and text from the history reaches the
terminal, CSV and Markdown as text (issue 26, items 7 and 17): merge (and pull, which
writes through the same code) checks every row against its column and refuses the
source in one line; labels are escaped for rich markup with control characters
replaced; CSV cells that would be formulas are neutralised; Markdown shows HTML; a
destination whose tables carry triggers is refused."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from test_compare import A_SMALL, A_TINY
from test_merge import results_file as results

from profiler.model import vocabulary
from profiler.scenarios.definitions import PROFILES, SCENARIOS

from conftest import buildprof, error_line


def _count(path: Path) -> int:
    return sqlite3.connect(path).execute("SELECT count(*) FROM runs").fetchone()[0]


@pytest.mark.parametrize(("sql", "column", "why"), [
    ("UPDATE runs SET wall_s = 'abc' WHERE id = 2", "wall_s", "not a number"),
    ("UPDATE runs SET wall_s = 9e999 WHERE id = 2", "wall_s", "not a finite number"),
    ("UPDATE runs SET user_s = -1 WHERE id = 2", "user_s", "a negative number"),
    ("UPDATE runs SET scenario = 'warp' WHERE id = 2", "scenario", "not one of clean, cold"),
    ("UPDATE runs SET status = 'great' WHERE id = 2", "status", "not one of ok, failed"),
    ("UPDATE units SET peak_rss_bytes = -5", "peak_rss_bytes", "a negative number"),
    ("UPDATE runs SET wall_s = NULL WHERE id = 2", None, "a successful run without a wall"),
])
def test_a_wrong_row_refuses_the_source_in_one_line(tmp_path: Path, sql: str,
                                                    column: str | None, why: str) -> None:
    bad = results(tmp_path / "bad.db", "laptop", {"tiny": A_TINY})
    con = sqlite3.connect(bad)
    con.execute(sql)
    con.commit()
    con.close()
    into = results(tmp_path / "into.db", "ci", {"small": A_SMALL})
    before = (_count(into), into.read_bytes())
    line = error_line(buildprof("merge", str(bad), "--into", str(into)))
    assert line.startswith(f"Error: {bad}: table "), line
    assert why in line and (column is None or f"column {column}" in line), line
    assert line.endswith("it is refused and nothing was added")
    assert (_count(into), into.read_bytes()) == before


def test_the_vocabulary_is_the_scenarios_and_profiles_run_knows() -> None:
    assert tuple(SCENARIOS) == vocabulary.SCENARIOS
    assert tuple(PROFILES) == vocabulary.PROFILES


LABEL = "[wip] [bold]x[/bold] \x1b]0;owned\x07 \x1b[2J=cmd|' /C calc'!A0 <b>hi</b>"


@pytest.fixture
def labelled(tmp_path: Path) -> Path:
    db = results(tmp_path / "r.db", "plain", {"tiny": A_TINY, "small": A_SMALL})
    con = sqlite3.connect(db)
    con.execute("UPDATE sessions SET label = ?", [LABEL])
    con.execute("UPDATE projects SET name = '=HYPERLINK(\"http://x\")' WHERE name = 'small'")
    con.commit()
    con.close()
    return db


def test_a_label_reaches_the_terminal_as_text(labelled: Path) -> None:
    for args in (["history"], ["compare", "plain", "plain"], ["report", "--all"]):
        res = buildprof(*args, "--db", str(labelled))
        out = res.stdout + res.stderr
        assert "\x1b" not in out and "\x07" not in out, args
        if args[0] == "history":
            assert res.returncode == 0, res.stderr
            flat = " ".join(out.split())  # the label may wrap over lines of the table
            assert "[wip]" in flat and "[bold]x[/bold]" in flat, out


def test_csv_cells_are_not_formulas_and_markdown_shows_html(labelled: Path) -> None:
    res = buildprof("history", "--db", str(labelled), "--format", "csv")
    assert res.returncode == 0, res.stderr
    assert "'=HYPERLINK" in res.stdout and ",=HYPERLINK" not in res.stdout
    res = buildprof("history", "--db", str(labelled), "--format", "markdown")
    assert res.returncode == 0, res.stderr
    assert "<b>hi</b>" not in res.stdout and "&lt;b&gt;hi&lt;/b&gt;" in res.stdout


def test_an_unknown_sample_name_does_not_break_history_or_report(tmp_path: Path) -> None:
    db = results(tmp_path / "r.db", "x", {"tiny": A_TINY})
    con = sqlite3.connect(db)
    con.execute("UPDATE projects SET source = 'sample:no-such-sample', name = 'no-such'")
    con.commit()
    con.close()
    for args in (["history"], ["report", "--all"], ["report", "--all", "--format", "json"]):
        res = buildprof(*args, "--db", str(db))
        assert res.returncode == 0, (args, res.stderr)
    assert json.loads(buildprof("history", "--db", str(db), "--format", "json").stdout)


def test_a_destination_with_triggers_is_refused(tmp_path: Path) -> None:
    src = results(tmp_path / "a.db", "laptop", {"tiny": A_TINY})
    into = results(tmp_path / "into.db", "ci", {"small": A_SMALL})
    con = sqlite3.connect(into)
    con.execute("CREATE TRIGGER spy AFTER INSERT ON runs BEGIN "
                "UPDATE sessions SET label = 'seen'; END")
    con.commit()
    con.close()
    before = _count(into)
    line = error_line(buildprof("merge", str(src), "--into", str(into)))
    assert "has triggers on buildprof's tables (spy)" in line, line
    assert _count(into) == before


def test_a_signed_number_stays_a_number_and_anything_else_signed_is_text() -> None:
    from profiler.report.writers import csv_cell

    assert [csv_cell(v) for v in ("+20.5%", "-3", "-1.5e-3", 7, "+∞%")] == ["+20.5%", "-3",
                                                                      "-1.5e-3", 7, "+∞%"]
    assert [csv_cell(v) for v in ("-2+3", "+cmd|' /C calc'!A0", "@SUM(A1)", "-trimpath")] == [
        "'-2+3", "'+cmd|' /C calc'!A0", "'@SUM(A1)", "'-trimpath"]
