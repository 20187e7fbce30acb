"""Block Kit builders: pure functions, tested on plain values without any Slack client."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.channels.outbox import OutboxDeliverer
from bot.channels.slack import blocks as kit
from bot.channels.slack.text import escape, shorten, split_text, strip_mentions, unescape
from bot.core.replies import (
    ChecklistLine,
    ChecklistView,
    Contact,
    MatchInfo,
    Option,
    Reply,
    StageProgress,
)
from bot.service import KnowledgeHolder, Pathway
from bot.store.database import Database

MATCH = MatchInfo(id="ethics-approval", title="Ethics approval", kind="topic", stage="idea",
                  score=88.0)


def view(done: tuple[bool, ...] = (True, False, False)) -> ChecklistView:
    items = tuple(ChecklistLine(number=n, id=f"item-{n}", text=f"Do thing {n}",
                                help="Why it matters", done=d)
                  for n, d in enumerate(done, start=1))
    return ChecklistView(stage_id="prototype", stage_title="Prototype and test", items=items)


def progress() -> tuple[StageProgress, ...]:
    titles = ("Idea", "Prototype", "Evaluate", "Adopt", "Spread")
    return tuple(StageProgress(id=t.lower(), number=n, title=t, done=n - 1, total=4,
                               current=n == 2) for n, t in enumerate(titles, start=1))


def texts(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def text_objects(value: Any, kind: str) -> list[str]:
    """The text of every text object of one kind ("mrkdwn" or "plain_text"), at any depth."""
    if isinstance(value, list):
        return [text for item in value for text in text_objects(item, kind)]
    if not isinstance(value, dict):
        return []
    own = [value["text"]] if value.get("type") == kind and "text" in value else []
    return own + [text for item in value.values() for text in text_objects(item, kind)]


def elements(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every interactive element (buttons, checkboxes) in the blocks."""
    found = []
    for block in blocks:
        found += block.get("elements", [])
        if "accessory" in block:
            found.append(block["accessory"])
    return [element for element in found if "action_id" in element]


def assert_within_message_limits(blocks: list[dict[str, Any]], limit: int = 50) -> None:
    assert len(blocks) <= limit
    for block in blocks:
        assert len(block.get("text", {}).get("text", "")) <= 3000
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        if block["type"] == "actions":
            assert len(block["elements"]) <= 25
    for element in elements(blocks):
        if element["type"] == "button":
            assert len(element["text"]["text"]) <= 75
            assert len(element["value"]) <= 2000


@pytest.mark.parametrize(("raw", "escaped"), [
    ("<!channel>", "&lt;!channel&gt;"),
    ("<@U123> & <!here>", "&lt;@U123&gt; &amp; &lt;!here&gt;"),
    ("R&D", "R&amp;D"),
    ("&lt;", "&amp;lt;"),
    ("plain *bold*\n• bullet", "plain *bold*\n• bullet"),
])
def test_escape_and_unescape_round_trip(raw: str, escaped: str) -> None:
    assert escape(raw) == escaped
    assert unescape(escape(raw)) == raw


def test_split_text_prefers_paragraphs_and_never_exceeds_limit() -> None:
    text = "\n\n".join(f"Paragraph {n} " + "word " * 150 for n in range(10))
    chunks = split_text(text, 1000)
    assert all(len(chunk) <= 1000 for chunk in chunks)
    assert all(chunk.startswith("Paragraph") for chunk in chunks[:3])
    assert "".join(chunks).replace(" ", "").replace("\n", "") == \
        text.replace(" ", "").replace("\n", "")


def test_cutting_never_splits_an_entity() -> None:
    text = escape("a" * 8 + "<" * 50)
    for limit in range(5, 40):
        assert not shorten(text, limit).rstrip("…").endswith(("&", "&l", "&lt", "&a", "&am"))
        assert all(not chunk.endswith(("&", "&l", "&lt")) for chunk in split_text(text, limit))


def test_strip_mentions_removes_user_mentions() -> None:
    assert strip_mentions("<@UBOT> what is <@U2|sam> doing?") == "what is doing?"


def test_reply_text_is_escaped_in_every_mrkdwn_field() -> None:
    reply = Reply("error", 'I don\'t know a stage called "<!channel>".', title="<!here>",
                  options=(Option("<@U1> yes", "say <!channel>"),), footer="<!everyone>")
    blocks = kit.reply_blocks(reply)
    mrkdwn = " ".join(text_objects(blocks, "mrkdwn")) + kit.fallback_text(reply)
    for raw in ("<!channel>", "<!everyone>"):
        assert raw not in mrkdwn
    assert "&lt;!channel&gt;" in mrkdwn and "&lt;!everyone&gt;" in mrkdwn
    assert [e["value"] for e in elements(blocks)] == ["say &lt;!channel&gt;"]


