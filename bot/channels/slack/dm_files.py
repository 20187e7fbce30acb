"""A slash command's chart or exported plan, put in the user's DM with the bot.

A response URL carries only a message, so the file goes to the DM (as it does when the
user asks there) and the command's private answer says where it went.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from slack_sdk.errors import SlackClientError

from bot.channels.slack.attachments import attachment_of, without_attachment
from bot.channels.slack.delivery import Sender
from bot.core.replies import Reply
from bot.core.wording import say

logger = logging.getLogger(__name__)


def file_to_dm(sender: Sender, user: str, reply: Reply, lang: str = "en") -> Reply:
    """Upload the reply's file to the user's DM; the answer to show where the command was.

    A reply without a file is returned as it is; one whose file cannot be uploaded comes
    back as its text, saying the file is not attached.
    """
    attachment = attachment_of(reply, lang)
    if attachment is None:
        return reply
    try:
        channel = sender.client.conversations_open(users=user)["channel"]["id"]
    except (SlackClientError, OSError) as error:
        logger.error("could not open the DM for %s: %s", attachment.filename,
                     type(error).__name__)
        return without_attachment(reply, lang)
    if not sender.upload(channel, attachment):
        return without_attachment(reply, lang)
    if reply.chart is not None:
        text = say("slack.chart_in_dm", lang, measure=reply.chart.measure)
    else:
        text = say("slack.plan_in_dm", lang, filename=attachment.filename)
    return replace(reply, kind="info", text=text, title=None, footer=None, data=None,
                   chart=None)
