"""The results file the site's tests read (tests/test_site.py, test_site_browser.py):
real builds, made once per test session.

- sessions 1 and 2: the tiny samples in Go and Rust, clean debug, 3 runs each
  (session 2 with --breakdown: units, a critical path, a trace);
- session 3: a Go repository's first-parent range c1..main (tests/watchrepo.py): a
  commit that does not build (c4), a step up at c6 and down at c13.
"""

from __future__ import annotations

from pathlib import Path

import watchrepo

from conftest import buildprof

TINY = ("--size", "tiny", "--scenario", "clean", "--profile", "debug", "--runs", "3",
        "--warmup", "0")


def make(root: Path) -> Path:
    db = root / "results.db"
    for extra in (("--label", "first"), ("--label", "second", "--breakdown")):
        res = buildprof("run", *TINY, *extra, "--db", str(db), timeout=900)
        assert res.returncode == 0, res.stderr
    repo = root / "app"
    c = watchrepo.make_go(repo)
    res = buildprof("run", str(repo), "--rev", f"{c['c1']}..main", "--scenario", "clean",
                    "--profile", "debug", "--runs", "2", "--warmup", "0", "--db", str(db),
                    timeout=900)
    assert res.returncode == 0, res.stderr
    return db
