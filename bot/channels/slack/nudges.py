"""Reminders to log a measure, sent as Slack direct messages by a sweep every few minutes.

Only users who asked ("remind me waits every 2 weeks") have reminders. Each instance sweeps;
the service's claim (one row per lapse in the shared database) makes sure one instance sends
each reminder, once. A reminder Slack would not take is given back and tried next sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from slack_sdk.errors import SlackClientError

from bot.channels.slack.delivery import Sender
from bot.channels.slack.periodic import Periodic
from bot.service import Pathway

logger = logging.getLogger("pathway.slack.nudges")

NUDGE_SWEEP_SECONDS = 600.0
# The terminal keeps its users under this workspace (bot/channels/cli.py); it has no Slack DM.
TERMINAL_WORKSPACE = "local"


class Nudger(Periodic):
    """Sends the reminders that are due, each once, in its user's language."""

    name = "nudges"

    def __init__(self, pathway: Pathway, sender: Sender, interval: float = NUDGE_SWEEP_SECONDS,
                 today: Callable[[], date] = date.today) -> None:
        super().__init__(interval)
        self.pathway = pathway
        self.sender = sender
        self.today = today

    def run_once(self) -> int:
        """One sweep; returns how many reminders this instance sent."""
        today, sent = self.today(), 0
        for nudge in self.pathway.due_nudges(today):
            if nudge.workspace == TERMINAL_WORKSPACE:
                continue
            if not self.pathway.claim_nudge(nudge, today):
                continue  # sent before, by this instance or another, or no longer due
            try:
                self.sender.post_to_user(nudge.user, nudge.reply, nudge.reply.lang)
            except (SlackClientError, OSError):
                logger.exception("could not send a reminder to log a measure; will try again")
                self.pathway.release_nudge(nudge)
                continue
            sent += 1
        if sent:
            logger.info("sent %d reminder(s) to log a measure", sent)
        return sent
