"""Why a build failed, in one line, and what fixes it.

A failed build's log can run to thousands of lines; the user needs the first
error the compiler reported (later ones are often consequences of it) and,
when the toolchain is simply too old for the project, the command that gets a
new enough one. Pure functions over text: no processes, no storage.
"""

from __future__ import annotations

import re

# cargo 1.7x+: "error: rustc 1.95.0 is not supported by the following packages:\n
#   foo@1.2.3 requires rustc 1.99"; older cargo: "package `foo v1.2.3` cannot be
# built because it requires rustc 1.99 or newer, while the currently active ..."
_RUSTC_NEEDED = re.compile(r"requires rustc (\d+(?:\.\d+){1,2})")
# go: "go: go.mod requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)", and
# the same for a dependency: "go: example.com/x@v1.0.0 requires go >= 1.24.1 (...)".
_GO_NEEDED = re.compile(r"requires go >= (\d+(?:\.\d+){1,2})")
_GO_POSITION = re.compile(r"(\S+\.go:\d+(?::\d+)?: .*)")
_RUST_ERROR = re.compile(r"^error(?:\[E\d+\])?: ")
# cargo's closing line names the crate, not the cause: use it only when alone.
_RUST_SUMMARY = ("error: could not compile", "error: aborting due to")


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def first_error(lang: str, text: str) -> str | None:
    """The compiler's first error line: Rust's first `error:`/`error[E…]:` line,
    Go's first `file.go:line:col:` message (else its first `go: …` line).
    None when the text holds nothing that looks like an error."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if lang == "rust":
        # An error that ends in ':' continues on the next line ("… the following
        # packages:" / "foo@1.2 requires rustc 1.99"): keep that line with it.
        errors = [ln + (" " + lines[i + 1] if ln.endswith(":") and i + 1 < len(lines) else "")
                  for i, ln in enumerate(lines) if _RUST_ERROR.match(ln)]
        causes = [ln for ln in errors if not ln.startswith(_RUST_SUMMARY)]
        return (causes or errors or [None])[0]
    for ln in lines:
        match = _GO_POSITION.search(ln)
        if match:
            return match.group(1)
    return next((ln for ln in lines if ln.startswith("go: ")), None)


def toolchain_hint(lang: str, text: str) -> str | None:
    """When the log says the toolchain is too old: the version needed and the
    command that installs it, as one sentence; otherwise None."""
    pattern = _RUSTC_NEEDED if lang == "rust" else _GO_NEEDED
    needed = pattern.findall(text)
    if not needed:
        return None
    version = max(needed, key=_version_key)
    if lang == "rust":
        return (f"the project needs rustc {version} or newer: `rustup toolchain install "
                f"{version}`, then `--toolchain rust@{version}`")
    return (f"the project needs Go {version} or newer: `buildprof toolchain install "
            f"go@{version}`, then `--toolchain go@{version}`")


def explain(lang: str, text: str) -> str:
    """One line for a failed build: its first error, plus the toolchain hint."""
    line = first_error(lang, text) or next(
        (ln.strip() for ln in reversed(text.splitlines()) if ln.strip()), "no error output")
    hint = toolchain_hint(lang, text)
    return f"{line} ({hint})" if hint else line
