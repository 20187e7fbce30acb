"""A real PostgreSQL server for tests: initdb and pg_ctl in a temporary directory, on loopback.

Nothing is mocked: the tests talk to a server started from the machine's own binaries
(Debian's ``postgresql`` package, which ``.ci/run`` installs; see tests/postgres_cluster.py,
which benchmarks/load.py shares). Without the binaries the tests skip saying so, except under
``CI=true``, where a missing server is a failure: CI must test both backends.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from postgres_cluster import PostgresServer, find_binaries

__all__ = ["PostgresServer", "find_binaries", "require_binaries", "running_server"]


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


@contextlib.contextmanager
def running_server() -> Iterator[PostgresServer]:
    """A started server, removed afterwards (skips without binaries; fails under CI=true)."""
    server = PostgresServer(require_binaries())
    try:
        server.start()
        yield server
    finally:
        server.remove()
