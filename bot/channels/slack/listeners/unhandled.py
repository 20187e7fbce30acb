"""Whatever no other listener takes: acknowledged, so Slack neither retries nor gives up on us.

Slack retries an event that gets an error, and turns off event subscriptions for an app that
fails too many; a button we do not handle shows the user a warning triangle. Register last.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App

logger = logging.getLogger(__name__)
ANYTHING = re.compile(".*")


def acknowledge_other_event(event: dict[str, Any]) -> None:
    """An event type Pathway does not use, such as reaction_added."""
    logger.debug("Ignored a %s event", event.get("type"))


def acknowledge_other_action(ack: Ack, action: dict[str, Any]) -> None:
    """An action no listener knows, such as a button from an older version."""
    ack()
    logger.debug("Ignored action %s", action.get("action_id"))


def register(app: App) -> None:
    """Acknowledge every other event and action."""
    app.event(ANYTHING)(acknowledge_other_event)
    app.action(ANYTHING)(acknowledge_other_action)
