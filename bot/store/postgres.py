"""The PostgreSQL store: the tables and transactions of bot.store.database, shared by instances.

Same interface as the SQLite ``Database`` (``transaction()``, ``reading()``, ``table()``,
``close()``, ``checkpoint()``), so every store works on either. Each table is
``(key TEXT COLLATE "C" PRIMARY KEY, value TEXT)`` holding the very JSON text SQLite holds:
the "C" collation orders and compares keys byte by byte as SQLite does (``items(below=)``
and prefix scans mean the same on both), and text rather than JSONB keeps each record as
written (key order for "show what you keep", ``\\u0000`` in a message, which JSONB refuses)
and keeps a damaged record a CorruptRecord.

Writers take turns, as on SQLite: a write transaction first takes one transaction-level
advisory lock, held to its commit, so what the block reads cannot change under it in any
instance (a compare-and-swap, a scan for duplicates, a claim). Reads never wait (MVCC).
No call waits for ever: a lock held longer than ``busy_seconds``, an unreachable server
or an exhausted pool raise StoreUnavailable; the pool replaces broken connections, so the
same object works again once the server is back. No error or log line holds the password.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import psycopg.sql
import psycopg_pool
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from bot.store.database import (
    BUSY_SECONDS,
    STORE_FORMAT,
    KeyValueTransaction,
    StateError,
    StoreUnavailable,
    Table,
    quoted_table,
)

__all__ = ["MIGRATIONS", "Listener", "PostgresDatabase", "PostgresTransaction"]

logger = logging.getLogger(__name__)

# Advisory lock keys ("PTHW" and a purpose), fixed so that every instance takes the same lock.
WRITER_LOCK = 0x50544857_0001
SCHEMA_LOCK = 0x50544857_0002
SCHEMA_SECONDS = 120.0  # how long a starting instance waits for another's schema change
IDLE_IN_TRANSACTION_SECONDS = 60  # a stalled holder of the write lock lets go after this
POOL_SIZE = 10


def _table_sql(table: str) -> str:
    return (f'CREATE TABLE IF NOT EXISTS {quoted_table(table)} '
            '(key TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL)')


# Schema versions, applied in order at start-up, each in its own transaction; version N is
# MIGRATIONS[N - 1]. Append, never edit: a database records the versions it has. A table
# used later without a migration is still made on its first write, as on SQLite.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: the tables of store format 1 (bot.store.database.TABLES on 2026-12)
    tuple(_table_sql(table) for table in ("users", "quarantine", "referrals", "questions",
                                          "feedback", "slack_events", "meta")),
    # 2: the serving instances' heartbeats (bot.store.instances)
    (_table_sql("instances"),),
    # 3: team messages still to be redrawn without a referral's details (bot.store.referrals)
    (_table_sql("redraws"),),
)


class _Redactor:
    """Names the server without its password, and strips the password from error text."""

    def __init__(self, conninfo: str) -> None:
        params = conninfo_to_dict(conninfo)
        password = params.get("password") or ""
        self._secrets = sorted({password, urllib.parse.quote(password, safe=""),
                                urllib.parse.quote_plus(password)} - {""}, key=len, reverse=True)
        host, port = params.get("host") or "localhost", params.get("port") or "5432"
        self.where = f"postgresql://{params.get('user') or ''}@{host}:{port}/" \
                     f"{params.get('dbname') or ''}".replace("://@", "://")

    def clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def error(self, error: BaseException) -> StoreUnavailable:
        """The StoreUnavailable a psycopg or pool error means, with nothing secret in it."""
        cause = self.clean(str(error).strip().splitlines()[0] if str(error).strip() else
                           type(error).__name__)
        if isinstance(error, psycopg.errors.LockNotAvailable | psycopg.errors.QueryCanceled):
            return StoreUnavailable(f"the state database {self.where} is busy (another "
                                    f"instance held it too long: {cause}); nothing was changed")
        if isinstance(error, psycopg_pool.PoolTimeout):
            return StoreUnavailable(f"the state database {self.where} cannot be reached or has "
                                    "no free connection right now; nothing was changed")
        return StoreUnavailable(f"the state database {self.where} failed ({cause}); nothing "
                                "was changed")


_OUTAGE = (psycopg.OperationalError, psycopg.InterfaceError, psycopg_pool.PoolTimeout)


class PostgresTransaction(KeyValueTransaction):
    """Reads and writes inside one open transaction (see PostgresDatabase.transaction)."""

    PLACEHOLDER = "%s"
    UPSERT = ("INSERT INTO {table} (key, value) VALUES (%s, %s) "
              "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value")
    INSERT_NEW = "INSERT INTO {table} (key, value) VALUES (%s, %s) ON CONFLICT (key) DO NOTHING"

    def __init__(self, database: PostgresDatabase, conn: psycopg.Connection,
                 writable: bool) -> None:
        self._database = database
        self._conn = conn
        self.writable = writable
        self.created: list[str] = []

    def _sql(self, sql: str, params: tuple[Any, ...] = ()) -> psycopg.Cursor:
        try:
            return self._conn.execute(sql, params)
        except _OUTAGE as error:
            raise self._database.redactor.error(error) from None

    def _with_prefix(self, prefix: str) -> tuple[str, list[Any]]:
        return " WHERE starts_with(key, %s)", [prefix]

    def notify(self, channel: str, payload: str) -> None:
        """NOTIFY ``channel`` at commit (PostgreSQL delivers nothing if the block rolls back)."""
        self._sql("SELECT pg_notify(%s, %s)", (channel, payload))

    def _writing(self, table: str) -> None:
        if not self.writable:
            raise RuntimeError("a write inside Database.reading(); use Database.transaction()")
        self._exists(table)

    def _exists(self, table: str) -> bool:
        """Whether the table is there to read (a write transaction creates one that is not)."""
        if table in self._database.tables:
            return True
        found = self._sql("SELECT to_regclass(%s) IS NOT NULL",
                          (quoted_table(table),)).fetchone()[0]
        if not found and self.writable:  # safe: every writer holds the write lock
            self._sql(_table_sql(table))
            self.created.append(table)
            found = True
        if found:
            self._database.tables.add(table)
        return bool(found)


class PostgresDatabase:
    """A PostgreSQL database holding every table Pathway keeps, shared by all instances.

    Connections come from a pool (psycopg_pool), checked before each use and replaced when
    broken. Write transactions take turns: within this process on a Python lock, across
    instances on one advisory lock; reads never wait for a writer.
    """

    def __init__(self, url: str, busy_seconds: float = BUSY_SECONDS,
                 pool_size: int = POOL_SIZE) -> None:
        self.redactor = _Redactor(url)
        self.where = self.redactor.where
        self.busy_seconds = busy_seconds
        self.tables: set[str] = set()
        self._writer = threading.Lock()
        self._closed = False
        self._conninfo = _with_defaults(url, busy_seconds)
        self._migrate()
        self._pool = psycopg_pool.ConnectionPool(
            self._conninfo, min_size=1, max_size=pool_size, open=False, name="pathway",
            kwargs={"autocommit": True}, check=psycopg_pool.ConnectionPool.check_connection,
            timeout=busy_seconds)
        self._pool.open(wait=False)
        with self.transaction() as tx:  # proves the database is writable, as SQLite does
            tx.put("meta", "store", {"format": STORE_FORMAT})

    def __repr__(self) -> str:
        return f"PostgresDatabase({self.where!r})"

    # --- schema -------------------------------------------------------------------------

    def _migrate(self) -> None:
        """Apply missing schema versions, one instance at a time (a session advisory lock)."""
        try:
            with psycopg.connect(self._conninfo, autocommit=True) as conn:
                conn.execute("SELECT set_config('lock_timeout', %s, false)",
                             (f"{int(SCHEMA_SECONDS * 1000)}ms",))
                conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
                try:
                    self._apply_migrations(conn)
                finally:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))
        except psycopg.Error as error:
            raise StateError(
                f"cannot open the state database {self.where} "
                f"({self.redactor.clean(str(error).strip())}). Check PATHWAY_DATABASE_URL and "
                "that the server is running and reachable.") from None

    def _apply_migrations(self, conn: psycopg.Connection) -> None:
        conn.execute("CREATE TABLE IF NOT EXISTS pathway_schema "
                     "(version INTEGER PRIMARY KEY, applied TIMESTAMPTZ NOT NULL DEFAULT now())")
        current = int(conn.execute("SELECT coalesce(max(version), 0) FROM pathway_schema")
                      .fetchone()[0])
        if current > len(MIGRATIONS):
            raise StateError(f"the state database {self.where} has schema version {current}, "
                             f"newer than this Pathway knows ({len(MIGRATIONS)}); upgrade "
                             "this instance before starting it.")
        for version in range(current + 1, len(MIGRATIONS) + 1):
            with conn.transaction():
                for statement in MIGRATIONS[version - 1]:
                    conn.execute(statement)
                conn.execute("INSERT INTO pathway_schema (version) VALUES (%s)", (version,))
            logger.info("state database %s: schema version %d applied", self.where, version)
        self.tables.update(row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))

    def schema_version(self) -> int:
        """The newest schema version applied to the database."""
        with self._connection() as conn:
            return int(self._run(lambda: conn.execute(
                "SELECT max(version) FROM pathway_schema").fetchone()[0]))

    # --- transactions -------------------------------------------------------------------

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        if self._closed:
            raise StateError(f"the state database {self.where} is closed")
        try:
            with self._pool.connection() as conn:
                yield conn
        except _OUTAGE as error:
            raise self.redactor.error(error) from None

    def _run(self, step: Callable[[], Any]) -> Any:
        try:
            return step()
        except _OUTAGE as error:
            raise self.redactor.error(error) from None

    @contextmanager
    def transaction(self) -> Iterator[PostgresTransaction]:
        """A write transaction: committed when the block ends, rolled back if it raises.

        It takes the write lock before its first read, so what the block reads cannot
        change under it: a load, change and save in one block is atomic everywhere.
        """
        if not self._writer.acquire(timeout=self.busy_seconds):
            raise StoreUnavailable(f"the state database {self.where} is busy (other threads "
                                   f"held it for over {self.busy_seconds:g} s); nothing was "
                                   "changed")
        try:
            with self._connection() as conn:
                self._run(lambda: self._begin_writing(conn))
                tx = PostgresTransaction(self, conn, writable=True)
                try:
                    yield tx
                except BaseException:
                    self._rollback(conn, tx)
                    raise
                try:
                    conn.execute("COMMIT")
                except _OUTAGE as error:
                    self._rollback(conn, tx)
                    raise self.redactor.error(error) from None
        finally:
            self._writer.release()

    def _begin_writing(self, conn: psycopg.Connection) -> None:
        # READ COMMITTED: each statement sees every commit made before it, so once the
        # lock is ours the block reads the latest of everything.
        conn.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
        try:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK,))
        except BaseException:
            with contextlib.suppress(psycopg.Error):
                conn.execute("ROLLBACK")
            raise

    def _rollback(self, conn: psycopg.Connection, tx: PostgresTransaction) -> None:
        with contextlib.suppress(psycopg.Error):
            conn.execute("ROLLBACK")
        self.tables.difference_update(tx.created)  # a table made in this block is gone again

    @contextmanager
    def reading(self) -> Iterator[PostgresTransaction]:
        """A read-only transaction: one consistent view, no write lock."""
        with self._connection() as conn:
            self._run(lambda: conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"))
            try:
                yield PostgresTransaction(self, conn, writable=False)
            finally:
                with contextlib.suppress(psycopg.Error):
                    conn.execute("ROLLBACK")

    def table(self, name: str) -> Table:
        """A dict-like view of one table, each operation its own transaction (for tools)."""
        return Table(self, name)  # type: ignore[arg-type]

    def checkpoint(self) -> None:
        """After "forget me": vacuum the tables that hold personal data.

        PostgreSQL keeps a deleted row's bytes until VACUUM frees its space for reuse (and
        in its write-ahead log until that is recycled); there is no secure_delete.
        """
        try:
            with self._connection() as conn:
                conn.execute("VACUUM users, quarantine, referrals, questions, slack_events")
        except (psycopg.Error, StateError) as error:
            logger.warning("could not vacuum %s: %s", self.where, self.redactor.clean(str(error)))

    def listen(self, channel: str, wake: Callable[[], None]) -> Listener:
        """Call ``wake`` on every NOTIFY on ``channel`` (and after each reconnection)."""
        listener = Listener(self._conninfo, self.redactor, channel, wake)
        listener.start()
        return listener

    def close(self) -> None:
        """Close the pool; committed data is already on the server."""
        self._closed = True
        self._pool.close(timeout=self.busy_seconds)


class Listener:
    """One connection of its own, LISTENing on a channel in a daemon thread.

    ``wake`` runs for each notification, and once after every (re)connection, since
    notifications sent while the connection was down are lost: the caller then looks at
    the state itself. A lost connection is retried with backoff, for ever, until close().
    """

    POLL_SECONDS = 1.0  # how often the thread looks up to see whether it should stop
    BACKOFF_SECONDS = (1.0, 30.0)

    def __init__(self, conninfo: str, redactor: _Redactor, channel: str,
                 wake: Callable[[], None]) -> None:
        self._conninfo = conninfo
        self._redactor = redactor
        self._channel = channel
        self._wake = wake
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"listen-{channel}",
                                        daemon=True)
        self.connected = threading.Event()

    def start(self) -> None:
        """Start listening in the background."""
        self._thread.start()

    def close(self) -> None:
        """Stop listening and wait for the thread."""
        self._stop.set()
        self._thread.join(timeout=self.POLL_SECONDS * 5)

    def _run(self) -> None:
        delay = self.BACKOFF_SECONDS[0]
        while not self._stop.is_set():
            try:
                self._listen()
                delay = self.BACKOFF_SECONDS[0]
            except psycopg.Error as error:
                self.connected.clear()
                logger.warning("lost the notification connection to %s (%s); retrying in "
                               "%g s", self._redactor.where,
                               self._redactor.clean(str(error).strip()[:200]), delay)
                self._stop.wait(delay)
                delay = min(delay * 2, self.BACKOFF_SECONDS[1])

    def _listen(self) -> None:
        with psycopg.connect(self._conninfo, autocommit=True) as conn:
            conn.execute(psycopg.sql.SQL("LISTEN {}").format(psycopg.sql.Identifier(
                self._channel)))
            self.connected.set()
            self._safely_wake()
            while not self._stop.is_set():
                for _ in conn.notifies(timeout=self.POLL_SECONDS):
                    self._safely_wake()

    def _safely_wake(self) -> None:
        try:
            self._wake()
        except Exception:  # the listener must outlive a failing callback
            logger.exception("a %s notification handler failed", self._channel)


def _with_defaults(url: str, busy_seconds: float) -> str:
    """The URL's connection settings, plus timeouts and keepalives it does not set itself."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        raise StateError("PATHWAY_DATABASE_URL is not a valid PostgreSQL URL (expected "
                         "postgresql://user:password@host:port/database)") from None
    defaults = {"connect_timeout": str(max(int(busy_seconds), 2)), "application_name": "pathway",
                "keepalives": "1", "keepalives_idle": "10", "keepalives_interval": "5",
                "keepalives_count": "3"}
    options = params.get("options") or ""
    timeouts = (f"-c lock_timeout={int(busy_seconds * 1000)} "
                f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_SECONDS * 1000}")
    return make_conninfo(**{**defaults, **params, "options": f"{timeouts} {options}".strip()})
