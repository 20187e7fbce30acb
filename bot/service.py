"""Pathway as a service: the engine plus the knowledge snapshot and the state store.

Adapters (terminal, Slack) call these methods with a workspace and a user and get a Reply.
Each call that changes state holds the user's lock, and commits before returning.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from bot.engine import Engine
from bot.insights import DEFAULT_RETENTION_DAYS, QuestionLog
from bot.intents import COMMANDS
from bot.kb.loader import KnowledgeError, Problem, check_knowledge
from bot.kb.model import KnowledgeBase
from bot.matching import Matcher, MatcherConfig
from bot.messages import say
from bot.replies import Reply
from bot.state import Database, UserStore, now_iso


@dataclass(frozen=True)
class Snapshot:
    """One loaded knowledge base and everything built from it; replaced whole on reload."""

    knowledge: KnowledgeBase
    matcher: Matcher
    engine: Engine
    loaded_at: str


@dataclass(frozen=True)
class ReloadResult:
    """What a reload attempt found."""

    ok: bool
    version: str
    problems: tuple[Problem, ...]


class KnowledgeHolder:
    """Holds the current knowledge snapshot; a reload swaps it atomically or not at all."""

    def __init__(self, directory: str | Path, config: MatcherConfig | None = None) -> None:
        self.directory = Path(directory)
        self.config = config
        self._lock = threading.Lock()
        self.last_reload: ReloadResult | None = None
        result = check_knowledge(self.directory)
        if result.knowledge is None:
            raise KnowledgeError(result.errors)
        self._current = self._build(result.knowledge)

    def _build(self, knowledge: KnowledgeBase) -> Snapshot:
        matcher = Matcher(knowledge, self.config)
        return Snapshot(knowledge, matcher, Engine(knowledge, matcher), now_iso())

    @property
    def current(self) -> Snapshot:
        """The snapshot to use for one whole request."""
        return self._current

    def reload(self) -> ReloadResult:
        """Load the files again; keep serving the last good version if they have errors."""
        with self._lock:
            result = check_knowledge(self.directory)
            if result.knowledge is None:
                outcome = ReloadResult(False, self._current.knowledge.version,
                                       tuple(result.problems))
            else:
                self._current = self._build(result.knowledge)
                outcome = ReloadResult(True, result.knowledge.version, tuple(result.problems))
            self.last_reload = outcome
            return outcome


class Pathway:
    """What every adapter talks to."""

    def __init__(self, knowledge: KnowledgeHolder, database: Database,
                 retention_days: int = DEFAULT_RETENTION_DAYS) -> None:
        self.knowledge = knowledge
        self.database = database
        self.users = UserStore(database)
        threshold = knowledge.current.matcher.config.threshold
        self.questions = QuestionLog(database, retention_days, threshold)
        self.questions.purge()
        self._feedback = database.table("feedback")
        self._feedback_lock = threading.Lock()

    def respond(self, workspace: str, user: str, text: str, private: bool = True) -> Reply:
        """Answer a message. Private (DM, terminal) turns change and store the user's state."""
        engine = self.knowledge.current.engine
        key = UserStore.key(workspace, user)
        with self.users.locked(key):
            state = self.users.load(key)
            reply, new_state = engine.handle(state, text, private=private)
            if private and new_state is None:
                self.users.delete(key)
                self.questions.forget_user(key)
            elif private:
                self.users.save(key, new_state)
            if reply.asked is not None:
                self.questions.record(key, reply.asked)
            if reply.kind == "data" and private:
                reply = self._with_logged_questions(key, reply)
        return reply

    def _with_logged_questions(self, key: str, reply: Reply) -> Reply:
        """Add the user's rows of the question log to "what I keep about you"."""
        digest = self.questions.user_hash(key)
        asked = [{"at": row["at"], "text": row["text"]} for row in self.questions.rows()
                 if row.get("user") == digest]
        note = say("me.questions", self.users.load(key).lang, count=len(asked),
                   days=self.questions.retention_days)
        data = {"state": reply.data, "questions_asked": asked}
        return replace(reply, text=f"{reply.text}\n{note}", data=data)

    def dashboard(self, workspace: str, user: str) -> Reply:
        """The user's progress at a glance (App Home). Changes nothing."""
        engine = self.knowledge.current.engine
        key = UserStore.key(workspace, user)
        with self.users.locked(key):
            state = self.users.load(key)
        return engine.dashboard(state)

    def set_ticks(self, workspace: str, user: str, stage_id: str, item_ids: set[str]) -> Reply:
        """Make exactly these checklist items ticked on a stage, and store it."""
        engine = self.knowledge.current.engine
        key = UserStore.key(workspace, user)
        with self.users.locked(key):
            reply, new_state = engine.set_ticks(self.users.load(key), stage_id, item_ids)
            self.users.save(key, new_state)
        return reply

    def record_feedback(self, workspace: str, user: str, entry_id: str, helpful: bool) -> Reply:
        """Count a "helped / didn't help" vote for an entry. No user id is stored with it."""
        lang = self.users.load(UserStore.key(workspace, user)).lang
        if self.knowledge.current.knowledge.get(entry_id) is not None:
            day = dt.date.today().isoformat()
            key = f"{day}:{entry_id}"
            with self._feedback_lock:
                counts = self._feedback.get(key) or {"date": day, "entry": entry_id,
                                                     "helped": 0, "not_helped": 0}
                counts["helped" if helpful else "not_helped"] += 1
                self._feedback[key] = counts
                self._feedback.commit(blocking=True)
        return Reply("info", say("feedback.thanks_yes" if helpful else "feedback.thanks_no",
                                 lang))

    def forget(self, workspace: str, user: str) -> None:
        """Delete everything kept about a user at once (used after a confirmed request)."""
        key = UserStore.key(workspace, user)
        with self.users.locked(key):
            self.users.delete(key)
            self.questions.forget_user(key)

    @staticmethod
    def command_help() -> list[tuple[str, str]]:
        """(usage, description) for every command: the one source of help text."""
        return [(command.usage, command.description) for command in COMMANDS]
