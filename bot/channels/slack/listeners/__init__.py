"""Bolt listeners grouped by Slack feature; each module has a register(app, ...) function."""

from __future__ import annotations

from slack_bolt import App

from bot.channels.slack.delivery import Sender
from bot.channels.slack.listeners import (
    actions,
    commands,
    direct,
    home,
    measures,
    referrals,
    unhandled,
)
from bot.channels.slack.listeners import admin as admin_listeners
from bot.service import Pathway
from bot.service.admin import Admin


def register_all(app: App, pathway: Pathway, sender: Sender, admin: Admin) -> None:
    """Attach every listener to the app."""
    admin_listeners.register(app, admin, sender)
    direct.register(app, pathway, sender)
    commands.register(app, pathway, sender)
    actions.register(app, pathway, sender)
    home.register(app, pathway, sender)
    measures.register(app, pathway, sender)
    referrals.register(app, pathway, sender)
    unhandled.register(app)  # last: it takes whatever the others did not
