"""Welsh everywhere a user sees Pathway in Slack: the real app over HTTP against the fake API.

A Welsh reader gets Welsh buttons, headers, modals and notices around a Welsh reply; App Home
follows the saved preference and has a toggle to change it; a receiving team's message is in
PATHWAY_TRIAGE_LANGUAGE (Welsh and English by default).
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from fake_slack import FakeSlack
from slack_bolt import BoltContext, BoltResponse

from bot.channels.slack.app import VERIFIED, _error_handler
from bot.channels.slack.blocks import (
    BUTTON_TEXT_LIMIT,
    HEADER_LIMIT,
    LANGUAGES,
    language_blocks,
    language_label,
)
from bot.channels.slack.delivery import Sender, web_client
from bot.channels.slack.referral_blocks import (
    LABEL_JOIN,
    TEAM_ACTIONS,
    TRIAGE_LANGUAGES,
    in_languages,
    triage_blocks,
)
from bot.core.referral import Referral
from bot.core.wording import say
from bot.kb.loader import check_knowledge
from bot.service import KnowledgeHolder
from bot.service.settings import Settings, SettingsError, load_settings
from bot.store.users import UserStore

if TYPE_CHECKING:
    from fake_slack import Call
    from slack_fixtures import SlackBot

    from bot.service import Pathway


TEAM = "T0PATHWAY"
TRIAGE = "C0DEFAULT1"
ORG = "improvement-cymru"
ANSWERS: dict[str, Any] = {
    "summary": "Synhwyrydd cwympo <!channel> & <@U999>", "problem": "Cwympiadau yn y nos",
    "stage": "prototype", "user_organisation": "Bwrdd Iechyd Addysgu Powys",
    "help_wanted": "Help i'w werthuso", "consent": True}


@pytest.fixture
def bot(slack_settings: Settings, slack_knowledge: KnowledgeHolder) -> Iterator[SlackBot]:
    """The app with a default triage channel, as a deployment taking referrals has."""
    from slack_fixtures import SlackBot

    running = SlackBot(dataclasses.replace(slack_settings, triage_channel=TRIAGE),
                       slack_knowledge)
    yield running
    running.stop()


def stored(bot: SlackBot, user: str = "U1") -> dict | None:
    """What the core keeps about a user, read straight from the database."""
    return UserStore(bot.database).peek(UserStore.key(TEAM, user))


def dm_reply(bot: SlackBot, fake: FakeSlack, text: str, user: str = "U1") -> Call:
    """Send a DM and return the bot's answer to it."""
    fake.reset()
    assert bot.dm(text, user=user) == 200
    return fake.wait_for("chat.postMessage", lambda c: c.params["channel"] == f"D{user}")[-1]


def prefer_welsh(bot: SlackBot, fake: FakeSlack, user: str = "U1") -> None:
    """The user saves Welsh as their language, as they would by saying "Cymraeg"."""
    dm_reply(bot, fake, "Cymraeg", user)
    assert stored(bot, user)["lang"] == "cy"


def button_texts(call: Call) -> list[str]:
    """Every button label in a message or view."""
    found = []
    for block in call.blocks:
        elements = block.get("elements", []) + ([block["accessory"]] if "accessory" in block
                                                else [])
        found += [e["text"]["text"] for e in elements if e.get("type") == "button"]
    return found


def welsh_answered_question(bot: SlackBot) -> str:
    """A Welsh question from the knowledge base's own examples that gets an answer."""
    for example in bot.knowledge.current.knowledge.examples:
        if example.lang == "cy" and example.expect:
            reply = bot.probe(example.question)
            if reply.kind == "answer" and reply.match:
                return example.question
    raise AssertionError("no Welsh example question is answered")


def stage_with_checklist(bot: SlackBot) -> Any:
    """The first stage that has a checklist."""
    return next(s for s in bot.knowledge.current.knowledge.stages if s.checklist)


def test_a_welsh_dm_gets_a_welsh_reply_with_welsh_buttons(
        bot: SlackBot, fake_slack: FakeSlack) -> None:
    question = welsh_answered_question(bot)
    reply = dm_reply(bot, fake_slack, question)
    labels = button_texts(reply)
    assert f"👍 {say('slack.feedback_yes', 'cy')}" in labels
    assert f"👎 {say('slack.feedback_no', 'cy')}" in labels
    assert not [label for label in labels if "This helped" in label or label == "Connect me"]
    if any(block.get("accessory", {}).get("action_id") == "pw_connect"
           for block in reply.blocks):
        assert say("slack.connect_me", "cy") in labels
    assert "Source:" not in reply.dump and "Reviewed " not in reply.dump
    assert stored(bot)["lang"] == "en"  # the saved preference is not changed by a message


