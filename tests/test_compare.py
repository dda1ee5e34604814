"""`buildprof compare` on fixed synthetic samples written into a real results file:
verdicts (a clear regression, no change, too few runs), --fail-above exit codes,
and the refusals (different machines, different sources)."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest

from profiler.analysis import compare
from profiler.storage.db import ResultsDB

from conftest import buildprof

HASH = "a" * 64
OTHER_HASH = "b" * 64

# tiny: a clear regression (+20.5%); small: no change; medium: n=2 vs 2.
A_TINY = [1.00, 1.01, 0.99, 1.02, 1.00, 0.98]
B_TINY = [1.20, 1.22, 1.19, 1.21, 1.23, 1.20]
A_SMALL = [2.00, 2.05, 1.98, 2.02, 2.01, 1.99]
B_SMALL = [2.01, 1.97, 2.03, 2.00, 2.04, 1.98]
A_MEDIUM = [5.0, 5.1]
B_MEDIUM = [7.5, 7.6]


class Fill:
    """Writes synthetic sessions and runs through ResultsDB, as `run` would."""

    def __init__(self, path: Path) -> None:
        self.db = ResultsDB.open(path)
        self.machine("m1aaaaaaaaaaaaaa", "host-a")
        self.toolchain("go@1.25.5")
        self.toolchain("go@1.26.8")

    def machine(self, mid: str, host: str) -> str:
        return self.db.ensure_machine({"id": mid, "hostname": host, "cpu_model": "cpu",
                                       "cores": 2, "logical_cpus": 2})

    def toolchain(self, spec: str) -> str:
        version = spec.split("@")[1]
        return self.db.ensure_toolchain({"id": f"tc-{spec}", "lang": "go", "spec": spec,
                                         "version": version, "version_full": f"go{version}",
                                         "path": f"/opt/{spec}/go"})

    def session(self, label: str | None = None, machine: str = "m1aaaaaaaaaaaaaa") -> int:
        sid = self.db.start_session(machine, "buildprof run", label)
        self.db.finish_session(sid, "completed")
        return sid

    def runs(self, session: int, project: str, spec: str, walls: list[float],
             content_hash: str = HASH, machine: str = "m1aaaaaaaaaaaaaa",
             scenario: str = "clean", profile: str = "release") -> None:
        pid = self.db.ensure_project(project, "go", f"sample:{project}", project,
                                     content_hash, 100, 3)
        for i, wall in enumerate(walls, 1):
            self.db.add_run({"session_id": session, "project_id": pid,
                             "toolchain_id": f"tc-{spec}", "machine_id": machine,
                             "scenario": scenario, "profile": profile, "jobs": None,
                             "edit": None, "iteration": i, "warmup": 0,
                             "started": "2026-11-20T10:00:00", "status": "ok", "wall_s": wall,
                             "user_s": wall * 1.5, "sys_s": wall * 0.2, "cpu_util": 1.7,
                             "peak_rss_bytes": 100 << 20, "tree_peak_rss_bytes": 200 << 20,
                             "exit_code": 0})


@pytest.fixture
def verdict_db(tmp_path: Path) -> Path:
    """One session, both toolchains interleaved, three cells with known verdicts."""
    path = tmp_path / "r.db"
    f = Fill(path)
    s = f.session("toolchains")
    for project, a, b in (("tiny", A_TINY, B_TINY), ("small", A_SMALL, B_SMALL),
                          ("medium", A_MEDIUM, B_MEDIUM)):
        f.runs(s, project, "go@1.25.5", a)
        f.runs(s, project, "go@1.26.8", b)
    f.db.close()
    return path


def _json(res) -> dict:  # type: ignore[no-untyped-def]
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def _error(res) -> str:  # type: ignore[no-untyped-def]
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    return lines[0]


def test_verdicts_regression_no_change_too_few(verdict_db: Path) -> None:
    data = _json(buildprof("compare", "go@1.25.5", "go@1.26.8", "--db", str(verdict_db),
                           "--format", "json"))
    cells = {c["project"]: c for c in data["cells"]}
    assert set(cells) == {"tiny", "small", "medium"}

    tiny = cells["tiny"]
    assert (tiny["a"]["median"], tiny["b"]["median"]) == (1.00, 1.205)
    assert tiny["change_pct"] == pytest.approx(20.5)
    # Ties: an exact permutation p (2 of the C(12,6) = 924 splits are as extreme).
    assert tiny["p"] == pytest.approx(2 / 924)
    assert tiny["p"] < 0.05 and tiny["significant"] and tiny["verdict"] == "+20.5%"
    # n = 6: the CI is [x_(1), x_(6)], the sample's range.
    assert (tiny["a"]["ci_low"], tiny["a"]["ci_high"]) == (0.98, 1.02)

    small = cells["small"]
    assert small["p"] == pytest.approx(792 / 924)
    assert small["p"] > 0.05 and small["verdict"] == "~" and not small["significant"]

    medium = cells["medium"]
    assert medium["p"] is None and medium["verdict"] == "too few runs"
    assert medium["note"] == ("too few runs: n=2 vs 2 can never reach p<0.05; "
                              "need ≥4 runs on each side")
    assert medium["a"]["ci_low"] is None  # ± ∞ is null in JSON

    ratios = [1.205 / 1.00, small["b"]["median"] / small["a"]["median"], 7.55 / 5.05]
    assert data["geomean"]["change_pct"] == pytest.approx(
        (math.prod(ratios) ** (1 / 3) - 1) * 100)


def test_table_shows_verdicts_and_the_plain_too_few_line(verdict_db: Path) -> None:
    res = buildprof("compare", "go@1.25.5", "go@1.26.8", "--db", str(verdict_db),
                    env=None)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].startswith("wall time: B against A, median ± 95% CI, "
                               "Mann–Whitney U at α=0.05")
    row = {name: next(ln for ln in lines if f"│ {name} (go)" in ln)
           for name in ("tiny", "small", "medium")}
    assert "1.000 s ± 2.0%" in row["tiny"] and "1.205 s ± 2.1%" in row["tiny"]
    assert row["tiny"].split("│")[-2].strip() == "+20.5% slower"  # the verdict column
    assert row["small"].split("│")[-2].strip() == "~"
    assert "too few runs (n=2 vs 2)" in row["medium"] and "(50%)" in row["medium"]
    assert any(ln.startswith("│ geomean") for ln in lines)
    assert "too few runs: n=2 vs 2 can never reach p<0.05; need ≥4 runs on each side" in lines
    assert ("± x% (y%): below 6 runs, the range of the runs, which holds the median y% of "
            "the time (50% at 2 runs); a 95% CI needs ≥6 runs") in lines


def test_csv_and_markdown(verdict_db: Path) -> None:
    res = buildprof("compare", "go@1.25.5", "go@1.26.8", "--db", str(verdict_db),
                    "--format", "csv")
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [r["project"] for r in rows] == ["medium", "small", "tiny", "geomean"]
    assert [r["verdict"] for r in rows] == ["too few runs", "~", "+20.5%", ""]
    assert float(rows[2]["b_median"]) == 1.205
    res = buildprof("compare", "go@1.25.5", "go@1.26.8", "--db", str(verdict_db),
                    "--format", "markdown")
    assert res.returncode == 0, res.stderr
    md = res.stdout.splitlines()
    assert md[0] == "| cell | A: go@1.25.5 | n | B: go@1.26.8 | n | change | p | verdict |"
    assert md[1] == "|---|---:|---:|---:|---:|---:|---:|---:|"
    assert md[4].startswith("| tiny (go) clean release | 1.000 s ± 2.0% | 6 | 1.205 s ± 2.1% "
                            "| 6 | +20.5% | 0.00")
    assert md[4].endswith("| +20.5% |")
    assert md[5].startswith("| geomean |")


def test_fail_above_exit_codes(verdict_db: Path) -> None:
    db = ("--db", str(verdict_db))
    res = buildprof("compare", "go@1.25.5", "go@1.26.8", "--fail-above", "10", *db)
    assert res.returncode == 1
    p = 2 / 924
    assert res.stderr.strip().splitlines() == [
        f"regression: tiny (go) clean release: +20.5% (p={p:.3f}) is above --fail-above 10%"]
    # 20.5% is not above 25%; medium's +49.5% has too few runs to count.
    assert buildprof("compare", "go@1.25.5", "go@1.26.8", "--fail-above", "25",
                     *db).returncode == 0
    # The other way round tiny is 17% faster: an improvement never fails.
    assert buildprof("compare", "go@1.26.8", "go@1.25.5", "--fail-above", "0",
                     *db).returncode == 0
    assert buildprof("compare", "go@1.25.5", "go@1.26.8", *db).returncode == 0
    assert _error(buildprof("compare", "go@1.25.5", "go@1.26.8", "--fail-above", "-1", *db)) \
        == "Error: --fail-above takes a percentage of 0 or more (got -1)"


def test_library_returns_data(verdict_db: Path) -> None:
    db = ResultsDB.open(verdict_db, readonly=True)
    result = compare.compare(db, "go@1.25.5", "go@1.26.8")
    assert [c.key.project for c in compare.regressions(result, 10)] == ["tiny"]
    assert compare.regressions(result, 25) == []
    cpu = compare.compare(db, "go@1.25.5", "go@1.26.8", metric="cpu")
    tiny = next(c for c in cpu.cells if c.key.project == "tiny")
    assert tiny.a.median == pytest.approx(1.00 * 1.7)


def test_the_gate_tests_b_against_a_moved_by_the_threshold(tmp_path: Path) -> None:
    """B 5.4% slower than A by the medians, and the plain U test significant: noise of
    that size failed a CI gate whose head changed only a README. "Significantly slower
    by more than 5%" needs B significantly above A's runs times 1.05, which these
    overlapping runs are not; above 0% (the plain test) they are a regression."""
    a = [0.140, 0.141, 0.139, 0.142, 0.140, 0.139]
    b = [0.148, 0.149, 0.147, 0.150, 0.146, 0.139]
    path = tmp_path / "r.db"
    f = Fill(path)
    s = f.session()
    f.runs(s, "app", "go@1.25.5", a)
    f.runs(s, "app", "go@1.26.8", b)
    f.db.close()
    with ResultsDB.open(path, readonly=True) as db:
        result = compare.compare(db, "go@1.25.5", "go@1.26.8")
    (cell,) = result.cells
    assert cell.change_pct == pytest.approx(5.357, abs=1e-3) and cell.test.significant
    assert not cell.threshold_test(5).significant
    assert compare.regressions(result, 5) == []
    assert compare.regressions(result, 0) == [cell]
    assert cell.threshold_test(0) is cell.test
    assert buildprof("compare", "go@1.25.5", "go@1.26.8", "--db", str(path),
                     "--fail-above", "5").returncode == 0


def test_refuses_to_compare_across_machines(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    f = Fill(path)
    f.machine("m2bbbbbbbbbbbbbb", "host-b")
    s1 = f.session()
    f.runs(s1, "tiny", "go@1.25.5", A_TINY)
    s2 = f.session(machine="m2bbbbbbbbbbbbbb")
    f.runs(s2, "tiny", "go@1.26.8", B_TINY, machine="m2bbbbbbbbbbbbbb")
    f.db.close()
    refusal = ("tiny (go) clean release: not compared: A (go@1.25.5) ran on host-a (m1aaaaaa), "
               "B (go@1.26.8) on host-b (m2bbbbbb); timings from different machines are not "
               "comparable: pick one machine with --machine, or pass --allow-cross-machine")
    assert _error(buildprof("compare", "go@1.25.5", "go@1.26.8", "--db", str(path))) == \
        f"Error: {refusal}"
    # The same between two sessions.
    assert _error(buildprof("compare", str(s1), str(s2), "--db", str(path))) == \
        "Error: " + refusal.replace("A (go@1.25.5)", "A (session 1)").replace(
            "B (go@1.26.8)", "B (session 2)")
    res = buildprof("compare", "go@1.25.5", "go@1.26.8", "--allow-cross-machine",
                    "--db", str(path))
    assert res.returncode == 0, res.stderr
    assert "warning: runs from different machines were pooled (--allow-cross-machine)" in \
        res.stdout.splitlines()
    assert "+20.5%" in res.stdout

    # A cell on a shared machine is compared; the cross-machine one is refused and listed.
    f = Fill(path)
    s3 = f.session()
    f.runs(s3, "small", "go@1.25.5", A_SMALL)
    f.runs(s3, "small", "go@1.26.8", B_SMALL)
    f.db.close()
    data = _json(buildprof("compare", "go@1.25.5", "go@1.26.8", "--db", str(path),
                           "--format", "json"))
    assert [c["project"] for c in data["cells"]] == ["small"]
    assert data["refused"] == [refusal]


def test_refuses_cells_built_from_different_sources(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    f = Fill(path)
    s = f.session()
    f.runs(s, "tiny", "go@1.25.5", A_TINY, content_hash=HASH)
    f.runs(s, "tiny", "go@1.26.8", B_TINY, content_hash=OTHER_HASH)
    f.db.close()
    assert _error(buildprof("compare", "go@1.25.5", "go@1.26.8", "--db", str(path))) == (
        "Error: tiny (go) clean release: not compared: built from different sources "
        "(A go@1.25.5: content aaaaaaaaaaaa; B go@1.26.8: content bbbbbbbbbbbb), so the "
        "difference would be the code; compare runs of the same sources, or leave the "
        "project out with --project")


def test_sides_by_label_and_session_and_toolchain_change(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    f = Fill(path)
    before = f.session("before")
    f.runs(before, "tiny", "go@1.25.5", A_TINY)
    after = f.session("after")
    f.runs(after, "tiny", "go@1.26.8", B_TINY)  # a toolchain upgrade between sessions
    f.db.close()
    by_label = _json(buildprof("compare", "before", "after", "--db", str(path),
                               "--format", "json"))
    by_session = _json(buildprof("compare", str(before), str(after), "--db", str(path),
                                 "--format", "json"))
    for data in (by_label, by_session):
        (cell,) = data["cells"]
        assert cell["verdict"] == "+20.5%"
        assert (cell["a"]["toolchains"], cell["b"]["toolchains"]) == (["go@1.25.5"],
                                                                      ["go@1.26.8"])
    assert by_label["a"] == {"text": "before", "kind": "label"}
    assert by_session["b"] == {"text": str(after), "kind": "session"}
    res = buildprof("compare", "before", "after", "--db", str(path))
    assert "go@1.25.5 → go@1.26.8" in res.stdout  # the table says the toolchain changed


def test_bad_sides(verdict_db: Path) -> None:
    db = ("--db", str(verdict_db))
    assert _error(buildprof("compare", "go@9.9", "go@1.26.8", *db)) == (
        "Error: 'go@9.9' is neither a recorded toolchain (go@1.25.5, go@1.26.8), a session "
        "label (toolchains), a revision (none) nor a session id (1-1); give one of those")
    assert _error(buildprof("compare", "7", "go@1.26.8", *db)) == (
        "Error: there is no session 7 in the database; see `buildprof history` for "
        "session ids")
    assert _error(buildprof("compare", "go@1.26.8", "go@1.26.8", *db)) == (
        "Error: A and B select the same runs ('go@1.26.8' and 'go@1.26.8'); compare two "
        "different toolchains, sessions or labels")
    assert _error(buildprof("compare", "go@1.25.5", "go@1.26.8", "--metric", "speed", *db)) \
        == ("Error: unknown metric 'speed'; use one of: wall, cpu, peak-rss, tree-rss, rps, p99, "
            "server-rss")
    assert _error(buildprof("compare", "go@1.25.5", "go@1.26.8", "--project", "huge", *db)) \
        == "Error: no project named 'huge' in the database; recorded: medium, small, tiny"
