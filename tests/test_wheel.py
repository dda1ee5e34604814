"""A real wheel, installed outside the checkout, is a working buildprof (issue 14).

The wheel is built from a copy of the checkout and installed with `--no-deps` into a
fresh venv; the repository venv's site-packages reaches it through a .pth file, so the
install needs no index. Every command then runs from a temporary directory with
BUILDPROF_SAMPLES unset, and must import the installed package, never the checkout.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO

GO = shutil.which("go")
MAX_WHEEL_BYTES = 2 * 2**20  # the wheel holds code and small sample sources only
JUNK = ("target", "__pycache__", "node_modules", ".venv")  # build output of a sample


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    env: dict[str, str]

    def run(self, *args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.venv / "bin" / args[0]), *args[1:]], capture_output=True,
                              text=True, env=self.env, cwd=cwd, timeout=timeout)


def _build_wheel(src: Path, out: Path) -> Path:
    """Offline, with this venv's setuptools: `./bootstrap.sh --test` installs the
    pinned one (>= 70.1 builds wheels without the `wheel` package)."""
    import setuptools

    version = tuple(int(p) for p in setuptools.__version__.split(".")[:2])
    assert version >= (70, 1), (f"setuptools {setuptools.__version__} cannot build the wheel "
                                f"offline: run ./bootstrap.sh --test")
    cmd = [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-w", str(out),
           "--no-build-isolation", "--no-index"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    (wheel,) = out.glob("buildprof-*.whl")
    return wheel


def _copy_checkout(dest: Path) -> Path:
    """What a wheel is built from, without the checkout's build output, plus planted
    build output in a sample (which the wheel must leave out)."""
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "target", "build", "*.egg-info",
                                  ".venv", "node_modules")
    for name in ("pyproject.toml", "README.md", "MANIFEST.in"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, dest / name)
    for name in ("profiler", "sample_projects"):
        shutil.copytree(REPO / name, dest / name, ignore=skip)
    for junk in JUNK:
        planted = dest / "sample_projects" / "cli-tool" / "rust" / junk / "debug" / "junk.bin"
        planted.parent.mkdir(parents=True)
        planted.write_bytes(b"\0" * 1024)
    (dest / "sample_projects" / "__pycache__").mkdir()
    (dest / "sample_projects" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    return dest


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    src = _copy_checkout(tmp_path_factory.mktemp("src"))
    wheel = _build_wheel(src, tmp_path_factory.mktemp("wheel"))
    venv = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    res = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"),
                          "install", "--no-deps", "--no-index", str(wheel)],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    # The dependencies (typer, rich, psutil, ...) come from this venv, after the
    # installed package: a .pth line only appends, and .pth files in that directory
    # (the checkout's editable finder) are not run.
    site = subprocess.run([str(venv / "bin" / "python"), "-c",
                           "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    deps = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (Path(site) / "repo_venv_deps.pth").write_text("".join(f"{p}\n" for p in deps))
    env = {k: v for k, v in os.environ.items()
           if k not in ("BUILDPROF_SAMPLES", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    return Installed(wheel=wheel, venv=venv, env=env)


def test_wheel_ships_every_package_and_sample_file_and_no_build_output(
        installed: Installed) -> None:
    names = zipfile.ZipFile(installed.wheel).namelist()
    shipped = {n.removeprefix("profiler/sample_projects/") for n in names
               if n.startswith("profiler/sample_projects/")}
    tracked = {p.relative_to(REPO / "sample_projects").as_posix()
               for p in (REPO / "sample_projects").rglob("*")
               if p.is_file() and not set(p.relative_to(REPO).parts) & {*JUNK, "__pycache__"}
               and p.suffix != ".pyc"}
    assert shipped == tracked
    assert {"tiny.toml", "small.toml", "pairs.toml", "http-service/rust/Cargo.lock",
            "cli-tool/go/go.sum", "cli-tool/go/edits.toml"} <= shipped
    assert not [n for n in names if set(n.split("/")) & set(JUNK) or n.endswith(".pyc")]
    # pyproject.toml lists the packages by hand (package-dir needs it): none is missing.
    packages = {p.parent.relative_to(REPO).as_posix()
                for p in (REPO / "profiler").rglob("__init__.py") if "__pycache__" not in p.parts}
    assert packages <= {n.rsplit("/", 1)[0] for n in names if n.endswith("/__init__.py")}
    assert {"profiler/measure/launcher.c", "profiler/measure/unitwrap.c"} <= set(names)
    static = REPO / "profiler" / "report" / "site" / "static"
    assert {p.relative_to(REPO).as_posix() for p in static.iterdir() if p.is_file()} <= set(names)
    assert "profiler/report/site/static/uPlot.iife.min.js" in names  # the site's assets ship
    assert installed.wheel.stat().st_size < MAX_WHEEL_BYTES


def test_installed_wheel_finds_its_samples_from_any_directory(
        installed: Installed, tmp_path: Path) -> None:
    res = installed.run("python", "-c", (
        "import profiler\n"
        "from profiler.samples import pairs\n"
        "from profiler.samples.realworld import realworld_dir\n"
        "from profiler.samples.spec import samples_dir\n"
        "print(profiler.__file__)\n"
        "print(samples_dir())\n"
        "print(realworld_dir('http-service', 'go'))\n"
        "print(' '.join(pairs.names()))\n"), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    package, samples, realworld, names = res.stdout.splitlines()
    venv = installed.venv.resolve()
    assert Path(package).resolve().is_relative_to(venv)  # not the checkout
    assert Path(samples) == Path(package).resolve().parent / "sample_projects"
    assert Path(realworld).is_relative_to(venv) and (Path(realworld) / "main.go").is_file()
    assert names.split() == ["jq", "age", "task"]

    res = installed.run("buildprof", "samples", "list", "--size", "tiny,small", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    rows = [ln.split() for ln in res.stdout.splitlines()]
    for size in ("tiny", "small"):
        for lang in ("go", "rust"):
            assert any(size in row and lang in row for row in rows), res.stdout

    # The real-world samples and the pairs (pairs.toml) reach the command line too.
    res = installed.run("buildprof", "run", "--sample", "no-such-sample", "--lang", "go",
                        "--db", str(tmp_path / "results.db"), cwd=tmp_path)
    assert res.returncode == 2, res.stdout + res.stderr
    for name in ("http-service", "cli-tool", "jq", "age", "task", "pairs"):
        assert name in res.stderr


@pytest.mark.skipif(GO is None, reason="needs the go toolchain on PATH")
def test_installed_wheel_runs_a_tiny_go_build(installed: Installed, tmp_path: Path) -> None:
    db = tmp_path / "results.db"
    res = installed.run("buildprof", "run", "--size", "tiny", "--lang", "go", "--scenario",
                        "clean", "--runs", "1", "--warmup", "0", "--db", str(db),
                        cwd=tmp_path, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    con = sqlite3.connect(db)
    rows = con.execute("""SELECT r.status, r.scenario, p.name, p.lang FROM runs r
                          JOIN projects p ON p.id = r.project_id""").fetchall()
    assert rows  # one run per default profile (debug, release)
    assert set(rows) == {("ok", "clean", "tiny", "go")}
