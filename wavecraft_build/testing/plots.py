"""PNG plots with matplotlib's Agg canvas (no display, no pyplot global state).

``comparison_png`` draws what a failing golden test changed: both waveforms, their
difference, and both magnitude spectra. ``response_png`` draws frequency responses for
the HTML report. matplotlib is imported here only, so nothing else pays for it; it comes
with ``wavecraft-build[testing]``.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from wavecraft_build.sound.wav import Audio

__all__ = ["comparison_png", "response_png", "spectrum_db"]


def _figure(rows: int, height: float) -> tuple[Any, Any]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots(rows, 1)


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, metadata={"Software": None})
    return buf.getvalue()


def spectrum_db(x: npt.NDArray[np.float64],
                sample_rate: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(frequencies, magnitude in dBFS) of a mono signal, Hann-windowed."""
    n = max(len(x), 2)
    window = np.hanning(n)
    mag = np.abs(np.fft.rfft(np.resize(x, n) * window)) / (np.sum(window) / 2)
    freqs = np.fft.rfftfreq(n, 1.0 / sample_rate).astype(np.float64)
    return freqs, (20 * np.log10(np.maximum(mag, 1e-12))).astype(np.float64)


def comparison_png(title: str, actual: Audio, reference: Audio, sample_rate: int,
                   channel: int = 0) -> bytes:
    """Waveforms, difference and spectra of ``channel`` of the two signals, as PNG bytes."""
    a = actual[channel].astype(np.float64)
    r = reference[channel].astype(np.float64)
    t = np.arange(len(a)) / sample_rate
    fig, (wave, diff, spec) = _figure(3, 9)
    fig.suptitle(title)
    wave.plot(t, r, label="golden", linewidth=0.8)
    wave.plot(t, a, label="actual", linewidth=0.8, alpha=0.7)
    wave.set(xlabel="time (s)", ylabel="sample", title=f"waveform, channel {channel}")
    wave.legend(loc="upper right")
    diff.plot(t, a - r, color="tab:red", linewidth=0.8)
    diff.set(xlabel="time (s)", ylabel="actual - golden", title="difference")
    for x, label in ((r, "golden"), (a, "actual")):
        f, db = spectrum_db(x, sample_rate)
        spec.semilogx(f[1:], db[1:], label=label, linewidth=0.8)
    spec.set(xlabel="frequency (Hz)", ylabel="dBFS", title="spectra")
    spec.legend(loc="upper right")
    return _png(fig)


def response_png(title: str, freqs: npt.NDArray[np.float64],
                 curves: Mapping[str, npt.NDArray[np.float64]]) -> bytes:
    """Frequency responses (dB against Hz, log axis), one line per named setting."""
    fig, ax = _figure(1, 4)
    for label, db in curves.items():
        ax.semilogx(freqs, db, label=label, linewidth=1.0)
    ax.set(title=title, xlabel="frequency (Hz)", ylabel="gain (dB)", xlim=(20, freqs[-1]))
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower left", fontsize="small")
    return _png(fig)
