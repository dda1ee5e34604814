"""`buildprof report` with payoff rounds: the section "What the build time buys".

A real results file written through ResultsDB (as `run` and `payoff` write it):
build runs of the http-service pair in one session, payoff rounds with known
figures in two later sessions. The real CLI renders it as a terminal table,
Markdown and HTML, and each output must carry the exact figures of the rounds the
report's selection picks (newest payoff session by default, every round with
--all), and no such section at all when there are no rounds.
"""

from __future__ import annotations

import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from profiler.storage.db import ResultsDB

from conftest import buildprof

TITLE = "What the build time buys"
MACHINE = "m1aaaaaaaaaaaaaa"
OTHER_MACHINE = "m2bbbbbbbbbbbbbb"
GO_TC, RUST_TC, RUST_OLD_TC = "tc-go", "tc-rust", "tc-rust-old"
MIB = 1 << 20

# Build costs (seconds; release binary bytes): Rust costs 28.0 s more per clean
# release build and 2.50 s more per edit.
COSTS = {"go": {("clean", "release"): 2.0, ("clean", "debug"): 1.5,
                ("incremental", "debug"): 0.5},
         "rust": {("clean", "release"): 30.0, ("clean", "debug"): 12.0,
                  ("incremental", "debug"): 3.0}}
BINARY = {"go": 8 * MIB, "rust": 4 * MIB}

# req/s per (session, lang, connections); two rounds each. The newest session:
# Rust +10.0% at 64 and +15.0% at 256; the older one: +20.0% at 64 and 256.
NEW = {("go", 64): 1000.0, ("rust", 64): 1100.0, ("go", 256): 2000.0, ("rust", 256): 2300.0}
OLD = {("go", 64): 500.0, ("rust", 64): 600.0, ("go", 256): 1000.0, ("rust", 256): 1200.0}


class Fill:
    """Sessions, build runs and payoff rounds, written as `run` and `payoff` do."""

    def __init__(self, path: Path) -> None:
        self.db = ResultsDB.open(path)
        for mid, host in ((MACHINE, "host-a"), (OTHER_MACHINE, "host-b")):
            self.db.ensure_machine({"id": mid, "hostname": host, "cpu_model": "cpu",
                                    "cores": 2, "logical_cpus": 2, "memory_bytes": 8 << 30,
                                    "os": "Linux"})
        for tid, lang, spec, version in ((GO_TC, "go", "go@1.26.8", "1.26.8"),
                                         (RUST_TC, "rust", "rust@1.92.0", "1.92.0"),
                                         (RUST_OLD_TC, "rust", "rust@1.91.0", "1.91.0")):
            self.db.ensure_toolchain({"id": tid, "lang": lang, "spec": spec, "version": version,
                                      "version_full": f"{lang} {version}",
                                      "path": f"/opt/{spec}"})
        self.project = {lang: self.db.ensure_project(
            "http-service", lang, "sample:http-service", "http-service", lang * 32, 400, 5)
            for lang in ("go", "rust")}
        self.tc = {"go": GO_TC, "rust": RUST_TC}

    def session(self, command: str, machine: str = MACHINE) -> int:
        sid = self.db.start_session(machine, command, None)
        self.db.finish_session(sid, "completed")
        return sid

    def builds(self) -> int:
        """Three runs of each build cell in both languages, in one session."""
        sid = self.session("buildprof run --sample http-service (build costs)")
        for lang, cells in COSTS.items():
            for (scenario, profile), wall in cells.items():
                for i in range(1, 4):
                    self.db.add_run({
                        "session_id": sid, "project_id": self.project[lang],
                        "toolchain_id": self.tc[lang], "machine_id": MACHINE,
                        "scenario": scenario, "profile": profile, "jobs": None,
                        "edit": "leaf-body" if scenario == "incremental" else None,
                        "iteration": i, "warmup": 0, "started": "2026-12-01T10:00:00",
                        "status": "ok", "wall_s": wall, "user_s": wall * 1.5,
                        "sys_s": wall * 0.1, "cpu_util": 1.6, "peak_rss_bytes": 100 * MIB,
                        "tree_peak_rss_bytes": 200 * MIB, "exit_code": 0,
                        "artifact_bytes": BINARY[lang] if profile == "release" else None})
        return sid

    def payoff(self, rps: dict[tuple[str, int], float], machine: str = MACHINE,
               rust_tc: str = RUST_TC, loadgen: str = "wrk 4.2.0") -> int:
        """A payoff session: two rounds per language and connection count."""
        sid = self.session("buildprof payoff --connections 64,256", machine)
        for (lang, connections), value in rps.items():
            for round_ in (1, 2):
                self.db.add_load_run({
                    "session_id": sid, "project_id": self.project[lang],
                    "toolchain_id": rust_tc if lang == "rust" else GO_TC,
                    "machine_id": machine, "profile": "release", "connections": connections,
                    "round": round_, "started": "2026-12-02T10:00:00", "status": "ok",
                    "duration_s": 20.0, "warmup_s": 5.0, "requests": int(value * 20),
                    "requests_per_s": value, "p50_ms": 1.25 if lang == "go" else 1.0,
                    "p90_ms": 2.0, "p99_ms": 4.0 if lang == "go" else 3.0, "max_ms": 9.0,
                    "errors": 0, "non_2xx": 0, "socket_errors": None,
                    "server_peak_rss_bytes": (20 if lang == "go" else 10) * MIB,
                    "server_cpu_s": 15.0, "loadgen_cpu_s": 10.0, "binary_bytes": BINARY[lang],
                    "loadgen": loadgen, "cores": "server on core(s) 0, wrk on core(s) 1",
                    "mix": "GET /users/{id} 50%, POST /orders 50%", "error": None})
        return sid

    def close(self) -> None:
        self.db.close()


