"""Settings: read from the environment and .env, checked with a message naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.service.settings import (
    BUNDLED_KNOWLEDGE,
    DEFAULT_API_URL,
    SettingsError,
    load_settings,
    read_env_file,
)

BOT = "xoxb-123-456-abcdef"
APP = "xapp-1-A1-123-abcdef"
SECRET = "0123456789abcdef0123456789abcdef"


def load(mode: str, **environ: str):
    return load_settings(mode, environ=environ, env_file=None)


def test_defaults_for_the_terminal_need_no_secrets() -> None:
    settings = load("local")
    assert settings.api_url == DEFAULT_API_URL
    assert settings.data_dir == Path("data")
    assert settings.knowledge_dir == BUNDLED_KNOWLEDGE
    assert settings.port == 3000
    assert settings.database_path == Path("data") / "pathway.sqlite"


@pytest.mark.parametrize(("mode", "environ", "named"), [
    ("socket", {}, "SLACK_BOT_TOKEN"),
    ("socket", {"SLACK_BOT_TOKEN": BOT}, "SLACK_APP_TOKEN"),
    ("serve", {"SLACK_BOT_TOKEN": BOT}, "SLACK_SIGNING_SECRET"),
    ("serve", {"SLACK_SIGNING_SECRET": SECRET}, "SLACK_BOT_TOKEN"),
    ("serve", {"SLACK_BOT_TOKEN": "  ", "SLACK_SIGNING_SECRET": SECRET}, "SLACK_BOT_TOKEN"),
])
def test_missing_settings_are_named(mode: str, environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=f"^{named} is not set"):
        load(mode, **environ)


@pytest.mark.parametrize(("name", "value"), [
    ("SLACK_BOT_TOKEN", "xapp-looks-like-an-app-token"),
    ("SLACK_BOT_TOKEN", "xoxp-a-user-token"),
    ("SLACK_APP_TOKEN", BOT),
    ("SLACK_SIGNING_SECRET", "short"),
    ("SLACK_SIGNING_SECRET", "has spaces in it and more"),
    ("SLACK_API_URL", "slack.com/api"),
    ("SLACK_API_URL", "ftp://slack.com/api/"),
    ("PORT", "eighty"),
    ("PORT", "70000"),
    ("PATHWAY_KNOWLEDGE_DIR", "/no/such/directory"),
    ("PATHWAY_ADMIN_CHANNEL", "#admins"),
    ("PATHWAY_TRIAGE_CHANNEL", "#triage"),
    ("PATHWAY_TRIAGE_CHANNEL", "U0123456789"),
])
def test_malformed_settings_are_named_without_echoing_secrets(name: str, value: str) -> None:
    environ = {"SLACK_BOT_TOKEN": BOT, "SLACK_APP_TOKEN": APP, "SLACK_SIGNING_SECRET": SECRET,
               name: value}
    with pytest.raises(SettingsError, match=f"^{name} ") as raised:
        load("serve", **environ)
    if name.startswith("SLACK_") and name != "SLACK_API_URL":
        assert value not in str(raised.value)


def test_valid_settings_for_each_mode(tmp_path: Path) -> None:
    settings = load("socket", SLACK_BOT_TOKEN=BOT, SLACK_APP_TOKEN=APP,
                    SLACK_API_URL="http://127.0.0.1:9000/api", PORT="8080",
                    PATHWAY_DATA_DIR=str(tmp_path), PATHWAY_KNOWLEDGE_DIR=str(tmp_path))
    assert (settings.bot_token, settings.app_token) == (BOT, APP)
    assert settings.api_url == "http://127.0.0.1:9000/api/"
    assert settings.port == 8080
    assert settings.data_dir == settings.knowledge_dir == tmp_path
    assert load("serve", SLACK_BOT_TOKEN=BOT, SLACK_SIGNING_SECRET=SECRET).signing_secret == SECRET


def test_channels_are_optional_and_read_when_set() -> None:
    assert load("local").triage_channel is None
    settings = load("local", PATHWAY_TRIAGE_CHANNEL=" C0TRIAGE01 ",
                    PATHWAY_ADMIN_CHANNEL="G0ADMIN001")
    assert settings.triage_channel == "C0TRIAGE01"
    assert settings.admin_channel == "G0ADMIN001"


def test_secrets_never_appear_in_repr() -> None:
    settings = load("serve", SLACK_BOT_TOKEN=BOT, SLACK_SIGNING_SECRET=SECRET,
                    SLACK_APP_TOKEN=APP)
    assert BOT not in repr(settings) and SECRET not in repr(settings) and APP not in repr(settings)


def test_env_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"""
# Slack
export SLACK_BOT_TOKEN="{BOT}"
SLACK_SIGNING_SECRET='{SECRET}'
PORT=4000  # comment
""")
    assert read_env_file(env_file)["PORT"] == "4000"
    settings = load_settings("serve", environ={"PORT": "5000"}, env_file=env_file)
    assert settings.bot_token == BOT
    assert settings.signing_secret == SECRET
    assert settings.port == 5000


def test_missing_env_file_is_fine(tmp_path: Path) -> None:
    assert read_env_file(tmp_path / ".env") == {}


def test_unknown_mode() -> None:
    with pytest.raises(SettingsError, match="unknown mode"):
        load("carrier-pigeon")
