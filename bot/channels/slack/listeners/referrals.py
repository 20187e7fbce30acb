"""Connect me: the innovator's form, and the receiving team's buttons on a referral."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from functools import partial
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.context import BoltContext

from bot.base.errors import StateError
from bot.channels.slack.blocks import CONNECT_ACTION
from bot.channels.slack.delivery import Sender, surface_of, workspace_of
from bot.channels.slack.languages import saved_language
from bot.channels.slack.listeners.home import refresh_home
from bot.channels.slack.payloads import BadPayload, part, required
from bot.channels.slack.referral_blocks import (
    CONNECT_MODAL,
    REDIRECT_MODAL,
    TEAM_ACTION_PREFIX,
    connect_modal,
    form_errors,
    redirect_modal,
    selected_organisation,
    submitted_values,
)
from bot.channels.slack.text import unescape
from bot.core.referral import TEAM_ACTIONS, DecisionRecorded, Referral, ReferralError
from bot.core.replies import ReferralRequest, Reply
from bot.core.views import contact
from bot.core.wording import say
from bot.service import Pathway

logger = logging.getLogger("pathway.slack")


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    """A modal's private_metadata as a dict ({} if it is missing or not ours)."""
    text = view.get("private_metadata")
    try:
        value = json.loads(text) if isinstance(text, str) and text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def state_values(view: dict[str, Any]) -> dict[str, Any]:
    """A submitted modal's state.values; BadPayload if Slack sent none."""
    values = part(view, "state").get("values")
    if not isinstance(values, dict):
        raise BadPayload("view.state.values")
    return values


@dataclass(frozen=True)
class Desk:
    """What the referral handlers need: the service and the sender."""

    pathway: Pathway
    sender: Sender


def open_connect_form(desk: Desk, ack: Ack, body: dict[str, Any], action: dict[str, Any],
                      context: BoltContext) -> None:
    """"Connect me" beside an organisation: open the form, stage pre-filled."""
    user, workspace = required(body, "user", "id"), workspace_of(context)
    org_id, trigger_id = unescape(required(action, "value")), required(body, "trigger_id")
    ack()  # once the payload is read: Bolt loses an ack if the listener raises after it
    kb = desk.pathway.knowledge_base()
    org = kb.organisation(org_id)
    state = desk.pathway.user_state(workspace, user)
    if org is None:
        desk.sender.post_to_user(user, Reply("error", say("slack.org_gone", state.lang)),
                                 state.lang)
        return
    desk.sender.open_modal(trigger_id, connect_modal(org, kb.stages, state.stage, state.lang))


def submit_connect_form(desk: Desk, ack: Ack, body: dict[str, Any], view: dict[str, Any],
                        context: BoltContext) -> None:
    """Check the form (consent first of all), then store and send the referral."""
    answers, user = submitted_values(state_values(view)), required(body, "user", "id")
    workspace = workspace_of(context)
    lang = saved_language(desk.pathway, workspace, user)
    stages = [stage.id for stage in desk.pathway.knowledge_base().stages]
    errors = form_errors(answers, stages, lang)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    request = ReferralRequest(
        str(metadata(view).get("org", "")), answers["summary"], answers["problem"],
        answers["stage"], answers["user_organisation"], answers["help_wanted"],
        consent=answers["consent"])
    # Stored before the ack closes the form: if the store fails, the form stays open with
    # everything typed in it, and says so (a view_submission has no response_url to answer).
    # Delivered after it: a slow or rate-limited post must not hold the form past 3 s.
    try:
        reply, stored = desk.pathway.store_referral(workspace, user, request)
    except StateError as error:
        ack(response_action="errors", errors={"summary": unsaved(error, lang)})
        return
    ack()
    if stored is not None:
        reply = desk.pathway.send_referral(stored)
    desk.sender.post_to_user(user, reply, lang)
    refresh_home(desk.pathway, desk.sender, workspace, user)


def unsaved(error: StateError, lang: str) -> str:
    """Log a store failure behind a form, and the form's error saying nothing was sent."""
    logger.warning("Kept a form open: the store failed (%s)", error)
    return say("form.error_unsaved", lang)


