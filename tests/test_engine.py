"""Conversations with the engine through the service, as a user has them."""

from __future__ import annotations

import pytest

from bot.core.engine import COMMANDS
from bot.core.replies import Option
from bot.service import KnowledgeHolder, Pathway
from bot.store.database import Database

W = "T1"


def say(pathway: Pathway, text: str, user: str = "U1", private: bool = True):
    return pathway.respond(W, user, text, private=private)


def stored(pathway: Pathway, user: str = "U1") -> dict | None:
    return pathway.kept(W, user)


def test_greeting_lists_every_command(pathway: Pathway) -> None:
    reply = say(pathway, "Hello!")
    assert reply.kind == "greeting"
    for command in COMMANDS.listed:
        assert command.usage in reply.text
    assert [o.say for o in reply.options] == ["which stage am I at?", "stages"]


@pytest.mark.parametrize("message", [
    "help", "what can you do?", "What sort of things can you help me with?",
    "what else can you do", "what kind of things can you help with",
])
def test_asking_what_the_bot_does_gets_help(pathway: Pathway, message: str) -> None:
    assert say(pathway, message).kind == "help"


@pytest.mark.parametrize("message", ["thanks", "Thank you!", "cheers", "diolch",
                                     "thanks very much pathway"])
def test_thanks_gets_a_short_reply_not_a_decline(pathway: Pathway, message: str) -> None:
    reply = say(pathway, message)
    assert reply.kind == "info" and reply.text.startswith("You're welcome")


def test_thanks_in_welsh_is_answered_in_welsh(pathway: Pathway) -> None:
    reply = say(pathway, "diolch yn fawr")  # two Welsh words: clearly Welsh (issue 17)
    assert reply.kind == "info" and reply.text.startswith("Croeso")


@pytest.mark.parametrize("message", ["how are you?", "hiya, how's your day going",
                                     "are you a robot?", "Are you a real person", "who are you",
                                     "tell me a joke"])
def test_small_talk_says_what_the_bot_is_and_offers_a_start(pathway: Pathway,
                                                           message: str) -> None:
    reply = say(pathway, message)
    assert reply.kind == "info" and "a bot rather than a person" in reply.text
    assert reply.options


@pytest.mark.parametrize("message", ["thanks to my team the pilot worked, how do I spread it?",
                                     "who are you funded by"])
def test_longer_questions_starting_like_small_talk_are_still_questions(
        pathway: Pathway, message: str) -> None:
    assert say(pathway, message).kind not in ("info", "help")


def test_help_and_overview(pathway: Pathway) -> None:
    overview = say(pathway, "stages")
    assert overview.kind == "overview"
    assert [p.id for p in overview.progress] == ["idea", "prototype", "evaluate", "adopt",
                                                 "spread"]
    assert "haven't told me your stage" in overview.text


@pytest.mark.parametrize(("message", "stage"), [
    ("stage prototype", "prototype"),
    ("I'm at the evaluation stage", "evaluate"),
    ("we are in adoption", "adopt"),
    ("I'm on the prototype", "prototype"),
    ("stage 5", "spread"),
    ("set my stage idea", "idea"),
])
def test_telling_the_bot_your_stage(pathway: Pathway, message: str, stage: str) -> None:
    reply = say(pathway, message)
    assert reply.kind == "stage"
    assert stored(pathway)["stage"] == stage
    assert reply.checklist is not None and reply.checklist.stage_id == stage


def test_im_at_a_loss_is_a_question_not_a_stage(pathway: Pathway) -> None:
    reply = say(pathway, "I'm at a loss about ethics approval")
    assert reply.match is not None and reply.match.id == "ethics-approval"
    assert stored(pathway)["stage"] is None


def test_unknown_stage_lists_the_real_ones(pathway: Pathway) -> None:
    reply = say(pathway, "stage banana")
    assert reply.kind == "error"
    assert "idea, prototype, evaluate, adopt, spread" in reply.text
    assert stored(pathway)["stage"] is None


def test_next_shows_unticked_items_and_helpers(pathway: Pathway) -> None:
    say(pathway, "stage prototype")
    say(pathway, "tick 1")
    reply = say(pathway, "what should I do next?")
    assert reply.kind == "stage"
    assert "1 of 3 done" in reply.text
    assert "Decide if it is a medical device" in reply.text
    assert "Settle intellectual property" not in reply.text
    assert reply.contacts[0].id == "mhra"


def test_next_without_a_stage_offers_triage(pathway: Pathway) -> None:
    reply = say(pathway, "next")
    assert "don't know your stage" in reply.text
    assert any(o.say == "which stage am I at?" for o in reply.options)


