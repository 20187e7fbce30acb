"""Block Kit for "Connect me": the innovator's modal, the team's triage message, App Home lines.

Pure functions: plain values in, plain dicts out. The innovator's pieces are in the
innovator's language (``lang``); the team's message is in the team's languages (``langs``:
one, or Welsh and English side by side, PATHWAY_TRIAGE_LANGUAGE). Everything the innovator
typed goes into mrkdwn, escaped; the only markup we add is our own (bold labels, <@U…>
mentions of ids Slack gave us). plain_text (labels, options, titles) is shown as it is, so
it is not escaped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from bot.channels.slack.blocks import (
    OPTION_ACTION,
    OPTION_TEXT_LIMIT,
    Block,
    actions,
    button,
    context,
    header,
    modal_label,
    referral_lines,
    section,
)
from bot.channels.slack.payloads import items, optional_text, part
from bot.channels.slack.text import escape, plain, shorten
from bot.core.referral import FIELD_LIMITS, OPEN_STATUSES, Referral
from bot.core.wording import say
from bot.kb.model import Organisation, Stage

CONNECT_MODAL = "pw_connect_modal"
REDIRECT_MODAL = "pw_redirect_modal"
TEAM_ACTION_PREFIX = "pw_referral_"
TEAM_ACTIONS = ("accept", "more_info", "redirect")
CONSENT_VALUE = "consent"
FIELD_ACTION = "value"  # every input's action_id; the block_id names the field
INPUT_TEXT_LIMIT = 2000
STATIC_SELECT_LIMIT = 100

# (field, multiline): the order the modal asks and the team reads. The form's label for a
# field is the catalogue's "form.label_<field>"; the team's is TEAM_LABEL_KEYS[field].
FIELDS: tuple[tuple[str, bool], ...] = (
    ("summary", True),
    ("problem", True),
    ("stage", False),
    ("user_organisation", False),
    ("help_wanted", True),
)
TEAM_LABEL_KEYS = {"summary": "team.label_summary", "problem": "connect.label_problem",
                   "stage": "connect.label_stage",
                   "user_organisation": "team.label_user_organisation",
                   "help_wanted": "connect.label_help_wanted"}
TEAM_LABELS = {name: say(key) for name, key in TEAM_LABEL_KEYS.items()}
_USER_ID = re.compile(r"[UW][A-Z0-9]{1,20}")
# PATHWAY_TRIAGE_LANGUAGE: the languages of the team's message, in the order shown.
TRIAGE_LANGUAGES: dict[str, tuple[str, ...]] = {"cy": ("cy",), "en": ("en",),
                                                "both": ("cy", "en")}
LABEL_JOIN, SENTENCE_JOIN = " / ", "\n"


def in_languages(key: str, langs: Sequence[str], joiner: str = SENTENCE_JOIN,
                 **values: Any) -> str:
    """A catalogue text in each of langs, joined (once only where the languages agree)."""
    return joiner.join(dict.fromkeys(say(key, lang, **values) for lang in langs))


def _plain(text: str, limit: int = 150) -> Block:
    return {"type": "plain_text", "text": plain(text, limit)}


def _option(label: str, value: str) -> Block:
    return {"text": _plain(label, OPTION_TEXT_LIMIT), "value": value[:150]}


def mention(user_id: str) -> str:
    """A Slack mention for an id Slack gave us, or the escaped text if it is not one."""
    return f"<@{user_id}>" if _USER_ID.fullmatch(user_id or "") else escape(user_id or "")


# --- the innovator's modal -----------------------------------------------------------------------

def connect_modal(org: Organisation, stages: Sequence[Stage], current_stage: str | None,
                  lang: str = "en") -> Block:
    """The "Connect me" form for one organisation, stage pre-filled, consent required."""
    org_name = org.name.get(lang)
    blocks = [section(say("form.intro", lang, org=escape(org_name)))]
    for name, multiline in FIELDS:
        if name == "stage":
            blocks.append(stage_input(stages, current_stage, lang))
        else:
            blocks.append(text_input(name, say(f"form.label_{name}", lang), multiline))
    consent = _option(say("form.consent_option", lang), CONSENT_VALUE)
    blocks.append({"type": "input", "block_id": "consent",
                   "label": _plain(say("referral.consent", lang, org=org_name),
                                   INPUT_TEXT_LIMIT),
                   "element": {"type": "checkboxes", "action_id": FIELD_ACTION,
                               "options": [consent]}})
    return {"type": "modal", "callback_id": CONNECT_MODAL,
            "private_metadata": json.dumps({"org": org.id}),
            "title": modal_label(say("slack.connect_me", lang)),
            "submit": modal_label(say("form.send", lang)),
            "close": modal_label(say("form.cancel", lang)),
            "blocks": blocks}


def text_input(name: str, label: str, multiline: bool) -> Block:
    """A required text box for one field, limited to what the store accepts."""
    return {"type": "input", "block_id": name, "label": _plain(label),
            "element": {"type": "plain_text_input", "action_id": FIELD_ACTION,
                        "multiline": multiline, "max_length": FIELD_LIMITS[name]}}


def stage_input(stages: Sequence[Stage], current_stage: str | None, lang: str = "en") -> Block:
    """A menu of the stages, with the user's own stage chosen if we know it."""
    options = [_option(f"{stage.number}. {stage.title.get(lang)}", stage.id) for stage in stages]
    element: Block = {"type": "static_select", "action_id": FIELD_ACTION, "options": options}
    chosen = next((o for o, s in zip(options, stages, strict=True) if s.id == current_stage),
                  None)
    if chosen is not None:
        element["initial_option"] = chosen
    return {"type": "input", "block_id": "stage", "label": _plain(say("form.label_stage", lang)),
            "element": element}


