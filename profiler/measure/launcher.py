"""Build buildprof's small native helpers once, into the cache.

- launcher.c: forks the build from a ~1 MiB process (see its header for why).
- unitwrap.c: RUSTC_WRAPPER / -toolexec for the per-unit breakdown.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from profiler.errors import ToolchainError
from profiler.paths import cache_dir

_HERE = Path(__file__).resolve().parent
LAUNCHER_C = _HERE / "launcher.c"
LAUNCHER_PY = _HERE / "launcher_py.py"
UNITWRAP_C = _HERE / "unitwrap.c"


@cache
def compiled(source: Path) -> Path | None:
    """The executable built from a C source (cached by content), or None without cc."""
    key = hashlib.sha256(source.read_bytes()).hexdigest()[:12]
    binary = cache_dir("bin") / f"buildprof-{source.stem}-{key}"
    if binary.is_file() and os.access(binary, os.X_OK):
        return binary
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        return None
    tmp = binary.with_name(f"{binary.name}.{os.getpid()}.tmp")
    result = subprocess.run([cc, "-O2", "-o", str(tmp), str(source)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        tmp.unlink(missing_ok=True)
        return None
    os.replace(tmp, binary)  # atomic: concurrent sessions may race here
    return binary


def launcher_argv() -> tuple[tuple[str, ...], str]:
    """The argv prefix that runs the launcher, and its kind ("c" or "python").

    Without a C compiler a bare Python interpreter serves (a ~10 MiB floor).
    """
    binary = compiled(LAUNCHER_C)
    if binary is not None:
        return (str(binary),), "c"
    return (sys.executable, "-I", "-S", str(LAUNCHER_PY)), "python"


def unitwrap() -> Path:
    binary = compiled(UNITWRAP_C)
    if binary is None:
        raise ToolchainError("--breakdown needs a C compiler (cc) to build its compiler "
                             "wrapper; install gcc (apt-get install gcc) or set CC")
    return binary


# -- the wrapper's log --------------------------------------------------------------------

SEP = "\x1f"  # unitwrap.c separates a log line's fields with it


@dataclass(frozen=True)
class UnitCall:
    """One compiler or linker call the wrapper saw: when it ran (seconds since the
    epoch), its CPU, peak RSS and command line (the tool first)."""

    t0: float
    t1: float
    cpu_s: float
    rss: int  # bytes
    args: list[str]

    def arg(self, flag: str) -> str | None:
        """The value of `flag` (`--flag value` or `--flag=value`) after the tool."""
        args = self.args[1:]
        for i, a in enumerate(args):
            if a == flag and i + 1 < len(args):
                return args[i + 1]
            if a.startswith(flag + "="):
                return a[len(flag) + 1:]
        return None

    def values(self, flag: str) -> list[str]:
        """Every value of a repeated `flag value` after the tool."""
        args = self.args[1:]
        return [args[i + 1] for i, a in enumerate(args[:-1]) if a == flag]


def unit_calls(log: Path) -> list[UnitCall]:
    """The calls logged by the unit wrapper (RUSTC_WRAPPER, -toolexec) in `log`."""
    calls: list[UnitCall] = []
    if not log.is_file():
        return calls
    for line in log.read_text(errors="replace").splitlines():
        parts = line.split(SEP)
        if len(parts) < 7:
            continue
        t0, t1, ut, st, rss, _status = (int(x) for x in parts[:6])
        calls.append(UnitCall(t0 / 1e9, t1 / 1e9, (ut + st) / 1e6, rss * 1024, parts[6:]))
    return calls
