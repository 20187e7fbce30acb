"""The measurement conversation (issue 15): log readings, chart them, plan and record a project.

Pure, like the engine: each handler takes the engine's knowledge base, a copy of the user's
state and the intent, and returns the reply and the state to store. Nothing is saved here; a
chart's PNG and an exported plan's Markdown are returned as data for each channel to save or
upload. Bad input changes nothing: a handler changes ``state.projects`` only when it succeeds.
"""

from __future__ import annotations

import re
import shlex
from datetime import date
from typing import Any

from bot.core import intents
from bot.core.intents import Intent
from bot.core.measure import chart as pictures
from bot.core.measure import project as shape
from bot.core.measure import runchart, xmr
from bot.core.measure.readings import (
    Reading,
    ReadingError,
    parse_date,
    parse_reading,
    parse_readings,
    parse_value,
)
from bot.core.replies import ChartImage, Option, Reply
from bot.core.user import UserState
from bot.core.wording import say
from bot.kb.model import KnowledgeBase

HRA_TOOL = "https://www.hra-decisiontools.org.uk/research/"
EXCHANGES = frozenset({"plan", "pdsa", "research"})
# Commands that may interrupt an exchange; it stays open behind them. Anything else is an answer
# (an aim such as "we are in the ED..." must not be taken for "I'm at the ... stage").
_PASS_THROUGH = frozenset({"help", "me", "language", "forget", "reset", "log", "unlog", "chart",
                           "xmr", "baseline", "measures", "export"})
_SKIP = {"skip", "pass", "hepgor", "neidio"}
_DONE = {"done", "finished", "no more", "that's all", "thats all", "none", "dim", "gorffen",
         "wedi gorffen", "dim mwy", "dyna ni"}
_UNSURE = {"not sure", "unsure", "don't know", "dont know", "dunno", "maybe", "?",
           "ddim yn siŵr", "ddim yn siwr", "dwn i ddim", "efallai"}
_KIND_WORDS = {"outcome": "outcome", "canlyniad": "outcome", "process": "process",
               "proses": "process", "balancing": "balancing", "cydbwyso": "balancing"}
_DATA_TOKEN = re.compile(r"[+\-.]?\d|.*,")  # a value, a date, or a 'date,value' line
_DATE_LIKE = re.compile(r"\d{1,4}[-/]\d")
_PLAN_STEPS = (("aim", "what"), ("aim", "who"), ("aim", "how_much"), ("aim", "by_when"),
               ("questions", "know"), ("questions", "change"))
_MEASURE_STEPS = ("kind", "numerator", "denominator", "source", "frequency")
_RESEARCH_QUESTIONS = ("randomised", "changes_care", "generalisable")


def _projects(state: UserState) -> list[dict[str, Any]]:
    """A safe working copy of the user's projects (damaged entries left out)."""
    return shape.clean(state.projects)


def number_text(value: float) -> str:
    """A value as people write it: 5, 25.5, 0.125."""
    return f"{value:.4f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"


def day_text(day: date, lang: str, with_year: bool = True) -> str:
    """'9 March 2026' or '9 Mawrth 2026' (or without the year), whatever the machine's locale."""
    text = f"{day.day} {say('measure.months', lang).split()[day.month - 1]}"
    return f"{text} {day.year}" if with_year else text


def span_text(first: date, last: date, lang: str) -> str:
    """'on 9 March 2026' or 'from 9 March to 14 April 2026', in the reply's language."""
    if first == last:
        return say("measure.span_one", lang, day=day_text(first, lang))
    start = day_text(first, lang, with_year=first.year != last.year)
    return say("measure.span_many", lang, first=start, last=day_text(last, lang))


def _word(name: str | None, lang: str) -> str:
    return say(f"measure.word_{name}", lang)


def _error(key: str, lang: str, **values: Any) -> Reply:
    return Reply("error", say(key, lang, **values))


def _unknown(project: dict[str, Any] | None, name: str, lang: str) -> Reply:
    if project is None or not project["measures"]:
        return _error("measure.none", lang)
    names = ", ".join(m["name"] for m in project["measures"])
    return _error("measure.unknown", lang, measure=name, project=project["name"], names=names)