def test_an_english_dm_keeps_english_buttons(bot: SlackBot, fake_slack: FakeSlack) -> None:
    question = next(e.question for e in bot.knowledge.current.knowledge.examples
                    if e.lang == "en" and e.expect and bot.probe(e.question).kind == "answer")
    labels = button_texts(dm_reply(bot, fake_slack, question))
    assert f"👍 {say('slack.feedback_yes')}" in labels


def test_a_welsh_checklist_tick_answers_in_welsh(bot: SlackBot, fake_slack: FakeSlack) -> None:
    prefer_welsh(bot, fake_slack)
    stage = stage_with_checklist(bot)
    posted = dm_reply(bot, fake_slack, f"checklist {stage.id}")
    box = posted.element("pw_tick")
    assert box["options"][0]["text"]["text"] == say("slack.done", "cy")
    fake_slack.reset()
    bot.action({"type": "checkboxes", "action_id": "pw_tick", "block_id": box["block_id"],
                "selected_options": box["options"]},
               container={"type": "message", "message_ts": "1700000001.000100",
                          "channel_id": "DU1", "is_ephemeral": False},
               channel={"id": "DU1"}, message={"ts": "1700000001.000100", "blocks": []})
    [updated] = fake_slack.wait_for("chat.update")
    progress = say("checklist.progress", "cy", done=1, total=len(stage.checklist))
    assert progress in updated.dump
    assert stage.checklist[0].text.get("cy") in updated.dump
    assert " of " not in updated.dump and "Ticked:" not in updated.dump
    assert stored(bot)["ticks"] == {stage.id: [stage.checklist[0].id]}


def test_app_home_toggle_switches_to_welsh_and_the_choice_persists(
        bot: SlackBot, fake_slack: FakeSlack) -> None:
    bot.event({"type": "app_home_opened", "user": "U1", "channel": "DU1", "tab": "home"})
    [english] = fake_slack.wait_for("views.publish")
    assert english.blocks[0]["text"]["text"] == say("dashboard.title", "en")
    toggle = english.element("pw_language_cy")
    assert toggle["text"]["text"] == "Cymraeg"
    assert english.element("pw_language_en")["style"] == "primary"

    fake_slack.reset()
    bot.action({"type": "button", **toggle},
               container={"type": "view", "view_id": "VHOME"},
               view={"id": "VHOME", "type": "home"})
    [welsh] = fake_slack.wait_for("views.publish")
    assert welsh.blocks[0]["text"]["text"] == say("dashboard.title", "cy")
    assert welsh.element("pw_language_cy")["style"] == "primary"
    assert welsh.element("pw_open_checklist")["text"]["text"] == say("slack.open_checklist",
                                                                     "cy")
    assert say("me.language", "cy", language="Cymraeg") in welsh.dump
    assert "Open checklist" not in welsh.dump
    assert stored(bot)["lang"] == "cy"

    bot.restart()  # the preference is stored, not held in memory
    me = dm_reply(bot, fake_slack, "me")
    assert say("me.language", "cy", language=say("language.name_cy", "cy")) in me.dump
    fake_slack.reset()
    bot.event({"type": "app_home_opened", "user": "U1", "channel": "DU1", "tab": "home"})
    [again] = fake_slack.wait_for("views.publish")
    assert again.blocks[0]["text"]["text"] == say("dashboard.title", "cy")


def test_the_checklist_modal_from_app_home_is_in_welsh(
        bot: SlackBot, fake_slack: FakeSlack) -> None:
    prefer_welsh(bot, fake_slack)
    stage = stage_with_checklist(bot)
    fake_slack.reset()
    bot.action({"type": "button", "action_id": "pw_open_checklist", "value": stage.id},
               container={"type": "view", "view_id": "VHOME"},
               view={"id": "VHOME", "type": "home"})
    [opened] = fake_slack.wait_for("views.open")
    view = opened.params["view"]
    assert view["title"]["text"] == say("slack.checklist", "cy")
    assert view["close"]["text"] == say("slack.close", "cy")
    assert stage.title.get("cy") in opened.dump


