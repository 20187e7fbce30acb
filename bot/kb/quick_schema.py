"""A yes/no check of a document against a JSON Schema, compiled once, for the loader's
fast path.

jsonschema builds a validator and, inside ``oneOf``, error objects for every value it visits:
at 10,000 phrasings that was a third of start-up. Nearly every load is of valid files, so
the loader asks this compiled check first and runs jsonschema, which words the errors, only
when it says no. A "yes" must therefore mean exactly what jsonschema's would: each keyword
here follows jsonschema's own definition (Draft 2020-12), and a schema using a keyword not
listed is refused at compile time, so the loader falls back to jsonschema alone.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable
from typing import Any

from jsonschema import Draft202012Validator

Check = Callable[[Any], bool]

# Keywords that never make a document invalid.
_ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "$comment", "title", "description",
                          "examples", "default", "x-why"})
# Keywords whose whole meaning is their own value: jsonschema checks them itself, alone.
_SELF_CONTAINED = frozenset({"enum", "const", "uniqueItems", "minimum", "maximum",
                             "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
                             "minProperties", "maxProperties"})


class UnsupportedSchema(ValueError):
    """The schema uses a keyword this module does not compile."""


def _is_integer(value: Any) -> bool:
    # jsonschema (Draft 4 on): a bool is not an integer, a float with no fraction is.
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


_TYPES: dict[str, Check] = {
    "string": lambda value: isinstance(value, str),
    "array": lambda value: isinstance(value, list),
    "object": lambda value: isinstance(value, dict),
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
    "integer": _is_integer,
    "number": lambda value: not isinstance(value, bool) and isinstance(value, numbers.Number),
}


def compile_check(schema: Any) -> Check:
    """A function telling whether a document is valid against ``schema``; raises
    UnsupportedSchema for a keyword it cannot vouch for."""
    return _Compiler(schema.get("$defs", {}) if isinstance(schema, dict) else {}).compile(schema)


class _Compiler:
    """Turns each (sub)schema into a check; ``#/$defs/name`` references compile once."""

    def __init__(self, defs: dict[str, Any]) -> None:
        self.defs = defs
        self.compiled_defs: dict[str, Check] = {}

    def compile(self, schema: Any) -> Check:
        """The check for one schema: every keyword's check must pass."""
        if schema is True or schema == {}:
            return lambda value: True
        if schema is False:
            return lambda value: False
        if not isinstance(schema, dict):
            raise UnsupportedSchema(f"not a schema: {schema!r}")
        checks = [self._keyword(key, value, schema) for key, value in schema.items()
                  if key not in _ANNOTATIONS and key not in {"then", "else"}]
        checks = [check for check in checks if check is not None]
        if len(checks) == 1:
            return checks[0]
        return lambda value: all(check(value) for check in checks)

    def _keyword(self, key: str, value: Any, schema: dict[str, Any]) -> Check | None:
        if key in _SELF_CONTAINED:
            return _self_contained(key, value)
        builder = _BUILDERS.get(key)
        if builder is None:
            raise UnsupportedSchema(f"keyword {key!r} is not compiled")
        return builder(self, value, schema)

    def reference(self, ref: Any, schema: dict[str, Any]) -> Check:
        """A ``#/$defs/name`` reference, compiled on first use (so recursion terminates)."""
        name = ref.removeprefix("#/$defs/") if isinstance(ref, str) else None
        if name not in self.defs or not ref.startswith("#/$defs/"):
            raise UnsupportedSchema(f"reference {ref!r} is not to a local definition")
        if name not in self.compiled_defs:
            self.compiled_defs[name] = lambda value: self.compiled_defs[name](value)
            self.compiled_defs[name] = self.compile(self.defs[name])
        return self.compiled_defs[name]


def _self_contained(key: str, value: Any) -> Check:
    """jsonschema's own check of one keyword, with shortcuts for lists of strings."""
    if key == "enum" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        allowed = frozenset(value)  # jsonschema compares a string to anything with ==
        return lambda instance: isinstance(instance, str) and instance in allowed
    if key == "uniqueItems" and value is True:
        alone = Draft202012Validator({key: value})

        def unique(instance: Any) -> bool:
            if isinstance(instance, list) and all(isinstance(v, str) for v in instance):
                return len(set(instance)) == len(instance)
            return alone.is_valid(instance)
        return unique
    return Draft202012Validator({key: value}).is_valid


