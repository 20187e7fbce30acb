"""The knowledge snapshot: one loaded knowledge base and what is built from it.

A reload builds a new snapshot and swaps it in whole, or keeps the last good one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from bot.core.engine import Engine
from bot.core.user import now_iso
from bot.kb.loader import KnowledgeError, Problem, check_knowledge
from bot.kb.model import KnowledgeBase
from bot.matching import Matcher, MatcherConfig


@dataclass(frozen=True)
class Snapshot:
    """One loaded knowledge base and everything built from it; replaced whole on reload."""

    knowledge: KnowledgeBase
    matcher: Matcher
    engine: Engine
    loaded_at: str


@dataclass(frozen=True)
class ReloadResult:
    """What a reload attempt found."""

    ok: bool
    version: str
    problems: tuple[Problem, ...]
    # checklist items the old version had and the new one does not, as "stage / item (text)":
    # users' ticks for them are kept, but an admin should know an edit took them away
    removed_items: tuple[str, ...] = ()


def removed_checklist_items(old: KnowledgeBase, new: KnowledgeBase) -> tuple[str, ...]:
    """The checklist items of ``old`` that ``new`` no longer has, a whole stage's included."""
    removed = []
    for stage in old.stages:
        kept = new.stage(stage.id)
        for item in stage.checklist:
            if kept is None or kept.item(item.id) is None:
                removed.append(f"{stage.id} / {item.id} ({item.text.get('en')})")
    return tuple(removed)


class KnowledgeHolder:
    """Holds the current knowledge snapshot; a reload swaps it atomically or not at all."""

    def __init__(self, directory: str | Path, config: MatcherConfig | None = None,
                 cache_dir: Path | None = None) -> None:
        """``cache_dir``: where the validated load is kept between start-ups and reloads
        (bot/kb/load_cache.py: served again only for the very same files, code and day),
        and the entries' embeddings (bot/matching/semantic.py, keyed by their texts); None
        validates and embeds in full every time."""
        self.directory = Path(directory)
        self.config = config
        self.cache_dir = cache_dir
        self._lock = threading.Lock()
        self.last_reload: ReloadResult | None = None
        result = check_knowledge(self.directory, cache_dir=cache_dir)
        if result.knowledge is None:
            raise KnowledgeError(result.errors)
        self._current = self._build(result.knowledge)

    def _build(self, knowledge: KnowledgeBase) -> Snapshot:
        matcher = Matcher(knowledge, self.config, cache_dir=self.cache_dir)
        return Snapshot(knowledge, matcher, Engine(knowledge, matcher), now_iso())

    @property
    def current(self) -> Snapshot:
        """The snapshot to use for one whole request."""
        return self._current

    def reload(self) -> ReloadResult:
        """Load the files again; keep serving the last good version if they have errors."""
        with self._lock:
            result = check_knowledge(self.directory, cache_dir=self.cache_dir)
            if result.knowledge is None:
                outcome = ReloadResult(False, self._current.knowledge.version,
                                       tuple(result.problems))
            else:
                removed = removed_checklist_items(self._current.knowledge, result.knowledge)
                self._current = self._build(result.knowledge)
                outcome = ReloadResult(True, result.knowledge.version, tuple(result.problems),
                                       removed)
            self.last_reload = outcome
            return outcome
