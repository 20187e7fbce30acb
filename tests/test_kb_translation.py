"""The knowledge base's Welsh sent to a translation service as a .po file, and put back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.kb.loader import load_knowledge
from bot.kb.model import KnowledgeBase, Text
from bot.kb.translation import TranslationError, export_welsh, import_welsh, write_catalog
from bot.kb.welsh import entry_texts
from tests.conftest import BUNDLED_KNOWLEDGE, ENGINE_KB
from tests.test_cli import run

GLOSSARY = """\
# Welsh terms.
glossary:
  - en: stage
    cy: cam
  - en: evidence
    cy: tystiolaeth
"""


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    """The engine's knowledge base (English only, plain texts) with one Welsh draft, one
    reviewed Welsh text, a flow-style text and a glossary."""
    target = tmp_path / "knowledge"
    shutil.copytree(ENGINE_KB, target)
    (target / "glossary.yaml").write_text(GLOSSARY, encoding="utf-8")
    stages = target / "stages.yaml"
    text = stages.read_text(encoding="utf-8")
    text = text.replace(
        "  title: Idea and need\n",
        "  title:  # the first stage\n    en: Idea and need\n    cy: Syniad\n"
        "    cy_reviewed: false\n", 1)
    text = text.replace(
        "    text: Gather evidence of need\n",
        "    text:\n      en: Gather evidence of need\n      cy: Casglu tystiolaeth o angen\n"
        "      cy_reviewed: true\n", 1)
    text = text.replace("  - You are working on idea and need.\n",
                        "  - {en: You are working on idea and need.}\n", 1)
    stages.write_text(text, encoding="utf-8")
    load_knowledge(target)  # the fixture itself is a valid knowledge base
    return target


def texts_by_english(knowledge: KnowledgeBase) -> dict[str, Text]:
    return {str(text): text for entry in [*knowledge.entries(), *knowledge.signposts]
            for text in entry_texts(entry)}


def messages(catalog: Catalog) -> dict[str, object]:
    return {message.context: message for message in catalog if message.id}


def test_export_lists_missing_and_unreviewed_welsh_where_it_is(kb: Path, tmp_path: Path
                                                               ) -> None:
    catalog = export_welsh(kb)
    found = messages(catalog)
    draft = found["stages/idea/title"]
    assert (draft.id, draft.string, draft.fuzzy) == ("Idea and need", "Syniad", True)
    assert draft.locations == [("stages.yaml", 5)]  # its English
    assert "In: Idea and need" in draft.auto_comments
    assert not any(line.startswith("Glossary") for line in draft.auto_comments)
    assert "Glossary: stage: cam" in found["stages/idea/summary"].auto_comments
    missing = found["stages/idea/checklist/idea-problem/text"]
    assert (missing.id, missing.string, missing.fuzzy) == ("State the problem", "", False)
    assert found["stages/idea/signs/1"].id == "You are working on idea and need."
    # Reviewed Welsh is not sent again, unless everything is asked for.
    assert "stages/idea/checklist/idea-evidence/text" not in found
    everything = messages(export_welsh(kb, everything=True))
    reviewed = everything["stages/idea/checklist/idea-evidence/text"]
    assert (reviewed.string, reviewed.fuzzy) == ("Casglu tystiolaeth o angen", False)
    assert "Glossary: evidence: tystiolaeth" in reviewed.auto_comments
    assert len(everything) == len(found) + 1
    # Written and read back as a translation tool would.
    path = tmp_path / "cy.po"
    write_catalog(catalog, path)
    with path.open("rb") as handle:
        again = messages(read_po(handle))
    assert {key: (m.id, m.string, m.fuzzy) for key, m in again.items()} == {
        key: (m.id, m.string, m.fuzzy) for key, m in found.items()}


def test_the_bundled_knowledge_base_exports_every_text(tmp_path: Path) -> None:
    knowledge = load_knowledge(BUNDLED_KNOWLEDGE)
    every_text = [text for entry in [*knowledge.entries(), *knowledge.signposts]
                  for text in entry_texts(entry)]
    catalog = export_welsh(BUNDLED_KNOWLEDGE, everything=True)
    assert len(catalog) == len(every_text)
    unreviewed = sum("cy" not in text.reviewed for text in every_text)
    assert len(export_welsh(BUNDLED_KNOWLEDGE)) == unreviewed


def translate_all(catalog: Catalog, fuzzy_every: int = 2) -> None:
    """A reviewer's return: every text in Welsh (one of them long), every other still fuzzy."""
    for place, message in enumerate(m for m in catalog if m.id):
        message.string = f"CY {message.id}" + (" a rhagor" * 20 if place == 3 else "")
        if place % fuzzy_every:
            message.flags.add("fuzzy")
        else:
            message.flags.discard("fuzzy")


