"""Stable global ids for sessions and runs, so that copies of one result file can be
merged (`buildprof merge`, and later a team store) without duplicating anything.

A session or run recorded since schema 6 gets a random UUID when it is recorded.
Rows recorded before get a name-based UUID (uuid5) computed from what identifies
them (machine, start times, the process, the cell, the measured wall time), so two
copies of one old file, migrated separately, give their shared rows the same ids.
A file opened read-only is not migrated; its ids are computed the same way when read.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

# A fixed namespace for buildprof's name-based ids (uuid5 of buildprof's own name).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://buildprof.invalid/ids")

SESSION_FIELDS = ("machine_id", "started", "pid", "pid_started", "command_line")
RUN_FIELDS = ("session_uuid", "machine_id", "started", "iteration", "warmup", "scenario",
              "profile", "jobs", "edit", "content_hash", "toolchain_id", "wall_s", "status")


def new_id() -> str:
    return str(uuid.uuid4())


def _named(kind: str, row: Mapping[str, Any], fields: tuple[str, ...]) -> str:
    text = "|".join(f"{f}={row.get(f)!r}" for f in fields)
    return str(uuid.uuid5(NAMESPACE, f"{kind}|{text}"))


def session_uuid(row: Mapping[str, Any]) -> str:
    """The id of a session recorded before ids existed (a sessions row)."""
    return _named("session", row, SESSION_FIELDS)


def run_uuid(row: Mapping[str, Any]) -> str:
    """The id of a run recorded before ids existed: a runs row with its session's
    uuid (`session_uuid`) and its project's `content_hash`."""
    return _named("run", row, RUN_FIELDS)
