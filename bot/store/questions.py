"""What people asked, for the admins: the question log, its reports, and its retention.

The log keeps no Slack user id: each row carries a keyed hash of the user's key, whose key
is kept in a file outside the database, so "forget me" can find and delete that user's rows
and nobody holding only the database can tell who asked. Rows older than the retention
period are purged.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import hmac
import io
import itertools
import logging
import os
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from bot.base.normalise import normalise, tokens
from bot.core.replies import Asked
from bot.kb.model import KnowledgeBase
from bot.store.database import Database, StateError, Transaction

logger = logging.getLogger(__name__)

DEFAULT_RETENTION_DAYS = 90  # how long questions and closed referrals are kept
LOW_CONFIDENCE_MARGIN = 5.0  # answered, but within this many points of the threshold
GROUP_SIMILARITY = 75.0  # token_sort_ratio at which two questions count as the same


def _timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _days_ago(days: int, now: dt.datetime | None = None) -> str:
    return _timestamp((now or dt.datetime.now(dt.timezone.utc)) - dt.timedelta(days=days))


QUESTIONS = "questions"
FEEDBACK = "feedback"
KEY_FILE_NAME = "question-log.key"


class QuestionLog:
    """Free questions and how well they were answered, kept for ``retention_days``.

    Rows carry a keyed hash (HMAC-SHA256) of the user's key instead of the user's id. The
    key lives in a file outside the database (``key_path``, readable only by the bot), so
    the database alone cannot tell who asked what.
    """

    def __init__(self, database: Database, retention_days: int = DEFAULT_RETENTION_DAYS,
                 threshold: float = 0.0, key_path: Path | None = None) -> None:
        self._database = database
        self.retention_days = retention_days
        self.threshold = threshold
        self._counter = itertools.count()
        if key_path is None and getattr(database, "path", None) is None:
            raise StateError("set PATHWAY_LOG_KEY_FILE with PATHWAY_DATABASE_URL: every "
                             "instance needs the same question log key")
        self._key = load_log_key(database, key_path or database.path.parent / KEY_FILE_NAME)

    def user_hash(self, user_key: str) -> str:
        """The keyed hash stored instead of the user's id."""
        return hmac.new(self._key, user_key.encode(), hashlib.sha256).hexdigest()[:24]

    def record(self, user_key: str, asked: Asked, now: dt.datetime | None = None) -> None:
        """Log one free question and its outcome, and commit."""
        moment = now or dt.datetime.now(dt.timezone.utc)
        low = asked.entry_id is not None and asked.score < self.threshold + LOW_CONFIDENCE_MARGIN
        row = {"at": _timestamp(moment), "user": self.user_hash(user_key), "text": asked.text,
               "answered": asked.entry_id, "score": round(asked.score, 1),
               "closest": asked.closest_id, "closest_score": round(asked.closest_score, 1),
               "low_confidence": low, "lang": asked.lang}
        if asked.off_topic_like is not None:
            row["off_topic_like"] = asked.off_topic_like
        key = f"{row['at']}#{os.getpid()}-{next(self._counter):06d}"
        with self._database.transaction() as tx:
            tx.put(QUESTIONS, key, row)

    def rows(self, days: int | None = None) -> list[dict[str, Any]]:
        """Logged rows, oldest first, optionally only the last ``days`` days."""
        since = _days_ago(days) if days is not None else ""
        with self._database.reading() as tx:
            found = tx.items(QUESTIONS)
        return [row for key, row in found if key >= since and isinstance(row, dict)]

    def forget_user(self, user_key: str, tx: Transaction | None = None) -> int:
        """Delete every row asked by this user; returns how many."""
        if tx is None:
            with self._database.transaction() as own:
                return self.forget_user(user_key, own)
        digest = self.user_hash(user_key)
        keys = [k for k, row in tx.items(QUESTIONS)
                if isinstance(row, dict) and row.get("user") == digest]
        for key in keys:
            tx.delete(QUESTIONS, key)
        return len(keys)

    def purge(self, now: dt.datetime | None = None) -> int:
        """Delete rows older than the retention period; returns how many."""
        cutoff = _days_ago(self.retention_days, now)
        with self._database.transaction() as tx:
            old = [key for key, _ in tx.items(QUESTIONS, below=cutoff)]
            for key in old:
                tx.delete(QUESTIONS, key)
        return len(old)


