"""Draw the README's demo run chart with Pathway's own command line, from docs/demo/waits.csv.

    python docs/demo/draw_chart.py

writes docs/images/run-chart-demo.png and prints what the chart says. The data are invented
(see the file's comment lines). Pathway runs in a temporary data directory, as someone at the
terminal would use it: log the readings, freeze the median on the 12 weeks before the change,
then chart.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).with_name("waits.csv")
PNG = ROOT / "docs" / "images" / "run-chart-demo.png"
MEASURE = "waits"
BASELINE_WEEKS = 12


def readings_text() -> str:
    """The CSV without its comment lines, as a user would paste it after *log waits*."""
    lines = DATA.read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines if line.strip() and not line.startswith("#"))


def ask(question: str, data_dir: str) -> dict:
    """One answer from `run_bot.py ask --json`, in the given data directory."""
    env = {**os.environ, "PATHWAY_DATA_DIR": data_dir}
    env.pop("PATHWAY_DATABASE_URL", None)  # always a fresh SQLite file, never a real database
    done = subprocess.run([sys.executable, str(ROOT / "run_bot.py"), "ask", "--json", "--user",
                           "demo", question], env=env, capture_output=True, text=True,
                          check=True, cwd=ROOT)
    return json.loads(done.stdout)


def main() -> int:
    """Log, freeze the baseline, chart; copy the PNG into docs/images and print the sentences."""
    with tempfile.TemporaryDirectory() as data_dir:
        ask(f"log {MEASURE}\n{readings_text()}", data_dir)
        ask(f"baseline {MEASURE} {BASELINE_WEEKS}", data_dir)
        answer = ask(f"chart {MEASURE}", data_dir)
        shutil.copyfile(answer["chart"]["path"], PNG)
    print(answer["text"])
    print(json.dumps({key: answer["chart"][key] for key in ("median", "points", "signals")}))
    print(f"wrote {PNG.relative_to(ROOT)} ({PNG.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
