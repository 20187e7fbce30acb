"""Connect me Block Kit, built by pure functions: no Slack, no mocks."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from bot.channels.slack import referral_blocks as kit
from bot.channels.slack.blocks import (
    MODAL_TITLE_LIMIT,
    checklist_modal,
    contact_blocks,
    reply_blocks,
)
from bot.channels.slack.text import escape
from bot.core.referral import CONSENT_TEXT, FIELD_LIMITS, Referral
from bot.core.replies import ChecklistLine, ChecklistView, Contact, Reply
from bot.kb.model import KnowledgeBase, Text

STAGES = ["idea", "prototype", "evaluate", "adopt", "spread"]
HOSTILE = "<!channel> & <@U999> <https://evil.example|click>"


def referral(status: str = "sent", by: str = "pathway", **changes: Any) -> Referral:
    record = {"id": "R1234ABCD", "user": "T1:U0INNOV01", "organisation": "mhra",
              "organisation_name": "MHRA",
              "user_id": "U0INNOV01", "workspace": "T1", "summary": "A falls sensor",
              "problem": "Falls at night", "stage": "prototype",
              "user_organisation": "Powys Teaching Health Board", "help_wanted": "Evaluation",
              "status": status, "consent": {"given": True, "at": "2026-01-02T10:00:00+00:00"},
              "history": [{"at": "2026-01-03T09:00:00+00:00", "status": status, "by": by}],
              "delivery": {"attempts": 0, "last_error": None}, "idempotency": "",
              "suggested_organisation": None, "created": "2026-01-02T10:00:00+00:00",
              "updated": "2026-01-03T09:00:00+00:00"}
    return Referral.from_json({**record, **changes})


def strings(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def mrkdwn_texts(value: Any) -> str:
    """Every mrkdwn text object's text, at any depth, as one string."""
    if isinstance(value, list):
        return " ".join(mrkdwn_texts(item) for item in value)
    if not isinstance(value, dict):
        return ""
    own = value["text"] if value.get("type") == "mrkdwn" else ""
    return " ".join([own, *(mrkdwn_texts(item) for item in value.values())])


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def test_connect_modal_asks_every_field_within_the_stores_limits(
        bundled_kb: KnowledgeBase) -> None:
    org = bundled_kb.organisation("mhra")
    view = kit.connect_modal(org, bundled_kb.stages, None)
    assert view["type"] == "modal" and view["callback_id"] == kit.CONNECT_MODAL
    assert view["title"]["text"] == "Connect me" and view["submit"]
    assert json.loads(view["private_metadata"]) == {"org": "mhra"}
    fields = inputs(view)
    assert list(fields) == ["summary", "problem", "stage", "user_organisation", "help_wanted",
                            "consent"]
    for name in ("summary", "problem", "user_organisation", "help_wanted"):
        assert fields[name]["element"]["max_length"] == FIELD_LIMITS[name]
        assert not fields[name].get("optional")
    assert fields["summary"]["element"]["multiline"] is True
    assert fields["summary"]["element"]["max_length"] == 1500
    assert [o["value"] for o in fields["stage"]["element"]["options"]] == STAGES
    assert "initial_option" not in fields["stage"]["element"]


def test_connect_modal_fills_in_the_users_stage(bundled_kb: KnowledgeBase) -> None:
    view = kit.connect_modal(bundled_kb.organisation("mhra"), bundled_kb.stages, "evaluate")
    assert inputs(view)["stage"]["element"]["initial_option"]["value"] == "evaluate"


def test_consent_names_the_organisation_and_is_required(bundled_kb: KnowledgeBase) -> None:
    org = bundled_kb.organisation("improvement-cymru")
    consent = inputs(kit.connect_modal(org, bundled_kb.stages, None))["consent"]
    assert consent["label"]["text"] == CONSENT_TEXT.format(org="Improvement Cymru")
    assert consent["element"]["type"] == "checkboxes" and not consent.get("optional")
    assert all(len(o["text"]["text"]) <= 75 for o in consent["element"]["options"])


def filled(**changes: Any) -> dict[str, Any]:
    answers = {"summary": "Idea", "problem": "Problem", "stage": "idea",
               "user_organisation": "Board", "help_wanted": "Help", "consent": True}
    return {**answers, **changes}


