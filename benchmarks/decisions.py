"""Record every decision the matcher makes, to prove a speed-up changed none of them.

Usage:
    python benchmarks/decisions.py record FILE [--semantic SHARE]
    python benchmarks/decisions.py compare FILE [--semantic SHARE]

Every question of knowledge/examples.yaml and of every file in tests/data is matched by the
three matchers the bot uses: the content matcher (``Engine.matcher``), the same restricted
to organisations (``connect.py``: "who can help with ...") and the signposts matcher
(``Engine.signposts``). For each it keeps what a user would see: the answer or the decline
and its reason, the ranked candidates with their scores (the score band shown), the
"see also" runners-up and the "did you mean" suggestions. ``record`` writes them as JSON;
``compare`` matches everything again and lists each question whose decisions differ,
exiting 1 if any does. The clean sets (tests/data/clean.txt) are only counted: how many of
their questions differ, never which.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.kb.loader import load_knowledge  # noqa: E402
from bot.kb.model import KnowledgeBase  # noqa: E402
from bot.matching import Matcher, MatcherConfig, MatchResult  # noqa: E402
from bot.matching.evaluate import clean_sets, load_examples  # noqa: E402

QUESTION_SETS = ROOT / "tests" / "data"


def question_sets(kb: KnowledgeBase) -> dict[str, list[str]]:
    """Set name -> its questions: the knowledge base's examples, then every file in tests/data."""
    sets = {"examples": [example.question for example in kb.examples]}
    for path in sorted(QUESTION_SETS.glob("*.yaml")):
        sets[path.stem] = [example.question for example in load_examples(path)]
    return sets


def outcome(result: MatchResult) -> dict[str, object]:
    """What a user would see of one match: answer or decline, scores, see also, suggestions."""
    return {
        "answer": result.best.entry.id if result.best else None,
        "reason": result.reason,
        "candidates": [[m.entry.id, m.score] for m in result.candidates],
        "see_also": [m.entry.id for m in result.related],
        "suggestions": [m.entry.id for m in result.suggestions],
    }


def decisions(kb: KnowledgeBase, config: MatcherConfig) -> dict[str, list[dict[str, object]]]:
    """Set name -> one record per question, from the content, organisation and signposts
    matchers."""
    content = Matcher(kb, config)
    signposts = Matcher(kb.signpost_knowledge(), config) if kb.signposts else None
    found: dict[str, list[dict[str, object]]] = {}
    for name, questions in question_sets(kb).items():
        found[name] = [{
            "question": question,
            "content": outcome(content.match(question)),
            "organisation": outcome(content.match(question, kinds={"organisation"})),
            "signpost": outcome(signposts.match(question)) if signposts else None,
        } for question in questions]
    return found


def differences(before: dict[str, list[dict[str, object]]],
                after: dict[str, list[dict[str, object]]],
                clean: frozenset[str] = frozenset()) -> list[str]:
    """One line per question (or set) whose decisions differ; for a set in ``clean``, one
    line counting them."""
    lines = [f"set {name}: recorded but not found now" for name in before if name not in after]
    lines += [f"set {name}: new, not recorded" for name in after if name not in before]
    for name in before.keys() & after.keys():
        old, new = before[name], after[name]
        if len(old) != len(new):
            lines.append(f"set {name}: {len(old)} questions recorded, {len(new)} now")
            continue
        moved = [(was, now) for was, now in zip(old, new, strict=True) if was != now]
        if name in clean:
            if moved:
                lines.append(f"set {name}: {len(moved)} of {len(old)} questions differ "
                             "(a clean set: not shown)")
            continue
        for was, now in moved:
            changed = [key for key in was if was[key] != now.get(key)]
            lines.append(f"{name}: {was['question']!r}: {', '.join(changed)} differ")
    return sorted(lines)


def main(argv: list[str] | None = None) -> int:
    """Record the decisions to FILE, or compare them with FILE."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("record", "compare"))
    parser.add_argument("file", type=Path)
    parser.add_argument("--knowledge", default=str(ROOT / "knowledge"))
    parser.add_argument("--semantic", type=float, default=0.0,
                        help="MatcherConfig.semantic_share (0: the default, lexical only)")
    args = parser.parse_args(argv)
    kb = load_knowledge(args.knowledge)
    found = decisions(kb, MatcherConfig(semantic_share=args.semantic))
    count = sum(len(records) for records in found.values())
    if args.action == "record":
        args.file.write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"recorded {count} questions' decisions in {len(found)} sets to {args.file}")
        return 0
    lines = differences(json.loads(args.file.read_text(encoding="utf-8")), found,
                        clean_sets(QUESTION_SETS))
    for line in lines:
        print(line)
    print(f"{count} questions in {len(found)} sets: "
          f"{'identical' if not lines else f'{len(lines)} differ'}")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
