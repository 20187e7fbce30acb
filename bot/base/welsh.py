"""Welsh words as the matcher needs them: function words to skip, and radical forms.

Welsh changes a word's first letters after certain words (the initial mutations): soft
("ei gymeradwyo", "ddyfais", "wella"), nasal ("fy nghymeradwyaeth", "fy nyfais") and
aspirate ("a phrosiect"). The index keys Welsh texts by each word's dictionary form, and a
question's word that the knowledge base does not know is tried in its dictionary form
(simplemma's Welsh lemmatiser, offline), then unmutated by rule, before any typo matching.
"""

from __future__ import annotations

from functools import lru_cache

from simplemma import is_known, lemmatize

# Welsh function words, as normalise() leaves them (no apostrophes: "dwi'n" -> "dwin").
# None is an English word the knowledge base needs ("eu" is kept: EU funding).
WELSH_STOP_WORDS = frozenset((
    "y", "yr", "yn", "mae", "maen", "oes", "dwi", "dwin", "dw", "ydw", "ydy", "ydyn", "ydych",
    "dych", "dyw", "yw", "ar", "ac", "gyda", "efo", "fy", "ein", "eich", "ei", "beth", "be",
    "sut", "ble", "lle", "pwy", "pryd", "pam", "hefyd", "ond", "neu", "os", "ni", "nin",
    "chi", "chin", "fi", "fin", "nhw", "hwn", "hon", "hyn", "yma", "yna", "sydd", "oedd",
    "bydd", "fydd", "wedi", "gan", "gen", "mewn", "ag", "heb", "dros", "drwy", "rhwng",
    "hyd", "tan", "cael", "gael", "gallu", "gall", "gallwch", "allwch", "alla", "galla",
    "angen", "rhaid", "isio", "eisiau", "moyn", "plis", "diolch", "dim", "di", "ir", "fe",
    "fo", "ma", "na", "ie", "iawn", "unrhyw", "rhywun", "rhywbeth", "ydi", "oedden", "bod",
    "fod", "iddo", "iddi", "imi", "ti", "wyt", "yng", "ym", "am",
    # Spoken forms of the words above, as staff type them: shwt/shw (sut), sgen/sgin (does
    # gen), ishe/isie (eisiau), mond (dim ond), hefo (efo), chdi (ti), tisio (wyt ti isio),
    # cal (cael), rwan (now), wsti/rili/fatha (you know, really, like), clem (a clue), ddim.
    "shwt", "shw", "shwd", "sgen", "sgin", "ishe", "isie", "isho", "mond", "hefo", "chdi",
    "tisio", "cal", "rwan", "wsti", "rili", "fatha", "clem", "ddim", "medru", "fedru",
    "fedri", "fedra", "fedrwch", "gwybodaeth", "wybodaeth",
))

# Spoken or dialect words -> the written word the knowledge base uses, for words the
# dictionary does not know or reads as another word ("drychu", to look, is not "trychu",
# to cut; "gwitho" is not "cwitho"). Before the dictionary form is looked up.
SPOKEN: dict[str, str] = {
    "weud": "dweud", "drychu": "edrych", "dishgwl": "disgwyl", "ffindo": "ffeindio",
    "gwitho": "gweithio", "dala": "dal", "cwpla": "gorffen", "gorffan": "gorffen",
    "mas": "allan", "rwbath": "rhywbeth", "rhwbeth": "rhywbeth",
}
# Dictionary forms of northern or southern words -> the written standard's ("sgwennu" and
# "pres", money, are known words, but the knowledge base writes "ysgrifennu" and "arian").
SPOKEN_LEMMAS: dict[str, str] = {"sgwennu": "ysgrifennu", "pres": "arian"}
# Words the dictionary reads as another word, most as a mutated form of it, though its own
# plural has the right lemma ("dyfeisiau" -> "dyfais" but "dyfais" -> "tyfu", to grow;
# "gwerthoedd" -> "gwerth" but "gwerth", value, -> "gwerthu", to sell; "grantiau" -> "grant"
# but "grant" -> "creu", to create; "wardiau" -> "ward" but "ward" -> "gward"), and
# "caffael", procurement, as "cael", to get. Each -> its own dictionary form.
LEMMA_FIXES: dict[str, str] = {
    "dyfais": "dyfais", "gwerth": "gwerth", "grant": "grant", "ward": "ward",
    "caffael": "caffael", "chart": "chart", "wales": "wales", "gaeaf": "gaeaf",
    "araf": "araf", "gwared": "gwared", "hytrach": "hytrach", "nodwch": "nodi",
    "rydych": "bod", "run": "run", "form": "form", "cam": "cam", "nesa": "nesaf",
    "nesaf": "nesaf",
}

# Reverse mutations: a mutated beginning -> the radical beginnings it can come from,
# longest first so "ngh" is tried before "ng".
_UNMUTATE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ngh", ("c",)), ("mh", ("p",)), ("nh", ("t",)), ("ng", ("g",)), ("ch", ("c",)),
    ("ph", ("p",)), ("th", ("t",)), ("dd", ("d",)), ("g", ("c",)), ("b", ("p",)),
    ("d", ("t",)), ("f", ("b", "m")), ("l", ("ll",)), ("r", ("rh",)), ("m", ("b",)),
    ("n", ("d",)),
)


@lru_cache(maxsize=1 << 15)
def radical(word: str) -> str:
    """The dictionary form of a Welsh word ("nghymeradwyaeth" -> "cymeradwyaeth").

    A spoken word is read as written Welsh first: a plural or verb ending the dictionary
    does not know, "-a" or "-e" for "-au" ("petha", "pethe" -> "pethau" -> "peth"; "ddechra"
    -> "dechrau"), and the dialect words in SPOKEN and SPOKEN_LEMMAS ("weud" -> "dweud",
    "bres" -> "pres" -> "arian").
    """
    if not word.isalpha():
        return word
    if word in LEMMA_FIXES:
        return LEMMA_FIXES[word]
    lemma = lemmatize(SPOKEN.get(word) or written(word), lang="cy").casefold()
    return SPOKEN_LEMMAS.get(lemma, lemma)


def written(word: str) -> str:
    """The written form of a spoken ending, when the dictionary knows only that form."""
    if len(word) > 3 and word[-1] in "ae" and not is_known(word, lang="cy"):
        spelt = word[:-1] + "au"
        if is_known(spelt, lang="cy"):
            return spelt
    return word


def unmutated(word: str) -> list[str]:
    """Radical forms a mutated word may come from, by rule: "ddyfais" -> ["dyfais"]."""
    if not word.isalpha() or len(word) < 4:
        return []
    found = []
    for start, radicals in _UNMUTATE:
        if word.startswith(start):
            found += [r + word[len(start):] for r in radicals]
            break
    if word[0] in "aeiouwy":  # the soft mutation drops g: "wella" <- "gwella"
        found.append("g" + word)
    return found
