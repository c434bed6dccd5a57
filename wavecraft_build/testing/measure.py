"""Measurements of a plugin's DSP: frequency response, THD at 1 kHz, latency.

``frequency_response`` plays an exponential sweep and deconvolves the output by the input
(regularised spectral division over the sweep's band: the impulse response, then its
spectrum), returning the gain in dB at log-spaced frequencies. ``thd`` plays a 1 kHz sine
and sums harmonics 2..10 against the fundamental. ``latency`` finds the output peak of an
impulse. Every figure comes from a fresh instance (``Plugin.render``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from wavecraft_build.sound.signals import DEFAULT_RATE, impulse, log_sweep, sine
from wavecraft_build.testing.render import ParamValues, Plugin

__all__ = ["Response", "frequency_response", "latency", "thd"]

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Response:
    """Gain in dB (``db``) at ``freqs`` Hz, log-spaced from 20 Hz to 20 kHz."""

    freqs: Floats
    db: Floats


def frequency_response(plugin: Plugin, params: ParamValues | None = None, *,
                       sample_rate: int = DEFAULT_RATE, points: int = 120) -> Response:
    """The response of channel 0 by log-sweep deconvolution (see the module docstring)."""
    sweep = log_sweep(2.0, start_hz=10.0, end_hz=min(22_000.0, sample_rate / 2 * 0.95),
                      channels=1, sample_rate=sample_rate)
    tail = np.zeros((1, sample_rate // 2), dtype=np.float32)
    x = np.concatenate([sweep.audio, tail], axis=1)
    y = plugin.render(type(sweep)("sweep", np.ascontiguousarray(x), sample_rate), params)
    n = 1 << math.ceil(math.log2(2 * x.shape[1]))
    big_x = np.fft.rfft(x[0].astype(np.float64), n)
    big_y = np.fft.rfft(y[0].astype(np.float64), n)
    eps = 1e-9 * float(np.max(np.abs(big_x)) ** 2)
    ir = np.fft.irfft(big_y * np.conj(big_x) / (np.abs(big_x) ** 2 + eps), n)
    spectrum = np.abs(np.fft.rfft(ir))
    bins = np.fft.rfftfreq(n, 1.0 / sample_rate)
    freqs = np.geomspace(20.0, min(20_000.0, sample_rate / 2 * 0.9), points)
    mags = np.interp(freqs, bins, spectrum)
    return Response(freqs, 20 * np.log10(np.maximum(mags, 1e-12)))


def thd(plugin: Plugin, params: ParamValues | None = None, *, freq: float = 1_000.0,
        level_db: float = -6.0, sample_rate: int = DEFAULT_RATE) -> float:
    """Total harmonic distortion in percent for a ``freq`` sine at ``level_db`` dBFS."""
    out = plugin.render(sine(freq, 1.0, level_db=level_db, channels=1,
                             sample_rate=sample_rate), params)[0].astype(np.float64)
    steady = out[sample_rate // 10:]
    window = np.hanning(len(steady))
    power = np.abs(np.fft.rfft(steady * window)) ** 2
    bin_hz = sample_rate / len(steady)

    def around(f: float) -> float:
        k = round(f / bin_hz)
        return float(np.sum(power[max(k - 4, 0):k + 5]))

    fundamental = around(freq)
    if fundamental <= 0:
        return float("nan")
    harmonics = sum(around(h * freq) for h in range(2, 11) if h * freq < sample_rate / 2)
    return 100.0 * math.sqrt(harmonics / fundamental)


def latency(plugin: Plugin, params: ParamValues | None = None, *,
            sample_rate: int = DEFAULT_RATE) -> int | None:
    """Samples from an impulse in to the output's peak (None when the output is silent)."""
    at = 1_000
    out = plugin.render(impulse(0.5, at=at, channels=1, sample_rate=sample_rate), params)[0]
    mag = np.abs(out.astype(np.float64))
    if not np.any(mag > 0):
        return None
    return int(np.argmax(mag)) - at
