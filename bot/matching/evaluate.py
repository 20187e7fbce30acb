"""Measure the matcher on example questions: right answers in scope, declines out of scope."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.base.normalise import tokens
from bot.base.paths import display_path
from bot.kb.model import Example
from bot.kb.yamlsource import parse_yaml
from bot.matching.matcher import Matcher, MatchResult


@dataclass(frozen=True)
class Failure:
    """An example the matcher got wrong."""

    example: Example
    got: str | None  # entry id answered, or None when the matcher abstained
    score: float  # score of the top candidate (0 when there was none)
    reason: str  # the MatchResult reason
    like: str | None = None  # declined as off-topic: the off-topic question it was like

    def describe(self) -> str:
        """One line naming the example, what was expected and what the matcher did."""
        example = self.example
        expected = example.expect or "a decline"
        if self.got is not None:
            got = f"{self.got} ({self.score:.1f})"
        elif self.like is not None:
            got = (f"no answer (off_topic, top {self.score:.1f}, like the off-topic question "
                   f"{self.like!r})")
        elif self.reason == "empty" or self.score == 0:
            got = f"no answer ({self.reason})"
        else:
            got = f"no answer ({self.reason}, top {self.score:.1f})"
        return f"{example.file}:{example.line}: {example.question!r} expected {expected}, got {got}"


@dataclass(frozen=True)
class ExampleReport:
    """Accuracy on in-scope examples, decline rate on out-of-scope ones, and the failures."""

    in_scope: int
    in_scope_correct: int
    out_of_scope: int
    out_of_scope_declined: int
    failures: tuple[Failure, ...]

    @property
    def in_scope_accuracy(self) -> float:
        """Share of in-scope examples answered confidently with the expected entry."""
        return self.in_scope_correct / self.in_scope if self.in_scope else 1.0

    @property
    def out_of_scope_decline_rate(self) -> float:
        """Share of out-of-scope examples the matcher declined to answer."""
        return self.out_of_scope_declined / self.out_of_scope if self.out_of_scope else 1.0

    def summary_lines(self) -> list[str]:
        """A headline with both rates, then one indented line per failure."""
        accuracy, decline = 100 * self.in_scope_accuracy, 100 * self.out_of_scope_decline_rate
        headline = (
            f"examples: {self.in_scope_correct}/{self.in_scope} in-scope answered correctly "
            f"({accuracy:.1f}%), {self.out_of_scope_declined}/{self.out_of_scope} "
            f"out-of-scope declined ({decline:.1f}%)"
        )
        return [headline, *(f"  {failure.describe()}" for failure in self.failures)]


def evaluate_examples(matcher: Matcher, examples: Iterable[Example]) -> ExampleReport:
    """Run every example through the matcher and count what it got right."""
    counts = {"in": 0, "in_ok": 0, "out": 0, "out_ok": 0}
    failures = []
    for example in examples:
        result = matcher.match(example.question)
        got = result.best.entry.id if result.best else None
        scope = "in" if example.expect is not None else "out"
        counts[scope] += 1
        if got == example.expect:
            counts[f"{scope}_ok"] += 1
        else:
            failures.append(_failure(example, result))
    return ExampleReport(counts["in"], counts["in_ok"], counts["out"], counts["out_ok"],
                         tuple(failures))


def load_examples(path: str | Path) -> list[Example]:
    """Examples from a file shaped like examples.yaml (``examples:`` and ``out_of_scope:``)."""
    display = display_path(Path(path))
    doc = parse_yaml(Path(path).read_text(encoding="utf-8"))
    data = doc.data or {}
    examples = [
        Example(item["q"], item["expect"], display, doc.line_of(["examples", i]))
        for i, item in enumerate(data.get("examples") or [])
    ]
    examples += [
        Example(question, None, display, doc.line_of(["out_of_scope", i]))
        for i, question in enumerate(data.get("out_of_scope") or [])
    ]
    return examples


def clean_sets(directory: str | Path) -> frozenset[str]:
    """The names of the question sets in ``directory`` still clean, from its ``clean.txt``
    (one name per line, ``#`` comments): tools count them but never show their questions."""
    path = Path(directory) / "clean.txt"
    if not path.exists():
        return frozenset()
    lines = (line.split("#", 1)[0].strip() for line in path.read_text("utf-8").splitlines())
    return frozenset(line for line in lines if line)


def _failure(example: Example, result: MatchResult) -> Failure:
    top = result.candidates[0].score if result.candidates else 0.0
    got = result.best.entry.id if result.best else None
    return Failure(example, got, top, result.reason, result.off_topic_like)


def phrasings_declined_as_off_topic(matcher: Matcher) -> list[tuple[str, str, str]]:
    """(off-topic question, entry id, phrasing) for each entry phrasing that an off-topic
    question stops being answered: one whose informative words include all of the
    phrasing's (two or more), when the phrasing itself is then declined as off-topic.
    Only those phrasings are matched, so the check costs a few matches, not thousands."""
    kb = matcher.kb
    questions = (*kb.vocabulary.off_topic_questions, *kb.vocabulary.off_topic_questions_cy)
    if not questions:
        return []
    by_words: dict[frozenset[str], list[tuple[str, str]]] = {}
    for entry in kb.entries():
        for phrasing in entry.every_phrasing:
            words = frozenset(tokens(phrasing))
            if len(words) >= 2:
                by_words.setdefault(words, []).append((entry.id, phrasing))
    with_word: dict[str, list[frozenset[str]]] = {}
    for words in by_words:
        # Indexed under one of its words: a question containing the phrasing has them all.
        with_word.setdefault(min(words), []).append(words)
    declined: dict[str, bool] = {}  # phrasing -> declined as off-topic; each matched once

    def is_declined(phrasing: str) -> bool:
        if phrasing not in declined:
            declined[phrasing] = matcher.match(phrasing).reason == "off_topic"
        return declined[phrasing]

    found = []
    for question in questions:
        asked = frozenset(tokens(question))
        for word in asked:
            for words in with_word.get(word, ()):
                if words <= asked:
                    found += [(question, entry_id, phrasing)
                              for entry_id, phrasing in by_words[words] if is_declined(phrasing)]
    return found
