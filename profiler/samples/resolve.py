"""Turn sample names into projects: graded sizes (generated) and real-world ones."""

from __future__ import annotations

from profiler.errors import UsageError
from profiler.projects import Project
from profiler.scenarios.edits import Edit


def graded(size: str, lang: str) -> Project:
    """Generate (or reuse from the cache) the graded sample `size` in `lang`."""
    from profiler.samples.materialise import materialise
    from profiler.samples.spec import load_spec

    load_spec(size)  # validates the name, listing the allowed ones
    return Project(name=size, lang=lang, path=materialise(size, lang), source=f"sample:{size}")


def realworld(name: str, lang: str) -> Project:
    from profiler.samples.realworld import realworld_dir

    return Project(name=name, lang=lang, path=realworld_dir(name, lang), source=f"sample:{name}")


def sample_edit(project: Project, edit_name: str) -> Edit:
    """The named edit (leaf-body, leaf-api, top-body) of a sample project."""
    name = project.source.removeprefix("sample:")
    from profiler.samples import realworld as rw
    from profiler.samples.edits import EDITS, edit_for

    if edit_name not in EDITS:
        raise UsageError(f"unknown edit '{edit_name}'; use one of: {', '.join(EDITS)}")
    return (rw.realworld_edit(name, project.lang, edit_name) if name in rw.REALWORLD
            else edit_for(name, project.lang, edit_name))
