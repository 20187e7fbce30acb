"""The question matcher, on a small fixture knowledge base and on the real bundled one."""

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from bot.base.normalise import stem, tokens, word_sequence
from bot.kb.loader import load_knowledge
from bot.kb.model import KnowledgeBase, Vocabulary
from bot.matching import Matcher, MatcherConfig, MatchResult
from bot.matching.evaluate import evaluate_examples, load_examples
from bot.matching.index import Index
from bot.matching.matcher import Match, _Words
from bot.matching.vocabulary import VocabularyIndex

FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb_small"
REAL_KB = Path(__file__).parent.parent / "knowledge"
DATA = Path(__file__).parent / "data"
UNSEEN = DATA / "unseen_questions.yaml"
HELDOUT_FRESH = Path(__file__).parent / "data" / "heldout_fresh.yaml"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_knowledge(FIXTURE_KB))


@pytest.fixture(scope="module")
def real_matcher() -> Matcher:
    return Matcher(load_knowledge(REAL_KB))


def answered(result: MatchResult) -> str | None:
    return result.best.entry.id if result.best else None


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Do I need ethics approval for my project?", "ethics-approval"),
        ("how do I read a run chart", "run-charts"),
        ("is my app a medical device?", "medical-device"),
        ("who owns the IP in my invention", "ip-before-disclosure"),
        ("what is the prototype stage", "prototype"),
    ],
)
def test_answers_a_phrasing_in_other_words(matcher: Matcher, question: str, expected: str) -> None:
    assert answered(matcher.match(question)) == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("do i need ethics aproval", "ethics-approval"),
        ("is my app a medicl devise", "medical-device"),
        ("how do I read a rnu chart", "run-charts"),
        ("who owns the intelectual proprety", "ip-before-disclosure"),
    ],
)
def test_typos_still_match(matcher: Matcher, question: str, expected: str) -> None:
    assert answered(matcher.match(question)) == expected


def test_a_typo_keeps_its_first_letter(matcher: Matcher) -> None:
    index = matcher.index
    assert stem("ethics") in index.similar_words("ethcis", 83, 4)  # letters swapped
    assert stem("prototype") in index.similar_words("prototpye", 83, 4)
    # "rethics" is one letter from "ethics" but starts differently: another word, not a typo.
    assert stem("ethics") not in index.similar_words("rethics", 83, 4)


def test_a_typo_is_found_among_its_own_first_letter_only() -> None:
    # Three spellings closer to "xcharter" start differently; they must not crowd out the
    # one that keeps its first letter (only the top three per scorer are looked at).
    from bot.kb.model import Text, Topic
    from bot.matching.index import Index

    phrasings = ("acharter", "bcharter", "ccharter", "xcharterxyz")
    topic = Topic(id="t", kind="topic", title=Text.of("t"), phrasings=phrasings, keywords=(),
                  stage=None, organisations=(), source="", reviewed="2026-12-02", file="",
                  line=1)
    assert set(Index([topic]).similar_words("xcharter", 83, 4)) == {stem("xcharterxyz")}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("HTW", "health-technology-wales"),
        ("what does htw do", "health-technology-wales"),
        ("LSHW?", "life-sciences-hub-wales"),
        ("mhra", "mhra"),
        ("PDSA", "pdsa-cycles"),
        ("IRAS", "ethics-approval"),
        ("who are the RPBs", "regional-partnership-boards"),
        ("H.T.W.", "health-technology-wales"),
    ],
)
def test_acronyms_match_in_any_case(matcher: Matcher, question: str, expected: str) -> None:
    assert answered(matcher.match(question)) == expected


@pytest.mark.parametrize("question", ["Gŵyl Arloesi", "gwyl arloesi", "GŴYL ARLOESI CYMRU"])
def test_welsh_letters_match_with_or_without_accents(matcher: Matcher, question: str) -> None:
    assert answered(matcher.match(question)) == "gwyl-arloesi"


def test_a_subset_of_a_phrasing_does_not_score_100(matcher: Matcher) -> None:
    result = matcher.match("approval")
    assert result.candidates[0].entry.id == "ethics-approval"
    assert result.candidates[0].score < 100


def test_the_exact_phrasing_scores_higher_than_a_subset(matcher: Matcher) -> None:
    full = matcher.match("do I need ethics approval").candidates[0].score
    part = matcher.match("ethical approval needed for the board").candidates[0].score
    assert full > part


@pytest.mark.parametrize("question", ["how do I", "what can I do for the", "can you tell me?"])
def test_stop_word_only_questions_are_declined(matcher: Matcher, question: str) -> None:
    result = matcher.match(question)
    assert result.best is None
    assert result.reason == "low_score"


def test_a_phrasing_of_stop_words_matches_word_for_word(matcher: Matcher) -> None:
    assert answered(matcher.match("What can you do?")) == "about-pathway"


@pytest.mark.parametrize(
    ("question", "expected"),
    [("patent", "ip-before-disclosure"), ("ethics", "ethics-approval"), ("idea stage", "idea")],
)
def test_short_questions_match(matcher: Matcher, question: str, expected: str) -> None:
    assert answered(matcher.match(question)) == expected


def test_two_equally_good_entries_are_offered_as_suggestions(matcher: Matcher) -> None:
    result = matcher.match("funding grant")
    assert result.best is None
    assert result.reason == "ambiguous"
    assert {m.entry.id for m in result.suggestions} == {
        "funding-for-prototypes", "funding-for-adoption"}


def test_a_confident_answer_has_no_suggestions(matcher: Matcher) -> None:
    result = matcher.match("funding to build a prototype")
    assert answered(result) == "funding-for-prototypes"
    assert result.reason == "confident"
    assert result.suggestions == ()


def test_related_are_the_close_runners_up_of_an_answer(matcher: Matcher) -> None:
    result = matcher.match("funding to build a prototype")
    best, others = result.best, result.candidates[1:]
    assert best is not None
    gap, floor = matcher.config.related_gap, matcher.config.suggest_floor
    expected = [m for m in others if m.score >= max(floor, best.score - gap)]
    assert result.related == tuple(expected[: matcher.config.max_related])
    wide = replace(matcher.config, related_gap=100.0, suggest_floor=0.0, max_related=2)
    assert Matcher(matcher.kb, wide).match("funding to build a prototype").related == others[:2]
    narrow = replace(matcher.config, related_gap=0.0)
    assert Matcher(matcher.kb, narrow).match("funding to build a prototype").related == ()


def test_an_abstention_has_no_related(matcher: Matcher) -> None:
    result = matcher.match("funding grant")
    assert result.best is None and result.related == ()


def test_suggestions_are_at_most_three_and_above_the_floor(matcher: Matcher) -> None:
    result = matcher.match("what is the stage")
    assert len(result.suggestions) <= 3
    assert all(m.score >= matcher.config.suggest_floor for m in result.suggestions)


