"""The terminal chat's rendering of real replies from the service: what a user reads."""

from __future__ import annotations

from pathlib import Path

from bot.channels.outbox import OutboxDeliverer
from bot.channels.terminal import render
from bot.service import Pathway
from bot.store.database import Database

W = "local"
FORM = ("A falls sensor for care homes", "Falls at night go unnoticed", "yes",
        "Powys Teaching Health Board", "Help to evaluate it")


def chat(pathway: Pathway, *lines: str) -> list[str]:
    return [render(pathway.respond(W, "nia", line)) for line in lines]


def refer(pathway: Pathway, database: Database, tmp_path: Path) -> list[str]:
    """A referral sent through a service that delivers to the outbox, on the same database."""
    outbox = Pathway(pathway.knowledge, database,
                     deliverer=OutboxDeliverer(tmp_path / "outbox.jsonl"))
    return chat(outbox, "stage prototype", "connect Improvement Cymru", *FORM, "yes")


def test_a_sent_referral_reads_as_a_sentence_not_json(pathway: Pathway, database: Database,
                                                       tmp_path: Path) -> None:
    sent = refer(pathway, database, tmp_path)[-1]
    assert "went to the team at Improvement Cymru" in sent
    assert "{" not in sent and "idempotency" not in sent
    assert len(sent.splitlines()) <= 5


def test_referrals_list_each_one_once_without_json(pathway: Pathway, database: Database,
                                                    tmp_path: Path) -> None:
    refer(pathway, database, tmp_path)
    [listed] = chat(pathway, "referrals")
    assert listed.count(": Improvement Cymru, sent, waiting for the team (since ") == 1
    assert "{" not in listed and "consent" not in listed


def test_me_shows_ticks_recent_messages_and_referrals_as_text(pathway: Pathway,
                                                              database: Database,
                                                              tmp_path: Path) -> None:
    refer(pathway, database, tmp_path)
    chat(pathway, "tick 2")
    [me] = chat(pathway, "me")
    assert "• Stage: Prototype and test" in me and "Questions you asked: 0" in me
    assert "Ticked, by stage:\n• prototype: 1" in me
    assert "Your last 5 messages kept:" in me and me.rstrip().count(": tick 2") == 1
    assert "Your referrals:\n• R" in me and ": Improvement Cymru, sent" in me
    assert "{" not in me and '"history"' not in me


def test_did_you_mean_lists_each_choice_once(pathway: Pathway) -> None:
    [reply] = chat(pathway, "ethics for a device")
    assert "Did you mean one of these?\n1. " in reply
    assert "[1]" not in reply


def test_options_not_in_the_text_are_still_numbered(pathway: Pathway) -> None:
    [reply] = chat(pathway, "me")
    assert "[1] Delete what you keep about me" in reply