def _found(state: UserState, name: str) -> tuple[list[dict], dict | None, dict | None]:
    """The projects, the current one and its measure called ``name`` (None when missing)."""
    projects = _projects(state)
    project = shape.current(projects)
    return projects, project, shape.find_measure(project, name) if project and name else None


# --- log, unlog ---------------------------------------------------------------------------------

def split_log(arg: str) -> tuple[str, list[str]]:
    """The measure's name and the data after it ('falls 3 01/12/2026', or pasted lines).

    The name is the words before the first value or date; quote a name with digits in it.
    """
    if "\n" in arg:
        head, rest = arg.split("\n", 1)
        name, data = split_log(head)
        return name, [" ".join(data), *rest.splitlines()] if data else rest.splitlines()
    try:
        words = shlex.split(arg)
    except ValueError:
        words = arg.split()
    first = next((i for i, w in enumerate(words) if _DATA_TOKEN.match(w)), len(words))
    name, data = words[:first], words[first:]
    if [w.casefold() for w in name[-2:]] == ["date", "value"] and data:  # a pasted header
        name = name[:-2]
    return " ".join(name), data


def readings_from(data: list[str], today: date) -> tuple[list[Reading], bool]:
    """The readings in the data after a measure's name, and whether it was a paste of many.

    Raises ReadingError. Pasted lines reach the engine folded onto one line, so 'date,value'
    tokens and 'date value' pairs are made lines again.
    """
    if len(data) == 1 and "," not in data[0]:
        return [parse_reading(data[0], today)], False
    if len(data) == 2 and not any("," in token for token in data):
        if _DATE_LIKE.match(data[1]) and not _DATE_LIKE.match(data[0]):  # value then date
            return [Reading(parse_date(data[1], today), parse_value(data[0]))], False
        if _DATE_LIKE.match(data[0]):  # date then value, as a pasted line
            return [Reading(parse_date(data[0], today), parse_value(data[1]))], False
    if any("," in token for token in data) or len(data) == 1:
        lines = data
    else:
        lines = [" ".join(data[i:i + 2]) for i in range(0, len(data), 2)]
    return parse_readings("\n".join(lines), today), True


def log(kb: KnowledgeBase, state: UserState, intent: Intent, today: date | None = None
        ) -> tuple[Reply, UserState]:
    """Log one reading of a measure (a new name makes a new measure), or many pasted at once."""
    lang, today = state.lang, today or date.today()
    name, data = split_log(intent.arg)
    if not name or not data:
        return _error("measure.log_usage", lang), state
    try:
        readings, many = readings_from(data, today)
    except ReadingError as error:
        return _error("measure.bad_reading", lang, detail=error.text(lang)), state
    projects = _projects(state)
    try:
        project = shape.current(projects) or shape.use(projects, say("measure.default_project",
                                                                      lang))
        is_new = shape.find_measure(project, name) is None
        measure = shape.add_measure(project, name)
        replaced = shape.put_readings(measure, ((r.on, r.value) for r in readings))
    except shape.ProjectLimit as full:
        return _error(f"measure.limit_{full.what}", lang, limit=full.limit,
                      project=project["name"]), state
    state.projects = projects
    lines = [_logged(measure, readings, replaced, many, lang)]
    if is_new:
        lines.append(say("measure.new_measure", lang, measure=measure["name"],
                         project=project["name"]))
    options = (Option(say("option.chart", lang, measure=measure["name"]),
                      f"chart {_quoted(measure['name'])}"),)
    return Reply("measure", "\n".join(lines), options=options), state


def _quoted(name: str) -> str:
    return shlex.quote(name) if any(ch.isdigit() for ch in name) or "'" in name else name


def _logged(measure: dict, readings: list[Reading], replaced: dict[str, float], many: bool,
            lang: str) -> str:
    count, name = len(measure["readings"]), measure["name"]
    if many:
        text = say("measure.logged_many", lang, added=len(readings), measure=name, count=count,
                   first=day_text(readings[0].on, lang), last=day_text(readings[-1].on, lang))
        return text + (" " + say("measure.replaced_many", lang, count=len(replaced))
                       if replaced else "")
    reading = readings[0]
    values = {"measure": name, "count": count, "day": day_text(reading.on, lang),
              "value": number_text(reading.value)}
    old = replaced.get(reading.on.isoformat())
    if old is not None:
        return say("measure.replaced", lang, old=number_text(old), **values)
    return say("measure.logged", lang, **values)