@pytest.mark.parametrize(
    "question",
    [
        "what's the weather like today",
        "how do I book annual leave",
        "paracetamol dose for a child",
        "asdf",
        "where is the canteen and the car park",
    ],
)
def test_out_of_scope_questions_are_declined(matcher: Matcher, question: str) -> None:
    result = matcher.match(question)
    assert result.best is None
    assert result.reason == "low_score"


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "🙂", "🙂👍🏽 🎉", "\u200b\u200d", "?!"])
def test_empty_input_is_reported_as_empty(matcher: Matcher, question: str) -> None:
    result = matcher.match(question)
    assert result.best is None
    assert result.reason == "empty"
    assert result.candidates == ()
    assert result.suggestions == ()


def test_very_long_input_is_handled(matcher: Matcher) -> None:
    result = matcher.match("do I need ethics approval " + "blah " * 20_000)
    assert result.query.startswith("do I need ethics approval")
    assert result.best is None or result.best.entry.id == "ethics-approval"


def test_control_and_zero_width_characters_are_ignored(matcher: Matcher) -> None:
    assert answered(matcher.match("eth\u200bics\x00 appro\u00adval")) == "ethics-approval"


def test_emoji_around_a_question_are_ignored(matcher: Matcher) -> None:
    assert answered(matcher.match("🙂 do I need ethics approval? 🙏")) == "ethics-approval"


def test_candidates_are_ranked_and_limited(matcher: Matcher) -> None:
    result = matcher.match("what is the stage", limit=2)
    scores = [m.score for m in result.candidates]
    assert len(scores) == 2
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 100 for s in scores)


def test_kinds_restrict_the_entries_considered(matcher: Matcher) -> None:
    result = matcher.match("medical device", kinds={"organisation"})
    assert {m.entry.kind for m in result.candidates} == {"organisation"}
    assert result.candidates[0].entry.id == "mhra"


def test_threshold_comes_from_the_config() -> None:
    strict = Matcher(load_knowledge(FIXTURE_KB), MatcherConfig(threshold=101))
    result = strict.match("do I need ethics approval")
    assert result.best is None
    assert result.reason == "low_score"
    assert result.suggestions[0].entry.id == "ethics-approval"


def test_evaluate_examples_counts_and_lists_failures(matcher: Matcher) -> None:
    report = evaluate_examples(matcher, matcher.kb.examples)
    assert (report.in_scope, report.out_of_scope) == (4, 2)
    assert report.in_scope_accuracy == 1.0
    assert report.out_of_scope_decline_rate == 1.0
    assert report.summary_lines() == [
        "examples: 4/4 in-scope answered correctly (100.0%), 2/2 out-of-scope declined (100.0%)"]


def test_evaluate_examples_describes_a_wrong_answer(matcher: Matcher, tmp_path: Path) -> None:
    path = tmp_path / "examples.yaml"
    path.write_text("examples:\n  - {q: is my app a medical device, expect: run-charts}\n"
                    "out_of_scope:\n  - do I need ethics approval\n", encoding="utf-8")
    report = evaluate_examples(matcher, load_examples(path))
    lines = report.summary_lines()
    assert lines[0].startswith("examples: 0/1 in-scope answered correctly (0.0%), 0/1 out-of-")
    assert lines[1].startswith(f"  {path}:2: 'is my app a medical device' expected run-charts, "
                               "got medical-device (")
    assert lines[2].startswith(f"  {path}:4: 'do I need ethics approval' expected a decline, "
                               "got ethics-approval (")


def test_real_knowledge_base_examples(real_matcher: Matcher) -> None:
    report = evaluate_examples(real_matcher, real_matcher.kb.examples)
    assert report.in_scope >= 120
    assert report.out_of_scope >= 20
    assert report.in_scope_accuracy >= 0.90, "\n".join(report.summary_lines())
    assert report.out_of_scope_decline_rate >= 0.90, "\n".join(report.summary_lines())


def test_real_knowledge_base_declines_unseen_out_of_scope_questions(
        real_matcher: Matcher) -> None:
    report = evaluate_examples(real_matcher, load_examples(UNSEEN))
    assert report.out_of_scope >= 10
    assert report.out_of_scope_decline_rate >= 0.90, "\n".join(report.summary_lines())


# The target is 0.90, reached (36/40). The misses share few words with their entries
# ("keeps going after I move jobs" for sustaining the change).
UNSEEN_IN_SCOPE_FLOOR = 0.90


def test_real_knowledge_base_answers_unseen_in_scope_questions(real_matcher: Matcher) -> None:
    report = evaluate_examples(real_matcher, load_examples(UNSEEN))
    assert report.in_scope >= 30
    assert report.in_scope_accuracy >= UNSEEN_IN_SCOPE_FLOOR, "\n".join(report.summary_lines())


def test_real_knowledge_base_meets_the_target_on_the_fresh_held_out_set(
        real_matcher: Matcher) -> None:
    report = evaluate_examples(real_matcher, load_examples(HELDOUT_FRESH))
    assert (report.in_scope, report.out_of_scope) == (60, 20)
    assert report.in_scope_accuracy >= 0.90, "\n".join(report.summary_lines())
    assert report.out_of_scope_decline_rate >= 0.90, "\n".join(report.summary_lines())


# heldout_blind.yaml was written from the brief and the entry titles only. Measured once
# (92.5% in-scope, 86.7% out-of-scope declined), it has since been used to choose settings,
# and now gives 97.5% and 93.3%. heldout_dev.yaml, written the same way later, is the set
# the 2026-11-26 changes were diagnosed on: long situational questions ("I'm an OT and
# designed a new sling ... my friend says the health board owns it") and near misses ("a
# patient has made a complaint about my care"). These floors guard the current figures.
BLIND_IN_SCOPE_FLOOR = 0.90
BLIND_OUT_OF_SCOPE_FLOOR = 0.90
DEV_IN_SCOPE_FLOOR = 0.85
DEV_OUT_OF_SCOPE_FLOOR = 0.85


def test_real_knowledge_base_on_the_blind_held_out_set(real_matcher: Matcher) -> None:
    report = evaluate_examples(real_matcher, load_examples(HELDOUT_FRESH.with_name(
        "heldout_blind.yaml")))
    assert (report.in_scope, report.out_of_scope) == (80, 30)
    assert report.in_scope_accuracy >= BLIND_IN_SCOPE_FLOOR, "\n".join(report.summary_lines())
    assert report.out_of_scope_decline_rate >= BLIND_OUT_OF_SCOPE_FLOOR, "\n".join(
        report.summary_lines())


def test_real_knowledge_base_on_the_dev_held_out_set(real_matcher: Matcher) -> None:
    report = evaluate_examples(real_matcher, load_examples(HELDOUT_FRESH.with_name(
        "heldout_dev.yaml")))
    assert (report.in_scope, report.out_of_scope) == (80, 40)
    assert report.in_scope_accuracy >= DEV_IN_SCOPE_FLOOR, "\n".join(report.summary_lines())
    assert report.out_of_scope_decline_rate >= DEV_OUT_OF_SCOPE_FLOOR, "\n".join(
        report.summary_lines())


