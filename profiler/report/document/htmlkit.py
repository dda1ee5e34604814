"""The HTML report's kit: colours, the page's CSS, escaping, tables, sections, and
matplotlib figures as inline SVG.

The charts are drawn by matplotlib (the Agg backend, no pyplot state: a bare
`Figure` saved as SVG) with `svg.fonttype = 'none'`, so text stays text in the
page's own sans-serif font instead of embedded glyphs; the SVG's XML declaration,
DOCTYPE and namespace URIs are stripped (the HTML parser puts inline <svg> in the
SVG namespace), and every id is prefixed per chart (`Charts`) so that several
charts can share one page.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from html import escape
from typing import Any

from profiler.analysis.wording import loc_text

COLORS = {"go": "#00ADD8", "rust": "#CE422B"}


LIGHT = {"go": "#8fd8ec", "rust": "#eba08f"}


KIND_COLORS = {"lib": "#4c78a8", "bin": "#f58518", "link": "#e45756",
               "build-script": "#72b7b2", "proc-macro": "#b279a2", "test": "#54a24b"}


OUTCOME_COLORS = {"holds": "#1a7f37", "partly holds": "#9a6700", "does not hold": "#cf222e",
                  "not measured": "#57606a"}


LINESTYLE = {"release": "-", "debug": "--"}


MARKER = {"release": "o", "debug": "s"}


CSS = """
body{font-family:'DejaVu Sans',Arial,Helvetica,sans-serif;margin:24px auto;max-width:1100px;
color:#1f2328;line-height:1.45;padding:0 16px}
h1{font-size:1.6em;margin-bottom:0.2em}h2{border-bottom:1px solid #d0d7de;padding-bottom:4px;
margin-top:1.8em}
table{border-collapse:collapse;margin:12px 0;font-size:0.9em}
th,td{border:1px solid #d0d7de;padding:3px 8px;vertical-align:top}
th{background:#f6f8fa;text-align:left}td.num{text-align:right;white-space:nowrap}
.verdict{font-size:1.3em;font-weight:bold;padding:10px 14px;border-radius:6px;color:#fff;
display:inline-block}
.muted{color:#57606a;font-size:0.9em}
.bar{display:block;height:7px;margin:2px 0;border-radius:2px}
.bar.go{background:#00ADD8}.bar.rust{background:#CE422B}
svg{max-width:100%;height:auto;display:block;margin:8px 0}
pre{background:#f6f8fa;padding:8px;overflow-x:auto;font-size:0.85em}
.note{background:#fff8c5;border:1px solid #d4a72c;padding:6px 10px;border-radius:6px;
margin:6px 0}
"""


# -- SVG from matplotlib ------------------------------------------------------------------


def figure(width: float, height: float) -> Any:
    import matplotlib

    matplotlib.use("Agg")  # never a GUI backend, even if pyplot gets imported later
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def svg_of(fig: Any, prefix: str) -> str:
    """The figure as inline SVG: no XML declaration, DOCTYPE, namespace URIs or
    metadata; ids (and references to them) prefixed with `prefix`."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": prefix}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None,
                                                 "Format": None, "Type": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", svg)
    svg = svg.replace("xlink:href=", "href=")
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    svg = svg.replace("font-family: 'DejaVu Sans'",
                      "font-family: 'DejaVu Sans', Arial, Helvetica, sans-serif")
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    return svg.replace("<svg", f'<svg role="img" aria-labelledby="{prefix}-title"', 1)


def axis_seconds(y: float, _pos: object = None) -> str:
    """Axis labels: 0, 20 s, 1 min, 1 min 30 s, 10 min, 1 h."""
    if y == 0:
        return "0"
    if y >= 3600 and y % 3600 == 0:
        return f"{y / 3600:g} h"
    if y >= 60:
        minutes, rest = divmod(round(y), 60)
        return f"{minutes} min" + (f" {rest} s" if rest else "")
    return f"{y:g} s"


def axis_loc(x: float, _pos: object = None) -> str:
    return loc_text(x).replace(" lines", "")


# Round times for a logarithmic axis: 1, 2, 5, 10, 20, 30 s, 1, 2, 5, 10, 20, 30 min, 1 h...
LOG_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200,
             1800, 3600, 7200, 18000, 36000)


def time_axis(ax: Any, top: float, log: bool = False) -> None:
    """Tick labels in seconds or minutes, at round values."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, MultipleLocator

    if log:
        ax.yaxis.set_major_locator(FixedLocator(LOG_TICKS))
        ax.yaxis.set_minor_locator(FixedLocator([]))
    elif top < 60:
        ax.yaxis.set_major_locator(MaxNLocator(6, steps=[1, 2, 5, 10]))
    elif top < 240:
        ax.yaxis.set_major_locator(MultipleLocator(30))
    else:
        ax.yaxis.set_major_locator(MultipleLocator(60 * max(1, math.ceil(top / 60 / 6))))
    ax.yaxis.set_major_formatter(FuncFormatter(axis_seconds))


# -- HTML ---------------------------------------------------------------------------------


def esc(x: object) -> str:
    return escape("" if x is None else str(x), quote=True)


def table(heads: Sequence[str], rows: Sequence[Sequence[str]], num: Sequence[int] = ()
           ) -> str:
    """Rows are HTML already (escape values with _e)."""
    out = ["<table><thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in heads)
           + "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>" + "".join(f'<td class="num">{v}</td>' if i in num else f"<td>{v}</td>"
                                    for i, v in enumerate(row)) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


class Charts:
    """Numbers the charts, so that each gets its own id prefix."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, fig: Any, title: str) -> str:
        self.n += 1
        prefix = f"c{self.n}"
        svg = svg_of(fig, prefix)
        return svg.replace(">", f'><title id="{prefix}-title">{esc(title)}</title>', 1)


def section(sid: str, title: str, body: str, chart: bool = False) -> str:
    cls = "chart" if chart else "text"
    return f'<section id="{sid}" class="{cls}">\n<h2>{esc(title)}</h2>\n{body}\n</section>'
