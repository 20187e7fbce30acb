"""Block Kit built from core replies. Pure functions: plain values in, plain dicts out.

Every piece of mrkdwn is escaped, whether it came from a user or the knowledge base;
plain_text (buttons, headers, options, modal labels) is shown as it is, so it is not. Every
block respects Slack's limits, so a long answer is split or shortened, never rejected.
Each builder takes ``lang``, the language of the reply it frames ("en" or "cy"), so the
buttons and labels Slack adds around a reply read in the same language as the reply.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from bot.channels.slack.text import escape, plain, shorten, split_text
from bot.core.measure import project as shape
from bot.core.measure.conversation import day_text, number_text
from bot.core.replies import ChecklistLine, ChecklistView, Contact, Option, Reply, StageProgress
from bot.core.views import kept_lines
from bot.core.wording import say

Block = dict[str, Any]

MESSAGE_BLOCK_LIMIT = 50
HOME_BLOCK_LIMIT = 100
SECTION_TEXT_LIMIT = 3000
CONTEXT_TEXT_LIMIT = 2000
HEADER_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
OPTION_TEXT_LIMIT = 75
ACTIONS_ELEMENT_LIMIT = 25
BLOCK_ID_LIMIT = 255
MODAL_TITLE_LIMIT = 24  # a modal's title, submit and close labels alike
FALLBACK_LIMIT = 300

OPTION_ACTION = "pw_option"
FEEDBACK_ACTION = "pw_feedback"
TICK_ACTION = "pw_tick"
OPEN_CHECKLIST_ACTION = "pw_open_checklist"
TICK_BLOCK_PREFIX = "pw_tick|"
CHECKLIST_MODAL = "pw_checklist_modal"
CONNECT_ACTION = "pw_connect"
LANGUAGE_ACTION = "pw_language"
PLAN_ACTION = "pw_plan_open"  # App Home's "Edit the plan": the plan modal
LOG_ACTION = "pw_log_open"  # App Home's "Log data": the data modal
SHORTENED_NOTE = say("slack.shortened")  # in English; fit_blocks says it in the reply's language
LANGUAGES = ("cy", "en")  # App Home's toggle, in this order
_SCOPES = frozenset({"wales", "uk", "england"})
_SAFE_URL = re.compile(r"https?://[^\s<>|\"]+")


def mrkdwn(text: str) -> Block:
    """A mrkdwn text object; text must already be escaped."""
    return {"type": "mrkdwn", "text": text}


def section(text: str) -> Block:
    """A section of already-escaped mrkdwn, shortened to Slack's limit."""
    return {"type": "section", "text": mrkdwn(shorten(text, SECTION_TEXT_LIMIT))}


def context(text: str) -> Block:
    """A small grey line of already-escaped mrkdwn."""
    return {"type": "context", "elements": [mrkdwn(shorten(text, CONTEXT_TEXT_LIMIT))]}


def modal_label(text: str) -> Block:
    """A modal's title, submit or close label, shortened to Slack's 24 characters."""
    return {"type": "plain_text", "text": plain(text, MODAL_TITLE_LIMIT)}


def header(title: str) -> Block:
    """A header block."""
    return {"type": "header", "text": {"type": "plain_text", "text": plain(title, HEADER_LIMIT)}}


def text_sections(text: str) -> list[Block]:
    """Escaped text as one or more sections, split at paragraphs to fit Slack's limit."""
    return [section(chunk) for chunk in split_text(escape(text), SECTION_TEXT_LIMIT)]


def button(label: str, action_id: str, value: str, style: str | None = None) -> Block:
    """A button; the label is shortened, the value escaped (unescape it on receipt)."""
    element: Block = {"type": "button", "action_id": action_id,
                      "text": {"type": "plain_text", "text": plain(label, BUTTON_TEXT_LIMIT)},
                      "value": escape(value)}
    if style:
        element["style"] = style
    return element


def actions(elements: Sequence[Block], block_id: str | None = None) -> list[Block]:
    """Buttons as actions blocks of at most 25 elements each."""
    blocks = []
    for start in range(0, len(elements), ACTIONS_ELEMENT_LIMIT):
        block: Block = {"type": "actions", "elements": list(elements[start:start + 25])}
        if block_id:
            block["block_id"] = f"{block_id}_{start // ACTIONS_ELEMENT_LIMIT}"
        blocks.append(block)
    return blocks


