"""`buildprof bisect PATH --good A --bad B`: the first commit that made a build slower.

The candidates are the first-parent commits after A up to B (`git rev-list
--first-parent A..B`). Each probe is one `run` session of the probed commit and A,
their runs interleaved (A B A B …), so a slow spell of the machine falls on both;
the probe is slower when the same shifted U test as `compare --fail-above` finds it
significantly slower than A by more than PCT. B is probed first: if it is not
slower, there is nothing to find. Then a binary search: a probe that is slower
becomes the new upper end, one that is not the new lower end; a commit that does
not build is skipped, as `git bisect skip` does, and the commit nearest the middle
of what is left is probed instead. Every probe's runs are recorded like any
`run --rev`, so `changes` and `compare` see them too.

The user's checkout, index and refs are only read (profiler.sources.revisions).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from profiler.analysis.changes import Cause, from_repo
from profiler.analysis.twosample import TwoSample
from profiler.errors import UsageError
from profiler.model.cells import Sample
from profiler.session.resolve import RunRequest
from profiler.session.run import Outcome, Reporter, execute
from profiler.sources import commits, revisions


@dataclass(frozen=True)
class Probe:
    commit: str
    subject: str
    step: TwoSample | None  # A's runs against the commit's, from one session; None: failed
    slower: bool
    error: str | None = None  # a commit that did not build: why
    session_id: int | None = None
    loc: tuple[int | None, int | None] = (None, None)  # lines compiled: A's, the commit's

    @property
    def skipped(self) -> bool:
        return self.step is None


@dataclass
class Bisection:
    good: str  # the full commit of A
    bad: str
    candidates: list[str]  # first-parent commits after A up to B, oldest first
    fail_above: float
    probes: list[Probe] = field(default_factory=list)
    culprit: commits.CommitInfo | None = None
    against_parent: TwoSample | None = None
    parent: str | None = None  # the commit (or A) the culprit is compared with
    cause: Cause | None = None
    # No single culprit: B not slower (then empty), or the first slower commit is one
    # of these (skipped commits beside it).
    ambiguous: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def found(self) -> bool:
        return self.culprit is not None

    def probe_of(self, commit: str) -> Probe | None:
        return next((p for p in self.probes if p.commit == commit), None)


def _loc(runs: list[dict[str, Any]], rev: str) -> int | None:
    return next((r["compiled_loc"] for r in runs if r["rev"] == rev and r.get("compiled_loc")),
                None)


def _sample(runs: list[dict[str, Any]], rev: str) -> Sample:
    return Sample(tuple(r["wall_s"] for r in runs
                        if r["rev"] == rev and r["status"] == "ok" and not r["warmup"]))


def _error(outcome: Outcome, commit: str) -> str | None:
    """Why the commit's cell failed, from the session's failures (named by label)."""
    return next((f.error for f in outcome.failures if f"@{commit[:12]} " in f.cell), None)


def bisect(request: RunRequest, good: str, bad: str, fail_above: float,
           reporter: Reporter | None = None,
           on_probe: Callable[[Probe, int], None] | None = None) -> Bisection:
    """Find the first slower commit. `request` is the run of one probe: its path,
    scenario, profile, toolchain, runs; its revisions are set here."""
    started = time.monotonic()
    path = request.paths[0]
    if not path.is_dir():
        raise UsageError(f"{path} is not a directory; bisect needs the directory of a git "
                         f"checkout")
    repo = revisions.toplevel(path)
    a, b = revisions.resolve(repo, good), revisions.resolve(repo, bad)
    if a == b:
        raise UsageError(f"--good {good} and --bad {bad} are the same commit ({a[:12]}); "
                         f"give an older good commit")
    if not revisions.is_ancestor(repo, a, b):
        raise UsageError(f"--good {good} is not an ancestor of --bad {bad}: there is no "
                         f"first-parent path to search; give an older good commit")
    chain = [c for c, _ in revisions.commit_range(repo, f"{a}..{b}")]
    result = Bisection(a, b, chain, fail_above)
    langs: set[str] = set()

    def probe(commit: str) -> Probe:
        req = replace(request, revs=[a, commit], label=request.label or "bisect")
        outcome = execute(req, reporter)
        sa, sb = _sample(outcome.runs, a), _sample(outcome.runs, commit)
        langs.update(r["lang"] for r in outcome.runs if r.get("lang"))
        info = commits.info(repo, commit)
        if not sb.n or not sa.n:
            err = _error(outcome, commit) or _error(outcome, a) or "no good run"
            if not sa.n:
                raise UsageError(f"--good {good} ({a[:12]}) did not build: {err}; give a "
                                 f"good commit that builds")
            p = Probe(commit, info.subject, None, False, err, outcome.session["id"])
        else:
            step = TwoSample.of(sa, sb)
            p = Probe(commit, info.subject, step, step.worse_by_more_than(fail_above), None,
                      outcome.session["id"], (_loc(outcome.runs, a), _loc(outcome.runs, commit)))
        result.probes.append(p)
        if on_probe:
            on_probe(p, len(result.probes))
        return p

    last = probe(b)
    if last.skipped:
        raise UsageError(f"--bad {bad} ({b[:12]}) did not build ({last.error}); give a bad "
                         f"commit that builds")
    if not last.slower:
        result.elapsed_s = time.monotonic() - started
        return result
    lo, hi = -1, len(chain) - 1  # chain[lo] is not slower (-1: A), chain[hi] is
    skipped: set[int] = set()
    while True:
        left = [i for i in range(lo + 1, hi) if i not in skipped]
        if not left:
            break
        mid = (lo + hi) / 2
        i = min(left, key=lambda j: (abs(j - mid), j))
        p = probe(chain[i])
        if p.skipped:
            skipped.add(i)
        elif p.slower:
            hi = i
        else:
            lo = i
    between = [chain[i] for i in range(lo + 1, hi) if i in skipped]
    if between:  # a skipped commit before hi may be the first slower one
        result.ambiguous = [*between, chain[hi]]
    else:
        _culprit(result, repo, path, chain, lo, hi, min(langs) if len(langs) == 1 else None)
    result.elapsed_s = time.monotonic() - started
    return result


def _culprit(result: Bisection, repo: Path, path: Path, chain: list[str], lo: int,
             hi: int, lang: str | None) -> None:
    culprit = chain[hi]
    result.culprit = commits.info(repo, culprit)
    mine = result.probe_of(culprit)
    parent = chain[lo] if lo >= 0 else result.good
    result.parent = parent
    before = result.probe_of(parent)
    if mine is not None and mine.step is not None:
        # The parent's runs (its own probe, or A's runs beside the culprit's).
        a = before.step.b if before is not None and before.step is not None else mine.step.a
        result.against_parent = TwoSample.of(a, mine.step.b)
    here = str(path.resolve().relative_to(repo.resolve())).replace("\\", "/")
    here = "" if here == "." else here
    loc = ((before.loc[1] if before is not None else mine.loc[0] if mine else None),
           mine.loc[1] if mine else None)
    cause = Cause(compiled_loc=loc)
    result.cause = from_repo(cause, lang, repo, here, parent, culprit) if lang else cause
