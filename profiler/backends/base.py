"""What a backend is: everything about a build that differs between toolchains.

The scenarios and the runner are written once, for both languages; each
backend (GoBackend, CargoBackend) owns what only its toolchain knows: the
command line, the environment, how to download dependencies, what "no build
state" means, how to find the artifacts, the units and the rebuilt packages,
and how to read a failed build's log. asv's environment classes have the same
shape: one class per tool, chosen by name.
"""

from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from profiler.errors import StepError, UsageError
from profiler.model.units import Unit
from profiler.scenarios.plan import CellPlan, Variant
from profiler.sources.local import count_code_lines
from profiler.toolchains.base import Release, Toolchain, version_key

STEP_TIMEOUT_S = 3600.0


class BuildDirs(Protocol):
    """What a backend sees of one cell's workspace (profiler.scenarios.workspace
    makes them): the cell, the project's copy, the build state, the output and logs."""

    cell: CellPlan
    src: Path  # the copy of the project
    build_dir: Path  # where the build runs: src, or a member's directory in it
    state: Path  # the build state: GOCACHE, target/ (the backend's state_name)
    out: Path  # binaries
    logs: Path  # stdout.log, stderr.log, the units' logs
    snapshot: Path | None  # the backend's seed of the state, set in setup()
    makes_binaries: bool  # False: a library, whose build writes no binary to out/


# A C or C++ compiler's file name, with a cross prefix (x86_64-linux-gnu-gcc) or a
# version suffix (gcc-13, clang-18).
_C_COMPILER = re.compile(r"(?:^|-)(?:cc|gcc|clang)(?:-\d+)?$")
_CXX_COMPILER = re.compile(r"(?:^|-)(?:c\+\+|g\+\+|clang\+\+)(?:-\d+)?$")


def missing_tool_hint(tool: str, linker: bool = False) -> str:
    """One line for a build that could not run `tool` (a C compiler, rustc's
    linker): what the build needs and how to get it. The compiler's own line
    ("error: linker `cc` not found", cargo's "failed to run custom build
    command") names neither."""
    where = "does not exist" if "/" in tool else "was not found on PATH"
    name = os.path.basename(tool)
    if linker:
        # rustc links through `cc` whatever CC says: the fix is a compiler on
        # PATH, or another linker in the project's cargo config.
        other = ("name an installed linker in the project's .cargo/config.toml "
                 "([target.<triple>] linker = ...)")
        if _C_COMPILER.search(name):
            return (f"the build needs a C compiler to link and `{tool}` {where}: install gcc "
                    f"(`apt install gcc`), or {other}")
        return f"the build links with `{tool}`, which {where}: install it, or {other}"
    if _C_COMPILER.search(name):
        return (f"the build needs a C compiler and `{tool}` {where}: install gcc "
                f"(`apt install gcc`) or set CC to an installed C compiler")
    if _CXX_COMPILER.search(name):
        return (f"the build needs a C++ compiler and `{tool}` {where}: install g++ "
                f"(`apt install g++`) or set CXX to an installed C++ compiler")
    return f"the build needs `{tool}`, which {where}: install it, or put it on PATH"


def dir_bytes(path: Path) -> int:
    """Bytes of every regular file below `path` (symlinks not followed)."""
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                continue
    return total


@dataclass(frozen=True)
class CompiledLines:
    """Code lines (counted as projects.count_code_lines counts them) that a build
    compiled: the project's own, and those plus every non-std dependency's."""

    # Go: the packages of the module built; Rust: the files in the workspace's
    # copy of the project (its path dependencies in that tree included).
    own: int
    total: int  # own + every non-std dependency the build compiled
    # Go: packages; Rust: dep-info files, one per crate compiled (a build script,
    # a library and its binary are one each). The project's own included.
    packages: int


def count_files(files: Iterable[Path]) -> int:
    """Code lines of `files`, each counted once (two packages may share a file)."""
    total = 0
    for path in {f.resolve() for f in files}:
        try:
            text = path.read_bytes().decode("utf-8", errors="replace")
        except OSError as exc:
            raise StepError(f"cannot read {path} to count its lines ({exc.strerror or exc})"
                            ) from None
        total += count_code_lines(text)
    return total


@dataclass(frozen=True)
class Pin:
    """A toolchain the project pins for itself, and the file that pins it."""

    spec: str  # rust@nightly, rust@1.80.0
    source: str  # rust-toolchain.toml: recorded as the run's toolchain_rule


@dataclass(frozen=True)
class Layout:
    """Where a project really lives: the smallest tree that holds it, its
    workspace and its local path dependencies (that tree is what gets copied),
    and where in it the build runs."""

    root: Path
    workdir: str = "."
    package: str | None = None  # build only this workspace member (cargo -p)
    note: str | None = None  # one line for the user when root is not the given directory


