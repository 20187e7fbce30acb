"""The command registry: handlers declare their commands; help, dispatch and paraphrases follow."""

from __future__ import annotations

import pytest

from bot.core import intents
from bot.core.commands import Registry, command, misspelt_command
from bot.core.engine import COMMANDS, Engine
from bot.service import Pathway

W = "T1"


def say(pathway: Pathway, text: str, user: str = "U1", private: bool = True):
    return pathway.respond(W, user, text, private=private)


def test_every_name_the_parser_gives_has_a_handler() -> None:
    names = {name for name, _ in intents._PATTERNS} | {"question"}
    assert names <= {c.name for c in COMMANDS}
    for found in COMMANDS:
        assert callable(getattr(Engine, found.handler))


def test_help_comes_from_the_registry_in_order(pathway: Pathway) -> None:
    text = say(pathway, "help").text
    positions = [text.index(f"*{c.usage}*") for c in COMMANDS.listed]
    assert positions == sorted(positions)
    assert "*stage questions again*" in text  # the redo command is listed too
    assert [c.name for c in COMMANDS.listed][:3] == ["help", "stages", "stage"]


def test_private_commands_come_from_their_handlers() -> None:
    assert {"stage", "tick", "untick", "withdraw", "redo_triage", "me", "forget"} <= (
        COMMANDS.private)
    assert not {"help", "stages", "contacts", "evaluate", "question"} & COMMANDS.private


@pytest.mark.parametrize(("message", "expected"), [
    ("whats next?", "next"), ("what now", "next"), ("progress", "next"),
    ("show my progress", "next"), ("Where am I?", "next"), ("what have I done", "next"),
    ("my checklist", "checklist"), ("show my checklist please", "checklist"),
    ("delete my data", "forget"), ("my referrals", "referrals"),
    # typos, with the questions' normalisation
    ("progess", "next"), ("whats nxt", "next"), ("show my progres", "next"),
    ("my cheklist", "checklist"), ("What do you know about me?", "me"),
])
def test_paraphrases_and_typos_reach_the_command(message: str, expected: str) -> None:
    assert COMMANDS.recognise(message) == expected


@pytest.mark.parametrize("message", [
    "what have I done wrong with my ethics application form",  # long: a question
    "progress notes template for the ward",
    "me",  # too short to guess at: exact forms only (intents.parse has "me")
    "is my app a medical device",
    "",
])
def test_questions_are_not_taken_for_commands(message: str) -> None:
    assert COMMANDS.recognise(message) is None


def test_a_paraphrase_runs_the_command_in_a_conversation(pathway: Pathway) -> None:
    say(pathway, "stage prototype")
    reply = say(pathway, "show my progres")
    assert reply.kind == "stage"
    assert reply.checklist is not None and reply.checklist.stage_id == "prototype"
    assert say(pathway, "my cheklist").checklist.stage_id == "prototype"


@pytest.mark.parametrize(("message", "expected"), [
    ("checkllist", "checklist"), ("cheklist", "checklist"), ("chekclist", "checklist"),
    ("Contacs", "contacts"), ("refferals?", "referrals"), ("stges", "stages"),
    ("measurs", "measures"),
])
def test_a_one_word_command_misspelt_is_the_command(message: str, expected: str) -> None:
    assert misspelt_command(message, knows=lambda word: False) == expected


@pytest.mark.parametrize(("message", "known"), [
    ("contracts", {"contracts"}),  # a word the knowledge base uses is a question
    ("check list now", set()),  # more than one word
    ("stag", set()),  # too short to guess at
    ("challenge", set()),  # not near enough to any command
    ("band 6", set()),
])
def test_what_is_not_a_misspelt_command(message: str, known: set[str]) -> None:
    assert misspelt_command(message, knows=lambda word: word in known) is None


def test_a_misspelt_checklist_shows_the_checklist_not_an_answer(bundled: Pathway) -> None:
    say(bundled, "stage prototype")
    reply = say(bundled, "checkllist")
    assert reply.checklist is not None and reply.checklist.stage_id == "prototype"
    # "contracts" is a word of the knowledge base: answered as a question, not as *contacts*
    assert say(bundled, "contracts").kind == "answer"


def test_a_private_paraphrase_in_a_channel_is_refused(pathway: Pathway) -> None:
    reply = say(pathway, "show my progress", private=False)
    assert reply.kind == "info"
    assert "direct message" in reply.text.casefold()


def test_two_handlers_for_one_command_are_refused() -> None:
    class Twice:
        @command("help", "help", "one")
        def first(self) -> None: ...

        @command("help", "help", "two")
        def second(self) -> None: ...

    with pytest.raises(ValueError, match="two handlers"):
        Registry.of(Twice)


