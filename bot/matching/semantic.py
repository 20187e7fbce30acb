"""A semantic signal beside the lexical one: static word embeddings, on the CPU, offline.

WordLlama (MIT) ships a 256-dimension token embedding table (``l2_supercat_256``, 32,000
tokens, float16, 16 MB) and its tokenizer inside the wheel. A text's vector is the mean of
its tokens' vectors, normalised to length 1; two texts are as close as the cosine of their
vectors. There is no model to run, only a table to look up, so a question costs one
tokenisation and one matrix-vector product over the knowledge base's phrases.

The files are opened here directly rather than through ``wordllama.WordLlama.load``: its
loader looks for the tokenizer under ``wordllama/tokenizer/`` while the wheel ships it under
``wordllama/tokenizers/``, and then downloads it from Hugging Face. Importing the
``wordllama`` package would also configure the root logger (``logging.basicConfig`` at
import time in ``wordllama.inference``); only its files are used, never its code.

Embedding a knowledge base of 10,000 phrasings takes about 3 s, three times the start-up
goal, so the vectors may be kept on disk (``EmbeddingCache``): a numpy ``.npz`` file, never
pickle, keyed by a hash of exactly what was embedded (the texts, in order, and the model's
files), so an edited knowledge base or another model can never be served stale vectors.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import threading
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from safetensors import safe_open
from tokenizers import Tokenizer

from bot.base.files import write_atomically
from bot.kb.model import Organisation
from bot.matching.index import Index

WEIGHTS = Path("weights") / "l2_supercat_256.safetensors"
TOKENIZER = Path("tokenizers") / "l2_supercat_tokenizer_config.json"
_TENSOR = "embedding.weight"
CACHE_FILE = "semantic-embeddings.npz"
CACHE_FORMAT = 1  # raise when what is stored, or how it is embedded, changes

logger = logging.getLogger(__name__)


def bundled_files() -> tuple[Path, Path]:
    """The weights and tokenizer files inside the installed wordllama package."""
    spec = importlib.util.find_spec("wordllama")  # finds the folder, runs none of its code
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the wordllama package is not installed")
    folder = Path(next(iter(spec.submodule_search_locations)))
    weights, tokenizer = folder / WEIGHTS, folder / TOKENIZER
    for path in (weights, tokenizer):
        if not path.is_file():
            raise FileNotFoundError(f"wordllama's bundled file is missing: {path}")
    return weights, tokenizer


class Embedder:
    """Texts to unit vectors: the mean of their tokens' static embeddings."""

    def __init__(self, weights: Path, tokenizer: Path) -> None:
        with safe_open(str(weights), framework="np", device="cpu") as tensors:
            self.table: np.ndarray = tensors.get_tensor(_TENSOR)  # float16, kept as shipped
        self.tokenizer = Tokenizer.from_file(str(tokenizer))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.dimensions = int(self.table.shape[1])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One float32 row of length 1 per text (zeros for a text with no tokens)."""
        found = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        if not texts:
            return found
        encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64,
                              count=len(encodings))
        ids = np.fromiter((i for e in encodings for i in e.ids), dtype=np.int64,
                          count=int(lengths.sum()))
        if ids.size:
            np.clip(ids, 0, self.table.shape[0] - 1, out=ids)
            vectors = self.table[ids].astype(np.float32)
            rows = np.repeat(np.arange(len(texts)), lengths)
            np.add.at(found, rows, vectors)
        norms = np.linalg.norm(found, axis=1, keepdims=True)
        np.divide(found, norms, out=found, where=norms > 0)
        return found

    def embed_one(self, text: str) -> np.ndarray:
        """The unit vector of one text (zeros if it has no tokens)."""
        ids = self.tokenizer.encode(text, add_special_tokens=False).ids
        if not ids:
            return np.zeros(self.dimensions, dtype=np.float32)
        vector = self.table[np.clip(ids, 0, self.table.shape[0] - 1)].astype(np.float32).sum(0)
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm > 0 else vector


@cache
def bundled_embedder() -> Embedder:
    """The embedder from wordllama's bundled files, loaded once per process."""
    return Embedder(*bundled_files())


