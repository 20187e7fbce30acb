"""Bolt middleware that answers each Slack event once (Pathway keeps the event ledger)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt.response import BoltResponse

from bot.channels.slack.inbox import is_held
from bot.channels.slack.payloads import optional_text

__all__ = ["dedup_middleware"]
logger = logging.getLogger(__name__)

Claim = Callable[[str, dict[str, Any] | None], bool]


def dedup_middleware(claim: Claim) -> Callable[..., BoltResponse | None]:
    """Bolt middleware: acknowledge a repeated event without handling it again.

    ``claim(event_id, hold)`` is Pathway.claim_event: True only the first time an id is seen.
    """

    def drop_repeated_events(body: dict[str, Any], request: Any,
                             next: Callable[[], None]) -> BoltResponse | None:
        is_event = body.get("type") == "event_callback"
        # The ledger keys on the id, and listeners release it as sent: text, else BadPayload.
        event_id = optional_text(body, "event_id") if is_event else None
        event = body.get("event")
        hold = body if event_id and isinstance(event, dict) and is_held(event) else None
        if event_id and not claim(event_id, hold):
            retry = (request.headers.get("x-slack-retry-num") or [None])[0]
            logger.info("Dropped repeated event %s (retry %s)", event_id, retry)
            return BoltResponse(status=200, body="")
        next()
        return None

    return drop_repeated_events
