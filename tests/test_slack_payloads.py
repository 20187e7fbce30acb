"""Signed requests Pathway cannot use: answered 200, logged once as a warning, never a crash."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import pytest
from fake_slack import TEAM_ID, FakeSlack
from slack_fixtures import warnings

if TYPE_CHECKING:
    from slack_fixtures import SlackBot


MESSAGE = {"type": "message", "channel_type": "im", "channel": "DU1", "user": "U1",
           "text": "hello", "ts": "1700000000.000100"}
MENTION = {"type": "app_mention", "channel": "C1", "user": "U1", "text": "<@UBOT> hello",
           "ts": "1700000000.000200"}
IN_MESSAGE = {"type": "message", "message_ts": "1.2", "channel_id": "C1", "is_ephemeral": False}
IN_HOME = {"type": "view", "view_id": "VHOME"}


def without(payload: dict[str, Any], field: str) -> dict[str, Any]:
    """A copy of payload lacking one field."""
    return {key: value for key, value in payload.items() if key != field}


def settle(caplog: pytest.LogCaptureFixture, timeout: float = 5.0) -> list[logging.LogRecord]:
    """Wait for the first warning (listeners run after the ack), then a moment for others."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not warnings(caplog):
        time.sleep(0.02)
    time.sleep(0.3)
    return warnings(caplog)


def submit_stateless_view(bot: SlackBot) -> int:
    """A view_submission of the Connect me form whose view has no state."""
    payload = {"type": "view_submission", "team": {"id": TEAM_ID}, "user": {"id": "U1"},
               "view": {"id": "VMODAL", "type": "modal", "callback_id": "pw_connect_modal",
                        "private_metadata": '{"org": "mhra"}'}}
    return bot.post(urlencode({"payload": json.dumps(payload)}),
                    "application/x-www-form-urlencoded")[0]


def submit_raw_view(bot: SlackBot, callback_id: str, values: Any, metadata: str = "") -> int:
    """A view_submission whose state.values is exactly ``values``, however odd."""
    payload = {"type": "view_submission", "team": {"id": TEAM_ID}, "user": {"id": "U1"},
               "view": {"id": "VMODAL", "type": "modal", "callback_id": callback_id,
                        "private_metadata": metadata, "state": {"values": values}}}
    return bot.post(urlencode({"payload": json.dumps(payload)}),
                    "application/x-www-form-urlencoded")[0]


def admin_command(bot: SlackBot, fake: FakeSlack, lacking: str) -> int:
    """/pathway-admin status, as Slack posts it but without one field."""
    form = {"team_id": TEAM_ID, "command": "/pathway-admin", "text": "status",
            "user_id": "U1", "response_url": fake.response_url(), "trigger_id": "1.2.t"}
    return bot.post(urlencode(without(form, lacking)), "application/x-www-form-urlencoded")[0]


Send = Callable[["SlackBot", FakeSlack], int]
CONNECT = '{"org": "mhra"}'
OPTION = {"type": "button", "action_id": "pw_option_0", "value": "stages"}

