"""Run chart rules (Perla, Provost and Murray 2011) and the XmR chart (Making Data Count)."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from itertools import pairwise
from math import comb

import pytest

from bot.core.measure import conversation, runchart, xmr
from bot.core.measure.runchart import RUNS_TABLE, Signal, analyse


def pattern(spec: str) -> list[float]:
    """Points after a one-point baseline of 10: 'a' above, 'b' below, 'm' on the median.

    Above and below values zigzag (12, 13 / 8, 7) so that no trend appears by accident.
    """
    above, below = iter([12.0, 13.0] * 50), iter([8.0, 7.0] * 50)
    picks = {"a": lambda: next(above), "b": lambda: next(below), "m": lambda: 10.0}
    return [10.0] + [picks[ch]() for ch in spec if ch != " "]


def signals_of(values: list[float], rule: str, baseline: int | None = 1) -> list[Signal]:
    """The signals of one rule in an analysis of values."""
    return [s for s in analyse(values, baseline).signals if s.rule == rule]


def describe(analysis: runchart.RunChartAnalysis, dates: list[date]) -> list[str]:
    """The analysis in English sentences, as a user reads them."""
    return conversation.describe(analysis, dates, "en")


def caveats(analysis: runchart.RunChartAnalysis, points: int) -> list[str]:
    """The sentences on what the rules could not judge (the last of describe's)."""
    return describe(analysis, weekly(points))[len(analysis.signals):]


def weekly(n: int, first: date = date(2026, 1, 5)) -> list[date]:
    """n dates a week apart."""
    return [first + timedelta(weeks=i) for i in range(n)]


# Median -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "baseline", "median"),
    [
        ([3, 1, 2], None, 2),
        ([4, 1, 3, 2], None, 2.5),
        ([10, 12, 11, 30, 40, 50], 3, 11),  # frozen: later points do not move it
        ([10, 12, 11, 30, 40, 50], None, 21),
        ([5, 9], 1, 5),
    ],
)
def test_median_over_all_points_or_a_frozen_baseline(values, baseline, median):
    analysis = analyse(values, baseline)
    assert analysis.median == median
    assert analysis.baseline_points == baseline


@pytest.mark.parametrize(("values", "baseline"), [([], None), ([1, 2], 0), ([1, 2], 3)])
def test_median_needs_points_and_a_baseline_within_them(values, baseline):
    with pytest.raises(ValueError):
        analyse(values, baseline)


# Shift --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("a bbbbbb a", [(2, 7, "below", 6)]),  # exactly six: a shift
        ("a bbbbb a", []),  # five: not yet
        ("b aaaaaa", [(2, 7, "above", 6)]),
        ("bbbbb m b", [(1, 7, "below", 6)]),  # a point on the median does not break it
        ("bbbbb m a", []),  # ... nor count towards it
        ("bbbbb mm", []),
        ("aaaaaaaa", [(1, 8, "above", 8)]),
    ],
)
def test_shift_is_six_points_on_one_side_with_median_points_skipped(spec, expected):
    found = signals_of(pattern(spec), "shift")
    assert [(s.start, s.end, s.direction, s.count) for s in found] == expected


# Trend --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2, 3, 4, 5], [(0, 4, "up", 5)]),  # exactly five: a trend
        ([1, 2, 3, 4], []),  # four: not yet
        ([9, 8, 7, 6, 5, 6], [(0, 4, "down", 5)]),
        ([1, 2, 2, 3, 4, 5], [(0, 5, "up", 5)]),  # a tie neither breaks ...
        ([1, 2, 2, 3, 4], []),  # ... nor counts
        ([3, 3, 3, 3, 3, 3], []),
        ([1, 2, 3, 4, 5, 4, 3, 2, 1], [(0, 4, "up", 5), (4, 8, "down", 5)]),
        ([5, 1, 2, 3, 4, 5, 5, 6], [(1, 7, "up", 6)]),
    ],
)
def test_trend_is_five_points_going_one_way_with_ties_skipped(values, expected):
    found = signals_of(values, "trend", baseline=None)
    assert [(s.start, s.end, s.direction, s.count) for s in found] == expected


