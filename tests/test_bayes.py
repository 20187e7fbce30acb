"""The naive Bayes second opinion: posteriors over entries, and how the matcher blends them."""

import math
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import pytest

from bot.base.normalise import stem, tokens
from bot.kb.loader import load_knowledge
from bot.matching import Matcher, MatcherConfig
from bot.matching.bayes import WordModel

FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb_small"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_knowledge(FIXTURE_KB))


def entry_id(matcher: Matcher, position: int) -> str:
    return matcher.index.entries[position].id


def test_a_word_one_entry_uses_gives_that_entry_most_of_the_posterior(matcher: Matcher) -> None:
    model = WordModel(matcher.index, smoothing=0.1, temperature=1.0)
    posterior = model.posterior([stem("pdsa")])
    best = max(posterior, key=posterior.__getitem__)
    assert entry_id(matcher, best) == "pdsa-cycles"
    assert posterior[best] > 0.5


def test_the_posterior_is_a_distribution_over_the_entries_using_the_words(
        matcher: Matcher) -> None:
    model = WordModel(matcher.index, smoothing=0.1, temperature=2.0)
    words = [stem("funding"), stem("prototype"), stem("ethics")]
    posterior = model.posterior(words)
    users = {phrase.entry for phrase in matcher.index.phrases if phrase.tokens & set(words)}
    assert set(posterior) == users
    assert all(0 < p < 1 for p in posterior.values())
    assert sum(posterior.values()) < 1  # the entries using none of the words keep a share


def test_a_higher_temperature_flattens_the_posterior(matcher: Matcher) -> None:
    words = [stem("run"), stem("chart"), stem("shift")]
    sharp = WordModel(matcher.index, 0.1, temperature=1.0).posterior(words)
    flat = WordModel(matcher.index, 0.1, temperature=4.0).posterior(words)
    assert max(flat.values()) < max(sharp.values())


@pytest.mark.parametrize("words", [[], ["zzzz"], ["qwerty", "asdf"]])
def test_words_no_entry_uses_favour_no_entry(matcher: Matcher, words: list[str]) -> None:
    assert WordModel(matcher.index, 0.1, 2.0).posterior(words) == {}


def test_the_blend_reranks_the_top_entries_by_the_posterior(matcher: Matcher) -> None:
    question = "funding to evaluate my innovation"
    phrase_only = Matcher(matcher.kb, replace(matcher.config, bayes_share=0.0))
    bayes_only = Matcher(matcher.kb, replace(matcher.config, bayes_share=1.0))
    by_phrase = phrase_only.match(question, limit=10).candidates
    by_words = bayes_only.match(question, limit=10).candidates
    assert {m.entry.id for m in by_words} == {m.entry.id for m in by_phrase}
    words = [t for t in tokens(question) if t in matcher.index.postings]
    posterior = bayes_only.words.posterior(words)
    for match in by_words:  # all the score comes from the posterior
        expected = 100 * posterior.get(matcher.index.position[match.entry.id], 0.0)
        assert match.score == pytest.approx(expected, abs=0.05)
    assert by_words[0].entry.id != by_phrase[0].entry.id  # and it changed the order
    assert all(a.score >= b.score for a, b in pairwise(by_words))


def test_scores_stay_between_0_and_100(matcher: Matcher) -> None:
    for question in ("pdsa", "do I need ethics approval", "funding grant", "run chart shift"):
        assert all(0 <= m.score <= 100 for m in matcher.match(question, limit=10).candidates)


def test_switched_off_the_blend_leaves_the_phrase_scores(matcher: Matcher) -> None:
    off = Matcher(matcher.kb, MatcherConfig(bayes_share=0.0))
    on = Matcher(matcher.kb, MatcherConfig(bayes_share=0.2))
    question = "how do I read a run chart"
    plain = off.match(question, limit=10).candidates
    blended = on.match(question, limit=10).candidates
    assert [m.score for m in plain] != [m.score for m in blended]
    scores = {m.entry.id: m.score for m in plain}
    for m in blended:  # the blend never moves a score by more than its share
        assert abs(m.score - scores[m.entry.id]) <= 20.0 + 0.1


def loop_posterior(model: WordModel, index_words: list[str]) -> dict[int, float]:
    """The posterior one entry and one word at a time, as bayes.py first computed it."""
    words = [word for word in index_words if word in model._gains]
    if not words:
        return {}
    gains: dict[int, float] = {}
    for word in words:
        for entry, gain in zip(*(a.tolist() for a in model._gains[word]), strict=True):
            gains[entry] = gains.get(entry, 0.0) + gain
    length, scale = len(words), 1 / model.temperature
    log_like = {entry: (length * model._floor[entry] + gain) * scale
                for entry, gain in gains.items()}
    top = max(log_like.values())
    rest = model._rest_for(length) - top
    total = math.exp(rest) if rest > -700 else 0.0
    mass = {entry: math.exp(value - top) for entry, value in log_like.items()}
    total += sum(mass.values())
    return {entry: value / total for entry, value in mass.items()}


def test_the_posterior_is_exactly_the_one_a_loop_computes() -> None:
    # Bit for bit and in the same order, so no blended score rounds differently.
    real = Matcher(load_knowledge(Path(__file__).parent.parent / "knowledge"))
    examples = [e.question for e in real.kb.examples]
    assert len(examples) > 300
    for question in examples:
        words = tokens(question)
        for cut in (len(words), 3, 1):
            assert list(real.words.posterior(words[:cut]).items()) == list(
                loop_posterior(real.words, words[:cut]).items()), question
