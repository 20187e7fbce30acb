"""Warm introductions ("Connect me"): an innovator's referral to an organisation's team.

Rules kept here, whatever the adapter: nothing is stored or shared without explicit consent
on that referral; a referral is stored before it is announced as sent; duplicate
submissions (double clicks, retries) give one referral; a user has at most a few open
referrals per organisation; referrals follow the retention period and "forget me".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.kb.model import Organisation
from bot.messages import CATALOGUE, say
from bot.state import now_iso
from bot.store.database import Database, Transaction

MAX_OPEN_PER_ORGANISATION = 3
OPEN_STATUSES = ("pending", "sent", "more_info")
TEAM_ACTIONS = {"accept": "accepted", "more_info": "more_info", "redirect": "redirected"}
FIELD_LIMITS = {"summary": 1500, "problem": 1000, "stage": 40, "user_organisation": 200,
                "help_wanted": 1000}
# The consent sentence as a template ({org}); kept for callers that format it themselves.
CONSENT_TEXT = CATALOGUE["referral.consent"]["en"]


class ReferralError(Exception):
    """A referral cannot be made or changed; the message is for the user."""


class DeliveryError(Exception):
    """The referral could not reach the team's destination (it stays pending)."""


class Deliverer(Protocol):
    """Where referrals go: a Slack channel, or a local outbox file."""

    def deliver(self, referral: dict[str, Any], organisation: Organisation | None
                ) -> dict[str, Any]:
        """Send a new referral; return where it went (stored on the referral)."""

    def update(self, referral: dict[str, Any], organisation: Organisation | None) -> None:
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


TABLE = "referrals"
CLAIM_SECONDS = 120.0  # a delivery claimed by a process that died is retried after this


