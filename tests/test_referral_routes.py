"""Connect me only where an organisation takes warm introductions; signposts for questions
outside Pathway's remit (issue 13), on the bundled knowledge base."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.channels.slack.blocks import contact_blocks
from bot.channels.terminal import render
from bot.core.replies import Contact
from bot.service import KnowledgeHolder, Pathway
from tests.conftest import ask_json

W = "T1"


def say(pathway: Pathway, text: str):
    return pathway.respond(W, "U1", text)


@pytest.mark.parametrize("org", ["mhra", "nice", "hra", "uk-ipo"])
def test_regulators_get_how_to_contact_them_not_a_referral_form(bundled: Pathway,
                                                                 bundled_holder: KnowledgeHolder,
                                                                 org: str) -> None:
    organisation = bundled_holder.current.knowledge.organisation(org)
    reply = say(bundled, f"connect {org}")
    assert reply.kind == "info"
    assert "can't pass a warm introduction" in reply.text
    assert organisation.contact.get("en") in render(reply)  # how, on the card
    assert say(bundled, "me").data["state"]["pending"] is None  # no form was opened
    [card] = reply.contacts
    assert not card.referrals and card.how_to_contact
    [block] = contact_blocks([card])
    assert "accessory" not in block  # no Connect me button in Slack
    assert "connect " + org not in render(reply)  # nor the hint in the terminal


def test_an_organisation_with_a_route_still_opens_the_form(bundled: Pathway) -> None:
    reply = say(bundled, "connect life sciences hub wales")
    assert reply.kind == "connect"


def test_contact_cards_offer_connect_me_only_with_a_route() -> None:
    open_route = Contact("lshw", "LSHW", "Hub", "https://lshubwales.com", "wales", True)
    regulator = Contact("mhra", "MHRA", "Regulator", "https://www.gov.uk/mhra", "uk", False,
                        "Email them through the gov.uk contact form")
    with_button, without = contact_blocks([open_route, regulator])
    assert with_button["accessory"]["value"] == "lshw"
    assert "accessory" not in without
    assert "gov.uk contact form" in without["text"]["text"]


@pytest.mark.parametrize(("question", "signpost"), [
    ("how do I book annual leave?", "hr-pay-and-leave"),
    ("i forgot my password for the rota system", "it-and-passwords"),
    ("what dose of paracetamol for an elderly patient", "clinical-questions"),
    ("I feel really low and anxious about work", "wellbeing-and-distress"),
])
def test_off_topic_questions_get_a_signpost_not_the_innovation_office(
        bundled: Pathway, question: str, signpost: str) -> None:
    reply = say(bundled, question)
    assert reply.kind == "signpost" and reply.signpost == signpost
    assert reply.match is None
    assert "R&D office" not in reply.text


def test_the_wellbeing_signpost_gives_the_crisis_numbers(bundled: Pathway) -> None:
    text = say(bundled, "I feel really low and anxious about work").text
    assert "111" in text and "116 123" in text


@pytest.mark.parametrize("question", [
    "how many parking spaces does the hospital have",
    "can you recommend a good box set",
])
def test_look_alikes_are_still_declined(bundled: Pathway, question: str) -> None:
    reply = say(bundled, question)
    assert reply.kind == "no_match" and reply.signpost is None


def test_ask_json_keeps_match_null_beside_the_signpost(tmp_path: Path) -> None:
    answer = ask_json("how do I book annual leave?", tmp_path)
    assert answer["match"] is None and answer["signpost"] == "hr-pay-and-leave"
    assert answer["see_also"] == []


def test_ask_json_carries_the_topic_of_a_contacts_reply(tmp_path: Path) -> None:
    answer = ask_json("who can help with ethics approval?", tmp_path)
    assert answer["match"]["id"] == "ethics-approval-rec" and answer["signpost"] is None