BROKEN: dict[str, Send] = {
    "DM without user": lambda bot, fake: bot.event(without(MESSAGE, "user")),
    "DM without channel": lambda bot, fake: bot.event(without(MESSAGE, "channel")),
    "DM with numeric text": lambda bot, fake: bot.event({**MESSAGE, "text": 42}),
    "DM with list text": lambda bot, fake: bot.event({**MESSAGE, "text": ["stage", "idea"]}),
    "mention without user": lambda bot, fake: bot.event(without(MENTION, "user")),
    "mention without ts": lambda bot, fake: bot.event(without(MENTION, "ts")),
    "mention without channel": lambda bot, fake: bot.event(without(MENTION, "channel")),
    "mention with numeric text": lambda bot, fake: bot.event({**MENTION, "text": 7}),
    "mention with list text": lambda bot, fake: bot.event({**MENTION, "text": ["a"]}),
    "home opened without user": lambda bot, fake: bot.event(
        {"type": "app_home_opened", "channel": "DU1", "tab": "home"}),
    "command without user": lambda bot, fake: bot.command(
        "/pathway", "stages", user="", response_url=fake.response_url()),
    "command without response_url": lambda bot, fake: bot.command("/pathway", "stages"),
    "checklist without response_url": lambda bot, fake: bot.command("/checklist", "idea"),
    "help without response_url": lambda bot, fake: bot.command("/pathway", "help"),
    "option without value": lambda bot, fake: bot.action(
        {"type": "button", "action_id": "pw_option_0"}, IN_MESSAGE),
    "option without user": lambda bot, fake: bot.action(
        {"type": "button", "action_id": "pw_option_0", "value": "stages"}, IN_MESSAGE,
        user=""),
    "feedback without value": lambda bot, fake: bot.action(
        {"type": "button", "action_id": "pw_feedback_yes"}, IN_MESSAGE),
    "open checklist without value": lambda bot, fake: bot.action(
        {"type": "button", "action_id": "pw_open_checklist"}, IN_HOME),
    "open checklist without trigger_id": lambda bot, fake: bot.action(
        {"type": "button", "action_id": "pw_open_checklist", "value": "idea"}, IN_HOME,
        trigger_id=None),
    "connect me without value": lambda bot, fake: bot.action(
        {"type": "button", "action_id": "pw_connect"}, IN_MESSAGE),
    "connect me without trigger_id": lambda bot, fake: bot.action(
        {"type": "button", "action_id": "pw_connect", "value": "mhra"}, IN_MESSAGE,
        trigger_id=None),
    "team button without value": lambda bot, fake: bot.action(
        {"type": "button", "action_id": "pw_referral_accept"}, IN_MESSAGE),
    "form submitted without state": lambda bot, fake: submit_stateless_view(bot),
    # Fields of the wrong type: a string or list where Slack sends an object, and so on.
    "click with a string container": lambda bot, fake: bot.action(OPTION, "oops"),
    "click with a list message": lambda bot, fake: bot.action(
        {"type": "button", "action_id": "pw_feedback_yes", "value": "x"}, IN_MESSAGE,
        message=[1]),
    "click with a string channel": lambda bot, fake: bot.action(
        OPTION, {"type": "message"}, channel="C1"),
    "click in a view that is a string": lambda bot, fake: bot.action(
        OPTION, {"type": "view"}, view="x"),
    "tick with a numeric block_id": lambda bot, fake: bot.action(
        {"type": "checkboxes", "action_id": "pw_tick", "block_id": 5}, IN_MESSAGE),
    "tick with string selected_options": lambda bot, fake: bot.action(
        {"type": "checkboxes", "action_id": "pw_tick", "block_id": "pw_tick|idea|x",
         "selected_options": "y"}, IN_MESSAGE),
    "edit the plan with a numeric value": lambda bot, fake: bot.action(
        {"type": "button", "action_id": "pw_plan_open", "value": 5}, IN_HOME),
    "measure menu with a string option": lambda bot, fake: bot.action(
        {"type": "static_select", "action_id": "pw_plan_measure", "selected_option": "=a"},
        IN_HOME, view={"id": "V1", "type": "modal", "private_metadata": "{}"}),
    "connect form with a string field": lambda bot, fake: submit_raw_view(
        bot, "pw_connect_modal", {"summary": "x"}, CONNECT),
    "connect form with a numeric answer": lambda bot, fake: submit_raw_view(
        bot, "pw_connect_modal", {"summary": {"value": {"value": 5}}}, CONNECT),
    "connect form with string consent boxes": lambda bot, fake: submit_raw_view(
        bot, "pw_connect_modal", {"consent": {"value": {"selected_options": ["consent"]}}},
        CONNECT),
    "plan form with a string field": lambda bot, fake: submit_raw_view(
        bot, "pw_plan_modal", {"name": "x"}, '{"key": "new"}'),
    "data form with a string field": lambda bot, fake: submit_raw_view(
        bot, "pw_log_modal", {"readings": "x"}),
    "data form with a string delete box": lambda bot, fake: submit_raw_view(
        bot, "pw_log_modal", {"delete": {"value": "x"}}),
    "redirect form with a string field": lambda bot, fake: submit_raw_view(
        bot, "pw_redirect_modal", {"organisation": "x"}),
    "admin command without user_id": lambda bot, fake: admin_command(bot, fake, "user_id"),
    "admin command without response_url": lambda bot, fake: admin_command(
        bot, fake, "response_url"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_request_missing_what_we_need_gets_200_and_one_warning(
        case: str, slack_bot: SlackBot, fake_slack: FakeSlack,
        caplog: pytest.LogCaptureFixture) -> None:
    fake_slack.reset()
    assert BROKEN[case](slack_bot, fake_slack) == 200
    [warning] = settle(caplog)
    assert warning.levelno == logging.WARNING and warning.exc_info is None
    assert "without a usable" in warning.getMessage()
    assert not [r for r in caplog.records if r.exc_info]
    assert fake_slack.calls == []  # no apology for a request nobody could answer


@pytest.mark.parametrize("event_id", [["Ev1", "Ev2"], 424242, {"id": "Ev1"}, True])
@pytest.mark.parametrize("event", [MESSAGE, MENTION], ids=["dm", "mention"])
def test_an_event_id_that_is_not_text_gets_200_one_warning_and_nothing_stored(
        event: dict[str, Any], event_id: Any, slack_bot: SlackBot, fake_slack: FakeSlack,
        caplog: pytest.LogCaptureFixture) -> None:
    fake_slack.reset()
    assert slack_bot.event({**event, "text": "stage idea"}, event_id=event_id) == 200
    [warning] = settle(caplog)
    assert warning.levelno == logging.WARNING and "usable event_id" in warning.getMessage()
    assert not [r for r in caplog.records if r.exc_info]
    assert fake_slack.calls == []
    assert len(slack_bot.database.table("slack_events")) == 0
    assert slack_bot.database.table("users").get(f"{TEAM_ID}:U1") is None


@pytest.mark.parametrize("event", [
    {"type": "reaction_added", "user": "U1", "reaction": "tada",
     "item": {"type": "message", "channel": "C1", "ts": "1.1"}},
    {"type": "member_joined_channel", "user": "U1", "channel": "C1"},
    {"type": "app_uninstalled"},
])
def test_events_we_do_not_handle_are_acknowledged(
        event: dict[str, Any], slack_bot: SlackBot, fake_slack: FakeSlack,
        caplog: pytest.LogCaptureFixture) -> None:
    fake_slack.reset()
    assert slack_bot.event(event) == 200
    assert warnings(caplog) == []
    assert fake_slack.calls == []


def test_a_button_we_do_not_know_is_acknowledged(
        slack_bot: SlackBot, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture) -> None:
    fake_slack.reset()
    assert slack_bot.action({"type": "button", "action_id": "pw_from_an_old_version",
                             "value": "x"}, IN_MESSAGE) == 200
    assert warnings(caplog) == []
    assert fake_slack.calls == []


def test_what_users_type_is_logged_only_at_debug(
        slack_bot: SlackBot, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    marker = "zebra-quokka-7731"
    slack_bot.dm(f"stage {marker}")
    slack_bot.event({**MENTION, "text": f"<@UBOT> {marker}"})
    slack_bot.command("/pathway", marker, response_url=fake_slack.response_url())
    slack_bot.action({"type": "button", "action_id": "pw_option_0", "value": marker},
                     IN_MESSAGE)
    forged = (f'{{"type": "event_callback", "event": {{"type": "message", '
              f'"channel_type": "im", "channel": "DU1", "user": "U1", "text": "{marker}"}}}}')
    assert slack_bot.post(forged, "application/json", signature="v0=" + "0" * 64)[0] == 401
    fake_slack.wait_for("chat.postMessage", count=3)
    fake_slack.wait_for("response_url")
    loud = [r.getMessage()[:200] for r in caplog.records
            if r.levelno > logging.DEBUG and marker in r.getMessage()]
    assert loud == []
