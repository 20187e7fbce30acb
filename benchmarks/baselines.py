"""Pathway's matcher beside two plain baselines, TF-IDF and BM25, on the same question sets.

Usage: python benchmarks/baselines.py [--knowledge DIR] [--dev FILE] [--failures] [SET ...]

Each baseline indexes the same texts the matcher indexes (every entry's titles, names,
aliases, phrasings and keywords), scores an entry by its best text, and answers with the
top entry when its score reaches a threshold. The threshold is chosen on the development
set only (``--dev``, default tests/data/blind16_dev.yaml): the one that maximises in-scope
accuracy plus out-of-scope decline rate there. Every other set is then measured with it.

- TF-IDF: word 1-2-grams and character 3-5-grams (inside word boundaries), sublinear term
  frequency, smoothed idf, cosine similarity; the score is the mean of the two cosines.
- BM25: word unigrams, k1 = 1.5, b = 0.75, over the same texts.

For every set and method it prints: in-scope answered right, out-of-scope declined, the
right entry among the top three, and the right entry in the answer or its "See also".
"""

from __future__ import annotations

import argparse
import itertools
import math
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.kb.loader import load_knowledge  # noqa: E402
from bot.kb.model import Entry, KnowledgeBase, Organisation  # noqa: E402
from bot.matching import Matcher  # noqa: E402
from bot.matching.evaluate import clean_sets  # noqa: E402

DATA = ROOT / "tests" / "data"
DEFAULT_DEV = DATA / "blind16_dev.yaml"
WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Question:
    """One question of a set and the entry it expects (None: it must be declined)."""

    text: str
    expect: str | None
    also: frozenset[str] = frozenset()  # other entries that answer it as well

    def right(self, entry_id: str | None) -> bool:
        """Whether ``entry_id`` answers the question."""
        return entry_id is not None and (entry_id == self.expect or entry_id in self.also)


@dataclass(frozen=True)
class Ranked:
    """A method's answer to one question: the confident entry (or None) and its ranking."""

    answer: str | None
    ranking: tuple[str, ...]  # entry ids, best first
    see_also: tuple[str, ...] = ()


@dataclass
class Tally:
    """Counts for one method on one set."""

    inside: int = 0
    right: int = 0
    top3: int = 0
    shown: int = 0
    outside: int = 0
    declined: int = 0

    def add(self, question: Question, ranked: Ranked) -> None:
        """Count one question."""
        if question.expect is None:
            self.outside += 1
            self.declined += ranked.answer is None
            return
        self.inside += 1
        self.right += question.right(ranked.answer)
        self.top3 += any(question.right(e) for e in ranked.ranking[:3])
        self.shown += ranked.answer is not None and any(
            question.right(e) for e in (ranked.answer, *ranked.see_also))

    def cells(self) -> list[str]:
        """The table cells: right, declined, top 3, answer or see also."""
        def share(part: int, whole: int) -> str:
            return f"{100 * part / whole:5.1f}%" if whole else "    -"
        return [share(self.right, self.inside), share(self.declined, self.outside),
                share(self.top3, self.inside), share(self.shown, self.inside)]


def load_set(path: Path) -> list[Question]:
    """Questions from a file shaped like examples.yaml (``examples:``, ``out_of_scope:``)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    inside = [Question(str(item["q"]), str(item["expect"]), frozenset(item.get("also") or ()))
              for item in data.get("examples") or []]
    outside = [Question(str(text), None) for text in data.get("out_of_scope") or []]
    return inside + outside


def entry_texts(entry: Entry) -> list[str]:
    """The texts the matcher indexes for an entry, English and Welsh."""
    texts = [*entry.title.by_lang.values()]
    if isinstance(entry, Organisation):
        texts += [*entry.name.by_lang.values(), *entry.aliases]
    return texts + list(entry.phrasings) + list(getattr(entry, "phrasings_cy", ())) + list(
        entry.keywords)


def words(text: str) -> list[str]:
    """Lower-case words without accents."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return WORD.findall("".join(c for c in folded if not unicodedata.combining(c)))


def word_grams(text: str) -> list[str]:
    """Word unigrams and bigrams."""
    found = words(text)
    return found + [f"{a} {b}" for a, b in itertools.pairwise(found)]


def char_grams(text: str) -> list[str]:
    """Character 3-5-grams inside word boundaries (each word padded with spaces)."""
    grams = []
    for word in words(text):
        padded = f" {word} "
        for size in (3, 4, 5):
            grams += [padded[i:i + size] for i in range(max(len(padded) - size + 1, 1))]
    return grams


