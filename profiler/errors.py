"""One exception root. The CLI turns every BuildprofError into a single
`Error: ...` line (see profiler.cli.main); the message must name the fix."""


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
