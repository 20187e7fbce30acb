"""Requests that fail signature verification cause nothing: no call, no reply, no state."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import pytest
from fake_slack import SIGNING_SECRET, TEAM_ID, FakeSlack, sign
from slack_bolt import BoltContext, BoltResponse
from slack_fixtures import warnings

from bot.channels.slack.app import VERIFIED, _error_handler
from bot.channels.slack.delivery import Sender, web_client
from bot.store.users import UserStore

if TYPE_CHECKING:
    from slack_fixtures import SlackBot

    from bot.service import Pathway


MALFORMED_TIMESTAMPS = ["abc", "", "1e99", "99999999999999999999", "-5", "-1700000000",
                        " 1700000000", "1_700_000_000", "1700000000.5"]


def post_raw(bot: SlackBot, body: str, content_type: str, headers: dict[str, str]
             ) -> int:
    """POST to /slack/events with exactly these Slack headers (none added); the status."""
    request = urllib.request.Request(f"{bot.server.url}/slack/events", data=body.encode(),
                                     method="POST",
                                     headers={"Content-Type": content_type, **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def forged_bodies(fake: FakeSlack) -> dict[str, tuple[str, str]]:
    """A command, a button click and a mention, each naming a place to answer."""
    command = urlencode({"command": "/pathway", "user_id": "U1", "team_id": TEAM_ID,
                         "text": "stage idea", "response_url": fake.response_url("forged"),
                         "trigger_id": "1.2.trigger"})
    click = urlencode({"payload": json.dumps({
        "type": "block_actions", "team": {"id": TEAM_ID}, "user": {"id": "U1"},
        "response_url": fake.response_url("forged"), "trigger_id": "1.2.trigger",
        "container": {"type": "message", "channel_id": "C1", "message_ts": "1.1",
                      "is_ephemeral": True},
        "actions": [{"type": "button", "action_id": "pw_option_0", "value": "stage idea"}]})})
    mention = json.dumps({"type": "event_callback", "team_id": TEAM_ID, "event_id": "EvFORGE",
                          "event": {"type": "app_mention", "user": "U1", "channel": "C1",
                                    "text": "<@UBOT> stage idea", "ts": "1.1"}})
    form = "application/x-www-form-urlencoded"
    return {"command": (command, form), "click": (click, form),
            "mention": (mention, "application/json")}


def header_cases(body: str) -> dict[str, dict[str, str]]:
    """Every shape of bad Slack headers, by name."""
    now = str(int(time.time()))
    cases = {f"timestamp {ts!r}": {"X-Slack-Request-Timestamp": ts,
                                   "X-Slack-Signature": "v0=deadbeef"}
             for ts in MALFORMED_TIMESTAMPS}
    cases.update({
        # Signed with the real secret, but over a timestamp Bolt's int() cannot parse.
        "signed non-numeric timestamp": {"X-Slack-Request-Timestamp": "1e99",
                                         "X-Slack-Signature": sign_text(body, "1e99")},
        "missing signature": {"X-Slack-Request-Timestamp": now},
        "empty signature": {"X-Slack-Request-Timestamp": now, "X-Slack-Signature": ""},
        "wrong signature": {"X-Slack-Request-Timestamp": now,
                            "X-Slack-Signature": sign(body, int(now), secret="0" * 32)},
        "signature for another time": {"X-Slack-Request-Timestamp": now,
                                       "X-Slack-Signature": sign(body, int(now) - 1)},
        "missing timestamp": {"X-Slack-Signature": sign(body, int(now))},
        "no Slack headers": {},
    })
    return cases


def sign_text(body: str, timestamp: str) -> str:
    """A correct signature over any timestamp text, as Bolt would compute it."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()


