"""Find or build the small native launcher (see launcher.c for why it exists)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

from profiler.paths import cache_dir

_HERE = Path(__file__).resolve().parent
C_SOURCE = _HERE / "launcher.c"
PY_SOURCE = _HERE / "launcher_py.py"


@cache
def launcher_argv() -> tuple[tuple[str, ...], str]:
    """The argv prefix that runs the launcher, and its kind ("c" or "python").

    The C launcher is compiled once per source version into buildprof's cache.
    Without a C compiler, a bare Python interpreter serves (a ~10 MiB floor).
    """
    source = C_SOURCE.read_bytes()
    key = hashlib.sha256(source).hexdigest()[:12]
    binary = cache_dir("bin") / f"buildprof-launcher-{key}"
    if binary.is_file() and os.access(binary, os.X_OK):
        return (str(binary),), "c"
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if cc:
        tmp = binary.with_name(f"{binary.name}.{os.getpid()}.tmp")
        result = subprocess.run([cc, "-O2", "-o", str(tmp), str(C_SOURCE)],
                                capture_output=True, text=True)
        if result.returncode == 0:
            os.replace(tmp, binary)  # atomic: concurrent sessions may race here
            return (str(binary),), "c"
        tmp.unlink(missing_ok=True)
    return (sys.executable, "-I", "-S", str(PY_SOURCE)), "python"
