"""Turn free text into comparable tokens: normalised, stop words removed, lightly stemmed.

rapidfuzz applies no processor by default, so everything the matcher compares goes through
``normalise`` first, and the knowledge base's phrasings go through exactly the same steps as
the user's question.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from bot.base.welsh import WELSH_STOP_WORDS

# Longer messages are cut before any work is done: a question is never this long, and a
# pasted document must not slow the bot down.
MAX_INPUT_CHARS = 1000

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_DOTTED_ACRONYM = re.compile(r"\b(?:[a-z]\.){2,}")
_AMPERSAND_ACRONYM = re.compile(r"\b([a-z]) ?& ?([a-z])\b")
# "Buy-in" is support, not buying: without this, "in" goes as a stop word and "getting buy-in
# from my manager" is read as "buy" and answered about procurement. Written apart, it is
# support only after a word that asks for it ("get buy in from", "no buy in"), or as "buy
# into" an idea; "can we buy in from a supplier" and "buy in bulk" stay "buy".
_BUY_IN = re.compile(r"\bbuy[-\u2010\u2011\u2013]ins?\b"
                     r"|\b(?:get|getting|got|gain|gaining|need|needs|more|some|any|no|their"
                     r"|the|staff|team|clinical|manager|management)\s+buy\s+ins?\b"
                     r"|\bbuy\s+into\b")
# A number before "stages" counts them, it does not name one: "the 5 stages of the pathway"
# is the overview, not stage 5 (the spread stage's keyword). Welsh counts with the singular:
# "y 5 cam".
_COUNTED_STAGES = re.compile(r"\b\d+\s+(?=(?:stages|phases|cam|gam|camau)\b)")
# "On my own" is alone, but "own" alone stems like "owns" (who owns my idea), and "by myself"
# is all stop words: both would be lost. "On my own ward" is possession, so "on ... own" is
# read as alone only where the phrase ends (punctuation, the end, or a joining word).
_ALONE = re.compile(
    r"\b(?:all )?(?:on (?:my|our|your|his|her|their) own"
    r"(?=\s*(?:$|[^\w\s]|(?:and|with|from|on|for|to|at|in|but|or|so|because|as|all|now"
    r"|here|too|again|really|tbh|lol|atm)\b))"
    r"|by (?:myself|ourselves|yourself|yourselves|himself|herself|themselves))"
    r"|\bsingle[\s-]?handed(?:ly)?\b")
# Asking for help in general says nothing about what with: "... any advice?", "I need help
# with ...". Kept, "advice" pulled a question to where to get IP advice, and "help" to the
# entries on not carrying it alone and on which organisation can help.
_ASKING_FOR_HELP = re.compile(
    r"\bany (?:advice|tips|ideas|suggestions|thoughts|pointers|help)\b"
    r"|\b(?:i )?need (?:some )?(?:help|advice) (?:with|on)\b"
    r"|\bunrhyw (?:gyngor|gyngorion|syniadau|awgrymiadau|help)\b"
    r"|\bangen (?:help|cymorth|cyngor) (?:efo|gyda|hefo)\b")
# Two-word terms that are one thing, read as one word. "Protected time" is time set aside
# for the work: read as two words, "protected" stems like "protect" and "how do I protect my
# idea" was answered about protected time. "Information governance" keeps its first word,
# which is otherwise a stop word ("info on run charts").
_COMPOUND = re.compile(r"\b(?:protected (?:time|hours|sessions?|days?)|information governance"
                       r"|llywodraethu gwybodaeth)\b")
# Greetings and politeness around a question, as staff write them in Slack, at its start or
# its end: they say nothing about what is asked ("sorry to bother you", "quick q", "morning
# all", "thanks in advance"; "bore da", "sori i boeni", "cwestiwn sydyn", "diolch o flaen
# llaw"). Inside a question they may be what it asks about ("how do you say good morning
# in Welsh?").
_POLITE = (r"(?:sorry to (?:bother|trouble|pester)(?: you| you all| everyone)?|sorry"
           r"|quick (?:q|qs|question|one)|(?:good )?(?:morning|afternoon|evening)"
           r"(?: all| everyone| team)?|(?:hi|hello|hey|hiya)(?: all| everyone| team| there)?"
           r"|(?:thanks|thank you)(?: in advance| so much| very much| a lot)?|many thanks"
           r"|bore da|prynhawn da|noswaith dda|pnawn da|helo(?: bawb)?|haia|shwmae|sumae"
           r"|sori(?: i (?:boeni|poeni|dy boeni|ch poeni|chi boeni))?"
           r"|cwestiwn (?:sydyn|bach|cyflym)"
           r"|diolch(?: o flaen llaw| yn fawr(?: iawn)?| yn barod)?)")
# At the start each is followed by punctuation ("morning huddle" stays), at the end preceded
# by a space or punctuation. The end is looked for in the last _POLITE_TAIL characters only:
# searched from every position of a long message, it cost more than the rest of normalise.
_POLITE_START = re.compile(rf"(?:\s*{_POLITE}\s*[,.!:;\-–—]+)+")
_POLITE_END = re.compile(rf"(?:[\s,.!:;\-–—]+{_POLITE})+[\s,.!?:;\-–—]*$")
_POLITE_TAIL = 60
_TRAILING = " \t\n,.!?:;-–—)"
_HAS_WORD = re.compile(r"[^\W_]")
# The words a phrase of _POLITE can end with: most messages end with none and are not
# searched.
_POLITE_LAST_TEXT = """
    sorry you all everyone bother trouble pester q qs question one morning afternoon evening
    team hi hello hey hiya there thanks thank advance much lot da dda bawb helo haia shwmae
    sumae sori boeni poeni sydyn bach cyflym diolch llaw fawr iawn barod
