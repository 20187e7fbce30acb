"""The README's demo: the invented data set parses, the committed chart is a small PNG of the
chart's size, and the sentences the README quotes are what Pathway says about that data."""

from __future__ import annotations

import importlib.util
import struct
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

from bot.core.measure import conversation, runchart
from bot.core.measure.readings import parse_readings

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "docs" / "demo"
PNG = ROOT / "docs" / "images" / "run-chart-demo.png"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def draw_chart():
    """docs/demo/draw_chart.py as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("draw_chart", DEMO / "draw_chart.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_demo_data_says_it_is_invented_and_parses_as_24_weekly_readings() -> None:
    assert "INVENTED" in (DEMO / "waits.csv").read_text(encoding="utf-8").splitlines()[0]
    readings = parse_readings(draw_chart().readings_text(), date.today())
    assert len(readings) == 24
    assert all(b.on - a.on == timedelta(weeks=1) for a, b in pairwise(readings))


def test_the_committed_chart_is_a_small_png_of_the_charts_size() -> None:
    data = PNG.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert (width, height) == (800, 450)
    assert len(data) < 100_000


def test_the_readme_quotes_what_pathway_says_about_the_demo() -> None:
    readings = parse_readings(draw_chart().readings_text(), date.today())
    values, dates = [r.value for r in readings], [r.on for r in readings]
    analysis = runchart.analyse(values, baseline=draw_chart().BASELINE_WEEKS)
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "docs/images/run-chart-demo.png" in readme
    assert f"median {conversation.number_text(analysis.median)} (frozen" in readme
    for sentence in conversation.describe(analysis, dates, "en"):
        assert sentence in readme
