"""Published projects by name: `crate:NAME[@VERSION]` and `go:MODULE[@VERSION]`.

A crate's source comes with cargo from the Rust crate registry (a `cargo fetch`
of a throw-away manifest that depends on it, which works for binary-only
crates too); a module's with `go mod download -json` from the Go module proxy.
Either is copied once into buildprof's cache, `fetched/`, and every later run of
the same spec uses that copy without touching the network. A crate that ships
no `Cargo.lock` gets one resolved once and kept beside it, so every run builds
the same dependency versions; the lock file's hash is recorded.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import tarfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from profiler.errors import ProjectError, StepError, UsageError
from profiler.measure.process import run_step
from profiler.paths import cache_dir, locked_work_dir
from profiler.toolchains.base import clean_env

KINDS = {"crate": "rust", "go": "go"}
STEP_TIMEOUT_S = 600.0
NEWEST = 5  # versions listed when the one asked for does not exist


@dataclass(frozen=True)
class Remote:
    """A published project as the user named it."""

    kind: str  # "crate" | "go"
    name: str
    version: str | None  # None: the newest

    @property
    def lang(self) -> str:
        return KINDS[self.kind]

    @property
    def spec(self) -> str:
        return f"{self.kind}:{self.name}" + (f"@{self.version}" if self.version else "")


@dataclass(frozen=True)
class Fetched:
    remote: Remote  # as asked
    version: str  # the exact version fetched
    path: Path  # the cached source (never built in: runs copy it)
    lock_hash: str | None  # sha256 of Cargo.lock / go.sum, when there is one

    @property
    def source(self) -> str:
        """The exact spec, stored as the project's source: `crate:itoa@1.0.19`."""
        return f"{self.remote.kind}:{self.remote.name}@{self.version}"


MAX_SPEC = 256
CRATE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
CRATE_VERSION = re.compile(r"\d+(\.\d+){0,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?")
EXACT_CRATE = re.compile(r"\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?")
# Go's module path rules (golang.org/x/mod/module.CheckPath, in short): slash-separated
# elements of letters, digits and -._~, none empty, none starting or ending with a dot,
# the first a domain with a dot in it and no uppercase.
GO_ELEMENT = re.compile(r"[A-Za-z0-9_~-]([A-Za-z0-9._~-]*[A-Za-z0-9_~-])?")
GO_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")
EXACT_GO = re.compile(r"v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+incompatible)?")


def parse(text: str) -> Remote | None:
    """The remote spec in `text`, or None when it is a path. A name or version that
    the registry could not hold is one UsageError, before any network access."""
    kind, sep, rest = text.partition(":")
    if not sep or kind not in KINDS:
        return None
    name, _, version = rest.partition("@")
    example = "crate:ripgrep@14.1.1" if kind == "crate" else "go:github.com/itchyny/gojq@v0.12.17"
    what = "crate" if kind == "crate" else "module"
    if len(text) > MAX_SPEC:
        raise UsageError(f"'{text[:40]}…' is {len(text)} characters long; a {what} spec has at "
                         f"most {MAX_SPEC}, e.g. {example}")
    if not name.strip():
        raise UsageError(f"'{text}' names no {what}: write {kind}:NAME or {kind}:NAME@VERSION, "
                         f"e.g. {example}")
    if "@" in rest and not version.strip():
        raise UsageError(f"'{text}' has an empty version: drop the '@' for the newest, or "
                         f"give one, e.g. {example}")
    name, version = name.strip(), version.strip()
    if kind == "crate" and not CRATE_NAME.fullmatch(name):
        raise UsageError(f"'{name}' is not a crate name (letters, digits, - and _, starting "
                         f"with a letter, at most 64); e.g. {example}")
    if kind == "go" and not _go_path(name):
        raise UsageError(f"'{name}' is not a Go module path (a domain with a dot, then "
                         f"/-separated elements of letters, digits and -._~); e.g. {example}")
    if version and (version.startswith("-") or "/" in version or ".." in version or not (
            CRATE_VERSION if kind == "crate" else GO_VERSION).fullmatch(version)):
        form = "1.0.10 (or 1.0, 1)" if kind == "crate" else "v0.12.17, latest or a branch"
        raise UsageError(f"'{version}' is not a version of {what} {name}; give one such as "
                         f"{form}, e.g. {example}")
    return Remote(kind, name, version or None)


def _go_path(path: str) -> bool:
    parts = path.split("/")
    return (all(GO_ELEMENT.fullmatch(p) for p in parts) and "." in parts[0]
            and parts[0] == parts[0].lower() and not path.startswith("-"))


def exact(remote: Remote) -> bool:
    """Whether the version names one release: a partial or moving one (crate `@1`,
    `@1.2`; go `@latest`, `@master`, `@v1`) is resolved once and remembered."""
    if remote.version is None:
        return False
    return bool((EXACT_CRATE if remote.kind == "crate" else EXACT_GO).fullmatch(remote.version))


