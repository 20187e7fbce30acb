"""Readings typed or pasted by a user: a value, optionally a date, checked with a clear reason."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.core.wording import say

MAX_LINES = 1000
MAX_VALUE_CHARS = 100
QUOTE_CHARS = 40  # longer text is cut short when echoed back in a message

NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def quoted(text: str) -> str:
    """Text to echo in a message, cut to QUOTE_CHARS so a pasted essay is not repeated."""
    text = text.strip()
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + "…"


class ReadingError(ValueError):
    """A reading that cannot be used: a catalogue key (``reading.*``) and its values.

    The wording is looked up only when shown, with ``text(lang)``, so the same error reads in
    English or Welsh; a pasted line's error also names its line.
    """

    def __init__(self, key: str, line: int | None = None, **values: Any) -> None:
        super().__init__(key)
        self.key, self.line, self.values = key, line, values

    def on_line(self, line: int) -> ReadingError:
        """The same error, naming the pasted line it was found on."""
        return ReadingError(self.key, line, **self.values)

    def text(self, lang: str = "en") -> str:
        """The reason, fit to show the user, in ``lang``."""
        reason = say(f"reading.{self.key}", lang, **self.values)
        return reason if self.line is None else say("reading.line", lang, number=self.line,
                                                    message=reason)

    @property
    def message(self) -> str:
        """The reason in English (for logs and callers that have no language)."""
        return self.text("en")

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Reading:
    """One measurement: the day it is for and its value."""

    on: date
    value: float


def parse_value(text: str) -> float:
    """A finite number from '12', '12.5' or '45%' (the percent sign is dropped)."""
    text = text.strip()
    if not text:
        raise ReadingError("no_value")
    if len(text) > MAX_VALUE_CHARS:
        raise ReadingError("value_too_long", limit=MAX_VALUE_CHARS)
    if "," in text:
        raise ReadingError("comma", text=quoted(text))
    number = text[:-1].rstrip() if text.endswith("%") else text
    # The pattern admits digits only, so no 'nan', 'inf', '1e5' or '1_000' slips through float().
    if not NUMBER.fullmatch(number) or not math.isfinite(value := float(number)):
        raise ReadingError("not_number", text=quoted(text))
    return value


def parse_date(text: str, today: date) -> date:
    """A date from '2026-12-01' or '01/12/2026' (day first), not after today."""
    text = text.strip()
    if iso := ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in iso.groups())
    elif uk := UK_DATE.fullmatch(text):
        day, month, year = (int(part) for part in uk.groups())
    else:
        raise ReadingError("not_date", text=quoted(text))
    try:
        when = date(year, month, day)
    except ValueError:
        raise ReadingError("not_date", text=quoted(text)) from None
    if when > today:
        raise ReadingError("future", text=quoted(text))
    return when


def parse_reading(text: str, today: date) -> Reading:
    """One reading typed alone: 'value' (for today) or 'date value' or 'date,value'."""
    fields = split_fields(text)
    if len(fields) == 1:
        return Reading(today, parse_value(fields[0]))
    return dated_reading(fields, text, today)


def split_fields(line: str) -> list[str]:
    """The fields of a line: comma-separated if it has a comma, else whitespace-separated."""
    if "," in line:
        return [field.strip() for field in line.split(",")]
    return line.split()


def dated_reading(fields: list[str], line: str, today: date) -> Reading:
    """A reading from exactly two fields, a date then a value."""
    if len(fields) != 2:
        raise ReadingError("shape", text=quoted(line))
    return Reading(parse_date(fields[0], today), parse_value(fields[1]))


def is_header(fields: list[str]) -> bool:
    """Whether a first line is a header like 'date,value': no digit first, no number second."""
    if len(fields) != 2 or any(ch.isdigit() for ch in fields[0]):
        return False
    try:
        parse_value(fields[1])
    except ReadingError:
        return True
    return False  # 'yesterday,14' is a reading with a bad date, not a header


def parse_readings(text: str, today: date) -> list[Reading]:
    """Many readings pasted at once, one 'date,value' or 'date value' a line, oldest first.

    A header row is skipped; blank lines are ignored. The first bad line raises ReadingError
    naming its 1-based line number.
    """
    numbered = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if len(numbered) > MAX_LINES:
        raise ReadingError("too_many_lines", count=len(numbered), limit=MAX_LINES)
    if numbered and is_header(split_fields(numbered[0][1])):
        numbered = numbered[1:]
    if not numbered:
        raise ReadingError("nothing")
    readings = [line_reading(number, line, today) for number, line in numbered]
    return sorted(readings, key=lambda reading: reading.on)


def line_reading(number: int, line: str, today: date) -> Reading:
    """The reading on one pasted line, or ReadingError naming the line."""
    fields = split_fields(line)
    try:
        if len(fields) == 1:
            raise ReadingError("no_date", text=quoted(line))
        return dated_reading(fields, line, today)
    except ReadingError as error:
        raise error.on_line(number) from None
