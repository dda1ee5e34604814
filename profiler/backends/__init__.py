"""A backend per toolchain (base.Backend): everything about a build that differs
between Go and Cargo, and whatever a toolchain added later needs. profiler.languages
registers each by language name; `backend_for` loads it on first use."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from profiler.languages import langs, language

if TYPE_CHECKING:
    from profiler.backends.base import Backend


def backend_for(lang: str) -> Backend:
    """The backend of a language ("go", "rust"...); a wrong name lists the valid ones."""
    spec: Any = language(lang).backend
    if isinstance(spec, str):
        module, _, cls = spec.partition(":")
        spec = getattr(importlib.import_module(module), cls)
    return spec()


def backends() -> list[Backend]:
    """Every registered language's backend, in registration order."""
    return [backend_for(name) for name in langs()]
