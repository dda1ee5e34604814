"""Turn sample names into projects: graded sizes (generated) and real-world ones."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from profiler.errors import UsageError
from profiler.scenarios.edits import Edit
from profiler.sources.local import Project


def graded(size: str, lang: str) -> Project:
    """Generate (or reuse from the cache) the graded sample `size` in `lang`."""
    from profiler.samples.materialise import materialise
    from profiler.samples.spec import load_spec

    load_spec(size)  # validates the name, listing the allowed ones
    return Project(name=size, lang=lang, path=materialise(size, lang), source=f"sample:{size}")


def named(name: str, lang: str) -> Project:
    """A sample by name: a real-world sample in sample_projects/, or one side of a
    real pair, fetched (once) at the exact version pairs.toml gives."""
    from profiler.samples import pairs
    from profiler.samples.realworld import REALWORLD, ROUTE_FILE, realworld_dir

    if pairs.is_pair(name):
        from profiler.sources import fetch

        spec = pairs.side(name, lang).spec
        remote = fetch.parse(spec)
        if remote is None or remote.lang != lang:
            raise UsageError(f"pairs.toml: [{name}.{lang}] spec '{spec}' is not a "
                             f"{'crate:' if lang == 'rust' else 'go:'} spec")
        fetched = fetch.fetch(remote)
        return Project(name=name, lang=lang, path=fetched.path, source=f"sample:{name}",
                       fetched=fetched.source)
    if name not in REALWORLD:
        known = [*REALWORLD, *pairs.names(), pairs.ALL]
        raise UsageError(f"unknown sample '{name}'; use one of: {', '.join(known)}")
    path = realworld_dir(name, lang)
    return Project(name=name, lang=lang, path=path, source=f"sample:{name}",
                   serves=(path.parent / ROUTE_FILE).is_file())


def default_edit(project: Project) -> str:
    """The edit an incremental cell of a sample uses when none is named."""
    from profiler.samples import pairs

    return (pairs.EDIT_NAME if pairs.is_pair(project.source.removeprefix("sample:"))
            else "leaf-body")


def sample_edit(project: Project, edit_name: str) -> Edit:
    """The named edit of a sample project (leaf-body, leaf-api, top-body; a real
    pair has top-body only)."""
    name = project.source.removeprefix("sample:")
    from profiler.samples import pairs
    from profiler.samples import realworld as rw
    from profiler.samples.edits import EDITS, edit_for

    if pairs.is_pair(name):
        return pairs.edit(name, project.lang, edit_name)
    if edit_name not in EDITS:
        raise UsageError(f"unknown edit '{edit_name}'; use one of: {', '.join(EDITS)}")
    return (rw.realworld_edit(name, project.lang, edit_name) if name in rw.REALWORLD
            else edit_for(name, project.lang, edit_name))


def with_kinds(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Stored run rows with the `kind` of their project (project_kind of their
    `source`), which a CellSummary of them carries."""
    return [{**r, "kind": project_kind(r.get("source"))} for r in rows]


def project_kind(source: str | None) -> str:
    """graded (a graded sample, named by size), pair (one side of a real pair),
    realworld (another sample) or path (the user's own project)."""
    if source and source.startswith("sample:"):
        from profiler.samples.pairs import is_pair
        from profiler.samples.spec import SIZES

        name = source.removeprefix("sample:")
        return "graded" if name in SIZES else "pair" if is_pair(name) else "realworld"
    return "path"