def enclosing(path: Path, others: list[Path]) -> Layout:
    """The layout whose root is the deepest directory holding `path` and `others`
    (its workspace root, local path dependencies...)."""
    away = {o for o in others if not o.is_relative_to(path)}
    # Name the outermost ones only: ../lib inside the workspace ../ is the workspace.
    outside = sorted(str(o) for o in away if not any(o != a and o.is_relative_to(a)
                                                     for a in away))
    if not outside:
        return Layout(path)
    root = Path(os.path.commonpath([path, *others]))
    workdir = str(path.relative_to(root))
    return Layout(root, workdir, None, f"{path} uses {', '.join(outside)} outside it: "
                                       f"buildprof copies {root} and builds in {workdir}")


# -- build knobs (`buildprof tune`) ----------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What decides whether a knob applies, and how it is set."""

    lang: str
    profile: str  # debug | release
    toolchain: Toolchain
    project: Path  # the project's tree (read only: to look for cgo, default.pgo)
    cores: int

    @property
    def cargo_profile(self) -> str:
        return "dev" if self.profile == "debug" else "release"

    @property
    def env_profile(self) -> str:
        return "DEV" if self.profile == "debug" else "RELEASE"


@dataclass(frozen=True)
class Setting:
    """A knob as it applies to one context: the variant to build, or why it is skipped."""

    variant: Variant | None
    jobs: int | None = None  # a jobs knob sets the cell's jobs
    skip: str | None = None


@dataclass(frozen=True)
class Knob:
    name: str
    lang: str
    what: str  # what it does
    caveat: str  # what you give up
    setting: Callable[[Context], Setting]


def jobs_one(ctx: Context) -> Setting:
    if ctx.cores < 2:
        return Setting(None, skip="this machine has one core: one job is already the default")
    return Setting(Variant("jobs=1"), jobs=1)


