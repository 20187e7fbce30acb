"""What a reply hands a channel as files: a chart's PNG and an exported plan's Markdown.

The terminal and `ask` save them in the user's own folder under the data directory and say
where; "forget me" deletes that folder. The core only returns the bytes and the text
(Reply.chart, Reply.data["markdown"]).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from bot.core.replies import Reply
from bot.core.wording import say

_UNSAFE = re.compile(r"[^a-z0-9]+")
MAX_NAME = 60


@dataclass(frozen=True)
class Saved:
    """Where a reply's files went, if it had any."""

    chart: Path | None = None
    export: Path | None = None


def file_name(text: str, suffix: str, fallback: str) -> str:
    """A safe file name from user text: lower-case letters, digits and hyphens only."""
    stem = _UNSAFE.sub("-", text.casefold()).strip("-")[:MAX_NAME].strip("-")
    return f"{stem or fallback}{suffix}"


def user_folder(data_dir: Path, workspace: str, user: str) -> Path:
    """The folder for one user's files: named by a hash of the id, so any id is a safe
    name, no id is written in a path, and two users never share a file."""
    digest = hashlib.sha256(f"{workspace}\0{user}".encode()).hexdigest()[:32]
    return data_dir / "users" / digest


def kept_files(folder: Path) -> list[Path]:
    """The files saved in a user's folder (none if it does not exist); OSError if it cannot
    be read, where rglob would quietly find nothing in a folder it cannot list."""
    found = []
    for root, _, names in os.walk(folder, onerror=_unless_missing):
        found += [path for path in (Path(root, name) for name in names) if path.is_file()]
    return sorted(found)


def _unless_missing(error: OSError) -> None:
    """os.walk's onerror: no folder is no files; any other error is raised."""
    if not isinstance(error, FileNotFoundError):
        raise error


# Where versions before the per-user folders saved everyone's charts and plans together.
SHARED_FOLDERS = ("charts", "exports")


def shared_folders(data_dir: Path) -> list[Path]:
    """The folders of charts and plans an earlier version saved for everyone together,
    which no one's "forget me" can attribute; those with no file are left out, and a folder
    that cannot be read is listed, since what it holds is unknown."""
    found = []
    for name in SHARED_FOLDERS:
        folder = data_dir / name
        try:
            if folder.is_dir() and kept_files(folder):
                found.append(folder)
        except OSError:
            found.append(folder)
    return found


def shared_note(data_dir: Path, lang: str) -> str | None:
    """A line saying where an earlier version's shared charts and plans are, if anywhere."""
    folders = shared_folders(data_dir)
    return say("files.shared", lang, paths=", ".join(map(str, folders))) if folders else None


def files_note(folder: Path, lang: str) -> str | None:
    """A line for "what I keep about you" naming the user's saved files, if there are any;
    OSError if the folder cannot be read."""
    files = kept_files(folder)
    return say("files.kept", lang, count=len(files), path=folder) if files else None


def forget_files(folder: Path) -> None:
    """Delete a user's folder and every file in it; raises OSError if that fails."""
    if folder.exists():
        shutil.rmtree(folder)


def save_files(reply: Reply, directory: Path) -> tuple[Reply, Saved]:
    """Write the reply's chart and export under ``directory``; the footer says where."""
    notes, chart, export = [], None, None
    if reply.chart is not None:
        chart = directory / "charts" / file_name(reply.chart.measure, ".png", "chart")
        _write(chart, reply.chart.png)
        notes.append(say("files.chart_saved", reply.lang, path=chart,
                         sparkline=reply.chart.sparkline))
    markdown = (reply.data or {}).get("markdown")
    if isinstance(markdown, str):
        name = str((reply.data or {}).get("filename") or "plan")
        export = directory / "exports" / file_name(name.removesuffix(".md"), ".md", "plan")
        _write(export, markdown.encode("utf-8"))
        notes.append(say("files.export_saved", reply.lang, path=export))
    if not notes:
        return reply, Saved()
    return reply.noted(*notes), Saved(chart, export)


def _write(path: Path, content: bytes) -> None:
    """Write a file whole: to a temporary name first, then renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(content)
    partial.replace(path)
