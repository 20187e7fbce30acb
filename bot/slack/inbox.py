"""Direct messages Slack was told we received, kept until they are applied.

Slack considers an event delivered once we acknowledge it and never sends it again. Bolt
acknowledges events before their listener runs, so a crash in between would lose the
message. The inbox keeps each direct message from before the acknowledgement until its
reply is sent. Once the change is committed, the rendered reply is stored with it, so a
restart re-sends that reply rather than applying the message twice ("next stage" must
not move anyone two stages).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlitedict import SqliteDict

logger = logging.getLogger(__name__)

REPLAY_WITHIN_SECONDS = 60 * 60  # an older message is no longer worth answering


def is_user_dm(event: dict[str, Any]) -> bool:
    """A new message a person typed in a DM: not a bot's, not an edit, deletion or join."""
    return (event.get("channel_type") == "im" and not event.get("subtype")
            and not event.get("bot_id") and bool(event.get("user")))


class Inbox:
    """Direct-message events between acknowledgement and reply.

    The events are held in the event ledger's table (EventLedger.claim with ``hold``), so
    claiming an event id and keeping its body are one commit.
    """

    def __init__(self, table: SqliteDict, clock: Callable[[], float] = time.time) -> None:
        self._table = table
        self._clock = clock
        self._lock = threading.Lock()

    def _update(self, event_id: str | None, change: Callable[[dict[str, Any]], Any]) -> None:
        if not event_id:
            return
        with self._lock:
            held = self._table.get(event_id)
            if isinstance(held, dict) and "body" in held:
                self._table[event_id] = change(held)
                self._table.commit(blocking=True)

    def applied(self, event_id: str | None, message: dict[str, Any]) -> None:
        """The change is committed; keep the reply to send until done() is called."""
        self._update(event_id, lambda held: {**held, "reply": message})

    def done(self, event_id: str | None) -> None:
        """The reply is sent: keep only the claim, so a retry is still recognised."""
        self._update(event_id, lambda held: held["at"])

    def unfinished(self) -> list[tuple[str, dict[str, Any]]]:
        """Held events young enough to answer, oldest first, each as {"at", "body"} plus
        "reply" when its change was already applied; older ones are released unanswered."""
        cutoff = self._clock() - REPLAY_WITHIN_SECONDS
        fresh = []
        with self._lock:
            for event_id, held in list(self._table.items()):
                if not (isinstance(held, dict) and "body" in held):
                    continue
                if held.get("at", 0) >= cutoff:
                    fresh.append((event_id, held))
                else:
                    self._table[event_id] = held.get("at", 0)
            self._table.commit(blocking=True)
        return sorted(fresh, key=lambda item: item[1]["at"])

    def __len__(self) -> int:
        return sum(isinstance(v, dict) and "body" in v for v in self._table.values())


