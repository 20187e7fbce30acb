"""Load and validate the YAML knowledge base, reporting problems as ``file:line: message``.

Shape is checked by the JSON Schemas in ``schemas/`` (the same files editors use while an
admin types); sense (references, duplicates, dates) is checked by ``checks.py``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.protocols import Validator

from bot.base.memory import cycle_collector_paused
from bot.base.paths import display_path
from bot.kb import checks
from bot.kb.build import build_knowledge_base
from bot.kb.load_cache import LoadCache, StoredDocument, cache_key, key_of
from bot.kb.model import KnowledgeBase
from bot.kb.problems import LoadedFile, Problem
from bot.kb.quick_schema import Check, UnsupportedSchema, compile_check
from bot.kb.schema_errors import describe_schema_error
from bot.kb.yamlsource import YamlDocument, YamlSyntaxError, parse_yaml

# Which schema a file follows is decided by its top-level key.
FILE_KINDS = ("stages", "organisations", "topics", "guidance", "signposts", "examples",
              "vocabulary", "glossary")
YAML_SUFFIXES = frozenset({".yaml", ".yml"})
# The largest generated file at 100,000 phrasings is 0.8 MB; a 50 MB file took 19 s and 1 GB.
MAX_FILE_BYTES = 2_000_000
# 100,000 phrasings are 20 MB in all and load in about 10 s.
MAX_TOTAL_BYTES = 32_000_000


@dataclass
class CheckResult:
    """What checking a knowledge base directory found."""

    knowledge: KnowledgeBase | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """Problems that make the knowledge base unusable."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems worth fixing that do not stop the bot."""
        return [p for p in self.problems if p.severity == "warning"]


class KnowledgeError(Exception):
    """The knowledge base has errors; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@cache
def schema_for(kind: str) -> Validator:
    """The validator for one kind of file, from the packaged JSON Schema."""
    text = resources.files("bot.kb").joinpath("schemas", f"{kind}.schema.json").read_text("utf-8")
    schema = json.loads(text)
    # Following a $ref costs a registry lookup on every value checked, most of validation
    # time for a large file; the definitions are copied in place once instead.
    return Draft202012Validator(_inline_refs(schema, schema.get("$defs", {})))


@cache
def quick_check_for(kind: str) -> Check:
    """A compiled yes/no check agreeing with ``schema_for(kind)``; always "no" (so
    jsonschema decides) for a schema it cannot compile."""
    try:
        return compile_check(schema_for(kind).schema)
    except UnsupportedSchema:
        return lambda data: False


def schema_errors(kind: str, data: Any) -> Iterable[Any]:
    """jsonschema's errors for ``data``, asked only when the quick check finds it invalid."""
    return () if quick_check_for(kind)(data) else schema_for(kind).iter_errors(data)