class ReferralStore:
    """Referrals in the state database, one JSON record each, changed in transactions."""

    def __init__(self, database: Database) -> None:
        self._database = database

    @contextmanager
    def _changing(self, referral_id: str) -> Iterator[dict[str, Any]]:
        with self._database.transaction() as tx:
            record = tx.get(TABLE, referral_id)
            if not isinstance(record, dict):
                raise ReferralError(say("referral.not_found"))
            yield record
            record["updated"] = now_iso()
            tx.put(TABLE, referral_id, record)

    def create(self, user_key: str, organisation: Organisation, form: ReferralForm,
               consent: bool) -> tuple[dict[str, Any], bool]:
        """Store a new referral (status pending); returns it and whether it is new."""
        if not consent:
            raise ReferralError(say("referral.no_consent"))
        form = form.cleaned()
        key = _idempotency_key(user_key, organisation.id, form)
        with self._database.transaction() as tx:
            mine = [r for r in _records(tx, user_key) if r["organisation"] == organisation.id]
            duplicate = next((r for r in mine if r["idempotency"] == key), None)
            if duplicate is not None:
                return duplicate, False
            if sum(r["status"] in OPEN_STATUSES for r in mine) >= MAX_OPEN_PER_ORGANISATION:
                raise ReferralError(say("referral.too_many", count=MAX_OPEN_PER_ORGANISATION,
                                        org=organisation.name.get("en")))
            record = _new_record(user_key, organisation, form, key)
            tx.put(TABLE, record["id"], record)
            return record, True

    def get(self, referral_id: str) -> dict[str, Any] | None:
        """One referral, or None."""
        with self._database.reading() as tx:
            record = tx.get(TABLE, referral_id)
        return record if isinstance(record, dict) else None

    def for_user(self, user_key: str) -> list[dict[str, Any]]:
        """The user's referrals, oldest first."""
        with self._database.reading() as tx:
            return _records(tx, user_key)

    def all(self) -> list[dict[str, Any]]:
        """Every referral, oldest first."""
        with self._database.reading() as tx:
            return _records(tx)

    def pending(self) -> list[dict[str, Any]]:
        """Referrals stored but not yet delivered."""
        return [r for r in self.all() if r["status"] == "pending"]

    def claim_delivery(self, referral_id: str, by: str,
                       now: float | None = None) -> dict[str, Any] | None:
        """Claim a pending referral to deliver it; None if it is not pending or is claimed.

        The claim is committed before anything is sent, so two threads or processes never
        post the same referral; a claim left by a process that died lapses after
        CLAIM_SECONDS and the referral is tried again.
        """
        moment = time.time() if now is None else now
        with self._database.transaction() as tx:
            record = tx.get(TABLE, referral_id)
            if not isinstance(record, dict) or record.get("status") != "pending":
                return None
            claim = record["delivery"].get("claim") or {}
            if claim.get("until", 0) > moment:
                return None
            record["delivery"]["claim"] = {"by": by, "until": moment + CLAIM_SECONDS}
            tx.put(TABLE, referral_id, record)
            return record

    def mark_delivered(self, referral_id: str, destination: dict[str, Any]) -> dict[str, Any]:
        """Record where a referral went; it is now sent."""
        with self._changing(referral_id) as record:
            record["delivery"].update(destination=destination, last_error=None, claim=None,
                                      attempts=record["delivery"]["attempts"] + 1)
            if record["status"] == "pending":
                _set_status(record, "sent", "pathway")
        return record

    def mark_failed(self, referral_id: str, error: str) -> dict[str, Any]:
        """Record a failed delivery attempt; it stays pending, free for the next try."""
        with self._changing(referral_id) as record:
            record["delivery"]["attempts"] += 1
            record["delivery"]["last_error"] = error[:200]
            record["delivery"]["claim"] = None
        return record

    def team_action(self, referral_id: str, action: str, by: str,
                    suggested: str | None = None, note: str = "") -> dict[str, Any]:
        """The receiving team accepts, asks for more, or suggests another organisation."""
        if action not in TEAM_ACTIONS:
            raise ReferralError(say("referral.unknown_action", action=repr(action)))
        with self._changing(referral_id) as record:
            if record["status"] == "withdrawn":
                raise ReferralError(say("referral.withdrawn_by_innovator"))
            _set_status(record, TEAM_ACTIONS[action], by, note[:500])
            record["suggested_organisation"] = suggested if action == "redirect" else None
        return record

    def withdraw(self, referral_id: str, user_key: str) -> dict[str, Any]:
        """The innovator withdraws their referral."""
        with self._changing(referral_id) as record:
            if record["user"] != user_key:
                raise ReferralError(say("referral.not_yours"))
            if record["status"] == "withdrawn":
                raise ReferralError(say("referral.already_withdrawn"))
            _set_status(record, "withdrawn", "innovator")
        return record

    def forget_user(self, user_key: str, tx: Transaction | None = None) -> int:
        """Delete the user's referrals; returns how many."""
        if tx is None:
            with self._database.transaction() as own:
                return self.forget_user(user_key, own)
        ids = [r["id"] for r in _records(tx, user_key)]
        for referral_id in ids:
            tx.delete(TABLE, referral_id)
        return len(ids)

    def purge(self, retention_days: int, now: dt.datetime | None = None) -> int:
        """Delete referrals not changed within the retention period."""
        moment = now or dt.datetime.now(dt.timezone.utc)
        cutoff = (moment - dt.timedelta(days=retention_days)).replace(microsecond=0).isoformat()
        with self._database.transaction() as tx:
            old = [r["id"] for r in _records(tx) if r["updated"] < cutoff]
            for referral_id in old:
                tx.delete(TABLE, referral_id)
        return len(old)


def _records(tx: Transaction, user_key: str | None = None) -> list[dict[str, Any]]:
    """Every well-formed referral (or only one user's), oldest first."""
    rows = [r for _, r in tx.items(TABLE) if isinstance(r, dict) and "created" in r
            and (user_key is None or r.get("user") == user_key)]
    return sorted(rows, key=lambda r: r["created"])


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


class OutboxDeliverer:
    """Terminal mode: referrals go to a local JSON-lines file that admins read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def deliver(self, referral: dict[str, Any], organisation: Organisation | None
                ) -> dict[str, Any]:
        """Append the referral to the outbox file."""
        self._append({"event": "referral", **_public(referral)})
        return {"outbox": str(self.path), "label": say("referral.where_outbox")}

    def update(self, referral: dict[str, Any], organisation: Organisation | None) -> None:
        """Append a status change to the outbox file."""
        self._append({"event": "status", "id": referral["id"], "status": referral["status"],
                      "at": referral["updated"]})

    def _append(self, line: dict[str, Any]) -> None:
        try:
            with self._lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(line, ensure_ascii=False) + "\n")
        except OSError as error:
            raise DeliveryError(f"could not write the outbox {self.path}: {error}") from error


def _public(referral: dict[str, Any]) -> dict[str, Any]:
    """What the receiving team sees: no internal keys."""
    hidden = {"idempotency", "delivery", "history", "user", "status"}
    return {k: v for k, v in referral.items() if k not in hidden}
