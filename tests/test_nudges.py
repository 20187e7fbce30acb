"""Reminders to log a measure (issue 15): switched on by the user only, due after a lapse,
claimed once across instances sharing one database, shown by *me*, gone with *forget me*."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.core import intents
from bot.core.measure import nudges, project
from bot.core.wording import say
from bot.service import KnowledgeHolder, Pathway
from bot.store.database import Database
from bot.store.nudges import TABLE
from bot.store.users import UserStore

W = "T1"
TODAY = date.today()


def talk(pathway: Pathway, text: str, user: str = "U1"):
    return pathway.respond(W, user, text)


def with_reminder(pathway: Pathway, user: str = "U1", last_days_ago: int = 3,
                  schedule: str = "every 2 weeks") -> None:
    """A user whose 'waits' was last logged some days ago, reminded on that schedule."""
    talk(pathway, f"log waits 12 {(TODAY - timedelta(days=last_days_ago)).isoformat()}", user)
    reply = talk(pathway, f"remind me waits {schedule}", user)
    assert reply.kind == "measure", reply.text


def claims(database: Database) -> list[str]:
    """The keys of the claimed reminders in the shared table."""
    with database.reading() as tx:
        return [key for key, _ in tx.items(TABLE)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("waits every 2 weeks", ("waits", 14)),
        ("to log waits every 10 days", ("waits", 10)),
        ("waits weekly", ("waits", 7)),
        ("falls per 1000 bed days every day", ("falls per 1000 bed days", 1)),
        ("am aros bob pythefnos", ("aros", 14)),
        ("am aros bob 3 wythnos", ("aros", 21)),
        ("aros yn fisol", ("aros", 30)),
        ("am aros yn wythnosol", ("aros", 7)),  # the Welsh usage message's second example
        ("waits", None),
        ("waits every 0 days", None),
        ("waits every 400 days", None),
        ("waits every blue moon", None),
    ],
)
def test_the_schedule_is_read_in_english_and_welsh(text, expected) -> None:
    assert nudges.schedule(text) == expected


@pytest.mark.parametrize(
    ("text", "name", "arg"),
    [
        ("remind me waits every 2 weeks", "remind", "waits every 2 weeks"),
        ("nudge waits weekly", "remind", "waits weekly"),
        ("atgoffa fi am aros bob pythefnos", "remind", "am aros bob pythefnos"),
        ("atgoffa fi am aros yn wythnosol", "remind", "am aros yn wythnosol"),
        ("stop reminders", "stop_reminders", ""),
        ("no reminders", "stop_reminders", ""),
        ("stop reminders for waits", "stop_reminders", "waits"),
        ("dim nodiadau atgoffa", "stop_reminders", ""),
        ("stopio atgoffa am aros", "stop_reminders", "aros"),
        ("nudge theory in healthcare", "question", "nudge theory in healthcare"),
    ],
)
def test_reminder_commands_are_recognised(text: str, name: str, arg: str) -> None:
    found = intents.parse(text)
    assert (found.name, found.arg) == (name, arg)


def test_nothing_is_due_for_a_user_who_never_asked(pathway: Pathway) -> None:
    talk(pathway, f"log waits 12 {(TODAY - timedelta(days=60)).isoformat()}")
    assert pathway.due_nudges(TODAY + timedelta(days=30)) == []


def test_a_reminder_falls_due_after_its_interval_without_a_reading(pathway: Pathway) -> None:
    with_reminder(pathway, last_days_ago=3)  # switched on today: the lapse starts today
    assert pathway.due_nudges(TODAY + timedelta(days=13)) == []
    (nudge,) = pathway.due_nudges(TODAY + timedelta(days=14))
    assert (nudge.workspace, nudge.user, nudge.due.measure) == (W, "U1", "waits")
    assert nudge.due.due == TODAY + timedelta(days=14)
    assert nudge.reply.text == "You haven't logged *waits* for 17 days."
    assert nudge.reply.footer == say("nudge.how", "en", measure="waits")


def test_a_lapse_counts_from_the_last_reading_when_it_is_later(
        pathway: Pathway, database: Database) -> None:
    with_reminder(pathway, last_days_ago=3, schedule="weekly")
    users = UserStore(database)  # as if the reminder had been switched on a month ago
    state = users.load("T1:U1")
    state.projects[0]["measures"][0]["reminder"]["since"] = (
        TODAY - timedelta(days=30)).isoformat()
    users.save("T1:U1", state)
    assert pathway.due_nudges(TODAY + timedelta(days=3)) == []
    (nudge,) = pathway.due_nudges(TODAY + timedelta(days=4))
    assert nudge.reply.text == "You haven't logged *waits* for a week."


def test_a_nudge_is_claimed_once_and_a_later_sweep_does_not_send_it_again(
        pathway: Pathway, database: Database) -> None:
    with_reminder(pathway)
    later = TODAY + timedelta(days=20)
    (nudge,) = pathway.due_nudges(later)
    assert pathway.claim_nudge(nudge, later) is True
    assert pathway.claim_nudge(nudge, later) is False
    (again,) = pathway.due_nudges(later + timedelta(days=5))  # still in the same lapse
    assert again.due == nudge.due
    assert pathway.claim_nudge(again, later + timedelta(days=5)) is False
    assert len(claims(database)) == 1


def test_a_new_reading_ends_the_lapse_and_the_next_one_is_sent_again(
        pathway: Pathway, database: Database) -> None:
    with_reminder(pathway)
    month_ago = (TODAY - timedelta(days=30)).isoformat()
    users = UserStore(database)  # as if the reminder and the reading were a month old
    state = users.load("T1:U1")
    state.projects[0]["measures"][0]["reminder"]["since"] = month_ago
    state.projects[0]["measures"][0]["readings"] = [{"on": month_ago, "value": 12.0}]
    users.save("T1:U1", state)
    (nudge,) = pathway.due_nudges(TODAY)
    assert nudge.due.due == TODAY - timedelta(days=16)
    assert pathway.claim_nudge(nudge, TODAY)
    talk(pathway, "log waits 9")  # today: the next lapse ends 14 days from now
    assert pathway.claim_nudge(nudge, TODAY) is False  # no longer due
    assert pathway.due_nudges(TODAY + timedelta(days=13)) == []
    assert claims(database) == []  # the old lapse's claim is pruned by the sweep
    (following,) = pathway.due_nudges(TODAY + timedelta(days=14))
    assert following.due.due == TODAY + timedelta(days=14)
    assert pathway.claim_nudge(following, TODAY + timedelta(days=14))


def test_two_instances_on_one_database_send_each_nudge_once(
        engine_holder: KnowledgeHolder, tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    first, second = Database(path), Database(path)
    try:
        one, two = Pathway(engine_holder, first), Pathway(engine_holder, second)
        for user in ("U1", "U2", "U3"):
            with_reminder(one, user)
        later = TODAY + timedelta(days=15)
        won: list[str] = []
        start = threading.Barrier(2)

        def sweep(instance: Pathway) -> None:
            start.wait()
            for nudge in instance.due_nudges(later):
                if instance.claim_nudge(nudge, later):
                    won.append(nudge.user)

        threads = [threading.Thread(target=sweep, args=(p,)) for p in (one, two)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(won) == ["U1", "U2", "U3"]
        for instance in (one, two):  # a second round of sweeps sends nothing
            assert not any(instance.claim_nudge(n, later) for n in instance.due_nudges(later))
    finally:
        first.close()
        second.close()


def test_stop_reminders_opts_out(pathway: Pathway) -> None:
    with_reminder(pathway)
    reply = talk(pathway, "stop reminders")
    assert reply.text == "Reminders switched off for *waits*."
    assert pathway.due_nudges(TODAY + timedelta(days=60)) == []
    assert talk(pathway, "no reminders").text == say("nudge.none_on", "en")
    (kept,) = pathway.kept(W, "U1")["projects"]
    assert kept["measures"][0]["reminder"] is None


def test_stopping_one_measure_keeps_the_others(pathway: Pathway) -> None:
    with_reminder(pathway)
    talk(pathway, "log falls 2")
    talk(pathway, "remind me falls every 10 days")
    assert talk(pathway, "stop reminders for falls").text == "Reminders switched off for *falls*."
    (nudge,) = pathway.due_nudges(TODAY + timedelta(days=30))
    assert nudge.due.measure == "waits"


def test_a_reminder_needs_a_known_measure_and_a_schedule(pathway: Pathway) -> None:
    talk(pathway, "log waits 12")
    unknown = talk(pathway, "remind me lunches every week")
    assert unknown.kind == "error" and "*lunches*" in unknown.text
    usage = talk(pathway, "remind me waits sometimes")
    assert usage.text == say("nudge.usage", "en", max=365)
    assert pathway.kept(W, "U1")["projects"][0]["measures"][0]["reminder"] is None


def test_me_shows_the_reminder_and_says_it_is_sent_in_slack(pathway: Pathway) -> None:
    with_reminder(pathway)
    me = talk(pathway, "me")
    assert "*Reminders to log (sent in Slack):*" in me.text
    assert "• *waits* (My project): after 2 weeks without a reading" in me.text
    stored = me.data["state"]["projects"][0]["measures"][0]["reminder"]
    assert stored == {"every_days": 14, "since": TODAY.isoformat()}


def test_setting_a_reminder_says_it_is_sent_in_slack_only(pathway: Pathway) -> None:
    talk(pathway, "log waits 12")
    reply = talk(pathway, "remind me waits every 2 weeks")
    assert "Reminders are sent in Slack only, not in the terminal." in reply.text


def test_forget_me_removes_the_reminder_and_its_claims(
        pathway: Pathway, database: Database) -> None:
    with_reminder(pathway)
    later = TODAY + timedelta(days=20)
    (nudge,) = pathway.due_nudges(later)
    assert pathway.claim_nudge(nudge, later)
    with_reminder(pathway, user="U2")
    talk(pathway, "forget me")
    assert talk(pathway, "yes").kind == "forgotten"
    assert pathway.kept(W, "U1") is None
    assert claims(database) == []
    assert [n.user for n in pathway.due_nudges(later)] == ["U2"]


def test_a_welsh_user_is_reminded_in_welsh(pathway: Pathway) -> None:
    talk(pathway, "Cymraeg")
    talk(pathway, f"log aros 12 {(TODAY - timedelta(days=3)).isoformat()}")
    reply = talk(pathway, "atgoffa fi am aros bob pythefnos")
    assert "Bydda i'n eich atgoffa" in reply.text and "2 wythnos" in reply.text
    (nudge,) = pathway.due_nudges(TODAY + timedelta(days=14))
    assert nudge.reply.lang == "cy"
    assert nudge.reply.text == "Dydych chi ddim wedi cofnodi *aros* ers 17 diwrnod."
    assert "dim nodiadau atgoffa" in nudge.reply.footer
    assert talk(pathway, "dim nodiadau atgoffa").text == (
        "Mae'r nodiadau atgoffa wedi'u diffodd ar gyfer *aros*.")


def test_a_reminder_with_no_readings_yet_says_so(pathway: Pathway) -> None:
    talk(pathway, "log waits 12")
    talk(pathway, "unlog waits " + TODAY.isoformat())
    talk(pathway, "remind me waits weekly")
    (nudge,) = pathway.due_nudges(TODAY + timedelta(days=7))
    assert nudge.reply.text == (
        "You asked me for a reminder when *waits* goes a week without a reading, and it has no "
        "readings yet.")


@pytest.mark.parametrize(
    "damaged",
    [{"every_days": "14", "since": "2026-01-01"}, {"every_days": 0, "since": "2026-01-01"},
     {"every_days": True, "since": "2026-01-01"}, {"every_days": 14, "since": "soon"},
     {"every_days": 14}, "weekly", [14]],
)
def test_a_damaged_reminder_is_dropped_never_crashed_on(pathway: Pathway, damaged) -> None:
    stored = [{"name": "P", "measures": [{"name": "waits", "readings": [], "reminder": damaged}]}]
    (kept,) = project.clean(stored)
    assert kept["measures"][0]["reminder"] is None
    talk(pathway, "log waits 12")
    state = pathway.user_state(W, "U1")
    state.projects[0]["measures"][0]["reminder"] = damaged
    assert nudges.due_now(state, TODAY + timedelta(days=400)) == []
