"""Per-user conversation state, stored as JSON in the embedded SQLite store.

Each change is a transaction on the database, committed before the caller carries on, so a
reply is never sent for a change that could still be lost, and two messages from the same
user at once (in one process or two) cannot lose each other's update.
"""

from __future__ import annotations

import datetime as dt
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from bot.core.user import UserState, now_iso
from bot.store.database import CorruptRecord, Database, Transaction

R = TypeVar("R")
_LOCK_STRIPES = 64
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

    def update(self, key: str, change: Change[R],
               also: Callable[[Transaction], None] | None = None) -> R:
        """Load the user's state, apply ``change``, and commit its result atomically.

        ``change`` returns (result, new state), or (result, None) to delete the user. It
        must not have side effects: it runs on a copy read outside the write lock, and runs
        again if another thread or process changed the user meanwhile; the last try runs
        inside the write transaction, so an update always lands. ``also`` writes in the
        same transaction (the event ledger's note that this message's change is made).
        """
        with self.locked(key):
            for _ in range(OPTIMISTIC_TRIES):
                with self._database.reading() as tx:
                    seen = tx.get(USERS, key)
                result, new_state = change(self._stamped(seen))
                with self._database.transaction() as tx:
                    if tx.get(USERS, key) == seen:
                        self._write(tx, key, seen, new_state)
                        if also is not None:
                            also(tx)
                        return result
            with self._database.transaction() as tx:
                seen = tx.get(USERS, key)
                result, new_state = change(self._stamped(seen))
                self._write(tx, key, seen, new_state)
                if also is not None:
                    also(tx)
                return result

    def _write(self, tx: Transaction, key: str, seen: Any, new_state: UserState | None) -> None:
        if new_state is None:
            self.delete_in(tx, key)
            return
        if seen is not None and self._state_of(seen, strict=True) is None:
            _set_aside(tx, key, seen)  # the damaged record is kept, never overwritten unseen
        tx.put(USERS, key, new_state.to_json())

    def _stamped(self, raw: Any) -> UserState:
        """The state to change, its ``updated`` already the time of this change: a reply
        built from it ("what I keep about you") shows the very record that is written."""
        state = self._state_of(raw)
        state.updated = now_iso()
        return state

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
