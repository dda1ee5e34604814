"""One exception root. The CLI turns every BuildprofError into a single
`Error: ...` line (see profiler.cli.main); the message must name the fix.

Secrets (a store's password) are registered with `secret()`; every line the CLI
prints for an error passes through `scrub()`, so a message that quotes a library's
text cannot carry one out."""

import re

_SECRETS: set[str] = set()
# C0 and C1 control characters but newline and tab (a label may carry ESC sequences).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
HIDDEN = "***"


def secret(value: str | None) -> None:
    """Never print this value (nor its percent-decoded form) in an error line."""
    from urllib.parse import unquote

    for v in (value, unquote(value) if value else None):
        if v:
            _SECRETS.add(v)


def printable(text: str) -> str:
    """text with control characters replaced, safe to print on a terminal."""
    return _CONTROL.sub("\ufffd", text)


def scrub(text: str) -> str:
    """text with every registered secret replaced, longest first, and control
    characters replaced (an error line may quote a label from the history)."""
    for v in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(v, HIDDEN)
    return printable(text)


class BuildprofError(Exception):
    """Base class: str(err) is the one line shown to the user."""


class UsageError(BuildprofError):
    """Bad arguments: unknown names, out-of-range numbers."""


class ProjectError(BuildprofError):
    """The path is not a project buildprof can build."""


class ToolchainError(BuildprofError):
    """A toolchain is missing or cannot be used."""


class DatabaseError(BuildprofError):
    """The results database cannot be opened, written or trusted."""


class StepError(BuildprofError):
    """A preparation step (dependency download, cache seeding) failed.

    Not a build failure: nothing was timed."""
