"""Finding known phrases (lists of stems) inside a question's stems."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable


def by_first(phrases: Iterable[tuple[str, ...]]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Phrases grouped by their first stem, longest first."""
    grouped: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for phrase in dict.fromkeys(phrases):
        grouped[phrase[0]].append(phrase)
    return {first: tuple(sorted(found, key=len, reverse=True)) for first, found in grouped.items()}


def occurrences(stems: list[str], phrases: dict[str, tuple[tuple[str, ...], ...]]
                ) -> list[tuple[int, int]]:
    """(start, length) of every phrase found as consecutive stems."""
    found = []
    for start, first in enumerate(stems):
        for phrase in phrases.get(first, ()):
            if tuple(stems[start:start + len(phrase)]) == phrase:
                found.append((start, len(phrase)))
    return found
