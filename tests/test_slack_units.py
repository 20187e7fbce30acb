"""Small pieces of the Slack adapter: the event ledger, log redaction, surfaces, retries."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import pytest
import yaml
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.channels.slack.app import add_slack_commands
from bot.channels.slack.delivery import AnyServerErrorRetryHandler, surface_of, web_client
from bot.channels.slack.inbox import is_user_dm
from bot.channels.slack.listeners.commands import pathway_text
from bot.channels.slack.logs import REDACTED, SecretFilter
from bot.core.referral import Referral, repeats_decision
from bot.store.database import Database
from bot.store.events import EventLedger


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_ledger_claims_each_event_once_and_remembers_across_reopen(tmp_path: Path) -> None:
    database = Database(tmp_path / "p.sqlite")
    ledger = EventLedger(database)
    assert ledger.claim("Ev1") is True
    assert ledger.claim("Ev1") is False
    database.close()
    reopened = Database(tmp_path / "p.sqlite")
    assert EventLedger(reopened).claim("Ev1") is False
    reopened.close()


def test_ledger_is_bounded_by_age_and_count(tmp_path: Path) -> None:
    database = Database(tmp_path / "p.sqlite")
    clock = Clock()
    ledger = EventLedger(database, keep_seconds=60, max_events=50, clock=clock)
    for n in range(450):
        clock.now += 1
        ledger.claim(f"Ev{n}")
    assert len(ledger) <= 50 + 200  # pruned every 200 claims
    clock.now += 3600
    for n in range(200):
        ledger.claim(f"Late{n}")
    assert len(ledger) <= 50 + 200
    assert ledger.claim("Late199") is False  # recent ids are kept
    assert ledger.claim("Ev449") is True  # ids older than keep_seconds are forgotten
    database.close()


def test_secret_filter_redacts_messages_arguments_and_tracebacks() -> None:
    secret_filter = SecretFilter(["s3cr3t-signing-value"])
    record = logging.LogRecord("x", logging.ERROR, __file__, 1,
                               "token %s and secret %s", ("xoxb-123-abc", "s3cr3t-signing-value"),
                               None)
    try:
        raise RuntimeError("failed with xapp-1-A1-zzz")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    assert secret_filter.filter(record)
    formatted = logging.Formatter().format(record)
    assert "xoxb-123-abc" not in formatted
    assert "s3cr3t-signing-value" not in formatted
    assert "xapp-1-A1-zzz" not in formatted
    assert formatted.count(REDACTED) >= 3


@pytest.mark.parametrize(("body", "kind", "private", "thread"), [
    ({"container": {"type": "view"}, "view": {"type": "home", "id": "V1"}}, "home", True, None),
    ({"container": {"type": "view"}, "view": {"type": "modal", "id": "V2"}}, "modal", True, None),
    ({"container": {"type": "message", "channel_id": "C1", "is_ephemeral": True},
      "response_url": "https://hooks"}, "ephemeral", True, None),
    ({"container": {"type": "message", "channel_id": "D1", "message_ts": "1.0"},
      "message": {}}, "message", True, None),
    ({"container": {"type": "message", "channel_id": "C1", "message_ts": "2.0"},
      "message": {"thread_ts": "1.0"}}, "message", False, "1.0"),
])
def test_surface_of_a_block_action(body: dict, kind: str, private: bool,
                                   thread: str | None) -> None:
    surface = surface_of(body)
    assert (surface.kind, surface.private, surface.thread_ts) == (kind, private, thread)


@pytest.mark.parametrize(("event", "answered"), [
    ({"channel_type": "im", "user": "U1", "text": "hi"}, True),
    ({"channel_type": "im", "user": "U1", "bot_id": "B1"}, False),
    ({"channel_type": "im", "subtype": "message_changed"}, False),
    ({"channel_type": "im", "user": "U1", "subtype": "file_share"}, False),
    ({"channel_type": "channel", "user": "U1", "text": "hi"}, False),
])
def test_only_plain_user_dms_are_answered(event: dict, answered: bool) -> None:
    assert is_user_dm(event) is answered


@pytest.mark.parametrize(("text", "said"), [
    ("", "stages"), ("  ", "stages"), ("next", "next"), ("stage &lt;x&gt;", "stage <x>"),
])
def test_pathway_text(text: str, said: str) -> None:
    assert pathway_text(text) == said


def test_web_client_retries_rate_limits_server_errors_and_connection_errors() -> None:
    client = web_client("xoxb-1-2", "http://127.0.0.1:1/api/")
    kinds = {type(handler) for handler in client.retry_handlers}
    assert {RateLimitErrorRetryHandler, AnyServerErrorRetryHandler,
            ConnectionErrorRetryHandler} <= kinds
    assert client.base_url == "http://127.0.0.1:1/api/"


def test_cli_subcommands() -> None:
    parser = argparse.ArgumentParser()
    add_slack_commands(parser.add_subparsers(dest="command"))
    assert parser.parse_args(["serve", "--port", "8080"]).port == 8080
    assert parser.parse_args(["serve"]).port is None
    assert callable(parser.parse_args(["socket"]).run)
    with pytest.raises(SystemExit):
        parser.parse_args(["serve", "--port", "99999"])


def test_manifest_matches_what_the_app_listens_for() -> None:
    manifest = yaml.safe_load((Path(__file__).resolve().parent.parent / "manifest.yml")
                              .read_text(encoding="utf-8"))
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert commands == {"/pathway", "/checklist", "/pathway-admin"}
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_home_opened", "app_mention", "message.im"}
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert {"chat:write", "commands", "im:history", "im:write", "app_mentions:read",
            "files:write"} <= set(
        manifest["oauth_config"]["scopes"]["bot"])
    assert len(manifest["display_information"]["description"]) <= 140


def _referral(status: str, suggested: str | None = None) -> Referral:
    return Referral.from_json({
        "id": "R1", "user": "T1:U1", "workspace": "T1", "user_id": "U1", "organisation": "mhra",
        "organisation_name": "MHRA", "summary": "s", "problem": "p", "stage": "idea",
        "user_organisation": "o", "help_wanted": "h", "consent": {}, "status": status,
        "history": [], "delivery": {"attempts": 1, "last_error": None}, "idempotency": "",
        "suggested_organisation": suggested})


@pytest.mark.parametrize(("current", "kind", "suggested", "decided"), [
    (None, "accept", None, False),  # gone: the service says so
    (_referral("sent"), "accept", None, False),
    (_referral("accepted"), "accept", None, True),  # the second click of a double click
    (_referral("accepted"), "more_info", None, False),  # a change of mind is recorded
    (_referral("more_info"), "more_info", None, True),
    (_referral("redirected", "nhs-innovation-service"), "redirect", "nhs-innovation-service",
     True),
    (_referral("redirected", "nhs-innovation-service"), "redirect", "life-sciences-hub-wales",
     False),  # another suggestion is news for the innovator
])
def test_a_team_decision_already_recorded_counts_once(current: Referral | None, kind: str,
                                                      suggested: str | None,
                                                      decided: bool) -> None:
    assert (current is not None and repeats_decision(
        current.status, current.suggested_organisation, kind, suggested)) is decided
