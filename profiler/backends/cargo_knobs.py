"""Cargo's knobs for `buildprof tune`: debuginfo, the linker, codegen units,
incremental compilation, optimised dependencies, rustc's parallel front end and
jobs, each set through environment variables and cargo's flags only (a
backends.base.Knob); and the lines of Cargo.toml or .cargo/config.toml that keep one."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable

from profiler.backends.base import Context, Knob, Setting, jobs_one
from profiler.scenarios.plan import Variant
from profiler.toolchains.base import Toolchain, version_key

LLD_DEFAULT_SINCE = (1, 90)  # rustc links with rust-lld on x86_64-unknown-linux-gnu since 1.90


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
         jobs_one),
)


def advice(variant: str, profile: str) -> str:
    """The lines to copy to keep a knob for good: Cargo.toml or .cargo/config.toml.
    buildprof never writes them."""
    cargo = "dev" if profile == "debug" else "release"
    key, _, value = variant.partition("=")
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


def tune_note(toolchain: str | None, version: str | None) -> str | None:
    """What `tune` says beside a Rust table: the linker rustc uses by default here."""
    import platform

    if platform.system() != "Linux":
        return None
    host = f"{platform.machine()}-unknown-linux-gnu"
    return (f"Rust's default linker here ({toolchain} {version}): "
            f"{default_linker_of(str(version), host)}.")
