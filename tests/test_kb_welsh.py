"""Welsh in the knowledge base: cy_reviewed, phrasings_cy, the glossary, coverage, web addresses."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from bot.kb.loader import check_knowledge, load_knowledge
from bot.kb.model import STAGE_IDS, Stage
from bot.kb.welsh import MIN_WELSH_PHRASINGS, mutations, welsh_coverage
from tests.conftest import ROOT

TODAY = "2026-06-01"

STAGE = """\
  - id: {id}
    title: {title}
    summary: {summary}
    signs: [A sign.]
    checklist:
      - {{id: {id}-one, text: Do one thing, help: Why it matters.}}
    next_steps: [Move on.]
    organisations: []
    phrasings: [what is the {id} stage]
    source: https://example.org/stages
    reviewed: 2026-01-01
"""

TOPIC = """\
topics:
  - id: ethics-approval
    title: Do I need ethics approval?
    answer: {answer}
    phrasings: [do I need ethics approval, is REC review needed, ethics committee,
                ethical approval for a project]
    phrasings_cy:
      - oes angen cymeradwyaeth foesegol arna i
      - be' am ethics approval
      - oes rhaid cael caniatâd moesegol
      - ethics i'r prosiect?
    source: https://example.org/hra
    reviewed: 2026-01-01
"""

EXAMPLES = """\
examples:
  - {q: do I need ethics approval, expect: ethics-approval}
  - {q: oes angen cymeradwyaeth foesegol arna i, expect: ethics-approval, lang: cy}
  - {q: be' di'r cam syniad, expect: idea, lang: cy}
out_of_scope:
  - what's the weather like today
  - {q: sut mae'r tywydd heddiw, lang: cy}
"""

GLOSSARY = """\
glossary:
  - en: stage
    cy: cam
    avoid: [llwyfan]
  - en: ethical approval
    cy: cymeradwyaeth foesegol
    avoid: [cymeradwyaeth moesegol, caniatâd moesegol]
"""

IDEA_TITLE = "{en: Idea and need, cy: Syniad ac angen, cy_reviewed: true}"
IDEA_SUMMARY = "{en: State the problem., cy: Disgrifiwch y broblem.}"
ANSWER = """
      en: Ask the HRA decision tool at https://www.hra-decisiontool.org.uk/ first.
      cy: Gofynnwch i offeryn penderfynu'r HRA yn https://www.hra-decisiontool.org.uk/ yn gyntaf."""


def write_kb(root: Path, idea_title: str = IDEA_TITLE, idea_summary: str = IDEA_SUMMARY,
             answer: str = ANSWER) -> Path:
    """A five-stage knowledge base with one topic, Welsh examples and a glossary."""
    root.mkdir(exist_ok=True)
    stages = [STAGE.format(id=stage_id, title=stage_id.title(), summary="A summary.")
              for stage_id in STAGE_IDS]
    stages[0] = STAGE.format(id="idea", title=idea_title, summary=idea_summary)
    (root / "stages.yaml").write_text("stages:\n" + "".join(stages), encoding="utf-8")
    (root / "topics.yaml").write_text(TOPIC.format(answer=answer), encoding="utf-8")
    (root / "examples.yaml").write_text(EXAMPLES, encoding="utf-8")
    (root / "glossary.yaml").write_text(GLOSSARY, encoding="utf-8")
    return root


def messages(root: Path) -> list[str]:
    return [str(p) for p in check_knowledge(root, today=TODAY).problems]


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if needle in line)


def test_the_fixture_is_clean(tmp_path: Path) -> None:
    assert messages(write_kb(tmp_path / "kb")) == []


def test_cy_reviewed_without_cy_is_refused_with_file_and_line(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "kb", idea_title="{en: Idea and need, cy_reviewed: true}")
    line = line_of(root / "stages.yaml", "cy_reviewed: true")
    result = check_knowledge(root, today=TODAY)
    assert result.knowledge is None
    assert [str(p) for p in result.errors] == [
        f"{root / 'stages.yaml'}:{line}: stages[1] (idea) title: 'title' has 'cy_reviewed' but "
        "no Welsh 'cy:' text; cy_reviewed is allowed only beside cy: add the Welsh or remove "
        "cy_reviewed"]


def test_cy_reviewed_must_be_true_or_false(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "kb", idea_title="{en: Idea, cy: Syniad, cy_reviewed: yes please}")
    assert any("'cy_reviewed' must be true or false" in m for m in messages(root))


def test_welsh_phrasings_and_review_flags_load(tmp_path: Path) -> None:
    knowledge = load_knowledge(write_kb(tmp_path / "kb"))
    topic = knowledge.get("ethics-approval")
    assert topic is not None
    assert topic.phrasings_cy[0] == "oes angen cymeradwyaeth foesegol arna i"
    assert topic.every_phrasing == (*topic.phrasings, *topic.phrasings_cy)
    idea = knowledge.stage("idea")
    assert idea is not None
    assert idea.title.get("cy") == "Syniad ac angen"
    assert dict(idea.title.by_lang) == {"en": "Idea and need", "cy": "Syniad ac angen"}
    assert idea.title.reviewed == frozenset({"cy"})
    assert idea.summary.reviewed == frozenset()
    assert [e.lang for e in knowledge.examples] == ["en", "cy", "cy", "en", "cy"]


