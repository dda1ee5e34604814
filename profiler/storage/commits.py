"""What is recorded for commits: how many good runs each revision cell already has.

`run PATH --rev A..B` measures a range resumably: a commit whose cell already has
its runs on this machine is skipped, and one interrupted half-way gets only the runs
it lacks. The key is the cell as the session plans it (project name and language,
commit, toolchain id, scenario, profile, jobs, edit, variant).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from profiler.model.cells import BASELINE

if TYPE_CHECKING:
    from profiler.storage.db import ResultsDB

CommitCellKey = tuple[str, str, str, str, str, str, int | None, str | None, str]


def ok_runs(db: ResultsDB, machine_id: str, commits: Iterable[str]
            ) -> dict[CommitCellKey, int]:
    """Successful timed runs on `machine_id` of every cell of `commits`."""
    conn = db.conn
    wanted = sorted(set(commits))
    if not wanted:
        return {}
    marks = ", ".join("?" * len(wanted))
    rows = conn.execute(
        f"SELECT p.name, p.lang, r.commit_hash, r.toolchain_id, r.scenario, r.profile, "
        f"r.jobs, r.edit, COALESCE(r.variant, ?), count(*) FROM runs r "
        f"JOIN projects p ON p.id = r.project_id "
        f"WHERE r.machine_id = ? AND r.status = 'ok' AND r.warmup = 0 "
        f"AND r.commit_hash IN ({marks}) "
        f"GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9", [BASELINE, machine_id, *wanted])
    return {tuple(row[:9]): int(row[9]) for row in rows}  # type: ignore[misc]
