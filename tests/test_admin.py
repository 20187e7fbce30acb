"""Admin commands and the reports built from real conversations."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.replies import Asked
from bot.core.wording import CATALOGUE, say
from bot.service import Pathway
from bot.service.admin import ADMIN_COMMANDS, Admin
from bot.store.questions import QuestionLog
from tests.conftest import ENGINE_KB, ROOT

W = "T1"


@pytest.fixture
def admin(pathway: Pathway) -> Admin:
    return Admin(pathway, frozenset({"UADMIN"}))


def converse(pathway: Pathway) -> None:
    """Real conversations: some answered, some declined, some votes."""
    for user, question in [
        ("U1", "what is the weather today"), ("U2", "whats the weather like today"),
        ("U3", "what's the weather today?"), ("U1", "how do I book annual leave"),
        ("U2", "is my app a medical device"), ("U3", "do i need ethics approval"),
    ]:
        pathway.respond(W, user, question)
    pathway.record_feedback(W, "U1", "medical-device", helpful=False)
    pathway.record_feedback(W, "U2", "medical-device", helpful=False)
    pathway.record_feedback(W, "U3", "ethics-approval", helpful=True)


def test_non_admins_are_refused_politely_and_logged(admin: Admin, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="pathway.admin"):
        reply = admin.run("U1", "status")
    assert not reply.ok
    assert "only for the Pathway admin team" in reply.text
    assert "refused admin command 'status' from user U1" in caplog.text


def test_status(admin: Admin, pathway: Pathway) -> None:
    pathway.respond(W, "U1", "stage idea")
    reply = admin.run("UADMIN", "status")
    assert reply.ok
    version = pathway.knowledge_base().version
    assert f"version {version}" in reply.text
    assert "5 stages, 4 organisations, 3 topics, 2 evaluation guides" in reply.text
    assert "Users with saved progress: 1" in reply.text
    assert "Uptime: 0:00:0" in reply.text


def test_unknown_command_and_bad_days(admin: Admin) -> None:
    assert "Unknown admin command 'frobnicate'" in admin.run("UADMIN", "frobnicate").text
    reply = admin.run("UADMIN", "unanswered lots")
    assert not reply.ok and "'lots' is not a number of days" in reply.text
    assert "Admin commands:" in admin.run("UADMIN", "").text


def test_unanswered_groups_similar_questions(admin: Admin, pathway: Pathway) -> None:
    converse(pathway)
    reply = admin.run("UADMIN", "unanswered 7")
    lines = reply.text.splitlines()
    assert "(4 in 2 groups)" in lines[0]
    assert lines[1].strip().startswith('3 x "what is the weather today"')
    assert lines[2].strip().startswith('1 x "how do I book annual leave"')
    assert "medical" not in reply.text


def test_feedback_report(admin: Admin, pathway: Pathway) -> None:
    converse(pathway)
    lines = admin.run("UADMIN", "feedback").text.splitlines()
    assert "2 / 0" in lines[1] and "medical-device" in lines[1]
    assert "0 / 1" in lines[2] and "ethics-approval" in lines[2]


def test_export_parses_back(admin: Admin, pathway: Pathway) -> None:
    converse(pathway)
    pathway.respond(W, "U4", "=HYPERLINK(\"http://evil\")")
    reply = admin.run("UADMIN", "export 30")
    rows = list(csv.DictReader(io.StringIO(reply.csv)))
    unanswered = [r for r in rows if r["report"] == "unanswered"]
    votes = [r for r in rows if r["report"] == "feedback"]
    assert sorted(int(r["count"]) for r in unanswered) == [1, 1, 3]
    assert {r["question_or_entry"]: r["not_helped"] for r in votes} == {
        "medical-device": "2", "ethics-approval": "0"}
    assert any(r["question_or_entry"].startswith("'=HYPERLINK") for r in unanswered)


def test_reload_command(admin: Admin) -> None:
    reply = admin.run("UADMIN", "reload")
    assert reply.ok and reply.text.startswith("Reloaded: version")
    assert "Last reload: ok" in admin.run("UADMIN", "status").text


def test_question_log_keeps_no_user_ids(pathway: Pathway) -> None:
    converse(pathway)
    dumped = json.dumps(pathway.questions_asked())
    for user in ("U1", "U2", "U3", f"{W}:U1"):
        assert user not in dumped
    hashes = {row["user"] for row in pathway.questions_asked()}
    assert len(hashes) == 3


def test_retention_purge(database) -> None:
    log = QuestionLog(database, retention_days=90)
    now = dt.datetime(2026, 11, 26, 12, tzinfo=dt.timezone.utc)
    asked = Asked("old question", None, 0.0, None, 0.0)
    log.record("T1:U1", asked, now=now - dt.timedelta(days=91))
    log.record("T1:U1", Asked("recent question", None, 0.0, None, 0.0),
               now=now - dt.timedelta(days=89))
    assert log.purge(now=now) == 1
    assert [row["text"] for row in log.rows()] == ["recent question"]


def test_salt_is_stable_across_restarts(tmp_path: Path) -> None:
    from bot.store.database import Database

    first = Database(tmp_path / "s.sqlite")
    digest = QuestionLog(first).user_hash("T1:U1")
    first.close()
    second = Database(tmp_path / "s.sqlite")
    assert QuestionLog(second).user_hash("T1:U1") == digest
    second.close()


def run_admin(tmp_path: Path, *words: str, admins: str = "nia") -> subprocess.CompletedProcess:
    env = {**os.environ, "PATHWAY_DATA_DIR": str(tmp_path), "PATHWAY_ADMINS": admins,
           "PATHWAY_KNOWLEDGE_DIR": str(ENGINE_KB)}
    return subprocess.run([sys.executable, str(ROOT / "run_bot.py"), "admin", *words],
                          capture_output=True, text=True, env=env, timeout=60, cwd=tmp_path)


def test_terminal_admin_commands(tmp_path: Path) -> None:
    env = {**os.environ, "PATHWAY_DATA_DIR": str(tmp_path), "PATHWAY_KNOWLEDGE_DIR": str(ENGINE_KB)}
    subprocess.run([sys.executable, str(ROOT / "run_bot.py"), "ask", "what is the weather"],
                   env=env, capture_output=True, timeout=60, cwd=tmp_path, check=True)
    refused = run_admin(tmp_path, "--user", "someone", "status")
    assert refused.returncode == 1 and "only for the Pathway admin team" in refused.stderr
    status = run_admin(tmp_path, "--user", "nia", "status")
    assert status.returncode == 0 and "Knowledge base: version" in status.stdout
    report = run_admin(tmp_path, "--user", "nia", "unanswered")
    assert '1 x "what is the weather"' in report.stdout
    out = tmp_path / "report.csv"
    exported = run_admin(tmp_path, "--user", "nia", "--output", str(out), "export")
    assert exported.returncode == 0
    rows = list(csv.DictReader(out.open()))
    assert rows[0]["question_or_entry"] == "what is the weather"


def test_the_unanswered_report_says_which_language_was_asked(admin: Admin,
                                                             pathway: Pathway) -> None:
    converse(pathway)
    pathway.respond(W, "U5", "Sut mae'r tywydd yn Aberystwyth heddiw, tybed?")
    lines = admin.run("UADMIN", "unanswered 7").text.splitlines()
    assert any("Aberystwyth" in line and line.endswith("(cy)") for line in lines)
    assert any("weather today" in line and line.endswith("(en)") for line in lines)
    rows = list(csv.DictReader(io.StringIO(admin.run("UADMIN", "export 30").csv)))
    languages = {r["question_or_entry"]: r["language"] for r in rows
                 if r["report"] == "unanswered"}
    assert languages["Sut mae'r tywydd yn Aberystwyth heddiw, tybed?"] == "cy"
    assert languages["what is the weather today"] == "en"


def test_admin_commands_answer_in_welsh(admin: Admin, pathway: Pathway) -> None:
    converse(pathway)
    help_text = admin.run("UADMIN", "help", "cy").text
    assert help_text.startswith(say("admin.help_title", "cy"))
    assert "  reload: llwytho ffeiliau'r sylfaen wybodaeth eto nawr, ar bob copi" in help_text
    status = admin.run("UADMIN", "status", "cy").text
    assert say("admin.status_uptime", "cy", uptime="").strip() in status
    assert "Knowledge base: version" not in status
    assert "Copïau: does dim copi" in status
    bad = admin.run("UADMIN", "unanswered lots", "cy")
    assert not bad.ok and bad.text == say("admin.bad_days", "cy", text="lots", max=3650)
    assert admin.run("U1", "status", "cy").text == say("admin.refused", "cy")


def test_help_describes_each_admin_command_as_its_mark_does() -> None:
    for found in ADMIN_COMMANDS.listed:
        assert CATALOGUE[f"admin_command.{found.name}"]["en"] == found.description, found.name
        assert CATALOGUE[f"admin_command.{found.name}"].get("cy"), found.name


def test_terminal_admin_answers_in_the_language_asked_or_saved(tmp_path: Path) -> None:
    welsh = run_admin(tmp_path, "--user", "nia", "--lang", "cy", "status")
    assert welsh.returncode == 0 and "Amser ar waith" in welsh.stdout
    env = {**os.environ, "PATHWAY_DATA_DIR": str(tmp_path), "PATHWAY_KNOWLEDGE_DIR": str(ENGINE_KB)}
    subprocess.run([sys.executable, str(ROOT / "run_bot.py"), "ask", "--user", "nia", "Cymraeg"],
                   env=env, capture_output=True, timeout=60, cwd=tmp_path, check=True)
    saved = run_admin(tmp_path, "--user", "nia", "status")
    assert "Amser ar waith" in saved.stdout
