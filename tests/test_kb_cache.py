"""The validated load kept on disk: served only for the very same files, code and day."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.base.normalise import normalise
from bot.kb import load_cache, loader
from bot.kb.load_cache import CACHE_FILE, code_version
from bot.kb.loader import check_knowledge, load_knowledge
from tests.conftest import BUNDLED_KNOWLEDGE, ROOT

TITLE = "Do I need ethics approval?"  # a topic title of tests/fixtures/kb_engine


def cache_file(cache_dir: Path) -> Path:
    return cache_dir / CACHE_FILE


def tamper_title(cache_dir: Path, new_title: str) -> None:
    """Change one title inside the cache file alone, keeping its key: if a load shows the
    new title, it was served from the cache."""
    path = cache_file(cache_dir)
    text = path.read_text("utf-8")
    assert json.dumps(TITLE) in text
    path.write_text(text.replace(json.dumps(TITLE), json.dumps(new_title)), "utf-8")


def titles(directory: Path, cache_dir: Path | None) -> set[str]:
    return {str(topic.title) for topic in load_knowledge(directory, cache_dir).topics}


def test_a_second_load_is_served_from_the_cache(kb_dir: Path, tmp_path: Path) -> None:
    """Same files, same code, same day: the kept load is used (the tampered title shows)."""
    cache_dir = tmp_path / "data"
    first = check_knowledge(kb_dir, cache_dir=cache_dir)
    assert first.knowledge is not None and cache_file(cache_dir).is_file()
    tamper_title(cache_dir, "Served from the cache")
    assert "Served from the cache" in titles(kb_dir, cache_dir)
    assert "Served from the cache" not in titles(kb_dir, None)  # no cache dir: always in full


def test_the_cached_load_equals_the_full_one_on_the_bundled_knowledge_base(
        tmp_path: Path) -> None:
    """Model, version and every problem are what a full load gives."""
    full = check_knowledge(BUNDLED_KNOWLEDGE, today="2026-12-02")
    check_knowledge(BUNDLED_KNOWLEDGE, today="2026-12-02", cache_dir=tmp_path)
    cached = check_knowledge(BUNDLED_KNOWLEDGE, today="2026-12-02", cache_dir=tmp_path)
    assert cached.knowledge == full.knowledge
    assert cached.problems == full.problems


def test_an_edited_file_is_loaded_again(kb_dir: Path, tmp_path: Path) -> None:
    """One changed byte in a knowledge file and the cache is not served, then rewritten."""
    cache_dir = tmp_path / "data"
    load_knowledge(kb_dir, cache_dir)
    tamper_title(cache_dir, "Stale")
    topics = kb_dir / "topics.yaml"
    topics.write_text(topics.read_text("utf-8").replace(TITLE, "Do I need REC approval?"),
                      "utf-8")
    found = titles(kb_dir, cache_dir)
    assert "Do I need REC approval?" in found and "Stale" not in found
    assert "Do I need REC approval?" in cache_file(cache_dir).read_text("utf-8")


def test_a_load_the_cache_cannot_serve_reads_each_file_once(
        kb_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a first start (or after an edit) the bytes hashed to look the load up are the
    bytes parsed: no file is read twice, and the edit is what is loaded."""
    reads: list[Path] = []
    real = loader.read_limited

    def counted(path: Path, *args: object) -> bytes | None:
        reads.append(path)
        return real(path, *args)

    monkeypatch.setattr(loader, "read_limited", counted)
    cache_dir = tmp_path / "data"
    result = check_knowledge(kb_dir, cache_dir=cache_dir)
    assert result.knowledge is not None and cache_file(cache_dir).is_file()
    files = sorted(kb_dir.rglob("*.yaml"))
    assert sorted(reads) == files  # each once
    reads.clear()
    topics = kb_dir / "topics.yaml"
    topics.write_text(topics.read_text("utf-8").replace(TITLE, "Do I need REC approval?"),
                      "utf-8")
    assert "Do I need REC approval?" in titles(kb_dir, cache_dir)
    assert sorted(reads) == files


def test_a_new_file_is_loaded_again(kb_dir: Path, tmp_path: Path) -> None:
    """A file added beside the others changes the key too."""
    cache_dir = tmp_path / "data"
    load_knowledge(kb_dir, cache_dir)
    tamper_title(cache_dir, "Stale")
    (kb_dir / "vocabulary.yaml").write_text("vocabulary:\n  off_topic_words: [payslip]\n")
    kb = load_knowledge(kb_dir, cache_dir)
    assert kb.vocabulary.off_topic_words == ("payslip",)
    assert "Stale" not in {str(t.title) for t in kb.topics}


