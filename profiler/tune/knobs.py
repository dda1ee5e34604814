"""The knobs `buildprof tune` measures: well-known build settings, each set through
environment variables and build-command flags only, so the project's files are
never edited.

A knob knows what it does, what it costs the user (its caveat), whether it applies
to a cell (a reason when not: mold not installed, -Zthreads on stable, cgo used),
the Variant that sets it, and the lines a user adds to get it for good.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from profiler.backends.base import version_key
from profiler.scenarios.plan import CellPlan, Variant
from profiler.toolchains.base import Toolchain

LLD_DEFAULT_SINCE = (1, 90)  # rustc links with rust-lld on x86_64-unknown-linux-gnu since 1.90


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


def _host(tc: Toolchain) -> str:
    match = re.search(r"^host: (\S+)", tc.version_full, re.M)
    return match.group(1) if match else "x86_64-unknown-linux-gnu"


def _nightly(tc: Toolchain) -> bool:
    return "nightly" in tc.version_full or tc.spec.endswith("@nightly")


def default_linker(tc: Toolchain) -> str:
    """The linker rustc uses when nothing is configured, in words."""
    return default_linker_of(tc.version, _host(tc))


def default_linker_of(version: str, host: str) -> str:
    if host == "x86_64-unknown-linux-gnu" and version_key(version)[:2] >= LLD_DEFAULT_SINCE:
        return "rust-lld (rustc's own LLD, the default on x86_64-unknown-linux-gnu since 1.90)"
    return "the system linker through cc (GNU ld unless the system says otherwise)"


def _lld_default(tc: Toolchain) -> bool:
    return default_linker(tc).startswith("rust-lld")


def _rustflags(flags: str, name: str) -> Setting:
    return Setting(Variant(name, (("RUSTFLAGS", flags),)))


def _debuginfo(level: str) -> Callable[[Context], Setting]:
    def setting(ctx: Context) -> Setting:
        if ctx.profile == "release":
            return Setting(None, skip="release builds have no debuginfo by default")
        return Setting(Variant(f"debuginfo={level}",
                               ((f"CARGO_PROFILE_{ctx.env_profile}_DEBUG", level),)))
    return setting


def _mold(ctx: Context) -> Setting:
    if shutil.which("mold") is None:
        return Setting(None, skip="mold is not installed (Debian: apt install mold)")
    return _rustflags("-C link-arg=-fuse-ld=mold", "linker=mold")


def _gnu_ld(ctx: Context) -> Setting:
    if not _lld_default(ctx.toolchain):
        return Setting(None, skip=f"the default linker is already {default_linker(ctx.toolchain)}")
    return _rustflags("-C linker-features=-lld", "linker=cc-default")


def _codegen_units(n: int) -> Callable[[Context], Setting]:
    def setting(ctx: Context) -> Setting:
        default = 256 if ctx.profile == "debug" else 16
        if n == default:
            return Setting(None, skip=f"{n} is already the {ctx.cargo_profile} profile's default")
        return Setting(Variant(f"codegen-units={n}",
                               ((f"CARGO_PROFILE_{ctx.env_profile}_CODEGEN_UNITS", str(n)),)))
    return setting


def _incremental(ctx: Context) -> Setting:
    on = ctx.profile == "release"  # the knob flips the profile's default
    name = f"incremental={'on' if on else 'off'}"
    return Setting(Variant(name, (("CARGO_INCREMENTAL", "1" if on else "0"),)))


def _deps_opt(ctx: Context) -> Setting:
    if ctx.profile == "release":
        return Setting(None, skip="release already optimises dependencies")
    return Setting(Variant("deps-opt-level=1",
                           args=("--config", 'profile.dev.package."*".opt-level=1')))


def _threads(ctx: Context) -> Setting:
    if not _nightly(ctx.toolchain):
        return Setting(None, skip=f"-Zthreads needs a nightly toolchain ({ctx.toolchain.spec} is "
                                  f"not; --toolchain rust@nightly)")
    n = max(2, ctx.cores)
    return _rustflags(f"-Z threads={n}", f"threads={n}")


def _jobs_one(ctx: Context) -> Setting:
    if ctx.cores < 2:
        return Setting(None, skip="this machine has one core: one job is already the default")
    return Setting(Variant("jobs=1"), jobs=1)


def _go_flag(flag: str) -> Callable[[Context], Setting]:
    def setting(ctx: Context) -> Setting:
        return Setting(Variant(flag, args=(flag,)))
    return setting


def _uses_cgo(project: Path) -> str | None:
    """The first Go file of the project that imports "C", relative to it."""
    for dirpath, dirs, files in os.walk(project):
        dirs[:] = [d for d in dirs if d not in ("vendor", "testdata") and not d.startswith(".")]
        for name in files:
            if name.endswith(".go") and not name.endswith("_test.go"):
                path = Path(dirpath) / name
                try:
                    text = path.read_text(errors="replace")
                except OSError:
                    continue
                if re.search(r'^import\s+"C"|^\s+"C"$', text, re.M):
                    return str(path.relative_to(project))
    return None


def _cgo_off(ctx: Context) -> Setting:
    used = _uses_cgo(ctx.project)
    if used:
        return Setting(None, skip=f"the project uses cgo ({used} imports \"C\")")
    return Setting(Variant("CGO_ENABLED=0", (("CGO_ENABLED", "0"),)))


def _gogc(value: str) -> Callable[[Context], Setting]:
    def setting(ctx: Context) -> Setting:
        return Setting(Variant(f"GOGC={value}", (("GOGC", value),)))
    return setting


def _pgo_off(ctx: Context) -> Setting:
    found = next((p for p in ctx.project.rglob("default.pgo") if "vendor" not in p.parts), None)
    if found is None:
        return Setting(None, skip="no default.pgo in the project: PGO is already off")
    return Setting(Variant("-pgo=off", args=("-pgo=off",)))


KNOBS: tuple[Knob, ...] = (
    Knob("debuginfo=line-tables-only", "rust", "keep only line tables in debuginfo",
         "debuggers lose variables and types; backtraces keep file:line",
         _debuginfo("line-tables-only")),
    Knob("debuginfo=0", "rust", "no debuginfo at all",
         "no debugger information and no line numbers in backtraces", _debuginfo("0")),
    Knob("linker=mold", "rust", "link with mold (-C link-arg=-fuse-ld=mold)",
         "every machine that builds needs mold installed", _mold),
    Knob("linker=cc-default", "rust", "link with the system linker through cc, not rust-lld "
         "(-C linker-features=-lld)", "slower links, the pre-1.90 behaviour", _gnu_ld),
    Knob("codegen-units=1", "rust", "one codegen unit per crate",
         "less parallel code generation: usually a slower build for a faster binary",
         _codegen_units(1)),
    Knob("codegen-units=256", "rust", "256 codegen units per crate (release: 16 by default)",
         "more parallel code generation, a slower binary", _codegen_units(256)),
    Knob("incremental", "rust", "flip incremental compilation (debug: off; release: on)",
         "off: each edit recompiles whole crates; on: a larger target/, release output may "
         "differ", _incremental),
    Knob("deps-opt-level=1", "rust", "optimise dependencies (opt-level 1) in debug builds",
         "clean builds compile dependencies with optimisation; debugging into them is harder",
         _deps_opt),
    Knob("threads", "rust", "rustc's parallel front end (-Z threads=N, nightly)",
         "nightly only; more memory per rustc", _threads),
    Knob("jobs=1", "rust", "one job at a time (cargo -j1)", "no parallelism between crates",
         _jobs_one),
    Knob("jobs=1", "go", "one package at a time (go build -p=1)",
         "no parallelism between packages", _jobs_one),
    Knob("-trimpath", "go", "strip file-system paths from the binary",
         "stack traces show module paths, not your checkout's", _go_flag("-trimpath")),
    Knob("-ldflags=-s -w", "go", "no symbol table and no DWARF in the binary",
         "no debugger; panics still print stack traces",
         _go_flag("-ldflags=-s -w")),
    Knob("CGO_ENABLED=0", "go", "build without cgo (pure-Go net and os/user)",
         "no C libraries: the pure-Go DNS resolver and user lookup", _cgo_off),
    Knob("GOGC=200", "go", "the compiler's garbage collector at GOGC=200",
         "the compiler uses more memory (see peak memory)", _gogc("200")),
    Knob("GOGC=400", "go", "the compiler's garbage collector at GOGC=400",
         "the compiler uses more memory (see peak memory)", _gogc("400")),
    Knob("GOGC=off", "go", "no garbage collection in the compiler",
         "the compiler keeps every allocation: several times the memory", _gogc("off")),
    Knob("-pgo=off", "go", "ignore default.pgo", "the binary loses its profile-guided "
         "optimisations", _pgo_off),
)


def knobs_for(lang: str, names: list[str] | None = None) -> list[Knob]:
    """The knobs of a language, all or those named (a UsageError names the others)."""
    from profiler.errors import UsageError

    mine = [k for k in KNOBS if k.lang == lang]
    if not names:
        return mine
    known = {k.name for k in mine}
    for name in names:
        if name not in known and not any(k.name == name for k in KNOBS):
            raise UsageError(f"unknown knob '{name}'; `buildprof tune --list` lists them")
    return [k for k in mine if k.name in names]


@dataclass(frozen=True)
class Skipped:
    knob: str
    lang: str
    profile: str
    reason: str


def expand(cell: CellPlan, names: list[str], cores: int) -> tuple[list[CellPlan], list[Skipped]]:
    """The baseline cell and one cell per knob that applies to it; the others with
    their reasons. A jobs knob leaves a cell that already sets --jobs alone."""
    from dataclasses import replace

    ctx = Context(cell.lang, cell.profile, cell.toolchain, cell.project.path, cores)
    cells, skipped = [cell], []
    for knob in knobs_for(cell.lang, names):
        s = knob.setting(ctx)
        if s.variant is None:
            skipped.append(Skipped(knob.name, cell.lang, cell.profile, s.skip or "does not apply"))
            continue
        cells.append(replace(cell, variant=s.variant, jobs=s.jobs or cell.jobs))
    return cells, skipped



def knob_of(lang: str, variant: str) -> Knob | None:
    """The knob a stored variant name comes from (incremental=off: `incremental`)."""
    for knob in KNOBS:
        if knob.lang == lang and (knob.name == variant
                                  or variant.split("=")[0] == knob.name):
            return knob
    return None


def advice(lang: str, variant: str, profile: str) -> str:
    """The lines to copy to keep a knob for good: Cargo.toml, .cargo/config.toml or
    the build command. buildprof never writes them."""
    cargo = "dev" if profile == "debug" else "release"
    key, _, value = variant.partition("=")
    if lang == "go":
        commands = {"jobs": "go build -p=1 ./...", "-trimpath": "go build -trimpath ./...",
                    "-ldflags": 'go build -ldflags="-s -w" ./...',
                    "CGO_ENABLED": "CGO_ENABLED=0 go build ./...",
                    "GOGC": f"GOGC={value} go build ./...   (or once: go env -w GOGC={value})",
                    "-pgo": "go build -pgo=off ./..."}
        return commands.get(key, f"go build {variant} ./...")
    rustflags = {"linker": {"mold": '["-C", "link-arg=-fuse-ld=mold"]',
                            "cc-default": '["-C", "linker-features=-lld"]'}.get(value, ""),
                 "threads": f'["-Z", "threads={value}"]'}
    if key in rustflags:
        return f".cargo/config.toml:\n[build]\nrustflags = {rustflags[key]}"
    if key == "jobs":
        return ".cargo/config.toml:\n[build]\njobs = 1"
    if key == "deps-opt-level":
        return 'Cargo.toml:\n[profile.dev.package."*"]\nopt-level = 1'
    toml = {"debuginfo": f"debug = {value!r}".replace("'", '"') if not value.isdigit()
            else f"debug = {value}",
            "codegen-units": f"codegen-units = {value}",
            "incremental": f"incremental = {'true' if value == 'on' else 'false'}"}
    return f"Cargo.toml:\n[profile.{cargo}]\n{toml.get(key, variant)}"
