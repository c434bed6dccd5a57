"""Note events for the DevProcessorVTable (version 4): ``NoteEvent`` and its constructors.

Beside ``_dsp_host`` and copied verbatim with it into every plugin wheel, so it imports
only the standard library. ``NoteEvent`` mirrors the SDK's ``DevNoteEvent`` (``kind``
names the ``wavecraft::DEV_NOTE_*`` codes in ``NOTE_KINDS``) and checks every field when
built, so a bad note is a ``ValueError`` in Python, never a surprise in plugin code.
``from_midi`` reads a raw MIDI 1.0 short message (the dev engine's ``midi`` method and
MIDI files use it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "NOTE_KINDS",
    "NoteEvent",
    "all_notes_off",
    "checked_notes",
    "control_change",
    "fill_events",
    "from_midi",
    "note_off",
    "note_on",
    "pitch_bend",
]

#: ``DevNoteEvent.kind`` codes (``wavecraft::DEV_NOTE_*``): what ``NoteEvent.kind`` names.
NOTE_KINDS: Final = {"on": 0, "off": 1, "pitch_bend": 2, "note_pitch_bend": 3, "cc": 4,
                     "all_off": 5}
_U32_MAX: Final = 2**32 - 1
_MIDI_STATUS_BYTES: Final = {0x80: 3, 0x90: 3, 0xA0: 3, 0xB0: 3, 0xC0: 2, 0xD0: 2, 0xE0: 3}
_ALL_NOTES_OFF_CC: Final = 123


@dataclass(frozen=True)
class NoteEvent:
    """One note event at sample ``offset`` of the block it is passed with.

    ``kind`` is a key of ``NOTE_KINDS``; ``data`` is the note number (on, off,
    note_pitch_bend) or the CC number (cc); ``value`` is the velocity (0-1), the channel's
    bend (-1..1), a note's bend in semitones, or the CC value (0-1). Build them with
    ``note_on``, ``note_off``, ``pitch_bend``, ``control_change``, ``all_notes_off`` or
    ``from_midi``; the constructor checks every field (``ValueError``).
    """

    offset: int
    kind: str
    data: int = 0
    value: float = 0.0
    channel: int = 0

    def __post_init__(self) -> None:
        if self.kind not in NOTE_KINDS:
            raise ValueError(f"note kind {self.kind!r} is not one of {sorted(NOTE_KINDS)}")
        for name, top in (("offset", _U32_MAX), ("data", 127), ("channel", 15)):
            number = getattr(self, name)
            if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number <= top:
                raise ValueError(f"note {name} must be an integer in 0..{top}, got {number!r}")
        low, high = {"pitch_bend": (-1.0, 1.0), "note_pitch_bend": (-128.0, 128.0)}.get(
            self.kind, (0.0, 1.0))
        value = self.value
        if (isinstance(value, bool) or not isinstance(value, int | float)
                or not math.isfinite(value) or not low <= value <= high):
            raise ValueError(f"{self.kind} value must be in [{low:g}, {high:g}], got {value!r}")


def note_on(note: int, velocity: float = 1.0, *, offset: int = 0, channel: int = 0) -> NoteEvent:
    """A key down: MIDI ``note`` (60 = middle C), ``velocity`` 0-1."""
    return NoteEvent(offset, "on", note, velocity, channel)


def note_off(note: int, *, offset: int = 0, channel: int = 0, velocity: float = 0.0) -> NoteEvent:
    """A key up."""
    return NoteEvent(offset, "off", note, velocity, channel)


def pitch_bend(value: float, *, offset: int = 0, channel: int = 0) -> NoteEvent:
    """The channel's pitch bend, -1..1 of the bend range (0 = none)."""
    return NoteEvent(offset, "pitch_bend", 0, value, channel)


def control_change(cc: int, value: float, *, offset: int = 0, channel: int = 0) -> NoteEvent:
    """MIDI control change ``cc`` with ``value`` 0-1 (raw / 127)."""
    return NoteEvent(offset, "cc", cc, value, channel)


def all_notes_off(*, offset: int = 0, channel: int = 0) -> NoteEvent:
    """Every sounding note of the channel releases."""
    return NoteEvent(offset, "all_off", 0, 0.0, channel)


def from_midi(message: bytes | Sequence[int], *, offset: int = 0) -> NoteEvent | None:
    """A raw MIDI 1.0 short message as a ``NoteEvent``; ``None`` for a valid message the
    SDK does not pass on (program change, pressure). A note-on with velocity 0 is a
    note-off, CC 123 is all-notes-off. A malformed message is a ``ValueError``."""
    data = bytes(message)
    if not data or data[0] < 0x80 or data[0] >= 0xF0:
        raise ValueError(f"not a MIDI channel message: {data.hex(' ') or 'empty'}")
    status, channel = data[0] & 0xF0, data[0] & 0x0F
    if len(data) != _MIDI_STATUS_BYTES[status] or any(b > 0x7F for b in data[1:]):
        raise ValueError(f"malformed MIDI message: {data.hex(' ')}")
    if status == 0x90 and data[2] > 0:
        return note_on(data[1], data[2] / 127, offset=offset, channel=channel)
    if status in (0x80, 0x90):
        return note_off(data[1], offset=offset, channel=channel, velocity=data[2] / 127
                        if status == 0x80 else 0.0)
    if status == 0xB0:
        if data[1] == _ALL_NOTES_OFF_CC:
            return all_notes_off(offset=offset, channel=channel)
        return control_change(data[1], data[2] / 127, offset=offset, channel=channel)
    if status == 0xE0:
        bend = ((data[2] << 7) | data[1]) - 8192
        return pitch_bend(max(-1.0, bend / 8191 if bend > 0 else bend / 8192),
                          offset=offset, channel=channel)
    return None


def fill_events(buffer: Any, notes: Sequence[NoteEvent]) -> None:
    """Writes ``notes`` into the cffi ``DevNoteEvent[]`` ``buffer`` (at least as long)."""
    for slot, event in zip(buffer, notes, strict=False):
        slot.offset = event.offset
        slot.kind = NOTE_KINDS[event.kind]
        slot.channel = event.channel
        slot.data = event.data
        slot.value = event.value


def checked_notes(notes: Sequence[NoteEvent], samples: int) -> list[NoteEvent]:
    """``notes`` checked against a block of ``samples`` and sorted by offset (stable)."""
    if isinstance(notes, NoteEvent) or not isinstance(notes, Sequence | tuple):
        raise TypeError("notes= takes a list of NoteEvent (note_on(...), note_off(...), ...)")
    for event in notes:
        if not isinstance(event, NoteEvent):
            raise TypeError(f"notes= takes NoteEvent items, got {type(event).__name__}")
        if event.offset >= samples:
            raise ValueError(f"note offset {event.offset} is outside the block of {samples} "
                             "samples")
    return sorted(notes, key=lambda event: event.offset)