def unlog(kb: KnowledgeBase, state: UserState, intent: Intent, today: date | None = None
          ) -> tuple[Reply, UserState]:
    """Delete one day's reading of a measure."""
    lang, today = state.lang, today or date.today()
    name, data = split_log(intent.arg)
    if not name or len(data) != 1:
        return _error("measure.unlog_usage", lang), state
    try:
        when = parse_date(data[0], today)
    except ReadingError as error:
        return _error("measure.bad_reading", lang, detail=error.text(lang)), state
    projects, project, measure = _found(state, name)
    if measure is None:
        return _unknown(project, name, lang), state
    old = shape.remove_reading(measure, when)
    values = {"measure": measure["name"], "day": day_text(when, lang)}
    if old is None:
        return _error("measure.no_reading_on", lang, **values), state
    state.projects = projects
    return Reply("measure", say("measure.unlogged", lang, value=number_text(old),
                                count=len(measure["readings"]), **values)), state


# --- charts -------------------------------------------------------------------------------------

def describe(analysis: runchart.RunChartAnalysis, dates: list[date], lang: str) -> list[str]:
    """runchart.describe in the reply's language: a sentence a signal, then the caveats."""
    sentences = []
    for signal in analysis.signals:
        span = span_text(dates[signal.start], dates[signal.end], lang)
        if signal.rule == "runs":
            low, high = analysis.runs_limits or (0, 0)
            sentences.append(say(f"measure.signal_runs_{signal.direction}", lang,
                                 runs=analysis.runs, low=low, high=high))
        elif signal.rule == "astronomical":
            level = _word("high" if signal.direction == "above" else "low", lang)
            sentences.append(say("measure.signal_astronomical", lang, level=level, span=span))
        else:
            sentences.append(say(f"measure.signal_{signal.rule}", lang, count=signal.count,
                                 span=span, side=_word(signal.direction, lang),
                                 way=_word(signal.direction, lang)))
    return sentences + _caveats(analysis, len(dates), lang)


def _caveats(analysis: runchart.RunChartAnalysis, points: int, lang: str) -> list[str]:
    notes = []
    if analysis.too_few_points:
        notes.append(say("measure.too_few_points", lang, count=points,
                         minimum=runchart.MIN_POINTS))
    useful = analysis.useful_observations
    if useful < runchart.RUNS_TABLE_MIN:
        notes.append(say("measure.no_runs_test", lang, minimum=runchart.RUNS_TABLE_MIN,
                         useful=useful))
    elif useful > runchart.RUNS_TABLE_MAX:
        notes.append(say("measure.beyond_runs_table", lang, maximum=runchart.RUNS_TABLE_MAX,
                         useful=useful))
    return notes


def signal_sentences(measure: dict[str, Any], lang: str) -> list[str]:
    """The run chart rules' sentences for a measure with readings (no picture drawn)."""
    dates, values = shape.series(measure)
    analysis = runchart.analyse(values, shape.baseline(measure))
    quiet = [] if analysis.signals else [say("measure.no_signals", lang)]
    return quiet + describe(analysis, dates, lang)


def run_chart(measure: dict[str, Any], lang: str) -> tuple[ChartImage, list[str]]:
    """The run chart of a measure with readings: the picture and summary, and its sentences."""
    dates, values = shape.series(measure)
    analysis = runchart.analyse(values, shape.baseline(measure))
    unit = measure["definition"]["unit"] or measure["definition"]["denominator"]
    png = pictures.run_chart_png(dates, values, analysis,
                                 say("measure.chart_title", lang, measure=measure["name"]), unit,
                                 lang=lang)
    summary = {"median": analysis.median, "points": len(values),
               "signals": [{"rule": s.rule, "from": dates[s.start].isoformat(),
                            "to": dates[s.end].isoformat()} for s in analysis.signals]}
    image = ChartImage(measure["name"], png, summary, pictures.sparkline(values))
    return image, describe(analysis, dates, lang)


