"""Connect me in Slack, end to end: the real app over HTTP against the fake Web API."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from fake_slack import FakeSlack

from bot.channels.slack.delivery import Sender, web_client
from bot.channels.slack.referrals import ReferralRetrier, SlackDeliverer
from bot.core.referral import CONSENT_TEXT, DeliveryError, Referral
from bot.core.wording import say
from bot.service import KnowledgeHolder
from bot.service.settings import Settings

if TYPE_CHECKING:
    from fake_slack import Call
    from slack_fixtures import SlackBot


ROOT = Path(__file__).resolve().parent.parent
TEAM = "T0PATHWAY"
OWN_CHANNEL = "C0TRIAGE01"  # life-sciences-hub-wales's own triage channel
DEFAULT_CHANNEL = "C0DEFAULT1"  # PATHWAY_TRIAGE_CHANNEL, for every other organisation
OWN_ORG = "life-sciences-hub-wales"
OTHER_ORG = "improvement-cymru"  # takes warm introductions, no channel of its own
ANSWERS: dict[str, Any] = {
    "summary": "A falls sensor for care homes", "problem": "Falls at night go unnoticed",
    "stage": "prototype", "user_organisation": "Powys Teaching Health Board",
    "help_wanted": "Help to evaluate it", "consent": True}


@pytest.fixture(scope="module")
def referral_knowledge(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeHolder:
    """The bundled knowledge base, with a triage channel set on one organisation."""
    kb_dir = tmp_path_factory.mktemp("kb") / "knowledge"
    shutil.copytree(ROOT / "knowledge", kb_dir)
    organisations = kb_dir / "organisations.yaml"
    text = organisations.read_text(encoding="utf-8")
    marker = f"  - id: {OWN_ORG}\n"
    assert marker in text
    organisations.write_text(text.replace(marker, f"{marker}    triage_channel: {OWN_CHANNEL}\n"),
                             encoding="utf-8")
    return KnowledgeHolder(kb_dir)


def make_bot(settings: Settings, knowledge: KnowledgeHolder, **options: Any) -> SlackBot:
    from slack_fixtures import SlackBot

    return SlackBot(settings, knowledge, **options)


@pytest.fixture
def bot(slack_settings: Settings, referral_knowledge: KnowledgeHolder) -> Iterator[SlackBot]:
    """The app with a default triage channel, and one organisation with its own."""
    running = make_bot(dataclasses.replace(slack_settings, triage_channel=DEFAULT_CHANNEL),
                       referral_knowledge)
    yield running
    running.stop()


@pytest.fixture
def bot_without_triage(slack_settings: Settings,
                       referral_knowledge: KnowledgeHolder) -> Iterator[SlackBot]:
    """The app with no PATHWAY_TRIAGE_CHANNEL."""
    running = make_bot(slack_settings, referral_knowledge)
    yield running
    running.stop()


def retrier(bot: SlackBot, fake: FakeSlack) -> ReferralRetrier:
    """The background retry loop, to run one pass at a time."""
    return ReferralRetrier(bot.pathway, Sender(web_client(bot.settings.bot_token,
                                                          fake.api_url)))


def open_form(bot: SlackBot, fake: FakeSlack, org_id: str = OWN_ORG,
              user: str = "U1") -> dict[str, Any]:
    """Click "Connect me" beside an organisation; returns the modal that opened."""
    fake.reset()
    bot.action({"type": "button", "action_id": "pw_connect", "value": org_id},
               container={"type": "message", "message_ts": "1.1", "channel_id": f"D{user}",
                          "is_ephemeral": False}, channel={"id": f"D{user}"}, user=user)
    [opened] = fake.wait_for("views.open")
    return opened.params["view"]


def dm(fake: FakeSlack, user: str = "U1", count: int = 1) -> Call:
    """The latest of count messages the bot sent to a user's DM."""
    return fake.wait_for("chat.postMessage", lambda c: c.params["channel"] == f"D{user}",
                         count=count)[-1]


