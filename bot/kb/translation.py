"""The knowledge base's Welsh as a gettext file for a translation service, and back.

Translation services and their tools take gettext (.po) files, not YAML. ``export_welsh``
writes each user-facing text of the knowledge base as one entry: ``msgctxt`` says where the
text is (``topics/ethics-approval/answer``), ``msgid`` is the English and ``msgstr`` the
Welsh so far; a draft nobody has reviewed is flagged ``fuzzy``, as the code's catalogue
does (bot/core/catalogue.py). A translator corrects the Welsh and clears the flag.

``import_welsh`` puts the file's Welsh back into the YAML: an entry no longer fuzzy becomes
``cy: <the Welsh>`` with ``cy_reviewed: true``; one still fuzzy whose Welsh changed is saved
as a draft (``cy_reviewed: false``). Only those values change in the files: comments,
order, quoting and every other line stay as the team wrote them. Nothing is written unless
the whole knowledge base, with every change, passes ``kb check`` and each changed text reads
back exactly as imported; a text whose English changed since the export is left alone and
listed, since its translation is of words that are no longer there.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, read_po, unescape, write_po

from bot.base.paths import display_path
from bot.kb.loader import check_knowledge, knowledge_paths
from bot.kb.problems import Problem
from bot.kb.yamlsource import YamlSyntaxError, parse_yaml

ENTRY_KINDS = ("stages", "organisations", "topics", "guidance", "signposts")
# The fields of an entry a user reads, as the builder (build.py) makes them Texts; a list
# field holds one text an item, and a checklist item holds two.
TEXT_FIELDS = ("title", "name", "summary", "answer", "serves", "contact", "signs",
               "next_steps")
CHECKLIST_TEXTS = ("text", "help")
WIDTH = 96  # the column folded Welsh is wrapped at, about as the team's files are
PO_HEADER = """\
# Welsh (Cymraeg) for the texts of Pathway's knowledge base (knowledge/*.yaml).
# Each entry is one text: msgctxt says where it is, msgid is the English, msgstr the Welsh.
# "fuzzy" marks Welsh nobody has reviewed yet: correct it and clear the flag, and it is
# imported as reviewed. Keep every web address, the bullets, the line breaks and *bold*;
# the comments name the terms of knowledge/glossary.yaml that the English uses.
# Put it back with: python run_bot.py kb import-welsh FILE (docs/translating.md)
#"""


class TranslationError(ValueError):
    """A file that cannot be exported or imported, said so a person can act on it."""


@dataclass(frozen=True)
class _Found:
    """One text in a YAML file: where it is, its English and Welsh, and its nodes."""

    key: str  # msgctxt: kind/entry-id/field[/item]
    file: Path
    line: int
    english: str
    welsh: str | None
    reviewed: bool
    title: str  # the entry's English title, for the translator's context
    node: yaml.Node  # the text's value: a scalar (English only) or a {en, cy} mapping
    owner: yaml.Node | None  # the mapping or sequence holding it (None: the document)
    key_node: yaml.ScalarNode | None  # its key in ``owner``, when that is a mapping


@dataclass
class ImportReport:
    """What ``import_welsh`` did, or (dry run) would do."""

    reviewed: list[str] = field(default_factory=list)  # keys now cy_reviewed: true
    drafts: list[str] = field(default_factory=list)  # keys whose draft Welsh changed
    unchanged: int = 0
    untranslated: int = 0  # entries with no Welsh in the file
    stale: list[str] = field(default_factory=list)  # the English changed since the export
    unknown: list[str] = field(default_factory=list)  # no such text any more
    twice: list[str] = field(default_factory=list)  # in the file more than once: not used
    skipped: int = 0  # entries with no msgctxt, or plural ones
    files: list[str] = field(default_factory=list)  # files written (or to be written)
    warnings: list[Problem] = field(default_factory=list)  # kb check's, on changed files

    @property
    def changed(self) -> int:
        return len(self.reviewed) + len(self.drafts)

    def lines(self, written: bool) -> list[str]:
        """The summary the command prints."""
        done = "imported" if written else "would import"
        lines = [f"{done}: {len(self.reviewed)} reviewed, {len(self.drafts)} drafts updated, "
                 f"{self.unchanged} unchanged, {self.untranslated} without Welsh"]
        if self.files:
            lines.append(("changed: " if written else "would change: ") + ", ".join(self.files))
        for key in self.stale:
            lines.append(f"not imported, the English has changed since the export: {key} "
                         "(export again and translate the new English)")
        for key in self.unknown:
            lines.append(f"not imported, no such text in the knowledge base: {key} "
                         "(removed or renamed since the export)")
        for key in self.twice:
            lines.append(f"not imported, in the file more than once: {key} (keep one)")
        if self.skipped:
            lines.append(f"not imported: {self.skipped} entries without msgctxt, which says "
                         "where a text goes (ask the service to keep msgctxt) or with plurals")
        lines += [str(problem) for problem in self.warnings]
        return lines