@pytest.mark.parametrize(("answers", "stage"), [
    (["no"], "idea"),
    (["yes", "no"], "prototype"),
    (["yes", "yes", "no"], "evaluate"),
    (["yes", "yes", "yes", "nope"], "adopt"),
    (["y", "yes", "yeah", "ie"], "spread"),
])
def test_triage_finds_the_stage(pathway: Pathway, answers: list[str], stage: str) -> None:
    assert say(pathway, "which stage am I at?").kind == "triage"
    for answer in answers[:-1]:
        assert say(pathway, answer).kind == "triage"
    reply = say(pathway, answers[-1])
    assert "From your answers" in reply.text
    assert stored(pathway)["stage"] == stage
    assert stored(pathway)["pending"] is None


def test_triage_reasks_on_unclear_answer_and_can_be_cancelled(pathway: Pathway) -> None:
    say(pathway, "triage")
    assert "answer *yes* or *no*" in say(pathway, "maybe").text
    assert say(pathway, "cancel").text.startswith("OK, stopped")
    assert stored(pathway)["stage"] is None


def test_a_question_during_triage_is_answered(pathway: Pathway) -> None:
    say(pathway, "triage")
    reply = say(pathway, "do I need ethics approval for my project?")
    assert reply.match is not None and reply.match.id == "ethics-approval"
    assert stored(pathway)["pending"] is None


def test_ticking_by_number_text_and_unticking(pathway: Pathway) -> None:
    say(pathway, "stage prototype")
    reply = say(pathway, "tick 1 and 3")
    assert reply.kind == "tick"  # what changed, the progress and the next item (issue 13)
    assert [line.done for line in reply.checklist.items] == [True, False, True]
    assert "2 of 3 done" in reply.text
    assert reply.text.startswith("Ticked: 1. ") and "Next: 2. " in reply.text
    assert reply.options[-1].say == "checklist prototype"
    reply = say(pathway, "done medical device")
    assert reply.checklist.done == 3
    assert any(o.say == "next stage" for o in reply.options)
    reply = say(pathway, "untick 1")
    assert [line.done for line in reply.checklist.items] == [False, True, True]
    assert stored(pathway)["ticks"] == {"prototype": ["prototype-device", "prototype-users"]}


def test_ticking_another_stage_by_name(pathway: Pathway) -> None:
    reply = say(pathway, "tick idea 2")
    assert reply.checklist.stage_id == "idea"
    assert stored(pathway)["ticks"] == {"idea": ["idea-evidence"]}


@pytest.mark.parametrize("message", ["tick 9", "tick 0", "tick something unrelated entirely"])
def test_bad_ticks_change_nothing(pathway: Pathway, message: str) -> None:
    say(pathway, "stage prototype")
    reply = say(pathway, message)
    assert reply.kind == "error"
    assert "couldn't find" in reply.text
    assert stored(pathway)["ticks"] == {}


def test_tick_without_a_stage(pathway: Pathway) -> None:
    assert "Tell me your stage first" in say(pathway, "tick 1").text


def test_tick_after_viewing_a_checklist_without_a_stage(pathway: Pathway) -> None:
    say(pathway, "checklist prototype")
    reply = say(pathway, "tick 2")
    assert reply.checklist.stage_id == "prototype"
    assert stored(pathway)["ticks"] == {"prototype": ["prototype-device"]}
    assert stored(pathway)["stage"] is None


def test_moving_to_the_next_stage(pathway: Pathway) -> None:
    say(pathway, "stage evaluate")
    reply = say(pathway, "next stage")
    assert stored(pathway)["stage"] == "adopt"
    assert "stage 4" in reply.text
    say(pathway, "stage spread")
    assert "already at the last stage" in say(pathway, "move on to the next stage").text


def test_checklist_for_named_stage(pathway: Pathway) -> None:
    reply = say(pathway, "checklist for the idea stage")
    assert reply.kind == "checklist"
    assert reply.checklist.stage_id == "idea"
    assert reply.checklist.total == 3
    assert "Next: State the problem" in reply.text


def test_free_question_and_follow_up_contacts(pathway: Pathway) -> None:
    reply = say(pathway, "is my app a medical devise?")
    assert reply.kind == "answer"
    assert reply.match.id == "medical-device"
    assert reply.source == "https://example.org/mhra"
    assert [c.id for c in reply.contacts] == ["mhra"]
    assert [o.say for o in reply.options] == ["checklist prototype"]
    assert stored(pathway)["last_topic"] == "medical-device"
    follow_up = say(pathway, "who can help with that?")
    assert follow_up.kind == "contacts"
    assert [c.id for c in follow_up.contacts] == ["mhra"]


def test_contacts_for_stage_and_for_topic(pathway: Pathway) -> None:
    reply = say(pathway, "contacts evaluate")
    assert reply.contacts[0].id == "improvement-cymru"
    reply = say(pathway, "who can help with ethics approval?")
    assert [c.id for c in reply.contacts] == ["improvement-cymru"]


