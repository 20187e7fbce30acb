"""What benchmarks/load.py checks in the database: state lost, and what a SIGKILL did.

Everything is read through the bot's own store (bot.store.backends.open_database, then
UserStore and the event ledger), so the SQLite file and a PostgreSQL database are read the
same way, as the bot reads them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from load_fake import TEAM_ID
from load_users import User

from bot.store.backends import open_database
from bot.store.database import StateError
from bot.store.events import TABLE as LEDGER_TABLE
from bot.store.users import UserStore

StateTarget = Path | str  # the SQLite file, or a postgresql:// URL


@dataclass
class StateCheck:
    """Stored state against what each user was told."""

    users_lost: int = 0  # users whose stored ticks or stage differ from their replies
    items_lost: int = 0
    held_after: int = 0  # direct messages still held, unanswered, once the bots stopped
    unreadable: str | None = None


def read_states(target: StateTarget, users: list[User]) -> dict[str, dict[str, Any] | None]:
    """Each user's stored JSON, read with the bot's own database and UserStore."""
    database = open_database(target)
    try:
        store = UserStore(database)
        return {user.id: store.peek(UserStore.key(TEAM_ID, user.id)) for user in users}
    finally:
        database.close()


def held_messages(target: StateTarget) -> list[dict[str, Any]]:
    """The direct messages the event ledger holds: acknowledged, not yet answered."""
    database = open_database(target)
    try:
        return [held for held in database.table(LEDGER_TABLE).values()
                if isinstance(held, dict) and "body" in held]
    finally:
        database.close()


def wait_until_nothing_held(target: StateTarget, timeout: float) -> float | None:
    """Seconds until the ledger holds no direct message, or None if some are still held."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if not held_messages(target):
            return time.monotonic() - started
        time.sleep(0.25)
    return None


def compare(stored: dict[str, Any] | None, ticks: dict[str, set[str]],
            stage: str | None) -> int:
    """How many ticks (and the stage) differ between the store and the user's replies."""
    kept = {s: set(items) for s, items in ((stored or {}).get("ticks") or {}).items()}
    wanted = {s: items for s, items in ticks.items() if items}
    differ = sum(len(kept.get(s, set()) ^ wanted.get(s, set())) for s in set(kept) | set(wanted))
    stage_kept = (stored or {}).get("stage")
    return differ + (1 if stage is not None and stage_kept != stage else 0)


def check_state(target: StateTarget, users: list[User]) -> StateCheck:
    """State lost: every user's stored checklist must equal what they ticked."""
    check = StateCheck()
    try:
        states = read_states(target, users)
        check.held_after = len(held_messages(target))
    except StateError as error:
        check.unreadable = str(error)
        return check
    for user in users:
        differ = compare(states[user.id], user.ticks, user.stage_set)
        check.items_lost += differ
        check.users_lost += 1 if differ else 0
    return check


@dataclass
class CrashCheck:
    """What a SIGKILL of the only instance did to the work in flight (it is then restarted)."""

    at_s: float = 0.0
    acked_before: int = 0
    down_s: float = 0.0
    restart_s: float = 0.0
    users_checked: int = 0
    unanswered: int = 0  # acked before the kill, no reply: Slack never sends these again
    unanswered_stored: int = 0  # ... a state change, stored anyway
    unanswered_missing: int = 0  # ... a state change, not stored: acked but not yet applied
    held_for_replay: int = 0  # ... not stored yet, but held in the bot's inbox: applied at restart
    restart_window: tuple[float, float] = (0.0, 0.0)  # monotonic start and end of the restart
    replayed: int = 0  # replies the restarted bot sent before serving: its held messages
    answered_held: int = 0  # held messages the restarted bot says it answered
    unacked_stored: int = 0  # the connection died before the ack, yet the change was stored
    replied_changes_lost: int = 0  # must be 0
    unreadable: str | None = None
    restart_error: str | None = None  # the bot would not start on what the kill left


@dataclass
class FailoverCheck:
    """What a SIGKILL of one of two instances did; the other carries on, alone."""

    dead_token: str
    survivor_token: str
    at_s: float = 0.0
    acked_before: int = 0
    killed_at: float = 0.0  # time.monotonic() of the kill
    refused: int = 0  # sent to the dying instance, no ack: sent again to the survivor
    cut_off: int = 0  # acked by it, not direct messages, unanswered: the user tried again
    held_dms: int = 0  # direct messages it acked and had not answered: the survivor's to finish
    swept: int = 0  # held messages the survivor answered: these, and ones it was retried with
    replayed: int = 0  # replies it had posted, but not yet recorded, that the survivor re-sent
    sweep_s: float | None = None  # after the load, until nothing was held (None: timed out)


def check_after_kill(target: StateTarget, users: list[User], crash: CrashCheck) -> None:
    """Compare the database SIGKILL left with what users were told and had in flight."""
    try:
        states = read_states(target, users)
        held = {h["body"]["event"]["user"] for h in held_messages(target)}
    except StateError as error:
        crash.unreadable = str(error)
        return
    for user in users:
        crash.users_checked += 1
        stored, inflight = states[user.id], user.inflight
        acked = inflight is not None and inflight.status == 200
        crash.unanswered += 1 if acked else 0
        change = inflight.change if inflight is not None else None
        if change and change[0] == "stage" and (stored or {}).get("stage") == change[1] \
                and user.stage_set != change[1]:
            pass  # the stage change was applied: judged below with the change included
        elif compare(stored, user.ticks, user.stage_set) == 0:
            if acked and inflight.change and user.id in held:
                crash.held_for_replay += 1
            elif acked and inflight.change:
                crash.unanswered_missing += 1
            continue
        if inflight is not None and inflight.change is not None and \
                compare(stored, *_with_change(user.ticks, user.stage_set, inflight.change)) == 0:
            if acked:
                crash.unanswered_stored += 1
            else:
                crash.unacked_stored += 1
            continue
        crash.replied_changes_lost += 1


def _with_change(ticks: dict[str, set[str]], stage: str | None, change: tuple[str, ...]
                 ) -> tuple[dict[str, set[str]], str | None]:
    ticks = {s: set(items) for s, items in ticks.items()}
    if change[0] == "stage":
        return ticks, change[1]
    _, stage_id, item, done = change
    items = ticks.setdefault(stage_id, set())
    (items.add if done == "1" else items.discard)(item)
    return ticks, stage
