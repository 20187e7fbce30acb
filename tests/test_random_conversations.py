"""Random conversations, seeded: commands with odd arguments, control characters, mentions,
huge and empty messages, from several users at once. Every reply must come back, fit
Slack's limits when drawn as blocks, escape what could ping, and leave state readable."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from bot.channels.slack.blocks import fallback_text, home_view, reply_blocks
from bot.service import Pathway

ODD = ["", " ", "\x00", "\u200b", "\u202e", "e\u0301", "🙂", "<!channel>", "<!here|here>",
       "<@U123>", "&amp;", "&lt;", "*bold*", "`code`", "```", "> quote", "\n", "\t", "\r\n",
       "ŵŷ", "ﬁ", "٣", "１２", "-0", "1e309", "nan", "inf", "0x10", "9" * 40, "-5", ".5",
       "1,5", "2026-02-30", "2026-13-01", "31/12/2026", "9999-12-31", "ddoe", "'", '"', "\\",
       "%s", "{0}", "a" * 3000, "x " * 2000]
WORDS = ["weight", "falls", "my measure", "project", "ward 3", "ethics", "patent", "app",
         "funding", "cymeradwyaeth", "yes", "no", "ie", "na", "1", "2", "10", "every", "days",
         "weeks", "stop"]
HEADS = ["tick", "untick", "log", "unlog", "chart", "xmr", "baseline", "measures", "plan",
         "pdsa", "new project", "export plan", "remind me", "stop reminders", "connect",
         "referrals", "withdraw", "stage", "checklist", "contacts", "evaluate", "next",
         "stages", "me", "forget me", "reset", "Cymraeg", "English", "iaith", "research check",
         "which stage am I at?", "help", "cancel", "yes", "no", "1", "2", "ticio",
         "rhestr wirio", "anghofia fi", "helo", "diolch"]
PINGS = ("<!channel", "<!here", "<@U123>")


def message(rng: random.Random) -> str:
    def piece() -> str:
        roll = rng.random()
        if roll < 0.35:
            return rng.choice(ODD)
        if roll < 0.8:
            return rng.choice(WORDS)
        return "".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(rng.randrange(1, 8)))

    roll = rng.random()
    if roll < 0.5:
        return " ".join([rng.choice(HEADS), *(piece() for _ in range(rng.randrange(4)))])
    if roll < 0.7:
        return " ".join(piece() for _ in range(rng.randrange(1, 12)))
    if roll < 0.8:
        return rng.choice(ODD) * rng.randrange(1, 50)
    return rng.choice(HEADS)


def assert_fits_slack(blocks: list[dict[str, Any]], limit: int) -> None:
    assert len(blocks) <= limit
    block_ids = [block["block_id"] for block in blocks if "block_id" in block]
    assert len(block_ids) == len(set(block_ids))
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict):
            assert 0 < len(text["text"]) <= (150 if block["type"] == "header" else 3000)
            if text["type"] == "mrkdwn":
                assert not any(ping in text["text"] for ping in PINGS)
        for element in block.get("elements", ()):
            if block["type"] == "context":
                assert 0 < len(element["text"]) <= 3000
                assert not any(ping in element["text"] for ping in PINGS)
            if element.get("type") == "button":
                assert 0 < len(element["text"]["text"].strip()) <= 75
                assert len(element.get("value", "")) <= 2000
        if block["type"] == "actions":
            ids = [element["action_id"] for element in block["elements"]]
            assert 0 < len(ids) <= 25 and len(ids) == len(set(ids))


@pytest.mark.parametrize("seed", [1, 2])
def test_random_conversations_never_break_a_reply_or_the_state(bundled: Pathway,
                                                               seed: int) -> None:
    rng = random.Random(seed)
    users = [f"U{n}" for n in range(4)]
    for step in range(250):
        user, text = rng.choice(users), message(rng)
        reply = bundled.respond("T1", user, text, private=rng.random() < 0.8)
        assert reply.text.strip() or reply.title or reply.options, (step, reply.kind)
        lang = bundled.language("T1", user)
        assert_fits_slack(reply_blocks(reply, lang=lang), 50)
        assert 0 < len(fallback_text(reply)) <= 40_000
        if step % 10 == 0:
            assert_fits_slack(home_view(bundled.dashboard("T1", user), lang=lang)["blocks"],
                              100)
        json.dumps(bundled.kept("T1", user))  # what `me` shows still reads
