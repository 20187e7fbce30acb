"""Paths as people read them."""

from __future__ import annotations

import os
from pathlib import Path


def display_path(path: Path) -> str:
    """The path as an admin would type it: relative to the current directory when inside it."""
    try:
        # Links are not followed: a problem with a link names the link, not where it leads.
        return str(Path(os.path.abspath(path)).relative_to(Path.cwd()))
    except ValueError:
        return str(path)