"""
_POLITE_LAST_WORDS = frozenset(_POLITE_LAST_TEXT.split())
_APOSTROPHE = re.compile(r"(?<=\w)['’‘`´](?=\w)")
_NOT_WORD = re.compile(r"[\W_]+")

# Function words plus the filler staff put around any question ("how do I ...", "can you
# help me with ..."). Words that merely recur across entries are handled by IDF weighting.
_STOP_WORDS_TEXT = """
    a about above after again against all also am an and any anybody anyone anything are
    around as at be been before being below between both but by can cant could couldnt
    did didnt do does doesnt doing dont down during each either else etc ever every few
    for from further get gets getting give go goes going got had hadnt has hasnt have
    havent having he her here hers herself him himself his how hows i id if ill im in
    into is isnt it its itself ive just kind know let lets like look looking made make
    many may me might mine more most much must my myself no nor not now
    of off oh ok okay on once one only or ought our ours ourselves out over
    please pls really right said say says she should shouldnt so some somebody someone
    something sort such sure tell than thank thanks that thats the their theirs them
    themselves then there theres these they theyre thing things this those though through
    thx to too try trying u under until up upon us use using very via want wanted wants
    was wasnt way we well were what whats when whens where wheres whether which while who
    whos whom whose why whys will with within without wonder wondering wont would wouldnt
    yes yet you youd youll your youre yours yourself yourselves hi hiya hello hey dear cheers
    question questions ask asking anyone find out mean means bit
    actually currently maybe probably possible possibly best good exactly
    tbh btw imo fyi plz hmm um umm erm er ah wholl weve youve theyve wed hes shes
    anything everything everyone anybody because cos coz ones anyway surely stuff
    info information
