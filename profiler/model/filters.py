"""What a reader selects: the filters every reading command shares.

`history`, `compare`, `export`, `report`, `push` and `pull` take the same
filters (profiler.cli.options.filter_options declares them once); the storage
layer turns them into SQL (profiler.storage.queries.where).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from profiler.errors import UsageError


@dataclass(frozen=True)
class Filters:
    """What to select. Values within one filter are alternatives (OR); filters
    combine with AND. Empty means "any"."""

    langs: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()  # project names (graded samples are named by size)
    scenarios: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    toolchains: tuple[str, ...] = ()  # go@1.26.8, rust@nightly, 1.26.8, go
    labels: tuple[str, ...] = ()
    machines: tuple[str, ...] = ()  # id prefix or hostname
    sessions: tuple[int, ...] = ()
    since: str | None = None  # see parse_since
    revs: tuple[str, ...] = ()  # git revisions: the name given to `run --rev`, or a commit prefix

    def with_(self, **changes: Any) -> Filters:
        """A copy with some filters replaced."""
        return replace(self, **changes)


def parse_since(value: str | None) -> str | None:
    """An ISO date or date-time as the UTC text sessions store, for comparison."""
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--since takes an ISO date such as 2026-05-01 or "
                         f"2026-05-01T14:00 (got '{value}')") from None
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt.isoformat(timespec="seconds")
