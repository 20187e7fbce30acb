"""The semantic signal: wordllama's bundled embeddings, loaded offline, and the blend."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.kb.loader import load_knowledge
from bot.matching import Matcher, MatcherConfig
from bot.matching.semantic import blend_scores, bundled_embedder, bundled_files

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


def test_the_embeddings_are_loaded_only_when_blended() -> None:
    kb = load_knowledge(FIXTURE_KB)
    assert Matcher(kb).semantic is None
    assert Matcher(kb, MatcherConfig(semantic_share=0.2)).semantic is not None


@pytest.mark.parametrize(("question", "expected"), [
    ("Do I need ethics approval for my project?", "ethics-approval"),
    ("is my app a medical device?", "medical-device"),
])
def test_a_blended_matcher_still_answers(question: str, expected: str) -> None:
    matcher = Matcher(load_knowledge(FIXTURE_KB), MatcherConfig(semantic_share=0.2))
    result = matcher.match(question)
    assert result.best is not None and result.best.entry.id == expected
