"""Build Reply values from the knowledge base and a user's state. No I/O, no Slack."""

from __future__ import annotations

from bot.core.replies import (
    ChecklistLine,
    ChecklistView,
    Contact,
    MatchInfo,
    Option,
    Reply,
    StageProgress,
)
from bot.core.user import HISTORY_LIMIT, UserState
from bot.core.wording import say
from bot.kb.model import Entry, KnowledgeBase, Organisation, Stage, Topic


def match_info(entry: Entry, score: float, lang: str = "en") -> MatchInfo:
    """The public description of a matched entry."""
    return MatchInfo(entry.id, entry.title.get(lang), entry.kind, entry.stage, score)


def contact(org: Organisation, lang: str = "en") -> Contact:
    """An organisation as a contact card."""
    how = org.contact.get(lang) if org.contact is not None else ""
    return Contact(org.id, org.name.get(lang), org.summary.get(lang), org.url, org.scope,
                   org.referrals, how)


def checklist_view(stage: Stage, state: UserState, lang: str = "en") -> ChecklistView:
    """The stage's checklist with the user's ticks."""
    ticked = state.ticked(stage.id)
    lines = tuple(
        ChecklistLine(number, item.id, item.text.get(lang), item.help.get(lang), item.id in ticked)
        for number, item in enumerate(stage.checklist, start=1)
    )
    return ChecklistView(stage.id, stage.title.get(lang), lines)


def progress(kb: KnowledgeBase, state: UserState, lang: str = "en") -> tuple[StageProgress, ...]:
    """Each stage with how much of its checklist the user has ticked."""
    return tuple(
        StageProgress(stage.id, stage.number, stage.title.get(lang),
                      len(state.ticked(stage.id) & {i.id for i in stage.checklist}),
                      len(stage.checklist), stage.id == state.stage)
        for stage in kb.stages
    )


def next_stage(kb: KnowledgeBase, stage: Stage) -> Stage | None:
    """The stage after this one, if any."""
    return kb.stages[stage.number] if stage.number < len(kb.stages) else None


SHORT_LIST = 5  # a list in a chat message: the most relevant few, and "more" for the rest


def checklist_reply(stage: Stage, state: UserState, lang: str = "en",
                    lead: str | None = None) -> Reply:
    """A stage's checklist, with progress and the next item."""
    view = checklist_view(stage, state, lang)
    lines = [lead] if lead else []
    lines.append(say("checklist.progress", lang, done=view.done, total=view.total))
    if view.next_item:
        lines.append(say("checklist.next", lang, text=view.next_item.text))
    else:
        lines.append(say("checklist.complete", lang))
    options = [Option(say("option.contacts", lang), f"contacts {stage.id}")]
    following = next_stage_option(state, stage, view, lang)
    if following:
        options.insert(0, following)
    return Reply("checklist", "\n".join(lines), title=say("checklist.title", lang,
                 title=stage.title.get(lang)), checklist=view, options=tuple(options),
                 footer=say("checklist.how", lang))


def tick_reply(stage: Stage, state: UserState, lead: str, lang: str = "en") -> Reply:
    """After a tick: what changed, the progress and the next item, not the whole checklist."""
    view = checklist_view(stage, state, lang)
    lines = [lead, say("checklist.progress", lang, done=view.done, total=view.total)]
    if view.next_item:
        lines.append(say("checklist.next", lang, text=f"{view.next_item.number}. "
                                                     f"{view.next_item.text}"))
    else:
        lines.append(say("checklist.complete", lang))
    options = [Option(say("option.show_checklist", lang, title=stage.title.get(lang)),
                      f"checklist {stage.id}")]
    following = next_stage_option(state, stage, view, lang)
    if following:
        options.insert(0, following)
    # The view rides along as data (which checklist "tick 3" means next); it is not shown.
    return Reply("tick", "\n".join(lines), options=tuple(options), checklist=view)


def next_stage_option(state: UserState, stage: Stage, view: ChecklistView,
                      lang: str) -> Option | None:
    """Offer to move on when the user's current stage is complete."""
    if state.stage == stage.id and view.next_item is None and stage.number < 5:
        return Option(say("option.next_stage", lang), "next stage")
    return None


def contacts_reply(title: str, lead: str, orgs: list[Organisation], lang: str = "en",
                   more: str | None = None) -> Reply:
    """A list of organisations to talk to: the first few, and ``more`` to see the rest."""
    shown = orgs if more is None else orgs[:SHORT_LIST]
    cards = tuple(contact(org, lang) for org in shown)
    options = ((Option(say("option.more_contacts", lang, count=len(orgs) - len(shown)), more),)
               if len(shown) < len(orgs) and more else ())
    return Reply("contacts", lead, title=say("contacts.title", lang, what=title), contacts=cards,
                 options=options)