# heldout_final.yaml was written blind at the same time as heldout_dev.yaml and measured
# once, after the changes diagnosed on heldout_dev: 85.0% in-scope (68/80), 95.0%
# out-of-scope declined (38/40). (The matcher as of the morning of 2026-11-26 got 72.5% /
# 87.5%.) heldout_final2.yaml, a third blind set written later the same day, measured once
# on the same matcher: 90.0% (72/80) and 92.5% (37/40).
# heldout_dev2, heldout_final3 and heldout_final4 were written blind in the third session
# of 2026-11-26 and measured on its starting matcher: 81.2% / 92.5%, 91.2% / 95.0% and
# 86.2% / 95.0%. heldout_dev2 was used to diagnose; after the new phrasings final3 and
# final4 gave 93.8% / 97.5% and 86.2% / 100%. They were then used, with every file above,
# to choose the naive Bayes blend (bayes.py).
# heldout_dev3, heldout_final5 and heldout_final6 were written blind after that and measured
# on the matcher before the blend: 77.5% / 90.0%, 92.5% / 97.5% and 83.8% / 97.5%.
# heldout_dev3 was used to diagnose and to choose the blend's settings; final5 and final6
# were measured once more, at the end: 93.8% / 95.0% and 91.2% / 92.5%, together 92.5%
# (148/160) in scope and 93.8% (75/80) out of scope declined.
# These floors guard the current figures.
FINAL_FLOORS = {
    "heldout_final.yaml": (0.90, 0.95), "heldout_final2.yaml": (0.95, 0.95),
    "heldout_dev2.yaml": (0.9375, 0.95), "heldout_final3.yaml": (0.9625, 0.975),
    "heldout_final4.yaml": (0.8875, 1.0), "heldout_dev3.yaml": (0.875, 0.90),
    "heldout_final5.yaml": (0.9375, 0.95), "heldout_final6.yaml": (0.9125, 0.925),
    # Written blind on 2026-12-02 (issues 16 and 17), measured before that day's changes and
    # after each session's (README). Counted strictly here: only `expect`, not `also`. The
    # final sets' floors are what the last measurement found, higher or lower: they guard
    # against an unmeasured change, they are not targets.
    "blind16_dev.yaml": (64 / 80, 40 / 40), "blind16_final_a.yaml": (66 / 80, 40 / 40),
    "blind16_final_b.yaml": (59 / 80, 37 / 40), "blind_cy_dev.yaml": (75 / 80, 40 / 40),
    "blind_cy_final.yaml": (71 / 80, 39 / 40),
    # Written blind in the second session of 2026-12-02 (issue 17): dev2 diagnosed the Welsh
    # phrasings; final2 measured before and after them, never diagnosed.
    # Leaving "any suggestions?" out (2026-12-04, third session) left dev2's "I have an
    # idea for the team's Christmas present, any suggestions?" saying no more than the
    # openings rule asks, and it was answered (38 -> 37 declined).
    "blind_cy_dev2.yaml": (67 / 80, 37 / 40), "blind_cy_final2.yaml": (60 / 80, 36 / 40),
    # Written blind in the third session of 2026-12-02, measured once on 7d65f6b before that
    # session's changes and once after them; never diagnosed.
    # The veto by meaning (fifth session) left final_c at 68/80 and 35/40 and moved final_d
    # to 39/40 declined.
    "blind16_final_c.yaml": (71 / 80, 37 / 40), "blind16_final_d.yaml": (64 / 80, 39 / 40),
    "blind_cy_final3.yaml": (62 / 80, 38 / 40),
    # Written blind in the fourth session of 2026-12-02, measured once on 5ae7625 and again
    # on f7c9288 (the same counts); never diagnosed. Its floor failed once, on afe4f8e (65/80,
    # counts only), and that change was reverted for it: it has informed one decision.
    "blind_cy_final4.yaml": (71 / 80, 38 / 40),
    # Written blind in the fifth session of 2026-12-02, measured once (diag_e on dc5a5d3,
    # diag5 on 5715b5e), then diagnosed: they guard what was found, they measure nothing new.
    "blind16_diag_e.yaml": (64 / 80, 40 / 40), "blind_cy_diag5.yaml": (64 / 80, 38 / 40),
    # Written blind in the sixth session of 2026-12-02, measured once on 48a10c7; F and cy6
    # then diagnosed (long questions: passage scoring), G, H and cy7 measured once more after.
    # Scoring long questions in passages (sixth session) moved final_a, final_c, final_d and
    # final4 up by one or two, dev2 down by one (69 -> 68). The Welsh ways of asking what
    # Pathway can do (31d3c9c) moved one cy6 story from 35.1 to 34.8, just under the
    # threshold (51 -> 50), while the used Welsh sets gained three in all (661 -> 664).
    "blind16_diag_f.yaml": (61 / 80, 38 / 40), "blind_cy_diag6.yaml": (50 / 80, 33 / 40),
    "blind16_final_g.yaml": (64 / 80, 39 / 40), "blind16_final_h.yaml": (58 / 80, 38 / 40),
    "blind_cy_final7.yaml": (56 / 80, 33 / 40),
    # Written blind on 2026-12-03 from the entry titles only, measured once after that day's
    # changes (on 5136605), informing nothing.
    "blind16_final_i.yaml": (69 / 80, 38 / 40), "blind_cy_final8.yaml": (73 / 80, 34 / 40),
    # Written blind on 2026-12-03 (second session) from the entries' ids and titles only,
    # measured once on 2c5bb80 and once on 38605dd, after the off-topic questions (J: 38 ->
    # 39 declined), informing nothing.
    "blind16_final_j.yaml": (68 / 80, 39 / 40), "blind_cy_final9.yaml": (70 / 80, 35 / 40),
    # Written blind in the fourth session of 2026-12-03 from the entries' ids and titles
    # only, measured once on e76f221 (counts only), informing nothing.
    "blind_cy_final10.yaml": (57 / 80, 36 / 40), "blind_cy_final11.yaml": (63 / 80, 36 / 40),
    # The off-topic questions (knowledge/off_topic_questions.yaml, 2026-12-03) raised the
    # decline floors above to their new counts and cost dev2, final_h and final7 one right
    # answer each: measured after a rule fixed on the used sets (benchmarks/README.md). The
    # cap on the check by meaning (off_topic_meaning_below, added for speed) then took one
    # decline back from final_c (38 -> 37); it was kept, the clean set deciding nothing.
    # Correcting the Welsh dictionary's misreadings (welsh.LEMMA_FIXES, 2026-12-04), kept by
    # a rule fixed on the used sets (more right, declines down by at most a point: Welsh
    # 666 -> 671 of 800 right, 368 -> 367 of 400 declined), moved final3, final4, final11
    # and diag5 up (61 -> 62, 67 -> 70, 62 -> 63, 63 -> 64), final10 down (58 -> 57) and
    # diag6's declines down (34 -> 33); the clean sets, counted after, decided nothing. The
    # second batch (cam, nesa/nesaf, run, form), by the same rule (Welsh 671 -> 674 right,
    # 367 -> 366 declined), moved final4 and final8 up (70 -> 71, 72 -> 73) and final7's
    # declines down (34 -> 33), and no clean set.
    # Written blind on 2026-12-04 (the third session of the day) from the entries' ids and
    # titles only, measured on 2e02b64 and again after that session's changes (the same
    # counts), informing nothing. The clean sets' floors above were raised to that session's
    # last count (final_c, d, g, h, i and cy_final2 each one or two up).
    "blind16_final_k.yaml": (68 / 80, 37 / 40), "blind_cy_final12.yaml": (58 / 80, 36 / 40),
}