def export_welsh(directory: Path, everything: bool = False,
                 today: dt.date | None = None) -> Catalog:
    """The knowledge base's texts as a Welsh catalogue: those whose Welsh is missing or not
    yet reviewed, or (``everything``) all of them. Raises TranslationError if the knowledge
    base has errors: a translation of a broken file could not be put back."""
    version = _refuse_broken(directory)
    catalog = Catalog(locale="cy", project="Pathway knowledge base", header_comment=PO_HEADER,
                      version=version, creation_date=_now(today), revision_date=_now(today),
                      last_translator="see the fuzzy flags", language_team="Welsh (Cymraeg)",
                      msgid_bugs_address="see docs/translating.md", fuzzy=False)
    glossary = _glossary(directory)
    for found in _texts(directory):
        if not everything and found.reviewed:
            continue
        terms = [f"{term['en']}: {term['cy']}" for term in glossary
                 if _mentions(found.english, term["en"])]
        comments = [f"In: {found.title}"] if found.title else []
        if terms:
            comments.append("Glossary: " + "; ".join(terms))
        catalog[found.english] = Message(
            found.english, found.welsh or "", context=found.key,
            locations=[(_relative(found.file, directory), found.line)],
            flags={"fuzzy"} if found.welsh and not found.reviewed else set(),
            auto_comments=comments)
    return catalog


def write_catalog(catalog: Catalog, path: Path) -> None:
    """Write ``catalog`` as a .po file at ``path``."""
    with path.open("wb") as out:
        write_po(out, catalog, width=0, sort_output=False, include_previous=False)


def import_welsh(directory: Path, po_file: Path, write: bool = True) -> ImportReport:
    """Put the Welsh of ``po_file`` into the knowledge base's YAML (see the module's text).

    Raises TranslationError, writing nothing, if the file cannot be read, the knowledge
    base has errors before or would have them after, or a changed text would not read back
    exactly as imported.
    """
    _refuse_broken(directory)
    po = _read_messages(po_file)
    texts = {found.key: found for found in _texts(directory)}
    report = ImportReport(skipped=po.skipped)
    sources: dict[Path, str] = {}  # each file's text, read once
    edits: dict[Path, list[tuple[int, int, str]]] = {}
    expected: dict[Path, dict[str, tuple[str, bool]]] = {}
    seen: set[str] = set()
    for message in po.messages:
        key = message.context
        if key in po.twice:
            if key not in seen:
                report.twice.append(key)
            seen.add(key)
            continue
        found = texts.get(key)
        if found is None:
            report.unknown.append(key)
            continue
        welsh = _clean(message.string)
        if not welsh:
            report.untranslated += 1
            continue
        if _clean(message.id) != found.english:
            report.stale.append(key)
            continue
        reviewed = not message.fuzzy
        if welsh == found.welsh and reviewed == found.reviewed:
            report.unchanged += 1
            continue
        if not reviewed and welsh == found.welsh:
            report.unchanged += 1  # a draft sent back unread: it stays as it was
            continue
        (report.reviewed if reviewed else report.drafts).append(key)
        if found.file not in sources:
            sources[found.file] = _editable(found.file)
        text = sources[found.file]
        if welsh == found.welsh:  # approved as written: only the flag changes
            assert isinstance(found.node, yaml.MappingNode)  # it has Welsh, so {en, cy}
            change = [_flag_edit(found.node, text, reviewed)]
        else:
            change = _edits_for(found, text, welsh, reviewed)
        edits.setdefault(found.file, []).extend(change)
        expected.setdefault(found.file, {})[key] = (welsh, reviewed)
    if not edits:
        return report
    changed = {path: _applied(sources[path], path_edits) for path, path_edits in edits.items()}
    for path, text in changed.items():
        _read_back(path, text, expected[path], directory)
    report.files = [display_path(path) for path in changed]
    report.warnings = _checked_with(directory, changed)
    if write:
        for path, text in changed.items():
            _replace(path, text)
    return report


