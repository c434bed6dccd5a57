"""Notes from the page to the DSP: checked requests, a queue to the audio thread, held keys.

``event_for(method, params)`` turns a ``noteOn``/``noteOff``/``midi`` request into a
``NoteEvent`` (``INVALID_PARAMS`` for a bad value). ``NoteInbox`` carries events from the
event loop to the audio thread: a bounded deque (``append`` and ``popleft`` are atomic,
so neither side locks or waits); the clock drains it once per block and every event
lands on that block's first sample, in arrival order. ``held_after`` tracks which keys a
connection holds, so the server can release them when it closes.
"""

from __future__ import annotations

import collections
import math
from collections.abc import Mapping
from typing import Any, Final

from wavecraft_build._dsp_notes import NoteEvent, from_midi, note_off, note_on
from wavecraft_build.engine.protocol import INVALID_PARAMS
from wavecraft_build.engine.state import RpcError

__all__ = ["INBOX_LIMIT", "NoteInbox", "event_for", "held_after", "releases"]

#: Events waiting for the audio thread at most; beyond that the oldest are dropped.
INBOX_LIMIT: Final = 1024

Key = tuple[int, int]  # (channel, note)


def _int(params: Mapping[str, Any], name: str, top: int, default: int | None = None) -> int:
    value = params.get(name, default)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
        raise RpcError(INVALID_PARAMS, f"params.{name} must be an integer in 0..{top}, "
                       f"got {value!r}"[:200])
    return value


def _velocity(params: Mapping[str, Any]) -> float:
    value = params.get("velocity")
    if (isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value)
            or not 0.0 <= value <= 1.0):
        raise RpcError(INVALID_PARAMS, f"params.velocity must be a number in [0, 1], got "
                       f"{value!r}"[:200])
    return float(value)


def event_for(method: str, params: Mapping[str, Any]) -> NoteEvent | None:
    """The event a ``noteOn``, ``noteOff`` or ``midi`` request asks for (``None``: a valid
    MIDI message the SDK does not pass on, such as a program change)."""
    if method == "midi":
        raw = params.get("bytes")
        if (not isinstance(raw, list) or not 1 <= len(raw) <= 3
                or not all(isinstance(b, int) and not isinstance(b, bool) and 0 <= b <= 255
                           for b in raw)):
            raise RpcError(INVALID_PARAMS, "params.bytes must be 1 to 3 integers in 0..255")
        try:
            return from_midi(bytes(raw))
        except ValueError as exc:
            raise RpcError(INVALID_PARAMS, str(exc)) from None
    note = _int(params, "note", 127)
    channel = _int(params, "channel", 15, default=0)
    if method == "noteOn":
        return note_on(note, _velocity(params), channel=channel)
    return note_off(note, channel=channel)


def held_after(held: frozenset[Key], event: NoteEvent) -> frozenset[Key]:
    """The keys a connection holds after ``event``."""
    key = (event.channel, event.data)
    if event.kind == "on":
        return held | {key}
    if event.kind == "off":
        return held - {key}
    if event.kind == "all_off":
        return frozenset(k for k in held if k[0] != event.channel)
    return held


def releases(held: frozenset[Key]) -> list[NoteEvent]:
    """Note-offs for every key in ``held``."""
    return [note_off(note, channel=channel) for channel, note in sorted(held)]


class NoteInbox:
    """Events queued by the event loop, taken by the audio thread once per block."""

    def __init__(self, limit: int = INBOX_LIMIT) -> None:
        self._queue: collections.deque[NoteEvent] = collections.deque(maxlen=limit)

    def put(self, event: NoteEvent) -> None:
        self._queue.append(event)

    def take(self) -> list[NoteEvent]:
        """Everything queued so far, oldest first (audio thread)."""
        out: list[NoteEvent] = []
        queue = self._queue
        while queue:
            out.append(queue.popleft())
        return out
