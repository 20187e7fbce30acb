"""The embedded store: JSON records in one SQLite file, changed in real transactions.

Every table is ``(key TEXT PRIMARY KEY, value BLOB)`` holding JSON text (never pickle), the
layout sqlitedict wrote, so databases from earlier versions open unchanged. Each change runs
in a ``BEGIN IMMEDIATE`` transaction on the database itself: a read-modify-write is atomic
across threads, processes and terminals sharing one ``PATHWAY_DATA_DIR``, and it is
committed before the caller carries on. No call waits forever: a lock held longer than
``BUSY_SECONDS`` raises StoreUnavailable, which adapters turn into "try again in a moment".
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.base.errors import StateError

__all__ = ["CorruptRecord", "Database", "StateError", "StoreUnavailable", "Transaction"]

logger = logging.getLogger(__name__)

BUSY_SECONDS = 10.0
STORE_FORMAT = 1
# Every table Pathway keeps; each is created when the database is opened.
TABLES = ("users", "quarantine", "referrals", "questions", "feedback", "slack_events", "meta",
          "instances", "redraws")
_TABLE_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz_0123456789")


class StoreUnavailable(StateError):
    """The database is busy or failing right now; the change was not made. Try again."""


@dataclass(frozen=True)
class CorruptRecord:
    """A stored value that is not valid UTF-8 JSON; kept aside, never thrown away."""

    raw: str


def decode(blob: bytes | str | None) -> Any:
    """A stored value as JSON data, or a CorruptRecord holding what could be read."""
    if blob is None:
        return None
    if isinstance(blob, bytes):
        try:
            text = blob.decode("utf-8")
        except UnicodeDecodeError:
            return CorruptRecord(blob.decode("utf-8", "replace"))
    else:
        text = blob
    try:
        return json.loads(text)
    except ValueError:
        return CorruptRecord(text)


def encode(value: Any) -> str:
    """JSON text for a value (compact, UTF-8 kept readable)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def quoted_table(table: str) -> str:
    if not table or not set(table) <= _TABLE_NAME_CHARS:
        raise ValueError(f"not a table name: {table!r}")
    return f'"{table}"'