# Runs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "runs", "useful"),
    [
        ("aa m aa bb", 2, 6),  # the median point neither splits nor joins a run
        ("a m b", 2, 2),
        ("abab", 4, 4),
        ("mmm", 0, 0),
        ("aaaa m bbbb m aaaa", 3, 12),
    ],
)
def test_runs_are_counted_with_points_on_the_median_ignored(spec, runs, useful):
    analysis = analyse(pattern(spec), baseline=1)
    assert (analysis.runs, analysis.useful_observations) == (runs, useful)


def runs_distribution(above: int, below: int) -> dict[int, Fraction]:
    """P(R = r) for the number of runs R in a random order of above + below points.

    Swed and Eisenhart (1943): with k runs of each kind (r = 2k) there are
    2 C(above-1, k-1) C(below-1, k-1) orders; with one more run of one kind (r = 2k + 1),
    C(above-1, k) C(below-1, k-1) + C(above-1, k-1) C(below-1, k); of C(above+below, above).
    """
    orders = comb(above + below, above)
    chances = {}
    for r in range(2, above + below + 1):
        k = r // 2
        if r % 2 == 0:
            ways = 2 * comb(above - 1, k - 1) * comb(below - 1, k - 1)
        else:
            ways = (comb(above - 1, k) * comb(below - 1, k - 1)
                    + comb(above - 1, k - 1) * comb(below - 1, k))
        chances[r] = Fraction(ways, orders)
    return chances


def false_signal_chances(useful: int) -> tuple[Fraction, Fraction]:
    """In a random series, the chance of fewer runs than the table's lower limit, and of more
    than its upper one (the useful observations split as evenly as they can be)."""
    low, high = RUNS_TABLE[useful]
    chances = runs_distribution(useful // 2, useful - useful // 2)
    return (sum(p for r, p in chances.items() if r < low),
            sum(p for r, p in chances.items() if r > high))


def test_runs_distribution_is_swed_and_eisenhart_s():
    chances = runs_distribution(10, 10)
    assert sum(chances.values()) == 1
    # Swed and Eisenhart's Table I for 10 and 10: P(R <= 6) = 0.019, P(R <= 7) = 0.051.
    assert round(float(sum(chances[r] for r in range(2, 7))), 3) == 0.019
    assert round(float(sum(chances[r] for r in range(2, 8))), 3) == 0.051


@pytest.mark.parametrize(("useful", "limits"), [
    (10, (3, 9)), (11, (3, 10)), (15, (5, 12)), (20, (6, 16)), (24, (8, 18)), (27, (10, 19)),
    (30, (11, 21)), (40, (15, 27)), (50, (19, 32)), (60, (24, 38))])
def test_runs_table_holds_the_published_rows(useful, limits):
    assert RUNS_TABLE[useful] == limits


@pytest.mark.parametrize("useful", range(10, 61))
def test_each_row_keeps_the_papers_about_5_percent_risk_of_a_false_signal(useful):
    too_few, too_many = false_signal_chances(useful)
    assert too_few <= Fraction(35, 1000) and too_many <= Fraction(35, 1000)
    assert too_few + too_many <= Fraction(65, 1000)  # 6.0% at most, at 55 and 57


def test_runs_table_covers_10_to_60_and_never_narrows():
    assert sorted(RUNS_TABLE) == list(range(10, 61))
    rows = [RUNS_TABLE[n] for n in range(10, 61)]
    assert all(a[0] <= b[0] and a[1] <= b[1] for a, b in pairwise(rows))
    assert all(low < high for low, high in rows)


@pytest.mark.parametrize(
    ("spec", "direction"),
    [
        ("aaaa bbbb aaaa bbbb aaaa", "few"),  # 20 useful, 5 runs: fewer than 6
        ("aaaa bbbb aaa bbb aaa bbb", None),  # 20 useful, 6 runs: fine
        ("ab" * 7 + "aabbaa", "many"),  # 20 useful, 17 runs: more than 16
        ("ab" * 6 + "aabbaabb", None),  # 20 useful, 16 runs: fine
    ],
)
def test_too_few_or_too_many_runs_judged_by_the_table(spec, direction):
    analysis = analyse(pattern(spec), baseline=1)
    assert analysis.useful_observations == 20
    assert [s.direction for s in analysis.signals if s.rule == "runs"] == (
        [direction] if direction else []
    )


@pytest.mark.parametrize(("spec", "tested"), [("ab" * 4 + "a", False), ("ab" * 5, True)])
def test_no_runs_test_with_fewer_than_ten_useful_observations(spec, tested):
    analysis = analyse(pattern(spec), baseline=1)
    assert analysis.runs_tested is tested
    notes = caveats(analysis, len(spec) + 1)
    assert any(note.startswith("No runs test") for note in notes) is not tested


def test_runs_beyond_the_table_are_not_judged_and_say_so():
    analysis = analyse(pattern("ab" * 31), baseline=1)
    assert analysis.useful_observations == 62
    assert analysis.runs_limits is None
    assert "the published table stops at 60" in " ".join(caveats(analysis, 63))


# Fewer than ten points ----------------------------------------------------------------------


@pytest.mark.parametrize(("count", "weak"), [(9, True), (10, False)])
def test_fewer_than_ten_points_flags_the_rules_as_weak(count, weak):
    analysis = analyse(list(range(count)))
    assert analysis.too_few_points is weak
    assert any("rules are weak" in n for n in caveats(analysis, count)) is weak


def test_fewer_than_ten_points_still_finds_shift_and_trend():
    analysis = analyse([1, 2, 3, 4, 5, 5, 5, 5, 5], baseline=1)
    assert analysis.too_few_points
    assert {s.rule for s in analysis.signals} == {"shift", "trend"}


# Astronomical point -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last", "flagged"),
    [
        (50.0, True),
        (10 + 3.6 * 1.4826, True),  # just over 3.5 scaled MADs from the median
        (10 + 3.4 * 1.4826, False),  # just under
        (10 - 3.6 * 1.4826, True),
    ],
)
def test_astronomical_point_is_far_outside_the_spread(last, flagged):
    values = [10, 11, 9, 10, 11, 9, 10, 11, 9, 10, last]  # median 10, MAD 1
    found = signals_of(values, "astronomical", baseline=None)
    assert [(s.start, s.direction) for s in found] == (
        [(10, "above" if last > 10 else "below")] if flagged else []
    )