def _inline_refs(schema: Any, defs: dict[str, Any], inside: tuple[str, ...] = ()) -> Any:
    """``schema`` with every ``{"$ref": "#/$defs/name"}`` replaced by that definition."""
    if isinstance(schema, list):
        return [_inline_refs(item, defs, inside) for item in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    name = ref.removeprefix("#/$defs/") if isinstance(ref, str) else None
    if name in defs and len(schema) == 1 and name not in inside:  # a recursive one stays a $ref
        return _inline_refs(defs[name], defs, (*inside, name))
    return {key: _inline_refs(value, defs, inside) for key, value in schema.items()}


def check_knowledge(directory: str | Path, today: str | None = None,
                    cache_dir: Path | None = None) -> CheckResult:
    """Validate every YAML file under ``directory``; build the knowledge base if error-free.

    ``cache_dir``: where the validated load is kept between start-ups (load_cache.py) and
    served again while no file, no line of the loading code and not the day has changed;
    None (as for ``kb check``) validates in full every time.
    """
    root = Path(directory)
    if not root.is_dir():
        return CheckResult(None, [Problem(str(root), 1, "knowledge base directory not found")])
    today = today or dt.date.today().isoformat()
    cache = LoadCache(cache_dir) if cache_dir is not None else None
    with cycle_collector_paused():
        read: dict[Path, bytes] = {}  # what the cache lookup read, for the full load to reuse
        kept = _cached_check(root, today, cache, read) if cache is not None else None
        if kept is not None:
            return kept
        problems: list[Problem] = []
        files = _read_files(root, problems, read)
        if not any(p.severity == "error" for p in problems):  # a warning is no reason to skip
            checks.check_semantics(files, problems, today=today)
        if any(p.severity == "error" for p in problems):
            return CheckResult(None, problems)
        knowledge = build_knowledge_base(files, _version(files), str(root))
        if cache is not None:
            cache.write(key_of(str(root), files, today), files, problems, knowledge)
        return CheckResult(knowledge, problems)


def load_knowledge(directory: str | Path, cache_dir: Path | None = None) -> KnowledgeBase:
    """Load a knowledge base, raising KnowledgeError listing every error; ``cache_dir`` as
    for ``check_knowledge``."""
    result = check_knowledge(directory, cache_dir=cache_dir)
    if result.knowledge is None:
        raise KnowledgeError(result.errors)
    return result.knowledge


def _cached_check(root: Path, today: str, cache: LoadCache, read: dict[Path, bytes]
                  ) -> CheckResult | None:
    """The result kept for these very files today, rebuilt from the cache; None when the
    files must be loaded in full (changed, unreadable, or nothing fit to use kept). Every
    file's bytes read to look it up are left in ``read``, so a full load reads none twice."""
    listing: list[Problem] = []
    paths = knowledge_paths(root, listing)
    sources = [_digest_of(path, read) for path in paths]
    if listing or not paths or None in sources:
        return None
    displays = [display_path(path) for path in paths]
    stored = cache.read(cache_key(str(root), zip(displays, sources, strict=True), today),
                        len(paths))
    if stored is None:
        return None
    files = [LoadedFile(path, display, kind, StoredDocument(data, None, [], lines), digest)
             for path, display, digest, (kind, data, lines)
             in zip(paths, displays, sources, stored.files, strict=True)]
    try:
        knowledge = build_knowledge_base(files, _version(files), str(root))
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        return None  # data of the right shape on the outside only: load in full instead
    stored.offer_normalised()
    return CheckResult(knowledge, stored.problems)


def _digest_of(path: Path, read: dict[Path, bytes]) -> str | None:
    """SHA-256 of a file's bytes, which are kept in ``read``; None if it cannot be read or
    is over the size cap."""
    try:
        content = read_limited(path)
    except OSError:
        return None
    if content is None:
        return None
    read[path] = content
    return hashlib.sha256(content).hexdigest()


def is_hidden(path: Path, root: Path) -> bool:
    """A name under ``root`` starting with '.': an editor's lock or swap file, macOS's
    ._ copies, a .git folder. Never knowledge, however it ends."""
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def is_yaml_name(path: Path) -> bool:
    """Ends in .yaml or .yml, in any case (Topics.YAML is what some editors save)."""
    return path.suffix.lower() in YAML_SUFFIXES


def _not_read_warning(path: Path) -> Problem | None:
    """A warning for a file that looks meant as knowledge but is not read: topics.yaml.txt
    (an editor added .txt), or topics.yaml.bak and the like."""
    name = path.name.lower()
    for suffix in YAML_SUFFIXES:
        if suffix + "." in name and not is_yaml_name(path):
            return Problem(display_path(path), 1, (
                "is not read: only names ending in .yaml or .yml are. Rename it if it is "
                "meant to be part of the knowledge base, or move it out of the folder"),
                severity="warning")
    return None


def knowledge_paths(root: Path, problems: list[Problem]) -> list[Path]:
    """The .yaml and .yml paths under ``root``, each file once; links leading out are problems.

    A link that stays inside is read once, under its real name when that is listed too.
    Hidden names are skipped; a name like topics.yaml.txt is warned of.
    """
    base = root.resolve()
    chosen: dict[Path, Path] = {}
    for path in sorted(root.rglob("*"), key=lambda p: (p.is_symlink(), p)):
        if is_hidden(path, root):
            continue
        is_yaml = is_yaml_name(path)
        if not (is_yaml or (path.is_symlink() and path.is_dir())):
            warning = _not_read_warning(path)
            if warning is not None and not path.is_dir():
                problems.append(warning)
            continue
        target = Path(os.path.realpath(path))
        if path.is_symlink() and not target.is_relative_to(base):
            problems.append(Problem(display_path(path), 1, (
                f"is a link to {target}, outside the knowledge directory {base}; "
                "move the file into the knowledge directory instead")))
        elif is_yaml:
            chosen.setdefault(target, path)
    return sorted(chosen.values())


def read_limited(path: Path, limit: int = MAX_FILE_BYTES) -> bytes | None:
    """The bytes of a file, or None if it holds more than ``limit``; raises OSError."""
    with path.open("rb") as stream:
        content = stream.read(limit + 1)
    return content if len(content) <= limit else None


def _megabytes(size: int) -> str:
    return f"{math.ceil(size / 100_000) / 10:.1f} MB"  # rounded up: just over never shows equal


def _too_big(size: int | None) -> str:
    big = "over the limit" if size is None else f"{_megabytes(size)}; the limit is"
    return f"file is {big} {_megabytes(MAX_FILE_BYTES)} per file; split it into smaller files"


def _read_files(root: Path, problems: list[Problem], read: dict[Path, bytes] | None = None
                ) -> list[LoadedFile]:
    """Every knowledge file parsed and schema-checked; ``read``: bytes already read this
    load (by the cache lookup), used instead of reading those files again."""
    read = read or {}
    paths = knowledge_paths(root, problems)
    if not paths and not problems:
        problems.append(Problem(display_path(root), 1, "no .yaml files found"))
    sizes = {path: _size(path, problems) for path in paths}
    total = sum(size or 0 for size in sizes.values())
    if total > MAX_TOTAL_BYTES:
        problems.append(Problem(display_path(root), 1, (
            f"the knowledge base files are {_megabytes(total)} together; the limit is "
            f"{_megabytes(MAX_TOTAL_BYTES)}")))
        return []
    files = []
    for path in (path for path, size in sizes.items() if size is not None):
        loaded = _read_one(path, problems, read.get(path))
        if loaded is not None:
            files.append(loaded)
    return files


def _size(path: Path, problems: list[Problem]) -> int | None:
    """The size of a readable regular file within the cap; None (and a problem) otherwise."""
    display = display_path(path)
    try:
        info = path.stat()
    except OSError as error:
        problems.append(Problem(display, 1, f"cannot be read: {error.strerror}"))
        return None
    if stat.S_ISDIR(info.st_mode):
        problem = "is a folder; only files may end in .yaml or .yml, so rename it"
    elif not stat.S_ISREG(info.st_mode):
        problem = "is not a regular file; a knowledge base file must be plain text"
    elif info.st_size > MAX_FILE_BYTES:
        problem = _too_big(info.st_size)
    else:
        return info.st_size
    problems.append(Problem(display, 1, problem))
    return None


def _read_text(path: Path, display: str, problems: list[Problem], content: bytes | None
               ) -> tuple[str, str] | None:
    """The file's text and the SHA-256 of its bytes (``content`` when already read), or None
    with a problem if it cannot be read, is too big or not UTF-8."""
    try:
        if content is None:
            content = read_limited(path)
    except OSError as error:
        problems.append(Problem(display, 1, f"cannot be read: {error.strerror}"))
        return None
    if content is None:  # grew since its size was read
        problems.append(Problem(display, 1, _too_big(None)))
        return None
    try:
        return content.decode("utf-8"), hashlib.sha256(content).hexdigest()
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
        problems.append(Problem(display, line, "file is not UTF-8 text; save it as UTF-8"))
        return None


def _read_one(path: Path, problems: list[Problem], content: bytes | None = None
              ) -> LoadedFile | None:
    display = display_path(path)
    read = _read_text(path, display, problems, content)
    if read is None:
        return None
    text, digest = read
    try:
        doc = parse_yaml(text)
    except YamlSyntaxError as error:
        problems.append(Problem(display, error.line, str(error)))
        return None
    for key, line in doc.duplicate_keys:
        problems.append(Problem(display, line, f"'{key}' appears twice here; the second would win"))
    if not isinstance(doc.data, dict) or len(doc.data.keys() & set(FILE_KINDS)) != 1:
        expected = ", ".join(f"'{k}:'" for k in FILE_KINDS)
        problems.append(Problem(display, 1, f"file must start with exactly one of {expected}"))
        return None
    kind = next(k for k in FILE_KINDS if k in doc.data)
    for error in schema_errors(kind, doc.data):
        problems.append(_schema_problem(display, doc, error))
    return LoadedFile(path=path, display=display, kind=kind, doc=doc, digest=digest)


def _schema_problem(display: str, doc: YamlDocument, error: Any) -> Problem:
    path = list(error.absolute_path)
    key = None
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = error.schema.get("properties", {})
        key = next((k for k in error.instance if k not in allowed), None)
    return Problem(display, doc.line_of(path, key), describe_schema_error(error, doc.data))


def _version(files: list[LoadedFile]) -> str:
    digest = hashlib.sha256()
    for loaded in files:
        digest.update(loaded.path.name.encode())
        digest.update(json.dumps(loaded.doc.data, sort_keys=True).encode())
    return digest.hexdigest()[:12]
