"""Reliability, round 2: the launchers' parent-death guard, untimed steps in their own
process group, the tree peak's floor, small-sample U tests, changes from a median of 0,
and the pre-session noise warning. Real processes and real SQLite files throughout."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from profiler.measure.launcher import LAUNCHER_C, LAUNCHER_PY, compiled

from conftest import REPO

MiB = 1 << 20


def _gone(pid: int) -> bool:
    """True once `pid` has exited (a zombie waiting for its reaper counts as gone)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _wait_gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        time.sleep(0.05)
    return _gone(pid)


def _sleepers(arg: str) -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["cmdline"])
            if p.info["cmdline"] == ["sleep", arg] and not _gone(p.pid)]


def _launcher(kind: str) -> list[str]:
    if kind == "c":
        binary = compiled(LAUNCHER_C)
        assert binary is not None, "these tests need cc"
        return [str(binary)]
    return [sys.executable, "-I", "-S", str(LAUNCHER_PY)]


# -- item 8: the launcher checks the parent pid it was given --------------------------------


def _dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


@pytest.mark.parametrize("kind", ["c", "python"])
def test_launcher_whose_parent_already_died_kills_the_build_at_once(kind: str,
                                                                     tmp_path: Path) -> None:
    """buildprof died between fork and the launcher's prctl: the launcher has been
    reparented already, so only the pid buildprof handed over reveals it."""
    secs = f"30.{os.getpid() % 1000}{len(kind)}"  # unique enough to find our sleeper
    env = {**os.environ, "BUILDPROF_PARENT_PID": str(_dead_pid())}
    report = tmp_path / "rusage.txt"
    # A new session: the launcher's kill(0, SIGKILL) must reach its group only.
    proc = subprocess.Popen([*_launcher(kind), str(report), "sleep", secs], env=env,
                            start_new_session=True)
    try:
        code = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        code = None
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert code == -signal.SIGKILL, code
    assert not report.exists()  # the build never ran to completion
    assert not _sleepers(secs)


_INTERMEDIATE = """
import os, sys, time
from pathlib import Path
from profiler.measure.launcher import launcher_argv
from profiler.measure.process import measure
assert launcher_argv()[1] == sys.argv[1], launcher_argv()
print("ready", flush=True)
measure(["sleep", sys.argv[2]], Path(sys.argv[3]), dict(os.environ), Path(sys.argv[3]) / "logs")
"""


@pytest.mark.parametrize("kind", ["c", "python"])
def test_sigkill_of_the_parent_kills_the_build(kind: str, tmp_path: Path) -> None:
    """A Python process measures `sleep 60` through the launcher and is SIGKILLed:
    the sleep must be gone within a couple of seconds, with either launcher."""
    secs = f"60.{os.getpid() % 1000}{len(kind)}"
    env = dict(os.environ)
    if kind == "python":
        # No usable C compiler and an empty cache: measure() falls back to the
        # Python launcher, as it does on a machine without cc.
        env["BUILDPROF_CACHE"] = str(tmp_path / "cache")
        env["CC"] = "/bin/false"
    parent = subprocess.Popen([sys.executable, "-c", _INTERMEDIATE, kind, secs, str(tmp_path)],
                              cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None and parent.stdout.readline() == "ready\n"
        deadline = time.monotonic() + 20
        while not (sleepers := _sleepers(secs)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sleepers, "the build never started"
        parent.kill()
        parent.wait()
        assert _wait_gone(sleepers[0].pid, within=2.0), "the build outlived its profiler"
    finally:
        parent.kill()
        parent.wait()
        for p in _sleepers(secs):
            p.kill()


# -- item 9: untimed steps run in their own process group ------------------------------------

# Three kinds of grandchild, each writing its pid to `pids`: one under a waiting
# shell, one orphaned (reparented, still in the group), one in a session of its own
# (it left the group; only the walk of descendants finds it).
_FAMILY = ('sh -c "sleep {a} & echo \\$! >> pids; wait" & '
           '(sleep {b} & echo $! >> pids); '
           'setsid sleep {c} & echo $! >> pids; '
           'echo started; sleep {d}')


def _family(tag: str) -> tuple[list[str], list[str]]:
    base = f"{os.getpid() % 1000}{tag}"
    args = [f"61.{base}", f"62.{base}", f"63.{base}", f"64.{base}"]
    script = _FAMILY.format(a=args[0], b=args[1], c=args[2], d=args[3])
    return ["sh", "-c", script], args


def _read_pids(path: Path, want: int, within: float = 10.0) -> list[int]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if path.exists() and len(lines := path.read_text().split()) >= want:
            return [int(x) for x in lines]
        time.sleep(0.05)
    raise AssertionError(f"the step did not start its {want} grandchildren")


def test_run_step_timeout_kills_every_grandchild(tmp_path: Path) -> None:
    from profiler.measure.process import run_step

    argv, names = _family("1")
    t0 = time.monotonic()
    res = run_step(argv, tmp_path, dict(os.environ), timeout=1.0)
    assert time.monotonic() - t0 < 10  # nothing kept the pipes open
    assert res.timed_out and not res.ok and res.returncode == -signal.SIGKILL
    assert res.stdout == "started\n"  # output up to the kill is kept
    pids = _read_pids(tmp_path / "pids", 3)
    assert all(_wait_gone(pid, within=2.0) for pid in pids), [p for p in pids if not _gone(p)]
    assert not any(_sleepers(n) for n in names)


def test_run_step_returns_output_and_exit_code(tmp_path: Path) -> None:
    from profiler.measure.process import run_step

    res = run_step(["sh", "-c", "echo out; echo err >&2; exit 3"], tmp_path,
                   dict(os.environ), timeout=30)
    assert (res.returncode, res.stdout, res.stderr, res.timed_out) == (3, "out\n", "err\n", False)
    assert not res.ok


_INTERRUPTED = """
import os, sys
from pathlib import Path
from profiler.measure.process import run_step
run_step(sys.argv[1:], Path.cwd(), dict(os.environ), timeout=None)
"""


def test_run_step_interrupt_kills_every_grandchild_and_reraises(tmp_path: Path) -> None:
    argv, names = _family("2")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", _INTERRUPTED, *argv], cwd=tmp_path, env=env,
                            stderr=subprocess.PIPE, text=True)
    try:
        pids = _read_pids(tmp_path / "pids", 3)
        proc.send_signal(signal.SIGINT)  # what Ctrl-C delivers to buildprof
        _, err = proc.communicate(timeout=10)
        assert proc.returncode != 0 and "KeyboardInterrupt" in err, err
        assert all(_wait_gone(pid, within=2.0) for pid in pids), [p for p in pids
                                                                  if not _gone(p)]
    finally:
        proc.kill()
        proc.wait()
        for n in names:
            for p in _sleepers(n):
                p.kill()


# -- item 15: the tree peak is never below the largest process's peak -----------------------


def test_tree_peak_is_at_least_the_largest_process_peak(memhog: Path, tmp_path: Path) -> None:
    """A program that touches 40 MiB and exits at once, sampled every 10 s: the
    sampler's one tick comes before it starts, as with a no-op cargo build."""
    from profiler.measure.process import measure

    m = measure([str(memhog), "mem", "40", "0"], tmp_path, dict(os.environ), tmp_path / "logs",
                sample_ms=10_000)
    assert m.exit_code == 0 and m.samples == 1
    assert m.peak_rss_bytes >= 40 * MiB
    assert m.tree_peak_rss_bytes >= m.peak_rss_bytes
