"""Human-readable numbers, shared by every reporter."""

from __future__ import annotations

import math


def seconds(s: float | None) -> str:
    """1.23 s, 12.3 s, 1 min 04 s."""
    if s is None or (isinstance(s, float) and math.isnan(s)):
        return "-"
    if s < 10:
        return f"{s:.2f} s"
    if s < 60:
        return f"{s:.1f} s"
    minutes, rest = divmod(round(s), 60)
    return f"{minutes} min {rest:02d} s"


def size(n: float | None) -> str:
    """Binary units: 512 B, 1.5 KiB, 300.0 MiB, 1.20 GiB."""
    if n is None or (isinstance(n, float) and math.isnan(n)):
        return "-"
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            if unit == "B":
                return f"{int(n)} B"
            return f"{n:.2f} {unit}" if unit == "GiB" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.2f} TiB"
