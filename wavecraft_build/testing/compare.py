"""Compare rendered audio with a reference: how much it differs, and where.

``compare(actual, reference, sample_rate, tolerance)`` returns a ``Comparison``: the
difference's RMS in dB relative to the reference's RMS, the overall level change, the
largest absolute sample error and when it happens, the time range where the difference is
significant and the octave band holding most of the difference's energy. ``passed`` is
true when both the RMS and the max-error limits of the ``Tolerance`` hold; ``describe()``
is the one-paragraph explanation a failing test prints.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from wavecraft_build.sound.wav import Audio

__all__ = ["Comparison", "Tolerance", "compare", "octave_bands"]

_FLOOR_DB = -300.0


@dataclass(frozen=True)
class Tolerance:
    """Limits for a golden comparison: the difference's RMS, in dB relative to the
    reference's RMS (``rms_db``), and the largest absolute sample error (``max_abs``)."""

    rms_db: float = -80.0
    max_abs: float = 1e-4


def _db(ratio: float) -> float:
    return 20.0 * math.log10(ratio) if ratio > 0 else _FLOOR_DB


def _rms(x: npt.NDArray[np.float64]) -> float:
    return float(np.sqrt(np.mean(np.square(x)))) if x.size else 0.0


def octave_bands(sample_rate: int) -> list[tuple[float, float]]:
    """Octave bands (low, high) in Hz centred on 31.5 Hz ... 16 kHz, below Nyquist."""
    bands = []
    for centre in (31.5, 63, 125, 250, 500, 1000, 2000, 4000, 8000, 16000):
        low, high = centre / math.sqrt(2), centre * math.sqrt(2)
        if low < sample_rate / 2:
            bands.append((low if centre > 31.5 else 0.0, min(high, sample_rate / 2)))
    return bands


def _band_name(low: float, high: float) -> str:
    def hz(f: float) -> str:
        return f"{f / 1000:.3g} kHz" if f >= 1000 else f"{f:.0f} Hz"

    return f"below {hz(high)}" if low == 0 else f"{hz(low)}-{hz(high)}"


@dataclass(frozen=True)
class Comparison:
    """The result of ``compare``; times are in seconds."""

    name: str
    tolerance: Tolerance
    shape_error: str | None = None
    rms_db: float = _FLOOR_DB
    level_db: float = 0.0
    max_abs: float = 0.0
    max_at: float = 0.0
    max_channel: int = 0
    time_range: tuple[float, float] | None = None
    band: str | None = None
    not_finite: int = 0

    @property
    def passed(self) -> bool:
        return (self.shape_error is None and self.not_finite == 0
                and self.rms_db <= self.tolerance.rms_db
                and self.max_abs <= self.tolerance.max_abs)

    def describe(self) -> str:
        """Why it failed (or that it passed), with figures: by how much, when, which band."""
        if self.shape_error is not None:
            return f"golden {self.name!r}: {self.shape_error}"
        if self.not_finite:
            return (f"golden {self.name!r}: the output has {self.not_finite} NaN/inf "
                    "samples")
        tol = self.tolerance
        lines = [
            f"golden {self.name!r}: level {self.level_db:+.2f} dB against the golden file; "
            f"difference {self.rms_db:.1f} dB RMS re the golden (tolerance "
            f"{tol.rms_db:.1f} dB), max sample error {self.max_abs:.3g} at "
            f"{self.max_at:.3f} s, channel {self.max_channel} (tolerance {tol.max_abs:.3g})"
        ]
        if self.time_range is not None:
            start, stop = self.time_range
            where = f"differs from {start:.3f} s to {stop:.3f} s"
            if self.band:
                where += f", most of it in the band {self.band}"
            lines.append(where)
        return "\n  ".join(lines)


def compare(actual: Audio, reference: Audio, sample_rate: int,
            tolerance: Tolerance | None = None, *, name: str = "audio") -> Comparison:
    """Compare ``actual`` with ``reference`` (both shaped (channels, samples))."""
    tol = tolerance or Tolerance()
    if actual.shape != reference.shape:
        return Comparison(name, tol, shape_error=(
            f"shape {actual.shape} (channels, samples) differs from the golden file's "
            f"{reference.shape}; run with --update-golden if the change is intended"))
    a = actual.astype(np.float64)
    r = reference.astype(np.float64)
    bad = int(np.count_nonzero(~np.isfinite(a)))
    if bad:
        return Comparison(name, tol, not_finite=bad)
    diff = a - r
    ref_rms = _rms(r)
    diff_rms = _rms(diff)
    rms_db = _db(diff_rms / ref_rms) if ref_rms > 0 else _db(diff_rms)
    level_db = _db(_rms(a) / ref_rms) if ref_rms > 0 else _db(_rms(a))
    if diff.size == 0:
        return Comparison(name, tol)
    flat = int(np.argmax(np.abs(diff)))
    channel, frame = divmod(flat, diff.shape[1])
    max_abs = float(abs(diff[channel, frame]))
    return Comparison(
        name, tol, rms_db=rms_db, level_db=level_db, max_abs=max_abs,
        max_at=frame / sample_rate, max_channel=channel,
        time_range=_time_range(diff, max_abs, sample_rate),
        band=_worst_band(diff, sample_rate) if max_abs > 0 else None,
    )


def _time_range(diff: npt.NDArray[np.float64], max_abs: float,
                sample_rate: int) -> tuple[float, float] | None:
    """First and last time the difference reaches a tenth of its maximum."""
    if max_abs == 0:
        return None
    hot = np.nonzero(np.max(np.abs(diff), axis=0) >= max_abs / 10)[0]
    return float(hot[0] / sample_rate), float((hot[-1] + 1) / sample_rate)


def _worst_band(diff: npt.NDArray[np.float64], sample_rate: int) -> str | None:
    power = np.sum(np.abs(np.fft.rfft(diff, axis=1)) ** 2, axis=0)
    freqs = np.fft.rfftfreq(diff.shape[1], 1.0 / sample_rate)
    best, best_energy = None, 0.0
    for low, high in octave_bands(sample_rate):
        energy = float(np.sum(power[(freqs >= low) & (freqs < high)]))
        if energy > best_energy:
            best, best_energy = _band_name(low, high), energy
    return best