def load_log_key(database: Database, path: Path) -> bytes:
    """The question log's hashing key, from its file; made (mode 0600) on first use.

    Earlier versions kept this key (then called a salt) in the database's meta table; it
    moves to the file once, so rows already logged stay findable by "forget me", and is
    then deleted from the database.
    """
    legacy = database.table("meta").get("question_log_salt")
    if not path.exists():
        fresh = legacy if isinstance(legacy, str) else secrets.token_hex(32)
        _write_new_key(path, fresh)
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except (OSError, ValueError) as error:
        raise StateError(f"the question log key {path} cannot be read ({error}). Restore it "
                         "from a backup; without it, 'forget me' cannot find the questions "
                         "already logged.") from error
    if len(key) < 16:
        raise StateError(f"the question log key {path} is too short; restore it from a backup.")
    if legacy is not None:
        with database.transaction() as tx:
            tx.delete("meta", "question_log_salt")
    if path.stat().st_mode & 0o077:
        logger.warning("%s can be read by other users; it should be readable by the bot "
                       "only (chmod 600)", path)
    return key


def _write_new_key(path: Path, hex_key: str) -> None:
    """Write a key file atomically: the first process to link it in wins, others read it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as out:
            out.write(hex_key + "\n")
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first
            os.link(temporary, path)
    except OSError as error:
        raise StateError(f"cannot write the question log key {path} ({error.strerror}). "
                         "Check that the data directory is writable.") from error
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()


@dataclass(frozen=True)
class QuestionGroup:
    """Similar questions the bot declined or answered weakly, with the nearest entry."""

    count: int
    example: str
    questions: tuple[str, ...]
    closest_id: str | None
    closest_title: str | None
    closest_score: float
    languages: tuple[str, ...] = ("en",)  # the languages the questions were asked in
    # Most of them declined as off-topic: the off-topic question they were most often like.
    off_topic_like: str | None = None


def unanswered(rows: Iterable[dict[str, Any]], kb: KnowledgeBase) -> list[QuestionGroup]:
    """Declined and low-confidence questions grouped by similarity, biggest group first."""
    weak = [row for row in rows if row.get("answered") is None or row.get("low_confidence")]
    # Compare the informative words only, so "funding for a pilot?" and "how do I get
    # funding for a pilot" count as one question.
    texts = [" ".join(tokens(row["text"])) or normalise(row["text"]) for row in weak]
    groups: list[list[int]] = []
    leaders: list[str] = []
    for index, text in enumerate(texts):
        found = process.extractOne(text, leaders, scorer=fuzz.token_sort_ratio,
                                   score_cutoff=GROUP_SIMILARITY) if leaders else None
        if found:
            groups[found[2]].append(index)
        else:
            leaders.append(text)
            groups.append([index])
    return sorted((_group(kb, [weak[i] for i in members]) for members in groups),
                  key=lambda g: (-g.count, g.example))


def _group(kb: KnowledgeBase, members: list[dict[str, Any]]) -> QuestionGroup:
    closest = Counter(m.get("answered") or m.get("closest") for m in members).most_common(1)
    closest_id = closest[0][0] if closest else None
    entry = kb.get(closest_id) if closest_id else None
    scores = [m.get("score") if m.get("answered") else m.get("closest_score") for m in members]
    questions = tuple(dict.fromkeys(m["text"] for m in members))
    likes = Counter(like for m in members
                    if isinstance(like := m.get("off_topic_like"), str) and like)
    like = likes.most_common(1)[0] if likes else None
    return QuestionGroup(len(members), questions[0], questions, closest_id,
                         entry.title.get("en") if entry else None,
                         max((s for s in scores if isinstance(s, int | float)), default=0.0),
                         tuple(sorted({str(m.get("lang") or "en") for m in members})),
                         like[0] if like and 2 * like[1] > len(members) else None)


@dataclass(frozen=True)
class FeedbackLine:
    """Votes on one entry over a period."""

    entry_id: str
    title: str
    helped: int
    not_helped: int


def feedback(database: Database, kb: KnowledgeBase, days: int | None = None
             ) -> list[FeedbackLine]:
    """Entries by "didn't help" votes, most first."""
    since = (dt.date.today() - dt.timedelta(days=days)).isoformat() if days is not None else ""
    totals: dict[str, list[int]] = {}
    rows = list(database.table(FEEDBACK).values())
    votes = [vote for vote in map(_vote, rows) if vote is not None]
    if len(votes) < len(rows):
        logger.warning("%d damaged feedback row(s) left out of the report",
                       len(rows) - len(votes))
    for entry_id, day, helped, not_helped in votes:
        if day >= since:
            counts = totals.setdefault(entry_id, [0, 0])
            counts[0] += helped
            counts[1] += not_helped
    lines = []
    for entry_id, (helped, not_helped) in totals.items():
        entry = kb.get(entry_id)
        lines.append(FeedbackLine(entry_id, entry.title.get("en") if entry else "(removed)",
                                  helped, not_helped))
    return sorted(lines, key=lambda line: (-line.not_helped, line.entry_id))


def count_vote(tx: Transaction, day: str, entry_id: str, helpful: bool) -> None:
    """Add one vote to an entry's row for the day; a damaged row is repaired, with a warning."""
    key = f"{day}:{entry_id}"
    row = tx.get(FEEDBACK, key)
    vote = _vote(row)
    if vote is not None and vote[:2] == (entry_id, day):
        helped, not_helped = vote[2:]
    else:
        if row is not None:  # the day's good counts are kept; a damaged one starts again
            logger.warning("damaged feedback row %r repaired", key)
        helped, not_helped = _count(row, "helped"), _count(row, "not_helped")
    if helpful:
        helped += 1
    else:
        not_helped += 1
    tx.put(FEEDBACK, key, {"date": day, "entry": entry_id,
                           "helped": helped, "not_helped": not_helped})


