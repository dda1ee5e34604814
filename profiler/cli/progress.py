"""What `buildprof run` shows on stderr while it runs: the session's Reporter, in rich.

- A progress line with the cell, the run, elapsed time and the ETA (a live bar on
  a terminal; elsewhere, as in a CI log, one plain line per run).
- Each cell's row as soon as its runs are done (the final table on stdout repeats
  them all, for pipes and files).
- The running verdict (profiler.analysis.running), each time it changes.
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from profiler.model.cells import CellKey, CellSummary
from profiler.report.console import shown
from profiler.scenarios.plan import CellPlan
from profiler.scenarios.runner import Progress as RunProgress


def clock(s: float) -> str:
    """Seconds as h:mm:ss or m:ss, the way the progress line shows times."""
    minutes, secs = divmod(round(s), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def step_text(p: RunProgress) -> str:
    """`medium rust rust@stable clean release: run 2/3` (what is about to run)."""
    if p.start_state:
        kind = "starting state, then " + ("warm-up" if p.warmup else f"run {p.iteration}")
    else:
        kind = "warm-up" if p.warmup else f"run {p.iteration}/{p.runs or 'auto'}"
    return f"{p.cell.label}: {kind}"


def row_text(c: CellSummary) -> str:
    """A cell's figures in one line, as the summary table has them."""
    from profiler.analysis.wording import seconds, size

    if not c.n:
        return f"{c.key.label}: failed ({c.failed} run(s)), no timed run"
    w = c.wall
    spread = f" ± {seconds(w.mad)}" if c.n > 1 else ""
    parts = [f"{seconds(w.median)}{spread}", f"{c.n} run{'s' * (c.n != 1)}",
             f"CPU {seconds(c.cpu.median)}"]
    if c.cpu_util.median is not None:
        parts.append(f"×{c.cpu_util.median:.1f}")
    parts.append(f"peak {size(c.peak_rss.median)}, tree {size(c.tree_peak_rss.median)}")
    if c.artifact.median is not None:
        parts.append(f"binary {size(c.artifact.median)}")
    failed = f", {c.failed} failed" if c.failed else ""
    return f"{c.key.label}: {', '.join(parts)}{failed}"


class ProgressBar:
    """The session's Reporter: progress, rows and the running verdict on `console`."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.live = console.is_terminal
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(),
                            TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                            TextColumn("{task.fields[eta]}"), console=console, transient=True,
                            disable=not self.live)
        self.task: TaskID | None = None
        self.verdict: tuple[str, bool] | None = None  # the last finding shown, final?
        self.header = False

    def __enter__(self) -> ProgressBar:
        self.bar.__enter__()
        self.task = self.bar.add_task("setting up", total=None, eta="")
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.bar.__exit__(kind, exc, tb)

    def _line(self, text: str) -> None:
        # Plain and unwrapped: cell labels and paths stay whole for copying.
        self.console.print(shown(text), soft_wrap=True, highlight=False)

    def warning(self, text: str) -> None:
        self.console.print(f"[yellow]Warning:[/yellow] {shown(text)}")

    def note(self, text: str) -> None:
        self._line(text)

    def setup(self, cell: CellPlan) -> None:
        assert self.task is not None
        self.bar.update(self.task, description=f"setting up {cell.label}")

    def progress(self, p: RunProgress) -> None:
        assert self.task is not None
        eta = f"ETA {clock(p.eta_s)}" if p.eta_s is not None else "ETA after the first run"
        if self.live:
            self.bar.update(self.task, total=p.total, completed=p.done, eta=eta,
                            description=f"[{p.cells_done}/{p.cells} cells] {step_text(p)}")
        else:
            self._line(f"[{p.cells_done}/{p.cells} cells, {p.done} runs] {step_text(p)} · "
                       f"elapsed {clock(p.elapsed_s)} · {eta}")

    def cell_done(self, cell: CellSummary, so_far: list[CellSummary],
                  planned: list[CellKey]) -> None:
        from profiler.analysis.running import running_verdict

        if not self.header:
            self.header = True
            self.console.print("[bold]Cells done[/bold] (median ± MAD of wall time, runs, CPU, "
                               "parallelism, peak memory of the largest process and of the "
                               "tree, binaries)", highlight=False)
        mark = "[green]done[/green]" if cell.n and not cell.failed else "[red]failed[/red]"
        self.console.print(f"  {mark} {shown(row_text(cell))}", soft_wrap=True,
                           highlight=False)
        finished = {c.key for c in so_far}
        verdict = running_verdict(so_far, [k for k in planned if k not in finished])
        # A new line when the finding changes or becomes final, not for every cell done.
        if verdict and (verdict.finding, not verdict.to_come) != self.verdict:
            self.verdict = (verdict.finding, not verdict.to_come)
            self.console.print(f"[bold]{shown(str(verdict))}[/bold]", soft_wrap=True,
                               highlight=False)