@cache
def bundled_model_digest() -> str:
    """SHA-256 of the bundled weights and tokenizer files: which model made a vector."""
    digest = hashlib.sha256()
    for path in bundled_files():
        digest.update(path.read_bytes())
    return digest.hexdigest()


class EmbeddingCache:
    """The knowledge base's phrase vectors in one ``.npz`` file in ``directory``.

    A file that is missing, unreadable, damaged, of another shape or made from other texts
    or another model is ignored (and replaced by the next write). Writes go to a temporary
    file that is then renamed over the old one, so a reader never sees half a file.
    """

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / CACHE_FILE

    def read(self, key: str, rows: int, dimensions: int) -> np.ndarray | None:
        """The vectors stored under ``key``, or None when there are none fit to use."""
        try:
            with np.load(self.path, allow_pickle=False) as stored:
                if str(stored["key"]) != key:
                    return None
                vectors = stored["vectors"]
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
            logger.warning("ignoring the damaged embedding cache %s: %s", self.path, error)
            return None
        if (vectors.dtype != np.float32 or vectors.shape != (rows, dimensions)
                or not np.isfinite(vectors).all()):
            logger.warning("ignoring the embedding cache %s: not %d x %d finite float32 "
                           "vectors", self.path, rows, dimensions)
            return None
        return vectors

    def write(self, key: str, vectors: np.ndarray) -> None:
        """Store ``vectors`` under ``key``, atomically; a failure is logged, not raised:
        the vectors are in memory already, only the next start-up is slower."""
        try:
            write_atomically(self.path, lambda file: np.savez(file, key=np.array(key),
                                                              vectors=vectors), ".embeddings-")
        except OSError as error:
            logger.warning("could not write the embedding cache %s: %s", self.path, error)


# The vectors of the last few knowledge bases embedded in this process, by cache key: a
# reload that changed no text, or the bilingual matcher of the same texts, embeds nothing.
_recent: dict[str, np.ndarray] = {}
_recent_lock = threading.Lock()
_RECENT = 2


def _remember(key: str, vectors: np.ndarray) -> None:
    vectors.setflags(write=False)  # shared between indexes: nobody may change them
    with _recent_lock:
        _recent.pop(key, None)
        _recent[key] = vectors
        while len(_recent) > _RECENT:
            _recent.pop(next(iter(_recent)))


