"""The knowledge base's vocabulary (context words, synonyms, off-topic words), found in a
question.

Both are words or short phrases from vocabulary.yaml, tokenised exactly like a phrasing, so
"Cardiff and Vale" is the stems ("cardiff", "vale"). A phrase is found in a question as a
run of consecutive informative words, so "band 6" is context but "band" alone is not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.base.normalise import tokens
from bot.base.phrases import by_first, occurrences
from bot.kb.model import Vocabulary


@dataclass(frozen=True)
class QuestionVocabulary:
    """What the vocabulary says about one question's stems."""

    context: frozenset[str] = frozenset()  # stems that only say who or where the asker is
    # stem -> what it may stand for: stems, or several stems joined by spaces, all of which
    # a phrase must contain; synonyms (vocabulary.yaml) and aliases (organisation names)
    synonyms: dict[str, frozenset[str]] = field(default_factory=dict)
    aliases: dict[str, frozenset[str]] = field(default_factory=dict)
    off_topic: frozenset[str] = frozenset()  # stems that mark the question as outside the remit


class VocabularyIndex:
    """Context phrases, off-topic phrases, synonym groups and alias groups, ready to find in a
    question."""

    def __init__(self, vocabulary: Vocabulary, aliases: Iterable[Iterable[str]] = ()) -> None:
        self.context = by_first(_tokenised(vocabulary.context_words))
        self.off_topic = by_first(_tokenised(vocabulary.off_topic_words))
        self.synonyms = _Groups(vocabulary.synonyms)
        self.aliases = _Groups(aliases)
        # Every stem of every phrase above: what a word may be looked up by.
        self.stems = frozenset(
            word for table in (self.context, self.off_topic) for grouped in table.values()
            for phrase in grouped for word in phrase) | frozenset(
            word for groups in (self.synonyms, self.aliases) for group in groups.groups
            for phrase in group for word in phrase)

    def read(self, stems: list[str]) -> QuestionVocabulary:
        """Context stems (every occurrence inside a context phrase), off-topic stems (any
        occurrence inside an off-topic phrase) and each stem's stand-ins."""
        return QuestionVocabulary(_only_inside(stems, self.context), self.synonyms.stand_ins(stems),
                                  self.aliases.stand_ins(stems),
                                  off_topic=_inside(stems, self.off_topic))


class _Groups:
    """Groups of phrases that mean the same, as stem tuples keyed by their first stem."""

    def __init__(self, groups: Iterable[Iterable[str]]) -> None:
        self.groups = tuple(_tokenised(group) for group in groups)
        self.members = by_first(member for group in self.groups for member in group)
        self.group_of: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for number, group in enumerate(self.groups):
            for member in group:
                self.group_of[member].append(number)

    def stand_ins(self, stems: list[str]) -> dict[str, frozenset[str]]:
        """Each stem inside a member found in ``stems`` -> the group's other members."""
        found: dict[str, set[str]] = defaultdict(set)
        for start, length in occurrences(stems, self.members):
            member = tuple(stems[start:start + length])
            others = {" ".join(other) for number in self.group_of[member]
                      for other in self.groups[number] if other != member}
            for stem in member:
                found[stem].update(others - {stem})
        return {stem: frozenset(others) for stem, others in found.items() if others}


def _only_inside(stems: list[str], phrases: dict[str, tuple[tuple[str, ...], ...]]
                 ) -> frozenset[str]:
    """Stems found inside one of ``phrases`` every time they occur."""
    covered = [False] * len(stems)
    for start, length in occurrences(stems, phrases):
        covered[start:start + length] = [True] * length
    inside = {s for s, hit in zip(stems, covered, strict=True) if hit}
    outside = {s for s, hit in zip(stems, covered, strict=True) if not hit}
    return frozenset(inside - outside)


def _inside(stems: list[str], phrases: dict[str, tuple[tuple[str, ...], ...]]
            ) -> frozenset[str]:
    """Stems found inside one of ``phrases`` at least once."""
    return frozenset(stem for start, length in occurrences(stems, phrases)
                     for stem in stems[start:start + length])


def _tokenised(phrases: Iterable[str]) -> list[tuple[str, ...]]:
    """Distinct non-empty stem tuples of ``phrases``; phrases of common words only are dropped."""
    found = (tuple(tokens(phrase)) for phrase in phrases)
    return list(dict.fromkeys(words for words in found if words))
