"""Direct messages (the full conversation) and channel mentions (answered in a thread)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_bolt.context import BoltContext

from bot.service import Pathway
from bot.slack.delivery import Sender, workspace_of
from bot.slack.text import strip_mentions, unescape


def is_user_dm(event: dict[str, Any]) -> bool:
    """A new message a person typed in a DM: not a bot's, not an edit, deletion or join."""
    return (event.get("channel_type") == "im" and not event.get("subtype")
            and not event.get("bot_id") and bool(event.get("user")))


def register(app: App, pathway: Pathway, sender: Sender) -> None:
    """Listen for DMs and mentions."""

    def answer_direct_message(event: dict[str, Any], context: BoltContext) -> None:
        """Answer a DM privately, keeping the user's state."""
        text = unescape(event.get("text") or "")
        reply = pathway.respond(workspace_of(context), event["user"], text)
        sender.post(event["channel"], reply, thread_ts=event.get("thread_ts"))

    def ignore_other_messages() -> None:
        """Acknowledge edits, deletions, bot posts and the rest without answering."""

    def answer_mention(event: dict[str, Any], context: BoltContext) -> None:
        """Answer a mention in a thread, without any personal state."""
        if event.get("bot_id") or not event.get("user"):
            return
        text = unescape(strip_mentions(event.get("text") or ""))
        reply = pathway.respond(workspace_of(context), event["user"], text, private=False)
        sender.post(event["channel"], reply, thread_ts=event.get("thread_ts") or event["ts"])

    app.event("message", matchers=[is_user_dm])(answer_direct_message)
    app.event("message")(ignore_other_messages)
    app.event("app_mention")(answer_mention)
