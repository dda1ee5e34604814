"""The report's "Real projects that do the same job": each pair's rows, its own
verdict, predicted against measured at its compiled lines, and whether the pairs
agree with the graded samples. gap.build is a pure function of run rows, so these
rows are written by hand with exact times (the real pair's end-to-end report is
in tests/test_pairs.py)."""

from __future__ import annotations

import io

import pytest

from profiler.analysis import gap
from profiler.analysis import wording as w
from profiler.report.document.json import gap_dict
from profiler.report.document.markdown import render as render_markdown

LOCS = {"tiny": 1_000, "small": 10_000, "medium": 100_000}
# time = a·LOC^b exactly: Go 0.001·LOC^0.8 release, Rust 0.01·LOC^0.9 debug/release.
GO = {s: 0.001 * loc ** 0.8 for s, loc in LOCS.items()}
RUST = {s: 0.01 * loc ** 0.9 for s, loc in LOCS.items()}


def _row(i: int, project: str, lang: str, wall: float, profile: str, *, loc: int,
         source: str, compiled: int | None = None, path: str | None = None,
         scenario: str = "clean") -> dict:
    return {"id": i, "session_id": 1, "project_id": hash((project, lang)), "machine_id": "m",
            "project": project, "lang": lang, "loc": loc, "compiled_loc": compiled,
            "source": source, "project_path": path or project, "content_hash": project + lang,
            "toolchain": f"{lang}@1", "toolchain_id": lang, "scenario": scenario,
            "edit": "top-body" if scenario == "incremental" else None, "jobs": None,
            "profile": profile, "warmup": 0, "status": "ok", "wall_s": wall, "cpu_util": 1.5,
            "peak_rss_bytes": 1 << 20, "tree_peak_rss_bytes": 2 << 20, "artifact_bytes": 1 << 20}


def _graded() -> list[dict]:
    rows = []
    for s, loc in LOCS.items():
        for profile in ("debug", "release"):
            rows.append(_row(len(rows), s, "go", GO[s], profile, loc=loc, source=f"sample:{s}"))
            rows.append(_row(len(rows), s, "rust", RUST[s], profile, loc=loc,
                             source=f"sample:{s}"))
    return rows


def _pair(start: int, go_s: float, rust_s: float, *, go_compiled: int = 50_000,
          rust_compiled: int = 200_000) -> list[dict]:
    rows = []
    for profile in ("debug", "release"):
        rows.append(_row(start + len(rows), "jq", "go", go_s, profile, loc=13_000,
                         compiled=go_compiled, source="sample:jq",
                         path="go:github.com/itchyny/gojq@v0.12.19"))
        rows.append(_row(start + len(rows), "jq", "rust", rust_s, profile, loc=900,
                         compiled=rust_compiled, source="sample:jq", path="crate:jaq@3.1.2"))
    rows.append(_row(start + len(rows), "jq", "go", 0.4, "debug", loc=13_000,
                     compiled=go_compiled, source="sample:jq", scenario="incremental",
                     path="go:github.com/itchyny/gojq@v0.12.19"))
    rows.append(_row(start + len(rows), "jq", "rust", 1.0, "debug", loc=900,
                     compiled=rust_compiled, source="sample:jq", scenario="incremental",
                     path="crate:jaq@3.1.2"))
    return rows


def test_a_pair_gets_its_rows_sides_and_verdict() -> None:
    rep = gap.build(_graded() + _pair(100, 3.0, 30.0))
    (jq,) = rep.real_pairs
    assert [(p.scenario, p.profile) for p in jq.rows] == [
        ("clean", "debug"), ("clean", "release"), ("incremental", "debug")]
    assert jq.side("rust").spec == "crate:jaq@3.1.2" and jq.side("rust").compiled_loc == 200_000
    assert jq.side("go").loc == 13_000
    assert jq.outcome == "does not hold"  # Rust 30 s: seconds in every profile
    # Pairs are not graded: the verdict still rests on the largest graded size.
    assert rep.verdict.evidence.project == "medium"


def test_predicted_is_the_graded_fit_at_the_compiled_lines() -> None:
    rep = gap.build(_graded() + _pair(100, 3.0, 30.0))
    (jq,) = rep.real_pairs
    by = {(x.lang, x.scenario_text, x.profile): x for x in jq.predictions}
    rust = by[("rust", "clean", "release")]
    assert rust.loc == 200_000 and rust.extrapolated  # beyond medium's 100,000
    assert rust.predicted_s == pytest.approx(0.01 * 200_000 ** 0.9)
    assert rust.ratio == pytest.approx(30.0 / (0.01 * 200_000 ** 0.9))
    go = by[("go", "clean", "release")]
    assert go.predicted_s == pytest.approx(0.001 * 50_000 ** 0.8) and not go.extrapolated
    # The graded runs have no incremental cells: no fit, no prediction.
    assert not any(x.scenario_text.startswith("incremental") for x in jq.predictions)


