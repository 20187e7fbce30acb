"""Match a free-text question to knowledge base entries, or abstain.

A question is reduced to its informative words (``normalise.informative_words``). Each word
is looked up among the knowledge base's stems, exactly or, for words of four letters or
more, by fuzzy similarity (typos); a run-together word ("runchart") may be split in two.
The knowledge base's vocabulary (``vocabulary.py``) adds two things: a word may also stand
for its synonyms, or for an organisation's other names ("HTW" for "Health Technology
Wales"), at a slightly lower similarity; and context words, which say who or where the
asker is ("a band 6 nurse in Hywel Dda"), weigh little unless the question is only context.
Each phrase of an entry is then scored from three parts:

* coverage gates the score: the IDF-weighted share of the question the phrase explains,
  words unknown to the knowledge base weighing as much as the rarest known word, so an
  off-topic question scores low; a long question that matches several rare words
  (``evidence_words``) counts as covered even if it also tells a story, provided the words
  the knowledge base knows are mostly explained (``evidence_known_share``);
* specificity: how much of the phrase the question covers (IDF-weighted), so a question
  that is only a subset of a phrase does not score 100;
* similarity: rapidfuzz ``token_sort_ratio`` of the two stemmed word lists.

An entry scores its best phrase, blended with how much of the question the entry covers
across all its phrases. Keywords, often shared between entries, score a little below
titles, names, aliases and phrasings. Only the phrases with the highest coverage, found
through an inverted index, are scored in full, so the cost grows with the words shared,
not with the size of the knowledge base; they are scored all at once, as arrays of the
index's word ids (``_Question``), not one by one in Python. Finally the top entries'
scores are blended with a naive Bayes posterior of the question's words (``bayes.py``),
which reads a long question as a whole where no single phrasing explains it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from bot.base.language import detect
from bot.base.normalise import normalise, stem, word_sequence
from bot.base.welsh import WELSH_STOP_WORDS, radical, unmutated
from bot.kb.model import Entry, KnowledgeBase
from bot.matching.asking import asking_part
from bot.matching.bayes import WordModel
from bot.matching.index import Index, Runs
from bot.matching.semantic import (
    SemanticIndex,
    blend_scores,
    bundled_embedder,
    semantic_index,
)
from bot.matching.vocabulary import QuestionVocabulary, VocabularyIndex

logger = logging.getLogger(__name__)


@dataclass
class _Words:
    """What one matcher found a question's words to be, kept while the question is matched
    (its passages and its asking part share its words): each word's known stems
    (Index.similar_words), and the stem the vocabulary knows a Welsh word by."""

    similar: dict[str, dict[str, float]] = field(default_factory=dict)
    forms: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Match:
    """One scored candidate entry."""

    entry: Entry
    score: float  # 0..100


@dataclass(frozen=True)
class MatcherConfig:
    """Tuning of the matcher; the defaults were measured with benchmarks/thresholds.py."""

    # How these values were chosen, and the figures behind them: benchmarks/README.md,
    # "Tuning history". A question close to two entries is answered with the first and
    # offers the second ("see also", ``related_gap``) rather than answering neither.
    threshold: float = 35.0  # minimum score to answer
    margin: float = 1.5  # minimum gap between the top two entries to answer
    suggest_floor: float = 29.0  # minimum score to offer an entry as "did you mean"
    max_suggestions: int = 3
    # An answer also offers the runners-up within this many points of it ("see also"): with
    # a margin this small, the second entry is sometimes the one the asker meant.
    related_gap: float = 10.0
    max_related: int = 2
    fuzzy_cutoff: float = 83.0  # similarity (fuzz.ratio or OSA, 0..100) a misspelling needs
    fuzzy_min_length: int = 4  # shorter words (acronyms) must match exactly
    # Informative words of a question considered. 32 cut off the ask at the end of a long
    # story ("... I've never done this before, so where do I even begin?").
    max_query_words: int = 64
    candidate_pool: int = 200  # phrases scored in full, by coverage
    max_postings: int = 2000  # a word in more phrases than this does not bring in candidates
    # A phrase scores coverage ** coverage_power * (1 - s - r + s * specificity + r * similarity)
    # with s = specificity_weight and r = similarity_weight: coverage gates the score.
    coverage_power: float = 1.0
    specificity_weight: float = 0.3
    similarity_weight: float = 0.2
    entry_weight: float = 0.45  # share of the score from coverage by the whole entry
    keyword_strength: float = 0.9  # a keyword phrase scores at most this share of a phrasing
    # Matching this many rare words' worth of IDF covers a question however long it is (0: off).
    evidence_words: float = 2.5
    # ... but an entry must also explain this share of the question's words the knowledge base
    # knows: a long story may be forgiven its unknown words, not the known ones left unexplained.
    evidence_known_share: float = 0.5
    unknown_weight: float = 1.0  # weight of a word the knowledge base never uses, x max IDF
    # A context word (vocabulary.yaml) weighs this share of its usual weight, unless the
    # question is only context ("is Hywel Dda covered?").
    context_weight: float = 0.2
    # An off-topic word (vocabulary.yaml) weighs this much, x max IDF, and matches nothing.
    off_topic_weight: float = 1.0
    synonym_similarity: float = 0.85  # a synonym (vocabulary.yaml) matches at this similarity
    alias_similarity: float = 0.95  # an organisation's other name or alias matches at this
    # A word an entry's phrasings use but not its title, name or keywords matches at
    # uses / (uses + phrasing_saturation) of its similarity, as term frequency saturates in
    # BM25: a word one phrasing uses tells that phrasing's situation ("flu jab"), not what
    # is asked, and counts half; one that most phrasings use is what the entry is about.
    # 0 turns the discount off.
    phrasing_saturation: float = 1.0
    # The top ``bayes_depth`` entries score (1 - bayes_share) x their phrase score plus
    # bayes_share x 100 x their naive Bayes posterior (bayes.py), which reads the question's
    # words all together; a higher temperature flattens the posterior. 0 turns it off.
    bayes_share: float = 0.2
    bayes_temperature: float = 2.0
    bayes_smoothing: float = 0.1
    bayes_depth: int = 10
    # Static word embeddings (semantic.py): the ranked entries score (1 - semantic_share) x
    # their lexical score + semantic_share x their similarity mapped from semantic_floor (0)
    # to semantic_ceiling (100). 0 (the default) leaves the embeddings unloaded: no blend
    # fitted on blind16_dev kept every floor in tests/test_matcher.py (benchmarks/README.md).
    semantic_share: float = 0.0
    semantic_floor: float = 0.2
    semantic_ceiling: float = 0.8
    semantic_depth: int = 10
    # Abstention by meaning: an English answer scoring under semantic_veto_below whose entry
    # is less similar to the question than semantic_veto (WordLlama, semantic.py) is
    # declined. It catches look-alikes that share a word or two with an entry in another
    # sense. Chosen on the used English sets and set E (1,042 answers) by a rule fixed
    # beforehand, the most off-topic answers removed less right answers lost, losing at
    # most 5: 11 of 28 off-topic answers removed, 4 of 975 right ones lost (with
    # semantic_veto_max_words below: 8 removed, none lost; on the clean English sets,
    # measured after, 2 of 14 removed, none of 254 lost; benchmarks/README.md). Not for
    # Welsh questions: the embeddings know little Welsh, and the veto would have removed 22
    # of 282 right Welsh answers for 3 of 7 off-topic ones. 0 turns it off; the embeddings
    # are loaded by the first answer that needs them.
    semantic_veto: float = 0.33
    semantic_veto_below: float = 45.0
    # ... for questions of at most this many words: a question's vector is the mean of its
    # words', so a long story's is the story's, not the ask's. A 31-word story about a
    # 3D-printed insole was vetoed from its right answer; on the used sets every right
    # answer the veto removed had 21 words or more, and 8 of its 11 off-topic ones 16 or fewer.
    semantic_veto_max_words: int = 20
    # A declined question with more than one sentence or clause (asking.py) is answered
    # from its asking part when that part alone is confident, scores at least
    # ``asking_part_gap`` points above the whole question, and names one of the whole
    # question's top ``asking_part_depth`` entries. None turns it off. Fitted on
    # blind16_dev only: 62 -> 66 of 80 in scope, 38/40 declined either way; a gap of 15 or
    # less answers an out-of-scope question of heldout_final5 (benchmarks/README.md).
    asking_part_gap: float | None = 18.0
    asking_part_depth: int = 3
    # A question of more than ``passage_words`` words (stop words left out) is also scored
    # in overlapping runs of that many words, half a run apart, and each entry keeps its
    # best score, whole or run: in a long story the words that say what it is about (the
    # prototype that "flopped", the pot of money "through the regional board") are scored
    # among their neighbours, not diluted by the rota, the weather and the move. 0 turns it
    # off. Chosen on the used sets and the diagnosis sets F and cy6 (benchmarks/README.md):
    # 24 answered 11 more in-scope questions right and 2 fewer, declining as many.
    passage_words: int = 24
    # A question of stop words only is answered by a phrasing of stop words typed word for
    # word, or by one of three words or more that it holds with at most this many more
    # words ("what can you do for me?"); a shorter one would be found in many questions
    # ("only one", "about").
    stop_words_extra: int = 2
    # Off-topic questions (off_topic_questions.yaml): staff's questions Pathway does not
    # answer, matched as a knowledge base of their own. An answer is declined ("off_topic")
    # when the question's closest off-topic question scores at least its answer's score plus
    # ``off_topic_lead`` (None: off); and, for an English question, when the question is
    # closer in meaning (WordLlama, mean of the three nearest) to the English off-topic
    # questions than to the entries' texts by more than ``off_topic_meaning`` (None: off),
    # for an answer scoring under ``off_topic_meaning_below``: every one the meaning alone
    # declined on the used sets scored under 52, and a strong answer need not load the
    # embeddings. Chosen on the used sets by a rule fixed beforehand (most off-topic answers
    # removed less right answers lost; ties to the milder setting): English 10 more declined,
    # none right lost; Welsh 6 more declined, 1 right lost (benchmarks/README.md).
    off_topic_lead: float | None = -8.0
    off_topic_meaning: float | None = 0.04
    off_topic_meaning_below: float = 60.0


@dataclass(frozen=True)
class MatchResult:
    """The ranked candidates for a question and whether the best is confident enough."""

    query: str
    best: Match | None  # the confident answer, or None (abstain)
    candidates: tuple[Match, ...]  # ranked, best first
    # "confident" | "opening" (answered from vocabulary.yaml's openings) | "low_score" |
    # "ambiguous" | "far_in_meaning" | "off_topic" | "empty"
    reason: str
    config: MatcherConfig = MatcherConfig()
    # A long question's asking part alone, when it is answered with another entry: "I have
    # an idea for a 3D-printed grip aid ... where do I start?" is answered about medical
    # devices and offers the first steps with an idea beside it.
    asked: Match | None = None
    # Declined as off-topic: the off-topic question it was most like, as written in
    # off_topic_questions.yaml, so the team can see which one to take out if it was wrong.
    off_topic_like: str | None = None
    welsh: bool = False  # matched by the bilingual index, as a Welsh question

    @property
    def suggestions(self) -> tuple[Match, ...]:
        """Close matches to offer as "did you mean" when abstaining; empty when confident,
        and when the top entry was declined for being far in meaning from the question or
        for fitting an off-topic question as well (a look-alike's "did you mean" would offer
        the very entry it must not be sent to)."""
        if self.best is not None or self.reason in {"far_in_meaning", "off_topic"}:
            return ()
        close = [m for m in self.candidates if m.score >= self.config.suggest_floor]
        return tuple(close[: self.config.max_suggestions])

    @property
    def related(self) -> tuple[Match, ...]:
        """Runners-up scoring nearly as well as the answer, to offer beside it ("see also")."""
        if self.best is None:
            return ()
        floor = max(self.config.suggest_floor, self.best.score - self.config.related_gap)
        close = [m for m in self.candidates[1:] if m.score >= floor][: self.config.max_related]
        if self.asked is not None and all(m.entry.id != self.asked.entry.id for m in close):
            close.append(self.asked)
        return tuple(close)


@dataclass(frozen=True)
class _Term:
    """One informative word of the question, its weight and the known words it matches."""

    word: str  # stemmed
    weight: float
    known: dict[str, float]  # known word (or words joined by spaces) -> similarity 0..1
    context: bool = False  # a context word: who or where the asker is
    off_topic: bool = False  # an off-topic word: the question is about something else


class Matcher:
    """Scores questions against a knowledge base; build once, match many times."""

    def __init__(self, kb: KnowledgeBase, config: MatcherConfig | None = None,
                 welsh: bool = False, *, semantic: SemanticIndex | None = None,
                 cache_dir: Path | None = None) -> None:
        """``semantic``: the entries' semantic index when one is already built (the
        bilingual matcher shares its English parent's: both embed the same texts).
        ``cache_dir``: where the semantic signal, when on, keeps its vectors between
        start-ups (semantic.EmbeddingCache); None embeds at every start."""
        self.kb = kb
        self.config = config or MatcherConfig()
        self.welsh = welsh
        self.index = Index(kb.entries(), self.config.keyword_strength, welsh)
        # Welsh questions go to a second matcher that also knows the Welsh texts, so English
        # questions are matched exactly as before against English texts only. It is built on
        # the first question that needs it: it costs as much as this one again, and more
        # (Welsh dictionary forms), and a deployment may never be asked in Welsh.
        self.bilingual = not welsh and _has_welsh(kb)
        self._welsh_matcher: Matcher | None = None
        self._welsh_lock = threading.Lock()
        k = self.config.phrasing_saturation
        # Per entry: word -> share of its similarity a match on it counts (1 when absent).
        discounts = tuple({word: uses / (uses + k) for word, uses in counts.items()}
                          if k > 0 else {} for counts in self.index.phrasing_uses)
        # The same for each word of each phrase and entry, as the index's runs list them.
        runs = self.index.phrase_runs
        self._phrase_discounts = _discounted(runs, self.index.phrase_entry[runs.owners()],
                                             discounts, self.index.words)
        runs = self.index.entry_runs
        self._entry_discounts = _discounted(runs, runs.owners(), discounts, self.index.words)
        # An organisation's name and aliases mean the same thing: "HTW" in a question also
        # matches a phrasing that says "Health Technology Wales".
        names = [(str(org.name), *org.aliases) for org in kb.organisations]
        self.vocabulary = VocabularyIndex(kb.vocabulary, names)
        self.words = WordModel(self.index, self.config.bayes_smoothing,
                               self.config.bayes_temperature)
        if semantic is None and self.config.semantic_share > 0:
            semantic = semantic_index(self.index, cache_dir)
        self.semantic = semantic
        self._cache_dir = cache_dir
        self._semantic_lock = threading.Lock()
        self._meaning_failed = False
        # The off-topic questions' own matcher and English vectors, built on first use.
        self._off_topic: Matcher | None = None
        self._off_topic_vectors: np.ndarray | None = None
        self._off_topic_lock = threading.Lock()
        self._stop_phrasings: tuple[tuple[tuple[str, ...], tuple[int, ...]], ...] | None = None
        # Organisations' names and aliases of two words or more, as a question's meaningful
        # words would read them, with their organisations ("what is Value Based Healthcare
        # Wales?" is its name and nothing more).
        named: dict[tuple[str, ...], set[str]] = {}
        for org in kb.organisations:
            for name in (*org.name.by_lang.values(), *org.aliases):
                if len(words := tuple(word_sequence(name, welsh))) >= 2:
                    named.setdefault(words, set()).add(org.id)
            # An acronym counts alone, where the question writes it in capitals too ("can
            # NICE help?", not "is it nice?").
            for alias in org.aliases:
                if alias.isupper() and alias.isalpha() and len(alias) >= 3:
                    named.setdefault((alias.casefold(),), set()).add(org.id)
        self._names = {words: ids.pop() for words, ids in named.items() if len(ids) == 1}
        # vocabulary.yaml's openings, as normalised words, with their entries.
        self._openings = tuple((tuple(normalise(phrase).split()), entry)
                               for opening in kb.vocabulary.openings
                               if (entry := kb.get(opening.entry)) is not None
                               for phrase in opening.phrases if normalise(phrase))

    def match(self, text: str, limit: int = 5, kinds: set[str] | None = None) -> MatchResult:
        """The best entry for ``text`` (or None) with up to ``limit`` ranked candidates.

        A Welsh question (or one too short to tell that English cannot answer) is matched
        against the Welsh and English texts together. A long question declined as a whole
        may be answered from its asking part (``MatcherConfig.asking_part_gap``).
        """
        token = _ONE_MATCH.set(_Memo())
        try:
            return self._match(text, limit, kinds)
        finally:
            _ONE_MATCH.reset(token)

    def _match(self, text: str, limit: int, kinds: set[str] | None) -> MatchResult:
        config = self.config
        result = self._match_routed(text, max(limit, config.asking_part_depth), kinds)
        if result.best is None and config.asking_part_gap is not None:
            result = self._from_asking_part(result, limit, kinds)
            if result.best is None and kinds is None:
                result = self._from_opening(result, limit)
        elif result.best is not None and config.asking_part_gap is not None:
            result = self._with_asked(result, limit, kinds)
        if result.best is not None and kinds is None:  # not for a lookup among some kinds
            result = self._unless_off_topic(result)
        if len(result.candidates) > limit:
            result = replace(result, candidates=result.candidates[:limit])
        return result

    def _unless_off_topic(self, result: MatchResult) -> MatchResult:
        """``result`` declined ("off_topic") when its question fits an off-topic question
        about as well as its answer, by words or (English) by meaning."""
        assert result.best is not None
        background = self._off_topic_matcher()
        if background is None:
            return result
        config = self.config
        if config.off_topic_lead is not None:
            closest = background._closest(result.query)
            if closest is not None and closest.score >= result.best.score + config.off_topic_lead:
                return _off_topic(result, _written(closest.entry))
        if (config.off_topic_meaning is not None and not result.welsh
                and result.best.score < config.off_topic_meaning_below):
            nearer = self._nearer_off_topic(result.query)
            if nearer is not None and nearer[0] > config.off_topic_meaning:
                return _off_topic(result, nearer[1])
        return result

    def _closest(self, text: str) -> Match | None:
        """The top candidate as ``match(text, limit=1)`` ranks it, without the work of
        finding a long question's asking part an answer of its own."""
        config = self.config
        result = self._match_routed(text, max(1, config.asking_part_depth), None)
        if result.best is None and config.asking_part_gap is not None:
            result = self._from_asking_part(result, 1, None)
        return result.candidates[0] if result.candidates else None

    def prepare(self) -> None:
        """Build now what the first answers would otherwise wait for: the off-topic
        questions' matcher and, when the embeddings load, their vectors."""
        if (self._off_topic_matcher() is not None and self.kb.vocabulary.off_topic_questions
                and self.meaning() is not None):
            self._off_topic_question_vectors()

    def _nearer_off_topic(self, text: str) -> tuple[float, str] | None:
        """How much closer in meaning ``text`` is to the English off-topic questions than to
        the entries' texts (mean cosine of the three nearest of each), and the nearest
        off-topic question; None without embeddings or off-topic questions."""
        questions = self.kb.vocabulary.off_topic_questions
        meaning = self.meaning() if questions else None
        if meaning is None or not len(meaning.vectors):
            return None
        question = _embedded(text)
        similarities = self._off_topic_question_vectors() @ question
        nearest = questions[int(np.argmax(similarities))]
        return (_nearest_mean(similarities) - _nearest_mean(meaning.vectors @ question),
                nearest)

    def _off_topic_question_vectors(self) -> np.ndarray:
        """The English off-topic questions' vectors, embedded once (a few hundred short
        texts: about 0.15 s, not worth a cache on disk)."""
        if self._off_topic_vectors is None:
            with self._off_topic_lock:
                if self._off_topic_vectors is None:
                    self._off_topic_vectors = bundled_embedder().embed(
                        list(self.kb.vocabulary.off_topic_questions))
        return self._off_topic_vectors

    def _off_topic_matcher(self) -> Matcher | None:
        """The matcher of the off-topic questions (None when there are none), built by the
        first answer that needs it."""
        vocabulary = self.kb.vocabulary
        if not (vocabulary.off_topic_questions or vocabulary.off_topic_questions_cy):
            return None
        if self._off_topic is None:
            with self._off_topic_lock:
                if self._off_topic is None:
                    # Nor passages: a long question's off-topic match by its passages
                    # changed no decision on any of the 4,611 questions of examples.yaml
                    # and tests/data, and cost about a fifth of the question's time.
                    quiet = replace(self.config, semantic_veto=0.0, off_topic_lead=None,
                                    off_topic_meaning=None, passage_words=0)
                    self._off_topic = type(self)(self.kb.off_topic_knowledge(), quiet)
        return self._off_topic

    def _with_asked(self, whole: MatchResult, limit: int, kinds: set[str] | None
                    ) -> MatchResult:
        """``whole`` offering its asking part's own answer too, when that is another entry."""
        ask = asking_part(whole.query)
        if ask is None or whole.best is None:
            return whole
        routed = self._match_routed(ask, limit, kinds)
        part = routed.best
        if part is None or part.entry.id == whole.best.entry.id:
            return whole
        if kinds is None and self._unless_off_topic(routed).best is None:
            return whole  # the ask alone is a look-alike: not worth offering
        return replace(whole, asked=part)

    def _match_routed(self, text: str, limit: int, kinds: set[str] | None) -> MatchResult:
        """The English match, or the bilingual one for a Welsh (or undecided) question."""
        lang = detect(text) if self.bilingual else "en"
        if lang == "cy":  # the English index alone would not be asked at all
            return replace(self._welsh()._match_here(text, limit, kinds), welsh=True)
        result = self._far_in_meaning(self._match_here(text, limit, kinds))
        if lang is None and result.best is None:
            welsh = self._welsh()._match_here(text, limit, kinds)
            if welsh.best is not None:
                return replace(welsh, welsh=True)
        return result

    def _far_in_meaning(self, result: MatchResult) -> MatchResult:
        """``result`` declined ("far_in_meaning") when its answer scores under
        ``semantic_veto_below`` and its entry is far in meaning from the question."""
        config = self.config
        if (config.semantic_veto <= 0 or self.welsh or result.best is None
                or result.best.score >= config.semantic_veto_below
                or len(result.query.split()) > config.semantic_veto_max_words):
            return result
        meaning = self.meaning()
        if meaning is None:
            return result
        question = _embedded(result.query)
        if meaning.similarity(question, self.index.position[result.best.entry.id]) >= (
                config.semantic_veto):
            return result
        return self._result(result.query, result.candidates, "far_in_meaning")

    def knows(self, word: str) -> bool:
        """Whether the knowledge base uses this word, in any form the index reads as it."""
        return any(stem(w) in self.index.idf for w in word_sequence(normalise(word)))

    def meaning(self) -> SemanticIndex | None:
        """The entries' semantic index, built (or read from the cache) on first use; None,
        after one logged warning, if the embeddings cannot be loaded: the veto is a second
        opinion, and the bot answers without it rather than not at all."""
        if self.semantic is None and not self._meaning_failed:
            with self._semantic_lock:
                if self.semantic is None and not self._meaning_failed:
                    try:
                        self.semantic = semantic_index(self.index, self._cache_dir)
                    # The tokenizer and safetensors raise plain Exception subclasses.
                    except Exception as error:  # noqa: BLE001
                        logger.warning("the veto by meaning is off: the embeddings could "
                                       "not be loaded (%s)", error)
                        self._meaning_failed = True
        return self.semantic

    def _welsh(self) -> Matcher:
        """The bilingual matcher, built once, by the first question that needs it; a
        question asked meanwhile on another thread waits for it rather than building it
        too."""
        if self._welsh_matcher is None:
            with self._welsh_lock:
                if self._welsh_matcher is None:
                    self._welsh_matcher = type(self)(self.kb, self.config, welsh=True,
                                                     semantic=self.semantic)
        return self._welsh_matcher

    def _from_asking_part(self, whole: MatchResult, limit: int, kinds: set[str] | None
                          ) -> MatchResult:
        """The asking part's confident answer when it clearly beats the declined whole."""
        config = self.config
        ask = asking_part(whole.query)
        if ask is None or config.asking_part_gap is None:
            return whole
        part = self._match_routed(ask, limit, kinds)
        if part.best is None:
            return whole
        top = whole.candidates[0].score if whole.candidates else 0.0
        near = {m.entry.id for m in whole.candidates[:config.asking_part_depth]}
        # The ask alone must be much clearer than the whole, and about an entry the whole
        # question already ranks near the top: a generic ask ("who do I tell?") after a
        # story about something else must not be answered on its own.
        if part.best.score < top + config.asking_part_gap or part.best.entry.id not in near:
            return whole
        return replace(part, query=whole.query)

    def _from_opening(self, whole: MatchResult, limit: int) -> MatchResult:
        """A declined question that uses one of vocabulary.yaml's openings ("I've got an
        idea for an app that ... where do I start?") answered with the opening's entry, at
        the threshold, when its asking part asks nothing more or is answered with that entry
        too. A long story dilutes the score of what the opening already says; an asking
        part about something else ("... do I need ethics approval?") still decides."""
        if whole.reason not in {"low_score", "ambiguous"} or not self._openings:
            return whole
        said = normalise(whole.query).split()
        entry = next((entry for run, entry in self._openings if _holds(said, run)), None)
        # One sentence after an opening asks in its last clause: "I've got an idea for ...,
        # where do I start?" (a comma alone does not split a question for other rules).
        ask = asking_part(whole.query) or _last_clause(whole.query)
        if entry is None or ask is None:
            return whole
        welsh = whole.welsh or detect(ask) == "cy"
        informative = [word for word in word_sequence(ask, welsh)
                       if not (welsh and _says_nothing_in_welsh(word))]
        if informative:
            part = self._match_routed(ask, limit, None)
            if part.best is None or part.best.entry.id != entry.id:
                return whole
        best = Match(entry, self.config.threshold)
        others = tuple(m for m in whole.candidates if m.entry.id != entry.id)
        return replace(whole, best=best, candidates=(best, *others), reason="opening")

    def _match_here(self, text: str, limit: int, kinds: set[str] | None) -> MatchResult:
        sequence = word_sequence(text, self.welsh)
        words = list(dict.fromkeys(sequence))[: self.config.max_query_words]
        if not words or (self.welsh and all(map(_says_nothing_in_welsh, words))):
            return self._without_words(text, kinds)
        seen = _words_of(self)
        ranked = self._ranked(sequence, words, kinds, seen)
        size = self.config.passage_words
        if size and len(sequence) > size:
            ranked = self._with_passages(sequence, ranked, size, kinds, seen)
        if self.semantic is not None and self.config.semantic_share > 0:
            ranked = self._with_meaning(text, ranked, kinds)
        ranked = self._typed_as_written(text, ranked, kinds, sequence, seen)
        return self._decide(text, tuple(ranked[:limit]))

    def _typed_as_written(self, text: str, ranked: list[Match], kinds: set[str] | None,
                          sequence: list[str], seen: _Words) -> list[Match]:
        """``ranked`` with the one entry whose own text the question is, word for word
        (after ``normalise``), first at 100 when it would not be the answer anyway: "what
        are the stages" is the overview's phrasing, though its one informative word
        ("stages") fits the entry on working out your stage as well. So is an organisation
        whose name or alias of two words or more is all the question says ("what is Value
        Based Healthcare Wales?", not the topic on value-based health care). A text two entries
        share decides nothing; an answer already given keeps its score, and so its See
        also. An off-topic word in the question (vocabulary.yaml) still has the last word."""
        exact = self.index.verbatim.get(normalise(text), ())
        if len(exact) == 1:
            entry = self.index.entries[exact[0]]
        elif (named := self._names.get(who := _about_whom(sequence))) is not None and (
                len(who) > 1 or who[0].upper() in text):
            entry = self.kb.get(named)
        else:
            return ranked
        if entry is None or self._read_vocabulary(sequence, seen).off_topic:
            return ranked
        if kinds is not None and entry.kind not in kinds:
            return ranked
        config = self.config
        if ranked and ranked[0].entry.id == entry.id and decide(
                tuple(ranked), config.threshold, config.margin) == "confident":
            return ranked
        return [Match(entry, 100.0), *(m for m in ranked if m.entry.id != entry.id)]

    def _ranked(self, sequence: list[str], words: list[str], kinds: set[str] | None,
                seen: _Words, top: int | None = None) -> list[Match]:
        """The entries sharing a word with ``words`` (the question's informative words, once
        each, from ``sequence``, all of them in order), scored and blended, best first.
        ``seen``: what the question's words were found to be, filled as they are looked
        up. ``top``: only the first ``top`` are wanted (at most the blend's depth)."""
        terms = self._terms(words, self._read_vocabulary(sequence, seen), seen)
        if top is not None and self.config.bayes_share > 0:
            top = max(top, self.config.bayes_depth)  # the blend reorders this many
        return self._blend(self._rank(terms, kinds, top), terms)

    def _with_passages(self, sequence: list[str], ranked: list[Match], size: int,
                       kinds: set[str] | None, seen: _Words) -> list[Match]:
        """``ranked`` with each entry's score raised to its best in any run of ``size``
        words of ``sequence`` (``MatcherConfig.passage_words``)."""
        best = {match.entry.id: match for match in ranked}
        step = max(1, size // 2)
        # Bounded as the whole question is, so that a pasted page costs a few runs, not
        # hundreds: twice as many words as the whole reads (its words counted once each).
        sequence = sequence[:2 * self.config.max_query_words]
        for start in range(0, len(sequence) - size + step, step):
            run = sequence[start:start + size]
            for match in self._ranked(run, list(dict.fromkeys(run)), kinds, seen, 5)[:5]:
                known = best.get(match.entry.id)
                if known is None or known.score < match.score:
                    best[match.entry.id] = match
        # Stable: equal scores keep the whole question's order.
        return sorted(best.values(), key=lambda match: -match.score)

    def _with_meaning(self, text: str, ranked: list[Match], kinds: set[str] | None
                      ) -> list[Match]:
        """The ranking re-scored with the semantic similarity of the question (semantic.py)."""
        assert self.semantic is not None
        config, index = self.config, self.index
        similarity = self.semantic.best(_embedded(text))
        lexical = {index.position[m.entry.id]: m.score for m in ranked}
        blended = blend_scores(lexical, similarity, config.semantic_share,
                               config.semantic_floor, config.semantic_ceiling,
                               config.semantic_depth)
        entries = index.entries
        return [Match(entries[p], score) for p, score in blended
                if kinds is None or entries[p].kind in kinds]

    def _without_words(self, text: str, kinds: set[str] | None) -> MatchResult:
        """A question of stop words only: answer a phrasing typed word for word, or one of
        at least three words the question holds with a few more ("what can you do for
        me?" holds "what can you do"), scored as the share of the question it is."""
        normalised = normalise(text)
        if not normalised:
            return self._result(text, (), "empty")
        entries = self.index.entries
        scores = dict.fromkeys(self.index.verbatim.get(normalised, ()), 100.0)
        asked = normalised.split()
        extra = self.config.stop_words_extra
        if len(asked) > 3:
            for words, positions in self._stop_word_phrasings():
                if len(asked) - extra <= len(words) < len(asked) and _holds(asked, words):
                    for position in positions:
                        score = round(100 * len(words) / len(asked), 1)
                        scores[position] = max(score, scores.get(position, 0.0))
        ranked = sorted(scores.items(), key=lambda found: (-found[1], found[0]))
        matches = tuple(Match(entries[p], score) for p, score in ranked
                        if kinds is None or entries[p].kind in kinds)
        return self._decide(text, matches)

    def _stop_word_phrasings(self) -> tuple[tuple[tuple[str, ...], tuple[int, ...]], ...]:
        """The texts of three words or more that say nothing a question's words could
        match, as words, with their entries' positions (worked out on first use)."""
        if self._stop_phrasings is None:
            found = []
            for normalised, positions in self.index.verbatim.items():
                words = tuple(normalised.split())
                informative = word_sequence(normalised, self.welsh)
                if len(words) >= 3 and (not informative or (
                        self.welsh and all(map(_says_nothing_in_welsh, informative)))):
                    found.append((words, positions))
            self._stop_phrasings = tuple(found)
        return self._stop_phrasings

    def _decide(self, text: str, candidates: tuple[Match, ...]) -> MatchResult:
        reason = decide(candidates, self.config.threshold, self.config.margin)
        if reason != "confident":
            return self._result(text, candidates, reason)
        return MatchResult(text, candidates[0], candidates, reason, self.config)

    def _result(self, text: str, candidates: tuple[Match, ...], reason: str) -> MatchResult:
        return MatchResult(text, None, candidates, reason, self.config)

    def _read_vocabulary(self, sequence: list[str], seen: _Words) -> QuestionVocabulary:
        """What the vocabulary says about the question's words (stems). A Welsh question's
        words are also looked up by their dictionary form, so the off-topic "cyflog" marks
        "fy nghyflog" and "ei gyflog"; what is found is reported for the words as stemmed."""
        stems = [stem(word) for word in sequence]
        if not self.welsh:
            return self.vocabulary.read(stems)
        forms = []
        for word, stemmed in zip(sequence, stems, strict=True):
            if word not in seen.forms:
                seen.forms[word] = self._vocabulary_form(word, stemmed)
            forms.append(seen.forms[word])
        found = self.vocabulary.read(forms)
        if forms == stems:
            return found
        asked: dict[str, set[str]] = {}
        for form, stemmed in zip(forms, stems, strict=True):
            asked.setdefault(form, set()).add(stemmed)

        def as_asked(keys: Collection[str]) -> frozenset[str]:
            return frozenset(s for key in keys for s in asked.get(key, (key,)))

        def stand_ins(found: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
            return {s: others for key, others in found.items() for s in asked.get(key, (key,))}

        return QuestionVocabulary(as_asked(found.context), stand_ins(found.synonyms),
                                  stand_ins(found.aliases), as_asked(found.off_topic))

    def _vocabulary_form(self, word: str, stemmed: str) -> str:
        """The stem the vocabulary knows ``word`` by: its own, or its Welsh dictionary or
        unmutated form's."""
        known = self.vocabulary.stems
        if stemmed in known:
            return stemmed
        for form in (radical(word), *unmutated(word)):
            if stem(form) in known:
                return stem(form)
        if len(word) > 4 and word[-1] in "nr":  # "weithio'n hyblyg", typed with its clitic
            bare = word[:-1]
            for form in (bare, radical(bare), *unmutated(bare)):
                if stem(form) in known:
                    return stem(form)
        return stemmed

    def _terms(self, words: list[str], found: QuestionVocabulary, seen: _Words
               ) -> list[_Term]:
        """Weigh each informative word and find the known stems it stands for."""
        terms: list[_Term] = []
        done: set[str] = set()  # the words of the terms so far
        for word in words:
            stemmed = stem(word)
            if stemmed in done:
                continue
            if stemmed in found.off_topic:
                weight = self.index.max_idf * self.config.off_topic_weight
                new = [_Term(stemmed, weight, {}, off_topic=True)]
            elif stemmed in found.context:
                known = {stemmed: 1.0} if stemmed in self.index.postings else {}
                new = [_Term(stemmed, self._weight(known), known, context=True)]
            else:
                new = self._content_terms(word, found, stemmed, seen)
            terms += new
            done.update(term.word for term in new)
        if all(term.context for term in terms):
            return terms
        share = self.config.context_weight
        return [_Term(t.word, t.weight * share, t.known, True) if t.context else t for t in terms]

    def _content_terms(self, word: str, found: QuestionVocabulary, stemmed: str,
                       seen: _Words) -> list[_Term]:
        """The term for one word that is not context: typos, synonyms, or a compound's parts."""
        config, index = self.config, self.index
        if word not in seen.similar:
            # A word the vocabulary lists is a word, not a misspelling: "buyin" is not "buying".
            seen.similar[word] = index.similar_words(
                word, config.fuzzy_cutoff, config.fuzzy_min_length,
                typos=stemmed not in self.vocabulary.stems)
        known = dict(seen.similar[word])
        for stand_ins, similarity in ((found.aliases, config.alias_similarity),
                                      (found.synonyms, config.synonym_similarity)):
            # Sorted: a frozenset's order changes with the process's hash seed, and with it
            # which of several equally similar stand-ins sets the term's weight.
            for other in sorted(stand_ins.get(stemmed, ())):
                if other not in known and all(p in index.postings for p in other.split()):
                    known[other] = similarity
        parts = [] if known else index.split_compound(word)
        if parts:
            return [_Term(part, index.idf[part], {part: 1.0}) for part in parts]
        return [_Term(stemmed, self._weight(known), known)]

    def _weight(self, known: dict[str, float]) -> float:
        """A term weighs as its best known stem, or as the rarest word when it is unknown."""
        best = max(known, key=known.__getitem__, default=None)
        if best is None:
            return self.index.max_idf * self.config.unknown_weight
        return max(self.index.idf[part] for part in best.split())

    def _rank(self, terms: list[_Term], kinds: set[str] | None, top: int | None = None
              ) -> list[Match]:
        """Entries sharing a word with the question, scored and sorted best first.

        The phrases sharing a word with the question are scored all at once, as arrays
        (``_Question``): their coverage, the ``candidate_pool`` of highest coverage (equal
        coverage: the earlier phrase in the knowledge base), then for those their coverage
        counting each entry's discounted words, specificity and similarity, each entry's
        best phrase, and the coverage of each such entry's words all together. ``top``: only
        the first ``top`` entries are wanted (a passage's), so only they become matches.
        """
        candidates = self._candidates(terms, kinds)
        if not candidates:
            return []
        config, index = self.config, self.index
        total, enough = self._denominators(terms)
        question = _Question(terms, index)
        phrases = np.sort(np.fromiter(candidates, dtype=np.intp, count=len(candidates)))
        coverage, _ = question.coverage(index.phrase_runs, phrases)
        order = np.argsort(-_shares(coverage, total, enough), kind="stable")
        pool = phrases[order[:config.candidate_pool]]
        covered, places = question.coverage(index.phrase_runs, pool, self._phrase_discounts)
        coverage = _shares(covered, total, enough)
        starts = places[2]
        specificity = np.add.reduceat(
            question.matched_idf(index.phrase_runs.ids[places[0]]), starts
        ) / index.phrase_weight[pool]
        texts = index.sorted_texts
        similarity = np.array(_similarities([term.word for term in terms],
                                            [texts[pid] for pid in pool.tolist()]))
        spec_w, sim_w = config.specificity_weight, config.similarity_weight
        shape = 1 - spec_w - sim_w + spec_w * specificity + sim_w * similarity
        score = index.phrase_strength[pool] * coverage ** config.coverage_power * shape
        owners = index.phrase_entry[pool]
        by_entry = np.argsort(owners, kind="stable")
        owners = owners[by_entry]
        firsts = _firsts(owners)
        entries = owners[firsts]
        best = np.maximum.reduceat(score[by_entry], firsts)
        whole = _shares(question.coverage(index.entry_runs, entries, self._entry_discounts)[0],
                        total, enough)
        share = config.entry_weight
        blended = (1 - share) * best + share * whole
        if top is not None and blended.size > top:
            # Leave out only entries that cannot round to the top-th score: 0.1 below it.
            cut = np.partition(blended, blended.size - top)[blended.size - top]
            keep = np.flatnonzero(100 * blended >= 100 * cut - 0.1)
            blended, entries = blended[keep], entries[keep]
        # Python's round, not numpy's: the score shown is the decimal one.
        scored = sorted((-round(100 * value, 1), entry)
                        for value, entry in zip(blended.tolist(), entries.tolist(), strict=True))
        # best first; equal scores in knowledge base order
        return [Match(index.entries[entry], -score) for score, entry in scored[:top]]

    def _denominators(self, terms: list[_Term]) -> tuple[float, float]:
        """What coverage is a share of (``_shares``): the weight of all the question's terms,
        and the matched weight that is enough on its own (infinite: no such shortcut)."""
        config = self.config
        total = sum(term.weight for term in terms)
        known_weight = sum(term.weight for term in terms if term.known)
        enough = max(config.evidence_words * self.index.max_idf,
                     config.evidence_known_share * known_weight) or float("inf")
        if any(term.off_topic for term in terms):
            enough = float("inf")  # a long story is forgiven its unknown words, not these
        return total, enough

    def _blend(self, ranked: list[Match], terms: list[_Term]) -> list[Match]:
        """The top entries re-scored with the naive Bayes posterior of the question's words."""
        share, depth = self.config.bayes_share, self.config.bayes_depth
        if share <= 0 or not ranked:
            return ranked
        # What is asked, not who or where the asker is: context words only when that is all.
        about = [t for t in terms if t.known and not t.context] or [t for t in terms if t.known]
        words = [max(t.known, key=t.known.__getitem__) for t in about]
        posterior = self.words.posterior([part for word in words for part in word.split()])
        position = self.index.position
        top = [Match(m.entry, round((1 - share) * m.score
                                    + share * 100 * posterior.get(position[m.entry.id], 0.0), 1))
               for m in ranked[:depth]]
        top.sort(key=lambda m: -m.score)  # stable: equal scores keep their order
        return top + ranked[depth:]

    def _candidates(self, terms: list[_Term], kinds: set[str] | None) -> set[int]:
        """Phrases sharing a word with the question, found through the inverted index.

        Words found in more than ``max_postings`` phrases still count in the score but do
        not bring in candidates, unless the question has no rarer word.
        """
        index = self.index
        lists = [min((index.postings[part] for part in known.split()), key=len)
                 for term in terms for known in term.known]
        if not lists:
            return set()
        rare = [ids for ids in lists if len(ids) <= self.config.max_postings]
        found = set().union(*(rare or [min(lists, key=len)]))
        if kinds is not None:
            entries, phrases = index.entries, index.phrases
            found = {pid for pid in found if entries[phrases[pid].entry].kind in kinds}
        return found


def decide(candidates: tuple[Match, ...], threshold: float, margin: float) -> str:
    """Why the top candidate is answered or not: "confident", "low_score" or "ambiguous"."""
    if not candidates or candidates[0].score < threshold:
        return "low_score"
    if len(candidates) > 1 and candidates[0].score - candidates[1].score < margin:
        return "ambiguous"
    return "confident"


def _off_topic(result: MatchResult, like: str) -> MatchResult:
    """``result`` declined as off-topic, like the off-topic question ``like``."""
    return replace(result, best=None, reason="off_topic", asked=None, off_topic_like=like)


def _written(entry: Entry) -> str:
    """An off-topic question as written: the one phrasing of its entry."""
    return next(iter(entry.every_phrasing), "")


def _nearest_mean(similarities: np.ndarray, count: int = 3) -> float:
    """The mean of the ``count`` highest values."""
    if len(similarities) > count:
        similarities = np.partition(similarities, len(similarities) - count)[-count:]
    return float(similarities.mean())


def _similarities(words: list[str], sorted_texts: list[str]) -> list[float]:
    """rapidfuzz ``token_sort_ratio`` (0..1) of the question's words with each phrase, as
    one plain ``ratio`` of the sorted words over them all: the same figures, computed in one
    call rather than one per phrase."""
    if not sorted_texts:
        return []
    found = process.cdist([" ".join(sorted(words))], sorted_texts, scorer=fuzz.ratio,
                          dtype=np.float64)
    return [ratio / 100 for ratio in found[0].tolist()]


@dataclass
class _Memo:
    """What one match() worked out and may need again: the vectors of the texts it embedded
    (the veto and the off-topic check embed the same question), and what each matcher (by
    id: they outlive the match) found the question's words to be. Kept for that match only,
    so no question outlives its answer here."""

    vectors: dict[str, np.ndarray] = field(default_factory=dict)
    words: dict[int, _Words] = field(default_factory=dict)


_ONE_MATCH: ContextVar[_Memo | None] = ContextVar("one_match", default=None)


def _embedded(text: str) -> np.ndarray:
    """The unit vector of ``text`` (WordLlama), embedded once per match."""
    memo = _ONE_MATCH.get()
    if memo is None:
        return bundled_embedder().embed_one(text)
    if text not in memo.vectors:
        memo.vectors[text] = bundled_embedder().embed_one(text)
    return memo.vectors[text]


def _words_of(matcher: Matcher) -> _Words:
    """What ``matcher`` found the words of the question being matched to be: kept for the
    whole match (a new one outside a match)."""
    memo = _ONE_MATCH.get()
    if memo is None:
        return _Words()
    return memo.words.setdefault(id(matcher), _Words())


def _firsts(ordered: np.ndarray) -> np.ndarray:
    """Where each run of equal values of a sorted, non-empty array begins."""
    changes = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
    return np.concatenate((np.zeros(1, dtype=changes.dtype), changes))


def _shares(matched: np.ndarray, total: float, enough: float) -> np.ndarray:
    """Coverage 0..1: the share of the question matched, or, for a long question, enough
    matched evidence (several rare words) on its own."""
    return np.maximum(matched / total, np.minimum(1.0, matched / enough))


def _discounted(runs: Runs, owners: np.ndarray, discounts: tuple[dict[str, float], ...],
                words: tuple[str, ...]) -> np.ndarray:
    """The share each word of ``runs`` counts, from the discounts of the entry owning it."""
    return np.array([discounts[owner].get(words[word], 1.0)
                     for owner, word in zip(owners.tolist(), runs.ids.tolist(), strict=True)])


class _Question:
    """The question's terms as arrays, to score many phrases or entries at once.

    Coverage is the IDF weight of the question's terms a set of words matches: each term
    counts its best similarity among the known words it matches that the set holds (times
    the set's discount for that word), so a term matched twice ("runchart", and a synonym)
    counts once.
    """

    def __init__(self, terms: list[_Term], index: Index) -> None:
        self.weights = np.array([term.weight for term in terms])
        links: dict[str, dict[int, float]] = {}  # known word -> term position -> similarity
        for position, term in enumerate(terms):
            for known, similarity in term.known.items():
                links.setdefault(known, {})[position] = similarity
        self.link_of = np.full(len(index.words), -1, dtype=np.intp)
        # Stand-ins of several words ("health technology wales"): held when all parts are.
        self.compounds: list[tuple[int, list[int]]] = []
        self.in_compound = np.zeros(len(index.words), dtype=bool)  # a word of one of them
        matched = np.zeros(len(index.words))  # each known word's best similarity
        for link, (known, positions) in enumerate(links.items()):
            parts = [index.word_id[part] for part in known.split()]
            if len(parts) == 1:
                self.link_of[parts[0]] = link
            else:
                self.compounds.append((link, parts))
                self.in_compound[parts] = True
            best = max(positions.values())
            for part in parts:
                matched[part] = max(matched[part], best)
        self._matched_idf = index.word_idf * matched
        # Each known word's (term position, similarity) pairs, as runs.
        self.pairs = Runs(np.cumsum([0] + [len(p) for p in links.values()], dtype=np.intp),
                          np.array([n for p in links.values() for n in p], dtype=np.intp))
        self.pair_similarity = np.array([v for p in links.values() for v in p.values()])
        # Whether some term matches several known words, so a set holding two of them
        # must count the term once, at the better.
        self.shared = len(self.pairs.ids) > len(set(self.pairs.ids.tolist()))

    def matched_idf(self, ids: np.ndarray) -> np.ndarray:
        """Each word's IDF times the best similarity the question matches it with (0 for
        a word the question does not match)."""
        return self._matched_idf[ids]

    def coverage(self, runs: Runs, rows: np.ndarray, discounts: np.ndarray | None = None
                 ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """The coverage of each of the runs ``rows`` (phrases or entries), each word counted
        at its share in ``discounts`` (one per place in ``runs.ids``; None: all 1), and
        ``runs.gather(rows)``."""
        gathered = runs.gather(rows)
        places, row_of, _ = gathered
        ids = runs.ids[places]
        links = self.link_of[ids]
        hits = np.flatnonzero(links >= 0)
        held, found = row_of[hits], links[hits]  # which row holds which known word
        shares = discounts[places[hits]] if discounts is not None else np.ones(hits.size)
        if self.compounds:
            holders, links_of, shares_of = [held], [found], [shares]
            marked = np.flatnonzero(self.in_compound[ids])  # the places to look among
            for link, parts in self.compounds:
                holding, share = self._holding(parts, ids, marked, places, row_of, discounts)
                holders.append(holding)
                links_of.append(np.full(len(holding), link, dtype=np.intp))
                shares_of.append(share)
            held, found = np.concatenate(holders), np.concatenate(links_of)
            shares = np.concatenate(shares_of)
        # Each (row, known word) as the terms that word matches.
        pairs, hit, _ = self.pairs.gather(found)
        row, position = held[hit], self.pairs.ids[pairs]
        value = self.pair_similarity[pairs] * shares[hit]
        if self.shared and value.size:  # a term counts its best match in the row, once
            keys = row * len(self.weights) + position
            order = np.argsort(keys, kind="stable")
            keys = keys[order]
            firsts = _firsts(keys)
            value = np.maximum.reduceat(value[order], firsts)
            row, position = np.divmod(keys[firsts], len(self.weights))
        covered = np.bincount(row, weights=self.weights[position] * value, minlength=len(rows))
        return covered, gathered

    @staticmethod
    def _holding(parts: list[int], ids: np.ndarray, marked: np.ndarray, places: np.ndarray,
                 row_of: np.ndarray, discounts: np.ndarray | None
                 ) -> tuple[np.ndarray, np.ndarray]:
        """The rows holding every part of a stand-in of several words, ascending, and the
        share of each one's most discounted part; ``marked``: the places of ``ids``
        holding a word of some such stand-in, ascending."""
        rows = share = None
        for part in parts:
            at = marked[ids[marked] == part]  # a row holds a word at most once: unique rows
            found = discounts[places[at]] if discounts is not None else np.ones(at.size)
            if rows is None:
                rows, share = row_of[at], found
            else:
                rows, mine, theirs = np.intersect1d(rows, row_of[at], assume_unique=True,
                                                    return_indices=True)
                share = np.minimum(share[mine], found[theirs])
        return rows, share


def _holds(words: list[str], run: tuple[str, ...]) -> bool:
    """Whether ``run`` appears in ``words`` as consecutive words."""
    size = len(run)
    return any(tuple(words[start:start + size]) == run
               for start in range(len(words) - size + 1))


# Words that ask about an organisation itself: "can HTW help me?", "how do I contact the
# Bevan Commission?", "sut dwi'n cysylltu efo Gwelliant Cymru?".
_ABOUT_AN_ORGANISATION = frozenset(("help", "helpu", "contact", "cysylltu", "gysylltu",
                                    "reach", "offer", "cynnig"))


def _about_whom(sequence: list[str]) -> tuple[str, ...]:
    """A question's meaningful words without one word asking about an organisation itself."""
    words = [word for word in sequence if word not in _ABOUT_AN_ORGANISATION]
    return tuple(words) if len(words) >= len(sequence) - 1 else tuple(sequence)


def _last_clause(text: str) -> str | None:
    """What follows the last comma of ``text``, or None without one."""
    head, comma, tail = text.rpartition(",")
    return tail.strip() or None if comma and head.strip() else None


def _says_nothing_in_welsh(word: str) -> bool:
    """A Welsh word that asks about nothing: a function word in another form ("alli" is
    "gallu", "sy" is "bod"), or "gwneud" (to do, to make), which Welsh puts where English
    says "do". Kept in a question that has other words, where they match the phrasings that
    use them ("lle dw i arni", where am I up to); alone, "be fedri di neud?" (what can you
    do?) was answered about checking what already exists."""
    if word in _NOT_FUNCTION_WORDS:
        return False
    form = radical(word)
    return form == "gwneud" or form in WELSH_STOP_WORDS


# Words the lemmatiser reads as function words that are not: "meini" (meini prawf,
# criteria) as "maen". ("caffael", read as "cael", is corrected in welsh.LEMMA_FIXES.)
_NOT_FUNCTION_WORDS = frozenset(("meini",))


def _has_welsh(kb: KnowledgeBase) -> bool:
    """Whether any entry has a Welsh title or Welsh phrasings."""
    return any(entry.phrasings_cy or "cy" in entry.title.by_lang for entry in kb.entries())
