"""Reminders to log a measure, switched on by the user only ("remind me waits every 2 weeks").

A reminder is kept in the measure it is for (``"reminder": {"every_days", "since"}``, see
``project.py``). It falls due ``every_days`` after the measure's last reading, or after the
day it was switched on if that is later, and is sent once for each lapse: a new reading
starts the next one. The core only says what is due and in which words; the Slack channel
sweeps, claims each nudge once in the store and sends it (the terminal has no scheduler).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.core.intents import Intent
from bot.core.measure import project as shape
from bot.core.measure.conversation import day_text
from bot.core.replies import Reply
from bot.core.user import UserState
from bot.core.wording import say
from bot.kb.model import KnowledgeBase

MAX_DAYS = shape.MAX_EVERY
# "every 2 weeks", "bob 3 wythnos": the number of days in one of each unit.
_UNITS = {"day": 1, "days": 1, "diwrnod": 1, "niwrnod": 1, "dydd": 1, "week": 7, "weeks": 7,
          "wythnos": 7, "fortnight": 14, "fortnights": 14, "pythefnos": 14, "month": 30,
          "months": 30, "mis": 30, "fis": 30}
_SAID_ONCE = {"daily": 1, "weekly": 7, "fortnightly": 14, "monthly": 30, "yn ddyddiol": 1,
              "dyddiol": 1, "yn wythnosol": 7, "wythnosol": 7, "yn fisol": 30, "misol": 30}
_EVERY = re.compile(r"(?P<name>.+?)\s+(?:every|each|bob|pob)\s+(?P<count>\d{1,3}\s+)?"
                    r"(?P<unit>[a-z]+)", re.IGNORECASE)
_ONCE = re.compile(r"(?P<name>.+?)\s+(?P<word>(?:yn\s+)?[a-z]+)", re.IGNORECASE)
_LEAD = re.compile(r"^(?:(?:to\s+)?(?:log|record)\s+|about\s+|for\s+|am\s+|i\s+gofnodi\s+)",
                   re.IGNORECASE)


@dataclass(frozen=True)
class Due:
    """A measure's reminder and the day its current lapse falls due."""

    project: str
    measure: str
    every_days: int
    due: date
    last_reading: date | None


@dataclass(frozen=True)
class Nudge:
    """A reminder due now for one user: whom to send it to, which lapse, and what it says."""

    workspace: str
    user: str
    due: Due
    reply: Reply


def schedule(text: str) -> tuple[str, int] | None:
    """The measure's name and the days between reminders in 'waits every 2 weeks'; None if
    there is no schedule, or it is not from 1 to MAX_DAYS days."""
    text = " ".join(text.split()).strip(" .!?")
    every = _EVERY.fullmatch(text)
    if every:
        count = int(every["count"]) if every["count"] else 1
        unit = _UNITS.get(every["unit"].casefold())
        name, days = every["name"], count * unit if unit else 0
    elif (once := _ONCE.fullmatch(text)) and once["word"].casefold() in _SAID_ONCE:
        name, days = once["name"], _SAID_ONCE[once["word"].casefold()]
    else:
        return None
    name = _LEAD.sub("", name).strip()
    return (name, days) if name and 1 <= days <= MAX_DAYS else None


def reminder_of(measure: dict[str, Any]) -> dict[str, Any] | None:
    """The measure's reminder setting, if it has one."""
    return measure.get("reminder")


def due_of(measure: dict[str, Any], project_name: str) -> Due | None:
    """When the measure's reminder falls due this lapse, or None without a reminder."""
    reminder = reminder_of(measure)
    if reminder is None:
        return None
    since = date.fromisoformat(reminder["since"])
    last = date.fromisoformat(measure["readings"][-1]["on"]) if measure["readings"] else None
    start = max(last, since) if last else since
    return Due(project_name, measure["name"], reminder["every_days"],
               start + timedelta(days=reminder["every_days"]), last)


