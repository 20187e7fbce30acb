"""The search index built once per knowledge base: tokenised phrases, IDF weights, postings.

Every entry contributes several *phrases*: its title (every language), phrasings and
keywords, and for an organisation its name and aliases. A question is scored against each
phrase; an entry's score is the best of its phrases.

A word the entry's phrasings use but not its title, name or keywords is counted by how many
of its phrasings use it (``Index.phrasing_uses``). A word only one phrasing uses is
*incidental* to the entry: "Our pharmacy team want to test a new way of booking flu jabs; do
we need exec approval?" is about approval, not about flu jabs. A word several phrasings use
is more and more what the entry is about.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.base.memory import cycle_collector_paused
from bot.base.normalise import meaningful_words, normalised_text, stem
from bot.base.welsh import radical, unmutated
from bot.kb.load_cache import forget_kept_normalised, kept_normalised
from bot.kb.model import Entry, Organisation


@dataclass(frozen=True)
class Phrase:
    """One tokenised way of asking for an entry."""

    entry: int  # position of the entry in ``Index.entries``
    tokens: frozenset[str]
    # The tokens sorted and joined by spaces: rapidfuzz's token_sort_ratio is a plain ratio
    # of two such texts, so the phrase's half is made once here, not for every question.
    sorted_text: str
    weight: float  # sum of the tokens' IDF weights
    strength: float  # multiplies the phrase's score: keywords, shared across entries, weigh less


class Index:
    """Phrases, the vocabulary with IDF weights, and an inverted index token → phrases."""

    def __init__(self, entries: Iterable[Entry], keyword_strength: float = 1.0,
                 welsh: bool = False) -> None:
        with cycle_collector_paused():
            self.welsh = welsh  # also the Welsh texts, keyed by dictionary forms
            self.entries: tuple[Entry, ...] = tuple(entries)
            self.position = {entry.id: n for n, entry in enumerate(self.entries)}
            texts = [_entry_texts(entry, welsh) for entry in self.entries]
            raw = [(position, words, keyword_strength if is_keyword else 1.0)
                   for position, entry_texts in enumerate(texts)
                   for words, is_keyword in _phrase_tokens(entry_texts)]
            self.idf = _idf(raw, len(self.entries))
            # The weight of a word used by one entry only; unknown words weigh this much (times
            # MatcherConfig.unknown_weight): a question in words the KB never uses scores low.
            self.max_idf = math.log(1 + max(len(self.entries), 1))
            self.phrases = tuple(_phrase(position, words, strength, self.idf)
                                 for position, words, strength in raw)
            entry_tokens: list[set[str]] = [set() for _ in self.entries]
            for position, words, _ in raw:
                entry_tokens[position].update(words)
            self.entry_tokens = tuple(frozenset(words) for words in entry_tokens)
            self.phrasing_uses = tuple(_phrasing_uses(entry_texts) for entry_texts in texts)
            postings: dict[str, list[int]] = defaultdict(list)
            for phrase_id, phrase in enumerate(self.phrases):
                for word in phrase.tokens:
                    postings[word].append(phrase_id)
            self.postings = {word: tuple(ids) for word, ids in postings.items()}
            # The same as arrays, to score many phrases or entries at once (matcher.py): each
            # word as its place in ``words``, each phrase's and entry's words as one run.
            self.words = tuple(sorted(self.postings))
            self.word_id = {word: place for place, word in enumerate(self.words)}
            self.word_idf = np.array([self.idf[word] for word in self.words])
            self.phrase_runs = Runs.of([phrase.tokens for phrase in self.phrases], self.word_id)
            self.entry_runs = Runs.of(self.entry_tokens, self.word_id)
            self.phrase_entry = np.array([phrase.entry for phrase in self.phrases], dtype=np.intp)
            self.phrase_strength = np.array([phrase.strength for phrase in self.phrases])
            self.phrase_weight = np.array([phrase.weight for phrase in self.phrases])
            self.sorted_texts = tuple(phrase.sorted_text for phrase in self.phrases)
            self.stem_of = _spellings(texts)
            self.by_initial = _by_initial(sorted(self.stem_of))
            self.verbatim = _verbatim(texts)
        # The caches only bridge the load and this index over one load; don't hold the texts.
        normalised_text.cache_clear()
        forget_kept_normalised()

    def similar_words(self, word: str, cutoff: float, min_length: int, typos: bool = True
                      ) -> dict[str, float]:
        """Known stems matching the (unstemmed) ``word`` exactly or, if long enough and
        ``typos``, closely.

        Typos are found among the knowledge base's own spellings, before stemming: fuzz.ratio
        catches missing and extra letters, OSA catches swapped ones ("ethcis"). A typo seldom
        changes the first letter, so a spelling that starts differently is not one: "gloves"
        is not a misspelt "loves".
        """
        stemmed = stem(word)
        if stemmed in self.postings:
            return {stemmed: 1.0}
        welsh = self.welsh_form(word) if self.welsh else None
        if welsh is not None:  # a mutated Welsh word, before any typo: "ddyfais" is "dyfais"
            return {welsh: 1.0}
        if not typos or len(word) < min_length or not word.isalpha():
            return {}
        found: dict[str, float] = {}
        spellings = self.by_initial.get(word[0], ())
        for scorer, scale in ((fuzz.ratio, 100), (OSA.normalized_similarity, 1)):
            hits = process.extract(word, spellings, scorer=scorer, limit=3,
                                   score_cutoff=cutoff * scale / 100)
            for spelling, score, _ in hits:
                known = self.stem_of[spelling]
                found[known] = max(score / scale, found.get(known, 0.0))
        return found

    def welsh_form(self, word: str) -> str | None:
        """The known stem of an unknown word's Welsh dictionary or unmutated form, if any."""
        for form in (radical(word), *unmutated(word)):
            stemmed = stem(form)
            if form != word and stemmed in self.postings:
                return stemmed
        return None

    def split_compound(self, word: str) -> list[str]:
        """Two known stems that ``word`` runs together ("runchart"), or an empty list."""
        if not word.isalpha():
            return []
        for cut in range(3, len(word) - 2):
            first, second = stem(word[:cut]), stem(word[cut:])
            if first in self.postings and second in self.postings:
                return [first, second]
        return []


