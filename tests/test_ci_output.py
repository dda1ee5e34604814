"""`compare`'s output for CI: the GitHub job summary (GITHUB_STEP_SUMMARY) and JUnit
XML, on the synthetic verdicts of test_compare.py (tiny: +20.5 %, significant;
small: no change; medium: too few runs), written into a real results file."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_compare import verdict_db  # noqa: F401  (a fixture)

from profiler.analysis import compare
from profiler.report.ci import SUMMARY_CAP, junit, step_summary
from profiler.storage.db import ResultsDB

from conftest import buildprof


def _comparison(path: Path) -> compare.Comparison:
    with ResultsDB.open(path, readonly=True) as store:
        return compare.compare(store, "go@1.25.5", "go@1.26.8")


def test_the_summary_says_the_verdict_and_holds_the_table(verdict_db: Path) -> None:  # noqa: F811
    text = step_summary(_comparison(verdict_db), 10.0)
    assert text.startswith("## buildprof: go@1.26.8 against go@1.25.5 (wall)\n\n"
                           "**Slower**: 1 of 3 cell(s) of go@1.26.8 against go@1.25.5 are "
                           "significantly worse by more than 10%: tiny (go) clean release")
    assert "| tiny (go) clean release | 1.000 s ± 2.0% | 6 | 1.205 s ± 2.1% | 6 | +20.5% |" \
        in text
    assert "| geomean |" in text
    # Above the regression, nothing is over the threshold.
    assert step_summary(_comparison(verdict_db), 25.0).split("\n")[2].startswith(
        "**No regression**: no cell of go@1.26.8 against go@1.25.5 is significantly worse "
        "by more than 25% (3 cell(s), geomean")


def test_the_summary_fits_the_bytes_left_keeping_the_regression(verdict_db: Path) -> None:  # noqa: F811
    result = _comparison(verdict_db)
    whole = step_summary(result, 10.0)
    budget = len(whole.encode()) - 1
    cut = step_summary(result, 10.0, budget=budget)
    assert len(cut.encode()) <= budget
    assert "| tiny (go) clean release |" in cut  # the cell over the threshold stays
    assert "more cell(s) left out to stay under GitHub's 1 MiB summary limit" in cut
    assert step_summary(result, 10.0, budget=10) == ""


def test_junit_has_a_case_per_cell_failing_over_the_threshold(verdict_db: Path) -> None:  # noqa: F811
    suite = ET.fromstring(junit(_comparison(verdict_db), 10.0))
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {"tiny (go) clean release", "small (go) clean release",
                          "medium (go) clean release"}
    assert suite.get("tests") == "3" and suite.get("failures") == "1"
    failure = cases["tiny (go) clean release"].find("failure")
    assert failure is not None and failure.get("message", "").startswith("+20.5% is above 10%")
    assert all(cases[n].find("failure") is None for n in ("small (go) clean release",
                                                          "medium (go) clean release"))


@pytest.mark.parametrize(("extra", "code"), [(["--fail-above", "10"], 1),
                                             (["--fail-above", "25"], 0)])
def test_the_cli_appends_to_the_step_summary_and_exits_by_the_gate(
        verdict_db: Path, tmp_path: Path, extra: list[str], code: int) -> None:  # noqa: F811
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n")
    res = buildprof("compare", "go@1.25.5", "go@1.26.8", "--db", str(verdict_db),
                    "--format", "junit", *extra,
                    env={**os.environ, "GITHUB_STEP_SUMMARY": str(summary)})
    assert res.returncode == code, res.stderr
    text = summary.read_text()
    assert text.startswith("# earlier step\n\n## buildprof: go@1.26.8 against go@1.25.5")
    assert ("**Slower**" in text) == (code == 1)
    assert len(text.encode()) <= SUMMARY_CAP
    ET.fromstring(res.stdout)  # the JUnit XML on stdout parses
