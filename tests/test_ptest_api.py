"""The plugin-test API (``wavecraft_build.testing``) on the std-only fixture plugin.

The fixture's DSP is a gain (``gain_level``, ``gain_mute``); ``WAVECRAFT_FIXTURE_MODE``
makes new instances misbehave on purpose: ``dsp-quieter`` (-0.5 dB), ``dsp-block`` (a
per-block state bug), ``dsp-nan-at-max`` (NaN when ``gain_level`` is at its maximum).
"""

from __future__ import annotations

import struct
import wave
from pathlib import Path

import numpy as np
import pytest

from wavecraft_build.testing import (
    IRREGULAR,
    GoldenStore,
    Plugin,
    check_block_sizes,
    check_parameter_sweep,
    compare,
    read_wav,
    signals,
    write_wav,
)
from wavecraft_build.testing.render import blocks_of


@pytest.fixture
def plugin(fixture_lib: Path, fixture_mode: pytest.MonkeyPatch) -> Plugin:
    return Plugin.load(fixture_lib)


def test_float_wav_round_trip_is_bit_exact(tmp_path: Path) -> None:
    audio = signals.pink_noise(0.1, channels=3).audio
    audio[1, 5] = np.float32(1e-40)  # a subnormal survives too
    assert write_wav(tmp_path / "a.wav", audio, 44_100)
    back, rate = read_wav(tmp_path / "a.wav")
    assert rate == 44_100 and back.dtype == np.float32
    assert back.tobytes() == audio.tobytes()
    mtime = (tmp_path / "a.wav").stat().st_mtime_ns
    assert not write_wav(tmp_path / "a.wav", audio, 44_100)  # same bytes: untouched
    assert (tmp_path / "a.wav").stat().st_mtime_ns == mtime


def test_an_authors_pcm16_wav_is_a_signal(tmp_path: Path) -> None:
    path = tmp_path / "voice.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(22_050)
        w.writeframes(struct.pack("<4h", 0, 16384, -32768, 32767))
    sig = signals.from_wav(path, channels=2)
    assert sig.sample_rate == 22_050 and sig.audio.shape == (2, 4)
    np.testing.assert_array_equal(sig.audio[1], [0.0, 0.5, -1.0, 32767 / 32768])
    (tmp_path / "bad.wav").write_bytes(b"RIFF\0\0\0\0WAVEjunk")
    with pytest.raises(ValueError, match=r"bad\.wav: no fmt/data chunk"):
        read_wav(tmp_path / "bad.wav")


def test_signals_are_what_they_say() -> None:
    imp = signals.impulse(0.01, at=3).audio
    assert imp.shape == (2, 480) and imp[0, 3] == 1.0 and np.count_nonzero(imp) == 2
    s = signals.sine(1000.0, 0.1, level_db=-6.0).audio
    assert float(np.max(np.abs(s))) == pytest.approx(10 ** (-6 / 20), rel=1e-3)
    noise = signals.pink_noise(1.0, level_db=-20.0).audio[0].astype(np.float64)
    assert np.sqrt(np.mean(noise**2)) == pytest.approx(0.1, rel=1e-3)
    spec = np.abs(np.fft.rfft(noise)) ** 2
    low, high = spec[100:200].mean(), spec[10_000:20_000].mean()  # 100 Hz vs 10 kHz region
    assert 10 * np.log10(low / high) == pytest.approx(20, abs=3)  # -3 dB/octave: 1/f
    assert signals.pink_noise(0.1, seed=4).audio.tobytes() == \
        signals.pink_noise(0.1, seed=4).audio.tobytes()
    assert not np.any(signals.silence(0.01).audio)
    sweep = signals.log_sweep(1.0, start_hz=100, end_hz=1000, channels=1).audio[0]
    crossings = np.nonzero(np.diff(np.signbit(sweep)))[0]
    assert len(crossings) / 2 == pytest.approx(900 / np.log(10), rel=0.02)  # sum of cycles


def test_blocks_cover_the_signal_in_the_given_sizes() -> None:
    assert list(blocks_of(10, 4)) == [(0, 4), (4, 8), (8, 10)]
    assert list(blocks_of(6, (1, 3))) == [(0, 1), (1, 4), (4, 5), (5, 6)]
    with pytest.raises(ValueError):
        list(blocks_of(6, (2, 0)))


def test_rendering_is_bit_identical_run_to_run(plugin: Plugin) -> None:
    sig = signals.pink_noise(0.2)
    first = plugin.render(sig, {"gain_level": 0.7}, block_size=IRREGULAR)
    assert first.tobytes() == plugin.render(sig, {"gain_level": 0.7},
                                            block_size=IRREGULAR).tobytes()
    np.testing.assert_array_equal(first, sig.audio * np.float32(0.7))
    # Each render starts from the defaults: the previous render's values do not leak.
    assert plugin.render(sig).tobytes() == sig.audio.tobytes()


