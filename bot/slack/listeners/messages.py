"""Direct messages (the full conversation) and channel mentions (answered in a thread)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_bolt.context import BoltContext

from bot.service import Pathway
from bot.slack.delivery import Sender, workspace_of
from bot.slack.inbox import Inbox, is_user_dm
from bot.slack.text import strip_mentions, unescape

logger = logging.getLogger(__name__)


def answer_direct_message(pathway: Pathway, sender: Sender, inbox: Inbox, workspace: str,
                          body: dict[str, Any]) -> None:
    """Answer a DM privately, keeping the user's state, and release it from the inbox."""
    event, event_id = body["event"], body.get("event_id")
    reply = pathway.respond(workspace, event["user"], unescape(event.get("text") or ""))
    message = sender.message(event["channel"], reply, thread_ts=event.get("thread_ts"))
    inbox.applied(event_id, message)  # committed with its reply: a restart re-sends, never redoes
    sender.send(message)
    inbox.done(event_id)


def replay_held_messages(pathway: Pathway, sender: Sender, inbox: Inbox) -> int:
    """Finish direct messages a crash left acknowledged but unanswered; returns how many."""
    held = inbox.unfinished()
    for event_id, entry in held:
        logger.info("Answering direct message %s held over from before a restart", event_id)
        try:
            if "reply" in entry:  # applied before the crash: only the reply is missing
                sender.send(entry["reply"])
                inbox.done(event_id)
            else:
                workspace = str(entry["body"].get("team_id") or "unknown")
                answer_direct_message(pathway, sender, inbox, workspace, entry["body"])
        except Exception:  # one bad message must not stop the bot from starting
            logger.exception("Could not answer held direct message %s", event_id)
            inbox.done(event_id)
    return len(held)


def register(app: App, pathway: Pathway, sender: Sender, inbox: Inbox) -> None:
    """Listen for DMs and mentions."""

    def direct_message(body: dict[str, Any], context: BoltContext) -> None:
        """Answer a DM privately, keeping the user's state."""
        answer_direct_message(pathway, sender, inbox, workspace_of(context), body)

    def ignore_other_messages() -> None:
        """Acknowledge edits, deletions, bot posts and the rest without answering."""

    def answer_mention(event: dict[str, Any], context: BoltContext) -> None:
        """Answer a mention in a thread, without any personal state."""
        if event.get("bot_id") or not event.get("user"):
            return
        text = unescape(strip_mentions(event.get("text") or ""))
        reply = pathway.respond(workspace_of(context), event["user"], text, private=False)
        sender.post(event["channel"], reply, thread_ts=event.get("thread_ts") or event["ts"])

    app.event("message", matchers=[is_user_dm])(direct_message)
    app.event("message")(ignore_other_messages)
    app.event("app_mention")(answer_mention)
