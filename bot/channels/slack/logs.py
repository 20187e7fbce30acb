"""Keep Slack tokens and the signing secret out of every log line."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

_TOKEN = re.compile(r"\b(xox[abeoprs]|xapp)-[A-Za-z0-9-]+")
REDACTED = "[redacted]"


class SecretFilter(logging.Filter):
    """Rewrites a record's message (and traceback) with secrets replaced by [redacted]."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """Text with known secrets and anything shaped like a Slack token removed."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return _TOKEN.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; never drops it."""
        record.msg, record.args = self.redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def install_secret_filter(secrets: Iterable[str | None]) -> SecretFilter:
    """Attach a SecretFilter to every root handler (adding a stderr handler if none)."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    secret_filter = SecretFilter(secrets)
    for handler in root.handlers:
        handler.addFilter(secret_filter)
    return secret_filter


def quiet_bolt_token_warning(logger: logging.Logger) -> None:
    """Drop Bolt's start-up warning that SLACK_BOT_TOKEN is unused when a client is given.

    Bolt reads SLACK_BOT_TOKEN from the environment itself; we pass it in a WebClient (to set
    base_url and retry handlers), so the warning is always true and never useful.
    """
    if _not_token_warning not in logger.filters:
        logger.addFilter(_not_token_warning)


def _not_token_warning(record: logging.LogRecord) -> bool:
    return "`token` will be unused" not in record.getMessage()
