"""Go's knobs for `buildprof tune`: -p, -trimpath, -ldflags=-s -w, CGO_ENABLED=0, the
compiler's GOGC and PGO, each set through environment variables and go's flags
only (a backends.base.Knob); and the build command that keeps one."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from profiler.backends.base import Context, Knob, Setting, jobs_one
from profiler.scenarios.plan import Variant


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
    Knob("jobs=1", "go", "one package at a time (go build -p=1)",
         "no parallelism between packages", jobs_one),
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


def advice(variant: str, profile: str) -> str:
    """The build command that keeps a knob for good; buildprof never runs it."""
    key, _, value = variant.partition("=")
    commands = {"jobs": "go build -p=1 ./...", "-trimpath": "go build -trimpath ./...",
                "-ldflags": 'go build -ldflags="-s -w" ./...',
                "CGO_ENABLED": "CGO_ENABLED=0 go build ./...",
                "GOGC": f"GOGC={value} go build ./...   (or once: go env -w GOGC={value})",
                "-pgo": "go build -pgo=off ./..."}
    return commands.get(key, f"go build {variant} ./...")
