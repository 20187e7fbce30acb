"""The measurement modals: the plan, and logging data, opened from App Home.

A submitted form is checked first; a bad field gets Slack's per-field error and changes
nothing. A good one is saved through the service in one committed transaction, and only
then is the modal closed (the ack) and the user told in the DM what was saved.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.context import BoltContext

from bot.channels.slack.blocks import LOG_ACTION, PLAN_ACTION
from bot.channels.slack.delivery import Sender, workspace_of
from bot.channels.slack.languages import saved_language
from bot.channels.slack.listeners.home import refresh_home
from bot.channels.slack.listeners.referrals import metadata, state_values
from bot.channels.slack.measure_modals import (
    LOG_MODAL,
    PLAN_MEASURE_ACTION,
    PLAN_MODAL,
    chosen_measure,
    data_form,
    log_modal,
    measure_block,
    plan_form,
    plan_modal,
)
from bot.channels.slack.payloads import optional_text, part, required
from bot.channels.slack.text import unescape
from bot.core.measure import project as shape
from bot.core.measure.conversation import day_text
from bot.core.wording import say
from bot.service import Pathway


def project_of(pathway: Pathway, workspace: str, user: str, name: Any) -> dict[str, Any] | None:
    """The user's project called ``name`` if it is still there, else the current one."""
    projects = shape.clean(pathway.user_state(workspace, user).projects)
    found = shape.find_project(projects, name) if isinstance(name, str) and name else None
    return found or shape.current(projects)


def _open(modal: Callable[[dict[str, Any] | None, None, str], dict[str, Any]],
          pathway: Pathway, sender: Sender, ack: Ack, body: dict[str, Any],
          action: dict[str, Any], context: BoltContext) -> None:
    """Open a form on the project the button names (else the current one)."""
    user, trigger_id = required(body, "user", "id"), required(body, "trigger_id")
    name = unescape(optional_text(action, "value") or "")
    ack()  # once the payload is read: Bolt loses an ack if the listener raises after it
    workspace = workspace_of(context)
    project = project_of(pathway, workspace, user, name)
    sender.open_modal(trigger_id, modal(project, None, saved_language(pathway, workspace, user)))


def open_plan(pathway: Pathway, sender: Sender, ack: Ack, body: dict[str, Any],
              action: dict[str, Any], context: BoltContext) -> None:
    """App Home's "Edit the plan": the plan form, filled in from the project."""
    _open(plan_modal, pathway, sender, ack, body, action, context)


def choose_measure(pathway: Pathway, sender: Sender, ack: Ack, body: dict[str, Any],
                   action: dict[str, Any], context: BoltContext) -> None:
    """The plan form's measure menu: redraw the form with that measure's fields."""
    user, view_id = required(body, "user", "id"), required(body, "view", "id")
    value = optional_text(part(action, "selected_option"), "value") or ""
    ack()  # once the payload is read: Bolt loses an ack if the listener raises after it
    workspace = workspace_of(context)
    project = project_of(pathway, workspace, user, metadata(body["view"]).get("project"))
    measure = chosen_measure(project, value)
    sender.update_modal(view_id, plan_modal(project, measure,
                                            saved_language(pathway, workspace, user)))


def submit_plan(pathway: Pathway, sender: Sender, ack: Ack, body: dict[str, Any],
                view: dict[str, Any], context: BoltContext) -> None:
    """Save the plan form, or show what to fix in it."""
    user, workspace = required(body, "user", "id"), workspace_of(context)
    lang, opened = saved_language(pathway, workspace, user), metadata(view)
    key = str(opened.get("key") or "new")
    plan, errors = plan_form(state_values(view), key, lang)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    try:
        reply = pathway.save_plan(workspace, user, plan, _name(opened.get("project")),
                                  _name(opened.get("measure")))
    except shape.NameTaken as taken:
        block = "name" if taken.what == "project" else measure_block("name", key)
        ack(response_action="errors",
            errors={block: say(f"slack.{taken.what}_name_taken", lang, name=taken.name)})
        return
    except shape.ProjectLimit as full:
        block = "name" if full.what == "projects" else measure_block("name", key)
        ack(response_action="errors",
            errors={block: say(f"slack.too_many_{full.what}", lang, limit=full.limit)})
        return
    ack()
    sender.post_to_user(user, reply, lang)
    refresh_home(pathway, sender, workspace, user)


def open_log(pathway: Pathway, sender: Sender, ack: Ack, body: dict[str, Any],
             action: dict[str, Any], context: BoltContext) -> None:
    """App Home's "Log data": the data form for the project's measures."""
    _open(log_modal, pathway, sender, ack, body, action, context)


def submit_log(pathway: Pathway, sender: Sender, ack: Ack, body: dict[str, Any],
               view: dict[str, Any], context: BoltContext) -> None:
    """Save the data form's readings, correction and deletion together, or show what to fix."""
    user, workspace = required(body, "user", "id"), workspace_of(context)
    lang = saved_language(pathway, workspace, user)
    values = state_values(view)
    form, errors = data_form(values, date.today(), lang)
    if form is None:
        ack(response_action="errors", errors=errors)
        return
    try:
        reply = pathway.save_readings(workspace, user, form.measure, form.readings,
                                      form.deletions, _name(metadata(view).get("project")))
    except shape.NoReading as missing:
        ack(response_action="errors", errors={"fix_date": say(
            "slack.log_no_reading", lang, measure=form.measure, day=day_text(missing.on, lang))})
        return
    except shape.ProjectLimit as full:
        block = "readings" if full.what == "readings" else (
            "measure" if "measure" in values else "new_measure")
        ack(response_action="errors",
            errors={block: say(f"slack.too_many_{full.what}", lang, limit=full.limit)})
        return
    ack()
    sender.post_to_user(user, reply, lang)
    refresh_home(pathway, sender, workspace, user)


def _name(value: Any) -> str | None:
    """A name kept in a form's metadata, or None."""
    return value if isinstance(value, str) and value else None


def register(app: App, pathway: Pathway, sender: Sender) -> None:
    """Listen for the measurement buttons, the plan form's menu and both forms."""
    app.action(PLAN_ACTION)(partial(open_plan, pathway, sender))
    app.action(PLAN_MEASURE_ACTION)(partial(choose_measure, pathway, sender))
    app.view(PLAN_MODAL)(partial(submit_plan, pathway, sender))
    app.action(LOG_ACTION)(partial(open_log, pathway, sender))
    app.view(LOG_MODAL)(partial(submit_log, pathway, sender))
