"""Matching Welsh (issue 17): Welsh phrasings are indexed by each word's dictionary form, and
a question's mutated words find them ("fy nghymeradwyaeth", "ddyfais"); Welsh function words
carry no weight; code-switched questions reach English phrasings."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.base.normalise import word_sequence
from bot.base.welsh import radical, unmutated
from bot.kb.loader import load_knowledge
from bot.kb.model import KnowledgeBase, Vocabulary
from bot.matching import Matcher


@pytest.mark.parametrize(("word", "expected"), [
    ("gymeradwyaeth", "cymeradwyaeth"), ("nghymeradwyaeth", "cymeradwyaeth"),
    ("foesegol", "moesegol"), ("nyfais", "dyfais"), ("ddyfais", "dyfais"),
    ("mhrosiect", "prosiect"), ("wella", "gwella"), ("mesurau", "mesur"),
])
def test_welsh_words_come_to_their_dictionary_form(word: str, expected: str) -> None:
    assert radical(word) == expected


@pytest.mark.parametrize(("singular", "plural"), [
    ("dyfais", "dyfeisiau"), ("gwerth", "gwerthoedd"), ("grant", "grantiau"),
    ("ward", "wardiau"), ("cam", "camau"),
])
def test_a_word_the_dictionary_misreads_comes_to_the_same_form_as_its_plural(
        singular: str, plural: str) -> None:
    # simplemma reads each singular as a mutated form of another word (dyfais as tyfu, to
    # grow; gwerth, value, as gwerthu, to sell; grant as creu; ward as gward).
    assert radical(singular) == radical(plural) == singular


def test_procurement_and_to_sell_are_not_read_as_to_get_and_value() -> None:
    assert radical("caffael") == "caffael" != radical("cael")
    assert radical("gwerth") != radical("gwerthu")


def test_next_is_one_word_and_english_words_in_welsh_stay_english() -> None:
    # "y cam nesaf" and "be nesa": the dictionary read them as "agos" (near) and "nesu".
    assert radical("nesa") == radical("nesaf") == "nesaf"
    # "siart run", "llenwi'r form": not "rhun", nor "bachgenyn" (a boy).
    assert (radical("run"), radical("form")) == ("run", "form")


@pytest.mark.parametrize(("word", "expected"), [
    ("petha", "peth"), ("pethe", "peth"), ("ddechra", "dechrau"), ("syniada", "syniad"),
    ("grantia", "grant"), ("costa", "cost"),
    ("data", "data"), ("ardal", "ardal"), ("gwella", "gwella"),  # known as they are
    ("weud", "dweud"), ("drychu", "edrych"), ("bres", "arian"), ("sgwennu", "ysgrifennu"),
    ("dechre", "dechrau"),
])
def test_spoken_endings_are_read_as_written_welsh(word: str, expected: str) -> None:
    assert radical(word) == expected


def test_spoken_function_words_carry_no_weight() -> None:
    assert word_sequence("shwt dwi'n ffeindio grantia? sgen i ddim clem", welsh=True) == [
        "ffeindio", "grantia"]


@pytest.mark.parametrize(("word", "expected"), [
    ("ddyfais", "dyfais"), ("nghyllid", "cyllid"), ("mhrosiect", "prosiect"),
    ("phrosiect", "prosiect"), ("thimau", "timau"), ("wella", "gwella"),
    ("foesegol", "moesegol"), ("reoli", "rheoli"),
])
def test_mutations_are_undone_by_rule_for_words_no_dictionary_knows(word: str,
                                                                    expected: str) -> None:
    assert expected in unmutated(word)


def test_welsh_function_words_are_not_tokens_and_eu_still_is() -> None:
    assert word_sequence("oes rhaid i fi gael sign-off gan y board?", welsh=True) == [
        "sign", "board"]
    assert word_sequence("dwi'n chwilio am gyllid", welsh=True) == ["chwilio", "gyllid"]
    assert "eu" in word_sequence("EU funding for a pilot", welsh=True)
    assert "mae" in word_sequence("mae", welsh=False)  # English questions: as before


@pytest.fixture
def welsh_kb(tmp_path: Path) -> Path:
    source = Path(__file__).resolve().parent / "fixtures" / "kb_engine"
    target = tmp_path / "knowledge"
    target.mkdir()
    for path in source.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        if path.name == "topics.yaml":
            text = text.replace(
                "  - is ethical approval needed\n",
                "  - is ethical approval needed\n  phrasings_cy:\n"
                "  - oes angen cymeradwyaeth foesegol arna i\n"
                "  - cymeradwyaeth foesegol ar gyfer prosiect\n"
                "  - oes rhaid cael adolygiad REC\n"
                "  - ydy fy ngwaith i angen moeseg\n", 1)
        (target / path.name).write_text(text, encoding="utf-8")
    return target


@pytest.mark.parametrize("question", [
    "Oes angen cymeradwyaeth foesegol arnaf?",
    "oes angen gymeradwyaeth foesegol ar gyfer fy mhrosiect?",  # soft and nasal mutations
    "dwi isio gwybod am fy nghymeradwyaeth foesegol",
    "oes rhaid i fi gael ethics approval?",  # code-switched: the English phrasings answer
])
def test_welsh_and_code_switched_questions_find_the_entry(welsh_kb: Path,
                                                          question: str) -> None:
    matcher = Matcher(load_knowledge(welsh_kb))
    result = matcher.match(question)
    assert result.candidates and result.candidates[0].entry.id == "ethics-approval"


def test_welsh_phrasings_do_not_answer_an_unrelated_welsh_question(welsh_kb: Path) -> None:
    matcher = Matcher(load_knowledge(welsh_kb))
    assert matcher.match("beth yw'r tywydd yn Aberystwyth yfory?").best is None


def with_vocabulary(kb_dir: Path, **words: tuple[str, ...]) -> Matcher:
    kb = load_knowledge(kb_dir)
    return Matcher(replace(kb, vocabulary=Vocabulary(**words)))


@pytest.mark.parametrize("question", [
    "oes angen cymeradwyaeth foesegol i drafod cyflog?",
    "oes angen cymeradwyaeth foesegol i drafod fy nghyflog?",  # nasal mutation
    "oes angen cymeradwyaeth foesegol i drafod ei gyflog?",  # soft mutation
])
def test_a_welsh_off_topic_word_counts_in_any_mutation(welsh_kb: Path, question: str) -> None:
    plain = with_vocabulary(welsh_kb).match(question)
    marked = with_vocabulary(welsh_kb, off_topic_words=("cyflog",)).match(question)
    assert plain.best is not None and plain.best.entry.id == "ethics-approval"
    assert marked.best is None  # "pay" is what it is about: declined, as in English


@pytest.mark.parametrize("question", [
    "oes angen cymeradwyaeth foesegol i drafod gweithio hyblyg?",
    "oes angen cymeradwyaeth foesegol i drafod gweithio'n hyblyg?",  # with its clitic 'n
    "oes angen cymeradwyaeth foesegol cyn i fi weithio'n hyblyg?",  # mutated, and 'n
])
def test_a_welsh_off_topic_phrase_counts_with_a_clitic(welsh_kb: Path, question: str) -> None:
    plain = with_vocabulary(welsh_kb).match(question)
    marked = with_vocabulary(welsh_kb, off_topic_words=("gweithio hyblyg",)).match(question)
    assert plain.best is not None and plain.best.entry.id == "ethics-approval"
    assert marked.best is None


def test_a_welsh_context_word_counts_in_any_mutation(welsh_kb: Path) -> None:
    question = "oes angen cymeradwyaeth foesegol yng Nghonwy?"
    plain = with_vocabulary(welsh_kb).match(question)
    context = with_vocabulary(welsh_kb, context_words=("Conwy",)).match(question)
    # Where the asker works weighs little, so the question is mostly explained.
    assert context.candidates[0].entry.id == "ethics-approval"
    assert context.candidates[0].score > plain.candidates[0].score


def test_english_questions_keep_their_words_as_written(welsh_kb: Path) -> None:
    # "gyflog" is not an English word: only the Welsh matcher reads dictionary forms.
    matcher = with_vocabulary(welsh_kb, off_topic_words=("cyflog",))
    assert matcher.match("is ethical approval needed").best is not None


@pytest.mark.parametrize("question", [
    "sut dwi'n gwneud hyn?",  # how do I do this?
    "beth alli di wneud?",
])
def test_a_welsh_question_of_function_words_and_gwneud_alone_matches_no_entry(
        bundled_kb: KnowledgeBase, question: str) -> None:
    """"gwneud" and the inflected function words ("alli" is "gallu") stay in questions with
    other words, where phrasings use them too; alone they ask about nothing, and "be fedri
    di neud?" was once answered about checking what already exists at 66 points."""
    assert Matcher(bundled_kb).match(question).best is None