def test_no_astronomical_point_when_most_values_are_equal():
    assert signals_of([5, 5, 5, 5, 5, 5, 9], "astronomical", baseline=None) == []


# Cases in the manner of the paper's figures (constructed data, not the paper's) --------------


def test_improvement_after_a_change_shows_a_shift_below_the_frozen_median():
    baseline = [22, 25, 21, 24, 23, 26, 22, 24, 25, 23]
    after = [19, 18, 20, 17, 18, 19, 16]
    analysis = analyse(baseline + after, baseline=len(baseline))
    assert analysis.median == 23.5
    shifts = [(s.start, s.end, s.direction, s.count) for s in analysis.signals if s.rule == "shift"]
    assert shifts == [(9, 16, "below", 8)]  # the last baseline point, 23, is below 23.5 too


def test_a_steady_process_gives_no_signal():
    values = [16, 16, 10, 14, 18, 17, 16, 14, 17, 15, 19, 13, 18, 12, 14, 12]
    analysis = analyse(values)
    assert analysis.signals == ()
    assert analysis.runs_tested


# Sentences ----------------------------------------------------------------------------------


def test_shift_sentence_names_the_count_side_and_dates():
    values = [10.0, 12, 13, 12, 13, 8, 7, 8, 7, 8, 7, 12]  # below the median at 5..10
    dates = weekly(5, date(2026, 2, 2)) + weekly(5, date(2026, 3, 9))
    dates += [date(2026, 4, 14), date(2026, 4, 21)]
    analysis = analyse(values, baseline=1)
    shift = next(s for s in analysis.signals if s.rule == "shift")
    assert describe(analysis, dates)[analysis.signals.index(shift)] == (
        "6 points in a row below the median from 9 March to 14 April 2026: a shift."
    )


