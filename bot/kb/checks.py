"""Checks the schema cannot express: unique ids, references (openings' included), stage
coverage, dates, off-topic words that entries use themselves, and Welsh against the
glossary (welsh.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.kb.model import STAGE_IDS
from bot.kb.problems import LoadedFile, Problem
from bot.kb.welsh import check_welsh

STALE_AFTER_DAYS = 365
ENTRY_KINDS = {"stages": "stage", "organisations": "organisation", "topics": "topic",
               "guidance": "evaluation", "signposts": "signpost"}


def check_semantics(files: list[LoadedFile], problems: list[Problem],
                    today: str | None = None) -> None:
    """Append every cross-file problem (and stale-review warnings) to ``problems``."""
    def report(loaded: LoadedFile, path: list, message: str, severity: str = "error") -> None:
        problems.append(Problem(loaded.display, loaded.doc.line_of(path), message, severity))

    ids: dict[str, tuple[LoadedFile, list]] = {}
    kinds: dict[str, str] = {}
    for loaded, path, entry in _entries(files):
        entry_id = entry["id"]
        if entry_id in ids:
            first = ids[entry_id][0]
            first_line = first.doc.line_of(ids[entry_id][1])
            report(loaded, path, f"id '{entry_id}' is already used at {first.display}:{first_line}")
        else:
            ids[entry_id] = (loaded, path)
            kinds[entry_id] = ENTRY_KINDS[loaded.kind]
    _check_stages(files, report, problems)
    _check_references(files, kinds, report)
    _check_dates(files, report, today or dt.date.today().isoformat())
    _check_off_topic(files, report)
    _check_off_topic_questions(files, report)
    check_welsh(files, report)
    _check_volume(files, problems)


# All phrasings together (English and Welsh). The bundled knowledge base has about 3,700;
# the matcher keeps every one in memory, and 250,000 took 8 s and 840 MB to index. 50,000
# (about 260 MB, 2.5 s) leaves room for years of growth and refuses a bulk paste by mistake.
MAX_PHRASINGS = 50_000


def _check_volume(files: list[LoadedFile], problems: list[Problem]) -> None:
    counts = {loaded.display: sum(len(entry.get("phrasings") or ())
                                  + len(entry.get("phrasings_cy") or ())
                                  for _, _, entry in _entries([loaded]))
                              + sum(map(len, _off_topic_questions(loaded).values()))
              for loaded in files}
    total = sum(counts.values())
    if total > MAX_PHRASINGS:
        largest = max(counts, key=counts.__getitem__)
        problems.append(Problem(largest, 1, (
            f"the knowledge base has {total:,} phrasings in all ({counts[largest]:,} in this "
            f"file); the limit is {MAX_PHRASINGS:,}, since each one costs memory and start-up "
            "time. Remove repeated or pasted-in lines")))


def _entries(files: list[LoadedFile]):
    for loaded in files:
        if loaded.kind in ENTRY_KINDS:
            for index, entry in enumerate(loaded.doc.data[loaded.kind]):
                yield loaded, [loaded.kind, index], entry


def _check_stages(files: list[LoadedFile], report, problems: list[Problem]) -> None:
    stage_files = [f for f in files if f.kind == "stages"]
    found = [s["id"] for f in stage_files for s in f.doc.data["stages"]]
    missing = [s for s in STAGE_IDS if s not in found]
    if missing and files:
        where = stage_files[0].display if stage_files else files[0].display
        problems.append(Problem(where, 1, f"missing stage(s): {', '.join(missing)}; "
                                          f"all of {', '.join(STAGE_IDS)} are needed"))
    for loaded in stage_files:
        for index, stage in enumerate(loaded.doc.data["stages"]):
            seen: set[str] = set()
            for item_index, item in enumerate(stage["checklist"]):
                if item["id"] in seen:
                    report(loaded, ["stages", index, "checklist", item_index],
                           f"checklist item id '{item['id']}' is used twice "
                           f"in stage '{stage['id']}'")
                seen.add(item["id"])


def _check_references(files: list[LoadedFile], kinds: dict[str, str], report) -> None:
    def expect(loaded, path, ref: str, wanted: set[str], what: str) -> None:
        if kinds.get(ref) not in wanted:
            known = "an existing entry" if len(wanted) > 1 else f"an existing {what}"
            report(loaded, path, f"'{ref}' is not {known} id")

    for loaded, path, entry in _entries(files):
        for i, org in enumerate(entry.get("organisations", [])):
            expect(loaded, [*path, "organisations", i], org, {"organisation"}, "organisation")
        for i, topic in enumerate(entry.get("topics", [])):
            expect(loaded, [*path, "topics", i], topic, {"topic", "evaluation"}, "topic")
    for loaded in files:
        if loaded.kind == "examples":
            for i, example in enumerate(loaded.doc.data["examples"]):
                expect(loaded, ["examples", i, "expect"], example["expect"],
                       {"topic", "evaluation", "stage", "organisation", "signpost"}, "entry")
        if loaded.kind == "vocabulary":
            section = loaded.doc.data["vocabulary"] or {}
            for i, opening in enumerate(section.get("openings", ())):
                expect(loaded, ["vocabulary", "openings", i, "entry"], opening["entry"],
                       {"topic", "evaluation", "stage", "organisation"}, "entry")


def _check_dates(files: list[LoadedFile], report, today: str) -> None:
    now = dt.date.fromisoformat(today)
    for loaded, path, entry in _entries(files):
        reviewed = _parse_date(entry.get("reviewed"))
        if reviewed is None:
            report(loaded, [*path, "reviewed"], f"'reviewed' date '{entry.get('reviewed')}' "
                                                "is not a real date (YYYY-MM-DD)")
        elif reviewed > now:
            report(loaded, [*path, "reviewed"], f"'reviewed' date {reviewed} is in the future")
        elif (now - reviewed).days > STALE_AFTER_DAYS:
            report(loaded, [*path, "reviewed"],
                   f"'{entry['id']}' was last reviewed {reviewed}, over 12 months ago: "
                   "check it is still true and update 'reviewed'", "warning")


def _check_off_topic(files: list[LoadedFile], report) -> None:
    """Warn when an entry's own title, phrasing or keyword contains an off-topic word: a
    question using that word is then declined unless the rest of it matches clearly."""
    # Imported here: bot.matching imports the loader, which imports this module.
    from bot.base.normalise import knowledge_tokens, tokens
    from bot.base.phrases import by_first, occurrences

    named: dict[tuple[str, ...], str] = {}  # stems -> the off-topic word as written
    for loaded in files:
        if loaded.kind == "vocabulary":
            for word in (loaded.doc.data["vocabulary"] or {}).get("off_topic_words", ()):
                named.setdefault(tuple(tokens(word)), word)
    named.pop((), None)
    if not named:
        return
    phrases = by_first(named)
    for loaded, path, entry in _entries(files):
        if loaded.kind == "signposts":
            continue  # signposts are matched without the off-topic words: they are about them
        for field, text_path, text in _matched_texts(entry, path):
            words = knowledge_tokens(text)
            found = dict.fromkeys(named[tuple(words[start:start + length])]
                                  for start, length in occurrences(words, phrases))
            for word in found:
                report(loaded, text_path,
                       f"'{entry['id']}' {field} '{text}' uses the off-topic word '{word}' "
                       "(vocabulary.yaml): questions with it may be declined", "warning")


def _off_topic_questions(loaded: LoadedFile) -> dict[str, list[str]]:
    """A vocabulary file's off-topic questions, by field (English and Welsh)."""
    if loaded.kind != "vocabulary":
        return {}
    section = loaded.doc.data["vocabulary"] or {}
    return {field: list(section.get(field) or ())
            for field in ("off_topic_questions", "off_topic_questions_cy")}


