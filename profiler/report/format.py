"""Human-readable numbers, for the renderers that import them from here.

They are written once, in profiler.analysis.wording (the analysis phrases its
sentences with them too, and nothing outside report/ imports from report/).
"""

from __future__ import annotations

from profiler.analysis.wording import seconds, size

__all__ = ["seconds", "size"]