def option_buttons(options: Iterable[Option], confirm: bool = False) -> list[Block]:
    """Quick replies as buttons; each click sends option.say to the engine.

    In a confirmation the first option is the destructive one, so it is shown in red.
    """
    return [button(option.label, f"{OPTION_ACTION}_{index}", option.say,
                   style="danger" if confirm and index == 0 else None)
            for index, option in enumerate(options)
            if len(escape(option.say)) <= BUTTON_VALUE_LIMIT]


def reply_options(reply: Reply) -> list[Option]:
    """The reply's options plus a "did you mean" option for each suggestion not already offered."""
    offered = {option.say for option in reply.options}
    extra = [Option(label=match.title, say=f"topic:{match.id}") for match in reply.suggestions]
    return list(reply.options) + [option for option in extra if option.say not in offered]


def feedback_blocks(entry_id: str, lang: str = "en") -> list[Block]:
    """"This helped / this didn't help" buttons for a knowledge base answer."""
    return [{
        "type": "actions", "block_id": "pw_feedback",
        "elements": [button(f"👍 {say('slack.feedback_yes', lang)}", f"{FEEDBACK_ACTION}_yes",
                            entry_id),
                     button(f"👎 {say('slack.feedback_no', lang)}", f"{FEEDBACK_ACTION}_no",
                            entry_id)],
    }]


def source_line(reply: Reply, lang: str = "en") -> str | None:
    """Where an answer comes from and when it was reviewed, escaped, if known."""
    parts = []
    if reply.source:
        parts.append(say("slack.source", lang, source=escape(reply.source)))
    if reply.reviewed:
        parts.append(say("slack.reviewed", lang, reviewed=escape(reply.reviewed)))
    return " · ".join(parts) or None


def contact_blocks(contacts: Sequence[Contact], lang: str = "en") -> list[Block]:
    """One section per organisation, with its link when safe, and a "Connect me" button
    where the organisation takes warm introductions (otherwise how to contact it)."""
    return [{**section(_contact_text(contact, lang)),
             "accessory": button(say("slack.connect_me", lang), CONNECT_ACTION, contact.id)}
            if contact.referrals else section(_contact_text(contact, lang))
            for contact in contacts]


def _contact_text(contact: Contact, lang: str = "en") -> str:
    name = escape(contact.name)
    if _SAFE_URL.fullmatch(contact.url or ""):
        name = f"<{contact.url.replace('&', '&amp;')}|{name}>"
    scope = (say(f"slack.scope_{contact.scope}", lang) if contact.scope in _SCOPES
             else escape(contact.scope))
    how = (f"\n{escape(say('contacts.how', lang, how=contact.how_to_contact))}"
           if contact.how_to_contact and not contact.referrals else "")
    return f"*{name}* ({scope})\n{escape(contact.summary)}{how}"


def referral_lines(referrals: Sequence[dict[str, Any]], lang: str = "en") -> str:
    """A user's referrals, one escaped line each: id, organisation, status and date."""
    return "\n".join(escape(say("referrals.line", lang, id=r["id"], org=r["organisation_name"],
                                 status=say(f"status.{r['status']}", lang),
                                 updated=r["updated"][:10]))
                      for r in referrals)


def progress_line(stage: StageProgress, lang: str = "en") -> str:
    """One stage as a line: number, title, ticks done, and a marker if it is the user's."""
    marker = "👉 " if stage.current else ("✅ " if stage.total and stage.done == stage.total
                                          else "▫️ ")
    here = f"  {say('slack.you_are_here', lang)}" if stage.current else ""
    progress = say("checklist.progress", lang, done=stage.done, total=stage.total)
    return f"{marker}*{stage.number}. {escape(stage.title)}* — {progress}{here}"


def progress_blocks(progress: Sequence[StageProgress], with_buttons: bool = False,
                    lang: str = "en") -> list[Block]:
    """The five stages and how far through each the user is."""
    if not with_buttons:
        lines = "\n".join(progress_line(stage, lang) for stage in progress)
        return [section(lines)] if progress else []
    blocks = []
    for stage in progress:
        block = section(progress_line(stage, lang))
        block["accessory"] = button(say("slack.open_checklist", lang), OPEN_CHECKLIST_ACTION,
                                    stage.id)
        blocks.append(block)
    return blocks


def checklist_summary(view: ChecklistView, lang: str = "en") -> str:
    """ "3 of 7 done" and the next item, escaped."""
    line = f"*{say('checklist.progress', lang, done=view.done, total=view.total)}*"
    if view.next_item:
        next_text = f"{view.next_item.number}. {escape(view.next_item.text)}"
        return f"{line} · {say('checklist.next', lang, text=next_text)}"
    return f"{line} · {say('slack.all_ticked', lang)} 🎉" if view.total else line


