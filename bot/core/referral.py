"""Warm introductions ("Connect me"): an innovator's referral to an organisation's team.

Rules kept here, whatever the adapter: nothing is stored or shared without explicit consent
on that referral; a referral is stored before it is announced as sent; duplicate
submissions (double clicks, retries) give one referral; a user has at most a few open
referrals per organisation; referrals follow the retention period and "forget me".
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Protocol

from bot.core.wording import CATALOGUE, say
from bot.kb.model import Organisation

MAX_OPEN_PER_ORGANISATION = 3
OPEN_STATUSES = ("pending", "sent", "more_info")
TEAM_ACTIONS = {"accept": "accepted", "more_info": "more_info", "redirect": "redirected"}
FIELD_LIMITS = {"summary": 1500, "problem": 1000, "stage": 40, "user_organisation": 200,
                "help_wanted": 1000}
# The consent sentence as a template ({org}); kept for callers that format it themselves.
CONSENT_TEXT = CATALOGUE["referral.consent"]["en"]


class ReferralError(Exception):
    """A referral cannot be made or changed; the message is for the user."""


class DecisionRecorded(ReferralError):
    """The team's decision is the one already recorded: a double click, or the same press
    reaching two instances. Nothing changes and the innovator is not told twice."""


def repeats_decision(status: str, suggested_now: str | None, action: str,
                     suggested: str | None) -> bool:
    """True when ``action`` (with its suggestion) is the decision already recorded; another
    action, or another suggestion, is news for the innovator."""
    return status == TEAM_ACTIONS.get(action) and suggested_now == suggested


class DeliveryError(Exception):
    """The referral could not reach the team's destination (it stays pending)."""


@dataclass(frozen=True)
class Referral:
    """One stored referral, as its JSON record has it (see ReferralStore)."""

    id: str
    user: str  # the user key, "workspace:user"
    workspace: str
    user_id: str
    organisation: str
    organisation_name: str
    summary: str
    problem: str
    stage: str
    user_organisation: str
    help_wanted: str
    consent: dict[str, Any]  # {"given", "at", "text"}
    status: str
    history: list[dict[str, Any]]  # {"at", "status", "by", "note"}, oldest first
    delivery: dict[str, Any]  # {"attempts", "last_error"}, then "destination", "claim"
    idempotency: str
    suggested_organisation: str | None = None
    created: str = ""
    updated: str = ""
    # Keys a record holds that this version does not know: written back unchanged.
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def destination(self) -> dict[str, Any]:
        """Where it was delivered ({} while it is pending)."""
        return self.delivery.get("destination") or {}

    def to_json(self) -> dict[str, Any]:
        """The record as stored: the same keys, in the same order, as ever."""
        record = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        return {**record, **self.extra}

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> Referral:
        """A stored record as a Referral."""
        known = {f.name for f in fields(cls)} - {"extra"}
        return cls(**{k: v for k, v in record.items() if k in known},
                   extra={k: v for k, v in record.items() if k not in known})


@dataclass(frozen=True)
class Redraw:
    """A team's message still showing a withdrawn referral's details, kept until it is
    redrawn without them: where the message is and whose team it is, nothing about the
    innovator, so it outlives "forget me"."""

    referral_id: str
    organisation: str
    organisation_name: str
    channel: str
    ts: str
    since: str  # when the referral was withdrawn (or forgotten)

    @classmethod
    def of(cls, referral: Referral, since: str) -> Redraw:
        """The redraw a delivered referral's message needs."""
        destination = referral.destination
        return cls(referral.id, referral.organisation, referral.organisation_name,
                   str(destination.get("channel", "")), str(destination.get("ts", "")), since)

    def as_referral(self) -> Referral:
        """The referral as its message is to be redrawn: withdrawn, with no details."""
        return Referral(
            id=self.referral_id, user="", workspace="", user_id="",
            organisation=self.organisation, organisation_name=self.organisation_name,
            summary="", problem="", stage="", user_organisation="", help_wanted="",
            consent={}, status="withdrawn",
            history=[{"at": self.since, "status": "withdrawn", "by": "innovator", "note": ""}],
            delivery={"attempts": 0, "last_error": None,
                      "destination": {"channel": self.channel, "ts": self.ts}},
            idempotency="", created=self.since, updated=self.since)

    def to_json(self) -> dict[str, Any]:
        """The record as stored."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, record: Any) -> Redraw | None:
        """A stored record as a Redraw, or None if it is damaged."""
        names = [f.name for f in fields(cls)]
        if not isinstance(record, dict) or not all(isinstance(record.get(n), str)
                                                   for n in names):
            return None
        return cls(**{n: record[n] for n in names})


class Deliverer(Protocol):
    """Where referrals go: a Slack channel, or a local outbox file."""

    def deliver(self, referral: Referral, organisation: Organisation | None
                ) -> dict[str, Any]:
        """Send a new referral; return where it went (stored on the referral)."""

    def update(self, referral: Referral, organisation: Organisation | None) -> None:
        """Show a status change (withdrawn, accepted…) where the referral was delivered."""


@dataclass(frozen=True)
class ReferralForm:
    """What the innovator tells the team."""

    summary: str
    problem: str
    stage: str
    user_organisation: str
    help_wanted: str

    def cleaned(self) -> ReferralForm:
        """Trimmed fields; raises ReferralError naming an empty or overlong one."""
        values = {}
        for name, limit in FIELD_LIMITS.items():
            value = " ".join(str(getattr(self, name) or "").split()) if name != "summary" \
                else str(self.summary or "").strip()
            if not value:
                raise ReferralError(say("referral.fill_in", field=say(f"referral.field_{name}")))
            if len(value) > limit:
                raise ReferralError(say("referral.too_long", limit=limit,
                                        field=say(f"referral.field_{name}").capitalize()))
            values[name] = value
        return ReferralForm(**values)
