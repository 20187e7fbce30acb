"""Live knowledge base edits: valid edits go live, invalid ones are rejected and reported."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.service import KnowledgeHolder, Pathway, ReloadResult
from bot.service.reloader import KnowledgeWatcher, describe, reload_on_sighup
from bot.store.database import Database


def rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    # make sure the modification time moves even on coarse file systems
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def answer(pathway: Pathway, question: str) -> str:
    return pathway.respond("T1", "U1", question).text


def test_valid_edit_invalid_edit_and_fix(kb_dir: Path, tmp_path: Path) -> None:
    holder = KnowledgeHolder(kb_dir)
    database = Database(tmp_path / "state.sqlite")
    pathway = Pathway(holder, database)
    told: list[ReloadResult] = []
    watcher = KnowledgeWatcher(holder, notify=told.append, interval=0.05)
    watcher.start()
    try:
        topics = kb_dir / "topics.yaml"
        assert answer(pathway, "is my app a medical device").startswith("Its intended purpose")

        rewrite(topics, "Its intended purpose decides.", "What it is for decides.")
        wait_for(lambda: len(told) == 1)
        assert told[0].ok
        assert answer(pathway, "is my app a medical device").startswith("What it is for")
        good_version = holder.current.knowledge.version

        rewrite(topics, "  stage: prototype", "  stage: protoype")
        wait_for(lambda: len(told) == 2)
        assert not told[1].ok and told[1].version == good_version
        message = describe(told[1])
        assert "rejected; still serving version" in message
        assert f"{topics.name}:" in message and "'protoype' is not allowed" in message
        # the bot keeps answering from the last good version
        assert answer(pathway, "is my app a medical device").startswith("What it is for")
        assert holder.current.knowledge.version == good_version

        rewrite(topics, "  stage: protoype", "  stage: prototype")
        wait_for(lambda: len(told) == 3)
        assert told[2].ok
        assert holder.last_reload is told[2]
    finally:
        watcher.stop()
        database.close()


def test_no_reload_without_a_change(kb_dir: Path) -> None:
    holder = KnowledgeHolder(kb_dir)
    watcher = KnowledgeWatcher(holder, notify=lambda r: None)
    assert watcher.check_now() is None
    (kb_dir / "extra.yaml").write_text("topics: []\n")
    result = watcher.check_now()
    assert result is not None and not result.ok  # an empty list is an error


def test_a_failing_notification_does_not_stop_reloads(kb_dir: Path) -> None:
    holder = KnowledgeHolder(kb_dir)

    def broken_notify(result: ReloadResult) -> None:
        raise RuntimeError("Slack is down")

    watcher = KnowledgeWatcher(holder, notify=broken_notify)
    rewrite(kb_dir / "topics.yaml", "Its intended purpose decides.", "Purpose decides.")
    result = watcher.check_now()
    assert result is not None and result.ok


def test_sighup_reloads(kb_dir: Path) -> None:
    holder = KnowledgeHolder(kb_dir)
    told: list[ReloadResult] = []
    watcher = KnowledgeWatcher(holder, notify=told.append)
    previous = signal.getsignal(signal.SIGHUP)
    try:
        reload_on_sighup(watcher)
        rewrite(kb_dir / "topics.yaml", "Its intended purpose decides.", "Purpose decides.")
        os.kill(os.getpid(), signal.SIGHUP)
        wait_for(lambda: len(told) == 1)
        assert told[0].ok
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_an_edit_keeping_size_and_mtime_is_noticed(kb_dir: Path, tmp_path: Path) -> None:
    holder = KnowledgeHolder(kb_dir)
    database = Database(tmp_path / "state.sqlite")
    pathway = Pathway(holder, database)
    watcher = KnowledgeWatcher(holder, notify=lambda r: None)
    topics = kb_dir / "topics.yaml"
    before = topics.stat()
    topics.write_text(topics.read_text().replace("Its intended purpose", "Its declared purpose"))
    os.utime(topics, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = topics.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    result = watcher.check_now()
    assert result is not None and result.ok
    assert answer(pathway, "is my app a medical device").startswith("Its declared purpose")
    database.close()


def test_replies_do_not_wait_for_a_reload_in_progress(kb_dir: Path, tmp_path: Path) -> None:
    holder = KnowledgeHolder(kb_dir)
    database = Database(tmp_path / "state.sqlite")
    pathway = Pathway(holder, database)
    replies: list[str] = []
    worker = threading.Thread(
        target=lambda: replies.append(answer(pathway, "is my app a medical device")))
    with holder._lock:  # what a reload holds from reading the files to swapping them in
        worker.start()
        worker.join(timeout=30)
    assert replies and replies[0].startswith("Its intended purpose")
    database.close()


@pytest.fixture
def served(kb_dir: Path, tmp_path: Path) -> Iterator[tuple[KnowledgeHolder, Pathway, Database]]:
    """A Pathway on the editable knowledge base, its holder (to reload) and its database."""
    holder = KnowledgeHolder(kb_dir)
    database = Database(tmp_path / "state.sqlite")
    yield holder, Pathway(holder, database), database
    database.close()


def test_a_tick_outlives_its_item_renamed_by_mistake_and_is_back_when_it_is(
        kb_dir: Path, served: tuple[KnowledgeHolder, Pathway, Database]) -> None:
    holder, pathway, _ = served
    pathway.respond("T1", "U1", "stage prototype")
    pathway.respond("T1", "U1", "tick 1")
    pathway.respond("T1", "U1", "tick 2")
    assert pathway.checklist("T1", "U1", "prototype").checklist.done == 2

    # an admin renames item 2's id by mistake; the user ticks another item meanwhile
    rewrite(kb_dir / "stages.yaml", "id: prototype-device", "id: prototype-devise")
    result = holder.reload()
    assert result.ok and result.removed_items == (
        "prototype / prototype-device (Decide if it is a medical device)",)
    assert "took 1 checklist item(s) away" in describe(result)
    assert "• prototype / prototype-device" in describe(result)
    reply = pathway.respond("T1", "U1", "tick 3")
    assert reply.checklist.done == 2  # items 1 and 3: the renamed item is not ticked
    untick = pathway.tick("T1", "U1", "prototype", "prototype-ip", done=False)
    assert untick.checklist.done == 1
    dashboard = pathway.dashboard("T1", "U1")
    assert next(p for p in dashboard.progress if p.id == "prototype").done == 1

    rewrite(kb_dir / "stages.yaml", "id: prototype-devise", "id: prototype-device")
    result = holder.reload()
    # putting the id back takes the misspelt one away, and says so
    assert result.ok and result.removed_items == (
        "prototype / prototype-devise (Decide if it is a medical device)",)
    assert holder.reload().removed_items == ()
    assert "\n" not in describe(holder.reload())
    items = pathway.checklist("T1", "U1", "prototype").checklist.items
    assert [item.done for item in items] == [False, True, True]


def test_a_connect_form_whose_organisation_an_edit_removed_stops_and_gives_the_answers_back(
        kb_dir: Path, served: tuple[KnowledgeHolder, Pathway, Database]) -> None:
    holder, pathway, database = served
    pathway.respond("T1", "U1", "connect mhra")
    pathway.respond("T1", "U1", "An app that reminds people to walk")
    # an admin renames the organisation (and what points at it) while the form is open
    rewrite(kb_dir / "organisations.yaml", "- id: mhra\n", "- id: mhra-uk\n")
    for name in ("stages.yaml", "topics.yaml"):
        rewrite(kb_dir / name, "  - mhra\n", "  - mhra-uk\n")
    assert holder.reload().ok
    reply = pathway.respond("T1", "U1", "People forget their exercises at home")
    assert "stopped this referral" in reply.text and "(mhra)" in reply.text
    assert "An app that reminds people to walk" in reply.text
    assert "People forget their exercises at home" in reply.text
    assert [o.say for o in reply.options] == ["contacts"]
    assert pathway.kept("T1", "U1").get("pending") is None
    assert "mhra" not in str(database.table("referrals").values())
