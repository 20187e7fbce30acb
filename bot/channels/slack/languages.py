"""Which language to frame a reply in: the same rule the engine answered by.

The engine answers a message in the message's language when it is clear, else in the
conversation's, else in the saved preference, and stores the conversation's language. A
reply carries no language of its own, so the Slack adapter reads it back from the state:
after a private turn, the stored conversation language (or the preference); for a reply
that is no turn (App Home, a checkbox tick, a modal) the saved preference, as the core used.
"""

from __future__ import annotations

from bot.base import language
from bot.service import Pathway


def turn_language(pathway: Pathway, workspace: str, user: str, said: str | None = None) -> str:
    """The language the engine has just answered in; pass ``said`` for a public turn,
    which leaves the stored state as it was."""
    state = pathway.user_state(workspace, user)
    detected = language.detect(said) if said is not None else None
    return detected or state.conversation_lang or state.lang


def saved_language(pathway: Pathway, workspace: str, user: str) -> str:
    """The user's saved preference: App Home, checklists, ticks and notices use it."""
    return pathway.language(workspace, user)
