"""A second opinion for ranking: multinomial naive Bayes over each entry's words.

The phrase scores in ``matcher.py`` ask how well one phrasing explains the question. A long
question that tells a story ("I'm a midwife and we tried ... it flopped ... what now?") is
explained by no single phrasing, yet its words together are far likelier under one entry's
phrasings than under another's. This model reads every word of the question at once: the
probability of the question's words under each entry, each entry's words counted over its
phrases (title, phrasings, keywords), with additive smoothing. The matcher blends the
posterior of its top candidates into their scores.

The posterior's denominator sums over every entry. Entries sharing no word with the question
differ only by their size, so their part of the sum is precomputed once per question length;
the cost of a question grows with the entries sharing its words, not with the knowledge base.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from itertools import chain

import numpy as np

from bot.matching.index import Index


class WordModel:
    """How likely each entry is to be the one a question's words were written about."""

    def __init__(self, index: Index, smoothing: float, temperature: float) -> None:
        self.temperature = temperature
        by_entry: list[list[frozenset[str]]] = [[] for _ in index.entries]
        for phrase in index.phrases:
            by_entry[phrase.entry].append(phrase.tokens)
        counts = [Counter(chain.from_iterable(phrases)) for phrases in by_entry]
        vocabulary = len(index.postings) or 1
        # log P(word | entry) = log(count + a) - log(total + a V): the floor is the log
        # probability of a word the entry never uses, the gain what using it adds.
        self._floor = tuple(math.log(smoothing / (sum(c.values()) + smoothing * vocabulary))
                            for c in counts)
        self._floors = np.array(self._floor)
        gains: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for entry, entry_counts in enumerate(counts):
            for word, count in entry_counts.items():
                gains[word].append((entry, math.log((count + smoothing) / smoothing)))
        # Per word: the entries using it, and what it adds to each, as arrays.
        self._gains = {word: (np.array([entry for entry, _ in pairs], dtype=np.intp),
                              np.array([gain for _, gain in pairs]))
                       for word, pairs in gains.items()}
        self._rest: dict[int, float] = {}  # question length -> log sum over all entries

    def posterior(self, words: list[str]) -> dict[int, float]:
        """P(entry | words) for every entry using one of ``words``; the rest share what is
        left. Words the knowledge base never uses are ignored: they favour no entry."""
        words = [word for word in words if word in self._gains]
        if not words:
            return {}
        scale = 1 / self.temperature
        entries = np.concatenate([self._gains[word][0] for word in words])
        # Each entry's gains summed in the words' order, listed in the order the words
        # first reach them, so every sum below adds up in the same order as one loop would.
        touched, first = np.unique(entries, return_index=True)
        touched = touched[np.argsort(first, kind="stable")]
        summed = np.bincount(entries, minlength=len(self._floor),
                             weights=np.concatenate([self._gains[word][1] for word in words]))
        length = len(words)
        # As arrays, operation for operation what a loop over the entries computed; the
        # exponentials by math.exp, which numpy's exp differs from in the last bit.
        log_like = (length * self._floors[touched] + summed[touched]) * scale
        top = float(log_like.max())
        # Entries using none of the words; the touched ones are counted here too, at their
        # floor, which is negligible beside their real likelihood.
        rest = self._rest_for(length) - top
        total = math.exp(rest) if rest > -700 else 0.0
        mass = [math.exp(value - top) for value in log_like.tolist()]
        total += sum(mass)
        return dict(zip(touched.tolist(), [value / total for value in mass], strict=True))

    def _rest_for(self, length: int) -> float:
        """log of the summed likelihoods of a question of ``length`` words using no entry's
        words, over every entry (log-sum-exp, cached per length)."""
        if length not in self._rest:
            scaled = [length * floor / self.temperature for floor in self._floor]
            top = max(scaled)
            self._rest[length] = top + math.log(sum(math.exp(v - top) for v in scaled))
        return self._rest[length]