def test_the_connect_me_modal_is_in_welsh(bot: SlackBot, fake_slack: FakeSlack) -> None:
    prefer_welsh(bot, fake_slack)
    view = open_form(bot, fake_slack)
    org = bot.knowledge.current.knowledge.organisation(ORG)
    assert view["title"]["text"] == say("slack.connect_me", "cy")
    assert view["submit"]["text"] == say("form.send", "cy")
    assert view["close"]["text"] == say("form.cancel", "cy")
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert inputs["summary"]["label"]["text"] == say("form.label_summary", "cy")
    assert inputs["consent"]["label"]["text"] == say("referral.consent", "cy",
                                                     org=org.name.get("cy"))
    assert inputs["consent"]["element"]["options"][0]["text"]["text"] == say(
        "form.consent_option", "cy")
    stage = bot.knowledge.current.knowledge.stages[0]
    assert inputs["stage"]["element"]["options"][0]["text"]["text"] == (
        f"{stage.number}. {stage.title.get('cy')}")


def open_form(bot: SlackBot, fake: FakeSlack, user: str = "U1") -> dict[str, Any]:
    """Click "Connect me" beside the organisation; returns the modal that opened."""
    fake.reset()
    bot.action({"type": "button", "action_id": "pw_connect", "value": ORG},
               container={"type": "message", "message_ts": "1.1", "channel_id": f"D{user}",
                          "is_ephemeral": False}, channel={"id": f"D{user}"}, user=user)
    [opened] = fake.wait_for("views.open")
    return opened.params["view"]


def send_referral(bot: SlackBot, fake: FakeSlack, user: str = "U1") -> tuple[Call, Call]:
    """Fill in and send the form; returns the team's message and the innovator's DM."""
    view = open_form(bot, fake, user)
    fake.reset()
    assert bot.submit_view(view, ANSWERS, user=user) == (200, {})
    told = fake.wait_for("chat.postMessage", lambda c: c.params["channel"] == f"D{user}")[-1]
    fake.wait_for("views.publish")
    [team] = fake.find("chat.postMessage", lambda c: c.params["channel"] == TRIAGE)
    return team, told


def test_the_triage_message_is_bilingual_by_default_and_the_innovator_reads_welsh(
        bot: SlackBot, fake_slack: FakeSlack) -> None:
    prefer_welsh(bot, fake_slack)
    team, told = send_referral(bot, fake_slack)
    org = bot.knowledge.current.knowledge.organisation(ORG)
    [referral] = bot.pathway.all_referrals()
    header = team.blocks[0]["text"]["text"]
    assert say("team.header", "cy", org=referral.organisation_name) in header
    assert say("team.header", "en", org=referral.organisation_name) in header
    assert say("team.status_waiting", "cy") in team.dump
    assert say("team.status_waiting", "en") in team.dump
    labels = button_texts(team)
    for action in TEAM_ACTIONS:
        assert f"{say(f'team.button_{action}', 'cy')}{LABEL_JOIN}" in " ".join(labels)
    assert "&lt;!channel&gt; &amp; &lt;@U999&gt;" in team.dump  # the innovator's text, escaped
    assert "<!channel>" not in team.dump

    # What the innovator reads is in their language, "where it went" included.
    assert say("referral.where_default_channel", "cy") in told.dump
    assert "triage channel in Slack" not in told.dump
    assert say("referrals.title", "cy") in button_texts(told)
    assert org is not None and org.referrals


def test_the_team_decision_reaches_the_innovator_in_welsh(
        bot: SlackBot, fake_slack: FakeSlack) -> None:
    prefer_welsh(bot, fake_slack)
    team, _ = send_referral(bot, fake_slack)
    fake_slack.reset()
    button = team.element("pw_referral_accept")
    bot.action({"type": "button", **button},
               container={"type": "message", "message_ts": "1700000001.000100",
                          "channel_id": TRIAGE, "is_ephemeral": False},
               channel={"id": TRIAGE}, message={"ts": "1700000001.000100"}, user="UTEAM")
    told = fake_slack.wait_for("chat.postMessage", lambda c: c.params["channel"] == "DU1")[-1]
    [referral] = bot.pathway.all_referrals()
    assert say("referral.update_accepted", "cy", org=referral.organisation_name,
               id=referral.id) in told.dump
    [update] = fake_slack.wait_for("chat.update")
    on = referral.history[-1]["at"][:10]
    for lang in ("cy", "en"):  # the team's copy stays bilingual
        assert say("team.status_accepted", lang, by="<@UTEAM>", on=on) in update.dump
    [home] = fake_slack.wait_for("views.publish")
    assert say("referrals.title", "cy") in home.dump


