"""`db check` and `db copy`: moving a deployment's state from SQLite to a real PostgreSQL.

A SQLite database is filled the way the bot fills it (a conversation, a referral, held and
seen Slack events, a damaged record set aside), copied into a fresh database of a real
PostgreSQL server (tests/postgres_server.py), and served from there. Nothing is mocked.
Without the server binaries these tests skip saying why, except under CI=true.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from postgres_server import PostgresServer, running_server

from bot.core.referral import ReferralForm
from bot.kb.loader import load_knowledge
from bot.service import KnowledgeHolder, Pathway
from bot.store.backends import open_database
from bot.store.copy import check_target, copy_database
from bot.store.database import StateError
from bot.store.events import EventLedger
from bot.store.referrals import ReferralStore
from bot.store.users import UserStore

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
# Stored as written, not as the store would write it today: the copy must keep it so.
ODD_JSON = '{"b": 1,  "a": "ŵ \\u0000 ✓"}'


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for this module (each test takes a fresh database in it)."""
    with running_server() as running:
        yield running


@pytest.fixture(scope="module")
def holder() -> KnowledgeHolder:
    """The bundled knowledge base, loaded once."""
    return KnowledgeHolder(KNOWLEDGE)


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    """The question log's key, which moves with the deployment."""
    return tmp_path / "question-log.key"


@pytest.fixture
def source(tmp_path: Path, holder: KnowledgeHolder, key_file: Path) -> Path:
    """A SQLite state database as a deployment leaves it: every table in use."""
    path = tmp_path / "data" / "pathway.sqlite"
    pathway = Pathway.open(holder, path, log_key_file=key_file)
    for text in ["stage prototype", "tick 1", "do I need ethics approval?", "zzzz qqq"]:
        pathway.respond("local", "nia", text)
    pathway.respond("local", "rhys", "stage evaluate")
    pathway.close()
    organisation = load_knowledge(KNOWLEDGE).organisations[0]
    db = open_database(path)
    ReferralStore(db).create("local:nia", organisation,
                             ReferralForm("an app", "waiting lists", "triage", "a board", "advice"),
                             consent=True)
    ledger = EventLedger(db)
    assert ledger.claim("EvSEEN")
    assert ledger.claim("EvHELD", hold={"team_id": "T1", "event": {"user": "U1", "text": "hi"}})
    db.close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO users (key, value) VALUES ('local:bryn', '{\"stage\": broken')")
        conn.execute("INSERT INTO meta (key, value) VALUES ('odd', ?)", (ODD_JSON,))
    db = open_database(path)
    UserStore(db).load("local:bryn")  # sets the damaged record aside
    db.close()
    return path


def _password(url: str) -> str:
    return url.split("://", 1)[1].split("@", 1)[0].partition(":")[2]


