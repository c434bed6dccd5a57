"""Meters of the DSP output: peak and RMS per channel, linear and in dBFS (numpy).

``MeterWindow`` accumulates blocks (max of |x|, sum of squares, sample count per channel)
until the server takes a reading; a reading covers every block since the previous one,
so a short transient between two meter updates still shows in the peak. dBFS values are
floored at ``FLOOR_DB`` because JSON has no -Infinity (silence reads -120 dBFS).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = ["FLOOR_DB", "MeterReading", "MeterWindow", "to_dbfs"]

FLOOR_DB: Final = -120.0


def to_dbfs(linear: float) -> float:
    """20*log10(linear), floored at ``FLOOR_DB`` (and for 0, NaN or negatives)."""
    if not linear > 0.0 or not math.isfinite(linear):
        return FLOOR_DB
    return max(FLOOR_DB, 20.0 * math.log10(linear))


@dataclass(frozen=True)
class MeterReading:
    """Linear peak and RMS of the left and right channels over a window of blocks."""

    peak_l: float
    peak_r: float
    rms_l: float
    rms_r: float
    #: Engine time of the window's last sample, in microseconds since the engine started.
    timestamp_us: int

    def frame(self) -> dict[str, float]:
        """``MeterFrame`` of the protocol (``getMeterFrame``): linear values."""
        return {
            "peak_l": self.peak_l,
            "peak_r": self.peak_r,
            "rms_l": self.rms_l,
            "rms_r": self.rms_r,
            "timestamp": self.timestamp_us,
        }

    def update(self) -> dict[str, float]:
        """``meterUpdate`` params: dBFS values."""
        return {
            "timestamp_us": self.timestamp_us,
            "left_peak": to_dbfs(self.peak_l),
            "left_rms": to_dbfs(self.rms_l),
            "right_peak": to_dbfs(self.peak_r),
            "right_rms": to_dbfs(self.rms_r),
        }


class MeterWindow:
    """Per-channel peak and sum of squares since the last ``take``."""

    def __init__(self, channels: int = 2) -> None:
        self._peak = np.zeros(channels, dtype=np.float64)
        self._sumsq = np.zeros(channels, dtype=np.float64)
        self._count = 0

    def add(self, block: npt.NDArray[np.float32]) -> None:
        """Add one (channels, frames) block."""
        np.maximum(self._peak, np.max(np.abs(block), axis=1), out=self._peak)
        self._sumsq += np.einsum("ij,ij->i", block, block, dtype=np.float64)
        self._count += block.shape[1]

    def clear(self) -> None:
        self._peak[:] = 0.0
        self._sumsq[:] = 0.0
        self._count = 0

    @property
    def empty(self) -> bool:
        return self._count == 0

    def take(self, timestamp_us: int) -> MeterReading:
        """The reading of the window so far; the window starts again empty."""
        rms = np.sqrt(self._sumsq / max(self._count, 1))
        right = 1 if len(self._peak) > 1 else 0
        reading = MeterReading(
            peak_l=float(self._peak[0]),
            peak_r=float(self._peak[right]),
            rms_l=float(rms[0]),
            rms_r=float(rms[right]),
            timestamp_us=timestamp_us,
        )
        self.clear()
        return reading
