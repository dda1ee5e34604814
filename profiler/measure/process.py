"""Run one command as a measured process tree.

Knows nothing of builds, databases or terminals: it spawns, samples, reaps and
returns a frozen Measurement.

- wall_s: monotonic clock from fork to reap, taken in the launcher (the same
  clock as time.perf_counter), so Python's own spawn cost is not in it; the
  Python-side spawn-to-reap time is kept as `outer_wall_s` to show overhead.
- user_s, sys_s, peak_rss_bytes: wait4() rusage of the build's top process,
  which covers every descendant it reaped. peak_rss_bytes is the largest
  single process (ru_maxrss), measured from the small launcher so buildprof's
  own RSS is not in it (a child's ru_maxrss includes its forker's RSS at exec).
- tree_peak_rss_bytes: the largest sum of RSS over the whole tree seen by a
  sampler thread, and never less than peak_rss_bytes: the tree held at least
  its largest process at that process's peak. Processes that live shorter than
  the interval can be missed (a no-op build can end before the first tick), so
  it is a lower bound of the true concurrent peak.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

from profiler.measure.launcher import launcher_argv

STDERR_TAIL_LINES = 50
_PAGE = os.sysconf("SC_PAGE_SIZE")
_HAVE_CHILDREN_FILE = os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children")


def _rss(pid: int) -> int | None:
    """Resident set size in bytes from /proc/PID/statm (what psutil reads too)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return None


@dataclass(frozen=True)
class Measurement:
    wall_s: float
    user_s: float
    sys_s: float
    cpu_util: float  # (user+sys)/wall: the build's parallelism
    peak_rss_bytes: int  # largest single process
    tree_peak_rss_bytes: int  # largest concurrent sum over the tree (sampled), >= peak
    processes: int  # distinct processes the sampler saw
    exit_code: int  # negative: killed by that signal
    timed_out: bool
    stderr_tail: str  # last lines of stderr (kept for every run; stored for failures)
    samples: int  # sampler ticks
    launcher: str  # "c" or "python" (the latter puts a ~10 MiB floor on peaks)
    outer_wall_s: float  # Python spawn-to-reap: wall_s plus buildprof's overhead
    sampler_cpu_s: float  # CPU the sampler thread used (buildprof's, not the build's)
    start_time: float  # epoch seconds when the build was forked (unit timelines start here)
    # With measure(series=True): (epoch seconds, RSS summed over the tree) at each tick.
    series: tuple[tuple[float, int], ...] = ()

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


class TreeSampler(threading.Thread):
    """Sum RSS over every descendant of `root_pid` every `interval` seconds."""

    def __init__(self, root_pid: int, interval: float, exclude_root: bool = True,
                 series: bool = False) -> None:
        super().__init__(name="buildprof-sampler", daemon=True)
        self.root_pid = root_pid
        self.interval = interval
        self.exclude_root = exclude_root
        # Every tick's (time, tree RSS), kept only when asked (--breakdown runs).
        self.series: list[tuple[float, int]] | None = [] if series else None
        self.stop_event = threading.Event()
        self.peak_sum = 0
        self.peak_single = 0
        self.pids: set[int] = set()
        self.samples = 0
        self.cpu_s = 0.0

    def sample(self) -> None:
        total = 0
        for pid in self._descendants():
            rss = _rss(pid)
            if rss is None:
                continue  # exited between listing and reading
            total += rss
            self.peak_single = max(self.peak_single, rss)
            self.pids.add(pid)
        self.peak_sum = max(self.peak_sum, total)
        self.samples += 1
        if self.series is not None:
            self.series.append((time.time(), total))

    def _descendants(self) -> list[int]:
        """Every live descendant, plus the root unless excluded.

        Reads the kernel's /proc/PID/task/TID/children lists: a few small reads
        per process, instead of psutil's scan of every process on the machine
        (about 1.8 ms a call here), which would make the sampler itself a load.
        """
        found = [] if self.exclude_root else [self.root_pid]
        if not _HAVE_CHILDREN_FILE:
            try:
                kids = psutil.Process(self.root_pid).children(recursive=True)
            except psutil.Error:
                return found
            return found + [k.pid for k in kids]
        stack = [self.root_pid]
        while stack:
            pid = stack.pop()
            try:
                tids = os.listdir(f"/proc/{pid}/task")
            except OSError:
                continue
            for tid in tids:
                try:
                    with open(f"/proc/{pid}/task/{tid}/children") as f:
                        kids = [int(k) for k in f.read().split()]
                except OSError:
                    continue
                found.extend(kids)
                stack.extend(kids)
        return found

    def run(self) -> None:
        start = time.thread_time()
        while True:
            self.sample()
            if self.stop_event.wait(self.interval):
                break
        self.cpu_s = time.thread_time() - start

    def stop(self) -> None:
        self.stop_event.set()
        self.join()


def kill_tree(pid: int) -> None:
    """SIGKILL a process group and every descendant, even ones that left the group."""
    try:
        descendants = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        descendants = []
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    for proc in descendants:
        with contextlib.suppress(psutil.Error):
            proc.kill()


@dataclass(frozen=True)
class StepResult:
    """The outcome of an untimed step (`run_step`)."""

    argv: tuple[str, ...]
    returncode: int  # negative: killed by that signal (-9 after a timeout)
    stdout: str
    stderr: str
    timed_out: bool

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


