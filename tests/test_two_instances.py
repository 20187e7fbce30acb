"""Two `run_bot.py serve` instances on one PostgreSQL database, one SIGKILLed mid-run (issue 14).

Both serve HTTP on their own loopback ports with their own PATHWAY_DATA_DIR, the same
PATHWAY_DATABASE_URL and PATHWAY_LOG_KEY_FILE, and one fake Slack Web API. Twenty users
alternate between them. Every direct message reaches both instances, once as itself and
once as a Slack retry (same event_id, X-Slack-Retry-Num), both at the same moment, and each
user ticks two items at once, one through each instance. Then instance A is killed while
replies it had already committed are still on their way to Slack; B carries on, and
receives again, as Slack retries, every event A had acknowledged.

The whole run happens once (the module's fixture); each test checks one thing a user would
see or the database would hold: no tick lost, no reply posted twice, every message answered.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from fake_slack import SIGNING_SECRET, TEAM_ID, Call
from postgres_server import running_server
from slack_fixtures import knowledge_dir, view_state
from two_instances import Instance, StallingSlack

from bot.kb.loader import check_knowledge
from bot.store.backends import open_database
from bot.store.events import TABLE as LEDGER_TABLE
from bot.store.referrals import ReferralStore
from bot.store.users import UserStore

pytestmark = pytest.mark.slow  # about 10 s: a PostgreSQL server and two bots start

USERS = 20
STAGE = "prototype"
TICKS = 4  # items 1-4 of the stage's checklist
REPLY_SECONDS = 15.0
SETTLE_SECONDS = 1.0  # after the last reply, for a late duplicate to show
SWEEP_WAIT_SECONDS = 30.0  # the survivor sweeps held messages every 5 s (HELD_SWEEP_SECONDS)
TRIAGE_CHANNEL = "C0TRIAGE02"  # PATHWAY_TRIAGE_CHANNEL: where referrals go
REFERRER = "U2IREF01"
TEAM_MEMBER = "U2ITEAM1"  # presses the team's buttons on the triage message
REFERRAL_ORG = "improvement-cymru"  # takes warm introductions
ANSWERS: dict[str, Any] = {
    "summary": "A falls sensor for care homes", "problem": "Falls at night go unnoticed",
    "stage": "prototype", "user_organisation": "Powys Teaching Health Board",
    "help_wanted": "Help to evaluate it", "consent": True}


@dataclass
class Delivery:
    """One POST of a DM event to one instance."""

    instance: str
    user: str
    event_id: str
    text: str
    retry_num: int | None
    status: int = 0


@dataclass
class TwoInstanceRun:
    """What was sent, what the fake Slack API received, and what the database holds."""

    users: list[str]
    home: dict[str, str]
    events: dict[str, tuple[str, str]]  # event id -> (user, text): each must be answered once
    deliveries: list[Delivery]
    replies: dict[str, int]  # event id -> chat.postMessage calls Slack accepted for it
    in_flight: list[str]  # event ids whose reply A was sending when it was killed
    resent_to_survivor: int
    stored_ticks: dict[str, list[str]]
    wanted_ticks: list[str]
    held_after: int  # DMs still held in the ledger, unanswered, at the end
    survivor_errors: int
    seconds: float
    replies_in_dms: int  # every chat.postMessage Slack accepted in the users' DMs
    referral: tuple[str, str]  # (id told at A, B's reply to "referrals")
    triage_posts: int  # chat.postMessage calls in the triage channel: the referral, once
    good_news: int  # "accepted" messages to the referrer, after Accept reached both at once
    referral_history: list[str]  # the stored referral's statuses, oldest first

    def duplicates(self) -> int:
        """Replies beyond the first, over every event."""
        return sum(max(count - 1, 0) for count in self.replies.values())

    def unanswered(self) -> list[str]:
        """Event ids with no reply at all."""
        return [event_id for event_id in self.events if self.replies.get(event_id, 0) == 0]

    def ticks_lost(self) -> int:
        """Ticks a user made that the database does not hold."""
        return sum(len(set(self.wanted_ticks) - set(self.stored_ticks.get(user, [])))
                   for user in self.users)


class Driver:
    """Sends DM events to the instances, concurrently, and records every delivery."""

    def __init__(self, instances: dict[str, Instance], fake: StallingSlack) -> None:
        self.instances = instances
        self.fake = fake
        self.deliveries: list[Delivery] = []
        self.events: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=24, thread_name_prefix="slack")

    def close(self) -> None:
        """Stop the request threads."""
        self._pool.shutdown(wait=True)

    def send(self, *deliveries: Delivery) -> list[Delivery]:
        """POST these deliveries at the same moment (a barrier), and wait for their acks."""
        barrier = threading.Barrier(len(deliveries))

        def post(delivery: Delivery) -> Delivery:
            barrier.wait(timeout=REPLY_SECONDS)
            delivery.status = self.instances[delivery.instance].dm(
                delivery.user, delivery.text, delivery.event_id, delivery.retry_num)
            return delivery

        with self._lock:
            for delivery in deliveries:
                self.events.setdefault(delivery.event_id, (delivery.user, delivery.text))
                self.deliveries.append(delivery)
        futures = [self._pool.submit(post, delivery) for delivery in deliveries]
        return [future.result(timeout=REPLY_SECONDS + 5) for future in futures]

    def both(self, user: str, event_id: str, text: str, first: str, second: str
             ) -> list[Delivery]:
        """The event to one instance and, at the same moment, its retry to the other."""
        return [Delivery(first, user, event_id, text, None),
                Delivery(second, user, event_id, text, 1)]

    def wait_replies(self, user: str, count: int) -> None:
        """Wait until Slack accepted count replies in the user's DM."""
        self.fake.wait_for("chat.postMessage", lambda c: c.params.get("channel") == f"D{user}",
                           count=count, timeout=REPLY_SECONDS)


