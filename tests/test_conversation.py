"""Exchanges that used to trap the user: commands and questions mid-exchange, which stage
am I at, and which checklist a bare "tick 2" means."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.user import UserState
from bot.service import Pathway
from tests.conftest import ENGINE_KB, ROOT

W = "T1"


def say(pathway: Pathway, text: str, user: str = "U1"):
    return pathway.respond(W, user, text)


def stored(pathway: Pathway, user: str = "U1") -> dict | None:
    return pathway.kept(W, user)


# --- commands and questions in the middle of an exchange --------------------------------------

def test_help_during_the_stage_questions_keeps_them_open(pathway: Pathway) -> None:
    say(pathway, "which stage am I at?")
    reply = say(pathway, "help")
    assert reply.kind == "help"
    assert "stage questions are still open" in reply.footer
    assert "Have you measured" in say(pathway, "yes").text  # the second question


def test_me_during_a_confirmation_keeps_it_open(pathway: Pathway) -> None:
    say(pathway, "stage idea")
    say(pathway, "forget me")
    reply = say(pathway, "me")
    assert reply.kind == "data"
    assert "still waiting for your *yes* or *no*" in reply.footer
    assert reply.data["state"]["pending"] == {"kind": "confirm", "action": "forget"}
    assert reply.data["state"] == stored(pathway)
    assert say(pathway, "no").text.startswith("OK, nothing was changed")
    assert stored(pathway)["stage"] == "idea"


def test_forget_me_during_the_stage_questions_replaces_them(pathway: Pathway) -> None:
    say(pathway, "triage")
    reply = say(pathway, "forget me")
    assert reply.kind == "confirm"
    assert "stopped the stage questions" in reply.footer
    assert say(pathway, "yes").kind == "forgotten"
    assert stored(pathway) is None


def test_stage_during_the_stage_questions_sets_it_and_stops_them(pathway: Pathway) -> None:
    say(pathway, "which stage am I at?")
    reply = say(pathway, "stage evaluate")
    assert reply.kind == "stage" and "stopped the stage questions" in reply.footer
    assert stored(pathway)["stage"] == "evaluate"
    assert stored(pathway)["pending"] is None


def test_a_question_during_a_confirmation_is_answered_and_nothing_cleared(
        pathway: Pathway) -> None:
    say(pathway, "stage idea")
    say(pathway, "reset")
    reply = say(pathway, "do I need ethics approval for my project?")
    assert reply.match is not None and reply.match.id == "ethics-approval"
    assert "nothing was deleted or cleared" in reply.footer
    say(pathway, "yes")  # no longer confirms the reset
    assert stored(pathway)["stage"] == "idea"


def test_an_unclear_reply_to_a_confirmation_asks_again(pathway: Pathway) -> None:
    say(pathway, "forget me")
    assert "answer *yes* or *no*" in say(pathway, "maybe").text
    assert say(pathway, "yes").kind == "forgotten"


def test_help_during_the_referral_form_keeps_it_open(pathway: Pathway) -> None:
    say(pathway, "connect mhra")
    reply = say(pathway, "help")
    assert reply.kind == "help" and "referral form is still open" in reply.footer
    assert "2. What problem" in say(pathway, "An app that reminds people to walk").text


def test_which_stage_during_the_referral_form_stops_it(pathway: Pathway) -> None:
    say(pathway, "connect mhra")
    reply = say(pathway, "which stage am I at?")
    assert reply.kind == "triage"
    assert "stopped the referral form; nothing was shared" in reply.footer
    assert stored(pathway)["pending"]["kind"] == "triage"


@pytest.mark.parametrize("answer", ["what is a medical device anyway", "stages of grief app",
                                    "a checklist for new parents"])
def test_free_text_that_looks_like_a_question_is_a_form_answer(pathway: Pathway,
                                                               answer: str) -> None:
    say(pathway, "connect mhra")
    reply = say(pathway, answer)
    assert "2. What problem" in reply.text and reply.footer is None


def test_stage_named_at_the_forms_stage_question_is_the_answer(pathway: Pathway) -> None:
    say(pathway, "connect mhra")
    say(pathway, "An app")
    say(pathway, "Missed appointments")
    reply = say(pathway, "stage prototype")
    assert "4. Which organisation" in reply.text
    assert stored(pathway)["stage"] is None  # the form's answer, not a change of stage
    assert say(pathway, "cancel").text == "OK, stopped. Nothing was shared."


# --- "which stage am I at?" when the stage is known ---------------------------------------------

def test_which_stage_when_known_shows_it_and_offers_the_questions_again(
        pathway: Pathway) -> None:
    say(pathway, "stage prototype")
    reply = say(pathway, "which stage am I at?")
    assert "You're at stage 2: *Prototype and test*" in reply.text
    assert reply.options[0].label == "Ask me the stage questions again"
    assert stored(pathway)["pending"] is None
    assert say(pathway, reply.options[0].say).kind == "triage"
    say(pathway, "no")
    assert stored(pathway)["stage"] == "idea"


# --- a bare "tick N" acts on the checklist last seen --------------------------------------------

def test_tick_after_viewing_another_stages_checklist_ticks_that_one(pathway: Pathway) -> None:
    say(pathway, "stage idea")
    say(pathway, "checklist prototype")
    reply = say(pathway, "tick 3")
    assert reply.checklist.stage_id == "prototype"
    assert "Ticked: 3. Build with users" in reply.text
    say(pathway, "next")  # shows the idea checklist again
    say(pathway, "tick 1")
    assert stored(pathway)["ticks"] == {"prototype": ["prototype-users"],
                                        "idea": ["idea-problem"]}


def test_a_bare_number_offers_the_item_on_the_checklist_last_seen(pathway: Pathway) -> None:
    say(pathway, "stage idea")
    say(pathway, "checklist prototype")
    reply = say(pathway, "2")
    assert reply.options[0].label.startswith("Tick 2. Decide if it is a medical device")
    say(pathway, "checklist idea")  # the option still means the checklist it was offered for
    assert say(pathway, reply.options[0].say).checklist.stage_id == "prototype"
    assert stored(pathway)["ticks"] == {"prototype": ["prototype-device"]}


def test_a_state_stored_before_the_last_checklist_was_kept_still_loads() -> None:
    state = UserState.from_json({"stage": "idea", "version": 1})
    assert state.stage == "idea" and state.last_checklist is None


# --- the same, as a user at a terminal meets it -------------------------------------------------

def test_piped_ask_lines_step_out_of_exchanges_and_tick_what_was_seen(tmp_path: Path) -> None:
    lines = ["stage idea", "checklist prototype", "tick 3", "which stage am I at?",
             "forget me", "help", "no"]
    environment = {**os.environ, "PATHWAY_DATA_DIR": str(tmp_path)}
    environment.pop("PATHWAY_KNOWLEDGE_DIR", None)
    result = subprocess.run([sys.executable, str(ROOT / "run_bot.py"), "ask", "--user", "u",
                             "--knowledge", str(ENGINE_KB), "-"], input="\n".join(lines) + "\n",
                            capture_output=True, text=True, timeout=60, env=environment,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Ticked: 3. Build with users" in out
    assert "You're at stage 1: Idea and need." in out
    assert "Ask me the stage questions again" in out
    assert "still waiting for your" in out
    assert "OK, nothing was changed" in out


def test_referrals_during_the_stage_questions_says_they_are_still_open(pathway: Pathway) -> None:
    say(pathway, "which stage am I at?")
    reply = say(pathway, "referrals")
    assert reply.kind == "referrals"
    assert "stage questions are still open" in reply.footer
    assert "Have you measured" in say(pathway, "yes").text  # the second question
