"""Recognise what a message asks for: a command, a reply to a pending question, or a question.

``COMMANDS`` is the one source of the help text for the terminal, DMs and ``/pathway help``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.kb.model import STAGE_IDS


@dataclass(frozen=True)
class Command:
    """A command users can type, with the usage and description shown in help."""

    name: str
    usage: str
    description: str
    private: bool  # shows or changes personal state: direct messages only


COMMANDS: tuple[Command, ...] = (
    Command("help", "help", "what I can do", False),
    Command("stages", "stages", "the five stages, and where you are", False),
    Command("stage", "stage <name>", "tell me your stage (idea, prototype, evaluate, adopt, "
                                     "spread)", True),
    Command("triage", "which stage am I at?", "a few questions to find your stage", True),
    Command("next", "next", "where you are and what to do next", True),
    Command("checklist", "checklist [stage]", "your checklist for a stage", True),
    Command("tick", "tick <number or words>", "tick a checklist item (*untick* to undo)", True),
    Command("contacts", "contacts [stage or topic]", "who can help, e.g. *who can help with "
                                                     "that?* after an answer", False),
    Command("evaluate", "evaluate", "how to show your change is an improvement", False),
    Command("connect", "connect <organisation>", "a warm introduction to an organisation's team",
            True),
    Command("referrals", "referrals", "your introductions and their status (*withdraw <id>*)",
            True),
    Command("me", "me", "what I keep about you", True),
    Command("forget", "forget me", "delete everything I keep about you", True),
    Command("reset", "reset", "clear your stage and ticks and start again", True),
)
PRIVATE_COMMANDS = frozenset(c.name for c in COMMANDS if c.private) | {
    "untick", "next_stage", "stage_claim", "withdraw", "redo_triage"}

STAGE_WORDS: dict[str, str] = {
    "1": "idea", "idea": "idea", "ideas": "idea", "need": "idea", "idea and need": "idea",
    "2": "prototype", "prototype": "prototype", "prototyping": "prototype", "test": "prototype",
    "testing": "prototype", "prototype and test": "prototype",
    "3": "evaluate", "evaluate": "evaluate", "evaluation": "evaluate", "evaluating": "evaluate",
    "4": "adopt", "adopt": "adopt", "adoption": "adopt", "adopting": "adopt",
    "implement": "adopt", "implementation": "adopt", "adopt and implement": "adopt",
    "5": "spread", "spread": "spread", "spreading": "spread", "sustain": "spread",
    "scale": "spread", "spread and sustain": "spread",
}


@dataclass(frozen=True)
class Intent:
    """What a message asks for, and its argument text (if any)."""

    name: str
    arg: str = ""
    raw: str = ""  # the whole message


_THE = r"(?:the\s+)?"
_PATTERNS: tuple[tuple[str, str], ...] = (
    ("greeting", r"(?:hi|hello|hey|hiya|helo|shwmae|s'mae|bore da|prynhawn da|noswaith dda|"
                 r"good (?:morning|afternoon|evening))(?:\s+(?:there|pathway))?"),
    ("thanks", r"(?:many )?(?:thanks|thank you|thank u|thankyou|ta|cheers|thx|diolch(?: yn fawr)?)"
               r"(?: (?:very much|so much|a lot|loads))?(?: pathway)?"),
    ("smalltalk", r"(?:(?:hi|hello|hey|hiya)[ ,!]*)?(?:pathway[ ,]*)?"
                  r"(?:how are (?:you|u)(?: doing| today)?|how'?s (?:it going|your day(?: going)?)|"
                  r"are (?:you|u) (?:a )?(?:robot|bot|human|real|real person|person|an ai|ai)|"
                  r"who are (?:you|u)|(?:tell me )?a joke|tell me a joke)"),
    ("help", r"help|\?|how does this work|commands|menu|help me|start|"
             r"what (?:else |sort of things |kind of things |things )?can you "
             r"(?:do|help(?: me)? with)(?: for me)?"),
    ("stages", r"stages|overview|(?:show|list|what are) (?:me )?" + _THE + r"(?:five )?stages|"
               r"" + _THE + r"pathway"),
    ("next_stage", r"(?:move|go) (?:on )?to " + _THE + r"next stage|next stage"),
    ("redo_triage", r"(?:ask me )?" + _THE + r"stage questions(?: again)?|triage again|"
                    r"(?:redo|restart) " + _THE + r"(?:stage questions|triage)"),
    ("stage", r"(?:set )?(?:my )?stage(?: is)?\s+(?P<arg>.+)"),
    # "I'm at a loss..." is a question, not a stage: the engine checks the stage name.
    ("stage_claim", r"(?:i'?m|i am|we'?re|we are) (?:at|in|on) " + _THE + r"(?P<arg>.+?)"
                    r"(?: stage)?"),
    ("triage", r"triage|find my stage|which stage|what stage am i(?: at| in| on)?|"
               r"which stage (?:am i|are we)(?: at| in| on)?|"
               r"i (?:don'?t|do not) know (?:my|which|what) stage(?: i'?m (?:at|in))?"),
    ("next", r"next|next steps?|what(?:'s| is)? next|what now|where am i|"
             r"what (?:should|do) (?:i|we) do(?: next| now)?"),
    ("checklist", r"(?:show )?(?:my |the )?(?:checklist|to ?do(?: list)?)"
                  r"(?: for)?(?:\s+" + _THE + r"(?P<arg>[\w ]+?))?(?: stage)?"),
    ("untick", r"(?:untick|uncheck|undo|not done|undone)\s+(?P<arg>.+)"),
    # "check" and "complete" start many questions, so they only tick when given numbers.
    ("tick", r"(?:tick|ticked|done|mark)\s+(?P<arg>.+)|"
             r"(?:check|complete|completed)\s+(?P<arg2>\d[\d ,&and]*)"),
    ("contacts", r"contacts?(?:\s+(?:for\s+)?(?P<arg>.+))?|"
                 r"who (?:can|could) help(?: me)?(?: (?:with|on|at) (?P<arg2>.+))?|"
                 r"who (?:should|do|can) (?:i|we) (?:talk|speak) to(?: about (?P<arg3>.+))?|"
                 r"who to (?:contact|ask|talk to)(?: about (?P<arg4>.+))?"),
    ("evaluate", r"evaluate|evaluation(?: guidance| help)?"),
    ("me", r"me|my data|what do you (?:know|keep|store|have|hold) (?:about|on) me|"
           r"show (?:me )?(?:my data|what you (?:know|keep|store|have) about me)"),
    ("connect", r"connect(?: me)?(?: (?:with|to))?(?:\s+(?P<arg>.+))?"),
    ("referrals", r"(?:my )?referrals?|(?:my )?introductions|referral status"),
    ("withdraw", r"withdraw(?: referral)?\s+(?P<arg>r[0-9a-f]{8})"),
    ("forget", r"forget me|forget|delete (?:me|my data|everything)(?: about me)?"),
    ("reset", r"reset|start (?:again|over)"),
    ("show", r"topic:(?P<arg>[a-z0-9-]+)"),
)
_COMPILED = tuple((name, re.compile(rf"\s*(?:{rx})\s*[.!?]*\s*", re.IGNORECASE))
                  for name, rx in _PATTERNS)
_YES = {"yes", "y", "yeah", "yep", "yup", "sure", "ok", "okay", "ie", "do", "correct", "true"}
_NO = {"no", "n", "nope", "nah", "na", "naddo", "not yet", "false"}
_CANCEL = {"cancel", "stop", "quit", "exit", "never mind", "nevermind"}


def parse(text: str) -> Intent:
    """The intent of a message; ``question`` when no command fits."""
    for name, pattern in _COMPILED:
        found = pattern.fullmatch(text)
        if found:
            arg = next((v for v in found.groupdict().values() if v), "")
            return Intent(name, arg.strip(), text)
    return Intent("question", text.strip(), text)


def yes_no(text: str) -> bool | None:
    """True for yes, False for no, None for anything else."""
    word = re.sub(r"[^\w' ]", "", text.casefold()).strip()
    if word in _YES or word.startswith("yes"):
        return True
    if word in _NO or word.startswith("no "):
        return False
    return None


def is_cancel(text: str) -> bool:
    """Whether the user wants to stop the current exchange."""
    return re.sub(r"[^\w ]", "", text.casefold()).strip() in _CANCEL


def stage_id(text: str) -> str | None:
    """The stage a word or number names ("prototyping" -> "prototype"), if any."""
    key = re.sub(r"[^\w ]", "", text.casefold()).strip()
    key = re.sub(r"^(?:the |stage )+|(?: stage)$", "", key).strip()
    return STAGE_WORDS.get(key) or (key if key in STAGE_IDS else None)


def choice_number(text: str) -> int | None:
    """A bare number such as "2" or "#2", if the message is only that."""
    found = re.fullmatch(r"\s*#?(\d{1,2})\s*[.)]?\s*", text)
    return int(found.group(1)) if found else None
