"""The benchmark's knowledge base generator makes valid knowledge bases of the size asked for.

Correctness only: timings belong to benchmarks/matcher.py, never to tests.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from bot.kb.loader import check_knowledge
from bot.kb.model import KnowledgeBase
from bot.matching.evaluate import clean_sets

ROOT = Path(__file__).resolve().parent.parent
EXTRA = 110  # phrasings: about fourteen generated topics on top of the bundled ones


def _script(name: str, file: str) -> ModuleType:
    """A script of benchmarks/, which is not part of the package, loaded as module ``name``
    (registered, so its dataclasses can look their module up)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generate_kb() -> ModuleType:
    """benchmarks/generate_kb.py."""
    return _script("generate_kb", "generate_kb.py")


@pytest.fixture(scope="module")
def size(generate_kb: ModuleType, bundled_kb: KnowledgeBase) -> int:
    """The bundled knowledge base's phrasings plus EXTRA, so new phrasings need no edit here."""
    return generate_kb.count_phrasings(bundled_kb) + EXTRA


@pytest.fixture(scope="module")
def generated(generate_kb: ModuleType, bundled_kb: KnowledgeBase, size: int) -> KnowledgeBase:
    return generate_kb.generate_knowledge(bundled_kb, size)


def test_written_knowledge_base_validates_with_the_requested_phrasings(
        generate_kb: ModuleType, generated: KnowledgeBase, size: int, tmp_path: Path) -> None:
    generate_kb.write_knowledge(generated, ROOT / "knowledge", tmp_path / "kb")

    result = check_knowledge(tmp_path / "kb")

    assert result.errors == []
    loaded = result.knowledge
    assert loaded is not None
    assert generate_kb.count_phrasings(loaded) == size
    # Latency is timed on the in-memory KB, start-up on the written one: they must agree.
    assert {e.id: e.phrasings for e in loaded.entries()} == {
        e.id: e.phrasings for e in generated.entries()}


def test_generated_topics_are_new_entries_of_about_eight_phrasings(
        generated: KnowledgeBase, bundled_kb: KnowledgeBase) -> None:
    new = generated.topics[len(bundled_kb.topics):]
    ids = [topic.id for topic in generated.entries()]

    assert new
    assert len(ids) == len(set(ids))
    assert all(7 <= len(topic.phrasings) <= 9 for topic in new)
    assert all(len(set(topic.phrasings)) == len(topic.phrasings) for topic in new)
    real = {text for entry in bundled_kb.entries() for text in entry.phrasings}
    generated_count = sum(len(topic.phrasings) for topic in new)
    assert sum(text not in real for topic in new for text in topic.phrasings) > generated_count // 2


def test_the_same_seed_gives_the_same_knowledge_base(
        generate_kb: ModuleType, generated: KnowledgeBase, bundled_kb: KnowledgeBase,
        size: int) -> None:
    again = generate_kb.generate_knowledge(bundled_kb, size)
    other = generate_kb.generate_knowledge(bundled_kb, size, seed=1)

    assert again.topics == generated.topics
    assert other.topics != generated.topics


def test_a_size_smaller_than_the_bundled_knowledge_base_is_refused(
        generate_kb: ModuleType, bundled_kb: KnowledgeBase) -> None:
    with pytest.raises(ValueError, match="at least"):
        generate_kb.generate_knowledge(bundled_kb, 200)


@pytest.fixture(scope="module")
def baselines() -> ModuleType:
    """benchmarks/baselines.py."""
    return _script("baselines", "baselines.py")


def test_a_baseline_at_equal_decline_gets_its_best_threshold_for_that_decline(
        baselines: ModuleType) -> None:
    """Three in scope (top scores 0.9 right, 0.35 right, 0.3 wrong), three out of scope (top
    scores 0.6, 0.4, 0.2): declining one still answers both right ones; declining two needs
    a threshold above 0.4, which keeps one; so does declining all three (above 0.6); no
    threshold declines four."""
    top = {"a": ("x", 0.9), "b": ("y", 0.35), "c": ("w", 0.3),
           "o1": ("x", 0.6), "o2": ("y", 0.4), "o3": ("z", 0.2)}

    def scorer(text: str) -> dict[str, float]:
        entry, score = top[text]
        return {entry: score, "other": score / 2}

    q = baselines.Question
    questions = [q("a", "x"), q("b", "y"), q("c", "z"), q("o1", None), q("o2", None),
                 q("o3", None)]
    assert baselines.right_at_decline(scorer, questions, 0) == 2
    assert baselines.right_at_decline(scorer, questions, 1) == 2
    assert baselines.right_at_decline(scorer, questions, 2) == 1
    assert baselines.right_at_decline(scorer, questions, 3) == 1
    assert baselines.right_at_decline(scorer, questions, 4) is None