def fill(path: Path, *payoffs: dict[str, Any]) -> tuple[int, list[int]]:
    """The builds session and one payoff session per keyword set, in order."""
    f = Fill(path)
    builds = f.builds()
    sessions = [f.payoff(**kw) for kw in payoffs]
    f.close()
    return builds, sessions


def report(*args: str) -> subprocess.CompletedProcess[str]:
    return buildprof("report", *args, env={**os.environ, "COLUMNS": "260"})


def html_of(db: Path, out: Path, *args: str) -> tuple[str, dict[str, str]]:
    """The HTML report and its sections (id -> text), from the XML tree."""
    res = report("--db", str(db), "--html", str(out), *args)
    assert res.returncode == 0, res.stderr
    html = out.read_text(encoding="utf-8")
    root = ET.fromstring(html.split("\n", 1)[1])  # after <!DOCTYPE html>: well-formed
    return html, {s.get("id", ""): "".join(s.itertext()).strip() for s in root.iter("section")}


def outputs(db: Path, tmp_path: Path, *args: str) -> dict[str, str]:
    """The payoff section's text in the terminal, Markdown and HTML outputs ("" when
    the output has none); fails when a command does."""
    got = {}
    res = report("--db", str(db), *args)
    assert res.returncode == 0, res.stderr
    term = res.stdout
    got["table"] = term[term.index(TITLE):term.index("What the claim leaves out")] \
        if TITLE in term else ""
    res = report("--db", str(db), "--format", "markdown", *args)
    assert res.returncode == 0, res.stderr
    md = res.stdout
    got["markdown"] = md[md.index(f"## {TITLE}"):md.index("## What the claim leaves out")] \
        if f"## {TITLE}" in md else ""
    assert (TITLE in md) == bool(got["markdown"])
    _, sections = html_of(db, tmp_path / "report.html", *args)
    got["html"] = sections.get("payoff", "")
    if got["html"]:
        assert got["html"].startswith(TITLE)
    return got


NEWEST = ["1,000", "1,100", "+10.0%", "2,000", "2,300", "+15.0%"]


def test_the_section_shows_the_newest_payoff_session(tmp_path: Path) -> None:
    db = tmp_path / "results.db"
    _, (older, newest) = fill(db, {"rps": OLD}, {"rps": NEW})
    for fmt, text in outputs(db, tmp_path).items():
        assert text, f"{fmt}: no section titled {TITLE!r}"
        for figure in NEWEST:
            assert figure in text, (fmt, figure)
        assert "+20.0%" not in text and "600" not in text, fmt  # the older session's
        # build costs: the runs of the builds session, beside the rounds
        for figure in ("2.00 s", "30.0 s", "+28.0 s (15.00×)", "8.0 MiB", "4.0 MiB",
                       "0.50×", "50% of Go's", "incremental debug build (leaf-body)"):
            assert figure in text, (fmt, figure)
        assert ("Rust's build costs 28.0 s more per clean release build and 2.50 s more per "
                "edit (debug); at 64 connections it serves 10% more requests per second at "
                "50% of Go's memory; at 256 connections it serves 15% more requests per "
                "second at 50% of Go's memory.") in text, fmt
        assert '"About 10%" holds here at 64, 256 connections.' in text, fmt
        assert "wrk 4.2.0" in text and "server on core(s) 0, wrk on core(s) 1" in text, fmt
        assert "GET /users/{id} 50%, POST /orders 50%" in text, fmt
        assert f"Rounds: 8 in session {newest}" in text, fmt  # 2 langs × 2 counts × 2
        assert f"http-service (go@1.26.8) and http-service (rust@1.92.0), session {newest}" \
            in text, fmt