def test_england_only_organisations_are_flagged(pathway: Pathway) -> None:
    reply = say(pathway, "contacts adopt")
    scopes = {c.id: c.scope for c in reply.contacts}
    assert scopes["nhs-innovation-service"] == "england"


def test_evaluation_guidance(pathway: Pathway) -> None:
    reply = say(pathway, "evaluate")
    assert "Change is not the same as improvement" in reply.text
    assert [o.say for o in reply.options] == ["topic:pdsa-cycles", "topic:run-charts"]
    chosen = say(pathway, "topic:run-charts")
    assert chosen.match.id == "run-charts"


def test_out_of_scope_question_is_declined_with_a_human(pathway: Pathway) -> None:
    reply = say(pathway, "what is the weather today in Cardiff?")
    assert reply.kind == "no_match"
    assert reply.match is None
    assert "rather not guess" in reply.text
    assert "R&D or innovation office" in reply.text


def test_did_you_mean_choice_by_number(pathway: Pathway) -> None:
    reply = say(pathway, "ethics for a device")  # two entries score alike: no guessing
    assert reply.kind == "no_match"
    assert {s.id for s in reply.suggestions} >= {"ethics-approval", "medical-device"}
    assert [o.say for o in reply.options] == [f"topic:{s.id}" for s in reply.suggestions]
    reply = say(pathway, "ethics for a device")
    chosen = say(pathway, "2")
    assert chosen.match is not None and chosen.match.id == reply.suggestions[1].id


def test_an_answer_offers_a_runner_up_that_scored_nearly_as_well(pathway: Pathway) -> None:
    reply = say(pathway, "patent device")  # patents a little ahead of medical devices
    assert reply.kind == "answer" and reply.match.id == "patents"
    assert Option("See also: Is my app a medical device?", "topic:medical-device") in reply.options
    chosen = say(pathway, "topic:medical-device")
    assert chosen.match.id == "medical-device"
    clear = say(pathway, "do i need ethics approval")  # nothing else comes close
    assert not any(o.label.startswith("See also") for o in clear.options)


def test_a_bare_number_offers_what_it_could_mean_instead_of_a_search(pathway: Pathway) -> None:
    reply = say(pathway, "3")  # no stage yet: only stage 3 fits
    assert reply.kind == "info" and reply.match is None
    assert [o.say for o in reply.options] == ["topic:evaluate"]
    say(pathway, "stage prototype")
    reply = say(pathway, "2")
    assert [o.say for o in reply.options] == ["tick prototype 2", "topic:prototype"]
    assert reply.options[0].label.startswith("Tick 2. Decide if it is a medical device")
    assert stored(pathway)["ticks"] == {}  # nothing ticked until the option is chosen
    assert say(pathway, "tick 2").kind == "tick"
    reply = say(pathway, "9")  # beyond the checklist and the stages
    assert reply.options == () and "tick 9" in reply.text


def test_out_of_range_choice_keeps_the_question_open(pathway: Pathway) -> None:
    reply = say(pathway, "ethics for a device")
    assert "Pick a number from 1 to" in say(pathway, "9").text
    chosen = say(pathway, "1")
    assert chosen.match.id == reply.suggestions[0].id


def test_me_shows_exactly_what_is_kept(pathway: Pathway) -> None:
    say(pathway, "stage idea")
    say(pathway, "tick 1")
    reply = say(pathway, "what do you know about me?")
    assert reply.kind == "data"
    kept = reply.data["state"]
    assert kept == stored(pathway)
    assert kept["stage"] == "idea"
    assert kept["ticks"] == {"idea": ["idea-problem"]}
    assert [h["text"] for h in kept["history"]] == [
        "stage idea", "tick 1", "what do you know about me?"]
    assert reply.data["questions_asked"] == []


def test_me_shows_the_record_as_written_even_when_the_clock_ticks_in_between(
        pathway: Pathway, monkeypatch: pytest.MonkeyPatch) -> None:
    """The time of the last change is the turn's own, so a second passing between building
    the reply and committing it cannot make "what I keep about you" differ from the record."""
    import bot.store.users as users

    ticks = iter(range(10, 60))
    monkeypatch.setattr(users, "now_iso", lambda: f"2026-12-03T18:38:{next(ticks)}+00:00")
    say(pathway, "stage idea")
    reply = say(pathway, "me")
    assert reply.data["state"] == stored(pathway)


