"""A throw-away PostgreSQL server for the tests: Debian's `postgresql` binaries,
a cluster made with initdb in a temporary directory, on a free port of 127.0.0.1,
stopped and deleted at the end. bootstrap.sh --test installs the package when
it is missing.

PostgreSQL refuses to run as root, so as root the cluster belongs to the
`postgres` user the package creates. Local (socket) connections are trusted,
for setting up; TCP connections need a password (scram-sha-256), as a team's
server would, so a wrong password is a real authentication failure.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

USER, PASSWORD, DATABASE = "buildprof", "s3cret-pw", "team"


def pg_bin() -> Path | None:
    """The directory of initdb and pg_ctl: Debian's newest, else the ones on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    root: Path
    port: int
    bin: Path
    as_postgres: bool

    @property
    def url(self) -> str:
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{DATABASE}"

    def url_for(self, *, user: str = USER, password: str | None = PASSWORD,
                database: str = DATABASE, port: int | None = None) -> str:
        auth = f"{user}:{password}" if password is not None else user
        return f"postgresql://{auth}@127.0.0.1:{port or self.port}/{database}"

    def _cmd(self, *argv: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *argv] if self.as_postgres else list(argv)

    def run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self._cmd(*argv), capture_output=True, text=True, check=True,
                              cwd=self.root)

    def psql(self, sql: str, database: str = "postgres") -> str:
        return self.run(str(self.bin / "psql"), "-h", str(self.root), "-p", str(self.port),
                        "-U", "postgres", "-d", database, "-tAc", sql).stdout

    def options(self) -> str:
        return (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                f"-c max_connections=40")

    def pause(self) -> None:
        """Stop the server, keeping its data (a store that goes away)."""
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast",
                 "-w", "stop")

    def resume(self) -> None:
        """Start the paused server again, on the same port."""
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-o",
                 self.options(), "-l", str(self.root / "log"), "-w", "start")

    def stop(self) -> None:
        subprocess.run(self._cmd(str(self.bin / "pg_ctl"), "-D", str(self.root / "data"),
                                 "-m", "immediate", "stop"), capture_output=True, cwd=self.root)
        shutil.rmtree(self.root, ignore_errors=True)


def start() -> Server:
    """initdb, start and set up a cluster; raise RuntimeError naming what is missing."""
    bin_dir = pg_bin()
    if bin_dir is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb): run ./bootstrap.sh --test, "
                           "which installs Debian's postgresql package")
    as_postgres = os.geteuid() == 0
    root = Path(tempfile.mkdtemp(prefix="buildprof-pg-"))
    if as_postgres:
        shutil.chown(root, "postgres", "postgres")
    server = Server(root, free_port(), bin_dir, as_postgres)
    pwfile = root / "pw"
    pwfile.write_text("postgres-admin-pw\n")
    if as_postgres:
        shutil.chown(pwfile, "postgres", "postgres")
    server.run(str(bin_dir / "initdb"), "-D", str(root / "data"), "-U", "postgres",
               "--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pwfile}",
               "-E", "UTF8", "--no-sync")
    server.resume()
    server.psql(f"CREATE ROLE {USER} LOGIN PASSWORD '{PASSWORD}'")
    server.psql(f"CREATE DATABASE {DATABASE} OWNER {USER}")
    return server
