"""Welsh for every message: the gettext catalogue, its coverage, and Slack's length limits."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from bot.core import catalogue
from bot.core.wording import CATALOGUE, COVERAGE, say

BOT = Path(__file__).resolve().parent.parent / "bot"
# say("key" ...) as the label of a button, an option (rendered as a button) or a modal title.
LIMITED_CALL = re.compile(r"""\b(?:button|Option|modal_label|_option)\(\s*(?:f["'][^"']*\{)?"""
                          r"""say\(\s*(["'])([^"'{}]+)\1""")
MARKUP = ("*", "•", "`", "_", "\n")
# Values as long as the real ones get (a stage title, an organisation's name, a count).
SAMPLE_VALUES = {"title": "Prototeip a phrofi", "count": 12, "number": 5,
                 "text": "Siaradwch â'ch swyddfa Ymchwil a Datblygu", "org": "Gwelliant Cymru"}


def _placeholders(template: str) -> list[str]:
    return sorted(name for _, name, _, _ in string.Formatter().parse(template) if name)


def _po():
    return catalogue.read_translations(catalogue.po_path("cy"))


def _filled(template: str) -> str:
    values = dict.fromkeys(_placeholders(template), "x" * 10) | SAMPLE_VALUES
    return template.format(**values)


def test_every_key_has_welsh() -> None:
    coverage = COVERAGE["cy"]
    without = sorted((*coverage.missing, *coverage.stale))
    assert not without, f"no usable Welsh in pathway.po for: {', '.join(without)}"
    assert all(CATALOGUE[key].get("cy", "").strip() for key in CATALOGUE)


def test_welsh_lives_in_the_po_file_not_inline() -> None:
    inline = sorted(COVERAGE["cy"].inline)
    assert not inline, ("Welsh written in wording.py: run `python -m bot.core.catalogue export`, "
                        f"then delete the inline text, for: {', '.join(inline)}")


def test_po_parses_and_its_english_matches_the_source() -> None:
    po = _po()
    assert po is not None and str(po.locale) == "cy"
    entries = {message.context: message for message in po if message.id}
    assert not [m for m in po if m.id and not m.context], "every entry needs its key as msgctxt"
    changed = sorted(key for key, message in entries.items()
                     if key in CATALOGUE and (message.id != CATALOGUE[key]["en"]
                                              or (message.fuzzy and message.previous_id)))
    assert not changed, ("the English changed since these were translated; update the Welsh "
                         f"and clear the flag: {', '.join(changed)}")
    assert sorted(entries) == sorted(CATALOGUE), "run `python -m bot.core.catalogue export`"


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_welsh_keeps_the_placeholders_and_markup(key: str) -> None:
    english, welsh = CATALOGUE[key]["en"], CATALOGUE[key].get("cy", "")
    assert _placeholders(welsh) == _placeholders(english)
    assert [welsh.count(mark) for mark in MARKUP] == [english.count(mark) for mark in MARKUP]


@pytest.mark.parametrize(("key", "limit"), sorted(
    (key, limit) for key, (limit, _) in catalogue.SLACK_LIMITS.items()))
@pytest.mark.parametrize("lang", ["en", "cy"])
def test_slack_labels_fit_in_both_languages(key: str, limit: int, lang: str) -> None:
    text = _filled(say(key, lang) if lang == "en" else CATALOGUE[key]["cy"])
    assert len(text) <= limit, (key, lang, len(text), text)


def test_every_button_and_modal_label_key_is_listed_with_a_limit() -> None:
    used = {match.group(2) for path in sorted(BOT.rglob("*.py"))
            for match in LIMITED_CALL.finditer(path.read_text(encoding="utf-8"))}
    assert len(used) > 20  # the scan really finds the calls
    assert not sorted(used - set(catalogue.SLACK_LIMITS))


def test_modal_titles_are_held_to_24_characters() -> None:
    assert {key for key, (limit, _) in catalogue.SLACK_LIMITS.items() if limit == 24} == set(
        catalogue.MODAL_KEYS)
    assert catalogue.SLACK_LIMITS["option.yes"][0] == 75


def test_say_returns_the_welsh() -> None:
    assert say("checklist.progress", "cy", done=2, total=7) == "2 o 7 wedi'u gwneud"
    assert say("slack.connect_me", "cy") == "Fy nghysylltu"
    assert say("checklist.progress", done=2, total=7) == "2 of 7 done"


def test_a_draft_is_used_but_counted_unreviewed_and_stale_welsh_is_not_used(
        tmp_path: Path) -> None:
    english = {"a": {"en": "Hello"}, "b": {"en": "Bye"}, "c": {"en": "New English"},
               "d": {"en": "Untranslated"}}
    po, _ = catalogue.update_translations(english, "cy", None)
    po.get("Hello", context="a").string = "Helo"  # a reviewed translation: no fuzzy flag
    draft = po.get("Bye", context="b")
    draft.string, draft.flags = "Hwyl", {"fuzzy"}
    stale = po.get("New English", context="c")
    stale.id, stale.string = "Old English", "Hen Saesneg"  # translated from older English
    path = tmp_path / "cy.po"
    catalogue._write(po, path)
    filled = {key: dict(entry) for key, entry in english.items()}
    coverage = catalogue.fill_translations(filled, "cy", path)
    assert (coverage.reviewed, coverage.drafts) == (("a",), ("b",))
    assert (coverage.stale, coverage.missing) == (("c",), ("d",))
    assert "cy" not in filled["c"]  # say() falls back to English rather than the old Welsh
    assert filled["b"]["cy"] == "Hwyl"


def test_export_keeps_translations_and_marks_changed_english_fuzzy(tmp_path: Path) -> None:
    old, _ = catalogue.update_translations({"a": {"en": "Old"}, "gone": {"en": "Bye"}}, "cy",
                                           None, inline={"a": "Hen", "gone": "Hwyl"})
    old.get("Old", context="a").flags = set()  # reviewed
    new, counts = catalogue.update_translations({"a": {"en": "New"}, "b": {"en": "Hi"}}, "cy",
                                                old)
    assert counts == {"kept": 0, "changed": 1, "moved": 0, "new": 1, "obsolete": 1}
    changed = new.get("New", context="a")
    assert (changed.string, changed.fuzzy, changed.previous_id) == ("Hen", True, ["Old"])
    path = tmp_path / "cy.po"
    catalogue._write(new, path)
    text = path.read_text(encoding="utf-8")
    assert '#| msgid "Old"' in text and '#~ msgctxt "gone"' in text
    filled = {"a": {"en": "New"}, "b": {"en": "Hi"}}
    assert catalogue.fill_translations(filled, "cy", path).stale == ("a",)


def test_check_prints_the_figures(capsys: pytest.CaptureFixture[str]) -> None:
    status = catalogue.main(["check"])
    out = capsys.readouterr().out
    coverage = COVERAGE["cy"]
    assert f"cy: {len(CATALOGUE)} keys, {coverage.translated} translated" in out
    assert f"{len(coverage.reviewed)} reviewed" in out
    assert status == (0 if not (coverage.missing or coverage.stale) else 1)


def test_export_writes_a_template_with_every_key(tmp_path: Path) -> None:
    pot = tmp_path / "pathway.pot"
    english = {key: {"en": entry["en"]} for key, entry in CATALOGUE.items()}
    catalogue._write(catalogue.build_template(english), pot)
    with pot.open("rb") as pot_file:
        template = catalogue.read_po(pot_file)
    assert sorted(m.context for m in template if m.id) == sorted(CATALOGUE)
    assert not [m for m in template if m.id and m.string]
    assert "At most 24 characters" in pot.read_text(encoding="utf-8")
