"""Notes in the dev engine for real: its own process, a WebSocket client, the fixture DSP.

The fixture adds each held note's velocity as DC (so a meter reads the notes held), and
``WAVECRAFT_FIXTURE_INSTRUMENT=1`` makes it say it takes notes: the engine's ``auto``
input is then silence, and only notes make sound.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import wait_for

from benchmarks.engineclient import Client, EngineHandle
from wavecraft_build._dsp_notes import NoteEvent, note_on
from wavecraft_build.engine.audio import AudioConfig, BlockClock
from wavecraft_build.engine.notes import NoteInbox
from wavecraft_build.engine.protocol import INVALID_PARAMS
from wavecraft_build.engine.sources import make_source
from wavecraft_build.engine.state import ParamStore
from wavecraft_build.extract import extract_params

SILENT_DB = -100.0


def db(linear: float) -> float:
    return 20 * float(np.log10(linear))


@pytest.fixture
def instrument(fixture_lib: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EngineHandle]:
    for name in ("WAVECRAFT_FIXTURE_MODE", "WAVECRAFT_FIXTURE_MODE_FILE",
                 "WAVECRAFT_FIXTURE_CHAIN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WAVECRAFT_FIXTURE_INSTRUMENT", "1")
    with EngineHandle() as handle:
        handle.swap(fixture_lib, extract_params(fixture_lib))
        yield handle


def test_an_instrument_hears_silence_until_a_note_then_the_note(
    instrument: EngineHandle,
) -> None:
    with Client(instrument.url) as c:
        assert c.settled_meter()["left_peak"] < SILENT_DB  # auto input: silence
        t = c.meter()["timestamp_us"]
        assert c.result("noteOn", {"note": 60, "velocity": 0.5}) == {}
        assert c.settled_meter(t)["left_peak"] == pytest.approx(db(0.5), abs=0.05)
        # Raw MIDI: a second key (note on, channel 2, velocity 127/127 = 1.0 ... 0.25 here).
        t = c.meter()["timestamp_us"]
        assert c.result("midi", {"bytes": [0x92, 64, 32]}) == {}
        assert c.settled_meter(t)["left_peak"] == pytest.approx(db(0.5 + 32 / 127), abs=0.05)
        t = c.meter()["timestamp_us"]
        c.result("noteOff", {"note": 60})
        c.result("midi", {"bytes": [0x82, 64, 0]})
        assert c.settled_meter(t)["left_peak"] < SILENT_DB


@pytest.mark.parametrize(("method", "params", "what"), [
    ("noteOn", {"note": 128, "velocity": 0.5}, "note"),
    ("noteOn", {"note": -1, "velocity": 0.5}, "note"),
    ("noteOn", {"note": 60.5, "velocity": 0.5}, "note"),
    ("noteOn", {"note": "60", "velocity": 0.5}, "note"),
    ("noteOn", {"note": True, "velocity": 0.5}, "note"),
    ("noteOn", {"note": 60}, "velocity"),
    ("noteOn", {"note": 60, "velocity": 1.5}, "velocity"),
    ("noteOn", {"note": 60, "velocity": float("nan")}, "velocity"),
    ("noteOn", {"note": 60, "velocity": 0.5, "channel": 16}, "channel"),
    ("noteOff", {}, "note"),
    ("midi", {"bytes": [0x90, 60]}, "MIDI"),
    ("midi", {"bytes": [0x90, 60, 200]}, "MIDI"),
    ("midi", {"bytes": "90 3c 40"}, "bytes"),
    ("midi", {"bytes": [0xF0, 1, 2]}, "MIDI"),
    ("midi", {}, "bytes"),
])
def test_bad_note_values_are_invalid_params(
    instrument: EngineHandle, method: str, params: dict[str, object], what: str
) -> None:
    with Client(instrument.url) as c:
        reply = c.call(method, params)
        assert reply["error"]["code"] == INVALID_PARAMS.code, reply
        assert what in reply["error"]["message"]
        # Nothing was played.
        assert c.settled_meter()["left_peak"] < SILENT_DB


def test_keys_left_down_are_released_when_their_client_goes(
    instrument: EngineHandle,
) -> None:
    with Client(instrument.url) as listener:
        with Client(instrument.url) as player:
            player.result("noteOn", {"note": 60, "velocity": 0.5})
            player.result("noteOn", {"note": 61, "velocity": 0.25, "channel": 3})
            t = listener.meter()["timestamp_us"]
            assert listener.settled_meter(t)["left_peak"] == pytest.approx(db(0.75), abs=0.05)
        t = listener.meter()["timestamp_us"]
        assert listener.settled_meter(t)["left_peak"] < SILENT_DB


def test_a_hot_swap_during_a_held_note_carries_it_over_without_a_click(
    instrument: EngineHandle, fixture_lib: Path,
) -> None:
    with Client(instrument.url) as c:
        c.result("subscribeAudio")
        c.result("noteOn", {"note": 60, "velocity": 0.5})
        t = c.meter()["timestamp_us"]
        c.settled_meter(t)
        c.pcm = []
        instrument.swap(fixture_lib, extract_params(fixture_lib))
        time.sleep(0.3)  # well past the swap block
        c.drain()
        audio = np.frombuffer(b"".join(c.pcm), dtype="<f4").reshape(-1, 2)
        assert len(audio) > 48_000 * 0.2
        steps = np.abs(np.diff(audio[:, 0]))
        # The note rings on in the new DSP (carried over), and the old fades into the new:
        # no sample jumps. (Dropping the note would fall by 0.5; a cut without a fade too.)
        assert steps.max() < 0.01, steps.max()
        assert np.allclose(audio[-4800:, 0], 0.5, atol=1e-6)


class _LevelDsp:
    """Stands in for an EngineDsp: every block is ``level``; records the notes it gets."""

    def __init__(self, level: float) -> None:
        self.level = level
        self.library = Path(f"level-{level}")
        self.applied_version = -1
        self.takes_notes = True
        self.notes: list[NoteEvent] = []

    def apply_values(self, values: object, version: int) -> None:
        self.applied_version = version

    def process_in_place(self, buf: np.ndarray, notes: Sequence[NoteEvent] = ()) -> None:
        self.notes += notes
        buf.fill(self.level)

    def close(self) -> None:
        pass


def test_the_swap_block_fades_the_old_dsp_out_and_the_new_in() -> None:
    store = ParamStore()
    inbox = NoteInbox()
    blocks: list[np.ndarray] = []
    clock = BlockClock(AudioConfig(), make_source("auto", 48_000), store,
                       lambda n, buf, changed: blocks.append(buf[0].copy()), lambda *_: None,
                       notes=inbox)
    old: Any = _LevelDsp(1.0)
    new: Any = _LevelDsp(0.0)
    clock.swap(old)
    clock.start()
    try:
        inbox.put(note_on(60, 0.75))
        assert wait_for(lambda: len(blocks) > 20, 5)
        assert clock.swap(new)
        count = len(blocks)
        assert wait_for(lambda: len(blocks) > count + 20, 5)
    finally:
        clock.stop()
    audio = np.concatenate(blocks)
    assert audio[0] == 1.0 and audio[-1] == 0.0
    # One block's linear crossfade: never a step larger than 1/127 of the difference.
    assert np.abs(np.diff(audio)).max() <= 1 / 127 + 1e-6
    # The held key reached the new DSP at the swap block's first sample.
    assert new.notes[0] == note_on(60, 0.75)
