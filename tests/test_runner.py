"""The runner's logic on a fake executor: no build runs, each test takes milliseconds.

What only a real build can show (argv that go/cargo accept, restored states,
rebuilt units) is tested in test_scenarios.py and test_reliability_builds.py;
here: interleaving, warm-ups, auto runs, failure handling, edits and progress.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from profiler.backends import backend_for
from profiler.backends.base import Backend
from profiler.measure.process import Measurement
from profiler.model.units import Unit
from profiler.scenarios.edits import Edit
from profiler.scenarios.plan import CellPlan
from profiler.scenarios.runner import Executor, Plan, Progress, RunResult, blocks, run_cells
from profiler.scenarios.workspace import Workspace
from profiler.sources.local import Project
from profiler.toolchains.base import Toolchain

from conftest import FIXTURES


class FakeBackend(Backend):
    """A backend whose command is `fake CELL`; nothing is downloaded or built."""

    lang = "go"
    state_name = "state"
    too_old = re.compile(r"needs fake (\d+\.\d+)")

    def resolve(self, spec: str | None) -> Toolchain:
        return TC

    def setup(self, ws: Workspace) -> None:
        pass

    def reset_state(self, ws: Workspace) -> None:
        ws.state.mkdir(parents=True, exist_ok=True)

    def argv(self, ws: Workspace) -> list[str]:
        return ["fake", ws.cell.label]

    def env(self, ws: Workspace, offline: bool = True) -> dict[str, str]:
        return {}

    def units(self, ws: Workspace, build_start: float) -> list[Unit]:
        return []

    def artifact_bytes(self, ws: Workspace) -> int | None:
        return 42

    def rebuilt_units(self, ws: Workspace) -> int | None:
        return 1

    def first_error(self, text: str) -> str | None:
        return next((ln for ln in text.splitlines() if ln.startswith("error")), None)

    def install_hint(self, version: str) -> str:
        return f"install fake {version}"


TC = Toolchain("go", "go@fake", "0.0", "fake 0.0", "/bin/false", "/")


@dataclass
class FakeMeasure:
    """Scripted builds: per cell label, the walls to return in turn; a wall
    of None is a failed build. Records every command and what the edited
    file held while it "ran"."""

    walls: dict[str, Iterator[float | None]]
    calls: list[str] = field(default_factory=list)
    seen_text: list[str] = field(default_factory=list)

    def __call__(self, argv: list[str], cwd: Path, env: dict[str, str], log_dir: Path,
                 sample_ms: float = 20.0, timeout: float | None = None) -> Measurement:
        label = argv[1]
        self.calls.append(label)
        edited = cwd / "main.go"
        if edited.exists():
            self.seen_text.append(edited.read_text())
        wall = next(self.walls[label])
        log_dir.mkdir(parents=True, exist_ok=True)
        (log_dir / "stderr.log").write_text(
            "" if wall is not None else "warning: x\nerror: it broke (needs fake 9.9)\n")
        code = 0 if wall is not None else 1
        return Measurement(wall or 0.5, 0.1, 0.1, 0.4, 1 << 20, 1 << 20, 1, code, False, "",
                           1, "c", wall or 0.5, 0.0, 0.0)


def _project(tmp: Path, name: str) -> Project:
    path = tmp / name
    if not path.exists():
        path.mkdir()
        (path / "main.go").write_text("package main\n")
    return Project(name, "go", path, "path")


def _cells(tmp: Path, *names: str, scenario: str = "clean",
           edit: Edit | None = None) -> list[CellPlan]:
    return [CellPlan(_project(tmp, n), TC, scenario, "debug", edit=edit) for n in names]


def _run(cells: list[CellPlan], fake: FakeMeasure, plan: Plan, tmp: Path,
         progress: list[Progress] | None = None) -> tuple[list[RunResult], dict]:
    results: list[RunResult] = []
    ex = Executor(measure=fake, disturbance=lambda: None, backend_for=lambda _l: FakeBackend())
    precision = run_cells(cells, tmp / "work", plan, on_result=results.append,
                          on_progress=progress.append if progress is not None else None,
                          executor=ex)
    return results, precision


def _walls(*values: float | None) -> Iterator[float | None]:
    return iter(values)


def test_runs_are_interleaved_after_the_warmups(tmp_path: Path) -> None:
    a, b = _cells(tmp_path, "a", "b")
    fake = FakeMeasure({a.label: _walls(1, 1, 1), b.label: _walls(2, 2, 2)})
    results, _ = _run([a, b], fake, Plan(runs=2, warmup=1), tmp_path)
    assert fake.calls == [a.label, b.label] * 3
    assert [(r.cell.project.name, r.warmup, r.iteration) for r in results] == [
        ("a", True, 1), ("b", True, 1), ("a", False, 1), ("b", False, 1),
        ("a", False, 2), ("b", False, 2)]
    assert all(r.status == "ok" and r.artifact_bytes == 42 for r in results)


def test_a_failed_warmup_stops_its_cell_and_not_the_others(tmp_path: Path) -> None:
    a, b = _cells(tmp_path, "a", "b")
    fake = FakeMeasure({a.label: _walls(None), b.label: _walls(1, 1, 1, 1)})
    results, _ = _run([a, b], fake, Plan(runs=3, warmup=1), tmp_path)
    assert fake.calls == [a.label] + [b.label] * 4
    failed = [r for r in results if r.status != "ok"]
    assert [(r.cell.project.name, r.phase) for r in failed] == [("a", "the warm-up")]
    # The first error line, with the backend's hint for a too-old toolchain.
    assert failed[0].error == "error: it broke (needs fake 9.9) (install fake 9.9)"


def test_a_failed_timed_run_stops_its_cell(tmp_path: Path) -> None:
    (a,) = _cells(tmp_path, "a")
    fake = FakeMeasure({a.label: _walls(1, None, 1, 1)})
    results, _ = _run([a], fake, Plan(runs=4, warmup=0), tmp_path)
    assert [(r.iteration, r.status) for r in results] == [(1, "ok"), (2, "failed")]


def test_a_failed_starting_state_is_a_failed_warmup_with_iteration_0(tmp_path: Path) -> None:
    (a,) = _cells(tmp_path, "a", scenario="noop")
    fake = FakeMeasure({a.label: _walls(None)})
    results, _ = _run([a], fake, Plan(runs=2, warmup=1), tmp_path)
    assert [(r.warmup, r.iteration, r.phase) for r in results] == [
        (True, 0, "the starting-state build")]


def test_the_starting_state_is_built_once(tmp_path: Path) -> None:
    (a,) = _cells(tmp_path, "a", scenario="noop")
    fake = FakeMeasure({a.label: _walls(5, 1, 1, 1)})
    results, _ = _run([a], fake, Plan(runs=2, warmup=1), tmp_path)
    assert len(fake.calls) == 4  # the starting state, a warm-up, two runs
    assert [r.measurement.wall_s for r in results] == [1, 1, 1]


def test_an_edit_is_applied_for_the_build_and_reverted_after_failures(tmp_path: Path) -> None:
    edit = Edit("append:main.go", "main.go", "package main\n", "package main\n// edited\n")
    (a,) = _cells(tmp_path, "a", scenario="incremental", edit=edit)
    fake = FakeMeasure({a.label: _walls(5, 1, None)})
    copies: list[str] = []

    def on_result(res: RunResult) -> None:
        copies.append(next((tmp_path / "work").glob("*/src/main.go")).read_text())

    ex = Executor(measure=fake, disturbance=lambda: None, backend_for=lambda _l: FakeBackend())
    run_cells([a], tmp_path / "work", Plan(runs=3, warmup=0), on_result=on_result, executor=ex)
    # The starting state is unedited; each timed build sees the edit ...
    assert fake.seen_text == ["package main\n", "package main\n// edited\n",
                              "package main\n// edited\n"]
    # ... and after each run, the failed one too, the copy is back to the original.
    assert copies == ["package main\n", "package main\n"]
    assert (tmp_path / "a" / "main.go").read_text() == "package main\n"


def test_auto_runs_stop_once_precise_enough(tmp_path: Path) -> None:
    steady, noisy = _cells(tmp_path, "steady", "noisy")
    fake = FakeMeasure({steady.label: iter([1.0] * 30),
                        noisy.label: iter([1.0, 2.0, 0.5, 3.0, 1.5, 0.7] * 5)})
    results, precision = _run([steady, noisy], fake,
                              Plan(runs=None, warmup=0, precision_pct=3.0, max_runs=12),
                              tmp_path)
    counts = {c: sum(1 for r in results if r.cell == c) for c in (steady, noisy)}
    # Identical walls: the CI of the median is exact as soon as it exists (6 runs).
    assert counts[steady] == 6 and precision[steady] == 0.0
    assert counts[noisy] == 12 and precision[noisy] > 3.0


def test_progress_counts_every_run_and_estimates_the_rest(tmp_path: Path) -> None:
    a, b = _cells(tmp_path, "a", "b")
    fake = FakeMeasure({a.label: _walls(1, 1, 1), b.label: _walls(1, 1, 1)})
    progress: list[Progress] = []
    _run([a, b], fake, Plan(runs=2, warmup=1), tmp_path, progress)
    assert [p.done for p in progress] == [0, 1, 2, 3, 4, 5]
    assert {p.total for p in progress} == {6}
    assert progress[0].eta_s is None
    assert all(p.eta_s is not None and p.eta_s >= 0 for p in progress[1:])
    assert [p.warmup for p in progress] == [True, True, False, False, False, False]


def test_the_work_directory_is_removed_even_on_interrupt(tmp_path: Path) -> None:
    (a,) = _cells(tmp_path, "a")

    def interrupted(*_args: object, **_kw: object) -> Measurement:
        raise KeyboardInterrupt

    ex = Executor(measure=interrupted, disturbance=lambda: None,
                  backend_for=lambda _l: FakeBackend())
    with pytest.raises(KeyboardInterrupt):
        run_cells([a], tmp_path / "work", Plan(runs=1, warmup=0), on_result=lambda r: None,
                  executor=ex)
    assert list((tmp_path / "work").iterdir()) == []


@pytest.mark.parametrize("fixture", ["gomod", "crate"])
def test_profiles_and_jobs_reach_the_command_line(fixture: str, tmp_path: Path) -> None:
    """The backends' argv, without running it (test_scenarios runs real builds)."""
    lang = "go" if fixture == "gomod" else "rust"
    project = Project(fixture, lang, FIXTURES / fixture, "path")
    backend = backend_for(lang)
    for profile in ("debug", "release"):
        for jobs in (1, 2):
            cell = CellPlan(project, TC, "clean", profile, jobs)
            cmd = " ".join(backend.argv(Workspace(cell, tmp_path / "ws", backend)))
            if lang == "go":
                assert ("-gcflags=all=-N -l" in cmd) == (profile == "debug")
                assert f"-p={jobs}" in cmd
            else:
                assert ("--release" in cmd) == (profile == "release")
                assert f"-j {jobs}" in cmd