@pytest.mark.parametrize("question", [
    "be fedri di neud?",  # what can you do? (a phrasing, word for word)
    "be fedri di neud i fi?",  # ... for me? (that phrasing and two words more)
    "be elli di neud i fi?",
])
def test_what_can_you_do_in_welsh_is_answered_by_its_phrasings_words(
        bundled_kb: KnowledgeBase, question: str) -> None:
    result = Matcher(bundled_kb).match(question)
    assert result.welsh and result.best is not None and result.best.entry.id == "about-pathway"


@pytest.mark.parametrize(("question", "expected"), [
    ("sut dwi'n gwneud siart rhediad?", "run-charts"),
    # "caffael" (procurement) is no function word, though the lemmatiser reads it as "cael"
    ("sut mae gwneud caffael?", "nwssp-procurement"),
])
def test_gwneud_beside_a_real_word_is_still_matched(bundled_kb: KnowledgeBase, question: str,
                                                     expected: str) -> None:
    result = Matcher(bundled_kb).match(question)
    assert result.best is not None and result.best.entry.id == expected


STAGE_NAMES = {
    "idea": (["idea", "idea and need"], ["syniad"]),
    "prototype": (["prototype", "prototyping"], ["prototeip", "prototeipio"]),
    "evaluate": (["evaluation", "evaluate"], ["gwerthuso"]),
    "adopt": (["adoption", "adopt and implement"], ["mabwysiadu", "gweithredu"]),
    "spread": (["spread", "spread and sustain"], ["lledaenu"]),
}
ENGLISH_STAGE_QUESTIONS = ("what happens at the {} stage", "what do I do in the {} stage",
                           "what's involved in the {} stage", "checklist for the {} stage",
                           "tell me about the {} stage", "{} stage")
