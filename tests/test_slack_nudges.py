"""Reminders to log a measure reach the user's Slack DM once: the real app and its sweep,
against the fake Slack Web API."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from fake_slack import FakeSlack

from bot.channels.slack.delivery import Sender, web_client
from bot.channels.slack.nudges import Nudger

if TYPE_CHECKING:
    from slack_fixtures import SlackBot


TODAY = date.today()


def ask_for_a_reminder(bot: SlackBot, fake: FakeSlack, user: str = "U1") -> None:
    """Log 'waits' three days ago and switch on a fortnightly reminder, both by DM."""
    start = len(fake.find("chat.postMessage"))
    assert bot.dm(f"log waits 21 {(TODAY - timedelta(days=3)):%d/%m/%Y}", user=user) == 200
    fake.wait_for("chat.postMessage", count=start + 1)
    assert bot.dm("remind me waits every 2 weeks", user=user) == 200
    fake.wait_for("chat.postMessage", count=start + 2)


def nudger(bot: SlackBot, fake: FakeSlack, days_on: int) -> Nudger:
    """The reminder sweep of this instance, as if run ``days_on`` days from today."""
    sender = Sender(web_client(bot.settings.bot_token, fake.api_url))
    return Nudger(bot.pathway, sender, today=lambda: TODAY + timedelta(days=days_on))


def test_a_due_reminder_is_posted_to_the_dm_once(slack_bot: SlackBot,
                                                  fake_slack: FakeSlack) -> None:
    ask_for_a_reminder(slack_bot, fake_slack)
    assert "Reminders are sent in Slack only" in fake_slack.find("chat.postMessage")[-1].dump
    fake_slack.reset()
    assert nudger(slack_bot, fake_slack, 13).run_once() == 0  # not yet due
    sweep = nudger(slack_bot, fake_slack, 15)
    assert sweep.run_once() == 1
    assert sweep.run_once() == 0  # the next sweep finds it claimed
    assert nudger(slack_bot, fake_slack, 16).run_once() == 0  # so does another instance's
    [posted] = fake_slack.find("chat.postMessage")
    assert posted.params["channel"] == "DU1"
    assert "You haven't logged *waits* for 18 days." in posted.dump
    assert "stop reminders" in posted.dump


def test_a_reminder_slack_refused_is_sent_by_the_next_sweep(slack_bot: SlackBot,
                                                            fake_slack: FakeSlack) -> None:
    ask_for_a_reminder(slack_bot, fake_slack)
    fake_slack.reset()
    fake_slack.refuse("chat.postMessage")
    sweep = nudger(slack_bot, fake_slack, 15)
    assert sweep.run_once() == 0  # refused: the claim is given back
    fake_slack.refused.clear()
    fake_slack.reset()
    assert sweep.run_once() == 1
    assert sweep.run_once() == 0
    assert len(fake_slack.find("chat.postMessage")) == 1


def test_no_reminder_after_stop_reminders(slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    ask_for_a_reminder(slack_bot, fake_slack)
    assert slack_bot.dm("stop reminders") == 200
    fake_slack.wait_for("chat.postMessage", count=3)
    fake_slack.reset()
    assert nudger(slack_bot, fake_slack, 30).run_once() == 0
    assert fake_slack.find("chat.postMessage") == []


def test_a_measure_name_in_a_reminder_cannot_ping_a_channel(slack_bot: SlackBot,
                                                            fake_slack: FakeSlack) -> None:
    assert slack_bot.dm(f"log <!here> 21 {(TODAY - timedelta(days=3)):%d/%m/%Y}") == 200
    fake_slack.wait_for("chat.postMessage", count=1)
    assert slack_bot.dm("remind me <!here> every 2 weeks") == 200
    fake_slack.wait_for("chat.postMessage", count=2)
    fake_slack.reset()
    assert nudger(slack_bot, fake_slack, 15).run_once() == 1
    [posted] = fake_slack.find("chat.postMessage")
    assert "&lt;!here&gt;" in posted.dump and "<!here>" not in posted.dump
