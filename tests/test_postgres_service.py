"""Pathway itself on PostgreSQL: PATHWAY_DATABASE_URL chooses it, checked at start-up, and two
processes with separate data directories share one user's state through it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from postgres_server import PostgresServer, running_server

from bot.service.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    with running_server() as running:
        yield running


def chat(lines: list[str], environ: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "run_bot.py"), "chat", "--user", "nia"],
                          input="\n".join([*lines, "quit"]) + "\n", capture_output=True,
                          text=True, env=environ, timeout=120, cwd=cwd)


def test_two_processes_with_their_own_data_dirs_share_state_through_postgres(
        server: PostgresServer, tmp_path: Path) -> None:
    url = server.new_database()
    key = tmp_path / "shared" / "question-log.key"
    base = {**os.environ, "PATHWAY_DATABASE_URL": url, "PATHWAY_LOG_KEY_FILE": str(key)}
    first = chat(["stage prototype", "tick 1"],
                 {**base, "PATHWAY_DATA_DIR": str(tmp_path / "a")}, tmp_path)
    assert first.returncode == 0, first.stderr
    second = chat(["me"], {**base, "PATHWAY_DATA_DIR": str(tmp_path / "b")}, tmp_path)
    assert second.returncode == 0, second.stderr
    assert "Stage: Prototype and test" in second.stdout
    assert "Checklist ticks: 1" in second.stdout
    assert not (tmp_path / "b" / "pathway.sqlite").exists()  # nothing went to SQLite
    password = url.split("://", 1)[1].split("@", 1)[0].partition(":")[2]
    assert not password or password not in first.stdout + first.stderr + second.stderr


def test_an_unreachable_database_is_a_clear_start_up_error(tmp_path: Path) -> None:
    environ = {**os.environ, "PATHWAY_DATA_DIR": str(tmp_path / "data"),
               "PATHWAY_LOG_KEY_FILE": str(tmp_path / "key"),
               "PATHWAY_DATABASE_URL": "postgresql://pathway:s3cret-pw@127.0.0.1:1/pathway"}
    result = chat(["hello"], environ, tmp_path)
    assert result.returncode != 0
    assert "s3cret-pw" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("environ", "message"), [
    ({"PATHWAY_DATABASE_URL": "mysql://x@y/z", "PATHWAY_LOG_KEY_FILE": "/k"}, "postgresql://"),
    ({"PATHWAY_DATABASE_URL": "postgresql://u:pw-secret@h/db"}, "PATHWAY_LOG_KEY_FILE"),
])
def test_the_database_url_is_checked_and_never_echoed(environ: dict[str, str],
                                                       message: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings("local", environ, env_file=None)
    assert message in str(raised.value)
    assert "pw-secret" not in str(raised.value)


def test_no_url_keeps_the_embedded_store() -> None:
    settings = load_settings("local", {"PATHWAY_DATA_DIR": "/tmp/x"}, env_file=None)
    assert settings.database_url is None and "database_url" not in repr(settings)
