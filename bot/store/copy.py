"""Moving a deployment's state: check a state database, and copy one into another.

``copy_database`` copies every table row by row, each value the JSON text exactly as stored
(never decoded and written again), from a SQLite file to PostgreSQL or back. It first
compares the whole source with the target and refuses, writing nothing, when the target
holds a different value for any key; an identical value is simply there already, so a
second run copies nothing. It writes in batches, each its own transaction, then counts
and checksums every table on both sides. ``check_database`` reports what an operator needs
before and after: rows per table, damaged records, held Slack events, pending referrals.

The stores' transactions hand out decoded values; a byte-exact copy needs the stored text,
so this module runs its few raw statements inside those transactions (``Transaction._sql``),
which also keeps their locking and their password-free errors.
"""

from __future__ import annotations

import hashlib
import os
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core.user import UserState
from bot.store.backends import StateDatabase, is_postgres_url, open_database
from bot.store.database import TABLES, CorruptRecord, Database, StateError
from bot.store.events import EventLedger
from bot.store.referrals import well_formed as is_referral

__all__ = ["CheckReport", "CopyReport", "TableCopy", "check_database", "check_target",
           "checksum", "copy_database", "shown"]

BATCH_ROWS = 500
_TABLE_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz_0123456789")
# Each side keeps its own: PostgreSQL's schema versions, and the heartbeats of the instances
# serving from that database (they describe running processes, not anyone's data).
_OWN_TABLES = {"pathway_schema", "instances"}
Rows = dict[str, "bytes | None"]  # key -> the value as stored


def shown(target: str | Path) -> str:
    """How to name a database to a person: a path, or a URL without its password."""
    text = str(target).strip()
    if not is_postgres_url(text):
        return text
    parts = urllib.parse.urlsplit(text)
    user = urllib.parse.unquote(parts.username or "")
    host = parts.netloc.rpartition("@")[2] or "localhost"  # host and port, never the password
    return f"{parts.scheme}://{user + '@' if user else ''}{host}{parts.path}"


def _identity(target: str | Path) -> tuple[str, ...]:
    """What makes two names the same database: the file, or the server and database."""
    text = str(target).strip()
    if is_postgres_url(text):
        import psycopg
        from psycopg.conninfo import conninfo_to_dict

        try:
            params = conninfo_to_dict(text)
        except psycopg.ProgrammingError:
            raise StateError(f"{shown(text)} is not a valid PostgreSQL URL (expected "
                             "postgresql://user:password@host:port/database)") from None
        user = params.get("user") or os.environ.get("PGUSER") or ""
        return ("postgresql", (params.get("host") or "localhost").lower(),
                str(params.get("port") or "5432"), params.get("dbname") or user)
    return ("sqlite", str(Path(text).expanduser().resolve()))


@contextmanager
def _opened(target: str | Path, must_exist: bool) -> Iterator[StateDatabase]:
    """The database a target names, closed afterwards; with must_exist, never a new file."""
    if must_exist and not is_postgres_url(str(target)) and not Path(target).is_file():
        raise StateError(f"there is no state database at {shown(target)}")
    db = open_database(str(target))
    try:
        yield db
    finally:
        db.close()


# --- raw rows --------------------------------------------------------------------------------

def _mark(db: StateDatabase) -> str:
    return "?" if isinstance(db, Database) else "%s"


