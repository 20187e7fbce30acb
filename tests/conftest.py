"""Shared fixtures: knowledge bases, a state database in tmp_path, and a Pathway service."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.kb.loader import load_knowledge
from bot.kb.model import KnowledgeBase
from bot.service import KnowledgeHolder, Pathway
from bot.store.database import Database

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_KNOWLEDGE = ROOT / "knowledge"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ENGINE_KB = FIXTURES / "kb_engine"


@pytest.fixture(scope="session")
def bundled_kb() -> KnowledgeBase:
    """The knowledge base shipped in knowledge/."""
    return load_knowledge(BUNDLED_KNOWLEDGE)


@pytest.fixture(scope="session")
def engine_holder() -> KnowledgeHolder:
    """The small engine-test knowledge base, loaded once."""
    return KnowledgeHolder(ENGINE_KB)


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A writable copy of the engine-test knowledge base, for tests that edit it."""
    target = tmp_path / "knowledge"
    shutil.copytree(ENGINE_KB, target)
    return target


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """A fresh state database in a temporary directory."""
    db = Database(tmp_path / "pathway.sqlite")
    yield db
    db.close()


@pytest.fixture
def pathway(engine_holder: KnowledgeHolder, database: Database) -> Pathway:
    """The service over the engine-test knowledge base and a fresh database."""
    return Pathway(engine_holder, database)
