"""The measurement modals in Slack (issue 15): the plan and logging data, opened from App Home,
saved through the service before the modal closes, bad fields shown in the form with nothing
changed; and /pathway chart and /pathway export plan putting their files in the DM. The real
app over HTTP, against the fake Slack Web API."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from io import BytesIO
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from fake_slack import TEAM_ID, Call, FakeSlack
from matplotlib.image import imread

from bot.channels.slack.measure_modals import data_form, log_modal, plan_modal
from bot.core.measure import project as shape
from bot.core.measure.conversation import day_text
from bot.core.measure.readings import ReadingError, parse_date, parse_readings, parse_value
from bot.core.wording import say

if TYPE_CHECKING:
    from slack_fixtures import SlackBot


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WAITS = [20, 22, 19, 25, 21, 23, 18, 24, 22, 20, 26, 21, 19, 23, 22, 24]
HOME = {"type": "view", "view_id": "VHOME"}
PLAN = {"name": "Waits in ED", "aim_what": "Shorter waits to be seen",
        "aim_who": "Adults arriving at the emergency department", "aim_how_much": "By a third",
        "aim_by_when": "March 2027", "q_accomplish": "See people sooner",
        "q_know": "Median minutes from arrival to being seen",
        "q_change": "A senior clinician at triage",
        "measure_name.new": "minutes to be seen", "measure_kind.new": "outcome",
        "measure_numerator.new": "Minutes from arrival to being seen",
        "measure_denominator.new": "", "measure_unit.new": "minutes",
        "measure_source.new": "The ED system", "measure_frequency.new": "Daily"}


def dm(bot: SlackBot, fake: FakeSlack, text: str, count: int) -> Call:
    """Send a DM and wait for the bot's count-th message since the last reset."""
    assert bot.dm(text) == 200
    return fake.wait_for("chat.postMessage", count=count)[-1]


def home(bot: SlackBot, fake: FakeSlack) -> Call:
    """Open App Home; the view published."""
    fake.reset()
    bot.event({"type": "app_home_opened", "user": "U1", "channel": "DU1", "tab": "home"})
    return fake.wait_for("views.publish")[-1]


def open_from_home(bot: SlackBot, fake: FakeSlack, action_id: str) -> dict[str, Any]:
    """Press an App Home button; the modal it opened."""
    button = home(bot, fake).element(action_id)
    fake.reset()
    bot.action({"type": "button", **button}, container=HOME, view={"id": "VHOME", "type": "home"})
    return fake.wait_for("views.open")[0].params["view"]


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A modal's input blocks by block id."""
    return {block["block_id"]: block for block in view["blocks"] if block["type"] == "input"}


def initial(view: dict[str, Any], block_id: str) -> str | None:
    """What a box or menu shows when the modal opens."""
    element = inputs(view)[block_id]["element"]
    option = element.get("initial_option")
    return option["value"] if option else element.get("initial_value")


def kept(bot: SlackBot) -> Any:
    """The user's projects exactly as stored."""
    return (bot.pathway.kept(TEAM_ID, "U1") or {}).get("projects")


def mrkdwn_of(value: Any) -> list[str]:
    """Every mrkdwn text in blocks."""
    if isinstance(value, list):
        return [text for item in value for text in mrkdwn_of(item)]
    if not isinstance(value, dict):
        return []
    own = [value["text"]] if value.get("type") == "mrkdwn" else []
    return own + [text for item in value.values() for text in mrkdwn_of(item)]


def stored(bot: SlackBot) -> Any:
    """The user's whole record as stored: any write would change at least its time."""
    return bot.pathway.kept(TEAM_ID, "U1")


def logged(bot: SlackBot, fake: FakeSlack, measure: str = "waits", value: int = 20) -> None:
    """A first reading by DM, so App Home lists the measure and its buttons."""
    fake.reset()
    dm(bot, fake, f"log {measure} {value}", 1)


def saved(bot: SlackBot, fake: FakeSlack, view: dict[str, Any], answers: dict[str, Any]
          ) -> Call:
    """Submit a form that is accepted; the DM confirming it, once App Home is redrawn too
    (the last step), so nothing of this submission arrives during the next."""
    fake.reset()
    assert bot.submit_view(view, answers) == (200, {})
    fake.wait_for("views.publish")
    [told] = fake.wait_for("chat.postMessage")
    return told


