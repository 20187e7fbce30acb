"""Normalisation and tokenising of questions (pure functions, no knowledge base)."""

import pytest

from bot.base.normalise import (
    MAX_INPUT_CHARS,
    informative_words,
    normalise,
    stem,
    tokens,
    word_sequence,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Do I need ETHICS approval?? ", "do i need ethics approval"),
        ("Gŵyl   Arloesi â ŷ", "gwyl arloesi a y"),
        ("café naïve", "cafe naive"),
        ("eth\u200bics\u00adapproval\ufeff", "ethicsapproval"),
        ("line\none\teth\x00ics\x07", "line one ethics"),
        ("ﬁnance ①", "finance 1"),
        ("H.T.W. and R&D", "htw and rd"),
        ("What's the plan-do-study-act cycle?", "whats the plan do study act cycle"),
        # A number before "stages" counts them; after "stage" it names one.
        ("What are the 5 stages?", "what are the stages"),
        ("beth yw'r 5 cam", "beth ywr cam"),
        ("stage 5 checklist", "stage 5 checklist"),
        ("cam 5, lledaenu", "cam 5 lledaenu"),
        ("I walked 12,000 steps", "i walked 12 000 steps"),
        # "On my own" and "by myself" are "alone"; "on my own ward" is possession.
        ("doing it on my own, help", "doing it alone help"),
        ("all by myself", "alone"),
        ("single-handed for a year", "alone for a year"),
        ("try it on my own ward", "try it on my own ward"),
        # Asking for help in general says nothing about what with.
        ("run charts?? any advice", "run charts"),
        ("I need help with PDSA", "pdsa"),
        ("gwerthuso? unrhyw gyngor", "gwerthuso"),
        ("who can help with ethics", "who can help with ethics"),
        ("can I get protected time?", "can i get protectedtime"),
        ("who is our information governance lead", "who is our informationgovernance lead"),
        # Greetings and thanks at the start or the end say nothing; inside, they may be
        # what is asked about, and a greeting not set off by punctuation stays.
        ("Sorry to bother you, who owns my idea? Thanks in advance!", "who owns my idea"),
        ("Bore da, cwestiwn sydyn: gwerthuso - diolch o flaen llaw", "gwerthuso"),
        ("How do you say good morning in Welsh?", "how do you say good morning in welsh"),
        ("morning huddle idea", "morning huddle idea"),
        ("Morning!", "morning"),  # nothing but politeness: kept, for the greeting to be seen
        ("🙂🙂", ""),
        ("", ""),
        ("   \n\t ", ""),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_normalise_caps_very_long_input() -> None:
    assert len(normalise("word " * 100_000)) <= MAX_INPUT_CHARS


@pytest.mark.parametrize(
    ("words", "same"),
    [
        (["evaluation", "evaluate", "evaluating", "evaluated"], True),
        (["innovation", "innovator", "innovative", "innovate"], True),
        (["prototype", "prototyping", "prototypes"], True),
        (["device", "devices"], True),
        (["approval", "approved", "approve"], True),
        (["HTWs", "htw"], True),
        (["ethics", "audit"], False),
        (["sling", "slow"], False),  # a stem keeps three letters: "sling" is not "sl" + "ing"
        (["bring", "brief"], False),
    ],
)
def test_stem_groups_word_forms(words: list[str], same: bool) -> None:
    stems = {stem(word.casefold()) for word in words}
    assert (len(stems) == 1) is same


def test_tokens_drop_stop_words_and_duplicates() -> None:
    assert tokens("How do I get some advice on my patents? Patent!") == [stem("advice"), "patent"]
    assert tokens("because the old ones broke") == ["old", stem("broke")]


def test_tokens_of_filler_only_question_are_empty() -> None:
    assert tokens("how do I, can you tell me please?") == []


def test_tokens_keep_acronyms_and_numbers() -> None:
    assert tokens("MHRA class 2 device") == ["mhra", "class", "2", "devic"]


def test_word_sequence_keeps_order_and_repeats() -> None:
    assert word_sequence("Hi, the Bevan team at Aneurin Bevan") == [
        "bevan", "team", "aneurin", "bevan"]
    assert informative_words("Hi, the Bevan team at Aneurin Bevan") == [
        "bevan", "team", "aneurin"]


def test_other_is_informative_for_spread_questions() -> None:
    assert tokens("how do other wards copy it") == [stem("other"), "ward", "copy"]


@pytest.mark.parametrize("ending", [
    "thanks", "thank you so much", "many thanks", "sorry", "thanks in advance", "hi all",
    "diolch", "diolch yn fawr iawn", "diolch o flaen llaw", "diolch yn barod", "sori i boeni",
    "bore da", "noswaith dda", "helo bawb",
])
def test_politeness_at_the_end_of_a_question_is_left_out(ending: str) -> None:
    assert normalise(f"who owns my idea? {ending}!") == "who owns my idea"
