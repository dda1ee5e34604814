"""Where the time goes: per-unit records of one build, and its critical path.

A unit is one compiler (or linker) invocation: a Rust crate compilation (lib,
bin, build script, proc macro, test) or a Go package compile or link.

Sources:
- Rust: buildprof's C wrapper as RUSTC_WRAPPER logs every rustc call with its
  start, end, CPU and peak RSS (profiler/measure/unitwrap.c).
- Go: `go build -debug-actiongraph=FILE` gives each action's times, CPU and
  dependencies; the same C wrapper as `-toolexec` adds each tool's peak RSS.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

SEP = "\x1f"


@dataclass(frozen=True)
class Unit:
    name: str
    kind: str  # lib, bin, build-script, proc-macro, test, link
    start_s: float  # relative to the build's start
    end_s: float
    cpu_s: float
    peak_rss_bytes: int | None
    deps: tuple[str, ...] = field(default=())

    @property
    def wall_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class CriticalPath:
    chain: tuple[str, ...]  # first to last
    length_s: float  # sum of the chain's unit times
    savings_s: dict[str, float]  # how much sooner the path ends if that unit took no time


@dataclass(frozen=True)
class _Call:
    t0: float
    t1: float
    cpu_s: float
    rss: int
    args: list[str]


def _read_calls(log: Path) -> list[_Call]:
    calls = []
    if not log.is_file():
        return calls
    for line in log.read_text(errors="replace").splitlines():
        parts = line.split(SEP)
        if len(parts) < 7:
            continue
        t0, t1, ut, st, rss, _status = (int(x) for x in parts[:6])
        calls.append(_Call(t0 / 1e9, t1 / 1e9, (ut + st) / 1e6, rss * 1024, parts[6:]))
    return calls


def _arg(args: list[str], flag: str) -> str | None:
    for i, a in enumerate(args):
        if a == flag and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(flag + "="):
            return a[len(flag) + 1:]
    return None


def _all(args: list[str], flag: str) -> list[str]:
    return [args[i + 1] for i, a in enumerate(args[:-1]) if a == flag]


def rust_units(log: Path, build_start: float) -> list[Unit]:
    """Units from the wrapper's log of rustc calls (cargo's probes are skipped)."""
    raw = []
    for c in _read_calls(log):
        args = c.args[1:]
        crate = _arg(args, "--crate-name")
        if crate is None or crate == "___":
            continue  # `rustc -vV`, `--print` probes
        types = _all(args, "--crate-type")
        if crate == "build_script_build":
            out_dir = _arg(args, "--out-dir") or ""
            pkg = Path(out_dir).name.rsplit("-", 1)[0] or crate
            kind, name = "build-script", f"{pkg} (build script)"
        elif "--test" in args:
            kind, name = "test", f"{crate} (test)"
        elif "proc-macro" in types:
            kind, name = "proc-macro", crate
        elif "bin" in types:
            kind, name = "bin", f"{crate} (bin)"
        else:
            kind, name = "lib", crate
        externs = [e.split("=", 1)[0] for e in _all(args, "--extern")]
        raw.append((c, kind, name, externs))
    names: dict[str, int] = {}
    units = []
    libs: dict[str, list[Unit]] = {}
    for c, kind, name, externs in sorted(raw, key=lambda r: r[0].t0):
        names[name] = names.get(name, 0) + 1
        if names[name] > 1:
            name = f"{name} #{names[name]}"
        # A dependency is the latest compilation of that crate that ended before this began.
        deps = []
        for ext in externs:
            done = [u for u in libs.get(ext, []) if u.end_s <= c.t0 - build_start + 1e-3]
            if done:
                deps.append(done[-1].name)
        unit = Unit(name, kind, c.t0 - build_start, c.t1 - build_start, c.cpu_s, c.rss,
                    tuple(deps))
        units.append(unit)
        if kind in ("lib", "proc-macro"):
            libs.setdefault(name.split(" #")[0], []).append(unit)
    return units


def _ts(text: str) -> float:
    # RFC 3339 with nanoseconds; Python's fromisoformat keeps microseconds.
    date, _, frac = text.rstrip("Z").partition(".")
    base = datetime.fromisoformat(date + "+00:00").timestamp()
    return base + (float("0." + frac) if frac else 0.0)


def go_units(actiongraph: Path, toolexec_log: Path, build_start: float) -> list[Unit]:
    """Units from `-debug-actiongraph` (times, CPU, deps) and the -toolexec log (RSS)."""
    if not actiongraph.is_file():
        return []
    actions = json.loads(actiongraph.read_text() or "[]")
    by_id = {a["ID"]: a for a in actions}
    # Peak RSS per objdir (compile, asm, cgo of one package) and per link output.
    rss: dict[str, int] = {}
    for c in _read_calls(toolexec_log):
        out = _arg(c.args[1:], "-o")
        if out is None:
            continue
        key = out if os.path.basename(c.args[0]) == "link" else os.path.dirname(out) + "/"
        rss[key] = max(rss.get(key, 0), c.rss)

    def ran(a: dict) -> bool:
        return bool(a.get("Cmd")) and a.get("TimeStart") is not None

    names: dict[int, str] = {}
    for a in actions:
        if not ran(a):
            continue
        pkg = a.get("Package") or "?"
        cmd = " ".join(a["Cmd"])
        if a["Mode"].startswith("link"):
            kind, name = "link", f"{pkg} (link)"
        elif " -p main " in f" {cmd} " or ".test" in pkg:
            kind, name = ("test" if ".test" in pkg or "_test" in pkg else "bin"), pkg
        elif "[" in pkg:
            kind, name = "test", pkg
        else:
            kind, name = "lib", pkg
        names[a["ID"]] = name
        a["_kind"] = kind

    def unit_deps(a: dict) -> set[str]:
        found: set[str] = set()
        stack, seen = list(a.get("Deps") or []), set()
        while stack:
            i = stack.pop()
            if i in seen:
                continue
            seen.add(i)
            if i in names:
                found.add(names[i])
            else:
                stack.extend(by_id[i].get("Deps") or [])
        return found

    units = []
    for a in actions:
        if a["ID"] not in names:
            continue
        cpu = ((a.get("CmdUser") or 0) + (a.get("CmdSys") or 0)) / 1e9
        key = a.get("Target") if a["_kind"] == "link" else a.get("Objdir")
        units.append(Unit(names[a["ID"]], a["_kind"], _ts(a["TimeStart"]) - build_start,
                          _ts(a["TimeDone"]) - build_start, cpu, rss.get(key or ""),
                          tuple(sorted(unit_deps(a)))))
    return sorted(units, key=lambda u: u.start_s)


def _longest(units: Iterable[Unit], zero: str | None = None) -> tuple[float, dict[str, str | None]]:
    by_name = {u.name: u for u in units}
    best: dict[str, float] = {}
    prev: dict[str, str | None] = {}
    for u in sorted(by_name.values(), key=lambda u: u.end_s):
        w = 0.0 if u.name == zero else u.wall_s
        cands = [(best[d], d) for d in u.deps if d in best]
        base, p = max(cands, default=(0.0, None))
        best[u.name], prev[u.name] = base + w, p
    if not best:
        return 0.0, {}
    end = max(best, key=lambda n: best[n])
    prev["__end__"] = end
    return best[end], prev


def critical_path(units: list[Unit], top: int = 5) -> CriticalPath:
    """The dependency chain with the largest total unit time, which bounds the
    build's wall time however many cores there are; for its `top` longest units,
    how much shorter that bound gets if the unit took no time (another chain may
    then become the longest). Ignores queueing for cores, so on a loaded build
    the real gain can be smaller."""
    length, prev = _longest(units)
    chain: list[str] = []
    node = prev.get("__end__")
    while node is not None:
        chain.append(node)
        node = prev.get(node)
    chain.reverse()
    by_name = {u.name: u for u in units}
    savings = {}
    for name in sorted(chain, key=lambda n: -by_name[n].wall_s)[:top]:
        savings[name] = length - _longest(units, zero=name)[0]
    return CriticalPath(tuple(chain), length, savings)
