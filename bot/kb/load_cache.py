"""The validated load of a knowledge base kept on disk, so a restart need not validate again.

Parsing, validating and checking 10,000 phrasings takes most of a second; reading back what
they produced takes a few hundredths. What is kept is each file's parsed data, the line of
each top-level list item (what building the model reads), the problems found (warnings
only: a knowledge base with errors is never kept) and the entries' English texts as
``normalise`` leaves them, which the search index would otherwise compute again (a third of
its build). It is served only under a key made of the SHA-256 of every file's bytes, their
names, the directory, today's date (stale-review warnings depend on it) and the version of
the code and libraries that load, so an edited file or changed code is loaded in full
again. JSON only; written to a temporary file and renamed; a missing, damaged or mismatched
file is ignored and replaced by the next write. ``kb check`` never uses it: it always
validates in full.
"""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from bot.base.files import write_atomically
from bot.base.normalise import normalised_text
from bot.kb.model import KnowledgeBase, Organisation
from bot.kb.problems import LoadedFile, Problem
from bot.kb.yamlsource import YamlDocument

logger = logging.getLogger(__name__)

CACHE_FILE = "knowledge-load.json"
CACHE_FORMAT = 1  # raise when what is stored changes shape

# The normalised texts of the last load served from the cache, until the search index built
# next has read them (bot.matching.index empties this, as it empties normalised_text's cache).
_kept_normalised: dict[str, str] = {}


def kept_normalised(text: str) -> str | None:
    """``normalised_text(text)`` as kept with the last load served from the cache, if kept."""
    return _kept_normalised.get(text)


def forget_kept_normalised() -> None:
    """Drop the kept normalised texts: the index that needed them is built."""
    _kept_normalised.clear()


@dataclass
class StoredDocument(YamlDocument):
    """A file's data read back from the cache, with the lines of its top-level list items."""

    lines: dict[str, list[int]] = field(default_factory=dict)

    def line_of(self, path: Iterable[str | int], key: str | None = None) -> int:
        """The line of the top-level list item ``path`` starts with (1 if unknown): the only
        lines building the model asks for."""
        steps = list(path)[:2]
        if len(steps) == 2 and isinstance(steps[1], int):
            found = self.lines.get(str(steps[0]), [])
            if 0 <= steps[1] < len(found):
                return found[steps[1]]
        return 1


def _code_files() -> list[Path]:
    """The sources whose behaviour a kept load depends on: bot.kb (with its schemas) and
    bot.base (normalising and tokenising, paths as displayed)."""
    kb = Path(__file__).resolve().parent
    found = [*kb.glob("*.py"), *kb.glob("schemas/*.json"), *kb.parent.joinpath("base").glob("*.py")]
    return sorted(found)


def code_version(files: Sequence[Path] | None = None) -> str:
    """A digest of the loading code's bytes (``files``, by default the installed sources)
    and of the libraries and Unicode data it uses."""
    return _digest_of_code(files) if files is not None else _installed_code_version()


@cache
def _installed_code_version() -> str:
    """The installed code's version, read once: its files do not change under a running
    process, and the cache serves the next one."""
    return _digest_of_code(_code_files())


