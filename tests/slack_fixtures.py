"""Fixtures for the Slack tests: a fake Web API and the real app served by waitress.

tests/conftest.py registers them as a plugin for every test file, so a test file may
import names from here.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fake_slack import SIGNING_SECRET, TEAM_ID, FakeSlack, sign

from bot.channels.slack.app import build_app, health, slack_deliverer
from bot.channels.slack.server import HttpServer, wsgi_app
from bot.core.replies import Reply
from bot.kb.loader import check_knowledge
from bot.service import KnowledgeHolder, Pathway
from bot.service.settings import Settings
from bot.store.database import BUSY_SECONDS, Database

ROOT = Path(__file__).resolve().parent.parent
BOT_TOKEN = "xoxb-1111-2222-testtokenvalue"


def knowledge_dir() -> Path:
    """The bundled knowledge base when it loads, else the small test fixture."""
    bundled = ROOT / "knowledge"
    if check_knowledge(bundled).knowledge is not None:
        return bundled
    return ROOT / "tests" / "fixtures" / "kb_small"


class SlackBot:
    """The real Pathway Slack app in HTTP mode on loopback, and a way to talk to it."""

    def __init__(self, settings: Settings, knowledge: KnowledgeHolder,
                 busy_seconds: float = BUSY_SECONDS) -> None:
        self.settings = settings
        self.knowledge = knowledge
        self.busy_seconds = busy_seconds  # how long a write waits for a lock held elsewhere
        self._event_ids = iter(range(1, 1_000_000))
        self.start()

    def start(self) -> None:
        """Open the database, build the app and serve it."""
        self.database = Database(self.settings.database_path, busy_seconds=self.busy_seconds)
        deliverer = slack_deliverer(self.settings, self.knowledge)
        self.pathway = Pathway(self.knowledge, self.database, deliverer=deliverer)
        deliverer.user_language = self.pathway.language  # as open_pathway does
        app = build_app(self.settings, self.pathway)
        self.server = HttpServer(wsgi_app(app, lambda: health(self.pathway)),
                                 host="127.0.0.1", port=0, threads=4)
        self.server.start()

    def stop(self) -> None:
        """Stop serving and close the database."""
        self.server.stop()
        self.database.close()

    def restart(self) -> None:
        """Stop, reopen everything from disk, and serve again."""
        self.stop()
        self.start()

    def post(self, body: str, content_type: str, timestamp: int | None = None,
             signature: str | None = None, headers: dict[str, str] | None = None
             ) -> tuple[int, str]:
        """POST a signed body to /slack/events; returns (status, response text)."""
        timestamp = int(time.time()) if timestamp is None else timestamp
        request = urllib.request.Request(
            f"{self.server.url}/slack/events", data=body.encode(), method="POST",
            headers={"Content-Type": content_type,
                     "X-Slack-Request-Timestamp": str(timestamp),
                     "X-Slack-Signature": signature or sign(body, timestamp),
                     **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def get(self, path: str) -> tuple[int, str]:
        """GET a path from the server."""
        try:
            with urllib.request.urlopen(f"{self.server.url}{path}", timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def event(self, event: dict[str, Any], event_id: str | None = None,
              retry_num: int | None = None, **kwargs: Any) -> int:
        """Deliver an Events API event_callback; returns the HTTP status."""
        envelope = {"token": "unused", "team_id": TEAM_ID, "api_app_id": "A0PATHWAY",
                    "type": "event_callback", "event": event,
                    "event_id": event_id or f"Ev{next(self._event_ids):08d}",
                    "event_time": int(time.time()), "authorizations": [
                        {"team_id": TEAM_ID, "user_id": "UBOT", "is_bot": True}]}
        headers = ({"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
                   if retry_num is not None else None)
        return self.post(json.dumps(envelope), "application/json", headers=headers, **kwargs)[0]

    def probe(self, text: str) -> Reply:
        """What the core answers to text, without touching anyone's state."""
        return self.pathway.respond(TEAM_ID, "UPROBE", text, private=False)

    def dm(self, text: str, user: str = "U1", **kwargs: Any) -> int:
        """A user's direct message to the bot."""
        return self.event({"type": "message", "channel_type": "im", "channel": f"D{user}",
                           "user": user, "text": text, "ts": f"{time.time():.6f}"}, **kwargs)

    def command(self, command: str, text: str = "", user: str = "U1",
                response_url: str = "", channel: str = "C1") -> int:
        """A slash command, as Slack posts it."""
        form = {"token": "unused", "team_id": TEAM_ID, "team_domain": "test",
                "channel_id": channel, "channel_name": "general", "user_id": user,
                "user_name": "someone", "command": command, "text": text,
                "api_app_id": "A0PATHWAY", "response_url": response_url,
                "trigger_id": "1.2.trigger"}
        return self.post(urlencode(form), "application/x-www-form-urlencoded")[0]

    def action(self, action: dict[str, Any], container: dict[str, Any], user: str = "U1",
               **extra: Any) -> int:
        """A block_actions interaction with one action, from a message or a view."""
        payload = {"type": "block_actions", "team": {"id": TEAM_ID, "domain": "test"},
                   "user": {"id": user, "team_id": TEAM_ID}, "api_app_id": "A0PATHWAY",
                   "token": "unused", "trigger_id": "1.2.trigger", "container": container,
                   "actions": [{"action_ts": f"{time.time():.6f}", **action}], **extra}
        return self.post(urlencode({"payload": json.dumps(payload)}),
                         "application/x-www-form-urlencoded")[0]

    def submit_view(self, view: dict[str, Any], answers: dict[str, Any], user: str = "U1"
                    ) -> tuple[int, dict[str, Any]]:
        """Submit a modal the bot opened, filled in with answers by block id.

        Returns the HTTP status and the parsed response body ({} for a plain ack).
        """
        submitted = {"id": "VMODAL", "type": "modal", "team_id": TEAM_ID,
                     "callback_id": view["callback_id"],
                     "private_metadata": view.get("private_metadata", ""),
                     "state": {"values": view_state(view, answers)}, "hash": "1.hash"}
        payload = {"type": "view_submission", "team": {"id": TEAM_ID, "domain": "test"},
                   "user": {"id": user, "team_id": TEAM_ID}, "api_app_id": "A0PATHWAY",
                   "token": "unused", "trigger_id": "1.2.trigger", "view": submitted}
        status, text = self.post(urlencode({"payload": json.dumps(payload)}),
                                 "application/x-www-form-urlencoded")
        return status, json.loads(text) if text.strip() else {}