def _check_off_topic_questions(files: list[LoadedFile], report) -> None:
    """Warn when an off-topic question is also one of an entry's own phrasings (a question
    worded like it would be declined instead of answered), or one of the out-of-scope
    examples (which would then be declined by being copied, and measure nothing)."""
    from bot.base.normalise import normalise  # imported here, as in _check_off_topic

    def plain(text: str) -> str:
        return normalise(text.replace("’", "'"))

    phrasings: dict[str, str] = {}  # plain phrasing -> its entry's id
    for loaded, _path, entry in _entries(files):
        if loaded.kind == "signposts":
            continue  # a signpost is where an off-topic question goes: they may agree
        for field in ("phrasings", "phrasings_cy"):
            for text in entry.get(field) or ():
                phrasings.setdefault(plain(str(text)), entry["id"])
    declined: set[str] = set()  # examples.yaml's out-of-scope questions, plain
    for loaded in files:
        if loaded.kind == "examples":
            for item in loaded.doc.data.get("out_of_scope") or ():
                text = item.get("q") if isinstance(item, dict) else item
                declined.add(plain(str(text)))
    for loaded in files:
        for field, questions in _off_topic_questions(loaded).items():
            for i, question in enumerate(questions):
                key = plain(question)
                entry_id = phrasings.get(key)
                if entry_id is not None:
                    report(loaded, ["vocabulary", field, i],
                           f"off-topic question '{question}' is also a phrasing of "
                           f"'{entry_id}': questions worded like it would be declined; "
                           "remove it from one of the two", "warning")
                elif key in declined:
                    report(loaded, ["vocabulary", field, i],
                           f"off-topic question '{question}' is also an out-of-scope example "
                           "(examples.yaml): that example would then test nothing; keep it "
                           "in one of the two", "warning")


_LIST_LABELS = {"aliases": "alias", "phrasings": "phrasing", "phrasings_cy": "Welsh phrasing",
                "keywords": "keyword"}


def _matched_texts(entry: dict[str, Any], path: list):
    """(field, path, text) of every text the matcher reads: title, name, aliases, phrasings,
    keywords."""
    for field in ("title", "name"):
        value = entry.get(field)
        if isinstance(value, str):
            yield field, [*path, field], value
        elif isinstance(value, dict):
            for lang, text in value.items():
                yield field, [*path, field, lang], str(text)
    for field, label in _LIST_LABELS.items():
        for i, text in enumerate(entry.get(field, ())):
            yield label, [*path, field, i], str(text)


def _parse_date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None
