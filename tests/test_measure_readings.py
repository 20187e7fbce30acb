"""Readings typed or pasted by a user: values, dates, many lines at once, and their limits."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.measure.readings import (
    MAX_LINES,
    MAX_VALUE_CHARS,
    Reading,
    ReadingError,
    parse_date,
    parse_reading,
    parse_readings,
    parse_value,
)

TODAY = date(2026, 12, 10)


@pytest.mark.parametrize(
    ("text", "value"),
    [("12", 12.0), ("12.5", 12.5), (" 7 ", 7.0), ("45%", 45.0), ("45 %", 45.0), ("-3", -3.0),
     ("0.5", 0.5), (".5", 0.5), ("+2", 2.0)],
)  # fmt: skip
def test_values_that_are_numbers(text, value):
    assert parse_value(text) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("12,5", "has a comma"),
        ("1,000", "has a comma"),
        ("nan", "'nan' is not a number"),
        ("inf", "'inf' is not a number"),
        ("-Infinity", "is not a number"),
        ("1e5", "is not a number"),
        ("1_000", "is not a number"),
        ("twelve", "'twelve' is not a number"),
        ("%", "is not a number"),
        ("", "A value is missing"),
        ("1" * (MAX_VALUE_CHARS + 1), f"longer than {MAX_VALUE_CHARS} characters"),
    ],
)
def test_values_rejected_with_a_reason(text, reason):
    with pytest.raises(ReadingError) as caught:
        parse_value(text)
    assert reason in caught.value.message


def test_value_at_the_length_limit_is_accepted():
    assert parse_value("1" * MAX_VALUE_CHARS) == float("1" * MAX_VALUE_CHARS)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-12-01", date(2026, 12, 1)),
        ("01/12/2026", date(2026, 12, 1)),  # UK order: day first
        ("1/2/2026", date(2026, 2, 1)),
        ("2026-12-10", TODAY),
        ("29/02/2024", date(2024, 2, 29)),
    ],
)
def test_dates_in_either_format(text, day):
    assert parse_date(text, TODAY) == day


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31/02/2026", "'31/02/2026' is not a date"),
        ("2026-13-01", "'2026-13-01' is not a date"),
        ("12/31/2026", "'12/31/2026' is not a date"),  # US order is not accepted
        ("01/12/26", "'01/12/26' is not a date"),
        ("yesterday", "'yesterday' is not a date"),
        ("2026-12-11", "'2026-12-11' is in the future"),
        ("01/01/2027", "'01/01/2027' is in the future"),
    ],
)
def test_bad_or_future_dates_are_named(text, message):
    with pytest.raises(ReadingError) as caught:
        parse_date(text, TODAY)
    assert caught.value.message.startswith(message)


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("14", Reading(TODAY, 14.0)),
        ("2026-12-01 14", Reading(date(2026, 12, 1), 14.0)),
        ("01/12/2026, 62%", Reading(date(2026, 12, 1), 62.0)),
    ],
)
def test_one_reading_with_or_without_a_date(text, reading):
    assert parse_reading(text, TODAY) == reading


@pytest.mark.parametrize(
    "text",
    [
        "date,value\n2026-12-01,14\n2026-12-02,15.5\n",
        "2026-12-01,14\n2026-12-02,15.5",
        "Date, Falls per 1000 bed days\n01/12/2026, 14\n02/12/2026, 15.5",
        "2026-12-01 14\n\n2026-12-02\t15.5\n",
        "2026-12-02,15.5\n2026-12-01,14",  # sorted oldest first
    ],
)
def test_many_readings_as_csv_or_one_per_line(text):
    assert parse_readings(text, TODAY) == [
        Reading(date(2026, 12, 1), 14.0),
        Reading(date(2026, 12, 2), 15.5),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date,value\n2026-12-01,14\n31/02/2026,3", "Line 3: '31/02/2026' is not a date"),
        ("2026-12-01,14\n\n2026-12-02,12,5", "Line 3: '2026-12-02,12,5' should be a date"),
        ("2026-12-01 14\n2026-12-02 nan", "Line 2: 'nan' is not a number"),
        ("2026-12-01 14\n2026-12-20 3", "Line 2: '2026-12-20' is in the future"),
        ("14\n15\n16", "Line 1: '14' has no date"),
        ("2026-12-01 14\n15", "Line 2: '15' has no date"),
        ("date,value\n", "There are no readings"),
        ("", "There are no readings"),
        ("yesterday,14\n2026-12-01,3", "Line 1: 'yesterday' is not a date"),
        ("2026-12-01 1 2", "Line 1: '2026-12-01 1 2' should be a date and a value"),
    ],
)
def test_first_bad_line_is_named_by_number(text, message):
    with pytest.raises(ReadingError) as caught:
        parse_readings(text, TODAY)
    assert caught.value.message.startswith(message)


@pytest.mark.parametrize(("lines", "accepted"), [(MAX_LINES, True), (MAX_LINES + 1, False)])
def test_at_most_a_thousand_lines(lines, accepted):
    text = "\n".join(["2026-12-01,1"] * lines)
    if accepted:
        assert len(parse_readings(text, TODAY)) == lines
    else:
        with pytest.raises(ReadingError, match="at most 1000 readings"):
            parse_readings(text, TODAY)


def test_a_long_bad_line_is_not_echoed_in_full():
    with pytest.raises(ReadingError) as caught:
        parse_readings("x" * 5000 + " 1 2", TODAY)
    assert len(caught.value.message) < 200
