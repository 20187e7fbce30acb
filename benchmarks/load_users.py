"""The simulated users of benchmarks/load.py: signed Slack requests, conversations, tallies.

Each User holds one conversation with the bot through signed requests, as Slack sends
them, and waits for each reply at the fake Web API before the next step. It keeps what the
bot's replies told it (its ticks and stage) so load.py can compare them with the database.
With several instances a Balancer spreads the requests over them, as a load balancer does.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from load_fake import TEAM_ID, Arrival, Faults, LoadFake, ReplyKey, sign

from bot.core.wording import say

ACK_WAIT_S = 30.0  # longer than Slack's 3 s, to measure slow acks and keep replies matched up
TICK_PREFIX = "pw_tick|"
LOOK_AGAIN_S = 1.0  # after a crash, how long a user looks for a held message's late reply
USER_TRIES = 3  # a request answered with an error is sent again, up to this many times in all


@dataclass(frozen=True)
class Config:
    """One run's settings."""

    name: str
    users: int
    messages: int
    duration: float | None
    reply_timeout: float
    bot_root: Path
    seed: int
    keep_alive: bool = False
    faults: Faults = field(default_factory=Faults)
    event_retry_share: float = 0.0
    crash_at: float | None = None  # kill once this share of the planned requests is acked
    profile: bool = False
    store: str = "sqlite"  # or "postgres"
    instances: int = 1  # serve processes on one database; with 2 the crash kills one for good
    logs: Path | None = None  # where to keep the bots' logs
    warm_up: bool = False  # a DM and a question to each instance before the clock starts

    @property
    def failover(self) -> bool:
        """Whether a killed instance stays dead while another carries on (else it restarts)."""
        return self.instances > 1


@dataclass
class Request:
    """One request a user sent, and what became of it."""

    user: str
    kind: str  # dm, command, action, home
    key: ReplyKey
    generation: int  # how many crashes had happened when it was sent
    change: tuple[str, ...] | None = None  # ("tick", stage, item, "1"/"0") or ("stage", id)
    port: int = 0  # the instance it was sent to
    status: int = 0
    ack_s: float | None = None
    reply_s: float | None = None
    outcome: str = "pending"  # replied, lost, refused, crashed (acked, no reply), error,
    # apologised (the bot replied that it could not finish it)
    replied_by: str | None = None  # the bot token of the Web API call that carried the reply


@dataclass
class Knowledge:
    """What the simulated users talk about."""

    questions: list[str]
    stages: list[str]


# --- signed Slack requests -------------------------------------------------------------------


