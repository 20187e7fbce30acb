"""Block Kit for the measurement modals: the plan, and logging data. Pure functions.

The plan form shows a project's aim, the Model for Improvement's three questions and one
measure at a time; a menu picks which measure, and the form is redrawn for it. The data form
takes many readings pasted at once and one correction or deletion. Reading a submission
gives either the values to save or Slack's per-field errors, never both. Labels are plain
text (shown as they are); typed values come back as typed, not escaped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.channels.slack.blocks import OPTION_TEXT_LIMIT, Block, modal_label, section
from bot.channels.slack.payloads import items, optional_text, part
from bot.channels.slack.text import escape, plain
from bot.core.measure import project as shape
from bot.core.measure.readings import (
    Reading,
    ReadingError,
    parse_date,
    parse_reading,
    parse_readings,
    parse_value,
)
from bot.core.wording import say

PLAN_MODAL = "pw_plan_modal"
LOG_MODAL = "pw_log_modal"
PLAN_MEASURE_ACTION = "pw_plan_measure"  # the plan form's "measure to edit" menu
FIELD_ACTION = "value"  # every input's action_id; the block_id names the field
NEW_MEASURE = "+"  # the menu's "a new measure"; an existing one is "=" + its name
PASTE_LIMIT = 3000  # Slack's most for a plain_text_input
OPTION_VALUE_LIMIT = 150

# (block id, label key, placeholder key or None): the plan's own fields, in the form's order.
PLAN_FIELDS: tuple[tuple[str, str, str | None], ...] = (
    ("name", "slack.plan_label_name", "slack.plan_hint_name"),
    ("aim_what", "slack.plan_label_what", None),
    ("aim_who", "slack.plan_label_who", None),
    ("aim_how_much", "slack.plan_label_how_much", None),
    ("aim_by_when", "slack.plan_label_by_when", None),
    ("q_accomplish", "export.q_accomplish", None),
    ("q_know", "export.q_know", None),
    ("q_change", "export.q_change", None),
)
# The measure's text fields; its block ids end in ".<key>" (see measure_block).
MEASURE_FIELDS: tuple[tuple[str, str, str | None], ...] = (
    ("name", "slack.plan_label_measure", "slack.plan_hint_measure"),
    ("numerator", "slack.plan_label_numerator", None),
    ("denominator", "slack.plan_label_denominator", None),
    ("unit", "slack.plan_label_unit", None),
    ("source", "slack.plan_label_source", None),
    ("frequency", "slack.plan_label_frequency", None),
)


def _plain(text: str, limit: int = 2000) -> Block:
    return {"type": "plain_text", "text": plain(text, limit)}


def _option(label: str, value: str) -> Block:
    return {"text": _plain(label, OPTION_TEXT_LIMIT), "value": value[:OPTION_VALUE_LIMIT]}


def text_input(block_id: str, label: str, limit: int, initial: str = "",
               placeholder: str | None = None, multiline: bool = False) -> Block:
    """An optional text box, pre-filled, limited to what the store keeps."""
    element: Block = {"type": "plain_text_input", "action_id": FIELD_ACTION,
                      "multiline": multiline, "max_length": limit}
    if initial:
        element["initial_value"] = initial
    if placeholder:
        element["placeholder"] = _plain(placeholder, 150)
    return {"type": "input", "block_id": block_id, "optional": True, "label": _plain(label),
            "element": element}


def modal(callback_id: str, title_key: str, metadata: dict[str, Any], blocks: list[Block],
          lang: str) -> Block:
    """A form with Save and Cancel, carrying what it was opened on in private_metadata."""
    return {"type": "modal", "callback_id": callback_id,
            "private_metadata": json.dumps(metadata),
            "title": modal_label(say(title_key, lang)),
            "submit": modal_label(say("slack.save", lang)),
            "close": modal_label(say("form.cancel", lang)), "blocks": blocks}


def measure_key(project: dict[str, Any] | None, measure: dict[str, Any] | None) -> str:
    """Which measure the form shows: its position, or "new".

    It ends each measure field's block id, so a redrawn form gets fresh boxes (Slack keeps
    what was typed in a box whose block id is unchanged, and would ignore the new values).
    """
    if project is None or measure is None:
        return "new"
    return str(next(i for i, m in enumerate(project["measures"]) if m is measure))


def measure_block(field: str, key: str) -> str:
    """The block id of one of the measure's fields."""
    return f"measure_{field}.{key}"