def chart(kb: KnowledgeBase, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
    """A measure's run chart, one plain sentence a signal, and an XmR chart offered from 20."""
    lang = state.lang
    name = split_log(intent.arg)[0] or intent.arg.strip()
    if not name:
        return _error("measure.chart_usage", lang), state
    _, project, measure = _found(state, name)
    if measure is None:
        return _unknown(project, name, lang), state
    if not measure["readings"]:
        return _error("measure.no_readings", lang, measure=measure["name"]), state
    image, sentences = run_chart(measure, lang)
    baseline = shape.baseline(measure)
    frozen = say("measure.frozen", lang, points=baseline) if baseline else ""
    lead = say("measure.chart_lead", lang, measure=measure["name"], frozen=frozen,
               points=image.summary["points"], median=number_text(image.summary["median"]))
    if not image.summary["signals"]:
        sentences.insert(0, say("measure.no_signals", lang))
    options: tuple[Option, ...] = ()
    if xmr.xmr_available(image.summary["points"]):
        sentences.append(say("measure.xmr_offer", lang, points=image.summary["points"],
                             measure=_quoted(measure["name"])))
        options = (Option(say("option.xmr", lang, measure=measure["name"]),
                          f"xmr {_quoted(measure['name'])}"),)
    return Reply("measure", "\n".join([lead, *sentences]), chart=image, options=options), state


def xmr_chart(kb: KnowledgeBase, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
    """A measure's XmR chart (20 points or more), with a sentence a special cause."""
    lang = state.lang
    name = split_log(intent.arg)[0] or intent.arg.strip()
    _, project, measure = _found(state, name)
    if not name or measure is None:
        return (_unknown(project, name, lang) if name else
                _error("measure.chart_usage", lang)), state
    dates, values = shape.series(measure)
    if not xmr.xmr_available(len(values)):
        return _error("measure.xmr_too_few", lang, minimum=xmr.XMR_MIN_POINTS,
                      points=len(values), measure=measure["name"]), state
    baseline = shape.baseline(measure)
    analysis = xmr.analyse_xmr(values, baseline if baseline and baseline >= 20 else None)
    png = pictures.xmr_chart_png(dates, values, analysis,
                                 say("measure.xmr_title", lang, measure=measure["name"]),
                                 measure["definition"]["unit"], lang=lang)
    signals = [{"rule": s.rule, "from": dates[s.start].isoformat(),
                "to": dates[s.end].isoformat()} for s in analysis.signals]
    summary = {"mean": analysis.mean, "upper_limit": analysis.upper_limit,
               "lower_limit": analysis.lower_limit, "points": len(values), "signals": signals}
    lines = [say("measure.xmr_lead", lang, measure=measure["name"], points=len(values),
                 mean=number_text(analysis.mean), lower=number_text(analysis.lower_limit),
                 upper=number_text(analysis.upper_limit))]
    lines += [say(f"measure.xmr_{s.rule}", lang, count=s.end - s.start + 1,
                  side=_word(s.direction, lang), way=_word(s.direction, lang),
                  span=span_text(dates[s.start], dates[s.end], lang)) for s in analysis.signals]
    lines += [] if analysis.signals else [say("measure.xmr_none", lang)]
    image = ChartImage(measure["name"], png, summary, pictures.sparkline(values))
    return Reply("measure", "\n".join(lines), chart=image), state


def set_baseline(kb: KnowledgeBase, state: UserState, intent: Intent
                 ) -> tuple[Reply, UserState]:
    """Freeze a measure's median on its first n points ('off' unfreezes it)."""
    lang = state.lang
    name, data = split_log(intent.arg)
    words = intent.arg.split()
    if not name and len(words) >= 2 and words[-1].casefold() in ("off", "none", "dim"):
        name, data = " ".join(words[:-1]), ["off"]
    elif name and name.split()[-1].casefold() in ("off", "none", "dim") and not data:
        name, data = " ".join(name.split()[:-1]), ["off"]
    if not name or len(data) != 1:
        return _error("measure.baseline_usage", lang), state
    projects, project, measure = _found(state, name)
    if measure is None:
        return _unknown(project, name, lang), state
    count = len(measure["readings"])
    if data[0] == "off":
        measure["baseline"] = None
        state.projects = projects
        return Reply("measure", say("measure.baseline_off", lang, measure=measure["name"])), state
    if not data[0].isdigit() or not 1 <= int(data[0]) <= count:
        return _error("measure.baseline_range", lang, measure=measure["name"], count=count), state
    measure["baseline"] = int(data[0])
    state.projects = projects
    median = runchart.centre_line(shape.series(measure)[1], measure["baseline"])
    return Reply("measure", say("measure.baseline_set", lang, measure=measure["name"],
                                points=measure["baseline"], median=number_text(median)),
                 options=(Option(say("option.chart", lang, measure=measure["name"]),
                                 f"chart {_quoted(measure['name'])}"),)), state


def measures(kb: KnowledgeBase, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
    """The current project's measures, each with its latest reading."""
    lang = state.lang
    project = shape.current(_projects(state))
    if project is None or not project["measures"]:
        return Reply("measure", say("measure.none", lang)), state
    lines = [say("measure.list_title", lang, project=project["name"])]
    for measure in project["measures"]:
        kind = say(f"measure.kind_{measure['kind'] or 'unknown'}", lang)
        if not measure["readings"]:
            lines.append(say("measure.list_line_empty", lang, measure=measure["name"], kind=kind))
            continue
        latest = measure["readings"][-1]
        lines.append(say("measure.list_line", lang, measure=measure["name"], kind=kind,
                         count=len(measure["readings"]), value=number_text(latest["value"]),
                         day=day_text(date.fromisoformat(latest["on"]), lang)))
    options = tuple(Option(say("option.chart", lang, measure=m["name"]),
                           f"chart {_quoted(m['name'])}")
                    for m in project["measures"] if m["readings"])[:5]
    return Reply("measure", "\n".join(lines), options=options), state


# --- plan: the Model for Improvement, step by step ----------------------------------------------

def plan(kb: KnowledgeBase, state: UserState, intent: Intent) -> tuple[Reply, UserState]:
    """Plan the current project (or the one named, made current): aim, questions, measures."""
    lang = state.lang
    projects = _projects(state)
    name = intent.arg.strip() or (projects[-1]["name"] if projects
                                  else say("measure.default_project", lang))
    try:
        project = shape.use(projects, name)
    except shape.ProjectLimit as full:
        return _error("measure.limit_projects", lang, limit=full.limit), state
    state.projects = projects
    state.pending = {"kind": "plan", "project": project["name"], "step": 0}
    intro = say("plan.start", lang, project=project["name"])
    return Reply("plan", f"{intro}\n\n{_plan_question(project, 0, None, lang)}"), state


def _plan_question(project: dict, step: int, measure: dict | None, lang: str) -> str:
    """The question for a step of the plan, with the answer kept so far, if any."""
    if step < len(_PLAN_STEPS):
        part, field = _PLAN_STEPS[step]
        question, kept = say(f"plan.q_{field}", lang), project[part][field]
    elif measure is None:
        return say("plan.q_measure", lang)
    else:
        field = _MEASURE_STEPS[step - len(_PLAN_STEPS)]
        question = say(f"plan.q_{field}", lang, measure=measure["name"])
        kept = (measure[field] if field == "kind" else measure["definition"][field]) or ""
        kept = say(f"measure.kind_{kept}", lang) if field == "kind" and kept else kept
    return f"{question}\n{say('plan.so_far', lang, answer=kept)}" if kept else question


def _plan_answer(state: UserState, pending: dict, message: str) -> tuple[Reply, UserState]:
    """Store one answer of the plan exchange and ask the next question."""
    lang = state.lang
    projects = _projects(state)
    project = shape.find_project(projects, str(pending.get("project", "")))
    step = pending.get("step") if isinstance(pending.get("step"), int) else 0
    if project is None:
        return Reply("info", say("plan.gone", lang)), state
    answer_text = shape.text(message)
    skip = _said(message) in _SKIP
    measure = shape.find_measure(project, str(pending.get("measure", "")))
    if step < len(_PLAN_STEPS):
        part, field = _PLAN_STEPS[step]
        if not skip:
            project[part][field] = answer_text
            if field == "what":
                project["questions"]["accomplish"] = answer_text
        step += 1
    elif measure is None:  # naming a measure, or done
        if _said(message) in _DONE:
            state.projects = projects
            return Reply("plan", say("plan.done", lang, project=project["name"])), state
        if not skip:
            try:
                measure = shape.add_measure(project, answer_text)
            except shape.ProjectLimit as full:
                state.projects = projects
                return _error("measure.limit_measures", lang, limit=full.limit,
                              project=project["name"]), state
            step = len(_PLAN_STEPS)
    else:
        field = _MEASURE_STEPS[step - len(_PLAN_STEPS)]
        if field == "kind" and not skip:
            kind = _KIND_WORDS.get(_said(message))
            if kind is None:
                state.pending = pending
                return Reply("plan", say("plan.kind_again", lang)), state
            measure["kind"] = kind
        elif not skip:
            measure["definition"][field] = answer_text
        step += 1
        if step - len(_PLAN_STEPS) == len(_MEASURE_STEPS):
            saved = say("plan.measure_saved", lang, measure=measure["name"])
            state.projects = projects
            state.pending = {"kind": "plan", "project": project["name"],
                             "step": len(_PLAN_STEPS)}
            return Reply("plan", f"{saved}\n\n{say('plan.q_measure', lang)}"), state
    state.projects = projects
    state.pending = {"kind": "plan", "project": project["name"], "step": step,
                     **({"measure": measure["name"]} if measure else {})}
    return Reply("plan", _plan_question(project, step, measure, lang)), state


def _said(message: str) -> str:
    return re.sub(r"[^\w'? ]", "", message.casefold()).strip()


# --- PDSA cycles --------------------------------------------------------------------------------

def pdsa(kb: KnowledgeBase, state: UserState, intent: Intent, today: date | None = None
         ) -> tuple[Reply, UserState]:
    """Start a PDSA cycle with its plan, or record the next step of the open one."""
    lang, today = state.lang, today or date.today()
    projects = _projects(state)
    project = shape.current(projects) or shape.use(projects, say("measure.default_project", lang))
    cycle = shape.open_cycle(project)
    if cycle is None and not intent.arg.strip():
        state.projects = projects
        state.pending = {"kind": "pdsa", "project": project["name"], "step": "plan"}
        return Reply("plan", say("pdsa.q_plan", lang)), state
    if cycle is not None and not intent.arg.strip():
        step = shape.next_step(cycle) or "happened"
        state.pending = {"kind": "pdsa", "project": project["name"], "step": step}
        return Reply("plan", say(f"pdsa.q_{step}", lang)), state
    state.projects = projects
    return _pdsa_record(state, projects, project, shape.next_step(cycle) if cycle else "plan",
                        intent.arg, today)


def _pdsa_record(state: UserState, projects: list[dict], project: dict, step: str | None,
                 text: str, today: date) -> tuple[Reply, UserState]:
    """Record one PDSA step; ask the next, wait for the trial, or finish the cycle."""
    lang = state.lang
    lines = []
    if step == "plan" or step is None:
        cycle = shape.start_cycle(project, text, today)
        lines.append(say("pdsa.started", lang, cycle=cycle["cycle"], project=project["name"],
                         day=day_text(today, lang)))
    else:
        cycle = shape.open_cycle(project)
        assert cycle is not None
        cycle[step] = shape.text(text)
    following = shape.next_step(cycle)
    if following is None:
        cycle["finished"] = today.isoformat()
        lines.append(say("pdsa.finished", lang, cycle=cycle["cycle"], day=day_text(today, lang)))
    elif following == "happened":  # the Do: it takes time, so the exchange ends here
        lines.append(say("pdsa.wait", lang))
    else:
        state.pending = {"kind": "pdsa", "project": project["name"], "step": following}
        lines.append(say(f"pdsa.q_{following}", lang))
    state.projects = projects
    return Reply("plan", "\n".join(lines)), state


def _pdsa_answer(state: UserState, pending: dict, message: str, today: date
                 ) -> tuple[Reply, UserState]:
    projects = _projects(state)
    project = shape.find_project(projects, str(pending.get("project", "")))
    if project is None:
        return Reply("info", say("plan.gone", state.lang)), state
    shape.use(projects, project["name"])
    step = pending.get("step") if pending.get("step") in shape.PDSA_STEPS else "plan"
    if step != "plan" and shape.open_cycle(project) is None:
        step = "plan"
    return _pdsa_record(state, projects, project, step, message, today)


# --- research, service evaluation or audit? -----------------------------------------------------

def research_check(kb: KnowledgeBase, state: UserState, intent: Intent
                   ) -> tuple[Reply, UserState]:
    """Start the short version of the HRA decision tool's questions."""
    lang = state.lang
    state.pending = {"kind": "research", "answers": {}}
    text = f"{say('research.intro', lang)}\n\n{say('research.q_randomised', lang)}"
    return Reply("plan", text, options=_research_options(lang)), state


def _research_options(lang: str) -> tuple[Option, ...]:
    return (Option(say("option.yes", lang), "yes"), Option(say("option.no", lang), "no"),
            Option(say("option.not_sure", lang), "not sure"))


def research_outcome(answers: dict[str, str]) -> str | None:
    """The outcome the answers imply, or None while a question remains."""
    asked = [answers.get(q) for q in _RESEARCH_QUESTIONS]
    if "yes" in asked:
        return "research"
    if None in asked:
        return None
    if "unsure" in asked:
        return "unclear"
    standard = answers.get("standard")
    return None if standard is None else {"yes": "audit", "no": "service_evaluation"}.get(
        standard, "unclear")


def _research_answer(state: UserState, pending: dict, message: str, today: date
                     ) -> tuple[Reply, UserState]:
    lang = state.lang
    raw = pending.get("answers") if isinstance(pending.get("answers"), dict) else {}
    answers = {k: v for k, v in raw.items() if v in shape.ANSWERS}
    said = intents.yes_no(message)
    if said is None and _said(message) not in _UNSURE:
        state.pending = pending
        return Reply("plan", say("research.again", lang), options=_research_options(lang)), state
    question = next((q for q in _RESEARCH_QUESTIONS if q not in answers), "standard")
    answers[question] = "unsure" if said is None else ("yes" if said else "no")
    outcome = research_outcome(answers)
    if outcome is None:
        state.pending = {"kind": "research", "answers": answers}
        following = next((q for q in _RESEARCH_QUESTIONS if q not in answers), "standard")
        return Reply("plan", say(f"research.q_{following}", lang),
                     options=_research_options(lang)), state
    projects = _projects(state)
    project = shape.current(projects) or shape.use(projects, say("measure.default_project", lang))
    project["research_check"] = {"answers": answers, "outcome": outcome, "on": today.isoformat()}
    state.projects = projects
    text = "\n\n".join([say(f"research.outcome_{outcome}", lang),
                        say("research.final_word", lang, url=HRA_TOOL)])
    return Reply("plan", text, source=HRA_TOOL), state


# --- the exchanges' answers ---------------------------------------------------------------------

def well_formed(pending: dict[str, Any]) -> bool:
    """Whether a stored plan, PDSA or research exchange has the shape its answer reads."""
    kind, step = pending.get("kind"), pending.get("step")
    if kind == "research":
        answers = pending.get("answers")
        return isinstance(answers, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in answers.items())
    if not isinstance(pending.get("project"), str):
        return False
    if kind == "pdsa":
        return step in shape.PDSA_STEPS
    return (isinstance(step, int) and not isinstance(step, bool)
            and 0 <= step < len(_PLAN_STEPS) + len(_MEASURE_STEPS)
            and isinstance(pending.get("measure", ""), str))


def answer(kb: KnowledgeBase, state: UserState, pending: dict, message: str,
           today: date | None = None) -> tuple[Reply, UserState] | None:
    """Answer a pending plan, PDSA or research exchange; None lets a command through."""
    kind, today = pending.get("kind"), today or date.today()
    if intents.is_cancel(message):
        return Reply("info", say(f"{kind}.cancelled", state.lang)), state
    if intents.parse(message).name in _PASS_THROUGH:
        state.pending = pending  # the command runs with the exchange kept open behind it
        return None
    if kind == "plan":
        return _plan_answer(state, pending, message)
    if kind == "pdsa":
        return _pdsa_answer(state, pending, message, today)
    return _research_answer(state, pending, message, today)


# --- export plan --------------------------------------------------------------------------------

def export_plan(kb: KnowledgeBase, state: UserState, intent: Intent
                ) -> tuple[Reply, UserState]:
    """The current project as a Markdown report, with a file name for the channel to save."""
    lang = state.lang
    project = shape.current(_projects(state))
    if project is None:
        return Reply("info", say("export.none", lang)), state
    markdown = plan_markdown(project, lang)
    slug = re.sub(r"[^a-z0-9]+", "-", project["name"].casefold()).strip("-") or "project"
    filename = f"pathway-plan-{slug}.md"
    return Reply("plan", markdown, title=say("export.title", lang, project=project["name"]),
                 footer=say("export.done", lang, project=project["name"], filename=filename),
                 data={"markdown": markdown, "filename": filename}), state


def plan_markdown(project: dict[str, Any], lang: str) -> str:
    """A project as Markdown: aim, questions, measures and readings, charts' sentences, PDSA."""
    none = say("export.not_yet", lang)
    lines = [f"# {say('export.title', lang, project=_md(project['name']))}", "",
             f"## {say('export.aim', lang)}", ""]
    lines += [f"- **{say(f'export.aim_{f}', lang)}**: {_md(project['aim'][f]) or none}"
              for f in shape.AIM_FIELDS]
    lines += ["", f"## {say('export.questions', lang)}", ""]
    lines += [f"- **{say(f'export.q_{f}', lang)}** {_md(project['questions'][f]) or none}"
              for f in shape.QUESTION_FIELDS]
    lines += ["", f"## {say('export.measures', lang)}", ""]
    for measure in project["measures"]:
        lines += _measure_markdown(measure, lang)
    if not project["measures"]:
        lines += [none, ""]
    lines += [f"## {say('export.pdsa', lang)}", ""]
    for cycle in project["pdsa"]:
        heading = say("export.pdsa_cycle", lang, cycle=cycle["cycle"],
                      started=cycle["started"] or "?", finished=cycle["finished"] or "…")
        lines += [f"### {heading}", ""]
        lines += [f"- **{say(f'export.pdsa_{s}', lang)}**: {_md(cycle[s]) or none}"
                  for s in shape.PDSA_STEPS] + [""]
    if not project["pdsa"]:
        lines += [none, ""]
    lines += [f"## {say('export.research', lang)}", ""]
    check = project["research_check"]
    lines.append(none if check is None else say(f"research.outcome_{check['outcome']}", lang))
    lines += ["", say("research.final_word", lang, url=HRA_TOOL), ""]
    return "\n".join(lines)


def _measure_markdown(measure: dict[str, Any], lang: str) -> list[str]:
    kind = say(f"measure.kind_{measure['kind'] or 'unknown'}", lang)
    lines = [f"### {_md(measure['name'])} ({kind})", ""]
    lines += [f"- **{say(f'export.def_{f}', lang)}**: {_md(measure['definition'][f])}"
              for f in shape.DEFINITION_FIELDS if measure["definition"][f]]
    if shape.baseline(measure):
        lines.append(f"- **{say('export.baseline', lang)}**: {shape.baseline(measure)}")
    if not measure["readings"]:
        return [*lines, "", say("export.not_yet", lang), ""]
    lines += ["", f"| {say('export.date', lang)} | {say('export.value', lang)} |", "|---|---:|"]
    lines += [f"| {r['on']} | {number_text(r['value'])} |" for r in measure["readings"]]
    sentences = signal_sentences(measure, lang)
    return [*lines, "", *[f"> {s}" for s in sentences], ""]


def _md(text: str) -> str:
    """User text made safe inside Markdown: no tables broken, no headings or HTML started."""
    return re.sub(r"([\\|*_`<>#\[\]])", r"\\\1", text)
