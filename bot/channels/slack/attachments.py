"""The files a reply hands Slack: a chart's PNG and an exported plan's Markdown.

Pure functions: which file a reply carries, the message beside it, and the reply as it is
posted when the file cannot be attached (the text, saying so). The Sender does the upload.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.channels.files import file_name
from bot.channels.slack.text import escape, shorten
from bot.core.replies import Reply
from bot.core.wording import say

COMMENT_LIMIT = 3000  # the message beside a file, as a section's text


@dataclass(frozen=True)
class Attachment:
    """A file to upload with a reply, and the escaped message shown beside it."""

    filename: str
    content: bytes
    title: str
    comment: str


def attachment_of(reply: Reply, lang: str = "en") -> Attachment | None:
    """The chart or the exported plan a reply carries, ready to upload; None if neither."""
    if reply.chart is not None:
        return Attachment(filename=file_name(reply.chart.measure, ".png", "chart"),
                          content=reply.chart.png,
                          title=say("measure.chart_title", lang, measure=reply.chart.measure),
                          comment=shorten(escape(reply.text), COMMENT_LIMIT))
    markdown = (reply.data or {}).get("markdown")
    if reply.kind == "plan" and isinstance(markdown, str):
        stem = str((reply.data or {}).get("filename") or "plan").removesuffix(".md")
        filename = file_name(stem, ".md", "plan")
        title = reply.title or filename
        attached = say("slack.plan_attached", lang, filename=filename)
        return Attachment(filename=filename, content=markdown.encode("utf-8"), title=title,
                          comment=shorten(f"*{escape(title)}*\n{escape(attached)}",
                                          COMMENT_LIMIT))
    return None


def without_attachment(reply: Reply, lang: str = "en") -> Reply:
    """The reply as posted when its file cannot be attached: the text, and a note saying so."""
    if reply.chart is not None:
        return replace(reply, chart=None).noted(say("slack.chart_not_attached", lang))
    if attachment_of(reply, lang) is not None:
        # The export's own footer names a file; here the plan is the message instead.
        return replace(reply, data=None, footer=say("slack.plan_not_attached", lang))
    return reply
