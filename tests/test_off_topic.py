"""Off-topic questions (knowledge/off_topic_questions.yaml): questions Pathway does not
answer, so that a look-alike using the knowledge base's words in another sense is declined."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

import pytest

from bot.kb.loader import check_knowledge
from bot.kb.model import Example, KnowledgeBase
from bot.matching import Matcher, MatchResult
from bot.matching.evaluate import evaluate_examples, phrasings_declined_as_off_topic
from bot.service.admin import Admin
from bot.store.questions import export_csv, unanswered

PFO = "how long does it take to recover from a patent foramen ovale repair?"
REGRADING = "my manager says I need a business case to get regraded to band 6, what goes in it?"
REGRADING_CY = "sut dwi'n cael fy swydd wedi'i hail-raddio, oes angen achos busnes?"
COPD_CY = "be di'r llinell sylfaen arferol ar gyfer sats claf COPD?"
OFF_TOPIC_FILE = """\
vocabulary:
  off_topic_questions:
    - how long is recovery after heart surgery?
    - when is payday this month
  off_topic_questions_cy:
    - pryd mae diwrnod cyflog y mis yma?
"""


@pytest.fixture(scope="module")
def real_matcher(bundled_kb: KnowledgeBase) -> Matcher:
    return Matcher(bundled_kb)


def answered(result: MatchResult) -> str | None:
    return result.best.entry.id if result.best else None


def without(matcher: Matcher, **off) -> Matcher:
    """``matcher`` with the off-topic checks named in ``off`` turned off (set to None)."""
    return Matcher(matcher.kb, replace(matcher.config, **off))


def with_questions(kb: KnowledgeBase, english: tuple[str, ...] = (),
                   welsh: tuple[str, ...] = ()) -> Matcher:
    vocabulary = replace(kb.vocabulary, off_topic_questions=english,
                         off_topic_questions_cy=welsh)
    return Matcher(replace(kb, vocabulary=vocabulary))


def test_the_bundled_list_is_loaded_in_both_languages(bundled_kb: KnowledgeBase) -> None:
    vocabulary = bundled_kb.vocabulary
    assert len(vocabulary.off_topic_questions) >= 300
    assert len(vocabulary.off_topic_questions_cy) >= 250
    background = bundled_kb.off_topic_knowledge()
    assert len(list(background.entries())) == (len(vocabulary.off_topic_questions)
                                               + len(vocabulary.off_topic_questions_cy))
    assert not background.vocabulary.off_topic_words  # they are what these questions use
    assert not background.vocabulary.off_topic_questions  # no second level of itself


def test_a_look_alike_that_fits_an_off_topic_question_as_well_is_declined(
        real_matcher: Matcher) -> None:
    """"patent" reaches an IP entry, but the question is about a heart repair."""
    result = real_matcher.match(PFO)
    assert (result.best, result.reason) == (None, "off_topic")
    assert result.candidates  # still ranked, for the unanswered report
    assert result.suggestions == ()  # no "did you mean" to the look-alike
    off = without(real_matcher, off_topic_lead=None, off_topic_meaning=None)
    assert answered(off.match(PFO)) == "patent-length-and-territory"


def test_the_same_words_about_an_idea_keep_their_answer(real_matcher: Matcher) -> None:
    assert answered(real_matcher.match("how do I write a business case for my project")) == (
        "business-case")
    assert answered(real_matcher.match("can I patent my invention?")) == "can-i-patent-an-idea"
    assert answered(real_matcher.match(
        "beth sy'n mynd mewn achos busnes ar gyfer fy mhrosiect?")) == "business-case"


def test_closeness_in_meaning_alone_declines_an_english_look_alike(real_matcher: Matcher) -> None:
    words_only = without(real_matcher, off_topic_meaning=None)
    meaning_only = without(real_matcher, off_topic_lead=None)
    neither = without(real_matcher, off_topic_lead=None, off_topic_meaning=None)
    assert answered(neither.match(REGRADING)) == "business-case"
    assert meaning_only.match(REGRADING).reason == "off_topic"
    assert words_only.match(REGRADING).reason == "off_topic"


@pytest.mark.parametrize("question, entry", [(REGRADING_CY, "business-case"),
                                             (COPD_CY, "baseline-and-aims")])
def test_a_welsh_look_alike_is_declined_by_the_welsh_questions(
        real_matcher: Matcher, question: str, entry: str) -> None:
    assert real_matcher.match(question).reason == "off_topic"
    off = without(real_matcher, off_topic_lead=None, off_topic_meaning=None)
    assert answered(off.match(question)) == entry
    # English questions are not compared by meaning with a Welsh one: the words decide
    assert without(real_matcher, off_topic_meaning=None).match(question).reason == "off_topic"


def test_an_off_topic_question_added_by_the_team_takes_effect(bundled_kb: KnowledgeBase) -> None:
    question = "is a smartwatch a medical device for my dad?"
    plain = with_questions(bundled_kb)
    assert answered(plain.match(question)) == "is-it-a-medical-device"
    taught = with_questions(bundled_kb, english=("which smartwatch should I buy my dad for his "
                                                 "birthday?",))
    assert (answered(taught.match(question)), taught.match(question).reason) == (
        None, "off_topic")
    # a question about the asker's own app still reaches the devices entry
    assert answered(taught.match("is my app a medical device?")) == (
        answered(plain.match("is my app a medical device?"))) == "apps-and-software-as-devices"


def test_no_off_topic_questions_changes_nothing(bundled_kb: KnowledgeBase) -> None:
    plain = with_questions(bundled_kb)
    assert plain._off_topic_matcher() is None
    assert answered(plain.match(PFO)) == "patent-length-and-territory"


def test_without_embeddings_the_words_still_decline(bundled_kb: KnowledgeBase, monkeypatch,
                                                    caplog) -> None:
    import bot.matching.matcher as matcher_module

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("the model file is damaged")

    monkeypatch.setattr(matcher_module, "semantic_index", broken)
    matcher = Matcher(bundled_kb)
    assert matcher.match(PFO).reason == "off_topic"  # by the words alone
    meaning_only = without(matcher, off_topic_lead=None)
    assert answered(meaning_only.match(REGRADING)) == "business-case"  # answered, no error
    assert meaning_only._nearer_off_topic(REGRADING) is None
    assert "the embeddings could not be loaded" in caplog.text


def test_a_welsh_question_is_never_compared_by_meaning(real_matcher: Matcher,
                                                       monkeypatch) -> None:
    """The embeddings know little Welsh: a Welsh question, or a short undecided one the
    Welsh index answers, is held to the words only."""
    matcher = Matcher(real_matcher.kb)

    def refuse(self: Matcher, text: str) -> None:
        raise AssertionError(f"compared by meaning: {text!r}")

    monkeypatch.setattr(Matcher, "_nearer_off_topic", refuse)
    for question in (COPD_CY, REGRADING_CY, "cymeradwyaeth moeseg", "cynllun peilot"):
        result = matcher.match(question)
        assert result.welsh and result.reason in {"confident", "off_topic"}, question


def test_a_lookup_among_organisations_is_not_held_to_the_off_topic_questions(
        real_matcher: Matcher) -> None:
    """"Connect me" names an organisation; the off-topic questions would compare a lookup's
    lower scores with whole questions."""
    text = "Digital Health and Care Wales about VPN not connecting from home"
    result = real_matcher.match(text, kinds={"organisation"})
    assert answered(result) == "digital-health-and-care-wales"


def test_a_look_alike_ask_is_not_offered_beside_the_answer(real_matcher: Matcher) -> None:
    question = ("I have an idea for a 3D-printed grip aid for patients with arthritis. "
                "How long does it take to recover from a patent foramen ovale repair?")
    result = real_matcher.match(question)
    assert answered(result) == "is-it-a-medical-device"
    assert result.asked is None  # not "See also: how long a patent lasts"
    off = without(real_matcher, off_topic_lead=None, off_topic_meaning=None)
    asked = off.match(question).asked
    assert asked is not None and asked.entry.id == "patent-length-and-territory"


def test_a_long_question_is_held_to_the_off_topic_questions_whole(
        real_matcher: Matcher, monkeypatch: pytest.MonkeyPatch) -> None:
    """Passages lift a long story's answer; the off-topic check reads the question whole
    (its passages changed no decision on any bundled or tests/data question, at a fifth
    of a long question's time)."""
    story = ("I work nights on a busy surgical ward and we keep losing track of which "
             "patients have had their falls assessment done after transfer from theatre, "
             "so a colleague and I sketched a simple whiteboard checklist that the nurse in "
             "charge fills in at handover, and the ward manager likes it. Before we try it "
             "for a month, do we need any approval, and how would we show it made a "
             "difference to falls?")
    assert len(story.split()) > 60
    matcher = Matcher(real_matcher.kb)
    background = matcher._off_topic_matcher()
    assert background is not None
    scored: list[int] = []
    real = Matcher._with_passages

    def counted(self: Matcher, *args, **kwargs):
        scored.append(id(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Matcher, "_with_passages", counted)
    assert matcher.match(story).best is not None
    assert id(matcher) in scored and id(background) not in scored


def test_prepare_builds_the_off_topic_matcher_and_vectors(bundled_kb: KnowledgeBase) -> None:
    matcher = Matcher(bundled_kb)
    assert matcher._off_topic is None and matcher._off_topic_vectors is None
    matcher.prepare()
    assert matcher._off_topic is not None
    assert matcher._off_topic_vectors is not None
    assert len(matcher._off_topic_vectors) == len(bundled_kb.vocabulary.off_topic_questions)


def test_kb_check_finds_an_off_topic_question_that_stops_a_phrasing(
        bundled_kb: KnowledgeBase) -> None:
    assert phrasings_declined_as_off_topic(Matcher(bundled_kb)) == []
    phrasing = "do I need approval to run a small test of change"
    entry = next(e for e in bundled_kb.entries() if phrasing in e.phrasings)
    question = f"{phrasing} for my mum?"
    taught = with_questions(bundled_kb, english=(question,))
    assert (question, entry.id, phrasing) in phrasings_declined_as_off_topic(taught)


def test_a_phrasing_inside_two_off_topic_questions_is_listed_for_each_and_matched_once(
        bundled_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    phrasing = "do I need approval to run a small test of change"
    entry = next(e for e in bundled_kb.entries() if phrasing in e.phrasings)
    questions = (f"{phrasing} for my mum?", f"{phrasing} at my kid's school?")
    vocabulary = bundled_kb.vocabulary  # among the others: two alone share every word
    taught = with_questions(bundled_kb, english=(*vocabulary.off_topic_questions, *questions),
                            welsh=vocabulary.off_topic_questions_cy)
    # Without naive Bayes, which splits its share between two questions this alike.
    taught = Matcher(taught.kb, replace(taught.config, bayes_share=0.0))
    matched: list[str] = []
    match = taught.match

    def counting(text: str, *args: object, **kwargs: object) -> object:
        matched.append(text)
        return match(text, *args, **kwargs)

    monkeypatch.setattr(taught, "match", counting)
    found = phrasings_declined_as_off_topic(taught)
    assert [(q, entry.id, phrasing) for q in questions] == [f for f in found if f[2] == phrasing]
    assert matched.count(phrasing) == 1


def test_the_file_loads_from_a_knowledge_base_directory(kb_dir: Path) -> None:
    (kb_dir / "off_topic_questions.yaml").write_text(OFF_TOPIC_FILE, encoding="utf-8")
    result = check_knowledge(kb_dir, today="2026-06-01")
    assert result.knowledge is not None, [str(p) for p in result.problems]
    vocabulary = result.knowledge.vocabulary
    assert vocabulary.off_topic_questions == ("how long is recovery after heart surgery?",
                                              "when is payday this month")
    assert vocabulary.off_topic_questions_cy == ("pryd mae diwrnod cyflog y mis yma?",)


@pytest.mark.parametrize("bad, line, message", [
    ("    - 42\n", 4, "off_topic_questions[2]"),
    ("    - ''\n", 4, "must not be empty"),
    ("    - how long is recovery after heart surgery?\n", 3, "lists the same thing twice"),
])
def test_a_bad_off_topic_question_is_refused_with_its_line(kb_dir: Path, bad: str, line: int,
                                                           message: str) -> None:
    text = OFF_TOPIC_FILE.replace("    - when is payday this month\n", bad)
    (kb_dir / "off_topic_questions.yaml").write_text(text, encoding="utf-8")
    result = check_knowledge(kb_dir, today="2026-06-01")
    assert result.knowledge is None
    errors = [str(p) for p in result.errors]
    assert errors and all(f"off_topic_questions.yaml:{line}:" in e for e in errors), errors
    assert any(message in e for e in errors), errors


def warnings_with_question(kb_dir: Path, question: str) -> list[str]:
    """kb check's warnings once ``question`` takes the file's line 4, as a team member
    might write it there."""
    text = OFF_TOPIC_FILE.replace("    - when is payday this month\n", f"    - {question}\n")
    (kb_dir / "off_topic_questions.yaml").write_text(text, encoding="utf-8")
    result = check_knowledge(kb_dir, today="2026-06-01")
    assert result.knowledge is not None
    return [str(p) for p in result.warnings if "off_topic_questions.yaml:4:" in str(p)]


def test_an_off_topic_question_that_is_also_a_phrasing_is_warned_of(kb_dir: Path) -> None:
    kb = check_knowledge(kb_dir, today="2026-06-01").knowledge
    assert kb is not None
    phrasing = next(entry.phrasings[0] for entry in kb.entries() if entry.phrasings)
    warnings = warnings_with_question(kb_dir, f"\"{phrasing.upper()}?\"")
    assert any("is also a phrasing of" in w for w in warnings), warnings


def ask(pathway, text: str):
    return pathway.respond("T1", "U1", text)


def test_the_reply_says_what_pathway_is_for_and_where_to_go_instead(bundled) -> None:
    reply = ask(bundled, PFO)
    assert reply.kind == "no_match" and not reply.suggestions and not reply.options
    assert reply.text.startswith("That looks like something outside what I cover")
    assert "your line manager or the team that usually deals with it" in reply.text
    assert "R&D or innovation office" not in reply.text  # nobody to ask about a heart repair
    # an ordinary decline still offers a person who can help with an idea
    vague = ask(bundled, "what about the thing with the forms for the new one")
    assert vague.kind == "no_match" and "A person to ask" in vague.text


def test_the_reply_is_in_welsh_for_a_welsh_question(bundled) -> None:
    reply = ask(bundled, COPD_CY)
    assert reply.kind == "no_match" and not reply.suggestions
    assert reply.text.startswith("Mae hynny'n edrych fel rhywbeth y tu hwnt i'r hyn rwy'n ei "
                                 "drafod")
    assert "eich rheolwr llinell" in reply.text and "line manager" not in reply.text


def test_a_decline_names_the_off_topic_question_it_was_like(real_matcher: Matcher) -> None:
    vocabulary = real_matcher.kb.vocabulary
    by_words = real_matcher.match(PFO)
    assert by_words.off_topic_like in vocabulary.off_topic_questions
    assert "foramen" in by_words.off_topic_like.casefold()
    by_meaning = without(real_matcher, off_topic_lead=None).match(REGRADING)
    assert by_meaning.reason == "off_topic"
    assert by_meaning.off_topic_like in vocabulary.off_topic_questions
    welsh = real_matcher.match(COPD_CY)
    assert welsh.off_topic_like in vocabulary.off_topic_questions_cy
    assert real_matcher.match("can I patent my invention?").off_topic_like is None


def test_kb_check_says_which_off_topic_question_stopped_an_example(
        real_matcher: Matcher) -> None:
    example = Example(PFO, "patent-length-and-territory", "knowledge/examples.yaml", 7)
    report = evaluate_examples(real_matcher, [example])
    assert report.in_scope_correct == 0
    line = report.failures[0].describe()
    assert line.startswith("knowledge/examples.yaml:7: ")
    assert "got no answer (off_topic, top " in line
    assert f"like the off-topic question {real_matcher.match(PFO).off_topic_like!r}" in line


def test_the_unanswered_report_names_the_off_topic_question(bundled) -> None:
    admin = Admin(bundled, frozenset({"UADMIN"}))
    ask(bundled, PFO)
    ask(bundled, "How long does it take to recover from a patent foramen ovale repair")
    ask(bundled, "what about the thing with the forms for the new one")
    expected = Matcher(bundled.knowledge.current.knowledge).match(PFO).off_topic_like
    lines = admin.run("UADMIN", "unanswered 7").text.splitlines()
    pfo = next(line for line in lines if "foramen" in line)
    assert pfo.strip().startswith("2 x ")
    assert f'[declined as off-topic, like "{expected}" (off_topic_questions.yaml)]' in pfo
    other = next(line for line in lines if "forms for the new one" in line)
    assert "off-topic" not in other and "closest:" in other
    rows = list(csv.DictReader(io.StringIO(admin.run("UADMIN", "export 30").csv)))
    likes = {r["question_or_entry"]: r["off_topic_like"] for r in rows
             if r["report"] == "unanswered"}
    assert likes[PFO] == expected
    assert likes["what about the thing with the forms for the new one"] == ""


def test_older_log_rows_and_the_more_than_half_rule(bundled_kb: KnowledgeBase) -> None:
    like = bundled_kb.vocabulary.off_topic_questions[0]
    old = {"text": "when is payday", "answered": None, "closest": None, "closest_score": 0.0}
    groups = unanswered([old], bundled_kb)  # a row from before off_topic_like existed
    assert groups[0].off_topic_like is None
    most = [dict(old, off_topic_like=like), dict(old, off_topic_like=like), old]
    assert unanswered(most, bundled_kb)[0].off_topic_like == like
    half = [dict(old, off_topic_like=like), old]
    assert unanswered(half, bundled_kb)[0].off_topic_like is None
    rows = list(csv.reader(io.StringIO(export_csv(unanswered(most, bundled_kb), [], []))))
    assert len({len(row) for row in rows}) == 1 and rows[1][-1] == like


def test_an_off_topic_question_that_is_also_an_out_of_scope_example_is_warned_of(
        kb_dir: Path) -> None:
    """Copied into the list, the example would be declined by being copied: it would
    measure nothing."""
    assert "what is the weather today" in (kb_dir / "examples.yaml").read_text("utf-8")
    warnings = warnings_with_question(kb_dir, "What is the weather today?")
    assert any("is also an out-of-scope example" in w for w in warnings), warnings


def test_the_bundled_list_and_examples_do_not_overlap(bundled_kb: KnowledgeBase) -> None:
    result = check_knowledge(bundled_kb.directory)
    assert not [p for p in result.warnings if "off_topic_questions" in p.file], [
        str(p) for p in result.warnings]
