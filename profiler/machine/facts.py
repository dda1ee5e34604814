"""The machine a run happened on: its identity and what it is (machine.noise says how
busy it is right now)."""

from __future__ import annotations

import hashlib
import os
import platform
import socket
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil


@dataclass(frozen=True)
class Machine:
    id: str
    hostname: str
    cpu_model: str
    cores: int
    logical_cpus: int
    memory_bytes: int
    os: str
    kernel: str
    python: str
    system: str  # GOOS's name for it: linux, darwin, windows
    arch: str  # GOARCH's name for it: amd64, arm64, 386, ...

    def row(self) -> dict[str, Any]:
        return asdict(self)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return platform.system()


# platform.machine() as GOARCH names it; other names are kept as they are (riscv64,
# s390x, ppc64le, loong64 are the same in both).
_GOARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64",
           "i386": "386", "i686": "386", "x86": "386", "armv7l": "arm", "armv6l": "arm"}


def go_arch(machine: str) -> str:
    return _GOARCH.get(machine.lower(), machine.lower())


def current_machine() -> Machine:
    """Describe this machine. The fingerprint ignores the kernel build and free
    memory, so it survives a reboot but not a move to other hardware."""
    hostname = socket.gethostname()
    cpu = _cpu_model()
    logical = psutil.cpu_count(logical=True) or os.cpu_count() or 1
    physical = psutil.cpu_count(logical=False) or logical
    memory = psutil.virtual_memory().total
    os_name = _os_name()
    key = f"{hostname}|{cpu}|{logical}|{round(memory / 2**30)}|{os_name}"
    return Machine(
        id=hashlib.sha256(key.encode()).hexdigest()[:16],
        hostname=hostname, cpu_model=cpu, cores=physical, logical_cpus=logical,
        memory_bytes=memory, os=os_name, kernel=platform.release(),
        python=sys.version.split()[0], system=platform.system().lower(),
        arch=go_arch(platform.machine()),
    )
