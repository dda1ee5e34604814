"""`buildprof site OUT`: the whole history as a static site (profiler.analysis.site
reads it, profiler.report.site writes it), from a results file or the team's store;
`--serve` also serves it on 127.0.0.1 for a quick look."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer

from profiler.cli.options import UNFILTERED, DbOption, FilterOptions, filter_options, reading
from profiler.cli.team import pull_into, store_url
from profiler.errors import UsageError
from profiler.paths import default_db


@filter_options()
def site(
    out: Annotated[Path, typer.Argument(
        help="Directory for the site: new, empty, or a site buildprof wrote (replaced whole)",
        show_default=False)],
    select: FilterOptions = UNFILTERED,
    from_: Annotated[str | None, typer.Option(
        "--from", help="Read the team's store instead of --db: postgresql://USER@HOST:PORT/DB "
                       "(e.g. \"$BUILDPROF_PG\"); keep the password in PGPASSWORD or ~/.pgpass",
        show_default=False)] = None,
    serve: Annotated[bool, typer.Option(
        "--serve", help="Then serve the site on 127.0.0.1 until Ctrl-C")] = False,
    port: Annotated[int, typer.Option(
        "--port", help="With --serve: the port (0: any free one)", min=0, max=65535)] = 8000,
    db: DbOption = None,
) -> None:
    """Write a static site of the whole history: an index of every series with
    sparklines and change points, a page per project with interactive charts, a compare
    page for any two sessions, toolchains or revisions, the compilers over time, the
    Go-against-Rust report and how to read it all. It works from file:// and any static
    host (GitHub Pages, a bucket): nothing is fetched from the network."""
    from profiler.analysis.site import collect
    from profiler.report.site.write import check_out, write_site

    if from_ is not None and db is not None:
        raise UsageError("--from reads the team's store and --db a results file; give one")
    check_out(out)
    filters = select.filters()
    start = time.perf_counter()

    def say(what: str) -> None:
        print(f"[{time.perf_counter() - start:5.1f} s] {what}", file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="buildprof-site-") as tmp:
        if from_ is not None:
            from profiler.storage import pg

            url = store_url(from_, "--from")
            path = Path(tmp) / "store.db"
            _, sessions, runs = pull_into(url, filters, path)
            say(f"pulled {sessions} sessions, {runs} runs from {pg.shown(url)}")
            source = f"from {pg.shown(url)}"
        else:
            path = db or default_db()
            source = f"from {path}"
        with reading(path) as store:
            data = collect(store, filters, say)
        written = write_site(data, out, source, say)
    typer.echo(f"wrote {out}: {written.pages} pages, {written.data_files} data files"
               + (f", {written.traces} traces" if written.traces else "")
               + f", {written.bytes / 2**20:.1f} MiB in {time.perf_counter() - start:.1f} s; "
               f"open {(out / 'index.html').resolve().as_uri()}")
    if serve:
        _serve(out, port)


def _serve(root: Path, port: int) -> None:
    """Serve `root` on 127.0.0.1 until Ctrl-C."""
    import functools
    import http.server

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *_: object) -> None:  # no line per request
            pass

    handler = functools.partial(Quiet, directory=str(root))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise UsageError(f"cannot serve on 127.0.0.1:{port}: {exc.strerror}; choose another "
                         f"--port (0 picks a free one)") from None
    typer.echo(f"serving {root} on http://127.0.0.1:{server.server_address[1]}/ "
               f"(Ctrl-C stops)")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