def _count(row: Any, name: str) -> int:
    """A row's count under ``name`` if it is a whole number of votes, else 0."""
    value = row.get(name) if isinstance(row, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _vote(row: Any) -> tuple[str, str, int, int] | None:
    """(entry id, date, helped, not helped) of a feedback row; None for a damaged one."""
    if not isinstance(row, dict):
        return None
    entry_id, day = row.get("entry"), row.get("date", "")
    counts = (row.get("helped", 0), row.get("not_helped", 0))
    if not isinstance(entry_id, str) or not isinstance(day, str):
        return None
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in counts):
        return None
    return entry_id, day, *counts


def export_csv(groups: list[QuestionGroup], votes: list[FeedbackLine],
               referrals: Iterable[dict[str, Any]] = ()) -> str:
    """One CSV a spreadsheet opens: a 'report' column says which table each row is from."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["report", "count", "question_or_entry", "closest_entry", "closest_title",
                     "score", "helped", "not_helped", "detail", "language", "off_topic_like"])
    for group in groups:
        writer.writerow(["unanswered", group.count, _cell(group.example), group.closest_id or "",
                         group.closest_title or "", group.closest_score, "", "",
                         _cell(" | ".join(group.questions[1:6])), " ".join(group.languages),
                         _cell(group.off_topic_like or "")])
    for line in votes:
        writer.writerow(["feedback", line.helped + line.not_helped, line.entry_id, "",
                         _cell(line.title), "", line.helped, line.not_helped, "", "", ""])
    for referral in referrals:  # no user id: the organisation, status and dates only
        writer.writerow(["referral", 1, referral["organisation"], "", "", "", "", "",
                         f"{referral['id']} {referral['status']} created {referral['created']}"
                         f" stage {referral['stage']}", "", ""])
    return out.getvalue()


def _cell(text: str) -> str:
    """Stop a spreadsheet from running a cell as a formula (CSV injection)."""
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text
