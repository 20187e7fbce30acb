"""The embedded store across threads and processes, damaged data, start-up checks, privacy."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.channels.outbox import OutboxDeliverer
from bot.core.referral import ReferralForm
from bot.core.replies import Asked
from bot.core.user import UserState
from bot.kb.model import Organisation
from bot.service import KnowledgeHolder, Pathway
from bot.store.database import Database, StateError, StoreUnavailable
from bot.store.events import EventLedger
from bot.store.questions import KEY_FILE_NAME, QuestionLog
from bot.store.referrals import ReferralStore
from bot.store.users import UserStore
from tests.conftest import in_processes

ROOT = Path(__file__).resolve().parent.parent
RUN_BOT = str(ROOT / "run_bot.py")


def _in_processes(code: str, count: int, tmp_path: Path, timeout: float = 120) -> list[str]:
    """Run ``code`` in ``count`` Python processes started together; return their stdout."""
    return in_processes(code, count, tmp_path, timeout=timeout)


def test_updates_from_several_processes_are_not_lost(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    Database(path).close()
    code = (
        "from bot.store.users import UserStore\nfrom bot.store.database import Database\n"
        f"users = UserStore(Database({str(path)!r}))\n"
        "def add(n):\n"
        "    def change(state):\n"
        "        state.ticks.setdefault('idea', []).append(f'{sys.argv[1]}-{n}')\n"
        "        return None, state\n"
        "    return change\n"
        "for n in range(40):\n"
        "    users.update('T1:U1', add(n))\n"
    )
    _in_processes(code, 3, tmp_path)
    ticks = UserStore(Database(path)).load("T1:U1").ticks["idea"]
    assert sorted(ticks) == sorted(f"{w}-{n}" for w in range(3) for n in range(40))


def test_two_terminals_of_one_user_keep_every_tick(tmp_path: Path) -> None:
    """The reported fault: two `ask --user u -` processes ticking different items."""
    env = {**os.environ, "PATHWAY_DATA_DIR": str(tmp_path / "data")}
    stages = {"prototype": range(1, 6), "evaluate": range(1, 6), "adopt": range(1, 6)}
    lines = [f"tick {stage} {n}" for stage, numbers in stages.items() for n in numbers]
    halves = (lines[0::2], lines[1::2])
    workers = [subprocess.Popen([sys.executable, RUN_BOT, "ask", "--user", "u", "-"],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, env=env) for _ in halves]
    for pair in itertools.zip_longest(*halves):  # both terminals type at once
        for worker, line in zip(workers, pair, strict=True):
            if line is not None:
                worker.stdin.write(line + "\n")
                worker.stdin.flush()
    for worker in workers:
        _, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
    stored = UserStore(Database(tmp_path / "data" / "pathway.sqlite")).load("local:u")
    assert {stage: len(items) for stage, items in stored.ticks.items()} == {
        stage: 5 for stage in stages}


def test_an_event_is_claimed_once_across_processes(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    Database(path).close()
    code = (
        "from bot.store.database import Database\nfrom bot.store.events import EventLedger\n"
        f"ledger = EventLedger(Database({str(path)!r}))\n"
        "print(sum(ledger.claim(f'Ev{n}') for n in range(60)))\n"
    )
    won = [int(out) for out in _in_processes(code, 3, tmp_path)]
    assert sum(won) == 60


def _organisation() -> Organisation:
    from bot.kb.loader import load_knowledge

    return load_knowledge(ROOT / "tests" / "fixtures" / "kb_engine").organisations[0]


def test_a_pending_referral_is_delivered_once_by_racing_processes(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    database = Database(path)
    store = ReferralStore(database)
    org = _organisation()
    for n in range(8):
        form = ReferralForm(f"idea {n}", "a problem", "idea", "a health board", "advice")
        store.create(f"T1:U{n}", org, form, consent=True)
    database.close()
    outbox = tmp_path / "outbox.jsonl"
    code = (
        "from bot.channels.outbox import OutboxDeliverer\nfrom bot.service import KnowledgeHolder, "
        "Pathway\nfrom bot.store.database import Database\nfrom pathlib import Path\n"
        f"pathway = Pathway(KnowledgeHolder({str(ROOT / 'tests/fixtures/kb_engine')!r}), "
        f"Database({str(path)!r}), "
        f"deliverer=OutboxDeliverer(Path({str(path.parent / 'outbox.jsonl')!r})))\n"
        "print(len(pathway.deliver_pending()))\n"
    )
    sent = [int(out) for out in _in_processes(code, 3, tmp_path)]
    posted = [json.loads(line) for line in outbox.read_text().splitlines()]
    assert sum(sent) == 8
    assert sorted(p["id"] for p in posted) == sorted({p["id"] for p in posted})
    assert len(posted) == 8
    assert all(r.status == "sent" for r in ReferralStore(Database(path)).all())


def test_a_claimed_delivery_is_left_alone_until_its_claim_lapses(database: Database) -> None:
    store = ReferralStore(database)
    form = ReferralForm("idea", "a problem", "idea", "a health board", "advice")
    record, _ = store.create("T1:U1", _organisation(), form, consent=True)
    assert store.claim_delivery(record.id, by="a", now=1000.0) is not None
    assert store.claim_delivery(record.id, by="b", now=1001.0) is None
    assert store.claim_delivery(record.id, by="b", now=1000.0 + 121) is not None


def _write_raw(path: Path, table: str, key: str, value: bytes) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(f'INSERT OR REPLACE INTO "{table}" (key, value) VALUES (?, ?)',
                     (key, value))


def test_a_record_that_is_not_utf8_is_set_aside_and_everyone_else_served(
        database: Database) -> None:
    users = UserStore(database)
    users.save("T1:U2", UserState(stage="spread"))
    # Stored as TEXT, so SQLite hands it back as text: the bytes are not valid UTF-8.
    with sqlite3.connect(database.path) as conn:
        conn.execute("INSERT OR REPLACE INTO users (key, value) VALUES (?, CAST(? AS TEXT))",
                     ("T1:U1", b'{"stage": "\xff\xfe"}'))
    finished = []

    def use_the_store() -> None:
        assert users.load("T1:U1").stage is None
        assert users.load("T1:U2").stage == "spread"
        users.save("T1:U1", UserState(stage="idea"))
        finished.append(users.load("T1:U1").stage)

    worker = threading.Thread(target=use_the_store)
    worker.start()
    worker.join(timeout=30)
    assert finished == ["idea"], "a store call hung or failed after a damaged record"
    kept = [v for k, v in database.table("quarantine").items() if k.startswith("T1:U1@")]
    assert kept and "stage" in kept[0]["raw"]


def test_a_write_lock_held_elsewhere_fails_in_time_instead_of_hanging(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    database = Database(path, busy_seconds=0.3)
    holder = sqlite3.connect(path, isolation_level=None)  # another process takes the lock
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match="busy"):
            UserStore(database).save("T1:U1", UserState(stage="idea"))
        assert time.monotonic() - started < 10
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        database.close()


def test_a_damaged_database_is_refused_at_start_up_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.execute("CREATE TABLE t(a)")
        conn.execute("INSERT INTO t VALUES (NULL)")
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute("UPDATE sqlite_master SET sql = 'CREATE TABLE t(a NOT NULL)' "
                     "WHERE name = 't'")
    with pytest.raises(StateError, match="quick_check") as error:
        Database(path)
    assert str(path) in str(error.value) and "backup" in str(error.value)


def _ask(env: dict[str, str], *words: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, RUN_BOT, "ask", *words], capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=120)


def test_a_data_directory_that_cannot_be_created_stops_start_up_clearly(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = _ask({"PATHWAY_DATA_DIR": str(blocker / "data")}, "hello")
    assert result.returncode == 2
    assert f"cannot create the data directory {blocker / 'data'}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(os.geteuid() == 0 and not shutil.which("chattr"),
                    reason="as root, only an immutable file (chattr) is read-only")
def test_a_read_only_database_stops_start_up_clearly(tmp_path: Path) -> None:
    data = tmp_path / "data"
    Database(data / "pathway.sqlite").close()
    os.chmod(data / "pathway.sqlite", 0o444)
    as_root = os.geteuid() == 0
    if as_root:  # root writes through permissions: make the file immutable instead
        subprocess.run(["chattr", "+i", str(data / "pathway.sqlite")], check=True)
    try:
        result = _ask({"PATHWAY_DATA_DIR": str(data)}, "hello")
    finally:
        if as_root:
            subprocess.run(["chattr", "-i", str(data / "pathway.sqlite")], check=True)
    assert result.returncode == 2, result.stdout
    assert str(data / "pathway.sqlite") in result.stderr
    assert "Traceback" not in result.stderr
    assert "read-only" in result.stderr or "not readable and writable" in result.stderr


def test_question_log_key_is_kept_outside_the_database(tmp_path: Path) -> None:
    database = Database(tmp_path / "p.sqlite")
    log = QuestionLog(database)
    log.record("T1:U1", Asked("how do I get funding?", None, 0.0, None, 0.0))
    key_file = tmp_path / KEY_FILE_NAME
    key_hex = key_file.read_text().strip()
    assert key_file.stat().st_mode & 0o777 == 0o600
    database.close()
    raw = (tmp_path / "p.sqlite").read_bytes()
    assert key_hex.encode() not in raw and b"T1:U1" not in raw
    reopened = QuestionLog(Database(tmp_path / "p.sqlite"))
    assert reopened.forget_user("T1:U1") == 1


def test_a_salt_kept_in_the_database_moves_to_the_key_file(tmp_path: Path) -> None:
    database = Database(tmp_path / "p.sqlite")
    database.table("meta")["question_log_salt"] = "ab" * 16
    log = QuestionLog(database)
    assert (tmp_path / KEY_FILE_NAME).read_text().strip() == "ab" * 16
    assert database.table("meta").get("question_log_salt") is None
    assert log.user_hash("T1:U1") == QuestionLog(database).user_hash("T1:U1")


def test_the_store_overwrites_deleted_text(database: Database) -> None:
    with database.reading() as tx:
        assert tx._conn.execute("PRAGMA secure_delete").fetchone()[0] == 1


def test_forget_me_leaves_no_trace_in_the_database_file(tmp_path: Path) -> None:
    holder = KnowledgeHolder(ROOT / "tests" / "fixtures" / "kb_engine")
    database = Database(tmp_path / "p.sqlite")
    pathway = Pathway(holder, database, deliverer=OutboxDeliverer(tmp_path / "outbox.jsonl"))
    ledger = EventLedger(database)
    body = {"team_id": "T1", "event": {"user": "U1", "text": "zebra-unicorn-4471 held"}}
    assert ledger.claim("EvHELD", hold=body)
    for text in ["zebra-unicorn-4471 where do I start", "stage prototype", "tick 1"]:
        pathway.respond("T1", "U1", text)
    pathway.respond("T1", "U1", "forget me")
    pathway.respond("T1", "U1", "yes")
    assert UserStore(database).peek("T1:U1") is None
    assert ledger.held() == 0 and len(ledger) == 1  # the claim stays, the text does not
    database.close()
    for name in os.listdir(tmp_path):
        if name.startswith("p.sqlite"):
            assert b"zebra-unicorn-4471" not in (tmp_path / name).read_bytes(), name


def _held_by(owner: dict | None, at: float) -> dict:
    body = {"team_id": "T1", "event": {"user": "U1", "text": "hello", "channel": "DU1"}}
    return {"at": at, "body": body, **({"owner": owner} if owner else {})}


def test_a_restart_finishes_only_messages_whose_owner_is_gone(database: Database) -> None:
    import socket

    from bot.store.events import TABLE, this_process

    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    dead_pid = int(finished.stdout)
    now = time.time()
    held = database.table(TABLE)
    held["EvMINE"] = _held_by(this_process(), now)  # in flight in this very process
    held["EvDEAD"] = _held_by({"host": socket.gethostname(), "pid": dead_pid, "run": "x"}, now)
    held["EvELSEWHERE"] = _held_by({"host": "another-host", "pid": 1, "run": "y"}, now)
    held["EvSTALE"] = _held_by({"host": "another-host", "pid": 1, "run": "y"}, now - 600)
    held["EvNOBODY"] = _held_by(None, now)
    taken = {event_id for event_id, _ in EventLedger(database).take_unfinished()}
    assert taken == {"EvDEAD", "EvSTALE", "EvNOBODY"}
    assert EventLedger(database).take_unfinished() == []  # taken once, now owned by us


def test_a_new_database_is_readable_by_the_bot_only(tmp_path: Path) -> None:
    Database(tmp_path / "p.sqlite").close()
    assert (tmp_path / "p.sqlite").stat().st_mode & 0o777 == 0o600