def errors_of(response: tuple[int, dict[str, Any]]) -> dict[str, str]:
    """The per-field errors of a refused submission."""
    status, body = response
    assert status == 200 and body["response_action"] == "errors"
    return body["errors"]


def readings_of(bot: SlackBot, measure: str = "waits") -> dict[str, float]:
    """A measure's stored readings by day, from the current project."""
    [found] = [m for m in kept(bot)[-1]["measures"] if m["name"] == measure]
    return {r["on"]: r["value"] for r in found["readings"]}


def pasted(values: list[int], end: date) -> str:
    """Readings one a day ending on ``end``, as CSV with a header, in both date styles."""
    start = end - timedelta(days=len(values) - 1)
    days = [start + timedelta(days=i) for i in range(len(values))]
    lines = [f"{day:%d/%m/%Y},{value}" if i % 2 else f"{day.isoformat()},{value}"
             for i, (day, value) in enumerate(zip(days, values, strict=True))]
    return "date,value\n" + "\n".join(lines)


def choose(bot: SlackBot, fake: FakeSlack, view: dict[str, Any], index: int) -> dict[str, Any]:
    """Pick an entry of the plan form's measure menu; the form as redrawn."""
    menu = next(b for b in view["blocks"] if b.get("block_id") == "measure_choice")
    select = menu["elements"][0]
    fake.reset()
    bot.action({**select, "block_id": "measure_choice",
                "selected_option": select["options"][index]},
               container={"type": "view", "view_id": "VMODAL"},
               view={"id": "VMODAL", "type": "modal", "callback_id": view["callback_id"],
                     "private_metadata": view["private_metadata"]})
    [update] = fake.wait_for("views.update")
    assert update.params["view_id"] == "VMODAL"
    return update.params["view"]


def without_measure(answers: dict[str, str]) -> dict[str, str]:
    """Plan answers with the measure left blank."""
    return {key: value for key, value in answers.items() if not key.startswith("measure_")}


# --- App Home's buttons ----------------------------------------------------------------------

