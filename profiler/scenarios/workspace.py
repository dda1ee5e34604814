"""One cell's workspace: a private copy of the project and its build state.

A cell is (project, toolchain, scenario, profile, jobs). Its workspace holds
`src/` (a copy of the project: the user's tree is only ever read), the build
state (`gocache/` or `target/`), `out/` for Go binaries and `logs/`.
`prepare()` and `finish()` run outside the timed region; only `argv()` is timed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from profiler.breakdown import Unit, go_units, rust_units
from profiler.diagnose import toolchain_hint
from profiler.errors import StepError
from profiler.measure.launcher import unitwrap
from profiler.projects import Project, copy_tree
from profiler.scenarios import gostd
from profiler.scenarios.definitions import FROM_BUILT, GO_DEBUG_FLAGS
from profiler.scenarios.edits import Edit
from profiler.toolchains import cargo as cargo_tc
from profiler.toolchains import go as go_tc
from profiler.toolchains.base import Toolchain, clean_env

STEP_TIMEOUT_S = 3600


@dataclass(frozen=True)
class Cell:
    project: Project
    toolchain: Toolchain
    scenario: str
    profile: str
    jobs: int | None = None
    edit: Edit | None = None
    breakdown: bool = False  # record per-unit times and memory (a wrapper per compiler call)

    @property
    def lang(self) -> str:
        return self.project.lang

    @property
    def key(self) -> str:
        edit = f"-{self.edit.name}" if self.edit else ""
        jobs = f"-j{self.jobs}" if self.jobs else ""
        jobs += "-bd" if self.breakdown else ""
        name = self.project.name.replace(os.sep, "_")
        return (f"{self.lang}-{name}-{self.toolchain.version}-{self.scenario}"
                f"-{self.profile}{jobs}{edit}").replace(":", "_").replace("/", "_")

    @property
    def label(self) -> str:
        extra = f" {self.edit.name}" if self.edit else ""
        jobs = f" -j{self.jobs}" if self.jobs else ""
        return (f"{self.project.name} {self.lang} {self.toolchain.spec} {self.scenario}{extra} "
                f"{self.profile}{jobs}")


def _step(argv: list[str], cwd: Path, env: dict[str, str], what: str, lang: str) -> None:
    """An untimed preparation step; failure is a StepError naming the step (and,
    when the toolchain is too old for the project, the command that fixes it)."""
    try:
        res = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True,
                             timeout=STEP_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise StepError(f"{what} timed out after {STEP_TIMEOUT_S} s") from exc
    if res.returncode != 0:
        text = res.stderr or res.stdout
        lines = [ln for ln in text.strip().splitlines() if ln.strip()]
        hint = toolchain_hint(lang, text)
        raise StepError(f"{what} failed ({' '.join(argv[1:3])}): "
                        f"{lines[-1] if lines else 'exit ' + str(res.returncode)}"
                        + (f"; {hint}" if hint else ""))


def _dir_bytes(path: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(dirpath, name)).st_size
    return total


class Workspace:
    """Prepare, command and restore for one cell. Not thread-safe; one per cell."""

    def __init__(self, cell: Cell, root: Path) -> None:
        self.cell = cell
        self.root = root
        self.src = root / "src"
        self.state = root / ("gocache" if cell.lang == "go" else "target")
        self.out = root / "out"
        self.logs = root / "logs"
        self.snapshot: Path | None = None
        self._original: str | None = None
        self._built = False
        self._mtimes: dict[str, tuple[int, int]] = {}

    # -- set-up, once per cell ------------------------------------------------

    def setup(self) -> None:
        """Copy the project and download its dependencies (untimed)."""
        self.root.mkdir(parents=True, exist_ok=True)
        if not self.src.exists():
            copy_tree(self.cell.project.path, self.src)
        env = self.env(offline=False)
        if self.cell.lang == "go":
            _step([self.cell.toolchain.path, "mod", "download"], self.src, env,
                  "downloading Go modules", "go")
            if self.cell.scenario != "cold":
                pkgs = gostd.std_deps(self.cell.toolchain, self.src, env,
                                      with_tests=self.cell.scenario == "test")
                self.snapshot = gostd.snapshot(self.cell.toolchain, self.go_flags(), pkgs, env,
                                               vet=self.cell.scenario == "check")
        else:
            _step([self.cell.toolchain.path, "fetch"], self.src, env,
                  "downloading crates (cargo fetch)", "rust")

    # -- each run ---------------------------------------------------------------

    def needs_start_state(self) -> bool:
        """True when this scenario starts from a built state not built yet."""
        return self.cell.scenario in FROM_BUILT and not self._built

    def begin_start_state(self) -> None:
        """Clear the state before the (untimed) build of the starting state."""
        self._reset_state()

    def keep_start_state(self) -> None:
        """Save the starting state just built; every run restores it."""
        self._save_built()
        self._built = True

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
        self._forget_units()

    def finish(self) -> None:
        """Undo an edit, content and mtime, so the next run starts from the same
        state. Safe to call after any run, failed or interrupted ones included."""
        if self._original is not None and self.cell.edit is not None:
            self.cell.edit.revert(self.src, self._original)
            target = self.src / self.cell.edit.path
            os.utime(target, ns=self._mtimes[self.cell.edit.path])
            self._original = None

    def _save_built(self) -> None:
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

    def _restore_built(self) -> None:
        built = self.root / "built"
        for name, dest in (("state", self.state), ("out", self.out)):
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(built / name, dest, symlinks=True)  # copy2 keeps mtimes

    def _reset_state(self) -> None:
        shutil.rmtree(self.out, ignore_errors=True)
        self.out.mkdir(parents=True)
        if self.cell.lang == "go":
            gostd.restore(self.snapshot, self.state)
        else:
            shutil.rmtree(self.state, ignore_errors=True)
            self.state.mkdir(parents=True)

    # -- the timed command -------------------------------------------------------

    def go_flags(self) -> list[str]:
        """The flags that change what Go compiles (and so its cache keys); the std
        snapshot is seeded with exactly these. -p only schedules, so it is not here."""
        flags = []
        if self.cell.profile == "debug":
            flags += GO_DEBUG_FLAGS
        if self.cell.breakdown:
            # Part of the flags (not only the timed argv) because Go's cache keys
            # include -toolexec: the std snapshot must be seeded with it too.
            flags.append(f"-toolexec={unitwrap()}")
        return flags

    def argv(self) -> list[str]:
        tc, scenario = self.cell.toolchain, self.cell.scenario
        if self.cell.lang == "go":
            flags = self.go_flags()
            if self.cell.jobs:
                flags.insert(0, f"-p={self.cell.jobs}")
            if self.cell.breakdown:
                flags.append(f"-debug-actiongraph={self.logs / 'actiongraph.json'}")
            if scenario == "check":
                return [tc.path, "vet", *flags, "./..."]
            if scenario == "test":
                return [tc.path, "test", "-c", "-vet=off", *flags, "-o", f"{self.out}/", "./..."]
            # -v lists each package as it is compiled (cached ones are not listed),
            # which is how `rebuilt_units` sees whether the compiler ran.
            return [tc.path, "build", "-v", *flags, "-o", f"{self.out}/", "./..."]
        verb = {"check": ["check"], "test": ["test", "--no-run"]}.get(scenario, ["build"])
        argv = [tc.path, *verb, "--offline", "--message-format=json-render-diagnostics"]
        if self.cell.profile == "release":
            argv.append("--release")
        if self.cell.jobs:
            argv += ["-j", str(self.cell.jobs)]
        return argv

    def env(self, offline: bool = True) -> dict[str, str]:
        base = clean_env()
        if self.cell.lang == "go":
            env = go_tc.build_env(self.cell.toolchain, base, self.state, self.cell.jobs)
            if offline:
                env["GOPROXY"] = "off"  # the timed build must not download anything
        else:
            env = cargo_tc.build_env(self.cell.toolchain, base, self.state)
            if self.cell.breakdown:
                env["RUSTC_WRAPPER"] = str(unitwrap())
        if self.cell.breakdown:
            env["BUILDPROF_UNITS_LOG"] = str(self.logs / "units.log")
        return env

    def units(self, build_start: float) -> list[Unit]:
        """The timed build's units (empty without --breakdown)."""
        if not self.cell.breakdown:
            return []
        if self.cell.lang == "go":
            return go_units(self.logs / "actiongraph.json", self.logs / "units.log", build_start)
        return rust_units(self.logs / "units.log", build_start)

    def _forget_units(self) -> None:
        # Untimed builds (seeding, the starting state) log units too; keep only the timed one's.
        for name in ("units.log", "actiongraph.json"):
            (self.logs / name).unlink(missing_ok=True)

    def artifact_bytes(self) -> int | None:
        """Size of what the build produced: binaries (or test binaries); None for check."""
        if self.cell.scenario == "check":
            return None
        if self.cell.lang == "go":
            return _dir_bytes(self.out)
        total, seen = 0, set()
        for line in (self.logs / "stdout.log").read_text(errors="replace").splitlines():
            if not line.startswith("{"):
                continue
            try:
                msg = json.loads(line)
            except json.JSONDecodeError:
                continue
            if msg.get("reason") != "compiler-artifact":
                continue
            exe = msg.get("executable")
            kinds = msg.get("target", {}).get("kind", [])
            files = [exe] if exe else []
            if not exe and msg.get("package_id", "").startswith("path+file://") \
                    and "custom-build" not in kinds:
                # A library-only workspace: count its own libraries.
                files = [f for f in msg.get("filenames", []) if f.endswith((".rlib", ".so", ".a"))]
            for f in files:
                if f not in seen and os.path.exists(f):
                    seen.add(f)
                    total += os.path.getsize(f)
        return total

    def rebuilt_units(self) -> int | None:
        """How many packages/crates the timed build compiled (None: not known).

        Go: the package lines `go build -v` prints; Cargo: its `Compiling` and
        `Checking` status lines. A no-op build compiles none.
        """
        try:
            text = (self.logs / "stderr.log").read_text(errors="replace")
        except OSError:
            return None
        if self.cell.lang == "rust":
            return sum(1 for ln in text.splitlines()
                       if ln.lstrip().startswith(("Compiling ", "Checking ")))
        if self.cell.scenario in ("check", "test"):
            return None
        # Package paths alone on a line; errors and cgo notes contain spaces or ':'.
        return sum(1 for ln in text.splitlines()
                   if ln and not ln.startswith("#") and " " not in ln and ":" not in ln)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