@pytest.mark.parametrize("damage", [
    b"", b"{", b"not json at all", b"[]", b'{"key": 3}', b"\xff\xfe",
    "truncate", "wrong-shape",
])
def test_a_damaged_cache_is_ignored_and_rewritten(kb_dir: Path, tmp_path: Path,
                                                  damage: bytes | str,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    """Whatever is in the file, the load is right and the file is good again after it."""
    cache_dir = tmp_path / "data"
    expected = load_knowledge(kb_dir)
    load_knowledge(kb_dir, cache_dir)
    path = cache_file(cache_dir)
    good = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(good[: len(good) // 2])
    elif damage == "wrong-shape":
        stored = json.loads(good)
        stored["files"][0]["lines"] = {"topics": ["one"]}
        path.write_text(json.dumps(stored), "utf-8")
    else:
        path.write_bytes(damage)
    with caplog.at_level(logging.WARNING, logger="bot.kb.load_cache"):
        assert load_knowledge(kb_dir, cache_dir) == expected
    assert path.read_bytes() == good


def test_a_cache_of_right_shape_but_wrong_content_is_not_trusted(kb_dir: Path,
                                                                 tmp_path: Path) -> None:
    """Data that builds no model (an entry without its id) means a full load instead."""
    cache_dir = tmp_path / "data"
    expected = load_knowledge(kb_dir)
    load_knowledge(kb_dir, cache_dir)
    path = cache_file(cache_dir)
    stored = json.loads(path.read_bytes())
    topics = next(f for f in stored["files"] if f["kind"] == "topics")
    del topics["data"]["topics"][0]["id"]
    path.write_text(json.dumps(stored), "utf-8")
    assert load_knowledge(kb_dir, cache_dir) == expected


def test_new_loading_code_is_never_served_an_old_load(kb_dir: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """After a change to the loading code (here: its version digest) the files load in full."""
    cache_dir = tmp_path / "data"
    load_knowledge(kb_dir, cache_dir)
    tamper_title(cache_dir, "Made by the old code")
    monkeypatch.setattr(load_cache, "code_version", lambda files=None: "a newer version")
    assert "Made by the old code" not in titles(kb_dir, cache_dir)


def test_the_code_version_follows_every_byte_of_the_sources(tmp_path: Path) -> None:
    """Editing any loading source file changes the version the cache is keyed by."""
    sources = []
    for name in ("loader.py", "checks.py", "topics.schema.json"):
        sources.append(tmp_path / name)
        sources[-1].write_text(f"# {name}\n", "utf-8")
    before = code_version(sources)
    sources[1].write_text("# checks.py, edited\n", "utf-8")
    assert code_version(sources) != before
    assert code_version() == code_version()  # the installed code: stable within a process


def test_a_cache_from_another_day_is_not_served(kb_dir: Path, tmp_path: Path) -> None:
    """Stale-review warnings depend on the day: a load kept yesterday is not used today."""
    cache_dir = tmp_path / "data"
    fresh = check_knowledge(kb_dir, today="2026-01-01", cache_dir=cache_dir)
    later = check_knowledge(kb_dir, today="2031-01-01", cache_dir=cache_dir)
    assert not fresh.warnings
    assert later.warnings == check_knowledge(kb_dir, today="2031-01-01").warnings
    assert any("over 12 months ago" in p.message for p in later.warnings)


def test_a_knowledge_base_with_errors_is_never_kept(kb_dir: Path, tmp_path: Path) -> None:
    """Errors are reported afresh every time, and nothing is written."""
    cache_dir = tmp_path / "data"
    topics = kb_dir / "topics.yaml"
    topics.write_text(topics.read_text("utf-8").replace("reviewed:", "reviewd:", 1), "utf-8")
    assert check_knowledge(kb_dir, cache_dir=cache_dir).errors
    assert not cache_file(cache_dir).exists()


def test_an_unwritable_cache_dir_only_costs_speed(kb_dir: Path, tmp_path: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    """A cache that cannot be written is logged; the load itself succeeds."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data directory should be", "utf-8")
    with caplog.at_level(logging.WARNING, logger="bot.kb.load_cache"):
        assert load_knowledge(kb_dir, blocker / "data") == load_knowledge(kb_dir)
    assert "could not write the knowledge cache" in caplog.text


def test_kb_check_always_validates_in_full(kb_dir: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A kept load that would be served (it carries a made-up warning) is not what
    ``pathway kb check`` prints, even with the cache in PATHWAY_DATA_DIR."""
    data_dir = tmp_path / "data"
    monkeypatch.chdir(tmp_path)  # file names in the key are as kb check, run here, shows them
    check_knowledge(kb_dir, cache_dir=data_dir)
    path = cache_file(data_dir)
    stored = json.loads(path.read_bytes())
    stored["problems"].append(["knowledge/topics.yaml", 1, "served from the cache", "warning"])
    path.write_text(json.dumps(stored), "utf-8")
    assert "served from the cache" in str(check_knowledge(kb_dir, cache_dir=data_dir).warnings)
    environment = {**os.environ, "PATHWAY_DATA_DIR": str(data_dir)}
    done = subprocess.run([sys.executable, str(ROOT / "run_bot.py"), "kb", "check", str(kb_dir)],
                          capture_output=True, text=True, timeout=60, env=environment,
                          cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok: 5 stages" in done.stdout and "served from the cache" not in done.stdout


def test_the_index_after_a_kept_load_is_the_one_a_full_load_gives(tmp_path: Path) -> None:
    """The normalised texts kept with the load are what normalising gives: every phrase,
    weight and posting of the index is the same, and the index lets go of them once built."""
    from bot.matching.index import Index

    full = Index(load_knowledge(BUNDLED_KNOWLEDGE).entries())
    load_knowledge(BUNDLED_KNOWLEDGE, tmp_path)
    kept = load_knowledge(BUNDLED_KNOWLEDGE, tmp_path)
    phrasing = kept.topics[0].phrasings[0]
    assert load_cache.kept_normalised(phrasing) == normalise(phrasing)
    index = Index(kept.entries())
    assert load_cache.kept_normalised(phrasing) is None
    assert index.phrases == full.phrases and index.idf == full.idf
    assert index.postings == full.postings and index.verbatim == full.verbatim
    assert index.stem_of == full.stem_of and index.phrasing_uses == full.phrasing_uses