def test_plain_text_fields_are_shown_as_typed_not_escaped() -> None:
    reply = Reply("answer", "Ask your R&D office.", title="R&D <approvals>", match=MATCH,
                  options=(Option("R&D > ethics", "topic:rnd"),))
    blocks = kit.reply_blocks(reply)
    plain = text_objects(blocks, "plain_text")
    assert "R&D <approvals>" in plain and "R&D > ethics" in plain
    assert not [text for text in plain if "&amp;" in text or "&lt;" in text or "&gt;" in text]
    assert "Ask your R&amp;D office." in text_objects(blocks, "mrkdwn")


def test_very_long_answer_is_split_and_shortened_within_limits() -> None:
    reply = Reply("answer", ("A long paragraph about approvals. " * 90 + "\n\n") * 60,
                  title="T" * 400, match=MATCH, options=tuple(
                      Option(f"Option {n} " + "x" * 100, "v" * 3000 if n == 0 else f"say {n}")
                      for n in range(30)))
    blocks = kit.reply_blocks(reply)
    assert_within_message_limits(blocks)
    assert kit.SHORTENED_NOTE in texts(blocks)
    assert blocks[-1]["block_id"] == "pw_feedback"  # feedback survives the cut
    values = [e["value"] for e in elements(blocks) if e["action_id"].startswith("pw_option")]
    assert "v" * 3000 not in values and len(values) == 29


def test_answer_has_feedback_buttons_and_source_line() -> None:
    reply = Reply("answer", "Ask your R&D office.", title="Ethics approval", match=MATCH,
                  source="HRA", reviewed="2026-01-01")
    blocks = kit.reply_blocks(reply)
    feedback = [e for e in elements(blocks) if e["action_id"].startswith("pw_feedback")]
    assert [(e["action_id"], e["value"]) for e in feedback] == [
        ("pw_feedback_yes", "ethics-approval"), ("pw_feedback_no", "ethics-approval")]
    assert "Source: HRA · Reviewed 2026-01-01" in texts(blocks)
    assert "R&amp;D" in texts(blocks)


@pytest.mark.parametrize("kind", ["no_match", "help", "stage", "checklist"])
def test_only_answers_ask_for_feedback(kind: str) -> None:
    assert "pw_feedback" not in texts(kit.reply_blocks(Reply(kind, "text", match=MATCH)))


def test_suggestions_become_did_you_mean_buttons_once() -> None:
    other = MatchInfo(id="medical-device", title="Medical devices", kind="topic", stage=None,
                      score=50)
    reply = Reply("no_match", "Did you mean:", suggestions=(MATCH, other),
                  options=(Option("Ethics approval", "topic:ethics-approval"),))
    buttons = [e for e in elements(kit.reply_blocks(reply)) if e["type"] == "button"]
    assert [b["value"] for b in buttons] == ["topic:ethics-approval", "topic:medical-device"]
    assert len({b["action_id"] for b in buttons}) == 2  # unique within the actions block


def test_checklist_blocks_show_progress_next_item_and_ticks() -> None:
    blocks = kit.checklist_blocks(view())
    assert "1 of 3 done" in texts(blocks)
    assert "Next: 2. Do thing 2" in texts(blocks)
    boxes = [b for b in blocks if b.get("accessory", {}).get("type") == "checkboxes"]
    assert [kit.parse_tick_block_id(b["block_id"]) for b in boxes] == [
        ("prototype", "item-1"), ("prototype", "item-2"), ("prototype", "item-3")]
    assert [bool(b["accessory"].get("initial_options")) for b in boxes] == [True, False, False]
    assert boxes[0]["accessory"]["initial_options"] == boxes[0]["accessory"]["options"]


def test_checklist_all_done_says_so() -> None:
    assert "Everything at this stage is ticked" in kit.checklist_summary(view((True, True)))


@pytest.mark.parametrize("block_id", ["pw_feedback", "pw_tick|", "pw_tick|stage", "other|a|b"])
def test_parse_tick_block_id_rejects_other_blocks(block_id: str) -> None:
    assert kit.parse_tick_block_id(block_id) is None


