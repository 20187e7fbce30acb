"""Grow the bundled knowledge base to a given number of phrasings, for benchmarks.

Usage: python benchmarks/generate_kb.py PHRASINGS OUT_DIR [--seed N] [--knowledge DIR]

The generated knowledge base keeps every real entry and adds topics derived from them:
each new topic takes a real entry's answer, stage, organisations and source, and about
eight phrasings reworded from the real entry's own (synonyms, prefixes such as "how do I",
typos, trailing context). The same seed always gives the same knowledge base, so runs on
different days and machines compare like with like.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import yaml

from bot.kb.loader import load_knowledge
from bot.kb.model import Entry, KnowledgeBase, Organisation, Stage, Text, Topic

PHRASINGS_PER_ENTRY = 8
MIN_PHRASINGS = 4  # the topics schema asks for at least four
ENTRIES_PER_FILE = 500
DEFAULT_SEED = 20261126

SYNONYMS: dict[str, tuple[str, ...]] = {
    "idea": ("innovation", "concept", "proposal"),
    "project": ("scheme", "initiative", "pilot"),
    "start": ("begin", "kick off", "get going with"),
    "funding": ("money", "a grant", "finance"),
    "evaluate": ("assess", "measure", "test"),
    "evidence": ("proof", "data", "results"),
    "patients": ("service users", "people we care for"),
    "staff": ("colleagues", "the team", "clinicians"),
    "ward": ("unit", "department", "clinic"),
    "approval": ("sign off", "permission", "the go-ahead"),
    "spread": ("scale up", "roll out", "share"),
    "health board": ("trust", "organisation", "NHS body"),
    "write": ("draft", "put together", "prepare"),
    "need to": ("have to",),
    "find": ("locate", "track down", "get hold of"),
    "test": ("trial", "try out", "pilot"),
    "who": ("which team", "what person"),
    "my": ("our", "the"),
}
PREFIXES = (
    "how do I", "can someone tell me", "quick question:", "does anyone know",
    "I was wondering", "hi,", "not sure but", "any advice on", "please explain",
)
CONTEXTS = (
    "on our ward", "in my health board", "for community nursing", "in primary care",
    "as a physio", "for a mental health service", "in social care", "as a junior doctor",
    "for our team", "in north Wales", "in the valleys", "at a GP practice",
)


def generate_knowledge(base: KnowledgeBase, phrasings: int,
                       seed: int = DEFAULT_SEED) -> KnowledgeBase:
    """``base`` plus generated topics, so the whole has exactly ``phrasings`` phrasings."""
    have = count_phrasings(base)
    extra = phrasings - have
    if extra < 0 or 0 < extra < MIN_PHRASINGS:
        raise ValueError(f"size must be {have} (the base) or at least {have + MIN_PHRASINGS} "
                         f"phrasings, not {phrasings}")
    rng = random.Random(seed)
    seeds = list(base.entries())
    generated = [
        _topic(rng.choice(seeds), serial, size, rng)
        for serial, size in enumerate(_entry_sizes(extra))
    ]
    # replace() keeps everything else of the base (stages, organisations, any vocabulary).
    return dataclasses.replace(base, topics=(*base.topics, *generated), examples=(),
                               version=f"gen-{phrasings}-{seed}", directory="gen")


def count_phrasings(kb: KnowledgeBase) -> int:
    """How many phrasings the knowledge base's entries list."""
    return sum(len(entry.phrasings) for entry in kb.entries())


def _entry_sizes(extra: int) -> list[int]:
    """Phrasings per generated entry: about eight each, summing exactly to ``extra``."""
    if extra == 0:
        return []
    entries = max(1, round(extra / PHRASINGS_PER_ENTRY))
    size, rest = divmod(extra, entries)
    return [size + (i < rest) for i in range(entries)]


def _topic(seed_entry: Entry, serial: int, size: int, rng: random.Random) -> Topic:
    """A new topic reworded from a real entry."""
    stem_id = seed_entry.id[:48].rstrip("-")
    pool = list(seed_entry.phrasings) or [seed_entry.title.get("en")]
    return Topic(
        id=f"{stem_id}-gen{serial}",
        kind="topic",
        title=Text.of(_reword(seed_entry.title.get("en"), rng)),
        phrasings=_phrasings(pool, size, rng),
        keywords=tuple(rng.sample(seed_entry.keywords, min(3, len(seed_entry.keywords)))),
        stage=_stage_of(seed_entry),
        organisations=_organisations_of(seed_entry),
        source=seed_entry.source,
        reviewed=seed_entry.reviewed,
        file=f"topics/generated-{serial // ENTRIES_PER_FILE:04d}.yaml",
        line=1,
        answer=_answer_of(seed_entry),
    )


