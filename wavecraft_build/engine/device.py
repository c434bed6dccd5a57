"""``--audio-out``: also play the engine's output on the default audio device (sounddevice).

Optional (``pip install wavecraft-build[audio]``, PortAudio underneath). The block clock
stays the master: each rendered block is pushed into a small FIFO that the device's
callback drains; an underrun plays silence, an overrun drops the oldest block, so the
device can never stall the clock. No sounddevice, no PortAudio or no device: one warning
line (and a ``degraded`` audio status diagnostic is not needed: the browser still plays).
"""

from __future__ import annotations

import collections
import threading
from typing import Any, Final

import numpy as np

from wavecraft_build.engine.audio import Buffer
from wavecraft_build.engine.host import Engine

__all__ = ["open_device"]

_FIFO_BLOCKS: Final = 16


class _Fifo:
    def __init__(self, channels: int) -> None:
        self._blocks: collections.deque[np.ndarray[Any, Any]] = collections.deque(
            maxlen=_FIFO_BLOCKS)
        self._pending: np.ndarray[Any, Any] = np.zeros((0, channels), dtype=np.float32)
        self._lock = threading.Lock()
        self.underruns = 0

    def push(self, buf: Buffer) -> None:
        self._blocks.append(buf.T.copy())  # deque.append is atomic; maxlen drops the oldest

    def pull(self, out: np.ndarray[Any, Any]) -> None:
        frames = out.shape[0]
        with self._lock:
            parts = [self._pending]
            have = len(self._pending)
            while have < frames and self._blocks:
                block = self._blocks.popleft()
                parts.append(block)
                have += len(block)
            data = np.concatenate(parts) if len(parts) > 1 else self._pending
            take = min(frames, len(data))
            out[:take] = data[:take]
            out[take:] = 0.0
            if take < frames:
                self.underruns += 1
            self._pending = data[take:]


def open_device(engine: Engine, emit: Any) -> bool:
    """Start playback on the default output device; False (and one warning) if impossible."""
    audio = engine.config.audio
    try:
        import sounddevice as sd  # type: ignore[import-not-found, unused-ignore]
    except (ImportError, OSError) as exc:  # OSError: PortAudio library missing
        _warn(emit, f"--audio-out: sounddevice is not available ({exc}); "
              "pip install 'wavecraft-build[audio]'. Audio goes to the browser only.")
        return False
    fifo = _Fifo(audio.channels)

    def callback(outdata: Any, frames: int, _time: Any, _status: Any) -> None:
        fifo.pull(outdata)

    try:
        stream = sd.OutputStream(samplerate=audio.sample_rate, channels=audio.channels,
                                 dtype="float32", blocksize=audio.block_size,
                                 callback=callback)
        stream.start()
    except Exception as exc:  # PortAudioError and friends: no device, busy device
        _warn(emit, f"--audio-out: no usable output device ({exc}). "
              "Audio goes to the browser only.")
        return False
    engine.block_sinks.append(fifo.push)
    engine.keep_alive.append(stream)
    return True


def _warn(emit: Any, message: str) -> None:
    emit("warning", message=message)  # the supervisor prints it as one line
