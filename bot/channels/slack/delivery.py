"""Where a reply goes and how it gets there: messages, ephemerals, response URLs, App Home.

Every Web API call goes through a WebClient carrying retry handlers, so a 429 waits for
Retry-After and a 5xx or dropped connection is tried again a few times before we give up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from slack_bolt.context import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.webhook import WebhookClient

from bot.channels.slack.attachments import Attachment, attachment_of, without_attachment
from bot.channels.slack.blocks import (
    Block,
    actions,
    fallback_text,
    option_buttons,
    reply_blocks,
    reply_options,
)
from bot.channels.slack.payloads import optional_text, part
from bot.core.replies import Reply

logger = logging.getLogger(__name__)


class AnyServerErrorRetryHandler(ServerErrorRetryHandler):
    """Retries every 5xx (the built-in one retries only 500 and 503; proxies send 502/504)."""

    def _can_retry(self, *, state: RetryState, request: HttpRequest,
                   response: HttpResponse | None = None, error: Exception | None = None
                   ) -> bool:
        return response is not None and 500 <= response.status_code < 600


def retry_handlers() -> list[RetryHandler]:
    """Honour 429 Retry-After; retry 5xx and connection errors a few times with backoff."""
    return [RateLimitErrorRetryHandler(max_retry_count=3),
            AnyServerErrorRetryHandler(max_retry_count=3),
            ConnectionErrorRetryHandler(max_retry_count=3)]


def web_client(token: str | None, base_url: str) -> WebClient:
    """A WebClient for the bot, pointed at base_url (Slack, a proxy or a test double)."""
    return WebClient(token=token, base_url=base_url, timeout=15, retry_handlers=retry_handlers())


@dataclass(frozen=True)
class Surface:
    """Where an interaction happened, and so where its answer belongs."""

    kind: str  # "home" | "modal" | "ephemeral" | "message"
    channel: str | None = None
    message_ts: str | None = None
    thread_ts: str | None = None
    response_url: str | None = None
    view_id: str | None = None

    @property
    def private(self) -> bool:
        """True when only the user can see it: a DM, App Home, a modal or an ephemeral."""
        return self.kind != "message" or (self.channel or "").startswith("D")


def surface_of(body: dict[str, Any]) -> Surface:
    """The surface a block action came from; BadPayload if a field has the wrong type."""
    container = part(body, "container")
    if container.get("type") == "view":
        view = part(body, "view")
        return Surface(kind="home" if view.get("type") == "home" else "modal",
                       view_id=optional_text(view, "id"))
    message = part(body, "message")
    channel = optional_text(container, "channel_id") or optional_text(part(body, "channel"),
                                                                      "id")
    thread_ts = optional_text(message, "thread_ts") or optional_text(container, "thread_ts")
    kind = "ephemeral" if container.get("is_ephemeral") else "message"
    return Surface(kind=kind, channel=channel, message_ts=optional_text(container, "message_ts"),
                   thread_ts=thread_ts, response_url=optional_text(body, "response_url"))


@contextmanager
def acked_after(ack: Callable[[], Any]) -> Iterator[None]:
    """Acknowledge only once the block has run (or failed), not before.

    The core commits a change in milliseconds, and Bolt answers Slack when ack() is
    called; acking after the commit means every change Slack was told about is on disk,
    even if the process dies before the reply is sent.
    """
    try:
        yield
    finally:
        ack()


def workspace_of(context: BoltContext) -> str:
    """The workspace (team) id that keys a user's state."""
    return context.team_id or context.enterprise_id or "unknown"