def team_button(desk: Desk, ack: Ack, body: dict[str, Any], action: dict[str, Any],
                context: BoltContext) -> None:
    """Accept / Needs more info act at once; "Not for us" asks which organisation."""
    referral_id = unescape(required(action, "value"))
    kind = action["action_id"][len(TEAM_ACTION_PREFIX):]
    clicker, channel = required(body, "user", "id"), surface_of(body).channel
    trigger_id = required(body, "trigger_id") if kind == "redirect" else ""
    ack()
    # What only the clicker sees (a notice, the "suggest another" form) is in their language.
    lang = saved_language(desk.pathway, workspace_of(context), clicker)
    if kind != "redirect":
        decide(desk, referral_id, kind, clicker, channel, lang=lang)
        return
    referral = desk.pathway.referral(referral_id)
    if referral is None or referral.status == "withdrawn":
        notice(desk.sender, clicker, channel, say("referral.withdrawn_by_innovator", lang), lang)
        return
    desk.sender.open_modal(trigger_id, redirect_modal(
        referral, desk.pathway.knowledge_base().organisations, channel, lang))


def submit_redirect(desk: Desk, ack: Ack, body: dict[str, Any], view: dict[str, Any],
                    context: BoltContext) -> None:
    """"Not for us, suggest another": record the suggestion and tell the innovator."""
    org_id, clicker = selected_organisation(state_values(view)), required(body, "user", "id")
    lang = saved_language(desk.pathway, workspace_of(context), clicker)
    if desk.pathway.knowledge_base().organisation(org_id) is None:
        ack(response_action="errors", errors={"organisation": say("form.error_choose", lang)})
        return
    details = metadata(view)
    channel = details.get("channel") if isinstance(details.get("channel"), str) else None
    # Recorded before the ack closes the form, as in submit_connect_form; shown on the
    # team's message after it, so a slow redraw cannot hold the form past 3 s.
    try:
        outcome = record_decision(desk, str(details.get("referral", "")), "redirect", clicker,
                                  org_id, lang)
    except StateError as error:
        ack(response_action="errors", errors={"organisation": unsaved(error, lang)})
        return
    ack()
    announce(desk, outcome, clicker, channel, org_id, lang)


def decide(desk: Desk, referral_id: str, kind: str, clicker: str, channel: str | None,
           suggested: str | None = None, lang: str = "en") -> None:
    """Record the team's decision, redraw their message and DM the innovator."""
    announce(desk, record_decision(desk, referral_id, kind, clicker, suggested, lang),
             clicker, channel, suggested, lang)


def record_decision(desk: Desk, referral_id: str, kind: str, clicker: str,
                    suggested: str | None, lang: str) -> Referral | str:
    """The decision stored (not yet shown: ``announce``), or why it was not."""
    try:
        return desk.pathway.record_team_action(referral_id, kind, clicker, suggested)
    except DecisionRecorded:  # a double click, or the same press at another instance
        return say("team.already_recorded", lang)
    except ReferralError as error:
        return str(error)


def announce(desk: Desk, outcome: Referral | str, clicker: str,
             channel: str | None, suggested: str | None, lang: str) -> None:
    """Tell the clicker why nothing was recorded, or show the decision on the team's
    message and DM the innovator."""
    if isinstance(outcome, str):
        notice(desk.sender, clicker, channel, outcome, lang)
        return
    referral, message = desk.pathway.show_team_action(outcome, suggested)
    innovator = saved_language(desk.pathway, referral.workspace, referral.user_id)
    other = desk.pathway.knowledge_base().organisation(suggested or "")
    contacts = (contact(other, innovator),) if other else ()
    desk.sender.post_to_user(referral.user_id, Reply("info", message, contacts=contacts),
                             innovator)
    refresh_home(desk.pathway, desk.sender, referral.workspace, referral.user_id)


def notice(sender: Sender, user: str, channel: str | None, text: str, lang: str = "en") -> None:
    """Tell only the person who clicked."""
    if channel:
        sender.post_ephemeral(channel, user, Reply("info", text), lang=lang)
    else:
        sender.post_to_user(user, Reply("info", text), lang)


def register(app: App, pathway: Pathway, sender: Sender) -> None:
    """Listen for "Connect me", its form, and the team's buttons and "suggest another" form."""
    desk = Desk(pathway, sender)
    app.action(CONNECT_ACTION)(partial(open_connect_form, desk))
    app.view(CONNECT_MODAL)(partial(submit_connect_form, desk))
    app.action(re.compile(f"^{TEAM_ACTION_PREFIX}({'|'.join(TEAM_ACTIONS)})$"))(
        partial(team_button, desk))
    app.view(REDIRECT_MODAL)(partial(submit_redirect, desk))
