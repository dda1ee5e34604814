"""Cargo: `cargo build`/`check`/`test --no-run` in a workspace, offline after a fetch.

Rust's standard library ships prebuilt with the toolchain, so "no build state"
is simply an empty target directory, for clean and cold alike.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from profiler.backends import base, cargo_knobs, cargo_watch
from profiler.backends.base import Backend, BuildDirs
from profiler.errors import ProjectError, StepError
from profiler.measure.launcher import unit_calls, unitwrap
from profiler.model.units import Unit
from profiler.toolchains import cargo as cargo_tc
from profiler.toolchains import cargo_install
from profiler.toolchains.base import Toolchain, clean_env

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


def _artifact_messages(ws: BuildDirs) -> Iterator[dict[str, Any]]:
    """The `compiler-artifact` messages of the build just done (its JSON stdout)."""
    for line in (ws.logs / "stdout.log").read_text(errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        try:
            msg = json.loads(line)
        except json.JSONDecodeError:
            continue
        if msg.get("reason") == "compiler-artifact":
            yield msg


def configured_rustflags(root: Path, build_dir: Path) -> list[str]:
    """`build.rustflags` of the project's own cargo configs (in `build_dir` and its
    parents up to the copy's `root`), merged as cargo merges them (a string from a
    nearer config replaces, lists are joined with the nearer one's last), as a list
    of flags. A config that cannot be read gives none (cargo itself reports it)."""
    flags: list[str] = []
    d = build_dir
    dirs = []
    while True:
        dirs.append(d)
        if d == root or root not in d.parents:
            break
        d = d.parent
    for d in reversed(dirs):  # the farthest first: the nearest's flags come last
        for name in (".cargo/config", ".cargo/config.toml"):
            path = d / name
            if not path.is_file():
                continue
            try:
                value = tomllib.loads(path.read_text()).get("build", {}).get("rustflags")
            except (OSError, tomllib.TOMLDecodeError, AttributeError):
                continue
            if isinstance(value, str):
                flags = value.split()  # a string: the nearer config's replaces it
            elif isinstance(value, list):
                flags += [str(v) for v in value]  # lists are joined
            break  # both files: cargo reads the one without the extension
    return flags


class CargoBackend(Backend):
    lang = "rust"
    state_name = "target"
    finder = cargo_tc
    installer = cargo_install  # rustup's official builds, else Debian's
    knobs = cargo_knobs.KNOBS
    watch = cargo_watch
    starts_from = {"clean": "an empty target directory (Rust's std ships prebuilt)",
                   "cold": "an empty target directory, as for clean (std stays prebuilt)"}
    timed = {"clean": "cargo build", "cold": "cargo build", "incremental": "cargo build",
             "noop": "cargo build", "check": "cargo check", "test": "cargo test --no-run"}
    profiles = {"debug": "dev profile (cargo build)",
                "release": "release profile (cargo build --release)"}
    appended_edit = "\n// buildprof edit\n#[allow(dead_code)]\nfn buildprof_edit() -> u32 { 1 }\n"
    # cargo 1.7x+: "error: rustc 1.95.0 is not supported by the following packages:\n
    #   foo@1.2.3 requires rustc 1.99"; older cargo: "package `foo v1.2.3` cannot be
    # built because it requires rustc 1.99 or newer, while the currently active ..."
    too_old = re.compile(r"requires rustc (\d+(?:\.\d+){1,2})")

    def locate(self, path: Path, default: Toolchain) -> base.Layout:
        """A workspace member is built as a member: the workspace root is copied
        and the member built with -p; path dependencies outside the directory
        widen the copy to the smallest tree that holds them all."""
        env = cargo_tc.build_env(default, clean_env(), path / "target")
        from profiler.measure.process import run_step  # psutil: not for `scenarios`

        res = run_step([default.path, "metadata", "--no-deps", "--format-version", "1",
                        "--offline"], path, env, timeout=120)
        if not res.ok:
            return base.Layout(path)  # the build itself will say what is wrong, in its words
        meta = json.loads(res.stdout)
        workspace = Path(meta["workspace_root"])
        deps = [Path(d["path"]) for pkg in meta["packages"] for d in pkg["dependencies"]
                if d.get("path")]
        layout = base.enclosing(path, [workspace, *deps])
        member = next((pkg["name"] for pkg in meta["packages"]
                       if Path(pkg["manifest_path"]).parent == path), None)
        if workspace != path and member:
            return base.Layout(layout.root, layout.workdir, member, layout.note)
        return layout

    def pinned(self, project: Path, default: Toolchain) -> base.Pin | None:
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
            return base.Pin(f"rust@{channel}", name)
        return None

    def setup(self, ws: BuildDirs) -> None:
        self.step([ws.cell.toolchain.path, "fetch"], ws, "downloading crates (cargo fetch)",
                  self.env(ws, offline=False))

    def reset_state(self, ws: BuildDirs) -> None:
        shutil.rmtree(ws.state, ignore_errors=True)
        ws.state.mkdir(parents=True)

    def argv(self, ws: BuildDirs) -> list[str]:
        verb = {"check": ["check"], "test": ["test", "--no-run"]}.get(ws.cell.scenario,
                                                                      ["build"])
        argv = [ws.cell.toolchain.path, *verb, "--offline",
                "--message-format=json-render-diagnostics"]
        if ws.cell.variant:
            argv += ws.cell.variant.args  # a tune knob: --config profile.….=…
        if (ws.cell.project.fetched or ws.cell.project.source).startswith("crate:"):
            argv.append("--locked")  # a fetched crate builds the versions its lock names
        if ws.cell.profile == "release":
            argv.append("--release")
        if ws.cell.jobs:
            argv += ["-j", str(ws.cell.jobs)]
        if ws.cell.project.package:
            argv += ["-p", ws.cell.project.package]
        return argv

    def env(self, ws: BuildDirs, offline: bool = True) -> dict[str, str]:
        # `--offline` in argv keeps the timed build from the network; `offline`
        # has nothing more to add here.
        env = cargo_tc.build_env(ws.cell.toolchain, clean_env(), ws.state)
        # The project's own .cargo/config.toml is copied with it and applies, but two
        # of its keys would make builds measure something else: a `build.build-dir`
        # (intermediate artifacts) outside buildprof's state would keep "clean"
        # builds warm, and a `rustc-wrapper` (sccache) would cache across builds, and
        # apply to the runs without --breakdown only. Both are overridden here; the
        # empty wrapper is cargo's way to turn a configured one off.
        env["CARGO_BUILD_BUILD_DIR"] = str(ws.state)
        env["RUSTC_WRAPPER"] = ""
        env["RUSTC_WORKSPACE_WRAPPER"] = ""
        if ws.cell.variant:
            env.update(ws.cell.variant.env)  # a tune knob: CARGO_PROFILE_*, RUSTFLAGS…
            if "RUSTFLAGS" in dict(ws.cell.variant.env):
                # RUSTFLAGS replaces the config's build.rustflags: keep the project's
                # own flags and add the knob's after them (a later flag wins).
                configured = configured_rustflags(ws.src, ws.build_dir)
                env["RUSTFLAGS"] = " ".join([*configured, env["RUSTFLAGS"]]).strip()
        if ws.cell.breakdown:
            env["RUSTC_WRAPPER"] = str(unitwrap())
            env["BUILDPROF_UNITS_LOG"] = str(ws.logs / "units.log")
        return env

    def units(self, ws: BuildDirs, build_start: float) -> list[Unit]:
        if not ws.cell.breakdown:
            return []
        return rust_units(ws.logs / "units.log", build_start)

    def artifact_bytes(self, ws: BuildDirs) -> int | None:
        """Binaries (or test binaries) cargo reports as artifacts; for a
        library-only workspace, its own libraries."""
        if ws.cell.scenario == "check":
            return None
        total, seen = 0, set()
        for msg in _artifact_messages(ws):
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

    def executables(self, ws: BuildDirs) -> list[Path]:
        """The `bin` targets' executables among the build's compiler-artifact messages."""
        if ws.cell.scenario in ("check", "test"):
            return []
        found = []
        for msg in _artifact_messages(ws):
            exe = msg.get("executable")
            if exe and "bin" in msg.get("target", {}).get("kind", []) and os.path.isfile(exe):
                found.append(Path(exe))
        return sorted(set(found))

    def rebuilt_units(self, ws: BuildDirs) -> int | None:
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

    def compiled_lines(self, ws: BuildDirs) -> base.CompiledLines:
        """The `.rs` lines the build just done in `ws` compiled, read from the
        dep-info files rustc wrote for each crate it compiled: `deps/*.d` and,
        for build scripts, `build/*/*.d` in the profile's directory of the target
        directory (and of `<triple>/`, for a project whose cargo config sets
        build.target). Each names the files rustc read for that crate, with
        features and cfg applied: a `#[cfg(windows)] mod` is not there, a file
        a build script generated into OUT_DIR and pulled in with include! is.
        Files that are not `.rs` (include_str!, include_bytes!) are not counted.

        `own` is the files in the workspace's copy of the project (ws.src),
        `total` every file, each counted once; `packages` the dep-info files
        read. Reads the build's output, writes nothing. After `check` the files
        are the same: cargo check writes dep-info for its metadata too. The
        target directory's top-level `.d` files are cargo's copies for the final
        artifacts (local crates only), so they are left out.
        """
        profile_dir = "release" if ws.cell.profile == "release" else "debug"
        infos = sorted({*ws.state.glob(f"{profile_dir}/deps/*.d"),
                        *ws.state.glob(f"*/{profile_dir}/deps/*.d"),
                        *ws.state.glob(f"{profile_dir}/build/*/*.d"),
                        *ws.state.glob(f"*/{profile_dir}/build/*/*.d")})
        if not infos:
            raise StepError(f"no dep-info files (.d) in {ws.state / profile_dir}/deps: the "
                            f"compiled lines are read from a build's output, so count them "
                            f"right after a successful build")
        # rustc runs in the Cargo workspace's root, and names a workspace
        # member's files relative to it (other crates' absolutely).
        manifest = self.step([ws.cell.toolchain.path, "locate-project", "--workspace",
                              "--message-format", "plain"], ws,
                             "finding the Cargo workspace root (cargo locate-project)",
                             self.env(ws)).strip()
        root = Path(manifest).parent
        files = {(root / f).resolve() for info in infos for f in _dep_info_inputs(info)
                 if f.endswith(".rs")}
        src = ws.src.resolve()
        own = {f for f in files if f.is_relative_to(src)}
        own_lines = base.count_files(own)
        return base.CompiledLines(own=own_lines, total=own_lines + base.count_files(files - own),
                             packages=len(infos))

    def advice(self, variant: str, profile: str) -> str:
        return cargo_knobs.advice(variant, profile)

    def tune_note(self, toolchain: str | None, version: str | None) -> str | None:
        return cargo_knobs.tune_note(toolchain, version)

    def install_hint(self, version: str) -> str:
        return (f"the project needs rustc {version} or newer: `buildprof toolchain install "
                f"rust@{version}`, then `--toolchain rust@{version}`")


def _dep_info_inputs(path: Path) -> list[str]:
    """The input files a rustc dep-info file names, as rustc wrote them. After
    its `output: inputs…` rules rustc writes one empty rule per input (`path:`,
    so that make does not fail once a file is deleted): those lines are read,
    as they hold one path each; rustc escapes a space in a path as `\\ `.
    `# env-dep:` and other comment lines are not files."""
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        raise StepError(f"cannot read the dep-info file {path} ({exc.strerror or exc})"
                        ) from None
    return [line[:-1].replace("\\ ", " ") for line in text.splitlines()
            if line.endswith(":") and not line.startswith("#") and ": " not in line]


# -- the units of a --breakdown build ------------------------------------------------


def rust_units(log: Path, build_start: float) -> list[Unit]:
    """Units from the wrapper's log of rustc calls (cargo's probes are skipped)."""
    raw = []
    for c in unit_calls(log):
        crate = c.arg("--crate-name")
        if crate is None or crate == "___":
            continue  # `rustc -vV`, `--print` probes
        types = c.values("--crate-type")
        if crate == "build_script_build":
            out_dir = c.arg("--out-dir") or ""
            pkg = Path(out_dir).name.rsplit("-", 1)[0] or crate
            kind, name = "build-script", f"{pkg} (build script)"
        elif "--test" in c.args[1:]:
            kind, name = "test", f"{crate} (test)"
        elif "proc-macro" in types:
            kind, name = "proc-macro", crate
        elif "bin" in types:
            kind, name = "bin", f"{crate} (bin)"
        else:
            kind, name = "lib", crate
        externs = [e.split("=", 1)[0] for e in c.values("--extern")]
        raw.append((c, kind, name, externs))
    names: dict[str, int] = {}
    units = []
    libs: dict[str, list[Unit]] = {}
    for c, kind, name, externs in sorted(raw, key=lambda r: r[0].t0):
        names[name] = names.get(name, 0) + 1
        if names[name] > 1:
            name = f"{name} #{names[name]}"
        # A dependency is the latest compilation of that crate that ended before this began.
        deps = []
        for ext in externs:
            done = [u for u in libs.get(ext, []) if u.end_s <= c.t0 - build_start + 1e-3]
            if done:
                deps.append(done[-1].name)
        unit = Unit(name, kind, c.t0 - build_start, c.t1 - build_start, c.cpu_s, c.rss,
                    tuple(deps))
        units.append(unit)
        if kind in ("lib", "proc-macro"):
            libs.setdefault(name.split(" #")[0], []).append(unit)
    return units