def event_of(reply_text: str, user: str, sent: dict[str, tuple[str, str]]) -> str | None:
    """Which of the user's events a reply answers: the stage reply, or "Ticked: <item>"."""
    for event_id, (owner, text) in sent.items():
        if owner != user:
            continue
        if text.startswith("tick "):
            if f"Ticked: {text.split()[1]}." in reply_text:
                return event_id
        elif text.startswith("stage ") and "Ticked:" not in reply_text:
            return event_id
    return None


def refer_at_a_list_at_b(instances: dict[str, Instance], fake: StallingSlack
                         ) -> tuple[str, str]:
    """Connect me: the form opened and submitted at A, then "referrals" asked of B."""
    a, b, user = instances["A"], instances["B"], REFERRER
    common = {"team": {"id": TEAM_ID, "domain": "test"}, "user": {"id": user, "team_id": TEAM_ID},
              "api_app_id": "A0PATHWAY", "token": "unused", "trigger_id": "1.2.trigger"}
    assert a.interaction({
        **common, "type": "block_actions", "channel": {"id": f"D{user}"},
        "container": {"type": "message", "message_ts": "1.1", "channel_id": f"D{user}",
                      "is_ephemeral": False},
        "actions": [{"type": "button", "action_id": "pw_connect", "value": REFERRAL_ORG,
                     "action_ts": f"{time.time():.6f}"}]}) == 200
    [opened] = fake.wait_for("views.open", timeout=REPLY_SECONDS)
    view = opened.params["view"]
    assert a.interaction({
        **common, "type": "view_submission",
        "view": {"id": "VMODAL", "type": "modal", "team_id": TEAM_ID,
                 "callback_id": view["callback_id"],
                 "private_metadata": view.get("private_metadata", ""),
                 "state": {"values": view_state(view, ANSWERS)}, "hash": "1.hash"}}) == 200
    told = fake.wait_for("chat.postMessage", lambda c: c.params.get("channel") == f"D{user}"
                         and "Sent: your referral" in c.dump, timeout=REPLY_SECONDS)[0]
    found = re.search(r"Sent: your referral (\S+) went", told.dump)
    assert found, told.dump
    assert b.dm(user, "referrals", f"Ev{user}r") == 200
    listed = fake.wait_for("chat.postMessage", lambda c: c.params.get("channel") == f"D{user}"
                           and "Your referrals" in c.dump and sent_by(c, b),
                           timeout=REPLY_SECONDS)[0]
    decide_at_both(instances, fake)
    return found.group(1), json.dumps(listed.params, ensure_ascii=False)