def test_all_pools_every_round_and_session_picks_one(tmp_path: Path) -> None:
    db = tmp_path / "results.db"
    builds, (older, newest) = fill(db, {"rps": OLD}, {"rps": NEW})
    # --all: the medians of both sessions' rounds (500, 500, 1000, 1000 -> 750 ...)
    for fmt, text in outputs(db, tmp_path, "--all").items():
        for figure in ("750", "850", "+13.3%", "1,500", "1,750", "+16.7%",
                       f"Rounds: 16 in sessions {older}, {newest}"):
            assert figure in text, (fmt, figure)
    # --session: the builds' session and the older payoff's, as the user chose
    for fmt, text in outputs(db, tmp_path, "--session", str(builds), "--session",
                             str(older)).items():
        for figure in ("500", "600", "+20.0%", "1,200", f"Rounds: 8 in session {older}"):
            assert figure in text, (fmt, figure)
        assert "1,100" not in text and "+10.0%" not in text, fmt
    # --session of the builds only: their session holds no payoff round, so no section
    assert set(outputs(db, tmp_path, "--session", str(builds)).values()) == {""}


def test_no_payoff_rounds_no_section(tmp_path: Path) -> None:
    db = tmp_path / "results.db"
    fill(db)
    got = outputs(db, tmp_path)
    assert got == {"table": "", "markdown": "", "html": ""}
    res = report("--db", str(db))
    assert TITLE not in res.stdout and "Build times" in res.stdout  # the report is there
    html, sections = html_of(db, tmp_path / "none.html")
    assert TITLE not in html and "payoff" not in sections and "verdict" in sections


def test_payoff_rounds_without_build_runs_are_refused_as_before(tmp_path: Path) -> None:
    db = tmp_path / "results.db"
    _, (newest,) = fill(db, {"rps": NEW})
    res = report("--db", str(db), "--session", str(newest))
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert "Traceback" not in res.stderr
    assert res.stderr.startswith("Error: no timed runs match these filters"), res.stderr
    assert f"does hold 8 payoff round(s) (session(s) {newest})" in res.stderr


def test_other_machines_and_older_builds_are_left_out_and_named(tmp_path: Path) -> None:
    db = tmp_path / "results.db"
    # newest of all: a payoff on another machine, which the default must skip
    _, (old_rust, mine, elsewhere) = fill(
        db, {"rps": OLD, "rust_tc": RUST_OLD_TC}, {"rps": NEW},
        {"rps": {k: 9999.0 for k in NEW}, "machine": OTHER_MACHINE, "loadgen": "wrk 9"})
    for fmt, text in outputs(db, tmp_path).items():
        assert "+10.0%" in text and f"Rounds: 8 in session {mine}" in text, fmt
        assert "9,999" not in text and "wrk 9" not in text, fmt
    # --all: the session that loaded the older Rust toolchain is left out, whole
    for fmt, text in outputs(db, tmp_path, "--all").items():
        words = " ".join(text.split())  # the terminal wraps a long note
        assert "9,999" not in text and "rust@1.91.0" not in text, fmt
        assert "8 payoff round(s) on other machines are left out" in words, fmt
        assert (f"8 payoff round(s) of session {old_rust} are left out: they loaded older "
                f"builds") in words, fmt
        assert "+10.0%" in text and f"Rounds: 8 in session {mine}" in text, fmt
        assert "750" not in text and "+46.7%" not in text, fmt  # Go pooled, Rust not


@pytest.mark.parametrize("args", [["--lang", "go"], ["--profile", "debug"]])
def test_the_report_filters_select_the_rounds(tmp_path: Path, args: list[str]) -> None:
    db = tmp_path / "results.db"
    fill(db, {"rps": NEW})
    res = report("--db", str(db), "--format", "markdown", *args)
    assert res.returncode == 0, res.stderr
    if args == ["--lang", "go"]:
        # Go's rounds alone: their figures, with Rust's column empty
        section = res.stdout[res.stdout.index(f"## {TITLE}"):]
        assert "| requests/s at 64 connections |" not in section  # no gap without Rust
        assert "| clean release build | 2.00 s | - | - |" in section
        assert "Rounds: 4 in session" in section
        assert "No connection count has rounds of both Go and Rust" in section
    else:  # payoff binaries are release builds: a debug-only report has no rounds
        assert TITLE not in res.stdout