def test_app_home_offers_the_plan_and_the_data_forms_beside_the_measures(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    logged(slack_bot, fake_slack)
    view = home(slack_bot, fake_slack)
    assert view.element("pw_plan_open")["text"]["text"] == "Edit the plan"
    assert view.element("pw_log_open")["text"]["text"] == "Log data"
    assert view.element("pw_log_open")["value"] == say("measure.default_project")


# --- the plan --------------------------------------------------------------------------------

def test_the_plan_form_opens_filled_in_from_the_current_project(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    logged(slack_bot, fake_slack)
    dm(slack_bot, fake_slack, "plan", 2)
    dm(slack_bot, fake_slack, "Cut the wait to be seen", 3)
    view = open_from_home(slack_bot, fake_slack, "pw_plan_open")
    assert view["callback_id"] == "pw_plan_modal"
    assert view["title"]["text"] == "Measurement plan" and view["submit"]["text"] == "Save"
    assert json.loads(view["private_metadata"]) == {"project": "My project", "measure": None,
                                                    "key": "new"}
    assert initial(view, "name") == "My project"
    assert initial(view, "aim_what") == "Cut the wait to be seen"
    assert initial(view, "q_accomplish") == "Cut the wait to be seen"
    assert initial(view, "aim_who") is None and initial(view, "measure_name.new") is None
    kinds = inputs(view)["measure_kind.new"]["element"]["options"]
    assert [o["value"] for o in kinds] == ["outcome", "process", "balancing"]
    menu = next(b for b in view["blocks"] if b.get("block_id") == "measure_choice")
    assert [o["value"] for o in menu["elements"][0]["options"]] == ["+", "=waits"]
    assert all(len(b["label"]["text"]) <= 2000 for b in inputs(view).values())


def test_choosing_a_measure_redraws_the_form_with_its_definition(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    logged(slack_bot, fake_slack)
    redrawn = choose(slack_bot, fake_slack, open_from_home(slack_bot, fake_slack, "pw_plan_open"),
                     1)
    assert json.loads(redrawn["private_metadata"]) == {"project": "My project",
                                                       "measure": "waits", "key": "0"}
    assert initial(redrawn, "measure_name.0") == "waits"
    assert initial(redrawn, "measure_kind.0") is None
    answers = {"name": "My project", "aim_who": PLAN["aim_who"], "measure_name.0": "waits",
               "measure_kind.0": "outcome", "measure_unit.0": "minutes"}
    saved(slack_bot, fake_slack, redrawn, answers)
    view = open_from_home(slack_bot, fake_slack, "pw_plan_open")
    menu = next(b for b in view["blocks"] if b.get("block_id") == "measure_choice")
    assert menu["elements"][0]["initial_option"]["value"] == "+"  # a new measure by default
    again = choose(slack_bot, fake_slack, view, 1)
    assert initial(again, "measure_kind.0") == "outcome"
    assert initial(again, "measure_unit.0") == "minutes"
    assert initial(again, "aim_who") == PLAN["aim_who"]
    back = choose(slack_bot, fake_slack, again, 0)
    assert initial(back, "measure_name.new") is None
    assert json.loads(back["private_metadata"])["measure"] is None


def test_a_saved_plan_is_committed_before_the_modal_closes_and_confirmed_in_the_dm(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    logged(slack_bot, fake_slack)
    view = open_from_home(slack_bot, fake_slack, "pw_plan_open")
    assert slack_bot.submit_view(view, PLAN) == (200, {})
    assert kept(slack_bot)[-1]["name"] == "Waits in ED"  # saved before the ack closed the form
    assert "Waits in ED" in fake_slack.wait_for("views.publish")[-1].dump
    [told] = fake_slack.wait_for("chat.postMessage")
    slack_bot.restart()
    [project] = kept(slack_bot)
    assert project["name"] == "Waits in ED"  # the project the form was opened on, renamed
    assert project["aim"] == {"what": "Shorter waits to be seen",
                              "who": "Adults arriving at the emergency department",
                              "how_much": "By a third", "by_when": "March 2027"}
    assert project["questions"]["change"] == "A senior clinician at triage"
    waits, minutes = project["measures"]
    assert waits["name"] == "waits" and len(waits["readings"]) == 1  # kept, readings and all
    assert minutes["kind"] == "outcome" and minutes["definition"] == {
        "numerator": "Minutes from arrival to being seen", "denominator": "", "unit": "minutes",
        "source": "The ED system", "frequency": "Daily"}
    assert told.params["channel"] == "DU1"
    assert "Saved the plan for *Waits in ED*." in told.dump
    assert "Saved the measure *minutes to be seen*: the project has 2 measure(s)." in told.dump


def test_editing_a_measure_renames_it_and_keeps_its_readings(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    logged(slack_bot, fake_slack)
    redrawn = choose(slack_bot, fake_slack, open_from_home(slack_bot, fake_slack, "pw_plan_open"),
                     1)
    answers = {"name": "My project", "measure_name.0": "minutes waited",
               "measure_kind.0": "process", "measure_source.0": "Triage log"}
    saved(slack_bot, fake_slack, redrawn, answers)
    [measure] = kept(slack_bot)[-1]["measures"]
    assert measure["name"] == "minutes waited" and measure["kind"] == "process"
    assert measure["definition"]["source"] == "Triage log" and len(measure["readings"]) == 1


@pytest.mark.parametrize(("changes", "block", "message"), [
    ({"name": ""}, "name", say("form.error_empty")),
    ({"name": "   "}, "name", say("form.error_empty")),
    ({"name": "x" * 101}, "name", say("form.error_too_long", limit=100)),
    ({"aim_what": "x" * 501}, "aim_what", say("form.error_too_long", limit=500)),
    ({"measure_name.new": "", "measure_unit.new": "minutes"}, "measure_name.new",
     say("slack.plan_measure_needs_name")),
    ({"measure_name.new": "waits"}, "measure_name.new",
     say("slack.measure_name_taken", name="waits")),
    ({"measure_source.new": "y" * 501}, "measure_source.new",
     say("form.error_too_long", limit=500)),
])
def test_a_bad_plan_field_is_shown_on_that_field_and_nothing_changes(
        slack_bot: SlackBot, fake_slack: FakeSlack, changes: dict[str, str], block: str,
        message: str) -> None:
    logged(slack_bot, fake_slack)
    before = stored(slack_bot)
    view = open_from_home(slack_bot, fake_slack, "pw_plan_open")
    assert errors_of(slack_bot.submit_view(view, {**PLAN, **changes})) == {block: message}
    assert stored(slack_bot) == before
    assert not fake_slack.find("chat.postMessage")


def test_a_forged_kind_is_refused(slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    logged(slack_bot, fake_slack)
    view = open_from_home(slack_bot, fake_slack, "pw_plan_open")
    options = inputs(view)["measure_kind.new"]["element"]["options"]
    options.append({"text": {"type": "plain_text", "text": "x"}, "value": "sideways"})
    errors = errors_of(slack_bot.submit_view(view, {**PLAN, "measure_kind.new": "sideways"}))
    assert errors == {"measure_kind.new": say("form.error_choose")}


def test_renaming_to_another_projects_name_is_refused(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    fake_slack.reset()
    dm(slack_bot, fake_slack, "new project Alpha", 1)
    dm(slack_bot, fake_slack, "cancel", 2)
    dm(slack_bot, fake_slack, "new project Beta", 3)
    dm(slack_bot, fake_slack, "cancel", 4)
    dm(slack_bot, fake_slack, "log waits 20", 5)
    before = stored(slack_bot)
    view = open_from_home(slack_bot, fake_slack, "pw_plan_open")
    assert initial(view, "name") == "Beta"
    errors = errors_of(slack_bot.submit_view(view, {**PLAN, "name": "alpha"}))
    assert errors == {"name": say("slack.project_name_taken", name="alpha")}
    assert stored(slack_bot) == before


# --- logging data ----------------------------------------------------------------------------

def test_the_data_form_opens_with_the_projects_measures(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    logged(slack_bot, fake_slack)
    view = open_from_home(slack_bot, fake_slack, "pw_log_open")
    assert view["callback_id"] == "pw_log_modal"
    assert view["title"]["text"] == "Log data"
    assert json.loads(view["private_metadata"]) == {"project": "My project"}
    assert list(inputs(view)) == ["measure", "new_measure", "readings", "fix_date",
                                  "fix_value", "delete"]
    assert initial(view, "measure") == "waits"  # the only measure is chosen for you
    readings = inputs(view)["readings"]["element"]
    assert readings["multiline"] and readings["max_length"] == 3000


def test_pasted_readings_are_saved_together_and_confirmed_with_the_latest(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    logged(slack_bot, fake_slack, value=30)  # today, replaced by the paste
    view = open_from_home(slack_bot, fake_slack, "pw_log_open")
    today = date.today()
    answers = {"measure": "waits", "readings": pasted([21, 23, 18, 24], today)}
    assert slack_bot.submit_view(view, answers) == (200, {})
    assert list(readings_of(slack_bot).values()) == [21, 23, 18, 24]
    [told] = fake_slack.wait_for("chat.postMessage")
    fake_slack.wait_for("views.publish")
    slack_bot.restart()
    assert list(readings_of(slack_bot).values()) == [21, 23, 18, 24]
    assert told.params["channel"] == "DU1"
    assert "Saved 4 reading(s) for *waits*." in told.dump
    assert say("measure.replaced_many", count=1) in told.dump
    assert (f"*waits* now has 4 reading(s), the latest 24 on {day_text(today, 'en')}."
            in told.dump)
    assert told.element("pw_option_0")["value"] == "chart waits"


def test_a_value_alone_is_for_today_and_a_new_name_makes_a_measure(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    logged(slack_bot, fake_slack)
    view = open_from_home(slack_bot, fake_slack, "pw_log_open")
    saved(slack_bot, fake_slack, view, {"new_measure": "falls", "readings": "3"})
    assert readings_of(slack_bot, "falls") == {date.today().isoformat(): 3.0}


def test_a_measure_name_typed_in_the_form_is_escaped_in_the_dm(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    logged(slack_bot, fake_slack)
    view = open_from_home(slack_bot, fake_slack, "pw_log_open")
    told = saved(slack_bot, fake_slack, view, {"new_measure": "A&E <!here>", "readings": "3"})
    shown = [told.params["text"], *mrkdwn_of(told.blocks)]  # what Slack parses for pings
    assert any("*A&amp;E &lt;!here&gt;*" in text for text in shown)
    assert not any("<!here>" in text for text in shown)
    assert told.element("pw_option_0")["value"] == "chart 'A&amp;E &lt;!here&gt;'"


def test_a_reading_is_corrected_or_deleted(slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    logged(slack_bot, fake_slack)
    today = date.today()
    view = open_from_home(slack_bot, fake_slack, "pw_log_open")
    answers = {"measure": "waits", "readings": pasted([5, 6], today - timedelta(days=1))}
    saved(slack_bot, fake_slack, view, answers)
    yesterday = today - timedelta(days=1)
    fix = {"measure": "waits", "fix_date": f"{yesterday:%d/%m/%Y}", "fix_value": "7.5"}
    saved(slack_bot, fake_slack, view, fix)
    assert readings_of(slack_bot)[yesterday.isoformat()] == 7.5
    delete = {"measure": "waits", "fix_date": today.isoformat(), "delete": True}
    told = saved(slack_bot, fake_slack, view, delete)
    assert today.isoformat() not in readings_of(slack_bot)
    assert f"Deleted the reading of 20 on {day_text(today, 'en')}." in told.dump
    assert f"the latest 7.5 on {day_text(yesterday, 'en')}" in told.dump


def _message(parse: Any, text: str, lang: str = "en") -> str:
    """The message a parser of readings.py gives for bad text, as the form must show it."""
    with pytest.raises(ReadingError) as raised:
        parse(text) if parse is parse_value else parse(text, date.today())
    return raised.value.text(lang)


def _reading_error(text: str, lang: str = "en") -> str:
    """The message parse_readings gives for a paste."""
    return _message(parse_readings, text, lang)


TOMORROW = date.today() + timedelta(days=1)


@pytest.mark.parametrize(("answers", "errors"), [
    ({"measure": "waits", "readings": "01/11/2026,3\n02/11/2026,lots"},
     {"readings": _reading_error("01/11/2026,3\n02/11/2026,lots")}),
    ({"measure": "waits", "readings": f"01/11/2026,3\n{TOMORROW:%d/%m/%Y},4"},
     {"readings": _reading_error(f"01/11/2026,3\n{TOMORROW:%d/%m/%Y},4")}),
    ({"readings": "3"}, {"measure": say("slack.log_no_measure")}),
    ({"measure": "waits", "new_measure": "falls", "readings": "3"},
     {"new_measure": say("slack.log_two_measures")}),
    ({"new_measure": "x" * 101, "readings": "3"},
     {"new_measure": say("form.error_too_long", limit=100)}),
    ({"measure": "waits"}, {"readings": say("slack.log_nothing")}),
    ({"measure": "waits", "fix_value": "4"}, {"fix_date": say("slack.log_fix_needs_date")}),
    ({"measure": "waits", "fix_date": "01/11/2026"},
     {"fix_value": say("slack.log_fix_needs_change")}),
    ({"measure": "waits", "fix_date": "01/11/2026", "fix_value": "4", "delete": True},
     {"delete": say("slack.log_fix_both")}),
    ({"measure": "waits", "readings": "01/11/2026,3\n02/11/2026,4", "fix_date": "31/02/2026",
      "fix_value": "4"}, {"fix_date": _message(parse_date, "31/02/2026")}),
    ({"measure": "waits", "fix_date": "01/11/2026", "fix_value": "4,5"},
     {"fix_value": _message(parse_value, "4,5")}),
    ({"measure": "waits", "fix_date": "01/11/2026", "delete": True},
     {"fix_date": say("slack.log_no_reading", measure="waits",
                      day=day_text(date(2026, 11, 1), "en"))}),
])
def test_bad_data_is_shown_on_its_field_and_nothing_is_saved(
        slack_bot: SlackBot, fake_slack: FakeSlack, answers: dict[str, Any],
        errors: dict[str, str]) -> None:
    logged(slack_bot, fake_slack)
    before = stored(slack_bot)
    view = open_from_home(slack_bot, fake_slack, "pw_log_open")
    assert errors_of(slack_bot.submit_view(view, answers)) == errors
    assert stored(slack_bot) == before
    assert not fake_slack.find("chat.postMessage")


# --- in Welsh --------------------------------------------------------------------------------

def test_a_welsh_speakers_forms_and_errors_are_in_welsh(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    logged(slack_bot, fake_slack)
    dm(slack_bot, fake_slack, "Cymraeg", 2)
    view = open_from_home(slack_bot, fake_slack, "pw_plan_open")
    assert view["title"]["text"] == "Cynllun mesur" and view["submit"]["text"] == "Cadw"
    assert inputs(view)["name"]["label"]["text"] == "Enw'r prosiect"
    assert inputs(view)["q_know"]["label"]["text"] == say("export.q_know", "cy")
    kinds = inputs(view)["measure_kind.new"]["element"]["options"]
    assert [o["text"]["text"] for o in kinds] == ["canlyniad", "proses", "cydbwyso"]
    assert errors_of(slack_bot.submit_view(view, {**PLAN, "name": ""})) == {
        "name": say("form.error_empty", "cy")}
    told = saved(slack_bot, fake_slack, view, PLAN)
    assert "Wedi cadw'r cynllun ar gyfer *Waits in ED*." in told.dump
    data = open_from_home(slack_bot, fake_slack, "pw_log_open")
    assert data["title"]["text"] == "Cofnodi data"
    assert inputs(data)["readings"]["label"]["text"] == "Mesuriadau"
    assert errors_of(slack_bot.submit_view(data, {"measure": "waits"})) == {
        "readings": say("slack.log_nothing", "cy")}
    bad = "01/11/2026,3\n02/11/2026,lots"
    welsh = _reading_error(bad, "cy")
    assert welsh != _reading_error(bad, "en")  # the reason itself is in Welsh
    assert errors_of(slack_bot.submit_view(data, {"measure": "waits", "readings": bad})) == {
        "readings": welsh}
    confirmed = saved(slack_bot, fake_slack, data, {"measure": "waits", "readings": "21"})
    assert "Wedi cadw 1 mesuriad ar gyfer *waits*." in confirmed.dump


# --- files from slash commands ---------------------------------------------------------------

def slash(bot: SlackBot, fake: FakeSlack, text: str, name: str) -> Call:
    """/pathway <text>; the private answer posted to its response URL."""
    assert bot.command("/pathway", text, response_url=fake.response_url(name)) == 200
    [answer] = fake.wait_for("response_url", lambda c: c.path.endswith(name))
    return answer


def test_slash_chart_puts_the_png_in_the_dm_and_says_so(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    logged(slack_bot, fake_slack)
    fake_slack.reset()
    answer = slash(slack_bot, fake_slack, "chart waits", "chart")
    [upload] = fake_slack.uploads()
    assert upload["channel"] == "DU1" and upload["filename"] == "waits.png"
    assert upload["content"].startswith(PNG_SIGNATURE)
    assert "*waits*: 1 points" in upload["initial_comment"]
    assert say("slack.chart_in_dm", measure="waits") in answer.dump
    assert answer.params["response_type"] == "ephemeral"


def test_slash_export_plan_puts_the_markdown_in_the_dm_and_says_so(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    logged(slack_bot, fake_slack)
    fake_slack.reset()
    answer = slash(slack_bot, fake_slack, "export plan", "export")
    [upload] = fake_slack.uploads()
    assert upload["channel"] == "DU1" and upload["filename"] == "pathway-plan-my-project.md"
    assert upload["content"].decode("utf-8").startswith("# Improvement plan: My project")
    assert say("slack.plan_in_dm", filename="pathway-plan-my-project.md") in answer.dump
    assert "# Improvement plan" not in answer.dump


def test_a_slash_chart_that_cannot_be_uploaded_answers_with_its_text(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    logged(slack_bot, fake_slack)
    fake_slack.reset()
    fake_slack.refuse("files.completeUploadExternal")
    answer = slash(slack_bot, fake_slack, "chart waits", "refused")
    assert "*waits*: 1 points" in answer.dump
    assert say("slack.chart_not_attached") in answer.dump
    assert "direct message" not in answer.dump and "internal_error" not in answer.dump


def test_slash_commands_without_a_file_answer_as_before(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    answer = slash(slack_bot, fake_slack, "chart waits", "none")
    assert "You have no measures yet" in answer.dump
    assert not fake_slack.find("files.getUploadURLExternal")


# --- issue 15's "done": planned, 16 points logged and charted, and exported, over Slack ------

def test_sixteen_points_logged_in_the_form_then_charted_and_exported_over_slack(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    logged(slack_bot, fake_slack, value=WAITS[-1])
    plan = open_from_home(slack_bot, fake_slack, "pw_plan_open")
    saved(slack_bot, fake_slack, plan, without_measure(PLAN))
    view = open_from_home(slack_bot, fake_slack, "pw_log_open")
    today = date.today()
    told = saved(slack_bot, fake_slack, view, {"measure": "waits",
                                               "readings": pasted(WAITS, today)})
    assert "Saved 16 reading(s) for *waits*." in told.dump
    assert f"now has 16 reading(s), the latest 24 on {day_text(today, 'en')}" in told.dump
    fake_slack.reset()
    chart = slash(slack_bot, fake_slack, "chart waits", "chart")
    export = slash(slack_bot, fake_slack, "export plan", "export")
    png, markdown = fake_slack.uploads()
    assert png["channel"] == markdown["channel"] == "DU1"
    assert say("slack.chart_in_dm", measure="waits") in chart.dump
    assert png["initial_comment"].startswith("*waits*: 16 points, median 22.")
    image = imread(BytesIO(png["content"]), format="png")
    assert image.shape[:2] == (450, 800)  # the chart's size, with a picture drawn on it
    assert image[..., :3].std() > 0
    assert len(np.unique(image[..., :3].reshape(-1, 3), axis=0)) >= 5
    text = markdown["content"].decode("utf-8")
    assert text.startswith("# Improvement plan: Waits in ED")
    assert "Adults arriving at the emergency department" in text
    assert "### waits" in text
    assert len(re.findall(r"^\| \d{4}-\d\d-\d\d \| \d+ \|$", text, re.M)) == 16
    assert say("slack.plan_in_dm", filename=markdown["filename"]) in export.dump


# --- the pure pieces: saving whole forms, reading the data form --------------------------------

def _project(*measures: str) -> list[dict[str, Any]]:
    return shape.clean([{"name": "ward 3", "measures": [
        {"name": name, "readings": [{"on": "2026-11-01", "value": 1}]} for name in measures]}])


def test_a_measure_cannot_be_renamed_onto_another() -> None:
    projects = _project("falls", "audits")
    plan = {"name": "ward 3", "measure": {"name": "Audits", "kind": None, "definition": {}}}
    with pytest.raises(shape.NameTaken) as taken:
        shape.save_plan(projects, plan, "ward 3", "falls")
    assert (taken.value.what, taken.value.name) == ("measure", "Audits")


def test_readings_change_all_or_nothing() -> None:
    [project] = _project("falls")
    [measure] = project["measures"]
    with pytest.raises(shape.NoReading):
        shape.change_readings(measure, [(date(2026, 11, 2), 5.0)], [date(2026, 11, 3)])
    assert measure["readings"] == [{"on": "2026-11-01", "value": 1.0}]
    too_many = [(date(2020, 1, 1) + timedelta(days=i), 1.0) for i in range(shape.MAX_READINGS + 1)]
    with pytest.raises(shape.ProjectLimit):
        shape.change_readings(measure, too_many, [date(2026, 11, 1)])
    assert measure["readings"] == [{"on": "2026-11-01", "value": 1.0}]
    replaced, deleted = shape.change_readings(measure, [(date(2026, 11, 1), 2.0)],
                                              [date(2026, 11, 1)])
    assert (replaced, deleted) == ({}, {"2026-11-01": 1.0})
    assert measure["readings"] == [{"on": "2026-11-01", "value": 2.0}]


def test_a_data_form_in_welsh_gives_welsh_errors() -> None:
    form, errors = data_form({}, date(2026, 12, 1), "cy")
    assert form is None
    assert errors == {"new_measure": say("slack.log_no_measure", "cy"),
                      "readings": say("slack.log_nothing", "cy")}


def test_labels_in_a_modal_are_plain_text_and_user_text_is_escaped_in_mrkdwn() -> None:
    [project] = shape.clean([{"name": "A&E <!here>", "measures": [{"name": "<@U2> waits"}]}])
    view = plan_modal(project, project["measures"][0])
    assert initial(view, "name") == "A&E <!here>"  # a text box shows exactly what was typed
    sections = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert not any("<!here>" in text or "<@U2>" in text for text in sections)
    log = log_modal(project, None)
    assert initial(log, "measure") == "<@U2> waits"
    assert len(json.dumps(log)) < 10_000
