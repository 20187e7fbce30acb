"""Measurement in the terminal (issue 15): charts and exported plans are saved as files in the
user's folder under the data directory, `ask --json "chart <measure>"` gives the path and the
summary, `me` names the files and `forget me` deletes them."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.channels.files import file_name, save_files, user_folder
from bot.core.replies import ChartImage, Reply
from tests.conftest import ROOT

PNG = b"\x89PNG\r\n\x1a\n"


def run(args: list[str], data_dir: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    environ = {**os.environ, "PATHWAY_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, str(ROOT / "run_bot.py"), *args], input=stdin,
                          capture_output=True, text=True, env=environ, timeout=120,
                          cwd=data_dir.parent)


def sixteen_days() -> list[str]:
    """Eight readings around 20, then eight around 12: a shift the run chart must find."""
    today = dt.date.today()
    values = [20, 22, 19, 21, 20, 23, 21, 22, 12, 11, 13, 12, 10, 12, 11, 13]
    return [f"log waits {v} {(today - dt.timedelta(days=16 - n)).strftime('%d/%m/%Y')}"
            for n, v in enumerate(values)]


def saved_paths(out: str) -> list[Path]:
    """The files the terminal said it saved, in order."""
    return [Path(path) for path in
            re.findall(r"^(?:Chart saved|Plan saved as Markdown): (.+)$", out, re.MULTILINE)]


def test_sixteen_points_logged_charted_and_exported_in_the_terminal(tmp_path: Path) -> None:
    data = tmp_path / "data"
    lines = [*sixteen_days(), "chart waits", "export plan", "quit"]
    result = run(["chat", "--user", "nia"], data, "\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    chart, export = saved_paths(result.stdout)
    folder = chart.parent.parent
    assert folder.parent == data / "users" and export.parent.parent == folder
    assert chart.name == "waits.png" and chart.parent.name == "charts"
    assert chart.read_bytes().startswith(PNG) and chart.stat().st_size > 5000
    assert "a shift" in result.stdout
    assert export.parent.name == "exports" and "waits" in export.read_text(encoding="utf-8")


def test_each_user_has_a_folder_that_me_names_and_forget_me_deletes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    charted = [*sixteen_days(), "chart waits", "export plan"]
    alice = run(["chat", "--user", "../alice"], data, "\n".join([*charted, "me"]) + "\n")
    bob = run(["chat", "--user", "bob"], data, "\n".join(charted) + "\n")
    assert alice.returncode == bob.returncode == 0, alice.stderr + bob.stderr
    alice_files, bob_files = saved_paths(alice.stdout), saved_paths(bob.stdout)
    assert len(alice_files) == len(bob_files) == 2
    assert not set(alice_files) & set(bob_files)  # two users never overwrite each other
    alice_folder = alice_files[0].parent.parent
    assert "alice" not in str(alice_folder) and alice_folder.parent == data / "users"
    assert ("• Files saved for you in the terminal (charts and exported plans): 2, in "
            f"{alice_folder}") in alice.stdout
    forgot = run(["chat", "--user", "../alice"], data, "forget me\nyes\nme\n")
    assert "I've deleted everything I kept about you" in forgot.stdout
    assert "Files saved for you" not in forgot.stdout
    assert not alice_folder.exists()
    assert all(path.is_file() for path in bob_files)  # bob's files are his to delete


def test_an_earlier_versions_shared_charts_are_named_by_me_and_forget_me_not_deleted(
        tmp_path: Path) -> None:
    """Charts and plans saved for everyone together (before the per-user folders) belong to
    nobody "forget me" can tell: `me` and "forget me" say where they are, and leave them."""
    data = tmp_path / "data"
    (data / "charts").mkdir(parents=True)
    (data / "charts" / "waits.png").write_bytes(PNG)
    (data / "exports").mkdir()  # empty: nothing to say of it
    note = ("Charts and plans that an earlier version of Pathway saved for everyone using "
            f"this data folder together are still in {data / 'charts'}.")
    seen = run(["chat", "--user", "nia"], data, "stage idea\nme\nforget me\nyes\n")
    assert seen.returncode == 0, seen.stderr
    assert seen.stdout.count(note) == 2  # under "what I keep", and after the deletion
    assert str(data / "exports") not in seen.stdout
    assert (data / "charts" / "waits.png").is_file()
    welsh = run(["chat", "--user", "siân"], data, "Cymraeg\nme\n")
    assert ("siartiau a chynlluniau a gadwodd fersiwn gynharach o Pathway i bawb sy'n "
            "defnyddio'r ffolder ddata hon gyda'i gilydd yn dal yn "
            f"{data / 'charts'}.") in welsh.stdout
    (data / "charts" / "waits.png").unlink()
    clean = run(["chat", "--user", "nia"], data, "me\n")
    assert "earlier version" not in clean.stdout


def test_a_login_name_the_terminal_could_not_decode_is_still_answered(
        tmp_path: Path) -> None:
    # A name with a byte that is not UTF-8 reaches Python as a lone surrogate.
    odd = "bad\udcff"
    asked = subprocess.run([sys.executable, str(ROOT / "run_bot.py"), "ask", "--user",
                            os.fsencode(odd), "what is a run chart"], capture_output=True,
                           env={**os.environ, "PATHWAY_DATA_DIR": str(tmp_path)}, timeout=120)
    assert asked.returncode == 0, asked.stderr
    assert b"Traceback" not in asked.stderr and b"run chart" in asked.stdout.lower()


def test_forget_me_says_which_folder_it_could_not_delete(tmp_path: Path) -> None:
    data = tmp_path / "data"
    folder = user_folder(data, "local", "nia")
    folder.parent.mkdir(parents=True)
    folder.write_text("a file where the folder should be", encoding="utf-8")
    result = run(["chat", "--user", "nia"], data, "log waits 40\nforget me\nyes\n")
    assert result.returncode == 0, result.stderr
    assert "I've deleted everything I kept about you" in result.stdout
    assert (f"I couldn't delete the charts and plans saved for you in {folder}; please delete "
            "that folder yourself.") in result.stdout


@pytest.mark.parametrize("in_the_way", ["folder", "users"])
def test_me_still_answers_when_the_files_cannot_be_listed(tmp_path: Path, in_the_way: str
                                                          ) -> None:
    data = tmp_path / "data"
    folder = user_folder(data, "local", "nia")
    blocked = folder if in_the_way == "folder" else folder.parent
    blocked.parent.mkdir(parents=True)
    blocked.write_text("a file where the folder should be", encoding="utf-8")
    result = run(["chat", "--user", "nia"], data, "stage idea\nme\n")
    assert result.returncode == 0, result.stderr
    assert "• Stage: Idea and need" in result.stdout  # the rest of "what I keep about you"
    assert ("• Files saved for you in the terminal (charts and exported plans): I couldn't "
            f"list them; check that {folder} is a folder that can be read.") in result.stdout
    assert "Traceback" not in result.stderr and "could not list a user's files" in result.stderr


def test_ask_json_gives_the_chart_path_median_points_and_signals(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run(["chat"], data, "\n".join([*sixteen_days(), "quit"]) + "\n").returncode == 0
    result = run(["ask", "--json", "chart waits"], data)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["match"] is None
    chart = answer["chart"]
    assert Path(chart["path"]).read_bytes().startswith(PNG)
    assert chart["points"] == 16 and chart["median"] == 16.0
    assert any(s["rule"] == "shift" for s in chart["signals"])
    assert all(len(s["from"]) == 10 and len(s["to"]) == 10 for s in chart["signals"])


def test_file_names_from_user_text_cannot_leave_the_folder(tmp_path: Path) -> None:
    assert file_name("../../etc/passwd", ".png", "chart") == "etc-passwd.png"
    assert file_name("Amser aros (munudau)", ".png", "chart") == "amser-aros-munudau.png"
    assert file_name("!!!", ".md", "plan") == "plan.md"
    image = ChartImage("../evil", PNG + b"rest", {"median": 1, "points": 1, "signals": []}, "▁")
    reply, saved = save_files(Reply("measure", "x", chart=image), tmp_path)
    assert saved.chart == tmp_path / "charts" / "evil.png" and saved.chart.exists()
    assert str(saved.chart) in reply.footer


def test_an_unwritable_data_folder_keeps_the_answer_and_says_so(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "users").write_text("a file where the folder should be", encoding="utf-8")
    lines = [*sixteen_days(), "chart waits", "quit"]
    result = run(["chat"], data, "\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert "couldn't save the file" in result.stdout
    assert "a shift" in result.stdout  # the analysis is still shown