# --- finding the texts


def _texts(directory: Path) -> Iterator[_Found]:
    """Every user-facing text of the knowledge base's entries, in file order."""
    for path in knowledge_paths(directory, []):
        yield from _document_texts(path, _parse(path))


def _document_texts(path: Path, document: Any) -> Iterator[_Found]:
    """Every user-facing text of one parsed file's entries."""
    if not isinstance(document.root, yaml.MappingNode):
        return
    for key_node, value in document.root.value:
        if key_node.value in ENTRY_KINDS and isinstance(value, yaml.SequenceNode):
            for entry in value.value:
                if isinstance(entry, yaml.MappingNode):
                    yield from _entry_texts(path, key_node.value, entry)


def _entry_texts(path: Path, kind: str, entry: yaml.MappingNode) -> Iterator[_Found]:
    fields = _mapping(entry)
    entry_id = _scalar(fields.get("id", (None, None))[1]) or "?"
    title_node = (fields.get("title") or fields.get("name") or (None, None))[1]
    title = _english(title_node) or ""
    base = f"{kind}/{entry_id}"
    for name in TEXT_FIELDS:
        if name not in fields:
            continue
        key_node, value = fields[name]
        if isinstance(value, yaml.SequenceNode):
            for place, item in enumerate(value.value, start=1):
                yield from _text(path, f"{base}/{name}/{place}", title, item, value, None)
        else:
            yield from _text(path, f"{base}/{name}", title, value, entry, key_node)
    checklist = fields.get("checklist", (None, None))[1]
    if isinstance(checklist, yaml.SequenceNode):
        for place, item in enumerate(checklist.value, start=1):
            if not isinstance(item, yaml.MappingNode):
                continue
            parts = _mapping(item)
            item_id = _scalar(parts.get("id", (None, None))[1]) or str(place)
            for name in CHECKLIST_TEXTS:
                if name in parts:
                    key_node, value = parts[name]
                    yield from _text(path, f"{base}/checklist/{item_id}/{name}", title,
                                     value, item, key_node)


def _text(path: Path, key: str, title: str, node: yaml.Node, owner: yaml.Node,
          key_node: yaml.ScalarNode | None) -> Iterator[_Found]:
    english = _english(node)
    if english is None:
        return
    welsh, reviewed = None, False
    if isinstance(node, yaml.MappingNode):
        values = _mapping(node)
        welsh = _clean(_scalar(values["cy"][1])) if "cy" in values else None
        flag = values.get("cy_reviewed", (None, None))[1]
        # As the loader reads it: YAML's true in any of its spellings, not the text "true".
        reviewed = bool(welsh) and isinstance(flag, yaml.ScalarNode) and flag.tag.endswith(
            ":bool") and yaml.safe_load(flag.value) is True
    yield _Found(key, path, node.start_mark.line + 1, english, welsh or None, reviewed,
                 title, node, owner, key_node)


def _english(node: yaml.Node | None) -> str | None:
    """A text node's English: the scalar itself, or its ``en``."""
    if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":str"):
        return _clean(node.value) or None
    if isinstance(node, yaml.MappingNode):
        english = _mapping(node).get("en")
        return _english(english[1]) if english else None
    return None


def _mapping(node: yaml.MappingNode) -> dict[str, tuple[yaml.ScalarNode, yaml.Node]]:
    return {key.value: (key, value) for key, value in node.value
            if isinstance(key, yaml.ScalarNode)}


def _scalar(node: yaml.Node | None) -> str | None:
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _clean(text: str | None) -> str:
    """A text as the knowledge base reads it: without its surrounding space."""
    return (text or "").strip()


def _glossary(directory: Path) -> list[dict[str, Any]]:
    for path in knowledge_paths(directory, []):
        data = _parse(path).data
        if isinstance(data, dict) and isinstance(data.get("glossary"), list):
            return [term for term in data["glossary"]
                    if isinstance(term, dict) and {"en", "cy"} <= term.keys()]
    return []


