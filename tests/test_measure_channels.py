"""Measurement in the terminal (issue 15): charts and exported plans are saved as files under
the data directory, and `ask --json "chart <measure>"` gives the path and the summary."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from bot.channels.files import file_name, save_files
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


def test_sixteen_points_logged_charted_and_exported_in_the_terminal(tmp_path: Path) -> None:
    data = tmp_path / "data"
    lines = [*sixteen_days(), "chart waits", "export plan", "quit"]
    result = run(["chat"], data, "\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    chart = data / "charts" / "waits.png"
    assert chart.read_bytes().startswith(PNG) and chart.stat().st_size > 5000
    assert f"Chart saved: {chart}" in result.stdout
    assert "a shift" in result.stdout
    exports = list((data / "exports").glob("*.md"))
    assert len(exports) == 1 and "waits" in exports[0].read_text(encoding="utf-8")


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
    (data / "charts").write_text("a file where the folder should be", encoding="utf-8")
    lines = [*sixteen_days(), "chart waits", "quit"]
    result = run(["chat"], data, "\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert "couldn't save the file" in result.stdout
    assert "a shift" in result.stdout  # the analysis is still shown