def test_a_reviewed_file_comes_back_as_welsh_text_by_text(kb: Path, tmp_path: Path) -> None:
    catalog = export_welsh(kb)
    translate_all(catalog)
    path = tmp_path / "back.po"
    write_catalog(catalog, path)
    comment_lines = [line for line in (kb / "stages.yaml").read_text().splitlines()
                     if line.lstrip().startswith("#") or "# the first stage" in line]

    report = import_welsh(kb, path)

    sent = messages(catalog)
    assert sorted(report.reviewed + report.drafts) == sorted(sent)
    assert report.stale == [] and report.unknown == []
    texts = texts_by_english(load_knowledge(kb))
    for message in sent.values():
        text = texts[message.id]
        assert text.by_lang["cy"] == message.string
        assert ("cy" in text.reviewed) is (not message.fuzzy)
    # The reviewed text nobody sent keeps its Welsh and its review.
    assert texts["Gather evidence of need"].by_lang["cy"] == "Casglu tystiolaeth o angen"
    assert "cy" in texts["Gather evidence of need"].reviewed
    # Comments stay where the team wrote them.
    after = (kb / "stages.yaml").read_text()
    assert all(line in after for line in comment_lines)
    # Importing the same file again changes nothing.
    before = {path.name: path.read_bytes() for path in kb.iterdir()}
    again = import_welsh(kb, path)
    assert again.changed == 0 and again.unchanged == len(sent)
    assert {path.name: path.read_bytes() for path in kb.iterdir()} == before


def test_approving_a_draft_changes_only_its_flag(tmp_path: Path) -> None:
    kb = tmp_path / "knowledge"
    shutil.copytree(BUNDLED_KNOWLEDGE, kb)
    catalog = export_welsh(kb)
    approved = next(m for m in catalog if m.id and len(m.string) > 300)  # folded over lines
    approved.flags.discard("fuzzy")
    path = tmp_path / "back.po"
    write_catalog(catalog, path)
    file = kb / approved.locations[0][0]
    before = file.read_text().splitlines()

    report = import_welsh(kb, path)

    assert report.reviewed == [approved.context] and report.drafts == []
    after = file.read_text().splitlines()
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert len(changed) == 1
    assert changed[0][0].strip() == "cy_reviewed: false"
    assert changed[0][1].strip() == "cy_reviewed: true"


def test_welsh_that_yaml_finds_awkward_reads_back_exactly(kb: Path, tmp_path: Path) -> None:
    awkward = ["*Pwysig*: darllenwch hwn", "- dim rhestr", "# dim sylw", "'dyfyniad' a \"mwy\"",
               "colon: yma, ac #hash", "llinell un\n• bwled\n\n  wedi'i mewnoli",
               "bwlch  dwbl " + "gair " * 40, "tab\tyma", "@dechrau"]
    catalog = export_welsh(kb)
    chosen = [m for m in catalog if m.id][:len(awkward)]
    for message, welsh in zip(chosen, awkward, strict=True):
        message.string = welsh
        message.flags.discard("fuzzy")
    path = tmp_path / "back.po"
    write_catalog(catalog, path)

    import_welsh(kb, path)

    texts = texts_by_english(load_knowledge(kb))
    for message, welsh in zip(chosen, awkward, strict=True):
        assert texts[message.id].by_lang["cy"] == welsh.strip()


def test_welsh_for_english_that_has_changed_is_not_imported(kb: Path, tmp_path: Path) -> None:
    catalog = export_welsh(kb)
    translate_all(catalog, fuzzy_every=10**6)  # all reviewed
    path = tmp_path / "back.po"
    write_catalog(catalog, path)
    stages = kb / "stages.yaml"
    stages.write_text(stages.read_text().replace("State the problem", "State the need"))

    report = import_welsh(kb, path)

    assert report.stale == ["stages/idea/checklist/idea-problem/text"]
    texts = texts_by_english(load_knowledge(kb))
    assert "cy" not in texts["State the need"].by_lang
    assert texts["Who has it and how often."].by_lang["cy"] == "CY Who has it and how often."
    assert any("the English has changed since the export: stages/idea/checklist/idea-problem"
               in line for line in report.lines(written=True))