def test_home_view_has_progress_buttons_checklist_and_fits() -> None:
    reply = Reply("overview", "You are at stage 2.", title="Your pathway", progress=progress(),
                  checklist=view(tuple([False] * 120)),
                  contacts=(Contact("hub", "Life Sciences Hub Wales", "Support",
                                    "https://x.y/?a=1&b=2", "wales"),),
                  options=(Option("Who can help?", "contacts prototype"),))
    home = kit.home_view(reply)
    assert home["type"] == "home"
    assert len(home["blocks"]) <= 100
    openers = [e for e in elements(home["blocks"]) if e["action_id"] == "pw_open_checklist"]
    assert [e["value"] for e in openers] == ["idea", "prototype", "evaluate", "adopt", "spread"]
    assert "you are here" in texts(home["blocks"])
    assert "<https://x.y/?a=1&amp;b=2|Life Sciences Hub Wales>" in texts(home["blocks"])


def test_contact_with_unsafe_url_is_not_linked() -> None:
    contact = Contact("x", "Evil", "s", "javascript:alert(1)|<!channel>", "uk")
    rendered = texts(kit.contact_blocks([contact]))
    assert "<!channel>" not in rendered and "javascript" not in rendered


def test_checklist_modal() -> None:
    modal = kit.checklist_modal(Reply("checklist", "", checklist=view()))
    assert modal["type"] == "modal"
    assert modal["private_metadata"] == "prototype"
    assert modal["title"]["type"] == modal["close"]["type"] == "plain_text"
    assert "submit" not in modal  # nothing to submit: ticks are saved as they are clicked


@pytest.mark.parametrize("text", ["Checklist", "A title far longer than Slack allows", "R&D"])
def test_modal_labels_fit_slacks_24_characters_unescaped(text: str) -> None:
    label = kit.modal_label(text)
    assert label["type"] == "plain_text" and len(label["text"]) <= 24
    assert label["text"] == text if len(text) <= 24 else label["text"].endswith("…")


def test_help_blocks_come_from_the_command_list() -> None:
    blocks = kit.help_blocks([(("stage <name>",), "tell me your stage"),
                              (("fi", "me"), "beth rydw i'n ei gadw")])
    rendered = texts(blocks)
    assert "`/pathway stage &lt;name&gt;` — tell me your stage" in rendered
    assert "`/pathway fi` / `/pathway me` — beth rydw i'n ei gadw" in rendered
    assert "/checklist" in rendered


def test_with_feedback_thanks_replaces_only_the_buttons() -> None:
    blocks = kit.reply_blocks(Reply("answer", "Text", match=MATCH))
    thanked = kit.with_feedback_thanks(blocks, "Thanks <3")
    assert "pw_feedback_yes" not in texts(thanked)
    assert thanked[0] == blocks[0]
    assert thanked[-1] == kit.context("Thanks &lt;3")


def test_fallback_text_is_short_and_escaped() -> None:
    reply = Reply("answer", "\n<!channel> " + "x" * 1000, title="Title")
    text = kit.fallback_text(reply)
    assert len(text) <= 300
    assert text.startswith("Title: &lt;!channel&gt;")


def test_confirmation_shows_the_destructive_option_in_red() -> None:
    reply = Reply("confirm", "Delete everything?", options=(Option("Yes, delete", "yes"),
                                                            Option("No", "no")))
    buttons = [e for e in elements(kit.reply_blocks(reply)) if e["type"] == "button"]
    assert [b.get("style") for b in buttons] == ["danger", None]


def shown_texts(value: Any) -> str:
    """Every text a user reads in blocks (mrkdwn and plain_text), one per line."""
    if isinstance(value, dict):
        found = [value["text"]] if isinstance(value.get("text"), str) else []
        return "\n".join(found + [shown_texts(v) for v in value.values()
                                  if isinstance(v, (dict, list))])
    if isinstance(value, list):
        return "\n".join(shown_texts(v) for v in value)
    return ""


def test_referral_referrals_and_me_show_no_raw_data_in_slack(engine_holder: KnowledgeHolder,
                                                              database: Database,
                                                              tmp_path: Path) -> None:
    pathway = Pathway(engine_holder, database,
                      deliverer=OutboxDeliverer(tmp_path / "outbox.jsonl"))
    for line in ("stage prototype", "tick 1", "connect Improvement Cymru",
                 "A falls sensor", "Falls at night", "yes", "Powys", "Help to evaluate it"):
        pathway.respond("T1", "U1", line)
    sent, listed, me = (pathway.respond("T1", "U1", line) for line in ("yes", "referrals", "me"))
    for reply in (sent, listed, me):
        shown = shown_texts(kit.reply_blocks(reply))
        assert "idempotency" not in shown and "{" not in shown and "T1:U1" not in shown
    assert "went to the team at Improvement Cymru" in shown_texts(kit.reply_blocks(sent))
    me_shown = shown_texts(kit.reply_blocks(me))
    assert "Ticked, by stage:*\n• prototype: 1" in me_shown
    assert ": Improvement Cymru, sent, waiting for the team" in me_shown
