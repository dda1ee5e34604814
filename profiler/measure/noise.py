"""Is the machine quiet enough to measure? Checked between runs, never during one."""

from __future__ import annotations

import time

import psutil

BUSY_CORES = 0.25  # other processes using more than a quarter of a core
LOAD_LIMIT = 0.5  # `buildprof doctor` reports the load average against this


def other_cpu_busy(window_s: float = 0.1) -> float:
    """Cores in use by processes other than this one, over `window_s`.

    Whole-machine busy time from /proc/stat (psutil.cpu_times) minus this
    process's own CPU. Called between runs, when no build of ours is running.
    """
    me = psutil.Process()
    t0, c0, w0 = psutil.cpu_times(), me.cpu_times(), time.perf_counter()
    time.sleep(window_s)
    t1, c1, w1 = psutil.cpu_times(), me.cpu_times(), time.perf_counter()

    def busy(t: psutil._common.scputimes) -> float:  # type: ignore[name-defined]
        # guest time is counted in user (and guest_nice in nice) already.
        return (sum(t) - t.idle - getattr(t, "iowait", 0.0) - getattr(t, "guest", 0.0)
                - getattr(t, "guest_nice", 0.0))

    ours = (c1.user + c1.system) - (c0.user + c0.system)
    return max(0.0, (busy(t1) - busy(t0) - ours) / (w1 - w0))


def disturbance() -> str | None:
    """A one-line reason when other processes are busy right now, else None."""
    cores = other_cpu_busy()
    if cores > BUSY_CORES:
        return f"other processes used {cores:.2f} cores just before this run"
    return None


def load_warning(window_s: float = 1.0) -> str | None:
    """A warning when other processes used more than BUSY_CORES over the last
    `window_s` seconds, checked before a session (the name is historical).

    Not the load average: its 1-minute decay still carries buildprof's own set-up
    (snapshots, downloads, compiling the launcher) when the session starts, so it
    warned about work that had already ended. This is the per-run `disturbance`
    check over a longer window, so that a short idle moment of a busy machine is
    not mistaken for a quiet one.
    """
    cores = other_cpu_busy(window_s)
    if cores > BUSY_CORES:
        return (f"other processes used {cores:.2f} cores over the last {window_s:g} s before "
                f"the session: results may be noisy (see `buildprof doctor`)")
    return None
