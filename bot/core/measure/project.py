"""Improvement projects as kept in ``UserState.projects``: plain JSON, bounded, read safely.

A stored shape that is damaged (hand-edited, written by a bug, truncated) is never trusted:
``clean()`` keeps what is recognisable and drops the rest, so no handler can crash on it.
The list is kept in the order of use: the last project is the current one.

    {"name": str, "aim": {"what", "who", "how_much", "by_when"},
     "questions": {"accomplish", "know", "change"},
     "measures": [{"name", "kind": "outcome"|"process"|"balancing"|None,
                   "definition": {"numerator", "denominator", "unit", "source", "frequency"},
                   "baseline": int | None, "readings": [{"on": "YYYY-MM-DD", "value": float}],
                   "reminder": {"every_days": int, "since": "YYYY-MM-DD"} | None}],
     "pdsa": [{"cycle": int, "plan", "prediction", "happened", "learned", "next",
               "started": "YYYY-MM-DD" | None, "finished": "YYYY-MM-DD" | None}],
     "research_check": {"answers": {question: "yes"|"no"|"unsure"},
                        "outcome": "research"|"service_evaluation"|"audit"|"unclear",
                        "on": "YYYY-MM-DD"} | None}
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date
from typing import Any

MAX_PROJECTS = 10
MAX_MEASURES = 20
MAX_READINGS = 1000
MAX_PDSA = 50
MAX_TEXT = 500  # every free-text field
MAX_NAME = 100  # project and measure names
MAX_EVERY = 365  # days between reminders to log a measure
AIM_FIELDS = ("what", "who", "how_much", "by_when")
QUESTION_FIELDS = ("accomplish", "know", "change")
DEFINITION_FIELDS = ("numerator", "denominator", "unit", "source", "frequency")
KINDS = ("outcome", "process", "balancing")
PDSA_STEPS = ("plan", "prediction", "happened", "learned", "next")
OUTCOMES = ("research", "service_evaluation", "audit", "unclear")
ANSWERS = ("yes", "no", "unsure")


class ProjectLimit(ValueError):
    """A bound would be passed: ``what`` is "projects", "measures", "readings" or "pdsa"."""

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(f"at most {limit} {what}")
        self.what, self.limit = what, limit


def text(value: Any, limit: int = MAX_TEXT) -> str:
    """A stored text field: a string, whitespace folded, cut to ``limit``; anything else ''."""
    return " ".join(value.split())[:limit] if isinstance(value, str) else ""


def day(value: Any) -> str | None:
    """A stored ISO date, or None when it is not one."""
    try:
        return date.fromisoformat(value).isoformat() if isinstance(value, str) else None
    except ValueError:
        return None


def _fields(raw: Any, names: Iterable[str]) -> dict[str, str]:
    raw = raw if isinstance(raw, dict) else {}
    return {name: text(raw.get(name)) for name in names}


def _reading(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        return None
    on, value = day(raw.get("on")), raw.get("value")
    if on is None or isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return {"on": on, "value": float(value)} if math.isfinite(value) else None


def _readings(raw: Any) -> list[dict[str, Any]]:
    by_day = {r["on"]: r for r in map(_reading, raw if isinstance(raw, list) else []) if r}
    return [by_day[on] for on in sorted(by_day)][-MAX_READINGS:]


def clean_measure(raw: Any) -> dict[str, Any] | None:
    """A measure in its stored shape, or None when it has no usable name."""
    if not isinstance(raw, dict) or not text(raw.get("name"), MAX_NAME):
        return None
    readings = _readings(raw.get("readings"))
    baseline = raw.get("baseline")
    usable = isinstance(baseline, int) and not isinstance(baseline, bool) and baseline >= 1
    return {"name": text(raw.get("name"), MAX_NAME),
            "kind": raw.get("kind") if raw.get("kind") in KINDS else None,
            "definition": _fields(raw.get("definition"), DEFINITION_FIELDS),
            "baseline": baseline if usable else None, "readings": readings,
            "reminder": _reminder(raw.get("reminder"))}


def _reminder(raw: Any) -> dict[str, Any] | None:
    """A stored reminder ("remind me ... every N days"); a damaged one is dropped."""
    if not isinstance(raw, dict):
        return None
    every, since = raw.get("every_days"), day(raw.get("since"))
    usable = isinstance(every, int) and not isinstance(every, bool) and 1 <= every <= MAX_EVERY
    return {"every_days": every, "since": since} if usable and since else None


def _pdsa(raw: Any, number: int) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        return None
    kept = raw.get("cycle")
    usable = isinstance(kept, int) and not isinstance(kept, bool) and kept >= 1
    return {"cycle": kept if usable else number, **_fields(raw, PDSA_STEPS),
            "started": day(raw.get("started")), "finished": day(raw.get("finished"))}


def _research(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict) or raw.get("outcome") not in OUTCOMES:
        return None
    answers = raw.get("answers") if isinstance(raw.get("answers"), dict) else {}
    return {"answers": {k: v for k, v in answers.items()
                        if isinstance(k, str) and len(k) <= 40 and v in ANSWERS},
            "outcome": raw["outcome"], "on": day(raw.get("on"))}


def clean_project(raw: Any) -> dict[str, Any] | None:
    """A project in its stored shape, or None when it has no usable name."""
    if not isinstance(raw, dict) or not text(raw.get("name"), MAX_NAME):
        return None
    measures: list[dict[str, Any]] = []
    for measure in map(clean_measure, _list(raw.get("measures"))):
        if measure and find_measure({"measures": measures}, measure["name"]) is None:
            measures.append(measure)
    cycles = [c for c in _list(raw.get("pdsa")) if isinstance(c, dict)][-MAX_PDSA:]
    return {"name": text(raw.get("name"), MAX_NAME),
            "aim": _fields(raw.get("aim"), AIM_FIELDS),
            "questions": _fields(raw.get("questions"), QUESTION_FIELDS),
            "measures": measures[:MAX_MEASURES],
            "pdsa": [p for n, c in enumerate(cycles, 1) if (p := _pdsa(c, n))],
            "research_check": _research(raw.get("research_check"))}


def _list(raw: Any) -> list[Any]:
    return raw if isinstance(raw, list) else []


def clean(raw: Any) -> list[dict[str, Any]]:
    """The projects from a stored value: damaged entries dropped, sizes bounded, names unique."""
    projects: list[dict[str, Any]] = []
    for project in map(clean_project, _list(raw)):
        if project and find_project(projects, project["name"]) is None:
            projects.append(project)
    return projects[-MAX_PROJECTS:]


def new_project(name: str) -> dict[str, Any]:
    """An empty project called ``name``."""
    project = clean_project({"name": name})
    if project is None:
        raise ValueError("a project needs a name")
    return project


def find_project(projects: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    """The project called ``name`` (any case), if any."""
    wanted = text(name, MAX_NAME).casefold()
    return next((p for p in projects if p["name"].casefold() == wanted), None)


def current(projects: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The project used last, if any."""
    return projects[-1] if projects else None


