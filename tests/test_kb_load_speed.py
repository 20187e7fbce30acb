"""The loader's fast paths change nothing: the compiled schema check agrees with jsonschema."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from bot.kb.loader import FILE_KINDS, knowledge_paths, schema_for
from bot.kb.quick_schema import UnsupportedSchema, compile_check
from bot.kb.yamlsource import parse_yaml
from tests.conftest import BUNDLED_KNOWLEDGE

# Values that break (or happen to satisfy) the shapes the schemas ask for.
REPLACEMENTS: tuple[Any, ...] = (
    "", "   ", "x", "ok text", "a" * 301, "Not An Id", "idea", "2026-13-45", "2026-01-01",
    "https://example.org/page", "http:/x", 3, 3.0, 2.5, True, False, None, [], {}, ["a", "a"],
    ["a", "b"], {"en": "x"}, {"en": ""}, {"cy": "x"}, {"en": "x", "cy_reviewed": True},
    {"en": "x", "cy": "y", "cy_reviewed": "yes"}, {"en": "x", "cy": "y", "cy_reviewed": True},
    {"q": "a question?", "lang": "cy"}, {"q": "a question?", "lang": "fr"},
)


def bundled_documents() -> Iterator[tuple[str, Any]]:
    """(kind, data) of every bundled knowledge file."""
    for path in knowledge_paths(BUNDLED_KNOWLEDGE, []):
        data = parse_yaml(path.read_text("utf-8")).data
        yield next(kind for kind in FILE_KINDS if kind in data), data


def paths_into(node: Any, path: tuple = ()) -> Iterator[tuple]:
    """The path of every value inside ``node``, ``node`` itself first."""
    yield path
    items = node.items() if isinstance(node, dict) else enumerate(node) \
        if isinstance(node, list) else ()
    for key, value in items:
        yield from paths_into(value, (*path, key))


def mutated(data: Any, path: tuple, rng: random.Random) -> Any:
    """A copy of ``data`` with the value at ``path`` replaced, removed, duplicated or given an
    unknown field."""
    changed = copy.deepcopy(data)
    parent = changed
    for step in path[:-1]:
        parent = parent[step]
    key = path[-1]
    action = rng.choice(("replace", "replace", "replace", "remove", "duplicate", "extra"))
    if action == "remove":
        del parent[key]
    elif action == "duplicate" and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[key]))
    elif action == "extra" and isinstance(parent[key], dict):
        parent[key][rng.choice(("colour", "cy", "en", "lang", "stage"))] = "x"
    else:
        parent[key] = copy.deepcopy(rng.choice(REPLACEMENTS))
    return changed


def one_entry_documents(kind: str, data: Any) -> Iterator[Any]:
    """Small documents of the file's kind, one per entry (other lists cut to their first
    item), so jsonschema checks them quickly."""
    first_only = {key: value[:1] if isinstance(value, list) else value
                  for key, value in data.items()}
    for key, value in data.items():
        if isinstance(value, list):
            for entry in value:
                yield {**first_only, key: [entry]}
        else:
            yield data


@pytest.mark.parametrize("kind", FILE_KINDS)
def test_every_bundled_schema_compiles(kind: str) -> None:
    """The fast path is in use for every kind of file, not silently off."""
    check = compile_check(schema_for(kind).schema)
    assert callable(check)


@pytest.mark.parametrize(("kind", "data"), list(bundled_documents()),
                         ids=lambda value: value if isinstance(value, str) else "")
def test_the_quick_check_agrees_with_jsonschema_on_damaged_files(kind: str, data: Any) -> None:
    """Whatever the damage, the quick check says "valid" exactly when jsonschema finds no
    error: the loader skips jsonschema only on its "valid"."""
    validator = schema_for(kind)
    check = compile_check(validator.schema)
    rng = random.Random(f"{kind}-16")
    documents = list(one_entry_documents(kind, data))
    assert all(check(document) for document in documents)
    tried = invalid = 0
    for document in rng.sample(documents, min(len(documents), 12)):
        paths = [path for path in paths_into(document) if path]
        for path in rng.sample(paths, min(len(paths), 40)):
            damaged = mutated(document, path, rng)
            valid = next(iter(validator.iter_errors(damaged)), None) is None
            assert check(damaged) == valid, (path, damaged)
            tried += 1
            invalid += not valid
    assert invalid > tried / 4 and tried - invalid > 0  # both answers were exercised


@pytest.mark.parametrize("value", [1, 1.0, 1.5, True, False, "1", None, [], {}, -0.0])
@pytest.mark.parametrize("type_name", ["integer", "number", "string", "boolean", "null",
                                       "array", "object"])
def test_types_mean_what_they_mean_to_jsonschema(type_name: str, value: Any) -> None:
    """True is not an integer, 1.0 is: the quick check's types are jsonschema's."""
    schema = {"type": type_name}
    assert compile_check(schema)(value) == Draft202012Validator(schema).is_valid(value)


@pytest.mark.parametrize("schema", [
    {"patternProperties": {"^x": {"type": "string"}}},
    {"type": "object", "properties": {"a": {"format": "email"}}},
    {"prefixItems": [{"type": "string"}], "items": False},
    {"$ref": "https://example.org/other.json"},
    {"contains": {"type": "string"}},
])
def test_a_keyword_it_does_not_know_is_refused_not_ignored(schema: dict[str, Any]) -> None:
    """A schema it cannot vouch for is refused, so the loader leaves it all to jsonschema."""
    with pytest.raises(UnsupportedSchema):
        compile_check(schema)


def test_one_of_means_exactly_one() -> None:
    """A value both branches accept fails ``oneOf``, as in jsonschema."""
    schema = {"oneOf": [{"type": "string"}, {"minLength": 2}]}
    check = compile_check(schema)
    for value in ("ab", "a", 7, None):
        assert check(value) == Draft202012Validator(schema).is_valid(value)


def test_a_recursive_definition_compiles_and_checks() -> None:
    """A definition that refers to itself (a tree) is compiled once and followed as needed."""
    schema = {"$defs": {"tree": {"type": "object", "additionalProperties": False,
                                 "properties": {"children": {"type": "array",
                                                             "items": {"$ref": "#/$defs/tree"}}}}},
              "$ref": "#/$defs/tree"}
    check = compile_check(schema)
    assert check({"children": [{"children": []}, {}]})
    assert not check({"children": [{"children": [{"name": "x"}]}]})


def test_a_document_the_quick_check_refuses_still_gets_jsonschema_messages(
        kb_dir: Path) -> None:
    """Errors are still worded from jsonschema's findings, with their lines."""
    from bot.kb.loader import check_knowledge

    topics = kb_dir / "topics.yaml"
    topics.write_text(topics.read_text("utf-8").replace("reviewed:", "reviewd:", 1), "utf-8")
    messages = [str(p) for p in check_knowledge(kb_dir).errors]
    assert any("unknown field 'reviewd' (did you mean 'reviewed'?)" in m for m in messages)
    assert any("missing required field 'reviewed'" in m for m in messages)