def test_unknown_texts_are_listed_and_a_dry_run_writes_nothing(kb: Path, tmp_path: Path
                                                               ) -> None:
    catalog = export_welsh(kb)
    translate_all(catalog)
    catalog.add("Gone", "Wedi mynd", context="topics/no-such-entry/answer")
    path = tmp_path / "back.po"
    write_catalog(catalog, path)
    before = {path.name: path.read_bytes() for path in kb.iterdir()}

    report = import_welsh(kb, path, write=False)

    assert report.unknown == ["topics/no-such-entry/answer"]
    assert report.changed == len(messages(catalog)) - 1
    assert {path.name: path.read_bytes() for path in kb.iterdir()} == before
    assert report.lines(written=False)[0].startswith("would import: ")


def test_nothing_is_imported_into_a_knowledge_base_with_errors(kb: Path, tmp_path: Path
                                                               ) -> None:
    catalog = export_welsh(kb)
    translate_all(catalog)
    path = tmp_path / "back.po"
    write_catalog(catalog, path)
    topics = kb / "topics.yaml"
    topics.write_text(topics.read_text().replace("  stage: prototype", "  stage: protoype"))
    before = {path.name: path.read_bytes() for path in kb.iterdir()}

    with pytest.raises(TranslationError, match="protoype"):
        import_welsh(kb, path)
    assert {path.name: path.read_bytes() for path in kb.iterdir()} == before


@pytest.mark.parametrize("content", [b"msgid \"unterminated\n", b"\xff\xfe not a po file",
                                     b"nonsense keyword here\n"])
def test_a_file_that_is_not_a_po_file_is_refused(kb: Path, tmp_path: Path, content: bytes
                                                 ) -> None:
    path = tmp_path / "back.po"
    path.write_bytes(content)
    with pytest.raises(TranslationError, match=r"back\.po"):
        import_welsh(kb, path)