def _mentions(english: str, term: str) -> bool:
    """Whether ``english`` uses the glossary term (any word form starting with it)."""
    text, term = f" {english.lower()} ", term.lower().removeprefix("to ")
    return any(f"{before}{term}" in text for before in (" ", "(", "\n", "/"))


# --- editing the files


def _edits_for(found: _Found, text: str, welsh: str, reviewed: bool
               ) -> list[tuple[int, int, str]]:
    """The (start, end, new text) changes to ``text`` that give ``found`` this Welsh."""
    flag = "true" if reviewed else "false"
    node = found.node
    if isinstance(node, yaml.ScalarNode):  # English only, written as a plain text
        return [_as_mapping(found, text, welsh, flag)]
    assert isinstance(node, yaml.MappingNode)
    values = _mapping(node)
    english_key, english = values["en"]
    if "cy" not in values:
        if node.flow_style:  # {en: ...} on one line
            at = english.end_mark.index
            return [(at, at, f", cy: {_quoted(welsh)}, cy_reviewed: {flag}")]
        indent = english_key.start_mark.column
        at = _line_end(text, english.end_mark.index)
        return [(at, at, f"{' ' * indent}cy: {_block(welsh, indent)}\n"
                         f"{' ' * indent}cy_reviewed: {flag}\n")]
    cy_key, cy = values["cy"]
    new = _quoted(welsh) if node.flow_style else _block(welsh, cy_key.start_mark.column)
    value = ((cy.start_mark.index, cy.end_mark.index, new) if node.flow_style
             else _replace_value(text, cy, new))
    return [value, _flag_edit(node, text, reviewed)]


def _flag_edit(node: yaml.MappingNode, text: str, reviewed: bool) -> tuple[int, int, str]:
    """The change to ``text`` that sets a text's ``cy_reviewed``: its value replaced, or the
    key added after ``cy``. Alone, it approves the Welsh as written, which then keeps its
    lines as the team wrapped them."""
    values = _mapping(node)
    flag = "true" if reviewed else "false"
    if "cy_reviewed" in values:
        done = values["cy_reviewed"][1]
        return (done.start_mark.index, done.end_mark.index, flag)
    cy_key, cy = values["cy"]
    if node.flow_style:
        return (cy.end_mark.index, cy.end_mark.index, f", cy_reviewed: {flag}")
    at = _line_end(text, cy.end_mark.index)
    return (at, at, f"{' ' * cy_key.start_mark.column}cy_reviewed: {flag}\n")


def _as_mapping(found: _Found, text: str, welsh: str, flag: str) -> tuple[int, int, str]:
    """A plain English text turned into ``{en, cy, cy_reviewed}`` in place."""
    node = found.node
    if isinstance(found.owner, yaml.SequenceNode):  # "- text": the item's own column
        indent = node.start_mark.column
        first = ""
    else:
        assert found.key_node is not None
        indent = found.key_node.start_mark.column + 2
        first = "\n" + " " * indent
    if getattr(found.owner, "flow_style", False):
        return (node.start_mark.index, node.end_mark.index,
                f"{{en: {_quoted(found.english)}, cy: {_quoted(welsh)}, cy_reviewed: {flag}}}")
    pad = " " * indent
    block = (f"{first}en: {_block(found.english, indent)}\n{pad}cy: {_block(welsh, indent)}\n"
             f"{pad}cy_reviewed: {flag}")
    start, end, new = _replace_value(text, node, block)
    while first and start > 0 and text[start - 1] == " ":  # "title: text": no space left
        start -= 1
    return start, end, new


def _replace_value(text: str, node: yaml.Node, new: str) -> tuple[int, int, str]:
    """Replace a scalar value node, keeping what shares its lines: a comment after it (or
    after a block's ``|`` or ``>-``) goes at the end of the new value's first line, and a
    block scalar's span, which runs to its last line break and the blank lines after it,
    ends the same way."""
    start, end = node.start_mark.index, node.end_mark.index
    old = text[start:end]
    comment = ""
    if old[:1] in ("|", ">"):  # a block's header line: "|" or ">-", then maybe a comment
        header = old.split("\n", 1)[0]
        comment = header[header.index("#"):] if "#" in header else ""
    elif not old.endswith("\n"):
        rest = text[end:].split("\n", 1)[0]
        if rest.strip().startswith("#"):
            comment, end = rest.strip(), end + len(rest)
    if comment:
        cut = new.find("\n")
        cut = len(new) if cut < 0 else cut
        new = f"{new[:cut]}  {comment}{new[cut:]}"
    new = new.rstrip("\n")
    if old.endswith("\n"):
        lines = old.split("\n")[1:-1]  # after the header line, before the last break
        blank = len(lines) - len("\n".join(lines).rstrip().split("\n")) if any(
            line.strip() for line in lines) else 0
        new += "\n" * (1 + blank)
    return start, end, new


