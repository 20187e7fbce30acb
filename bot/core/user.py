"""What Pathway keeps about one user, as a plain value that turns to and from JSON.

Never pickle: every value is JSON. Where it is stored, and how a change is committed, is
the store's business (``bot.store.users``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.base.errors import StateError

STATE_VERSION = 1
HISTORY_LIMIT = 20
HISTORY_TEXT_LIMIT = 500


class NewerStateError(StateError):
    """A stored state was written by a newer Pathway than this one."""


def now_iso() -> str:
    """The current UTC time, to the second, as ISO 8601."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


@dataclass
class UserState:
    """What Pathway keeps about one user."""

    stage: str | None = None
    ticks: dict[str, list[str]] = field(default_factory=dict)  # stage id -> checklist item ids
    last_topic: str | None = None
    last_checklist: str | None = None  # the stage whose checklist the user saw last
    pending: dict[str, Any] | None = None  # an unfinished exchange: triage, confirmation, choice
    history: list[dict[str, str]] = field(default_factory=list)
    # Improvement projects: aim, measures with their readings, PDSA cycles (bot.core.measure)
    projects: list[dict[str, Any]] = field(default_factory=list)
    lang: str = "en"  # the saved preference: "language", "Cymraeg", App Home's toggle
    conversation_lang: str | None = None  # the last message's language, when it was clear
    created: str = field(default_factory=now_iso)
    updated: str = field(default_factory=now_iso)
    version: int = STATE_VERSION

    def remember(self, text: str) -> None:
        """Add a user message to the bounded history."""
        self.history.append({"at": now_iso(), "text": text[:HISTORY_TEXT_LIMIT]})
        del self.history[:-HISTORY_LIMIT]

    def ticked(self, stage_id: str) -> set[str]:
        """Ids of the items ticked at a stage."""
        return set(self.ticks.get(stage_id, ()))

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return json.loads(json.dumps(asdict(self)))

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> UserState:
        """Rebuild from stored JSON, migrating older versions."""
        migrated = migrate(dict(raw))
        known = {name: migrated[name] for name in cls.__dataclass_fields__
                 if name in migrated and _well_formed(name, migrated[name])}
        return cls(**known)


_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "stage": (str, type(None)), "ticks": (dict,), "last_topic": (str, type(None)),
    "last_checklist": (str, type(None)), "pending": (dict, type(None)), "history": (list,),
    "projects": (list,),
    "lang": (str,), "conversation_lang": (str, type(None)), "created": (str,),
    "updated": (str,), "version": (int,),
}


def _well_formed(name: str, value: Any) -> bool:
    """Whether a stored field has a usable shape; a bad one falls back to its default."""
    if not isinstance(value, _FIELD_TYPES[name]):
        return False
    if name == "ticks":
        return all(isinstance(k, str) and isinstance(v, list)
                   and all(isinstance(i, str) for i in v) for k, v in value.items())
    if name in ("history", "projects"):
        return all(isinstance(entry, dict) for entry in value)
    return True


def _unversioned_to_1(raw: dict[str, Any]) -> dict[str, Any]:
    """A record with no version field: keep what is recognisable, default the rest."""
    ticks = raw.get("ticks")
    if not isinstance(ticks, dict):
        raw["ticks"] = {}
    return raw


# MIGRATIONS[n] turns a version-n record into version n + 1. Add one with each change
# to UserState's stored shape, and bump STATE_VERSION.
MIGRATIONS = {0: _unversioned_to_1}


def migrate(raw: dict[str, Any]) -> dict[str, Any]:
    """Bring a stored state up to STATE_VERSION."""
    version = raw.get("version", 0)
    # A version that is not a whole number is damage, not a newer Pathway: TypeError sends
    # the record to the store's quarantine, where NewerStateError would lock the user out.
    if not isinstance(version, int) or isinstance(version, bool):
        raise TypeError(f"stored state has a version that is not a number: {version!r}")
    if version > STATE_VERSION:
        raise NewerStateError(f"stored state is version {version}, newer than this Pathway "
                         f"({STATE_VERSION}); upgrade Pathway before using this database")
    while version < STATE_VERSION:
        raw = MIGRATIONS[version](raw)
        version += 1
        raw["version"] = version
    return raw