def entry_reply(kb: KnowledgeBase, entry: Entry, score: float, lang: str = "en") -> Reply:
    """The answer for a matched entry: a topic's answer, a stage's or an organisation's summary."""
    info = match_info(entry, score, lang)
    source = {"source": entry.source, "reviewed": entry.reviewed}
    if isinstance(entry, Stage):
        return _stage_answer(entry, info, lang, source)
    if isinstance(entry, Organisation):
        return _organisation_answer(entry, info, lang, source)
    assert isinstance(entry, Topic)
    orgs = [o for o in (kb.organisation(i) for i in entry.organisations) if o]
    # The contacts are shown with the answer already; offer the stage's checklist instead.
    stage = kb.stage(entry.stage) if entry.stage else None
    options = ((Option(say("answer.stage_checklist_named", lang, title=stage.title.get(lang)),
                       f"checklist {stage.id}"),) if stage else ())
    return Reply("answer", entry.answer.get(lang), title=entry.title.get(lang), match=info,
                 contacts=tuple(contact(o, lang) for o in orgs), options=options, **source)


def _stage_answer(stage: Stage, info: MatchInfo, lang: str, source: dict) -> Reply:
    lines = [stage.summary.get(lang), "", say("answer.stage_signs", lang)]
    lines += [f"• {sign.get(lang)}" for sign in stage.signs]
    lines += ["", say("answer.stage_checklist_count", lang, total=len(stage.checklist),
                      id=stage.id)]
    options = (Option(say("answer.stage_set", lang), f"stage {stage.id}"),
               Option(say("answer.stage_checklist", lang), f"checklist {stage.id}"))
    return Reply("answer", "\n".join(lines), title=f"{stage.number}. {stage.title.get(lang)}",
                 match=info, options=options, **source)


def _organisation_answer(org: Organisation, info: MatchInfo, lang: str, source: dict) -> Reply:
    lines = [org.summary.get(lang), say("answer.org_serves", lang, serves=org.serves.get(lang)),
             say("answer.org_url", lang, url=org.url)]
    if org.scope == "england":
        lines.append(say("contacts.england", lang))
    return Reply("answer", "\n".join(lines), title=org.name.get(lang), match=info,
                 contacts=(contact(org, lang),), **source)


def about_me(state: UserState | None, stored: dict | None, kb: KnowledgeBase,
             lang: str = "en") -> Reply:
    """Everything kept about the user, summarised and as the exact stored JSON."""
    if state is None or stored is None:
        return Reply("data", say("me.nothing", lang), title=say("me.title", lang))
    none = say("me.none", lang)
    stage = kb.stage(state.stage) if state.stage else None
    ticks = sum(len(v) for v in state.ticks.values())
    topic = kb.get(state.last_topic) if state.last_topic else None
    text = say("me.summary", lang,
               stage=stage.title.get(lang) if stage else none,
               ticks=ticks, topic=topic.title.get(lang) if topic else none,
               history=len(state.history), limit=HISTORY_LIMIT,
               created=state.created, updated=state.updated)
    name = say(f"language.name_{state.lang}", lang) if state.lang in ("en", "cy") else state.lang
    text += "\n" + say("me.language", lang, language=name)
    return Reply("data", text, title=say("me.title", lang), data=stored,
                 footer=say("me.footer", lang),
                 options=(Option(say("option.forget", lang), "forget me"),))


RECENT_KEPT = 5


def kept_lines(data: dict, lang: str = "en") -> list[str]:
    """What is kept about a user ("me" data) as readable lines: ticks, messages, referrals."""
    state = data.get("state") if isinstance(data.get("state"), dict) else data
    lines: list[str] = []
    ticks = {stage: items for stage, items in (state.get("ticks") or {}).items() if items}
    if ticks:
        lines.append(say("me.ticks_title", lang))
        lines += [say("me.ticks_line", lang, stage=stage, count=len(items))
                  for stage, items in ticks.items()]
    recent = (state.get("history") or [])[-RECENT_KEPT:]
    if recent:
        lines.append(say("me.recent_title", lang, count=len(recent)))
        lines += [say("me.recent_line", lang, at=str(m.get("at", ""))[:16].replace("T", " "),
                      text=m.get("text", "")) for m in recent]
    referrals = data.get("referrals") or []
    if referrals:
        lines.append(say("me.referrals_title", lang))
        lines += [referral_line(r, lang) for r in referrals]
    return lines


def referral_line(referral: dict, lang: str = "en") -> str:
    """One referral as a line: id, organisation, status and date."""
    return say("referrals.line", lang, id=referral["id"], org=referral["organisation_name"],
               status=say(f"status.{referral['status']}", lang),
               updated=referral["updated"][:10])
