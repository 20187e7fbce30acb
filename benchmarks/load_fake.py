"""The tests' fake Slack Web API, adapted for load: faults by share, replies indexed by user.

It reuses tests/fake_slack.py (same methods, same answers, same response URLs) and changes
what it does with each call: instead of keeping a list to search, it files every answered
call under a reply key (user, kind, tag) and wakes the simulated user waiting for it. With
faults on, a share of calls is answered 429 (with Retry-After) or 500, chosen at random from
a fixed seed. A call is failed at most MAX_FAILS_IN_A_ROW times in a row (matched by its
exact body), which is the bot's retry budget: a longer run of failures is an outage, not a
blip, and tests/test_slack_http.py covers it. How often that cap saved a reply is reported.
"""

from __future__ import annotations

import hashlib
import random
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fake_slack import SIGNING_SECRET, TEAM_ID, Call, FakeSlack, sign

__all__ = ["SIGNING_SECRET", "TEAM_ID", "Arrival", "Faults", "LoadFake", "ReplyKey", "sign"]

MAX_FAILS_IN_A_ROW = 3  # slack_sdk shares one retry count across handlers: 3 retries in all
ReplyKey = tuple[str, str, str]  # (user, kind, tag): kind is post, update, home or respond


@dataclass(frozen=True)
class Faults:
    """What share of Web API calls fail, and how."""

    share_429: float = 0.0
    share_500: float = 0.0
    retry_after: int = 1  # seconds, sent with every 429
    latency_s: float = 0.0  # added before every answer, as Slack's round trip over HTTPS

    @property
    def on(self) -> bool:
        """Whether any call can fail."""
        return self.share_429 > 0 or self.share_500 > 0


@dataclass(frozen=True)
class Arrival:
    """One answered call that carries a reply, and when it reached the fake."""

    at: float  # time.monotonic()
    call: Call


def reply_key(call: Call) -> ReplyKey | None:
    """Which user and surface an answered call is a reply to (None for auth.test etc.)."""
    params = call.params
    if call.method in {"chat.postMessage", "chat.update"}:
        channel = str(params.get("channel", ""))
        kind = "post" if call.method == "chat.postMessage" else "update"
        return (channel[1:], kind, "") if channel.startswith("D") else None
    if call.method == "views.publish":
        return (str(params.get("user_id", "")), "home", "")
    if call.method == "response_url":
        name = call.path.rsplit("/", 1)[-1]  # <user>-<step>: one response URL per request
        return (name.split("-", 1)[0], "respond", name)
    return None


class LoadFake(FakeSlack):
    """A FakeSlack that injects faults by share and indexes replies for waiting users."""

    def __init__(self, faults: Faults = Faults(), seed: int = 1) -> None:
        super().__init__()
        self.faults = faults
        self._random = random.Random(seed)
        self._arrivals: dict[ReplyKey, list[Arrival]] = defaultdict(list)
        self._wake: dict[str, threading.Condition] = {}  # one per user, made before the load
        self._unknown = threading.Condition()
        self._fails_in_a_row: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.saved_by_cap = 0
        self._server.socket.listen(256)  # the default backlog of 5 is too small for a burst

    def _fault(self, call: Call) -> tuple[int, dict[str, str]]:
        if not self.faults.on or call.method == "auth.test":
            return 200, {}
        body = hashlib.sha1(f"{call.path}|{call.dump}".encode()).hexdigest()
        draw = self._random.random()
        failing = draw < self.faults.share_429 + self.faults.share_500
        if failing and self._fails_in_a_row[body] >= MAX_FAILS_IN_A_ROW:
            self.saved_by_cap += 1
            failing = False
        if not failing:
            self._fails_in_a_row.pop(body, None)
            return 200, {}
        self._fails_in_a_row[body] += 1
        if draw < self.faults.share_429:
            return 429, {"Retry-After": str(self.faults.retry_after)}
        return 500, {}

    def _record(self, call: Call) -> int:
        key = reply_key(call)
        with self._lock:
            status, headers = self._fault(call)
            call.status = status
            call.headers.update({f"x-fake-{k.lower()}": v for k, v in headers.items()})
            self.statuses[status] += 1
        if self.faults.latency_s:
            time.sleep(self.faults.latency_s)
        if status == 200 and key is not None:
            condition = self._condition(key[0])
            with condition:
                self._arrivals[key].append(Arrival(time.monotonic(), call))
                condition.notify_all()
        return status

    def add_users(self, users: list[str]) -> None:
        """Make each user's wake-up condition (before any thread can race to make it)."""
        for user in users:
            self._wake.setdefault(user, threading.Condition())

    def _condition(self, user: str) -> threading.Condition:
        return self._wake.get(user, self._unknown)

    def wait_reply(self, key: ReplyKey, index: int, timeout: float,
                   give_up: threading.Event | None = None) -> Arrival | None:
        """The index-th reply under key, waiting up to timeout (or until give_up is set)."""
        deadline = time.monotonic() + timeout
        condition = self._condition(key[0])
        with condition:
            while len(self._arrivals[key]) <= index:
                left = deadline - time.monotonic()
                if left <= 0 or (give_up is not None and give_up.is_set()):
                    return None
                condition.wait(min(left, 0.1))
            return self._arrivals[key][index]

    def replies(self, key: ReplyKey) -> list[Arrival]:
        """Every reply filed under key so far."""
        with self._condition(key[0]):
            return list(self._arrivals[key])

    def wake_all(self) -> None:
        """Wake every waiting user (after a crash, so they stop waiting at once)."""
        for condition in [*self._wake.values(), self._unknown]:
            with condition:
                condition.notify_all()
