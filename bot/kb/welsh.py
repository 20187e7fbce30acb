"""Welsh in the knowledge base: glossary terms, web addresses kept in translation, coverage.

The checks warn, never refuse: a partly translated knowledge base still answers in full,
falling back to English text by text.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from bot.base.phrases import by_first
from bot.kb.model import ChecklistItem, Entry, KnowledgeBase, Organisation, Text
from bot.kb.problems import LoadedFile

MIN_WELSH_PHRASINGS = 4
_ENTRY_FILES = ("stages", "organisations", "topics", "guidance", "signposts")
_URL = re.compile(r"https?://[^\s<>()\[\]{}\"']+")
_WORD = re.compile(r"\w+")

# Initial mutations (soft, nasal, aspirate) by the letters a word starts with. Two-letter
# starts come first: "ll" and "rh" mutate as themselves, and "ch", "ph", "th", "dd", "ff",
# "ng" are letters of their own (or already mutated), so they do not mutate as c, p, t, d, f.
_MUTATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ll", ("l",)), ("rh", ("r",)),
    ("ch", ()), ("ph", ()), ("th", ()), ("dd", ()), ("ff", ()), ("ng", ()),
    ("c", ("g", "ngh", "ch")), ("p", ("b", "mh", "ph")), ("t", ("d", "nh", "th")),
    ("g", ("", "ng")), ("b", ("f", "m")), ("d", ("dd", "n")), ("m", ("f",)),
)

Report = Callable[[LoadedFile, list, str, str], None]


def mutations(word: str) -> frozenset[str]:
    """The mutated forms of a Welsh word (lower case), not including the word itself.

    >>> sorted(mutations("cam"))
    ['cham', 'gam', 'ngham']
    """
    word = word.lower()
    for start, replacements in _MUTATIONS:
        if word.startswith(start):
            rest = word[len(start):]
            return frozenset(f"{new}{rest}" for new in replacements if new + rest) - {word}
    return frozenset()


def check_welsh(files: list[LoadedFile], report: Report) -> None:
    """Warn about Welsh texts using a glossary ``avoid`` variant, and Welsh texts that drop a
    web address their English carries."""
    avoid = _avoid_variants(files)
    by_first_word = by_first(avoid)
    for loaded, path, entry in _entries(files):
        for text_path, text in _two_language_texts(entry, path):
            field = _field_name(text_path)
            welsh = text.get("cy")
            if not isinstance(welsh, str):
                continue
            for variant, term in _variants_used(welsh, avoid, by_first_word):
                report(loaded, [*text_path, "cy"],
                       f"'{entry['id']}' {field} (cy) uses '{variant}': the glossary's Welsh "
                       f"term for '{term['en']}' is '{term['cy']}' (knowledge/glossary.yaml)",
                       "warning")
            missing = [url for url in _urls(text.get("en", "")) if url not in _urls(welsh)]
            if missing:
                report(loaded, [*text_path, "cy"],
                       f"'{entry['id']}' {field}: the Welsh (cy) text leaves out "
                       f"{', '.join(missing)}, which the English carries", "warning")


def _entries(files: list[LoadedFile]) -> Iterator[tuple[LoadedFile, list, dict[str, Any]]]:
    for loaded in files:
        if loaded.kind in _ENTRY_FILES:
            for index, entry in enumerate(loaded.doc.data[loaded.kind]):
                yield loaded, [loaded.kind, index], entry


def _two_language_texts(node: Any, path: list) -> Iterator[tuple[list, dict[str, Any]]]:
    """(path, text) of every ``{en: ..., cy: ...}`` text inside an entry, at any depth."""
    if isinstance(node, dict):
        if isinstance(node.get("en"), str):
            yield path, node
            return
        for key, value in node.items():
            yield from _two_language_texts(value, [*path, key])
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _two_language_texts(value, [*path, index])


def _field_name(path: list) -> str:
    """'checklist[2] help' for [stages, 0, checklist, 1, help]: the path inside the entry."""
    parts: list[str] = []
    for step in path[2:]:
        if isinstance(step, int) and parts:
            parts[-1] += f"[{step + 1}]"
        else:
            parts.append(str(step))
    return " ".join(parts)


def _urls(text: str) -> list[str]:
    """Web addresses in a text, without trailing punctuation."""
    return [url.rstrip(".,;:!?") for url in _URL.findall(text)]


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _avoid_variants(files: list[LoadedFile]) -> dict[tuple[str, ...], dict[str, Any]]:
    """Every avoided variant, as its words and with its first word mutated -> its term."""
    found: dict[tuple[str, ...], dict[str, Any]] = {}
    for loaded in files:
        if loaded.kind != "glossary":
            continue
        for term in loaded.doc.data["glossary"]:
            for variant in term.get("avoid", ()):
                words = _words(variant)
                if not words:
                    continue
                for first in (words[0], *sorted(mutations(words[0]))):
                    found.setdefault((first, *words[1:]), term)
    return found


def _variants_used(welsh: str, avoid: dict[tuple[str, ...], dict[str, Any]],
                   by_first_word: dict[str, tuple[tuple[str, ...], ...]]
                   ) -> Iterator[tuple[str, dict[str, Any]]]:
    """(variant as written in the text, its glossary term) for each avoided variant used,
    longest first where several start at one word; ``by_first_word`` is ``avoid``'s variants
    by their first word (phrases.by_first), so a word starting none is passed at once."""
    words = _words(welsh)
    seen: set[str] = set()
    for start, first in enumerate(words):
        for variant in by_first_word.get(first, ()):
            window = tuple(words[start:start + len(variant)])
            if window == variant and " ".join(window) not in seen:
                seen.add(" ".join(window))
                yield " ".join(window), avoid[window]


@dataclass(frozen=True)
class WelshCoverage:
    """How much of the knowledge base is in Welsh, for ``kb check``."""

    texts: int
    welsh_texts: int
    unreviewed: int
    entries: int
    thin_entries: tuple[str, ...]  # ids of entries with fewer than MIN_WELSH_PHRASINGS
    examples_in_scope: int
    examples_out_of_scope: int

    @property
    def percent(self) -> float:
        """Texts with Welsh, as a percentage of all texts."""
        return 100 * self.welsh_texts / self.texts if self.texts else 0.0

    def summary_lines(self) -> list[str]:
        """The lines ``kb check`` prints."""
        waiting = self.unreviewed + self.texts - self.welsh_texts
        return [
            f"welsh: {self.welsh_texts}/{self.texts} texts have Welsh ({self.percent:.1f}%), "
            f"{self.unreviewed} not yet reviewed by a Welsh speaker"
            + (" (kb export-welsh FILE writes them for a translation service)" if waiting
               else ""),
            f"welsh phrasings: {len(self.thin_entries)}/{self.entries} entries have fewer "
            f"than {MIN_WELSH_PHRASINGS}",
            f"welsh examples: {self.examples_in_scope} in scope, "
            f"{self.examples_out_of_scope} out of scope",
        ]


def welsh_coverage(knowledge: KnowledgeBase) -> WelshCoverage:
    """Count texts with Welsh, unreviewed Welsh, thinly phrased entries and Welsh examples."""
    entries = [*knowledge.entries(), *knowledge.signposts]
    texts = [text for entry in entries for text in entry_texts(entry)]
    welsh = [text for text in texts if "cy" in text.by_lang]
    examples = [e for e in knowledge.examples if e.lang == "cy"]
    return WelshCoverage(
        texts=len(texts),
        welsh_texts=len(welsh),
        unreviewed=sum("cy" not in text.reviewed for text in welsh),
        entries=len(entries),
        thin_entries=tuple(e.id for e in entries if len(e.phrasings_cy) < MIN_WELSH_PHRASINGS),
        examples_in_scope=sum(e.expect is not None or e.signpost is not None for e in examples),
        examples_out_of_scope=sum(e.expect is None and e.signpost is None for e in examples),
    )


def entry_texts(entry: Entry) -> Iterator[Text]:
    """Every user-facing text of an entry, each once (an organisation's title is its name)."""
    for item in dataclasses.fields(entry):
        if item.name == "title" and isinstance(entry, Organisation):
            continue
        value = getattr(entry, item.name)
        for part in value if isinstance(value, tuple) else (value,):
            if isinstance(part, Text):
                yield part
            elif isinstance(part, ChecklistItem):
                yield from (part.text, part.help)
