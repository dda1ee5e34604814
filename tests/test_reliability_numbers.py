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