# --- the plan --------------------------------------------------------------------------------

def plan_modal(project: dict[str, Any] | None, measure: dict[str, Any] | None,
               lang: str = "en") -> Block:
    """The plan form, filled in from the project (None: a new one) and one of its measures."""
    key = measure_key(project, measure)
    stored = project or shape.new_project(say("measure.default_project", lang))
    blocks = [section(escape(say("slack.plan_intro", lang)))]
    for block_id, label, hint in PLAN_FIELDS:
        limit = shape.MAX_NAME if block_id == "name" else shape.MAX_TEXT
        blocks.append(text_input(block_id, say(label, lang), limit, _stored(stored, block_id),
                                 say(hint, lang) if hint else None, multiline=limit > 100))
    blocks += [{"type": "divider"}, section(escape(say("slack.plan_measure_intro", lang)))]
    if project is not None and project["measures"]:
        blocks.append(measure_menu(project, measure, lang))
    blocks += measure_inputs(measure, key, lang)
    metadata = {"project": project["name"] if project else None,
                "measure": measure["name"] if measure else None, "key": key}
    return modal(PLAN_MODAL, "slack.plan_title", metadata, blocks, lang)


def _stored(project: dict[str, Any], block_id: str) -> str:
    """A plan field's stored text, by its block id."""
    if block_id == "name":
        return project["name"]
    part, _, field = block_id.partition("_")
    return project["aim" if part == "aim" else "questions"][field]


def measure_menu(project: dict[str, Any], chosen: dict[str, Any] | None,
                 lang: str = "en") -> Block:
    """The menu of the project's measures and "a new measure": choosing redraws the form."""
    options = [_option(say("slack.plan_new_measure", lang), NEW_MEASURE)]
    options += [_option(m["name"], f"={m['name']}") for m in project["measures"][:99]]
    picked = options[0] if chosen is None else next(
        (o for o in options if o["value"] == f"={chosen['name']}"[:OPTION_VALUE_LIMIT]),
        options[0])
    return {"type": "actions", "block_id": "measure_choice",
            "elements": [{"type": "static_select", "action_id": PLAN_MEASURE_ACTION,
                          "placeholder": _plain(say("slack.plan_choose_measure", lang), 150),
                          "options": options, "initial_option": picked}]}


def chosen_measure(project: dict[str, Any] | None, value: str) -> dict[str, Any] | None:
    """The measure a menu value names, or None for "a new measure" (or one now gone)."""
    if project is None or not value.startswith("="):
        return None
    return shape.find_measure(project, value[1:])


def measure_inputs(measure: dict[str, Any] | None, key: str, lang: str = "en") -> list[Block]:
    """The measure's boxes: name, kind (a menu) and its operational definition."""
    stored = measure or {"name": "", "kind": None,
                         "definition": dict.fromkeys(shape.DEFINITION_FIELDS, "")}
    blocks = []
    for field, label, hint in MEASURE_FIELDS:
        limit = shape.MAX_NAME if field == "name" else shape.MAX_TEXT
        initial = stored["name"] if field == "name" else stored["definition"][field]
        blocks.append(text_input(measure_block(field, key), say(label, lang), limit, initial,
                                 say(hint, lang) if hint else None))
        if field == "name":
            blocks.append(kind_input(stored["kind"], key, lang))
    return blocks


def kind_input(kind: str | None, key: str, lang: str = "en") -> Block:
    """The measure's kind: outcome, process or balancing."""
    options = [_option(say(f"measure.kind_{k}", lang), k) for k in shape.KINDS]
    element: Block = {"type": "static_select", "action_id": FIELD_ACTION, "options": options,
                      "placeholder": _plain(say("slack.plan_choose_kind", lang), 150)}
    if kind in shape.KINDS:
        element["initial_option"] = options[shape.KINDS.index(kind)]
    return {"type": "input", "block_id": measure_block("kind", key), "optional": True,
            "label": _plain(say("slack.plan_label_kind", lang)), "element": element}


