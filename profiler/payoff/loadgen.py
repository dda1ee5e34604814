"""Drive a server with wrk, a well-known HTTP load generator (Debian's `wrk`).

Why wrk: it is in Debian (bootstrap.sh installs it), it holds thousands of
connections from one thread with epoll, it reports latency percentiles from a
full histogram, and a Lua script gives it a request mix. hey (also in Debian)
sends one URL only; oha is not packaged.

The Lua script (written per run) cycles through the route file's mix in fixed
proportions. Requests without templates are formatted once per thread; only
those with {id} or {unique} are formatted per request, so the script costs
wrk little. `done()` prints one `BUILDPROF {json}` line with the totals and
the latency percentiles, which is what this module parses (wrk's own text
summary rounds its figures).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from profiler.errors import UsageError
from profiler.measure.process import guarded, kill_tree
from profiler.payoff.routes import Routes

MARK = "BUILDPROF "


@dataclass(frozen=True)
class LoadResult:
    duration_s: float  # as wrk timed it
    requests: int  # completed requests (answered, any status)
    requests_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int  # connect, read, write and timeout errors, plus status >= 400
    non_2xx: int  # answers with status >= 400 (wrk counts those, not 3xx)
    socket_errors: str  # "connect 0, read 0, write 0, timeout 0"
    cpu_s: float  # the load generator's own CPU time (is it the bottleneck?)
    exit_code: int


def _lua_string(text: str) -> str:
    """`text` as a Lua string literal of ASCII only: its UTF-8 bytes, printable ASCII
    as they are (but \\ and "), every other byte as Lua's decimal escape \\ddd, so
    that wrk sends exactly these bytes and no line break or quote can end the literal."""
    out = []
    for byte in text.encode("utf-8"):
        ch = chr(byte)
        out.append(ch if 0x20 <= byte < 0x7F and ch not in '"\\' else f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def script(routes: Routes) -> str:
    """The wrk Lua script for the route file's mix."""
    rows = []
    for r in routes.cycle():
        body = "nil" if r.body is None else _lua_string(r.body)
        rows.append(f"  {{method={_lua_string(r.method)}, path={_lua_string(r.path)}, "
                    f"body={body}, dynamic={'true' if r.templated else 'false'}, "
                    f"has_id={'true' if '{id}' in r.path + (r.body or '') else 'false'}}},")
    return f"""-- written by buildprof payoff from {_lua_string(routes.path.name)}
local reqs = {{
{chr(10).join(rows)}
}}
local id_range = {routes.id_range}
local next_id = 0
function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
end
local n = 0
local used = 0  -- requests that took an {{id}}: ids cycle over those, not over every request
local pre = {{}}
local json_headers = {{["Content-Type"] = "application/json"}}
local salt = 0
function init(args)
  salt = tonumber(args[1]) or 0
  for i, r in ipairs(reqs) do
    if not r.dynamic then
      pre[i] = wrk.format(r.method, r.path, r.body and json_headers or nil, r.body)
    end
  end
end
local function fill(text, id, uniq)
  text = string.gsub(text, "{{id}}", id)
  text = string.gsub(text, "{{unique}}", uniq)
  return text
end
function request()
  n = n + 1
  local i = (n - 1) % #reqs + 1
  if pre[i] then return pre[i] end
  local r = reqs[i]
  local id = ""
  if r.has_id then
    used = used + 1
    id = string.format("%d", (used - 1) % id_range + 1)
  end
  local uniq = string.format("%.0f", salt * 1e12 + tid * 1e9 + n)
  local body = r.body and fill(r.body, id, uniq) or nil
  return wrk.format(r.method, fill(r.path, id, uniq), body and json_headers or nil, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{MARK}{{"duration_us":%d,"requests":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}}\\n',
    summary.duration, summary.requests, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def find_wrk() -> str:
    """wrk's path, or a UsageError that says how to install it."""
    found = shutil.which("wrk")
    if not found:
        raise UsageError("payoff needs the load generator wrk, which is not on PATH: "
                         "`apt install wrk` (./bootstrap.sh installs it)")
    return found


def version(wrk: str) -> str:
    """`wrk debian/4.1.0-3+b2`: the first line of `wrk -v` (which exits 1)."""
    try:
        out = subprocess.run([wrk, "-v"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UsageError(f"cannot run {wrk}: {exc}") from None
    first = (out.stdout or out.stderr).strip().splitlines()
    words = first[0].split() if first else []
    return " ".join(words[:2]) if words else "wrk (version unknown)"


def _cpu_of(pid: int, deadline: float) -> tuple[int, float]:
    """Wait for `pid` until `deadline` (monotonic); its exit code and CPU seconds.
    Past the deadline its group is killed."""
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime
        if time.monotonic() > deadline:
            kill_tree(pid)
            _, status, usage = os.wait4(pid, 0)
            return -signal.SIGKILL, usage.ru_utime + usage.ru_stime
        time.sleep(0.05)


def run(wrk: str, url: str, routes: Routes, connections: int, duration_s: float,
        timeout_s: float, cores: list[int] | None, log_dir: Path, salt: int = 0,
        nofile: int | None = None) -> LoadResult:
    """One wrk run against `url`, pinned to `cores` (None: not pinned). `salt` keeps
    {unique} apart between runs against one server (a warm-up, then the measured
    run): without it the measured run would create users the warm-up created.

    wrk runs in its own session; on any exception (Ctrl-C included) its whole
    group is killed before re-raising, and it is killed anyway if it outlives
    its duration by 30 s."""
    log_dir.mkdir(parents=True, exist_ok=True)
    lua = log_dir / "mix.lua"
    lua.write_text(script(routes))
    threads = max(1, min(len(cores) if cores else os.cpu_count() or 1, connections))
    argv = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration_s:g}s",
            f"--timeout={timeout_s:g}s", "-s", str(lua), url, "--", str(salt)]
    if cores:
        argv = ["taskset", "-c", ",".join(map(str, cores)), *argv]
    out_path, err_path = log_dir / "wrk.out", log_dir / "wrk.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                start_new_session=True, preexec_fn=guarded(nofile))
    try:
        code, cpu = _cpu_of(proc.pid, time.monotonic() + duration_s + 30)
        proc.returncode = code  # reaped by wait4 above
    except BaseException:
        kill_tree(proc.pid)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(proc.pid, 0)
        proc.returncode = -signal.SIGKILL
        raise
    text = out_path.read_text(errors="replace")
    line = next((ln for ln in text.splitlines() if ln.startswith(MARK)), None)
    if code != 0 or line is None:
        detail = (err_path.read_text(errors="replace").strip() or text.strip()).splitlines()
        raise UsageError(f"wrk failed (exit {code}): {detail[-1] if detail else 'no output'}")
    d = json.loads(line[len(MARK):])
    seconds = d["duration_us"] / 1e6
    socket = d["connect"] + d["read"] + d["write"] + d["timeout"]
    return LoadResult(
        duration_s=seconds, requests=d["requests"],
        requests_per_s=d["requests"] / seconds if seconds > 0 else 0.0,
        p50_ms=d["p50_us"] / 1000, p90_ms=d["p90_us"] / 1000, p99_ms=d["p99_us"] / 1000,
        max_ms=d["max_us"] / 1000, errors=socket + d["status"], non_2xx=d["status"],
        socket_errors=(f"connect {d['connect']}, read {d['read']}, write {d['write']}, "
                       f"timeout {d['timeout']}"),
        cpu_s=cpu, exit_code=code)
