"""A route file: how to start a server, when it is ready, and the request mix.

The same file drives both servers of a payoff, so both get the same requests in
the same proportions. The http-service sample ships one
(`sample_projects/http-service/payoff.toml`); for a user's own Go and Rust
servers, `buildprof payoff GO_DIR RUST_DIR --routes FILE` reads one written the
same way (docs/payoff.md shows the format).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import reduce
from pathlib import Path
from typing import Any

from profiler.errors import UsageError

TEMPLATES = ("{id}", "{unique}")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Request:
    name: str
    method: str
    path: str  # may hold {id} and {unique}
    body: str | None
    status: int  # what a correct server answers
    weight: int

    @property
    def templated(self) -> bool:
        return any(t in self.path or t in (self.body or "") for t in TEMPLATES)

    def fill(self, ident: int, unique: int) -> tuple[str, str | None]:
        """The path and body with the templates replaced (as the load script does)."""

        def sub(text: str) -> str:
            return text.replace("{id}", str(ident)).replace("{unique}", str(unique))

        return sub(self.path), None if self.body is None else sub(self.body)


@dataclass(frozen=True)
class LangSection:
    """What differs per language for a user's servers: the binary's name and the
    file an incremental build cost appends a change to."""

    binary: str | None = None
    edit: str | None = None


@dataclass(frozen=True)
class Routes:
    path: Path
    args: tuple[str, ...]  # {addr} becomes 127.0.0.1:PORT
    ready: str
    binary: str | None
    id_range: int
    requests: tuple[Request, ...]
    langs: dict[str, LangSection]

    def binary_for(self, lang: str) -> str | None:
        section = self.langs.get(lang)
        return (section.binary if section and section.binary else None) or self.binary

    def edit_for(self, lang: str) -> str | None:
        section = self.langs.get(lang)
        return section.edit if section else None

    def cycle(self) -> list[Request]:
        """One period of the mix: each request as often as its weight (divided by
        the weights' common divisor), spread out as smooth weighted round-robin
        does, so that no request type comes in a burst."""
        divisor = reduce(math.gcd, (r.weight for r in self.requests))
        weights = [r.weight // divisor for r in self.requests]
        total = sum(weights)
        current = [0] * len(weights)
        order = []
        for _ in range(total):
            current = [c + w for c, w in zip(current, weights, strict=True)]
            best = max(range(len(current)), key=lambda i: current[i])
            current[best] -= total
            order.append(self.requests[best])
        return order

    def mix_text(self) -> str:
        """The mix in one line, for the stored rows: `GET /users/{id} 50%, ...`."""
        total = sum(r.weight for r in self.requests)
        return ", ".join(f"{r.method} {r.path} {100 * r.weight / total:g}%"
                         for r in self.requests)


# The mix's period (the weights divided by their common divisor, summed) is a table
# in wrk's Lua script: weights are proportions, and a period this long is plenty.
MAX_PERIOD = 10_000


def _whole(value: Any) -> bool:
    """A TOML integer; `true` is not one (bool is an int in Python)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _url_path(path: Path, value: str, what: str) -> None:
    """A request path wrk can put in a request line: ASCII, no space or control
    character (percent-encode them: %20)."""
    if not value.startswith("/"):
        raise _fail(path, f"{what} '{value}' must start with /")
    bad = next((ch for ch in value if not "!" <= ch <= "~"), None)
    if bad is not None:
        raise _fail(path, f"{what} {value!r} holds {bad!r}; a path is ASCII without spaces "
                          f"or control characters: percent-encode them (a space is %20)")


def _fail(path: Path, what: str) -> UsageError:
    return UsageError(f"route file {path}: {what}; see docs/payoff.md for the format")


def _string(path: Path, table: dict[str, Any], key: str, where: str,
            required: bool = True) -> str | None:
    value = table.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise _fail(path, f"{where} needs `{key}` as a non-empty string")
    return value


def _request(path: Path, i: int, table: Any) -> Request:
    where = f"[[request]] number {i}"
    if not isinstance(table, dict):
        raise _fail(path, f"{where} is not a table")
    url = _string(path, table, "path", where)
    assert url is not None
    _url_path(path, url, f"{where}: path")
    method = str(table.get("method", "GET")).upper()
    if method not in METHODS:
        raise _fail(path, f"{where}: method '{method}' is not one of {', '.join(METHODS)}")
    weight, status = table.get("weight", 1), table.get("status", 200)
    if not _whole(weight) or not 1 <= weight <= MAX_PERIOD:
        raise _fail(path, f"{where}: weight must be a whole number from 1 to {MAX_PERIOD}")
    if not _whole(status) or not 200 <= status <= 299:
        raise _fail(path, f"{where}: status must be the 2xx code a correct server answers")
    body = _string(path, table, "body", where, required=False)
    name = _string(path, table, "name", where, required=False) or f"{method} {url}"
    return Request(name, method, url, body, status, weight)


def load(path: Path) -> Routes:
    """Read and check a route file; a UsageError names what is wrong."""
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise UsageError(f"route file {path} does not exist; give --routes FILE "
                         f"(docs/payoff.md shows the format)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read route file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise _fail(path, f"not valid TOML ({exc})") from None
    args = data.get("args", ["--addr", "{addr}"])
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args) \
            or not any("{addr}" in a for a in args):
        raise _fail(path, "`args` must be a list of strings, one holding {addr}")
    ready = _string(path, data, "ready", "the file")
    assert ready is not None
    _url_path(path, ready, "ready path")
    id_range = data.get("id_range", 1000)
    if not _whole(id_range) or id_range < 1:
        raise _fail(path, "id_range must be a whole number of at least 1")
    raw = data.get("request")
    if not isinstance(raw, list) or not raw:
        raise _fail(path, "it has no [[request]] tables; the mix needs at least one")
    langs = {}
    for lang in ("go", "rust"):
        section = data.get(lang, {})
        if not isinstance(section, dict):
            raise _fail(path, f"[{lang}] must be a table")
        langs[lang] = LangSection(_string(path, section, "binary", f"[{lang}]", False),
                                  _string(path, section, "edit", f"[{lang}]", False))
    requests = tuple(_request(path, i, t) for i, t in enumerate(raw, 1))
    divisor = math.gcd(*(r.weight for r in requests))
    period = sum(r.weight // divisor for r in requests)
    if period > MAX_PERIOD:
        raise _fail(path, f"the weights, divided by their common divisor ({divisor}), add up "
                          f"to {period}; keep that at most {MAX_PERIOD} (weights are "
                          f"proportions: 1, 2, 5 ...)")
    return Routes(path, tuple(args), ready, _string(path, data, "binary", "the file", False),
                  id_range, requests, langs)
