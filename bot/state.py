"""Per-user conversation state, stored as JSON in the embedded SQLite store.

Never pickle: every value is JSON. Each change is a transaction on the database, committed
before the caller carries on, so a reply is never sent for a change that could still be
lost, and two messages from the same user at once (in one process or two) cannot lose each
other's update.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from bot.store.database import CorruptRecord, Database, StateError, Transaction

__all__ = ["CorruptRecord", "Database", "StateError", "UserState", "UserStore"]
R = TypeVar("R")

STATE_VERSION = 1
HISTORY_LIMIT = 20
HISTORY_TEXT_LIMIT = 500
_LOCK_STRIPES = 64


def now_iso() -> str:
    """The current UTC time, to the second, as ISO 8601."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


@dataclass
class UserState:
    """What Pathway keeps about one user."""

    stage: str | None = None
    ticks: dict[str, list[str]] = field(default_factory=dict)  # stage id -> checklist item ids
    last_topic: str | None = None
    last_checklist: str | None = None  # the stage whose checklist the user saw last
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
    "last_checklist": (str, type(None)), "pending": (dict, type(None)), "history": (list,),
    "lang": (str,), "created": (str,),
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


# The user store: every change a transaction on the database itself --------------------------

USERS = "users"
QUARANTINE = "quarantine"
OPTIMISTIC_TRIES = 3
Change = Callable[[UserState], tuple[R, "UserState | None"]]


class UserStore:
    """Per-user state keyed by workspace and user."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._locks = [threading.RLock() for _ in range(_LOCK_STRIPES)]

    @staticmethod
    def key(workspace: str, user: str) -> str:
        """The storage key for a user in a workspace ("local" for the terminal)."""
        return f"{workspace}:{user}"

    def _lock(self, key: str) -> threading.RLock:
        return self._locks[zlib.crc32(key.encode()) % _LOCK_STRIPES]

    @contextmanager
    def locked(self, key: str) -> Iterator[None]:
        """Hold the user's lock in this process (update() is atomic across processes too)."""
        with self._lock(key):
            yield

    def update(self, key: str, change: Change[R]) -> R:
        """Load the user's state, apply ``change``, and commit its result atomically.

        ``change`` returns (result, new state), or (result, None) to delete the user. It
        must not have side effects: it runs on a copy read outside the write lock, and runs
        again if another thread or process changed the user meanwhile; the last try runs
        inside the write transaction, so an update always lands.
        """
        with self.locked(key):
            for _ in range(OPTIMISTIC_TRIES):
                with self._database.reading() as tx:
                    seen = tx.get(USERS, key)
                result, new_state = change(self._state_of(seen))
                with self._database.transaction() as tx:
                    if tx.get(USERS, key) == seen:
                        self._write(tx, key, seen, new_state)
                        return result
            with self._database.transaction() as tx:
                seen = tx.get(USERS, key)
                result, new_state = change(self._state_of(seen))
                self._write(tx, key, seen, new_state)
                return result

    def _write(self, tx: Transaction, key: str, seen: Any, new_state: UserState | None) -> None:
        if new_state is None:
            self.delete_in(tx, key)
            return
        if seen is not None and self._state_of(seen, strict=True) is None:
            _set_aside(tx, key, seen)  # the damaged record is kept, never overwritten unseen
        new_state.updated = now_iso()
        tx.put(USERS, key, new_state.to_json())

    @staticmethod
    def _state_of(raw: Any, strict: bool = False) -> UserState | None:
        """The state a stored value holds; a fresh one (None if ``strict``) when damaged."""
        if raw is None:
            return None if strict else UserState()
        if isinstance(raw, dict):
            try:
                return UserState.from_json(raw)
            except (TypeError, ValueError, KeyError):
                pass
        return None if strict else UserState()

    def load(self, key: str) -> UserState:
        """The user's state, or a fresh one. A damaged record is set aside, not lost."""
        with self._database.reading() as tx:
            raw = tx.get(USERS, key)
        state = self._state_of(raw, strict=True)
        if state is not None or raw is None:
            return state or UserState()
        with self._database.transaction() as tx:
            raw = tx.get(USERS, key)
            if raw is not None and self._state_of(raw, strict=True) is None:
                _set_aside(tx, key, raw)
                tx.delete(USERS, key)
        return UserState()

    def save(self, key: str, state: UserState) -> None:
        """Store and commit the user's state before returning."""
        self.update(key, lambda _old: (None, state))

    def delete(self, key: str) -> None:
        """Remove everything kept about the user, including set-aside records, and commit."""
        with self._database.transaction() as tx:
            self.delete_in(tx, key)

    @staticmethod
    def delete_in(tx: Transaction, key: str) -> None:
        """Delete the user's state and set-aside records inside an open transaction."""
        tx.delete(USERS, key)
        for set_aside_key, _ in tx.items(QUARANTINE, prefix=f"{key}@"):
            tx.delete(QUARANTINE, set_aside_key)

    def peek(self, key: str) -> dict[str, Any] | None:
        """The stored JSON exactly as kept, for "show what you keep about me"."""
        with self._database.reading() as tx:
            raw = tx.get(USERS, key)
        return raw if isinstance(raw, dict) else None

    def __len__(self) -> int:
        with self._database.reading() as tx:
            return tx.count(USERS)


def _set_aside(tx: Transaction, key: str, raw: Any) -> None:
    """Keep a damaged record in the quarantine table, under the user's key and the time."""
    kept = raw.raw if isinstance(raw, CorruptRecord) else raw
    tx.put(QUARANTINE, f"{key}@{dt.datetime.now(dt.timezone.utc).isoformat()}",
           {"key": key, "raw": kept})