def test_runs_sentence_says_too_few_and_the_limit():
    analysis = analyse(pattern("aaaa bbbb aaaa bbbb aaaa"), baseline=1)
    sentences = describe(analysis, weekly(21))
    assert "Too few runs (5, expected at least 6): a sign of a non-random pattern." in sentences


@pytest.mark.parametrize(
    ("first", "last", "text"),
    [
        (date(2026, 3, 9), date(2026, 4, 14), "from 9 March to 14 April 2026"),
        (date(2025, 12, 1), date(2026, 1, 5), "from 1 December 2025 to 5 January 2026"),
        (date(2026, 5, 1), date(2026, 5, 1), "on 1 May 2026"),
    ],
)
def test_span_of_dates_in_plain_english(first, last, text):
    assert conversation.span_text(first, last, "en") == text


def test_trend_and_astronomical_sentences():
    values = [10, 11, 12, 13, 14, 11, 10, 11, 12, 11, 10, 60]
    dates = weekly(len(values), date(2026, 2, 2))
    sentences = describe(analyse(values), dates)
    assert sentences[0] == "5 points in a row going up from 2 February to 2 March 2026: a trend."
    assert "An unusually high value on 20 April 2026" in sentences[1]


# XmR ----------------------------------------------------------------------------------------

XMR_BASE = [12.0, 10.0] * 10  # mean 11, mean moving range 2: limits 11 ± 5.32


@pytest.mark.parametrize(("count", "available"), [(19, False), (20, True), (60, True)])
def test_xmr_is_offered_from_twenty_points(count, available):
    assert xmr.xmr_available(count) is available


def test_xmr_refuses_fewer_than_twenty_points():
    with pytest.raises(ValueError):
        xmr.analyse_xmr(XMR_BASE[:19])


def test_xmr_mean_moving_range_and_limits():
    analysis = xmr.analyse_xmr(XMR_BASE)
    assert analysis.mean == 11
    assert analysis.mean_moving_range == 2
    assert analysis.moving_ranges == (2.0,) * 19
    assert analysis.upper_limit == pytest.approx(16.32)
    assert analysis.lower_limit == pytest.approx(5.68)
    assert analysis.upper_near == pytest.approx(11 + 2 * 2.66 * 2 / 3)
    assert analysis.signals == ()


def xmr_signals(tail: list[float], rule: str) -> list[tuple[int, int, str]]:
    """Signals of one rule for points added after the frozen 20-point base."""
    analysis = xmr.analyse_xmr(XMR_BASE + tail, baseline=len(XMR_BASE))
    return [(s.start, s.end, s.direction) for s in analysis.signals if s.rule == rule]


@pytest.mark.parametrize(
    ("tail", "rule", "expected"),
    [
        ([16.4], "outside", [(20, 20, "above")]),
        ([16.3], "outside", []),
        ([5.6], "outside", [(20, 20, "below")]),
        ([11.5] * 7, "run", [(20, 26, "above")]),  # seven above the mean
        ([11.5] * 6, "run", []),
        ([11.5] * 3 + [11.0] + [11.5] * 4, "run", []),  # a point on the mean breaks it
        ([9.0, 9.1, 9.2, 9.3, 9.4, 9.5, 9.6], "trend", [(20, 26, "up")]),
        ([9.0, 9.1, 9.2, 9.3, 9.4, 9.5], "trend", []),
        ([9.0, 9.1, 9.2, 9.2, 9.4, 9.5, 9.6], "trend", []),  # a tie breaks an XmR trend
        ([15.0, 11.0, 15.0], "near_limit", [(20, 22, "above")]),
        ([15.0, 11.0, 11.0, 15.0], "near_limit", []),
        ([7.0, 7.0], "near_limit", [(20, 21, "below")]),
        ([15.0, 7.0, 15.0, 7.0], "near_limit", [(20, 22, "above"), (21, 23, "below")]),
    ],
)
def test_xmr_special_cause_rules(tail, rule, expected):
    assert xmr_signals(tail, rule) == expected
