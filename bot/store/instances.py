"""The serving instances on one state database: who is alive, what each serves, reloads.

Every instance that serves Slack (``socket`` or ``serve``) writes a heartbeat row here every
few seconds: which knowledge base version it serves, when it loaded it, and which reload
request it has carried out. That lets an admin's ``status`` list each instance, lets an
admin's ``reload`` on one instance reach all of them (a request counter every instance
watches; PostgreSQL also wakes them at once with NOTIFY), and lets a survivor take over a
dead instance's held messages as soon as its heartbeat stops, on any host, instead of
waiting out a lease.

Clocks: a heartbeat is stamped with the writer's wall clock and read against the reader's,
so hosts must keep their clocks in step (NTP); ``LIVE_SECONDS`` leaves room for a few
seconds of drift.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.store.database import KeyValueTransaction

__all__ = ["BEAT_SECONDS", "LIVE_SECONDS", "RELOAD_CHANNEL", "TABLE", "Instance",
           "InstanceRegistry", "instance_key", "is_silent"]

TABLE = "instances"
META_TABLE = "meta"
RELOAD_KEY = "reload"  # in the meta table: {"generation": int, "by": str, "at": float}
RELOAD_CHANNEL = "pathway_reload"  # PostgreSQL NOTIFY channel that wakes every instance
BEAT_SECONDS = 5.0
LIVE_SECONDS = 20.0  # four missed heartbeats: the instance is taken to be gone
FORGET_SECONDS = 24 * 60 * 60  # rows of instances gone this long are dropped


def instance_key(owner: Mapping[str, Any]) -> str:
    """The registry key of a process named as {"host", "pid", "run"} (events.this_process)."""
    return "{host}:{pid}:{run}".format(host=owner.get("host"), pid=owner.get("pid"),
                                       run=owner.get("run"))


@dataclass(frozen=True)
class Instance:
    """One instance's last heartbeat, as read back."""

    key: str
    host: str
    pid: int | None
    mode: str
    started: float
    seen: float
    stopped: float | None
    version: str
    loaded_at: str
    generation: int
    reload_ok: bool | None

    @property
    def name(self) -> str:
        """Host and process id: how an operator finds it."""
        return f"{self.host}:{self.pid}"

    def live(self, now: float) -> bool:
        """Beating recently and not stopped."""
        return self.stopped is None and self.seen >= now - LIVE_SECONDS

    @classmethod
    def read(cls, key: str, raw: Any) -> Instance | None:
        """The row as an Instance, or None when it is not a heartbeat this code wrote."""
        if not isinstance(raw, dict):
            return None
        seen, started = _number(raw.get("seen")), _number(raw.get("started"))
        if seen is None or started is None:
            return None
        pid = raw.get("pid")
        ok = raw.get("reload_ok")
        generation = raw.get("generation")
        return cls(key=key, host=str(raw.get("host") or "?"),
                   pid=pid if isinstance(pid, int) else None, mode=str(raw.get("mode") or "?"),
                   started=started, seen=seen, stopped=_number(raw.get("stopped")),
                   version=str(raw.get("version") or "?"),
                   loaded_at=str(raw.get("loaded_at") or ""),
                   generation=generation if isinstance(generation, int) else 0,
                   reload_ok=ok if isinstance(ok, bool) else None)


def is_silent(tx: KeyValueTransaction, owner: Any, now: float) -> bool:
    """Whether the process named by ``owner`` stopped or stopped beating (any host).

    False when it never registered (a process that does not beat is judged otherwise).
    """
    if not isinstance(owner, dict):
        return False
    instance = Instance.read(instance_key(owner), tx.get(TABLE, instance_key(owner)))
    return instance is not None and not instance.live(now)


class InstanceRegistry:
    """Heartbeats and reload requests of the instances sharing one database."""

    def __init__(self, database: Any, me: Mapping[str, Any],
                 clock: Callable[[], float] = time.time) -> None:
        self._database = database
        self._me = dict(me)
        self.key = instance_key(me)
        self._clock = clock
        self._started = clock()

    def beat(self, mode: str, version: str, loaded_at: str, generation: int,
             reload_ok: bool | None) -> int:
        """Record this instance's heartbeat; returns the newest reload request's generation."""
        now = self._clock()
        with self._database.transaction() as tx:
            tx.put(TABLE, self.key, {
                "host": self._me.get("host"), "pid": self._me.get("pid"), "mode": mode,
                "started": self._started, "seen": now, "version": version,
                "loaded_at": loaded_at, "generation": generation, "reload_ok": reload_ok})
            self._prune(tx, now)
            return _generation(tx.get(META_TABLE, RELOAD_KEY))

    def leave(self) -> None:
        """This instance is stopping: say so, so nobody waits for its heartbeat to age."""
        now = self._clock()
        with self._database.transaction() as tx:
            row = tx.get(TABLE, self.key)
            if isinstance(row, dict):
                tx.put(TABLE, self.key, {**row, "stopped": now})

    def request_reload(self, by: str) -> int:
        """Ask every instance to reload; returns the request's generation.

        The counter is the record (an instance that was down or missed the wake-up sees it
        on its next heartbeat); on PostgreSQL, NOTIFY at commit wakes them all at once.
        """
        with self._database.transaction() as tx:
            generation = _generation(tx.get(META_TABLE, RELOAD_KEY)) + 1
            tx.put(META_TABLE, RELOAD_KEY, {"generation": generation, "by": by,
                                            "at": self._clock()})
            tx.notify(RELOAD_CHANNEL, str(generation))
        return generation

    def generation(self) -> int:
        """The newest reload request's generation (0: none yet)."""
        with self._database.reading() as tx:
            return _generation(tx.get(META_TABLE, RELOAD_KEY))

    def instances(self) -> list[Instance]:
        """Every instance heard from in the last day, live ones first, then by name."""
        now = self._clock()
        with self._database.reading() as tx:
            found = [Instance.read(key, raw) for key, raw in tx.items(TABLE)]
        return sorted((i for i in found if i is not None),
                      key=lambda i: (not i.live(now), i.host, i.pid or 0, i.key))

    def now(self) -> float:
        """The clock heartbeats are judged by."""
        return self._clock()

    def _prune(self, tx: KeyValueTransaction, now: float) -> None:
        for key, raw in tx.items(TABLE):
            instance = Instance.read(key, raw)
            if instance is None or instance.seen < now - FORGET_SECONDS:
                tx.delete(TABLE, key)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _generation(raw: Any) -> int:
    value = raw.get("generation") if isinstance(raw, dict) else None
    return value if isinstance(value, int) and value >= 0 else 0
