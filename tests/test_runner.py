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
from profiler.breakdown import Unit
from profiler.cells import CellPlan
from profiler.measure.process import Measurement
from profiler.projects import Project
from profiler.scenarios.edits import Edit
from profiler.scenarios.runner import Executor, Plan, Progress, RunResult, run_cells
from profiler.scenarios.workspace import Workspace
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
