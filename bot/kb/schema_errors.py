"""Turn JSON Schema errors into sentences a non-programmer can act on."""

from __future__ import annotations

from typing import Any

from rapidfuzz import process
from rapidfuzz.utils import default_process

_TYPE_NAMES = {
    "string": "text",
    "array": "a list (lines starting with '- ')",
    "object": "a set of 'name: value' fields",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
}


def _where(error: Any, data: Any) -> str:
    """'topics[3] (ethics-approval) answer' style label for the failing value."""
    parts: list[str] = []
    node = data
    for step in error.absolute_path:
        if isinstance(step, int):
            entry_id = node[step].get("id") if isinstance(node[step], dict) else None
            parts[-1:] = [f"{parts[-1] if parts else ''}[{step + 1}]"]
            if entry_id and isinstance(entry_id, str):
                parts[-1] += f" ({entry_id})"
        else:
            parts.append(str(step))
        node = node[step] if isinstance(node, dict | list) else None
    return " ".join(parts) or "file"


def _field(error: Any) -> str:
    names = [step for step in error.absolute_path if isinstance(step, str)]
    return names[-1] if names else "value"


def describe_schema_error(error: Any, data: Any) -> str:
    """A plain-English message for one validation error, naming where it is."""
    where = _where(error, data)
    field = _field(error)
    validator = error.validator
    schema = error.schema
    if validator == "required":
        missing = [name for name in schema["required"] if name not in error.instance]
        # jsonschema gives one error per missing field, its name quoted in the message
        name = next((m for m in missing if repr(m) in error.message), missing[0])
        why = f": {schema['x-why']}" if "x-why" in schema else ""
        return f"{where}: missing required field '{name}'{why}"
    if validator == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        unknown = [k for k in error.instance if k not in allowed]
        hint = process.extractOne(str(unknown[0]), allowed, processor=default_process)
        suggestion = f" (did you mean '{hint[0]}'?)" if hint and hint[1] >= 70 else ""
        return (f"{where}: unknown field '{unknown[0]}'{suggestion}; "
                f"allowed fields: {', '.join(allowed)}")
    if validator == "type":
        expected = _TYPE_NAMES.get(schema["type"], schema["type"])
        if schema["type"] == "string" and not isinstance(error.instance, dict | list):
            return f"{where}: '{field}' should be {expected}, {_read_as(error.instance)}"
        if schema["type"] == "string" and isinstance(error.instance, dict):
            return (f"{where}: '{field}' should be {expected}, but the ': ' in it makes YAML "
                    "read it as 'name: value'; put the whole text in double quotes")
        return f"{where}: '{field}' should be {expected}"
    if validator == "enum":
        choices = ", ".join(str(c) for c in schema["enum"])
        return f"{where}: '{error.instance}' is not allowed for '{field}'; use one of: {choices}"
    if validator == "minItems":
        return (f"{where}: '{field}' needs at least {schema['minItems']} item(s), "
                f"has {len(error.instance)}")
    if validator == "maxItems":
        return f"{where}: '{field}' has more than {schema['maxItems']} items"
    if validator == "uniqueItems":
        return f"{where}: '{field}' lists the same thing twice"
    if validator in {"minLength", "pattern", "maxLength", "oneOf"}:
        return f"{where}: {_value_problem(error, field)}"
    return f"{where}: {error.message}"


def _read_as(value: Any) -> str:
    """Why YAML turned what looks like text into something else, and the fix."""
    if value is None:
        return "but it is empty; write the text, or remove the line"
    if isinstance(value, bool):
        return (f"but YAML reads a bare yes/no/true/false/on/off as {str(value).lower()}; "
                "put it in quotes, e.g. \"yes\"")
    if isinstance(value, int | float):
        return "but YAML reads it as a number; put it in quotes, e.g. \"111\""
    return f"but YAML reads it as {type(value).__name__}; put it in quotes"


def _value_problem(error: Any, field: str) -> str:
    schema = error.schema
    instance = error.instance
    if validator_is_text(error):
        return _text_problem(instance, field)
    if _is_question(error):
        return f"'{field}' must be a question, or {{q: ..., lang: cy}} for a Welsh one"
    if isinstance(instance, str) and not instance.strip():
        return f"'{field}' must not be empty"
    if error.validator == "maxLength":
        return f"'{field}' is too long (at most {schema['maxLength']} characters)"
    if error.validator == "minLength":
        return f"'{field}' is too short (at least {schema['minLength']} characters)"
    described = schema.get("description")
    if described:
        return f"'{instance}' is not a valid '{field}': {described}"
    return f"'{instance}' is not a valid '{field}'"


def _text_problem(instance: Any, field: str) -> str:
    """What is wrong with a two-language text, in the words a translator uses."""
    if isinstance(instance, dict) and "cy_reviewed" in instance and "cy" not in instance:
        return (f"'{field}' has 'cy_reviewed' but no Welsh 'cy:' text; cy_reviewed is allowed "
                "only beside cy: add the Welsh or remove cy_reviewed")
    if isinstance(instance, dict) and not isinstance(instance.get("cy_reviewed", False), bool):
        return f"'{field}': 'cy_reviewed' must be true or false"
    return (f"'{field}' must be non-empty text, or 'en:' (and optionally 'cy:' and "
            "'cy_reviewed:') texts")


def _branches_require(error: Any, name: str) -> bool:
    branches = error.schema.get("oneOf", []) if error.validator == "oneOf" else []
    return any(isinstance(b, dict) and name in b.get("required", ()) for b in branches)


def validator_is_text(error: Any) -> bool:
    """True when the failing schema is the shared two-language text definition."""
    return _branches_require(error, "en")


def _is_question(error: Any) -> bool:
    """True when the failing schema is an out-of-scope question: a string or {q, lang}."""
    return _branches_require(error, "q")
