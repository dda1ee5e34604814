"""Is the machine quiet enough to measure? Checked between runs, never during one."""

from __future__ import annotations

import time

import psutil

BUSY_CORES = 0.25  # other processes using more than a quarter of a core
LOAD_LIMIT = 0.5  # `buildprof doctor` reports the load average against this
SESSION_WINDOW_S = 0.5  # the shortest window the pre-session check looks at


class Window:
    """Cores used by other processes from its creation to `cores()`.

    Whole-machine busy time from /proc/stat (psutil.cpu_times) minus this
    process's own CPU and that of its children it has waited for (the
    preparation's `go mod download`, `cargo fetch`), so the window can span
    buildprof's own set-up and still see only the others.
    """

    def __init__(self) -> None:
        self._me = psutil.Process()
        self._t0, self._c0, self._w0 = psutil.cpu_times(), self._ours(), time.perf_counter()

    def _ours(self) -> float:
        c = self._me.cpu_times()
        return c.user + c.system + c.children_user + c.children_system

    def cores(self, at_least_s: float = 0.0) -> tuple[float, float]:
        """(cores busy in other processes, the window's length in s), once the
        window is at least `at_least_s` long (it sleeps for the rest)."""
        left = at_least_s - (time.perf_counter() - self._w0)
        if left > 0:
            time.sleep(left)
        t1, c1, w1 = psutil.cpu_times(), self._ours(), time.perf_counter()

        def busy(t: psutil._common.scputimes) -> float:  # type: ignore[name-defined]
            # guest time is counted in user (and guest_nice in nice) already.
            return (sum(t) - t.idle - getattr(t, "iowait", 0.0) - getattr(t, "guest", 0.0)
                    - getattr(t, "guest_nice", 0.0))

        span = w1 - self._w0
        return max(0.0, (busy(t1) - busy(self._t0) - (c1 - self._c0)) / span), span


def other_cpu_busy(window_s: float = 0.1) -> float:
    """Cores in use by processes other than this one, over the next `window_s`.
    Called between runs, when no build of ours is running."""
    return Window().cores(window_s)[0]


def disturbance() -> str | None:
    """A one-line reason when other processes are busy right now, else None."""
    cores = other_cpu_busy()
    if cores > BUSY_CORES:
        return f"other processes used {cores:.2f} cores just before this run"
    return None


def load_warning(window_s: float = 1.0, since: Window | None = None) -> str | None:
    """A warning when other processes used more than BUSY_CORES before a session:
    over the `since` window (the session's own preparation, at least
    SESSION_WINDOW_S long), else over the next `window_s` seconds. The name is
    historical.

    Not the load average: its 1-minute decay still carries buildprof's own set-up
    (snapshots, downloads, compiling the launcher) when the session starts, so it
    warned about work that had already ended. A window of half a second or more
    keeps a short idle moment of a busy machine from passing for a quiet one;
    spanning the preparation, it costs a session no extra second.
    """
    cores, span = since.cores(SESSION_WINDOW_S) if since else Window().cores(window_s)
    if cores > BUSY_CORES:
        return (f"other processes used {cores:.2f} cores over the last {span:.1f} s before "
                f"the session: results may be noisy (see `buildprof doctor`)")
    return None
