"""Referrals in the state database: one JSON record each, changed in transactions.

The rules (consent, one referral per double click, a few open per organisation) are in
``bot.core.referral``; this module keeps the records and their delivery claims. Records are
changed as the JSON they are stored as, and handed out as ``Referral`` values.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bot.core.referral import (
    FIELD_LIMITS,
    MAX_OPEN_PER_ORGANISATION,
    OPEN_STATUSES,
    TEAM_ACTIONS,
    DecisionRecorded,
    Redraw,
    Referral,
    ReferralError,
    ReferralForm,
    repeats_decision,
)
from bot.core.user import now_iso
from bot.core.wording import say
from bot.kb.model import Organisation
from bot.store.database import CorruptRecord, Database, Transaction

logger = logging.getLogger(__name__)

TABLE = "referrals"
REDRAWS = "redraws"  # Redraw records, by referral id: no personal details, so kept past forget me
CLAIM_SECONDS = 120.0  # a delivery claimed by a process that died is retried after this
# What every reader takes from a record, with the type it reads it as.
FIELD_TYPES: dict[str, type] = {
    "id": str, "user": str, "workspace": str, "user_id": str, "organisation": str,
    "organisation_name": str, "summary": str, "problem": str, "stage": str,
    "user_organisation": str, "help_wanted": str, "consent": dict, "status": str,
    "history": list, "delivery": dict, "idempotency": str, "created": str, "updated": str,
}


class ReferralStore:
    """Referrals in the state database, one JSON record each, changed in transactions."""

    def __init__(self, database: Database) -> None:
        self._database = database

    @contextmanager
    def _changing(self, referral_id: str) -> Iterator[dict[str, Any]]:
        with self._database.transaction() as tx:
            record = tx.get(TABLE, referral_id)
            if not well_formed(record):
                raise ReferralError(say("referral.not_found"))
            yield record
            record["updated"] = now_iso()
            tx.put(TABLE, referral_id, record)

    def create(self, user_key: str, organisation: Organisation, form: ReferralForm,
               consent: bool) -> tuple[Referral, bool]:
        """Store a new referral (status pending); returns it and whether it is new."""
        if not consent:
            raise ReferralError(say("referral.no_consent"))
        form = form.cleaned()
        key = _idempotency_key(user_key, organisation.id, form)
        with self._database.transaction() as tx:
            mine = [r for r in _records(tx, user_key) if r["organisation"] == organisation.id]
            duplicate = next((r for r in mine if r["idempotency"] == key), None)
            if duplicate is not None:
                return Referral.from_json(duplicate), False
            if sum(r["status"] in OPEN_STATUSES for r in mine) >= MAX_OPEN_PER_ORGANISATION:
                raise ReferralError(say("referral.too_many", count=MAX_OPEN_PER_ORGANISATION,
                                        org=organisation.name.get("en")))
            record = _new_record(user_key, organisation, form, key)
            tx.put(TABLE, record["id"], record)
            return Referral.from_json(record), True

    def get(self, referral_id: str) -> Referral | None:
        """One referral, or None."""
        with self._database.reading() as tx:
            record = tx.get(TABLE, referral_id)
        return Referral.from_json(record) if well_formed(record) else None

    def for_user(self, user_key: str) -> list[Referral]:
        """The user's referrals, oldest first."""
        with self._database.reading() as tx:
            return [Referral.from_json(r) for r in _records(tx, user_key)]

    def all(self) -> list[Referral]:
        """Every referral, oldest first."""
        with self._database.reading() as tx:
            return [Referral.from_json(r) for r in _records(tx)]

    def pending(self) -> list[Referral]:
        """Referrals stored but not yet delivered."""
        return [r for r in self.all() if r.status == "pending"]

    def claim_delivery(self, referral_id: str, by: str,
                       now: float | None = None) -> Referral | None:
        """Claim a pending referral to deliver it; None if it is not pending or is claimed.

        The claim is committed before anything is sent, so two threads or processes never
        post the same referral; a claim left by a process that died lapses after
        CLAIM_SECONDS and the referral is tried again.
        """
        moment = time.time() if now is None else now
        with self._database.transaction() as tx:
            record = tx.get(TABLE, referral_id)
            if not well_formed(record) or record["status"] != "pending":
                return None
            claim = record["delivery"].get("claim") or {}
            if claim.get("until", 0) > moment:
                return None
            record["delivery"]["claim"] = {"by": by, "until": moment + CLAIM_SECONDS}
            tx.put(TABLE, referral_id, record)
            return Referral.from_json(record)

    def mark_delivered(self, referral_id: str, destination: dict[str, Any]) -> Referral | None:
        """Record where a referral went; it is now sent, unless withdrawn meanwhile.

        Read in the same transaction as the change, so a withdrawal or "forget me" cannot
        slip between; None if the referral is gone (forgotten while its post was in flight).
        """
        with self._database.transaction() as tx:
            record = tx.get(TABLE, referral_id)
            if not well_formed(record):
                return None
            record["delivery"].update(destination=destination, last_error=None, claim=None,
                                      attempts=record["delivery"]["attempts"] + 1)
            if record["status"] == "pending":
                _set_status(record, "sent", "pathway")
            record["updated"] = now_iso()
            tx.put(TABLE, referral_id, record)
        return Referral.from_json(record)

    def mark_failed(self, referral_id: str, error: str) -> Referral:
        """Record a failed delivery attempt; it stays pending, free for the next try."""
        with self._changing(referral_id) as record:
            record["delivery"]["attempts"] += 1
            record["delivery"]["last_error"] = error[:200]
            record["delivery"]["claim"] = None
        return Referral.from_json(record)

    def team_action(self, referral_id: str, action: str, by: str,
                    suggested: str | None = None, note: str = "") -> Referral:
        """The receiving team accepts, asks for more, or suggests another organisation."""
        if action not in TEAM_ACTIONS:
            raise ReferralError(say("referral.unknown_action", action=repr(action)))
        with self._changing(referral_id) as record:
            if record["status"] == "withdrawn":
                raise ReferralError(say("referral.withdrawn_by_innovator"))
            # Decided in the same transaction as the change, so a press that reaches two
            # instances at once is recorded by one and refused by the other.
            if repeats_decision(record["status"], record.get("suggested_organisation"), action,
                                suggested if action == "redirect" else None):
                raise DecisionRecorded(say("team.already_recorded"))
            _set_status(record, TEAM_ACTIONS[action], by, note[:500])
            record["suggested_organisation"] = suggested if action == "redirect" else None
        return Referral.from_json(record)

    def withdraw(self, referral_id: str, user_key: str) -> Referral:
        """The innovator withdraws their referral."""
        with self._changing(referral_id) as record:
            if record["user"] != user_key:
                raise ReferralError(say("referral.not_yours"))
            if record["status"] == "withdrawn":
                raise ReferralError(say("referral.already_withdrawn"))
            _set_status(record, "withdrawn", "innovator")
        return Referral.from_json(record)

    def forget_user(self, user_key: str, tx: Transaction | None = None) -> int:
        """Delete the user's referrals, damaged ones too; returns how many."""
        if tx is None:
            with self._database.transaction() as own:
                return self.forget_user(user_key, own)
        keys = [key for key, record in tx.items(TABLE) if _belongs_to(record, user_key)]
        for key in keys:
            tx.delete(TABLE, key)
        return len(keys)

    def keep_redraw(self, redraw: Redraw) -> None:
        """Keep a team's message to redraw without a referral's details, until it is."""
        with self._database.transaction() as tx:
            tx.put(REDRAWS, redraw.referral_id, redraw.to_json())

    def redraws(self) -> list[Redraw]:
        """The team messages still to be redrawn, oldest first (damaged records skipped)."""
        with self._database.reading() as tx:
            found = [Redraw.from_json(record) for _, record in tx.items(REDRAWS)]
        return sorted((redraw for redraw in found if redraw is not None),
                      key=lambda redraw: redraw.since)

    def redrawn(self, redraw: Redraw) -> None:
        """The message is redrawn: forget the redraw (unless a newer one replaced it)."""
        with self._database.transaction() as tx:
            if tx.get(REDRAWS, redraw.referral_id) == redraw.to_json():
                tx.delete(REDRAWS, redraw.referral_id)

    def purge(self, retention_days: int, now: dt.datetime | None = None) -> int:
        """Delete referrals not changed within the retention period."""
        moment = now or dt.datetime.now(dt.timezone.utc)
        cutoff = (moment - dt.timedelta(days=retention_days)).replace(microsecond=0).isoformat()
        with self._database.transaction() as tx:
            _warn_of_damage(tx)
            old = [r["id"] for r in _records(tx) if r["updated"] < cutoff]
            for referral_id in old:
                tx.delete(TABLE, referral_id)
        return len(old)


