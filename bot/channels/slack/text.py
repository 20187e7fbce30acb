"""Escaping and cutting text to fit Slack. Pure functions, no Slack client."""

from __future__ import annotations

import re

ELLIPSIS = "…"
_ENTITY_TAIL = re.compile(r"&[a-z]{0,3}$")


def escape(text: str) -> str:
    """Escape & < > so text can never form a Slack link, mention or @channel ping."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Undo escape(), for values we sent to Slack and get back in a payload."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def shorten(text: str, limit: int) -> str:
    """Cut already-escaped text to at most limit characters, ending with an ellipsis."""
    if len(text) <= limit:
        return text
    return _safe_cut(text, limit - len(ELLIPSIS)).rstrip() + ELLIPSIS


def plain(text: str, limit: int) -> str:
    """Text for a plain_text field (button, header, option, modal title), shortened to limit.

    Not escaped: Slack shows plain_text as it is, so "R&D" escaped would read "R&amp;D",
    and plain_text can never form a link, mention or @channel ping anyway.
    """
    return shorten(" ".join(text.split()), limit)


def split_text(text: str, limit: int) -> list[str]:
    """Split already-escaped text into chunks of at most limit, at paragraphs or lines."""
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _break_point(rest, limit)
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def _break_point(text: str, limit: int) -> int:
    window = text[:limit]
    for separator in ("\n\n", "\n", ". ", " "):
        found = window.rfind(separator)
        if found > limit // 2:
            return found + len(separator)
    return len(_safe_cut(text, limit))


def _safe_cut(text: str, limit: int) -> str:
    """Cut at limit without splitting an &amp; style entity in two."""
    cut = text[:limit]
    tail = _ENTITY_TAIL.search(cut)
    if tail and text[tail.start():].split(";", 1)[0] + ";" in ("&amp;", "&lt;", "&gt;"):
        return cut[:tail.start()]
    return cut


_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def strip_mentions(text: str) -> str:
    """Remove user mentions such as <@U123> (the bot's own name) from a message."""
    return " ".join(_MENTION.sub(" ", text).split())