def decide_at_both(instances: dict[str, Instance], fake: StallingSlack) -> None:
    """A team member presses Accept on the triage message, and the press reaches both
    instances at the same moment (a double click through the load balancer)."""
    [post] = fake.posts_to(TRIAGE_CHANNEL)
    button = post.element("pw_referral_accept")
    payload = {"type": "block_actions", "team": {"id": TEAM_ID, "domain": "test"},
               "user": {"id": TEAM_MEMBER, "team_id": TEAM_ID}, "api_app_id": "A0PATHWAY",
               "token": "unused", "trigger_id": "1.2.trigger",
               "channel": {"id": TRIAGE_CHANNEL}, "message": {"ts": post.params.get("ts", "")},
               "container": {"type": "message", "message_ts": "1700000001.000100",
                             "channel_id": TRIAGE_CHANNEL, "is_ephemeral": False},
               "actions": [{"type": "button", **button, "action_ts": f"{time.time():.6f}"}]}
    barrier = threading.Barrier(2)

    def press(instance: Instance) -> int:
        barrier.wait()
        return instance.interaction(payload)

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(press, instances.values())) == [200, 200]
    fake.wait_for("chat.postMessage", lambda c: c.params.get("channel") == f"D{REFERRER}"
                  and "Good news" in c.dump, timeout=REPLY_SECONDS)
    fake.wait_for("chat.update", lambda c: c.params.get("channel") == TRIAGE_CHANNEL,
                  timeout=REPLY_SECONDS)


def sent_by(call: Call, instance: Instance) -> bool:
    """True when the instance's bot token made this Web API call."""
    token = {k.lower(): v for k, v in call.headers.items()}.get("authorization", "")
    return token == f"Bearer {instance.token}"


def first_phase(driver: Driver, user: str, home: str, other: str) -> None:
    """Stage, then ticks 1 and 2 at once, each event to both instances at the same moment."""
    statuses = driver.send(*driver.both(user, f"Ev{user}s", f"stage {STAGE}", home, other))
    assert all(d.status == 200 for d in statuses), statuses
    driver.wait_replies(user, 1)
    statuses = driver.send(*driver.both(user, f"Ev{user}t1", "tick 1", home, other),
                           *driver.both(user, f"Ev{user}t2", "tick 2", other, home))
    assert all(d.status == 200 for d in statuses), statuses
    driver.wait_replies(user, 3)


def survivor_phase(driver: Driver, user: str, a_alive: threading.Event) -> None:
    """A user of B's during the kill: tick 3 to B, its retry to A while A lives, else to B."""
    [original] = driver.send(Delivery("B", user, f"Ev{user}t3", "tick 3", None))
    assert original.status == 200, original
    retry_to = "A" if a_alive.is_set() else "B"
    [retry] = driver.send(Delivery(retry_to, user, f"Ev{user}t3", "tick 3", 1))
    if retry.status != 200:  # A died under it: Slack tries again, at the survivor
        driver.send(Delivery("B", user, f"Ev{user}t3", "tick 3", 2))
    driver.wait_replies(user, 4)


