"""The measurement conversation through the service: log, chart, plan, PDSA, research, export."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.core.intents import Intent
from bot.core.measure import conversation, project, runchart
from bot.core.user import UserState
from bot.service import Pathway
from bot.store.database import Database
from bot.store.users import UserStore

W = "T1"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Eight weeks around 30 falls, then eight around 20: built to show a shift below the median.
BEFORE = [30, 28, 31, 29, 30, 32, 27, 30]
AFTER = [21, 20, 22, 19, 21, 20, 18, 21]
PLAN_ANSWERS = ["reduce falls", "patients on ward 3", "by half", "March 2027",
                "fewer falls on the run chart", "hourly rounding", "falls", "outcome",
                "falls on the ward", "1000 bed days", "Datix reports", "weekly", "done"]


def say(pathway: Pathway, text: str, user: str = "U1"):
    return pathway.respond(W, user, text)


def stored(pathway: Pathway, user: str = "U1") -> dict | None:
    return pathway.kept(W, user)


def weeks(count: int) -> list[date]:
    """One date a week, the last one today."""
    today = date.today()
    return [today - timedelta(weeks=count - 1 - i) for i in range(count)]


def paste(values: list[float]) -> str:
    """'log falls' and a CSV of weekly readings, one a line, as a user pastes them."""
    lines = [f"{day.isoformat()},{value}" for day, value in zip(weeks(len(values)), values,
                                                                 strict=True)]
    return "log falls\ndate,value\n" + "\n".join(lines)


def test_a_reading_is_logged_for_today_in_a_new_measure_and_a_chart_offered(
        pathway: Pathway) -> None:
    reply = say(pathway, "log falls 3")
    assert reply.kind == "measure"
    assert "Logged 3 for *falls*" in reply.text and "1 reading(s)" in reply.text
    assert "new measure in *My project*" in reply.text
    assert [o.say for o in reply.options] == ["chart falls"]
    (kept,) = stored(pathway)["projects"]
    assert kept["name"] == "My project"
    assert kept["measures"][0]["kind"] is None
    assert kept["measures"][0]["readings"] == [{"on": date.today().isoformat(), "value": 3.0}]


def test_a_second_reading_the_same_day_replaces_the_first_and_says_so(pathway: Pathway) -> None:
    day = (date.today() - timedelta(days=3)).strftime("%d/%m/%Y")
    say(pathway, f"log falls 3 {day}")
    reply = say(pathway, f"log falls 5 {day}")
    assert "Replaced 3 with 5" in reply.text and "1 reading(s)" in reply.text
    readings = stored(pathway)["projects"][0]["measures"][0]["readings"]
    assert [r["value"] for r in readings] == [5.0]


def test_unlog_deletes_that_days_reading(pathway: Pathway) -> None:
    yesterday = date.today() - timedelta(days=1)
    say(pathway, f"log falls 3 {yesterday.isoformat()}")
    say(pathway, "log falls 4")
    reply = say(pathway, f"unlog falls {yesterday.isoformat()}")
    assert "Deleted the reading of 3" in reply.text
    readings = stored(pathway)["projects"][0]["measures"][0]["readings"]
    assert readings == [{"on": date.today().isoformat(), "value": 4.0}]


def test_sixteen_points_pasted_and_charted_find_the_shift(pathway: Pathway) -> None:
    logged = say(pathway, paste(BEFORE + AFTER))
    assert "Logged 16 reading(s) for *falls*" in logged.text
    reply = say(pathway, "chart falls")
    assert reply.kind == "measure" and reply.chart is not None
    assert reply.chart.measure == "falls" and reply.chart.png.startswith(PNG_SIGNATURE)
    assert len(reply.chart.sparkline) == 16
    days = [d.isoformat() for d in weeks(16)]
    assert reply.chart.summary == {
        "median": 24.5, "points": 16,
        "signals": [{"rule": "shift", "from": days[0], "to": days[7]},
                    {"rule": "runs", "from": days[0], "to": days[15]},
                    {"rule": "shift", "from": days[8], "to": days[15]}]}
    assert "8 points in a row below the median from" in reply.text
    assert "xmr falls" not in reply.text  # under 20 points: no XmR chart offered


def test_a_frozen_baseline_judges_new_points_against_the_old_median(pathway: Pathway) -> None:
    say(pathway, paste(BEFORE + AFTER))
    assert "frozen on its first 8 points (30)" in say(pathway, "baseline falls 8").text
    reply = say(pathway, "chart falls")
    assert reply.chart.summary["median"] == 30.0
    assert [s["rule"] for s in reply.chart.summary["signals"]] == ["shift"]
    assert "(frozen on the first 8 points)" in reply.text
    say(pathway, "baseline falls off")
    assert say(pathway, "chart falls").chart.summary["median"] == 24.5


def test_few_points_say_the_rules_are_weak(pathway: Pathway) -> None:
    say(pathway, paste([3, 4, 5]))
    reply = say(pathway, "chart falls")
    assert "Only 3 points: with fewer than 10 the run chart rules are weak." in reply.text


def test_twenty_points_offer_an_xmr_chart(pathway: Pathway) -> None:
    say(pathway, paste([50, 53, 48, 51, 55, 47, 52, 49, 50, 54, 46, 51, 53, 48, 50, 52, 49,
                        51, 47, 53, 70]))
    reply = say(pathway, "chart falls")
    assert [o.say for o in reply.options] == ["xmr falls"]
    chart = say(pathway, "xmr falls").chart
    assert chart is not None and chart.png.startswith(PNG_SIGNATURE)
    assert chart.summary["points"] == 21
    assert {"rule": "outside", "from": date.today().isoformat(),
            "to": date.today().isoformat()} in chart.summary["signals"]


def test_the_sentences_read_in_english_and_welsh() -> None:
    days, values = weeks(16), [float(v) for v in BEFORE + AFTER]
    analysis = runchart.analyse(values)
    english = conversation.describe(analysis, days, "en")
    assert any("points in a row below the median" in s for s in english)
    welsh = conversation.describe(analysis, days, "cy")
    assert "pwynt yn olynol islaw y canolrif" in welsh[-1]


def test_measures_lists_each_with_its_latest_reading(pathway: Pathway) -> None:
    say(pathway, paste(BEFORE))
    say(pathway, "log waits 40")
    reply = say(pathway, "measures")
    assert "• *falls* (kind not set): 8 reading(s), latest 30" in reply.text
    assert "• *waits* (kind not set): 1 reading(s), latest 40" in reply.text


@pytest.mark.parametrize("message", [
    "log falls 5 32/13/2026",  # no such date
    "log falls 1,5",  # a decimal comma
    f"log falls 5 {(date.today() + timedelta(days=2)).isoformat()}",  # the future
    f"log falls\n{date.today().isoformat()},4\nyesterday,5",  # one bad line: none of them
    "unlog falls 2026-01-01",  # no reading that day
    "baseline falls 99",  # more points than there are
    "baseline waits 2",  # no such measure
    "chart waits",
])
def test_bad_input_changes_nothing(pathway: Pathway, message: str) -> None:
    say(pathway, "log falls 3")
    before = stored(pathway)
    reply = say(pathway, message)
    after = stored(pathway)
    assert reply.kind == "error" and reply.text
    assert after["projects"] == before["projects"] and after["pending"] == before["pending"]


def test_a_bad_line_in_a_paste_is_named(pathway: Pathway) -> None:
    reply = say(pathway, f"log falls\n{date.today().isoformat()},4\nyesterday,5")
    assert "Line 2" in reply.text and "Nothing was logged" in reply.text


def test_a_project_is_planned_step_by_step_and_kept_as_it_goes(pathway: Pathway) -> None:
    assert say(pathway, "plan").kind == "plan"
    for answer in PLAN_ANSWERS[:3]:
        say(pathway, answer)
    assert stored(pathway)["projects"][0]["aim"]["how_much"] == "by half"  # saved as it came
    for answer in PLAN_ANSWERS[3:]:
        reply = say(pathway, answer)
    assert "That's your plan for *My project*" in reply.text
    kept = stored(pathway)
    assert kept["pending"] is None
    (planned,) = kept["projects"]
    assert planned["aim"] == {"what": "reduce falls", "who": "patients on ward 3",
                              "how_much": "by half", "by_when": "March 2027"}
    assert planned["questions"] == {"accomplish": "reduce falls",
                                    "know": "fewer falls on the run chart",
                                    "change": "hourly rounding"}
    (falls,) = planned["measures"]
    assert falls["kind"] == "outcome"
    assert falls["definition"] == {"numerator": "falls on the ward",
                                   "denominator": "1000 bed days", "unit": "",
                                   "source": "Datix reports", "frequency": "weekly"}


def test_cancel_stops_the_plan_and_keeps_the_answers(pathway: Pathway) -> None:
    say(pathway, "plan")
    say(pathway, "reduce falls")
    assert say(pathway, "cancel").text.startswith("OK, stopped")
    kept = stored(pathway)
    assert kept["pending"] is None and kept["projects"][0]["aim"]["what"] == "reduce falls"
    assert say(pathway, "patients on ward 3").kind != "plan"  # a question now, not an answer


def test_a_measurement_command_during_the_plan_keeps_it_open(pathway: Pathway) -> None:
    say(pathway, "plan")
    assert say(pathway, "log falls 3").kind == "measure"
    say(pathway, "reduce falls")
    assert stored(pathway)["projects"][0]["aim"]["what"] == "reduce falls"


def test_an_unclear_kind_is_asked_again(pathway: Pathway) -> None:
    say(pathway, "plan")
    for answer in PLAN_ANSWERS[:7]:
        say(pathway, answer)
    assert "*outcome*, *process* or *balancing*" in say(pathway, "a big one").text
    say(pathway, "balancing")
    assert stored(pathway)["projects"][0]["measures"][0]["kind"] == "balancing"


def test_a_pdsa_cycle_is_recorded_step_by_step_with_dates(pathway: Pathway) -> None:
    assert "cycle 1" in say(pathway, "pdsa hourly rounding on nights").text
    say(pathway, "fewer falls at night")
    assert stored(pathway)["pending"] is None  # the trial takes time: nothing left open
    assert "What happened" in say(pathway, "pdsa").text
    for answer in ["two falls, not five", "rounding works on nights", "adopt"]:
        reply = say(pathway, answer)
    assert "PDSA cycle 1 recorded" in reply.text
    (cycle,) = stored(pathway)["projects"][0]["pdsa"]
    today = date.today().isoformat()
    assert cycle == {"cycle": 1, "plan": "hourly rounding on nights",
                     "prediction": "fewer falls at night", "happened": "two falls, not five",
                     "learned": "rounding works on nights", "next": "adopt",
                     "started": today, "finished": today}


@pytest.mark.parametrize(("answers", "outcome"), [
    (["yes"], "research"),
    (["no", "yes"], "research"),
    (["no", "no", "yes"], "research"),
    (["not sure", "no", "no"], "unclear"),
    (["no", "no", "no", "yes"], "audit"),
    (["no", "no", "no", "no"], "service_evaluation"),
    (["no", "no", "no", "not sure"], "unclear"),
])
def test_the_research_check_records_its_outcome(pathway: Pathway, answers: list[str],
                                                outcome: str) -> None:
    say(pathway, "research check")
    for answer in answers:
        reply = say(pathway, answer)
    assert "https://www.hra-decisiontools.org.uk/research/" in reply.text
    assert "the HRA decision tool decides" in reply.text
    check = stored(pathway)["projects"][0]["research_check"]
    assert check["outcome"] == outcome and stored(pathway)["pending"] is None


def test_research_approvals_follow_the_outcome(pathway: Pathway) -> None:
    say(pathway, "research check")
    assert "Research Ethics Committee" in say(pathway, "yes").text
    say(pathway, "research check")
    for answer in ["no", "no", "no"]:
        say(pathway, answer)
    assert "does not need NHS research ethics review" in say(pathway, "no").text


def test_an_unclear_research_answer_is_asked_again(pathway: Pathway) -> None:
    say(pathway, "research check")
    assert "*yes*, *no* or *not sure*" in say(pathway, "perhaps on Tuesdays").text
    assert stored(pathway)["pending"]["kind"] == "research"


def test_the_plan_is_exported_as_markdown(pathway: Pathway) -> None:
    say(pathway, "plan")
    for answer in PLAN_ANSWERS:
        say(pathway, answer)
    say(pathway, paste(BEFORE + AFTER))
    say(pathway, "pdsa hourly rounding")
    reply = say(pathway, "export plan")
    markdown = reply.data["markdown"]
    assert reply.data["filename"] == "pathway-plan-my-project.md"
    assert reply.text == markdown
    assert "- **What**: reduce falls" in markdown
    assert "- **For whom**: patients on ward 3" in markdown
    assert "| Date | Value |" in markdown
    assert f"| {weeks(16)[-1].isoformat()} | 21 |" in markdown
    assert "8 points in a row below the median from" in markdown
    assert "- **Plan**: hourly rounding" in markdown


def test_me_shows_the_projects_and_forget_me_removes_them(pathway: Pathway) -> None:
    say(pathway, "log falls 3")
    assert say(pathway, "me").data["state"]["projects"][0]["name"] == "My project"
    say(pathway, "forget me")
    assert say(pathway, "yes").kind == "forgotten"
    assert stored(pathway) is None


def test_the_measurement_replies_speak_welsh(pathway: Pathway) -> None:
    say(pathway, "Cymraeg")
    assert "Wedi cofnodi 3 ar gyfer *falls*" in say(pathway, "log falls 3").text
    assert stored(pathway)["projects"][0]["name"] == "Fy mhrosiect"


def test_a_damaged_stored_project_is_ignored_not_crashed_on(pathway: Pathway,
                                                             database: Database) -> None:
    damaged = UserState(projects=[
        {"name": 7}, {"name": "Broken", "measures": "lots", "pdsa": [3],
                      "aim": None, "research_check": {"outcome": "maybe"}},
        {"name": "Falls", "measures": [{"name": "falls", "kind": "sideways", "baseline": True,
                                        "readings": [{"on": "yesterday", "value": 1},
                                                     {"on": "2026-01-05", "value": "3"},
                                                     {"on": "2026-01-06", "value": 4}]}]}])
    UserStore(database).save(f"{W}:U1", damaged)
    reply = say(pathway, "measures")
    assert "*falls* (kind not set): 1 reading(s), latest 4" in reply.text
    assert say(pathway, "chart falls").chart.summary["points"] == 1


def test_clean_bounds_every_size() -> None:
    long = "x" * 2000
    raw = [{"name": f"p{n}", "aim": {"what": long}, "measures": [
        {"name": f"m{i}", "readings": [{"on": (date(2020, 1, 1) + timedelta(days=d)).isoformat(),
                                        "value": d} for d in range(1100 if i == 0 else 1)]}
        for i in range(25)]} for n in range(12)]
    projects = project.clean(raw)
    assert len(projects) == project.MAX_PROJECTS
    assert projects[0]["name"] == "p2"  # the oldest dropped: the last is the current one
    assert len(projects[0]["aim"]["what"]) == project.MAX_TEXT
    assert len(projects[0]["measures"]) == project.MAX_MEASURES
    assert len(projects[0]["measures"][0]["readings"]) == project.MAX_READINGS


def test_a_full_project_refuses_another_measure(pathway: Pathway) -> None:
    for number in range(project.MAX_MEASURES):
        say(pathway, f"log m{chr(97 + number)} 1")
    before = stored(pathway)["projects"]
    reply = say(pathway, "log extra 1")
    assert reply.kind == "error" and "20 measures" in reply.text
    assert stored(pathway)["projects"] == before


def test_the_handlers_take_today_from_their_caller() -> None:
    state = UserState()
    reply, state = conversation.log(None, state, Intent("log", "falls 3"), today=date(2026, 3, 9))
    assert "on 9 March 2026" in reply.text
    assert state.projects[0]["measures"][0]["readings"][0]["on"] == "2026-03-09"
