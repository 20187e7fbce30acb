"""Read YAML so that every value can be traced back to its line, for admin-friendly errors."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml

REFERENCES_REFUSED = ("anchors (&name) and aliases (*name) are not allowed in knowledge base "
                      "files; write the value out in full")
UNQUOTED_STAR = ("'*' starts an alias, and aliases are not allowed in knowledge base files; "
                 "put text that starts with '*' in quotes")
# '&' then an anchor name character: "R&D" or "Q&A" match too, and are ruled out by the
# letter or digit before them (an anchor never follows one).
_AMPERSAND = re.compile(r"&[^\s\[\]{},]")


def _loader_class(base: type) -> type:
    """A loader on ``base`` that keeps dates as strings and reports duplicate keys."""
    loader = type(f"_{base.__name__}", (base,), {"construct_object": _construct_object})
    # Dates stay plain strings ("2026-11-26"): the schema checks their shape and the
    # validator their calendar sense, and JSON-shaped data is all the rest of the code sees.
    loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers
                if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    return loader


def _construct_object(loader: Any, node: yaml.Node, deep: bool = False) -> Any:
    """PyYAML's, but a value its constructor cannot make (``!!int nope``, ``!!timestamp x``)
    is a marked error at the value's line, like any other, never a bare ValueError."""
    try:
        return yaml.constructor.BaseConstructor.construct_object(loader, node, deep=deep)
    except yaml.MarkedYAMLError:
        raise
    except (ValueError, TypeError, AttributeError, OverflowError) as error:
        tag = node.tag.rsplit(":", 1)[-1]
        raise yaml.constructor.ConstructorError(
            None, None, f"cannot read this value as {tag} (remove the '!!{tag}' before it, "
            "or put the value in quotes)", node.start_mark) from error


def _construct_mapping(loader: Any, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise yaml.constructor.ConstructorError(
                None, None, "a list or a set of fields cannot be a field name (a line "
                "starting with '? ' or '[' before ':' must be text in quotes)",
                key_node.start_mark)
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            loader.duplicate_keys.append((str(key), key_node.start_mark.line + 1))
        seen.add(key)
    return yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep=deep)


_PURE_LOADER = _loader_class(yaml.SafeLoader)
# libyaml's parser (when PyYAML was built with it) composes the same nodes, with the same
# line marks, about ten times faster; construction stays in Python, so data is identical.
_LOADER = _loader_class(yaml.CSafeLoader) if yaml.__with_libyaml__ else _PURE_LOADER


class YamlSyntaxError(ValueError):
    """The file is not YAML the knowledge base accepts; ``line`` is 1-based."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class YamlDocument:
    """Parsed data plus the node tree, so a path into the data maps to a line."""

    data: Any
    root: yaml.Node | None
    duplicate_keys: list[tuple[str, int]]

    def line_of(self, path: Iterable[str | int], key: str | None = None) -> int:
        """1-based line of the value at ``path`` (or of ``key`` inside it); 1 if unknown."""
        node = self.root
        line = 1
        for step in path:
            child = _child(node, step)
            if child is None:
                break
            node = child
            line = node.start_mark.line + 1
        if key is not None and isinstance(node, yaml.MappingNode):
            for key_node, _ in node.value:
                if key_node.value == key:
                    return key_node.start_mark.line + 1
        if node is not None and line == 1:
            line = node.start_mark.line + 1
        return line


def _child(node: yaml.Node | None, step: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        return next((value for key, value in node.value if key.value == step), None)
    if isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
        return node.value[step]
    return None


def parse_yaml(text: str, pure_python: bool = False) -> YamlDocument:
    """Parse one YAML document; raise YamlSyntaxError with a line number on bad syntax.

    ``pure_python`` uses PyYAML's own parser even when libyaml is available.
    """
    loader_class = _PURE_LOADER if pure_python else _LOADER
    loader = None
    try:
        _refuse_references(text, loader_class)
        # The pure-Python reader rejects unprintable characters as soon as it is built.
        loader = loader_class(text)
        loader.duplicate_keys = []
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        problem = error.problem or str(error)
        if _is_alias_problem(error):
            raise YamlSyntaxError(UNQUOTED_STAR, line) from error
        hint, line = _hint(error, line, text)
        raise YamlSyntaxError(f"YAML syntax error: {problem}{hint}", line) from error
    except yaml.YAMLError as error:
        raise YamlSyntaxError(f"YAML error: {error}", 1) from error
    finally:
        if loader is not None:
            loader.dispose()
    return YamlDocument(data=data, root=root, duplicate_keys=loader.duplicate_keys)


def _hint(error: yaml.MarkedYAMLError, line: int, text: str) -> tuple[str, int]:
    """What an admin can do about a syntax error, and the line to look at."""
    problem, context = error.problem or "", error.context or ""
    opened = error.context_mark.line + 1 if error.context_mark else line
    mark = error.problem_mark
    lines = text.splitlines()
    at = (lines[mark.line][mark.column:mark.column + 1]
          if mark and mark.line < len(lines) else "")
    if "'\\t'" in problem or "tab character" in problem or (
            at == "\t" and "cannot start any token" in problem):
        return " (a tab character: indent with spaces only, two for each level)", line
    if context.startswith("while scanning a") and "quoted scalar" in context and (
            "end of stream" in problem or "document" in problem):
        return (f" (a quote opened on line {opened} is never closed: add the closing quote)",
                opened)
    if at in ("@", "`") and "cannot start any token" in problem:
        return f" (a value cannot start with {at}: put the whole text in double quotes)", line
    if "unknown escape character" in problem:
        return (" (inside double quotes a backslash starts an escape: write \\\\ for one "
                "backslash, or use single quotes)", line)
    if "could not determine a constructor for the tag" in problem:
        return (" (a value starting with '!' is read as a YAML tag: put the whole text in "
                "double quotes)", line)
    if problem.startswith("mapping values are not allowed"):
        return (" (a text with ': ' in it must be in double quotes, or this line is indented "
                "further than the one above it)", line)
    if problem.startswith(("expected <block end>", "did not find expected")):
        return (" (this line, or the one just above it, is not lined up with the lines around "
                "it: each level is indented "
                "two spaces, and items of one list start in the same column; a text starting "
                "with a quote must end with the same quote)", line)
    return "", line


def _is_alias_problem(error: yaml.MarkedYAMLError) -> bool:
    """An alias with no anchor before it, or a bad one: usually text starting with '*'."""
    return (error.context == "while scanning an alias"
            or (error.problem or "").startswith("found undefined alias"))


def might_have_anchor(text: str) -> bool:
    """False only when ``text`` surely has no YAML anchor (so no alias can resolve)."""
    return any(match.start() == 0 or not text[match.start() - 1].isalnum()
               for match in _AMPERSAND.finditer(text))


def _refuse_references(text: str, loader_class: type) -> None:
    """Raise YamlSyntaxError at the first anchor or alias, before any node is built.

    Aliases let a 1 KB file expand to millions of values (a "billion laughs"), so they are
    refused while still parser events. Scanning events costs a third of a parse, so only
    text with something that could be an anchor is scanned; without an anchor, an alias
    is an undefined one, which composing reports.
    """
    if not might_have_anchor(text):
        return
    scanner = loader_class(text)
    try:
        while scanner.check_event():
            event = scanner.get_event()
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise YamlSyntaxError(REFERENCES_REFUSED, event.start_mark.line + 1)
    finally:
        scanner.dispose()
