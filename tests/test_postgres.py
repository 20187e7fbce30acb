"""The store's behaviours on both backends (SQLite and a real PostgreSQL), and PostgreSQL's own.

Every ``database`` test runs twice: on the SQLite file and on a fresh database of a real
PostgreSQL server (tests/postgres_server.py) started for this run. Nothing is mocked.
Without the server binaries the PostgreSQL cases skip saying why, except under CI=true.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from postgres_server import PostgresServer, running_server

from bot.core.referral import Redraw, ReferralForm
from bot.core.replies import Asked
from bot.core.user import UserState
from bot.store.backends import is_postgres_url, open_database
from bot.store.database import Database, StateError, StoreUnavailable
from bot.store.events import EventLedger
from bot.store.postgres import MIGRATIONS
from bot.store.questions import QuestionLog
from bot.store.referrals import ReferralStore
from bot.store.users import UserStore
from tests.conftest import in_processes

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the session (each test gets its own database in it)."""
    with running_server() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a fresh state database lives: a SQLite path, or a new PostgreSQL database's URL."""
    if request.param == "sqlite":
        return str(tmp_path / "pathway.sqlite")
    return request.getfixturevalue("pg_server").new_database()


@pytest.fixture
def database(target: str) -> Iterator[Any]:
    """The state database at target, on either backend (overrides conftest's SQLite one)."""
    db = open_database(target)
    yield db
    db.close()


@pytest.fixture
def pg_url(pg_server: PostgresServer) -> str:
    """A fresh database on the session's PostgreSQL server."""
    return pg_server.new_database()


def _in_processes(code: str, count: int, tmp_path: Path, target: str,
                  timeout: float = 120, open_at_go: bool = False) -> list[str]:
    """Run ``code`` in ``count`` processes started together, with ``db`` open on target.

    With ``open_at_go``, ``db`` is not opened: the code opens the database itself, once all
    the processes are released together.
    """
    opening = "" if open_at_go else f"db = open_database({target!r})\n"
    prelude = "from bot.store.backends import open_database\nimport bot.store.postgres\n"
    return in_processes(code, count, tmp_path, prelude + opening, timeout, settle=1.0)


def _write_raw(target: str, table: str, key: str, text: str) -> None:
    """Store text that is not JSON, behind the store's back (a damaged record)."""
    if is_postgres_url(target):
        import psycopg

        with psycopg.connect(target, autocommit=True) as conn:
            conn.execute(f'INSERT INTO "{table}" (key, value) VALUES (%s, %s) ON CONFLICT (key) '
                         "DO UPDATE SET value = EXCLUDED.value", (key, text))
    else:
        with sqlite3.connect(target) as conn:
            conn.execute(f'INSERT OR REPLACE INTO "{table}" (key, value) VALUES (?, ?)',
                         (key, text))


def _organisation() -> Any:
    from bot.kb.loader import load_knowledge

    return load_knowledge(ROOT / "tests" / "fixtures" / "kb_engine").organisations[0]


def _field(referral: Any, name: str) -> Any:
    """A field of a referral, whether the store hands out its JSON or a Referral value."""
    return referral[name] if isinstance(referral, dict) else getattr(referral, name)


def _form(n: int = 0) -> ReferralForm:
    return ReferralForm(f"idea {n}", "a problem", "idea", "a health board", "advice")


# --- the Transaction interface, the same on both ---------------------------------------------

def test_a_transaction_reads_writes_and_claims_the_same_on_both(database: Any) -> None:
    with database.transaction() as tx:
        tx.put("meta", "b", {"z": 1, "a": [1.5, None, "\u0000 é ✓"]})
        assert tx.insert_new("meta", "c", 1) is True
        assert tx.insert_new("meta", "c", 2) is False
        assert tx.get("meta", "c") == 1
        assert tx.delete("meta", "c") is True and tx.delete("meta", "c") is False
    with database.reading() as tx:
        assert tx.get("meta", "b") == {"z": 1, "a": [1.5, None, "\u0000 é ✓"]}
        assert list(tx.get("meta", "b")) == ["z", "a"]  # kept as written
        assert tx.get("meta", "missing") is None
        assert tx.items("no_such_table") == [] and tx.count("no_such_table") == 0
        with pytest.raises(RuntimeError, match="reading"):
            tx.put("meta", "x", 1)