def reminders(projects: list[dict[str, Any]]) -> list[Due]:
    """Every measure's reminder, due or not, with its current due day."""
    return [due for project in projects for measure in project["measures"]
            if (due := due_of(measure, project["name"])) is not None]


def due_now(state: UserState, today: date) -> list[Due]:
    """The reminders whose lapse has come: no reading for their interval, as of today."""
    return [due for due in reminders(shape.clean(state.projects)) if due.due <= today]


def period_text(days: int, lang: str) -> str:
    """'2 weeks', '10 days', 'wythnos' in the reply's language."""
    if days % 7 == 0:
        weeks = days // 7
        return say("nudge.one_week", lang) if weeks == 1 else say("nudge.weeks", lang,
                                                                    count=weeks)
    return say("nudge.one_day", lang) if days == 1 else say("nudge.days", lang, count=days)


def nudge_reply(due: Due, today: date, lang: str) -> Reply:
    """The reminder a user receives: how long since the measure's last reading, and how to log."""
    if due.last_reading is None:
        lead = say("nudge.no_readings", lang, measure=due.measure,
                   period=period_text(due.every_days, lang))
    else:
        lead = say("nudge.lapsed", lang, measure=due.measure,
                   period=period_text((today - due.last_reading).days, lang))
    return Reply("measure", lead, footer=say("nudge.how", lang, measure=due.measure), lang=lang)


def remind(kb: KnowledgeBase, state: UserState, intent: Intent, today: date | None = None
           ) -> tuple[Reply, UserState]:
    """Switch on a reminder for a measure of the current project, every so many days."""
    lang, today = state.lang, today or date.today()
    asked = schedule(intent.arg)
    if asked is None:
        return Reply("error", say("nudge.usage", lang, max=MAX_DAYS)), state
    name, days = asked
    projects = shape.clean(state.projects)
    project = shape.current(projects)
    measure = shape.find_measure(project, name) if project else None
    if measure is None:
        return _unknown_measure(project, name, lang), state
    measure["reminder"] = {"every_days": days, "since": today.isoformat()}
    state.projects = projects
    due = due_of(measure, project["name"])
    assert due is not None
    return Reply("measure", say("nudge.set", lang, measure=measure["name"],
                                period=period_text(days, lang),
                                day=day_text(due.due, lang))), state


def stop(kb: KnowledgeBase, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
    """Switch off the reminders of one measure (of the current project), or all of them."""
    lang = state.lang
    projects = shape.clean(state.projects)
    name = _LEAD.sub("", intent.arg.strip(" .!?")).strip()
    if name:
        project = shape.current(projects)
        measure = shape.find_measure(project, name) if project else None
        if measure is None:
            return _unknown_measure(project, name, lang), state
        measures = [measure]
    else:
        measures = [m for p in projects for m in p["measures"]]
    stopped = [m["name"] for m in measures if m.get("reminder")]
    if not stopped:
        return Reply("info", say("nudge.none_on", lang)), state
    for measure in measures:
        measure["reminder"] = None
    state.projects = projects
    return Reply("measure", say("nudge.stopped", lang, measures=", ".join(
        f"*{n}*" for n in stopped))), state


def kept_lines(state: UserState, lang: str) -> list[str]:
    """The reminders switched on, as lines for "what I keep about you"."""
    kept = reminders(shape.clean(state.projects))
    if not kept:
        return []
    return [say("me.reminders", lang)] + [
        say("me.reminder_line", lang, measure=due.measure, project=due.project,
            period=period_text(due.every_days, lang), day=day_text(due.due, lang))
        for due in kept]


def _unknown_measure(project: dict[str, Any] | None, name: str, lang: str) -> Reply:
    if project is None or not project["measures"]:
        return Reply("error", say("measure.none", lang))
    names = ", ".join(m["name"] for m in project["measures"])
    return Reply("error", say("measure.unknown", lang, measure=name, project=project["name"],
                              names=names))