def test_coverage_counts_texts_reviews_phrasings_and_examples(tmp_path: Path) -> None:
    coverage = welsh_coverage(load_knowledge(write_kb(tmp_path / "kb")))
    # Five stages of six texts (title, summary, sign, item text, item help, next step), and a
    # topic's title and answer: 32 texts. Welsh: the idea title (reviewed), the idea summary
    # and the topic answer.
    assert (coverage.texts, coverage.welsh_texts, coverage.unreviewed) == (32, 3, 2)
    assert coverage.thin_entries == STAGE_IDS  # the topic has 4 Welsh phrasings
    assert (coverage.examples_in_scope, coverage.examples_out_of_scope) == (2, 1)
    assert coverage.summary_lines() == [
        "welsh: 3/32 texts have Welsh (9.4%), 2 not yet reviewed by a Welsh speaker "
        "(kb export-welsh FILE writes them for a translation service)",
        f"welsh phrasings: 5/6 entries have fewer than {MIN_WELSH_PHRASINGS}",
        "welsh examples: 2 in scope, 1 out of scope",
    ]


def test_an_avoided_variant_warns_in_its_mutated_form(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "kb",
                    idea_summary="{en: At this stage, cy: Ar y lwyfan hwn, cy_reviewed: false}")
    line = line_of(root / "stages.yaml", "Ar y lwyfan hwn")
    assert messages(root) == [
        f"{root / 'stages.yaml'}:{line}: warning: 'idea' summary (cy) uses 'lwyfan': the "
        "glossary's Welsh term for 'stage' is 'cam' (knowledge/glossary.yaml)"]


def test_a_two_word_variant_warns_and_welsh_phrasings_are_not_checked(tmp_path: Path) -> None:
    # The topic's phrasings_cy say "caniatâd moesegol" (as people type) and are not checked.
    answer = "{en: You need ethics approval., cy: Mae angen gymeradwyaeth moesegol.}"
    root = write_kb(tmp_path / "kb", answer=answer)
    found = messages(root)
    assert len(found) == 1
    assert "'ethics-approval' answer (cy) uses 'gymeradwyaeth moesegol'" in found[0]
    assert "'cymeradwyaeth foesegol'" in found[0]


@pytest.mark.parametrize("text", [
    "Camau'r llwybr", "Syniad ar lwyfannau", "cymeradwyaeth foesegol"])
def test_the_right_terms_and_longer_words_do_not_warn(tmp_path: Path, text: str) -> None:
    root = write_kb(tmp_path / "kb", idea_summary=f"{{en: A summary, cy: \"{text}\"}}")
    assert messages(root) == []


def test_a_welsh_answer_without_the_english_web_address_warns(tmp_path: Path) -> None:
    answer = """
      en: Ask the HRA decision tool at https://www.hra-decisiontool.org.uk/.
      cy: Gofynnwch i offeryn penderfynu'r HRA."""
    root = write_kb(tmp_path / "kb", answer=answer)
    line = line_of(root / "topics.yaml", "cy: Gofynnwch")
    assert messages(root) == [
        f"{root / 'topics.yaml'}:{line}: warning: 'ethics-approval' answer: the Welsh (cy) "
        "text leaves out https://www.hra-decisiontool.org.uk/, which the English carries"]


def test_an_english_only_answer_does_not_warn_about_web_addresses(tmp_path: Path) -> None:
    answer = "Ask the HRA decision tool at https://www.hra-decisiontool.org.uk/."
    assert messages(write_kb(tmp_path / "kb", answer=answer)) == []


@pytest.mark.parametrize(("word", "forms"), [
    ("cam", {"gam", "ngham", "cham"}),
    ("pont", {"bont", "mhont", "phont"}),
    ("tad", {"dad", "nhad", "thad"}),
    ("gwelliant", {"welliant", "ngwelliant"}),
    ("bwrdd", {"fwrdd", "mwrdd"}),
    ("dyfais", {"ddyfais", "nyfais"}),
    ("llwyfan", {"lwyfan"}),
    ("mesur", {"fesur"}),
    ("rhestr", {"restr"}),
    ("Cymru", {"gymru", "nghymru", "chymru"}),
    ("chwilio", set()),  # ch, ph, th, dd, ff and ng are letters of their own
    ("ffurflen", set()),
    ("arloesi", set()),  # vowels, and letters that do not mutate
    ("sefydliad", set()),
    ("g", {"ng"}),  # a lone g loses itself to nothing in the soft mutation, not to ""
])
def test_mutations(word: str, forms: set[str]) -> None:
    assert mutations(word) == forms


def test_every_schema_shares_the_text_definition() -> None:
    schemas = resources.files("bot.kb").joinpath("schemas")
    texts = {}
    for path in schemas.iterdir():
        defs = json.loads(path.read_text("utf-8")).get("$defs", {})
        if "text" in defs:
            texts[path.name] = json.dumps(defs["text"], sort_keys=True)
            assert "cy_reviewed" in texts[path.name]
    assert len(texts) == 6 and len(set(texts.values())) == 1


def test_the_bundled_stages_are_wholly_in_welsh(bundled_kb) -> None:
    """The pilot translation: every stage text has Welsh, awaiting review, with phrasings."""
    for stage in bundled_kb.stages:
        assert isinstance(stage, Stage)
        texts = [stage.title, stage.summary, *stage.signs, *stage.next_steps,
                 *(t for item in stage.checklist for t in (item.text, item.help))]
        assert all("cy" in text.by_lang and text.reviewed == frozenset() for text in texts)
        assert len(stage.phrasings_cy) >= MIN_WELSH_PHRASINGS


def test_the_bundled_knowledge_base_has_a_clean_glossary() -> None:
    result = check_knowledge(ROOT / "knowledge")
    assert [str(p) for p in result.problems if "glossary" in str(p)] == []
