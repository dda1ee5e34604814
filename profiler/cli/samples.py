"""`buildprof samples`: list and generate the graded sample projects."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from profiler.cli.options import QuickHelpGroup
from profiler.samples.spec import LANGS, SIZES, check_lang, check_size, load_spec

if TYPE_CHECKING:
    from rich.table import Table

# The generator (profiler.samples.materialise and its emitters) and rich's console and
# table are imported in the commands: `buildprof --help` imports this module.

app = typer.Typer(
    help="The graded sample projects (tiny ... huge): the same generated program in Go "
         "and in Rust, kept in buildprof's cache.",
    no_args_is_help=True,
    cls=QuickHelpGroup,
)

SizeOpt = Annotated[list[str] | None, typer.Option(
    "--size", "-s", help=f"Sizes, repeated or comma-separated: {', '.join(SIZES)} "
                         f"[default: all]", show_default=False)]
LangOpt = Annotated[list[str] | None, typer.Option(
    "--lang", "-l", help="Languages, repeated or comma-separated: go, rust [default: both]",
    show_default=False)]
OutOpt = Annotated[Path | None, typer.Option(
    "--out", "-o", help="Write the trees to DIR/<size>-<lang> instead of buildprof's cache",
    show_default=False, file_okay=False)]


def _split(values: list[str] | None, default: tuple[str, ...]) -> list[str]:
    """Accept repetition and comma lists alike; keep order, drop repeats."""
    out: list[str] = []
    for value in values or []:
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return list(dict.fromkeys(out)) or list(default)


def _selection(size: list[str] | None, lang: list[str] | None) -> list[tuple[str, str]]:
    sizes = [check_size(s) for s in _split(size, SIZES)]
    langs = [check_lang(lg) for lg in _split(lang, LANGS)]
    return [(s, lg) for s in sizes for lg in langs]


@app.command("list")
def list_(size: SizeOpt = None, lang: LangOpt = None) -> None:
    """Packages/crates, files, code lines and content hash of each sample.

    The first call generates the trees into the cache (huge takes a while);
    later calls read the recorded figures."""
    from rich.console import Console
    from rich.table import Table

    from profiler.samples.materialise import materialise_many, sample_info

    pairs = _selection(size, lang)
    console = Console()
    with console.status("generating samples into the cache ..."):
        materialise_many(pairs)
    table = Table(title="Graded samples (code lines: no blanks, no comments)")
    for col in ("size", "lang", "packages", "files", "code lines", "target", "content hash"):
        table.add_column(col, justify="right" if col in ("packages", "files", "code lines",
                                                         "target") else "left")
    for s, lg in pairs:
        info = sample_info(s, lg)
        spec = load_spec(s)
        table.add_row(s, lg, str(info["packages"]), str(info["files"]), f"{info['loc']:,}",
                      f"~{spec.target_loc:,}", info["content_hash"][:12])
    console.print(table)
    console.print("packages: Go packages / Rust crates, the main package `app` included")
    console.print(_other_samples())


def _other_samples() -> Table:
    """The samples `run --sample NAME` takes besides the graded sizes: the real-world
    ones shipped with buildprof and the real pairs fetched at pinned versions."""
    from rich.table import Table

    from profiler.samples import pairs as real_pairs
    from profiler.samples.realworld import REALWORLD

    table = Table(title="Other samples (buildprof run --sample NAME)")
    for col in ("name", "what", "Go", "Rust"):
        table.add_column(col)
    for name in REALWORLD:
        table.add_row(name, "real-world program, written twice for buildprof",
                      "shipped with buildprof", "shipped with buildprof")
    for pair in real_pairs.pairs().values():
        table.add_row(pair.name, pair.about, pair.sides["go"].spec, pair.sides["rust"].spec)
    table.add_row(real_pairs.ALL, "every real pair above", "", "")
    return table


@app.command("generate")
def generate(size: SizeOpt = None, lang: LangOpt = None, out: OutOpt = None) -> None:
    """Generate samples (into the cache, or into --out DIR) and print where each went."""
    from profiler.samples.materialise import generate as generate_tree
    from profiler.samples.materialise import materialise_many

    pairs = _selection(size, lang)
    if out is None:
        paths = materialise_many(pairs)
        for s, lg in pairs:
            typer.echo(f"{s:<6} {lg:<4} {paths[(s, lg)]}")
        return
    for s, lg in pairs:
        path = generate_tree(s, lg, out / f"{s}-{lg}")
        typer.echo(f"{s:<6} {lg:<4} {path}")