def tick_block_id(stage_id: str, item_id: str) -> str:
    """The block id that carries which stage and item a checkbox ticks."""
    return f"{TICK_BLOCK_PREFIX}{stage_id}|{item_id}"[:BLOCK_ID_LIMIT]


def parse_tick_block_id(block_id: Any) -> tuple[str, str] | None:
    """(stage id, item id) from a checkbox's block id, or None if it is not one."""
    if not isinstance(block_id, str) or not block_id.startswith(TICK_BLOCK_PREFIX):
        return None
    stage_id, _, item_id = block_id[len(TICK_BLOCK_PREFIX):].partition("|")
    return (stage_id, item_id) if stage_id and item_id else None


def checklist_item_block(stage_id: str, item: ChecklistLine, lang: str = "en") -> Block:
    """One checklist item with a "Done" checkbox beside it."""
    text = f"*{item.number}.* {escape(item.text)}"
    if item.help:
        text += f"\n_{escape(item.help)}_"
    done = {"text": mrkdwn(say("slack.done", lang)), "value": shorten(item.id, 150)}
    checkbox: Block = {"type": "checkboxes", "action_id": TICK_ACTION, "options": [done]}
    if item.done:
        checkbox["initial_options"] = [done]
    block = section(text)
    block["block_id"] = tick_block_id(stage_id, item.id)
    block["accessory"] = checkbox
    return block


def checklist_blocks(view: ChecklistView, item_limit: int = 40, lang: str = "en"
                     ) -> list[Block]:
    """A stage's checklist as interactive checkboxes, with "3 of 7 done" and the next item."""
    blocks = [section(f"*{say('checklist.title', lang, title=escape(view.stage_title))}*"),
              context(checklist_summary(view, lang))]
    blocks += [checklist_item_block(view.stage_id, item, lang)
               for item in view.items[:item_limit]]
    if len(view.items) > item_limit:
        blocks.append(context(say("slack.more_items", lang, count=len(view.items) - item_limit,
                                  stage=escape(view.stage_id))))
    return blocks


def fit_blocks(head: list[Block], body: list[Block], tail: list[Block], limit: int,
               lang: str = "en") -> list[Block]:
    """Head, body and tail within limit blocks, cutting the body and saying so if needed."""
    if len(head) + len(body) + len(tail) <= limit:
        return head + body + tail
    room = max(limit - len(head) - len(tail) - 1, 0)
    return (head + body[:room] + [context(say("slack.shortened", lang))] + tail)[:limit]


