"""Fallback launcher, used only when no C compiler is available.

Same protocol as launcher.c. It is a fresh interpreter started with -I -S, so
the RSS it passes on to the build at fork is about 10 MiB instead of
buildprof's own; peak_rss figures then carry that floor, and the run records
`launcher = "python"` so it can be seen.
"""

import os
import sys
import time


def main() -> int:
    report, argv = sys.argv[1], sys.argv[2:]
    start_ns = time.time_ns()
    t0 = time.monotonic_ns()
    try:
        pid = os.posix_spawnp(argv[0], argv, os.environ)
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