def _digest_of_code(files: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for name in ("PyYAML", "jsonschema"):
        digest.update(f"{name}={metadata.version(name)};".encode())
    digest.update(f"libyaml={yaml.__with_libyaml__};python={platform.python_version()};"
                  f"unicode={unicodedata.unidata_version};format={CACHE_FORMAT};".encode())
    for path in files:
        digest.update(path.name.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def cache_key(root: str, sources: Iterable[tuple[str, str]], today: str) -> str:
    """The key of one load: the directory, each (display name, SHA-256 of bytes), the day
    and the code version."""
    text = json.dumps([CACHE_FORMAT, code_version(), root, today, list(sources)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def key_of(root: str, files: Sequence[LoadedFile], today: str) -> str:
    """``cache_key`` of files just loaded, from the very bytes that were validated."""
    return cache_key(root, [(loaded.display, loaded.digest) for loaded in files], today)


@dataclass(frozen=True)
class StoredLoad:
    """What the cache held under a key: each file's kind, data and lines, and the problems."""

    files: list[tuple[str, Any, dict[str, list[int]]]]
    problems: list[Problem]
    normalised: dict[str, str]

    def offer_normalised(self) -> None:
        """Make the kept normalised texts available to the index built next."""
        _kept_normalised.update(self.normalised)


class LoadCache:
    """One JSON file in ``directory`` holding the last validated load."""

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / CACHE_FILE

    def read(self, key: str, file_count: int) -> StoredLoad | None:
        """The load stored under ``key`` for ``file_count`` files, or None if there is none
        fit to use."""
        try:
            stored = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            logger.warning("ignoring the damaged knowledge cache %s: %s", self.path, error)
            return None
        if not isinstance(stored, dict) or stored.get("key") != key:
            return None
        load = _stored_load(stored, file_count)
        if load is None:
            logger.warning("ignoring the knowledge cache %s: not in the expected shape",
                           self.path)
        return load

    def write(self, key: str, files: Sequence[LoadedFile], problems: Sequence[Problem],
              knowledge: KnowledgeBase) -> None:
        """Keep a load that had no errors, atomically; a failure is logged, not raised."""
        stored = {"format": CACHE_FORMAT, "key": key,
                  "problems": [[p.file, p.line, p.message, p.severity] for p in problems],
                  "files": [{"kind": f.kind, "data": f.doc.data, "lines": _item_lines(f.doc)}
                            for f in files],
                  "normalised": {text: normalised_text(text) for text in _index_texts(knowledge)}}
        try:
            text = json.dumps(stored, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as error:  # not JSON-shaped: load in full next time
            logger.warning("not keeping the knowledge cache: %s", error)
            return
        if json.loads(text)["files"] != stored["files"]:
            logger.warning("not keeping the knowledge cache: its data does not survive JSON")
            return
        self._replace(text.encode("utf-8"))

    def _replace(self, content: bytes) -> None:
        """Write ``content`` to a temporary file, then rename it over the cache file."""
        try:
            write_atomically(self.path, lambda file: file.write(content), ".knowledge-")
        except OSError as error:
            logger.warning("could not write the knowledge cache %s: %s", self.path, error)


def _index_texts(knowledge: KnowledgeBase) -> dict[str, None]:
    """The English texts the search index normalises (index._entry_texts): titles, an
    organisation's names and aliases, phrasings, keywords. One it reads but is not listed
    here is normalised by the index as before, only more slowly."""
    found: dict[str, None] = {}
    for entry in knowledge.entries():
        names = [*entry.title.by_lang.items()]
        if isinstance(entry, Organisation):
            names += [*entry.name.by_lang.items(), *(("en", alias) for alias in entry.aliases)]
        found.update(dict.fromkeys(text for lang, text in names if lang != "cy"))
        found.update(dict.fromkeys((*entry.phrasings, *entry.keywords)))
    return found


def _item_lines(doc: YamlDocument) -> dict[str, list[int]]:
    """The line of every item of each top-level list of a parsed file."""
    return {key: [doc.line_of([key, index]) for index in range(len(value))]
            for key, value in doc.data.items() if isinstance(value, list)}


def _stored_load(stored: dict[str, Any], file_count: int) -> StoredLoad | None:
    """The cache file's content checked for shape, or None."""
    files, problems = stored.get("files"), stored.get("problems")
    normalised = stored.get("normalised")
    if (stored.get("format") != CACHE_FORMAT or not isinstance(files, list)
            or len(files) != file_count or not isinstance(problems, list)
            or not isinstance(normalised, dict)
            or not all(isinstance(value, str) for value in normalised.values())):
        return None
    kept = []
    for item in files:
        if not (isinstance(item, dict) and isinstance(item.get("kind"), str)
                and isinstance(item.get("data"), dict) and _are_lines(item.get("lines"))):
            return None
        kept.append((item["kind"], item["data"], item["lines"]))
    if not all(_is_problem(p) for p in problems):
        return None
    return StoredLoad(kept, [Problem(*p) for p in problems], normalised)


def _are_lines(lines: Any) -> bool:
    return isinstance(lines, dict) and all(
        isinstance(found, list) and all(type(line) is int for line in found)
        for found in lines.values())


def _is_problem(problem: Any) -> bool:
    return (isinstance(problem, list) and len(problem) == 4 and isinstance(problem[0], str)
            and type(problem[1]) is int and isinstance(problem[2], str)
            and problem[3] == "warning")  # a load with an error is never kept
