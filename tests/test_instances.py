"""Instances on one database: heartbeats, `status` per instance, reloads that reach all (issue 14).

Two instances are two registries with their own process names over one SQLite file (the
same code runs over PostgreSQL in tests/test_instances_postgres.py, with real processes).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.service import KnowledgeHolder, Pathway
from bot.service.admin import Admin
from bot.service.instances import Instances
from bot.store.database import Database
from bot.store.events import TABLE as LEDGER_TABLE
from bot.store.events import EventLedger, this_process
from bot.store.instances import FORGET_SECONDS, LIVE_SECONDS, TABLE, InstanceRegistry
from tests.conftest import BUNDLED_KNOWLEDGE, ENGINE_KB

OTHER = {"host": "ward-b.example", "pid": 4242, "run": "b0b0b0"}


class Clock:
    """A wall clock the test moves by hand."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def registry(database: Database, clock: Clock) -> InstanceRegistry:
    return InstanceRegistry(database, this_process(), clock)


def beat(registry: InstanceRegistry, version: str = "v1", generation: int = 0) -> int:
    return registry.beat("serve", version, "2026-12-02T09:00:00+00:00", generation, None)


def test_a_heartbeat_is_live_until_it_stops_for_longer_than_the_limit(
        registry: InstanceRegistry, clock: Clock) -> None:
    beat(registry)
    [me] = registry.instances()
    assert me.key == registry.key and me.live(clock.now) and me.version == "v1"
    clock.now += LIVE_SECONDS + 1
    [me] = registry.instances()
    assert not me.live(clock.now)


def test_a_clean_stop_is_marked_at_once_and_old_rows_are_pruned(
        database: Database, registry: InstanceRegistry, clock: Clock) -> None:
    other = InstanceRegistry(database, OTHER, clock)
    beat(registry)
    beat(other)
    other.leave()
    live = {i.key: i.live(clock.now) for i in registry.instances()}
    assert live == {registry.key: True, other.key: False}
    clock.now += FORGET_SECONDS + 1
    beat(registry)
    assert [i.key for i in registry.instances()] == [registry.key]


def test_a_damaged_row_is_ignored_and_pruned(database: Database,
                                             registry: InstanceRegistry) -> None:
    with database.transaction() as tx:
        tx.put(TABLE, "junk", ["not", "a", "heartbeat"])
        tx.put(TABLE, "half", {"host": "x", "seen": "yesterday"})
    assert registry.instances() == []
    beat(registry)
    assert [key for key, _ in database.table(TABLE).items()] == [registry.key]


def test_reload_requests_are_numbered_and_every_beat_sees_the_newest(
        database: Database, registry: InstanceRegistry, clock: Clock) -> None:
    other = InstanceRegistry(database, OTHER, clock)
    assert registry.generation() == 0 and beat(other) == 0
    assert registry.request_reload(by=registry.key) == 1
    assert registry.request_reload(by=registry.key) == 2
    assert beat(other) == 2


class Serving:
    """An instance: its own knowledge files, holder and registry, over the shared database."""

    def __init__(self, database: Database, directory: Path, me: dict, clock: Clock) -> None:
        self.directory = directory
        self.holder = KnowledgeHolder(directory)
        self.reloads = 0
        self.instances = Instances(InstanceRegistry(database, me, clock), self.holder,
                                   database, reload_wait=1.0)

    def reload(self):
        self.reloads += 1
        return self.holder.reload()

    def beat(self):
        return self.instances.beat("serve", self.reload)


def knowledge_copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(ENGINE_KB, target)
    return target


def edit_a_title(directory: Path) -> None:
    """Change one stage title: a new, valid version of the knowledge base."""
    path = directory / "stages.yaml"
    text = path.read_text()
    path.write_text(text.replace("title:", "title: Edited", 1), encoding="utf-8")


def test_a_new_instance_does_not_reload_for_requests_made_before_it_started(
        database: Database, tmp_path: Path, clock: Clock) -> None:
    InstanceRegistry(database, OTHER, clock).request_reload(by="someone")
    late = Serving(database, knowledge_copy(tmp_path, "kb"), this_process(), clock)
    assert late.beat() is None and late.reloads == 0


def test_a_reload_asked_by_one_instance_is_carried_out_by_the_others_once(
        database: Database, tmp_path: Path, clock: Clock) -> None:
    a = Serving(database, knowledge_copy(tmp_path, "a"), this_process(), clock)
    b = Serving(database, knowledge_copy(tmp_path, "b"), OTHER, clock)
    a.beat(), b.beat()
    before = b.holder.current.knowledge.version
    edit_a_title(b.directory)
    generation = a.instances.request_reload()
    result = b.beat()
    assert result is not None and result.ok and result.version != before
    assert b.beat() is None and b.reloads == 1  # once, not on every beat
    assert a.beat() is None and a.reloads == 0  # the asker had reloaded itself already
    [seen_b] = [i for i in a.instances.live() if i.key == b.instances.key]
    assert seen_b.generation == generation and seen_b.version == result.version
    assert seen_b.reload_ok is True


