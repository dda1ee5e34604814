"""A backend per toolchain (see base.py): looked up by language name."""

from __future__ import annotations

from profiler.backends.base import Backend
from profiler.errors import UsageError


def backend_for(lang: str) -> Backend:
    """The backend of a language ("go" or "rust"); a wrong name lists the valid ones."""
    from profiler.backends.cargo import CargoBackend
    from profiler.backends.go import GoBackend

    backends: dict[str, type[Backend]] = {"go": GoBackend, "rust": CargoBackend}
    if lang not in backends:
        raise UsageError(f"unknown language '{lang}'; use one of: {', '.join(backends)}")
    return backends[lang]()
