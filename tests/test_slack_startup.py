"""Starting the Slack bot: settings checks, Socket Mode handler, the serve command end to end."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fake_slack import REJECTED_TOKEN, SIGNING_SECRET, FakeSlack

from bot.channels.cli import main
from bot.channels.slack.app import build_app, build_socket_handler
from bot.service.settings import Settings, SettingsError
from bot.store.database import Database

if TYPE_CHECKING:
    from slack_fixtures import SlackBot


ROOT = Path(__file__).resolve().parent.parent
APP_TOKEN = "xapp-1-A111-2222-testapptoken"
SLACK_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No Slack variables and no .env file."""
    for name in SLACK_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


@pytest.mark.parametrize(("command", "environ", "named"), [
    (["socket"], {}, "SLACK_BOT_TOKEN"),
    (["socket"], {"SLACK_BOT_TOKEN": "xoxb-1-2-3"}, "SLACK_APP_TOKEN"),
    (["socket"], {"SLACK_BOT_TOKEN": "xoxb-1-2-3", "SLACK_APP_TOKEN": "xoxb-1-2"},
     "SLACK_APP_TOKEN is malformed"),
    (["serve"], {"SLACK_BOT_TOKEN": "xoxb-1-2-3"}, "SLACK_SIGNING_SECRET"),
    (["serve", "--port", "8000"], {"SLACK_BOT_TOKEN": "not-a-token",
                                   "SLACK_SIGNING_SECRET": SIGNING_SECRET},
     "SLACK_BOT_TOKEN is malformed"),
])
def test_cli_names_the_missing_or_malformed_setting(
        clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        command: list[str], environ: dict[str, str], named: str) -> None:
    for name, value in environ.items():
        clean_env.setenv(name, value)
    assert main(command) == 2
    error = capsys.readouterr().err
    assert named in error
    assert "Traceback" not in error
    assert error.count("\n") == 1


def test_socket_mode_handler_is_built_without_connecting(
        slack_settings: Settings, fake_slack: FakeSlack, tmp_path: Path) -> None:
    settings = replace(slack_settings, app_token=APP_TOKEN, signing_secret=None)
    database = Database(tmp_path / "socket.sqlite")
    try:
        from bot.service import KnowledgeHolder, Pathway

        pathway = Pathway(KnowledgeHolder(settings.knowledge_dir), database)
        handler = build_socket_handler(settings, build_app(settings, pathway))
        assert handler.client.app_token == APP_TOKEN
        assert handler.client.web_client.base_url == fake_slack.api_url
        assert handler.app.client.token == settings.bot_token
        assert fake_slack.find("auth.test")  # the bot token was checked at start-up
        assert not fake_slack.find("apps.connections.open")  # and nothing connected
        with pytest.raises(SettingsError, match="SLACK_APP_TOKEN"):
            build_socket_handler(replace(settings, app_token=None), handler.app)
    finally:
        database.close()


def test_rejected_bot_token_is_a_clear_settings_error(
        slack_bot: SlackBot, slack_settings: Settings) -> None:
    settings = replace(slack_settings, bot_token=REJECTED_TOKEN)
    with pytest.raises(SettingsError, match=r"SLACK_BOT_TOKEN \(invalid_auth\)"):
        build_app(settings, slack_bot.pathway)


def test_unreachable_api_is_a_clear_settings_error(slack_bot: SlackBot,
                                                   slack_settings: Settings) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/api/"
    settings = replace(slack_settings, api_url=dead)
    with pytest.raises(SettingsError, match="SLACK_API_URL"):
        build_app(settings, slack_bot.pathway)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_command_starts_waitress_and_keeps_secrets_out_of_logs(
        fake_slack: FakeSlack, slack_settings: Settings, tmp_path: Path) -> None:
    port = free_port()
    environ = {**os.environ, "SLACK_BOT_TOKEN": slack_settings.bot_token,
               "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake_slack.api_url,
               "PATHWAY_DATA_DIR": str(tmp_path / "data"), "PATHWAY_LOG_LEVEL": "DEBUG",
               "PATHWAY_KNOWLEDGE_DIR": str(slack_settings.knowledge_dir)}
    process = subprocess.Popen([sys.executable, "-m", "bot.channels.cli", "serve",
                                "--port", str(port)],
                               cwd=tmp_path, env=environ, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        body = poll_health(f"http://127.0.0.1:{port}/healthz", process)
        assert '"status": "ok"' in body
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert "waitress" in output.lower() or "listening" in output.lower()
    assert slack_settings.bot_token not in output
    assert SIGNING_SECRET not in output
    # The validated load is kept for the next start (bot/kb/load_cache.py).
    assert (tmp_path / "data" / "knowledge-load.json").is_file()


def poll_health(url: str, process: subprocess.Popen, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read().decode()
        except OSError:
            time.sleep(0.1)
    raise AssertionError("serve did not answer /healthz in time")
