"""The bilingual index is built when a question first needs it, and answers as if built first."""

import threading
from pathlib import Path

import pytest

from bot.kb.loader import load_knowledge
from bot.kb.model import KnowledgeBase
from bot.matching import Matcher, MatchResult
from bot.matching.evaluate import load_examples
from bot.service.knowledge import KnowledgeHolder

REAL_KB = Path(__file__).parent.parent / "knowledge"
WELSH_DEV = Path(__file__).parent / "data" / "blind_cy_dev.yaml"
ENGLISH = "do I need ethics approval for my project?"
WELSH = "oes angen cymeradwyaeth foesegol arna i?"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(REAL_KB)


def seen(result: MatchResult) -> tuple:
    """What a user sees of a match: the answer, why, the scored candidates, see also."""
    return (result.best.entry.id if result.best else None, result.reason,
            [(m.entry.id, m.score) for m in result.candidates],
            [m.entry.id for m in result.related], [m.entry.id for m in result.suggestions])


def test_english_questions_leave_the_welsh_index_unbuilt(kb: KnowledgeBase) -> None:
    matcher = Matcher(kb)
    assert matcher.match(ENGLISH).best is not None
    assert matcher._welsh_matcher is None
    assert matcher.match(WELSH).best is not None
    assert matcher._welsh_matcher is not None


def test_built_late_it_answers_exactly_as_built_first(kb: KnowledgeBase) -> None:
    # English first, so the late matcher builds its Welsh index in the middle of the run.
    questions = [e.question for e in kb.examples if e.lang == "en"]
    questions += [e.question for e in kb.examples if e.lang == "cy"]
    questions += [e.question for e in load_examples(WELSH_DEV)]
    early = Matcher(kb)
    early._welsh()  # built before the first question
    late = Matcher(kb)
    assert [seen(late.match(q)) for q in questions] == [seen(early.match(q)) for q in questions]


def test_questions_arriving_together_share_one_welsh_index(kb: KnowledgeBase) -> None:
    matcher = Matcher(kb)
    questions = [e.question for e in load_examples(WELSH_DEV)][:8]
    start = threading.Barrier(len(questions))
    answers: dict[str, tuple] = {}
    built: set[int] = set()

    def ask(question: str) -> None:
        start.wait()
        answers[question] = seen(matcher.match(question))
        built.add(id(matcher._welsh()))

    threads = [threading.Thread(target=ask, args=(q,)) for q in questions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 1
    reference = Matcher(kb)
    assert answers == {q: seen(reference.match(q)) for q in questions}


def test_a_reload_matches_against_the_edited_welsh_texts(tmp_path: Path) -> None:
    directory = tmp_path / "kb"
    directory.mkdir()
    for path in REAL_KB.rglob("*.yaml"):
        target = directory / path.relative_to(REAL_KB)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    holder = KnowledgeHolder(directory)
    question = "beth am y wiwer goch ar y to?"
    assert holder.current.matcher.match(question).best is None
    stages = directory / "stages.yaml"
    text = stages.read_text(encoding="utf-8")
    marker = "    phrasings_cy:\n"
    assert marker in text
    stages.write_text(text.replace(marker, marker + f'      - "{question}"\n', 1),
                      encoding="utf-8")
    assert holder.reload().ok
    assert holder.current.matcher.match(question).best is not None
