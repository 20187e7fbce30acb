"""A real PostgreSQL server for tests: initdb and pg_ctl in a temporary directory, on loopback.

Nothing is mocked: the tests talk to a server started from the machine's own binaries
(Debian's ``postgresql`` package, which ``.ci/run`` installs), listening on a free port
of 127.0.0.1 only, with password authentication, and removed afterwards. PostgreSQL
refuses to run as root, so as root the server runs as the ``postgres`` user (or
``nobody``). Without the binaries the tests skip saying so, except under ``CI=true``,
where a missing server is a failure: CI must test both backends.
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
from collections.abc import Iterator
from pathlib import Path

import pytest

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


def require_binaries() -> Path:
    """The binaries' directory; skip (or fail under CI=true) when there are none."""
    directory = find_binaries()
    if directory is not None:
        return directory
    reason = ("no PostgreSQL server binaries (initdb, pg_ctl) on this machine: install the "
              "Debian package postgresql (apt-get install postgresql) to test that backend")
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


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

    def remove(self) -> None:
        """Stop the server if it runs and delete its directory."""
        with contextlib.suppress(RuntimeError):
            self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)


@contextlib.contextmanager
def running_server() -> Iterator[PostgresServer]:
    """A started server, removed afterwards (skips without binaries; fails under CI=true)."""
    server = PostgresServer(require_binaries())
    try:
        server.start()
        yield server
    finally:
        server.remove()
