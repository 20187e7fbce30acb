"""Background work that runs now and then every interval, and survives a bad pass."""

from __future__ import annotations

import logging
import threading

logger = logging.getLogger("pathway.slack")


class Periodic:
    """Calls ``run_once`` now and every ``interval`` seconds in a daemon thread until stopped."""

    name = "periodic"

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> object:
        """One pass of the work."""
        raise NotImplementedError

    def start(self) -> None:
        """Run a pass now, then every interval, in a background thread."""
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while True:
            try:
                self.run_once()
            except Exception:  # the loop must outlive one bad pass; the next one may work
                logger.exception("%s pass failed", self.name)
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                return

    def wake(self) -> None:
        """Run the next pass now rather than at the end of the interval."""
        self._wake.set()

    def stop(self) -> None:
        """Stop the loop and wait for a pass in progress to finish."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
