"""Bolt middleware that answers each Slack event once (the ledger is bot.store.events)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt.response import BoltResponse

from bot.channels.slack.inbox import is_user_dm
from bot.store.events import TABLE, EventLedger

__all__ = ["TABLE", "EventLedger", "dedup_middleware"]
logger = logging.getLogger(__name__)


def dedup_middleware(ledger: EventLedger) -> Callable[..., BoltResponse | None]:
    """Bolt middleware: acknowledge a repeated event without handling it again."""

    def drop_repeated_events(body: dict[str, Any], request: Any,
                             next: Callable[[], None]) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        event = body.get("event")
        hold = body if event_id and isinstance(event, dict) and is_user_dm(event) else None
        if event_id and not ledger.claim(str(event_id), hold=hold):
            retry = (request.headers.get("x-slack-retry-num") or [None])[0]
            logger.info("Dropped repeated event %s (retry %s)", event_id, retry)
            return BoltResponse(status=200, body="")
        next()
        return None

    return drop_repeated_events