def test_golden_fails_at_minus_half_a_db_and_says_so(
    plugin: Plugin, fixture_mode: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sig = signals.log_sweep(0.5)
    store = GoldenStore(tmp_path / "golden", tmp_path / "results", update=True)
    store.assert_matches("sweep", plugin.render(sig))
    assert store.changes == [("sweep", f"new: {tmp_path / 'golden' / 'sweep.wav'}")]
    checking = GoldenStore(tmp_path / "golden", tmp_path / "results")
    checking.assert_matches("sweep", plugin.render(sig))  # passes
    fixture_mode.setenv("WAVECRAFT_FIXTURE_MODE", "dsp-quieter")
    with pytest.raises(AssertionError) as failed:
        checking.assert_matches("sweep", plugin.render(sig))
    text = str(failed.value)
    assert "level -0.50 dB against the golden file" in text, text
    assert "difference -25.0 dB RMS" in text and "differs from 0.00" in text
    assert f"results: {tmp_path / 'results' / 'sweep'}" in text
    folder = tmp_path / "results" / "sweep"
    actual, _ = read_wav(folder / "actual.wav")
    diff, _ = read_wav(folder / "difference.wav")
    golden, _ = read_wav(tmp_path / "golden" / "sweep.wav")
    np.testing.assert_array_equal(diff, actual - golden)
    assert (folder / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # A looser per-test tolerance accepts the change.
    checking.assert_matches("sweep", plugin.render(sig), rms_db=-20.0, max_abs=0.1)


def test_update_reports_what_changed(plugin: Plugin, fixture_mode: pytest.MonkeyPatch,
                                     tmp_path: Path) -> None:
    store = GoldenStore(tmp_path / "g", tmp_path / "r", update=True)
    sig = signals.sine(440.0, 0.2)
    store.assert_matches("s", plugin.render(sig))
    store.assert_matches("s", plugin.render(sig))  # unchanged: not reported again
    fixture_mode.setenv("WAVECRAFT_FIXTURE_MODE", "dsp-quieter")
    store.assert_matches("s", plugin.render(sig))
    assert [c for _, c in store.changes][1:] == [
        "changed: level -0.50 dB, difference -25.0 dB RMS, max sample error 0.0141"]


def test_comparison_says_when_and_in_which_band() -> None:
    rate = 48_000
    ref = signals.pink_noise(1.0, channels=1).audio
    actual = ref.copy()
    burst = signals.sine(3_000.0, 0.1, level_db=-40.0, channels=1).audio
    actual[:, 24_000:28_800] += burst[:, :4_800]
    c = compare(actual, ref, rate, name="x")
    assert not c.passed
    assert c.time_range is not None
    assert c.time_range[0] == pytest.approx(0.5, abs=0.002)
    assert c.time_range[1] == pytest.approx(0.6, abs=0.002)
    assert c.band == "2.83 kHz-5.66 kHz"
    assert compare(ref, ref, rate).passed
    shape = compare(ref[:, :10], ref, rate, name="x")
    assert not shape.passed and "shape (1, 10)" in shape.describe()


def test_golden_names_stay_in_the_golden_folder(tmp_path: Path) -> None:
    store = GoldenStore(tmp_path / "g", tmp_path / "r")
    for bad in ("../escape", "/abs", "a/../b", ""):
        with pytest.raises(ValueError, match="golden name"):
            store.path(bad)
    assert store.path("sub/dir.name") == tmp_path / "g" / "sub" / "dir.name.wav"
    with pytest.raises(AssertionError, match="--update-golden"):
        store.assert_matches("missing", np.zeros((1, 4), np.float32))


def test_block_size_dependent_dsp_fails_the_block_test(
    plugin: Plugin, fixture_mode: pytest.MonkeyPatch
) -> None:
    checked = check_block_sizes(plugin)
    assert checked.sizes[:4] == ("1", "32", "128", "1024") and checked.skipped is None
    fixture_mode.setenv("WAVECRAFT_FIXTURE_MODE", "dsp-block")
    with pytest.raises(AssertionError, match=r"block size 32 changes the output against "
                                             r"block size 1: max sample error"):
        check_block_sizes(plugin)
    opted_out = check_block_sizes(plugin, dependent={"gain"})
    assert opted_out.skipped == "block-size dependent on purpose: gain"


def test_sweep_names_the_parameter_and_value_that_gives_nan(
    plugin: Plugin, fixture_mode: pytest.MonkeyPatch
) -> None:
    points = check_parameter_sweep(plugin)
    labels = [p.label for p in points]
    assert "parameter 'gain_level' = 2 (max)" in labels
    assert "parameter 'filter_shape' = 1 (Highpass) (max)" in labels
    assert labels == [p.label for p in check_parameter_sweep(plugin)]  # seeded
    fixture_mode.setenv("WAVECRAFT_FIXTURE_MODE", "dsp-nan-at-max")
    with pytest.raises(AssertionError) as failed:
        check_parameter_sweep(plugin)
    text = str(failed.value)
    assert "parameter sweep: 1 problem(s)" in text
    assert "parameter 'gain_level' = 2 (max):" in text and "NaN/inf samples" in text


def test_sweep_checks_ceiling_and_silence(plugin: Plugin) -> None:
    loud = signals.sine(100.0, 0.1, level_db=0.0)
    with pytest.raises(AssertionError, match=r"peak \+6.0 dBFS above the ceiling \+3.0 dBFS"):
        check_parameter_sweep(plugin, loud, ceiling_db=3.0)

