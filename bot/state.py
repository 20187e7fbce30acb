"""Per-user conversation state, stored as JSON in SQLite through sqlitedict.

Never pickle: every table is opened with JSON encode/decode. Each change is committed
(and waited for) before the caller carries on, so a reply is never sent for a change that
could still be lost. Changes for one user are serialised by a lock, so two messages from
the same user at once cannot lose each other's update.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlitedict import SqliteDict

STATE_VERSION = 1
HISTORY_LIMIT = 20
HISTORY_TEXT_LIMIT = 500
_LOCK_STRIPES = 64


class StateError(Exception):
    """The state database cannot be used; the message says what to do."""


def now_iso() -> str:
    """The current UTC time, to the second, as ISO 8601."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


@dataclass
class UserState:
    """What Pathway keeps about one user."""

    stage: str | None = None
    ticks: dict[str, list[str]] = field(default_factory=dict)  # stage id -> checklist item ids
    last_topic: str | None = None
    pending: dict[str, Any] | None = None  # an unfinished exchange: triage, confirmation, choice
    history: list[dict[str, str]] = field(default_factory=list)
    lang: str = "en"
    created: str = field(default_factory=now_iso)
    updated: str = field(default_factory=now_iso)
    version: int = STATE_VERSION

    def remember(self, text: str) -> None:
        """Add a user message to the bounded history."""
        self.history.append({"at": now_iso(), "text": text[:HISTORY_TEXT_LIMIT]})
        del self.history[:-HISTORY_LIMIT]

    def ticked(self, stage_id: str) -> set[str]:
        """Ids of the items ticked at a stage."""
        return set(self.ticks.get(stage_id, ()))

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return json.loads(json.dumps(asdict(self)))

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> UserState:
        """Rebuild from stored JSON, migrating older versions."""
        migrated = migrate(dict(raw))
        known = {name: migrated[name] for name in cls.__dataclass_fields__
                 if name in migrated and _well_formed(name, migrated[name])}
        return cls(**known)


_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "stage": (str, type(None)), "ticks": (dict,), "last_topic": (str, type(None)),
    "pending": (dict, type(None)), "history": (list,), "lang": (str,), "created": (str,),
    "updated": (str,), "version": (int,),
}


def _well_formed(name: str, value: Any) -> bool:
    """Whether a stored field has a usable shape; a bad one falls back to its default."""
    if not isinstance(value, _FIELD_TYPES[name]):
        return False
    if name == "ticks":
        return all(isinstance(k, str) and isinstance(v, list)
                   and all(isinstance(i, str) for i in v) for k, v in value.items())
    if name == "history":
        return all(isinstance(entry, dict) for entry in value)
    return True


def _unversioned_to_1(raw: dict[str, Any]) -> dict[str, Any]:
    """A record with no version field: keep what is recognisable, default the rest."""
    ticks = raw.get("ticks")
    if not isinstance(ticks, dict):
        raw["ticks"] = {}
    return raw


# MIGRATIONS[n] turns a version-n record into version n + 1. Add one with each change
# to UserState's stored shape, and bump STATE_VERSION.
MIGRATIONS = {0: _unversioned_to_1}


def migrate(raw: dict[str, Any]) -> dict[str, Any]:
    """Bring a stored state up to STATE_VERSION."""
    version = raw.get("version", 0)
    if not isinstance(version, int) or version > STATE_VERSION:
        raise StateError(f"stored state is version {version}, newer than this Pathway "
                         f"({STATE_VERSION}); upgrade Pathway before using this database")
    while version < STATE_VERSION:
        raw = MIGRATIONS[version](raw)
        version += 1
        raw["version"] = version
    return raw


@dataclass(frozen=True)
class CorruptRecord:
    """A stored value that is not valid JSON; kept aside, never thrown away."""

    raw: str


def _decode(blob: bytes | str) -> Any:
    text = blob.decode("utf-8", "replace") if isinstance(blob, bytes) else blob
    try:
        return json.loads(text)
    except ValueError:
        return CorruptRecord(text)


