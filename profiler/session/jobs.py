"""`buildprof queue add`: a run request cut into jobs, one per block.

A block is what `run` measures interleaved, the cells compared with one another
(profiler.scenarios.runner.blocks: one scenario, one project as compared across
languages; the user's own projects together). So a job is the same request with
one scenario and one sample (or the paths), and every comparison inside it, the
A/B of two --rev values, the toolchains, the --jobs values, stays on one machine.
A range of commits is cut into blocks of `per_block` commits that overlap by one,
so that consecutive blocks share a commit and can be joined.

Each job says what a worker needs to run it: its toolchains (a spec, or a bare
language for the default one), the directories it builds, and the commits it
needs in them. Nothing is built or fetched here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from profiler import languages
from profiler.errors import UsageError
from profiler.samples.spec import LANGS as SAMPLE_LANGS
from profiler.scenarios.definitions import DEFAULT_SCENARIOS
from profiler.session.resolve import DEFAULT_SIZES, RunRequest

PER_BLOCK = 8  # commits of a range per job (with the one shared with the next)


@dataclass(frozen=True)
class BlockJob:
    title: str  # "clean · sample jq", "clean · app 1a2b3c4d5e6f..9f8e7d6c5b4a (8 commits)"
    series: str  # scenario|project: a series stays on the machine class it started on
    overrides: dict[str, Any]  # the run options this block narrows (scenario, size, ...)
    needs: dict[str, list[str]] = field(default_factory=dict)


def plan(req: RunRequest, per_block: int = PER_BLOCK) -> list[BlockJob]:
    """The request's blocks as jobs, in the order `run` would measure them."""
    if per_block < 2:
        raise UsageError(f"--block-commits must be at least 2 (got {per_block}): blocks "
                         f"overlap by one commit")
    kind = "paths" if req.paths else "samples"
    scenarios = req.scenarios or list(DEFAULT_SCENARIOS[kind])
    if not req.paths:
        langs = req.langs or list(SAMPLE_LANGS)
        sources = ([("size", s) for s in (req.sizes or ([] if req.samples else DEFAULT_SIZES))]
                   + [("sample", n) for n in _pairs(req.samples)])
        needs = {"toolchains": _toolchains(req.toolchains, langs)}
        return [BlockJob(f"{sc} · {what} {name}", f"{sc}|sample:{name}",
                         {"scenario": [sc], "size": [name] if what == "size" else [],
                          "sample": [name] if what == "sample" else []}, needs)
                for sc in scenarios for what, name in sources]
    targets = [_target(p, req.langs) for p in req.paths]
    langs = sorted({lang for _, lang in targets})
    dirs = sorted(str(p) for p, _ in targets if p.is_dir())
    base = {"toolchains": _toolchains(req.toolchains, langs), "paths": dirs}
    if not req.revs or not any(_is_range(r) for r in req.revs):
        commits = ([_resolve(Path(d), r) for d in dirs for r in req.revs] if req.revs else [])
        names = ", ".join(str(p) for p, _ in targets)
        revs = f" at {', '.join(req.revs)}" if req.revs else ""
        return [BlockJob(f"{sc} · {names}{revs}", f"{sc}|{names}",
                         {"scenario": [sc], "paths": [str(p) for p, _ in targets]},
                         {**base, "commits": commits} if commits else base)
                for sc in scenarios]
    if len(req.revs) > 1:
        raise UsageError("queue add takes one range (--rev A..B) at a time; queue each range "
                         "with its own `buildprof queue add`")
    out = []
    for path, lang in targets:
        chunks = _chunks(path, req.revs[0], req.every, req.commits, per_block)
        for sc in scenarios:
            for revs, picked in chunks:
                out.append(BlockJob(
                    f"{sc} · {path.name} {picked[0][:12]}..{picked[-1][:12]} "
                    f"({len(picked)} commits)", f"{sc}|{path}",
                    {"scenario": [sc], "paths": [str(path)], "rev": revs, "every": None,
                     "commits": None},
                    {"toolchains": _toolchains(req.toolchains, [lang]), "paths": [str(path)],
                     "commits": picked}))
    return out


def _pairs(samples: list[str]) -> list[str]:
    from profiler.samples import pairs

    return pairs.expand(samples)


def _is_range(rev: str) -> bool:
    from profiler.sources.revisions import is_range

    return is_range(rev)


def _toolchains(specs: list[str], langs: list[str]) -> list[str]:
    """What a block needs: each --toolchain of its languages, or the language itself
    (its default toolchain) where none is named."""
    named = [s for s in specs if s.split("@")[0] in langs]
    return sorted({*named, *(lg for lg in langs if not any(s.split("@")[0] == lg
                                                           for s in named))})


def _target(path: Path, langs: list[str]) -> tuple[Path, str]:
    """A project as the job names it (a directory made absolute, a crate:/go: spec as
    given) and its language."""
    from profiler.sources import fetch
    from profiler.sources.local import detect_project

    lang = languages.check_lang(langs[0]) if langs else None
    remote = None if path.exists() else fetch.parse(str(path))
    if remote is not None:
        return path, "rust" if str(path).startswith("crate:") else "go"
    if not path.is_dir():
        raise UsageError(f"{path} is not a directory; give a Go module or Cargo project, "
                         f"or crate:NAME / go:MODULE")
    return path.resolve(), detect_project(path.resolve(), lang).lang


def _resolve(path: Path, rev: str) -> str:
    from profiler.sources import revisions

    return revisions.resolve(revisions.toplevel(path), rev)


def _chunks(path: Path, spec: str, every: int | None, count: int | None, per_block: int
            ) -> list[tuple[list[str], list[str]]]:
    """The range's commits (as `run` picks them) in blocks of `per_block` that share
    their last commit with the next block's first: each block's --rev values (one
    range `P..C` per run of consecutive commits) and its commits."""
    from profiler.sources import revisions

    repo = revisions.toplevel(path)
    picked = [c for c, _ in revisions.commit_range(repo, spec, every, count)]
    parents = revisions.git(repo, "rev-parse", *(f"{c}^" for c in picked)).stdout.split()
    parent = dict(zip(picked, parents, strict=True))
    out = []
    start = 0
    while True:
        block = picked[start:start + per_block]
        revs, run_start = [], block[0]
        for prev, cur in zip(block, block[1:] + [None], strict=True):
            if cur is None or parent[cur] != prev:  # a gap (--every, --commits): a new range
                revs.append(f"{parent[run_start]}..{prev}")
                run_start = cur  # type: ignore[assignment]
        out.append((revs, block))
        if start + per_block >= len(picked):
            return out
        start += per_block - 1
