"""Knowledge base validation: every problem reported as file:line: message, in plain words."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.kb.loader import KnowledgeError, check_knowledge, load_knowledge
from tests.conftest import ENGINE_KB


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A writable copy of the engine-test knowledge base."""
    target = tmp_path / "knowledge"
    shutil.copytree(ENGINE_KB, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if needle in line)


def messages(kb_dir: Path) -> list[str]:
    return [str(p) for p in check_knowledge(kb_dir, today="2026-06-01").problems]


def test_valid_knowledge_base_has_no_problems(kb_dir: Path) -> None:
    result = check_knowledge(kb_dir, today="2026-06-01")
    assert result.problems == []
    assert result.knowledge is not None
    assert [s.id for s in result.knowledge.stages] == [
        "idea", "prototype", "evaluate", "adopt", "spread"]


@pytest.mark.parametrize(("file", "old", "new", "line_needle", "expected"), [
    ("topics.yaml", "  answer: 'It depends", "  answr: 'It depends", "answr:",
     "unknown field 'answr' (did you mean 'answer'?)"),
    ("topics.yaml", "  stage: evaluate", "  stage: evaluation", "stage: evaluation",
     "'evaluation' is not allowed for 'stage'; use one of: idea, prototype"),
    ("topics.yaml", "source: https://example.org/hra", "source: example.org/hra",
     "source: example.org/hra", "is not a valid 'source'"),
    ("topics.yaml", "reviewed: '2026-01-01'", "reviewed: 1st January", "1st January",
     "'1st January' is not a valid 'reviewed'"),
    ("topics.yaml", "- id: patents", "- id: Patents Info", "Patents Info",
     "'Patents Info' is not a valid 'id'"),
    ("topics.yaml", "  - do I need REC review", "  - '   '", "'   '",
     "'phrasings' must not be empty"),
    ("organisations.yaml", "  stages:\n  - prototype", "  stages: prototype",
     "stages: prototype", "'stages' should be a list"),
    ("stages.yaml", "  organisations:\n  - mhra", "  organisations:\n  - mhra-wales",
     "mhra-wales", "'mhra-wales' is not an existing organisation id"),
    ("examples.yaml", "expect: medical-device", "expect: medical-devices", "medical-devices",
     "'medical-devices' is not an existing entry id"),
])
def test_problems_name_file_line_and_fix(kb_dir: Path, file: str, old: str, new: str,
                                         line_needle: str, expected: str) -> None:
    path = kb_dir / file
    edit(path, old, new)
    found = messages(kb_dir)
    line = line_of(path, line_needle)
    assert any(m.startswith(f"{path}:{line}: ") and expected in m for m in found), found


def test_missing_required_field(kb_dir: Path) -> None:
    path = kb_dir / "topics.yaml"
    text = path.read_text()
    start = text.index("  answer: 'Its intended purpose")
    end = text.index("\n", start)
    path.write_text(text[:start] + text[end + 1:])
    assert any("(medical-device): missing required field 'answer'" in m
               for m in messages(kb_dir))


def test_duplicate_ids_across_files(kb_dir: Path) -> None:
    edit(kb_dir / "evaluation.yaml", "- id: run-charts", "- id: patents")
    found = messages(kb_dir)
    assert any("id 'patents' is already used at" in m and "topics.yaml" in m for m in found)


def test_duplicate_keys_are_reported(kb_dir: Path) -> None:
    edit(kb_dir / "topics.yaml", "  stage: prototype\n", "  stage: prototype\n  stage: idea\n")
    assert any("'stage' appears twice" in m for m in messages(kb_dir))


def test_yaml_syntax_error_has_a_line(kb_dir: Path) -> None:
    path = kb_dir / "topics.yaml"
    edit(path, "- id: patents", "- id: patents\n   title: [unclosed")
    found = messages(kb_dir)
    assert len(found) == 1 and found[0].startswith(f"{path}:") and "YAML syntax" in found[0]


