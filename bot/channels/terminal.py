"""Render replies as plain terminal text, and run the interactive chat."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from typing import TextIO

from bot.core.intents import choice_number
from bot.core.replies import Reply
from bot.core.views import kept_lines
from bot.core.wording import say

_BOLD = re.compile(r"\*([^*\n]+)\*")
QUIT_WORDS = {"quit", "exit", "/quit", "/exit", ":q"}


def render(reply: Reply, colour: bool = False) -> str:
    """The reply as terminal text; options are numbered so the user can type the number."""
    parts: list[str] = []
    if reply.title:
        parts.append(f"== {reply.title} ==")
    if reply.text:
        parts.append(reply.text)
    if reply.progress:
        parts.append("\n".join(
            f"{'>' if p.current else ' '} {p.number}. {p.title}: {p.done}/{p.total}"
            for p in reply.progress))
    if reply.checklist and reply.kind in {"checklist", "error"}:
        parts.append("\n".join(
            f"  [{'x' if line.done else ' '}] {line.number}. {line.text}  ({line.help})"
            for line in reply.checklist.items))
    if reply.contacts:
        parts.append(_contacts(reply))
    if reply.kind == "data" and reply.data:
        # The text summarises it already; the details follow as lines, never as raw JSON.
        kept = kept_lines(reply.data, reply.lang)
        if kept:
            parts.append("\n".join(kept))
    if reply.source:
        parts.append(say("answer.source", reply.lang, source=reply.source,
                         reviewed=reply.reviewed))
    if reply.options and not _listed_in_text(reply):
        # A few short choices fit on one line; a longer menu reads better as a list.
        separator = "  " if len(reply.options) <= 3 else "\n"
        parts.append(separator.join(f"[{n}] {o.label}" for n, o in enumerate(reply.options, 1)))
    if reply.footer:
        parts.append(reply.footer)
    return _style("\n\n".join(parts), colour)


def _listed_in_text(reply: Reply) -> bool:
    """Whether the text already numbers the options ("1. ..."), as "did you mean" does."""
    lines = {line.strip() for line in reply.text.splitlines()}
    return all(f"{n}. {o.label}" in lines for n, o in enumerate(reply.options, 1))


def _contacts(reply: Reply) -> str:
    lang = reply.lang
    lines = [] if reply.kind == "contacts" else [say("option.contacts", lang).rstrip("?") + ":"]
    for card in reply.contacts:
        note = f" ({say('contacts.england', lang)})" if card.scope == "england" else ""
        if card.referrals:
            lines.append(f"  • {card.name}: {card.url}{note}  "
                         f"{say('terminal.say_connect', lang, id=card.id)}")
        else:
            how = f"\n    {say('contacts.how', lang, how=card.how_to_contact)}" \
                if card.how_to_contact \
                else ""
            lines.append(f"  • {card.name}: {card.url}{note}{how}")
    return "\n".join(lines)


def _style(text: str, colour: bool) -> str:
    return _BOLD.sub(r"\033[1m\1\033[0m" if colour else r"\1", text)


def chat_lines(lines: Iterable[str], respond: Callable[[str], Reply], out: TextIO,
               colour: bool = False) -> None:
    """Feed each line to ``respond(text) -> Reply`` and print the replies.

    A bare number picks that option of the previous reply, as a button would in Slack.
    """
    last: Reply | None = None
    for line in lines:
        text = line.rstrip("\n")
        if text.strip().casefold() in QUIT_WORDS:
            break
        number = choice_number(text)
        if last and number is not None and 1 <= number <= len(last.options):
            text = last.options[number - 1].say
        last = respond(text)
        out.write(render(last, colour) + "\n\n")
        out.flush()


def interactive_lines(prompt: str) -> Iterable[str]:
    """Lines typed at a prompt, until end of input or Ctrl-C."""
    while True:
        try:
            yield input(prompt)
        except (EOFError, KeyboardInterrupt):
            sys.stdout.write("\n")
            return