def _line_end(text: str, at: int) -> int:
    """Where the line holding position ``at`` ends (after its line break), or ``at`` if it
    already starts a line."""
    if at == 0 or text[at - 1] == "\n":
        return at
    found = text.find("\n", at)
    return len(text) if found < 0 else found + 1


def _block(value: str, indent: int) -> str:
    """``value`` written after ``key: `` at column ``indent``: plain or quoted on the line
    when short, folded (``>-``) when long, literal (``|``) when it has line breaks, and in
    double quotes when none of those reads back as ``value``; no line break after it."""
    for candidate in _styles(value, indent):
        try:
            if _clean(yaml.safe_load(f"{' ' * indent}k: {candidate}\n")["k"]) == value:
                return candidate
        except (yaml.YAMLError, TypeError, KeyError):
            continue
    return _quoted(value)


def _styles(value: str, indent: int) -> Iterator[str]:
    """The ways to write ``value`` that ``_block`` tries, the most readable first."""
    pad = " " * (indent + 2)
    if "\n" in value:
        yield "|\n" + "\n".join(pad + line if line else "" for line in value.split("\n"))
        return
    inline = _inline(value)
    if inline is not None and indent + 4 + len(inline) <= WIDTH:
        yield inline
    lines, line = [], ""
    for word in value.split(" "):
        if line and len(pad) + len(line) + 1 + len(word) > WIDTH:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    yield ">-\n" + "\n".join(pad + line for line in lines)


def _inline(value: str) -> str | None:
    """``value`` as it can stand on one line (plain if it reads back the same, else single
    quoted); None when only a block or double quotes can hold it."""
    if not value.isprintable():
        return None
    for candidate in (value, "'" + value.replace("'", "''") + "'"):
        try:
            if yaml.safe_load(f"k: {candidate}") == {"k": value}:
                return candidate
        except yaml.YAMLError:
            continue
    return None


def _quoted(value: str) -> str:
    """``value`` in double quotes, escaped, for a flow mapping or a fallback."""
    dumped = yaml.safe_dump(value, default_style='"', allow_unicode=True, width=10**9)
    return dumped.removesuffix("\n").removesuffix("\n...")


def _applied(text: str, edits: list[tuple[int, int, str]]) -> str:
    """``text`` with non-overlapping ``edits`` made, last first so positions hold."""
    ordered = sorted(edits, key=lambda edit: (edit[0], edit[1]))
    for (_, end, _), (start, _, _) in itertools.pairwise(ordered):
        if start < end:
            raise TranslationError("two changes overlap in one file; import fewer at once")
    for start, end, new in reversed(ordered):
        text = text[:start] + new + text[end:]
    return text


def _read_back(path: Path, text: str, expected: dict[str, tuple[str, bool]],
               directory: Path) -> None:
    """Raise TranslationError unless each changed text of ``path`` now reads as imported."""
    shown = display_path(path)
    try:
        document = parse_yaml(text, pure_python=True)
    except YamlSyntaxError as error:
        raise TranslationError(f"{shown}: the changed file would not be valid YAML "
                               f"(line {error.line}: {error}); nothing was written") from error
    found = {text.key: text for text in _document_texts(path, document)}
    for key, (welsh, reviewed) in expected.items():
        now = found.get(key)
        if now is None or now.welsh != welsh or now.reviewed != reviewed:
            raise TranslationError(f"{shown}: {key} would not read back as imported; "
                                   "nothing was written. Put this Welsh in by hand.")


