"""Which Slack events are held from their claim until handled: direct messages a person
typed, and the Home tab being opened.

Slack does not send an acknowledged event again, and a repeat of a claimed one is dropped,
so an instance that dies between the claim and the reply would lose it for good; a held
event is finished by the next sweep of any instance instead.
"""

from __future__ import annotations

from typing import Any


def is_user_dm(event: dict[str, Any]) -> bool:
    """A new message a person typed in a DM: not a bot's, not an edit, deletion or join."""
    return (event.get("channel_type") == "im" and not event.get("subtype")
            and not event.get("bot_id") and bool(event.get("user")))


def is_home_opened(event: dict[str, Any]) -> bool:
    """The user opened the Home tab (not the Messages tab)."""
    return event.get("type") == "app_home_opened" and event.get("tab", "home") == "home"


def is_held(event: dict[str, Any]) -> bool:
    """An event whose body is kept with its claim until it has been handled."""
    return is_user_dm(event) or is_home_opened(event)