class Sender:
    """Sends rendered replies; one per app, sharing the bot's WebClient."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    @staticmethod
    def message(channel: str, reply: Reply, thread_ts: str | None = None,
                lang: str = "en") -> dict[str, Any]:
        """The chat.postMessage arguments for a reply: plain JSON, so it can be stored.

        For a reply carrying a file, this is the message posted if the upload fails (the
        text, saying the file is not attached), and what a restart re-sends.
        """
        reply = without_attachment(reply, lang)
        return {"channel": channel, "thread_ts": thread_ts, "text": fallback_text(reply),
                "blocks": reply_blocks(reply, lang=lang), "unfurl_links": False,
                "unfurl_media": False}

    def send(self, message: dict[str, Any], reply: Reply | None = None,
             lang: str = "en") -> None:
        """Post a message built by message(); a reply's chart or plan goes up as a file."""
        attachment = attachment_of(reply, lang) if reply is not None else None
        if attachment is not None and self.upload(message["channel"], attachment,
                                                  message.get("thread_ts")):
            self._post_options(message, reply)
        else:  # no file, or it could not be attached: the message says so
            self.client.chat_postMessage(**message)

    def upload(self, channel: str, attachment: Attachment, thread_ts: str | None = None
               ) -> bool:
        """Upload a file into a conversation with its message; False if Slack refused it."""
        try:
            self.client.files_upload_v2(channel=channel, thread_ts=thread_ts,
                                        filename=attachment.filename, title=attachment.title,
                                        content=attachment.content,
                                        initial_comment=attachment.comment)
        except (SlackClientError, OSError) as error:  # OSError: the upload URL itself failed
            detail = getattr(error, "response", None)
            logger.error("could not upload %s: %s", attachment.filename,
                         detail.get("error") if detail is not None else type(error).__name__)
            return False
        return True

    def _post_options(self, message: dict[str, Any], reply: Reply | None) -> None:
        """A file's message cannot hold buttons: post the reply's quick replies after it."""
        buttons = actions(option_buttons(reply_options(reply))) if reply is not None else []
        if buttons:
            self.client.chat_postMessage(channel=message["channel"],
                                         thread_ts=message.get("thread_ts"),
                                         text=message["text"], blocks=buttons)

    def post(self, channel: str, reply: Reply, thread_ts: str | None = None,
             lang: str = "en") -> None:
        """Post a reply as a new message (in a thread when thread_ts is given), with its file."""
        self.send(self.message(channel, reply, thread_ts, lang), reply, lang)

    def update(self, channel: str, ts: str, reply: Reply, lang: str = "en") -> None:
        """Replace a message we posted earlier with a new reply."""
        self.client.chat_update(channel=channel, ts=ts, text=fallback_text(reply),
                                blocks=reply_blocks(reply, lang=lang))

    def post_ephemeral(self, channel: str, user: str, reply: Reply,
                       thread_ts: str | None = None, lang: str = "en") -> None:
        """Show a reply to one user in a channel."""
        self.client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts,
                                       text=fallback_text(reply),
                                       blocks=reply_blocks(reply, lang=lang))

    def post_to_user(self, user: str, reply: Reply, lang: str = "en") -> None:
        """Post a reply in the user's direct message with the bot."""
        opened = self.client.conversations_open(users=user)
        self.post(opened["channel"]["id"], reply, lang=lang)

    def respond(self, response_url: str, reply: Reply | None = None, *,
                blocks: list[Block] | None = None, text: str | None = None,
                replace_original: bool = False, lang: str = "en") -> None:
        """Answer through a response URL (slash commands, ephemeral messages)."""
        if blocks is None:
            blocks = reply_blocks(reply, lang=lang) if reply else []
        message: dict[str, Any] = {
            "response_type": "ephemeral", "replace_original": replace_original,
            "text": text or (fallback_text(reply) if reply else ""), "blocks": blocks,
        }
        webhook = WebhookClient(url=response_url, timeout=15, retry_handlers=retry_handlers())
        response = webhook.send_dict(message)
        if response.status_code != 200:
            logger.error("response_url post failed with HTTP %s", response.status_code)

    def publish_home(self, user: str, view: Block) -> None:
        """Publish a user's App Home tab."""
        self.client.views_publish(user_id=user, view=view)

    def open_modal(self, trigger_id: str, view: Block) -> None:
        """Open a modal in answer to a click."""
        self.client.views_open(trigger_id=trigger_id, view=view)

    def update_modal(self, view_id: str, view: Block) -> None:
        """Replace an open modal's content."""
        self.client.views_update(view_id=view_id, view=view)

    def answer(self, surface: Surface, user: str, reply: Reply, lang: str = "en") -> None:
        """Send a reply to the place an interaction came from."""
        if surface.kind == "ephemeral" and surface.response_url:
            self.respond(surface.response_url, reply, lang=lang)
        elif surface.kind == "message" and surface.channel:
            self.post(surface.channel, reply, thread_ts=surface.thread_ts, lang=lang)
        else:
            # App Home and modals cannot hold a conversation: answer in the user's DM.
            self.post_to_user(user, reply, lang)