# -- blocks, results as they come, and the ETA ------------------------------------------


def _sample(tmp: Path, size: str, lang: str) -> Project:
    path = tmp / f"{size}-{lang}"
    if not path.exists():
        path.mkdir()
        (path / "main.go").write_text("package main\n")
    return Project(size, lang, path, f"sample:{size}")


# A default-like matrix: (scenario, profile) -> seconds per build, per size and language;
# a starting state costs the clean debug build.
COSTS = {
    ("small", "go"): {"clean debug": 1.0, "clean release": 1.2, "incremental debug": 0.4,
                      "noop debug": 0.1},
    ("small", "rust"): {"clean debug": 8.0, "clean release": 15.0, "incremental debug": 3.0,
                        "noop debug": 0.2},
    ("medium", "go"): {"clean debug": 5.0, "clean release": 6.0, "incremental debug": 1.5,
                       "noop debug": 0.3},
    ("medium", "rust"): {"clean debug": 30.0, "clean release": 72.0,
                         "incremental debug": 12.0, "noop debug": 0.4},
}


def _matrix(tmp: Path) -> list[CellPlan]:
    cells = []
    for size in ("small", "medium"):
        for lang in ("go", "rust"):
            project = _sample(tmp, size, lang)
            for what in COSTS[(size, lang)]:
                scenario, profile = what.split()
                cells.append(CellPlan(project, TC, scenario, profile))
    return cells


