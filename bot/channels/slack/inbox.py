"""Which Slack events are direct messages a person typed (held until answered)."""

from __future__ import annotations

from typing import Any


def is_user_dm(event: dict[str, Any]) -> bool:
    """A new message a person typed in a DM: not a bot's, not an edit, deletion or join."""
    return (event.get("channel_type") == "im" and not event.get("subtype")
            and not event.get("bot_id") and bool(event.get("user")))
