"""Audio thread -> event loop: a bounded queue of calls, at most one wake-up in flight.

The audio thread must never block, so it never writes to a pipe or a socket itself and
never waits for a lock another thread may hold long. ``Handoff.put`` appends to a
bounded deque (when full, the oldest entry is dropped and counted) and, only when no
wake-up is pending, calls ``call_soon_threadsafe`` once (a non-blocking self-pipe write
in asyncio). The loop then runs every queued call in order. However stalled the loop is,
the audio thread's cost and the memory held stay bounded.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable
from typing import Any, Final

__all__ = ["LIMIT", "Handoff"]

LIMIT: Final = 256


class Handoff:
    """Calls queued on any thread, run on the event loop given to ``bind``."""

    def __init__(self, limit: int = LIMIT) -> None:
        self._queue: collections.deque[tuple[Callable[..., None], tuple[Any, ...]]] = (
            collections.deque(maxlen=limit))
        self._armed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self.dropped = 0

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def put(self, fn: Callable[..., None], *args: Any) -> None:
        """Queue ``fn(*args)`` for the loop; never blocks (drops the oldest when full)."""
        queue = self._queue
        if len(queue) == queue.maxlen:
            self.dropped += 1
        queue.append((fn, args))
        loop = self._loop
        if loop is not None and not self._armed:
            self._armed = True
            try:
                loop.call_soon_threadsafe(self._run)
            except RuntimeError:  # the loop is closed: the engine is stopping
                self._armed = False

    def _run(self) -> None:
        self._armed = False  # first: a put during the run wakes the loop again
        queue = self._queue
        while queue:
            fn, args = queue.popleft()
            fn(*args)