@pytest.fixture
def two(database: Database, tmp_path: Path, clock: Clock
        ) -> Iterator[tuple[Pathway, Serving, Admin]]:
    """A serving Pathway with its admin, and another serving instance beside it."""
    pathway = Pathway(KnowledgeHolder(knowledge_copy(tmp_path, "a")), database)
    pathway.instances = Instances(InstanceRegistry(database, this_process(), clock),
                                  pathway.knowledge, database, reload_wait=1.0)
    other = Serving(database, knowledge_copy(tmp_path, "b"), OTHER, clock)
    pathway.instances.beat("serve", pathway.knowledge.reload)
    other.beat()
    yield pathway, other, Admin(pathway, frozenset({"UADMIN"}))


def test_status_lists_each_instance_with_its_version(two, clock: Clock) -> None:
    pathway, other, admin = two
    text = admin.run("UADMIN", "status").text
    version = pathway.knowledge_base().version
    assert "Instances on this database (2 running):" in text
    assert f"{OTHER['host']}:{OTHER['pid']} (serve): version {version}" in text
    assert "(this one) (serve)" in text
    assert "different versions" not in text

    edit_a_title(other.directory)
    other.holder.reload()
    other.beat()
    assert "Warning: the running instances serve different versions" in admin.run(
        "UADMIN", "status").text

    clock.now += LIVE_SECONDS + 5
    pathway.instances.beat("serve", pathway.knowledge.reload)
    text = admin.run("UADMIN", "status").text
    assert "Instances on this database (1 running):" in text
    assert f"{OTHER['host']}:{OTHER['pid']} (serve): stopped or lost, last heard 25 s ago" in text


@contextmanager
def beating(instance: Serving) -> Iterator[None]:
    """The instance beats every 50 ms in the background, as its heartbeat thread would."""
    stop = threading.Event()

    def keep_beating() -> None:
        while not stop.wait(0.05):
            instance.beat()

    thread = threading.Thread(target=keep_beating)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def test_reload_reaches_the_other_instance_and_reports_how_it_fared(two) -> None:
    pathway, other, admin = two
    edit_a_title(other.directory)
    with beating(other):
        reply = admin.run("UADMIN", "reload")
    new_version = other.holder.current.knowledge.version
    assert reply.ok and other.reloads == 1
    assert new_version != pathway.knowledge_base().version
    assert "The other instances, asked to reload too:" in reply.text
    assert f"{OTHER['host']}:{OTHER['pid']}: now serving version {new_version}" in reply.text


def test_an_instance_that_does_not_answer_or_rejects_the_files_is_named(two) -> None:
    _, other, admin = two
    old = other.holder.current.knowledge.version
    (other.directory / "stages.yaml").write_text("stages: [unclosed", encoding="utf-8")
    silent = admin.run("UADMIN", "reload").text  # nobody beats while the admin waits
    assert f"{OTHER['host']}:{OTHER['pid']}: no answer within 1 s" in silent
    result = other.beat()  # it catches up later, and keeps its last good version
    assert result is not None and not result.ok
    assert f"{OTHER['host']}:{OTHER['pid']} (serve): version {old}" in admin.run(
        "UADMIN", "status").text
    with beating(other):
        rejected = admin.run("UADMIN", "reload").text
    assert f"{OTHER['host']}:{OTHER['pid']}: rejected the files, still serving version " \
           f"{old}" in rejected


def test_with_no_other_instance_reload_says_so(pathway: Pathway) -> None:
    reply = Admin(pathway, frozenset({"UADMIN"})).run("UADMIN", "reload")
    assert reply.ok and "No other instance is serving from this database." in reply.text
    assert "Instances: none is serving Slack" in Admin(
        pathway, frozenset({"UADMIN"})).run("UADMIN", "status").text


def test_held_messages_of_an_instance_whose_heartbeat_stopped_are_taken_on_any_host(
        database: Database, clock: Clock) -> None:
    other = InstanceRegistry(database, OTHER, clock)
    beat(other)
    with database.transaction() as tx:
        tx.put(LEDGER_TABLE, "Ev1", {"at": clock.now, "body": {"event": {"user": "U1"}},
                                     "owner": OTHER})
    ledger = EventLedger(database, clock=clock)
    assert ledger.take_unfinished() == []  # another host, beating: its own to finish
    clock.now += LIVE_SECONDS + 1
    [(event_id, held)] = ledger.take_unfinished()
    assert event_id == "Ev1" and held["owner"] == this_process()


def test_held_messages_of_an_instance_that_stopped_cleanly_are_taken_at_once(
        database: Database, clock: Clock) -> None:
    other = InstanceRegistry(database, OTHER, clock)
    beat(other)
    with database.transaction() as tx:
        tx.put(LEDGER_TABLE, "Ev2", {"at": clock.now, "body": {"event": {"user": "U2"}},
                                     "owner": OTHER})
    other.leave()
    assert [event_id for event_id, _ in EventLedger(database, clock=clock).take_unfinished()] \
        == ["Ev2"]


def test_warm_up_builds_what_the_first_welsh_question_would_wait_for(
        database: Database) -> None:
    pathway = Pathway(KnowledgeHolder(BUNDLED_KNOWLEDGE), database)
    assert pathway.snapshot().matcher._welsh_matcher is None
    pathway.warm_up()
    assert pathway.snapshot().matcher._welsh_matcher is not None
