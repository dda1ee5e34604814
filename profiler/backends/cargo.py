"""Cargo: `cargo build`/`check`/`test --no-run` in a workspace, offline after a fetch.

Rust's standard library ships prebuilt with the toolchain, so "no build state"
is simply an empty target directory, for clean and cold alike.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

from profiler.backends.base import (
    Backend,
    CompiledLines,
    Layout,
    Pin,
    count_files,
    enclosing,
)
from profiler.breakdown import Unit, rust_units
from profiler.errors import ProjectError
from profiler.measure.launcher import unitwrap
from profiler.measure.process import run_step
from profiler.projects import is_cache_dir
from profiler.toolchains import cargo as cargo_tc
from profiler.toolchains.base import Toolchain, clean_env, run_probe

if TYPE_CHECKING:
    from profiler.scenarios.workspace import Workspace

_ERROR = re.compile(r"^error(?:\[E\d+\])?: ")
# cargo's closing line names the crate, not the cause: use it only when alone.
_SUMMARY = ("error: could not compile", "error: aborting due to")
# rustc: "error: linker `cc` not found". A build script's cc crate (cc-rs 1.x):
# "Failed to find tool. Is `cc` installed?", first in the script's warning with
# the tool CC names, then in its closing error (which may say `cc` regardless);
# cc-rs before 1.0.3x: "is `cc` not installed?".
_NO_LINKER = re.compile(r"^error: linker `([^`]+)` not found", re.M)
_NO_TOOL = re.compile(r"[Ff]ailed to find tool\. Is `([^`]+)` installed\?"
                      r"|is `([^`]+)` not installed\?")


class CargoBackend(Backend):
    lang = "rust"
    state_name = "target"
    # cargo 1.7x+: "error: rustc 1.95.0 is not supported by the following packages:\n
    #   foo@1.2.3 requires rustc 1.99"; older cargo: "package `foo v1.2.3` cannot be
    # built because it requires rustc 1.99 or newer, while the currently active ..."
    too_old = re.compile(r"requires rustc (\d+(?:\.\d+){1,2})")

    def resolve(self, spec: str | None) -> Toolchain:
        return cargo_tc.resolve(spec)

    def locate(self, path: Path, default: Toolchain) -> Layout:
        """A workspace member is built as a member: the workspace root is copied
        and the member built with -p; path dependencies outside the directory
        widen the copy to the smallest tree that holds them all."""
        env = cargo_tc.build_env(default, clean_env(), path / "target")
        res = run_step([default.path, "metadata", "--no-deps", "--format-version", "1",
                        "--offline"], path, env, timeout=120)
        if not res.ok:
            return Layout(path)  # the build itself will say what is wrong, in its words
        meta = json.loads(res.stdout)
        workspace = Path(meta["workspace_root"])
        deps = [Path(d["path"]) for pkg in meta["packages"] for d in pkg["dependencies"]
                if d.get("path")]
        layout = enclosing(path, [workspace, *deps])
        member = next((pkg["name"] for pkg in meta["packages"]
                       if Path(pkg["manifest_path"]).parent == path), None)
        if workspace != path and member:
            return Layout(layout.root, layout.workdir, member, layout.note)
        return layout

    def pinned(self, project: Path, default: Toolchain) -> Pin | None:
        """rustup's rule: `rust-toolchain.toml` (`[toolchain] channel = …`), else a
        `rust-toolchain` file holding the channel name (or the same TOML)."""
        for name in ("rust-toolchain.toml", "rust-toolchain"):
            path = project / name
            if not path.is_file():
                continue
            text = path.read_text(errors="replace")
            try:
                channel = tomllib.loads(text).get("toolchain", {}).get("channel")
            except tomllib.TOMLDecodeError:
                channel = text.strip() if name == "rust-toolchain" else None
            if not channel:
                raise ProjectError(f"{path} names no channel; write [toolchain] channel = "
                                   f"\"1.80.0\" (or stable, nightly), or pass --toolchain")
            return Pin(f"rust@{channel}", name)
        return None

    def setup(self, ws: Workspace) -> None:
        self.step([ws.cell.toolchain.path, "fetch"], ws, "downloading crates (cargo fetch)",
                  self.env(ws, offline=False))

    def reset_state(self, ws: Workspace) -> None:
        shutil.rmtree(ws.state, ignore_errors=True)
        ws.state.mkdir(parents=True)

    def argv(self, ws: Workspace) -> list[str]:
        verb = {"check": ["check"], "test": ["test", "--no-run"]}.get(ws.cell.scenario,
                                                                      ["build"])
        argv = [ws.cell.toolchain.path, *verb, "--offline",
                "--message-format=json-render-diagnostics"]
        if (ws.cell.project.fetched or ws.cell.project.source).startswith("crate:"):
            argv.append("--locked")  # a fetched crate builds the versions its lock names
        if ws.cell.profile == "release":
            argv.append("--release")
        if ws.cell.jobs:
            argv += ["-j", str(ws.cell.jobs)]
        if ws.cell.project.package:
            argv += ["-p", ws.cell.project.package]
        return argv

    def env(self, ws: Workspace, offline: bool = True) -> dict[str, str]:
        # `--offline` in argv keeps the timed build from the network; `offline`
        # has nothing more to add here.
        env = cargo_tc.build_env(ws.cell.toolchain, clean_env(), ws.state)
        if ws.cell.breakdown:
            env["RUSTC_WRAPPER"] = str(unitwrap())
            env["BUILDPROF_UNITS_LOG"] = str(ws.logs / "units.log")
        return env

    def units(self, ws: Workspace, build_start: float) -> list[Unit]:
        if not ws.cell.breakdown:
            return []
        return rust_units(ws.logs / "units.log", build_start)

    def artifact_bytes(self, ws: Workspace) -> int | None:
        """Binaries (or test binaries) cargo reports as artifacts; for a
        library-only workspace, its own libraries."""
        if ws.cell.scenario == "check":
            return None
        total, seen = 0, set()
        for line in (ws.logs / "stdout.log").read_text(errors="replace").splitlines():
            if not line.startswith("{"):
                continue
            try:
                msg = json.loads(line)
            except json.JSONDecodeError:
                continue
            if msg.get("reason") != "compiler-artifact":
                continue
            exe = msg.get("executable")
            kinds = msg.get("target", {}).get("kind", [])
            files = [exe] if exe else []
            if not exe and msg.get("package_id", "").startswith("path+file://") \
                    and "custom-build" not in kinds:
                files = [f for f in msg.get("filenames", []) if f.endswith((".rlib", ".so", ".a"))]
            for f in files:
                if f not in seen and os.path.exists(f):
                    seen.add(f)
                    total += os.path.getsize(f)
        return total

    def rebuilt_units(self, ws: Workspace) -> int | None:
        """Cargo's `Compiling` and `Checking` status lines (a no-op build has none)."""
        try:
            text = (ws.logs / "stderr.log").read_text(errors="replace")
        except OSError:
            return None
        return sum(1 for ln in text.splitlines()
                   if ln.lstrip().startswith(("Compiling ", "Checking ")))

    def first_error(self, text: str) -> str | None:
        """Rust's first `error:`/`error[E…]:` line that names a cause."""
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        # An error that ends in ':' continues on the next line ("… the following
        # packages:" / "foo@1.2 requires rustc 1.99"): keep that line with it.
        errors = [ln + (" " + lines[i + 1] if ln.endswith(":") and i + 1 < len(lines) else "")
                  for i, ln in enumerate(lines) if _ERROR.match(ln)]
        causes = [ln for ln in errors if not ln.startswith(_SUMMARY)]
        return (causes or errors or [None])[0]

    def missing_tool(self, text: str) -> tuple[str, bool] | None:
        """The linker rustc could not run, or the tool (a C compiler) a build
        script's cc crate could not find, whichever the log names first."""
        found = [(m.start(), m.group(1), True) for m in [_NO_LINKER.search(text)] if m]
        # Only a build script that failed: one that went on without the tool
        # (an optional C part) leaves the same warning in a log failing elsewhere.
        if "failed to run custom build command" in text:
            found += [(m.start(), m.group(1) or m.group(2), False)
                      for m in [_NO_TOOL.search(text)] if m]
        return min(found)[1:] if found else None

    def compiled_lines(self, root: Path, workdir: str, package: str | None,
                       tc: Toolchain) -> CompiledLines:
        """The `.rs` lines of every crate `cargo build` (with `-p package`) in
        root/workdir compiles. From `cargo metadata --locked --offline
        --filter-platform HOST`: the roots are `package`, else the workspace's
        default members (`own` is their lines); `total` adds each crate reached
        from them through normal and build dependencies (not dev ones; a
        dependency without a library is not built, and metadata leaves it out).

        Unlike Go's count, this one is not exact for the build: features and
        cfg are not taken into account. A crate counts every `.rs` file under its
        directory (code behind a disabled feature, another OS or #[cfg(test)]
        included) except those in its tests/, benches/, examples/, target/ and
        nested packages; only which crates are reached follows the resolve
        (default features, this host's platform).

        --locked and --offline keep cargo from writing a Cargo.lock or
        downloading: a project without an up-to-date lock, or whose crates are
        not downloaded yet (run it after setup), is a StepError carrying cargo's
        message, not a partial count.
        """
        build_dir = root / workdir
        with tempfile.TemporaryDirectory(prefix="buildprof-metadata-") as target:
            env = cargo_tc.build_env(tc, clean_env(), Path(target))
            text = self.query([tc.path, "metadata", "--format-version", "1", "--locked",
                               "--offline", "--filter-platform", _host(tc)], build_dir,
                              "counting the compiled lines (cargo metadata)", env,
                              "they are counted once `cargo fetch` has written Cargo.lock "
                              "and downloaded the crates")
        meta = json.loads(text)
        dirs = {p["id"]: Path(p["manifest_path"]).parent for p in meta["packages"]}
        if package is None:
            # workspace_default_members is cargo 1.71+; before, the resolve's root
            # (a package) or every member (a virtual workspace).
            roots = meta.get("workspace_default_members") or (
                [meta["resolve"]["root"]] if meta["resolve"].get("root")
                else meta["workspace_members"])
        else:
            names = {p["id"]: p["name"] for p in meta["packages"]}
            roots = [i for i in meta["workspace_members"] if names[i] == package]
            if not roots:
                raise ProjectError(f"{package} is not a member of the Cargo workspace at "
                                   f"{meta['workspace_root']}; check the package name")
        nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
        reached, stack = set(roots), list(roots)
        while stack:
            for dep in nodes[stack.pop()]["deps"]:
                kinds = {k.get("kind") for k in dep.get("dep_kinds", [{"kind": None}])}
                if kinds & {None, "build"} and dep["pkg"] not in reached:
                    reached.add(dep["pkg"])
                    stack.append(dep["pkg"])
        own = {f for r in roots for f in _rust_files(dirs[r])}
        rest = {f for r in reached - set(roots) for f in _rust_files(dirs[r])} - own
        own_lines = count_files(own)
        return CompiledLines(own=own_lines, total=own_lines + count_files(rest),
                             packages=len(reached))

    def install_hint(self, version: str) -> str:
        return (f"the project needs rustc {version} or newer: `rustup toolchain install "
                f"{version}`, then `--toolchain rust@{version}`")


# A crate's directories that `cargo build` does not compile from (integration
# tests, benches, examples) or that hold build output; only at the crate's top.
_NOT_BUILT = frozenset({"tests", "benches", "examples", "target"})


def _rust_files(crate: Path) -> list[Path]:
    """The `.rs` files below a crate's directory, without _NOT_BUILT, cache
    directories (CACHEDIR.TAG) and nested packages (a workspace root's members:
    they are crates of their own, counted when reached)."""
    found = []
    for dirpath, dirs, files in os.walk(crate):
        here = Path(dirpath)
        dirs[:] = [d for d in dirs
                   if not (here == crate and d in _NOT_BUILT)
                   and not (here / d / "Cargo.toml").is_file()
                   and not is_cache_dir(here / d)]
        found += [here / f for f in files if f.endswith(".rs")]
    return found


def _host(tc: Toolchain) -> str:
    """The host triple (`rustc -vV`'s host: line), which the build targets by default."""
    text = tc.version_full
    if "host:" not in text:
        rustc = tc.extra.get("rustc", str(Path(tc.path).parent / "rustc"))
        text = run_probe([rustc, "-vV"])
    return re.search(r"^host:\s*(\S+)", text, re.M).group(1)  # type: ignore[union-attr]