def test_keys_are_ordered_and_compared_byte_by_byte_on_both(database: Any) -> None:
    keys = ["b", "B", "a-1", "a_1", "a1", "é", "~", "T1:U1@2026", "T1:U1", "T1:U10@x", "2026Z"]
    with database.transaction() as tx:
        for key in keys:
            tx.put("questions", key, key)
    with database.reading() as tx:
        assert [k for k, _ in tx.items("questions")] == sorted(keys)
        assert [k for k, _ in tx.items("questions", prefix="T1:U1@")] == ["T1:U1@2026"]
        assert [k for k, _ in tx.items("questions", below="a")] == [
            k for k in sorted(keys) if k < "a"]
        assert tx.count("questions") == len(keys)


def test_a_block_that_raises_changes_nothing_not_even_a_new_table(database: Any) -> None:
    with pytest.raises(ZeroDivisionError), database.transaction() as tx:
        tx.put("users", "T1:U1", {"stage": "idea"})
        tx.put("brand_new_table", "k", 1)
        _ = 1 / 0
    with database.reading() as tx:
        assert tx.get("users", "T1:U1") is None
        assert tx.items("brand_new_table") == []
    database.table("brand_new_table")["k"] = 2  # made again on the next write
    assert database.table("brand_new_table").items() == [("k", 2)]


def test_a_damaged_record_is_set_aside_and_the_user_starts_afresh(database: Any,
                                                                  target: str) -> None:
    users = UserStore(database)
    users.save("T1:U2", UserState(stage="spread"))
    _write_raw(target, "users", "T1:U1", '{"stage": "idea", broken')
    assert users.load("T1:U1").stage is None
    assert users.load("T1:U2").stage == "spread"
    users.save("T1:U1", UserState(stage="idea"))
    assert users.load("T1:U1").stage == "idea"
    kept = [v for k, v in database.table("quarantine").items() if k.startswith("T1:U1@")]
    assert kept and kept[0]["raw"] == '{"stage": "idea", broken'


# --- the stores, unchanged, on both -----------------------------------------------------------

def _tick(label: str) -> Any:
    def change(state: UserState) -> tuple[None, UserState]:
        state.ticks.setdefault("idea", []).append(label)
        return None, state
    return change