def test_missing_stage_and_unknown_file_kind(kb_dir: Path) -> None:
    (kb_dir / "notes.yaml").write_text("hello: world\n")
    found = messages(kb_dir)
    assert any("notes.yaml:1: file must start with exactly one of" in m for m in found)


def test_wrong_date_and_stale_review(kb_dir: Path) -> None:
    edit(kb_dir / "topics.yaml", "reviewed: '2026-01-01'", "reviewed: '2026-02-30'")
    result = check_knowledge(kb_dir, today="2027-06-01")
    texts = [str(p) for p in result.problems]
    assert any("'2026-02-30' is not a real date" in t for t in texts)
    assert any("warning:" in t and "over 12 months ago" in t for t in texts)


def test_stale_entries_are_only_warnings(kb_dir: Path) -> None:
    result = check_knowledge(kb_dir, today="2027-06-01")
    assert result.errors == []
    assert result.warnings and result.knowledge is not None


def test_load_knowledge_raises_with_every_error(kb_dir: Path) -> None:
    edit(kb_dir / "topics.yaml", "  answer: 'It depends", "  answr: 'It depends")
    edit(kb_dir / "organisations.yaml", "  summary: Regulates", "  summry: Regulates")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(kb_dir)
    assert len(caught.value.problems) >= 2


def test_welsh_text_is_accepted(kb_dir: Path) -> None:
    edit(kb_dir / "topics.yaml", "title: Do I need ethics approval?",
         "title: {en: 'Do I need ethics approval?', cy: 'Oes angen cymeradwyaeth foesegol arnaf?'}")
    kb = load_knowledge(kb_dir)
    topic = kb.get("ethics-approval")
    assert topic is not None
    assert topic.title.get("cy") == "Oes angen cymeradwyaeth foesegol arnaf?"
    assert topic.title.get("en") == "Do I need ethics approval?"
    assert kb.get("patents").title.get("cy") == "Protecting your idea with a patent"


def test_missing_directory(tmp_path: Path) -> None:
    result = check_knowledge(tmp_path / "nope")
    assert result.knowledge is None
    assert "not found" in str(result.problems[0])


VOCABULARY = """vocabulary:
  context_words: [Hywel Dda, band 6]
  synonyms:
    - [QI, quality improvement]
"""


def test_vocabulary_file_is_loaded(kb_dir: Path) -> None:
    (kb_dir / "vocabulary.yaml").write_text(VOCABULARY, encoding="utf-8")
    kb = load_knowledge(kb_dir)
    assert kb.vocabulary.context_words == ("Hywel Dda", "band 6")
    assert kb.vocabulary.synonyms == (("QI", "quality improvement"),)


def test_knowledge_base_without_vocabulary_has_an_empty_one(kb_dir: Path) -> None:
    kb = load_knowledge(kb_dir)
    assert kb.vocabulary.context_words == () and kb.vocabulary.synonyms == ()


@pytest.mark.parametrize(("old", "new", "line_needle", "expected"), [
    ("  context_words:", "  context_word:", "context_word:",
     "unknown field 'context_word' (did you mean 'context_words'?)"),
    ("  context_words: [Hywel Dda, band 6]", "  context_words: Hywel Dda", "context_words:",
     "'context_words' should be a list"),
    ("    - [QI, quality improvement]", "    - [QI]", "- [QI]",
     "'synonyms' needs at least 2 item(s), has 1"),
    ("    - [QI, quality improvement]", "    - QI", "- QI", "'synonyms' should be a list"),
])
def test_vocabulary_problems_name_file_line_and_fix(kb_dir: Path, old: str, new: str,
                                                    line_needle: str, expected: str) -> None:
    path = kb_dir / "vocabulary.yaml"
    path.write_text(VOCABULARY.replace(old, new), encoding="utf-8")
    assert new in path.read_text(encoding="utf-8")
    found = messages(kb_dir)
    line = line_of(path, line_needle)
    assert any(m.startswith(f"{path}:{line}: ") and expected in m for m in found), found
