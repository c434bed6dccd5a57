"""The instrument template for real (``new --template instrument``, released once per session):
validators with note ports, notes through the real VST3 in pedalboard, and the synth's
sound through the Python runtime (a chord's fundamentals, the release's decay).
"""

from __future__ import annotations

import dataclasses
import functools
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fixtures_instrument import INSTRUMENT_NAME, ReleasedInstrument
from fixtures_validators import VendorValidators
from required_tools import require_module
from test_template import cargo_test
from test_validate import _clean_timing_warnings, _one_test

from benchmarks.engineclient import Client, EngineHandle
from wavecraft_build.release import validate
from wavecraft_build.runtime import note_off, note_on
from wavecraft_build.testing import Plugin, signals

RATE = 48_000
CHORD = {60: 261.63, 64: 329.63, 67: 392.00}  # C major


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def _peaks(mono: np.ndarray, count: int) -> list[float]:
    spectrum = np.abs(np.fft.rfft(mono * np.hanning(len(mono))))
    freqs = np.fft.rfftfreq(len(mono), 1 / RATE)
    found: list[float] = []
    for index in np.argsort(spectrum)[::-1]:
        if all(abs(freqs[index] - f) > 20 for f in found):
            found.append(float(freqs[index]))
        if len(found) == count:
            return sorted(found)
    return sorted(found)


@pytest.mark.slow
def test_instrument_release_has_the_synth_parameters(
    released_instrument: ReleasedInstrument,
) -> None:
    report = released_instrument.report
    assert {"synth_waveform", "synth_attack", "synth_release", "filter_cutoff"} <= set(
        report.parameters)
    assert "input_gain_level" not in report.parameters
    assert report.bundles["vst3"].is_dir() and report.bundles["clap"].is_file()


@pytest.mark.slow
def test_instrument_engine_tests_pass_and_process_allocates_nothing(
    released_instrument: ReleasedInstrument, cargo_target_dir: Path
) -> None:
    out = cargo_test(released_instrument.project.engine, cargo_target_dir)
    for name in ("a_note_sounds_at_its_pitch_from_its_sample",
                 "release_ends_the_note_in_the_release_time",
                 "more_notes_than_voices_steal_without_a_click"):
        assert f"test {name} ... ok" in out
    assert "no_alloc: 10000 blocks with notes, 0 allocations" in out


@pytest.mark.slow
def test_instrument_passes_clap_validator_with_note_ports_and_the_vst3_validator(
    released_instrument: ReleasedInstrument, validator_env: VendorValidators
) -> None:
    bundles = validate.bundles_of(released_instrument.report.out_dir)
    clap, vst3 = validate.run_validators(bundles, timeout=600)
    _clean_timing_warnings(clap, bundles["clap"])
    table = validate.format_table([clap, vst3])
    assert clap.error is None and clap.failed == 0 and clap.warnings == 0, table
    assert vst3.error is None and vst3.failed == 0 and vst3.passed >= 500, table
    # With note ports clap-validator's note tests run (an effect skips them: "no note ports").
    for name in ("process-note-out-of-place-basic", "process-note-inconsistent"):
        only = dataclasses.replace(validate.CLAP, argv=functools.partial(_one_test, name))
        run = validate.run_validators({"clap": bundles["clap"]}, validators=(only,))[0]
        assert (run.passed, run.skipped) == (1, 0), (name, validate.format_table([run]))


@pytest.mark.slow
def test_notes_through_the_real_vst3_in_pedalboard_make_sound(
    released_instrument: ReleasedInstrument,
) -> None:
    pedalboard: Any = require_module("pedalboard", "pip install -e '.[test]' (pedalboard>=0.9)")
    plugin = pedalboard.load_plugin(str(released_instrument.report.bundles["vst3"]))
    assert plugin.name == INSTRUMENT_NAME and plugin.is_instrument
    silent = plugin([], duration=0.5, sample_rate=RATE)
    assert not np.any(silent)
    played = plugin([(bytes([0x90, 69, 100]), 0.1), (bytes([0x80, 69, 0]), 0.6)],
                    duration=1.5, sample_rate=RATE)
    assert played.shape == (2, int(1.5 * RATE))
    assert not np.any(played[:, : int(0.1 * RATE) - 1]), "silent before the note-on"
    held = played[:, int(0.3 * RATE): int(0.6 * RATE)]
    assert _rms(held) > 0.01
    # The default release is 300 ms: well after it, silence again.
    assert _rms(played[:, int(1.2 * RATE):]) < 1e-4


@pytest.mark.slow
def test_a_chord_through_the_runtime_has_its_fundamentals_and_decays_per_the_release(
    released_instrument: ReleasedInstrument,
) -> None:
    plugin = Plugin.load(released_instrument.discovery_lib)
    settings: dict[str, float | bool | str] = {
        "synth_waveform": "Sine", "filter_enabled": False, "synth_release": 200.0}
    notes = [note_on(n, 0.8, offset=i * 7) for i, n in enumerate(CHORD)]
    notes += [note_off(n, offset=RATE) for n in CHORD]
    out = plugin.render(signals.silence(2.0), settings, notes=notes, block_size=256)
    found = _peaks(out[0, RATE // 2: RATE], 3)
    assert np.allclose(found, list(CHORD.values()), atol=2.0), found
    # Decay after note-off: halfway through the release it is quieter, after it silent.
    held = _rms(out[:, RATE - 4_800: RATE])
    halfway = _rms(out[:, RATE + 4_800 - 480: RATE + 4_800 + 480])
    assert 0.2 * held < halfway < 0.8 * held, (held, halfway)
    assert not np.any(out[:, RATE + int(0.2 * RATE) + 1:])


@pytest.mark.slow
def test_a_hot_swap_during_a_held_note_of_the_synth_has_no_click(
    released_instrument: ReleasedInstrument,
) -> None:
    """The real synth in the real engine: a sine note held through a swap to a new image.
    The note carries over (it sounds after the swap) and the swap block crossfades: no
    sample step beyond 3x the note's own largest step (a cut or a restart from silence
    without the fade jumps by the note's whole amplitude, 0.11)."""
    lib = released_instrument.discovery_lib
    with EngineHandle() as engine, Client(engine.url) as c:
        engine.swap(lib)
        c.result("setParameter", {"id": "synth_waveform", "value": 0})  # sine
        c.result("setParameter", {"id": "filter_enabled", "value": 0})
        c.result("subscribeAudio")
        c.result("noteOn", {"note": 69, "velocity": 0.8})
        time.sleep(0.6)  # attack and decay done: the note sits at its sustain level
        c.drain()
        c.pcm = []
        engine.swap(lib)
        time.sleep(0.4)
        c.drain()
    audio = np.frombuffer(b"".join(c.pcm), dtype="<f4").reshape(-1, 2)[:, 0]
    amplitude = 0.2 * 0.8 * 0.7  # voice level x velocity x sustain
    natural = 2 * np.pi * 440 / RATE * amplitude
    steps = np.abs(np.diff(audio))
    assert steps.max() < 3 * natural, (steps.max(), natural)
    assert np.abs(audio[-2_400:]).max() > 0.5 * amplitude, "the held note rings on"