def test_the_verdict_says_whether_the_pairs_agree() -> None:
    # The fit predicts Rust 0.01·200k^0.9 ≈ 600 s (minutes) and Go ≈ 5.7 s: "holds".
    holds = gap.build(_graded() + _pair(100, 6.0, 650.0))
    (jq,) = holds.real_pairs
    assert jq.predicted == "holds" and jq.outcome == "holds" and jq.agrees
    assert holds.verdict.reasons[-1].startswith("The real pairs agree with the graded samples")
    fast = gap.build(_graded() + _pair(100, 3.0, 30.0))
    assert fast.real_pairs[0].agrees is False
    assert ("jq measured does not hold, predicted holds" in fast.verdict.reasons[-1])


def test_without_graded_runs_there_is_nothing_to_predict() -> None:
    rep = gap.build(_pair(0, 3.0, 30.0))
    (jq,) = rep.real_pairs
    assert jq.predictions == () and jq.predicted is None and jq.agrees is None
    assert "no graded fit" in rep.verdict.reasons[-1]


def test_a_module_is_named_without_its_major_version_suffix() -> None:
    rows = _graded() + [{**r, "project_path": "go:github.com/go-task/task/v3@v3.54.0"}
                        if r["lang"] == "go" else r for r in _pair(100, 3.0, 30.0)]
    assert w.real_pair_rows(gap.build(rows).real_pairs)[0][1] == "task v3.54.0 / jaq 3.1.2"


def test_the_renderers_show_the_section() -> None:
    rep = gap.build(_graded() + _pair(100, 3.0, 30.0))
    out = io.StringIO()
    render_markdown(rep, out)
    text = out.getvalue()
    assert f"## {w.PAIRS_TITLE}" in text
    assert "| jq | gojq v0.12.19 / jaq 3.1.2 | 13 k lines / 900 lines |" in text
    assert "measured/predicted" in text
    data = gap_dict(rep)
    assert data["real_pairs"][0]["outcome"] == "does not hold"
    assert data["real_pairs"][0]["agrees"] is False
    assert len(data["real_pairs"][0]["predictions"]) == 4  # Go, Rust × debug, release


def test_pairs_measured_apart_are_predicted_by_the_newest_graded_session(tmp_path) -> None:
    """The usual history: graded samples in one session, the pairs in a later one.
    The default report (the newest session) still predicts the pairs, from the
    newest graded session of the same machine and toolchains, and says which."""
    from profiler.analysis.document import assemble
    from profiler.model.filters import Filters
    from profiler.storage.db import ResultsDB

    db = ResultsDB.open(tmp_path / "r.db")
    db.ensure_machine({"id": "m", "hostname": "h", "cpu_model": "cpu", "cores": 2,
                       "logical_cpus": 2})
    for lang in ("go", "rust"):
        db.ensure_toolchain({"id": lang, "lang": lang, "spec": f"{lang}@1", "version": "1",
                             "version_full": "1", "path": f"/opt/{lang}"})

    def session(rows: list[dict], label: str) -> int:
        sid = db.start_session("m", "buildprof run", label)
        for r in rows:
            pid = db.ensure_project(r["project"], r["lang"], r["source"], r["project_path"],
                                    r["content_hash"], r["loc"], 1, r["compiled_loc"])
            db.add_run({**{k: r[k] for k in ("toolchain_id", "scenario", "profile", "jobs",
                                             "edit", "warmup", "status", "wall_s",
                                             "cpu_util", "peak_rss_bytes",
                                             "tree_peak_rss_bytes", "artifact_bytes")},
                        "session_id": sid, "project_id": pid, "machine_id": "m",
                        "iteration": 1, "started": "2026-11-20T10:00:00"})
        db.finish_session(sid, "completed")
        return sid

    graded = session(_graded(), "graded")
    session(_pair(100, 3.0, 30.0), "pairs")
    newest = assemble(db, Filters())
    (jq,) = newest.gap.real_pairs
    assert jq.agrees is not None and jq.predictions
    assert any(n.startswith(f"the real pairs are predicted by the graded fit of session "
                            f"{graded} (") for n in newest.gap.notes)
    # The same predictions as a report of both sessions together (`report --all`).
    both = assemble(db, Filters(), all_sessions=True)
    assert [x.predicted_s for x in jq.predictions] == pytest.approx(
        [x.predicted_s for x in both.gap.real_pairs[0].predictions])
    assert not any("predicted by the graded fit of session" in n for n in both.gap.notes)
    # Another machine's graded session is no reference.
    db.conn.execute("UPDATE runs SET machine_id = 'other' WHERE session_id = ?", [graded])
    db.conn.commit()
    assert all(r.agrees is None for r in assemble(db, Filters()).gap.real_pairs)