def wait_until(predicate: Any, timeout: float, what: str) -> None:
    """Poll until predicate() is true; fail naming what did not happen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def drive(instances: dict[str, Instance], fake: StallingSlack, users: list[str],
          home: dict[str, str], started: float, url: str, item_ids: list[str]) -> TwoInstanceRun:
    """The whole run: both instances, then A killed mid-run, then B alone."""
    driver = Driver(instances, fake)
    other = {"A": "B", "B": "A"}
    try:
        referral = refer_at_a_list_at_b(instances, fake)
        with ThreadPoolExecutor(max_workers=USERS, thread_name_prefix="user") as flows:
            list(flows.map(lambda u: first_phase(driver, u, home[u], other[home[u]]), users))

            # A's replies now stall on their way to Slack; A's users tick 3 at A alone.
            fake.stall_token = instances["A"].token
            a_users = [u for u in users if home[u] == "A"]
            b_users = [u for u in users if home[u] == "B"]
            a_alive = threading.Event()
            a_alive.set()
            carrying_on = [flows.submit(survivor_phase, driver, u, a_alive) for u in b_users]
            acked = driver.send(*[Delivery("A", u, f"Ev{u}t3", "tick 3", None) for u in a_users])
            assert all(d.status == 200 for d in acked), acked
            wait_until(lambda: set(fake.stalled_channels()) >= {f"D{u}" for u in a_users},
                       REPLY_SECONDS, "A's replies to reach the fake")
            a_alive.clear()
            instances["A"].kill()  # mid-run: B's users are still talking to B
            for future in carrying_on:
                future.result(timeout=REPLY_SECONDS * 3)

        # Slack sends again, to the survivor, every event the dead instance acknowledged.
        seen = Counter(d.event_id for d in driver.deliveries)
        resend = sorted({(d.user, d.event_id, d.text) for d in driver.deliveries
                         if d.instance == "A" and d.status == 200})
        for user, event_id, text in resend:
            driver.send(Delivery("B", user, event_id, text, seen[event_id]))
        # Everyone carries on at B: tick 4, and its retry at the same moment.
        with ThreadPoolExecutor(max_workers=USERS, thread_name_prefix="user") as flows:
            def last_tick(user: str) -> None:
                event_id = f"Ev{user}t4"
                statuses = driver.send(Delivery("B", user, event_id, "tick 4", None),
                                       Delivery("B", user, event_id, "tick 4", 1))
                assert all(d.status == 200 for d in statuses), statuses
                wait_until(lambda: reply_count(fake, user, event_id, driver.events) >= 1,
                           REPLY_SECONDS, f"{user}'s reply to tick 4")
            list(flows.map(last_tick, users))
        # The survivor's sweep (every few seconds) finishes what the dead one was holding.
        wait_until(lambda: all(reply_count(fake, u, f"Ev{u}t3", driver.events) >= 1
                               for u in a_users), SWEEP_WAIT_SECONDS,
                   "the survivor to answer the DMs A held when it died")
        time.sleep(SETTLE_SECONDS)
    finally:
        driver.close()
    in_flight = [f"Ev{u}t3" for u in users if f"D{u}" in fake.stalled_channels()]
    replies = {event_id: reply_count(fake, user, event_id, driver.events)
               for event_id, (user, _) in driver.events.items()}
    stored, held = read_database(url, users)
    return TwoInstanceRun(
        users=users, home=home, events=dict(driver.events), deliveries=driver.deliveries,
        replies=replies, in_flight=in_flight, resent_to_survivor=len(resend),
        stored_ticks=stored, wanted_ticks=item_ids[:TICKS], held_after=held,
        survivor_errors=instances["B"].log_tail(10_000).count(" ERROR "),
        seconds=time.monotonic() - started,
        replies_in_dms=sum(len(fake.posts_to(f"D{user}")) for user in users),
        referral=referral, triage_posts=len(fake.posts_to(TRIAGE_CHANNEL)),
        good_news=sum("Good news" in call.dump for call in fake.posts_to(f"D{REFERRER}")),
        referral_history=referral_statuses(url))


def reply_count(fake: StallingSlack, user: str, event_id: str,
                sent: dict[str, tuple[str, str]]) -> int:
    """Replies Slack accepted in the user's DM that answer this event."""
    return sum(event_of(call.dump, user, sent) == event_id
               for call in fake.posts_to(f"D{user}"))


def read_database(url: str, users: list[str]) -> tuple[dict[str, list[str]], int]:
    """Each user's ticks on the stage, read with the bot's own store, and DMs still held."""
    database = open_database(url)
    try:
        store = UserStore(database)
        ticks = {}
        for user in users:
            state = store.peek(UserStore.key(TEAM_ID, user)) or {}
            ticks[user] = list((state.get("ticks") or {}).get(STAGE) or [])
        held = sum(isinstance(v, dict) and "body" in v
                   for v in database.table(LEDGER_TABLE).values())
        return ticks, held
    finally:
        database.close()


