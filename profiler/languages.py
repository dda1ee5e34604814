"""The languages buildprof builds, each with its backend: the one list of them.

A language is registered once, here, with what must be known before its backend
is loaded (its name, how it is written, the manifest that marks a project of it,
the extension of its source files) and where its backend is (profiler.backends).
Everything else about a toolchain (commands, environment, log parsing, flags,
knobs, the words for what each scenario runs) is its backend's. Adding a
toolchain is a backend module, its toolchain finder, and one `register` line.

Nothing here imports a backend: profiler.backends.backend_for loads one when it is
asked for, so the command line can list the languages in its help without them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from profiler.errors import UsageError


@dataclass(frozen=True)
class Language:
    name: str  # as users write it: --lang go
    title: str  # as sentences write it: Go
    manifest: str  # the file at a project's root: go.mod, Cargo.toml
    suffix: str  # its source files: .go, .rs
    project: str  # what a project of it is called: a Go module
    spec: str  # how a toolchain of it is named: go@VERSION, rust@CHANNEL
    backend: str | type[Any]  # its backends.base.Backend: "module:Class", or the class
    comment: str = "//"  # a comment to the end of the line (code lines are counted)
    block_comment: tuple[str, str] | None = ("/*", "*/")


_REGISTRY: dict[str, Language] = {}


def register(language: Language) -> None:
    """Add a language (a later registration of the same name replaces it)."""
    _REGISTRY[language.name] = language


def unregister(name: str) -> None:
    _REGISTRY.pop(name, None)


register(Language("go", "Go", "go.mod", ".go", "a Go module", "go@VERSION",
                  "profiler.backends.go:GoBackend"))
register(Language("rust", "Rust", "Cargo.toml", ".rs", "a Cargo package/workspace",
                  "rust@CHANNEL", "profiler.backends.cargo:CargoBackend"))


def langs() -> tuple[str, ...]:
    """Every registered language's name, in registration order."""
    return tuple(_REGISTRY)


def language(name: str) -> Language:
    """The language called `name`; a wrong name lists the valid ones."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UsageError(f"unknown language '{name}'; use one of: {', '.join(_REGISTRY)}"
                         ) from None


def check_lang(name: str) -> str:
    language(name)
    return name


def title(name: str) -> str:
    """How a sentence names the language: Go, Rust (an unknown name as it is)."""
    found = _REGISTRY.get(name)
    return found.title if found else name
