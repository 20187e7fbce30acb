"""Reminders to log a measure, each claimed once: one row per user, measure and due day.

Several instances may share one database and each sweeps for due reminders, so a reminder is
sent only by whoever inserts its row first (``insert_new``, one atomic claim). A row stays
while that lapse lasts, so a later sweep finds it and does not send again; once the user logs
a reading (or stops the reminder, or is forgotten) the row no longer matches and is pruned.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core.measure.nudges import Due
from bot.core.user import UserState, now_iso
from bot.store.database import Database, Transaction
from bot.store.users import USERS

TABLE = "nudges"


def claim_key(user_key: str, due: Due) -> str:
    """The row that claims one lapse of one measure's reminder for one user."""
    return "/".join((user_key, due.due.isoformat(), due.project.casefold(),
                     due.measure.casefold()))


class NudgeLedger:
    """Which reminders have been claimed, and the users who have reminders at all."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def states(self) -> Iterator[tuple[str, UserState]]:
        """Every readable stored user state with its key (damaged records are skipped)."""
        with self._database.reading() as tx:
            rows = tx.items(USERS)
        for key, raw in rows:
            if isinstance(raw, dict):
                try:
                    yield key, UserState.from_json(raw)
                except (TypeError, ValueError, KeyError):
                    continue

    def claim(self, user_key: str, due: Due) -> bool:
        """True for the one caller that claims this lapse; False if it was claimed before."""
        with self._database.transaction() as tx:
            return tx.insert_new(TABLE, claim_key(user_key, due),
                                 {"user": user_key, "due": due.due.isoformat(), "at": now_iso()})

    def release(self, user_key: str, due: Due) -> None:
        """Give a claim back (the reminder could not be sent), so a later sweep tries again."""
        with self._database.transaction() as tx:
            tx.delete(TABLE, claim_key(user_key, due))

    def keep_only(self, current: set[str]) -> int:
        """Delete claims of lapses that are over (not in ``current``); how many went."""
        with self._database.transaction() as tx:
            stale = [key for key, _ in tx.items(TABLE) if key not in current]
            for key in stale:
                tx.delete(TABLE, key)
        return len(stale)

    @staticmethod
    def forget_user(tx: Transaction, user_key: str) -> None:
        """Delete the user's claims inside an open transaction ("forget me")."""
        for key, _ in tx.items(TABLE, prefix=f"{user_key}/"):
            tx.delete(TABLE, key)