def referral_statuses(url: str) -> list[str]:
    """The statuses the one stored referral went through, read with the bot's own store."""
    database = open_database(url)
    try:
        [referral] = ReferralStore(database).all()
        return [entry["status"] for entry in referral.history]
    finally:
        database.close()


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoInstanceRun]:
    """Everything in the module's docstring, once; the figures are printed."""
    started = time.monotonic()
    tmp_path = tmp_path_factory.mktemp("two-instances")
    kb_dir = knowledge_dir()
    stage = next(s for s in check_knowledge(kb_dir).knowledge.stages if s.id == STAGE)
    item_ids = [item.id for item in stage.checklist]
    with running_server() as server:
        url = server.new_database()
        fake = StallingSlack().start()
        base = {"SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.api_url,
                "PATHWAY_DATABASE_URL": url, "PATHWAY_KNOWLEDGE_DIR": str(kb_dir),
                "PATHWAY_LOG_KEY_FILE": str(tmp_path / "shared" / "question-log.key"),
                "PATHWAY_TRIAGE_CHANNEL": TRIAGE_CHANNEL, "PATHWAY_LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1"}
        environ = {**{k: v for k, v in os.environ.items()
                      if not k.startswith(("PATHWAY_", "SLACK_")) and k != "PORT"}, **base}
        instances = {name: Instance(name, f"xoxb-1111-2222-instance{name}", environ,
                                    tmp_path / name) for name in ("A", "B")}
        try:
            for instance in instances.values():  # one at a time: the first makes the log key
                instance.start()
                instance.wait_healthy()
            users = [f"U2I{n:03d}" for n in range(USERS)]
            home = {user: "AB"[n % 2] for n, user in enumerate(users)}
            result = drive(instances, fake, users, home, started, url, item_ids)
        finally:
            fake.release.set()
            for instance in instances.values():
                instance.stop()
            fake.stop()
    print(f"\ntwo instances: {len(result.users)} users, {len(result.events)} DM events in "
          f"{len(result.deliveries)} deliveries ({result.resent_to_survivor} re-sent to the "
          f"survivor); duplicates {result.duplicates()}; unanswered {len(result.unanswered())} "
          f"(in flight at the kill {len(result.in_flight)}); ticks lost {result.ticks_lost()}; "
          f"held after {result.held_after}; {result.seconds:.1f} s")
    yield result


def test_every_delivery_is_acknowledged(run: TwoInstanceRun) -> None:
    refused = [d for d in run.deliveries if d.status != 200]
    # Only retries that were on their way to A as it died may go unacknowledged.
    assert all(d.instance == "A" and d.retry_num for d in refused), refused


def test_no_tick_is_lost(run: TwoInstanceRun) -> None:
    assert run.ticks_lost() == 0, {u: t for u, t in run.stored_ticks.items()
                                   if set(t) != set(run.wanted_ticks)}
    assert all(sorted(t) == sorted(run.wanted_ticks) for t in run.stored_ticks.values())


def test_no_reply_is_posted_twice(run: TwoInstanceRun) -> None:
    assert run.duplicates() == 0, {e: n for e, n in run.replies.items() if n > 1}
    assert sum(run.replies.values()) == run.replies_in_dms  # every reply answers one event
    assert run.survivor_errors == 0


def test_every_message_not_in_flight_at_the_kill_is_answered_once(run: TwoInstanceRun) -> None:
    assert len(run.events) == USERS * (1 + TICKS)
    assert len(run.in_flight) == USERS // 2  # the kill did catch A with replies unsent
    answered = {e: n for e, n in run.replies.items() if e not in run.in_flight}
    assert answered == dict.fromkeys(answered, 1)


def test_messages_the_killed_instance_acknowledged_are_answered_by_the_survivor(
        run: TwoInstanceRun) -> None:
    assert run.unanswered() == []
    assert run.held_after == 0


def test_a_referral_made_at_one_instance_is_listed_by_the_other(run: TwoInstanceRun) -> None:
    referral_id, listed_by_b = run.referral
    assert referral_id in listed_by_b


def test_a_referral_is_posted_once_and_decided_once_when_accept_reaches_both(
        run: TwoInstanceRun) -> None:
    assert run.triage_posts == 1
    assert run.good_news == 1
    assert run.referral_history == ["pending", "sent", "accepted"]
