"""Which language to frame a reply in when there is no turn to take it from.

A reply to a message carries the language the engine answered in (``Reply.lang``); App
Home, a checkbox tick, a modal or a notice use the user's saved preference, as the core
does for them.
"""

from __future__ import annotations

from bot.service import Pathway


def saved_language(pathway: Pathway, workspace: str, user: str) -> str:
    """The user's saved preference: App Home, checklists, ticks and notices use it."""
    return pathway.language(workspace, user)
