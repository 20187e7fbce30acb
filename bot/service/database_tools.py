"""The state database's maintenance for operators (``db check``, ``db copy``): bot.store.copy.

Channels reach the store only through the service; this is that door for these two tools.
"""

from bot.store.copy import CheckReport, CopyReport, check_target, copy_database, shown

__all__ = ["CheckReport", "CopyReport", "check_target", "copy_database", "shown"]