def well_formed(record: Any) -> bool:
    """Whether a stored referral can be read; a damaged one is skipped, never a crash."""
    if not isinstance(record, dict):
        return False
    if not all(isinstance(record.get(name), kind) for name, kind in FIELD_TYPES.items()):
        return False
    delivery = record["delivery"]
    return (isinstance(delivery.get("attempts"), int)
            and isinstance(delivery.get("claim") or {}, dict))


def _records(tx: Transaction, user_key: str | None = None) -> list[dict[str, Any]]:
    """Every well-formed referral (or only one user's), oldest first."""
    rows = [r for _, r in tx.items(TABLE) if well_formed(r)
            and (user_key is None or r["user"] == user_key)]
    return sorted(rows, key=lambda r: r["created"])


def _belongs_to(record: Any, user_key: str) -> bool:
    """Whether a record, readable or not, is the user's, so "forget me" deletes it."""
    if isinstance(record, CorruptRecord):  # not JSON: the user's key in it is all we can see
        # Either spelling: records are written with ensure_ascii=False ("Siân" as is), and an
        # older or foreign writer may have escaped it ("Si\u00e2n").
        return any(json.dumps(user_key, ensure_ascii=escaped) in record.raw
                   for escaped in (False, True))
    return isinstance(record, dict) and record.get("user") == user_key


