"""Bolt listeners grouped by Slack feature; each module has a register(app, ...) function."""

from __future__ import annotations

from slack_bolt import App

from bot.service import Pathway
from bot.slack.delivery import Sender
from bot.slack.listeners import actions, commands, home, messages


def register_all(app: App, pathway: Pathway, sender: Sender) -> None:
    """Attach every listener to the app."""
    messages.register(app, pathway, sender)
    commands.register(app, pathway, sender)
    actions.register(app, pathway, sender)
    home.register(app, pathway, sender)
