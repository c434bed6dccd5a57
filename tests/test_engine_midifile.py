"""``--input song.mid``: a MIDI file's notes, sample-accurate and looped, as the engine's input.

Files are written with mido (what the engine reads them with) into tmp folders; the last
test runs the real engine with the fixture instrument, whose output is the held notes'
velocity as DC.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import mido
import numpy as np
import pytest

from benchmarks.engineclient import Client, EngineHandle
from wavecraft_build._dsp_notes import all_notes_off, note_off, note_on
from wavecraft_build.engine.midifile import MidiLoop, read_midi
from wavecraft_build.engine.sources import make_source
from wavecraft_build.errors import ConfigError
from wavecraft_build.extract import extract_params

RATE = 48_000


def write_song(path: Path, notes: list[tuple[str, int, int, int]], *, bpm: int = 120,
               tail_ticks: int = 0) -> Path:
    """``(kind, note or CC number, velocity or value, ticks since the previous)`` at 480
    ticks a beat."""
    song = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    song.tracks.append(track)
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm), time=0))
    for kind, data, value, ticks in notes:
        if kind == "control_change":
            track.append(mido.Message(kind, control=data, value=value, time=ticks))
        else:
            track.append(mido.Message(kind, note=data, velocity=value, time=ticks))
    track.append(mido.MetaMessage("end_of_track", time=tail_ticks))
    song.save(str(path))
    return path


def test_events_land_on_their_samples_across_blocks_and_loop(tmp_path: Path) -> None:
    # 120 bpm: a beat is 0.5 s = 24,000 samples.
    path = write_song(tmp_path / "song.mid",
                      [("note_on", 60, 127, 480), ("note_off", 60, 0, 480)], tail_ticks=480)
    events, total = read_midi(path, RATE)
    assert total == 3 * 24_000
    assert events == [(24_000, note_on(60, 1.0)), (48_000, note_off(60)),
                      (total - 1, all_notes_off())]
    source = make_source(str(path), RATE)
    assert isinstance(source, MidiLoop)
    block = 1000
    seen: list[tuple[int, str]] = []
    for n in range(2 * total // block):
        for event in source.take_notes(block):
            assert 0 <= event.offset < block
            seen.append((n * block + event.offset, event.kind))
    assert seen == [(24_000, "on"), (48_000, "off"), (total - 1, "all_off"),
                    (total + 24_000, "on"), (total + 48_000, "off"), (2 * total - 1, "all_off")]
    out = np.ones((2, 64), dtype=np.float32)
    source.read_into(out)
    assert not np.any(out)  # the audio is silence


@pytest.mark.parametrize(("content", "match"), [
    (None, "not found"),
    (b"MThd garbage", "cannot read"),
    (b"", "cannot read"),
])
def test_a_bad_midi_file_is_one_config_error(tmp_path: Path, content: bytes | None,
                                             match: str) -> None:
    path = tmp_path / "bad.mid"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ConfigError, match=match) as info:
        make_source(str(path), RATE)
    assert info.value.path == path


def test_a_midi_file_without_notes_is_an_error(tmp_path: Path) -> None:
    path = write_song(tmp_path / "empty.mid", [("control_change", 0, 0, 0)])
    with pytest.raises(ConfigError, match="no notes"):
        make_source(str(path), RATE)


@pytest.fixture
def instrument_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("WAVECRAFT_FIXTURE_MODE", "WAVECRAFT_FIXTURE_MODE_FILE",
                 "WAVECRAFT_FIXTURE_CHAIN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WAVECRAFT_FIXTURE_INSTRUMENT", "1")
    yield


def test_the_engine_plays_a_midi_file(tmp_path: Path, fixture_lib: Path,
                                      instrument_env: None) -> None:
    path = write_song(tmp_path / "drone.mid",
                      [("note_on", 60, 64, 0), ("note_off", 60, 0, 480 * 40)])
    with EngineHandle(input=str(path)) as engine, Client(engine.url) as c:
        engine.swap(fixture_lib, extract_params(fixture_lib))
        peak = c.settled_meter()["left_peak"]
        assert peak == pytest.approx(20 * np.log10(64 / 127), abs=0.05)