@pytest.mark.parametrize("name", FINAL_FLOORS)
def test_real_knowledge_base_on_the_final_held_out_sets(real_matcher: Matcher, name: str) -> None:
    report = evaluate_examples(real_matcher, load_examples(HELDOUT_FRESH.with_name(name)))
    assert (report.in_scope, report.out_of_scope) == (80, 40)
    in_floor, out_floor = FINAL_FLOORS[name]
    # Counts only: a failure must not print a clean set's questions (benchmarks/baselines.py
    # --failures lists them for a set that is meant to be diagnosed).
    # Plain numbers are compared: pytest would print the report's repr, failures and all.
    counts = report.summary_lines()[0]
    right, declined = report.in_scope_accuracy, report.out_of_scope_decline_rate
    del report
    assert right >= in_floor, counts
    assert declined >= out_floor, counts


def without_vocabulary(matcher: Matcher) -> Matcher:
    return Matcher(replace(matcher.kb, vocabulary=Vocabulary()))


def with_board_phrasing(matcher: Matcher, *context_words: str) -> Matcher:
    """The fixture with one entry naming a health board, as real phrasings do."""
    kb = matcher.kb
    phrasing = "which regional partnership board covers Hywel Dda"
    orgs = tuple(replace(o, phrasings=(*o.phrasings, phrasing))
                 if o.id == "regional-partnership-boards" else o for o in kb.organisations)
    vocabulary = Vocabulary(context_words=context_words)
    return Matcher(replace(kb, organisations=orgs, vocabulary=vocabulary))


def test_where_the_asker_works_does_not_decide_the_answer(matcher: Matcher) -> None:
    question = "what does Hywel Dda do about patents"
    assert answered(with_board_phrasing(matcher, "Hywel Dda").match(question)) == (
        "ip-before-disclosure")
    # Without the context word the board's name pulls towards the entry naming it.
    plain = with_board_phrasing(matcher).match(question)
    assert answered(plain) != "ip-before-disclosure"
    assert "regional-partnership-boards" in {m.entry.id for m in plain.candidates[:2]}


def test_context_words_keep_the_runner_up_well_behind(matcher: Matcher) -> None:
    question = "is there ethics approval in Hywel Dda"

    def gap(m: Matcher) -> float:
        result = m.match(question)
        assert answered(result) == "ethics-approval"
        return result.candidates[0].score - result.candidates[1].score

    assert gap(with_board_phrasing(matcher, "Hywel Dda")) > gap(with_board_phrasing(matcher)) + 10


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("our physio team in Hywel Dda wants to know who owns an invention", "who-owns-my-idea"),
        ("is there any QI training in Swansea Bay", "improvement-training"),
        ("I'm a nurse in Betsi Cadwaladr, do I need ethics approval for a patient survey?",
         "ethics-approval-rec"),
    ],
)
def test_real_questions_naming_a_board_get_the_topic(
        real_matcher: Matcher, question: str, expected: str) -> None:
    assert answered(real_matcher.match(question)) == expected


def test_a_question_only_about_context_still_matches_it(real_matcher: Matcher) -> None:
    assert answered(real_matcher.match("is Swansea Bay covered")) == "who-pathway-serves"


def test_a_synonym_matches_an_entry_worded_differently(matcher: Matcher) -> None:
    vocabulary = Vocabulary(synonyms=(("cash", "money", "funding"),))
    with_synonyms = Matcher(replace(matcher.kb, vocabulary=vocabulary))
    assert answered(matcher.match("cash for adoption")) != "funding-for-adoption"
    result = with_synonyms.match("cash for adoption")
    assert answered(result) == "funding-for-adoption"
    assert result.candidates[0].score < 100  # a synonym matches a little below the word itself


@pytest.mark.parametrize(("question", "word", "expected"), [
    ("my gizmo flopped on the ward, what now?", "gizmo", "failed-prototype"),
    ("do I need an IRB for my study?", "irb", "ethics-approval-rec"),
])
def test_everyday_words_reach_the_entry_through_the_bundled_synonyms(
        real_matcher: Matcher, question: str, word: str, expected: str) -> None:
    assert answered(real_matcher.match(question)) == expected
    vocabulary = real_matcher.kb.vocabulary
    plain = replace(vocabulary, synonyms=tuple(g for g in vocabulary.synonyms if word not in g))
    assert answered(Matcher(replace(real_matcher.kb, vocabulary=plain)).match(question)) is None


def test_buy_in_is_support_not_buying(real_matcher: Matcher) -> None:
    assert word_sequence("getting buy-in from my manager") == ["buyin", "manager"]
    assert word_sequence("how do I get buy in from the consultants") == ["buyin", "consultants"]
    assert word_sequence("will the team buy into it") == ["team", "buyin"]
    assert word_sequence("can we buy in from a supplier") == ["buy", "supplier"]
    assert word_sequence("can we buy in bulk") == ["buy", "bulk"]
    assert answered(real_matcher.match("how do I get buy-in from my manager?")) == (
        "involve-line-manager")


def test_a_word_the_vocabulary_lists_is_not_read_as_a_misspelling(real_matcher: Matcher) -> None:
    """"buyin" is one letter from "buying": unlisted, it was answered about procurement."""
    question = "buy-in from the board"
    assert real_matcher.match(question).best is None
    vocabulary = real_matcher.kb.vocabulary
    unlisted = replace(vocabulary, synonyms=tuple(
        tuple(m for m in group if m != "buy-in") for group in vocabulary.synonyms))
    without = Matcher(replace(real_matcher.kb, vocabulary=unlisted))
    assert answered(without.match(question)) == "procurement-nwssp"


SITUATION = ("Our ward team wants to survey patients about the winter flu jab clinic, "
             "do we need ethics approval first?")


def with_situational_phrasing(matcher: Matcher, config: MatcherConfig | None = None) -> Matcher:
    kb = matcher.kb
    topics = tuple(replace(t, phrasings=(*t.phrasings, SITUATION)) if t.id == "ethics-approval"
                   else t for t in kb.topics)
    return Matcher(replace(kb, topics=topics), config)