def as_state(answers: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, value in answers.items():
        if name == "stage":
            state = {"type": "static_select",
                     "selected_option": {"value": value} if value else None}
        elif name == "consent":
            state = {"type": "checkboxes",
                     "selected_options": [{"value": kit.CONSENT_VALUE}] if value else []}
        else:
            state = {"type": "plain_text_input", "value": value}
        values[name] = {kit.FIELD_ACTION: state}
    return values


def test_submitted_values_read_slacks_state_shapes() -> None:
    assert kit.submitted_values(as_state(filled())) == filled()
    assert kit.submitted_values(as_state(filled(consent=False, stage=None)))["consent"] is False
    assert kit.submitted_values({})["summary"] == ""


@pytest.mark.parametrize(("changes", "field"), [
    ({"consent": False}, "consent"),
    ({"summary": "   "}, "summary"),
    ({"problem": None}, "problem"),
    ({"summary": "x" * 1501}, "summary"),
    ({"user_organisation": "y" * 201}, "user_organisation"),
    ({"stage": "launch-party"}, "stage"),
    ({"stage": ""}, "stage"),
])
def test_form_errors_name_the_field(changes: dict[str, Any], field: str) -> None:
    assert list(kit.form_errors(filled(**changes), STAGES)) == [field]


def test_a_complete_form_has_no_errors() -> None:
    assert kit.form_errors(filled(summary="x" * 1500), STAGES) == {}


def test_team_message_labels_every_field_and_escapes_user_text() -> None:
    record = referral(summary=HOSTILE, problem=HOSTILE, user_organisation=HOSTILE,
                      help_wanted=HOSTILE, organisation_name="A & B <Trust>")
    blocks = kit.triage_blocks(record, stage_title="2. Prototype and test")
    text = mrkdwn_texts(blocks)
    for raw in ("<!channel>", "<@U999>", "<https://evil", "<Trust>"):
        assert raw not in text
    assert text.count(escape(HOSTILE)) == 4
    assert blocks[0]["text"]["text"] == "Connect me: A & B <Trust>"  # plain_text, as typed
    assert "<@U0INNOV01>" in text  # our own mention of the innovator
    for label in kit.TEAM_LABELS.values():
        assert f"*{label}*" in text
    assert "2. Prototype and test" in text and "R1234ABCD" in text
    assert "consent on 2026-01-02" in text
    assert blocks[0]["type"] == "header"
    assert "<" not in kit.triage_text(record) and "A &amp; B" in kit.triage_text(record)


@pytest.mark.parametrize("status", ["pending", "sent", "more_info"])
def test_open_referrals_carry_the_three_team_buttons(status: str) -> None:
    [buttons] = [b for b in kit.triage_blocks(referral(status, by="U0TEAM01"))
                 if b["type"] == "actions"]
    assert [(e["action_id"], e["text"]["text"], e["value"]) for e in buttons["elements"]] == [
        ("pw_referral_accept", "Accept", "R1234ABCD"),
        ("pw_referral_more_info", "Needs more info", "R1234ABCD"),
        ("pw_referral_redirect", "Not for us, suggest another", "R1234ABCD")]


@pytest.mark.parametrize(("status", "shown"), [
    ("accepted", "*Accepted* by <@U0TEAM01> on 2026-01-03"),
    ("redirected", "*Not for us*: <@U0TEAM01> suggested *Improvement Cymru*"),
    ("withdrawn", "*Withdrawn by the innovator* on 2026-01-03"),
])
def test_closed_referrals_show_who_acted_and_lose_their_buttons(status: str, shown: str) -> None:
    by = "innovator" if status == "withdrawn" else "U0TEAM01"
    blocks = kit.triage_blocks(referral(status, by=by), suggested_name="Improvement Cymru")
    assert shown in strings(blocks)
    assert not [b for b in blocks if b["type"] == "actions"]


def test_more_info_shows_who_asked() -> None:
    text = strings(kit.triage_blocks(referral("more_info", by="U0TEAM01")))
    assert "*More information requested* by <@U0TEAM01>" in text


def test_who_acted_is_only_a_mention_when_it_is_a_slack_id() -> None:
    assert kit.mention("U0TEAM01") == "<@U0TEAM01>"
    assert kit.mention("<!channel>") == "&lt;!channel&gt;"
    assert kit.mention("pathway") == "pathway"


def test_redirect_modal_offers_every_other_organisation(bundled_kb: KnowledgeBase) -> None:
    view = kit.redirect_modal(referral(), bundled_kb.organisations, "C0TRIAGE01")
    assert view["callback_id"] == kit.REDIRECT_MODAL
    assert json.loads(view["private_metadata"]) == {"referral": "R1234ABCD",
                                                    "channel": "C0TRIAGE01"}
    [menu] = [b for b in view["blocks"] if b["type"] == "input"]
    offered = [o["value"] for o in menu["element"]["options"]]
    assert "mhra" not in offered
    assert len(offered) == len(bundled_kb.organisations) - 1
    assert all(len(o["text"]["text"]) <= 75 for o in menu["element"]["options"])
    assert kit.selected_organisation(
        {"organisation": {kit.FIELD_ACTION: {"selected_option": {"value": "x"}}}}) == "x"
    assert kit.selected_organisation({}) == ""


def test_redirect_modal_with_no_other_organisation_offers_no_empty_menu(
        bundled_kb: KnowledgeBase) -> None:
    only = [bundled_kb.organisation("mhra")]
    view = kit.redirect_modal(referral(), only, "C0TRIAGE01")
    assert not [b for b in view["blocks"] if b["type"] == "input"]
    assert "static_select" not in strings(view)
    assert "submit" not in view and view["close"]  # nothing to choose, so nothing to send


def test_menu_options_show_names_unescaped(bundled_kb: KnowledgeBase) -> None:
    rnd = dataclasses.replace(bundled_kb.organisation("improvement-cymru"), id="rnd",
                              name=Text.of("R&D <Wales>"))
    view = kit.redirect_modal(referral(), [bundled_kb.organisation("mhra"), rnd], None)
    [menu] = [b for b in view["blocks"] if b["type"] == "input"]
    assert [o["text"]["text"] for o in menu["element"]["options"]] == ["R&D <Wales>"]
    assert menu["element"]["options"][0]["text"]["type"] == "plain_text"


def modal_builders(kb: KnowledgeBase) -> dict[str, dict[str, Any]]:
    """Every modal Pathway opens, as built for the bundled knowledge base."""
    checklist = ChecklistView(stage_id="idea", stage_title="Idea", items=(
        ChecklistLine(number=1, id="need", text="Check the need", help="", done=False),))
    return {"connect": kit.connect_modal(kb.organisation("mhra"), kb.stages, None),
            "redirect": kit.redirect_modal(referral(), kb.organisations, "C1"),
            "checklist": checklist_modal(Reply("checklist", "", checklist=checklist))}


@pytest.mark.parametrize("name", ["connect", "redirect", "checklist"])
def test_every_modal_title_submit_and_close_fit_24_characters(
        name: str, bundled_kb: KnowledgeBase) -> None:
    view = modal_builders(bundled_kb)[name]
    labels = [view[key] for key in ("title", "submit", "close") if key in view]
    assert view["title"] and view["close"]
    for label in labels:
        assert label["type"] == "plain_text"
        assert 0 < len(label["text"]) <= MODAL_TITLE_LIMIT == 24


def test_home_lists_referrals_newest_first_with_withdraw_only_while_open() -> None:
    records = [referral("accepted", id="R00000001"), referral("sent", id="R00000002",
                                                              organisation_name=HOSTILE)]
    blocks = kit.referral_home_blocks(records)
    assert "*Your referrals*" in strings(blocks)
    lines = [b for b in blocks if b["type"] == "section"][1:]
    assert "R00000002" in lines[0]["text"]["text"] and "R00000001" in lines[1]["text"]["text"]
    assert lines[0]["accessory"]["value"] == "withdraw R00000002"
    assert lines[0]["accessory"]["action_id"].startswith("pw_option_")
    assert lines[0]["accessory"]["confirm"]
    assert "accessory" not in lines[1]
    assert "<!channel>" not in mrkdwn_texts(blocks)
    assert HOSTILE in lines[0]["accessory"]["confirm"]["text"]["text"]  # plain_text
    assert kit.referral_home_blocks([]) == []


def test_contacts_carry_a_connect_me_button() -> None:
    [block] = contact_blocks([Contact("lshw", "LSHW", "Innovation hub", "https://lshubwales.com",
                                      "wales", referrals=True)])
    assert block["accessory"]["action_id"] == "pw_connect"
    assert block["accessory"]["value"] == "lshw"
    assert block["accessory"]["text"]["text"] == "Connect me"


def test_what_i_keep_about_you_lists_referrals_readably() -> None:
    reply = Reply("data", "What I keep", data={"referrals": [referral(
        "more_info", organisation_name=HOSTILE).to_json()]})
    text = strings(reply_blocks(reply))
    assert "R1234ABCD: " in text and "the team asked for more information" in text
    assert "<!channel>" not in text
