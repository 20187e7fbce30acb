"""This instance's heartbeat: it keeps `status` true, and carries out reloads asked of all.

Every few seconds the instance says it is alive and which knowledge base version it serves
(bot.service.instances). When an admin's ``/pathway-admin reload`` on any instance asked
every instance to reload, the next beat here reloads; over PostgreSQL a NOTIFY wakes it at
once. A clean stop says so, so no other instance waits for this heartbeat to age before
finishing any direct message it held.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.channels.slack.periodic import Periodic
from bot.service import Pathway, ReloadResult
from bot.service.instances import BEAT_SECONDS
from bot.service.reloader import log_result

logger = logging.getLogger("pathway.slack")


class Heartbeat(Periodic):
    """Beats for this instance every ``interval`` seconds, and at once when woken."""

    name = "heartbeat"

    def __init__(self, pathway: Pathway, mode: str, interval: float = BEAT_SECONDS) -> None:
        super().__init__(interval)
        self.pathway = pathway
        self.mode = mode
        self._listener: Any = None

    def run_once(self) -> ReloadResult | None:
        """One beat; the reload it carried out, if another instance asked for one."""
        return self.pathway.instances.beat(self.mode, self._reload)

    def _reload(self) -> ReloadResult:
        logger.info("another instance asked for a reload")
        result = self.pathway.knowledge.reload()
        log_result(result)
        return result

    def start(self) -> None:
        """Beat now and then every interval; listen for reload requests where the store can."""
        super().start()
        self._listener = self.pathway.instances.listen(self.wake)

    def stop(self) -> None:
        """Stop beating, and record that this instance stopped."""
        if self._listener is not None:
            self._listener.close()
        super().stop()
        self.pathway.instances.leave()
