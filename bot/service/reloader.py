"""Notice edits to the knowledge base files and reload them while the bot runs.

A reload is all or nothing (KnowledgeHolder.reload): an invalid edit is rejected with the
same file:line messages as ``kb check``, the last good version keeps serving, and the
admins are told through ``notify``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import stat
import threading
from collections.abc import Callable
from pathlib import Path

from bot.kb.loader import MAX_FILE_BYTES, is_hidden, is_yaml_name, read_limited
from bot.service import KnowledgeHolder, ReloadResult

logger = logging.getLogger("pathway.reload")
Notify = Callable[[ReloadResult], None]


def fingerprint(directory: Path) -> tuple[tuple[str, str, int, int, str], ...]:
    """Every YAML file and link: where it leads, its mtime, size and a hash of its bytes.

    The hash catches an edit that keeps both size and modification time (a coarse clock,
    or a tool that restores the time); the files are small, so hashing them is cheap.
    """
    base = directory.resolve()
    return tuple((str(path), *_marks(path, base)) for path in sorted(directory.rglob("*"))
                 if not is_hidden(path, directory)
                 and (is_yaml_name(path) or path.is_symlink()))


def _marks(path: Path, base: Path) -> tuple[str, int, int, str]:
    """Where ``path`` leads, and its mtime, size and content hash (blank if not read)."""
    target = Path(os.path.realpath(path))
    try:
        info = path.stat()
        readable = (stat.S_ISREG(info.st_mode) and info.st_size <= MAX_FILE_BYTES
                    and target.is_relative_to(base))  # never read what the loader refuses
        content = read_limited(path) if readable else None
    except OSError:  # removed or unreadable: the reload it causes reports it
        return str(target), 0, 0, ""
    digest = hashlib.sha256(content).hexdigest() if content is not None else ""
    return str(target), info.st_mtime_ns, info.st_size, digest


def describe(result: ReloadResult) -> str:
    """A message for the admins about a reload."""
    if result.ok:
        message = f"Knowledge base reloaded: now serving version {result.version}."
        removed = result.removed_items
        if removed:
            shown = "\n".join(f"• {item}" for item in removed[:20]) + (
                f"\n…and {len(removed) - 20} more" if len(removed) > 20 else "")
            message += (f"\nThis edit took {len(removed)} checklist item(s) away; if that was "
                        "a slip (an id renamed or an item deleted), put the id back: users' "
                        f"ticks for them are kept and return with it.\n{shown}")
        return message
    errors = [str(p) for p in result.problems if p.severity == "error"]
    shown = "\n".join(errors[:20]) + (f"\n…and {len(errors) - 20} more" if len(errors) > 20
                                      else "")
    return (f"Knowledge base edit rejected; still serving version {result.version}. "
            f"Fix these and save again:\n{shown}")


def log_result(result: ReloadResult) -> None:
    """Log a reload the way admins read it."""
    if result.ok:
        (logger.warning if result.removed_items else logger.info)(describe(result))
    else:
        logger.error(describe(result))


class KnowledgeWatcher:
    """Polls the knowledge directory and reloads when a file changes."""

    def __init__(self, holder: KnowledgeHolder, notify: Notify = log_result,
                 interval: float = 2.0) -> None:
        self.holder = holder
        self.notify = notify
        self.interval = interval
        self._stop = threading.Event()
        self._seen = fingerprint(holder.directory)
        self._thread = threading.Thread(target=self._run, name="knowledge-watcher", daemon=True)

    def start(self) -> None:
        """Start watching in a background thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop watching."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def check_now(self) -> ReloadResult | None:
        """Reload if any file changed since the last look; returns the result, if any."""
        current = fingerprint(self.holder.directory)
        if current == self._seen:
            return None
        self._seen = current
        return self.reload()

    def reload(self) -> ReloadResult:
        """Reload now and tell the admins."""
        result = self.holder.reload()
        try:
            self.notify(result)
        except Exception:  # a failed notification must not stop the watcher
            logger.exception("could not tell the admins about a reload")
        return result

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check_now()
            except Exception:
                logger.exception("knowledge base watcher failed; will look again")


def reload_on_sighup(watcher: KnowledgeWatcher) -> None:
    """Make SIGHUP reload the knowledge base (in the main thread only, where signals work)."""
    if hasattr(signal, "SIGHUP") and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGHUP, lambda *_: threading.Thread(
            target=watcher.reload, name="sighup-reload", daemon=True).start())
