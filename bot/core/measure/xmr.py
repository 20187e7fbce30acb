"""XmR (individuals) chart with the special-cause rules of NHS England's "Making Data Count".

Process limits are mean ± 2.66 × the mean moving range (2.66 = 3 / 1.128, the bias
correction d2 for ranges of two), so one sigma is 2.66 / 3 of a mean moving range.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

XMR_MIN_POINTS = 20  # Making Data Count: limits from fewer points are not yet reliable
LIMIT_FACTOR = 2.66  # three sigma in mean moving ranges
NEAR_LIMIT_FACTOR = LIMIT_FACTOR * 2 / 3  # two sigma in mean moving ranges
MOVING_RANGE_LIMIT_FACTOR = 3.267  # upper limit of the moving ranges (D4 for n = 2)
RUN_LENGTH = 7  # consecutive points above or below the mean; a point on the mean breaks it
TREND_LENGTH = 7  # consecutive points each higher (or each lower) than the one before
NEAR_LIMIT_COUNT = 2  # this many of ...
NEAR_LIMIT_WINDOW = 3  # ... this many consecutive points beyond two sigma on one side

XmRRule = Literal["outside", "run", "trend", "near_limit"]
XmRDirection = Literal["above", "below", "up", "down"]


@dataclass(frozen=True)
class XmRSignal:
    """A special cause: the rule, first and last point index, and its direction."""

    rule: XmRRule
    start: int
    end: int
    direction: XmRDirection


@dataclass(frozen=True)
class XmRAnalysis:
    """Centre line, limits and special causes of an individuals chart."""

    mean: float
    moving_ranges: tuple[float, ...]
    mean_moving_range: float
    upper_limit: float
    lower_limit: float
    upper_near: float
    lower_near: float
    moving_range_limit: float
    baseline_points: int | None
    signals: tuple[XmRSignal, ...]


def xmr_available(n: int) -> bool:
    """Whether there are enough points (XMR_MIN_POINTS) to offer an XmR chart."""
    return n >= XMR_MIN_POINTS


def moving_ranges(values: Sequence[float]) -> list[float]:
    """Absolute differences between each point and the one before it."""
    return [abs(b - a) for a, b in pairwise(values)]


def outside_limits(values: Sequence[float], upper: float, lower: float) -> list[XmRSignal]:
    """Each point above the upper or below the lower process limit."""
    return [
        XmRSignal("outside", i, i, "above" if v > upper else "below")
        for i, v in enumerate(values)
        if v > upper or v < lower
    ]


def runs_about_mean(values: Sequence[float], mean: float) -> list[XmRSignal]:
    """RUN_LENGTH or more consecutive points on one side of the mean."""
    signs = [(v > mean) - (v < mean) for v in values]
    return [
        XmRSignal("run", first, last, "above" if sign > 0 else "below")
        for first, last, sign in _streaks(signs)
        if sign != 0 and last - first + 1 >= RUN_LENGTH
    ]


def trends(values: Sequence[float]) -> list[XmRSignal]:
    """TREND_LENGTH or more points each strictly higher (or lower) than the last; ties break."""
    steps = [(b > a) - (b < a) for a, b in pairwise(values)]
    return [
        XmRSignal("trend", first, last + 1, "up" if sign > 0 else "down")
        for first, last, sign in _streaks(steps)
        if sign != 0 and last - first + 2 >= TREND_LENGTH
    ]


def near_limits(values: Sequence[float], upper: float, lower: float) -> list[XmRSignal]:
    """NEAR_LIMIT_COUNT of NEAR_LIMIT_WINDOW points beyond two sigma on the same side."""
    above = [i for i, v in enumerate(values) if v > upper]
    below = [i for i, v in enumerate(values) if v < lower]
    return _near_windows(above, "above") + _near_windows(below, "below")


def _near_windows(flagged: list[int], side: XmRDirection) -> list[XmRSignal]:
    """Signals where NEAR_LIMIT_COUNT flagged points fall within NEAR_LIMIT_WINDOW points."""
    signals: list[XmRSignal] = []
    for a, b in zip(flagged, flagged[NEAR_LIMIT_COUNT - 1 :], strict=False):
        if b - a < NEAR_LIMIT_WINDOW and not (signals and a <= signals[-1].end):
            signals.append(XmRSignal("near_limit", a, b, side))
    return signals


def _streaks(signs: Sequence[int]) -> list[tuple[int, int, int]]:
    """(first, last, sign) for each stretch of equal neighbouring signs."""
    streaks: list[tuple[int, int, int]] = []
    for i, sign in enumerate(signs):
        if streaks and streaks[-1][2] == sign:
            streaks[-1] = (streaks[-1][0], i, sign)
        else:
            streaks.append((i, i, sign))
    return streaks


def analyse_xmr(values: Sequence[float], baseline: int | None = None) -> XmRAnalysis:
    """Mean, moving ranges, limits (from the first `baseline` points if given) and signals."""
    if not xmr_available(len(values)):
        raise ValueError(f"an XmR chart needs at least {XMR_MIN_POINTS} points")
    if baseline is not None and not XMR_MIN_POINTS <= baseline <= len(values):
        raise ValueError(f"a baseline needs {XMR_MIN_POINTS} to {len(values)} points")
    basis = values[:baseline] if baseline else values
    mean = sum(basis) / len(basis)
    mean_range = sum(moving_ranges(basis)) / (len(basis) - 1)
    upper, lower = mean + LIMIT_FACTOR * mean_range, mean - LIMIT_FACTOR * mean_range
    near = NEAR_LIMIT_FACTOR * mean_range
    near_up, near_down = mean + near, mean - near
    signals = (
        outside_limits(values, upper, lower)
        + runs_about_mean(values, mean)
        + trends(values)
        + near_limits(values, near_up, near_down)
    )
    return XmRAnalysis(
        mean=mean,
        moving_ranges=tuple(moving_ranges(values)),
        mean_moving_range=mean_range,
        upper_limit=upper,
        lower_limit=lower,
        upper_near=near_up,
        lower_near=near_down,
        moving_range_limit=MOVING_RANGE_LIMIT_FACTOR * mean_range,
        baseline_points=baseline,
        signals=tuple(sorted(signals, key=lambda s: (s.start, s.end))),
    )
