"""Building many long-lived objects quickly."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while building many long-lived objects.

    Each collection rescans every object still alive, and a large knowledge base keeps
    millions (YAML nodes, their marks, the data): at 100,000 phrasings the collector took
    over a third of start-up. Reference counting still frees everything outside a cycle.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
