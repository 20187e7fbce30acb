"""Measurement in Slack: readings logged by DM, the run chart and the exported plan uploaded
as files into the DM, and App Home listing the measures. The real app over HTTP, fake Slack."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from fake_slack import FakeSlack

from bot.channels.slack.attachments import attachment_of, without_attachment
from bot.channels.slack.blocks import LOG_ACTION, PLAN_ACTION, measure_home_blocks
from bot.core.measure.conversation import day_text
from bot.core.replies import ChartImage, Reply
from bot.core.wording import say

if TYPE_CHECKING:
    from slack_fixtures import SlackBot


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WAITS = [20, 22, 19, 25, 21, 23, 18, 24, 22, 20, 26, 21, 19, 23, 22, 24]


def log_readings(bot: SlackBot, fake: FakeSlack, measure: str, values: list[int]) -> date:
    """Log one reading a day by DM, ending today, each answered before the next; the last day."""
    today = date.today()
    start = len(fake.find("chat.postMessage"))
    for number, value in enumerate(values):
        on = today - timedelta(days=len(values) - 1 - number)
        assert bot.dm(f"log {measure} {value} {on:%d/%m/%Y}") == 200
        fake.wait_for("chat.postMessage", count=start + number + 1)
    return today


def posted_text(fake: FakeSlack) -> str:
    """Everything the bot posted as messages, as one string."""
    return "\n".join(call.dump for call in fake.find("chat.postMessage"))


def mrkdwn_of(value: Any) -> list[str]:
    """Every mrkdwn text in blocks (what Slack parses for links and pings)."""
    if isinstance(value, list):
        return [text for item in value for text in mrkdwn_of(item)]
    if not isinstance(value, dict):
        return []
    own = [value["text"]] if value.get("type") == "mrkdwn" else []
    return own + [text for item in value.values() for text in mrkdwn_of(item)]


def test_chart_is_uploaded_into_the_dm_with_its_sentences(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    log_readings(slack_bot, fake_slack, "waits", WAITS)
    fake_slack.reset()
    slack_bot.dm("chart waits")
    fake_slack.wait_for("files.completeUploadExternal")
    [upload] = fake_slack.uploads()
    assert upload["channel"] == "DU1"
    assert upload["filename"] == "waits.png"
    assert upload["content"].startswith(PNG_SIGNATURE)
    assert len(upload["content"]) > 5_000
    comment = upload["initial_comment"]
    assert comment.splitlines() == [
        "*waits*: 16 points, median 22.",
        "No signals: the points so far look like random variation around the median."]
    # The chart's sentences come once, beside the picture, not again as a message.
    assert "median 22" not in posted_text(fake_slack)


def test_a_chart_offering_xmr_posts_its_button_after_the_file(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    today = date.today()
    pasted = "\n".join(f"{today - timedelta(days=21 - day):%d/%m/%Y},{value}"
                       for day, value in enumerate([*WAITS, 21, 25, 20, 22, 23]))
    slack_bot.dm(f"log waits\n{pasted}")
    fake_slack.wait_for("chat.postMessage")
    fake_slack.reset()
    slack_bot.dm("chart waits")
    [buttons] = fake_slack.wait_for("chat.postMessage")
    [upload] = fake_slack.uploads()
    assert "21 points" in upload["initial_comment"]
    assert buttons.element("pw_option_0")["value"] == "xmr waits"
    assert [block["type"] for block in buttons.blocks] == ["actions"]


def test_export_plan_is_uploaded_as_a_markdown_file(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    log_readings(slack_bot, fake_slack, "waits", WAITS[:4])
    slack_bot.dm("plan")
    fake_slack.wait_for("chat.postMessage", count=5)
    slack_bot.dm("Cut the wait to be seen in the emergency department")
    fake_slack.wait_for("chat.postMessage", count=6)
    fake_slack.reset()
    slack_bot.dm("export plan")
    fake_slack.wait_for("files.completeUploadExternal")
    [upload] = fake_slack.uploads()
    assert upload["channel"] == "DU1"
    assert upload["filename"].endswith(".md")
    markdown = upload["content"].decode("utf-8")
    assert markdown.startswith("# Improvement plan:")
    assert "Cut the wait to be seen in the emergency department" in markdown
    assert "### waits" in markdown and "| 25 |" in markdown
    assert "attached" in upload["initial_comment"]
    assert upload["filename"] in upload["initial_comment"]
    assert not fake_slack.find("chat.postMessage")  # the plan is the file, not a long message


def test_app_home_lists_measures_with_their_latest_reading_in_the_users_language(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    today = log_readings(slack_bot, fake_slack, "waits", WAITS[:3])
    slack_bot.event({"type": "app_home_opened", "user": "U1", "channel": "DU1", "tab": "home"})
    [home] = fake_slack.wait_for("views.publish")
    assert "Your measures" in home.dump
    assert "*waits* (kind not set): 3 reading(s), latest 19 on" in home.dump
    assert day_text(today, "en") in home.dump
    toggle = home.element("pw_language_cy")
    slack_bot.action({"type": "button", **toggle}, container={"type": "view", "view_id": "VHOME"},
                     view={"id": "VHOME", "type": "home"})
    welsh = fake_slack.wait_for("views.publish", count=2)[-1]
    assert "Eich mesurau" in welsh.dump and "Your measures" not in welsh.dump
    assert day_text(today, "cy") in welsh.dump


def test_app_home_without_measures_invites_a_plan_and_offers_both_forms(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    slack_bot.event({"type": "app_home_opened", "user": "U1", "channel": "DU1", "tab": "home"})
    [home] = fake_slack.wait_for("views.publish")
    assert "Your measures" in home.dump and say("slack.measures_intro") in home.dump
    assert PLAN_ACTION in home.dump and LOG_ACTION in home.dump
    assert say("slack.plan_start_button") in home.dump


@pytest.mark.parametrize("refused", ["files.getUploadURLExternal", "file_upload",
                                     "files.completeUploadExternal"])
def test_a_failed_chart_upload_still_gives_the_text_and_says_so(
        slack_bot: SlackBot, fake_slack: FakeSlack, refused: str) -> None:
    log_readings(slack_bot, fake_slack, "waits", WAITS[:5])
    fake_slack.reset()
    fake_slack.refuse(refused)
    slack_bot.dm("chart waits")
    [message] = fake_slack.wait_for("chat.postMessage")
    assert message.params["channel"] == "DU1"
    assert "*waits*: 5 points, median" in message.dump
    assert "couldn't attach the chart" in message.dump
    assert "internal_error" not in message.dump and "Traceback" not in message.dump
    assert not fake_slack.uploads()


def test_a_failed_plan_upload_posts_the_plan_as_a_message(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    log_readings(slack_bot, fake_slack, "waits", WAITS[:2])
    fake_slack.reset()
    fake_slack.refuse("files.completeUploadExternal")
    slack_bot.dm("export plan")
    [message] = fake_slack.wait_for("chat.postMessage")
    assert "Improvement plan:" in message.dump and "waits" in message.dump
    assert "couldn't attach the plan as a file" in message.dump
    assert "as a Markdown file:" not in message.dump  # the export's footer names no file now


def test_user_text_in_a_measure_name_is_escaped(slack_bot: SlackBot,
                                               fake_slack: FakeSlack) -> None:
    # Slack sends "A&E <!here>" typed by a user as "A&amp;E &lt;!here&gt;".
    log_readings(slack_bot, fake_slack, "A&amp;E &lt;!here&gt;", WAITS[:3])
    logged = [text for call in fake_slack.find("chat.postMessage")
              for text in [call.params["text"], *mrkdwn_of(call.blocks)]]
    assert any("*A&amp;E &lt;!here&gt;*" in text for text in logged)
    assert not any("<!here>" in text for text in logged)
    fake_slack.reset()
    slack_bot.dm("chart A&amp;E &lt;!here&gt;")
    fake_slack.wait_for("files.completeUploadExternal")
    [upload] = fake_slack.uploads()
    assert upload["filename"] == "a-e-here.png"
    assert "*A&amp;E &lt;!here&gt;*: 3 points" in upload["initial_comment"]
    assert "<!here>" not in upload["initial_comment"]
    slack_bot.event({"type": "app_home_opened", "user": "U1", "channel": "DU1", "tab": "home"})
    [home] = fake_slack.wait_for("views.publish")
    shown = "\n".join(mrkdwn_of(home.blocks))
    assert "*A&amp;E &lt;!here&gt;* (kind not set): 3 reading(s)" in shown
    assert "<!here>" not in shown


# --- the pure pieces: which file a reply carries, and the Home section ------------------------

def test_a_reply_without_a_file_is_posted_as_it_is() -> None:
    reply = Reply("measure", "Logged 3 for *falls*.")
    assert attachment_of(reply) is None
    assert without_attachment(reply) is reply


def test_a_chart_reply_carries_its_png_and_says_so_when_it_cannot() -> None:
    chart = ChartImage("Falls / ward 3", PNG_SIGNATURE + b"rest", {"points": 3}, "▁▂▃")
    reply = Reply("measure", "*Falls / ward 3*: 3 points <b>", chart=chart)
    attachment = attachment_of(reply, "cy")
    assert attachment is not None
    assert attachment.filename == "falls-ward-3.png" and attachment.content == chart.png
    assert attachment.comment == "*Falls / ward 3*: 3 points &lt;b&gt;"
    fallback = without_attachment(reply, "cy")
    assert fallback.chart is None
    assert fallback.footer == say("slack.chart_not_attached", "cy")


@pytest.mark.parametrize("projects", [None, "junk", [], [{"name": "p", "measures": "junk"}],
                                      [{"name": "p", "measures": [{"name": ""}, 7]}]])
def test_home_invites_a_plan_for_missing_or_damaged_projects(projects: Any) -> None:
    text = "\n".join(mrkdwn_of(measure_home_blocks(projects)))
    assert say("slack.measures_intro") in text and "junk" not in text


def test_home_lists_the_current_projects_measures_only() -> None:
    projects = [{"name": "old", "measures": [{"name": "gone"}]},
                {"name": "ward 3", "measures": [
                    {"name": "falls", "kind": "outcome",
                     "readings": [{"on": "2026-11-01", "value": 4}, {"on": "2026-11-02",
                                                                      "value": 2.5}]},
                    {"name": "audits", "readings": "damaged"}]}]
    text = "\n".join(mrkdwn_of(measure_home_blocks(projects)))
    assert "Measures in *ward 3*:" in text and "gone" not in text
    assert "*falls* (outcome): 2 reading(s), latest 2.5 on" in text
    assert "*audits* (kind not set): no readings yet" in text
