"""Per-toolchain GOCACHE snapshots holding only the standard library a project uses.

Since Go 1.20 the standard library ships as source: with an empty GOCACHE a
build compiles every std package it imports, which Go users almost never pay
(methodology.md section 1). The fair counterpart of Rust's prebuilt std is a
GOCACHE that already holds those std packages, compiled with the same flags.
A snapshot is built once per (toolchain, flags, std package set), kept, and
copied into each run's GOCACHE outside the timed region.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from profiler.errors import StepError
from profiler.paths import cache_dir
from profiler.toolchains.base import Toolchain


def std_deps(tc: Toolchain, src: Path, env: dict[str, str], with_tests: bool) -> list[str]:
    """The std packages the project's packages (and tests) import, transitively."""
    argv = [tc.path, "list", "-deps", "-f", "{{if .Standard}}{{.ImportPath}}{{end}}"]
    if with_tests:
        argv.append("-test")
    argv.append("./...")
    res = subprocess.run(argv, cwd=src, env=env, capture_output=True, text=True)
    if res.returncode != 0:
        last = (res.stderr.strip().splitlines() or ["?"])[-1]
        raise StepError(f"listing the project's std packages (go list -deps) failed: {last}")
    # -test can list test variants such as "pkg [pkg.test]"; keep plain paths.
    return sorted({p for p in res.stdout.split() if "[" not in p})


def snapshot(tc: Toolchain, flags: list[str], packages: list[str],
             env: dict[str, str], vet: bool = False) -> Path:
    """Return a GOCACHE directory holding the compiled `packages`; build it once.

    With `vet`, the std packages' vet facts are cached too: `go vet ./...`
    needs them, and without them a `check` from this state spends most of its
    time vetting the standard library (3.9 s against 0.2 s for the gomod
    fixture), which Go users do not pay either.
    """
    key_src = "\n".join([tc.fingerprint, *flags, *packages, f"vet={vet}"])
    key = hashlib.sha256(key_src.encode()).hexdigest()[:16]
    root = cache_dir("gostd")
    final = root / f"{tc.version}-{key}"
    if (final / ".complete").is_file():
        return final
    tmp = root / f".tmp-{key}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    build_env = {**env, "GOCACHE": str(tmp)}
    res = subprocess.run([tc.path, "build", *flags, *packages], cwd=tmp, env=build_env,
                         capture_output=True, text=True)
    if res.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        last = (res.stderr.strip().splitlines() or ["?"])[-1]
        raise StepError(f"seeding the Go std cache (go build std packages) failed: {last}")
    if vet:
        # Findings in std would not be ours to fix; only the cached facts matter.
        subprocess.run([tc.path, "vet", *flags, *packages], cwd=tmp, env=build_env,
                       capture_output=True, text=True)
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
