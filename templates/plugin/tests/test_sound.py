"""Golden-audio tests: the plugin must keep sounding the way it sounded when you listened.

Each test renders a standard signal through the DSP and compares it with a WAV in
tests/golden/. After an intended change of sound, run `nox -s test -- --update-golden`,
listen to the new files, and commit them. A failure prints by how much and where the
sound changed, and the folder holding the actual WAV, the difference and a plot.
"""

from wavecraft_build.testing import Plugin, assert_matches_golden, signals


def test_log_sweep_at_default_settings(plugin: Plugin) -> None:
    out = plugin.render(signals.log_sweep(0.25, channels=1))
    assert_matches_golden("log-sweep-default", out)


def test_pink_noise_through_the_highpass(plugin: Plugin) -> None:
    settings = {"filter_mode": "High-pass", "filter_cutoff": 2_000.0, "output_gain_level": -6.0}
    out = plugin.render(signals.pink_noise(0.25, channels=1), settings, block_size=64)
    # A per-test tolerance: the difference may be up to -90 dB re the golden's RMS.
    assert_matches_golden("pink-noise-highpass", out, rms_db=-90.0)


def test_rendering_is_bit_identical_run_to_run(plugin: Plugin) -> None:
    signal = signals.pink_noise(0.25)
    first = plugin.render(signal, {"input_gain_level": 3.0})
    again = plugin.render(signal, {"input_gain_level": 3.0})
    assert first.tobytes() == again.tobytes()
