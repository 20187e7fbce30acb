"""Seen Slack events, and the direct messages held between acknowledgement and reply.

Slack redelivers an event (with X-Slack-Retry-Num) when it thinks we missed it, and the
same event id can arrive twice around a restart or at two instances. The first delivery
claims the id with one atomic insert; every later one finds it taken and does nothing.

Bolt acknowledges events before their listener runs, so a crash in between would lose a
direct message. Its body is therefore held with the claim, in the same insert, until its
reply is sent; once the change is committed, the rendered reply is stored with it, so a
restart re-sends that reply rather than applying the message twice ("next stage" must not
move anyone two stages). Each held event names the process answering it, so a process that
starts beside a live one never answers that one's messages.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from typing import Any

from bot.store.database import Database, Transaction
from bot.store.instances import is_silent

logger = logging.getLogger(__name__)

TABLE = "slack_events"
KEEP_SECONDS = 24 * 60 * 60  # Slack stops retrying after about an hour
MAX_EVENTS = 20_000
PRUNE_EVERY = 200
REPLAY_WITHIN_SECONDS = 60 * 60  # an older message is no longer worth answering
# A held message whose owner has said nothing this long is anyone's to finish. Instances that
# beat (bot.store.instances) are judged by their heartbeat long before; this is the backstop.
LEASE_SECONDS = 120.0


_RUN = secrets.token_hex(6)  # tells this run from an earlier one that had the same pid


def this_process() -> dict[str, Any]:
    """Who holds an event: this host, process and run."""
    return {"host": socket.gethostname(), "pid": os.getpid(), "run": _RUN}


def _owner_gone(owner: Any) -> bool:
    """True when the process named as a held event's owner is no longer running here."""
    if not isinstance(owner, dict) or owner.get("host") != socket.gethostname():
        return False
    pid = owner.get("pid")
    if not isinstance(pid, int):
        return True
    if pid == os.getpid():
        return owner.get("run") != _RUN
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # running, as another user
        return False
    return False


def _as_time(value: Any) -> float:
    if isinstance(value, dict):
        value = value.get("at")
    return float(value) if isinstance(value, int | float) else 0.0


def _is_held(value: Any) -> bool:
    return isinstance(value, dict) and "body" in value


def _change_held_in(tx: Transaction, event_id: str,
                    change: Callable[[dict[str, Any]], Any]) -> None:
    """Replace a held event's value with ``change(held)``; anything else is left alone."""
    held = tx.get(TABLE, event_id)
    if _is_held(held):
        tx.put(TABLE, event_id, change(held))


class EventLedger:
    """Remembers which event ids have been handled, and holds direct messages until answered."""

    def __init__(self, database: Database, keep_seconds: float = KEEP_SECONDS,
                 max_events: int = MAX_EVENTS, clock: Callable[[], float] = time.time) -> None:
        self._database = database
        self._keep_seconds = keep_seconds
        self._max_events = max_events
        self._clock = clock
        self._claims = 0

    def claim(self, event_id: str, hold: dict[str, Any] | None = None) -> bool:
        """True the first time an event id is seen, anywhere; False for every repeat.

        With ``hold``, the event body is kept with the claim, in the same commit, until
        released: a crash can then never leave an event claimed (so Slack's retry is
        dropped) but unheld (so nobody answers it).
        """
        now = self._clock()
        value: Any = now if hold is None else {"at": now, "body": hold,
                                               "owner": this_process()}
        with self._database.transaction() as tx:
            if not tx.insert_new(TABLE, event_id, value):
                return False
            self._claims += 1
            if self._claims % PRUNE_EVERY == 0 or self._claims == 1:
                self._prune(tx)
        return True

    def _prune(self, tx: Transaction) -> None:
        cutoff = self._clock() - self._keep_seconds
        seen = sorted(tx.items(TABLE), key=lambda item: _as_time(item[1]))
        excess = max(len(seen) - self._max_events, 0)
        for position, (event_id, value) in enumerate(seen):
            if position >= excess and _as_time(value) >= cutoff:
                break
            if not _is_held(value) or _as_time(value) < cutoff:
                tx.delete(TABLE, event_id)

    def _change_held(self, event_id: str | None,
                     change: Callable[[dict[str, Any]], Any]) -> None:
        if not event_id:
            return
        with self._database.transaction() as tx:
            _change_held_in(tx, event_id, change)

    @staticmethod
    def change_made_in(tx: Transaction, event_id: str | None) -> None:
        """Note, in the transaction that makes a held message's change, that it is made:
        whatever fails after the commit, the message is never applied a second time."""
        if event_id:
            _change_held_in(tx, event_id, lambda held: {**held, "applied": True})

    def applied(self, event_id: str | None, message: dict[str, Any]) -> None:
        """The change is committed; keep the reply to send until done() is called."""
        self._change_held(event_id, lambda held: {**held, "reply": message})

    def done(self, event_id: str | None) -> None:
        """The reply is sent: keep only the claim, so a retry is still recognised."""
        self._change_held(event_id, lambda held: _as_time(held))

    def take_unfinished(self) -> list[tuple[str, dict[str, Any]]]:
        """Held messages this process should finish, oldest first, each now owned by it.

        A held message is taken when its owner is gone (a process on this host that is not
        running, or an instance on any host whose heartbeat stopped: bot.store.instances),
        when its lease ran out, or when it names no owner. Each comes as
        {"at", "body"} plus "reply" when its change was already applied. Messages too old to
        be worth answering are released unanswered.
        """
        now = self._clock()
        taken = []
        with self._database.transaction() as tx:
            for event_id, held in tx.items(TABLE):
                if not _is_held(held):
                    continue
                if _as_time(held) < now - REPLAY_WITHIN_SECONDS:
                    tx.put(TABLE, event_id, _as_time(held))
                elif self._abandoned(tx, held, now):
                    held = {**held, "owner": this_process(), "taken": now}
                    tx.put(TABLE, event_id, held)
                    taken.append((event_id, held))
        return sorted(taken, key=lambda item: _as_time(item[1]))

    @staticmethod
    def _abandoned(tx: Transaction, held: dict[str, Any], now: float) -> bool:
        owner = held.get("owner")
        if owner is None or _owner_gone(owner) or is_silent(tx, owner, now):
            return True
        return float(held.get("taken") or _as_time(held)) < now - LEASE_SECONDS

    def forget_user(self, tx: Transaction, workspace: str, user: str) -> int:
        """Drop the texts of a user's held messages ("forget me"), keeping only the claims."""
        dropped = 0
        for event_id, held in tx.items(TABLE):
            body = held.get("body") if _is_held(held) else None
            event = (body or {}).get("event") or {}
            if (isinstance(event, dict) and event.get("user") == user
                    and str(body.get("team_id") or "") in {workspace, ""}):
                tx.put(TABLE, event_id, _as_time(held))
                dropped += 1
        return dropped

    def held(self) -> int:
        """How many direct messages are held, waiting for their reply."""
        return sum(_is_held(value) for value in self._database.table(TABLE).values())

    def __len__(self) -> int:
        return len(self._database.table(TABLE))