def test_one_triage_language_when_set(slack_settings: Settings,
                                      slack_knowledge: KnowledgeHolder,
                                      fake_slack: FakeSlack) -> None:
    from slack_fixtures import SlackBot

    running = SlackBot(dataclasses.replace(slack_settings, triage_channel=TRIAGE,
                                           triage_language="cy"), slack_knowledge)
    try:
        team, told = send_referral(running, fake_slack)
    finally:
        running.stop()
    assert say("team.status_waiting", "cy") in team.dump
    assert say("team.status_waiting", "en") not in team.dump
    assert say("referral.where_default_channel", "en") in told.dump  # an English innovator


def test_slash_commands_and_help_answer_in_welsh(bot: SlackBot, fake_slack: FakeSlack) -> None:
    prefer_welsh(bot, fake_slack)
    fake_slack.reset()
    bot.command("/pathway", "help", response_url=fake_slack.response_url("help"))
    [shown] = fake_slack.wait_for("response_url")
    assert shown.blocks[0]["text"]["text"] == say("slack.help_title", "cy")
    assert say("slack.help_checklist", "cy") in shown.dump
    stage = stage_with_checklist(bot)
    fake_slack.reset()
    bot.command("/checklist", stage.id, response_url=fake_slack.response_url("c1"))
    [listed] = fake_slack.wait_for("response_url")
    assert listed.element("pw_tick")["options"][0]["text"]["text"] == say("slack.done", "cy")


def test_the_feedback_thanks_follow_the_saved_language(
        bot: SlackBot, fake_slack: FakeSlack) -> None:
    prefer_welsh(bot, fake_slack)
    question = welsh_answered_question(bot)
    reply = dm_reply(bot, fake_slack, question)
    button = reply.element("pw_feedback_yes")
    fake_slack.reset()
    bot.action({"type": "button", **button},
               container={"type": "message", "message_ts": "1700000001.000100",
                          "channel_id": "DU1", "is_ephemeral": False},
               channel={"id": "DU1"},
               message={"ts": "1700000001.000100", "text": "x", "blocks": reply.blocks})
    [updated] = fake_slack.wait_for("chat.update")
    assert say("feedback.thanks_yes", "cy") in updated.dump


def test_the_apology_for_an_error_is_in_the_users_language(fake_slack: FakeSlack,
                                                             pathway: Pathway) -> None:
    pathway.set_language(TEAM, "U1", "cy")
    handle_error = _error_handler(Sender(web_client("xoxb-1-2-test", fake_slack.api_url)),
                                  pathway)
    body = {"type": "block_actions", "user": {"id": "U1"}, "team": {"id": TEAM},
            "response_url": fake_slack.response_url("sorry")}
    handle_error(error=RuntimeError("boom"), body=body, context=BoltContext({VERIFIED: True}),
                 response=BoltResponse(status=500))
    [sorry] = fake_slack.wait_for("response_url")
    assert say("slack.sorry", "cy") in sorry.dump and "boom" not in sorry.dump


# --- limits and settings, without the app -----------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_language_toggle_fits_slack(lang: str) -> None:
    blocks = language_blocks(lang)
    labels = [e["text"]["text"] for e in blocks[-1]["elements"]]
    assert labels == [language_label(code) for code in LANGUAGES] == ["Cymraeg", "English"]
    assert all(len(label) <= BUTTON_TEXT_LIMIT for label in labels)


@pytest.mark.parametrize("setting", sorted(TRIAGE_LANGUAGES))
def test_the_teams_labels_fit_slack_in_every_triage_language(setting: str) -> None:
    langs = TRIAGE_LANGUAGES[setting]
    for action in TEAM_ACTIONS:
        assert len(in_languages(f"team.button_{action}", langs, LABEL_JOIN)) <= BUTTON_TEXT_LIMIT
    long_name = "Hwb Gwyddorau Bywyd Cymru (Life Sciences Hub Wales)"
    assert len(in_languages("team.header", langs, LABEL_JOIN, org=long_name)) <= HEADER_LIMIT


