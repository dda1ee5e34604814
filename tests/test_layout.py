"""The layers keep to themselves: SQL only in profiler/storage/, typer only in the CLI,
rich only where things are drawn (profiler/cli/ and profiler/report/).

Read from the source text, so a new module is checked the day it is added.
"""

from __future__ import annotations

import re
from pathlib import Path

PROFILER = Path(__file__).resolve().parents[1] / "profiler"

# What only the storage layer may do: run SQL or hold a connection.
SQL_USE = re.compile(r"\.execute(many|script)?\(|\.conn\b|\bsqlite3\.connect\(|"
                     r"^\s*(import|from)\s+(sqlite3|sqlite_utils)\b", re.MULTILINE)


def _modules() -> dict[str, str]:
    return {p.relative_to(PROFILER).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(PROFILER.rglob("*.py"))}


def _importers(package: str) -> set[str]:
    pattern = re.compile(rf"^\s*(import|from)\s+{package}\b", re.MULTILINE)
    return {name for name, text in _modules().items() if pattern.search(text)}


def test_sql_runs_only_in_storage() -> None:
    """Commands, the session and the analyses read through ResultsDB's methods."""
    offenders = {}
    for name, text in _modules().items():
        if name.startswith("storage/"):
            continue
        found = [text.count("\n", 0, m.start()) + 1 for m in SQL_USE.finditer(text)]
        if found:
            offenders[name] = found
    assert offenders == {}, f"SQL or a connection outside profiler/storage/ (lines): {offenders}"


def test_typer_only_in_the_cli() -> None:
    assert {n for n in _importers("typer") if not n.startswith("cli/")} == set()


def test_rich_only_in_the_cli_and_the_reports() -> None:
    assert {n for n in _importers("rich") if not n.startswith(("cli/", "report/"))} == set()


def test_the_checks_see_what_they_look_for() -> None:
    """The patterns match the code they are meant to refuse (a check that can never
    fire proves nothing)."""
    assert SQL_USE.search("    store.db.execute('SELECT 1')")
    assert SQL_USE.search("rows = queries.fetch_runs(results.db.conn, f)")
    assert SQL_USE.search("import sqlite3\n")
    assert not SQL_USE.search("store.history_cells(filters)  # connection-free")
    assert "cli/main.py" in _importers("typer")
    assert "report/breakdown.py" in _importers("rich")


def test_only_the_cli_uses_the_renderers() -> None:
    """report/ only renders: the analyses, storage and the session never import it."""
    users = {n for n in _importers(r"profiler\.report") if not n.startswith(("cli/", "report/"))}
    assert users == set()
    assert "cli/report.py" in _importers(r"profiler\.report")


# -- imports: no cycles, no private names across modules ---------------------------------


def _module_name(rel: str) -> str:
    name = "profiler." + rel[:-3].replace("/", ".")
    return name.removesuffix(".__init__")


def _imports() -> dict[str, set[tuple[str, str | None]]]:
    """Each module's imports of profiler modules, every one of them: at the top, under
    TYPE_CHECKING and inside functions; (module, the name imported from it or None)."""
    import ast

    modules = {_module_name(rel): rel for rel in _modules()}
    out: dict[str, set[tuple[str, str | None]]] = {}
    for name, rel in modules.items():
        package = name if rel.endswith("__init__.py") else name.rpartition(".")[0]
        found: set[tuple[str, str | None]] = set()
        for node in ast.walk(ast.parse((PROFILER / rel).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {(a.name, None) for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                for a in node.names:
                    sub = f"{base}.{a.name}"
                    found.add((sub, None) if sub in modules else (base, a.name))
        out[name] = {(m, n) for m, n in found if m in modules and m != name}
    return out


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_module_imports_another_that_imports_it_back() -> None:
    """Counting every import, those under TYPE_CHECKING and inside functions too: a
    cycle means two modules are one idea in two files, or a layer reaching back up."""
    graph = {m: {t for t, _ in deps} for m, deps in _imports().items()}
    assert _cycles(graph) == []
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_private_name_is_imported_from_another_module() -> None:
    private = sorted(f"{m} <- {t}.{n}" for m, deps in _imports().items() for t, n in deps
                     if n and n.startswith("_") and not n.startswith("__"))
    assert private == []


def test_the_top_of_the_package_names_the_pipeline() -> None:
    """At most six modules sit loose at the top of profiler/; the rest are in folders
    whose names say what they hold (docs/architecture.md)."""
    loose = sorted(p.name for p in PROFILER.glob("*.py") if p.name != "__init__.py")
    assert len(loose) <= 6, loose
    assert "errors.py" in loose  # the count is of real files


def test_no_module_is_too_long_to_hold_in_your_head() -> None:
    lengths = {n: t.count("\n") for n, t in _modules().items()}
    assert {n: k for n, k in lengths.items() if k > 600} == {}
    assert max(lengths.values()) > 100  # the count is of real files
