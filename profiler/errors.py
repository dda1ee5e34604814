"""One exception root. The CLI turns every BuildprofError into a single
`Error: ...` line (see profiler.cli.main); the message must name the fix.

Secrets (a store's password) are registered with `secret()`; every line the CLI
prints for an error passes through `scrub()`, so a message that quotes a library's
text cannot carry one out."""

_SECRETS: set[str] = set()
HIDDEN = "***"


def secret(value: str | None) -> None:
    """Never print this value (nor its percent-decoded form) in an error line."""
    from urllib.parse import unquote

    for v in (value, unquote(value) if value else None):
        if v:
            _SECRETS.add(v)


def scrub(text: str) -> str:
    """text with every registered secret replaced, longest first."""
    for v in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(v, HIDDEN)
    return text


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
