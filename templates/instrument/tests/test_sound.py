"""The instrument's sound, through its built DSP (the Python runtime): pitch and envelope.

Each test plays notes into silence (``plugin.render(..., notes=[...])``, offsets in
samples from the start) and measures the output with numpy.
"""

import numpy as np

from wavecraft_build.testing import Plugin, note_off, note_on, signals

RATE = 48_000
#: C major: C4, E4, G4.
CHORD = {60: 261.63, 64: 329.63, 67: 392.00}


def peaks(audio: np.ndarray, count: int) -> list[float]:
    """The ``count`` strongest spectral peaks of the left channel, in Hz, ascending."""
    window = np.hanning(audio.shape[1])
    spectrum = np.abs(np.fft.rfft(audio[0] * window))
    freqs = np.fft.rfftfreq(audio.shape[1], 1 / RATE)
    found: list[float] = []
    for index in np.argsort(spectrum)[::-1]:
        if all(abs(freqs[index] - f) > 20 for f in found):
            found.append(float(freqs[index]))
        if len(found) == count:
            break
    return sorted(found)


def test_a_chord_has_its_three_fundamentals(plugin: Plugin) -> None:
    settings = {"synth_waveform": "Sine", "filter_enabled": False}
    out = plugin.render(signals.silence(1.0), settings,
                        notes=[note_on(n, 0.8) for n in CHORD])
    found = peaks(out[:, RATE // 2:], 3)
    for got, want in zip(found, CHORD.values(), strict=True):
        assert abs(got - want) < 3.0, (found, list(CHORD.values()))


def test_the_sound_decays_after_note_off_within_the_release(plugin: Plugin) -> None:
    settings = {"synth_release": 200.0}
    out = plugin.render(signals.silence(1.0), settings,
                        notes=[note_on(57), note_off(57, offset=RATE // 4)])
    held = out[:, RATE // 8:RATE // 4]
    fading = out[:, RATE // 4:RATE // 4 + RATE // 20]
    after = out[:, RATE // 4 + RATE // 5 + 64:]  # 200 ms on, plus the filter's tail
    assert np.sqrt(np.mean(held**2)) > 0.02
    assert 0 < np.sqrt(np.mean(fading**2)) < np.sqrt(np.mean(held**2))
    assert np.max(np.abs(after)) < 1e-4
