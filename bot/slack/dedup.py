"""Seen Slack event ids, kept in the database so a retry never gets a second answer.

Slack redelivers an event (with X-Slack-Retry-Num) when it thinks we missed it, and the
same event id can arrive twice around a restart. The first delivery claims the id; any
later one is acknowledged and dropped. The table is bounded: old ids are pruned.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_bolt.response import BoltResponse
from sqlitedict import SqliteDict

from bot.slack.inbox import is_user_dm

logger = logging.getLogger(__name__)

TABLE = "slack_events"
KEEP_SECONDS = 24 * 60 * 60  # Slack stops retrying after about an hour
MAX_EVENTS = 20_000
PRUNE_EVERY = 200


class EventLedger:
    """Remembers which event ids have been handled."""

    def __init__(self, table: SqliteDict, keep_seconds: float = KEEP_SECONDS,
                 max_events: int = MAX_EVENTS, clock: Callable[[], float] = time.time) -> None:
        self._table = table
        self._keep_seconds = keep_seconds
        self._max_events = max_events
        self._clock = clock
        self._lock = threading.Lock()
        self._claims = 0

    def claim(self, event_id: str, hold: dict[str, Any] | None = None) -> bool:
        """True the first time an event id is seen; False for every repeat.

        With ``hold``, the event body is kept with the claim, in the same commit, until
        the inbox releases it: a crash can then never leave an event claimed (so Slack's
        retry is dropped) but unheld (so nobody answers it).
        """
        with self._lock:
            if event_id in self._table:
                return False
            now = self._clock()
            self._table[event_id] = {"at": now, "body": hold} if hold is not None else now
            self._claims += 1
            if self._claims % PRUNE_EVERY == 0 or self._claims == 1:
                self._prune()
            self._table.commit(blocking=True)
            return True

    def _prune(self) -> None:
        cutoff = self._clock() - self._keep_seconds
        seen = sorted(self._table.items(), key=lambda item: _as_time(item[1]))
        excess = max(len(seen) - self._max_events, 0)
        for position, (event_id, at) in enumerate(seen):
            if position >= excess and _as_time(at) >= cutoff:
                break
            del self._table[event_id]

    def __len__(self) -> int:
        return len(self._table)


def _as_time(value: Any) -> float:
    if isinstance(value, dict):
        value = value.get("at")
    return value if isinstance(value, (int, float)) else 0.0


def dedup_middleware(ledger: EventLedger) -> Callable[..., BoltResponse | None]:
    """Bolt middleware: acknowledge a repeated event without handling it again."""

    def drop_repeated_events(body: dict[str, Any], request: Any,
                             next: Callable[[], None]) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        hold = body if event_id and is_user_dm(body.get("event") or {}) else None
        if event_id and not ledger.claim(str(event_id), hold=hold):
            retry = (request.headers.get("x-slack-retry-num") or [None])[0]
            logger.info("Dropped repeated event %s (retry %s)", event_id, retry)
            return BoltResponse(status=200, body="")
        next()
        return None

    return drop_repeated_events
