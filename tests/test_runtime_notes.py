"""Notes through the runtime (dev vtable version 4) on the fixture plugin.

The fixture adds each held note's velocity as DC from the note's exact sample on, so
where an event landed is readable sample by sample.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from wavecraft_build.extract import extract_params
from wavecraft_build.metadata import ExtractionResult
from wavecraft_build.runtime import (
    NoteEvent,
    Processor,
    all_notes_off,
    control_change,
    from_midi,
    note_off,
    note_on,
    pitch_bend,
)


@pytest.fixture(scope="module")
def fixture_params(fixture_lib: Path) -> ExtractionResult:
    return extract_params(fixture_lib)


@pytest.fixture
def proc(
    fixture_lib: Path, fixture_params: ExtractionResult, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Processor]:
    for name in ("WAVECRAFT_FIXTURE_MODE", "WAVECRAFT_FIXTURE_VTABLE_VERSION",
                 "WAVECRAFT_FIXTURE_INSTRUMENT"):
        monkeypatch.delenv(name, raising=False)
    with Processor(fixture_lib, fixture_params) as p:
        yield p


def silence(samples: int = 64) -> np.ndarray:
    return np.zeros((2, samples), dtype=np.float32)


def test_notes_land_on_their_sample(proc: Processor) -> None:
    assert not proc.takes_notes
    # Out of order on purpose: the runtime passes them in time order.
    out = proc.process(silence(), notes=[note_off(60, offset=40), note_on(60, 0.5, offset=10),
                                         note_on(67, 0.25, offset=20)])
    expected = np.zeros(64, dtype=np.float32)
    expected[10:40] += 0.5
    expected[20:] += 0.25
    np.testing.assert_array_equal(out[0], expected)
    np.testing.assert_array_equal(out[1], expected)
    # The held note carries into the next block; all-notes-off ends it on its sample.
    out = proc.process(silence(), notes=[all_notes_off(offset=5)])
    assert np.all(out[0, :5] == 0.25) and not np.any(out[0, 5:])


def test_midi_bytes_become_events() -> None:
    assert from_midi(bytes([0x91, 60, 127]), offset=3) == NoteEvent(3, "on", 60, 1.0, 1)
    assert from_midi([0x90, 60, 0]) == note_off(60)  # velocity 0 is a note-off
    assert from_midi([0xB0, 123, 0]) == all_notes_off()
    assert from_midi([0xB2, 1, 127]) == control_change(1, 1.0, channel=2)
    assert from_midi([0xE0, 0x00, 0x40]) == pitch_bend(0.0)
    assert from_midi([0xE0, 0x7F, 0x7F]) == pitch_bend(1.0)
    assert from_midi([0xE0, 0x00, 0x00]) == pitch_bend(-1.0)
    assert from_midi([0xC0, 5]) is None  # program change: valid, not passed on


@pytest.mark.parametrize("bad", [b"", b"\x3c\x40", b"\x90\x3c", b"\x90\x3c\x80", b"\xf8",
                                 b"\x90\x3c\x40\x00"])
def test_malformed_midi_is_a_value_error(bad: bytes) -> None:
    with pytest.raises(ValueError, match="MIDI"):
        from_midi(bad)


@pytest.mark.parametrize(("build", "match"), [
    (lambda: note_on(128), "data must be an integer in 0..127"),
    (lambda: note_on(-1), "data must be"),
    (lambda: note_on(60, 1.5), r"on value must be in \[0, 1\]"),
    (lambda: note_on(60, float("nan")), "on value"),
    (lambda: note_on(60, channel=16), "channel must be"),
    (lambda: note_on(60, offset=-1), "offset must be"),
    (lambda: note_on(60.0), "data must be"),  # type: ignore[arg-type]
    (lambda: pitch_bend(1.01), "pitch_bend value"),
    (lambda: NoteEvent(0, "sustain"), "not one of"),
])
def test_bad_notes_are_rejected_when_built(build: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        build()  # type: ignore[operator]


def test_bad_note_lists_are_rejected_before_the_plugin_runs(proc: Processor) -> None:
    with pytest.raises(ValueError, match="offset 64 is outside the block of 64"):
        proc.process(silence(), notes=[note_on(60, offset=64)])
    with pytest.raises(TypeError, match="a list of NoteEvent"):
        proc.process(silence(), notes=note_on(60))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="NoteEvent items, got tuple"):
        proc.process(silence(), notes=[(0, "on", 60)])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="at most 32 channels"):
        proc.process(np.zeros((33, 8), dtype=np.float32))
    # Nothing reached the plugin: no note is held.
    assert not np.any(proc.process(silence()))


def test_instrument_flag_comes_from_the_vtable(
    fixture_lib: Path, fixture_params: ExtractionResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAVECRAFT_FIXTURE_INSTRUMENT", "1")
    with Processor(fixture_lib, fixture_params) as p:
        assert p.takes_notes