def typed(values: dict[str, Any], block_id: str) -> str:
    """What was typed in a text box ("" when empty or missing; BadPayload if not text)."""
    return optional_text(part(values, block_id, FIELD_ACTION), "value") or ""


def selected(values: dict[str, Any], block_id: str) -> str:
    """The value chosen in a menu ("" when none; BadPayload if it has the wrong type)."""
    return optional_text(part(values, block_id, FIELD_ACTION, "selected_option"), "value") or ""


def _too_long(text: str, limit: int, lang: str) -> str | None:
    folded = " ".join(text.split())
    return say("form.error_too_long", lang, limit=limit) if len(folded) > limit else None


def plan_form(values: dict[str, Any], key: str, lang: str = "en"
              ) -> tuple[dict[str, Any], dict[str, str]]:
    """The plan to save (see measure.project.save_plan) and the errors by block id."""
    errors = {}
    texts = {block_id: typed(values, block_id) for block_id, _, _ in PLAN_FIELDS}
    for block_id, text in texts.items():
        limit = shape.MAX_NAME if block_id == "name" else shape.MAX_TEXT
        if error := _too_long(text, limit, lang):
            errors[block_id] = error
    if not texts["name"].strip():
        errors["name"] = say("form.error_empty", lang)
    measure, measure_errors = measure_form(values, key, lang)
    plan = {"name": texts["name"],
            "aim": {f: texts[f"aim_{f}"] for f in shape.AIM_FIELDS},
            "questions": {f: texts[f"q_{f}"] for f in shape.QUESTION_FIELDS},
            "measure": measure}
    return plan, {**errors, **measure_errors}