def test_me_includes_logged_questions_and_forget_removes_them(pathway: Pathway) -> None:
    say(pathway, "is my app a medical device?")
    say(pathway, "what is the weather", user="U2")
    reply = say(pathway, "me")
    assert [q["text"] for q in reply.data["questions_asked"]] == ["is my app a medical device?"]
    assert "Questions you asked: 1" in reply.text
    say(pathway, "forget me")
    say(pathway, "yes")
    assert [row["text"] for row in pathway.questions_asked()] == ["what is the weather"]


def test_forget_me_needs_confirmation(pathway: Pathway) -> None:
    say(pathway, "stage idea")
    reply = say(pathway, "forget me")
    assert reply.kind == "confirm"
    assert say(pathway, "no").text.startswith("OK, nothing was changed")
    assert stored(pathway)["stage"] == "idea"
    say(pathway, "forget me")
    assert say(pathway, "yes").kind == "forgotten"
    assert stored(pathway) is None


def test_reset_clears_progress(pathway: Pathway) -> None:
    say(pathway, "stage prototype")
    say(pathway, "tick 1")
    say(pathway, "reset")
    assert say(pathway, "yes").kind == "reset"
    assert stored(pathway)["stage"] is None
    assert stored(pathway)["ticks"] == {}


@pytest.mark.parametrize("command", ["me", "forget me", "tick 1", "checklist", "next",
                                     "stage idea"])
def test_channel_mentions_never_show_or_change_personal_state(pathway: Pathway,
                                                              command: str) -> None:
    say(pathway, "stage idea")
    before = stored(pathway)
    reply = say(pathway, command, private=False)
    assert reply.kind == "info"
    assert "direct message" in reply.text
    assert reply.data is None and reply.checklist is None
    assert stored(pathway) == before


def test_channel_mentions_answer_questions_without_storing(pathway: Pathway) -> None:
    reply = say(pathway, "do I need ethics approval?", user="U9", private=False)
    assert reply.match.id == "ethics-approval"
    assert stored(pathway, "U9") is None


@pytest.mark.parametrize("message", ["", "   ", "\n\t", "\u200b\u200b", "\x00\x07\x1b", "\ufeff"])
def test_empty_messages(pathway: Pathway, message: str) -> None:
    reply = say(pathway, message)
    assert reply.kind == "no_match"
    assert "didn't catch a question" in reply.text


@pytest.mark.parametrize("message", [
    "🙂🙂🙂", "<!channel> <@U123> *bold* `code`", "ŵ ŷ â ê î ô û", "Shwmae! Oes angen moeseg?",
    "<script>alert(1)</script>", "{{ 7 * 7 }} %s %(x)s",
])
def test_odd_input_gets_a_sensible_reply(pathway: Pathway, message: str) -> None:
    reply = say(pathway, message)
    assert reply.kind in {"greeting", "answer", "no_match"}
    assert reply.text


def test_very_long_message_is_answered_and_history_bounded(pathway: Pathway) -> None:
    message = "do I need ethics approval " + "please " * 15_000
    reply = say(pathway, message)
    assert reply.kind in {"answer", "no_match"}
    assert "first 2000 characters" in reply.footer
    assert len(stored(pathway)["history"][-1]["text"]) <= 500


def test_zero_width_characters_do_not_break_commands(pathway: Pathway) -> None:
    say(pathway, "st\u200bage proto\u200btype")
    assert stored(pathway)["stage"] == "prototype"


def test_progress_survives_a_restart(engine_holder: KnowledgeHolder, tmp_path) -> None:
    path = tmp_path / "state.sqlite"
    first = Database(path)
    say(Pathway(engine_holder, first), "stage prototype")
    say(Pathway(engine_holder, first), "tick 2")
    first.close()
    second = Database(path)
    try:
        reply = say(Pathway(engine_holder, second), "checklist")
        assert [line.done for line in reply.checklist.items] == [False, True, False]
    finally:
        second.close()


def test_set_ticks_and_dashboard(pathway: Pathway) -> None:
    say(pathway, "stage evaluate")
    reply = pathway.set_ticks(W, "U1", "evaluate", {"evaluate-aim", "not-an-item"})
    assert reply.checklist.done == 1
    board = pathway.dashboard(W, "U1")
    assert board.kind == "overview"
    assert [p.done for p in board.progress] == [0, 0, 1, 0, 0]
    assert next(p for p in board.progress if p.current).id == "evaluate"


def test_feedback_is_counted_without_user_ids(pathway: Pathway, database: Database) -> None:
    pathway.record_feedback(W, "U1", "medical-device", helpful=False)
    pathway.record_feedback(W, "U2", "medical-device", helpful=False)
    pathway.record_feedback(W, "U2", "unknown-entry", helpful=True)
    rows = list(database.table("feedback").values())
    assert len(rows) == 1 and rows[0]["not_helped"] == 2
    assert "U1" not in str(rows) and "U2" not in str(rows)