def _tables(db: StateDatabase, tx: Any) -> list[str]:
    """Every table the database holds, Pathway's own first."""
    if isinstance(db, Database):
        rows = tx._sql("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    else:
        rows = tx._sql("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                       ).fetchall()
    names = {_as_text(row[0]) for row in rows}
    extra = sorted(name for name in names - set(TABLES) - _OWN_TABLES
                   if set(name) <= _TABLE_NAME_CHARS)
    return [*(name for name in TABLES if name not in _OWN_TABLES), *extra]


def _as_text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw


def _as_stored(raw: Any) -> bytes | None:
    """A stored value as its bytes (SQLite hands out bytes, PostgreSQL text)."""
    if raw is None or isinstance(raw, bytes):
        return raw
    return str(raw).encode("utf-8")


def _raw_rows(tx: Any, table: str) -> Rows:
    """Every (key, stored value) of a table; nothing for a table that is not there."""
    if tx.count(table) == 0:
        return {}
    rows = tx._sql(f'SELECT key, value FROM "{table}"').fetchall()
    return {_as_text(key): _as_stored(value) for key, value in rows}


def checksum(rows: Rows) -> str:
    """A SHA-256 of a table's rows in key order, each key and value length-prefixed."""
    digest = hashlib.sha256()
    for key in sorted(rows):  # code point order is UTF-8 byte order
        name, value = key.encode("utf-8"), rows[key]
        digest.update(len(name).to_bytes(8, "big") + name)
        digest.update(b"\xff" * 8 if value is None else len(value).to_bytes(8, "big") + value)
    return digest.hexdigest()


def _fits(db: StateDatabase, value: bytes | None) -> bool:
    """Whether the target can hold this value byte for byte (PostgreSQL text is UTF-8)."""
    if isinstance(db, Database):
        return True
    if value is None or b"\x00" in value:
        return False
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _param(db: StateDatabase, value: bytes | None) -> bytes | str | None:
    """The value to bind: text where it is UTF-8 (as the stores write it), else the bytes."""
    if value is None:
        return None
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value  # SQLite only: _fits kept such a value away from PostgreSQL


# --- copy ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TableCopy:
    """One table after a copy: rows on each side, rows written, and both checksums."""

    table: str
    source_rows: int
    copied: int
    already: int
    target_rows: int
    source_checksum: str
    target_checksum: str

    @property
    def matches(self) -> bool:
        """Whether the target's table now equals the source's, row for row."""
        return (self.source_rows == self.target_rows
                and self.source_checksum == self.target_checksum)


@dataclass
class CopyReport:
    """What a copy did, or why it refused to."""

    source: str
    target: str
    tables: list[TableCopy] = field(default_factory=list)
    conflicts: list[tuple[str, str]] = field(default_factory=list)  # (table, key)
    unfit: list[tuple[str, str]] = field(default_factory=list)  # values the target cannot hold

    @property
    def refused(self) -> bool:
        """Whether the copy was refused before writing anything."""
        return bool(self.conflicts or self.unfit)

    @property
    def ok(self) -> bool:
        """Copied (or already there) and verified: every table equal on both sides."""
        return not self.refused and all(table.matches for table in self.tables)

    @property
    def copied(self) -> int:
        """Rows written by this run."""
        return sum(table.copied for table in self.tables)

    def summary_lines(self) -> list[str]:
        """The report as lines for a terminal."""
        lines = [f"copy {self.source} -> {self.target}"]
        if self.refused:
            return lines + _refusal_lines(self)
        lines.append(f"  {'table':<14} {'source':>7} {'copied':>7} {'already':>7} "
                     f"{'target':>7}  checksum (sha256)")
        for t in self.tables:
            mark = "ok" if t.matches else f"MISMATCH (target {t.target_checksum[:16]})"
            lines.append(f"  {t.table:<14} {t.source_rows:>7} {t.copied:>7} {t.already:>7} "
                         f"{t.target_rows:>7}  {t.source_checksum[:16]} {mark}")
        if self.ok:
            lines.append(f"ok: {self.copied} row(s) copied; every table's count and checksum "
                         "match.")
        else:
            lines.append("NOT verified: the tables marked MISMATCH differ. Was the bot still "
                         "running on either database, or does the target hold other rows? "
                         "Stop every instance and run the copy again.")
        return lines


def _refusal_lines(report: CopyReport) -> list[str]:
    lines = []
    if report.conflicts:
        lines.append(f"refused: the target already holds different data for "
                     f"{len(report.conflicts)} key(s); nothing was written:")
        lines += [f"  {table}: {key}" for table, key in report.conflicts]
    if report.unfit:
        lines.append(f"refused: {len(report.unfit)} stored value(s) are not UTF-8 JSON text "
                     "that the target can hold byte for byte; nothing was written:")
        lines += [f"  {table}: {key}" for table, key in report.unfit]
    return lines


def copy_database(source: str | Path, target: str | Path,
                  batch_rows: int = BATCH_ROWS) -> CopyReport:
    """Copy every table of source into target, byte for byte, then verify; see the module."""
    if _identity(source) == _identity(target):
        raise StateError(f"the source and the target are the same database "
                         f"({shown(source)}); nothing was copied")
    report = CopyReport(shown(source), shown(target))
    with _opened(source, must_exist=True) as origin, _opened(target, must_exist=False) as into:
        with origin.reading() as tx:
            wanted = {table: _raw_rows(tx, table) for table in _tables(origin, tx)}
        with into.reading() as tx:
            present = {table: _raw_rows(tx, table) for table in wanted}
        for table, rows in wanted.items():
            for key, value in sorted(rows.items()):
                if key in present[table] and present[table][key] != value:
                    report.conflicts.append((table, key))
                elif key not in present[table] and not _fits(into, value):
                    report.unfit.append((table, key))
        if report.refused:
            return report
        copied = {table: _write(into, table, {key: value for key, value in rows.items()
                                              if key not in present[table]}, batch_rows)
                  for table, rows in wanted.items()}
        report.tables = _verify(origin, into, copied)
    return report


def _write(db: StateDatabase, table: str, rows: Rows, batch_rows: int) -> int:
    """Insert rows absent from the target, a batch per transaction; returns how many."""
    keys = sorted(rows)
    mark = _mark(db)
    insert = (f'INSERT OR IGNORE INTO "{table}" (key, value) VALUES ({mark}, {mark})'
              if isinstance(db, Database) else
              f'INSERT INTO "{table}" (key, value) VALUES (%s, %s) ON CONFLICT (key) DO NOTHING')
    for start in range(0, len(keys), batch_rows):
        with db.transaction() as tx:
            tx.count(table)  # a write transaction creates a table that is not there yet
            for key in keys[start:start + batch_rows]:
                if tx._sql(insert, (key, _param(db, rows[key]))).rowcount != 1:
                    _same_or_refuse(tx, db, table, key, rows[key])
    return len(keys)


def _same_or_refuse(tx: Any, db: StateDatabase, table: str, key: str,
                    value: bytes | None) -> None:
    """A row that appeared in the target meanwhile must be equal, else the batch rolls back."""
    found = tx._sql(f'SELECT value FROM "{table}" WHERE key = {_mark(db)}', (key,)).fetchone()
    if found is None or _as_stored(found[0]) != value:
        raise StateError(f"{table}: {key} was written to the target during the copy with "
                         "different data; this batch was rolled back. Stop every instance "
                         "and run the copy again.")


def _verify(origin: StateDatabase, into: StateDatabase, copied: dict[str, int]
            ) -> list[TableCopy]:
    """Count and checksum every table on both sides, read afresh."""
    with origin.reading() as tx:
        source = {table: _raw_rows(tx, table) for table in copied}
    with into.reading() as tx:
        target = {table: _raw_rows(tx, table) for table in copied}
    return [TableCopy(table, len(source[table]), copied[table],
                      len(source[table]) - copied[table], len(target[table]),
                      checksum(source[table]), checksum(target[table]))
            for table in copied]


# --- check -----------------------------------------------------------------------------------

@dataclass
class CheckReport:
    """What ``db check`` found in one state database."""

    where: str
    integrity: list[str] = field(default_factory=list)  # problems the engine itself reports
    counts: dict[str, int] = field(default_factory=dict)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (table, key)
    quarantined: list[tuple[str, str]] = field(default_factory=list)  # (user key, when)
    held_events: int = 0
    pending_referrals: int = 0

    @property
    def healthy(self) -> bool:
        """No engine-level damage and every record readable (set-aside records are kept safe)."""
        return not self.integrity and not self.unreadable

    def summary_lines(self) -> list[str]:
        """The report as lines for a terminal."""
        lines = [f"state database: {self.where}",
                 "integrity: " + ("ok" if not self.integrity else "; ".join(self.integrity))]
        lines += [f"  {table:<14} {count:>7} row(s)" for table, count in self.counts.items()]
        lines.append(f"users with damaged records (set aside in quarantine): "
                     f"{len(self.quarantined)}")
        lines += [f"  {user} (set aside {when})" for user, when in self.quarantined]
        lines.append(f"held Slack events (waiting for their reply): {self.held_events}")
        lines.append(f"pending referrals (not yet delivered): {self.pending_referrals}")
        if self.unreadable:
            lines.append(f"unreadable records: {len(self.unreadable)}")
            lines += [f"  {table}: {key}" for table, key in self.unreadable]
        lines.append("healthy" if self.healthy else
                     "NOT healthy: fix the problems above (restore from a backup) before "
                     "copying or serving from this database.")
        return lines


def check_database(db: StateDatabase) -> CheckReport:
    """Run the database's integrity checks and report its tables, damage and pending work."""
    report = CheckReport(str(db.path) if isinstance(db, Database) else db.where)
    with db.reading() as tx:
        if isinstance(db, Database):
            found = [_as_text(row[0]) for row in tx._sql("PRAGMA integrity_check(20)")]
            report.integrity = [] if found == ["ok"] else found
        for table in _tables(db, tx):
            rows = tx.items(table)
            report.counts[table] = len(rows)
            report.unreadable += [(table, key) for key, value in rows
                                  if not _readable(table, value)]
            if table == "quarantine":
                report.quarantined = [_set_aside(key, value) for key, value in rows]
            if table == "referrals":  # a damaged one is skipped by delivery, so not pending
                report.pending_referrals = sum(is_referral(value)
                                               and value["status"] == "pending"
                                               for _, value in rows)
    report.held_events = EventLedger(db).held()
    return report


def _readable(table: str, value: Any) -> bool:
    """Whether the bot can read a record: it is JSON, and users and referrals are well formed
    (the stores set a damaged user aside and skip a damaged referral)."""
    if isinstance(value, CorruptRecord):
        return False
    if table == "users":
        return _is_user_state(value)
    return is_referral(value) if table == "referrals" else True


def _is_user_state(value: Any) -> bool:
    """Whether a users record is one this Pathway can load (else it would be set aside)."""
    if not isinstance(value, dict):
        return False
    try:
        UserState.from_json(value)
    except (TypeError, ValueError, KeyError, StateError):
        return False
    return True


def _set_aside(key: str, value: Any) -> tuple[str, str]:
    """(user key, when) of a quarantine entry, stored under "user key@time"."""
    user, _, when = key.rpartition("@")
    if isinstance(value, dict) and isinstance(value.get("key"), str):
        user = value["key"]
    return (user or key, when)


def check_target(target: str | Path) -> CheckReport:
    """Open an existing state database, check it, and close it."""
    with _opened(target, must_exist=True) as db:
        return check_database(db)

