"""One cell's workspace: a private copy of the project and its build state.

A workspace holds `src/` (a copy of the project: the user's tree is only ever
read), the build state (`gocache/` or `target/`, as the backend names it),
`out/` for binaries, `logs/` and, for scenarios that start from a built
state, `built/` (that state, restored before each run). `prepare()` and
`finish()` run outside the timed region. Everything that differs between
toolchains is the backend's; this module is the same for both.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from profiler.backends.base import Backend
from profiler.model.units import Unit
from profiler.scenarios.definitions import FROM_BUILT
from profiler.scenarios.plan import CellPlan
from profiler.sources.local import copy_tree


class Workspace:
    """Prepare, command and restore for one cell. Not thread-safe; one per cell."""

    def __init__(self, cell: CellPlan, root: Path, backend: Backend) -> None:
        self.cell = cell
        self.backend = backend
        self.root = root
        self.src = root / "src"
        self.build_dir = self.src / cell.project.workdir  # a member's directory, or src
        self.state = root / backend.state_name
        self.out = root / "out"
        self.logs = root / "logs"
        self.snapshot: Path | None = None  # the backend's seed of the state, if any
        self.makes_binaries = True  # False: a library, whose build writes no binary to out/
        self._original: str | None = None
        self._built = False
        self._mtimes: dict[str, tuple[int, int]] = {}

    # -- set-up, once per cell ------------------------------------------------

    def setup(self) -> None:
        """Copy the project and let the backend download dependencies (untimed)."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(exist_ok=True)
        if not self.src.exists():
            copy_tree(self.cell.project.path, self.src)
        self.backend.setup(self)

    # -- the starting state (incremental, noop) -----------------------------------

    def needs_start_state(self) -> bool:
        """True when this scenario starts from a built state not built yet."""
        return self.cell.scenario in FROM_BUILT and not self._built

    def begin_start_state(self) -> None:
        """Clear the state before the (untimed) build of the starting state."""
        self._reset_state()

    def keep_start_state(self) -> None:
        """Save the starting state just built; every run restores it."""
        built = self.root / "built"
        shutil.rmtree(built, ignore_errors=True)
        built.mkdir()
        shutil.copytree(self.state, built / "state", symlinks=True)
        shutil.copytree(self.out, built / "out", symlinks=True)
        # cargo decides what is stale by comparing mtimes: keep the sources' too.
        self._mtimes = {}
        if self.cell.edit is not None:
            st = (self.src / self.cell.edit.path).stat()
            self._mtimes[self.cell.edit.path] = (st.st_atime_ns, st.st_mtime_ns)
        self._built = True

    # -- each run ---------------------------------------------------------------

    def prepare(self) -> None:
        """Bring the state to where this scenario's timed build starts
        (after the starting state, if the scenario needs one, was built)."""
        scenario = self.cell.scenario
        if scenario not in FROM_BUILT:
            self._reset_state()
        elif scenario == "incremental" and self.cell.edit is not None:
            # Restore the built state itself, not only the source: Go's cache is
            # keyed by content, so after one edited build it would hold the edited
            # package, and a second run of the same edit would be a cache hit.
            self._restore_built()
            self._original = self.cell.edit.apply(self.src)
        # Untimed builds (seeding, the starting state) log units too; keep only the timed one's.
        for name in ("units.log", "actiongraph.json"):
            (self.logs / name).unlink(missing_ok=True)

    def finish(self) -> None:
        """Undo an edit, content and mtime, so the next run starts from the same
        state. Safe to call after any run, failed or interrupted ones included."""
        if self._original is not None and self.cell.edit is not None:
            self.cell.edit.revert(self.src, self._original)
            target = self.src / self.cell.edit.path
            os.utime(target, ns=self._mtimes[self.cell.edit.path])
            self._original = None

    def _restore_built(self) -> None:
        built = self.root / "built"
        for name, dest in (("state", self.state), ("out", self.out)):
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(built / name, dest, symlinks=True)  # copy2 keeps mtimes

    def _reset_state(self) -> None:
        shutil.rmtree(self.out, ignore_errors=True)
        self.out.mkdir(parents=True)
        self.backend.reset_state(self)

    # -- the timed command and what it left ---------------------------------------

    def argv(self) -> list[str]:
        return self.backend.argv(self)

    def env(self) -> dict[str, str]:
        return self.backend.env(self)

    def units(self, build_start: float) -> list[Unit]:
        return self.backend.units(self, build_start)

    def artifact_bytes(self) -> int | None:
        return self.backend.artifact_bytes(self)

    def rebuilt_units(self) -> int | None:
        return self.backend.rebuilt_units(self)

    def explain_failure(self, fallback: str) -> str:
        """One line for a failed build, from its whole stderr log."""
        try:
            text = (self.logs / "stderr.log").read_text(errors="replace")
        except OSError:
            text = fallback
        return self.backend.explain(text)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
