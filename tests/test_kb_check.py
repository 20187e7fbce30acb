"""Knowledge base validation: every problem reported as file:line: message, in plain words."""

from __future__ import annotations

import gc
import itertools
import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from bot.kb.loader import FILE_KINDS, KnowledgeError, check_knowledge, load_knowledge, schema_for
from bot.kb.model import Opening, Vocabulary
from bot.kb.schema_errors import describe_schema_error
from bot.kb.yamlsource import YamlSyntaxError, parse_yaml
from tests.conftest import ENGINE_KB, FIXTURES, ROOT


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
  off_topic_words: [payslip, annual leave]
  openings:
    - entry: idea
      phrases: [I have an idea]
      phrases_cy: [mae gen i syniad]
"""


def test_vocabulary_file_is_loaded(kb_dir: Path) -> None:
    (kb_dir / "vocabulary.yaml").write_text(VOCABULARY, encoding="utf-8")
    kb = load_knowledge(kb_dir)
    assert kb.vocabulary.context_words == ("Hywel Dda", "band 6")
    assert kb.vocabulary.synonyms == (("QI", "quality improvement"),)
    assert kb.vocabulary.off_topic_words == ("payslip", "annual leave")
    assert kb.vocabulary.openings == (Opening("idea", ("I have an idea", "mae gen i syniad")),)
    assert kb.vocabulary.without_off_topic_words().openings == ()
    assert check_knowledge(kb_dir, today="2026-06-01").problems == []


def test_knowledge_base_without_vocabulary_has_an_empty_one(kb_dir: Path) -> None:
    kb = load_knowledge(kb_dir)
    assert kb.vocabulary == Vocabulary()


@pytest.mark.parametrize(("old", "new", "line_needle", "expected"), [
    ("  context_words:", "  context_word:", "context_word:",
     "unknown field 'context_word' (did you mean 'context_words'?)"),
    ("  context_words: [Hywel Dda, band 6]", "  context_words: Hywel Dda", "context_words:",
     "'context_words' should be a list"),
    ("    - [QI, quality improvement]", "    - [QI]", "- [QI]",
     "'synonyms' needs at least 2 item(s), has 1"),
    ("  off_topic_words: [payslip, annual leave]", "  off_topic_words: [payslip, payslip]",
     "off_topic_words:", "'off_topic_words' lists the same thing twice"),
    ("    - [QI, quality improvement]", "    - QI", "- QI", "'synonyms' should be a list"),
    ("    - entry: idea", "    - entry: ideas", "entry: ideas",
     "'ideas' is not an existing entry id"),
    ("      phrases_cy: [mae gen i syniad]\n", "", "- entry: idea",
     "missing required field 'phrases_cy'"),
    ("[I have an idea]", "[idea]", "phrases: [idea]", "is not a valid"),
])
def test_vocabulary_problems_name_file_line_and_fix(kb_dir: Path, old: str, new: str,
                                                    line_needle: str, expected: str) -> None:
    path = kb_dir / "vocabulary.yaml"
    path.write_text(VOCABULARY.replace(old, new), encoding="utf-8")
    assert new in path.read_text(encoding="utf-8")
    found = messages(kb_dir)
    line = line_of(path, line_needle)
    assert any(m.startswith(f"{path}:{line}: ") and expected in m for m in found), found


def test_an_entry_using_an_off_topic_word_gets_a_warning(kb_dir: Path) -> None:
    (kb_dir / "vocabulary.yaml").write_text(
        VOCABULARY.replace("[payslip, annual leave]", "[payslip, REC]"), encoding="utf-8")
    result = check_knowledge(kb_dir, today="2026-06-01")
    assert result.errors == [] and result.knowledge is not None  # a warning, not an error
    topics = kb_dir / "topics.yaml"
    found = [str(w) for w in result.warnings]
    for needle, field, text in [("- do I need REC review", "phrasing", "do I need REC review"),
                                ("  - REC", "keyword", "REC")]:
        line = line_of(topics, needle)
        assert any(w.startswith(f"{topics}:{line}: warning: 'ethics-approval' {field} "
                                f"'{text}' uses the off-topic word 'REC'") for w in found), found
    assert len(found) == 2  # only the texts with the word in them


def _node_lines(node: yaml.Node) -> list[tuple[str, int, int]]:
    """Every node's kind, start line and end line, depth first."""
    found = [(type(node).__name__, node.start_mark.line, node.end_mark.line)]
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            found += _node_lines(key) + _node_lines(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found += _node_lines(item)
    return found


@pytest.mark.parametrize("path", sorted(ROOT.glob("knowledge/**/*.yaml")) + sorted(
    FIXTURES.glob("**/*.yaml")), ids=lambda p: str(p.relative_to(ROOT)))
def test_libyaml_and_pure_python_parsers_agree(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fast, pure = parse_yaml(text), parse_yaml(text, pure_python=True)
    assert fast.data == pure.data
    assert _node_lines(fast.root) == _node_lines(pure.root)


@pytest.mark.parametrize("pure_python", [False, True])
@pytest.mark.parametrize(("text", "line"), [
    ("topics:\n- id: x\n   title: [unclosed\n", 3),
    ("topics:\n- id: x\n  title: [a, b\n  answer: y\n", 4),
    ("topics:\n  - id: x\n - id: y\n", 3),
    ("topics: 'open\n", 1),  # where the quote that is never closed opened
    ("topics: [\x01]\n", 1),  # a control character: reported, not a crash
])
def test_yaml_syntax_errors_have_the_same_line_with_either_parser(
        text: str, line: int, pure_python: bool) -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        parse_yaml(text, pure_python=pure_python)
    assert caught.value.line == line


@pytest.mark.parametrize("pure_python", [False, True])
def test_duplicate_keys_and_dates_with_either_parser(pure_python: bool) -> None:
    doc = parse_yaml("a: 1\nb:\n  c: 2026-01-01\n  c: x\na: 2\n", pure_python=pure_python)
    assert doc.data == {"a": 2, "b": {"c": "x"}}
    assert doc.duplicate_keys == [("a", 5), ("c", 4)]  # the outer mapping is checked first
    assert parse_yaml("reviewed: 2026-01-01\n", pure_python=pure_python).data == {
        "reviewed": "2026-01-01"}


BAD_VALUES = ["", "   ", "x", 5, True, None, [], ["", "ok"], {}, {"en": ""}, {"cy": "hi"},
              {"en": "ok", "fr": "non"}, "Not An Id", "a" * 400, "evaluation", "2026-1-1",
              "example.org/x", ["idea", "idea"], [1, 2]]


def _bad_copies(data: Any) -> Iterator[Any]:
    """``data`` with one value at a time replaced by each of ``BAD_VALUES``, or removed."""
    if isinstance(data, dict):
        items = list(data.items())
    elif isinstance(data, list):
        items = list(enumerate(data))
    else:
        return
    for key, value in items:
        for bad in [*BAD_VALUES, ...]:
            copy = dict(data) if isinstance(data, dict) else list(data)
            if bad is not ...:
                copy[key] = bad
            elif isinstance(copy, dict):
                del copy[key]
            else:
                continue
            yield copy
        for inner in _bad_copies(value):
            copy = dict(data) if isinstance(data, dict) else list(data)
            copy[key] = inner
            yield copy


@pytest.mark.parametrize("path", sorted(ENGINE_KB.glob("*.yaml")), ids=lambda p: p.name)
def test_inlined_schema_reports_exactly_what_the_ref_schema_does(path: Path) -> None:
    data = parse_yaml(path.read_text(encoding="utf-8")).data
    kind = next(k for k in FILE_KINDS if k in data)
    text = resources.files("bot.kb").joinpath("schemas", f"{kind}.schema.json").read_text()
    reference = Draft202012Validator(json.loads(text))  # following its $refs
    checked = 0
    for bad in itertools.islice(_bad_copies(data), 400):
        expected = [(list(e.absolute_path), e.message, describe_schema_error(e, bad))
                    for e in reference.iter_errors(bad)]
        found = [(list(e.absolute_path), e.message, describe_schema_error(e, bad))
                 for e in schema_for(kind).iter_errors(bad)]
        assert found == expected
        checked += bool(expected)
    assert checked > 50


def test_garbage_collection_is_back_on_after_a_check(kb_dir: Path) -> None:
    edit(kb_dir / "topics.yaml", "  answer: 'It depends", "  answr: 'It depends")
    assert check_knowledge(kb_dir).errors
    assert gc.isenabled()
