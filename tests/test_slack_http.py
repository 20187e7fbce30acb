"""The real app in HTTP mode on loopback, driven by signed Slack requests, against a fake API."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from fake_slack import FakeSlack, sign

from bot.store.users import UserStore

if TYPE_CHECKING:
    from slack_fixtures import SlackBot


TEAM = "T0PATHWAY"


def stored(bot: SlackBot, user: str = "U1") -> dict | None:
    """What the core keeps about a user, read straight from the database."""
    return UserStore(bot.database).peek(UserStore.key(TEAM, user))


def answered_question(bot: SlackBot) -> tuple[str, str]:
    """A question from the knowledge base's own examples, and the entry that answers it."""
    for example in bot.knowledge.current.knowledge.examples:
        reply = bot.probe(example.question)
        if example.expect and reply.kind == "answer" and reply.match:
            return example.question, reply.match.id
    raise AssertionError("no example question is answered by the test knowledge base")


def stage_with_checklist(bot: SlackBot) -> tuple[str, str, str]:
    """(stage id, stage title, first item id) of the first stage with a checklist."""
    stage = next(s for s in bot.knowledge.current.knowledge.stages if s.checklist)
    return stage.id, stage.title.get("en"), stage.checklist[0].id


def test_health_endpoint_and_unknown_paths(slack_bot: SlackBot) -> None:
    status, body = slack_bot.get("/healthz")
    assert status == 200
    assert json.loads(body)["status"] == "ok"
    assert slack_bot.get("/nothing-here")[0] == 404


