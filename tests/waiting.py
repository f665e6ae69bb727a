"""Waiting for something another thread or process does, outside a Qt event loop.

With Qt, tests use ``qtbot.waitUntil``. Without it, a saver's shared counters or a process
table have no event to wait on: :func:`wait_until` looks every ``interval`` seconds, and fails
the test with what it waited for once ``timeout`` has passed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

#: Seconds any single step may take on a loaded 2-core machine before the test gives up.
DEADLINE = 60.0


def wait_until(
    predicate: Callable[[], object], what: str, timeout: float = DEADLINE, interval: float = 0.05
) -> None:
    """Return once ``predicate()`` is true; fail naming ``what`` after ``timeout`` seconds."""
    gap = threading.Event()  # never set: a wait a debugger can interrupt
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        gap.wait(interval)
