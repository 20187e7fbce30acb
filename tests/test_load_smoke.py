"""benchmarks/load.py runs end to end: normal, faults and crash runs lose and repeat nothing.

Correctness only, with three users: timings belong to the benchmark, never to tests. The
PostgreSQL variant runs two instances on one database, in the two runs where they meet
trouble (Slack's retries reaching the other instance; one killed for good), to stay under
about 40 s.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from postgres_server import require_binaries

ROOT = Path(__file__).resolve().parent.parent
USERS = 3
PLANNED = USERS * 12  # 12 requests each, every one acked


def run_benchmark(tmp_path: Path, *options: str) -> tuple[list[dict[str, Any]], str]:
    """The benchmark's --json figures for three users, and what it printed."""
    figures = tmp_path / "load.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "load.py"), "--quick", "--users", str(USERS),
         "--json", str(figures), *options],
        capture_output=True, text=True, timeout=150, cwd=ROOT)
    # Exit 1 also flags a failed restart after the kill, a bot bug the benchmark reports;
    # these tests check only that nothing is lost or repeated.
    assert done.returncode in (0, 1) and figures.exists(), done.stdout + done.stderr
    return json.loads(figures.read_text()), done.stdout


def retried_after_the_kill(run: dict[str, Any]) -> int:
    """Requests acked just before the kill, left unanswered, and so sent again by their user."""
    patterns = (r"at the kill: (\d+) requests acked but unanswered",
                r"acked and unanswered, not DMs \(the user tried again at B\) (\d+)")
    return sum(int(found.group(1)) for line in run["details"] for pattern in patterns
               if (found := re.search(pattern, line)))


def assert_nothing_lost(runs: list[dict[str, Any]], names: list[str]) -> None:
    """Every planned request acked (plus retries after the kill), nothing lost or repeated."""
    assert [run["run"] for run in runs] == names
    for run in runs:
        assert run["requests"] == PLANNED + retried_after_the_kill(run), run
        assert (run["lost"], run["duplicates"], run["state_lost"], run["held_after"]) == \
            (0, 0, 0, 0), run


@pytest.mark.slow
def test_load_benchmark_loses_and_repeats_nothing(tmp_path: Path) -> None:
    runs, _ = run_benchmark(tmp_path, "--store", "sqlite", "--instances", "1")

    assert_nothing_lost(runs, ["normal", "faults", "crash"])
    assert {(run["store"], run["instances"]) for run in runs} == {("sqlite", 1)}
    assert any("replied-to changes lost 0" in line for line in runs[-1]["details"])


@pytest.mark.slow
def test_two_instances_on_postgres_lose_and_repeat_nothing_when_one_is_killed(
        tmp_path: Path) -> None:
    require_binaries()
    runs, printed = run_benchmark(tmp_path, "--store", "postgres", "--instances", "2",
                                  "--faults", "--crash")

    assert_nothing_lost(runs, ["faults", "crash"])
    assert {(run["store"], run["instances"]) for run in runs} == {("postgres", 2)}
    assert all(run["server_cpu_s"] is not None for run in runs)
    assert any("B carried on alone" in line for line in runs[-1]["details"])
    assert "PostgreSQL 1" in printed  # the machine line names the server's version