@dataclass
class ClockedMeasure:
    """Scripted builds on a fake clock: each build advances it by its cost (±3 %,
    in a fixed pattern), the first build of a from-built cell by its clean cost."""

    now: float = 0.0
    built: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)
    n: int = 0

    def clock(self) -> float:
        return self.now

    def __call__(self, argv: list[str], cwd: Path, env: dict[str, str], log_dir: Path,
                 sample_ms: float = 20.0, timeout: float | None = None) -> Measurement:
        label = argv[1]
        self.calls.append(label)
        size, lang, _tc, scenario, profile = label.split()
        costs = COSTS[(size, lang)]
        if scenario in ("incremental", "noop") and label not in self.built:
            self.built.add(label)
            wall = costs["clean debug"]
        else:
            wall = costs[f"{scenario} {profile}"]
        self.n += 1
        wall *= 1 + 0.03 * ((self.n % 3) - 1)
        self.now += wall
        return Measurement(wall, 0.1, 0.1, 0.4, 1 << 20, 1 << 20, 1, 0, False, "", 1, "c",
                           wall, 0.0, 0.0)


def _clocked_run(tmp: Path, plan: Plan) -> tuple[ClockedMeasure, list[CellPlan], list,
                                                  list[Progress]]:
    cells = _matrix(tmp)
    fake = ClockedMeasure()
    events: list = []
    progress: list[Progress] = []
    ex = Executor(measure=fake, disturbance=lambda: None, backend_for=lambda _l: FakeBackend(),
                  clock=fake.clock)
    run_cells(cells, tmp / "work", plan, on_result=lambda r: events.append(("run", r)),
              on_progress=progress.append, on_cell_done=lambda c: events.append(("done", c)),
              executor=ex)
    return fake, cells, events, progress