def test_the_command_line_exports_and_imports(kb: Path, tmp_path: Path) -> None:
    path = tmp_path / "cy.po"
    exported = run("kb", "export-welsh", str(path), str(kb), data_dir=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.startswith(f"wrote {path}: ")
    with path.open("rb") as handle:
        catalog = read_po(handle)
    translate_all(catalog)
    write_catalog(catalog, path)

    dry = run("kb", "import-welsh", str(path), str(kb), "--dry-run", data_dir=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("would import: ")
    done = run("kb", "import-welsh", str(path), str(kb), data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("imported: ")
    missing = run("kb", "import-welsh", str(tmp_path / "none.po"), str(kb), data_dir=tmp_path)
    assert missing.returncode == 2 and "none.po" in missing.stderr


def reviewed_po(catalog: Catalog, path: Path, **welsh: str) -> Path:
    """``catalog`` with the Welsh of each key (keyword: key with / as __) reviewed."""
    chosen = {key.replace("__", "/").replace("_", "-"): text for key, text in welsh.items()}
    for message in catalog:
        if message.context in chosen:
            message.string = chosen[message.context]
            message.flags.discard("fuzzy")
    write_catalog(catalog, path)
    return path


def test_a_windows_file_keeps_its_line_breaks_and_its_other_lines(kb: Path, tmp_path: Path
                                                                 ) -> None:
    stages = kb / "stages.yaml"
    stages.write_bytes(stages.read_bytes().replace(b"\n", b"\r\n"))
    before = stages.read_bytes().split(b"\r\n")
    path = reviewed_po(export_welsh(kb), tmp_path / "back.po", stages__idea__title="Syniad")

    import_welsh(kb, path)

    after = stages.read_bytes()
    assert b"\n" not in after.replace(b"\r\n", b"")
    changed = [line for line in after.split(b"\r\n") if line not in before]
    assert changed == [b"    cy_reviewed: true"]


def test_comments_and_blank_lines_beside_a_text_stay(kb: Path, tmp_path: Path) -> None:
    stages = kb / "stages.yaml"
    text = stages.read_text()
    text = text.replace("    cy: Syniad\n", "    cy: |  # keep it short\n      Syniad\n\n", 1)
    text = text.replace("  summary: What the idea and need stage is for.\n",
                        "  summary: What the idea and need stage is for.  # one line\n", 1)
    stages.write_text(text)
    path = reviewed_po(export_welsh(kb), tmp_path / "back.po",
                       stages__idea__title="Syniad ac angen",
                       stages__idea__summary="Beth yw pwrpas y cam syniad ac angen.")

    import_welsh(kb, path)

    after = stages.read_text()
    assert "    cy: Syniad ac angen  # keep it short\n\n    cy_reviewed: true\n" in after
    assert "  summary:  # one line\n    en: What the idea and need stage is for.\n" in after
    texts = texts_by_english(load_knowledge(kb))
    assert texts["What the idea and need stage is for."].by_lang["cy"] == (
        "Beth yw pwrpas y cam syniad ac angen.")


def test_a_file_without_a_last_line_break_takes_the_new_keys(kb: Path, tmp_path: Path) -> None:
    topics = kb / "topics.yaml"
    topics.write_text(topics.read_text().rstrip("\n"))
    catalog = export_welsh(kb)
    last = [m for m in catalog if m.id and m.locations[0][0] == "topics.yaml"][-1]
    path = reviewed_po(catalog, tmp_path / "back.po", **{
        last.context.replace("/", "__").replace("-", "_"): "Y Gymraeg"})

    import_welsh(kb, path)

    assert texts_by_english(load_knowledge(kb))[last.id].by_lang["cy"] == "Y Gymraeg"


def test_a_text_given_twice_in_the_file_is_not_imported(kb: Path, tmp_path: Path) -> None:
    path = reviewed_po(export_welsh(kb), tmp_path / "back.po", stages__idea__title="Syniad")
    entry = path.read_text().split("\n\n")
    first = next(block for block in entry if 'msgctxt "stages/idea/title"' in block)
    path.write_text(path.read_text() + "\n" + first.replace('"Syniad"', '"Hen ddrafft"'))

    report = import_welsh(kb, path)

    assert report.twice == ["stages/idea/title"]
    assert "stages/idea/title" not in report.reviewed + report.drafts
    assert any("in the file more than once: stages/idea/title" in line
               for line in report.lines(written=True))


def test_the_file_must_be_utf8_and_may_start_with_a_byte_order_mark(kb: Path, tmp_path: Path
                                                                    ) -> None:
    path = reviewed_po(export_welsh(kb), tmp_path / "back.po",
                       stages__idea__title="Syniad ŵŷ")
    content = path.read_bytes()
    latin = tmp_path / "latin.po"
    latin.write_bytes(content.replace(b"charset=utf-8", b"charset=ISO-8859-1"))
    with pytest.raises(TranslationError, match="UTF-8"):
        import_welsh(kb, latin)
    unknown = tmp_path / "unknown.po"
    unknown.write_bytes(content.replace(b"charset=utf-8", b"charset=rot13"))
    with pytest.raises(TranslationError, match=r"unknown\.po"):
        import_welsh(kb, unknown)
    marked = tmp_path / "marked.po"
    marked.write_bytes(b"\xef\xbb\xbf" + content)
    assert import_welsh(kb, marked).reviewed == ["stages/idea/title"]


def test_entries_without_msgctxt_are_counted_not_lost_in_silence(kb: Path, tmp_path: Path
                                                                 ) -> None:
    path = reviewed_po(export_welsh(kb), tmp_path / "back.po", stages__idea__title="Syniad")
    path.write_text("\n".join(line for line in path.read_text().splitlines()
                              if not line.startswith("msgctxt")) + "\n")

    report = import_welsh(kb, path)

    assert report.changed == 0 and report.skipped > 0
    assert any("without msgctxt" in line for line in report.lines(written=True))


@pytest.mark.parametrize(("flag", "reviewed"), [("Yes", True), ("ON", True), ("true", True),
                                                ("false", False), ("'true'", False)])
def test_the_export_reads_cy_reviewed_as_the_loader_does(kb: Path, flag: str, reviewed: bool
                                                         ) -> None:
    stages = kb / "stages.yaml"
    stages.write_text(stages.read_text().replace("    cy_reviewed: false\n",
                                                 f"    cy_reviewed: {flag}\n", 1))
    if flag == "'true'":  # the text "true", which the schema refuses: not reviewed either way
        with pytest.raises(TranslationError):
            export_welsh(kb)
        return
    assert ("cy" in texts_by_english(load_knowledge(kb))["Idea and need"].reviewed) is reviewed
    assert ("stages/idea/title" not in messages(export_welsh(kb))) is reviewed