class SparseIndex:
    """Documents as L2-normalised tf-idf vectors, with postings for fast cosine."""

    def __init__(self, documents: list[list[str]]) -> None:
        frequency = Counter(term for doc in documents for term in set(doc))
        count = len(documents)
        self.idf = {t: math.log((1 + count) / (1 + df)) + 1 for t, df in frequency.items()}
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for position, doc in enumerate(documents):
            for term, weight in self.vector(doc).items():
                self.postings[term].append((position, weight))

    def vector(self, terms: Iterable[str]) -> dict[str, float]:
        """Sublinear tf times idf, normalised to length 1; unknown terms are dropped."""
        counts = Counter(t for t in terms if t in self.idf)
        raw = {t: (1 + math.log(n)) * self.idf[t] for t, n in counts.items()}
        norm = math.sqrt(sum(v * v for v in raw.values())) or 1.0
        return {t: v / norm for t, v in raw.items()}

    def cosines(self, terms: Iterable[str]) -> dict[int, float]:
        """Cosine similarity of the query with every document that shares a term."""
        scores: dict[int, float] = defaultdict(float)
        for term, weight in self.vector(terms).items():
            for position, doc_weight in self.postings[term]:
                scores[position] += weight * doc_weight
        return scores


class TfIdf:
    """Word and character n-gram tf-idf, cosine; an entry scores as its best text."""

    def __init__(self, owners: list[str], texts: list[str]) -> None:
        self.owners = owners
        self.by_words = SparseIndex([word_grams(t) for t in texts])
        self.by_chars = SparseIndex([char_grams(t) for t in texts])

    def scores(self, question: str) -> dict[str, float]:
        """Each entry's score for the question."""
        combined: dict[int, float] = defaultdict(float)
        for position, score in self.by_words.cosines(word_grams(question)).items():
            combined[position] += score / 2
        for position, score in self.by_chars.cosines(char_grams(question)).items():
            combined[position] += score / 2
        return best_per_entry(self.owners, combined)


class Bm25:
    """Okapi BM25 over word unigrams; an entry scores as its best text."""

    def __init__(self, owners: list[str], texts: list[str], k1: float = 1.5,
                 b: float = 0.75) -> None:
        self.owners, self.k1, self.b = owners, k1, b
        self.docs = [Counter(words(t)) for t in texts]
        self.lengths = [sum(doc.values()) for doc in self.docs]
        self.average = sum(self.lengths) / max(len(self.docs), 1)
        frequency = Counter(term for doc in self.docs for term in doc)
        count = len(self.docs)
        self.idf = {t: math.log(1 + (count - df + 0.5) / (df + 0.5)) for t, df in frequency.items()}
        self.postings: dict[str, list[int]] = defaultdict(list)
        for position, doc in enumerate(self.docs):
            for term in doc:
                self.postings[term].append(position)

    def scores(self, question: str) -> dict[str, float]:
        """Each entry's score for the question."""
        combined: dict[int, float] = defaultdict(float)
        for term in set(words(question)):
            for position in self.postings.get(term, ()):
                tf = self.docs[position][term]
                norm = self.k1 * (1 - self.b + self.b * self.lengths[position] / self.average)
                combined[position] += self.idf[term] * tf * (self.k1 + 1) / (tf + norm)
        return best_per_entry(self.owners, combined)


def best_per_entry(owners: list[str], scores: dict[int, float]) -> dict[str, float]:
    """The best text's score for each entry."""
    best: dict[str, float] = {}
    for position, score in scores.items():
        owner = owners[position]
        best[owner] = max(best.get(owner, 0.0), score)
    return best


Scorer = Callable[[str], dict[str, float]]


def thresholded(scorer: Scorer, threshold: float) -> Callable[[str], Ranked]:
    """A method that answers with the top entry when it scores at least ``threshold``."""
    def answer(question: str) -> Ranked:
        scores = scorer(question)
        ranking = tuple(sorted(scores, key=lambda e: -scores[e]))
        top = ranking[0] if ranking and scores[ranking[0]] >= threshold else None
        return Ranked(top, ranking)
    return answer


def choose_threshold(scorer: Scorer, dev: list[Question]) -> float:
    """The threshold that maximises in-scope accuracy plus decline rate on the dev set."""
    tops = []
    for question in dev:
        scores = scorer(question.text)
        best = max(scores, key=lambda e: scores[e]) if scores else None
        tops.append((question, best, scores.get(best, 0.0) if best else 0.0))
    candidates = [*sorted({score for _, _, score in tops}), math.inf]
    inside = sum(q.expect is not None for q in dev) or 1
    outside = sum(q.expect is None for q in dev) or 1

    def quality(threshold: float) -> float:
        right = sum(q.expect is not None and q.right(best) and score >= threshold
                    for q, best, score in tops)
        declined = sum(q.expect is None and score < threshold for q, _, score in tops)
        return right / inside + declined / outside
    return max(candidates, key=quality)


