"""Choosing the language (issue 17): the active offer, a saved preference, and detection that
one ambiguous word cannot flip."""

from __future__ import annotations

import pytest

from bot.base.language import detect, named
from bot.core import wording
from bot.service import Pathway

W = "T1"


def say(pathway: Pathway, text: str, user: str = "U1", private: bool = True):
    return pathway.respond(W, user, text, private=private)


def stored(pathway: Pathway, user: str = "U1") -> dict | None:
    return pathway.respond(W, user, "me").data["state"]


@pytest.mark.parametrize(("text", "expected"), [
    ("Dwi'n nyrs ardal ac mae gen i syniad am ap, ble dwi'n dechrau?", "cy"),
    ("oes rhaid i fi gael sign-off gan y board?", "cy"),  # code-switched
    ("lle dwi'n ffeindio funding i'r pilot?", "cy"),
    ("ydy'n app ni'n medical device?", "cy"),
    ("Oes angen cymeradwyaeth foesegol arnaf?", "cy"),
    ("is my app a medical device?", "en"),
    ("I am a nurse in Cardiff and Vale", "en"),
    ("can i get funding for a pilot in my HB", "en"),
    # "be" before a Welsh word is "what": one marker and a name the word lists call English
    ("be di NICE?", "cy"), ("be di'r DTAC", "cy"), ("Di is on nights this week", "en"),
    # one word, or two: never enough to flip a conversation
    ("diolch", None), ("app", None), ("DTAC", None), ("Helo", None), ("tick 2", None),
    ("", None), ("1234 !!", None),
])
def test_detection_is_confident_or_says_nothing(text: str, expected: str | None) -> None:
    assert detect(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Cymraeg", "cy"), ("in Welsh please", "cy"), ("iaith cymraeg", "cy"), ("English", "en"),
    ("Saesneg", "en"), ("language", None), ("welsh or english", None),
])
def test_a_language_is_named_once_or_not_at_all(text: str, expected: str | None) -> None:
    assert named(text) == expected


def test_the_first_greeting_is_bilingual_and_says_how_to_switch(pathway: Pathway) -> None:
    lines = say(pathway, "hello").text.splitlines()
    assert lines[0] == wording.say("greeting", "en")
    assert lines[1] == wording.say("greeting", "cy") != lines[0]
    assert lines[2] == wording.say("language.offer", "en") and "*Cymraeg*" in lines[2]
    assert "*Cymraeg*" not in say(pathway, "hello").text  # offered once, unasked


def test_cymraeg_saves_the_preference_shown_by_me_and_forgotten(pathway: Pathway) -> None:
    reply = say(pathway, "Cymraeg")
    assert reply.kind == "language"
    assert reply.text == wording.say("language.saved", "cy")
    assert say(pathway, "diolch").text == wording.say("thanks", "cy")
    assert say(pathway, "thanks").text == wording.say("thanks", "cy")  # one word: no flip
    me = say(pathway, "me")
    assert me.data["state"]["lang"] == "cy"
    assert wording.say("me.language", "cy", language="Cymraeg") in me.text
    assert say(pathway, "English").text == wording.say("language.saved", "en")
    assert stored(pathway)["lang"] == "en"
    say(pathway, "forget me")
    assert say(pathway, "yes").kind == "forgotten"
    assert say(pathway, "me").data["state"]["lang"] == "en"  # it went with everything else


def test_a_clear_message_sets_the_conversation_language_not_the_preference(
        pathway: Pathway) -> None:
    say(pathway, "Dwi ddim yn siŵr beth yw fy ngham, allwch chi helpu?")
    assert stored(pathway)["lang"] == "en"
    assert stored(pathway)["conversation_lang"] == "cy"
    assert say(pathway, "diolch").text == wording.say("thanks", "cy")
    say(pathway, "is my app a medical device?")
    assert stored(pathway)["conversation_lang"] == "en"
    assert say(pathway, "diolch").text == wording.say("thanks", "en")


def test_the_language_question_gets_an_honest_answer(pathway: Pathway) -> None:
    reply = say(pathway, "do you speak Welsh?")
    assert reply.kind == "language"
    assert reply.text == wording.say("language.which", "en")
    assert [o.say for o in reply.options] == ["Cymraeg", "English"]
    assert say(pathway, "Dych chi'n siarad Cymraeg?").text == wording.say("language.which",
                                                                            "cy")


def test_a_welsh_mention_in_a_channel_is_answered_in_welsh(pathway: Pathway) -> None:
    reply = say(pathway, "Dych chi'n siarad Cymraeg?", private=False)
    assert reply.text == wording.say("language.which", "cy")