def reply_blocks(reply: Reply, limit: int = MESSAGE_BLOCK_LIMIT, lang: str = "en"
                 ) -> list[Block]:
    """A whole reply as message blocks, within Slack's limits, framed in ``lang``."""
    head = [header(reply.title)] if reply.title else []
    body = text_sections(reply.text)
    tail: list[Block] = []
    if reply.checklist and reply.kind != "tick":  # a tick says what changed, not the list
        tail += checklist_blocks(reply.checklist, item_limit=limit // 2, lang=lang)
    tail += progress_blocks(reply.progress, lang=lang)
    tail += contact_blocks(reply.contacts[:10], lang)
    if reply.kind == "data" and reply.data:
        # The details of what is kept, as lines; no other reply shows its data.
        tail += text_sections("\n".join(kept_lines(reply.data, lang)))
    notes = [line for line in (source_line(reply, lang), escape(reply.footer or "")) if line]
    if notes:
        tail.append(context("\n".join(notes)))
    tail += actions(option_buttons(reply_options(reply), confirm=reply.kind == "confirm"))
    if reply.kind == "answer" and reply.match:
        tail += feedback_blocks(reply.match.id, lang)
    return fit_blocks(head, body, tail, limit, lang)


def fallback_text(reply: Reply) -> str:
    """The short notification text shown where blocks cannot be, escaped."""
    first_line = next((line for line in reply.text.splitlines() if line.strip()), "")
    text = f"{reply.title}: {first_line}" if reply.title else first_line
    return shorten(escape(text.strip() or "Pathway"), FALLBACK_LIMIT)


def home_view(reply: Reply, extra: Sequence[Block] = (), lang: str = "en") -> Block:
    """The App Home tab: stage, progress, checklist, contacts, extra sections, options and
    the language toggle, in the user's saved language."""
    head = [header(reply.title or say("slack.home_title", lang))]
    body = text_sections(reply.text) if reply.text else []
    tail = progress_blocks(reply.progress, with_buttons=True, lang=lang)
    if reply.checklist:
        tail += [{"type": "divider"}, *checklist_blocks(reply.checklist, 40, lang)]
    if reply.contacts:
        tail += [{"type": "divider"}, section(f"*{say('slack.who_can_help', lang)}*"),
                 *contact_blocks(reply.contacts[:10], lang)]
    tail += extra
    tail += actions(option_buttons(reply_options(reply)))
    if reply.footer:
        tail.append(context(escape(reply.footer)))
    tail += language_blocks(lang)
    return {"type": "home", "blocks": fit_blocks(head, body, tail, HOME_BLOCK_LIMIT, lang)}


def measure_line(measure: dict[str, Any], lang: str = "en") -> str:
    """One measure as a line: its name, kind and latest reading, escaped."""
    kind = say(f"measure.kind_{measure['kind'] or 'unknown'}", lang)
    if not measure["readings"]:
        return escape(say("measure.list_line_empty", lang, measure=measure["name"], kind=kind))
    latest = measure["readings"][-1]
    return escape(say("measure.list_line", lang, measure=measure["name"], kind=kind,
                      count=len(measure["readings"]), value=number_text(latest["value"]),
                      day=day_text(date.fromisoformat(latest["on"]), lang)))


def measure_home_blocks(projects: Any, lang: str = "en") -> list[Block]:
    """App Home's "Your measures": the current project's measures and latest readings, with
    buttons opening the plan and data modals.

    ``projects`` is the stored value as it is; damaged entries are left out. A user with no
    measures yet sees what the section is for, and the same two buttons to start.
    """
    project = shape.current(shape.clean(projects))
    name = project["name"] if project else ""
    planned = project is not None and bool(project["measures"])
    buttons = [button(say("slack.plan_button" if planned else "slack.plan_start_button", lang),
                      PLAN_ACTION, name),
               button(say("slack.log_button", lang), LOG_ACTION, name)]
    header = [{"type": "divider"}, section(f"*{escape(say('slack.your_measures', lang))}*")]
    if not planned:
        return [*header, section(escape(say("slack.measures_intro", lang))), *actions(buttons)]
    title = say("measure.list_title", lang, project=project["name"])
    lines = "\n".join(measure_line(measure, lang) for measure in project["measures"])
    return [*header, *[section(chunk) for chunk in split_text(f"{escape(title)}\n{lines}",
                                                              SECTION_TEXT_LIMIT)],
            *actions(buttons)]


def language_label(code: str) -> str:
    """A language's name in that language ("Cymraeg", "English"): the toggle's button."""
    return say(f"language.name_{code}", code)


def language_blocks(lang: str) -> list[Block]:
    """App Home's language toggle: which language is chosen, and a button for each."""
    chosen = say(f"language.name_{lang}", lang)
    buttons = [button(language_label(code), f"{LANGUAGE_ACTION}_{code}", code,
                      style="primary" if code == lang else None) for code in LANGUAGES]
    return [{"type": "divider"}, section(escape(say("me.language", lang, language=chosen))),
            {"type": "actions", "block_id": LANGUAGE_ACTION, "elements": buttons}]


def checklist_modal(reply: Reply, lang: str = "en") -> Block:
    """A modal holding one stage's checklist, opened from App Home."""
    blocks = (checklist_blocks(reply.checklist, 90, lang) if reply.checklist
              else text_sections(reply.text))
    stage_id = reply.checklist.stage_id if reply.checklist else ""
    return {"type": "modal", "callback_id": CHECKLIST_MODAL, "private_metadata": stage_id,
            "title": modal_label(say("slack.checklist", lang)),
            "close": modal_label(say("slack.close", lang)),
            "blocks": blocks[:HOME_BLOCK_LIMIT]}


def help_blocks(commands: Sequence[tuple[Sequence[str], str]], lang: str = "en"
                ) -> list[Block]:
    """/pathway help, built from the core's own list of commands."""
    lines = [f"• {' / '.join(f'`/pathway {escape(usage)}`' for usage in usages)} — "
             f"{escape(description)}" for usages, description in commands]
    lines.append(f"• `/checklist [stage]` — {say('slack.help_checklist', lang)}")
    return [header(say("slack.help_title", lang)), *text_sections_escaped("\n".join(lines)),
            context(say("slack.help_intro", lang))]


def text_sections_escaped(text: str) -> list[Block]:
    """Already-escaped text as sections split to fit."""
    return [section(chunk) for chunk in split_text(text, SECTION_TEXT_LIMIT)]


def with_feedback_thanks(blocks: Sequence[Block], thanks: str) -> list[Block]:
    """A posted message's blocks with the feedback buttons replaced by a thank-you line."""
    return [context(escape(thanks)) if block.get("block_id") == "pw_feedback" else block
            for block in blocks]
