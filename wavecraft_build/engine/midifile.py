"""``--input song.mid``: a Standard MIDI File's notes as the engine's input, in a loop.

The file is read once with ``mido`` (a maintained, pure-Python MIDI library: tempo maps,
running status, format 1 track merging and the meta events are its job, not ours) into a
list of ``NoteEvent``s at sample positions of the engine's rate. ``MidiLoop`` is a
``LoopSource`` whose audio is silence and whose ``take_notes`` hands the clock the events
that fall in the next block, each at its sample offset there. At the end of the loop every
channel the file uses gets an all-notes-off, so no note rings into the next round. A
missing, unreadable or note-less file is one ``ConfigError`` line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final

import numpy as np

from wavecraft_build._dsp_notes import NoteEvent, all_notes_off, from_midi
from wavecraft_build.engine.sources import LoopSource
from wavecraft_build.errors import ConfigError

__all__ = ["MIDI_SUFFIXES", "MidiLoop", "read_midi"]

MIDI_SUFFIXES: Final = (".mid", ".midi")
_PASSED_ON: Final = ("note_on", "note_off", "control_change", "pitchwheel")


def read_midi(path: Path, sample_rate: int) -> tuple[list[tuple[int, NoteEvent]], int]:
    """``(sample, event)`` pairs in time order, and the loop's length in samples."""
    import mido

    hint = "pass a Standard MIDI File (.mid) with notes in it"
    try:
        song = mido.MidiFile(str(path))
        messages = list(song)  # merged tracks, .time = seconds since the previous message
        length = float(song.length)
    except FileNotFoundError:
        raise ConfigError("input MIDI file not found", path=path, hint=hint) from None
    except (OSError, EOFError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise ConfigError(f"cannot read the input MIDI file: {exc}", path=path,
                          hint=hint) from None
    events: list[tuple[int, NoteEvent]] = []
    seconds = 0.0
    for message in messages:
        seconds += float(message.time)
        if message.type in _PASSED_ON:
            event = from_midi(bytes(message.bytes()))
            if event is not None:
                events.append((round(seconds * sample_rate), event))
    if not any(e.kind == "on" for _, e in events):
        raise ConfigError("the input MIDI file has no notes", path=path, hint=hint)
    total = max(round(length * sample_rate), events[-1][0] + 1)
    for channel in sorted({e.channel for _, e in events}):
        events.append((total - 1, all_notes_off(channel=channel)))
    return events, total


class MidiLoop(LoopSource):
    """Silence for the audio, the file's notes for the DSP, looped."""

    def __init__(self, name: str, events: Sequence[tuple[int, NoteEvent]], total: int,
                 channels: int = 2) -> None:
        super().__init__(name, np.zeros((channels, 1024), dtype=np.float32))
        self.events = list(events)
        self.total = total
        self._clock = 0  # sample position in the loop
        self._next = 0  # index of the next event to hand out

    def take_notes(self, frames: int) -> list[NoteEvent]:
        out: list[NoteEvent] = []
        start = 0
        while start < frames:
            end = min(frames, start + self.total - self._clock)
            while self._next < len(self.events):
                at, event = self.events[self._next]
                if at >= self._clock + end - start:
                    break
                out.append(NoteEvent(start + at - self._clock, event.kind, event.data,
                                     event.value, event.channel))
                self._next += 1
            self._clock += end - start
            if self._clock >= self.total:
                self._clock, self._next = 0, 0
            start = end
        return out


def make_midi_source(path: Path, sample_rate: int, channels: int = 2) -> MidiLoop:
    events, total = read_midi(path, sample_rate)
    return MidiLoop(path.name, events, total, channels)