def _checked_with(directory: Path, changed: dict[Path, str]) -> list[Problem]:
    """kb check's warnings on the changed files, from a copy of the knowledge base with
    the changes made; raises TranslationError if the copy has errors."""
    with tempfile.TemporaryDirectory(prefix="pathway-kb-") as scratch:
        copy = Path(scratch) / "knowledge"
        shutil.copytree(directory, copy, symlinks=True)
        for path, text in changed.items():
            (copy / path.relative_to(directory)).write_text(text, encoding="utf-8")
        result = check_knowledge(copy)
        shown = {display_path(copy / path.relative_to(directory)): display_path(path)
                 for path in changed}
        problems = [Problem(shown.get(p.file, p.file), p.line, p.message, p.severity)
                    for p in result.problems]
    errors = [problem for problem in problems if problem.severity == "error"]
    if errors:
        raise TranslationError("with these changes the knowledge base would have errors, so "
                               "nothing was written:\n" + "\n".join(map(str, errors)))
    return [problem for problem in problems if problem.file in shown.values()]


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (a reload never reads half a file)."""
    newline = _line_breaks(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline=newline) as out:
            out.write(text)
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- reading


def _source(path: Path) -> str:
    """A file's text with its line breaks read as "\\n" (Windows ones too)."""
    return path.read_text(encoding="utf-8")


def _editable(path: Path) -> str:
    """A file's text to edit: as read, ending with a line break so a key can follow its
    last line (the node positions of ``_source``'s text hold for it)."""
    text = _source(path)
    return text if not text or text.endswith("\n") else text + "\n"


def _line_breaks(path: Path) -> str:
    """The line break the file is written with: "\\r\\n" when it uses Windows ones."""
    return "\r\n" if b"\r\n" in path.read_bytes() else "\n"


def _parse(path: Path) -> Any:
    try:
        return parse_yaml(_source(path), pure_python=True)
    except (OSError, UnicodeDecodeError, YamlSyntaxError) as error:
        raise TranslationError(f"{path}: cannot be read ({error}); run kb check") from error


def _refuse_broken(directory: Path) -> str:
    """The knowledge base's version; raises TranslationError if it has errors."""
    if not directory.is_dir():
        raise TranslationError(f"{directory}: no such knowledge directory")
    result = check_knowledge(directory)
    if result.knowledge is None:
        raise TranslationError("the knowledge base has errors; fix them first (kb check):\n"
                               + "\n".join(str(p) for p in result.errors))
    return result.knowledge.version


@dataclass(frozen=True)
class _PoFile:
    """What the translator's file holds that ``import_welsh`` can use, and what not."""

    messages: list[Message]
    twice: frozenset[str]  # msgctxt given to more than one entry
    skipped: int  # entries without msgctxt, or plural ones: no text of the knowledge base


_MSGCTXT = re.compile(r'^msgctxt\s+"(.*)"\s*$')


def _read_messages(po_file: Path) -> _PoFile:
    try:
        content = po_file.read_bytes()
    except OSError as error:
        raise TranslationError(f"{po_file}: cannot be read ({error.strerror})") from error
    content = content.removeprefix(b"\xef\xbb\xbf")  # a byte-order mark some editors add
    unreadable = f"{po_file}: is not a gettext .po file Pathway can read"
    try:
        catalog = read_po(io.BytesIO(content), abort_invalid=True)
    except (PoFileError, UnicodeDecodeError, ValueError, LookupError) as error:
        raise TranslationError(f"{unreadable} ({error})") from error
    if (catalog.charset or "utf-8").lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise TranslationError(f"{po_file}: is in {catalog.charset}, which cannot hold all of "
                               "Welsh (ŵ, ŷ): ask for it back in UTF-8")
    # Babel merges two entries of one msgctxt and msgid into one, keeping the first's Welsh:
    # count them in the file itself, so neither is imported unseen.
    seen: dict[str, int] = {}
    for line in content.decode("utf-8", errors="replace").splitlines():
        found = _MSGCTXT.match(line)
        if found:
            key = unescape(f'"{found.group(1)}"')
            seen[key] = seen.get(key, 0) + 1
    usable = [message for message in catalog if message.id and message.context
              and isinstance(message.id, str) and isinstance(message.string, str)]
    return _PoFile(usable, frozenset(key for key, count in seen.items() if count > 1),
                   sum(1 for message in catalog if message.id) - len(usable))


def _relative(path: Path, directory: Path) -> str:
    """``path`` as the knowledge directory names it, with forward slashes."""
    try:
        return path.relative_to(directory).as_posix()
    except ValueError:
        return path.as_posix()


def _now(today: dt.date | None) -> dt.datetime:
    day = today or dt.date.today()
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