def test_triage_blocks_in_both_languages_escape_the_innovators_text() -> None:
    referral = Referral(
        id="R1", user="T:U1", workspace="T", user_id="U1", organisation=ORG,
        organisation_name="Gwelliant Cymru", summary="<!here> & <https://x.test|click>",
        problem="p", stage="idea", user_organisation="o", help_wanted="h",
        consent={"given": True, "at": "2026-01-01T00:00:00"}, status="sent",
        history=[{"at": "2026-01-01T00:00:00", "status": "sent", "by": "U1"}], delivery={},
        idempotency="k")
    blocks = triage_blocks(referral, langs=TRIAGE_LANGUAGES["both"])
    text = str(blocks)
    assert "&lt;!here&gt; &amp; &lt;https://x.test|click&gt;" in text
    assert "<!here>" not in text
    label = in_languages("team.label_summary", ("cy", "en"), LABEL_JOIN)
    assert f"*{label}*" in text


@pytest.mark.parametrize(("value", "expected"), [("", "both"), ("cy", "cy"), ("EN", "en"),
                                                 (" both ", "both")])
def test_pathway_triage_language_setting(value: str, expected: str) -> None:
    settings = load_settings(environ={"PATHWAY_TRIAGE_LANGUAGE": value}, env_file=None)
    assert settings.triage_language == expected


def test_a_wrong_triage_language_is_named() -> None:
    with pytest.raises(SettingsError, match="PATHWAY_TRIAGE_LANGUAGE"):
        load_settings(environ={"PATHWAY_TRIAGE_LANGUAGE": "fr"}, env_file=None)


def test_an_organisation_sets_its_own_triage_language(slack_settings: Settings,
                                                     fake_slack: FakeSlack,
                                                     tmp_path: Path) -> None:
    from slack_fixtures import SlackBot, knowledge_dir

    copy = tmp_path / "knowledge"
    shutil.copytree(knowledge_dir(), copy)
    organisations = copy / "organisations.yaml"
    text = organisations.read_text(encoding="utf-8")
    marked = text.replace(f"  - id: {ORG}\n", f"  - id: {ORG}\n    triage_language: en\n", 1)
    assert marked != text
    organisations.write_text(marked, encoding="utf-8")
    holder = KnowledgeHolder(copy)
    assert holder.current.knowledge.organisation(ORG).triage_language == "en"
    running = SlackBot(dataclasses.replace(slack_settings, triage_channel=TRIAGE,
                                           triage_language="cy"), holder)
    try:
        prefer_welsh(running, fake_slack)
        team, told = send_referral(running, fake_slack)
    finally:
        running.stop()
    assert say("team.status_waiting", "en") in team.dump  # the team's own choice
    assert say("team.status_waiting", "cy") not in team.dump
    assert say("referral.where_default_channel", "cy") in told.dump  # the innovator's Welsh


def test_a_wrong_triage_language_in_the_knowledge_base_is_named(tmp_path: Path) -> None:
    from slack_fixtures import knowledge_dir

    copy = tmp_path / "knowledge"
    shutil.copytree(knowledge_dir(), copy)
    organisations = copy / "organisations.yaml"
    organisations.write_text(organisations.read_text(encoding="utf-8").replace(
        f"  - id: {ORG}\n", f"  - id: {ORG}\n    triage_language: welsh\n", 1), encoding="utf-8")
    result = check_knowledge(copy)
    assert result.knowledge is None
    assert any("triage_language" in str(problem) and "organisations.yaml" in str(problem)
               for problem in result.errors), [str(p) for p in result.errors]


def test_a_welsh_off_topic_look_alike_gets_the_welsh_off_topic_reply(
        bot: SlackBot, fake_slack: FakeSlack) -> None:
    """"llinell sylfaen" (baseline) reaches an entry, but the question is about a patient's
    obs: declined in Welsh, with where to go instead and no "did you mean" buttons."""
    question = "be di'r llinell sylfaen arferol ar gyfer sats claf COPD?"
    assert bot.probe(question).kind == "no_match"
    reply = dm_reply(bot, fake_slack, question)
    assert "y tu hwnt i'r hyn rwy'n ei drafod" in reply.dump
    assert "eich rheolwr llinell" in reply.dump
    assert "outside what I cover" not in reply.dump
    titles = {str(entry.title.get("cy")) for entry in bot.knowledge.current.knowledge.entries()}
    assert not titles & set(button_texts(reply))  # no entry offered as "did you mean"
