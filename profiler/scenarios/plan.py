"""What to run for one cell: the project and toolchain objects, the edit, the knob.

`CellPlan` is what the session builds and the runner, the workspace and the
backends take; its `key` is the cell as stored (profiler.model.cells.CellKey).
A `Variant` is a `tune` knob set on top of a cell.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from profiler.model.cells import BASELINE, CellKey
from profiler.scenarios.edits import Edit
from profiler.sources.local import Project
from profiler.toolchains.base import Toolchain


@dataclass(frozen=True)
class Variant:
    """A build knob set on top of the cell (`buildprof tune`): environment variables
    and build-command flags only, so the project's files are never edited."""

    name: str  # as stored in runs.variant: debuginfo=0, linker=mold, -trimpath
    env: tuple[tuple[str, str], ...] = ()
    args: tuple[str, ...] = ()  # cargo: after the verb; go: with the build flags

    @property
    def slug(self) -> str:
        """The name, safe in a file name."""
        return "".join(ch if ch.isalnum() or ch in "-_=." else "_" for ch in self.name)


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
    # Which rule chose the toolchain: --toolchain, the project's pin file, or default.
    toolchain_rule: str = "default"
    variant: Variant | None = None  # a `tune` knob; None: the baseline

    @property
    def lang(self) -> str:
        return self.project.lang

    @property
    def variant_name(self) -> str:
        return self.variant.name if self.variant else BASELINE

    @property
    def key(self) -> CellKey:
        return CellKey(self.project.name, self.lang, self.toolchain.spec, self.scenario,
                       self.profile, self.jobs, self.edit.name if self.edit else None,
                       self.project.rev, self.variant_name)

    @property
    def label(self) -> str:
        return self.key.label

    @property
    def dirname(self) -> str:
        """A file-name-safe, unique-enough name for the cell's work directory."""
        edit = f"-{self.edit.name}" if self.edit else ""
        jobs = f"-j{self.jobs}" if self.jobs else ""
        jobs += "-bd" if self.breakdown else ""
        name = self.project.name.replace(os.sep, "_") + (f"@{self.project.rev}"
                                                          if self.project.rev else "")
        knob = f"-{self.variant.slug}" if self.variant else ""
        return (f"{self.lang}-{name}-{self.toolchain.version}-{self.scenario}"
                f"-{self.profile}{jobs}{edit}{knob}").replace(":", "_").replace("/", "_")