def submit(bot: SlackBot, fake: FakeSlack, org_id: str = OWN_ORG, user: str = "U1",
           **changes: Any) -> Call:
    """Fill in and send the form; returns the DM telling the innovator what happened."""
    view = open_form(bot, fake, org_id, user)
    fake.reset()
    assert bot.submit_view(view, {**ANSWERS, **changes}, user=user) == (200, {})
    told = dm(fake, user)
    fake.wait_for("views.publish")  # the last step: their App Home shows the new referral
    return told


def team_post(fake: FakeSlack, channel: str = OWN_CHANNEL) -> Call:
    """The referral as posted to the team's channel."""
    [post] = fake.find("chat.postMessage", lambda c: c.params["channel"] == channel)
    return post


def click(bot: SlackBot, post: Call, action: str, user: str = "UTEAM") -> None:
    """A team member presses one of the referral's buttons in their channel."""
    button = post.element(f"pw_referral_{action}")
    channel = post.params["channel"]
    bot.action({"type": "button", **button},
               container={"type": "message", "message_ts": "1700000001.000100",
                          "channel_id": channel, "is_ephemeral": False},
               channel={"id": channel}, message={"ts": "1700000001.000100"}, user=user)


def only_referral(bot: SlackBot) -> Referral:
    [referral] = bot.pathway.all_referrals()
    return referral


