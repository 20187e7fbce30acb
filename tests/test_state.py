"""The state store: JSON only, survives reopening, no lost updates, corrupt data set aside."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from bot.core.user import HISTORY_LIMIT, STATE_VERSION, UserState, migrate
from bot.store.database import Database, StateError
from bot.store.users import UserStore


def test_state_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    db = Database(path)
    users = UserStore(db)
    state = UserState(stage="prototype", ticks={"prototype": ["prototype-ip"]}, last_topic="x")
    users.save("T1:U1", state)
    db.close()

    reopened = UserStore(Database(path))
    loaded = reopened.load("T1:U1")
    assert loaded.stage == "prototype"
    assert loaded.ticks == {"prototype": ["prototype-ip"]}
    assert loaded.last_topic == "x"


def test_values_are_stored_as_json_not_pickle(tmp_path: Path, database: Database) -> None:
    UserStore(database).save("T1:U1", UserState(stage="idea"))
    with sqlite3.connect(database.path) as conn:
        (blob,) = conn.execute("SELECT value FROM users WHERE key = 'T1:U1'").fetchone()
    text = blob.decode() if isinstance(blob, bytes) else blob
    assert json.loads(text)["stage"] == "idea"


def test_history_is_bounded() -> None:
    state = UserState()
    for n in range(HISTORY_LIMIT + 15):
        state.remember(f"message {n} " + "x" * 1000)
    assert len(state.history) == HISTORY_LIMIT
    assert state.history[-1]["text"].startswith(f"message {HISTORY_LIMIT + 14}")
    assert all(len(entry["text"]) <= 500 for entry in state.history)


def test_concurrent_updates_for_one_user_are_not_lost(database: Database) -> None:
    users = UserStore(database)
    key = "T1:U1"

    def add_ticks(worker: int) -> None:
        for n in range(25):
            with users.locked(key):
                state = users.load(key)
                state.ticks.setdefault("idea", []).append(f"{worker}-{n}")
                users.save(key, state)

    threads = [threading.Thread(target=add_ticks, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(users.load(key).ticks["idea"]) == 8 * 25


def test_delete_removes_the_user(database: Database) -> None:
    users = UserStore(database)
    users.save("T1:U1", UserState(stage="idea"))
    users.save("T1:U2", UserState(stage="spread"))
    users.delete("T1:U1")
    assert users.peek("T1:U1") is None
    assert users.load("T1:U2").stage == "spread"


def test_corrupt_record_is_set_aside_not_lost(database: Database) -> None:
    users = UserStore(database)
    users.save("T1:U1", UserState(stage="idea"))
    with sqlite3.connect(database.path) as conn:
        conn.execute("UPDATE users SET value = ? WHERE key = 'T1:U1'", ("{not json",))
    fresh = users.load("T1:U1")
    assert fresh.stage is None
    kept = [v for k, v in database.table("quarantine").items() if k.startswith("T1:U1@")]
    assert kept and kept[0]["raw"] == "{not json"


def test_unreadable_database_file_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    path.write_bytes(b"this is not a sqlite database" * 100)
    with pytest.raises(StateError, match="cannot be read"):
        Database(path)
    assert path.read_bytes().startswith(b"this is not")  # left untouched


def test_unversioned_records_are_migrated() -> None:
    state = UserState.from_json({"stage": "idea", "ticks": "garbled", "unknown_field": 1})
    assert state.stage == "idea"
    assert state.ticks == {}
    assert state.version == STATE_VERSION


def test_newer_versions_are_refused() -> None:
    with pytest.raises(StateError, match="newer"):
        migrate({"version": STATE_VERSION + 1})


def test_badly_shaped_fields_fall_back_to_defaults() -> None:
    state = UserState.from_json({"version": 1, "stage": 5, "ticks": {"idea": "x"},
                                 "history": "nope", "last_topic": "ethics"})
    assert state.stage is None
    assert state.ticks == {}
    assert state.history == []
    assert state.last_topic == "ethics"


def test_database_left_mid_commit_by_a_crash_opens_and_keeps_committed_data(
        tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    path = tmp_path / "state.sqlite"
    db = Database(path)
    UserStore(db).save("T1:U1", UserState(stage="adopt"))
    db.close()
    # A process that dies (SIGKILL) inside an unfinished write leaves it half done on disk.
    script = (
        "import sqlite3, sys, os, signal\n"
        f"conn = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
        "conn.execute('PRAGMA cache_size=1')\n"
        "conn.execute('BEGIN')\n"
        "conn.executemany('INSERT INTO users (key, value) VALUES (?, ?)',"
        " ((f'T1:X{i}', 'x' * 500) for i in range(3000)))\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], timeout=60)
    assert result.returncode == -signal.SIGKILL
    # The crash really left an unfinished write behind: in the write-ahead log (or, for a
    # database an earlier version left in rollback-journal mode, a hot journal).
    leftover = [f"{path}-wal", f"{path}-journal"]
    assert any(os.path.exists(name) and os.path.getsize(name) > 0 for name in leftover)

    reopened = Database(path)
    try:
        users = UserStore(reopened)
        assert users.load("T1:U1").stage == "adopt"
        assert len(users) == 1  # the unfinished write was rolled back
    finally:
        reopened.close()
