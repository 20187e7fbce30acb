"""Buttons and checkboxes: quick replies, feedback, ticking, opening a checklist."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.context import BoltContext

from bot.channels.slack.blocks import (
    FEEDBACK_ACTION,
    OPEN_CHECKLIST_ACTION,
    OPTION_ACTION,
    TICK_ACTION,
    checklist_modal,
    parse_tick_block_id,
    with_feedback_thanks,
)
from bot.channels.slack.delivery import (
    Sender,
    Surface,
    acked_after,
    surface_of,
    workspace_of,
)
from bot.channels.slack.languages import saved_language
from bot.channels.slack.listeners.home import refresh_home
from bot.channels.slack.payloads import items, optional_text, part, required
from bot.channels.slack.text import unescape
from bot.core.replies import Reply
from bot.service import Pathway


def choose_option(pathway: Pathway, sender: Sender, ack: Ack, body: dict[str, Any],
                  action: dict[str, Any], context: BoltContext) -> None:
    """A quick reply: send its words to the engine, as if the user had typed them."""
    surface, user = surface_of(body), required(body, "user", "id")
    said, workspace = unescape(required(action, "value")), workspace_of(context)
    with acked_after(ack):
        reply = pathway.respond(workspace, user, said, private=surface.private)
    sender.answer(surface, user, reply, reply.lang)
    if surface.kind in {"home", "modal"}:
        refresh_home(pathway, sender, workspace, user)


def give_feedback(pathway: Pathway, sender: Sender, ack: Ack, body: dict[str, Any],
                  action: dict[str, Any], context: BoltContext) -> None:
    """Store "this helped / didn't help" and thank the user."""
    surface, user = surface_of(body), required(body, "user", "id")
    entry_id = unescape(required(action, "value"))
    helpful, workspace = action["action_id"].endswith("_yes"), workspace_of(context)
    with acked_after(ack):
        reply = pathway.record_feedback(workspace, user, entry_id, helpful)
    thank_for_feedback(sender, surface, body, user, reply,
                       saved_language(pathway, workspace, user))


def tick(pathway: Pathway, sender: Sender, ack: Ack, body: dict[str, Any], action: dict[str, Any],
         context: BoltContext) -> None:
    """Tick or untick a checklist item, store it at once, and redraw the checklist."""
    parsed = parse_tick_block_id(optional_text(action, "block_id"))
    if parsed is None:
        ack()
        return
    surface, workspace = surface_of(body), workspace_of(context)
    user, done = required(body, "user", "id"), bool(items(action, "selected_options"))
    with acked_after(ack):
        reply = pathway.tick(workspace, user, *parsed, done=done)
    redraw_checklist(sender, surface, reply, saved_language(pathway, workspace, user))
    if surface.kind in {"home", "modal"}:
        refresh_home(pathway, sender, workspace, user)


def open_checklist(pathway: Pathway, sender: Sender, ack: Ack, body: dict[str, Any],
                   action: dict[str, Any], context: BoltContext) -> None:
    """Open a stage's checklist in a modal (from App Home)."""
    stage_id, user = unescape(required(action, "value")), required(body, "user", "id")
    trigger_id = required(body, "trigger_id")
    ack()  # once the payload is read: Bolt loses an ack if the listener raises after it
    workspace = workspace_of(context)
    reply = pathway.checklist(workspace, user, stage_id)
    sender.open_modal(trigger_id, checklist_modal(reply, saved_language(pathway, workspace, user)))


def register(app: App, pathway: Pathway, sender: Sender) -> None:
    """Listen for every interactive element Pathway renders."""
    app.action(re.compile(f"^{OPTION_ACTION}_\\d+$"))(partial(choose_option, pathway, sender))
    app.action(re.compile(f"^{FEEDBACK_ACTION}_(yes|no)$"))(partial(give_feedback, pathway, sender))
    app.action(TICK_ACTION)(partial(tick, pathway, sender))
    app.action(OPEN_CHECKLIST_ACTION)(partial(open_checklist, pathway, sender))


def redraw_checklist(sender: Sender, surface: Surface, reply: Reply, lang: str = "en") -> None:
    """Show the updated checklist where the box was ticked."""
    if surface.kind == "modal" and surface.view_id:
        sender.update_modal(surface.view_id, checklist_modal(reply, lang))
    elif surface.kind == "ephemeral" and surface.response_url:
        sender.respond(surface.response_url, reply, replace_original=True, lang=lang)
    elif surface.kind == "message" and surface.channel and surface.message_ts:
        sender.update(surface.channel, surface.message_ts, reply, lang)


def thank_for_feedback(sender: Sender, surface: Surface, body: dict[str, Any], user: str,
                       reply: Reply, lang: str = "en") -> None:
    """In a DM, swap the feedback buttons for the thanks; elsewhere thank the user privately."""
    message = part(body, "message")  # surface_of has checked it is an object
    if surface.kind == "message" and surface.private and message.get("blocks"):
        blocks = with_feedback_thanks(message["blocks"], reply.text)
        sender.client.chat_update(channel=surface.channel, ts=surface.message_ts,
                                  text=message.get("text") or "Pathway", blocks=blocks)
    elif surface.kind == "message" and surface.channel:
        sender.post_ephemeral(surface.channel, user, reply, thread_ts=surface.thread_ts,
                              lang=lang)
    else:
        sender.answer(surface, user, reply, lang)