def test_connect_me_beside_contacts_opens_the_form_with_the_stage_filled_in(
        bot: SlackBot, fake_slack: FakeSlack) -> None:
    bot.dm("stage prototype")
    dm(fake_slack)
    bot.dm("contacts")
    contacts = dm(fake_slack, count=2)
    button = contacts.element("pw_connect")
    fake_slack.reset()
    bot.action({"type": "button", **button},
               container={"type": "message", "message_ts": "1.1", "channel_id": "DU1",
                          "is_ephemeral": False}, channel={"id": "DU1"})
    [opened] = fake_slack.wait_for("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == "pw_connect_modal"
    assert json.loads(view["private_metadata"]) == {"org": button["value"]}
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert list(inputs) == ["summary", "problem", "stage", "user_organisation", "help_wanted",
                            "consent"]
    assert inputs["stage"]["element"]["initial_option"]["value"] == "prototype"
    org = bot.knowledge.current.knowledge.organisation(button["value"])
    consent = CONSENT_TEXT.format(org=org.name.get("en"))
    assert inputs["consent"]["label"]["text"] == consent
    assert bot.pathway.all_referrals() == []  # opening the form shares nothing


def test_consent_is_required_and_nothing_is_stored_without_it(
        bot: SlackBot, fake_slack: FakeSlack) -> None:
    view = open_form(bot, fake_slack)
    fake_slack.reset()
    status, body = bot.submit_view(view, {**ANSWERS, "consent": False})
    assert status == 200
    assert body["response_action"] == "errors" and "consent" in body["errors"]
    assert bot.pathway.all_referrals() == []
    assert fake_slack.find("chat.postMessage") == []


@pytest.mark.parametrize(("field", "value"), [
    ("summary", "   "), ("problem", None), ("summary", "x" * 1501), ("help_wanted", "y" * 1001)])
def test_empty_or_overlong_answers_are_shown_in_the_form(
        bot: SlackBot, fake_slack: FakeSlack, field: str, value: str | None) -> None:
    view = open_form(bot, fake_slack)
    status, body = bot.submit_view(view, {**ANSWERS, field: value})
    assert status == 200 and body["response_action"] == "errors" and list(body["errors"]) == [field]
    assert bot.pathway.all_referrals() == []


def test_referral_is_posted_to_the_organisations_channel_with_its_buttons(
        bot: SlackBot, fake_slack: FakeSlack) -> None:
    told = submit(bot, fake_slack)
    referral = only_referral(bot)
    assert referral.status == "sent" and referral.consent["given"] is True
    assert f"Sent: your referral {referral.id}" in told.dump
    assert "their triage channel in Slack" in told.dump
    post = team_post(fake_slack)
    assert referral.delivery["destination"]["channel"] == OWN_CHANNEL
    for action in ("accept", "more_info", "redirect"):
        assert post.element(f"pw_referral_{action}")["value"] == referral.id
    text = post.dump
    assert "<@U1>" in text and "Life Sciences Hub Wales" in text
    for answer in ("A falls sensor", "Falls at night", "Prototype", "Powys Teaching",
                   "Help to evaluate"):
        assert answer in text


def test_other_organisations_go_to_the_default_triage_channel(
        bot: SlackBot, fake_slack: FakeSlack) -> None:
    told = submit(bot, fake_slack, org_id=OTHER_ORG)
    assert team_post(fake_slack, DEFAULT_CHANNEL).element("pw_referral_accept")
    assert "Pathway's triage channel" in told.dump
    assert only_referral(bot).status == "sent"


def test_text_typed_by_the_innovator_is_escaped_in_the_team_message(
        bot: SlackBot, fake_slack: FakeSlack) -> None:
    submit(bot, fake_slack, summary="Pings <!channel> & <@U999> <https://evil.example|click>",
           user_organisation="<!here> Board")
    sent = team_post(fake_slack).dump
    assert "&lt;!channel&gt; &amp; &lt;@U999&gt;" in sent and "&lt;!here&gt;" in sent
    for raw in ("<!channel>", "<!here>", "<@U999>", "<https://evil"):
        assert raw not in sent
    assert only_referral(bot).summary.startswith("Pings <!channel>")  # stored as typed


def test_accept_more_info_and_redirect_update_the_innovator_and_the_team_message(
        bot: SlackBot, fake_slack: FakeSlack) -> None:
    submit(bot, fake_slack)
    post, referral_id = team_post(fake_slack), only_referral(bot).id

    fake_slack.reset()
    click(bot, post, "more_info")
    assert "would like more information" in dm(fake_slack).dump
    [update] = fake_slack.wait_for("chat.update")
    assert update.params["channel"] == OWN_CHANNEL
    assert update.params["ts"] == only_referral(bot).delivery["destination"]["ts"]
    assert "More information requested" in update.dump and "<@UTEAM>" in update.dump
    assert update.element("pw_referral_accept")  # still open

    fake_slack.reset()
    click(bot, post, "redirect")
    [opened] = fake_slack.wait_for("views.open")
    modal = opened.params["view"]
    assert modal["callback_id"] == "pw_redirect_modal"
    choices = [o["value"] for b in modal["blocks"] if b["type"] == "input"
               for o in b["element"]["options"]]
    assert OWN_ORG not in choices and "improvement-cymru" in choices
    assert bot.submit_view(modal, {"organisation": "improvement-cymru"}, user="UTEAM") == (
        200, {})
    told = dm(fake_slack)
    assert "Improvement Cymru" in told.dump
    assert told.element("pw_connect")["value"] == "improvement-cymru"  # one click to go on
    [update] = fake_slack.wait_for("chat.update")
    assert "Not for us" in update.dump and "Improvement Cymru" in update.dump
    assert "pw_referral_" not in update.dump  # closed: no more buttons
    assert bot.pathway.referral(referral_id).status == "redirected"


def test_accept_closes_the_referral_and_a_double_click_counts_once(
        bot: SlackBot, fake_slack: FakeSlack) -> None:
    submit(bot, fake_slack)
    post = team_post(fake_slack)
    fake_slack.reset()
    click(bot, post, "accept")
    assert "Good news" in dm(fake_slack).dump
    [update] = fake_slack.wait_for("chat.update")
    assert "Accepted" in update.dump and "pw_referral_" not in update.dump
    click(bot, post, "accept")
    [notice] = fake_slack.wait_for("chat.postEphemeral")
    assert notice.params["user"] == "UTEAM" and "already recorded" in notice.dump
    assert len(fake_slack.find("chat.postMessage", lambda c: c.params["channel"] == "DU1")) == 1
    assert [h["status"] for h in only_referral(bot).history] == ["pending", "sent",
                                                                    "accepted"]


def test_a_double_submission_gives_one_referral(bot: SlackBot, fake_slack: FakeSlack) -> None:
    view = open_form(bot, fake_slack)
    fake_slack.reset()
    assert bot.submit_view(view, ANSWERS) == (200, {})
    assert bot.submit_view(view, ANSWERS) == (200, {})
    dm(fake_slack, count=2)
    told = [c.dump for c in fake_slack.find("chat.postMessage",
                                            lambda c: c.params["channel"] == "DU1")]
    assert sorted("haven't sent it twice" in text for text in told) == [False, True]
    assert len(bot.pathway.all_referrals()) == 1
    assert len(fake_slack.find("chat.postMessage",
                               lambda c: c.params["channel"] == OWN_CHANNEL)) == 1


def test_failed_delivery_is_honest_then_retried_and_the_innovator_told(
        bot: SlackBot, fake_slack: FakeSlack) -> None:
    fake_slack.closed_channels.add(OWN_CHANNEL)  # the bot was not invited yet
    told = submit(bot, fake_slack)
    assert "couldn't deliver it yet" in told.dump and "Sent:" not in told.dump
    referral = only_referral(bot)
    assert referral.status == "pending"
    assert "not_in_channel" in referral.delivery["last_error"]
    assert retrier(bot, fake_slack).run_once() == []  # still closed

    fake_slack.closed_channels.clear()
    fake_slack.reset()
    [sent] = retrier(bot, fake_slack).run_once()
    assert sent.id == referral.id and sent.status == "sent"
    assert team_post(fake_slack).element("pw_referral_accept")["value"] == referral.id
    assert f"Update: Sent: your referral {referral.id}" in dm(fake_slack).dump
    assert retrier(bot, fake_slack).run_once() == []
    assert len(fake_slack.find("chat.postMessage",
                               lambda c: c.params["channel"] == OWN_CHANNEL)) == 1


def test_without_any_triage_channel_the_referral_waits_and_the_user_is_told(
        bot_without_triage: SlackBot, fake_slack: FakeSlack) -> None:
    told = submit(bot_without_triage, fake_slack, org_id=OTHER_ORG)
    assert "couldn't deliver it yet" in told.dump
    referral = only_referral(bot_without_triage)
    assert referral.status == "pending"
    assert "no triage channel configured" in referral.delivery["last_error"]
    assert fake_slack.find("chat.postMessage", lambda c: c.params["channel"] != "DU1") == []


def test_withdraw_from_app_home_marks_the_team_message(
        bot: SlackBot, fake_slack: FakeSlack) -> None:
    submit(bot, fake_slack)
    post, referral_id = team_post(fake_slack), only_referral(bot).id
    fake_slack.reset()
    bot.event({"type": "app_home_opened", "user": "U1", "channel": "DU1", "tab": "home"})
    [home] = fake_slack.wait_for("views.publish")
    assert "Your referrals" in home.dump and referral_id in home.dump
    withdraw = next(b["accessory"] for b in home.blocks
                    if b.get("accessory", {}).get("value") == f"withdraw {referral_id}")
    assert withdraw["confirm"]  # asks before it withdraws

    fake_slack.reset()
    bot.action({"type": "button", **withdraw}, container={"type": "view", "view_id": "VHOME"},
               view={"id": "VHOME", "type": "home"})
    assert "Withdrawn: referral" in dm(fake_slack).dump
    [update] = fake_slack.wait_for("chat.update")
    assert update.params["channel"] == OWN_CHANNEL
    assert "Withdrawn by the innovator" in update.dump and "pw_referral_" not in update.dump
    summary = only_referral(bot).summary
    assert summary in post.dump and summary not in update.dump  # details leave the channel
    [home] = fake_slack.wait_for("views.publish")
    assert "withdrawn" in home.dump and f"withdraw {referral_id}" not in home.dump

    fake_slack.reset()
    click(bot, post, "accept")  # a stale button on the team's side
    [notice] = fake_slack.wait_for("chat.postEphemeral")
    assert notice.params["user"] == "UTEAM" and "withdrawn" in notice.dump
    click(bot, post, "redirect")
    fake_slack.wait_for("chat.postEphemeral", count=2)
    assert fake_slack.find("views.open") == []
    assert fake_slack.find("chat.postMessage", lambda c: c.params["channel"] == "DU1") == []
    assert bot.pathway.referral(referral_id).status == "withdrawn"


def test_pathway_me_and_referrals_show_the_status(bot: SlackBot, fake_slack: FakeSlack) -> None:
    submit(bot, fake_slack)
    referral_id = only_referral(bot).id
    bot.command("/pathway", "me", response_url=fake_slack.response_url("me"))
    [me] = fake_slack.wait_for("response_url", lambda c: c.path.endswith("/me"))
    assert f"{referral_id}: Life Sciences Hub Wales, sent, waiting for the team" in me.dump
    bot.command("/pathway", "referrals", response_url=fake_slack.response_url("list"))
    [listed] = fake_slack.wait_for("response_url", lambda c: c.path.endswith("/list"))
    assert referral_id in listed.dump and listed.element("pw_option")["value"] == (
        f"withdraw {referral_id}")


def test_every_step_survives_a_restart(bot: SlackBot, fake_slack: FakeSlack) -> None:
    view = open_form(bot, fake_slack)
    fake_slack.closed_channels.add(OWN_CHANNEL)
    bot.restart()  # the form was open while the bot restarted
    fake_slack.reset()
    bot.submit_view(view, ANSWERS)
    assert "couldn't deliver it yet" in dm(fake_slack).dump
    fake_slack.wait_for("views.publish")  # the handler's last call: it has finished

    bot.restart()  # stored but not delivered: the retry after the restart sends it
    fake_slack.closed_channels.clear()
    fake_slack.reset()
    assert [r.status for r in retrier(bot, fake_slack).run_once()] == ["sent"]
    post = team_post(fake_slack)

    bot.restart()  # the team's buttons still work
    fake_slack.reset()
    click(bot, post, "more_info")
    assert "would like more information" in dm(fake_slack).dump
    fake_slack.wait_for("views.publish")
    click(bot, post, "redirect")
    modal = fake_slack.wait_for("views.open")[0].params["view"]

    bot.restart()  # the "suggest another" form was open across a restart
    fake_slack.reset()
    bot.submit_view(modal, {"organisation": "improvement-cymru"}, user="UTEAM")
    assert "Improvement Cymru" in dm(fake_slack).dump
    [update] = fake_slack.wait_for("chat.update")
    assert update.params["channel"] == OWN_CHANNEL and "Not for us" in update.dump
    fake_slack.wait_for("views.publish")

    bot.restart()
    referral = only_referral(bot)
    assert referral.status == "redirected"
    assert [h["status"] for h in referral.history] == ["pending", "sent", "more_info",
                                                          "redirected"]
    assert bot.pathway.referrals_of(TEAM, "U1") == [referral]


def test_withdraw_after_a_restart_still_marks_the_team_message(
        bot: SlackBot, fake_slack: FakeSlack) -> None:
    submit(bot, fake_slack)
    referral_id = only_referral(bot).id
    bot.restart()
    fake_slack.reset()
    bot.dm(f"withdraw {referral_id}")
    [update] = fake_slack.wait_for("chat.update")
    assert update.params["channel"] == OWN_CHANNEL and "Withdrawn by the innovator" in update.dump


def test_retry_loop_runs_a_pass_at_start_and_stops_cleanly(
        bot_without_triage: SlackBot, fake_slack: FakeSlack) -> None:
    submit(bot_without_triage, fake_slack, org_id=OTHER_ORG)
    loop = ReferralRetrier(bot_without_triage.pathway,
                           Sender(web_client(bot_without_triage.settings.bot_token,
                                             fake_slack.api_url)), interval=3600)
    loop.start()
    loop.stop()  # returns once the first pass has finished
    assert only_referral(bot_without_triage).delivery["attempts"] == 2


def test_unreachable_slack_is_a_delivery_error(referral_knowledge: KnowledgeHolder) -> None:
    from slack_sdk import WebClient

    client = WebClient(token="xoxb-1-2-x", base_url="http://127.0.0.1:9/api/", timeout=2,
                       retry_handlers=[])  # the real client retries first; here, fail fast
    deliverer = SlackDeliverer(client, lambda: referral_knowledge.current.knowledge, "C0DEFAULT1")
    referral = Referral.from_json({
        "id": "R00000001", "user": "T1:U1", "workspace": "T1", "organisation": OTHER_ORG,
        "organisation_name": "Improvement Cymru", "user_id": "U1", "status": "pending",
        "stage": "idea",
        "summary": "s", "problem": "p", "user_organisation": "o", "help_wanted": "h",
        "consent": {}, "history": [], "delivery": {"attempts": 0, "last_error": None},
        "idempotency": ""})
    with pytest.raises(DeliveryError, match="could not reach Slack"):
        deliverer.deliver(referral, None)


def test_a_forged_form_for_an_organisation_without_a_route_is_refused(
        bot: SlackBot, fake_slack: FakeSlack) -> None:
    view = open_form(bot, fake_slack, "mhra", "U1")  # no Connect me button is shown for it
    fake_slack.reset()
    assert bot.submit_view(view, ANSWERS, user="U1") == (200, {})
    assert "can't pass a warm introduction" in dm(fake_slack, "U1").dump
    assert not fake_slack.find("chat.postMessage",
                               lambda c: c.params["channel"] == DEFAULT_CHANNEL)
    assert bot.pathway.all_referrals() == []


@contextmanager
def write_lock_taken_elsewhere(bot: SlackBot) -> Iterator[None]:
    """Another process holds the state database's write lock, as a long job would."""
    holder = sqlite3.connect(bot.settings.database_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_a_referral_the_store_cannot_take_keeps_the_form_open_and_says_so(
        lang: str, slack_settings: Settings, referral_knowledge: KnowledgeHolder,
        fake_slack: FakeSlack) -> None:
    bot = make_bot(dataclasses.replace(slack_settings, triage_channel=DEFAULT_CHANNEL),
                   referral_knowledge, busy_seconds=0.3)
    try:
        bot.pathway.set_language(TEAM, "U1", lang)
        view = open_form(bot, fake_slack)
        fake_slack.reset()
        with write_lock_taken_elsewhere(bot):
            status, answer = bot.submit_view(view, ANSWERS)
        assert (status, answer) == (200, {"response_action": "errors",
                                          "errors": {"summary": say("form.error_unsaved", lang)}})
        assert bot.pathway.all_referrals() == []
        assert fake_slack.find("chat.postMessage") == []
        # The form stayed open with the answers in it: sent again, it goes through.
        assert bot.submit_view(view, ANSWERS) == (200, {})
        assert only_referral(bot).summary == ANSWERS["summary"]
    finally:
        bot.stop()


def test_the_form_closes_once_stored_and_a_slow_team_post_follows_it(
        bot: SlackBot, fake_slack: FakeSlack) -> None:
    view = open_form(bot, fake_slack)
    fake_slack.reset()
    # The team's channel is rate limited: the post waits two seconds for its retry, which
    # would hold the form past Slack's three seconds if it came before the ack.
    fake_slack.fail_next(1, status=429, retry_after=2)
    assert bot.submit_view(view, ANSWERS) == (200, {})
    # The form has closed and the referral is stored; the post to the team has not landed.
    assert only_referral(bot).status == "pending"
    assert not [c for c in fake_slack.find("chat.postMessage") if c.status == 200]
    told = dm(fake_slack)
    assert only_referral(bot).status == "sent"
    assert f"Sent: your referral {only_referral(bot).id}" in told.dump
    assert team_post_sent(fake_slack).element("pw_referral_accept")


def team_post_sent(fake: FakeSlack, channel: str = OWN_CHANNEL) -> Call:
    """The referral as it reached the team's channel, after any refused attempt."""
    [post] = fake.find("chat.postMessage",
                       lambda c: c.params["channel"] == channel and c.status == 200)
    return post


def forget_me(bot: SlackBot, fake: FakeSlack) -> Call:
    """The innovator says "forget me" and confirms; returns the bot's last DM."""
    fake.reset()
    bot.dm("forget me")
    dm(fake)
    bot.dm("yes")
    return dm(fake, count=2)


def test_forget_me_while_slack_refuses_the_redraw_removes_the_details_on_a_retry(
        bot: SlackBot, fake_slack: FakeSlack) -> None:
    submit(bot, fake_slack)
    post, referral = team_post(fake_slack), only_referral(bot)
    fake_slack.refuse("chat.update")  # Slack fails just as the innovator is forgotten
    told = forget_me(bot, fake_slack)
    assert "remove them shortly" in told.dump and "deleted everything" in told.dump
    assert bot.pathway.all_referrals() == [] and bot.pathway.kept(TEAM, "U1") is None
    bot.command("/pathway", "me", response_url=fake_slack.response_url("me"))
    [me] = fake_slack.wait_for("response_url", lambda c: c.path.endswith("/me"))
    assert "Referrals (Connect me): 0" in me.dump and referral.id not in me.dump

    fake_slack.refused.clear()
    fake_slack.reset()
    assert retrier(bot, fake_slack).run_once() == []
    [update] = fake_slack.find("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (OWN_CHANNEL, post.answer["ts"])
    assert referral.summary in post.dump and referral.summary not in update.dump
    assert "Withdrawn by the innovator" in update.dump and referral.id in update.dump
    assert "pw_referral_" not in update.dump and "U1" not in update.dump
    fake_slack.reset()
    retrier(bot, fake_slack).run_once()  # redrawn once: nothing is left to retry
    assert fake_slack.find("chat.update") == []


def test_withdraw_while_slack_refuses_the_redraw_says_so_and_retries(
        bot: SlackBot, fake_slack: FakeSlack) -> None:
    submit(bot, fake_slack)
    referral = only_referral(bot)
    fake_slack.refuse("chat.update")
    fake_slack.reset()
    bot.dm(f"withdraw {referral.id}")
    assert "remove your details shortly" in dm(fake_slack).dump
    fake_slack.refused.clear()
    fake_slack.reset()
    retrier(bot, fake_slack).run_once()
    [update] = fake_slack.find("chat.update")
    assert "Withdrawn by the innovator" in update.dump and referral.summary not in update.dump
    assert only_referral(bot).status == "withdrawn"


@pytest.mark.parametrize("leave", ["forget me", "withdraw"])
def test_leaving_while_the_team_post_is_in_flight_takes_its_details_down(
        bot: SlackBot, fake_slack: FakeSlack, leave: str) -> None:
    view = open_form(bot, fake_slack)
    fake_slack.reset()
    fake_slack.fail_next(1, status=429, retry_after=3)  # the team's post waits for its retry
    assert bot.submit_view(view, ANSWERS) == (200, {})
    referral = only_referral(bot)
    if leave == "forget me":
        bot.dm("forget me")
        dm(fake_slack)
        bot.dm("yes")
    else:
        bot.dm(f"withdraw {referral.id}")
    dm(fake_slack, count=3 if leave == "forget me" else 2)  # and the form's own DM
    post = team_post_sent(fake_slack)
    assert ANSWERS["summary"] in post.dump  # it landed after the innovator left…
    [update] = fake_slack.wait_for("chat.update")  # …and was redrawn at once
    assert (update.params["channel"], update.params["ts"]) == (OWN_CHANNEL, post.answer["ts"])
    assert ANSWERS["summary"] not in update.dump and "pw_referral_" not in update.dump
    assert "Withdrawn by the innovator" in update.dump
    dms = [c.dump for c in fake_slack.find("chat.postMessage",
                                           lambda c: c.params["channel"] == "DU1")]
    assert not any("Sent:" in text or "wrong" in text for text in dms), dms
    assert any(f"Withdrawn: referral {referral.id}" in text for text in dms)
    if leave == "forget me":
        assert bot.pathway.all_referrals() == []
    else:
        assert only_referral(bot).status == "withdrawn"
        assert only_referral(bot).destination["channel"] == OWN_CHANNEL


def test_not_for_us_closes_once_stored_and_a_slow_redraw_follows_it(
        bot: SlackBot, fake_slack: FakeSlack) -> None:
    submit(bot, fake_slack)
    post = team_post(fake_slack)
    fake_slack.reset()
    click(bot, post, "redirect")
    [opened] = fake_slack.wait_for("views.open")
    fake_slack.reset()
    # The team's message cannot be redrawn for two seconds (rate limited): that must come
    # after the ack, or the form would miss Slack's three seconds.
    fake_slack.fail_next(1, status=429, retry_after=2)
    assert bot.submit_view(opened.params["view"], {"organisation": "improvement-cymru"},
                           user="UTEAM") == (200, {})
    assert only_referral(bot).status == "redirected"  # stored before the form closed
    assert not [c for c in fake_slack.find("chat.update") if c.status == 200]
    [update] = fake_slack.wait_for("chat.update", lambda c: c.status == 200)
    assert "Not for us" in update.dump
    assert "Improvement Cymru" in dm(fake_slack).dump
