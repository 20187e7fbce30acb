"""The message catalogue: every key the code says exists, and every entry is well formed."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from bot.channels.slack import referral_blocks
from bot.core.referral import FIELD_LIMITS, OPEN_STATUSES, TEAM_ACTIONS
from bot.core.wording import CATALOGUE, say

BOT = Path(__file__).resolve().parent.parent / "bot"
LITERAL_KEY = re.compile(r"""\bsay\(\s*(["'])([^"'{}]+)\1\s*[,)]""")
DYNAMIC_KEY = re.compile(r"""\bsay\(\s*f(["'])([^"'{}]*)\{""")


def _sources() -> list[Path]:
    return sorted(BOT.rglob("*.py"))


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_literal_key_used_in_bot_exists() -> None:
    used = {(path.relative_to(BOT).as_posix(), match.group(2))
            for path in _sources()
            for match in LITERAL_KEY.finditer(path.read_text(encoding="utf-8"))}
    assert len(used) > 50  # the scan really finds the calls
    missing = sorted(f"{where}: {key}" for where, key in used if key not in CATALOGUE)
    assert not missing


def test_every_dynamic_key_prefix_has_entries() -> None:
    prefixes = {match.group(2) for path in _sources()
                for match in DYNAMIC_KEY.finditer(path.read_text(encoding="utf-8"))}
    assert prefixes
    assert not [p for p in prefixes if not any(key.startswith(p) for key in CATALOGUE)]


def test_dynamic_keys_cover_every_value_they_are_built_from() -> None:
    keys = [f"form.label_{name}" for name in FIELD_LIMITS]
    keys += [f"referral.field_{name}" for name in FIELD_LIMITS]
    keys += [f"connect.label_{name}" for name in FIELD_LIMITS]
    keys += [f"team.button_{action}" for action in TEAM_ACTIONS]
    keys += [f"status.{status}" for status in (*OPEN_STATUSES, *TEAM_ACTIONS.values(),
                                               "withdrawn")]
    keys += [f"slack.scope_{scope}" for scope in ("wales", "uk", "england")]
    keys += list(referral_blocks.TEAM_LABEL_KEYS.values())
    assert not [key for key in keys if key not in CATALOGUE]


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_entry_has_english_and_consistent_placeholders(key: str) -> None:
    entry = CATALOGUE[key]
    assert entry.get("en", "").strip()
    english = _placeholders(entry["en"])
    for lang, template in entry.items():
        assert _placeholders(template) == english, (key, lang)


def test_say_fills_placeholders_and_falls_back_to_english(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert say("checklist.progress", done=2, total=7) == "2 of 7 done"
    assert say("slack.help_title") == "Pathway commands"
    monkeypatch.setitem(CATALOGUE, "test.untranslated", {"en": "Only {what} English"})
    assert say("test.untranslated", "cy", what="in") == "Only in English"
    assert say("test.untranslated", "fr", what="in") == "Only in English"
