"""Standard test signals, rendered deterministically: impulse, sine, log sweep, pink noise,
silence, and a WAV file of the plugin author's.

Every generator returns a ``Signal``: float32 audio shaped (channels, samples) and its
sample rate. The same arguments always give the same bytes (pink noise comes from a
seeded generator), so a golden file rendered from a signal is reproducible anywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from wavecraft_build.sound.wav import Audio, read_wav

__all__ = [
    "DEFAULT_RATE",
    "Signal",
    "from_wav",
    "impulse",
    "log_sweep",
    "pink_noise",
    "silence",
    "sine",
]

DEFAULT_RATE = 48_000


@dataclass(frozen=True)
class Signal:
    """``audio`` shaped (channels, samples), float32, at ``sample_rate`` Hz; ``name`` says
    what it is (used in messages and file names)."""

    name: str
    audio: Audio
    sample_rate: int

    @property
    def seconds(self) -> float:
        return int(self.audio.shape[1]) / self.sample_rate


def _db(db: float) -> float:
    return math.pow(10.0, db / 20.0)


def _frames(seconds: float, rate: int) -> int:
    if not seconds > 0 or not math.isfinite(seconds):
        raise ValueError(f"seconds must be positive, got {seconds!r}")
    return max(1, round(seconds * rate))


def _signal(name: str, mono: npt.NDArray[np.float64], channels: int, rate: int) -> Signal:
    if channels < 1:
        raise ValueError(f"channels must be >= 1, got {channels}")
    audio = np.ascontiguousarray(np.tile(mono.astype(np.float32), (channels, 1)))
    return Signal(name, audio, rate)


def impulse(seconds: float = 0.5, *, level_db: float = 0.0, at: int = 0,
            channels: int = 2, sample_rate: int = DEFAULT_RATE) -> Signal:
    """A single sample of ``level_db`` (0 dBFS = 1.0) at frame ``at``, zeros elsewhere."""
    mono = np.zeros(_frames(seconds, sample_rate))
    mono[at] = _db(level_db)
    return _signal("impulse", mono, channels, sample_rate)


def sine(freq: float = 1_000.0, seconds: float = 1.0, *, level_db: float = -12.0,
         channels: int = 2, sample_rate: int = DEFAULT_RATE) -> Signal:
    """A sine of ``freq`` Hz with a peak of ``level_db`` dBFS, starting at phase 0."""
    if not 0 < freq < sample_rate / 2:
        raise ValueError(f"freq must be between 0 and {sample_rate / 2:g} Hz, got {freq!r}")
    t = np.arange(_frames(seconds, sample_rate)) / sample_rate
    return _signal(f"sine-{freq:g}Hz", _db(level_db) * np.sin(2 * np.pi * freq * t),
                   channels, sample_rate)


def log_sweep(seconds: float = 2.0, *, start_hz: float = 20.0, end_hz: float = 20_000.0,
              level_db: float = -12.0, channels: int = 2,
              sample_rate: int = DEFAULT_RATE) -> Signal:
    """An exponential (Farina) sine sweep from ``start_hz`` to ``end_hz``."""
    end_hz = min(end_hz, sample_rate / 2 * 0.99)
    if not 0 < start_hz < end_hz:
        raise ValueError(f"need 0 < start_hz < end_hz, got {start_hz!r}, {end_hz!r}")
    n = _frames(seconds, sample_rate)
    t = np.arange(n) / sample_rate
    k = math.log(end_hz / start_hz)
    phase = 2 * np.pi * start_hz * seconds / k * (np.exp(t * k / seconds) - 1.0)
    return _signal("log-sweep", _db(level_db) * np.sin(phase), channels, sample_rate)


def pink_noise(seconds: float = 1.0, *, level_db: float = -18.0, seed: int = 0,
               channels: int = 2, sample_rate: int = DEFAULT_RATE) -> Signal:
    """Pink (1/f) noise with an RMS of ``level_db`` dBFS; the same ``seed`` gives the same
    samples on every machine (numpy's PCG64, then a 1/sqrt(f) spectral shape)."""
    n = _frames(seconds, sample_rate)
    white = np.random.Generator(np.random.PCG64(seed)).standard_normal(n)
    spectrum = np.fft.rfft(white)
    f = np.arange(len(spectrum), dtype=np.float64)
    f[0] = 1.0
    spectrum /= np.sqrt(f)
    spectrum[0] = 0.0
    mono = np.fft.irfft(spectrum, n)
    rms = float(np.sqrt(np.mean(mono**2))) or 1.0
    return _signal("pink-noise", mono * (_db(level_db) / rms), channels, sample_rate)


def silence(seconds: float = 1.0, *, channels: int = 2,
            sample_rate: int = DEFAULT_RATE) -> Signal:
    """All zeros."""
    return _signal("silence", np.zeros(_frames(seconds, sample_rate)), channels, sample_rate)


def from_wav(path: Path | str, *, channels: int | None = None) -> Signal:
    """A WAV file (float32 or 16/24/32-bit PCM) as a signal at its own sample rate; with
    ``channels``, mono is repeated and extra channels are dropped."""
    audio, rate = read_wav(Path(path))
    if channels is not None:
        if audio.shape[0] < channels:
            audio = np.tile(audio[:1], (channels, 1))
        audio = np.ascontiguousarray(audio[:channels])
    return Signal(Path(path).stem, audio, rate)