def test_blocks_run_clean_first_smallest_first_each_interleaved(tmp_path: Path) -> None:
    fake, cells, _events, _p = _clocked_run(tmp_path, Plan(runs=2, warmup=0))
    order = list(dict.fromkeys((c.split()[3], c.split()[0]) for c in fake.calls))
    assert order == [("clean", "small"), ("clean", "medium"), ("incremental", "small"),
                     ("incremental", "medium"), ("noop", "small"), ("noop", "medium")]
    # Within a block the runs alternate: Go and Rust, debug and release.
    clean_small = [c for c in fake.calls if c.startswith("small") and " clean " in c]
    assert clean_small[:4] == clean_small[4:]
    assert len(set(clean_small[:4])) == 4


def test_each_cell_is_done_as_soon_as_its_last_run_is_recorded(tmp_path: Path) -> None:
    _fake, cells, events, _p = _clocked_run(tmp_path, Plan(runs=2, warmup=None))
    done = [c for kind, c in events if kind == "done"]
    assert sorted(c.label for c in done) == sorted(c.label for c in cells)
    block = {c: i for i, indices in enumerate(blocks(cells)) for c in [cells[j] for j in indices]}
    for cell in cells:
        at = events.index(("done", cell))
        before = [r.cell for kind, r in events[:at] if kind == "run"]
        # Every run of the cell is recorded before it is done ...
        assert before.count(cell) == sum(1 for kind, r in events if kind == "run" and
                                         r.cell == cell)
        # ... and it is done before any run of a later block.
        assert max(block[c] for c in before) == block[cell]


def test_the_eta_is_within_20_percent_after_the_first_fifth(tmp_path: Path) -> None:
    """Cells that cost from 0.1 s to 72 s: each is estimated on its own, so the ETA
    holds even when the cells still to come are unlike the ones done, and before
    the costliest cell (medium Rust release) has run once."""
    fake, _cells_, _events, progress = _clocked_run(tmp_path, Plan(runs=3, warmup=None))
    end = fake.now
    before_costliest = next(p for p in progress if p.cell.project.name == "medium"
                            and p.cell.lang == "rust" and p.cell.profile == "release")
    assert end / 5 < before_costliest.elapsed_s < end / 4  # the estimate below is tested
    checked = 0
    for p in progress:
        if p.elapsed_s < end / 5:
            continue
        actual = end - p.elapsed_s
        assert p.eta_s is not None
        assert abs(p.eta_s - actual) <= 0.2 * actual, (p.cell.label, p.eta_s, actual)
        checked += 1
    assert checked > 10
    assert progress[-1].cells_done == len(_cells_) - 1 and progress[-1].cells == len(_cells_)
