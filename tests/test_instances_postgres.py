"""`/pathway-admin status` and `reload` across two `serve` processes on PostgreSQL (issue 14).

Two real instances, each with its own copy of the knowledge files, share one database. An
admin on instance A sees both in `status`; `reload` on A reaches B (woken by NOTIFY, or by
its next heartbeat) and A's reply says what B now serves; a clean stop of B shows at once.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fake_slack import SIGNING_SECRET, TEAM_ID, FakeSlack
from postgres_server import running_server
from slack_fixtures import knowledge_dir
from two_instances import Instance

pytestmark = pytest.mark.slow  # a PostgreSQL server and two bots start: about 10 s

ADMIN = "UADMIN01"
WAIT_SECONDS = 20.0


def admin(instance: Instance, fake: FakeSlack, text: str, name: str) -> str:
    """Run /pathway-admin on one instance; the reply it sent to the response_url."""
    form = {"token": "unused", "team_id": TEAM_ID, "team_domain": "test", "channel_id": "C1",
            "channel_name": "general", "user_id": ADMIN, "user_name": "admin",
            "command": "/pathway-admin", "text": text, "api_app_id": "A0PATHWAY",
            "response_url": fake.response_url(name), "trigger_id": "1.2.trigger"}
    assert instance.post(urlencode(form), "application/x-www-form-urlencoded") == 200
    [call] = fake.wait_for("response_url", lambda c: c.path.endswith(f"/{name}"),
                           timeout=WAIT_SECONDS)
    return call.dump


def status_until(instance: Instance, fake: FakeSlack, wanted: str) -> str:
    """`status` again until its text holds ``wanted`` (heartbeats come every 5 s)."""
    deadline = time.monotonic() + WAIT_SECONDS
    attempt = 0
    while True:
        attempt += 1
        text = admin(instance, fake, "status", f"status-{wanted[:8]}-{attempt}".replace(" ", ""))
        if wanted in text or time.monotonic() > deadline:
            return text
        time.sleep(0.5)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[dict[str, Instance], FakeSlack, dict[str, Path]]]:
    tmp_path = tmp_path_factory.mktemp("instances-pg")
    copies = {name: tmp_path / f"knowledge-{name}" for name in "AB"}
    for copy in copies.values():
        shutil.copytree(knowledge_dir(), copy)
    with running_server() as server:
        fake = FakeSlack().start()
        base = {"SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.api_url,
                "PATHWAY_DATABASE_URL": server.new_database(), "PATHWAY_ADMINS": ADMIN,
                "PATHWAY_LOG_KEY_FILE": str(tmp_path / "question-log.key"),
                "PATHWAY_LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"}
        environ = {**{k: v for k, v in os.environ.items()
                      if not k.startswith(("PATHWAY_", "SLACK_")) and k != "PORT"}, **base}
        instances = {name: Instance(name, f"xoxb-1111-2222-instance{name}",
                                    {**environ, "PATHWAY_KNOWLEDGE_DIR": str(copies[name])},
                                    tmp_path / name) for name in "AB"}
        try:
            for instance in instances.values():
                instance.start()
                instance.wait_healthy()
            yield instances, fake, copies
        finally:
            for instance in instances.values():
                instance.stop()
            fake.stop()


def pid(instance: Instance) -> int:
    assert instance.process is not None
    return instance.process.pid


def test_status_reload_and_a_clean_stop_across_two_instances(pair) -> None:
    instances, fake, copies = pair
    a, b = instances["A"], instances["B"]
    text = status_until(a, fake, "(2 running)")
    assert "Instances on this database (2 running):" in text, text
    assert f":{pid(a)} (this one) (serve): version" in text
    assert f":{pid(b)} (serve): version" in text
    assert "different versions" not in text

    # An edit reaches only B's copy of the files; A's reload asks B, and says what B serves.
    stages = copies["B"] / "stages.yaml"
    stages.write_text(stages.read_text(encoding="utf-8").replace(
        "en: Idea and need", "en: Idea and need (edited)", 1), encoding="utf-8")
    reply = admin(a, fake, "reload", "reload")
    assert "Reloaded: version" in reply
    assert "The other instances, asked to reload too:" in reply, reply
    assert f":{pid(b)}: now serving version" in reply, reply
    assert "another instance asked for a reload" in b.log.read_text(errors="replace")
    assert "different versions" in status_until(a, fake, "different versions")

    b.stop()
    text = status_until(a, fake, "(1 running)")
    assert f":{pid(b)} (serve): stopped or lost" in text, text
