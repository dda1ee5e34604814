"""Write the site into a directory: pages, data files, traces and the static files
(the vendored uPlot, the site's scripts and stylesheet), all relative links, so the
directory works from file:// and from any static host.

The site is built in a temporary directory beside OUT and swapped in at the end: a
failure leaves the previous site as it was. OUT is replaced only when it is empty or
a site buildprof wrote (it holds the marker file); anything else is refused.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from profiler.analysis.site import Site
from profiler.errors import UsageError
from profiler.report.document.htmlkit import CSS
from profiler.report.site import data, pages
from profiler.report.site.help import help_page

MARKER = ".buildprof-site"
STATIC = Path(__file__).parent / "static"

SITE_CSS = """
nav.top{font-size:0.95em;padding:6px 0 10px;border-bottom:1px solid #d0d7de;margin-bottom:10px}
nav.top a{text-decoration:none}
.filters{margin:10px 0;display:flex;gap:8px;flex-wrap:wrap;align-items:center}
.filters input[type=search]{min-width:260px;padding:3px 6px}
tr.project th{background:#eaeef2;font-size:1.05em}
#series td{white-space:nowrap}
td svg.spark{margin:0;display:inline;max-width:none;width:120px;height:24px}
.chg.up{color:#cf222e}.chg.down{color:#1a7f37}
.plot{min-height:320px;margin:8px 0}
.key{display:inline-block;width:10px;height:10px;margin-right:6px;border-radius:2px}
.tip{position:fixed;pointer-events:none;background:#fff;border:1px solid #8c959f;
border-radius:4px;padding:4px 8px;font-size:0.85em;box-shadow:0 2px 6px rgba(0,0,0,.2);
z-index:10;max-width:420px}
.details{position:fixed;right:12px;top:12px;bottom:12px;width:420px;overflow:auto;
background:#fff;border:1px solid #8c959f;border-radius:6px;padding:10px 14px;
box-shadow:0 4px 16px rgba(0,0,0,.25);z-index:20;font-size:0.9em}
.details table{font-size:0.85em}
.details button.close{float:right}
.details pre{white-space:pre-wrap;word-break:break-all}
.empty{background:#f6f8fa;border:1px solid #d0d7de;padding:10px 14px;border-radius:6px}
.caption{font-weight:bold}
.error{color:#cf222e}
"""


@dataclass
class Written:
    pages: int = 0
    data_files: int = 0
    traces: int = 0
    bytes: int = 0


def check_out(out: Path) -> None:
    """UsageError unless OUT can take the site: a new directory, an empty one, or a
    site buildprof wrote before."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} is a file; give a directory for the site")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise UsageError(f"{out} is not empty and is not a site buildprof wrote; give a new "
                         f"or empty directory (nothing in {out} was touched)")
    parent = out.resolve().parent
    if not parent.is_dir():
        raise UsageError(f"cannot write the site: directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise UsageError(f"cannot write the site: directory {parent} is not writable")


def write_site(site: Site, out: Path, source: str,
               say: Callable[[str], None] = lambda _: None) -> Written:
    from profiler import __version__
    from profiler.report import exports
    from profiler.report.document.html import render

    check_out(out)
    out = out.resolve()
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    done = Written()
    try:
        (tmp / "p").mkdir(parents=True)
        (tmp / "data").mkdir()
        shutil.copytree(STATIC, tmp / "static",
                        ignore=shutil.ignore_patterns("*.md", "__pycache__"))
        (tmp / "static" / "site.css").write_text(CSS + SITE_CSS, encoding="utf-8")

        def put(rel: str, text: str) -> None:
            path = tmp / rel
            path.write_text(text, encoding="utf-8")
            done.bytes += len(text.encode())
            if rel.endswith(".html"):
                done.pages += 1
            elif rel.startswith("data/"):
                done.data_files += 1

        generated = pages.now_text()
        say("writing the pages")
        put("index.html", pages.index(site, generated, source))
        put("help.html", help_page())
        put("toolchains.html", pages.toolchains(site))
        put("compare.html", pages.compare(site))
        ranked = pages.ranked_reports(site)
        for r in ranked:  # the report's Go-against-Rust sections; projects have pages
            assert r.doc is not None and r.gap is not None  # ranked_reports keeps these
            html = render(r.gap.gap, r.doc.payoff, None, r.doc.compilers)
            put(pages.report_file(site, r),
                pages.with_nav(html, "gap.html", pages.machines_line(site, r)))
        if not ranked:
            put("gap.html", pages.no_report(site))
        for p in site.projects:
            put(f"p/{p.slug}.html", pages.project(site, p))
            put(f"data/p-{p.slug}.js", data.wrap(f"p-{p.slug}", data.project_payload(p)))
        say("writing the data files")
        listing, rows = data.sides_payload(site)
        put("data/sides.js", data.wrap("sides", listing))
        for i, side_rows in enumerate(rows):
            put(f"data/side-{i}.js", data.wrap(f"side-{i}", {"rows": side_rows}))
        for name, payload in data.run_buckets(site):
            put(f"data/{name}.js", data.wrap(name, payload))
        if site.traces:
            (tmp / "traces").mkdir()
        for rid, t in site.traces.items():
            trace = exports.trace(
                [(exports.trace_events(t.run, t.units, set(t.chain), t.samples),
                  exports.run_info(t.run, t.units, t.chain, t.samples, t.recorded_by,
                                   t.machine))], __version__)
            from profiler.report.writers import json_text

            (tmp / "traces" / f"run-{rid}.json").write_text(json_text(trace, indent=None),
                                                            encoding="utf-8")
            done.traces += 1
        (tmp / MARKER).write_text(f"written by buildprof {__version__}; `buildprof site` "
                                  f"replaces this directory whole\n", encoding="utf-8")
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return done


def _swap(tmp: Path, out: Path) -> None:
    """Put the new site in place of the old one (rename, rename, remove)."""
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)
