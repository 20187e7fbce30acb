"""Recognise what a message asks for: a command, a reply to a pending question, or a question.

These are the exact forms; each command's handler, usage and paraphrases are registered
with the handler itself (``bot.core.commands``, ``bot.core.engine.COMMANDS``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.kb.model import STAGE_IDS

STAGE_WORDS: dict[str, str] = {
    "1": "idea", "idea": "idea", "ideas": "idea", "need": "idea", "idea and need": "idea",
    "2": "prototype", "prototype": "prototype", "prototyping": "prototype", "test": "prototype",
    "testing": "prototype", "prototype and test": "prototype",
    "3": "evaluate", "evaluate": "evaluate", "evaluation": "evaluate", "evaluating": "evaluate",
    "4": "adopt", "adopt": "adopt", "adoption": "adopt", "adopting": "adopt",
    "implement": "adopt", "implementation": "adopt", "adopt and implement": "adopt",
    "5": "spread", "spread": "spread", "spreading": "spread", "sustain": "spread",
    "scale": "spread", "spread and sustain": "spread",
    # Welsh, as the stage titles say them (cam syniad, cam prototeip...)
    "syniad": "idea", "syniad ac angen": "idea", "prototeip": "prototype",
    "prototeipio": "prototype", "profi": "prototype", "gwerthuso": "evaluate",
    "mabwysiadu": "adopt", "gweithredu": "adopt", "lledaenu": "spread", "cynnal": "spread",
}


@dataclass(frozen=True)
class Intent:
    """What a message asks for, and its argument text (if any)."""

    name: str
    arg: str = ""
    raw: str = ""  # the whole message


_THE = r"(?:the\s+)?"
# "I'm an OT with an idea to make discharge safer, what should I do first?": whatever the
# idea, a message that has one and asks where to start is the start of the Idea stage.
_ASK_START = (r"where (?:do|should|can|would) (?:i|we) (?:start|begin|go from here|go next)|"
              r"what (?:should|do|can|would) (?:i|we) do (?:first|next|now)|"
              r"what (?:should|do) (?:i|we) do with it|"
              r"what(?:'s| is| are)? (?:the |my |our )?(?:first|next) steps?|what next|what now|"
              r"who (?:do|should|can) (?:i|we) (?:tell|talk to|speak to|contact|go to)|"
              r"how (?:do|should|can) (?:i|we) (?:start|begin|get started|take it forward)|"
              r"(?:ble|lle) (?:mae |dw ?i'?n |ydw i'?n |i |ddylwn i )?(?:dechrau|cychwyn)|"
              r"beth (?:ddylwn i|dylwn i|sydd) (?:ei )?(?:wneud |neud )?"
              r"(?:gyntaf|gynta|nesaf|nesa)|"
              r"pwy (?:ddylwn i|dylwn i|dw i'n) "
              r"(?:ddweud wrth|siarad (?:â|a|gyda)|gysylltu (?:â|a))")
_PATTERNS: tuple[tuple[str, str], ...] = (
    ("opening", r"(?P<arg>.*\b(?:(?:an?|my|our|this|the|new) (?:[\w-]+ )?idea|syniad)\b.*?)"
                r"[\s,.;:!?()–—-]*(?:so |but |and |a |ond )?(?:" + _ASK_START + r")"
                r"(?: with (?:it|this|that))?"),
    ("language", r"(?:(?:iaith|language)(?:\s+(?P<arg>cymraeg|welsh|english|saesneg))?|"
                 r"(?P<arg2>cymraeg|english|saesneg)(?: please| plis| os gwelwch yn dda)?|"
                 r"(?:do you|can you|dych chi'?n|wyt ti'?n|ydych chi'?n) (?:speak|siarad) "
                 r"(?:welsh|cymraeg|english|saesneg)|"
                 r"(?:answer |reply |speak )?in (?P<arg4>welsh|english)(?: please| plis)?)"),
    ("greeting", r"(?:hi|hello|hey|hiya|helo|shwmae|s'mae|bore da|prynhawn da|noswaith dda|"
                 r"good (?:morning|afternoon|evening))(?:\s+(?:there|pathway))?"),
    ("thanks", r"(?:many )?(?:thanks|thank you|thank u|thankyou|ta|cheers|thx|diolch(?: yn fawr)?)"
               r"(?: (?:very much|so much|a lot|loads))?(?: pathway)?"),
    ("smalltalk", r"(?:(?:hi|hello|hey|hiya)[ ,!]*)?(?:pathway[ ,]*)?"
                  r"(?:how are (?:you|u)(?: doing| today)?|how'?s (?:it going|your day(?: going)?)|"
                  r"are (?:you|u) (?:a )?(?:robot|bot|human|real|real person|person|an ai|ai)|"
                  r"who are (?:you|u)|(?:tell me )?a joke|tell me a joke)"),
    ("help", r"help|\?|how does this work|commands|menu|help me|start|cymorth|helpu|"
             r"beth (?:allwch chi|alli di|elli di) (?:ei )?(?:wneud|neud)|"
             r"what (?:else |sort of things |kind of things |things )?can you "
             r"(?:do|help(?: me)? with)(?: for me)?"),
    ("stages", r"stages|overview|(?:y )?camau|y pum cam|trosolwg|"
               r"(?:show|list|what are) (?:me )?" + _THE + r"(?:five )?stages|"
               r"" + _THE + r"pathway"),
    ("next_stage", r"(?:move|go) (?:on )?to " + _THE + r"next stage|next stage|"
                   r"(?:symud (?:ymlaen )?i'?r )?cam nesaf"),
    ("redo_triage", r"(?:ask me )?" + _THE + r"stage questions(?: again)?|triage again|"
                    r"(?:redo|restart) " + _THE + r"(?:stage questions|triage)"),
    ("stage", r"(?:set )?(?:my )?stage(?: is)?\s+(?P<arg>.+)|(?:fy )?ngham i yw\s+(?P<arg2>.+)|"
              r"cam\s+(?P<arg3>syniad|prototeip|gwerthuso|mabwysiadu|lledaenu|[1-5])"),
    # "I'm at a loss..." is a question, not a stage: the engine checks the stage name.
    ("stage_claim", r"(?:i'?m|i am|we'?re|we are) (?:at|in|on) " + _THE + r"(?P<arg>.+?)"
                    r"(?: stage)?"),
    ("triage", r"triage|find my stage|which stage|what stage am i(?: at| in| on)?|"
               r"which stage (?:am i|are we)(?: at| in| on)?|"
               r"i (?:don'?t|do not) know (?:my|which|what) stage(?: i'?m (?:at|in))?|"
               r"(?:ym )?mha gam (?:ydw i|dw i|ydyn ni|wyf i)(?: arno| ynddo)?|"
               r"pa gam (?:ydw i|dw i|ydyn ni)(?: arno| ynddo)?|"
               r"dw ?i ddim yn gwybod (?:pa|ym mha) gam(?: ydw i| dw i)?"),
    ("next", r"next|next steps?|what(?:'s| is)? next|what now|where am i|"
             r"what (?:should|do) (?:i|we) do(?: next| now)?|nesaf|nesa|beth nesaf|be nesa|"
             r"beth sy'?n nesaf|beth sydd nesaf|beth ddylwn i (?:ei )?wneud nesaf|"
             r"ble ydw i arni|lle dw i arni"),
    ("checklist", r"(?:show )?(?:my |the )?(?:checklist|to ?do(?: list)?)"
                  r"(?: for)?(?:\s+" + _THE + r"(?P<arg>[\w ]+?))?(?: stage)?|"
                  r"(?:dangos )?(?:fy |y )?rhestr wirio(?: ar gyfer)?(?:\s+(?:y |cam )?"
                  r"(?P<arg2>[\w ]+?))?"),
    ("untick", r"(?:untick|uncheck|undo|not done|undone|dad-?dicio|dad-?dic)\s+(?P<arg>.+)"),
    # "check" and "complete" start many questions, so they only tick when given numbers.
    ("tick", r"(?:tick|ticked|done|mark|tic|ticio|ticiwch|wedi gwneud)\s+(?P<arg>.+)|"
             r"(?:check|complete|completed)\s+(?P<arg2>\d[\d ,&and]*)"),
    ("contacts", r"contacts?(?:\s+(?:for\s+)?(?P<arg>.+))?|"
                 r"who (?:can|could) help(?: me)?(?: (?:with|on|at) (?P<arg2>.+))?|"
                 r"who (?:should|do|can) (?:i|we) (?:talk|speak) to(?: about (?P<arg3>.+))?|"
                 r"who to (?:contact|ask|talk to)(?: about (?P<arg4>.+))?|"
                 r"pwy (?:all|allai|sy'?n gallu|fedr) (?:fy )?helpu(?: i)?"
                 r"(?: (?:gyda|efo|â|a|hefo) (?P<arg5>.+))?|cysylltiadau"),
    ("evaluate", r"(?:evaluate|evaluation(?: guidance| help| guides)?|gwerthuso|gwerthusiad)"
                 r"(?: (?P<arg>all|more|y cyfan|mwy))?|"
                 # "how would I know if it worked?": the Model for Improvement's second
                 # question, which the matcher reads as "work" alone (know and if are stop
                 # words) and so answers with "My prototype failed" ("it didn't work")
                 r"how (?:will|would|do|does|can|could|should|did) (?:i|we|you|they) "
                 r"(?:know|tell|show|prove|find out|see) (?:if|whether|that) "
                 r"(?:it|this|that|the change|my change|our change|the changes|what we did|"
                 r"our idea|my idea)(?:['’]s| is)? (?:actually |really )?(?:worked|works|working|"
                 r"has worked|helped|is helping|has helped|made (?:a|any) difference|"
                 r"is an improvement|was an improvement|improved things)"),
    ("me", r"me|my data|fi|fy nata|beth (?:ydych chi'?n|wyt ti'?n) (?:ei )?(?:gadw|wybod) "
           r"amdana i|what do you (?:know|keep|store|have|hold) (?:about|on) me|"
           r"show (?:me )?(?:my data|what you (?:know|keep|store|have) about me)"),
    ("connect", r"connect(?: me)?(?: (?:with|to))?(?:\s+(?P<arg>.+))?"),
    ("referrals", r"(?:my )?referrals?|(?:my )?introductions|referral status"),
    ("withdraw", r"withdraw(?: referral)?\s+(?P<arg>r[0-9a-f]{8})"),
    ("forget", r"forget me|forget|delete (?:me|my data|everything)(?: about me)?|"
               r"anghofia fi|anghofiwch fi|anghofio fi|dilewch fy nata|dileu fy nata"),
    ("reset", r"reset|start (?:again|over)|ailosod|ailddechrau|dechrau eto"),
    # Measurement (bot.core.measure.conversation): a measure's name, then values and dates.
    # "log in to Datix" and "baseline after the fact?" are questions: these need a number.
    ("log", r"log\s+(?P<arg>\S[\s\S]*\d[\s\S]*)"),
    ("unlog", r"unlog\s+(?P<arg>.+\d.*)"),
    ("chart", r"(?:run )?chart\s+(?P<arg>.+)"),
    ("xmr", r"xmr(?: chart)?\s+(?P<arg>.+)"),
    ("baseline", r"baseline\s+(?P<arg>.+\s(?:\d+|off))"),
    ("measures", r"(?:show )?(?:my |the )?measures"),
    ("plan", r"plan(?: my project)?|(?:plan|new) project\s+(?P<arg>.+)"),
    ("pdsa", r"pdsa(?:\s+(?P<arg>.+))?"),
    ("research_check", r"research check|is it research(?:,? service evaluation)?(?: or audit)?"),
    ("export", r"export(?: (?:my |the )?plan)?"),
    # Reminders to log a measure (bot.core.measure.nudges): "nudge" alone starts questions too,
    # so it needs a schedule; "remind me" always means this.
    ("remind", r"(?:remind me|atgoffa fi|atgoffwch fi)\s+(?P<arg>.+)|"
               r"nudge(?: me)?\s+(?P<arg2>.+\s(?:every|each|bob|pob)\s.+|"
               r".+\s(?:daily|weekly|fortnightly|monthly))"),
    ("stop_reminders", r"(?:stop|no|cancel|turn off|switch off)\s+(?:(?:all|my|the)\s+)?"
                       r"(?:reminders?|nudges?)(?:\s+(?:for|about|of)\s+(?P<arg>.+))?|"
                       r"stop (?:reminding|nudging) me(?:\s+(?:about|for)\s+(?P<arg2>.+))?|"
                       r"(?:dim|stopio|stopiwch)\s+(?:rhagor o\s+|y\s+|'r\s+)?"
                       r"(?:nodiadau atgoffa|atgoffa|atgoffa fi)"
                       r"(?:\s+(?:am|ar gyfer)\s+(?P<arg3>.+))?"),
    ("show", r"topic:(?P<arg>[a-z0-9-]+)"),
)
_COMPILED = tuple((name, re.compile(rf"\s*(?:{rx})\s*[.!?]*\s*", re.IGNORECASE))
                  for name, rx in _PATTERNS)
_YES = {"yes", "y", "yeah", "yep", "yup", "sure", "ok", "okay", "ie", "do", "correct", "true",
        "ydw", "ydy", "oes", "iawn", "gwnaf", "gwnes", "cywir", "yndw", "ydi"}
_NO = {"no", "n", "nope", "nah", "na", "naddo", "not yet", "false", "nac ydw", "nac ydy",
       "nac oes", "dim eto", "ddim eto", "na dw i ddim", "nag oes"}
_CANCEL = {"cancel", "stop", "quit", "exit", "never mind", "nevermind", "canslo", "stopio",
           "dim ots"}


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
    key = re.sub(r"^(?:the |stage |y |cam |yr )+|(?: stage)$", "", key).strip()
    return STAGE_WORDS.get(key) or (key if key in STAGE_IDS else None)


def choice_number(text: str) -> int | None:
    """A bare number such as "2" or "#2", if the message is only that."""
    found = re.fullmatch(r"\s*#?(\d{1,2})\s*[.)]?\s*", text)
    return int(found.group(1)) if found else None