def test_updates_from_two_threads_are_not_lost(database: Any, target: str) -> None:
    second = open_database(target)  # as a second instance: no Python lock in common
    stores = [UserStore(database), UserStore(second)]

    def tick_many(worker: int) -> None:
        for n in range(25):
            stores[worker].update("T1:U1", _tick(f"{worker}-{n}"))

    threads = [threading.Thread(target=tick_many, args=(w,)) for w in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    second.close()
    ticks = UserStore(database).load("T1:U1").ticks["idea"]
    assert sorted(ticks) == sorted(f"{w}-{n}" for w in range(2) for n in range(25))


def test_updates_from_two_processes_are_not_lost(database: Any, target: str,
                                                 tmp_path: Path) -> None:
    code = (
        "from bot.store.users import UserStore\nusers = UserStore(db)\n"
        "def add(n):\n"
        "    def change(state):\n"
        "        state.ticks.setdefault('idea', []).append(f'{sys.argv[1]}-{n}')\n"
        "        return None, state\n"
        "    return change\n"
        "for n in range(30):\n"
        "    users.update('T1:U1', add(n))\n"
    )
    _in_processes(code, 2, tmp_path, target)
    ticks = UserStore(database).load("T1:U1").ticks["idea"]
    assert sorted(ticks) == sorted(f"{w}-{n}" for w in range(2) for n in range(30))


def test_an_event_is_claimed_exactly_once_across_processes(database: Any, target: str,
                                                           tmp_path: Path) -> None:
    code = (
        "from bot.store.events import EventLedger\nledger = EventLedger(db)\n"
        "print(','.join(f'Ev{n}' for n in range(50) if ledger.claim(f'Ev{n}')))\n"
    )
    won = [out.strip().split(",") for out in _in_processes(code, 2, tmp_path, target)]
    claimed = [event for events in won for event in events if event]
    assert sorted(claimed) == sorted(f"Ev{n}" for n in range(50))
    assert len(EventLedger(database)) == 50


def test_a_referral_delivery_is_claimed_once_across_processes(database: Any, target: str,
                                                              tmp_path: Path) -> None:
    store = ReferralStore(database)
    org = _organisation()
    ids = [_field(store.create(f"T1:U{n}", org, _form(n), consent=True)[0], "id")
           for n in range(6)]
    code = (
        "from bot.store.referrals import ReferralStore\nstore = ReferralStore(db)\n"
        f"won = [i for i in {ids!r} if store.claim_delivery(i, by=sys.argv[1])]\n"
        "for i in won:\n"
        "    store.mark_delivered(i, {'channel': 'C1', 'by': sys.argv[1]})\n"
        "print(','.join(won))\n"
    )
    won = [out.strip().split(",") for out in _in_processes(code, 2, tmp_path, target)]
    claimed = [i for ids_won in won for i in ids_won if i]
    assert sorted(claimed) == sorted(ids)
    records = ReferralStore(database).all()
    assert all(_field(r, "status") == "sent" and _field(r, "delivery")["attempts"] == 1
               for r in records)


def test_a_redraw_outlives_forget_me_and_holds_nothing_about_the_user(database: Any) -> None:
    store = ReferralStore(database)
    record, _ = store.create("T1:U1", _organisation(), _form(), consent=True)
    store.mark_delivered(record.id, {"channel": "C1", "ts": "1.1", "label": "#triage"})
    store.keep_redraw(Redraw.of(store.withdraw(record.id, "T1:U1"), "2026-12-02T00:00:00"))
    assert store.forget_user("T1:U1") == 1
    # Delivered after it was forgotten: the caller is told, to take the post down.
    assert store.mark_delivered(record.id, {"channel": "C1", "ts": "1.2"}) is None
    [redraw] = store.redraws()
    assert (redraw.referral_id, redraw.channel, redraw.ts) == (record.id, "C1", "1.1")
    stored = json.dumps(redraw.to_json())
    assert "U1" not in stored and "T1" not in stored and record.summary not in stored
    store.redrawn(redraw)
    assert store.redraws() == []


def test_the_question_log_records_reports_forgets_and_purges(database: Any,
                                                             tmp_path: Path) -> None:
    log = QuestionLog(database, retention_days=30, key_path=tmp_path / "question-log.key")
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=40)
    log.record("T1:U1", Asked("how do I get funding?", None, 0.0, None, 0.0), now=old)
    log.record("T1:U1", Asked("ethics approval?", None, 0.0, None, 0.0))
    log.record("T1:U2", Asked("who can help?", None, 0.0, None, 0.0))
    assert [row["text"] for row in log.rows()] == [
        "how do I get funding?", "ethics approval?", "who can help?"]
    assert [row["text"] for row in log.rows(days=7)] == ["ethics approval?", "who can help?"]
    assert log.purge() == 1
    assert log.forget_user("T1:U1") == 1
    assert [row["text"] for row in log.rows()] == ["who can help?"]


def test_forget_user_removes_them_from_every_store_in_one_transaction(
        database: Any, tmp_path: Path) -> None:
    users, referrals = UserStore(database), ReferralStore(database)
    log = QuestionLog(database, key_path=tmp_path / "question-log.key")
    ledger = EventLedger(database)
    users.save("T1:U1", UserState(stage="idea"))
    users.save("T1:U2", UserState(stage="adopt"))
    _write_raw_via(database, "quarantine", "T1:U1@2026-01-01", {"key": "T1:U1", "raw": "x"})
    referrals.create("T1:U1", _organisation(), _form(), consent=True)
    log.record("T1:U1", Asked("where do I start?", None, 0.0, None, 0.0))
    assert ledger.claim("EvHELD", hold={"team_id": "T1", "event": {"user": "U1", "text": "hi"}})
    with database.transaction() as tx:
        UserStore.delete_in(tx, "T1:U1")
        assert referrals.forget_user("T1:U1", tx) == 1
        assert log.forget_user("T1:U1", tx) == 1
        assert ledger.forget_user(tx, "T1", "U1") == 1
    database.checkpoint()
    assert users.peek("T1:U1") is None and users.load("T1:U2").stage == "adopt"
    assert database.table("quarantine").keys() == []
    assert referrals.for_user("T1:U1") == [] and log.rows() == []
    assert ledger.held() == 0 and len(ledger) == 1  # the claim stays, the text does not


def _write_raw_via(database: Any, table: str, key: str, value: Any) -> None:
    with database.transaction() as tx:
        tx.put(table, key, value)


