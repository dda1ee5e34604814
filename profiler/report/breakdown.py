"""Terminal view of one build's units: top by time and memory, and the critical path."""

from __future__ import annotations

from rich.console import Console

from profiler.analysis.wording import seconds, size
from profiler.model.units import CriticalPath, Unit
from profiler.report.console import SafeTable, shown


def render(title: str, units: list[Unit], wall_s: float, console: Console, top: int = 10,
           path: CriticalPath | None = None) -> None:
    """`path`: the critical path as `run` computed and stored it (storage.units)."""
    if not units:
        console.print(f"{shown(title)}: no units recorded (was it run with --breakdown?)")
        return
    console.print(f"[bold]{shown(title)}[/bold]: {len(units)} units, build wall {seconds(wall_s)}, "
                  f"unit CPU {seconds(sum(u.cpu_s for u in units))}")
    by_time = SafeTable(title=f"Top {top} units by time", title_justify="left")
    for col in ("unit", "kind", "start", "wall", "CPU", "peak RSS"):
        by_time.add_column(col, justify="left" if col in ("unit", "kind") else "right")
    for u in sorted(units, key=lambda u: -u.wall_s)[:top]:
        by_time.add_row(u.name, u.kind, seconds(u.start_s), seconds(u.wall_s), seconds(u.cpu_s),
                        size(u.peak_rss_bytes))
    console.print(by_time)
    with_mem = [u for u in units if u.peak_rss_bytes]
    if with_mem:
        by_mem = SafeTable(title=f"Top {top} units by peak memory", title_justify="left")
        for col in ("unit", "kind", "peak RSS", "wall"):
            by_mem.add_column(col, justify="left" if col in ("unit", "kind") else "right")
        for u in sorted(with_mem, key=lambda u: -(u.peak_rss_bytes or 0))[:top]:
            by_mem.add_row(u.name, u.kind, size(u.peak_rss_bytes), seconds(u.wall_s))
        console.print(by_mem)
    if path is None:
        console.print("[bold]Critical path[/bold]: none recorded")
        return
    console.print(f"[bold]Critical path[/bold] ({len(path.chain)} units, "
                  f"{seconds(path.length_s)} of the {seconds(wall_s)} wall): "
                  + shown(" → ".join(path.chain)))
    for name, saved in path.savings_s.items():
        console.print(f"  if {shown(name)} took no time, the critical path would be "
                      f"{seconds(saved)} shorter")
