"""App Home: a dashboard of the user's stage, progress, checklist, referrals and next steps,
in the user's saved language, with a toggle to change it."""

from __future__ import annotations

import logging
import re
from functools import partial
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.context import BoltContext

from bot.base.errors import StateError
from bot.channels.slack.blocks import LANGUAGE_ACTION, LANGUAGES, home_view, measure_home_blocks
from bot.channels.slack.delivery import Sender, acked_after, workspace_of
from bot.channels.slack.inbox import is_home_opened
from bot.channels.slack.languages import saved_language
from bot.channels.slack.payloads import required
from bot.channels.slack.referral_blocks import referral_home_blocks
from bot.core.replies import Reply
from bot.core.wording import say
from bot.service import Pathway

logger = logging.getLogger("pathway.slack")


def refresh_home(pathway: Pathway, sender: Sender, workspace: str, user: str) -> None:
    """Publish the user's App Home as it stands now, with their measures and referrals."""
    lang = saved_language(pathway, workspace, user)
    measures = measure_home_blocks(pathway.user_state(workspace, user).projects, lang)
    referrals = referral_home_blocks(pathway.referrals_of(workspace, user), lang)
    sender.publish_home(user, home_view(pathway.dashboard(workspace, user),
                                        [*measures, *referrals], lang))


def home_opened(pathway: Pathway, sender: Sender, body: dict[str, Any],
                context: BoltContext) -> None:
    """Publish the dashboard whenever the user opens the Home tab."""
    publish_opened_home(pathway, sender, workspace_of(context), body)


def publish_opened_home(pathway: Pathway, sender: Sender, workspace: str,
                        body: dict[str, Any]) -> None:
    """Publish the Home tab an app_home_opened event asks for, then release the event from
    the ledger (dedup holds it from its claim, so a crash before this is finished later)."""
    event = body.get("event") or {}
    try:
        if is_home_opened(event):
            refresh_home(pathway, sender, workspace, required(event, "user"))
    finally:  # done, or never answerable (no user): either way no sweep should retry it
        pathway.event_done(body.get("event_id"))


def choose_language(pathway: Pathway, sender: Sender, ack: Ack, body: dict[str, Any],
                    action: dict[str, Any], context: BoltContext) -> None:
    """App Home's "Cymraeg" / "English": save the preference, then redraw the Home tab."""
    user, workspace = required(body, "user", "id"), workspace_of(context)
    chosen = required(action, "value")
    if chosen not in LANGUAGES:  # a forged or stale button: nothing to save
        ack()
        return
    try:
        with acked_after(ack):  # saved before Slack is told the click was taken
            pathway.set_language(workspace, user, chosen)
    except StateError as error:
        # App Home has no response_url for the error handler's apology: say it in the DM.
        logger.warning("Could not save a language choice: the store failed (%s)", error)
        sender.post_to_user(user, Reply("error", say("slack.sorry", chosen)), chosen)
        return
    refresh_home(pathway, sender, workspace, user)


def register(app: App, pathway: Pathway, sender: Sender) -> None:
    """Listen for the Home tab being opened and for its language toggle."""
    app.event("app_home_opened")(partial(home_opened, pathway, sender))
    app.action(re.compile(f"^{LANGUAGE_ACTION}_({'|'.join(LANGUAGES)})$"))(
        partial(choose_language, pathway, sender))