# --- PostgreSQL's own: start-up, outages, secrets ----------------------------------------------

def test_instances_starting_together_apply_the_schema_once(pg_url: str, tmp_path: Path) -> None:
    import psycopg

    code = (  # four threads in each of three processes open the fresh database at once
        "import threading\nversions = []\n"
        f"def start():\n    versions.append(open_database({pg_url!r}).schema_version())\n"
        "threads = [threading.Thread(target=start) for _ in range(4)]\n"
        "for thread in threads: thread.start()\n"
        "for thread in threads: thread.join()\n"
        "print(versions)\n")
    outputs = _in_processes(code, 3, tmp_path, pg_url, open_at_go=True)
    newest = len(MIGRATIONS)
    assert [out.strip() for out in outputs] == [str([newest] * 4)] * 3
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT version FROM pathway_schema ORDER BY version").fetchall() \
            == [(version,) for version in range(1, newest + 1)]


def test_a_database_from_a_newer_version_is_refused(pg_url: str) -> None:
    import psycopg

    open_database(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO pathway_schema (version) VALUES (99)")
    with pytest.raises(StateError, match="schema version 99"):
        open_database(pg_url)


def test_a_write_lock_held_by_another_instance_fails_in_time(pg_url: str) -> None:
    import psycopg

    from bot.store.postgres import WRITER_LOCK

    database = open_database(pg_url, busy_seconds=0.5)
    with psycopg.connect(pg_url, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", (WRITER_LOCK,))
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match="busy"):
            UserStore(database).save("T1:U1", UserState(stage="idea"))
        assert time.monotonic() - started < 5
        assert UserStore(database).load("T1:U1").stage is None  # reads do not wait
    UserStore(database).save("T1:U1", UserState(stage="idea"))  # free again
    database.close()


def test_a_wrong_password_is_refused_without_showing_it(pg_server: PostgresServer,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "not-the-Secret-4471"
    with pytest.raises(StateError) as refused:
        open_database(pg_server.url(password=wrong))
    message = str(refused.value)
    assert "password authentication failed" in message and "PATHWAY_DATABASE_URL" in message
    assert wrong not in message and wrong not in caplog.text
    assert pg_server.password not in message


def test_an_outage_is_unavailable_then_the_same_database_works_again(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with running_server() as server:  # its own server: this test stops it
        database = open_database(server.url(), busy_seconds=2)
        users = UserStore(database)
        users.save("T1:U1", UserState(stage="idea"))
        with database.reading() as tx:
            assert tx.get("users", "T1:U1") is not None
            server.stop()
            with pytest.raises(StoreUnavailable) as mid_transaction:
                tx.get("users", "T1:U1")
        with pytest.raises(StoreUnavailable) as while_down:
            users.save("T1:U1", UserState(stage="adopt"))
        for error in (mid_transaction.value, while_down.value):
            assert "nothing was changed" in str(error)
            assert server.password not in str(error)
        server.start()
        recovered = _eventually(lambda: users.save("T1:U1", UserState(stage="adopt")))
        assert users.load("T1:U1").stage == "adopt"
        database.close()
        assert server.password not in caplog.text
    assert recovered < 15, f"took {recovered:.1f} s to recover"


def _eventually(action: Any, within: float = 30.0) -> float:
    """Retry action while the store is unavailable; seconds it took to succeed."""
    started = time.monotonic()
    while True:
        try:
            action()
            return time.monotonic() - started
        except StoreUnavailable:
            if time.monotonic() - started > within:
                raise
            time.sleep(0.2)


def test_open_database_chooses_the_backend(tmp_path: Path, pg_url: str) -> None:
    sqlite_settings = SimpleNamespace(database_path=tmp_path / "pathway.sqlite")
    chosen = open_database(sqlite_settings, environ={})
    assert isinstance(chosen, Database)
    chosen.close()
    from_environ = open_database(sqlite_settings, environ={"PATHWAY_DATABASE_URL": pg_url})
    assert not isinstance(from_environ, Database)
    assert from_environ.schema_version() == len(MIGRATIONS)
    from_environ.close()
    explicit = SimpleNamespace(database_path=tmp_path / "x.sqlite", database_url=None)
    assert isinstance(open_database(explicit, environ={"PATHWAY_DATABASE_URL": pg_url}),
                      Database)
    with pytest.raises(StateError, match="postgresql://"):
        open_database("mysql://user:pw@host/db")
