"""Choosing the state database: the SQLite file, or PostgreSQL when a URL names one.

``PATHWAY_DATABASE_URL=postgresql://user:password@host:5432/pathway`` puts every instance
on one PostgreSQL database (bot.store.postgres); unset, Pathway keeps its SQLite file in
``PATHWAY_DATA_DIR`` as before (bot.store.database). Both offer the same transactions, so
the stores above work unchanged on either.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from bot.store.database import BUSY_SECONDS, Database, StateError

if TYPE_CHECKING:
    from bot.store.postgres import PostgresDatabase

__all__ = ["URL_VARIABLE", "StateDatabase", "is_postgres_url", "open_database"]

URL_VARIABLE = "PATHWAY_DATABASE_URL"
_SCHEMES = ("postgresql://", "postgres://")

StateDatabase = Union[Database, "PostgresDatabase"]  # Union: "X | Y" fails on a string


def is_postgres_url(target: object) -> bool:
    """Whether a target names a PostgreSQL database rather than a SQLite file."""
    return isinstance(target, str) and target.strip().lower().startswith(_SCHEMES)


def database_url(settings: Any, environ: Mapping[str, str] | None = None) -> str | None:
    """The PostgreSQL URL the settings name, or None for the SQLite file.

    Settings with a ``database_url`` attribute decide; older settings without one leave it
    to ``PATHWAY_DATABASE_URL`` in the environment.
    """
    if hasattr(settings, "database_url"):
        url = settings.database_url
    else:
        url = (os.environ if environ is None else environ).get(URL_VARIABLE)
    return url.strip() if isinstance(url, str) and url.strip() else None


def open_database(target: Any, busy_seconds: float = BUSY_SECONDS,
                  environ: Mapping[str, str] | None = None) -> StateDatabase:
    """Open the state database a target names: a postgresql:// URL, a SQLite path, or settings.

    Settings (anything with ``database_path``) mean PostgreSQL when they carry a URL (see
    database_url), else their SQLite file.
    """
    if hasattr(target, "database_path"):
        url = database_url(target, environ)
        target = url if url is not None else target.database_path
    if is_postgres_url(target):
        from bot.store.postgres import PostgresDatabase  # psycopg only when it is used

        return PostgresDatabase(str(target).strip(), busy_seconds=busy_seconds)
    if isinstance(target, str) and "://" in target:
        raise StateError(f"{URL_VARIABLE} must start with postgresql:// "
                         f"(got a {target.split('://', 1)[0]}:// URL)")
    return Database(Path(target), busy_seconds=busy_seconds)
