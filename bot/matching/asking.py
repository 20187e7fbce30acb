"""The asking part of a long question: what is asked after the story that leads up to it.

"I'm a GP partner in the Valleys with a lot of frequent attenders. I have an idea for a
different way of triaging. What do I do first?" tells who and where before it asks; matched
whole, the story's words dilute the ask and the question scores below the threshold.
"""

from __future__ import annotations

import re

# A sentence end, a dash between spaces, or "so" / "but" (in Welsh "felly" / "ond") joining
# two clauses.
_BREAK = re.compile(r"(?<=[.?!])\s+|\s+[—–-]\s+|,?\s+(?:so|but|felly|ond)\s+", re.IGNORECASE)


def asking_part(text: str) -> str | None:
    """The last sentence or clause of ``text``, or None when it has only one."""
    parts = [part.strip() for part in _BREAK.split(text.strip()) if part and part.strip()]
    return parts[-1] if len(parts) > 1 else None
