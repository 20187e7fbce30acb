"""The semantic signal: wordllama's bundled embeddings, loaded offline, and the blend."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.kb.loader import load_knowledge
from bot.matching import Matcher, MatcherConfig
from bot.matching.semantic import (
    CACHE_FILE,
    SemanticIndex,
    blend_scores,
    bundled_embedder,
    bundled_files,
    near_pairs,
    semantic_index,
)

FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb_small"

NO_NETWORK = """
import socket, sys
def refuse(*args, **kwargs):
    raise OSError("network used during load")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
from bot.matching.semantic import bundled_embedder
vector = bundled_embedder().embed_one("do I need ethics approval")
assert "wordllama" not in sys.modules, "the wordllama package was imported"
print(vector.shape[0])
"""


def test_the_bundled_files_are_found() -> None:
    weights, tokenizer = bundled_files()
    assert weights.is_file() and tokenizer.is_file()


def test_loading_opens_no_network_connection() -> None:
    done = subprocess.run([sys.executable, "-c", NO_NETWORK], capture_output=True, text=True,
                          cwd=Path(__file__).parent.parent,
                          env={"PATH": "", "HOME": "/nonexistent"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "256"


def test_a_paraphrase_is_closer_than_another_subject() -> None:
    ask, paraphrase, other = bundled_embedder().embed(
        ["do I need ethics approval", "is a research ethics committee review required",
         "where is the canteen"])
    assert ask @ paraphrase > ask @ other
    assert np.isclose(np.linalg.norm(ask), 1.0, atol=1e-5)


def test_a_text_without_tokens_is_a_zero_vector() -> None:
    assert not bundled_embedder().embed([""]).any()


def test_the_blend_brings_in_entries_only_the_meaning_finds() -> None:
    similarity = np.array([0.2, 0.8, 0.5], dtype=np.float32)
    blended = blend_scores({0: 50.0}, similarity, share=0.5, floor=0.2, ceiling=0.8, depth=2)
    assert blended == [(1, 50.0), (0, 25.0), (2, 25.0)]


def test_the_embeddings_are_loaded_at_start_only_when_blended() -> None:
    """Without the blend they wait for the first answer the veto by meaning must check."""
    kb = load_knowledge(FIXTURE_KB)
    assert Matcher(kb).semantic is None
    assert Matcher(kb, MatcherConfig(semantic_share=0.2)).semantic is not None


def test_a_second_index_of_the_same_texts_embeds_nothing(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    """A reload that changed no text, or a second matcher, reuses the vectors in memory."""
    kb = load_knowledge(FIXTURE_KB)
    first = semantic_index(Matcher(kb).index)
    embedder, calls = bundled_embedder(), []
    real = embedder.embed
    monkeypatch.setattr(embedder, "embed", lambda texts: calls.append(len(texts)) or real(texts))
    second = semantic_index(Matcher(kb).index)
    assert calls == [] and np.array_equal(first.vectors, second.vectors)
    assert not second.vectors.flags.writeable  # shared, so nobody may change them
    edited = load_knowledge(kb_copy(tmp_path, rewording="what is a plan do study act cycle"))
    semantic_index(Matcher(edited).index)
    assert calls  # other texts are embedded, never served another knowledge base's vectors


@pytest.mark.parametrize(("question", "expected"), [
    ("Do I need ethics approval for my project?", "ethics-approval"),
    ("is my app a medical device?", "medical-device"),
])
def test_a_blended_matcher_still_answers(question: str, expected: str) -> None:
    matcher = Matcher(load_knowledge(FIXTURE_KB), MatcherConfig(semantic_share=0.2))
    result = matcher.match(question)
    assert result.best is not None and result.best.entry.id == expected


BLENDED = MatcherConfig(semantic_share=0.2)


def kb_copy(tmp_path: Path, rewording: str | None = None) -> Path:
    """The fixture knowledge base copied to ``tmp_path``, with its first phrasing reworded
    if given (as many texts as before: only what they say tells the two apart)."""
    directory = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, directory, dirs_exist_ok=True)
    if rewording is not None:
        path = directory / "evaluation.yaml"
        text = path.read_text(encoding="utf-8")
        phrasing = "      - what is a PDSA cycle\n"
        assert phrasing in text
        path.write_text(text.replace(phrasing, f"      - {rewording}\n", 1), encoding="utf-8")
    return directory


def cached(kb_dir: Path, cache_dir: Path) -> Matcher:
    return Matcher(load_knowledge(kb_dir), BLENDED, cache_dir=cache_dir)


def embedded(kb_dir: Path) -> Matcher:
    return Matcher(load_knowledge(kb_dir), BLENDED)


def same_vectors(one: Matcher, other: Matcher) -> bool:
    assert one.semantic is not None and other.semantic is not None
    return (np.array_equal(one.semantic.vectors, other.semantic.vectors)
            and np.array_equal(one.semantic.centroids, other.semantic.centroids))


def test_the_next_start_reads_the_vectors_instead_of_embedding(tmp_path: Path) -> None:
    kb_dir, cache_dir = kb_copy(tmp_path), tmp_path / "data"
    first = cached(kb_dir, cache_dir)
    stored = (cache_dir / CACHE_FILE).stat()
    second = cached(kb_dir, cache_dir)
    again = (cache_dir / CACHE_FILE).stat()
    assert (again.st_ino, again.st_mtime_ns) == (stored.st_ino, stored.st_mtime_ns)  # not rewritten
    assert same_vectors(first, second) and same_vectors(second, embedded(kb_dir))
    question = "is my app a medical device?"
    assert second.match(question).candidates == embedded(kb_dir).match(question).candidates
    assert not list(cache_dir.glob("*.tmp"))


def test_vectors_of_another_knowledge_base_are_rebuilt(tmp_path: Path) -> None:
    cache_dir = tmp_path / "data"
    cached(kb_copy(tmp_path / "old"), cache_dir)
    stored = (cache_dir / CACHE_FILE).stat()
    edited = kb_copy(tmp_path / "new", rewording="what is a plan do study act cycle")
    matcher = cached(edited, cache_dir)
    assert same_vectors(matcher, embedded(edited))
    assert (cache_dir / CACHE_FILE).stat().st_ino != stored.st_ino  # replaced
    assert same_vectors(cached(edited, cache_dir), matcher)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "wrong shape",
                                    "not finite"])
def test_a_damaged_cache_is_ignored_and_replaced(tmp_path: Path, damage: str) -> None:
    kb_dir, cache_dir = kb_copy(tmp_path), tmp_path / "data"
    reference = cached(kb_dir, cache_dir)
    path = cache_dir / CACHE_FILE
    with np.load(path, allow_pickle=False) as stored:
        key, vectors = str(stored["key"]), stored["vectors"]
    if damage == "garbage":
        path.write_bytes(b"\x80\x04 not an npz file, and never to be unpickled")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        bad = vectors[:-1] if damage == "wrong shape" else np.full_like(vectors, np.nan)
        np.savez(path, key=np.array(key), vectors=bad)
    matcher = cached(kb_dir, cache_dir)
    assert same_vectors(matcher, reference)
    with np.load(path, allow_pickle=False) as repaired:
        assert str(repaired["key"]) == key and np.array_equal(repaired["vectors"], vectors)


def test_an_unwritable_cache_still_answers(tmp_path: Path) -> None:
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("", encoding="utf-8")
    kb_dir = kb_copy(tmp_path)
    matcher = cached(kb_dir, blocked / "data")
    assert same_vectors(matcher, embedded(kb_dir))
    assert matcher.match("Do I need ethics approval for my project?").best is not None


def test_near_pairs_are_the_entries_about_the_same_thing() -> None:
    texts = ["do I need ethics approval", "ethical review for my study",
             "is a research ethics committee opinion needed", "REC approval for research",
             "where do I park my car at work", "staff car parking permit"]
    semantic = SemanticIndex.build(bundled_embedder(), texts, [0, 0, 1, 1, 2, 2], 3)
    pairs = near_pairs(semantic, 0.6)
    assert [(a, b) for a, b, _ in pairs] == [(0, 1)]
    assert 0.6 <= pairs[0][2] <= 1.0
    assert near_pairs(semantic, 1.01) == []


def test_one_entrys_similarity_is_its_figure_among_all() -> None:
    texts = ["do I need ethics approval", "ethical review for my study", "staff car parking",
             "REC approval for research"]
    semantic = SemanticIndex.build(bundled_embedder(), texts, [2, 0, 3, 0], 5)
    question = bundled_embedder().embed_one("does my project need ethics review")
    every = semantic.best(question)
    for entry in range(5):
        assert semantic.similarity(question, entry) == pytest.approx(float(every[entry]),
                                                                     abs=1e-6)
    assert semantic.similarity(question, 1) == -0.5  # no texts: no phrase, a zero centroid


def test_a_question_checked_twice_by_meaning_is_embedded_once(monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    # A short English answer under 45 points is checked by the veto and again against the
    # off-topic questions: one tokenisation serves both, within that match only, so no
    # question is kept once it is answered.
    matcher = Matcher(load_knowledge(Path(__file__).parent.parent / "knowledge"))
    question = ("I'm a pharmacist with an idea for an app that helps people remember their "
                "inhaler, how do I get started")
    matcher.prepare()
    embedder = bundled_embedder()
    tokenizer, seen = embedder.tokenizer, []

    class Counting:
        def encode(self, text: str, **options: object) -> object:
            seen.append(text)
            return tokenizer.encode(text, **options)

    monkeypatch.setattr(embedder, "tokenizer", Counting())
    result = matcher.match(question)
    assert result.best is not None and result.best.score < 45  # both checks ran
    assert seen == [question]
    matcher.match(question)
    assert seen == [question, question]