def test_words_only_phrasings_use_are_counted(matcher: Matcher) -> None:
    situational = with_situational_phrasing(matcher)
    entry = next(i for i, e in enumerate(situational.index.entries) if e.id == "ethics-approval")
    uses = situational.index.phrasing_uses[entry]
    for word in ("flu", "jab", "winter", "clinic"):
        assert uses[stem(word)] == 1  # only the situational phrasing: incidental
    # In the title or keywords: what the entry is about, whatever the phrasings say.
    assert not {stem("ethics"), stem("approval"), "rec"} & uses.keys()


def test_a_word_more_phrasings_use_counts_more(matcher: Matcher) -> None:
    once = with_situational_phrasing(matcher)
    kb = once.kb
    twice = ("A care home wants to ask residents about the winter flu jab clinic, "
             "do they need ethics approval?")
    topics = tuple(replace(t, phrasings=(*t.phrasings, twice)) if t.id == "ethics-approval"
                   else t for t in kb.topics)
    again = Matcher(replace(kb, topics=topics))
    question = "when is the winter flu jab clinic"
    assert again.match(question).candidates[0].score > once.match(question).candidates[0].score


def test_incidental_words_pull_less_than_the_words_an_entry_is_about(matcher: Matcher) -> None:
    discounted = with_situational_phrasing(matcher)
    in_full = with_situational_phrasing(matcher, MatcherConfig(phrasing_saturation=0))

    def score(m: Matcher, question: str) -> float:
        return m.match(question).candidates[0].score

    about_the_situation = "when is the winter flu jab clinic"
    assert score(discounted, about_the_situation) < score(in_full, about_the_situation) - 15
    about_the_entry = "do we need ethics approval to survey patients"
    assert score(discounted, about_the_entry) == score(in_full, about_the_entry)


def with_off_topic(matcher: Matcher, *words: str) -> Matcher:
    return Matcher(replace(matcher.kb, vocabulary=Vocabulary(off_topic_words=words)))


def test_an_off_topic_word_is_not_forgiven_in_a_long_question(matcher: Matcher) -> None:
    question = ("I have been doing a lot of overtime to write a patent for my invention, "
                "will I get paid for it")
    # A long question matching several rare words is answered despite its unknown words...
    assert answered(matcher.match(question)) == "ip-before-disclosure"
    # ... unless one of them says the question is about something Pathway doesn't cover.
    result = with_off_topic(matcher, "overtime").match(question)
    assert answered(result) is None and result.reason == "low_score"


def test_a_clear_match_is_answered_despite_an_off_topic_word(matcher: Matcher) -> None:
    result = with_off_topic(matcher, "overtime").match("is my app a medical device, overtime")
    assert answered(result) == "medical-device"
    assert result.candidates[0].score < matcher.match("is my app a medical device").best.score


def test_an_off_topic_word_the_knowledge_base_uses_matches_nothing(matcher: Matcher) -> None:
    assert answered(matcher.match("patent")) == "ip-before-disclosure"
    assert answered(with_off_topic(matcher, "patent").match("patent")) is None


def test_an_organisation_alias_stands_for_its_name(real_matcher: Matcher) -> None:
    # The phrasing says "HTW"; the question spells the name out.
    result = real_matcher.match("can I submit my device to Health Technology Wales")
    assert answered(result) == "htw-propose-topic"


def stems(text: str) -> list[str]:
    return [stem(word) for word in word_sequence(text)]


def test_context_is_found_as_a_phrase() -> None:
    index = VocabularyIndex(Vocabulary(context_words=("band 6", "Aneurin Bevan")))
    found = index.read(stems("band 6 nurse, can I join the Bevan Exemplars from Aneurin Bevan?"))
    assert found.context == {stem("band"), "6", stem("aneurin")}  # "bevan" is also asked about
    assert index.read(stems("which band of the pay scale")).context == frozenset()


def test_synonyms_and_aliases_stand_for_whole_phrases() -> None:
    index = VocabularyIndex(Vocabulary(synonyms=(("QI", "quality improvement"),)),
                            aliases=(("Health Technology Wales", "HTW"),))
    found = index.read(stems("QI course at Health Technology Wales"))
    assert found.synonyms == {"qi": {" ".join(tokens("quality improvement"))}}
    assert found.aliases[stem("technology")] == {"htw"}
    assert index.read(stems("quality of care")).synonyms == {}


def test_off_topic_phrases_are_found_as_phrases() -> None:
    index = VocabularyIndex(Vocabulary(off_topic_words=("shift swap", "payslip")))
    assert index.read(stems("can I do a shift swap with my payslip?")).off_topic == {
        stem("shift"), stem("swap"), stem("payslip")}
    assert index.read(stems("how do I shift the culture")).off_topic == frozenset()


def test_a_vocabulary_of_common_words_only_is_ignored() -> None:
    index = VocabularyIndex(Vocabulary(context_words=("the",), synonyms=(("how", "what"),)))
    assert index.read(stems("the pathway")) == index.read([])


class OnePhraseAtATime(Matcher):
    """The reference: the scoring in plain Python, one phrase and one entry at a time."""

    def _rank(self, terms: list, kinds: set[str] | None, top: int | None = None) -> list:
        candidates = self._candidates(terms, kinds)
        if not candidates:
            return []
        index, config = self.index, self.config
        total, enough = self._denominators(terms)
        links: dict[str, list[tuple[int, float]]] = {}
        for position, term in enumerate(terms):
            for known, similarity in term.known.items():
                links.setdefault(known, []).append((position, similarity))
        k = config.phrasing_saturation
        discounts = [{w: uses / (uses + k) for w, uses in counts.items()} if k > 0 else {}
                     for counts in index.phrasing_uses]

        def coverage(words: frozenset[str], discount: dict[str, float]) -> float:
            best: dict[int, float] = {}
            for known, pairs in links.items():
                parts = known.split()
                if all(part in words for part in parts):
                    factor = min(discount.get(part, 1.0) for part in parts)
                    for position, similarity in pairs:
                        best[position] = max(best.get(position, 0.0), similarity * factor)
            matched = sum(terms[position].weight * value for position, value in best.items())
            return max(matched / total, min(1.0, matched / enough))

        plain = {pid: coverage(index.phrases[pid].tokens, {}) for pid in candidates}
        pool = sorted(candidates, key=lambda pid: (-plain[pid], pid))[:config.candidate_pool]
        matched: dict[str, float] = {}
        for known, pairs in links.items():
            for part in known.split():
                matched[part] = max(max(s for _, s in pairs), matched.get(part, 0.0))
        question = " ".join(sorted(term.word for term in terms))
        best_phrase: dict[int, float] = {}
        for pid in pool:
            phrase = index.phrases[pid]
            specificity = sum(index.idf[w] * matched[w] for w in sorted(phrase.tokens)
                              if w in matched) / phrase.weight
            similarity = fuzz.ratio(question, phrase.sorted_text) / 100
            spec_w, sim_w = config.specificity_weight, config.similarity_weight
            shape = 1 - spec_w - sim_w + spec_w * specificity + sim_w * similarity
            score = (phrase.strength * coverage(phrase.tokens, discounts[phrase.entry])
                     ** config.coverage_power * shape)
            best_phrase[phrase.entry] = max(score, best_phrase.get(phrase.entry, 0.0))
        share = config.entry_weight
        scored = sorted(
            (-round(100 * ((1 - share) * score
                           + share * coverage(index.entry_tokens[entry], discounts[entry])), 1),
             entry) for entry, score in best_phrase.items())
        return [Match(index.entries[entry], -score) for score, entry in scored][:top]


