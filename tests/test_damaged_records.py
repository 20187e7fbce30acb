"""Damaged stored records: a bad one is skipped or set aside, never a crash that locks users out."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from typing import Any

import pytest

from bot.core.replies import ReferralRequest
from bot.core.user import STATE_VERSION, NewerStateError, migrate
from bot.service import KnowledgeHolder, Pathway
from bot.store.database import Database
from bot.store.users import UserStore

W = "T1"
KEY = UserStore.key(W, "U1")


def store(database: Database, table: str, key: str, value: Any) -> None:
    with database.transaction() as tx:
        tx.put(table, key, value)


# --- a damaged unfinished exchange (pending) --------------------------------------------------

DAMAGED_PENDING = [
    {"kind": "choose", "ids": 5},
    {"kind": "choose", "ids": ["a", 2]},
    {"kind": "connect", "org": "improvement-cymru", "step": 1, "answers": [1, 2]},
    {"kind": "connect", "org": "improvement-cymru", "step": 5, "answers": "x"},
    {"kind": "connect", "org": "improvement-cymru", "step": 1, "answers": {"summary": 3}},
    {"kind": "triage", "step": 10**6},
    {"kind": "confirm", "action": ["forget"]},
    {"kind": "plan", "project": "x", "step": -5},
    {"kind": "plan", "project": "x", "step": 99, "measure": "m"},
    {"kind": "pdsa", "project": 3, "step": "plan"},
    {"kind": "research", "answers": {"randomised": [1]}},
    {"kind": "no such kind"},
]


@pytest.mark.parametrize("pending", DAMAGED_PENDING)
def test_damaged_pending_is_ignored_and_forget_me_works(
        pathway: Pathway, database: Database, pending: dict,
        caplog: pytest.LogCaptureFixture) -> None:
    store(database, "users", KEY, {"version": STATE_VERSION, "pending": pending, "lang": "en"})
    with caplog.at_level(logging.WARNING, logger="bot.core.pending"):
        first = pathway.respond(W, "U1", "1")
    assert first.kind != "error"
    assert len([r for r in caplog.records if "damaged pending" in r.message]) == 1
    assert pathway.respond(W, "U1", "forget me").kind == "confirm"
    assert pathway.respond(W, "U1", "yes").kind == "forgotten"
    assert database.table("users").get(KEY) is None


def test_well_formed_pending_is_still_answered(pathway: Pathway, database: Database) -> None:
    store(database, "users", KEY, {"version": STATE_VERSION, "lang": "en",
                                   "pending": {"kind": "confirm", "action": "forget"}})
    assert pathway.respond(W, "U1", "yes").kind == "forgotten"


# --- a damaged version field ------------------------------------------------------------------

@pytest.mark.parametrize("version", ["1", None, True, 1.0, [1]])
def test_a_version_that_is_not_a_number_is_set_aside(
        pathway: Pathway, database: Database, version: Any) -> None:
    damaged = {"version": version, "stage": "idea"}
    store(database, "users", KEY, damaged)
    assert pathway.respond(W, "U1", "me").kind != "error"
    kept = [v for k, v in database.table("quarantine").items() if k.startswith(f"{KEY}@")]
    assert [v["raw"] for v in kept] == [damaged]
    assert pathway.respond(W, "U1", "forget me").kind == "confirm"
    assert pathway.respond(W, "U1", "yes").kind == "forgotten"


def test_only_a_newer_whole_number_version_is_refused() -> None:
    with pytest.raises(NewerStateError):
        migrate({"version": STATE_VERSION + 1})


# --- damaged referrals and feedback rows ------------------------------------------------------

DAMAGED_REFERRALS = [
    {"created": "2026-01-01", "user": f"{W}:U9"},
    {"created": "2026-01-01", "updated": 5, "user": f"{W}:U9"},
    {"created": "2026-01-01", "updated": "2099", "user": KEY},
    {"created": "2026-01-01", "updated": "2099", "user": KEY, "status": "pending",
     "delivery": None},
]


def request() -> ReferralRequest:
    return ReferralRequest("improvement-cymru", "A falls sensor for care homes",
                           "Falls at night go unnoticed", "prototype", "Powys Teaching HB",
                           "Help to evaluate it", consent=True)


@pytest.mark.parametrize("record", DAMAGED_REFERRALS)
def test_a_damaged_referral_is_skipped(
        engine_holder: KnowledgeHolder, database: Database, record: dict,
        caplog: pytest.LogCaptureFixture) -> None:
    store(database, "referrals", "RBAD1", record)
    with caplog.at_level(logging.WARNING, logger="bot.store.referrals"):
        pathway = Pathway(engine_holder, database)  # start-up purges by retention
    assert "RBAD1" in caplog.text
    assert pathway.respond(W, "U1", "referrals").kind == "referrals"
    assert pathway.submit_referral(W, "U1", request()).kind == "referral"
    assert [r.user for r in pathway.all_referrals()] == [KEY]
    assert pathway.referral("RBAD1") is None


def test_forget_me_deletes_the_users_damaged_referrals(
        engine_holder: KnowledgeHolder, database: Database) -> None:
    store(database, "referrals", "RBAD1", {"created": "2026-01-01", "user": KEY})
    store(database, "referrals", "ROTHER", {"created": "2026-01-01", "user": f"{W}:U9"})
    store(database, "referrals", "RJUNK", "placeholder")
    with sqlite3.connect(database.path) as conn:  # a record that is not JSON at all
        conn.execute("UPDATE referrals SET value = ? WHERE key = 'RJUNK'",
                     (f'{{"user": "{KEY}", "cre',))
    pathway = Pathway(engine_holder, database)
    pathway.submit_referral(W, "U1", request())
    assert pathway.respond(W, "U1", "forget me").kind == "confirm"
    assert pathway.respond(W, "U1", "yes").kind == "forgotten"
    assert sorted(database.table("referrals")) == ["ROTHER"]


@pytest.mark.parametrize("user", ["Siân", "Siôn Ŵyn"])
def test_forget_me_finds_a_damaged_referral_of_a_user_whose_id_is_not_ascii(
        engine_holder: KnowledgeHolder, database: Database, user: str) -> None:
    key = UserStore.key(W, user)
    store(database, "referrals", "RJUNK", "placeholder")
    with sqlite3.connect(database.path) as conn:  # written as records are, not escaped
        conn.execute("UPDATE referrals SET value = ? WHERE key = 'RJUNK'",
                     (f'{{"user": "{key}", "summary": "my private idea", "cre',))
    pathway = Pathway(engine_holder, database)
    assert pathway.respond(W, user, "forget me").kind == "confirm"
    assert pathway.respond(W, user, "yes").kind == "forgotten"
    assert sorted(database.table("referrals")) == []


def test_damaged_feedback_rows_are_left_out_of_the_report(
        pathway: Pathway, database: Database) -> None:
    store(database, "feedback", "2026-01-01:x", {"helped": "a"})
    store(database, "feedback", "2026-01-01:y", {"date": "2026-01-01", "entry": "y",
                                                 "helped": "a", "not_helped": 0})
    store(database, "feedback", "2026-01-01:z", [1, 2])
    store(database, "feedback", "2026-01-01:ethics", {"date": "2026-01-01", "entry": "ethics",
                                                      "helped": 2, "not_helped": 1})
    votes = pathway.feedback_votes()
    assert [(v.entry_id, v.helped, v.not_helped) for v in votes] == [("ethics", 2, 1)]


@pytest.mark.parametrize("damaged, helped, not_helped", [
    ({"date": "TODAY", "helped": 2, "not_helped": 1}, 2, 2),  # no entry
    ({"date": "TODAY", "entry": "ethics-approval", "helped": 2, "not_helped": "1"}, 2, 1),
    ({"helped": "a"}, 0, 1),
    ({"date": "TODAY", "entry": "ethics-approval", "helped": True, "not_helped": -3}, 0, 1),
    ("placeholder", 0, 1),
])
def test_a_vote_repairs_the_days_damaged_feedback_row(
        pathway: Pathway, database: Database, damaged: Any, helped: int, not_helped: int,
        caplog: pytest.LogCaptureFixture) -> None:
    today = dt.date.today().isoformat()
    if isinstance(damaged, dict) and damaged.get("date") == "TODAY":
        damaged = {**damaged, "date": today}
    store(database, "feedback", f"{today}:ethics-approval", damaged)
    with caplog.at_level(logging.WARNING, logger="bot.store.questions"):
        reply = pathway.record_feedback(W, "U1", "ethics-approval", helpful=False)
    assert reply.kind == "info"
    assert len([r for r in caplog.records if "damaged feedback row" in r.message]) == 1
    assert database.table("feedback").get(f"{today}:ethics-approval") == {
        "date": today, "entry": "ethics-approval", "helped": helped, "not_helped": not_helped}
    votes = pathway.feedback_votes()
    assert [(v.entry_id, v.helped, v.not_helped) for v in votes] == [
        ("ethics-approval", helped, not_helped)]


def test_a_vote_on_a_sound_row_adds_to_it_without_a_warning(
        pathway: Pathway, database: Database, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.store.questions"):
        pathway.record_feedback(W, "U1", "ethics-approval", helpful=True)
        pathway.record_feedback(W, "U2", "ethics-approval", helpful=False)
        pathway.record_feedback(W, "U3", "ethics-approval", helpful=True)
    assert not caplog.records
    votes = pathway.feedback_votes()
    assert [(v.entry_id, v.helped, v.not_helped) for v in votes] == [("ethics-approval", 2, 1)]