def _warn_of_damage(tx: Transaction) -> None:
    """Log, once per purge (at start-up), the referrals every reader skips as damaged.

    They are kept for an admin to repair, but retention cannot date them, so they say so.
    """
    damaged = [key for key, record in tx.items(TABLE) if not well_formed(record)]
    if damaged:
        logger.warning("%d damaged referral record(s) skipped, and not purged by retention: "
                       "%s", len(damaged), ", ".join(damaged[:20]))


def _idempotency_key(user_key: str, org_id: str, form: ReferralForm) -> str:
    text = json.dumps([user_key, org_id, form.summary.casefold(), form.problem.casefold()])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _new_record(user_key: str, organisation: Organisation, form: ReferralForm,
                key: str) -> dict[str, Any]:
    workspace, _, user = user_key.partition(":")
    created = now_iso()
    org_name = organisation.name.get("en")
    return {
        "id": f"R{secrets.token_hex(4).upper()}", "user": user_key, "workspace": workspace,
        "user_id": user, "organisation": organisation.id, "organisation_name": org_name,
        **{name: getattr(form, name) for name in FIELD_LIMITS},
        "consent": {"given": True, "at": created, "text": say("referral.consent", org=org_name)},
        "status": "pending", "history": [{"at": created, "status": "pending", "by": "innovator",
                                          "note": ""}],
        "delivery": {"attempts": 0, "last_error": None}, "idempotency": key,
        "suggested_organisation": None, "created": created, "updated": created,
    }


def _set_status(record: dict[str, Any], status: str, by: str, note: str = "") -> None:
    record["status"] = status
    record["history"].append({"at": now_iso(), "status": status, "by": by, "note": note})