def fetch(remote: Remote) -> Fetched:
    """The cached source of `remote`, fetched on first use."""
    version = remote.version if exact(remote) else _remembered(remote)
    if version:
        cached = _cached(remote, version)
        if cached:
            return cached
    fetched = _fetch_crate(remote) if remote.kind == "crate" else _fetch_module(remote)
    if not exact(remote):
        _remember(remote, fetched.version)
    return fetched


# -- the cache ------------------------------------------------------------------

def _root(remote: Remote) -> Path:
    return cache_dir("fetched", "crates" if remote.kind == "crate" else "go")


def _dir_name(name: str, version: str) -> str:
    return f"{name.replace('/', '!')}@{version}"


# The completion marker lives in `.buildprof/` at the fetched tree's root, a directory
# that copies and content hashes skip (sources.local.SKIP_DIRS): the same release
# hashes the same whatever spec fetched it.
MARKER = Path(".buildprof") / "complete"
OLD_MARKER = ".buildprof-complete"  # before schema 9: inside the hashed tree


def _cached(remote: Remote, version: str) -> Fetched | None:
    path = _root(remote) / _dir_name(remote.name, version)
    old = path / OLD_MARKER
    if old.is_file() and not (path / MARKER).is_file():  # fetched by an older buildprof
        (path / MARKER).parent.mkdir(exist_ok=True)
        (path / MARKER).write_text("complete\n")
        old.unlink(missing_ok=True)
    if not (path / MARKER).is_file():
        return None
    return Fetched(remote, version, path, _lock_hash(path, remote.lang))


def _latest_file() -> Path:
    return cache_dir("fetched") / "newest.json"


def _remembered(remote: Remote) -> str | None:
    """The version a spec without one resolved to the first time: the same spec
    builds the same source until the cache is cleaned."""
    try:
        return json.loads(_latest_file().read_text()).get(remote.spec)
    except (OSError, ValueError):
        return None


