"""Terminal mode's deliverer: referrals go to a local JSON-lines file that admins read."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from bot.core.referral import DeliveryError, Referral
from bot.core.wording import say
from bot.kb.model import Organisation


class OutboxDeliverer:
    """Terminal mode: referrals go to a local JSON-lines file that admins read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def deliver(self, referral: Referral, organisation: Organisation | None
                ) -> dict[str, Any]:
        """Append the referral to the outbox file."""
        self._append({"event": "referral", **_public(referral)})
        return {"outbox": str(self.path), "label": say("referral.where_outbox")}

    def update(self, referral: Referral, organisation: Organisation | None) -> None:
        """Append a status change to the outbox file."""
        self._append({"event": "status", "id": referral.id, "status": referral.status,
                      "at": referral.updated})

    def _append(self, line: dict[str, Any]) -> None:
        try:
            with self._lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(line, ensure_ascii=False) + "\n")
        except OSError as error:
            raise DeliveryError(f"could not write the outbox {self.path}: {error}") from error


def _public(referral: Referral) -> dict[str, Any]:
    """What the receiving team sees: no internal keys."""
    hidden = {"idempotency", "delivery", "history", "user", "status"}
    return {k: v for k, v in referral.to_json().items() if k not in hidden}