def right_at_decline(scorer: Scorer, questions: list[Question], declined: int) -> int | None:
    """In-scope questions ``scorer`` gets right with the lowest threshold that declines at
    least ``declined`` of the out-of-scope ones (None if no threshold does).

    The threshold is chosen on the very set it is measured on, knowing the answers: the
    baseline's best possible figure at that decline rate, so a lead over it is not an
    artefact of where its threshold was put.
    """
    tops = []
    for question in questions:
        scores = scorer(question.text)
        best = max(scores, key=lambda e: scores[e]) if scores else None
        tops.append((question, best, scores.get(best, 0.0) if best else 0.0))
    for threshold in [*sorted({score for _, _, score in tops}), math.inf]:
        if sum(q.expect is None and score < threshold for q, _, score in tops) >= declined:
            return sum(q.expect is not None and q.right(best) and score >= threshold
                       for q, best, score in tops)
    return None


def pathway_method(matcher: Matcher) -> Callable[[str], Ranked]:
    """Pathway's own matcher, with its threshold, margin and "See also"."""
    def answer(question: str) -> Ranked:
        result = matcher.match(question)
        ranking = tuple(m.entry.id for m in result.candidates)
        see_also = tuple(m.entry.id for m in result.related)
        return Ranked(result.best.entry.id if result.best else None, ranking, see_also)
    return answer


def default_sets() -> list[Path]:
    """Every question set in tests/data, oldest first, then the examples file."""
    return sorted(DATA.glob("*.yaml"), key=lambda p: p.stat().st_mtime)


def baseline_scorers(kb: KnowledgeBase) -> dict[str, Scorer]:
    """TF-IDF and BM25 over every entry's texts."""
    owners, texts = [], []
    for entry in kb.entries():
        for text in entry_texts(entry):
            owners.append(entry.id)
            texts.append(text)
    return {"tf-idf": TfIdf(owners, texts).scores, "bm25": Bm25(owners, texts).scores}


def build_methods(kb: KnowledgeBase, dev: list[Question],
                  scorers: dict[str, Scorer] | None = None
                  ) -> dict[str, Callable[[str], Ranked]]:
    """Pathway and the two baselines, with thresholds chosen on ``dev``."""
    scorers = scorers or baseline_scorers(kb)
    return {"pathway": pathway_method(Matcher(kb)),
            **{name: thresholded(scorer, choose_threshold(scorer, dev))
               for name, scorer in scorers.items()}}


def main(argv: list[str] | None = None) -> int:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", type=Path, help="question sets (default: tests/data)")
    parser.add_argument("--knowledge", type=Path, default=ROOT / "knowledge")
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV,
                        help="the set the baselines' thresholds are chosen on")
    parser.add_argument("--failures", action="store_true", help="list Pathway's misses")
    args = parser.parse_args(argv)
    kb = load_knowledge(args.knowledge)
    scorers = baseline_scorers(kb)
    clean = clean_sets(DATA)
    methods = build_methods(kb, load_set(args.dev), scorers)
    print(f"thresholds chosen on {args.dev.name}; cells: in-scope right | out-of-scope "
          "declined | right entry in top 3 | right entry answered or in See also; "
          "'at equal decline': a baseline's in-scope right with its threshold set on that "
          "very set to decline at least as many as Pathway")
    equal = [f"{name} at equal decline" for name in scorers]
    print(f"| set | n | {' | '.join([*methods, *equal])} |")
    print(f"| --- | --- | {' | '.join('---' for _ in [*methods, *equal])} |")
    for path in args.sets or default_sets():
        questions = load_set(path)
        tallies = {name: Tally() for name in methods}
        misses = []
        for question in questions:
            for name, method in methods.items():
                ranked = method(question.text)
                tallies[name].add(question, ranked)
                if name == "pathway" and ranked.answer != question.expect and not (
                        question.right(ranked.answer)):
                    misses.append((question, ranked))
        inside = sum(q.expect is not None for q in questions)
        cells = [" / ".join(t.cells()) for t in tallies.values()]
        for scorer in scorers.values():
            right = right_at_decline(scorer, questions, tallies["pathway"].declined)
            cells.append(f"{100 * right / inside:5.1f}%" if right is not None and inside
                         else "    -")
        print(f"| {path.name} | {inside}+{len(questions) - inside} | {' | '.join(cells)} |")
        if args.failures and path.stem in clean:
            print("    (a clean set, tests/data/clean.txt: its misses are not listed)")
        elif args.failures:
            for question, ranked in misses:
                print(f"    {question.text!r}: expected {question.expect}, got {ranked.answer}"
                      f" (top {', '.join(ranked.ranking[:3])})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