@pytest.fixture(scope="module")
def matcher_benchmark() -> ModuleType:
    """benchmarks/matcher.py, which imports its sibling scripts by name."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location("matcher_benchmark",
                                                      ROOT / "benchmarks" / "matcher.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules.setdefault("matcher_benchmark", module)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return module


def test_welsh_is_compared_with_english_on_questions_of_the_same_length(
        matcher_benchmark: ModuleType) -> None:
    """Long Welsh questions must not make Welsh look slow, nor short ones fast: each band of
    lengths is compared on its own, and a band too thin in either language is left out."""
    languages = ["en"] * 20 + ["cy"] * 20 + ["en"] * 20 + ["cy"] * 20 + ["cy"] * 3
    lengths = [6] * 40 + [12] * 40 + [30] * 3
    times = [1.0] * 20 + [0.9] * 20 + [2.0] * 20 + [2.1] * 20 + [9.0] * 3
    result = matcher_benchmark.SizeResult("bundled", 100, 10, languages, lengths,
                                          ours=[times, times])
    (band, met), (overall, _) = [(measured, ok) for _, measured, ok in
                                 matcher_benchmark.welsh_within_english(result)]
    assert band == "5-8 words 0.90x (20/20), 9-14 words 1.05x (20/20)"
    assert met is False  # 9-14 words: Welsh slower
    assert overall == "1.40x, 4.50x"  # medians 2.1 / 1.5; the long Welsh three: 9.0 / 2.0


def test_staff_style_latency_is_reported_by_length_and_against_the_goals(
        matcher_benchmark: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    """The staff-style table's bands hold each question once, and its goal rows judge the
    sample's own p50 and p99, whatever the examples' were."""
    staff = matcher_benchmark.StaffResult(
        times=[1.0, 1.5, 3.0, 40.0], languages=["en", "cy", "en", "cy"],
        lengths=[5, 12, 40, 90], sets=2)
    assert staff.band(None, (1, 8)) == [1.0] and staff.band("cy", (61, 10_000)) == [40.0]
    (median, met_median), (worst, met_worst) = [
        (measured, met) for _, measured, met in matcher_benchmark.staff_goals(staff)]
    assert (median, met_median) == ("2.25 ms", False)
    assert (worst, met_worst) == ("40.00 ms", False)
    matcher_benchmark.print_staff(staff)
    table = capsys.readouterr().out
    assert "4 questions sampled evenly from the 2 sets" in table
    assert "      61+     0       -       -     1   40.00   40.00" in table


@pytest.fixture(scope="module")
def decisions_script() -> ModuleType:
    """benchmarks/decisions.py."""
    return _script("decisions_script", "decisions.py")


def test_every_set_listed_as_clean_is_a_question_set() -> None:
    clean = clean_sets(ROOT / "tests" / "data")
    assert len(clean) >= 2
    assert all((ROOT / "tests" / "data" / f"{name}.yaml").is_file() for name in clean)


def test_decisions_count_a_clean_sets_changes_without_showing_its_questions(
        decisions_script: ModuleType) -> None:
    def record(answer: str | None, question: str) -> dict[str, object]:
        return {"question": question, "content": {"answer": answer}}

    before = {"used": [record("a", "used question")], "kept": [record("a", "secret one"),
                                                              record("b", "secret two")]}
    after = {"used": [record("b", "used question")], "kept": [record("b", "secret one"),
                                                             record("b", "secret two")]}
    lines = decisions_script.differences(before, after, frozenset({"kept"}))
    assert lines == ["set kept: 1 of 2 questions differ (a clean set: not shown)",
                     "used: 'used question': content differ"]
    assert not any("secret" in line for line in lines)