def _remember(remote: Remote, version: str) -> None:
    """Record the version a spec resolved to; under a lock, so that two sessions
    remembering at once both keep theirs."""
    path = _latest_file()
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            known = json.loads(path.read_text())
        except (OSError, ValueError):
            known = {}
        known[remote.spec] = version
        tmp = path.with_name(f"{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(known, indent=1, sort_keys=True) + "\n")
        os.replace(tmp, path)


def _lock_hash(path: Path, lang: str) -> str | None:
    lock = path / ("Cargo.lock" if lang == "rust" else "go.sum")
    return hashlib.sha256(lock.read_bytes()).hexdigest() if lock.is_file() else None


def _install(remote: Remote, version: str, src: Path) -> Path:
    """Copy `src` into the cache atomically, writable (module caches are read-only)."""
    final = _root(remote) / _dir_name(remote.name, version)
    _reclaim_tmp(final.parent)
    tmp = final.with_name(f".tmp-{final.name}-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(src, tmp, symlinks=True)
    for dirpath, dirnames, filenames in os.walk(tmp):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            if not os.path.islink(p):
                os.chmod(p, os.stat(p).st_mode | 0o200)
    return tmp


def _reclaim_tmp(root: Path) -> None:
    """Remove `.tmp-NAME-PID` copies that an interrupted fetch left (its pid is gone)."""
    import psutil

    for d in root.glob(".tmp-*"):
        pid = d.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and not psutil.pid_exists(int(pid)):
            shutil.rmtree(d, ignore_errors=True)


def _finish(tmp: Path, remote: Remote, version: str) -> Fetched:
    (tmp / MARKER).parent.mkdir(exist_ok=True)
    (tmp / MARKER).write_text("complete\n")
    final = _root(remote) / _dir_name(remote.name, version)
    try:
        os.replace(tmp, final)
    except OSError:  # another session finished the same fetch first
        shutil.rmtree(tmp, ignore_errors=True)
    return Fetched(remote, version, final, _lock_hash(final, remote.lang))


def _step(argv: list[str], cwd: Path, env: dict[str, str], what: str) -> tuple[int, str, str]:
    res = run_step(argv, cwd, env, STEP_TIMEOUT_S)
    if res.timed_out:
        raise StepError(f"{what} timed out after {STEP_TIMEOUT_S:g} s; is the registry "
                        f"reachable?")
    return res.returncode, res.stdout, res.stderr


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1] if lines else "no output"


# -- crates ---------------------------------------------------------------------

def _cargo_env() -> tuple[str, dict[str, str]]:
    from profiler.toolchains import cargo as cargo_tc

    tc = cargo_tc.resolve(None)
    env = cargo_tc.build_env(tc, clean_env(), cache_dir("fetched", "cargo-target"))
    return tc.path, env


def _crate_versions(env: dict[str, str], name: str) -> list[str]:
    """The crate's versions, newest first, from cargo's local copy of its index
    entry (`version NUL json NUL` records), written by the failed look-up."""
    index = Path(env["CARGO_HOME"]) / "registry" / "index"
    found: list[tuple[tuple[int, ...], str]] = []
    lower = name.lower()
    for entry in index.glob(f"*/.cache/**/{lower}"):
        for record in entry.read_bytes().split(b"\0"):
            if not record.startswith(b"{"):
                continue
            try:
                meta = json.loads(record)
            except ValueError:
                continue
            vers = meta.get("vers", "")
            if not meta.get("yanked") and re.fullmatch(r"\d+\.\d+\.\d+", vers):
                found.append((tuple(int(x) for x in vers.split(".")), vers))
    return [v for _, v in sorted(set(found), reverse=True)]


def _locked_version(lock: Path, name: str) -> str:
    """The version of crate `name` that cargo resolved into the throw-away lock.

    Read from the lock, not from `cargo metadata`: metadata drops a dependency
    that has no library target, which is what most tools (jaq, just, rage) are."""
    try:
        packages = tomllib.loads(lock.read_text()).get("package", [])
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise StepError(f"cargo fetch left no readable lock file for crate {name}: {err}") from err
    found = [p["version"] for p in packages
             if p.get("name") == name and str(p.get("source", "")).startswith("registry+")]
    if not found:
        raise StepError(f"cargo fetch did not resolve crate {name}; "
                        f"`cargo search {name}` shows what the registry holds")
    return max(found, key=lambda v: tuple(int(x) if x.isdigit() else -1
                                          for x in re.split(r"[.+-]", v)))


UNPACK_MAX_BYTES = 512 << 20  # a crate archive's content; crates.io allows 10 MiB packed


def _unpacked(env: dict[str, str], name: str, version: str, private: Path) -> Path:
    """The crate's source as cargo unpacked it, or its downloaded `.crate` archive (a
    gzipped tar of NAME-VERSION/) unpacked into `private`, never into cargo's shared
    source directory: every member under NAME-VERSION/, no links, at most
    UNPACK_MAX_BYTES in all."""
    registry = Path(env["CARGO_HOME"]) / "registry"
    for src in registry.glob(f"src/*/{name}-{version}"):
        if (src / "Cargo.toml").is_file():
            return src
    prefix = f"{name}-{version}"
    for archive in registry.glob(f"cache/*/{prefix}.crate"):
        with tarfile.open(archive) as tar:
            members, total = tar.getmembers(), 0
            for m in members:
                total += max(m.size, 0)
                if not (m.isfile() or m.isdir()) or not (
                        m.name == prefix or m.name.startswith(prefix + "/")):
                    raise StepError(f"the archive of crate {name} {version} holds "
                                    f"{m.name!r}, not a file under {prefix}/; not unpacked")
            if total > UNPACK_MAX_BYTES:
                raise StepError(f"the archive of crate {name} {version} unpacks to "
                                f"{total >> 20} MiB, over {UNPACK_MAX_BYTES >> 20} MiB; not "
                                f"unpacked")
            tar.extractall(private / "unpacked", members=members, filter="data")
        return private / "unpacked" / prefix
    raise StepError(f"cargo fetch downloaded no source for crate {name} {version}")


def _check_cargo_view(cargo: str, where: Path, env: dict[str, str], expect: Path) -> None:
    """Cargo's own view of the manifest it uses in `where` must be `expect`: no
    workspace or config of anyone else's in a parent directory applies."""
    code, out, err = _step([cargo, "locate-project", "--workspace", "--message-format",
                            "plain"], where, env, "checking cargo's view of the fetch directory")
    found = Path(out.strip()) if code == 0 else None
    if found is None or found.resolve() != expect.resolve():
        raise ProjectError(f"cargo reads {found or _last_line(err)} in {where}, not "
                           f"buildprof's own manifest; move that file, or set "
                           f"BUILDPROF_CACHE elsewhere")


def _fetch_crate(remote: Remote) -> Fetched:
    cargo, env = _cargo_env()
    # A directory of buildprof's own (work_root's rule: no cargo config above it); the
    # manifest is a workspace of its own, so no parent workspace applies either.
    with locked_work_dir("fetch") as private:
        work = private / "manifest"
        (work / "src").mkdir(parents=True)
        (work / "src" / "lib.rs").write_text("")
        req = f"={remote.version}" if exact(remote) else (remote.version or "*")
        (work / "Cargo.toml").write_text(
            f'[package]\nname = "buildprof-fetch"\nversion = "0.0.0"\nedition = "2021"\n\n'
            f'[dependencies]\n"{remote.name}" = "{req}"\n\n[workspace]\n')
        _check_cargo_view(cargo, work, env, work / "Cargo.toml")
        what = f"fetching crate {remote.name} from the Rust crate registry (cargo fetch)"
        code, _out, err = _step([cargo, "fetch"], work, env, what)
        if code != 0:
            if "no matching package named" in err:
                raise UsageError(f"there is no crate '{remote.name}' on the Rust crate "
                                 f"registry; check the name (`cargo search {remote.name}`)")
            if "failed to select a version" in err:
                newest = _crate_versions(env, remote.name)[:NEWEST]
                raise UsageError(f"crate {remote.name} has no version {remote.version}; the "
                                 f"newest are: {', '.join(newest) or 'unknown'}")
            raise StepError(f"{what} failed: {_last_line(err)}")
        version = _locked_version(work / "Cargo.lock", remote.name)
        src = _unpacked(env, remote.name, version, private)
        crate = private / "crate"
        shutil.copytree(src, crate, symlinks=True)
        if not (crate / "Cargo.lock").is_file():
            # Resolved once, here, and kept: every run builds the same versions.
            if not _has_workspace(crate / "Cargo.toml"):
                _check_cargo_view(cargo, crate, env, crate / "Cargo.toml")
            code, _out, err = _step([cargo, "generate-lockfile"], crate, env,
                                    f"resolving crate {remote.name}'s dependencies")
            if code != 0:
                raise StepError(f"resolving crate {remote.name}'s dependencies (cargo "
                                f"generate-lockfile) failed: {_last_line(err)}")
        return _finish(_install(remote, version, crate), remote, version)


def _has_workspace(manifest: Path) -> bool:
    try:
        return "workspace" in tomllib.loads(manifest.read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return False


# -- Go modules -----------------------------------------------------------------

# A failure to reach the proxy, as opposed to its answer that a module is unknown.
_UNREACHABLE = re.compile(r"dial tcp|proxyconnect|no such host|connection refused|i/o timeout|"
                          r"TLS handshake|GOPROXY=off|network is unreachable")

def _go_env() -> tuple[str, dict[str, str]]:
    from profiler.toolchains import go as go_tc

    tc = go_tc.resolve(None)
    deps = cache_dir("deps")
    env = go_tc.private_config(clean_env())
    env.update({"GOROOT": tc.root, "GOMODCACHE": str(deps / "gomodcache"),
                "GOPATH": str(deps / "gopath"), "GOFLAGS": "-modcacherw", "GOWORK": "off",
                "GO111MODULE": "on", "GOCACHE": str(cache_dir("fetched", "gocache"))})
    return tc.path, env


def _fetch_module(remote: Remote) -> Fetched:
    go, env = _go_env()
    # A directory of buildprof's own with a throw-away go.mod: `go mod download` then
    # writes that module's go.sum, never one of an enclosing module (GOWORK is off).
    with locked_work_dir("fetch") as where:
        (where / "go.mod").write_text("module buildprof.invalid/fetch\n\ngo 1.21\n")
        code, out, err = _step([go, "env", "GOMOD"], where, env, "checking go's view of the "
                               "fetch directory")
        if code != 0 or Path(out.strip()).resolve() != (where / "go.mod").resolve():
            raise ProjectError(f"go reads {out.strip() or _last_line(err)} in {where}, not "
                               f"buildprof's own go.mod; set BUILDPROF_CACHE elsewhere")
        what = f"fetching module {remote.name} from the Go module proxy (go mod download)"
        query = f"{remote.name}@{remote.version or 'latest'}"
        code, out, err = _step([go, "mod", "download", "-json", query], where, env, what)
        try:
            info = json.loads(out) if out.strip() else {}
        except ValueError:
            info = {}
        if code != 0 or info.get("Error") or not info.get("Dir"):
            code, versions, lerr = _step([go, "list", "-m", "-versions", remote.name], where,
                                         env, f"listing module {remote.name}'s versions")
            if code != 0 and _UNREACHABLE.search(lerr):
                raise StepError(f"{what} failed: the proxy could not be reached "
                                f"({_last_line(lerr)})")
            if code != 0:
                raise UsageError(f"the Go module proxy has no module '{remote.name}' "
                                 f"({_last_line(lerr)}); check the module path")
            listed = versions.split()[1:]
            if remote.version and remote.version not in listed:
                newest = ", ".join(reversed(listed[-NEWEST:])) or "none published"
                raise UsageError(f"module {remote.name} has no version {remote.version}; the "
                                 f"newest are: {newest}")
            raise StepError(f"{what} failed: {_last_line(info.get('Error') or err)}")
    version = info["Version"]
    src = Path(info["Dir"])
    if not (src / "go.mod").is_file():
        raise ProjectError(f"module {remote.name}@{version} has no go.mod; buildprof builds "
                           f"Go modules")
    return _finish(_install(remote, version, src), remote, version)
