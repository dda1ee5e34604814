"""`buildprof tune`: real builds of the tiny fixtures with real knobs, the ranking
recomputed from the stored runs, the user's tree untouched."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from statistics import median

import pytest
from scipy.stats import mannwhitneyu

from tests.conftest import buildprof, copy_fixture, error_line, tree_hash


def _tune(project: Path, db: Path, *args: str) -> dict:
    res = buildprof("tune", str(project), "--db", str(db), "--scenario", "clean",
                    "--runs", "4", "--format", "json", *args)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "Infinity" not in res.stdout  # an unbounded CI end is null: strict JSON
    return json.loads(res.stdout)


def _recompute(db: Path) -> dict[str, tuple[float, float, bool]]:
    """From the stored runs alone: each knob's change of the median wall time against
    the baseline, in %, and whether the exact U test is significant at 0.05."""
    conn = sqlite3.connect(db)
    walls: dict[str, list[float]] = {}
    for variant, wall in conn.execute("SELECT variant, wall_s FROM runs "
                                      "WHERE warmup = 0 AND status = 'ok'"):
        walls.setdefault(variant, []).append(wall)
    base = walls.pop("baseline")
    out = {}
    for variant, w in walls.items():
        p = mannwhitneyu(base, w, alternative="two-sided", method="exact").pvalue
        out[variant] = (100 * (median(w) / median(base) - 1), p, p < 0.05)
    return out


@pytest.fixture(scope="module")
def rust_tune(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path, Path, str]:
    tmp = tmp_path_factory.mktemp("tune-rust")
    crate = copy_fixture("crate", tmp)
    before = tree_hash(crate)
    db = tmp / "results.db"
    out = _tune(crate, db, "--knob", "debuginfo=0,debuginfo=line-tables-only,codegen-units=1,"
                                     "incremental,threads,jobs=1")
    return out, db, crate, before


def test_rust_knobs_are_measured_and_ranked_as_the_stored_runs_say(rust_tune):
    out, db, crate, before = rust_tune
    measured = {r["knob"] for r in out["results"]}
    assert {"debuginfo=0", "debuginfo=line-tables-only", "codegen-units=1",
            "incremental=off", "jobs=1"} <= measured
    again = _recompute(db)
    assert set(again) == measured
    for r in out["results"]:
        change, p, significant = again[r["knob"]]
        assert r["change_pct"] == pytest.approx(change, abs=1e-9), r["knob"]
        assert r["significant"] == significant, (r["knob"], p)
        assert r["u_test_p"] == pytest.approx(p, rel=1e-9), r["knob"]
    # best first: the significant wins by change, then the rest by change
    keys = [(0 if r["significant"] and r["change_pct"] < 0 else 1, r["change_pct"])
            for r in out["results"]]
    assert keys == sorted(keys)
    # without debuginfo the debug binary holds no DWARF: it must be smaller
    by_knob = {r["knob"]: r for r in out["results"]}
    assert by_knob["debuginfo=0"]["artifact_change_pct"] < -20
    assert 'debug = 0' in by_knob["debuginfo=0"]["advice"]
    assert tree_hash(crate) == before  # the user's tree, byte for byte


def test_a_knob_that_does_not_apply_is_skipped_with_its_reason(rust_tune):
    out, db, _, _ = rust_tune
    skipped = {s["knob"]: s["reason"] for s in out["skipped"]}
    assert "nightly" in skipped["threads"]  # the default toolchain is stable
    conn = sqlite3.connect(db)
    variants = {v for (v,) in conn.execute("SELECT DISTINCT variant FROM runs")}
    assert not any(v.startswith("threads") for v in variants)


def test_go_knobs_are_measured_and_pgo_off_is_skipped_without_a_profile(tmp_path: Path):
    module = copy_fixture("gomod", tmp_path)
    before = tree_hash(module)
    db = tmp_path / "results.db"
    out = _tune(module, db, "--knob=-trimpath,-ldflags=-s -w,GOGC=400,-pgo=off")
    by_knob = {r["knob"]: r for r in out["results"]}
    assert set(by_knob) == {"-trimpath", "-ldflags=-s -w", "GOGC=400"}
    assert by_knob["-ldflags=-s -w"]["artifact_change_pct"] < -10  # no symbols, no DWARF
    assert "no default.pgo" in {s["knob"]: s["reason"] for s in out["skipped"]}["-pgo=off"]
    again = _recompute(db)
    for knob, r in by_knob.items():
        assert r["change_pct"] == pytest.approx(again[knob][0], abs=1e-9)
        assert r["significant"] == again[knob][2]
    assert tree_hash(module) == before


def _refuse_to_compile_unless(crate: Path, cfg: str, message: str) -> None:
    """Append a compile_error! to the crate's main.rs that fires when `cfg` holds."""
    main = crate / "src" / "main.rs"
    main.write_text(main.read_text() + f'\n#[cfg({cfg})]\ncompile_error!("{message}");\n')


def _one_knob(crate: Path, db: Path, knob: str) -> dict:
    """`tune --knob KNOB --runs 1` on the clean scenario, as JSON: the knob's row."""
    res = buildprof("tune", str(crate), "--db", str(db), "--scenario", "clean", "--runs", "1",
                    "--knob", knob, "--format", "json")
    assert res.returncode == 0, res.stderr[-2000:]  # a failed knob is a result, not an error
    (row,) = json.loads(res.stdout)["results"]
    assert row["knob"] == knob
    return row


