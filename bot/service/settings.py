"""Settings read from the environment (and a ``.env`` file if present), checked at start-up.

Each mode needs different secrets: Socket Mode needs the bot and app-level tokens, HTTP
mode the bot token and the signing secret, the terminal needs none. A missing or malformed
value raises SettingsError naming the variable; the CLI prints it and exits non-zero.
Secrets never appear in a Settings repr, so they cannot reach a log by accident.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.store.questions import DEFAULT_RETENTION_DAYS

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_PORT = 3000
BUNDLED_KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"

MODES = ("local", "socket", "serve")
_REQUIRED = {
    "local": (),
    "socket": ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"),
    "serve": ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"),
}
_FORMATS = {
    "SLACK_BOT_TOKEN": (re.compile(r"xoxb-[A-Za-z0-9-]+"), "a bot token starting with xoxb-"),
    "SLACK_APP_TOKEN": (re.compile(r"xapp-[A-Za-z0-9-]+"),
                        "an app-level token starting with xapp- (with connections:write)"),
    "SLACK_SIGNING_SECRET": (re.compile(r"[A-Za-z0-9]{16,}"),
                             "the signing secret from Basic Information (letters and digits)"),
}
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it and says how to fix it."""


@dataclass(frozen=True)
class Settings:
    """Everything Pathway reads from its environment."""

    bot_token: str | None = field(default=None, repr=False)
    app_token: str | None = field(default=None, repr=False)
    signing_secret: str | None = field(default=None, repr=False)
    api_url: str = DEFAULT_API_URL
    data_dir: Path = Path("data")
    knowledge_dir: Path = BUNDLED_KNOWLEDGE
    port: int = DEFAULT_PORT
    admins: frozenset[str] = frozenset()
    admin_channel: str | None = None
    triage_channel: str | None = None  # where "Connect me" referrals go by default
    triage_language: str = "both"  # the teams' referral messages: "cy", "en" or "both"
    retention_days: int = DEFAULT_RETENTION_DAYS
    log_key_file: Path | None = None  # the question log's hashing key; default in data_dir
    # PostgreSQL for several instances (postgresql://user:password@host/db); None: SQLite
    database_url: str | None = field(default=None, repr=False)

    @property
    def database_path(self) -> Path:
        """The SQLite file holding user state and seen Slack events."""
        return self.data_dir / "pathway.sqlite"


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE pairs from a .env file; blank lines and # comments are skipped."""
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        found = _ENV_LINE.match(line)
        if found:
            values[found.group(1)] = _unquote(found.group(2))
    return values


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value.split(" #", 1)[0].strip()


def load_settings(mode: str = "local", environ: Mapping[str, str] | None = None,
                  env_file: Path | None = Path(".env")) -> Settings:
    """Read and check the settings a mode needs; the real environment wins over .env."""
    if mode not in MODES:
        raise SettingsError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
    env = {**(read_env_file(env_file) if env_file else {}),
           **(os.environ if environ is None else environ)}
    secrets = {name: _secret(env, name, required=name in _REQUIRED[mode])
               for name in _FORMATS}
    return Settings(
        bot_token=secrets["SLACK_BOT_TOKEN"],
        app_token=secrets["SLACK_APP_TOKEN"],
        signing_secret=secrets["SLACK_SIGNING_SECRET"],
        api_url=_api_url(env.get("SLACK_API_URL", "").strip() or DEFAULT_API_URL),
        data_dir=Path(env.get("PATHWAY_DATA_DIR", "").strip() or "data"),
        knowledge_dir=_knowledge_dir(env.get("PATHWAY_KNOWLEDGE_DIR", "").strip()),
        port=_port(env.get("PORT", "").strip()),
        admins=frozenset(re.split(r"[\s,]+", env.get("PATHWAY_ADMINS", "").strip())) - {""},
        admin_channel=_channel(env, "PATHWAY_ADMIN_CHANNEL"),
        triage_channel=_channel(env, "PATHWAY_TRIAGE_CHANNEL"),
        triage_language=_triage_language(env.get("PATHWAY_TRIAGE_LANGUAGE", "")),
        retention_days=_retention(env.get("PATHWAY_RETENTION_DAYS", "").strip()),
        log_key_file=Path(env["PATHWAY_LOG_KEY_FILE"].strip())
        if env.get("PATHWAY_LOG_KEY_FILE", "").strip() else None,
        database_url=_database_url(env),
    )


def _database_url(env: Mapping[str, str]) -> str | None:
    """PATHWAY_DATABASE_URL, checked; never echoed, since it may hold a password."""
    url = env.get("PATHWAY_DATABASE_URL", "").strip()
    if not url:
        return None
    if not url.lower().startswith(("postgresql://", "postgres://")):
        raise SettingsError("PATHWAY_DATABASE_URL must start with postgresql:// (unset it to "
                            "keep the embedded SQLite store in PATHWAY_DATA_DIR).")
    if not env.get("PATHWAY_LOG_KEY_FILE", "").strip():
        raise SettingsError("PATHWAY_DATABASE_URL needs PATHWAY_LOG_KEY_FILE too: every "
                            "instance must hash the question log with the same key, or "
                            "'forget me' would miss another instance's rows.")
    return url


def _secret(env: Mapping[str, str], name: str, required: bool) -> str | None:
    value = env.get(name, "").strip()
    if not value:
        if required:
            raise SettingsError(f"{name} is not set; it should be {_FORMATS[name][1]}. "
                                "Set it in the environment or in a .env file.")
        return None
    pattern, expected = _FORMATS[name]
    if not pattern.fullmatch(value):
        # Never echo the value: it may be a real secret pasted into the wrong variable.
        raise SettingsError(f"{name} is malformed; it should be {expected}.")
    return value


def _api_url(value: str) -> str:
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
        raise SettingsError("SLACK_API_URL is malformed; it should be an http(s) URL such as "
                            f"{DEFAULT_API_URL}")
    return value if value.endswith("/") else value + "/"


def _knowledge_dir(value: str) -> Path:
    path = Path(value) if value else BUNDLED_KNOWLEDGE
    if not path.is_dir():
        raise SettingsError(f"PATHWAY_KNOWLEDGE_DIR is {path}, which is not a directory.")
    return path


def _port(value: str) -> int:
    if not value:
        return DEFAULT_PORT
    if not value.isdigit() or not 0 <= int(value) <= 65535:
        raise SettingsError(f"PORT is {value!r}; it should be a number from 0 to 65535.")
    return int(value)


def _channel(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    if not value:
        return None
    if not re.fullmatch(r"[CG][A-Z0-9]{8,12}", value):
        raise SettingsError(f"{name} is {value!r}; it should be a Slack channel "
                            "id such as C0123456789 (channel details, at the bottom).")
    return value


def _triage_language(value: str) -> str:
    value = value.strip().lower() or "both"
    if value not in ("cy", "en", "both"):
        raise SettingsError(f"PATHWAY_TRIAGE_LANGUAGE is {value!r}; it should be cy, en or "
                            "both (Welsh and English side by side, the default).")
    return value


def _retention(value: str) -> int:
    if not value:
        return DEFAULT_RETENTION_DAYS
    if not value.isdigit() or not 1 <= int(value) <= 3650:
        raise SettingsError(f"PATHWAY_RETENTION_DAYS is {value!r}; it should be a number of "
                            "days from 1 to 3650.")
    return int(value)