@dataclass(frozen=True)
class Runs:
    """Sets of words as arrays: run ``n`` is ``ids[starts[n]:starts[n + 1]]``, the word ids
    of phrase or entry ``n``, ascending (so sums over a run never depend on the hash seed)."""

    starts: np.ndarray  # len(runs) + 1 offsets into ids
    ids: np.ndarray  # word ids, every run after the other

    @classmethod
    def of(cls, runs: Iterable[frozenset[str]], word_id: dict[str, int]) -> Runs:
        """The runs of these word sets."""
        lengths, ids = [0], []
        for words in runs:
            lengths.append(len(words))
            ids += sorted(word_id[word] for word in words)
        return cls(np.cumsum(lengths, dtype=np.intp), np.array(ids, dtype=np.intp))

    def owners(self) -> np.ndarray:
        """The run each place of ``ids`` belongs to."""
        return np.repeat(np.arange(len(self.starts) - 1), np.diff(self.starts))

    def gather(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For the runs ``rows``, one after another: the places in ``ids`` of their words,
        the row (0 .. len(rows) - 1) of each, and where each row starts among them."""
        begins = self.starts[rows]
        lengths = self.starts[rows + 1] - begins
        firsts = lengths.cumsum() - lengths
        places = np.arange(int(lengths.sum())) + (begins - firsts).repeat(lengths)
        return places, np.arange(len(rows)).repeat(lengths), firsts


def _phrase(entry: int, words: tuple[str, ...], strength: float, idf: dict[str, float]
            ) -> Phrase:
    """One phrase of an entry, with what scoring it needs precomputed."""
    tokens = frozenset(words)
    return Phrase(entry, tokens, " ".join(sorted(words)), sum(idf[w] for w in words), strength)


@dataclass(frozen=True)
class _Text:
    """One text of an entry, normalised once for every use the index makes of it."""

    normalised: str
    words: tuple[str, ...]  # informative words, distinct, in order, not stemmed
    stems: tuple[str, ...]  # their stems, distinct, in order
    is_keyword: bool
    is_phrasing: bool = False
    welsh: bool = False  # stems are of the words' Welsh dictionary forms


def _entry_texts(entry: Entry, bilingual: bool = False) -> list[_Text]:
    """Title, an organisation's name and aliases, phrasings, then keywords: English only, or
    (``bilingual``) with the Welsh texts too, keyed by each Welsh word's dictionary form."""
    names = [(t, lang == "cy") for lang, t in entry.title.by_lang.items()]
    if isinstance(entry, Organisation):
        names += [(t, lang == "cy") for lang, t in entry.name.by_lang.items()]
        names += [(t, False) for t in entry.aliases]
    kinds = ([(t, False, False, welsh) for t, welsh in names]
             + [(t, False, True, False) for t in entry.phrasings]
             + [(t, False, True, True) for t in entry.phrasings_cy]
             + [(t, True, False, False) for t in entry.keywords])
    found = []
    for text, is_keyword, is_phrasing, welsh in kinds:
        if welsh and not bilingual:
            continue
        normalised = kept_normalised(text)
        if normalised is None:  # not read back with a kept load (bot/kb/load_cache.py)
            normalised = normalised_text(text)
        words = tuple(dict.fromkeys(meaningful_words(normalised, bilingual)))
        stems = tuple(dict.fromkeys(stem(radical(word) if welsh else word) for word in words))
        found.append(_Text(normalised, words, stems, is_keyword, is_phrasing, welsh))
    return found


def _phrasing_uses(texts: list[_Text]) -> dict[str, int]:
    """Stems the entry's phrasings use and no other text of it does -> how many phrasings."""
    uses: dict[str, int] = defaultdict(int)
    named: set[str] = set()
    for text in texts:
        if text.is_phrasing:
            for word in text.stems:
                uses[word] += 1
        else:
            named.update(text.stems)
    return {word: count for word, count in uses.items() if word not in named}


def _phrase_tokens(texts: list[_Text]) -> Iterator[tuple[tuple[str, ...], bool]]:
    """Distinct non-empty token tuples for every way to ask for the entry; True for keywords."""
    seen: set[tuple[str, ...]] = set()
    for text in texts:
        words = text.stems
        if words and words not in seen:
            seen.add(words)
            yield words, text.is_keyword


def _by_initial(spellings: list[str]) -> dict[str, tuple[str, ...]]:
    """The spellings grouped by their first letter, in order: a typo keeps it."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for spelling in spellings:
        grouped[spelling[0]].append(spelling)
    return {initial: tuple(group) for initial, group in grouped.items()}


def _spellings(texts: list[list[_Text]]) -> dict[str, str]:
    """Every spelling the knowledge base uses that is long enough to be misspelt -> its stem."""
    return {word: stem(radical(word) if text.welsh else word)
            for entry_texts in texts for text in entry_texts
            for word in text.words if len(word) >= 4 and word.isalpha()}


def _verbatim(texts: list[list[_Text]]) -> dict[str, tuple[int, ...]]:
    """Normalised phrasing -> entry positions; "what can you do" is all stop words and can
    only be matched word for word."""
    found: dict[str, set[int]] = defaultdict(set)
    for position, entry_texts in enumerate(texts):
        for text in entry_texts:
            found[text.normalised].add(position)
    return {text: tuple(sorted(positions)) for text, positions in found.items()}


def _idf(raw: list[tuple[int, tuple[str, ...], float]], entry_count: int) -> dict[str, float]:
    """Inverse document frequency of each word, counting entries (not phrases) as documents."""
    entries_with: dict[str, set[int]] = defaultdict(set)
    for position, words, _ in raw:
        for word in words:
            entries_with[word].add(position)
    return {word: math.log(1 + entry_count / len(found)) for word, found in entries_with.items()}