def test_a_knob_whose_build_fails_is_reported_with_the_first_error(tmp_path: Path):
    crate = copy_fixture("crate", tmp_path)
    # A crate that refuses to compile without debuginfo (its build script sees cargo's
    # DEBUG): debuginfo=0 must fail with rustc's error, the baseline must not.
    (crate / "build.rs").write_text(
        'fn main() {\n    println!("cargo:rustc-check-cfg=cfg(nodebug)");\n'
        '    if std::env::var("DEBUG").unwrap() == "false" {\n'
        '        println!("cargo:rustc-cfg=nodebug");\n    }\n}\n')
    _refuse_to_compile_unless(crate, "nodebug", "this crate needs debuginfo")
    db = tmp_path / "results.db"
    assert "this crate needs debuginfo" in _one_knob(crate, db, "debuginfo=0")["error"]
    res = buildprof("tune", str(crate), "--db", str(db), "--scenario", "clean", "--runs", "1",
                    "--knob", "debuginfo=0")
    assert "failed" in res.stdout and "this crate needs debuginfo" in res.stdout


def test_tune_lists_its_knobs_and_refuses_bad_input_in_one_line(tmp_path: Path):
    res = buildprof("tune", "--list")
    assert res.returncode == 0
    for name in ("debuginfo=0", "linker=mold", "deps-opt-level=1", "-trimpath", "GOGC=off"):
        assert name in res.stdout
    db = tmp_path / "r.db"
    assert "unknown knob 'turbo'" in error_line(
        buildprof("tune", str(tmp_path), "--knob", "turbo", "--db", str(db)))
    assert "tune needs a project" in error_line(buildprof("tune", "--db", str(db)))
    assert not db.exists()


def test_history_keeps_the_knob_cells_apart(rust_tune):
    _, db, _, _ = rust_tune
    res = buildprof("history", "--db", str(db), "--format", "json", "--limit", "0")
    assert res.returncode == 0, res.stderr
    cells = json.loads(res.stdout)["cells"]
    variants = {c["variant"] for c in cells}
    assert {"baseline", "debuginfo=0", "incremental=off"} <= variants
    table = buildprof("history", "--db", str(db), "--format", "markdown").stdout
    assert "clean [debuginfo=0]" in table  # the knob is part of the cell's name


def test_the_ci_column_below_six_runs_gives_the_range_and_its_coverage():
    from profiler.analysis.tune import results
    from profiler.report.tune import _ci

    def run(variant: str, wall: float, i: int) -> dict:
        return {"project": "p", "lang": "rust", "toolchain": "rust@stable",
                "scenario": "clean", "profile": "debug", "jobs": None, "edit": None,
                "rev": None, "variant": variant, "wall_s": wall, "status": "ok", "warmup": 0,
                "id": i, "session_id": 1}

    rows = [run("baseline", 10.0 + i, i) for i in range(5)]
    rows += [run("debuginfo=0", w, 10 + i) for i, w in enumerate((1.0, 2.0, 3.0, 4.0, 5.0))]
    (knob,) = results(rows)
    # [min, max] of 5 runs holds the median with probability 1 - 2 * 0.5**5 = 93.75 %
    assert _ci(knob) == "1.00 s – 5.00 s (93.8%; 95% needs 6 runs)"
    assert knob.win and knob.change_pct == pytest.approx(100 * (3.0 / 12.0 - 1))


def test_the_jobs_knob_sets_the_cells_jobs_and_needs_two_cores(tmp_path: Path) -> None:
    """Knobs become cells without a build: `jobs=1` is a cell of -j1 (variant jobs=1),
    for Go and Rust alike, and is skipped, with its reason, on a one-core machine."""
    from profiler.scenarios.knobs import expand
    from profiler.scenarios.plan import CellPlan
    from profiler.sources.local import Project
    from profiler.toolchains.base import Toolchain

    for lang in ("go", "rust"):
        tc = Toolchain(lang, f"{lang}@1", "1.0", "", "/bin/true", "/")
        cell = CellPlan(Project("p", lang, tmp_path, "path"), tc, "clean", "debug")
        cells, skipped = expand(cell, ["jobs=1"], cores=2)
        assert [(c.variant_name, c.jobs) for c in cells] == [("baseline", None), ("jobs=1", 1)]
        assert skipped == []
        cells, skipped = expand(cell, ["jobs=1"], cores=1)
        assert len(cells) == 1 and "one core" in skipped[0].reason


def test_a_rustflags_knob_keeps_the_projects_flags_and_no_config_warms_a_clean_build(
        tmp_path: Path):
    """The project's .cargo/config.toml sets build.rustflags (the crate does not compile
    without them), a build-dir outside buildprof's state and an sccache-like
    rustc-wrapper. The knob's RUSTFLAGS are added to the project's flags, and neither
    the build-dir nor the wrapper is used by any run."""
    crate = copy_fixture("crate", tmp_path)
    elsewhere = tmp_path / "elsewhere"
    used = tmp_path / "wrapper-used"
    wrapper = tmp_path / "wrap.sh"
    wrapper.write_text(f'#!/bin/sh\ntouch "{used}"\nexec "$@"\n')
    wrapper.chmod(0o755)
    (crate / ".cargo").mkdir()
    (crate / ".cargo" / "config.toml").write_text(
        f'[build]\nrustflags = ["--cfg", "from_config", "--check-cfg", "cfg(from_config)"]\n'
        f'build-dir = "{elsewhere}"\nrustc-wrapper = "{wrapper}"\n')
    _refuse_to_compile_unless(crate, "not(from_config)", "the project's rustflags were dropped")
    row = _one_knob(crate, tmp_path / "results.db", "linker=cc-default")
    assert not row.get("error"), row
    assert not used.exists() and not elsewhere.exists()