def _phrasings(pool: list[str], size: int, rng: random.Random) -> tuple[str, ...]:
    """``size`` distinct rewordings of phrasings from ``pool``."""
    found: dict[str, None] = {}
    attempts = 0
    while len(found) < size:
        text = _reword(rng.choice(pool), rng)
        attempts += 1
        if attempts > 20 * size:  # a tiny pool: make the wording distinct by numbering it
            text = f"{text} ({len(found) + 1})"
        found.setdefault(text, None)
    return tuple(found)


def _reword(text: str, rng: random.Random) -> str:
    """One varied wording: synonyms, maybe a prefix, a typo and a trailing context."""
    text = text.rstrip("?").strip()
    for word, choices in SYNONYMS.items():
        if f" {word} " in f" {text.lower()} " and rng.random() < 0.6:
            text = _replace_word(text, word, rng.choice(choices))
    if rng.random() < 0.4:
        text = f"{rng.choice(PREFIXES)} {text[:1].lower()}{text[1:]}"
    if rng.random() < 0.3:
        text = _typo(text, rng)
    if rng.random() < 0.5:
        text = f"{text} {rng.choice(CONTEXTS)}"
    return (text + "?" if rng.random() < 0.5 else text)[:300]


def _replace_word(text: str, word: str, replacement: str) -> str:
    """``text`` with the whole word (or words) ``word`` replaced, ignoring case."""
    padded, lowered = f" {text} ", f" {text.lower()} "
    at = lowered.index(f" {word} ")
    return (padded[:at + 1] + replacement + padded[at + 1 + len(word):]).strip()


def _typo(text: str, rng: random.Random) -> str:
    """``text`` with one letter swapped, dropped or doubled in a word of five letters or more."""
    words = text.split(" ")
    long_words = [i for i, word in enumerate(words) if len(word) >= 5 and word.isalpha()]
    if not long_words:
        return text
    i = rng.choice(long_words)
    word, at = words[i], rng.randrange(1, len(words[i]) - 2)
    words[i] = rng.choice((
        word[:at] + word[at + 1] + word[at] + word[at + 2:],  # swapped
        word[:at] + word[at + 1:],  # dropped
        word[:at] + word[at] + word[at:],  # doubled
    ))
    return " ".join(words)


def _stage_of(entry: Entry) -> str | None:
    if isinstance(entry, Stage):
        return entry.id
    return entry.stage if isinstance(entry, Topic) else None


def _organisations_of(entry: Entry) -> tuple[str, ...]:
    if isinstance(entry, Organisation):
        return (entry.id,)
    return entry.organisations


def _answer_of(entry: Entry) -> Text:
    if isinstance(entry, Topic):
        return entry.answer
    if isinstance(entry, Stage | Organisation):
        return entry.summary
    return entry.title


def write_knowledge(kb: KnowledgeBase, base_directory: str | Path,
                    target: str | Path) -> Path:
    """Write ``kb`` as YAML: a copy of ``base_directory`` plus one file per 500 new topics."""
    target = Path(target)
    shutil.copytree(base_directory, target, dirs_exist_ok=True)
    base_ids = {entry.id for entry in load_knowledge(base_directory).topics}
    new_topics = [topic for topic in kb.topics if topic.id not in base_ids]
    for number, chunk in enumerate(_chunks(new_topics, ENTRIES_PER_FILE)):
        path = target / "topics" / f"generated-{number:04d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {"topics": [_topic_yaml(topic) for topic in chunk]}
        path.write_text(yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                                  width=1000), encoding="utf-8")
    return target


_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _chunks(items: list[Topic], size: int) -> Iterator[list[Topic]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _text_yaml(text: Text) -> str | dict[str, str]:
    return text.get("en") if set(text.by_lang) == {"en"} else dict(text.by_lang)


def _topic_yaml(topic: Topic) -> dict:
    """The topic as it would be written in a topics file."""
    data: dict = {"id": topic.id, "title": _text_yaml(topic.title),
                  "answer": _text_yaml(topic.answer), "phrasings": list(topic.phrasings)}
    if topic.keywords:
        data["keywords"] = list(topic.keywords)
    if topic.stage:
        data["stage"] = topic.stage
    if topic.organisations:
        data["organisations"] = list(topic.organisations)
    data.update(source=topic.source, reviewed=topic.reviewed)
    return data


def main(argv: list[str] | None = None) -> None:
    """Write a generated knowledge base to a directory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("phrasings", type=int)
    parser.add_argument("out_dir")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--knowledge", default="knowledge")
    args = parser.parse_args(argv)
    kb = generate_knowledge(load_knowledge(args.knowledge), args.phrasings, args.seed)
    write_knowledge(kb, args.knowledge, args.out_dir)
    print(f"wrote {len(list(kb.entries()))} entries, {count_phrasings(kb)} phrasings "
          f"to {args.out_dir}")


if __name__ == "__main__":
    main()
