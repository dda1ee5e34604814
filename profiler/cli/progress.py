"""The run's progress line and warnings on stderr: the session's Reporter, in rich."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from profiler.cells import CellPlan
from profiler.scenarios.runner import Progress as RunProgress


class ProgressBar:
    """Shows the cell, the run, elapsed time and an ETA; vanishes when done."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(),
                            TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                            TextColumn("{task.fields[eta]}"), console=console, transient=True)
        self.task: TaskID | None = None

    def __enter__(self) -> ProgressBar:
        self.bar.__enter__()
        self.task = self.bar.add_task("setting up", total=None, eta="")
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.bar.__exit__(kind, exc, tb)

    def warning(self, text: str) -> None:
        self.console.print(f"[yellow]Warning:[/yellow] {escape(text)}")

    def note(self, text: str) -> None:
        # One plain line, unwrapped: it names paths a user may want to copy.
        self.console.print(escape(text), soft_wrap=True, highlight=False)

    def setup(self, cell: CellPlan) -> None:
        assert self.task is not None
        self.bar.update(self.task, description=f"setting up {cell.label}")

    def progress(self, p: RunProgress) -> None:
        assert self.task is not None
        kind = "warm-up" if p.warmup else f"run {p.iteration}/{p.runs or 'auto'}"
        eta = f"ETA {p.eta_s:.0f} s" if p.eta_s is not None else ""
        self.bar.update(self.task, total=p.total, completed=p.done, eta=eta,
                        description=f"{p.cell.label}: {kind}")