def submitted_values(values: dict[str, Any]) -> dict[str, Any]:
    """The form's answers from a view_submission's state.values (text as typed, not escaped).

    BadPayload if a field has the wrong type (Slack sends every one as documented).
    """
    answers: dict[str, Any] = {}
    for name, _ in FIELDS:
        field = part(values, name, FIELD_ACTION)
        chosen = part(field, "selected_option") if name == "stage" else field
        answers[name] = optional_text(chosen, "value") or ""
    boxes = items(part(values, "consent", FIELD_ACTION), "selected_options")
    answers["consent"] = any(box.get("value") == CONSENT_VALUE for box in boxes)
    return answers


def form_errors(answers: dict[str, Any], stage_ids: Sequence[str],
                lang: str = "en") -> dict[str, str]:
    """Slack's per-field errors for a submitted form; empty when it can be sent."""
    errors = {}
    for name, _ in FIELDS:
        value = str(answers.get(name) or "").strip()
        if not value:
            errors[name] = say("form.error_empty", lang)
        elif len(value) > FIELD_LIMITS[name]:
            errors[name] = say("form.error_too_long", lang, limit=FIELD_LIMITS[name])
        elif name == "stage" and value not in stage_ids:
            errors[name] = say("form.error_stage", lang)
    if not answers.get("consent"):
        errors["consent"] = say("form.error_consent", lang)
    return errors


# --- the receiving team's message --------------------------------------------------------------

def triage_blocks(referral: Referral, stage_title: str | None = None,
                  suggested_name: str | None = None,
                  langs: Sequence[str] = ("en",)) -> list[Block]:
    """The referral as the team sees it, with its status and, while open, the team's buttons."""
    org = escape(referral.organisation_name)
    if referral.user_id:
        intro = in_languages("team.intro", langs, user=mention(referral.user_id), org=org,
                             id=escape(referral.id))
    else:  # a Redraw's: the innovator asked Pathway to forget them
        intro = in_languages("team.intro_forgotten", langs, org=org, id=escape(referral.id))
    blocks = [header(in_languages("team.header", langs, LABEL_JOIN,
                                  org=referral.organisation_name)),
              section(intro)]
    if referral.status == "withdrawn":
        # Consent is withdrawn with the referral: the innovator's details leave the channel.
        blocks.append(context(in_languages("team.details_removed", langs)))
    else:
        for name, _ in FIELDS:
            value = (stage_title or referral.stage) if name == "stage" else getattr(referral, name)
            label = in_languages(TEAM_LABEL_KEYS[name], langs, LABEL_JOIN)
            blocks.append(section(f"*{label}*\n{escape(str(value))}"))
        consent = referral.consent or {}
        blocks.append(context(in_languages("team.consent_on", langs,
                                           date=escape(str(consent.get("at", ""))[:10]))))
    blocks.append(section(status_text(referral, suggested_name, langs)))
    if referral.status in OPEN_STATUSES:
        blocks += team_buttons(referral.id, langs)
    return blocks


def triage_text(referral: Referral, langs: Sequence[str] = ("en",)) -> str:
    """The notification text for the team's message, escaped, without mentions."""
    ids = {"id": referral.id, "org": referral.organisation_name}
    if referral.status in {"pending", "sent"}:
        return shorten(escape(in_languages("team.notification_new", langs, LABEL_JOIN, **ids)),
                       300)
    return shorten(escape(LABEL_JOIN.join(dict.fromkeys(
        say("team.notification", lang, **ids, status=say(f"status.{referral.status}", lang))
        for lang in langs))), 300)


