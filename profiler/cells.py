"""The cell: one combination of project, toolchain, scenario, profile, jobs and edit.

Two ideas, two names:
- `CellPlan`: what to run (the project and toolchain objects, the edit to apply,
  whether to record units). The scenarios and the runner take these.
- `CellKey`: which cell a stored run belongs to, by name. Every reader
  (history, compare, report, export, the run summary) groups runs by it, and
  every label of a cell is built here, once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from profiler.projects import Project
from profiler.scenarios.edits import Edit
from profiler.toolchains.base import Toolchain

# The run-row columns that identify a cell, in CellKey's field order.
KEY_FIELDS = ("project", "lang", "toolchain", "scenario", "profile", "jobs", "edit")


@dataclass(frozen=True)
class CellKey:
    project: str
    lang: str
    toolchain: str  # the toolchain's spec: go@1.26.8, rust@stable
    scenario: str
    profile: str
    jobs: int | None = None
    edit: str | None = None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> CellKey:
        """The key of a stored run (or any mapping with the KEY_FIELDS)."""
        return cls(*(row.get(k) for k in KEY_FIELDS))

    @property
    def scenario_text(self) -> str:
        """The scenario with its edit and jobs: `incremental (leaf-body) -j2`."""
        text = self.scenario + (f" ({self.edit})" if self.edit else "")
        return text + (f" -j{self.jobs}" if self.jobs else "")

    @property
    def label(self) -> str:
        """The whole cell in one line: `small go go@1.26.8 incremental leaf-body debug -j2`."""
        edit = f" {self.edit}" if self.edit else ""
        jobs = f" -j{self.jobs}" if self.jobs else ""
        return (f"{self.project} {self.lang} {self.toolchain} {self.scenario}{edit} "
                f"{self.profile}{jobs}")


@dataclass(frozen=True)
class CellPlan:
    """What to run for one cell."""

    project: Project
    toolchain: Toolchain
    scenario: str
    profile: str
    jobs: int | None = None
    edit: Edit | None = None
    breakdown: bool = False  # record per-unit times and memory (a wrapper per compiler call)

    @property
    def lang(self) -> str:
        return self.project.lang

    @property
    def key(self) -> CellKey:
        return CellKey(self.project.name, self.lang, self.toolchain.spec, self.scenario,
                       self.profile, self.jobs, self.edit.name if self.edit else None)

    @property
    def label(self) -> str:
        return self.key.label

    @property
    def dirname(self) -> str:
        """A file-name-safe, unique-enough name for the cell's work directory."""
        edit = f"-{self.edit.name}" if self.edit else ""
        jobs = f"-j{self.jobs}" if self.jobs else ""
        jobs += "-bd" if self.breakdown else ""
        name = self.project.name.replace(os.sep, "_")
        return (f"{self.lang}-{name}-{self.toolchain.version}-{self.scenario}"
                f"-{self.profile}{jobs}{edit}").replace(":", "_").replace("/", "_")
