"""Chart pictures: real PNGs of the asked size with something drawn, and the terminal sparkline."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import numpy as np
import pytest
from matplotlib.image import imread

from bot.core.measure import chart
from bot.core.measure.runchart import analyse
from bot.core.measure.xmr import analyse_xmr

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
VALUES = [10, 11, 9, 10, 12, 10, 11, 9, 6, 5, 6, 4, 5, 6, 5, 30, 6, 5]
XMR_VALUES = [50, 53, 48, 51, 55, 47, 52, 49, 50, 54, 46, 51, 53, 48, 50, 52, 49, 51, 47, 53, 70]


def dates_for(values: list[float]) -> list[date]:
    """One date a week for each value."""
    return [date(2026, 3, 2) + timedelta(weeks=i) for i in range(len(values))]


def pixels(png: bytes) -> np.ndarray:
    """The decoded image, height × width × channels."""
    return imread(BytesIO(png), format="png")


def distinct_colours(image: np.ndarray) -> int:
    """How many different RGB colours the image has."""
    return len(np.unique(image[..., :3].reshape(-1, 3), axis=0))


def run_chart(values: list[float], baseline: int | None = None, **size) -> bytes:
    """A run chart PNG of values."""
    analysis = analyse(values, baseline)
    return chart.run_chart_png(dates_for(values), values, analysis, "Falls", "falls", **size)


@pytest.mark.parametrize(
    ("png_of", "shape"),
    [
        (lambda: run_chart(VALUES), (450, 800)),
        (lambda: run_chart(VALUES, baseline=8), (450, 800)),
        (lambda: run_chart(VALUES, size=(640, 360)), (360, 640)),
        (lambda: run_chart([3.0]), (450, 800)),
        (
            lambda: chart.xmr_chart_png(
                dates_for(XMR_VALUES), XMR_VALUES, analyse_xmr(XMR_VALUES), "Wait", "minutes"
            ),
            (450, 800),
        ),
    ],
)
def test_charts_are_pngs_of_the_asked_size_with_a_picture(png_of, shape):
    png = png_of()
    assert png.startswith(PNG_SIGNATURE)
    image = pixels(png)
    assert image.shape[:2] == shape
    assert image[..., :3].std() > 0
    assert distinct_colours(image) >= 5


def test_signals_are_drawn_in_their_colour():
    shift_orange = np.array([0xE0, 0x70, 0x00]) / 255
    with_shift = pixels(run_chart(VALUES))[..., :3]
    steady = pixels(run_chart([16, 16, 10, 14, 18, 17, 16, 14, 17, 15, 19, 13, 18, 12, 14, 12]))
    assert np.isclose(with_shift, shift_orange, atol=0.02).all(axis=-1).sum() > 50
    assert np.isclose(steady[..., :3], shift_orange, atol=0.02).all(axis=-1).sum() == 0


def test_frozen_median_changes_the_picture():
    assert not np.array_equal(pixels(run_chart(VALUES)), pixels(run_chart(VALUES, baseline=8)))


@pytest.mark.parametrize(("dates", "values"), [([], []), ([date(2026, 1, 1)], [1.0, 2.0])])
def test_chart_needs_one_date_per_value(dates, values):
    with pytest.raises(ValueError):
        chart.run_chart_png(dates, values, analyse([1.0, 2.0]), "t", "u")


@pytest.mark.parametrize(
    ("values", "line"),
    [
        ([1, 2, 3, 4, 5, 6, 7, 8], "▁▂▃▄▅▆▇█"),
        ([8, 1], "█▁"),
        ([5, 5, 5], "▄▄▄"),
        ([0.0, 10.0, 5.0], "▁█▅"),
        ([], ""),
    ],
)
def test_sparkline_has_one_block_a_value(values, line):
    assert chart.sparkline(values) == line


def test_sparkline_of_a_long_series_uses_only_block_characters():
    values = [((i * 37) % 23) - 11.5 for i in range(200)]
    line = chart.sparkline(values)
    assert len(line) == len(values)
    assert set(line) <= set(chart.SPARK_BLOCKS)
    assert {line[values.index(min(values))], line[values.index(max(values))]} == {"▁", "█"}
