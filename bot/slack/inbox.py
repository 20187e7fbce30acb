"""Direct messages Slack was told we received, kept until they are applied.

Slack considers an event delivered once we acknowledge it and never sends it again. Bolt
acknowledges events before their listener runs, so a crash in between would lose the
message. The inbox keeps each direct message from before the acknowledgement until its
change is committed; on start-up, anything still there is answered.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_bolt.response import BoltResponse
from sqlitedict import SqliteDict

logger = logging.getLogger(__name__)

TABLE = "slack_inbox"
REPLAY_WITHIN_SECONDS = 60 * 60  # an older message is no longer worth answering


def is_user_dm(event: dict[str, Any]) -> bool:
    """A new message a person typed in a DM: not a bot's, not an edit, deletion or join."""
    return (event.get("channel_type") == "im" and not event.get("subtype")
            and not event.get("bot_id") and bool(event.get("user")))


class Inbox:
    """Direct-message events between acknowledgement and commit."""

    def __init__(self, table: SqliteDict, clock: Callable[[], float] = time.time) -> None:
        self._table = table
        self._clock = clock
        self._lock = threading.Lock()

    def hold(self, event_id: str, body: dict[str, Any]) -> None:
        """Keep an event (committed) until done() is called for it."""
        with self._lock:
            self._table[event_id] = {"at": self._clock(), "body": body}
            self._table.commit(blocking=True)

    def done(self, event_id: str | None) -> None:
        """The event's change is committed: forget it."""
        if not event_id:
            return
        with self._lock:
            if event_id in self._table:
                del self._table[event_id]
                self._table.commit(blocking=True)

    def unfinished(self) -> list[tuple[str, dict[str, Any]]]:
        """Held events young enough to answer, oldest first; older ones are dropped."""
        cutoff = self._clock() - REPLAY_WITHIN_SECONDS
        fresh, stale = [], []
        with self._lock:
            for event_id, held in self._table.items():
                young = isinstance(held, dict) and held.get("at", 0) >= cutoff
                (fresh if young else stale).append((event_id, held))
            for event_id, _ in stale:
                del self._table[event_id]
            self._table.commit(blocking=True)
        return [(event_id, held["body"]) for event_id, held in
                sorted(fresh, key=lambda item: item[1]["at"])]

    def __len__(self) -> int:
        return len(self._table)


def inbox_middleware(inbox: Inbox) -> Callable[..., BoltResponse | None]:
    """Bolt middleware: hold a direct message before Bolt acknowledges it."""

    def hold_direct_messages(body: dict[str, Any], next: Callable[[], None]) -> None:
        event = body.get("event") or {}
        if body.get("type") == "event_callback" and body.get("event_id") and is_user_dm(event):
            inbox.hold(str(body["event_id"]), body)
        next()

    return hold_direct_messages
