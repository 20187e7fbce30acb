"""App Home: a dashboard of the user's stage, progress, checklist, referrals and next steps."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import App
from slack_bolt.context import BoltContext

from bot.channels.slack.blocks import home_view
from bot.channels.slack.delivery import Sender, required, workspace_of
from bot.channels.slack.referral_blocks import referral_home_blocks
from bot.service import Pathway


def refresh_home(pathway: Pathway, sender: Sender, workspace: str, user: str) -> None:
    """Publish the user's App Home as it stands now, with their referrals."""
    referrals = pathway.referrals_of(workspace, user)
    sender.publish_home(user, home_view(pathway.dashboard(workspace, user),
                                        referral_home_blocks(referrals)))


def home_opened(pathway: Pathway, sender: Sender, event: dict[str, Any],
                context: BoltContext) -> None:
    """Publish the dashboard whenever the user opens the Home tab."""
    if event.get("tab", "home") == "home":
        refresh_home(pathway, sender, workspace_of(context), required(event, "user"))


def register(app: App, pathway: Pathway, sender: Sender) -> None:
    """Listen for the Home tab being opened."""
    app.event("app_home_opened")(partial(home_opened, pathway, sender))