def test_badly_signed_requests_get_401_and_cause_nothing(
        slack_bot: SlackBot, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture) -> None:
    fake_slack.reset()
    statuses = {}
    for shape, (body, content_type) in forged_bodies(fake_slack).items():
        for case, headers in header_cases(body).items():
            statuses[f"{shape}, {case}"] = post_raw(slack_bot, body, content_type, headers)
    assert statuses == {name: 401 for name in statuses}
    # A marker: once a real message is answered, the forgeries had their chance to act.
    assert slack_bot.dm("hello", user="U2") == 200
    fake_slack.wait_for("chat.postMessage")
    assert [(c.method, c.params.get("channel")) for c in fake_slack.calls] == [
        ("chat.postMessage", "DU2")]
    assert fake_slack.find("response_url") == []
    assert UserStore(slack_bot.database).peek(UserStore.key(TEAM_ID, "U1")) is None
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def test_the_error_handler_answers_only_verified_requests(fake_slack: FakeSlack,
                                                          pathway: Pathway) -> None:
    handle_error = _error_handler(Sender(web_client("xoxb-1-2-test", fake_slack.api_url)),
                                  pathway)
    body = {"command": "/pathway", "response_url": fake_slack.response_url("forged"),
            "event": {"type": "app_mention", "channel": "C1", "ts": "1.1"}}
    refused = handle_error(error=RuntimeError("boom"), body=body, context=BoltContext(),
                           response=BoltResponse(status=500))
    assert refused is not None and refused.status == 401
    assert fake_slack.calls == []
    handle_error(error=RuntimeError("boom"), body=body, context=BoltContext({VERIFIED: True}),
                 response=BoltResponse(status=500))
    [sorry] = fake_slack.wait_for("response_url")
    assert "Sorry" in sorry.dump


def unreadable_bodies() -> dict[str, tuple[str, str]]:
    """Bodies Bolt raises on while parsing them into a request, by name."""
    form = "application/x-www-form-urlencoded"
    return {
        "a JSON list": (json.dumps([1]), "application/json"),
        "an event whose user is a number": (json.dumps({
            "type": "event_callback", "team_id": TEAM_ID, "event_id": "EvODD",
            "event": {"type": "app_home_opened", "tab": "home", "user": 5}}),
            "application/json"),
        "a payload that is not JSON": (urlencode({"payload": "{x"}), form),
        "a click without actions": (urlencode({"payload": json.dumps({
            "type": "block_actions", "team": {"id": TEAM_ID}, "user": {"id": "U1"},
            "actions": []})}), form),
    }


@pytest.mark.parametrize("shape", list(unreadable_bodies()))
def test_an_unsigned_body_bolt_cannot_read_gets_401_unread(
        shape: str, slack_bot: SlackBot, fake_slack: FakeSlack,
        caplog: pytest.LogCaptureFixture) -> None:
    body, content_type = unreadable_bodies()[shape]
    fake_slack.reset()
    assert slack_bot.post(body, content_type, signature="v0=" + "0" * 64)[0] == 401
    assert fake_slack.calls == []
    assert not warnings(caplog)
    assert not [r for r in caplog.records if r.exc_info]


@pytest.mark.parametrize("shape", list(unreadable_bodies()))
def test_a_signed_body_bolt_cannot_read_gets_400_and_one_warning(
        shape: str, slack_bot: SlackBot, fake_slack: FakeSlack,
        caplog: pytest.LogCaptureFixture) -> None:
    body, content_type = unreadable_bodies()[shape]
    fake_slack.reset()
    assert slack_bot.post(body, content_type)[0] == 400
    assert fake_slack.calls == []
    assert [r.levelno for r in warnings(caplog)] == [logging.WARNING]
    assert not [r for r in caplog.records if r.exc_info]


def test_a_body_that_is_not_utf8_fails_verification(slack_bot: SlackBot) -> None:
    body = b"\xff\xfe{}"
    now = int(time.time())
    base = f"v0:{now}:".encode() + body
    signed = "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    statuses = []
    for signature in ("v0=" + "0" * 64, signed):
        request = urllib.request.Request(
            f"{slack_bot.server.url}/slack/events", data=body, method="POST",
            headers={"Content-Type": "application/json", "X-Slack-Signature": signature,
                     "X-Slack-Request-Timestamp": str(now)})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
    assert statuses == [401, 401]  # Slack sends UTF-8; other bytes cannot be checked