class KeyValueTransaction:
    """The key-value operations of one open transaction, for any backend's SQL dialect.

    A backend gives ``_sql`` (run a statement, mapping its driver's outage errors),
    ``_writing`` and ``_exists`` (its table bookkeeping), and the statements that differ:
    the driver's placeholder, an upsert, an insert that ignores an existing key, and a
    key-prefix condition.
    """

    PLACEHOLDER = "?"
    UPSERT = "INSERT OR REPLACE INTO {table} (key, value) VALUES (?, ?)"
    INSERT_NEW = "INSERT OR IGNORE INTO {table} (key, value) VALUES (?, ?)"

    writable: bool

    def _sql(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        raise NotImplementedError

    def _writing(self, table: str) -> None:
        raise NotImplementedError

    def _exists(self, table: str) -> bool:
        raise NotImplementedError

    def _with_prefix(self, prefix: str) -> tuple[str, list[Any]]:
        """The WHERE clause and parameters for keys that start with ``prefix``."""
        return " WHERE substr(key, 1, ?) = ?", [len(prefix), prefix]

    def get(self, table: str, key: str) -> Any:
        """The decoded value at key, None if absent, a CorruptRecord if unreadable."""
        if not self._exists(table):
            return None
        row = self._sql(f"SELECT value FROM {quoted_table(table)} WHERE key = {self.PLACEHOLDER}",
                        (key,)).fetchone()
        return decode(row[0]) if row else None

    def put(self, table: str, key: str, value: Any) -> None:
        """Store value at key, replacing what was there."""
        self._writing(table)
        self._sql(self.UPSERT.format(table=quoted_table(table)), (key, encode(value)))

    def insert_new(self, table: str, key: str, value: Any) -> bool:
        """Store value only if key is absent; True if this call stored it (one atomic claim)."""
        self._writing(table)
        cursor = self._sql(self.INSERT_NEW.format(table=quoted_table(table)), (key, encode(value)))
        return cursor.rowcount == 1

    def delete(self, table: str, key: str) -> bool:
        """Remove key; True if it was there."""
        self._writing(table)
        return self._sql(f"DELETE FROM {quoted_table(table)} WHERE key = {self.PLACEHOLDER}",
                         (key,)).rowcount == 1

    def items(self, table: str, prefix: str | None = None, below: str | None = None
              ) -> list[tuple[str, Any]]:
        """(key, value) pairs in key order, optionally only keys with a prefix or below a key."""
        if not self._exists(table):
            return []
        sql, params = f"SELECT key, value FROM {quoted_table(table)}", []
        if prefix is not None:
            where, params = self._with_prefix(prefix)
            sql += where
        elif below is not None:
            sql += f" WHERE key < {self.PLACEHOLDER}"
            params.append(below)
        rows = self._sql(sql + " ORDER BY key", tuple(params)).fetchall()
        return [(_text(key), decode(value)) for key, value in rows]

    def notify(self, channel: str, payload: str) -> None:
        """Wake other instances listening on ``channel`` when this transaction commits.

        A no-op here: SQLite has no notifications, so instances on one file poll instead.
        """

    def count(self, table: str) -> int:
        """How many keys the table holds."""
        if not self._exists(table):
            return 0
        return int(self._sql(f"SELECT count(*) FROM {quoted_table(table)}").fetchone()[0])


class Transaction(KeyValueTransaction):
    """Reads and writes inside one open SQLite transaction (see Database.transaction)."""

    def __init__(self, database: Database, conn: sqlite3.Connection, writable: bool) -> None:
        self._database = database
        self._conn = conn
        self.writable = writable

    def _sql(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        try:
            return self._conn.execute(sql, params)
        except sqlite3.OperationalError as error:
            raise _unavailable(self._database.path, error) from error

    def _writing(self, table: str) -> None:
        if not self.writable:
            raise RuntimeError("a write inside Database.reading(); use Database.transaction()")
        self._database.ensure(table, self._conn)

    def _exists(self, table: str) -> bool:
        """Whether the table is there to read (writing creates one that is not)."""
        if self.writable:
            self._database.ensure(table, self._conn)
            return True
        return self._database.exists(table, self._conn)


def _text(key: bytes | str) -> str:
    return key.decode("utf-8", "replace") if isinstance(key, bytes) else key


class Database:
    """The SQLite file holding every table Pathway keeps.

    Each thread gets its own connection. Write transactions take turns: within this
    process on a Python lock, across processes on SQLite's own lock; reads never wait for
    a writer (write-ahead log).
    """

    def __init__(self, path: str | Path, busy_seconds: float = BUSY_SECONDS) -> None:
        self.path = Path(path)
        self.busy_seconds = busy_seconds
        self._local = threading.local()
        # Each connection with the lock its thread holds while using it, so close() never
        # closes a connection another thread is in the middle of (which crashes SQLite).
        self._connections: list[tuple[sqlite3.Connection, threading.Lock]] = []
        self._lock = threading.Lock()
        # Threads of this process queue here for the write lock: SQLite's own busy handler
        # polls with sleeps of up to 100 ms, which under load costs far more than the wait.
        self._writer = threading.Lock()
        self._tables: set[str] = set()
        self._closed = False
        _check_directory(self.path.parent)
        _check_file(self.path)
        if not self.path.exists():  # personal data: readable by the bot's user only
            with contextlib.suppress(FileExistsError):  # another process made it first
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        with self.transaction() as tx:  # creates the tables, and proves the file is writable
            for table in TABLES:
                self.ensure(table, tx._conn)
            tx.put("meta", "store", {"format": STORE_FORMAT})

    # --- connections ------------------------------------------------------------------------

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, held for the block."""
        opened = getattr(self._local, "conn", None)
        if opened is None:
            opened = self._open_connection()
        conn, in_use = opened
        with in_use:
            if self._closed:
                raise StateError(f"the state database {self.path} is closed")
            yield conn

    def _open_connection(self) -> tuple[sqlite3.Connection, threading.Lock]:
        if self._closed:
            raise StateError(f"the state database {self.path} is closed")
        try:
            conn = sqlite3.connect(self.path, timeout=self.busy_seconds, isolation_level=None,
                                   check_same_thread=False)
            conn.text_factory = bytes  # decode ourselves: invalid UTF-8 is a record, not a crash
            # Deleted text is overwritten, not left in free pages ("forget me" means gone).
            conn.execute("PRAGMA secure_delete = ON")
            # Write-ahead log: readers never wait for a writer, and a commit is one fsync of
            # the log (synchronous FULL: committed means on disk, even after a power cut).
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
        except sqlite3.Error as error:
            raise _unavailable(self.path, error) from error
        opened = (conn, threading.Lock())
        with self._lock:
            self._connections.append(opened)
        self._local.conn = opened
        return opened

    def ensure(self, table: str, conn: sqlite3.Connection) -> None:
        """Create the table the first time it is used (inside the caller's transaction)."""
        if table in self._tables:
            return
        conn.execute(f"CREATE TABLE IF NOT EXISTS {quoted_table(table)} "
                     "(key TEXT PRIMARY KEY, value BLOB)")
        self._tables.add(table)

    def exists(self, table: str, conn: sqlite3.Connection) -> bool:
        """Whether a table has been created (a read of a missing one finds nothing)."""
        if table in self._tables:
            return True
        row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                           (table,)).fetchone()
        return row is not None

    # --- transactions -----------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """A write transaction: committed when the block ends, rolled back if it raises.

        ``BEGIN IMMEDIATE`` takes the database's write lock at once, so what the block reads
        cannot change under it: a load, change and save in one block is atomic everywhere.
        """
        if not self._writer.acquire(timeout=self.busy_seconds):
            raise StoreUnavailable(f"the state database {self.path} is busy (other threads "
                                   f"held it for over {self.busy_seconds:g} s); nothing was "
                                   "changed")
        try:
            with self._connection() as conn:
                self._begin(conn, "BEGIN IMMEDIATE")
                try:
                    yield Transaction(self, conn, writable=True)
                except BaseException:
                    self._rollback(conn)
                    raise
                try:
                    conn.execute("COMMIT")
                except sqlite3.Error as error:
                    self._rollback(conn)
                    raise _unavailable(self.path, error) from error
        finally:
            self._writer.release()

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the file and empty it (after "forget me")."""
        with self._connection() as conn:
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            except sqlite3.Error as error:  # the text is gone from the data; the log lags
                logger.warning("could not checkpoint %s: %s", self.path, error)

    def _rollback(self, conn: sqlite3.Connection) -> None:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        self._tables.clear()  # a table created in the rolled-back transaction is gone again

    @contextmanager
    def reading(self) -> Iterator[Transaction]:
        """A read-only transaction: one consistent view, no write lock."""
        with self._connection() as conn:
            self._begin(conn, "BEGIN DEFERRED")
            try:
                yield Transaction(self, conn, writable=False)
            finally:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")

    def _begin(self, conn: sqlite3.Connection, statement: str) -> None:
        try:
            conn.execute(statement)
        except sqlite3.Error as error:
            raise _unavailable(self.path, error) from error

    def table(self, name: str) -> Table:
        """A dict-like view of one table, each operation its own transaction (for tools)."""
        return Table(self, name)

    def listen(self, channel: str, wake: Callable[[], None]) -> None:
        """SQLite cannot notify: instances sharing a file find out by polling. Returns None."""
        return None

    def close(self) -> None:
        """Close every connection; committed data is already on disk."""
        with self._lock:
            self._closed = True
            opened, self._connections = self._connections, []
        for conn, in_use in opened:
            # A thread still inside a transaction finishes it first (at most busy_seconds).
            if in_use.acquire(timeout=self.busy_seconds + 1):
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
                in_use.release()
            else:
                logger.warning("a state database connection was still busy at close")


class Table:
    """One table as a small mapping, for inspection and tests; stores use transactions."""

    def __init__(self, database: Database, name: str) -> None:
        self._database = database
        self.name = name

    def get(self, key: str, default: Any = None) -> Any:
        """The value at key, or default."""
        with self._database.reading() as tx:
            value = tx.get(self.name, key)
        return default if value is None else value

    def __getitem__(self, key: str) -> Any:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        with self._database.transaction() as tx:
            tx.put(self.name, key, value)

    def __delitem__(self, key: str) -> None:
        with self._database.transaction() as tx:
            if not tx.delete(self.name, key):
                raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def items(self) -> list[tuple[str, Any]]:
        """Every (key, value), in key order."""
        with self._database.reading() as tx:
            return tx.items(self.name)

    def keys(self) -> list[str]:
        """Every key, in order."""
        return [key for key, _ in self.items()]

    def values(self) -> list[Any]:
        """Every value, in key order."""
        return [value for _, value in self.items()]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        with self._database.reading() as tx:
            return tx.count(self.name)


def _unavailable(path: Path, error: sqlite3.Error) -> StoreUnavailable:
    text = str(error)
    if "locked" in text or "busy" in text:
        return StoreUnavailable(f"the state database {path} is busy (another process held it "
                                f"for over {BUSY_SECONDS:g} s); nothing was changed")
    if "readonly" in text or "read-only" in text:
        return StoreUnavailable(f"the state database {path} is read-only; nothing was changed. "
                                "Give the bot write access to the file and its directory.")
    return StoreUnavailable(f"the state database {path} failed ({text}); nothing was changed")


def _check_directory(directory: Path) -> None:
    """The data directory exists (created if need be) and the bot can write in it."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StateError(f"cannot create the data directory {directory} ({error.strerror}). "
                         "Create it, or set PATHWAY_DATA_DIR to a directory the bot can "
                         "write to.") from error
    if not directory.is_dir():
        raise StateError(f"the data directory {directory} is not a directory. "
                         "Set PATHWAY_DATA_DIR to a directory.")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise StateError(f"the data directory {directory} is not writable by this user; "
                         "SQLite needs to write its journal there. Fix its permissions, or "
                         "set PATHWAY_DATA_DIR to a writable directory.")


def _check_file(path: Path) -> None:
    """An existing database is readable, writable, and passes SQLite's quick_check."""
    if not path.exists():
        return
    if not os.access(path, os.R_OK | os.W_OK):
        raise StateError(f"the state database {path} is not readable and writable by this "
                         "user. Fix its permissions (the bot needs read and write access).")
    try:
        # Read-write: after a crash mid-commit (SIGKILL, OOM, power cut) the file has a
        # hot journal, which SQLite rolls back on the first read-write open. A read-only
        # open refuses it ("attempt to write a readonly database"). Nothing committed is
        # touched, and a file that is not a database is still never written to.
        with contextlib.closing(sqlite3.connect(path, timeout=BUSY_SECONDS)) as conn:
            conn.execute("PRAGMA schema_version").fetchone()
            found = [row[0] for row in conn.execute("PRAGMA quick_check(5)").fetchall()]
    except sqlite3.DatabaseError as error:
        raise StateError(
            f"the state database {path} cannot be read ({error}). Nothing was changed. "
            "Restore it from a backup, or move it aside to start with empty state."
        ) from error
    if found != ["ok"]:
        raise StateError(
            f"the state database {path} is damaged: SQLite's quick_check reports "
            f"{'; '.join(map(str, found))}. Nothing was changed. Stop the bot, restore the file "
            "from a backup (or try `sqlite3 pathway.sqlite .recover`), or move it aside to "
            "start with empty state.")
