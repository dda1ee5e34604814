"""Shared fixtures: one buildprof cache per test session, real tools, tmp databases."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"

# A suite started with SIGINT ignored (`nohup … &` in a script: a shell without job
# control starts background commands so) would hand that on to every process it
# starts, and the tests that press Ctrl-C with SIGINT would wait in vain. Python's own
# handler here means SIGINT's default in the children.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def buildprof_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every test shares one buildprof cache (std snapshots are seeded once),
    and none touches the developer's own ~/.cache/buildprof.

    BUILDPROF_TEST_CACHE keeps it between pytest runs, for faster local loops.
    """
    path = Path(os.environ.get("BUILDPROF_TEST_CACHE") or tmp_path_factory.mktemp("bpcache"))
    os.environ["BUILDPROF_CACHE"] = str(path)
    os.environ.pop("BUILDPROF_DB", None)
    return path


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """One throw-away PostgreSQL cluster for every test that needs one
    (tests/pgserver.py); each test makes its own database on it."""
    import pgserver

    try:
        srv = pgserver.start()
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        pytest.fail(f"cannot start PostgreSQL for the tests: {detail}")
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def memhog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The C fixture program with known memory and CPU use."""
    out = tmp_path_factory.mktemp("memhog") / "memhog"
    subprocess.run(["cc", "-O1", "-o", str(out), str(FIXTURES / "memhog.c")], check=True)
    return out


def tree_hash(root: Path) -> str:
    """Hash of every path, mode and byte below root (including build output)."""
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        st = p.lstat()
        h.update(f"{p.relative_to(root)}|{st.st_mode}".encode())
        if p.is_file() and not p.is_symlink():
            h.update(p.read_bytes())
    return h.hexdigest()


def copy_fixture(name: str, dest: Path) -> Path:
    target = dest / name
    shutil.copytree(FIXTURES / name, target)
    return target


def buildprof(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
              timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess, as a user would."""
    return subprocess.run([sys.executable, "-m", "profiler.cli.main", *args], capture_output=True,
                          text=True, env=env or os.environ.copy(), cwd=cwd or REPO,
                          timeout=timeout)


def error_line(res: subprocess.CompletedProcess[str], code: int = 2) -> str:
    """The one `Error:` line of a failed command (a noise warning may precede it)."""
    assert res.returncode == code, (res.returncode, res.stdout, res.stderr)
    assert "Traceback" not in res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip() and not ln.startswith("Warning:")]
    assert len(lines) == 1, res.stderr
    return lines[0]


@pytest.fixture(scope="session")
def site_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results file of real builds for the site's tests (tests/sitedb.py): two sessions
    of the tiny samples (the second with --breakdown) and a Go repository's range of
    commits with a broken commit and a step."""
    import sitedb

    kept = os.environ.get("BUILDPROF_TEST_SITE_DB")  # a file made before: faster local loops
    if kept and Path(kept).is_file():
        return Path(shutil.copy(kept, tmp_path_factory.mktemp("sitedb") / "results.db"))
    return sitedb.make(tmp_path_factory.mktemp("sitedb"))
