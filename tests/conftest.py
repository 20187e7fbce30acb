"""Shared fixtures: knowledge bases, a state database in tmp_path, and a Pathway service."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.kb.loader import load_knowledge
from bot.kb.model import KnowledgeBase
from bot.service import KnowledgeHolder, Pathway
from bot.store.database import Database

# The Slack fixtures (a fake Web API, the real app served by waitress), for every test file:
# registered here, before any test module imports a helper from them.
pytest_plugins = ["slack_fixtures"]

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


@pytest.fixture(scope="session")
def bundled_holder() -> KnowledgeHolder:
    """The bundled knowledge base as the service serves it, loaded once."""
    return KnowledgeHolder(BUNDLED_KNOWLEDGE)


@pytest.fixture
def bundled(bundled_holder: KnowledgeHolder, tmp_path: Path) -> Iterator[Pathway]:
    """The service over the bundled knowledge base and a fresh database."""
    database = Database(tmp_path / "state.sqlite")
    yield Pathway(bundled_holder, database, log_key_file=tmp_path / "key")
    database.close()


def ask_json(question: str, tmp_path: Path) -> dict:
    """`run_bot.py ask --json QUESTION` on the bundled knowledge base, as a user runs it."""
    environ = {**os.environ, "PATHWAY_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run([sys.executable, str(ROOT / "run_bot.py"), "ask", "--json", question],
                            capture_output=True, text=True, env=environ, timeout=60, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def in_processes(code: str, count: int, tmp_path: Path, prelude: str = "",
                 timeout: float = 120, settle: float = 0.5) -> list[str]:
    """Run ``prelude`` then ``code`` in ``count`` Python processes, ``code`` released in all of
    them at once (after ``settle`` seconds for the preludes); return their stdout."""
    go = tmp_path / "go"
    script = (f"import time, pathlib, sys\nsys.path.insert(0, {str(ROOT)!r})\n" + prelude
              + f"while not pathlib.Path({str(go)!r}).exists(): time.sleep(0.002)\n" + code)
    workers = [subprocess.Popen([sys.executable, "-c", script, str(n)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for n in range(count)]
    time.sleep(settle)
    go.touch()
    outputs = []
    for worker in workers:
        out, err = worker.communicate(timeout=timeout)
        assert worker.returncode == 0, err
        outputs.append(out)
    return outputs
