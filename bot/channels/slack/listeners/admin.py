"""Admin in Slack: /pathway-admin, CSV exports to the admin's DM, and reload notices."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.channels.slack.delivery import Sender
from bot.channels.slack.payloads import required, text_of
from bot.channels.slack.text import escape, split_text, unescape
from bot.core.wording import say
from bot.service import ReloadResult
from bot.service.admin import Admin, AdminReply
from bot.service.reloader import describe, log_result

logger = logging.getLogger("pathway.slack.admin")
CODE_LIMIT = 2900  # a section's 3,000 characters, less the ``` fences


def preformatted_blocks(text: str) -> list[dict[str, Any]]:
    """Text shown as-is in code blocks, escaped and split to fit Slack's limits."""
    chunks = split_text(escape(text), CODE_LIMIT)[:45]
    return [{"type": "section", "text": {"type": "mrkdwn", "text": f"```{chunk}```"}}
            for chunk in chunks]


def admin_command(admin: Admin, sender: Sender, ack: Ack, command: dict[str, Any]) -> None:
    """/pathway-admin <command>: only for PATHWAY_ADMINS, answered only to them."""
    user, response_url = required(command, "user_id"), required(command, "response_url")
    text = unescape(text_of(command))
    ack()  # once the payload is read: Bolt loses an ack if the listener raises after it
    lang = admin.pathway.language(str(command.get("team_id") or ""), user)
    reply = admin.run(user, text, lang)
    if reply.csv is not None:
        reply = _send_csv(sender.client, user, reply, lang)
    sender.respond(response_url, text=escape(reply.text)[:300],
                   blocks=preformatted_blocks(reply.text))


def register(app: App, admin: Admin, sender: Sender) -> None:
    """Listen for /pathway-admin."""
    app.command("/pathway-admin")(partial(admin_command, admin, sender))


def _send_csv(client: WebClient, user: str, reply: AdminReply, lang: str) -> AdminReply:
    """Upload an export to the admin's direct message with the bot."""
    try:
        channel = client.conversations_open(users=user)["channel"]["id"]
        client.files_upload_v2(channel=channel, filename="pathway-report.csv",
                               title=say("admin.csv_title", lang), content=reply.csv or "")
    except SlackApiError as error:
        logger.error("could not upload the admin export: %s", error.response.get("error"))
        return AdminReply(say("admin.csv_failed", lang, text=reply.text,
                              error=error.response.get("error")), ok=False)
    return AdminReply(say("admin.csv_sent", lang, text=reply.text))


def reload_notifier(client: WebClient, channel: str | None):
    """Log every reload, and post it to the admin channel when one is configured."""

    def notify(result: ReloadResult) -> None:
        log_result(result)
        if channel:
            text = describe(result)
            client.chat_postMessage(channel=channel, text=escape(text)[:300],
                                    blocks=preformatted_blocks(text))

    return notify
