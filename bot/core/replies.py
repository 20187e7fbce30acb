"""Replies as data. The engine returns these; the terminal and Slack render them their own way.

Text fields use a light markup both adapters understand: ``*bold*`` and lines starting
with ``• ``. They are plain text otherwise: Slack rendering escapes ``& < >`` in all of it,
so neither user text nor knowledge base text can form a link or a ping.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal, get_args


@dataclass(frozen=True)
class Option:
    """A quick reply: a button in Slack, a numbered choice in the terminal.

    ``say`` is the message the engine receives when the option is chosen.
    """

    label: str
    say: str


@dataclass(frozen=True)
class MatchInfo:
    """Which knowledge base entry answered, and how sure the matcher was (0-100)."""

    id: str
    title: str
    kind: str
    stage: str | None
    score: float

    def as_json(self) -> dict[str, Any]:
        """The shape `ask --json` prints."""
        return {"id": self.id, "title": self.title, "kind": self.kind, "stage": self.stage,
                "score": round(self.score, 1)}


@dataclass(frozen=True)
class Contact:
    """An organisation to talk to."""

    id: str
    name: str
    summary: str
    url: str
    scope: str  # "wales" | "uk" | "england"
    referrals: bool = False  # takes a "Connect me" warm introduction
    how_to_contact: str = ""  # otherwise: the public route, from the knowledge base


@dataclass(frozen=True)
class ChecklistLine:
    """One checklist item as a user sees it."""

    number: int  # 1-based, what users type to tick it
    id: str
    text: str
    help: str
    done: bool


@dataclass(frozen=True)
class ChecklistView:
    """A stage's checklist with the user's ticks."""

    stage_id: str
    stage_title: str
    items: tuple[ChecklistLine, ...]

    @property
    def done(self) -> int:
        """How many items are ticked."""
        return sum(item.done for item in self.items)

    @property
    def total(self) -> int:
        """How many items there are."""
        return len(self.items)

    @property
    def next_item(self) -> ChecklistLine | None:
        """The first unticked item, if any."""
        return next((item for item in self.items if not item.done), None)


@dataclass(frozen=True)
class StageProgress:
    """One line of the overview: a stage and how far through its checklist the user is."""

    id: str
    number: int
    title: str
    done: int
    total: int
    current: bool


@dataclass(frozen=True)
class Asked:
    """A free question and how well it was answered, for the admins' unanswered report."""

    text: str
    entry_id: str | None  # the entry that answered, or None when declined
    score: float
    closest_id: str | None  # the best candidate, even when declined
    closest_score: float
    lang: str = "en"  # the language the question was answered in
    off_topic_like: str | None = None  # declined as off-topic: the off-topic question it was like


@dataclass(frozen=True)
class ReferralRequest:
    """A completed "Connect me" form, with the user's explicit consent, for the service to send."""

    organisation: str
    summary: str
    problem: str
    stage: str
    user_organisation: str
    help_wanted: str
    consent: bool


@dataclass(frozen=True)
class ReferralLookup:
    """The user asked to list their referrals, or to withdraw one: the service does that."""

    action: str  # "list" | "withdraw"
    referral_id: str | None = None


@dataclass(frozen=True)
class ChartImage:
    """A run chart (or XmR chart) drawn for a reply; each channel saves or uploads the PNG."""

    measure: str
    png: bytes
    summary: dict[str, Any]  # what `ask --json` prints beside the path: median, points, signals
    sparkline: str = ""  # a one-line picture for the terminal


# What a reply is; each adapter renders by kind (a checklist, contacts, a confirmation...).
ReplyKind = Literal[
    "greeting", "help", "answer", "no_match", "stage", "overview", "checklist", "contacts",
    "triage", "confirm", "data", "forgotten", "reset", "info", "error", "connect", "referral",
    "referrals", "tick", "language", "measure", "plan", "signpost",
]


@dataclass(frozen=True)
class Reply:
    """Everything one answer shows the user."""

    kind: ReplyKind
    text: str
    title: str | None = None
    match: MatchInfo | None = None
    suggestions: tuple[MatchInfo, ...] = ()  # "did you mean" when declining
    related: tuple[MatchInfo, ...] = ()  # "see also" beside an answer
    options: tuple[Option, ...] = ()
    checklist: ChecklistView | None = None
    contacts: tuple[Contact, ...] = ()
    progress: tuple[StageProgress, ...] = ()
    source: str | None = None
    reviewed: str | None = None
    footer: str | None = None
    data: dict[str, Any] | None = field(default=None)  # what is kept about the user ("me")
    asked: Asked | None = None  # set when the message was a free question
    chart: ChartImage | None = None
    signpost: str | None = None  # a question outside Pathway's remit, pointed elsewhere
    lang: str = "en"  # the language the reply is in; channels add their own words in it
    # Work for the service: a referral the user has just consented to, or a lookup.
    request: ReferralRequest | ReferralLookup | None = None

    def noted(self, *notes: str) -> Reply:
        """This reply with ``notes`` as lines under its footer (a channel saying where a
        file went, or why it did not)."""
        return replace(self, footer="\n".join(line for line in (self.footer, *notes) if line))


REPLY_KINDS: tuple[str, ...] = get_args(ReplyKind)