class Backend(ABC):
    """One toolchain's way of building a workspace's copy of a project."""

    lang: str
    state_name: str  # the build state's directory in a workspace: gocache/, target/
    # A log line that says the toolchain is too old; group 1 is the version needed.
    too_old: re.Pattern[str]

    # What `buildprof scenarios` says of this toolchain: per scenario, where its timed
    # build starts from (beyond what the scenario itself says) and the command timed;
    # per profile, what it builds.
    starts_from: dict[str, str] = {}
    timed: dict[str, str] = {}
    profiles: dict[str, str] = {}
    # `--edit FILE` on a project of the user's: what is appended to FILE (a harmless
    # function in the language, so that the build has something to compile).
    appended_edit: str = ""

    # The toolchain finder (profiler.toolchains.go, .cargo): a module with
    # `resolve(spec)` and `discover()`.
    finder: Any

    def resolve(self, spec: str | None) -> Toolchain:
        """The toolchain a spec names (None: the default one)."""
        return self.finder.resolve(spec)  # type: ignore[no-any-return]

    def discover(self) -> list[Toolchain]:
        """Every usable toolchain of this language (`buildprof toolchain list`)."""
        return self.finder.discover()  # type: ignore[no-any-return]

    # The installer (profiler.toolchains.go, .cargo_install): a module with
    # `install(version, say)` and `available()`.
    installer: Any = None

    def install(self, version: str, say: Callable[[str], None] = lambda s: None) -> Toolchain:
        """Install a release into buildprof's toolchain directory (`toolchain install`);
        `say` gets a line when it comes from another source than the usual one."""
        if self.installer is None:
            raise UsageError(f"buildprof installs no {self.lang} toolchains; install "
                             f"{self.lang}@{version} with the toolchain's own installer")
        return self.installer.install(version, say)  # type: ignore[no-any-return]

    def available(self) -> tuple[list[Release], list[str]]:
        """The releases that can be installed here, and a line per source that cannot
        be used (`toolchain list --available`, version ranges)."""
        if self.installer is None:
            return [], []
        return self.installer.available()  # type: ignore[no-any-return]

    def build_line(self, provenance: str | None) -> str:
        """Which compiler builds of one release measure the same compiler: toolchains
        whose `build_line` differ are drawn as separate lines of a timeline, and
        `compare` warns when its two sides differ. By default the provenance (an
        official build against Debian's); unknown for toolchains recorded before
        provenance was."""
        return provenance or "unknown"

    @abstractmethod
    def setup(self, ws: BuildDirs) -> None:
        """Untimed, once per cell: download dependencies, seed caches."""

    @abstractmethod
    def reset_state(self, ws: BuildDirs) -> None:
        """Make the build state what the cell's scenario starts from."""

    @abstractmethod
    def argv(self, ws: BuildDirs) -> list[str]:
        """The timed command."""

    @abstractmethod
    def env(self, ws: BuildDirs, offline: bool = True) -> dict[str, str]:
        """The timed command's environment: buildprof's caches, this toolchain only."""

    @abstractmethod
    def units(self, ws: BuildDirs, build_start: float) -> list[Unit]:
        """With --breakdown, the timed build's compiler and linker calls."""

    @abstractmethod
    def artifact_bytes(self, ws: BuildDirs) -> int | None:
        """Size of what the build produced (None where it produces nothing)."""

    def executables(self, ws: BuildDirs) -> list[Path]:
        """The program binaries the build just done made (not test binaries or build
        scripts), for `payoff` to run. Not abstract: a backend that cannot tell has none."""
        return []

    @abstractmethod
    def rebuilt_units(self, ws: BuildDirs) -> int | None:
        """How many packages/crates the timed build compiled (None: not known)."""

    @abstractmethod
    def first_error(self, text: str) -> str | None:
        """The compiler's first error line in a failed build's log."""

    @abstractmethod
    def install_hint(self, version: str) -> str:
        """The commands that get a toolchain of at least `version`."""

    # -- what `tune` measures ---------------------------------------------------------

    knobs: tuple[Knob, ...] = ()  # the toolchain's build knobs (Knob, above)

    def advice(self, variant: str, profile: str) -> str:
        """The lines a user adds to keep the knob `variant` for good."""
        return variant

    def tune_note(self, toolchain: str | None, version: str | None) -> str | None:
        """A line `tune` prints beside this toolchain's table (its defaults), if any."""
        return None

    def missing_tool(self, text: str) -> tuple[str, bool] | None:
        """When a failed build's log says that a tool the build runs is missing
        (a C compiler, the linker): that tool, and True if it is the linker."""
        return None

    # -- what `changes` and `bisect` name at a commit (profiler.backends.watch) ---------

    # The module that reads this toolchain's lock and build files from two commits:
    # `dependencies(read, here)` and `config_changes(before, after, touched, here)`.
    watch: Any = None

    def dependencies(self, read: Callable[[str], str | None], here: str) -> dict[str, str]:
        """The project's locked dependencies at one commit, name to version; `read`
        gives a file of that commit by its path in the repository, `here` is the
        project's directory there."""
        return self.watch.dependencies(read, here) if self.watch else {}

    def config_changes(self, before: Callable[[str], str | None],
                       after: Callable[[str], str | None], touched: list[str],
                       here: str) -> list[str]:
        """A line per change of the build configuration between two commits."""
        return self.watch.config_changes(before, after, touched, here) if self.watch else []

    def locate(self, path: Path, default: Toolchain) -> Layout:
        """The tree to copy for the project at `path` (see Layout)."""
        return Layout(path)

    def pinned(self, project: Path, default: Toolchain) -> Pin | None:
        """The toolchain the project pins for itself (rust-toolchain.toml), or
        None; refuses a pin the default cannot meet (go.mod's go/toolchain line)."""
        return None

    def compiled_lines(self, ws: BuildDirs) -> CompiledLines:
        """The code lines the build just done in `ws` compiled, the project's own
        and with its dependencies. Called right after a successful timed build,
        untimed, while its output is still in the workspace; it must leave the
        build state as it found it (the next run may start from it). A StepError
        when there is nothing to count. Not abstract, so a backend that cannot
        tell (a test's fake) need not say."""
        raise NotImplementedError(f"{self.lang} backend does not count compiled lines")

    # -- shared by every backend ------------------------------------------------

    def toolchain_hint(self, text: str) -> str | None:
        """When the log says the toolchain is too old: the version needed and
        the command that gets it, as one clause; otherwise None."""
        needed = self.too_old.findall(text)
        if not needed:
            return None
        version = max(needed, key=version_key)
        return self.install_hint(version)

    def explain(self, text: str) -> str:
        """One line for a failed build: its first error, plus the toolchain hint;
        or, when a tool it needs is missing, what to install."""
        missing = self.missing_tool(text)
        if missing:
            return missing_tool_hint(*missing)
        line = self.first_error(text) or next(
            (ln.strip() for ln in reversed(text.splitlines()) if ln.strip()), "no error output")
        hint = self.toolchain_hint(text)
        return f"{line} ({hint})" if hint else line

    def step(self, argv: list[str], ws: BuildDirs, what: str, env: dict[str, str]) -> str:
        """An untimed step in its own process group, killed whole on timeout,
        error or interrupt; failure is a StepError naming the step (and the
        command that fixes a too-old toolchain). Returns the step's stdout."""
        from profiler.measure.process import run_step  # psutil: not for `scenarios`

        res = run_step(argv, ws.build_dir, env, timeout=STEP_TIMEOUT_S)
        if res.timed_out:
            raise StepError(f"{what} timed out after {STEP_TIMEOUT_S:g} s")
        if res.returncode != 0:
            text = res.stderr or res.stdout
            lines = [ln for ln in text.strip().splitlines() if ln.strip()]
            hint = self.toolchain_hint(text)
            raise StepError(f"{what} failed ({' '.join(argv[1:3])}): "
                            f"{lines[-1] if lines else 'exit ' + str(res.returncode)}"
                            + (f"; {hint}" if hint else ""))
        return res.stdout
