"""Per-unit breakdown on real builds: coverage, timing bounds, CPU, ranking, critical path."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from profiler.model.units import Unit, critical_path

from conftest import buildprof, copy_fixture, error_line


def _big_and_small(root: Path, lang: str) -> Path:
    """A project with a large unit `big` (hundreds of generic functions), a small
    unit `small`, and a main that uses both: `big` must rank first."""
    n = 400
    if lang == "rust":
        (root / "big/src").mkdir(parents=True)
        (root / "small/src").mkdir(parents=True)
        (root / "app/src").mkdir(parents=True)
        (root / "Cargo.toml").write_text('[workspace]\nmembers = ["big", "small", "app"]\n'
                                         'resolver = "2"\n')
        for name, deps in (("big", ""), ("small", ""),
                           ("app", 'big = { path = "../big" }\nsmall = { path = "../small" }\n')):
            (root / name / "Cargo.toml").write_text(
                f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n\n'
                f'[dependencies]\n{deps}')
        fns = "".join(
            f"pub fn f{i}<T: Clone + std::fmt::Debug>(x: T, k: u64) -> String {{\n"
            f"    let v: Vec<u64> = (0..k).map(|j| j * {i} + 1).filter(|j| j % 3 != 0).collect();\n"
            f"    format!(\"{{:?}}-{{}}\", x.clone(), v.iter().sum::<u64>())\n}}\n"
            for i in range(n))
        calls = "".join(f"    s += f{i}({i}u32, 3).len() + f{i}(\"a\", 2).len();\n"
                        for i in range(n))
        (root / "big/src/lib.rs").write_text(f"{fns}pub fn run() -> usize {{\n"
                                             f"    let mut s = 0;\n{calls}    s\n}}\n")
        (root / "small/src/lib.rs").write_text("pub fn one() -> usize { 1 }\n")
        (root / "app/src/main.rs").write_text(
            'fn main() { println!("{}", big::run() + small::one()); }\n')
    else:
        (root / "big").mkdir(parents=True)
        (root / "small").mkdir(parents=True)
        (root / "go.mod").write_text("module example.com/bs\n\ngo 1.21\n")
        fns = "".join(
            f"func F{i}[T any](x T, k uint64) string {{\n\tvar s uint64\n"
            f"\tfor j := uint64(0); j < k; j++ {{\n\t\tif j%3 != 0 {{\n\t\t\ts += j*{i} + 1\n"
            f"\t\t}}\n\t}}\n\treturn fmt.Sprintf(\"%v-%d\", x, s)\n}}\n"
            for i in range(n))
        calls = "".join(f"\ts += len(F{i}({i}, 3)) + len(F{i}(\"a\", 2))\n" for i in range(n))
        (root / "big/big.go").write_text(f'package big\n\nimport "fmt"\n\n{fns}'
                                         f"func Run() int {{\n\ts := 0\n{calls}\treturn s\n}}\n")
        (root / "small/small.go").write_text("package small\n\nfunc One() int { return 1 }\n")
        (root / "main.go").write_text(
            'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/bs/big"\n'
            '\t"example.com/bs/small"\n)\n\nfunc main() { fmt.Println(big.Run() + small.One()) }\n')
    return root


def _breakdown_run(project: Path, db: Path, *extra: str) -> tuple[dict, list[Unit], list[dict]]:
    res = buildprof("run", str(project), "--breakdown", "--runs", "1", "--warmup", "0",
                    "--db", str(db), "--format", "json", *extra)
    assert res.returncode == 0, res.stderr
    run = json.loads(res.stdout)["runs"][-1]
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    rows = [dict(r) for r in con.execute("SELECT * FROM units WHERE run_id = ?", [run["id"]])]
    units = [Unit(r["name"], r["kind"], r["start_s"], r["end_s"], r["cpu_s"], r["peak_rss_bytes"],
                  tuple(json.loads(r["deps"]))) for r in rows]
    return run, units, rows


@pytest.mark.parametrize("lang", ["go", "rust"])
def test_breakdown_of_a_project_with_a_known_largest_unit(lang: str, tmp_path: Path) -> None:
    project = _big_and_small(tmp_path / "proj", lang)
    run, units, rows = _breakdown_run(project, tmp_path / "r.db")
    names = {u.name for u in units}
    if lang == "rust":
        assert {"big", "small", "app (bin)"} <= names
    else:
        assert {"example.com/bs/big", "example.com/bs/small", "example.com/bs",
                "example.com/bs (link)"} <= names
    # The largest unit ranks first by CPU: several times any other unit's (the link
    # included), where wall times of units compiling side by side on a loaded machine
    # can stall. By wall it is still in the top two and far longer than `small`, which
    # puts it on the critical path below.
    top = max(units, key=lambda u: u.cpu_s)
    assert top.name in ("big", "example.com/bs/big"), sorted(units, key=lambda u: -u.cpu_s)
    by_wall = sorted(units, key=lambda u: -u.wall_s)
    assert top in by_wall[:2], by_wall
    small = next(u for u in units if u.name in ("small", "example.com/bs/small"))
    assert top.wall_s > small.wall_s, (top, small)
    # Every unit lies inside the build (50 ms of slack for clock reads).
    for u in units:
        assert -0.05 <= u.start_s <= u.end_s <= run["wall_s"] + 0.05, u
    # Unit CPU is part of the run's CPU. The rest is the build driver's own work
    # (cargo's resolution and fingerprints; the go command's hashing, cache checks
    # and planning), which no compiler call accounts for.
    unit_cpu = sum(u.cpu_s for u in units)
    run_cpu = run["user_s"] + run["sys_s"]
    assert unit_cpu <= run_cpu * 1.05
    assert unit_cpu >= run_cpu * 0.5
    # Peak memory per unit, from the wrapper: compilers use tens of MiB at least.
    assert all(u.peak_rss_bytes and u.peak_rss_bytes > 5 * 2**20 for u in units
               if u.kind != "link" or lang == "go")
    # The critical path is a chain in the dependency graph, ending at the last unit.
    cp = critical_path(units)
    by_name = {u.name: u for u in units}
    assert len(cp.chain) >= 2
    for a, b in zip(cp.chain, cp.chain[1:], strict=False):
        assert a in by_name[b].deps
    assert top.name in cp.chain
    assert {r["name"] for r in rows if r["critical"]} == set(cp.chain)
    assert cp.savings_s[top.name] > 0


@pytest.mark.parametrize("lang", ["go", "rust"])
def test_breakdown_covers_the_tiny_sample(lang: str, tmp_path: Path) -> None:
    res = buildprof("samples", "generate", "--size", "tiny", "--lang", lang, "--out",
                    str(tmp_path / "tiny"))
    assert res.returncode == 0, res.stderr
    root = next(p for p in (tmp_path / "tiny").rglob("go.mod" if lang == "go" else "Cargo.lock"))
    root = root.parent
    run, units, _rows = _breakdown_run(root, tmp_path / "r.db", "--lang", lang)
    if lang == "rust":
        members = {p.parent.name for p in root.glob("*/Cargo.toml")}
        crate_units = {u.name.split(" (")[0] for u in units}
        assert members <= crate_units | {m.replace("-", "_") for m in members}
    else:
        pkgs = {str(p.parent.relative_to(root)) for p in root.rglob("*.go")
                if not p.name.endswith("_test.go")}
        module = (root / "go.mod").read_text().split()[1]
        expected = {module if p == "." else f"{module}/{p}" for p in pkgs}
        assert expected <= {u.name for u in units if u.kind != "link"}


def test_breakdown_command_shows_a_recorded_run(tmp_path: Path) -> None:
    project = _big_and_small(tmp_path / "proj", "go")
    db = tmp_path / "r.db"
    run, _units, _rows = _breakdown_run(project, db)
    res = buildprof("breakdown", str(run["id"]), "--db", str(db), "--top", "3")
    assert res.returncode == 0, res.stderr
    assert f"run {run['id']}: proj (go" in res.stdout
    assert "Top 3 units by time" in res.stdout and "Critical path" in res.stdout
    assert "example.com/bs/big" in res.stdout
    res = buildprof("breakdown", "999", "--db", str(db))
    assert error_line(res) == f"Error: no run 999 in {db}; see `buildprof history --runs`"


def test_critical_path_on_a_known_graph() -> None:
    u = [Unit("a", "lib", 0, 2, 2, None), Unit("b", "lib", 0, 1, 1, None),
         Unit("c", "lib", 2, 5, 3, None, ("a", "b")), Unit("d", "bin", 5, 6, 1, None, ("c",)),
         Unit("e", "lib", 1, 3, 2, None, ("b",))]
    cp = critical_path(u)
    assert cp.chain == ("a", "c", "d")
    assert cp.length_s == 6
    # Without c the longest chain is a (2) + d (1) = 3... or b+e = 3: 3 shorter.
    assert cp.savings_s["c"] == 3
    assert cp.savings_s["a"] == 1  # then b (1) + c + d = 5


def _known_units() -> list[Unit]:
    return [Unit("a", "lib", 0, 2, 2, None), Unit("b", "lib", 0, 1, 1, None),
            Unit("c", "lib", 2, 5, 3, None, ("a", "b")), Unit("d", "bin", 5, 6, 1, None, ("c",)),
            Unit("e", "lib", 1, 3, 2, None, ("b",))]


def test_stored_path_is_the_path_computed_when_recorded() -> None:
    """What the units table stores (rank and savings, storage.units.unit_rows) reads back
    as the CriticalPath `run` computed, to the float; and units stored before schema 9
    (the `critical` mark alone) derive the same path: on graphs of every shape."""
    import random

    from profiler.storage.units import derived_path, stored, unit_rows

    rng = random.Random(7)
    for _ in range(200):
        units: list[Unit] = []
        for i in range(rng.randint(1, 12)):
            deps = tuple(u.name for u in units if rng.random() < 0.3)
            start = max((u.end_s for u in units if u.name in deps), default=0.0) + rng.random()
            units.append(Unit(f"u{i}", "lib", start, start + rng.random() * 3, 1.0, None, deps))
        cp = critical_path(units)
        rows = sorted(unit_rows(units, cp), key=lambda r: r["start_s"])
        assert stored(rows).path == cp
        assert list(stored(rows).path.savings_s) == list(cp.savings_s)  # in the same order
        assert derived_path(units, set(cp.chain)) == cp
        legacy = [{**r, "critical_rank": None, "saving_s": None} for r in rows]
        assert stored(legacy).path == cp
    nothing = unit_rows(_known_units(), None)
    assert stored(nothing).path is None and not any(r["critical"] for r in nothing)


def test_breakdown_command_shows_the_stored_critical_path(tmp_path: Path) -> None:
    """`buildprof breakdown` reads the path `run` stored (the units' `critical` column)
    instead of computing it again: of two chains of equal length, the stored one is
    shown, though a search now would pick the other."""
    from profiler.storage.db import ResultsDB

    db_path = tmp_path / "r.db"
    db = ResultsDB.open(db_path)
    db.ensure_machine({"id": "m1", "hostname": "h"})
    db.ensure_toolchain({"id": "tc", "lang": "go", "spec": "go@1.26.8", "version": "1.26.8"})
    pid = db.ensure_project("proj", "go", "path", "/p", "a" * 64, 10, 1)
    sid = db.start_session("m1", "buildprof run --breakdown", None)
    run_id = db.add_run({"session_id": sid, "project_id": pid, "toolchain_id": "tc",
                         "machine_id": "m1", "scenario": "clean", "profile": "debug",
                         "iteration": 1, "warmup": 0, "status": "ok", "wall_s": 6.5})
    units = [Unit("x", "lib", 0, 2, 2, None), Unit("y", "lib", 0, 2, 2, None),
             Unit("z", "bin", 2, 3.5, 1, None, ("x", "y"))]
    assert critical_path(units).chain == ("y", "z")
    with db.conn:  # units of an existing run, as a fixture (`run` uses add_run)
        db.db["units"].insert_all({"run_id": run_id, "name": u.name, "kind": u.kind,
                                   "start_s": u.start_s, "end_s": u.end_s, "wall_s": u.wall_s,
                                   "cpu_s": u.cpu_s, "peak_rss_bytes": None,
                                   "deps": json.dumps(list(u.deps)),
                                   "critical": int(u.name in ("x", "z"))} for u in units)
    db.close()
    res = buildprof("breakdown", str(run_id), "--db", str(db_path))
    assert res.returncode == 0, res.stderr
    assert "Critical path (2 units, 3.50 s of the 6.50 s wall): x → z" in res.stdout
    assert "if z took no time, the critical path would be 1.50 s shorter" in res.stdout
    assert "if x took no time, the critical path would be 0.00 s shorter" in res.stdout  # y


def test_run_breakdown_shows_the_units_the_session_recorded(tmp_path: Path) -> None:
    """The session's outcome carries each cell's last timed run's units and critical
    path, as recorded; `run --breakdown` shows them (here: the last of two runs)."""
    from profiler.scenarios.runner import Plan
    from profiler.session.resolve import RunRequest
    from profiler.session.run import execute
    from profiler.storage.db import ResultsDB

    project = copy_fixture("gomod", tmp_path)
    db_path = tmp_path / "r.db"
    outcome = execute(RunRequest(paths=[project], langs=[], sizes=[], samples=[],
                                 scenarios=["clean"], profiles=["debug"], toolchains=[],
                                 jobs=[], edits=[], breakdown=True, plan=Plan(runs=2, warmup=0),
                                 db_path=db_path))
    timed = [r["id"] for r in outcome.runs if not r["warmup"] and r["status"] == "ok"]
    (recorded,) = outcome.units
    assert recorded.run_id == max(timed) and recorded.path is not None
    with ResultsDB.open(db_path, readonly=True) as store:
        stored = store.run_units(recorded.run_id)
    assert {u.name for u in stored.units} == {u.name for u in recorded.units} != set()
    assert stored.path == recorded.path  # stored when recorded, read back as it was

    res = buildprof("run", str(project), "--breakdown", "--runs", "2", "--warmup", "0",
                    "--profile", "debug", "--db", str(db_path))
    assert res.returncode == 0, res.stderr
    con = sqlite3.connect(db_path)
    last, wall, spec = con.execute(
        "SELECT r.id, r.wall_s, t.spec FROM runs r JOIN toolchains t ON t.id = r.toolchain_id "
        "WHERE NOT r.warmup ORDER BY r.id DESC LIMIT 1").fetchone()
    chain = [n for (n,) in con.execute("SELECT name FROM units WHERE run_id = ? AND critical",
                                       [last])]
    assert f"run {last}: gomod (go, {spec}) clean debug: " in res.stdout
    assert f"Critical path ({len(chain)} units" in res.stdout
    assert res.stdout.count("Critical path") == 1
