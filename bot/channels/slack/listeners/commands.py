"""/pathway and /checklist: answered privately through the command's response URL."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.context import BoltContext

from bot.channels.slack.blocks import help_blocks
from bot.channels.slack.delivery import Sender, acked_after, workspace_of
from bot.channels.slack.dm_files import file_to_dm
from bot.channels.slack.languages import saved_language
from bot.channels.slack.payloads import required, text_of
from bot.channels.slack.text import unescape
from bot.core.wording import say
from bot.service import Pathway

HELP_WORDS = frozenset({"help", "?", "commands", "cymorth", "gorchmynion"})


def pathway_text(command_text: str) -> str:
    """What /pathway <text> says to the engine: an empty command means the overview."""
    return unescape(command_text).strip() or "stages"


def pathway_command(pathway: Pathway, sender: Sender, ack: Ack, command: dict[str, Any],
                    context: BoltContext) -> None:
    """/pathway [subcommand]: the engine's commands, answered only to the user."""
    text, workspace = pathway_text(text_of(command)), workspace_of(context)
    user, response_url = required(command, "user_id"), required(command, "response_url")
    if text.lower() in HELP_WORDS:
        ack()
        lang = saved_language(pathway, workspace, user)
        sender.respond(response_url, text=say("slack.help_title", lang),
                       blocks=help_blocks(pathway.command_help(lang), lang))
        return
    with acked_after(ack):  # the change is committed before Slack hears "received"
        reply = pathway.respond(workspace, user, text)
    # A chart or an exported plan goes to the DM as a file; the answer here says so.
    sender.respond(response_url, file_to_dm(sender, user, reply, reply.lang), lang=reply.lang)


def checklist_command(pathway: Pathway, sender: Sender, ack: Ack, command: dict[str, Any],
                      context: BoltContext) -> None:
    """/checklist [stage]: a stage's checklist with boxes to tick."""
    stage = unescape(text_of(command)).strip()
    user, response_url = required(command, "user_id"), required(command, "response_url")
    workspace = workspace_of(context)
    with acked_after(ack):
        reply = pathway.respond(workspace, user, f"checklist {stage}".strip())
    sender.respond(response_url, reply, lang=reply.lang)


def register(app: App, pathway: Pathway, sender: Sender) -> None:
    """Listen for the slash commands."""
    app.command("/pathway")(partial(pathway_command, pathway, sender))
    app.command("/checklist")(partial(checklist_command, pathway, sender))
