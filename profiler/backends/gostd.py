"""Per-toolchain GOCACHE snapshots holding only the standard library a project uses.

Since Go 1.20 the standard library ships as source: with an empty GOCACHE a
build compiles every std package it imports, which Go users almost never pay
(docs/measurement.md). The fair counterpart of Rust's prebuilt std is a
GOCACHE that already holds those std packages, compiled with the same flags.
A snapshot is built once per (toolchain, flags, std package set), kept, and
copied into each run's GOCACHE outside the timed region.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from profiler.backends.base import STEP_TIMEOUT_S
from profiler.errors import StepError
from profiler.paths import cache_dir
from profiler.toolchains.base import Toolchain

OUTPUT_ENV = ("CGO_ENABLED", "CC", "CGO_CFLAGS", "CGO_LDFLAGS", "GOAMD64", "GOEXPERIMENT")


def snapshot(tc: Toolchain, flags: list[str], packages: list[str],
             env: dict[str, str], vet: bool = False) -> Path:
    """Return a GOCACHE directory holding the compiled `packages`; build it once.

    With `vet`, the std packages' vet facts are cached too: `go vet ./...`
    needs them, and without them a `check` from this state spends most of its
    time vetting the standard library (3.9 s against 0.2 s for the gomod
    fixture), which Go users do not pay either.
    """
    # The environment that changes what std compiles to (cgo on or off, the C
    # compiler, a tune knob's CGO_ENABLED=0) is part of the key; GOGC only changes
    # how fast the compiler runs, not its output, so it is not.
    shaping = [f"{k}={env[k]}" for k in OUTPUT_ENV if k in env]
    key_src = "\n".join([tc.fingerprint, *flags, *packages, f"vet={vet}", *shaping])
    key = hashlib.sha256(key_src.encode()).hexdigest()[:16]
    root = cache_dir("gostd")
    final = root / f"{tc.version}-{key}"
    if (final / ".complete").is_file():
        return final
    tmp = root / f".tmp-{key}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    build_env = {**env, "GOCACHE": str(tmp)}
    # Its own process group with a timeout, like every untimed step: a hung or
    # interrupted seeding leaves no compiler behind.
    from profiler.measure.process import run_step  # psutil: not for `scenarios`

    res = run_step([tc.path, "build", *flags, *packages], tmp, build_env, STEP_TIMEOUT_S)
    if res.returncode != 0 or res.timed_out:
        shutil.rmtree(tmp, ignore_errors=True)
        last = (res.stderr.strip().splitlines() or ["?"])[-1]
        what = f"timed out after {STEP_TIMEOUT_S:g} s" if res.timed_out else f"failed: {last}"
        raise StepError(f"seeding the Go std cache (go build std packages) {what}")
    if vet:
        # Findings in std would not be ours to fix; only the cached facts matter.
        run_step([tc.path, "vet", *flags, *packages], tmp, build_env, STEP_TIMEOUT_S)
    (tmp / ".complete").write_text("\n".join(packages) + "\n")
    try:
        os.replace(tmp, final)
    except OSError:  # another session finished the same snapshot first
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def restore(snapshot_dir: Path | None, gocache: Path) -> None:
    """Make `gocache` an exact copy of the snapshot (or empty when None)."""
    shutil.rmtree(gocache, ignore_errors=True)
    if snapshot_dir is None:
        gocache.mkdir(parents=True)
    else:
        shutil.copytree(snapshot_dir, gocache, ignore=shutil.ignore_patterns(".complete"))
