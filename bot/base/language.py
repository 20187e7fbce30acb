"""Which language a message is in: Welsh, English, or too short or mixed to say.

Detection is offline (simplemma's word lists). It decides only when it is confident, so one
ambiguous word ("app", "DTAC", "diolch", "tick 2") never flips a conversation: the caller
falls back to the conversation's language, then to the user's saved preference.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise

from simplemma import langdetect

LANGUAGES = ("en", "cy")
MIN_WORDS = 3  # fewer words than this: not enough to tell
CONFIDENT_SHARE = 0.6  # the share of known words that must be of one language
# Words that only Welsh uses (no single letters, and none an English message has: "am").
# Code-switched messages ("ydy'n app ni'n medical device?") are Welsh when they carry two.
_WELSH_MARKERS = frozenset((
    "dwi", "dw", "ydw", "ydy", "ydych", "yw", "mae", "oes", "sut", "beth", "pwy", "ble", "lle",
    "pryd", "gyda", "efo", "hefyd", "ond", "rhaid", "angen", "gallu", "gallaf", "allaf", "ni'n",
    "fi'n", "chi'n", "i'r", "o'r", "a'r", "yn", "y'n", "dwi'n", "ydy'n", "mae'n", "fy", "ein",
    "eich", "gen", "gyda'r", "syniad", "cymraeg", "diolch", "plis", "ydyn", "oedd", "bydd",
    "fydd", "wedi", "di", "di'r", "ydi", "ydi'r", "sy'n", "isio", "moyn",
))
# "be" is English too, but before a Welsh word it is "what": "be di NICE?" (what is NICE?)
# is Welsh, with one marker and a name the word lists call English.
_WELSH_BEFORE_MARKER = frozenset(("be",))
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def detect(text: str) -> str | None:
    """"cy" or "en" when the message is clearly in that language, else None."""
    words = [w.casefold().replace("’", "'") for w in _WORD.findall(text.replace("’", "'"))]
    markers = sum(w in _WELSH_MARKERS for w in words) + sum(
        w in _WELSH_BEFORE_MARKER and after in _WELSH_MARKERS for w, after in pairwise(words))
    if markers >= 2:
        return "cy"
    if len(words) < MIN_WORDS:
        return None
    scores = dict(_scores(" ".join(words)))
    best = max(LANGUAGES, key=lambda lang: scores.get(lang, 0.0))
    other = "en" if best == "cy" else "cy"
    if scores.get(best, 0.0) >= CONFIDENT_SHARE and scores.get(best, 0.0) > scores.get(other, 0.0):
        return best
    return None


@lru_cache(maxsize=2048)
def _scores(text: str) -> tuple[tuple[str, float], ...]:
    return tuple(langdetect(text, lang=LANGUAGES))


def warm_up() -> None:
    """Load the word lists now (about a second), not on the first user's message."""
    detect("where do I start with my idea")
    detect("ble dwi'n dechrau gyda fy syniad")


_NAMES = {"cymraeg": "cy", "welsh": "cy", "cy": "cy", "gymraeg": "cy", "english": "en",
          "saesneg": "en", "en": "en", "susnag": "en"}


def named(text: str) -> str | None:
    """The language a command names ("Cymraeg", "in English please"), if exactly one."""
    found = {_NAMES[w] for w in (m.casefold() for m in _WORD.findall(text)) if w in _NAMES}
    return found.pop() if len(found) == 1 else None