@pytest.mark.parametrize("pool", [5, 40, MatcherConfig.candidate_pool])
def test_array_scoring_ranks_exactly_like_one_phrase_at_a_time(pool: int) -> None:
    kb = load_knowledge(REAL_KB)
    config = MatcherConfig(candidate_pool=pool)  # small pools put ties at the cut
    fast, reference = Matcher(kb, config), OnePhraseAtATime(kb, config)
    # Long stories (passages), Welsh (the bilingual matcher), and the off-topic questions'
    # matcher, each scored by its own reference too.
    questions = [e.question for e in kb.examples] + [
        e.question for path in (UNSEEN, DATA / "blind16_diag_e.yaml", DATA / "blind_cy_diag6.yaml")
        for e in load_examples(path)[::2]]
    for question in questions:
        got, expected = fast.match(question, limit=10), reference.match(question, limit=10)
        assert got.reason == expected.reason, question
        assert [(m.entry.id, m.score) for m in got.candidates] == [
            (m.entry.id, m.score) for m in expected.candidates], question


def test_a_ranking_asked_for_its_first_few_gives_exactly_the_first_few() -> None:
    # Passages keep only their first five: their rankings turn only those into matches,
    # leaving out entries that cannot round up to them.
    matcher = Matcher(load_knowledge(REAL_KB))
    questions = [e.question for e in matcher.kb.examples] + [
        e.question for e in load_examples(DATA / "blind16_diag_e.yaml")]
    compared = 0
    for question in questions:
        sequence = word_sequence(question)
        words = list(dict.fromkeys(sequence))
        seen = _Words()
        terms = matcher._terms(words, matcher._read_vocabulary(sequence, seen), seen)
        whole = matcher._rank(terms, None)
        for top in (1, 3, 5, 10):
            assert matcher._rank(terms, None, top) == whole[:top], (question, top)
            compared += len(whole) > top
    assert compared > 500  # most rankings were cut


def test_scores_do_not_depend_on_the_hash_seed() -> None:
    question = "why plot a run chart rather than compare the before and after averages"
    script = ("from bot.kb.loader import load_knowledge; from bot.matching import Matcher; "
              f"m = Matcher(load_knowledge({str(REAL_KB)!r})); "
              f"print([(c.entry.id, c.score) for c in m.match({question!r}).candidates])")
    outputs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2", "3", "4")}
    assert len(outputs) == 1, outputs


def test_knowledge_texts_are_normalised_once_and_not_kept() -> None:
    from bot.base.normalise import normalised_text

    kb = load_knowledge(REAL_KB)  # kb check's off-topic check fills the cache...
    assert normalised_text.cache_info().currsize > 0
    matcher = Matcher(kb)  # ...the index reads it, then empties it
    assert normalised_text.cache_info().currsize == 0
    matcher.match("I'm a nurse in Powys, do I need ethics approval?")
    assert normalised_text.cache_info().currsize == 0  # a user's message never goes into it


@pytest.mark.parametrize(
    ("question", "ask"),
    [
        ("I'm a nurse in Powys. I have an idea. Where do I start?", "Where do I start?"),
        ("we tried it on one ward - how do we spread it", "how do we spread it"),
        ("the pilot worked, so what happens next", "what happens next"),
        ("mae'r peilot wedi gweithio ar y ward, felly be nesa", "be nesa"),
        ("dwi wedi trio fe efo dau glaf ond lle dwi'n mynd o fan hyn", "lle dwi'n mynd o fan hyn"),
        ("dwi'n nyrs yn Ysbyty Gwynedd felly'n brysur iawn", None),  # a word, not the clause
        ("do I need ethics approval", None),
        ("is my app a medical device?", None),
    ],
)
def test_the_asking_part_is_the_last_sentence_or_clause(question: str, ask: str | None) -> None:
    from bot.matching.asking import asking_part

    assert asking_part(question) == ask


# Written for this test in the style of blind16_dev's long questions (a story, then the ask);
# matched whole, the story dilutes the ask below the threshold.
LONG_IDEA = ("I'm a pharmacist in a busy district general hospital and the team is stretched. "
             "I have an idea for a new way to label high-risk medicines. What do I do first?")


def test_a_long_question_is_answered_from_its_asking_part(real_matcher: Matcher) -> None:
    assert answered(real_matcher.match(LONG_IDEA)) == "first-steps-with-an-idea"
    whole_only = Matcher(real_matcher.kb, MatcherConfig(asking_part_gap=None))
    assert answered(whole_only.match(LONG_IDEA)) is None


@pytest.mark.parametrize("question", [
    "Our ward is having a leaving do for a sister retiring after thirty years. Who do I tell?",
    "My daughter is applying to university in Cardiff next year and she's nervous. "
    "What do I do first?",
])
def test_a_generic_ask_after_an_unrelated_story_is_still_declined(
        real_matcher: Matcher, question: str) -> None:
    assert answered(real_matcher.match(question)) is None


def test_a_question_typed_as_one_entrys_text_is_answered_with_that_entry(
        real_matcher: Matcher) -> None:
    # "stages" alone fits the overview and working out your stage about as well (81 / 81).
    result = real_matcher.match("What are the stages?")
    assert answered(result) == "pathway-stages-overview"
    assert result.best is not None and result.best.score == 100.0
    # An answer it would give anyway keeps its own score (and so its See also).
    dtac = real_matcher.match("what is dtac")
    assert answered(dtac) == "dtac" and dtac.best is not None and dtac.best.score < 100.0
    # A text two entries share (prototype's and co-design's "mock up") decides nothing.
    shared = real_matcher.match("mock up")
    assert {m.entry.id for m in shared.candidates[:2]} == {"prototype", "co-design-with-users"}
    assert shared.best is None and max(m.score for m in shared.candidates) < 100.0


