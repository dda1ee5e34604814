"""Start a server binary on 127.0.0.1, check it, watch it, and always stop it.

A server runs in its own session (a process-group leader), pinned to its cores
with taskset, its stdout and stderr in log files. `Server.stop()` kills the
whole group and every descendant; `serve()` is a context manager that calls it
on every way out (a normal end, an error, Ctrl-C), and `live` lists the groups
still running so that a signal handler can end them too.
"""

from __future__ import annotations

import contextlib
import http.client
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil

from profiler.errors import UsageError
from profiler.measure.process import TreeSampler, guarded, kill_tree
from profiler.payoff.routes import Request, Routes

HOST = "127.0.0.1"  # never another interface: the load stays on this machine
READY_TIMEOUT_S = 30.0
SAMPLE_S = 0.05
live: set[int] = set()  # process groups started here and not yet stopped


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


def ask(port: int, method: str, path: str, body: str | None = None,
        timeout: float = 5.0) -> Answer:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body.encode() if body is not None else None,
                     headers=headers)
        resp = conn.getresponse()
        return Answer(resp.status, resp.getheader("Content-Type", "") or "", resp.read())
    finally:
        conn.close()


def _vm_hwm(pid: int) -> int:
    """The kernel's peak RSS of the process (VmHWM), in bytes; 0 when unreadable."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


class Server:
    """A started server: its port, process and RSS sampler."""

    def __init__(self, binary: Path, routes: Routes, cores: list[int] | None,
                 log_dir: Path, nofile: int | None = None) -> None:
        self.binary = binary
        self.nofile = nofile  # the open files it needs: its connections and a margin
        self.routes = routes
        self.cores = cores
        self.log_dir = log_dir
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.sampler: TreeSampler | None = None

    def start(self) -> None:
        """Start on a free port and wait until the ready path answers 200. A port
        taken between choosing and binding is retried; anything else is a
        UsageError with the server's last log line."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for _attempt in range(3):
            self.port = free_port()
            addr = f"{HOST}:{self.port}"
            argv = [str(self.binary), *(a.replace("{addr}", addr) for a in self.routes.args)]
            if self.cores:
                argv = ["taskset", "-c", ",".join(map(str, self.cores)), *argv]
            with (self.log_dir / "server.out").open("wb") as out, \
                    (self.log_dir / "server.err").open("wb") as err:
                try:
                    self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                                 stderr=err, start_new_session=True,
                                                 preexec_fn=guarded(self.nofile))
                except OSError as exc:
                    raise UsageError(f"cannot start {self.binary}: {exc.strerror}") from None
            live.add(self.proc.pid)
            if self._wait_ready():
                self.sampler = TreeSampler(self.proc.pid, SAMPLE_S, exclude_root=False)
                self.sampler.start()
                return
            log = self._log_tail()
            code = self.proc.poll()
            self.stop()
            if "in use" in log:
                continue  # the port was taken between choosing and binding: another one
            if code is not None:
                raise UsageError(f"{self.binary.name} exited (code {code}) before answering "
                                 f"on {self.routes.ready}: {log or 'no output'}")
            raise UsageError(f"{self.binary.name} did not answer 200 on {self.routes.ready} "
                             f"within {READY_TIMEOUT_S:g} s: {log or 'no output'}")
        raise UsageError(f"{self.binary.name} could not bind a free port three times")

    def _wait_ready(self) -> bool:
        assert self.proc is not None
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            with contextlib.suppress(OSError, http.client.HTTPException):
                if ask(self.port, "GET", self.routes.ready, timeout=2).status == 200:
                    return True
            time.sleep(0.05)
        return False

    def _log_tail(self) -> str:
        """The server's last two lines (stderr, else stdout): a usage line often
        follows the one that says what was wrong."""
        for name in ("server.err", "server.out"):
            with contextlib.suppress(OSError):
                lines = [ln.strip() for ln in (self.log_dir / name).read_text(errors="replace")
                         .splitlines() if ln.strip()]
                if lines:
                    return " / ".join(lines[-2:])
        return ""

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def answers(self, requests: list[Request]) -> list[Answer]:
        """Each request once, with {id} = 1 and {unique} = 0 (the parity check)."""
        out = []
        for r in requests:
            path, body = r.fill(1, 0)
            try:
                out.append(ask(self.port, r.method, path, body))
            except (OSError, http.client.HTTPException) as exc:
                raise UsageError(f"{self.binary.name} did not answer {r.method} {path}: "
                                 f"{exc}") from None
        return out

    def cpu_s(self) -> float:
        """CPU time (user + system) the server has used so far, its children included."""
        assert self.proc is not None
        try:
            proc = psutil.Process(self.proc.pid)
            total = sum(proc.cpu_times()[:2])
            for kid in proc.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += sum(kid.cpu_times()[:2])
            return total
        except psutil.Error:
            return 0.0

    def peak_rss(self) -> int:
        """The largest RSS seen: the kernel's peak of the server process, or the
        sampler's largest sum over its tree if it forked workers."""
        assert self.proc is not None
        sampled = self.sampler.peak_sum if self.sampler else 0
        return max(_vm_hwm(self.proc.pid), sampled)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        """Kill the server's group and descendants, and reap it. Safe to call twice."""
        if self.sampler is not None:
            self.sampler.stop()
            self.sampler = None
        if self.proc is None:
            return
        kill_tree(self.proc.pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        live.discard(self.proc.pid)


@contextlib.contextmanager
def serve(binary: Path, routes: Routes, cores: list[int] | None, log_dir: Path,
          nofile: int | None = None) -> Iterator[Server]:
    server = Server(binary, routes, cores, log_dir, nofile)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def kill_live() -> None:
    """End every server group still running (a signal handler's last act)."""
    for pid in list(live):
        kill_tree(pid)
        live.discard(pid)


def core_split(available: list[int]) -> tuple[list[int] | None, list[int] | None, str]:
    """(server cores, load-generator cores, what to record). With one core there is
    nothing to split: both run unpinned, and the text says so."""
    if len(available) < 2 or shutil.which("taskset") is None:
        return None, None, f"not pinned ({len(available)} core(s) or no taskset)"
    half = len(available) // 2
    load, srv = available[:half], available[half:]
    return srv, load, (f"server on core(s) {','.join(map(str, srv))}, "
                       f"load generator on {','.join(map(str, load))}")

