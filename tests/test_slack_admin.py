"""/pathway-admin in Slack, CSV exports, and reload notices in the admin channel."""

from __future__ import annotations

import csv
import dataclasses
import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fake_slack import FakeSlack

from bot.channels.slack.delivery import web_client
from bot.channels.slack.listeners.admin import reload_notifier
from bot.service import KnowledgeHolder
from bot.service.reloader import KnowledgeWatcher
from bot.service.settings import Settings
from tests.conftest import ENGINE_KB

if TYPE_CHECKING:
    from slack_fixtures import SlackBot


@pytest.fixture
def admin_bot(slack_settings: Settings, slack_knowledge: KnowledgeHolder) -> Iterator[SlackBot]:
    from slack_fixtures import SlackBot

    bot = SlackBot(dataclasses.replace(slack_settings, admins=frozenset({"UADMIN"})),
                   slack_knowledge)
    yield bot
    bot.stop()


def admin_reply(fake: FakeSlack, name: str) -> str:
    [call] = fake.wait_for("response_url", lambda c: c.path.endswith(name))
    return call.dump


def test_non_admins_are_refused(admin_bot: SlackBot, fake_slack: FakeSlack) -> None:
    admin_bot.command("/pathway-admin", "status", user="U1",
                      response_url=fake_slack.response_url("refused"))
    text = admin_reply(fake_slack, "refused")
    assert "only for the Pathway admin team" in text
    assert "Knowledge base: version" not in text


def test_admin_status_and_unanswered(admin_bot: SlackBot, fake_slack: FakeSlack) -> None:
    admin_bot.dm("what is the weather like in Tenby <!channel>")
    fake_slack.wait_for("chat.postMessage")
    admin_bot.command("/pathway-admin", "status", user="UADMIN",
                      response_url=fake_slack.response_url("status"))
    assert "Knowledge base: version" in admin_reply(fake_slack, "status")
    admin_bot.command("/pathway-admin", "unanswered 7", user="UADMIN",
                      response_url=fake_slack.response_url("unanswered"))
    text = admin_reply(fake_slack, "unanswered")
    assert "what is the weather like in Tenby" in text
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text


def test_admin_export_is_uploaded_as_csv(admin_bot: SlackBot, fake_slack: FakeSlack) -> None:
    admin_bot.dm("what is the weather like in Tenby")
    fake_slack.wait_for("chat.postMessage")
    admin_bot.command("/pathway-admin", "export", user="UADMIN",
                      response_url=fake_slack.response_url("export"))
    assert "CSV file is in your direct messages" in admin_reply(fake_slack, "export")
    [upload] = fake_slack.find("file_upload")
    rows = list(csv.DictReader(io.StringIO(upload.params["content"])))
    assert rows[0]["report"] == "unanswered"
    assert rows[0]["question_or_entry"] == "what is the weather like in Tenby"
    [done] = fake_slack.find("files.completeUploadExternal")
    assert done.params["channel_id"] == "DUADMIN"


def test_rejected_edit_is_posted_to_the_admin_channel(tmp_path: Path,
                                                       fake_slack: FakeSlack) -> None:
    kb_dir = tmp_path / "knowledge"
    shutil.copytree(ENGINE_KB, kb_dir)
    holder = KnowledgeHolder(kb_dir)
    client = web_client("xoxb-1111-2222-testtokenvalue", fake_slack.api_url)
    watcher = KnowledgeWatcher(holder, notify=reload_notifier(client, "C0ADMIN001"))
    topics = kb_dir / "topics.yaml"
    topics.write_text(topics.read_text().replace("  stage: prototype", "  stage: <!here>"))
    result = watcher.check_now()
    assert result is not None and not result.ok
    [post] = fake_slack.find("chat.postMessage")
    assert post.params["channel"] == "C0ADMIN001"
    text = post.dump
    assert "edit rejected" in text and "topics.yaml:" in text
    assert "&lt;!here&gt;" in text and "<!here>" not in text


def test_an_admin_who_chose_welsh_gets_admin_replies_in_welsh(admin_bot: SlackBot,
                                                              fake_slack: FakeSlack) -> None:
    admin_bot.dm("Cymraeg", user="UADMIN")
    fake_slack.wait_for("chat.postMessage")
    admin_bot.command("/pathway-admin", "status", user="UADMIN",
                      response_url=fake_slack.response_url("statws"))
    text = admin_reply(fake_slack, "statws")
    assert "Amser ar waith" in text and "Uptime" not in text
