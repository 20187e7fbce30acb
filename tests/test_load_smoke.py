"""benchmarks/load.py runs end to end: normal, faults and crash runs lose and repeat nothing.

Correctness only, with three users: timings belong to the benchmark, never to tests.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_load_benchmark_loses_and_repeats_nothing(tmp_path: Path) -> None:
    figures = tmp_path / "load.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "load.py"), "--quick", "--users", "3",
         "--json", str(figures)],
        capture_output=True, text=True, timeout=120, cwd=ROOT)

    # Exit 1 also flags a failed restart after the kill, a bot bug the benchmark reports;
    # this test checks only that nothing is lost or repeated.
    assert done.returncode in (0, 1) and figures.exists(), done.stdout + done.stderr
    runs = {run["run"]: run for run in json.loads(figures.read_text())}
    assert set(runs) == {"normal", "faults", "crash"}
    for run in runs.values():
        # 3 users x 12 requests, every one acked; in the crash run a request acked just
        # before the kill and left unanswered is typed again by its user, and acked again.
        retried = sum(int(re.search(r"at the kill: (\d+) requests acked but unanswered",
                                    line).group(1))
                      for line in run["details"] if "requests acked but unanswered" in line)
        assert int(run["requests"]) == 36 + retried
        assert (run["lost"], run["duplicates"], run["state_lost"]) == ("0", "0", "0")
    assert any("replied-to changes lost 0" in line for line in runs["crash"]["details"])
