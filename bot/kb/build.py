"""Turn validated YAML data into the immutable model objects."""

from __future__ import annotations

from typing import Any

from bot.kb.model import (
    STAGE_IDS,
    ChecklistItem,
    Example,
    KnowledgeBase,
    Opening,
    Organisation,
    Signpost,
    Stage,
    Text,
    Topic,
    Vocabulary,
)
from bot.kb.problems import LoadedFile


def build_knowledge_base(files: list[LoadedFile], version: str, directory: str) -> KnowledgeBase:
    """Build the knowledge base from files that passed validation."""
    stages: list[Stage] = []
    organisations: list[Organisation] = []
    topics: list[Topic] = []
    examples: list[Example] = []
    signposts: list[Signpost] = []
    signpost_ids = {raw["id"] for loaded in files if loaded.kind == "signposts"
                    for raw in loaded.doc.data["signposts"]}
    for loaded in files:
        if loaded.kind in {"vocabulary", "glossary"}:
            continue
        items = loaded.doc.data[loaded.kind]
        for index, raw in enumerate(items):
            where = {"file": loaded.display, "line": loaded.doc.line_of([loaded.kind, index])}
            if loaded.kind == "stages":
                stages.append(_stage(raw, where))
            elif loaded.kind == "organisations":
                organisations.append(_organisation(raw, where))
            elif loaded.kind in {"topics", "guidance"}:
                kind = "topic" if loaded.kind == "topics" else "evaluation"
                topics.append(_topic(raw, kind, where))
            elif loaded.kind == "signposts":
                signposts.append(_signpost(raw, where))
            elif loaded.kind == "examples":
                examples.append(_example(raw, signpost_ids, where))
        if loaded.kind == "examples":
            for index, question in enumerate(loaded.doc.data.get("out_of_scope", [])):
                line = loaded.doc.line_of(["out_of_scope", index])
                examples.append(_out_of_scope(question, loaded.display, line))
    stages.sort(key=lambda stage: STAGE_IDS.index(stage.id))
    return KnowledgeBase(
        stages=tuple(stages),
        organisations=tuple(organisations),
        topics=tuple(topics),
        examples=tuple(examples),
        version=version,
        directory=directory,
        vocabulary=_vocabulary([f for f in files if f.kind == "vocabulary"]),
        signposts=tuple(signposts),
    )


def _example(raw: dict[str, Any], signpost_ids: set[str], where: dict[str, Any]) -> Example:
    """An example; one expecting a signpost must be declined by the content entries."""
    lang = raw.get("lang", "en")
    if raw["expect"] in signpost_ids:
        return Example(raw["q"], None, signpost=raw["expect"], lang=lang, **where)
    return Example(raw["q"], raw["expect"], lang=lang, **where)


def _out_of_scope(raw: str | dict[str, Any], file: str, line: int) -> Example:
    """A question to decline: a plain string (English) or ``{q: ..., lang: cy}``."""
    if isinstance(raw, str):
        return Example(raw, None, file, line)
    return Example(raw["q"], None, file, line, lang=raw.get("lang", "en"))


def _vocabulary(files: list[LoadedFile]) -> Vocabulary:
    """Context words, synonym groups, off-topic words, off-topic questions and openings
    of every vocabulary file, in file order."""
    context: dict[str, None] = {}
    synonyms: list[tuple[str, ...]] = []
    off_topic: dict[str, None] = {}
    questions: dict[str, None] = {}
    questions_cy: dict[str, None] = {}
    openings: list[Opening] = []
    for loaded in files:
        section = loaded.doc.data["vocabulary"] or {}
        context.update(dict.fromkeys(section.get("context_words", ())))
        synonyms += [tuple(group) for group in section.get("synonyms", ())]
        off_topic.update(dict.fromkeys(section.get("off_topic_words", ())))
        questions.update(dict.fromkeys(section.get("off_topic_questions", ())))
        questions_cy.update(dict.fromkeys(section.get("off_topic_questions_cy", ())))
        openings += [Opening(raw["entry"], (*raw.get("phrases", ()), *raw.get("phrases_cy", ())))
                     for raw in section.get("openings", ())]
    return Vocabulary(tuple(context), tuple(synonyms), tuple(off_topic), tuple(questions),
                      tuple(questions_cy), tuple(openings))


def _common(raw: dict[str, Any], kind: str, title: Any, where: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": raw["id"],
        "kind": kind,
        "title": Text.of(title),
        "phrasings": tuple(raw.get("phrasings", ())),
        "phrasings_cy": tuple(raw.get("phrasings_cy", ())),
        "keywords": tuple(raw.get("keywords", ())),
        "organisations": tuple(raw.get("organisations", ())),
        "source": raw["source"],
        "reviewed": raw["reviewed"],
        **where,
    }


def _texts(values: list[Any]) -> tuple[Text, ...]:
    return tuple(Text.of(value) for value in values)


def _topic(raw: dict[str, Any], kind: str, where: dict[str, Any]) -> Topic:
    return Topic(**_common(raw, kind, raw["title"], where), stage=raw.get("stage"),
                 answer=Text.of(raw["answer"]))


def _signpost(raw: dict[str, Any], where: dict[str, Any]) -> Signpost:
    return Signpost(**_common(raw, "signpost", raw["title"], where), stage=None,
                    answer=Text.of(raw["answer"]), any_length=bool(raw.get("any_length")))


def _stage(raw: dict[str, Any], where: dict[str, Any]) -> Stage:
    checklist = tuple(
        ChecklistItem(item["id"], Text.of(item["text"]), Text.of(item["help"]))
        for item in raw["checklist"]
    )
    return Stage(
        **_common(raw, "stage", raw["title"], where),
        stage=raw["id"],
        number=STAGE_IDS.index(raw["id"]) + 1,
        summary=Text.of(raw["summary"]),
        signs=_texts(raw["signs"]),
        checklist=checklist,
        next_steps=_texts(raw["next_steps"]),
    )


def _organisation(raw: dict[str, Any], where: dict[str, Any]) -> Organisation:
    return Organisation(
        **_common(raw, "organisation", raw["name"], where),
        stage=None,
        name=Text.of(raw["name"]),
        aliases=tuple(raw.get("aliases", ())),
        summary=Text.of(raw["summary"]),
        serves=Text.of(raw["serves"]),
        stages=tuple(raw["stages"]),
        topics=tuple(raw.get("topics", ())),
        url=raw["url"],
        scope=raw.get("scope", "wales"),
        triage_channel=raw.get("triage_channel"),
        triage_language=raw.get("triage_language"),
        referrals=raw.get("referrals", False),
        contact=Text.of(raw["contact"]) if "contact" in raw else None,
    )