"""
STOP_WORDS: frozenset[str] = frozenset(_STOP_WORDS_TEXT.split())
BILINGUAL_STOP_WORDS: frozenset[str] = STOP_WORDS | WELSH_STOP_WORDS

# (suffix, minimum word length to strip it, replacement); the first that applies wins.
_SUFFIXES: tuple[tuple[str, int, str], ...] = (
    ("ations", 8, "ate"),
    ("ation", 7, "ate"),
    ("ities", 7, ""),
    ("ity", 6, ""),
    ("ings", 6, ""),
    ("ing", 5, ""),
    ("ies", 5, "y"),
    ("ied", 5, "y"),
    ("ions", 7, ""),
    ("ion", 6, ""),
    ("ives", 7, ""),
    ("ive", 6, ""),
    ("ors", 8, ""),
    ("or", 7, ""),
    ("ers", 6, ""),
    ("er", 5, ""),
    ("ed", 5, ""),
    ("ally", 7, ""),
    ("al", 6, ""),
    ("ly", 6, ""),
    ("sses", 5, "ss"),
    ("es", 5, "e"),
    ("ss", 3, "ss"),
    ("us", 3, "us"),
    ("is", 3, "is"),
    ("s", 4, ""),
)


def normalise(text: str) -> str:
    """Casefolded, accent-free, punctuation-free text with single spaces, capped in length."""
    text = _CONTROL.sub("", text[: MAX_INPUT_CHARS * 2])
    text = unicodedata.normalize("NFKC", text).casefold()
    if not text.isascii():
        text = _fold_accents(text)
    if "." in text:  # most texts have neither: skip the search
        text = _DOTTED_ACRONYM.sub(lambda m: m.group(0).replace(".", ""), text)
    if "&" in text:
        text = _AMPERSAND_ACRONYM.sub(r"\1\2", text)  # R&D, A&E
    if "buy" in text:
        text = _BUY_IN.sub(_joined_buy_in, text)
    if "stage" in text or "cam" in text or "phase" in text:
        text = _COUNTED_STAGES.sub("", text)
    if " own" in text or "self" in text or "selves" in text or "handed" in text:
        text = _ALONE.sub("alone", text)
    if (" any " in text or text.startswith("any ") or "need " in text or "unrhyw" in text
            or "angen" in text):
        text = _ASKING_FOR_HELP.sub(" ", text)
    text = _without_politeness(text)
    if "protected" in text or "governance" in text or "llywodraethu" in text:
        text = _COMPOUND.sub(_joined_compound, text)
    text = _APOSTROPHE.sub("", text)
    return _NOT_WORD.sub(" ", text[:MAX_INPUT_CHARS]).strip()


def _without_politeness(text: str) -> str:
    """``text`` without the greetings and thanks at its start and end (``_POLITE``); a
    message that is nothing but politeness ("morning!") is kept as it is."""
    kept = text
    if found := _POLITE_START.match(text):
        text = " " + text[found.end():]
    tail = text[-_POLITE_TAIL:].rstrip(_TRAILING)
    if tail[tail.rfind(" ") + 1:] in _POLITE_LAST_WORDS and (
            found := _POLITE_END.search(text, max(0, len(text) - _POLITE_TAIL))):
        text = text[:found.start()] + " "
    return text if _HAS_WORD.search(text) else kept


def _joined_compound(match: re.Match[str]) -> str:
    """``_COMPOUND``'s match as one word: "protected time" -> "protectedtime"."""
    return match.group(0).replace(" ", "")


def _joined_buy_in(match: re.Match[str]) -> str:
    """``_BUY_IN``'s match with "buy in" as one word, keeping the word asking for it."""
    found = match.group(0)
    start = found.rfind("buy")
    return found[:start] + "buyin"


def _fold_accents(text: str) -> str:
    """Drop accents (ŵ → w, â → a) and invisible format characters (zero-width, soft hyphen)."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = []
    for char in decomposed:
        category = unicodedata.category(char)
        if category == "Mn" or (category in ("Cf", "Cc") and not char.isspace()):
            continue
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept))


# Building the index stems every word of every phrasing, mostly the same few thousand words.
@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A light suffix-stripping stem, identical for questions and phrasings."""
    if not word.isalpha():
        return word
    for suffix, min_length, replacement in _SUFFIXES:
        # A stem keeps three letters at least: "sling" is not "sl" + "ing".
        if (len(word) >= min_length and word.endswith(suffix)
                and len(word) - len(suffix) + len(replacement) >= 3):
            word = word[: len(word) - len(suffix)] + replacement
            break
    if len(word) >= 5 and word.endswith("e"):
        word = word[:-1]
    return word


def word_sequence(text: str, welsh: bool = False) -> list[str]:
    """The words of ``text`` that carry meaning, in order and with repeats, not stemmed.

    ``welsh``: Welsh function words ("mae", "oes", "dwi'n") carry no meaning either.
    """
    return meaningful_words(normalise(text), welsh)


def meaningful_words(normalised: str, welsh: bool = False) -> list[str]:
    """``word_sequence`` of text that has already been through ``normalise``."""
    stop = BILINGUAL_STOP_WORDS if welsh else STOP_WORDS
    return [word for word in normalised.split()
            if (len(word) >= 2 or word.isdigit()) and word not in stop]


# The knowledge base's texts are read twice at start-up, by kb check's off-topic check and
# then by the index, which empties this cache once built. Only the normalised strings are
# kept, and never a user's message.
@cache
def normalised_text(text: str) -> str:
    """``normalise(text)`` for the knowledge base's own texts, computed once per load."""
    return normalise(text)


def knowledge_tokens(text: str) -> list[str]:
    """``tokens(text)`` for the knowledge base's own texts, through ``normalised_text``."""
    return list(dict.fromkeys(stem(word) for word in meaningful_words(normalised_text(text))))


def informative_words(text: str) -> list[str]:
    """The words of ``text`` that carry meaning: normalised, no stop words, not stemmed."""
    return list(dict.fromkeys(word_sequence(text)))


def tokens(text: str) -> list[str]:
    """The informative words of ``text``, stemmed and de-duplicated."""
    return list(dict.fromkeys(stem(word) for word in informative_words(text)))