def run_step(argv: list[str], cwd: Path, env: dict[str, str],
             timeout: float | None) -> StepResult:
    """Run an untimed step (a std snapshot, a download, a starting-state build) to
    completion, capturing its output as text.

    The step runs in a new session, so it is a process-group leader: on timeout,
    on an error while waiting, or on KeyboardInterrupt, its whole group and every
    descendant (grandchildren that left the group too) are SIGKILLed. A timeout
    is reported (`timed_out`, returncode -9); any exception is re-raised after
    the kill. Whatever is left in the group after a normal exit is killed too: a
    step never leaves processes behind. OSError from starting argv propagates.
    """
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            errors="replace", start_new_session=True)
    timed_out = False
    try:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            kill_tree(proc.pid)
            out, err = _drain(proc)
    except BaseException:
        kill_tree(proc.pid)
        _drain(proc)
        raise
    # The leader has been reaped; its group id stays reserved while members live.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    return StepResult(tuple(argv), proc.returncode, out, err, timed_out)


def _drain(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """Reap a killed step and read what it wrote. A process that escaped the kill
    (it made its own session) could hold the pipes open for ever, so reading
    stops after a few seconds."""
    try:
        return proc.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
        proc.wait()
        return "", ""


def _tail(path: Path, lines: int) -> str:
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 64 * 1024))
            data = f.read()
    except OSError:
        return ""
    return "\n".join(data.decode("utf-8", errors="replace").splitlines()[-lines:])


def _read_report(path: Path) -> dict[str, int]:
    try:
        text = path.read_text()
    except OSError:
        return {}
    out = {}
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        out[key] = int(value)
    return out


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def guarded(nofile: int | None = None) -> Callable[[], None]:
    """A `preexec_fn` for the processes buildprof starts that are not builds (payoff's
    servers and wrk): in the child, before exec, the kernel is told to SIGKILL it when
    buildprof dies, even by SIGKILL (PR_SET_PDEATHSIG, which the launcher sets for
    builds); it exits at once if buildprof died before that; and with `nofile` its
    open-file soft limit is raised to at least that (up to the hard limit), while
    buildprof's own limit, and so every build's, stays as it was.

    libc is loaded here, in the parent: loading it after fork is not safe."""
    parent = os.getpid()
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        prctl = None  # not Linux: the parent check below still covers a dead parent

    def setup() -> None:
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        if os.getppid() != parent:
            os._exit(125)
        if nofile is not None:
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            if soft != resource.RLIM_INFINITY and soft < nofile:
                want = nofile if hard == resource.RLIM_INFINITY else min(nofile, hard)
                resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    return setup


def measure(
    argv: list[str],
    cwd: Path,
    env: dict[str, str],
    log_dir: Path,
    sample_ms: float = 20.0,
    timeout: float | None = None,
    series: bool = False,
) -> Measurement:
    """Run argv in cwd with env; stdout and stderr go to files in log_dir; with
    `series`, keep the sampler's every tick (Measurement.series).

    On timeout the whole tree is killed and `timed_out` is set. On
    KeyboardInterrupt (or any exception) the tree is killed before re-raising,
    so no build outlives buildprof.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    report = log_dir / "rusage.txt"
    report.unlink(missing_ok=True)
    stdout_path, stderr_path = log_dir / "stdout.log", log_dir / "stderr.log"
    prefix, kind = launcher_argv()
    timed_out = False
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        spawn_epoch = time.time()
        t0 = time.perf_counter()
        # A new session makes the launcher a process-group leader, so one
        # killpg reaches the whole build on timeout or interrupt. The launcher
        # is told our pid: if we die before it arms PR_SET_PDEATHSIG, only
        # that pid shows it (it has been reparented by then).
        launcher_env = {**env, "BUILDPROF_PARENT_PID": str(os.getpid())}
        proc = subprocess.Popen([*prefix, str(report), *argv], cwd=cwd, env=launcher_env,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                start_new_session=True)
        sampler = TreeSampler(proc.pid, sample_ms / 1000.0, series=series)
        sampler.start()
        try:
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                kill_tree(proc.pid)
                proc.wait()
        except BaseException:
            kill_tree(proc.pid)
            proc.wait()
            sampler.stop()
            raise
        outer_wall = time.perf_counter() - t0
        sampler.stop()
        # Grandchildren that outlived their parent (daemons) would keep
        # running; a build never should, so end them.
        kill_tree(proc.pid)

    rep = _read_report(report)
    if rep:
        status = rep["status"]
        exit_code = os.waitstatus_to_exitcode(status)
        wall = rep["wall_ns"] / 1e9
        user, sys_ = rep["utime_us"] / 1e6, rep["stime_us"] / 1e6
        peak = rep["maxrss_kb"] * 1024
        start_time = rep["start_ns"] / 1e9
    else:  # the launcher itself was killed (timeout): partial figures
        exit_code = -signal.SIGKILL if timed_out else proc.returncode
        wall, user, sys_, peak = outer_wall, 0.0, 0.0, sampler.peak_single
        start_time = spawn_epoch
    return Measurement(
        wall_s=wall,
        user_s=user,
        sys_s=sys_,
        cpu_util=(user + sys_) / wall if wall > 0 else 0.0,
        peak_rss_bytes=peak,
        # The sampler can miss a short build entirely; the largest process's
        # own peak is a true lower bound of the tree's.
        tree_peak_rss_bytes=max(sampler.peak_sum, peak),
        processes=len(sampler.pids),
        exit_code=exit_code,
        timed_out=timed_out,
        stderr_tail=_tail(stderr_path, STDERR_TAIL_LINES),
        samples=sampler.samples,
        launcher=kind,
        outer_wall_s=outer_wall,
        sampler_cpu_s=sampler.cpu_s,
        start_time=start_time,
        series=tuple(sampler.series or ()),
    )