def test_direct_message_question_is_answered(slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    question, entry_id = answered_question(slack_bot)
    assert slack_bot.dm(question) == 200
    [reply] = fake_slack.wait_for("chat.postMessage")
    assert reply.params["channel"] == "DU1"
    assert "thread_ts" not in reply.params
    assert reply.element("pw_feedback_yes")["value"] == entry_id
    assert reply.params["text"]  # notification text for clients that cannot show blocks


def test_mention_is_answered_in_thread_without_personal_state(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    stage_id, stage_title, _ = stage_with_checklist(slack_bot)
    slack_bot.dm(f"stage {stage_id}")
    fake_slack.wait_for("chat.postMessage")
    fake_slack.reset()
    for text in ("<@UBOT> me", "<@UBOT> checklist", "<@UBOT> stage spread"):
        slack_bot.event({"type": "app_mention", "user": "U1", "channel": "C1",
                         "text": text, "ts": "1700000000.000200"})
    replies = fake_slack.wait_for("chat.postMessage", count=3)
    for reply in replies:
        assert reply.params["channel"] == "C1"
        assert reply.params["thread_ts"] == "1700000000.000200"
        assert stage_title not in reply.dump
        assert "pw_tick" not in reply.dump
    assert stored(slack_bot)["stage"] == stage_id  # a mention never changes state


def test_bot_messages_edits_and_other_subtypes_are_ignored(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    base = {"type": "message", "channel_type": "im", "channel": "DU1", "ts": "1.1"}
    assert slack_bot.event({**base, "user": "U1", "text": "hi", "bot_id": "BOTHER"}) == 200
    assert slack_bot.event({**base, "subtype": "message_changed", "hidden": True,
                            "message": {"text": "edited"}}) == 200
    assert slack_bot.event({**base, "subtype": "message_deleted", "hidden": True}) == 200
    slack_bot.dm("hello", user="U2")
    fake_slack.wait_for("chat.postMessage")
    assert [c.params["channel"] for c in fake_slack.find("chat.postMessage")] == ["DU2"]


def test_checklist_ticked_in_ephemeral_persists_across_restart(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    stage_id, _, item_id = stage_with_checklist(slack_bot)
    assert slack_bot.command("/checklist", stage_id,
                             response_url=fake_slack.response_url("c1")) == 200
    [shown] = fake_slack.wait_for("response_url")
    box = shown.element("pw_tick")
    assert "initial_options" not in box
    slack_bot.action({"type": "checkboxes", "action_id": "pw_tick", "block_id": box["block_id"],
                      "selected_options": box["options"]},
                     container={"type": "message", "message_ts": "1.2", "channel_id": "C1",
                                "is_ephemeral": True},
                     response_url=fake_slack.response_url("tick"))
    [redrawn] = fake_slack.wait_for("response_url", lambda c: c.path.endswith("/tick"))
    assert redrawn.params["replace_original"] is True
    assert redrawn.element("pw_tick")["initial_options"]
    assert " of " in redrawn.dump and "done" in redrawn.dump

    slack_bot.restart()
    assert stored(slack_bot)["ticks"] == {stage_id: [item_id]}
    slack_bot.command("/checklist", stage_id, response_url=fake_slack.response_url("c2"))
    [again] = fake_slack.wait_for("response_url", lambda c: c.path.endswith("/c2"))
    assert again.element("pw_tick")["initial_options"]


def test_checklist_in_a_dm_is_updated_in_place(slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    stage_id, _, item_id = stage_with_checklist(slack_bot)
    slack_bot.dm(f"checklist {stage_id}")
    [posted] = fake_slack.wait_for("chat.postMessage")
    box = posted.element("pw_tick")
    slack_bot.action({"type": "checkboxes", "action_id": "pw_tick", "block_id": box["block_id"],
                      "selected_options": box["options"]},
                     container={"type": "message", "message_ts": "1700000001.000100",
                                "channel_id": "DU1", "is_ephemeral": False},
                     channel={"id": "DU1"}, message={"ts": "1700000001.000100", "blocks": []})
    [updated] = fake_slack.wait_for("chat.update")
    assert updated.params["channel"] == "DU1"
    assert updated.params["ts"] == "1700000001.000100"
    assert updated.element("pw_tick")["initial_options"]
    assert stored(slack_bot)["ticks"] == {stage_id: [item_id]}


def test_app_home_is_published_and_ticks_there_update_it(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    stage_id, _, item_id = stage_with_checklist(slack_bot)
    slack_bot.event({"type": "app_home_opened", "user": "U1", "channel": "DU1", "tab": "home"})
    [home] = fake_slack.wait_for("views.publish")
    assert home.params["user_id"] == "U1"
    assert home.params["view"]["type"] == "home"
    assert len(home.blocks) <= 100
    opener = home.element("pw_open_checklist")

    slack_bot.action({"type": "button", **opener},
                     container={"type": "view", "view_id": "VHOME"},
                     view={"id": "VHOME", "type": "home"})
    [modal] = fake_slack.wait_for("views.open")
    assert modal.params["view"]["type"] == "modal"
    box = modal.element("pw_tick")
    slack_bot.action({"type": "checkboxes", "action_id": "pw_tick", "block_id": box["block_id"],
                      "selected_options": box["options"]},
                     container={"type": "view", "view_id": "VMODAL"},
                     view={"id": "VMODAL", "type": "modal"})
    [updated] = fake_slack.wait_for("views.update")
    assert updated.element("pw_tick")["initial_options"]
    fake_slack.wait_for("views.publish", count=2)  # the Home tab follows the modal
    assert stored(slack_bot)["ticks"] == {stage_id: [item_id]}


def test_forged_and_expired_signatures_are_rejected(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    body = json.dumps({"type": "event_callback", "event_id": "EvFORGED", "team_id": TEAM,
                       "event": {"type": "message", "channel_type": "im", "channel": "DU1",
                                 "user": "U1", "text": "hello", "ts": "1.1"}})
    now = int(time.time())
    forged = sign(body, now, secret="0" * 32)
    assert slack_bot.post(body, "application/json", signature=forged)[0] == 401
    expired = now - 10 * 60
    assert slack_bot.post(body, "application/json", timestamp=expired,
                          signature=sign(body, expired))[0] == 401
    assert slack_bot.post(body, "application/json", signature="v0=")[0] == 401
    assert fake_slack.find("chat.postMessage") == []
    assert stored(slack_bot) is None


def test_repeated_event_is_answered_once_even_after_restart(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    assert slack_bot.dm("hello", event_id="EvDUPLICATE") == 200
    fake_slack.wait_for("chat.postMessage")
    assert slack_bot.dm("hello", event_id="EvDUPLICATE", retry_num=1) == 200
    assert slack_bot.dm("hello", event_id="EvDUPLICATE") == 200
    slack_bot.restart()
    assert slack_bot.dm("hello", event_id="EvDUPLICATE", retry_num=2) == 200
    slack_bot.dm("hello", user="U2")  # a marker: once it is answered, the repeats were not
    fake_slack.wait_for("chat.postMessage", lambda c: c.params["channel"] == "DU2")
    assert len(fake_slack.find("chat.postMessage", lambda c: c.params["channel"] == "DU1")) == 1
    assert len(stored(slack_bot)["history"]) == 1  # one state change, not three


def test_rate_limit_is_waited_out_and_reply_sent_once(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    fake_slack.fail_next(1, status=429, retry_after=1)
    slack_bot.dm("hello")
    delivered = fake_slack.wait_for("chat.postMessage", timeout=15)
    assert len(delivered) == 1
    assert len(fake_slack.find("chat.postMessage", status=429)) == 1


def test_server_errors_are_retried(slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    fake_slack.fail_next(2, status=500)
    slack_bot.dm("hello")
    assert len(fake_slack.wait_for("chat.postMessage", timeout=15)) == 1


def test_undeliverable_reply_is_logged_state_kept_and_others_served(
        slack_bot: SlackBot, fake_slack: FakeSlack, caplog) -> None:
    stage_id, _, _ = stage_with_checklist(slack_bot)
    fake_slack.fail_next(4, status=503)  # the first try and every retry
    slack_bot.dm(f"stage {stage_id}")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(fake_slack.find("chat.postMessage", status=503)) < 4:
        time.sleep(0.05)
    slack_bot.dm("hello", user="U2")
    fake_slack.wait_for("chat.postMessage", lambda c: c.params["channel"] == "DU2")
    assert stored(slack_bot)["stage"] == stage_id
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and "Could not handle" not in caplog.text:
        time.sleep(0.05)
    assert "Could not handle" in caplog.text


def test_channel_pings_typed_by_a_user_are_never_echoed_raw(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    slack_bot.dm("stage <!channel> <!here> <@U999> & co")
    [reply] = fake_slack.wait_for("chat.postMessage")
    sent = reply.dump + reply.params["text"]
    assert "&lt;!channel&gt;" in sent
    for raw in ("<!channel>", "<!here>", "<@U999>"):
        assert raw not in sent


def test_pathway_help_lists_every_command(slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    assert slack_bot.command("/pathway", "help", response_url=fake_slack.response_url()) == 200
    [shown] = fake_slack.wait_for("response_url")
    assert shown.params["response_type"] == "ephemeral"
    for usages, _ in slack_bot.pathway.command_help():
        [usage] = usages  # in English, one form each
        escaped = usage.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert f"/pathway {escaped}" in shown.dump
    assert "/checklist" in shown.dump


def test_pathway_forget_asks_first_then_deletes(slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    stage_id, _, _ = stage_with_checklist(slack_bot)
    slack_bot.command("/pathway", f"stage {stage_id}", response_url=fake_slack.response_url("s"))
    fake_slack.wait_for("response_url")
    slack_bot.command("/pathway", "forget", response_url=fake_slack.response_url("f"))
    [question] = fake_slack.wait_for("response_url", lambda c: c.path.endswith("/f"))
    assert stored(slack_bot)["stage"] == stage_id  # nothing deleted before the user confirms
    yes = question.element("pw_option")
    slack_bot.action({"type": "button", **yes},
                     container={"type": "message", "message_ts": "1.3", "channel_id": "C1",
                                "is_ephemeral": True},
                     response_url=fake_slack.response_url("yes"))
    fake_slack.wait_for("response_url", lambda c: c.path.endswith("/yes"))
    assert stored(slack_bot) is None


def test_feedback_button_is_stored_and_thanked(slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    question, entry_id = answered_question(slack_bot)
    slack_bot.dm(question)
    [answer] = fake_slack.wait_for("chat.postMessage")
    helped = answer.element("pw_feedback_yes")
    slack_bot.action({"type": "button", **helped},
                     container={"type": "message", "message_ts": "1700000002.000100",
                                "channel_id": "DU1", "is_ephemeral": False},
                     channel={"id": "DU1"},
                     message={"ts": "1700000002.000100", "text": answer.params["text"],
                              "blocks": answer.params["blocks"]})
    [thanked] = fake_slack.wait_for("chat.update")
    assert "pw_feedback" not in json.dumps(thanked.params["blocks"]).replace(
        '"block_id": "pw_feedback"', "")
    counts = [v for v in slack_bot.database.table("feedback").values() if v["entry"] == entry_id]
    assert [(c["helped"], c["not_helped"]) for c in counts] == [(1, 0)]


def test_very_long_message_gets_a_reply_within_block_kit_limits(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    slack_bot.dm("stage " + "<!channel> word & " * 2000)
    [reply] = fake_slack.wait_for("chat.postMessage")
    blocks = reply.params["blocks"]
    assert len(blocks) <= 50
    for block in blocks:
        assert len(block.get("text", {}).get("text", "")) <= 3000
    assert "<!channel>" not in reply.dump


def test_url_verification_challenge_is_answered(slack_bot: SlackBot) -> None:
    body = json.dumps({"token": "unused", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALW",
                       "type": "url_verification"})
    status, answer = slack_bot.post(body, "application/json")
    assert status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALW" in answer


def test_direct_messages_leave_the_inbox_once_applied(slack_bot: SlackBot,
                                                      fake_slack: FakeSlack) -> None:
    slack_bot.dm("stage prototype")
    fake_slack.wait_for("chat.postMessage")
    assert slack_bot.pathway.held_events() == 0


def test_a_message_acknowledged_before_a_crash_is_answered_after_restart(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    from bot.store.events import TABLE

    # What a crash leaves behind: the inbox holds a DM that Slack was told we received,
    # but its change was never made. (Written straight to the table, as the middleware does.)
    body = {"type": "event_callback", "team_id": TEAM, "event_id": "EvCRASHED1",
            "event": {"type": "message", "channel_type": "im", "channel": "DU7", "user": "U7",
                      "text": "stage evaluate", "ts": f"{time.time():.6f}"}}
    held = slack_bot.database.table(TABLE)
    held["EvCRASHED1"] = {"at": time.time(), "body": body}
    held["EvTOO_OLD"] = {"at": time.time() - 2 * 60 * 60, "body": body}
    fake_slack.reset()
    slack_bot.restart()  # start-up answers held messages before serving
    answers = fake_slack.find("chat.postMessage", lambda c: c.params["channel"] == "DU7")
    assert len(answers) == 1 and "stage 3" in answers[0].dump
    assert stored(slack_bot, "U7")["stage"] == "evaluate"
    assert slack_bot.pathway.held_events() == 0
    # Slack retries the event it never saw acknowledged: it is recognised, not answered twice.
    assert slack_bot.event(body["event"], event_id="EvCRASHED1", retry_num=1) == 200
    assert len(fake_slack.find("chat.postMessage", lambda c: c.params["channel"] == "DU7")) == 1


def test_a_message_is_marked_applied_in_the_same_commit_as_its_change(
        slack_bot: SlackBot) -> None:
    from bot.store.events import TABLE

    body = {"type": "event_callback", "team_id": TEAM, "event_id": "EvMARK1",
            "event": {"type": "message", "channel_type": "im", "channel": "DU5", "user": "U5",
                      "text": "stage evaluate", "ts": f"{time.time():.6f}"}}
    assert slack_bot.pathway.claim_event("EvMARK1", body)
    slack_bot.pathway.respond(TEAM, "U5", "stage evaluate", event_id="EvMARK1")
    held = slack_bot.database.table(TABLE)["EvMARK1"]
    assert held["applied"] is True and "reply" not in held  # the change, not yet its reply
    assert stored(slack_bot, "U5")["stage"] == "evaluate"


def test_a_change_made_whose_reply_was_lost_is_never_made_twice(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    from bot.store.events import TABLE

    slack_bot.dm("stage evaluate", user="U6")
    fake_slack.wait_for("chat.postMessage")
    slack_bot.dm("next stage", user="U6")  # evaluate -> adopt
    fake_slack.wait_for("chat.postMessage", count=2)
    # The commit marked it applied, then the store failed before its reply was kept.
    body = {"type": "event_callback", "team_id": TEAM, "event_id": "EvLOST1",
            "event": {"type": "message", "channel_type": "im", "channel": "DU6", "user": "U6",
                      "text": "next stage <!channel>", "ts": f"{time.time():.6f}"}}
    slack_bot.database.table(TABLE)["EvLOST1"] = {"at": time.time(), "body": body,
                                                  "applied": True}
    fake_slack.reset()
    slack_bot.restart()
    [told] = fake_slack.find("chat.postMessage", lambda c: c.params["channel"] == "DU6")
    assert "its reply was lost" in told.dump and "&lt;!channel&gt;" in told.dump
    assert "<!channel>" not in told.dump
    assert stored(slack_bot, "U6")["stage"] == "adopt"  # not moved on a second time
    assert slack_bot.pathway.held_events() == 0


def test_a_home_tab_opened_before_a_crash_is_published_after_restart(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    from bot.store.events import TABLE

    slack_bot.event({"type": "app_home_opened", "user": "U9", "channel": "DU9", "tab": "home"})
    fake_slack.wait_for("views.publish")
    assert slack_bot.pathway.held_events() == 0  # published, so released
    # A crash between the claim and the publish: Slack's retry would be dropped as a repeat,
    # so the held event is what brings the Home tab back.
    body = {"type": "event_callback", "team_id": TEAM, "event_id": "EvHOME1",
            "event": {"type": "app_home_opened", "user": "U9", "channel": "DU9",
                      "tab": "home"}}
    slack_bot.database.table(TABLE)["EvHOME1"] = {"at": time.time(), "body": body}
    fake_slack.reset()
    slack_bot.restart()
    [published] = fake_slack.find("views.publish")
    assert published.params["user_id"] == "U9"
    assert slack_bot.pathway.held_events() == 0
    assert slack_bot.event(body["event"], event_id="EvHOME1", retry_num=1) == 200
    assert len(fake_slack.find("views.publish")) == 1  # the retry is still a repeat


def test_a_message_applied_before_a_crash_is_not_applied_twice(
        slack_bot: SlackBot, fake_slack: FakeSlack) -> None:
    from bot.store.events import TABLE

    slack_bot.dm("stage evaluate", user="U8")
    fake_slack.wait_for("chat.postMessage")
    slack_bot.dm("next stage", user="U8")  # applied: evaluate -> adopt
    fake_slack.wait_for("chat.postMessage", count=2)
    assert stored(slack_bot, "U8")["stage"] == "adopt"
    # The crash came after the commit but before the reply went out: the inbox kept both.
    body = {"type": "event_callback", "team_id": TEAM, "event_id": "EvAPPLIED1",
            "event": {"type": "message", "channel_type": "im", "channel": "DU8", "user": "U8",
                      "text": "next stage", "ts": f"{time.time():.6f}"}}
    reply = {"channel": "DU8", "thread_ts": None, "text": "You're at stage 4",
             "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "stage 4"}}]}
    held = slack_bot.database.table(TABLE)
    held["EvAPPLIED1"] = {"at": time.time(), "body": body, "reply": reply}
    fake_slack.reset()
    slack_bot.restart()
    [resent] = fake_slack.find("chat.postMessage", lambda c: c.params["channel"] == "DU8")
    assert resent.params["text"] == "You're at stage 4"
    assert stored(slack_bot, "U8")["stage"] == "adopt"  # not moved on a second time
    assert slack_bot.pathway.held_events() == 0