def use(projects: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """Make the project called ``name`` current, creating it; ProjectLimit when full."""
    project = find_project(projects, name)
    if project is None:
        if len(projects) >= MAX_PROJECTS:
            raise ProjectLimit("projects", MAX_PROJECTS)
        project = new_project(name)
    else:
        projects.remove(project)
    projects.append(project)
    return project


def find_measure(project: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The project's measure called ``name`` (any case), if any."""
    wanted = text(name, MAX_NAME).casefold()
    return next((m for m in project["measures"] if m["name"].casefold() == wanted), None)


def add_measure(project: dict[str, Any], name: str) -> dict[str, Any]:
    """The measure called ``name``, added if new (kind unknown); ProjectLimit when full."""
    measure = find_measure(project, name)
    if measure is None:
        if len(project["measures"]) >= MAX_MEASURES:
            raise ProjectLimit("measures", MAX_MEASURES)
        measure = clean_measure({"name": name})
        if measure is None:
            raise ValueError("a measure needs a name")
        project["measures"].append(measure)
    return measure


def put_readings(measure: dict[str, Any], readings: Iterable[tuple[date, float]]
                 ) -> dict[str, float]:
    """Add readings, one a day, replacing that day's; the replaced values by day.

    All or nothing: ProjectLimit, and no change, if the measure would hold too many.
    """
    by_day = {r["on"]: r["value"] for r in measure["readings"]}
    replaced = {}
    for on, value in readings:
        if on.isoformat() in by_day:
            replaced.setdefault(on.isoformat(), by_day[on.isoformat()])
        by_day[on.isoformat()] = float(value)
    if len(by_day) > MAX_READINGS:
        raise ProjectLimit("readings", MAX_READINGS)
    measure["readings"] = [{"on": on, "value": by_day[on]} for on in sorted(by_day)]
    return replaced


def remove_reading(measure: dict[str, Any], on: date) -> float | None:
    """Delete the reading for a day; its value, or None when there was none."""
    for reading in measure["readings"]:
        if reading["on"] == on.isoformat():
            measure["readings"].remove(reading)
            return reading["value"]
    return None


def series(measure: dict[str, Any]) -> tuple[list[date], list[float]]:
    """The measure's dates and values, oldest first."""
    return ([date.fromisoformat(r["on"]) for r in measure["readings"]],
            [r["value"] for r in measure["readings"]])


def baseline(measure: dict[str, Any]) -> int | None:
    """The frozen median's number of points, if it still fits the readings."""
    points = measure["baseline"]
    return points if points is not None and points <= len(measure["readings"]) else None


def open_cycle(project: dict[str, Any]) -> dict[str, Any] | None:
    """The PDSA cycle still being recorded (not finished), if any."""
    last = project["pdsa"][-1] if project["pdsa"] else None
    return last if last is not None and last["finished"] is None else None


def start_cycle(project: dict[str, Any], plan: str, today: date) -> dict[str, Any]:
    """A new PDSA cycle with its plan; the oldest is dropped past MAX_PDSA."""
    number = project["pdsa"][-1]["cycle"] + 1 if project["pdsa"] else 1
    cycle = {"cycle": number, **dict.fromkeys(PDSA_STEPS, ""),
             "started": today.isoformat(), "finished": None}
    cycle["plan"] = text(plan)
    project["pdsa"] = [*project["pdsa"], cycle][-MAX_PDSA:]
    return cycle


def next_step(cycle: dict[str, Any]) -> str | None:
    """The first PDSA step not yet recorded, or None when all are."""
    return next((step for step in PDSA_STEPS if not cycle[step]), None)


# --- saving a whole form at once (the Slack modals): all or nothing, on a working copy ---------

class NameTaken(ValueError):
    """Another project (``what`` "project") or measure ("measure") already has this name."""

    def __init__(self, what: str, name: str) -> None:
        super().__init__(f"another {what} is called {name!r}")
        self.what, self.name = what, name


class NoReading(LookupError):
    """A reading to delete is not there: ``on`` is its day."""

    def __init__(self, on: date) -> None:
        super().__init__(f"no reading on {on.isoformat()}")
        self.on = on


def rename(items: list[dict[str, Any]], item: dict[str, Any], name: str, what: str) -> None:
    """Give a project or a measure a new name; NameTaken when another of ``items`` has it."""
    new = text(name, MAX_NAME)
    if not new:
        raise ValueError(f"a {what} needs a name")
    if any(other is not item and other["name"].casefold() == new.casefold() for other in items):
        raise NameTaken(what, new)
    item["name"] = new


def save_plan(projects: list[dict[str, Any]], plan: dict[str, Any], opened: str | None,
              opened_measure: str | None) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Save a plan form: the project and one measure, as the form was opened and filled in.

    ``plan`` holds "name", "aim", "questions" and "measure" (None, or "name", "kind",
    "definition") in the stored shape. The project the form was opened on (``opened``) is
    renamed to the plan's name, else the project of that name is used or made; it becomes the
    current one. The measure the form was opened on is updated and renamed likewise; without
    one, the measure is added, and a name already taken is refused rather than overwritten.
    Raises NameTaken or ProjectLimit, having changed only ``projects`` (a working copy).
    """
    project = find_project(projects, opened) if opened else None
    if project is None:
        project = use(projects, plan["name"])
    else:
        rename(projects, project, plan["name"], "project")
        use(projects, project["name"])
    project["aim"] = _fields(plan.get("aim"), AIM_FIELDS)
    project["questions"] = _fields(plan.get("questions"), QUESTION_FIELDS)
    if not plan.get("measure"):
        return project, None
    return project, _save_measure(project, plan["measure"], opened_measure)


def _save_measure(project: dict[str, Any], form: dict[str, Any], opened: str | None
                  ) -> dict[str, Any]:
    """The measure a plan form describes, updated or added to the project."""
    measure = find_measure(project, opened) if opened else None
    if measure is None:
        if find_measure(project, form["name"]) is not None:
            raise NameTaken("measure", text(form["name"], MAX_NAME))
        measure = add_measure(project, form["name"])
    else:
        rename(project["measures"], measure, form["name"], "measure")
    measure["kind"] = form.get("kind") if form.get("kind") in KINDS else None
    measure["definition"] = _fields(form.get("definition"), DEFINITION_FIELDS)
    return measure


def change_readings(measure: dict[str, Any], readings: Iterable[tuple[date, float]],
                    deletions: Iterable[date]) -> tuple[dict[str, float], dict[str, float]]:
    """Delete readings by day, then add readings; (replaced, deleted) values by day.

    Raises NoReading, before any change, when a day to delete has no reading, and
    ProjectLimit (see put_readings).
    """
    days = {reading["on"] for reading in measure["readings"]}
    deletions = list(deletions)
    missing = next((on for on in deletions if on.isoformat() not in days), None)
    if missing is not None:
        raise NoReading(missing)
    kept = list(measure["readings"])
    deleted = {on.isoformat(): remove_reading(measure, on) for on in deletions}
    try:
        replaced = put_readings(measure, readings)
    except ProjectLimit:
        measure["readings"] = kept
        raise
    return replaced, {on: value for on, value in deleted.items() if value is not None}
