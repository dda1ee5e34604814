"""`buildprof doctor`: is this machine ready, and quiet enough, to measure builds?"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import psutil

from profiler.errors import BuildprofError
from profiler.machine.noise import BUSY_CORES, LOAD_LIMIT, Window
from profiler.paths import cache_root, default_db


@dataclass(frozen=True)
class Finding:
    area: str
    ok: bool
    text: str  # what was found
    fix: str = ""  # what to do, when not ok


def _toolchains() -> list[Finding]:
    from profiler.backends import backends

    out = []
    for backend in backends():
        name = backend.lang
        try:
            tc = backend.resolve(None)
            out.append(Finding("toolchain", True, f"{tc.spec}: {tc.path}"))
        except BuildprofError as exc:
            out.append(Finding("toolchain", False, f"{name}: {exc}",
                               "install it, as the message says"))
    return out


def _cache() -> list[Finding]:
    root = cache_root()
    out = [Finding("cache", True, f"cache directory {root}")]
    probe = root
    while not probe.exists():
        probe = probe.parent
    if not os.access(probe, os.W_OK):
        out.append(Finding("cache", False, f"{probe} is not writable",
                           "set BUILDPROF_CACHE to a writable directory"))
    free = shutil.disk_usage(probe).free
    ok = free > 5 * 2**30
    out.append(Finding("cache", ok, f"{free / 2**30:.1f} GiB free on its disk",
                       "" if ok else "free disk space: Rust release builds of the large "
                                     "samples need several GiB, or run `buildprof cache clean`"))
    return out


def _database(db_path: Path | None) -> list[Finding]:
    from profiler.storage.db import ResultsDB

    path = db_path or default_db()
    if not Path(path).exists():
        return [Finding("database", True, f"{path} does not exist yet; `buildprof run` creates it")]
    try:
        with ResultsDB.open(Path(path), readonly=True) as db:
            sessions, runs = db.counts()
    except BuildprofError as exc:  # not buildprof's, unreadable, damaged: a finding, not a crash
        return [Finding("database", False, str(exc), "use another --db")]
    return [Finding("database", True, f"{path}: {sessions} sessions, {runs} runs")]


# How long doctor watches the other processes' CPU, at least. The window opens before
# the toolchain and database checks and spans them (their own child processes count
# as doctor's, not as others'), so the whole command stays near half a second.
NOISE_WINDOW_S = 0.25


def _noise(window: Window) -> list[Finding]:
    out = []
    load = os.getloadavg()[0]
    out.append(Finding("noise", load <= LOAD_LIMIT, f"load average (1 min) {load:.2f}",
                       "" if load <= LOAD_LIMIT else "wait for other work to finish; "
                                                     "builds share the CPU with it"))
    busy, _span = window.cores(NOISE_WINDOW_S)
    out.append(Finding("noise", busy <= BUSY_CORES, f"other processes use {busy:.2f} cores now",
                       "" if busy <= BUSY_CORES else "stop them: " + _top_processes()))
    gov = Path("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
    if gov.is_file():
        g = gov.read_text().strip()
        out.append(Finding("noise", g == "performance", f"CPU frequency governor: {g}",
                           "" if g == "performance" else
                           "for stable timings: cpupower frequency-set -g performance"))
    else:
        out.append(Finding("noise", True, "CPU frequency governor: not readable here "
                                          "(a virtual machine, typically)"))
    mem = psutil.virtual_memory()
    ok = mem.available > 4 * 2**30
    out.append(Finding("noise", ok, f"{mem.available / 2**30:.1f} GiB memory available",
                       "" if ok else "close memory-hungry programs: rustc needs GiBs"))
    return out


def _top_processes(n: int = 3) -> str:
    procs = []
    for p in psutil.process_iter(["pid", "name", "cpu_percent"]):
        procs.append(p)
    psutil.cpu_percent(None)
    import time

    for p in procs:
        with contextlib.suppress(psutil.Error):
            p.cpu_percent(None)
    time.sleep(0.3)
    usage = []
    for p in procs:
        try:
            usage.append((p.cpu_percent(None), p.info["name"], p.pid))
        except psutil.Error:
            continue
    usage.sort(reverse=True)
    return ", ".join(f"{name} (pid {pid}, {pct:.0f}%)" for pct, name, pid in usage[:n])


def diagnose(db_path: Path | None = None) -> list[Finding]:
    window = Window()
    return [*_toolchains(), *_cache(), *_database(db_path), *_noise(window)]