# Phrases normalise() reads as one thing (bot/base/normalise.py), each with the entry it now
# gets; every one was answered otherwise before.
READ_AS_ONE = [
    # Asking for advice or help in general: answered about where to get IP advice
    # ("advice", "cyngor") or about not carrying it alone ("help").
    ("run charts?? any advice", "run-charts"),
    ("who owns my invention? any advice", "who-owns-my-idea"),
    ("I need help with health board innovation teams", "health-board-innovation-teams"),
    ("gwerthuso? unrhyw gyngor", "evaluate"),
    # Greetings and thanks around a question: declined, "sorry", "bother", "quick",
    # "morning", "advance", "bore", "sydyn" diluting them.
    ("sorry to bother you, prototype and test", "prototype"),
    ("hi, quick q: evaluate", "evaluate"),
    ("morning all, run charts?", "run-charts"),
    ("sorry to bother you, social care wales", "social-care-wales"),
    ("sharing what didn't work - thanks in advance!", "sharing-what-did-not-work"),
    ("bore da, cwestiwn sydyn: gwerthuso", "evaluate"),
    # Asking for information about a topic: "info" / "gwybodaeth" diluted it (ambiguous,
    # low_score 31.5); a stop word now, "information" still counts in "information
    # governance".
    ("info on run charts", "run-charts"), ("mwy o wybodaeth am DTAC", "dtac"),
    ("who is the information governance lead", "digital-safety-and-data"),
    # A number before "stages" counts them: read as "stage 5" (the spread stage's keyword,
    # words matching in any order); a number after the word still names the stage.
    ("what are the 5 stages of the pathway", "pathway-stages-overview"),
    ("pathway's 5 stages?", "pathway-stages-overview"),
    ("what happens at stage 5", "spread"),
    ("be sy ar y rhestr wirio ar gyfer cam 5?", "spread"),
]


@pytest.mark.parametrize(("question", "expected"), READ_AS_ONE)
def test_phrases_read_as_one_thing_get_their_entry(
        real_matcher: Matcher, question: str, expected: str) -> None:
    assert answered(real_matcher.match(question)) == expected


@pytest.mark.parametrize("question", ["how do I protect my idea", "protection for my idea"])
def test_protecting_an_idea_is_not_protected_time(real_matcher: Matcher, question: str) -> None:
    # "protected" stemmed like "protect": both were answered about protected time (63.3).
    assert answered(real_matcher.match(question)) in {"ip-before-disclosure",
                                                       "where-to-get-ip-advice"}
    assert answered(real_matcher.match("can I get protected time for my project?")) == (
        "protected-time")


def test_a_question_that_is_an_organisations_name_gets_the_organisation(
        real_matcher: Matcher) -> None:
    # The topic on value-based health care scored 88.6 against its alias's 87.3: ambiguous.
    assert answered(real_matcher.match("what is Value Based Healthcare Wales?")) == (
        "welsh-value-in-health-centre")
    assert answered(real_matcher.match("what is value based healthcare")) == (
        "value-based-health-care")
    # One word asking about the organisation itself may come with the name; an acronym
    # alone counts where the question writes it in capitals. Before: the topics on
    # proposing a topic to HTW and on NICE's evidence tiers.
    assert answered(real_matcher.match("can HTW help me?")) == "health-technology-wales"
    assert answered(real_matcher.match("can NICE help me")) == "nice"
    # More than that, and the ranking decides: no entry is put first at 100.
    longer = real_matcher.match("can HTW help me assess our new point of care test?")
    assert longer.candidates and longer.candidates[0].score < 100.0


@pytest.mark.parametrize("question", [
    # Before: "own" (stemmed like "owns") and stop words only; answered about sustaining
    # the change and about the prototype.
    "I don't want to keep doing this on my own",
    "I built the prototype by myself and now it needs to go to other wards, help",
])
def test_doing_it_on_my_own_is_about_not_carrying_it_alone(
        real_matcher: Matcher, question: str) -> None:
    assert answered(real_matcher.match(question)) == "not-carrying-it-alone"


def test_an_opening_in_one_sentence_is_asked_in_its_last_clause(real_matcher: Matcher) -> None:
    # Written for this test: no sentence break, so before this the ask was not found and
    # the story declined it (low_score).
    question = ("I've had an idea about keeping track of the wheelchairs in outpatients during "
                "the busy morning clinics, where do I start?")
    result = real_matcher.match(question)
    assert answered(result) == "first-steps-with-an-idea" and result.reason == "opening"
    # A last clause that asks about something else still decides.
    other = question.replace("where do I start?", "do I need ethics approval?")
    assert answered(real_matcher.match(other)) != "first-steps-with-an-idea"


# Written for this test: a story, an opening that says what it is about, and an ask that
# says no more. Matched whole, the story dilutes the score below the threshold.
PORTER = ("I'm a porter at Morriston and I keep seeing wheelchairs left in the wrong places, "
          "nobody can find one when they need it. I have an idea for tagging them so we know "
          "where they are.")
PORTER_CY = ("Dw i'n borthor yn Ysbyty Treforys a dw i'n gweld cadeiriau olwyn yn y lle "
             "anghywir drwy'r amser, does neb yn gallu ffeindio un pan mae angen. Mae gen i "
             "syniad am eu tagio nhw fel ein bod ni'n gwybod lle maen nhw.")


def without_openings(kb: KnowledgeBase) -> KnowledgeBase:
    return replace(kb, vocabulary=replace(kb.vocabulary, openings=()))


@pytest.mark.parametrize("question", [f"{PORTER} What do I do now?",
                                      f"{PORTER_CY} Be dw i'n neud rŵan?"])
def test_an_opening_answers_a_long_question_whose_ask_says_no_more(
        real_matcher: Matcher, question: str) -> None:
    result = real_matcher.match(question)
    assert (answered(result), result.reason) == ("first-steps-with-an-idea", "opening")
    assert result.best is not None and result.best.score == real_matcher.config.threshold
    assert answered(Matcher(without_openings(real_matcher.kb)).match(question)) is None


@pytest.mark.parametrize("question", [
    f"{PORTER} Who owns it if I came up with it at work?",  # an ask about something else
    f"{PORTER_CY} Pwy sy berchen y syniad os wnes i feddwl amdano yn y gwaith?",
    "I'm a porter at Morriston and the shift patterns are a nightmare this winter. "
    "I have an idea for swapping my rota with a colleague. What now?",  # off-topic still
])
def test_an_opening_does_not_answer_what_the_rest_of_the_question_decides(
        real_matcher: Matcher, question: str) -> None:
    assert real_matcher.match(question).reason != "opening"


# Written for this test: a story about a device, then the ask of someone starting out.
DEVICE_STORY = ("I run a small podiatry clinic in Llanelli and we print our own insoles on a "
                "3D printer. I want to sell the design to other clinics. Where do I start?")


def test_a_long_question_offers_its_asking_parts_answer_beside_the_whole(
        real_matcher: Matcher) -> None:
    result = real_matcher.match(DEVICE_STORY)
    assert answered(result) == "is-it-a-medical-device"
    assert result.asked is not None and result.asked.entry.id == "first-steps-with-an-idea"
    assert "first-steps-with-an-idea" in [m.entry.id for m in result.related]
    whole_only = Matcher(real_matcher.kb, MatcherConfig(asking_part_gap=None))
    assert "first-steps-with-an-idea" not in [m.entry.id for m in
                                              whole_only.match(DEVICE_STORY).related]