def view_state(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """A modal's state.values as Slack sends them: every input, empty where not answered.

    A text input takes the string typed, a select the chosen option's value, checkboxes
    True to tick every box.
    """
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element, answer = block["element"], answers.get(block["block_id"])
        state: dict[str, Any] = {"type": element["type"]}
        if element["type"] == "plain_text_input":
            state["value"] = answer
        elif element["type"] == "static_select":
            state["selected_option"] = next(
                (o for o in element["options"] if o["value"] == answer), None)
        elif element["type"] == "checkboxes":
            state["selected_options"] = element["options"] if answer else []
        values[block["block_id"]] = {element["action_id"]: state}
    return values



@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A fake Slack Web API on 127.0.0.1 that records calls."""
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def slack_settings(tmp_path: Path, fake_slack: FakeSlack) -> Settings:
    """HTTP-mode settings pointed at the fake API and a temporary data directory."""
    return Settings(bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET,
                    api_url=fake_slack.api_url, data_dir=tmp_path / "data",
                    knowledge_dir=knowledge_dir(), port=0)


@pytest.fixture(scope="session")
def slack_knowledge() -> KnowledgeHolder:
    """The knowledge base the Slack tests use, loaded once."""
    return KnowledgeHolder(knowledge_dir())


@pytest.fixture
def slack_bot(slack_settings: Settings, slack_knowledge: KnowledgeHolder) -> Iterator[SlackBot]:
    """The real app served by waitress on loopback, talking to the fake API."""
    bot = SlackBot(slack_settings, slack_knowledge)
    yield bot
    bot.stop()


def warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Every record at WARNING or above, from any logger but waitress's queue: its "Task
    queue depth" says the test machine is busy, not that a request was mishandled."""
    return [record for record in caplog.records if record.levelno >= logging.WARNING
            and record.name != "waitress.queue"]
