"""Direct messages (the full conversation) and channel mentions (answered in a thread)."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from slack_bolt import App
from slack_bolt.context import BoltContext

from bot.channels.slack.delivery import Sender, workspace_of
from bot.channels.slack.inbox import is_home_opened, is_user_dm
from bot.channels.slack.listeners.home import publish_opened_home
from bot.channels.slack.payloads import BadPayload, required, text_of
from bot.channels.slack.text import strip_mentions, unescape
from bot.core.replies import Reply
from bot.core.wording import say
from bot.service import Pathway

logger = logging.getLogger(__name__)


def answer_direct_message(pathway: Pathway, sender: Sender, workspace: str,
                          body: dict[str, Any]) -> None:
    """Answer a DM privately, keeping the user's state, and release it from the ledger."""
    event, event_id = body["event"], body.get("event_id")
    try:
        user, channel, text = required(event, "user"), required(event, "channel"), text_of(event)
        thread_ts = text_of(event, "thread_ts") or None
    except BadPayload:
        pathway.event_done(event_id)  # nothing to answer: release it, or every restart retries
        raise
    reply = pathway.respond(workspace, user, unescape(text), event_id=event_id)
    message = sender.message(channel, reply, thread_ts=thread_ts, lang=reply.lang)
    pathway.event_applied(event_id, message)  # a restart re-sends the reply, never redoes
    sender.send(message, reply, reply.lang)
    pathway.event_done(event_id)


def tell_reply_lost(pathway: Pathway, sender: Sender, workspace: str,
                    body: dict[str, Any]) -> None:
    """A held message whose change was made but whose reply is gone: never apply it again;
    say so, and how to see where things stand."""
    event = body["event"]
    user, channel = required(event, "user"), required(event, "channel")
    lang = pathway.language(workspace, user)
    text = say("slack.reply_lost", lang, text=unescape(text_of(event))[:200])  # escaped on posting
    sender.post(channel, Reply("info", text), lang=lang)
    pathway.event_done(body.get("event_id"))


def replay_held_messages(pathway: Pathway, sender: Sender) -> int:
    """Finish events a crash left acknowledged but unhandled (direct messages, and Home tabs
    opened); returns how many."""
    held = pathway.unfinished_events()
    for event_id, entry in held:
        try:
            body = entry["body"]
            workspace = str(body.get("team_id") or "unknown")
            if is_home_opened(body.get("event") or {}):
                logger.info("Publishing the Home tab of event %s, left unpublished by a "
                            "restart or a stopped instance", event_id)
                publish_opened_home(pathway, sender, workspace, body)
                continue
            logger.info("Answering direct message %s left unanswered by a restart or a "
                        "stopped instance", event_id)
            if "reply" in entry:  # applied before the crash: only the reply is missing
                sender.send(entry["reply"])
                pathway.event_done(event_id)
            elif entry.get("applied"):  # applied, but its reply was lost before it was kept
                tell_reply_lost(pathway, sender, workspace, body)
            else:
                answer_direct_message(pathway, sender, workspace, body)
        except Exception:  # one bad event must not stop the bot from starting
            logger.exception("Could not finish held event %s", event_id)
            pathway.event_done(event_id)
    return len(held)


def direct_message(pathway: Pathway, sender: Sender, body: dict[str, Any],
                   context: BoltContext) -> None:
    """Answer a DM privately, keeping the user's state."""
    answer_direct_message(pathway, sender, workspace_of(context), body)


def ignore_other_messages(event: dict[str, Any]) -> None:
    """Acknowledge edits, deletions, bot posts and the rest without answering."""
    if event.get("channel_type") == "im" and not (event.get("subtype") or event.get("bot_id")):
        required(event, "user")  # a plain DM from nobody: say so in the log


def answer_mention(pathway: Pathway, sender: Sender, event: dict[str, Any],
                   context: BoltContext) -> None:
    """Answer a mention in a thread, without any personal state."""
    if event.get("bot_id"):
        return
    user, channel = required(event, "user"), required(event, "channel")
    thread_ts = text_of(event, "thread_ts") or required(event, "ts")
    text, workspace = unescape(strip_mentions(text_of(event))), workspace_of(context)
    reply = pathway.respond(workspace, user, text, private=False)
    sender.post(channel, reply, thread_ts=thread_ts, lang=reply.lang)


def register(app: App, pathway: Pathway, sender: Sender) -> None:
    """Listen for DMs and mentions."""
    app.event("message", matchers=[is_user_dm])(partial(direct_message, pathway, sender))
    app.event("message")(ignore_other_messages)
    app.event("app_mention")(partial(answer_mention, pathway, sender))
