"""A throwaway PostgreSQL server: initdb and pg_ctl in a temporary directory, on loopback.

The tests (through tests/postgres_server.py) and benchmarks/load.py both start their server
with this, from the machine's own binaries (Debian's ``postgresql`` package), listening on a
free port of 127.0.0.1 only, with password authentication, and removed afterwards.
PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user (or
``nobody``). Nothing here imports pytest: the benchmark must run without it.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PASSWORD_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"
START_SECONDS = 60


def find_binaries() -> Path | None:
    """The directory holding initdb and pg_ctl, or None when PostgreSQL is not installed."""
    found = shutil.which("pg_ctl")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for directory in candidates:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    return None


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_user() -> pwd.struct_passwd | None:
    """Who runs the server: None for this user, or an unprivileged one when we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise RuntimeError("running as root with neither a postgres nor a nobody user")


class PostgresServer:
    """One throwaway cluster: start(), stop(), start() again, url(), new_database()."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.user = "pathway_test"
        self.password = "".join(secrets.choice(PASSWORD_CHARS) for _ in range(24))
        self.port = _free_port()
        self._owner = _server_user()
        self.directory = Path(tempfile.mkdtemp(prefix="pathway-pg-"))
        self.data = self.directory / "data"
        self._count = 0
        if self._owner is not None:
            os.chown(self.directory, self._owner.pw_uid, self._owner.pw_gid)
        password_file = self.directory / "password"
        password_file.write_text(self.password + "\n")
        if self._owner is not None:
            os.chown(password_file, self._owner.pw_uid, self._owner.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", self.user, "--auth=scram-sha-256",
                  f"--pwfile={password_file}", "--encoding=UTF8", "--locale=C.UTF-8",
                  "--no-sync")
        password_file.unlink()

    def _run(self, tool: str, *args: str) -> None:
        owner = self._owner
        result = subprocess.run(
            [str(self.binaries / tool), *args], capture_output=True, text=True, timeout=120,
            cwd=self.directory, user=owner.pw_uid if owner else None,
            group=owner.pw_gid if owner else None, extra_groups=[] if owner else None)
        if result.returncode != 0:
            raise RuntimeError(f"{tool} failed ({result.returncode}): {result.stderr[-2000:]}")

    def start(self) -> None:
        """Start (or start again) the server, on the same port, and wait until it accepts."""
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                   "-c unix_socket_directories='' -c fsync=off -c full_page_writes=off "
                   "-c max_connections=60")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.directory / "server.log"),
                  "-o", options, "-w", "-t", str(START_SECONDS), "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: "fast" ends every session (an outage), "immediate" is a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, database: str = "postgres", password: str | None = None) -> str:
        """A postgresql:// URL for one database, with the right password by default."""
        secret = self.password if password is None else password
        return f"postgresql://{self.user}:{secret}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """Create an empty database and return its URL."""
        import psycopg

        self._count += 1
        name = f"test_{self._count}_{secrets.token_hex(3)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def cpu_seconds(self) -> float:
        """CPU seconds the server has used so far (user + system), its backends included.

        Backends come and go with connections: the postmaster's own figure counts the ones
        that have exited (cutime, cstime), and /proc the ones still running.
        """
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        used = _cpu_fields(postmaster, with_children=True)
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and _parent(int(entry.name)) == postmaster:
                used += _cpu_fields(int(entry.name), with_children=False)
        return used / os.sysconf("SC_CLK_TCK")

    def remove(self) -> None:
        """Stop the server if it runs and delete its directory."""
        with contextlib.suppress(RuntimeError):
            self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)


def _stat_fields(pid: int) -> list[str]:
    """/proc/PID/stat after the command name (which may hold spaces), or [] once it is gone."""
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return []


def _parent(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return int(fields[1]) if fields else None


def _cpu_fields(pid: int, with_children: bool) -> int:
    """Clock ticks of CPU: utime + stime, and cutime + cstime with_children."""
    fields = _stat_fields(pid)
    if not fields:
        return 0
    used = int(fields[11]) + int(fields[12])
    return used + (int(fields[13]) + int(fields[14]) if with_children else 0)