def status_text(referral: Referral, suggested_name: str | None = None,
                langs: Sequence[str] = ("en",)) -> str:
    """Where the referral stands for the team, and who moved it there."""
    last = (referral.history or [{}])[-1]
    by, on = mention(str(last.get("by", ""))), escape(str(last.get("at", ""))[:10])
    status = referral.status
    if status == "withdrawn":
        return f":no_entry_sign: {in_languages('team.status_withdrawn', langs, on=on)}"
    if status == "accepted":
        return f":white_check_mark: {in_languages('team.status_accepted', langs, by=by, on=on)}"
    if status == "more_info":
        return f":speech_balloon: {in_languages('team.status_more_info', langs, by=by, on=on)}"
    if status == "redirected":
        lines = []
        for lang in langs:
            other = escape(suggested_name or referral.suggested_organisation
                           or say("team.another_organisation", lang))
            lines.append(say("team.status_redirected", lang, by=by, other=other, on=on))
        return f":leftwards_arrow_with_hook: {SENTENCE_JOIN.join(dict.fromkeys(lines))}"
    return in_languages("team.status_waiting", langs)


def team_buttons(referral_id: str, langs: Sequence[str] = ("en",)) -> list[Block]:
    """Accept / Needs more info / Not for us, suggest another."""
    styles = {"accept": "primary"}
    return actions([button(in_languages(f"team.button_{a}", langs, LABEL_JOIN),
                           f"{TEAM_ACTION_PREFIX}{a}", referral_id, style=styles.get(a))
                    for a in TEAM_ACTIONS], block_id="pw_referral")


def redirect_modal(referral: Referral, organisations: Sequence[Organisation],
                   channel: str | None, lang: str = "en") -> Block:
    """"Not for us": the team picks the organisation to suggest instead."""
    others = [o for o in organisations if o.id != referral.organisation]
    options = [_option(o.name.get(lang), o.id) for o in others][:STATIC_SELECT_LIMIT]
    view = {"type": "modal", "callback_id": REDIRECT_MODAL,
            "private_metadata": json.dumps({"referral": referral.id, "channel": channel}),
            "title": modal_label(say("team.redirect_title", lang)),
            "close": modal_label(say("form.cancel", lang)),
            "blocks": [section(say("team.redirect_question", lang, id=escape(referral.id)))]}
    if options:  # Slack rejects a menu with no options: with nobody else, there is no choice
        view["submit"] = modal_label(say("team.redirect_submit", lang))
        view["blocks"].append({"type": "input", "block_id": "organisation",
                               "label": _plain(say("team.redirect_label", lang)),
                               "element": {"type": "static_select",
                                           "action_id": FIELD_ACTION, "options": options}})
    return view


def selected_organisation(values: dict[str, Any]) -> str:
    """The organisation id chosen in the redirect modal, or ''."""
    chosen = part(values, "organisation", FIELD_ACTION, "selected_option")
    return optional_text(chosen, "value") or ""


# --- the innovator's view ---------------------------------------------------------------------

def referral_home_blocks(referrals: Sequence[Referral], lang: str = "en",
                         limit: int = 10) -> list[Block]:
    """App Home's "Your referrals": each one's status, with Withdraw while it is open."""
    if not referrals:
        return []
    latest = list(reversed(referrals))[:limit]
    blocks: list[Block] = [{"type": "divider"}, section(f"*{say('referrals.title', lang)}*")]
    for index, referral in enumerate(latest):
        block = section(referral_lines([referral.to_json()], lang))
        if referral.status in OPEN_STATUSES:
            # A quick reply like any other: the click says "withdraw <id>" to the engine.
            withdraw = button(say("referrals.withdraw", lang), f"{OPTION_ACTION}_{index}",
                              f"withdraw {referral.id}", style="danger")
            withdraw["confirm"] = {
                "title": _plain(say("referral.withdraw_title", lang)),
                "confirm": _plain(say("referrals.withdraw", lang)),
                "deny": _plain(say("referral.withdraw_keep", lang)),
                "text": _plain(say("referral.withdraw_text", lang,
                                   org=referral.organisation_name), 300)}
            block["accessory"] = withdraw
        blocks.append(block)
    if len(referrals) > limit:
        blocks.append(context(say("referral.older", lang, count=len(referrals) - limit)))
    return blocks