# "sut mae'r cam ... yn gweithio?" (how does the ... stage work) is not here: "gweithio"
# pulls it to evaluating whether a change works, a known miss.
WELSH_STAGE_QUESTIONS = ("be sy'n digwydd yn y cam {}", "beth dwi'n ei wneud yn y cam {}",
                         "rhestr wirio'r cam {}", "beth yw'r cam {}", "cam {}",
                         "dwi ar y cam {}, be nesa?")


def test_every_way_of_asking_about_a_stage_by_name_gets_that_stage(
        bundled_kb: KnowledgeBase) -> None:
    # Before: only the first two stages had a Welsh "be sy'n digwydd yn y cam ...?" phrasing,
    # so the other three were answered with the idea stage (or declined as ambiguous).
    matcher = Matcher(bundled_kb)
    wrong = []
    for stage, (english, welsh) in STAGE_NAMES.items():
        for names, questions in ((english, ENGLISH_STAGE_QUESTIONS),
                                 (welsh, WELSH_STAGE_QUESTIONS)):
            for question in (q.format(name) for name in names for q in questions):
                best = matcher.match(question).best
                if best is None or best.entry.id != stage:
                    wrong.append(f"{question!r}: {best.entry.id if best else None}")
    assert not wrong, wrong


@pytest.mark.parametrize(("question", "expected"), [
    ("be di NICE?", "nice"), ("be di'r DTAC?", "dtac"), ("be di HTW?", "health-technology-wales"),
])
def test_what_is_an_acronym_in_spoken_welsh_is_answered(
        bundled_kb: KnowledgeBase, question: str, expected: str) -> None:
    # "be di NICE" was read as English ("nice" is an English word) and "di" diluted it.
    result = Matcher(bundled_kb).match(question)
    assert result.best is not None and result.best.entry.id == expected


ORGANISATION_QUESTIONS = ("what is {}", "who are {}", "what does {} do", "how do I contact {}",
                          "tell me about {}", "can {} help me")
ORGANISATION_QUESTIONS_CY = ("beth yw {}", "pwy yw {}", "beth mae {} yn ei wneud",
                             "sut dwi'n cysylltu efo {}", "be di {}", "all {} fy helpu?")


def test_every_organisation_is_found_by_its_names_asked_six_ways(
        bundled_kb: KnowledgeBase) -> None:
    matcher = Matcher(bundled_kb)
    wrong = []
    for org in bundled_kb.organisations:
        english = [org.name.get("en"), *(a for a in org.aliases if a.isascii())]
        welsh = [org.name.get("cy"), *(a for a in org.aliases if a.isupper())]
        for names, questions in ((english, ORGANISATION_QUESTIONS),
                                 (welsh, ORGANISATION_QUESTIONS_CY)):
            for question in (q.format(name) for name in names for q in questions):
                best = matcher.match(question).best
                if best is None or best.entry.id != org.id:
                    wrong.append(f"{question!r}: {best.entry.id if best else None}")
    assert not wrong, wrong
