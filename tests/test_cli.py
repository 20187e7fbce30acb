"""The command line, run as a user runs it: a real process, real files, piped input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ENGINE_KB, ROOT


def run(*args: str, stdin: str = "", data_dir: Path, env: dict | None = None
        ) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PATHWAY_DATA_DIR": str(data_dir), **(env or {})}
    environment.pop("PATHWAY_KNOWLEDGE_DIR", None)
    return subprocess.run([sys.executable, str(ROOT / "run_bot.py"), *args], input=stdin,
                          capture_output=True, text=True, timeout=60, env=environment,
                          cwd=data_dir)


def test_help_everywhere(tmp_path: Path) -> None:
    for args in (["--help"], ["chat", "--help"], ["ask", "--help"], ["kb", "check", "--help"]):
        result = run(*args, data_dir=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "usage:" in result.stdout


def test_ask_json(tmp_path: Path) -> None:
    result = run("ask", "--json", "--knowledge", str(ENGINE_KB), "is my app a medical devise?",
                 data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["match"]["id"] == "medical-device"
    assert set(answer["match"]) == {"id", "title", "kind", "stage", "score"}
    assert answer["text"].startswith("Its intended purpose decides")


def test_ask_reads_questions_from_stdin(tmp_path: Path) -> None:
    questions = "do i need ethics approval\n\nwhat is the weather today\nethics for a device\n"
    result = run("ask", "--json", "--knowledge", str(ENGINE_KB), "-", stdin=questions,
                 data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == 3
    assert answers[0]["match"]["id"] == "ethics-approval"
    assert answers[1]["match"] is None and answers[1]["suggestions"] == []
    assert answers[2]["match"] is None
    assert {s["id"] for s in answers[2]["suggestions"]} >= {"ethics-approval", "medical-device"}


def test_piped_chat_keeps_state_between_runs(tmp_path: Path) -> None:
    first = run("chat", "--user", "nia", "--knowledge", str(ENGINE_KB),
                stdin="stage prototype\ntick 2\n", data_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "1 of 3 done" in first.stdout
    second = run("chat", "--user", "nia", "--knowledge", str(ENGINE_KB),
                 stdin="checklist\n", data_dir=tmp_path)
    assert "[x] 2. Decide if it is a medical device" in second.stdout
    assert "[ ] 1. Settle intellectual property" in second.stdout
    other = run("chat", "--user", "someone-else", "--knowledge", str(ENGINE_KB),
                stdin="checklist\n", data_dir=tmp_path)
    assert "don't know your stage" in other.stdout


def test_chat_numbers_pick_options_and_quit_stops(tmp_path: Path) -> None:
    result = run("chat", "--knowledge", str(ENGINE_KB),
                 stdin="ethics for a device\n2\nquit\nthis line is never read\n", data_dir=tmp_path)
    assert result.returncode == 0
    assert "Did you mean one of these?\n1. " in result.stdout and "\n2. " in result.stdout
    assert "connect mhra" in result.stdout  # "2" picked the second choice: the device answer
    assert "never read" not in result.stdout
    assert result.stdout.count("== ") >= 1


def test_chat_survives_awkward_input(tmp_path: Path) -> None:
    lines = ["", "   ", "\u200b", "🙂", "ŵ ŷ â", "<!channel>", "x" * 100_000, "hello"]
    result = run("chat", "--knowledge", str(ENGINE_KB), stdin="\n".join(lines) + "\n",
                 data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "Hello! I'm Pathway" in result.stdout


def test_kb_check_reports_problems_and_exits_1(tmp_path: Path) -> None:
    broken = tmp_path / "kb"
    shutil.copytree(ENGINE_KB, broken)
    topics = broken / "topics.yaml"
    topics.write_text(topics.read_text().replace("  stage: prototype", "  stage: protoype"))
    result = run("kb", "check", str(broken), data_dir=tmp_path)
    assert result.returncode == 1
    assert "kb/topics.yaml:" in result.stdout
    assert "'protoype' is not allowed for 'stage'" in result.stdout
    assert "1 error(s)" in result.stdout


def test_kb_check_shows_at_most_fifty_problems_a_file_and_counts_the_rest(
        tmp_path: Path) -> None:
    broken = tmp_path / "kb"
    shutil.copytree(ENGINE_KB, broken)
    many = "topics:\n" + "".join(f"- id: t{i}\n  title: x\n" for i in range(100))
    (broken / "many.yaml").write_text(many)  # each topic lacks 4 fields: 400 errors
    result = run("kb", "check", str(broken), data_dir=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert sum("many.yaml:" in line for line in lines) == 51
    assert "many.yaml: …and 350 more in this file" in result.stdout
    # each missing field is named once, not the first one four times
    first = [line.split(": ", 1)[1] for line in lines if "many.yaml:2:" in line]
    assert sorted(first) == sorted(f"topics[1] (t0): missing required field '{name}'"
                                   for name in ("answer", "phrasings", "source", "reviewed")), first
    assert "400 error(s)" in result.stdout


def test_kb_check_passes_and_reports_accuracy(tmp_path: Path) -> None:
    result = run("kb", "check", str(ENGINE_KB), data_dir=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "ok: 5 stages, 4 organisations, 5 topics" in result.stdout
    assert "in-scope" in result.stdout and "out-of-scope" in result.stdout


def test_bundled_knowledge_base_passes_kb_check(tmp_path: Path) -> None:
    result = run("kb", "check", data_dir=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "ok: 5 stages" in result.stdout


def test_bot_refuses_to_start_on_an_invalid_knowledge_base(tmp_path: Path) -> None:
    broken = tmp_path / "kb"
    shutil.copytree(ENGINE_KB, broken)
    (broken / "stages.yaml").write_text("stages: []\n")
    result = run("chat", "--knowledge", str(broken), stdin="hello\n", data_dir=tmp_path)
    assert result.returncode == 2
    assert "knowledge base has errors" in result.stderr
    assert "stages.yaml:1:" in result.stderr
    assert "Traceback" not in result.stderr


def test_corrupt_state_file_is_a_clear_error_and_left_alone(tmp_path: Path) -> None:
    state = tmp_path / "pathway.sqlite"
    state.write_bytes(b"garbage" * 1000)
    result = run("ask", "--knowledge", str(ENGINE_KB), "hello", data_dir=tmp_path)
    assert result.returncode == 2
    assert "cannot be read" in result.stderr and str(state) in result.stderr
    assert "Traceback" not in result.stderr
    assert state.read_bytes() == b"garbage" * 1000


@pytest.mark.parametrize("entry_point", ["module", "script"])
def test_console_entry_points_share_main(tmp_path: Path, entry_point: str) -> None:
    command = ([sys.executable, "-m", "bot.channels.cli", "--help"] if entry_point == "module"
               else [str(Path(sys.executable).parent / "pathway"), "--help"])
    if entry_point == "script" and not Path(command[0]).exists():
        pytest.skip("package not installed with its console script")
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0 and "usage: pathway" in result.stdout


def test_chat_referral_me_and_did_you_mean_read_as_text(tmp_path: Path) -> None:
    lines = ["stage prototype", "connect regional partnership boards",  # no referral route
             "connect health and care research wales", "An app for falls",
             "falls in care homes", "yes", "Betsi", "advice on procurement", "yes",
             "referrals", "me", "regional", "quit"]
    result = run("chat", "--user", "nia", stdin="\n".join(lines) + "\n", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "can't pass a warm introduction on to Regional Partnership Boards" in out
    assert "went to the team at Health and Care Research Wales (the local outbox)" in out
    assert "Wales's" not in out
    assert "{" not in out and "idempotency" not in out
    assert "Your referrals:\n• R" in out
    assert "Did you mean one of these?\n1. Regional Partnership Boards" in out
    assert "[1] Regional Partnership Boards" not in out


def test_kb_check_names_the_entries_its_examples_confuse(kb_dir: Path, tmp_path: Path) -> None:
    examples = kb_dir / "examples.yaml"
    examples.write_text(examples.read_text(encoding="utf-8").replace(
        "examples:\n", "examples:\n- q: do I need REC review\n  expect: medical-device\n", 1),
        encoding="utf-8")
    result = run("kb", "check", str(kb_dir), data_dir=tmp_path)
    assert "competing entries" in result.stdout
    assert "  ethics-approval ~ medical-device: 1 example confused\n" in result.stdout


def test_kb_check_names_entries_near_in_meaning(kb_dir: Path, tmp_path: Path) -> None:
    """A second entry about ethics approval, worded differently, is listed beside the first
    even though no example confuses them; the fixture's other entries are not."""
    topics = kb_dir / "topics.yaml"
    topics.write_text(topics.read_text(encoding="utf-8").replace("topics:\n", """topics:
- id: research-ethics-review
  title: Does my study need a research ethics committee?
  answer: 'Research needs a REC opinion; audit does not. Next step: use the HRA tool.'
  phrasings:
  - does my study need ethical review
  - ethics committee approval for research
  - is a REC opinion needed for my research
  - research ethics review for a study
  source: https://example.org/hra
  reviewed: '2026-01-01'
""", 1), encoding="utf-8")
    result = run("kb", "check", str(kb_dir), data_dir=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    near = [line for line in result.stdout.splitlines() if line.endswith(")") and " ~ " in line]
    assert len(near) == 1, result.stdout
    assert near[0].startswith("  ethics-approval ~ research-ethics-review: near in meaning (0.")
    assert "confused" not in near[0]


def test_the_validated_load_is_kept_in_the_data_directory_and_never_served_stale(
        tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(ENGINE_KB, knowledge)
    data = tmp_path / "data"
    data.mkdir()
    question = "is my app a medical device?"
    first = run("ask", "--json", "--knowledge", str(knowledge), question, data_dir=data)
    assert first.returncode == 0, first.stderr
    kept = data / "knowledge-load.json"
    assert kept.is_file() and json.loads(kept.read_text(encoding="utf-8"))["key"]
    again = run("ask", "--json", "--knowledge", str(knowledge), question, data_dir=data)
    assert json.loads(again.stdout) == json.loads(first.stdout)
    # The team edits the answer: the next start serves the edit, not the kept load.
    topics = knowledge / "topics.yaml"
    text = topics.read_text(encoding="utf-8")
    assert "Its intended purpose decides" in text
    topics.write_text(text.replace("Its intended purpose decides", "Its stated purpose decides",
                                   1), encoding="utf-8")
    edited = run("ask", "--json", "--knowledge", str(knowledge), question, data_dir=data)
    assert json.loads(edited.stdout)["text"].startswith("Its stated purpose decides")


STRICT_UTF8 = {"PYTHONIOENCODING": "utf-8:strict"}  # stdin as under LANG=en_GB.UTF-8


def run_bytes(*args: str, stdin: bytes, data_dir: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PATHWAY_DATA_DIR": str(data_dir), **STRICT_UTF8}
    environment.pop("PATHWAY_KNOWLEDGE_DIR", None)
    return subprocess.run([sys.executable, str(ROOT / "run_bot.py"), *args], input=stdin,
                          capture_output=True, timeout=60, env=environment, cwd=data_dir)


def test_piped_chat_answers_a_line_with_an_invalid_byte(tmp_path: Path) -> None:
    result = run_bytes("chat", "--knowledge", str(ENGINE_KB),
                       stdin=b"caf\xe9 ethics\nme\n", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    assert b"Traceback" not in result.stderr
    out = result.stdout.decode("utf-8")
    assert "caf\ufffd ethics" in out  # the line was handled, the bad byte replaced
    assert "What I keep about you" in out  # and the chat went on to the next line


def test_ask_from_stdin_answers_a_line_with_an_invalid_byte(tmp_path: Path) -> None:
    result = run_bytes("ask", "--json", "--knowledge", str(ENGINE_KB), "-",
                       stdin=b"do i need ethics approval caf\xe9\nis my app a medical device\n",
                       data_dir=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    answers = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert [a["match"]["id"] for a in answers] == ["ethics-approval", "medical-device"]


def test_interactive_chat_answers_a_line_with_an_invalid_byte(tmp_path: Path) -> None:
    pty = pytest.importorskip("pty")
    environment = {**os.environ, "PATHWAY_DATA_DIR": str(tmp_path), **STRICT_UTF8}
    environment.pop("PATHWAY_KNOWLEDGE_DIR", None)
    pid, terminal = pty.fork()
    if pid == 0:  # the child: the chat on a terminal, as a user starts it
        os.chdir(tmp_path)
        os.execve(sys.executable, [sys.executable, str(ROOT / "run_bot.py"), "chat",
                                   "--knowledge", str(ENGINE_KB)], environment)
    try:
        shown = _read_until(terminal, b"you> ")
        os.write(terminal, b"caf\xe9 ethics approval\n")
        shown += _read_until(terminal, b"you> ")
        os.write(terminal, b"quit\n")
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(terminal)
    text = shown.decode("utf-8", "replace")
    assert "Traceback" not in text
    assert text.count("you> ") == 2  # answered, and asked for the next line
    assert os.waitstatus_to_exitcode(status) == 0


def _read_until(terminal: int, marker: bytes, timeout: float = 60) -> bytes:
    """What the terminal shows until ``marker`` appears (or the child ends, or time runs out)."""
    import select
    import time

    shown = b""
    deadline = time.monotonic() + timeout
    while marker not in shown and time.monotonic() < deadline:
        ready, _, _ = select.select([terminal], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(terminal, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
    return shown


def test_kb_check_piped_into_a_reader_that_leaves_early_prints_no_traceback(
        tmp_path: Path) -> None:
    broken = tmp_path / "kb"
    shutil.copytree(ENGINE_KB, broken)
    for n in range(40):  # 40 files x 51 lines: more than a pipe holds before it is read
        (broken / f"many{n}.yaml").write_text(
            "topics:\n" + "".join(f"- id: t{n}-{i}\n  title: x\n" for i in range(100)))
    env = {**os.environ, "PATHWAY_DATA_DIR": str(tmp_path / "data")}
    process = subprocess.Popen([sys.executable, str(ROOT / "run_bot.py"), "kb", "check",
                                str(broken)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=env, bufsize=0)
    assert process.stdout.read(10)  # what `| head -c 10` reads, and then it goes away
    process.stdout.close()
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    assert b"Traceback" not in stderr and b"BrokenPipeError" not in stderr