class Client:
    """Posts signed requests to the bot's instances, as Slack does; one per simulated user."""

    def __init__(self, keep_alive: bool) -> None:
        self.keep_alive = keep_alive
        self._connections: dict[int, http.client.HTTPConnection] = {}  # by instance port

    def post(self, port: int, body: str, content_type: str,
             headers: dict[str, str] | None = None) -> tuple[int, float]:
        """(HTTP status or 0 when the connection failed, seconds until the response)."""
        timestamp = int(time.time())
        all_headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(timestamp),
                       "X-Slack-Signature": sign(body, timestamp), **(headers or {})}
        if not self.keep_alive:
            all_headers["Connection"] = "close"
        started = time.perf_counter()
        try:
            connection = self._connections.get(port)
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=ACK_WAIT_S)
                self._connections[port] = connection
            connection.request("POST", "/slack/events", body=body.encode(),
                               headers=all_headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            status = 0
        elapsed = time.perf_counter() - started
        if status == 0 or not self.keep_alive:
            self.close(port)
        return status, elapsed

    def close(self, port: int | None = None) -> None:
        """Drop the connection to one instance, or to every one."""
        for known in [port] if port is not None else list(self._connections):
            connection = self._connections.pop(known, None)
            if connection is not None:
                connection.close()


def event_body(event: dict[str, Any], event_id: str) -> str:
    """An Events API envelope, as Slack posts it."""
    return json.dumps({"token": "unused", "team_id": TEAM_ID, "api_app_id": "A0PATHWAY",
                       "type": "event_callback", "event": event, "event_id": event_id,
                       "event_time": int(time.time()),
                       "authorizations": [{"team_id": TEAM_ID, "user_id": "UBOT",
                                           "is_bot": True}]})


def command_body(command: str, text: str, user: str, response_url: str) -> str:
    """A slash command form, as Slack posts it."""
    return urlencode({"token": "unused", "team_id": TEAM_ID, "team_domain": "test",
                      "channel_id": "C0LOAD", "channel_name": "general", "user_id": user,
                      "user_name": user.lower(), "command": command, "text": text,
                      "api_app_id": "A0PATHWAY", "response_url": response_url,
                      "trigger_id": "1.2.trigger"})


def action_body(user: str, action: dict[str, Any], container: dict[str, Any],
                **extra: Any) -> str:
    """A block_actions interaction with one action."""
    payload = {"type": "block_actions", "team": {"id": TEAM_ID, "domain": "test"},
               "user": {"id": user, "team_id": TEAM_ID}, "api_app_id": "A0PATHWAY",
               "token": "unused", "trigger_id": "1.2.trigger", "container": container,
               "actions": [{"action_ts": f"{time.time():.6f}", **action}], **extra}
    return urlencode({"payload": json.dumps(payload)})


JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


def checkboxes(blocks: list[dict[str, Any]]) -> dict[str, tuple[str, str, list, bool]]:
    """block_id -> (stage, item, options, shown ticked) for every tick box in a checklist."""
    found = {}
    for block in blocks:
        box = block.get("accessory") or {}
        block_id = block.get("block_id", "")
        if box.get("action_id") == "pw_tick" and block_id.startswith(TICK_PREFIX):
            stage, _, item = block_id[len(TICK_PREFIX):].partition("|")
            found[block_id] = (stage, item, box["options"], bool(box.get("initial_options")))
    return found


APOLOGIES = tuple(say("slack.sorry", lang)[:40] for lang in ("en", "cy"))  # text may be cut


def is_apology(arrival: Arrival) -> bool:
    """Whether a reply is the bot's apology for a request it could not finish."""
    return str(arrival.call.params.get("text", "")).startswith(APOLOGIES)


def token_of(arrival: Arrival) -> str | None:
    """The bot token an answered Web API call was made with (None for a response URL)."""
    headers = {name.lower(): value for name, value in arrival.call.headers.items()}
    token = headers.get("authorization", "").removeprefix("Bearer ")
    return token or None


# --- one run's shared state ------------------------------------------------------------------


class Balancer:
    """Spreads requests over the live instances in turn, as a load balancer in front of them.

    A retry goes to another instance than the one that failed or was sent it first (Slack
    resends to the same URL, and the balancer picks again). An instance that dies is taken
    out of the turn, as a failed health check would.
    """

    def __init__(self, ports: list[int]) -> None:
        self._live = list(ports)
        self._lock = threading.Lock()

    def pick(self, turn: int, avoid: int | None = None) -> int:
        """The instance for a user's turn-th request, other than avoid when another lives."""
        with self._lock:
            others = [port for port in self._live if port != avoid] or self._live
            return others[turn % len(others)]

    def remove(self, port: int) -> None:
        """Stop sending to an instance."""
        with self._lock:
            if port in self._live and len(self._live) > 1:
                self._live.remove(port)


class Run:
    """Everything the users of one run share: the fake, the instances, the tallies."""

    def __init__(self, config: Config, fake: LoadFake, ports: list[int]) -> None:
        self.config = config
        self.fake = fake
        self.balancer = Balancer(ports)
        self.dead = {port: threading.Event() for port in ports}  # killed and not restarted
        self.requests: list[Request] = []
        self.slack_retries: list[tuple[int, float]] = []  # (status, ack s) of resent events
        self.stale_views = 0
        self.lock = threading.Lock()
        self.up = threading.Event()
        self.up.set()
        self.down = threading.Event()  # set after a kill, so waiting users stop waiting
        self.generation = 0
        self.killed_at = float("inf")  # time.monotonic() of the last SIGKILL
        self.acked = 0
        self.acked_event = threading.Event()
        self.deadline = (time.monotonic() + config.duration) if config.duration else None

    def record(self, request: Request) -> None:
        """Keep a request for the tallies."""
        with self.lock:
            self.requests.append(request)

    def serving(self, request: Request) -> bool:
        """Whether the instance a request went to is still up (so a failure is the bot's)."""
        if self.config.failover:
            return not self.dead[request.port].is_set()
        return self.generation == request.generation and self.up.is_set() \
            and not self.down.is_set()

    def give_up(self, request: Request) -> threading.Event | None:
        """What ends the wait for an acked request's reply before the timeout.

        A crash of the only instance; with a survivor, the death of the instance that acked
        it, except for a direct message: the survivor finishes the messages it held.
        """
        if not self.config.failover:
            return self.down
        return None if request.kind == "dm" else self.dead[request.port]

    def cut_off(self, request: Request) -> bool:
        """Whether an acked request went unanswered because its instance was killed."""
        if not self.config.failover:
            return self.generation != request.generation or self.down.is_set()
        give_up = self.give_up(request)
        return give_up is not None and give_up.is_set()

    def count_ack(self) -> None:
        """Count an acked request; wakes the crash thread at the chosen share."""
        with self.lock:
            self.acked += 1
            planned = self.config.users * self.config.messages
            if self.config.crash_at is not None and self.acked >= self.config.crash_at * planned:
                self.acked_event.set()


# --- a simulated user ------------------------------------------------------------------------

OPENING = ("hello", "stage", "next", "checklist", "tick", "tick", "home", "question", "tick",
           "untick", "dm_checklist", "dm_tick")
LATER = ("question", "tick", "home", "next", "untick", "question", "dm_checklist", "dm_tick")


def plan(messages: int | None) -> Iterator[str]:
    """The steps of a conversation: the opening, then questions, ticks and Home visits."""
    count = 0
    steps = iter(OPENING)
    while messages is None or count < messages:
        step = next(steps, None)
        if step is None:
            steps = iter(LATER)
            continue
        count += 1
        yield step


class User:
    """One person talking to Pathway: sends a step, waits for its reply, then the next."""

    def __init__(self, run: Run, user_id: str, knowledge: Knowledge, seed: int,
                 turn: int = 0) -> None:
        self.run = run
        self.id = user_id
        self.random = random.Random(f"{seed}:{user_id}")
        self.knowledge = knowledge
        self.client = Client(run.config.keep_alive)
        self.turn = turn  # which instance the balancer gives this user's next request
        self.stage = self.random.choice(knowledge.stages)
        self.ticks: dict[str, set[str]] = {}  # stage -> items, as confirmed by the bot's replies
        self.stage_set: str | None = None
        self.consumed: dict[ReplyKey, int] = {}  # replies taken (or passed over) under each key
        self.last_reply: dict[ReplyKey, Arrival] = {}
        self.resends_seen = 0  # held replies sent again after a kill, passed over
        self.apologies = 0  # "Sorry, something went wrong", after the bot failed a request
        self.sent_keys: set[ReplyKey] = set()
        self.boxes: dict[str, tuple[str, str, list, bool]] = {}  # from the last ephemeral list
        self.dm_boxes: dict[str, tuple[str, str, list, bool]] = {}
        self.step = 0
        self.events = 0
        self.inflight: Request | None = None

    def run_conversation(self) -> None:
        """Every step of the plan, until the messages or the duration are used up."""
        messages = None if self.run.config.duration else self.run.config.messages
        for step in plan(messages):
            if self.run.deadline and time.monotonic() > self.run.deadline:
                break
            self.step += 1
            getattr(self, f"do_{step}")()
        self.client.close()

    # The steps. Each builds its request and hands it to exchange().

    def do_hello(self) -> None:
        self.dm("hello")

    def do_stage(self) -> None:
        self.dm(f"stage {self.stage}", change=("stage", self.stage))

    def do_question(self) -> None:
        self.dm(self.random.choice(self.knowledge.questions))

    def do_next(self) -> None:
        self.command("/pathway", "next")

    def do_checklist(self) -> None:
        arrival = self.command("/checklist", self.stage)
        if arrival is not None:
            self.boxes = checkboxes(arrival.call.blocks)
            self.check_view(self.boxes)

    def do_dm_checklist(self) -> None:
        arrival = self.dm("checklist")
        if arrival is not None:
            self.dm_boxes = checkboxes(arrival.call.blocks)
            self.check_view(self.dm_boxes)

    def do_tick(self) -> None:
        self.toggle(self.boxes, done=True, in_dm=False)

    def do_untick(self) -> None:
        self.toggle(self.boxes, done=False, in_dm=False)

    def do_dm_tick(self) -> None:
        ticked = {item for _, item, _, _ in self.dm_boxes.values()} & self.ticks.get(
            self.stage, set())
        self.toggle(self.dm_boxes, done=len(ticked) < len(self.dm_boxes) - 1, in_dm=True)

    def do_home(self) -> None:
        event = {"type": "app_home_opened", "user": self.id, "channel": f"D{self.id}",
                 "tab": "home"}
        self.event(event, "home", (self.id, "home", ""))

    # Building requests.

    def dm(self, text: str, change: tuple[str, ...] | None = None) -> Arrival | None:
        event = {"type": "message", "channel_type": "im", "channel": f"D{self.id}",
                 "user": self.id, "text": text, "ts": f"{time.time():.6f}"}
        return self.event(event, "dm", (self.id, "post", ""), change)

    def event(self, event: dict[str, Any], kind: str, key: ReplyKey,
              change: tuple[str, ...] | None = None) -> Arrival | None:
        def body(attempt: int, retry: int | None) -> tuple[str, str, dict[str, str], ReplyKey]:
            self.events += 1 if retry is None else 0  # a retry keeps the event id
            event_id = f"Ev{self.id}x{self.events:04d}"
            headers = ({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_error"}
                       if retry else {})
            return event_body(event, event_id), JSON, headers, key

        return self.exchange(kind, body, change, is_event=True)

    def command(self, command: str, text: str) -> Arrival | None:
        def body(attempt: int, retry: int | None) -> tuple[str, str, dict[str, str], ReplyKey]:
            name = f"{self.id}-{self.step}r{attempt}"
            return (command_body(command, text, self.id, self.run.fake.response_url(name)),
                    FORM, {}, (self.id, "respond", name))

        return self.exchange("command", body)

    def toggle(self, boxes: dict[str, tuple[str, str, list, bool]], done: bool,
               in_dm: bool) -> None:
        """Tick an unticked box (or untick a ticked one) on a checklist the user was shown."""
        ticked = self.ticks.get(self.stage, set())
        choices = sorted(block_id for block_id, (_, item, _, _) in boxes.items()
                         if (item in ticked) != done)
        if not choices:
            return
        block_id = self.random.choice(choices)
        stage, item, options, _ = boxes[block_id]
        action = {"type": "checkboxes", "action_id": "pw_tick", "block_id": block_id,
                  "selected_options": options if done else []}
        change = ("tick", stage, item, "1" if done else "0")

        def body(attempt: int, retry: int | None) -> tuple[str, str, dict[str, str], ReplyKey]:
            if in_dm:
                ts = "1700000001.000100"
                return (action_body(self.id, action, {"type": "message", "message_ts": ts,
                                                      "channel_id": f"D{self.id}",
                                                      "is_ephemeral": False},
                                    channel={"id": f"D{self.id}"},
                                    message={"ts": ts, "blocks": []}),
                        FORM, {}, (self.id, "update", ""))
            name = f"{self.id}-{self.step}r{attempt}"
            container = {"type": "message", "message_ts": "1700000002.000100",
                         "channel_id": "C0LOAD", "is_ephemeral": True}
            return (action_body(self.id, action, container,
                                response_url=self.run.fake.response_url(name)),
                    FORM, {}, (self.id, "respond", name))

        self.exchange("action", body, change)

    def check_view(self, boxes: dict[str, tuple[str, str, list, bool]]) -> None:
        """A checklist the bot shows must have exactly the boxes the user ticked."""
        shown = {item for _, item, _, ticked in boxes.values() if ticked}
        if shown != self.ticks.get(self.stage, set()):
            with self.run.lock:
                self.run.stale_views += 1

    # Sending, waiting, retrying.

    def exchange(self, kind: str, body: Callable[..., tuple[str, str, dict[str, str], ReplyKey]],
                 change: tuple[str, ...] | None = None, is_event: bool = False
                 ) -> Arrival | None:
        """Send until acked (waiting out a crash), then wait for the reply."""
        run = self.run
        attempt, retry, errors, failed_at = 0, None, 0, None
        while True:
            run.up.wait()
            text, content_type, headers, key = body(attempt, retry)
            port = run.balancer.pick(self.turn, avoid=failed_at)
            self.turn += 1
            request = Request(self.id, kind, key, run.generation, change, port)
            self.inflight = request
            run.record(request)
            started = time.monotonic()
            request.status, request.ack_s = self.client.post(port, text, content_type, headers)
            self.sent_keys.add(key)
            if request.status != 200:
                bot_up = run.serving(request)
                failed_at = port
                request.outcome = "error" if bot_up else "refused"
                errors += 1 if bot_up else 0
                if errors >= USER_TRIES:
                    self.inflight = None
                    return None
                # Slack retries an event (same id); a person clicks or types again.
                retry = (retry or 0) + 1 if is_event else None
                attempt += 1
                time.sleep(1.0 if bot_up else 0.0)
                continue
            run.count_ack()
            if is_event and run.config.event_retry_share and \
                    self.random.random() < run.config.event_retry_share:
                self.resend(port, text, content_type)
            arrival = self.wait_reply(key, run.config.reply_timeout, run.give_up(request),
                                      started)
            if arrival is None and run.cut_off(request):
                arrival = self.look_again(request, key, started)
                if arrival is None:
                    request.outcome = "crashed"  # acked, then the bot died: the user tries again
                    attempt, retry, failed_at = attempt + 1, None, port
                    continue
            if arrival is None:
                request.outcome = "lost"
                self.inflight = None
                return None
            if is_apology(arrival):  # the bot could not finish it, and said so: try again
                request.outcome = "apologised"
                errors += 1
                if errors >= USER_TRIES:
                    self.inflight = None
                    return None
                attempt, retry, failed_at = attempt + 1, None, port
                time.sleep(1.0)
                continue
            return self.replied(request, key, arrival, started)

    def wait_reply(self, key: ReplyKey, timeout: float, give_up: threading.Event | None,
                   sent_at: float) -> Arrival | None:
        """The next reply under key to the request sent at sent_at, passing over two kinds.

        A reply the bot had sent, but not yet recorded as sent, goes again from the ledger
        when another process finishes its held messages: the same message twice in a row,
        which a person reads as one (counted in resends_seen). And the bot's apology for an
        earlier attempt that failed (counted in apologies, as is one this request gets).
        """
        while True:
            index = self.consumed.get(key, 0)
            arrival = self.run.fake.wait_reply(key, index, timeout, give_up)
            if arrival is not None and is_apology(arrival):
                self.consumed[key] = index + 1
                self.apologies += 1
                if arrival.at < sent_at:
                    continue
                return arrival
            previous = self.last_reply.get(key)
            if arrival is None or previous is None or arrival.at < self.run.killed_at \
                    or arrival.call.dump != previous.call.dump:
                return arrival
            self.consumed[key] = index + 1
            self.resends_seen += 1

    def look_again(self, request: Request, key: ReplyKey, sent_at: float) -> Arrival | None:
        """Once the bot is back, the reply to a DM it held across the crash, if it came.

        The restarted bot answers the messages it held before it serves anything; a person
        who sees that answer does not type the message again.
        """
        if request.kind != "dm":
            return None
        self.run.up.wait()
        return self.wait_reply(key, LOOK_AGAIN_S, None, sent_at)

    def replied(self, request: Request, key: ReplyKey, arrival: Arrival, started: float
                ) -> Arrival:
        request.outcome = "replied"
        request.reply_s = arrival.at - started
        request.replied_by = token_of(arrival)
        self.consumed[key] = self.consumed.get(key, 0) + 1
        self.last_reply[key] = arrival
        if request.change and request.change[0] == "tick":
            _, stage, item, done = request.change
            items = self.ticks.setdefault(stage, set())
            (items.add if done == "1" else items.discard)(item)
        elif request.change and request.change[0] == "stage":
            self.stage_set = request.change[1]
        self.inflight = None
        return arrival

    def resend(self, first: int, text: str, content_type: str) -> None:
        """Slack's retry of an event it thinks we missed: same event id, X-Slack-Retry-Num.

        With two instances it reaches the other one, which must see the event as taken.
        """
        port = self.run.balancer.pick(self.turn, avoid=first)
        status, ack_s = self.client.post(port, text, content_type,
                                         {"X-Slack-Retry-Num": "1",
                                          "X-Slack-Retry-Reason": "http_timeout"})
        with self.run.lock:
            self.run.slack_retries.append((status, ack_s))