def cache_key(texts: Sequence[str]) -> str:
    """What the vectors of ``texts`` depend on: the texts in order, the model, the format."""
    digest = hashlib.sha256(json.dumps([CACHE_FORMAT, bundled_model_digest(), list(texts)],
                                       ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


@dataclass(frozen=True)
class SemanticIndex:
    """Every phrase's vector and every entry's centroid, to score entries against a question.

    An entry's similarity to a question is the mean of two cosines: with its closest phrase
    (one phrasing said the same thing) and with the centroid of all its phrases (the
    question is about what the entry is about). On blind16_dev the mean ranked the right
    entry first for 64 of 80 questions, the closest phrase alone for 59, the centroid for 62.
    """

    vectors: np.ndarray  # one unit row per phrase, float32
    centroids: np.ndarray  # one unit row per entry (zeros for an entry without phrases)
    owners: np.ndarray  # entry position of each row, sorted ascending
    starts: np.ndarray  # first row of each entry that has rows
    entries: np.ndarray  # the entry positions ``starts`` belong to
    entry_count: int

    @classmethod
    def build(cls, embedder: Embedder, texts: Sequence[str], owners: Sequence[int],
              entry_count: int, cache: EmbeddingCache | None = None) -> SemanticIndex:
        """Embed ``texts`` (``owners[i]`` is the entry position of ``texts[i]``), or read
        their vectors from ``cache`` when it holds these very texts' vectors."""
        order = np.argsort(np.asarray(owners, dtype=np.int64), kind="stable")
        sorted_owners = np.asarray(owners, dtype=np.int64)[order]
        ordered = [texts[i] for i in order]
        key = cache_key(ordered)
        vectors = _recent.get(key)
        if vectors is not None:
            if cache is not None and cache.read(key, *vectors.shape) is None:
                cache.write(key, vectors)  # a new or damaged cache is filled all the same
        elif cache is not None:
            vectors = cache.read(key, len(ordered), embedder.dimensions)
        if vectors is None:
            vectors = embedder.embed(ordered)
            if cache is not None:
                cache.write(key, vectors)
        _remember(key, vectors)
        entries, starts = np.unique(sorted_owners, return_index=True)
        centroids = np.zeros((entry_count, vectors.shape[1]), dtype=np.float32)
        if len(entries):
            centroids[entries] = np.add.reduceat(vectors, starts, axis=0)
        norms = np.linalg.norm(centroids, axis=1, keepdims=True)
        np.divide(centroids, norms, out=centroids, where=norms > 0)
        return cls(vectors, centroids, sorted_owners, starts, entries, entry_count)

    def similarity(self, question: np.ndarray, entry: int) -> float:
        """One entry's similarity to ``question`` (a unit vector), as ``best`` scores it."""
        first, end = np.searchsorted(self.owners, (entry, entry + 1))  # owners are sorted
        closest = float((self.vectors[first:end] @ question).max()) if end > first else -1.0
        return (closest + float(self.centroids[entry] @ question)) / 2

    def best(self, question: np.ndarray) -> np.ndarray:
        """Each entry's similarity to ``question`` (a unit vector), -1..1."""
        closest = np.full(self.entry_count, -1.0, dtype=np.float32)
        if self.vectors.shape[0]:
            closest[self.entries] = np.maximum.reduceat(self.vectors @ question, self.starts)
        return (closest + self.centroids @ question) / 2


def near_pairs(semantic: SemanticIndex, floor: float) -> list[tuple[int, int, float]]:
    """Pairs of entry positions (first < second) whose centroids' cosine reaches ``floor``,
    nearest first: entries about the same thing, which a question may fall between."""
    similarity = semantic.centroids @ semantic.centroids.T
    first, second = np.nonzero(np.triu(similarity >= floor, k=1))
    pairs = [(int(a), int(b), round(float(similarity[a, b]), 2))
             for a, b in zip(first, second, strict=True)]
    pairs.sort(key=lambda pair: (-pair[2], pair[0], pair[1]))
    return pairs


def blend_scores(lexical: dict[int, float], similarity: np.ndarray, share: float,
                 floor: float, ceiling: float, depth: int) -> list[tuple[int, float]]:
    """Entry positions with (1 - share) x lexical score + share x semantic score, best first.

    The semantic score is the similarity mapped linearly from ``floor`` (0) to ``ceiling``
    (100) and clipped. The entries blended are those the lexical ranking found plus the
    ``depth`` semantically closest, so a question worded unlike every phrasing still has
    candidates; an entry the lexical ranking did not find scores 0 lexically.
    """
    closest = np.argsort(-similarity, kind="stable")[:depth]
    positions = list(dict.fromkeys([*lexical, *(int(p) for p in closest)]))
    semantic = np.clip((similarity[positions] - floor) / (ceiling - floor), 0.0, 1.0) * 100
    blended = [(p, round((1 - share) * lexical.get(p, 0.0) + share * float(s), 1))
               for p, s in zip(positions, semantic, strict=True)]
    blended.sort(key=lambda pair: -pair[1])  # stable: equal scores keep the lexical order
    return blended


def semantic_index(index: Index, cache_dir: Path | None = None) -> SemanticIndex:
    """The semantic index of every entry's texts as written: titles (every language), an
    organisation's name and aliases, phrasings and keywords. Not the stemmed phrases: the
    embedding table knows "approval", not "approv". ``cache_dir``: where to keep the
    vectors between start-ups (``EmbeddingCache``)."""
    texts: list[str] = []
    owners: list[int] = []
    for position, entry in enumerate(index.entries):
        found = [*entry.title.by_lang.values()]
        if isinstance(entry, Organisation):
            found += [*entry.name.by_lang.values(), *entry.aliases]
        found += [*entry.phrasings, *entry.keywords]
        texts += found
        owners += [position] * len(found)
    cache = EmbeddingCache(cache_dir) if cache_dir is not None else None
    return SemanticIndex.build(bundled_embedder(), texts, owners, len(index.entries), cache)
