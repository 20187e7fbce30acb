"""The command registry: each handler declares its own command, and both dispatch and help
read the registry, so the help text cannot drift from the code (errbot builds ``!help`` the
same way).

A handler is marked with ``@command(...)``; ``Registry.of(cls)`` collects the marks of a
class in the order the handlers are defined. Besides the exact forms that ``intents.parse``
recognises, a command has paraphrases: the ways people say it ("show my progress", "what
have I done"), matched with the questions' normalisation and a small typo tolerance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from rapidfuzz import fuzz, process

from bot.base.normalise import normalise

F = TypeVar("F", bound=Callable[..., Any])
PARAPHRASE_SIMILARITY = 88.0  # rapidfuzz ratio: "progess" and "whats nxt" still count
MAX_PARAPHRASE_WORDS = 6  # longer messages are questions, even if they start like a command
MIN_FUZZY_CHARS = 6  # shorter paraphrases ("me") must match exactly
# Courtesy around a command, not part of it: "can you show my checklist please".
_LEADING = ("please ", "pls ", "can you ", "could you ", "hi ", "hey ", "pathway ")
_TRAILING = (" please", " pls", " thanks", " thank you", " ta", " pathway")


@dataclass(frozen=True)
class Command:
    """A command users can type: its name, how help shows it, and who may use it."""

    name: str
    usage: str = ""  # as help shows it; empty: not listed in help
    description: str = ""
    private: bool = False  # shows or changes personal state: direct messages only
    paraphrases: tuple[str, ...] = ()
    handler: str = ""  # the handler's attribute name
    # The Welsh form the parser knows (intents.py), as Welsh help shows it first; empty where
    # the command has only its English form. tests/test_commands.py parses each one.
    usage_cy: str = ""

    @property
    def listed(self) -> bool:
        """Whether help lists the command."""
        return bool(self.usage)

    def usages(self, lang: str) -> tuple[str, ...]:
        """The forms help shows in ``lang``: in Welsh, the Welsh form first, if there is one."""
        return (self.usage_cy, self.usage) if lang == "cy" and self.usage_cy else (self.usage,)


def command(name: str, usage: str = "", description: str = "", *, private: bool = False,
            paraphrases: Iterable[str] = (), usage_cy: str = "") -> Callable[[F], F]:
    """Mark a handler as the one for ``name``."""
    def mark(handler: F) -> F:
        handler.__command__ = Command(  # type: ignore[attr-defined]
            name, usage, description, private, tuple(paraphrases), handler.__name__, usage_cy)
        return handler
    return mark


class Registry:
    """The commands of one handler class, by name, in the order they were defined."""

    def __init__(self, commands: Iterable[Command]) -> None:
        self._by_name: dict[str, Command] = {}
        for found in commands:
            if found.name in self._by_name:
                raise ValueError(f"two handlers for the command {found.name!r}")
            self._by_name[found.name] = found
        self._paraphrases = [(normalise(p), c.name) for c in self._by_name.values()
                             for p in c.paraphrases]

    @classmethod
    def of(cls, owner: type) -> Registry:
        """Collect the ``@command`` marks of a class's handlers."""
        return cls(handler.__command__ for handler in vars(owner).values()
                   if hasattr(handler, "__command__"))

    def __iter__(self) -> Iterator[Command]:
        return iter(self._by_name.values())

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def get(self, name: str) -> Command | None:
        """The command called ``name``, if any."""
        return self._by_name.get(name)

    @property
    def listed(self) -> tuple[Command, ...]:
        """The commands help shows, in order."""
        return tuple(c for c in self if c.listed)

    @property
    def private(self) -> frozenset[str]:
        """Names of the commands that only work in a direct message."""
        return frozenset(c.name for c in self if c.private)

    def recognise(self, text: str) -> str | None:
        """The command a short message paraphrases ("show my progress" -> next), if any."""
        said = _without_courtesy(normalise(text))
        if not said or len(said.split()) > MAX_PARAPHRASE_WORDS:
            return None
        best, best_score = None, 0.0
        for paraphrase, name in self._paraphrases:
            if said == paraphrase:
                return name
            if min(len(said), len(paraphrase)) < MIN_FUZZY_CHARS:
                continue
            score = fuzz.ratio(said, paraphrase)
            if score >= PARAPHRASE_SIMILARITY and score > best_score:
                best, best_score = name, score
        return best


# Commands a one-word message may misspell ("checkllist", "contacs", "refferals"): each is
# one word a user types on its own, and none is a word a question is likely to be.
TYPO_COMMANDS = ("checklist", "contacts", "referrals", "measures", "stages")
TYPO_SIMILARITY = 88.0  # rapidfuzz ratio: one letter wrong, missing, doubled or swapped
TYPO_MIN_CHARS = 5


def misspelt_command(text: str, knows: Callable[[str], bool]) -> str | None:
    """The command a one-word message misspells, if it is not a word the knowledge base uses
    ("contracts" is a question about contracts, not a misspelt *contacts*)."""
    word = normalise(text).strip()
    if len(word) < TYPO_MIN_CHARS or not word.isalpha() or knows(word):
        return None
    found = process.extractOne(word, TYPO_COMMANDS, scorer=fuzz.ratio,
                               score_cutoff=TYPO_SIMILARITY)
    return found[0] if found else None


def _without_courtesy(said: str) -> str:
    """The words with courtesy taken off both ends."""
    changed = True
    while changed:
        changed = False
        for lead in _LEADING:
            if said.startswith(lead):
                said, changed = said[len(lead):], True
        for trail in _TRAILING:
            if said.endswith(trail):
                said, changed = said[: -len(trail)], True
    return said