# Written for this test: a long Welsh story with an ask at the end.
WELSH_STORY = ("Dwi'n ffisiotherapydd yn gweithio gyda chleifion sydd wedi cael strôc ar ward "
               "adsefydlu yn Ysbyty Gwynedd, ac mae gen i syniad am ap bach sy'n atgoffa "
               "cleifion i wneud eu hymarferion gartref ar ôl mynd adref o'r ysbyty, gyda "
               "fideos byr gan ein tîm ni a nodyn i'r teulu. Mae fy rheolwr yn hoffi'r syniad "
               "ond does neb yn y tîm wedi gwneud dim byd fel hyn o'r blaen. Lle dwi'n dechrau?")


@pytest.mark.parametrize("question", [DEVICE_STORY + " " + LONG_IDEA, WELSH_STORY])
def test_a_long_questions_words_are_looked_up_once_per_index_in_a_match(
        real_matcher: Matcher, question: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The whole question, its passages and its asking part share their words: each word's
    # known stems (typos searched for) and, in Welsh, the stem the vocabulary knows it by,
    # are worked out once per index for the whole match, and again for the next match.
    looked: list[tuple[int, str]] = []
    formed: list[tuple[int, str]] = []
    similar, form = Index.similar_words, Matcher._vocabulary_form

    def counted_similar(self: Index, word: str, *args, **kwargs) -> dict[str, float]:
        looked.append((id(self), word))
        return similar(self, word, *args, **kwargs)

    def counted_form(self: Matcher, word: str, stemmed: str) -> str:
        formed.append((id(self), word))
        return form(self, word, stemmed)

    monkeypatch.setattr(Index, "similar_words", counted_similar)
    monkeypatch.setattr(Matcher, "_vocabulary_form", counted_form)
    matcher = Matcher(real_matcher.kb)
    result = matcher.match(question)
    assert result.best is not None and len(word_sequence(question)) > 24  # with passages
    assert looked and len(looked) == len(set(looked))
    welsh = result.welsh
    assert welsh == (question == WELSH_STORY)
    assert len(formed) == len(set(formed)) and (len(formed) > 0) == welsh
    first = len(looked)
    matcher.match(question)
    assert sorted(looked[first:]) == sorted(looked[:first])  # nothing kept after a match


@pytest.mark.parametrize(("question", "expected"), [
    ("what can you do", "about-pathway"),  # a phrasing of stop words, word for word
    ("what can you do for me?", "about-pathway"),  # holding it, with two words more
    ("who can use it?", "who-pathway-serves"),
    ("what can you do for me then?", None),  # three more: it is no longer most of it
    ("is it the only one?", None),  # a phrasing of two words ("only one") is not looked for
    ("i give up", None),
])
def test_a_question_of_stop_words_is_answered_by_a_phrasing_it_holds(
        real_matcher: Matcher, question: str, expected: str | None) -> None:
    assert answered(real_matcher.match(question)) == expected


def test_a_one_sentence_question_offers_nothing_more(real_matcher: Matcher) -> None:
    result = real_matcher.match("is my app a medical device?")
    assert result.asked is None


def test_the_asking_part_keeps_the_limit_on_candidates(real_matcher: Matcher) -> None:
    result = real_matcher.match(LONG_IDEA, limit=1)
    assert answered(result) == "first-steps-with-an-idea"
    assert len(result.candidates) == 1
    assert result.query == LONG_IDEA


def test_a_look_alike_far_in_meaning_from_its_answer_is_declined(real_matcher: Matcher) -> None:
    """"name" and "new" reach an entry lexically, scoring under semantic_veto_below; the
    entry is nothing like the question in meaning, so it is declined, not answered."""
    question = "what's a good name for a new kitten"
    result = real_matcher.match(question)
    assert (result.best, result.reason) == (None, "far_in_meaning")
    assert result.candidates  # still ranked, for the unanswered report
    assert result.suggestions == ()  # no "did you mean" to the entry it was kept from
    without = Matcher(real_matcher.kb, replace(real_matcher.config, semantic_veto=0.0))
    assert without.match(question).best is not None


@pytest.mark.parametrize("question, expected", [
    ("money for a small pilot", "funding-for-innovation"),
    ("help with stats for my evaluation", "evaluation-expertise"),
])
def test_a_low_scoring_answer_near_in_meaning_is_kept(real_matcher: Matcher, question: str,
                                                      expected: str) -> None:
    result = real_matcher.match(question)
    assert result.best is not None and result.best.score < MatcherConfig().semantic_veto_below
    assert result.best.entry.id == expected


def test_the_veto_by_meaning_leaves_welsh_and_confident_answers_alone(
        real_matcher: Matcher) -> None:
    """A high-scoring answer never loads the embeddings. A Welsh question is never vetoed:
    the embeddings know little Welsh, and "cyllid i beilot bach" (41.9 points) is 0.11 from
    its right answer in meaning, far under semantic_veto."""
    fresh = Matcher(real_matcher.kb)
    assert fresh.match("how do I make a run chart").best is not None
    assert fresh.semantic is None
    result = fresh.match("cyllid i beilot bach")
    assert result.best is not None and result.best.entry.id == "funding-for-innovation"
    assert result.best.score < MatcherConfig().semantic_veto_below


def test_embeddings_that_cannot_load_leave_the_answers_lexical(
        real_matcher: Matcher, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """A broken model file must not stop the bot answering: one warning, then every
    question is answered as without the veto, and the load is not retried each time."""
    import bot.matching.matcher as matcher_module

    calls = []

    def broken(*args: object) -> None:
        calls.append(args)
        raise Exception("tokenizer file is not valid JSON")  # what tokenizers raises

    monkeypatch.setattr(matcher_module, "semantic_index", broken)
    matcher = Matcher(real_matcher.kb)
    for _ in range(2):
        result = matcher.match("what's a good name for a new kitten")
        assert result.best is not None and result.reason == "confident"
    assert len(calls) == 1
    assert "the veto by meaning is off" in caplog.text


@pytest.mark.parametrize(("question", "not_this"), [
    # a shift handover is not the handover note a departing project lead writes
    ("we want to try a new way of doing handovers, where do we start?", "burnout-and-turnover"),
    # medication rounds and a pharmacy team are a process and colleagues, not a new medicine
    ("I want to try a new way of doing medication rounds", "medicines-vs-technologies"),
    ("how do I get the pharmacy team on board with my idea", "medicines-vs-technologies"),
])
def test_a_word_in_its_everyday_sense_does_not_answer_with_its_other_sense(
        real_matcher: Matcher, question: str, not_this: str) -> None:
    best = real_matcher.match(question).best
    assert best is None or best.entry.id != not_this


def test_a_new_medicine_still_finds_the_medicines_entry(real_matcher: Matcher) -> None:
    for question in ("is my new drug a medicine or a device", "my innovation is a new medication"):
        assert real_matcher.match(question).best.entry.id == "medicines-vs-technologies"