def test_unlisted_commands_stay_out_of_help() -> None:
    class Handlers:
        @command("shown", "shown", "in help", paraphrases=("show it",))
        def shown(self) -> None: ...

        @command("hidden")
        def hidden(self) -> None: ...

    registry = Registry.of(Handlers)
    assert [c.name for c in registry.listed] == ["shown"]
    assert "hidden" in registry and registry.get("hidden").handler == "hidden"
    assert registry.recognise("Show it!") == "shown"


def test_every_reply_kind_the_code_makes_is_declared() -> None:
    import ast
    from pathlib import Path

    from bot.core.replies import REPLY_KINDS

    made = set()
    for path in (Path(__file__).resolve().parents[1] / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name == "Reply" and node.args and isinstance(node.args[0], ast.Constant):
                made.add(node.args[0].value)
            made |= {k.value.value for k in node.keywords if name in {"Reply", "replace"}
                     and k.arg == "kind" and isinstance(k.value, ast.Constant)}
    assert made and made <= set(REPLY_KINDS), made - set(REPLY_KINDS)


def test_help_text_comes_from_the_catalogue_in_step_with_the_registry(pathway) -> None:
    from bot.core.wording import CATALOGUE, say

    for found in COMMANDS.listed:
        assert CATALOGUE[f"command.{found.name}"]["en"] == found.description, found.name
    pathway.respond("T1", "U1", "Cymraeg")
    welsh = pathway.respond("T1", "U1", "help").text
    assert f"*tick <number or words>*: {say('command.tick', 'cy')}" in welsh
    assert say("command.tick", "cy") != say("command.tick", "en")
    assert pathway.command_help("cy")[0] == (("cymorth", "help"), say("command.help", "cy"))


# Each Welsh form help shows, with its placeholders filled in as a user would.
WELSH_EXAMPLES = {
    "cam <syniad, prototeip, gwerthuso, mabwysiadu, lledaenu>": "cam prototeip",
    "rhestr wirio [cam]": "rhestr wirio prototeip",
    "ticio <rhif neu eiriau>": "ticio 2",
    "pwy all helpu [gyda phwnc]": "pwy all helpu gyda patentau",
    "atgoffa fi <mesur> bob <N> diwrnod neu wythnos": "atgoffa fi amseroedd aros bob 2 wythnos",
}


@pytest.mark.parametrize("found", [c for c in COMMANDS.listed if c.usage_cy],
                         ids=lambda c: c.name)
def test_every_welsh_form_help_shows_is_the_command(found) -> None:
    bare = found.usage_cy.split(" [")[0]
    forms = {WELSH_EXAMPLES.get(found.usage_cy, bare)} | ({bare} if "<" not in bare else set())
    for said in forms:
        assert "<" not in said, f"add an example for {found.usage_cy!r}"
        assert intents.parse(said).name == found.name, said


def test_welsh_help_shows_the_welsh_form_first_and_the_english_beside_it(
        pathway: Pathway) -> None:
    say(pathway, "Cymraeg")
    text = say(pathway, "help").text
    assert "• *rhestr wirio [cam]* / *checklist [stage]*: " in text
    assert "• *anghofia fi* / *forget me*: " in text
    assert "• *plan*: " in text  # no Welsh form: the English alone
    assert "*rhestr wirio" not in say(pathway, "English").text + say(pathway, "help").text


def test_who_can_help_with_that_in_welsh_means_the_last_answer(bundled: Pathway) -> None:
    say(bundled, "Cymraeg")
    answer = say(bundled, "ydy fy ap i'n ddyfais feddygol?")
    assert answer.kind == "answer"
    reply = say(bundled, "pwy all helpu gyda hynny?")
    assert reply.kind == "contacts" and answer.match.title in reply.title


@pytest.mark.parametrize("message", [
    "how would I know if it worked?", "How will I know if it’s working", "how do we know if the "
    "change worked", "how can we tell whether our change made a difference?",
])
def test_how_will_i_know_if_it_worked_is_the_evaluation_guidance(bundled: Pathway,
                                                                message: str) -> None:
    # the matcher reads this as "work" alone and answered "My prototype failed"
    reply = say(bundled, message)
    assert reply.title == "Showing your change is an improvement", reply.title
    assert any(o.say == "topic:model-for-improvement" for o in reply.options)


def test_a_question_about_whether_a_thing_works_stays_a_question() -> None:
    assert intents.parse("how will I know if my app works on android").name == "question"
