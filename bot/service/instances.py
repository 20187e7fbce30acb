"""This instance among the others serving from one database: heartbeats, reloads, status.

A serving channel (Slack's ``socket`` or ``serve``) calls ``beat`` every few seconds. The
heartbeat says which knowledge base version this instance serves; when an admin on any
instance (or the terminal's ``admin reload``) asked every instance to reload, the next beat
here carries it out and reports the outcome, so the admin's reply can say how each instance
fared. On PostgreSQL a NOTIFY makes the beat happen at once rather than within seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from bot.service.knowledge import KnowledgeHolder, ReloadResult
from bot.store.instances import (
    BEAT_SECONDS,
    LIVE_SECONDS,
    RELOAD_CHANNEL,
    Instance,
    InstanceRegistry,
)

__all__ = ["BEAT_SECONDS", "LIVE_SECONDS", "RELOAD_WAIT_SECONDS", "Instance", "Instances"]

logger = logging.getLogger("pathway.instances")

# How long an admin's reload waits for the other instances to report back. Over SQLite they
# notice within one heartbeat; over PostgreSQL, at once.
RELOAD_WAIT_SECONDS = BEAT_SECONDS + 2.0


class Instances:
    """Heartbeats of this instance, and reload requests to and from the others."""

    POLL_SECONDS = 0.2

    def __init__(self, registry: InstanceRegistry, knowledge: KnowledgeHolder,
                 database: Any, reload_wait: float = RELOAD_WAIT_SECONDS,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._registry = registry
        self._knowledge = knowledge
        self._database = database
        self.reload_wait = reload_wait  # how long an admin's reload waits for the others
        self._sleep = sleep
        self._lock = threading.Lock()
        self._applied: int | None = None  # the reload request this instance has carried out

    @property
    def key(self) -> str:
        """This process's key in the registry."""
        return self._registry.key

    def beat(self, mode: str, reload: Callable[[], ReloadResult]) -> ReloadResult | None:
        """Say this instance is alive; reload first if another asked. Returns that reload."""
        with self._lock:
            requested = self._beat(mode)
            if self._applied is None:  # just started: the files it loaded are the latest
                self._applied = requested
            if requested <= self._applied:
                return None
            result = reload()
            self._applied = requested
            self._beat(mode)
            return result

    def _beat(self, mode: str) -> int:
        snapshot = self._knowledge.current
        last = self._knowledge.last_reload
        return self._registry.beat(mode, snapshot.knowledge.version, snapshot.loaded_at,
                                   self._applied or 0, None if last is None else last.ok)

    def request_reload(self) -> int:
        """Ask every instance to reload (this one has already): the request's generation."""
        with self._lock:
            generation = self._registry.request_reload(by=self.key)
            if self._applied is not None:  # a serving instance: don't reload twice
                self._applied = generation
            return generation

    def wait_for_others(self, generation: int) -> list[Instance]:
        """The other live instances, once each has carried out ``generation`` or the wait
        (``reload_wait``) is over."""
        waited = 0.0
        while True:
            others = [i for i in self.live() if i.key != self.key]
            if all(i.generation >= generation for i in others) or waited >= self.reload_wait:
                return others
            self._sleep(self.POLL_SECONDS)
            waited += self.POLL_SECONDS

    def live(self) -> list[Instance]:
        """Every instance beating now."""
        now = self._registry.now()
        return [i for i in self._registry.instances() if i.live(now)]

    def all(self) -> list[Instance]:
        """Every instance heard from in the last day, live ones first."""
        return self._registry.instances()

    def now(self) -> float:
        """The clock heartbeats are judged by."""
        return self._registry.now()

    def listen(self, wake: Callable[[], None]) -> Any:
        """Call ``wake`` as soon as any instance asks for a reload (PostgreSQL); None if the
        database cannot notify (SQLite: the heartbeat finds the request instead)."""
        return self._database.listen(RELOAD_CHANNEL, wake)

    def leave(self) -> None:
        """This instance is stopping cleanly."""
        try:
            self._registry.leave()
        except Exception:  # stopping must go on; the heartbeat ages out instead
            logger.warning("could not record that this instance stopped", exc_info=True)