def measure_form(values: dict[str, Any], key: str, lang: str = "en"
                 ) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The measure described on the plan form (None when left blank) and its errors."""
    texts = {field: typed(values, measure_block(field, key)) for field, _, _ in MEASURE_FIELDS}
    kind = selected(values, measure_block("kind", key))
    errors = {}
    for field, text in texts.items():
        limit = shape.MAX_NAME if field == "name" else shape.MAX_TEXT
        if error := _too_long(text, limit, lang):
            errors[measure_block(field, key)] = error
    if kind and kind not in shape.KINDS:
        errors[measure_block("kind", key)] = say("form.error_choose", lang)
    if not any(text.strip() for text in texts.values()) and not kind:
        return None, errors
    if not texts["name"].strip():
        errors[measure_block("name", key)] = say("slack.plan_measure_needs_name", lang)
    definition = {field: texts[field] for field in shape.DEFINITION_FIELDS}
    return {"name": texts["name"], "kind": kind or None, "definition": definition}, errors


# --- logging data ----------------------------------------------------------------------------

def log_modal(project: dict[str, Any] | None, chosen: dict[str, Any] | None,
              lang: str = "en") -> Block:
    """The data form: a measure (one of the project's, or a new name), readings to paste, and
    one reading to correct or delete."""
    blocks = [section(escape(say("slack.log_intro", lang)))]
    if project is not None and project["measures"]:
        blocks.append(measure_select(project, chosen, lang))
    blocks += [
        text_input("new_measure", say("slack.log_label_new_measure", lang), shape.MAX_NAME,
                   placeholder=say("slack.plan_hint_measure", lang)),
        {**text_input("readings", say("slack.log_label_readings", lang), PASTE_LIMIT,
                      placeholder=say("slack.log_hint_readings", lang), multiline=True),
         "hint": _plain(say("slack.log_help_readings", lang))},
        {"type": "divider"}, section(escape(say("slack.log_fix_intro", lang))),
        text_input("fix_date", say("slack.log_label_fix_date", lang), 20,
                   placeholder=say("slack.log_hint_fix_date", lang)),
        text_input("fix_value", say("slack.log_label_fix_value", lang), 100),
        {"type": "input", "block_id": "delete", "optional": True,
         "label": _plain(say("slack.log_label_delete", lang)),
         "element": {"type": "checkboxes", "action_id": FIELD_ACTION,
                     "options": [_option(say("slack.log_delete_option", lang), "delete")]}},
    ]
    metadata = {"project": project["name"] if project else None}
    return modal(LOG_MODAL, "slack.log_title", metadata, blocks, lang)


def measure_select(project: dict[str, Any], chosen: dict[str, Any] | None,
                   lang: str = "en") -> Block:
    """The project's measures to log against; the one chosen, or an only one, pre-selected."""
    options = [_option(m["name"], m["name"]) for m in project["measures"][:100]]
    element: Block = {"type": "static_select", "action_id": FIELD_ACTION, "options": options,
                      "placeholder": _plain(say("slack.log_choose_measure", lang), 150)}
    if chosen is None and len(project["measures"]) == 1:
        chosen = project["measures"][0]
    if chosen is not None:
        element["initial_option"] = next(
            (o for o in options if o["value"] == chosen["name"][:OPTION_VALUE_LIMIT]),
            options[0])
    return {"type": "input", "block_id": "measure", "optional": True,
            "label": _plain(say("slack.log_label_measure", lang)), "element": element}


@dataclass(frozen=True)
class DataForm:
    """A data form's changes: the measure, readings to add (a correction among them), and
    days whose reading is to be deleted."""

    measure: str
    readings: list[tuple[date, float]]
    deletions: list[date]


def data_form(values: dict[str, Any], today: date, lang: str = "en"
              ) -> tuple[DataForm | None, dict[str, str]]:
    """The data form's changes, or None and the errors by block id."""
    measure, errors = _measure_named(values, lang)
    readings: list[tuple[date, float]] = []
    pasted = typed(values, "readings")
    try:
        readings = [(r.on, r.value) for r in pasted_readings(pasted, today)]
    except ReadingError as error:
        errors["readings"] = error.text(lang)
    correction, deletions, fix_errors = _fix(values, today, lang)
    errors.update(fix_errors)
    if not pasted.strip() and not correction and not deletions and not fix_errors:
        errors["readings"] = say("slack.log_nothing", lang)
    if errors:
        return None, errors
    return DataForm(measure, readings + correction, deletions), {}


def pasted_readings(text: str, today: date) -> list[Reading]:
    """The readings pasted: one line may be a value alone (for today); many need dates."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    if len(lines) == 1:
        return [parse_reading(lines[0], today)]
    return parse_readings(text, today)


def _measure_named(values: dict[str, Any], lang: str) -> tuple[str, dict[str, str]]:
    """The measure chosen or typed, and an error when it is neither, or both."""
    chosen, typed_name = selected(values, "measure"), typed(values, "new_measure").strip()
    place = "measure" if "measure" in values else "new_measure"
    if chosen and typed_name:
        return "", {"new_measure": say("slack.log_two_measures", lang)}
    if not (chosen or typed_name):
        return "", {place: say("slack.log_no_measure", lang)}
    if error := _too_long(chosen or typed_name, shape.MAX_NAME, lang):
        return "", {place if chosen else "new_measure": error}
    return chosen or typed_name, {}


def _fix(values: dict[str, Any], today: date, lang: str
         ) -> tuple[list[tuple[date, float]], list[date], dict[str, str]]:
    """The correction or deletion asked for: (readings, days to delete, errors)."""
    day_text, value_text = typed(values, "fix_date").strip(), typed(values, "fix_value").strip()
    delete = bool(items(part(values, "delete", FIELD_ACTION), "selected_options"))
    if not day_text:
        needs = {"fix_date": say("slack.log_fix_needs_date", lang)}
        return [], [], needs if value_text or delete else {}
    if value_text and delete:
        return [], [], {"delete": say("slack.log_fix_both", lang)}
    if not value_text and not delete:
        return [], [], {"fix_value": say("slack.log_fix_needs_change", lang)}
    errors = {}
    try:
        day = parse_date(day_text, today)
    except ReadingError as error:
        errors["fix_date"] = error.text(lang)
    try:
        value = parse_value(value_text) if value_text else None
    except ReadingError as error:
        errors["fix_value"] = error.text(lang)
    if errors:
        return [], [], errors
    return ([(day, value)], [], {}) if value is not None else ([], [day], {})
