"""Ticking and unticking checklist items by number, by words, or as a set (Slack checkboxes)."""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from bot.core import intents, views
from bot.core.replies import Reply
from bot.core.user import UserState
from bot.core.wording import say
from bot.kb.model import KnowledgeBase, Stage

ITEM_TEXT_CUTOFF = 70


def apply_ticks(kb: KnowledgeBase, state: UserState, arg: str, done: bool) -> Reply:
    """Tick (or untick) the items ``arg`` names on the user's stage, or on a named stage."""
    lang = state.lang
    stage, rest = _stage_and_rest(kb, state, arg)
    if stage is None:
        return Reply("error", say("tick.no_stage", lang))
    item_ids = _resolve_items(stage, rest)
    if not item_ids:
        return Reply("error", say("tick.unknown", lang, text=rest, title=stage.title.get(lang),
                                  total=len(stage.checklist)),
                     checklist=views.checklist_view(stage, state, lang))
    ticked = state.ticked(stage.id)
    changed = [i for i in item_ids if (i in ticked) != done]
    new = ticked | set(item_ids) if done else ticked - set(item_ids)
    store_ticks(state, stage, new)
    if not changed:
        lead = say("tick.already" if done else "tick.not_ticked", lang)
    else:
        names = ", ".join(f"{n}. {stage.checklist[n - 1].text.get(lang)}"
                          for n, _ in _numbered(stage, changed))
        lead = say("tick.done" if done else "tick.undone", lang, items=names)
    return views.tick_reply(stage, state, lead, lang)


def set_ticks(kb: KnowledgeBase, state: UserState, stage_id: str, item_ids: set[str]) -> Reply:
    """Make exactly ``item_ids`` ticked on a stage (unknown ids are ignored)."""
    stage = kb.stage(stage_id)
    if stage is None:
        names = ", ".join(s.id for s in kb.stages)
        return Reply("error", say("stage.unknown", state.lang, text=stage_id, stages=names))
    store_ticks(state, stage, item_ids)
    return views.checklist_reply(stage, state, state.lang)


def store_ticks(state: UserState, stage: Stage, item_ids: set[str]) -> None:
    """Keep ticks in checklist order; ids the stage does not have are not added.

    A tick stored for an item the knowledge base no longer has (an admin renamed or removed
    it, perhaps by mistake) is kept, after the others, so it is back the moment the item is.
    Progress counts only the items the checklist has, and ``forget me`` removes them all.
    """
    known = {item.id for item in stage.checklist}
    ordered = [item.id for item in stage.checklist if item.id in item_ids]
    ordered += [i for i in state.ticks.get(stage.id, ()) if i not in known and i not in ordered]
    if ordered:
        state.ticks[stage.id] = ordered
    else:
        state.ticks.pop(stage.id, None)


def _numbered(stage: Stage, item_ids: list[str]) -> list[tuple[int, str]]:
    return [(n, item.id) for n, item in enumerate(stage.checklist, start=1) if item.id in item_ids]


def _stage_and_rest(kb: KnowledgeBase, state: UserState, arg: str) -> tuple[Stage | None, str]:
    first, _, rest = arg.strip().partition(" ")
    named = intents.stage_id(first) if rest and not first.isdigit() else None
    if named:
        return kb.stage(named), rest.strip()
    return checklist_in_view(kb, state), arg.strip()


def checklist_in_view(kb: KnowledgeBase, state: UserState) -> Stage | None:
    """The stage a bare "tick 2" means: the checklist the user saw last, else their own stage."""
    for stage_id in (state.last_checklist, state.stage, state.last_topic):
        stage = kb.stage(stage_id) if stage_id else None
        if stage is not None:
            return stage
    return None


def _resolve_items(stage: Stage, text: str) -> list[str]:
    numbers = re.fullmatch(r"#?\d+(?:\s*(?:,|&|and|ac|a|\s)\s*#?\d+)*", text.strip())
    if numbers:
        picked = [int(n) for n in re.findall(r"\d+", text)]
        if all(1 <= n <= len(stage.checklist) for n in picked):
            return [stage.checklist[n - 1].id for n in picked]
        return []
    by_id = stage.item(text.strip())
    if by_id:
        return [by_id.id]
    texts = {item.id: item.text.get("en") for item in stage.checklist}
    best = process.extractOne(text, texts, scorer=fuzz.token_set_ratio,
                              processor=default_process, score_cutoff=ITEM_TEXT_CUTOFF)
    return [best[2]] if best else []
