"""What a newcomer meets first (issue 13): the opening question, ticks and short lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.channels.terminal import render
from bot.core.views import SHORT_LIST
from bot.service import KnowledgeHolder, Pathway
from tests.conftest import ask_json

W = "T1"


def say(pathway: Pathway, text: str, user: str = "U1", private: bool = True):
    return pathway.respond(W, user, text, private=private)


@pytest.mark.parametrize("message", [
    "I'm a district nurse and I have an idea for an app that reminds patients about their "
    "wound care. where do I start?",
    "I'm an OT with an idea to make discharge safer, what should I do first?",
    "GP here - we've got an idea for a text reminder service for flu jabs. Who do I tell?",
    "I have a new idea for handovers on the ward, what are the first steps?",
    "Dwi'n nyrs ac mae gen i syniad am ap i'r ward, ble dwi'n dechrau?",
])
def test_an_idea_and_where_do_i_start_lands_on_the_idea_stage(bundled: Pathway,
                                                              message: str) -> None:
    reply = say(bundled, message)
    assert reply.kind == "answer"
    assert reply.match is not None and reply.match.stage == "idea"
    assert reply.options[0].say == "stage idea"  # offered, not done
    assert say(bundled, reply.options[0].say).kind == "stage"


def test_the_opening_is_not_offered_to_save_when_the_stage_is_idea(bundled: Pathway) -> None:
    say(bundled, "stage idea")
    reply = say(bundled, "I have an idea for a falls app, where do I start?")
    assert all(o.say != "stage idea" for o in reply.options)


@pytest.mark.parametrize("message", [
    "ideas for a birthday party for the team, where do I start",
    "any idea where the car park is? where do I start",
])
def test_other_ideas_are_not_the_opening(bundled: Pathway, message: str) -> None:
    reply = say(bundled, message)
    assert not any(o.say == "stage idea" for o in reply.options)


def test_a_tick_says_what_changed_not_the_whole_checklist(bundled: Pathway) -> None:
    say(bundled, "stage idea")
    reply = say(bundled, "tick 1")
    assert reply.kind == "tick"
    lines = reply.text.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("Ticked: 1. ")
    assert lines[1].startswith("1 of ") and lines[2].startswith("Next: 2. ")
    shown = render(reply)
    assert "[ ]" not in shown and "[x]" not in shown  # no checklist lines in the terminal
    assert reply.options[-1].say == "checklist idea"
    assert say(bundled, "tick 2").text.startswith("Ticked: 2. ")  # still the same checklist


def test_evaluate_shows_a_few_guides_and_more(bundled: Pathway) -> None:
    reply = say(bundled, "evaluate")
    guides = [o for o in reply.options if o.say.startswith("topic:")]
    assert len(guides) == SHORT_LIST
    assert reply.options[-1].say == "evaluate all"
    assert reply.options[-1].label.endswith("more guides")
    everything = say(bundled, "evaluate all")
    assert len([o for o in everything.options if o.say.startswith("topic:")]) > SHORT_LIST
    assert all(o.say != "evaluate all" for o in everything.options)


def test_evaluate_puts_the_users_stage_first(bundled: Pathway,
                                             bundled_holder: KnowledgeHolder) -> None:
    say(bundled, "stage spread")
    first = say(bundled, "evaluate").options[0].say.removeprefix("topic:")
    assert bundled_holder.current.knowledge.get(first).stage == "spread"


def test_who_can_help_at_a_stage_shows_a_few_and_more(bundled: Pathway) -> None:
    reply = say(bundled, "contacts prototype")
    assert len(reply.contacts) <= SHORT_LIST
    more = [o for o in reply.options if o.say == "contacts prototype all"]
    if more:
        everyone = say(bundled, more[0].say)
        assert len(everyone.contacts) > len(reply.contacts)
        assert not any(o.say == "contacts prototype all" for o in everyone.options)


def test_ask_json_answers_the_opening_with_the_idea_stage(tmp_path: Path) -> None:
    answer = ask_json("I'm a physio and I have an idea for a balance class app, where do I "
                      "start?", tmp_path)
    assert answer["match"]["stage"] == "idea"
