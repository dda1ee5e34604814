"""Results as they come: `buildprof run` prints each cell's row as soon as its runs
are recorded, and a running verdict that says what is still to come, on the
clean cells the report's verdict rests on (profiler.analysis.running)."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from profiler.analysis.running import running_verdict
from profiler.analysis.wording import seconds
from profiler.model.cells import CellKey, summarize

from conftest import buildprof


def _row(i: int, size: str, lang: str, profile: str, wall: float) -> dict:
    return {"id": i, "session_id": 1, "project": size, "lang": lang, "source": f"sample:{size}",
            "toolchain": f"{lang}@1", "scenario": "clean", "edit": None, "jobs": None,
            "profile": profile, "warmup": 0, "status": "ok", "wall_s": wall, "loc": 1000}


def _key(size: str, lang: str, profile: str) -> CellKey:
    return CellKey(size, lang, f"{lang}@1", "clean", profile)


def test_the_running_verdict_waits_for_nothing_and_says_what_is_to_come() -> None:
    small = summarize([_row(1, "small", "go", "release", 5.0),
                       _row(2, "small", "rust", "debug", 30.0),
                       _row(3, "small", "rust", "release", 70.0)])
    pending = [_key("medium", lang, prof) for lang in ("go", "rust")
               for prof in ("debug", "release")]
    text = str(running_verdict(small, pending))
    assert text == ("So far, minutes vs seconds PARTLY HOLDS on the clean build of small: "
                    "Go release 5.00 s, Rust debug 30.0 s, Rust release 1 min 10 s "
                    "(still to come: medium)")
    # The largest size decides once it is done, whatever order the cells came in.
    medium = summarize([_row(4, "medium", "rust", "release", 200.0),
                        _row(5, "medium", "go", "release", 20.0),
                        _row(6, "medium", "rust", "debug", 90.0)])
    text = str(running_verdict(medium + small, [_key("medium", "go", "debug")]))
    assert text.startswith(
        "So far, minutes vs seconds HOLDS on the clean build of medium: Go release 20.0 s")
    assert text.endswith("(still to come: medium go debug)")
    assert str(running_verdict(medium + small, [])).startswith("Verdict: minutes vs seconds HOLDS")
    # One language alone is no evidence.
    assert running_verdict(summarize([_row(1, "small", "go", "release", 5.0)]), []) is None


@pytest.mark.skipif(shutil.which("go") is None or shutil.which("cargo") is None,
                    reason="needs go and cargo on PATH")
def test_rows_and_the_verdict_come_as_the_cells_finish(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    res = buildprof("run", "--size", "tiny", "--runs", "1", "--db", str(db), timeout=600)
    assert res.returncode == 0, res.stderr
    lines = res.stderr.splitlines()
    con = sqlite3.connect(db)
    cells = con.execute(
        "SELECT p.lang, r.scenario, r.profile, sum(r.warmup), max(r.wall_s * (1 - r.warmup)) "
        "FROM runs r JOIN projects p ON p.id = r.project_id GROUP BY 1, 2, 3").fetchall()
    # The default matrix: clean in both profiles; incremental and noop in debug, the
    # noop alone with a warm-up.
    assert sorted((lang, scen, prof, warm) for lang, scen, prof, warm, _ in cells) == sorted(
        (lang, scen, prof, 1 if scen == "noop" else 0) for lang in ("go", "rust")
        for scen, prof in (("clean", "debug"), ("clean", "release"),
                           ("incremental", "debug"), ("noop", "debug")))

    # The cells left out of the default are named in the output.
    assert ("Note: without --profile, incremental and noop run in debug only (the "
            "edit-build loop); --profile debug,release adds their release cells.") in lines

    def at(pattern: str) -> int:
        found = [i for i, ln in enumerate(lines) if re.search(pattern, ln)]
        assert found, (pattern, res.stderr)
        return found[0]

    # Each cell's row, with the recorded median, comes before the next block starts.
    for lang, scen, prof, _warm, wall in cells:
        row = at(rf"done tiny {lang} \S+ {scen}\b.* {prof}: {re.escape(seconds(wall))}, 1 run")
        if scen == "clean":
            assert row < at(r"incremental leaf-body debug: starting state")
    # The verdict is final once the clean cells are done, before the incremental ones run.
    assert at(r"^So far, minutes vs seconds .* \(still to come: tiny ") < at(r"^Verdict: ")
    assert at(r"^Verdict: minutes vs seconds (DOES NOT HOLD|PARTLY HOLDS|HOLDS) on the "
              r"clean build of tiny: Go release") < at(r"incremental leaf-body debug: starting")
    # One line per new finding, not one per cell done.
    assert sum(ln.startswith(("So far,", "Verdict:")) for ln in lines) == 2
    # The progress line names the cell, the run, the elapsed time and the ETA.
    assert re.search(r"\[\d/8 cells, \d+ runs\] tiny rust \S+ clean release: run 1/1 · "
                     r"elapsed \d+:\d\d · ETA \d+:\d\d", res.stderr)
