"""Run chart analysis as published by Perla, Provost and Murray (2011).

Perla RJ, Provost LP, Murray SK. The run chart: a simple analytical tool for learning from
variation in healthcare processes. BMJ Quality & Safety 2011;20:46-51.

Four rules: a shift, a trend, too few or too many runs, and an astronomical point. What each
signal means in words, in English or Welsh, is bot.core.measure.conversation.describe.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

SHIFT_LENGTH = 6  # points on one side of the median, points on the median skipped
TREND_LENGTH = 5  # points all going up or all going down, equal neighbours skipped
MIN_POINTS = 10  # below this the paper calls the rules weak
# Astronomical point aid: Iglewicz and Hoaglin's modified z-score, |x - median| / (1.4826 MAD),
# flagged above 3.5 (more conservative than 3), both median and MAD over all the points.
MAD_SCALE = 1.4826
ASTRONOMICAL_Z = 3.5

# Too few or too many runs: Table 1 of Perla, Provost and Murray (2011), "Table for checking
# for too many or too few runs on a run chart", which the paper adapts from Swed FS, Eisenhart
# C. Tables for testing randomness of grouping in a sequence of alternatives. Ann Math Stat
# 1943;14:66-87, "based on about a 5% risk of failing the run test for random patterns of
# data"; the same table as IHI's run chart guidance (20 useful observations: 6 to 16 runs).
# The rows are taken from the table, not recomputed: no single rule on the exact distribution
# of runs reproduces every row (2.5% a side gives 7 to 15 at 20), so the table is the source.
# tests/test_runchart.py holds the rows, and checks each against the paper's own claim: in a
# random series, fewer runs than the lower limit or more than the upper one has a chance of
# about 5% (from the exact distribution: at most 3.5% on either side, 6.0% in all). The rows
# up to 30 are as IHI and the paper print them; those above 30 still want a cell-by-cell
# check against the printed table, which was not to hand.
# Key: useful observations (points not on the median); value: (lower, upper) limits.
# Fewer runs than the lower limit is "too few"; more than the upper limit is "too many".
RUNS_TABLE: dict[int, tuple[int, int]] = {
    10: (3, 9), 11: (3, 10), 12: (3, 11), 13: (4, 11), 14: (4, 12),
    15: (5, 12), 16: (5, 13), 17: (5, 13), 18: (6, 14), 19: (6, 15),
    20: (6, 16), 21: (7, 16), 22: (7, 17), 23: (7, 17), 24: (8, 18),
    25: (8, 18), 26: (9, 19), 27: (10, 19), 28: (10, 20), 29: (10, 20),
    30: (11, 21), 31: (11, 22), 32: (11, 22), 33: (12, 23), 34: (12, 23),
    35: (13, 24), 36: (13, 24), 37: (13, 25), 38: (14, 26), 39: (14, 26),
    40: (15, 27), 41: (15, 27), 42: (16, 28), 43: (16, 28), 44: (17, 29),
    45: (17, 30), 46: (17, 30), 47: (18, 31), 48: (18, 31), 49: (19, 32),
    50: (19, 32), 51: (20, 33), 52: (20, 33), 53: (21, 34), 54: (21, 35),
    55: (22, 35), 56: (22, 36), 57: (23, 36), 58: (23, 37), 59: (24, 38),
    60: (24, 38),
}  # fmt: skip
RUNS_TABLE_MIN = min(RUNS_TABLE)
RUNS_TABLE_MAX = max(RUNS_TABLE)

Rule = Literal["shift", "trend", "runs", "astronomical"]
Direction = Literal["up", "down", "above", "below", "few", "many"]


@dataclass(frozen=True)
class Signal:
    """A non-random pattern: the rule, first and last point index, and its direction."""

    rule: Rule
    start: int
    end: int
    direction: Direction | None
    count: int = 1  # points that count towards the rule (skipped ones not included)


@dataclass(frozen=True)
class RunChartAnalysis:
    """What the run chart rules found in a series of points."""

    median: float
    baseline_points: int | None
    useful_observations: int
    runs: int
    runs_limits: tuple[int, int] | None
    signals: tuple[Signal, ...]
    too_few_points: bool

    @property
    def runs_tested(self) -> bool:
        """Whether the runs test could be made (the table covers the useful observations)."""
        return self.runs_limits is not None


def centre_line(values: Sequence[float], baseline: int | None = None) -> float:
    """The median of all points, or of the first `baseline` points (a frozen median)."""
    if not values:
        raise ValueError("a run chart needs at least one point")
    if baseline is None:
        return statistics.median(values)
    if not 1 <= baseline <= len(values):
        raise ValueError(f"baseline must be between 1 and {len(values)} points, not {baseline}")
    return statistics.median(values[:baseline])


def sides(values: Sequence[float], median: float) -> list[tuple[int, int]]:
    """(index, +1 above or -1 below) for each point not on the median."""
    return [(i, 1 if v > median else -1) for i, v in enumerate(values) if v != median]


def side_groups(useful: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """The runs: consecutive useful points on the same side of the median."""
    groups: list[list[tuple[int, int]]] = []
    for point in useful:
        if groups and groups[-1][-1][1] == point[1]:
            groups[-1].append(point)
        else:
            groups.append([point])
    return groups


def find_shifts(groups: list[list[tuple[int, int]]]) -> list[Signal]:
    """Runs of SHIFT_LENGTH or more useful points on one side of the median."""
    return [
        Signal("shift", g[0][0], g[-1][0], "above" if g[0][1] > 0 else "below", len(g))
        for g in groups
        if len(g) >= SHIFT_LENGTH
    ]


def find_trends(values: Sequence[float]) -> list[Signal]:
    """TREND_LENGTH or more points all going up or all down; equal neighbours are skipped."""
    kept = [i for i, v in enumerate(values) if i == 0 or v != values[i - 1]]
    steps = [1 if values[b] > values[a] else -1 for a, b in pairwise(kept)]
    signals: list[Signal] = []
    first = 0  # index into steps where the current run of same-way steps began
    for pos in range(1, len(steps) + 1):
        if pos == len(steps) or steps[pos] != steps[first]:
            count = pos - first + 1  # points joined by steps[first:pos]
            if count >= TREND_LENGTH:
                way = "up" if steps[first] > 0 else "down"
                signals.append(Signal("trend", kept[first], kept[pos], way, count))
            first = pos
    return signals


def runs_signal(runs: int, limits: tuple[int, int] | None, last: int) -> list[Signal]:
    """A signal for too few or too many runs, judged by the paper's table."""
    if limits is None:
        return []
    if runs < limits[0]:
        return [Signal("runs", 0, last, "few", runs)]
    if runs > limits[1]:
        return [Signal("runs", 0, last, "many", runs)]
    return []


