"""Whether a stored unfinished exchange (``UserState.pending``) has a shape the engine can answer.

The engine writes these itself, but a stored record can still be damaged (a hand edit, a
bad restore, an older bug). A damaged exchange is treated as no exchange at all: otherwise
every message, "forget me" included, would fail on it and the user would be locked out.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.core import connect
from bot.core.measure import conversation as measuring

logger = logging.getLogger(__name__)

TRIAGE_STEPS = range(1, 5)  # the four yes/no questions
CONFIRM_ACTIONS = ("forget", "reset")  # a tuple: a damaged action may be unhashable


def usable(pending: Any) -> dict[str, Any] | None:
    """The pending exchange if the engine can answer it; None (with a warning) if damaged."""
    if pending is None or (isinstance(pending, dict) and _well_formed(pending)):
        return pending
    kind = pending.get("kind") if isinstance(pending, dict) else None
    # The kind only: the rest may hold what the user typed, which the log must not keep.
    logger.warning("ignoring a damaged pending exchange (kind %.20r)", kind)
    return None


def _well_formed(pending: dict[str, Any]) -> bool:
    """Whether the fields the exchange's kind reads have the types that code expects."""
    kind = pending.get("kind")
    if kind == "triage":
        return _is_int(pending.get("step")) and pending["step"] in TRIAGE_STEPS
    if kind == "confirm":
        return pending.get("action") in CONFIRM_ACTIONS
    if kind == "choose":
        ids = pending.get("ids")
        return isinstance(ids, list) and all(isinstance(i, str) for i in ids)
    if kind == "connect":
        return connect.well_formed(pending)
    if kind in measuring.EXCHANGES:
        return measuring.well_formed(pending)
    return False


def _is_int(value: Any) -> bool:
    """Whether a stored value is a whole number (JSON true is a bool, not a step)."""
    return isinstance(value, int) and not isinstance(value, bool)