def _type(compiler: _Compiler, value: Any, schema: dict[str, Any]) -> Check:
    names = value if isinstance(value, list) else [value]
    if any(name not in _TYPES for name in names):
        raise UnsupportedSchema(f"type {value!r}")
    tests = [_TYPES[name] for name in names]
    return tests[0] if len(tests) == 1 else lambda instance: any(t(instance) for t in tests)


def _only_for(kind: type, test: Check) -> Check:
    """``test`` for values of ``kind``; jsonschema passes a keyword on any other type."""
    return lambda instance: not isinstance(instance, kind) or test(instance)


def _pattern(compiler: _Compiler, value: Any, schema: dict[str, Any]) -> Check:
    search = re.compile(value).search  # jsonschema: re.search(pattern, instance)
    return _only_for(str, lambda instance: search(instance) is not None)


def _min_length(compiler: _Compiler, value: Any, schema: dict[str, Any]) -> Check:
    return _only_for(str, lambda instance: len(instance) >= value)


def _max_length(compiler: _Compiler, value: Any, schema: dict[str, Any]) -> Check:
    return _only_for(str, lambda instance: len(instance) <= value)


def _min_items(compiler: _Compiler, value: Any, schema: dict[str, Any]) -> Check:
    return _only_for(list, lambda instance: len(instance) >= value)


def _max_items(compiler: _Compiler, value: Any, schema: dict[str, Any]) -> Check:
    return _only_for(list, lambda instance: len(instance) <= value)


def _items(compiler: _Compiler, value: Any, schema: dict[str, Any]) -> Check:
    if "prefixItems" in schema:
        raise UnsupportedSchema("prefixItems")
    item = compiler.compile(value)
    return _only_for(list, lambda instance: all(item(element) for element in instance))


def _properties(compiler: _Compiler, value: Any, schema: dict[str, Any]) -> Check:
    known = [(name, compiler.compile(sub)) for name, sub in value.items()]
    return _only_for(dict, lambda instance: all(check(instance[name]) for name, check in known
                                                if name in instance))


def _additional(compiler: _Compiler, value: Any, schema: dict[str, Any]) -> Check:
    if "patternProperties" in schema:
        raise UnsupportedSchema("patternProperties")
    named = frozenset(schema.get("properties", {}))
    extra = compiler.compile(value)
    return _only_for(dict, lambda instance: all(extra(instance[key]) for key in instance
                                                if key not in named))


def _required(compiler: _Compiler, value: Any, schema: dict[str, Any]) -> Check:
    return _only_for(dict, lambda instance: all(name in instance for name in value))


def _dependent_required(compiler: _Compiler, value: Any, schema: dict[str, Any]) -> Check:
    pairs = list(value.items())
    return _only_for(dict, lambda instance: all(
        all(needed in instance for needed in dependency)
        for name, dependency in pairs if name in instance))


def _all_of(compiler: _Compiler, value: Any, schema: dict[str, Any]) -> Check:
    parts = [compiler.compile(sub) for sub in value]
    return lambda instance: all(part(instance) for part in parts)


def _any_of(compiler: _Compiler, value: Any, schema: dict[str, Any]) -> Check:
    parts = [compiler.compile(sub) for sub in value]
    return lambda instance: any(part(instance) for part in parts)


def _one_of(compiler: _Compiler, value: Any, schema: dict[str, Any]) -> Check:
    parts = [compiler.compile(sub) for sub in value]
    return lambda instance: sum(1 for part in parts if part(instance)) == 1


def _not(compiler: _Compiler, value: Any, schema: dict[str, Any]) -> Check:
    part = compiler.compile(value)
    return lambda instance: not part(instance)


def _if(compiler: _Compiler, value: Any, schema: dict[str, Any]) -> Check:
    condition = compiler.compile(value)
    then = compiler.compile(schema.get("then", True))
    otherwise = compiler.compile(schema.get("else", True))
    return lambda instance: then(instance) if condition(instance) else otherwise(instance)


def _ref(compiler: _Compiler, value: Any, schema: dict[str, Any]) -> Check:
    return compiler.reference(value, schema)


_BUILDERS: dict[str, Callable[[_Compiler, Any, dict[str, Any]], Check | None]] = {
    "type": _type, "pattern": _pattern, "minLength": _min_length, "maxLength": _max_length,
    "minItems": _min_items, "maxItems": _max_items, "items": _items,
    "properties": _properties, "additionalProperties": _additional, "required": _required,
    "dependentRequired": _dependent_required, "allOf": _all_of, "anyOf": _any_of,
    "oneOf": _one_of, "not": _not, "if": _if, "$ref": _ref,
}