def find_astronomical(values: Sequence[float]) -> list[Signal]:
    """Points far from the rest (modified z-score over ASTRONOMICAL_Z).

    An aid to, not a replacement for, judgement: the paper's rule is a blatantly different
    value that anyone looking at the chart would agree is unusual.
    """
    middle = statistics.median(values)
    spread = MAD_SCALE * statistics.median(abs(v - middle) for v in values)
    if spread == 0:  # more than half the points equal: no scale to judge by
        return []
    return [
        Signal("astronomical", i, i, "above" if v > middle else "below")
        for i, v in enumerate(values)
        if abs(v - middle) / spread > ASTRONOMICAL_Z
    ]


def analyse(values: Sequence[float], baseline: int | None = None) -> RunChartAnalysis:
    """Apply the four run chart rules to points in time order, median frozen if baseline given."""
    median = centre_line(values, baseline)
    useful = sides(values, median)
    groups = side_groups(useful)
    limits = RUNS_TABLE.get(len(useful))
    signals = (
        find_shifts(groups)
        + find_trends(values)
        + runs_signal(len(groups), limits, len(values) - 1)
        + find_astronomical(values)
    )
    return RunChartAnalysis(
        median=median,
        baseline_points=baseline,
        useful_observations=len(useful),
        runs=len(groups),
        runs_limits=limits,
        signals=tuple(sorted(signals, key=lambda s: (s.start, s.end))),
        too_few_points=len(values) < MIN_POINTS,
    )
