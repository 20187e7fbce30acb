"""Commands in Welsh (issue 17): a Welsh speaker can do everything without English words."""

from __future__ import annotations

import pytest

from bot.core import intents
from bot.service import Pathway

W = "T1"


def say(pathway: Pathway, text: str):
    return pathway.respond(W, "U1", text)


@pytest.mark.parametrize(("text", "name", "arg"), [
    ("cymorth", "help", ""), ("camau", "stages", ""), ("cam prototeip", "stage", "prototeip"),
    ("cam nesaf", "next_stage", ""), ("ym mha gam ydw i?", "triage", ""),
    ("beth nesaf?", "next", ""), ("rhestr wirio cam gwerthuso", "checklist", "gwerthuso"),
    ("ticio 1 a 3", "tick", "1 a 3"), ("dad-dicio 2", "untick", "2"),
    ("pwy all helpu gyda patentau?", "contacts", "patentau?"), ("gwerthuso", "evaluate", ""),
    ("fi", "me", ""), ("anghofiwch fi", "forget", ""), ("ailosod", "reset", ""),
])
def test_welsh_commands_are_recognised(text: str, name: str, arg: str) -> None:
    found = intents.parse(text)
    assert (found.name, found.arg) == (name, arg)


@pytest.mark.parametrize(("text", "expected"), [
    ("ydw", True), ("ydy", True), ("oes", True), ("iawn", True),
    ("nac ydw", False), ("nac oes", False), ("naddo", False), ("ddim eto", False),
])
def test_welsh_yes_and_no(text: str, expected: bool) -> None:
    assert intents.yes_no(text) is expected


def test_a_whole_conversation_in_welsh(pathway: Pathway) -> None:
    say(pathway, "Cymraeg")
    reply = say(pathway, "cam prototeip")
    assert reply.kind == "stage" and reply.lang == "cy"
    ticked = say(pathway, "ticio 1 a 3")
    assert ticked.kind == "tick" and [line.done for line in ticked.checklist.items] == [
        True, False, True]
    assert say(pathway, "rhestr wirio").checklist.stage_id == "prototype"
    assert say(pathway, "gwerthuso").lang == "cy"
    assert say(pathway, "anghofiwch fi").kind == "confirm"
    assert say(pathway, "canslo").kind == "info"  # cancelled: nothing deleted
    assert say(pathway, "fi").data["state"]["stage"] == "prototype"
    assert say(pathway, "anghofiwch fi").kind == "confirm"
    assert say(pathway, "ydw").kind == "forgotten"