def _run(*args: str, cwd: Path, environ: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess:
    """The CLI as an operator runs it."""
    inherited = {name: value for name, value in os.environ.items()
                 if not name.startswith("PATHWAY_")}
    return subprocess.run([sys.executable, str(ROOT / "run_bot.py"), "db", *args], cwd=cwd,
                          capture_output=True, text=True, env={**inherited, **(environ or {})},
                          timeout=120)


def test_a_sqlite_deployment_copied_to_postgres_serves_the_same_progress(
        source: Path, server: PostgresServer, holder: KnowledgeHolder, key_file: Path) -> None:
    url = server.new_database()
    report = copy_database(source, url)
    assert report.ok, report.summary_lines()
    tables = {t.table: t for t in report.tables}
    assert {"users", "quarantine", "referrals", "questions", "slack_events", "meta"} <= set(tables)
    for table in tables.values():
        assert table.source_rows == table.target_rows
        assert table.source_checksum == table.target_checksum
    assert tables["users"].source_rows == 2 and tables["quarantine"].source_rows == 1
    assert tables["questions"].source_rows == 2 and tables["slack_events"].source_rows == 2
    with psycopg.connect(url) as conn:  # the JSON text exactly as SQLite held it
        assert conn.execute("SELECT value FROM meta WHERE key = 'odd'").fetchone()[0] == ODD_JSON

    pathway = Pathway.open(holder, url, log_key_file=key_file)
    try:
        shown = pathway.respond("local", "nia", "me").text
    finally:
        pathway.close()
    assert "Stage: Prototype and test" in shown
    assert "Checklist ticks: 1" in shown
    assert "Questions you asked: 2" in shown  # the same key file finds the logged questions
    assert "Referrals (Connect me): 1" in shown


def test_copying_twice_copies_nothing_the_second_time(source: Path,
                                                       server: PostgresServer) -> None:
    url = server.new_database()
    first = copy_database(source, url, batch_rows=2)  # several transactions per table
    second = copy_database(source, url)
    assert first.ok and first.copied > 0
    assert second.ok and second.copied == 0
    assert [t.target_checksum for t in second.tables] == [t.target_checksum for t in first.tables]
    assert "ok: 0 row(s) copied" in "\n".join(second.summary_lines())


def test_postgres_copies_back_to_sqlite_byte_for_byte(source: Path, server: PostgresServer,
                                                      tmp_path: Path) -> None:
    url = server.new_database()
    assert copy_database(source, url).ok
    back = tmp_path / "back" / "pathway.sqlite"
    report = copy_database(url, back)
    assert report.ok, report.summary_lines()
    original = {t.table: t.source_checksum for t in copy_database(source, url).tables}
    assert {t.table: t.target_checksum for t in report.tables} == original


def test_a_different_value_in_the_target_is_refused_and_nothing_is_written(
        source: Path, server: PostgresServer) -> None:
    url = server.new_database()
    target = open_database(url)
    target.table("users")["local:nia"] = {"stage": "spread"}
    target.close()
    report = copy_database(source, url)
    assert report.refused and not report.ok
    assert report.conflicts == [("users", "local:nia")]
    assert "local:nia" in "\n".join(report.summary_lines())
    target = open_database(url)
    try:
        assert target.table("users").items() == [("local:nia", {"stage": "spread"})]
        assert len(target.table("referrals")) == 0 and len(target.table("questions")) == 0
    finally:
        target.close()


def test_the_same_database_twice_is_refused(source: Path, server: PostgresServer) -> None:
    with pytest.raises(StateError, match="same database"):
        copy_database(source, source.parent / "." / source.name)
    url = server.new_database()
    spelled_otherwise = url.replace("postgresql://", "postgres://").replace(
        f":{server.password}@", ":another-password@")
    with pytest.raises(StateError, match="same database"):
        copy_database(url, spelled_otherwise)


def test_check_reports_tables_set_aside_users_held_events_and_referrals(source: Path) -> None:
    report = check_target(source)
    assert report.healthy
    assert report.counts["users"] == 2 and report.counts["quarantine"] == 1
    assert [user for user, _ in report.quarantined] == ["local:bryn"]
    assert report.held_events == 1 and report.pending_referrals == 1


@pytest.mark.parametrize("damaged", [
    {"created": "2026-01-01", "user": "local:nia"},
    {"created": "2026-01-01", "updated": 5, "user": "local:nia", "status": "pending"},
    {"created": "2026-01-01", "updated": "2099", "user": "local:nia", "status": "pending",
     "delivery": None},
    ["a", "list"],
])
def test_check_lists_damaged_referrals_as_unreadable(source: Path, damaged: object) -> None:
    db = open_database(source)
    with db.transaction() as tx:
        tx.put("referrals", "RBAD1", damaged)
    db.close()
    report = check_target(source)
    assert report.unreadable == [("referrals", "RBAD1")]
    assert not report.healthy
    assert report.pending_referrals == 1  # the damaged one will never be delivered
    assert "  referrals: RBAD1" in report.summary_lines()


def test_db_check_on_postgres_exits_0_and_never_shows_the_password(
        source: Path, server: PostgresServer, tmp_path: Path) -> None:
    url = server.new_database()
    assert copy_database(source, url).ok
    result = _run("check", url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"state database: postgresql://{server.user}@127.0.0.1:{server.port}/" in result.stdout
    assert "users with damaged records (set aside in quarantine): 1" in result.stdout
    assert "local:bryn" in result.stdout
    assert "held Slack events (waiting for their reply): 1" in result.stdout
    assert "pending referrals (not yet delivered): 1" in result.stdout
    assert result.stdout.rstrip().endswith("healthy")
    assert _password(url) not in result.stdout + result.stderr


def test_db_check_defaults_to_the_configured_database(source: Path, server: PostgresServer,
                                                      tmp_path: Path, key_file: Path) -> None:
    url = server.new_database()
    assert copy_database(source, url).ok
    result = _run("check", cwd=tmp_path, environ={
        "PATHWAY_DATABASE_URL": url, "PATHWAY_LOG_KEY_FILE": str(key_file),
        "PATHWAY_DATA_DIR": str(tmp_path / "elsewhere")})
    assert result.returncode == 0, result.stderr
    assert "users                2 row(s)" in result.stdout
    assert _password(url) not in result.stdout + result.stderr
    on_file = _run("check", cwd=tmp_path, environ={"PATHWAY_DATA_DIR": str(source.parent)})
    assert on_file.returncode == 0, on_file.stderr
    assert f"state database: {source}" in on_file.stdout


def test_db_check_exits_1_on_damage_a_wrong_password_or_no_database(
        server: PostgresServer, tmp_path: Path) -> None:
    url = server.new_database()
    open_database(url).close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO referrals (key, value) VALUES ('r1', 'not json')")
    damaged = _run("check", url, cwd=tmp_path)
    assert damaged.returncode == 1
    assert "referrals: r1" in damaged.stdout and "NOT healthy" in damaged.stdout
    wrong = server.url(url.rsplit("/", 1)[1], password="wrong-secret-pw")
    refused = _run("check", wrong, cwd=tmp_path)
    assert refused.returncode == 1 and "pathway: cannot open" in refused.stderr
    assert "wrong-secret-pw" not in refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr
    missing = _run("check", str(tmp_path / "none.sqlite"), cwd=tmp_path)
    assert missing.returncode == 1 and "no state database at" in missing.stderr
    assert not (tmp_path / "none.sqlite").exists()


def test_db_copy_runs_from_the_command_line(source: Path, server: PostgresServer,
                                            tmp_path: Path) -> None:
    url = server.new_database()
    first = _run("copy", str(source), url, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "every table's count and checksum match" in first.stdout
    again = _run("copy", str(source), url, cwd=tmp_path)
    assert again.returncode == 0 and "ok: 0 row(s) copied" in again.stdout
    assert _password(url) not in first.stdout + first.stderr + again.stdout + again.stderr
    same = _run("copy", url, url, cwd=tmp_path)
    assert same.returncode == 1 and "same database" in same.stderr
    assert _password(url) not in same.stderr