def _encode(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Database:
    """The SQLite file holding every table Pathway keeps."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tables: dict[str, SqliteDict] = {}
        self._open_lock = threading.Lock()
        self._check_readable()

    def _check_readable(self) -> None:
        if not self.path.exists():
            return
        try:
            # Read-write: after a crash mid-commit (SIGKILL, OOM, power cut) the file has a
            # hot journal, which SQLite rolls back on the first read-write open. A read-only
            # open refuses it ("attempt to write a readonly database"). Nothing committed is
            # touched, and a file that is not a database is still never written to.
            with contextlib.closing(sqlite3.connect(self.path)) as conn:
                conn.execute("PRAGMA schema_version").fetchone()
                conn.execute("PRAGMA quick_check").fetchone()
        except sqlite3.DatabaseError as error:
            raise StateError(
                f"the state database {self.path} cannot be read ({error}). Nothing was changed. "
                "Restore it from a backup, or move it aside to start with empty state."
            ) from error

    def table(self, name: str) -> SqliteDict:
        """A JSON-encoded table in this database, opened once."""
        with self._open_lock:
            if name not in self._tables:
                self._tables[name] = SqliteDict(
                    str(self.path), tablename=name, encode=_encode, decode=_decode,
                    autocommit=False, outer_stack=False,
                )
            return self._tables[name]

    def close(self) -> None:
        """Commit and close every table."""
        with self._open_lock:
            for table in self._tables.values():
                table.close()
            self._tables.clear()


class UserStore:
    """Per-user state keyed by workspace and user."""

    def __init__(self, database: Database) -> None:
        self._table = database.table("users")
        self._quarantine = database.table("quarantine")
        self._locks = [threading.Lock() for _ in range(_LOCK_STRIPES)]

    @staticmethod
    def key(workspace: str, user: str) -> str:
        """The storage key for a user in a workspace ("local" for the terminal)."""
        return f"{workspace}:{user}"

    def _lock(self, key: str) -> threading.Lock:
        return self._locks[zlib.crc32(key.encode()) % _LOCK_STRIPES]

    @contextmanager
    def locked(self, key: str) -> Iterator[None]:
        """Hold the user's lock: no other change to this user runs meanwhile."""
        with self._lock(key):
            yield

    def load(self, key: str) -> UserState:
        """The user's state, or a fresh one. A corrupt record is set aside, not lost."""
        raw = self._table.get(key)
        if raw is None:
            return UserState()
        if isinstance(raw, CorruptRecord) or not isinstance(raw, dict):
            self._set_aside(key, raw)
            return UserState()
        try:
            return UserState.from_json(raw)
        except (TypeError, ValueError):
            self._set_aside(key, raw)
            return UserState()

    def _set_aside(self, key: str, raw: Any) -> None:
        kept = raw.raw if isinstance(raw, CorruptRecord) else raw
        self._quarantine[f"{key}@{now_iso()}"] = {"key": key, "raw": kept}
        self._quarantine.commit(blocking=True)

    def save(self, key: str, state: UserState) -> None:
        """Store and commit the user's state before returning."""
        state.updated = now_iso()
        self._table[key] = state.to_json()
        self._table.commit(blocking=True)

    def delete(self, key: str) -> None:
        """Remove everything kept about the user, including set-aside records, and commit."""
        self._table.pop(key, None)
        self._table.commit(blocking=True)
        for qkey in [k for k in self._quarantine if k.startswith(f"{key}@")]:
            del self._quarantine[qkey]
        self._quarantine.commit(blocking=True)

    def peek(self, key: str) -> dict[str, Any] | None:
        """The stored JSON exactly as kept, for "show what you keep about me"."""
        raw = self._table.get(key)
        return raw if isinstance(raw, dict) else None

    def __len__(self) -> int:
        return len(self._table)
