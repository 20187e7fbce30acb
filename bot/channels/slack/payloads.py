"""Reading fields out of Slack payloads, where a wrong-typed field is Slack's fault, not ours.

A payload's signature says who sent it, not that every field has the shape Slack documents.
These helpers raise BadPayload for a field of the wrong type, which the app's error
handler logs as one warning and answers with a 200, instead of an AttributeError's 500.
"""

from __future__ import annotations

from typing import Any


class BadPayload(ValueError):
    """A Slack payload lacks a field a listener needs, or has it in the wrong shape."""


def required(payload: Any, *path: str) -> str:
    """The non-empty string at path in a payload (e.g. "user", "id"); BadPayload if none."""
    value = payload
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    if not isinstance(value, str) or not value:
        raise BadPayload(".".join(path))
    return value


def part(payload: Any, *path: str) -> dict[str, Any]:
    """The object at path ({} where it is absent or null); BadPayload if it is not an object."""
    value = payload
    for depth, key in enumerate(path):
        if not isinstance(value, dict):
            raise BadPayload(".".join(path[:depth]) or "body")
        value = value.get(key)
        if value is None:
            return {}
    if not isinstance(value, dict):
        raise BadPayload(".".join(path))
    return value


def optional_text(payload: dict[str, Any], key: str) -> str | None:
    """The string at key, or None where it is absent or null; BadPayload if it is not text."""
    value = payload.get(key)
    if value is not None and not isinstance(value, str):
        raise BadPayload(key)
    return value


def text_of(payload: dict[str, Any], key: str = "text") -> str:
    """A text field as typed: "" when absent, BadPayload when it is not a string."""
    return optional_text(payload, key) or ""


def items(payload: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The list of objects at key ([] where absent or null); BadPayload for anything else."""
    value = payload.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise BadPayload(key)
    return value
