"""Fallback launcher, used only when no C compiler is available.

Same protocol as launcher.c. It is a fresh interpreter started with -I -S, so
the RSS it passes on to the build at fork is about 10 MiB instead of
buildprof's own; peak_rss figures then carry that floor, and the run records
`launcher = "python"` so it can be seen.

It guards against buildprof's death as launcher.c does: PR_SET_PDEATHSIG makes
the kernel send it SIGTERM when buildprof dies, and its SIGTERM handler kills
its whole process group (buildprof starts it as a group leader), build included.
"""

import os
import signal
import sys
import time

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _on_parent_death(signum: int, frame: object) -> None:
    os.kill(0, signal.SIGKILL)  # pid 0: our whole process group, ourselves included


def _guard_parent() -> None:
    """Die with the build's group when buildprof dies, even if it already has.

    The parent pid is the one buildprof passed (BUILDPROF_PARENT_PID): read with
    getppid() here it would already be the reaper's if buildprof died before
    prctl, and the check would pass.
    """
    given = os.environ.pop("BUILDPROF_PARENT_PID", "")  # not part of the build's env
    parent = int(given) if given.isdecimal() else os.getppid()
    signal.signal(signal.SIGTERM, _on_parent_death)
    try:
        import ctypes  # imported here: about 0.5 MiB, paid only by this fallback

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError, ImportError):
        pass  # no prctl (not Linux): the check below still covers a dead parent
    if os.getppid() != parent:
        os.kill(0, signal.SIGKILL)  # buildprof died before prctl


def main() -> int:
    report, argv = sys.argv[1], sys.argv[2:]
    _guard_parent()
    start_ns = time.time_ns()
    t0 = time.monotonic_ns()
    try:
        pid = os.posix_spawnp(argv[0], argv, os.environ)  # exec resets our SIGTERM handler
    except OSError as exc:
        print(f"buildprof-launcher: cannot run {argv[0]}: {exc.strerror}", file=sys.stderr)
        return 127
    while True:
        try:
            _, status, ru = os.wait4(pid, 0)
            break
        except InterruptedError:
            continue
    wall_ns = time.monotonic_ns() - t0
    with open(report, "w") as f:
        f.write(f"pid {pid}\nstatus {status}\nmaxrss_kb {ru.ru_maxrss}\n"
                f"utime_us {round(ru.ru_utime * 1e6)}\nstime_us {round(ru.ru_stime * 1e6)}\n"
                f"wall_ns {wall_ns}\nstart_ns {start_ns}\n")
    code = os.waitstatus_to_exitcode(status)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main())
