"""The engine's input: a built-in test signal or a WAV file, looped, as float32 blocks.

Every source is rendered once into a buffer that loops seamlessly (the sine's buffer holds
a whole number of cycles, noise and sweep are long enough not to be heard as loops), so a
block costs one or two slice copies and nothing on the audio thread allocates per sample.
``make_source("auto" | "sine" | "pink" | "sweep" | "silence" | "<file.wav>" | "<file.mid>",
...)``; ``auto`` (the default) is the sine for an effect and silence for an instrument (the
clock decides, per DSP: a hot swap can turn one into the other). The signals and the WAV
reader are ``wavecraft_build.sound``'s, the same a plugin's tests use (PCM 8/16/24/32-bit or
float, any channel count: mono is doubled, extra channels are dropped); a file is resampled
linearly to the engine's rate, and a missing or unreadable file is one ``ConfigError`` line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from wavecraft_build._dsp_notes import NoteEvent
from wavecraft_build.errors import ConfigError
from wavecraft_build.sound import signals
from wavecraft_build.sound.signals import Signal
from wavecraft_build.sound.wav import WavError, read_wav

__all__ = ["BUILTIN_SOURCES", "SINE_DBFS", "SINE_HZ", "LoopSource", "make_source"]

Block = npt.NDArray[np.float32]

BUILTIN_SOURCES: Final = ("auto", "sine", "pink", "sweep", "silence")
SINE_HZ: Final = 440.0
SINE_DBFS: Final = -12.0
_NOISE_DBFS: Final = -18.0  # RMS of pink noise: its peaks sit near the sine's
_SWEEP_SECONDS: Final = 10.0
_NOISE_SECONDS: Final = 8.0


@dataclass
class LoopSource:
    """Plays ``buffer`` (channels, n) in a loop; ``read`` returns the next block."""

    name: str
    buffer: Block
    position: int = 0
    #: ``auto``: this plays for an effect; an instrument hears silence instead.
    auto: bool = False

    def read_into(self, out: Block) -> None:
        """Fill ``out`` (channels, frames) with the next frames, wrapping around."""
        frames = out.shape[1]
        total = self.buffer.shape[1]
        done = 0
        while done < frames:
            take = min(frames - done, total - self.position)
            out[:, done : done + take] = self.buffer[:, self.position : self.position + take]
            done += take
            self.position = (self.position + take) % total

    def take_notes(self, frames: int) -> list[NoteEvent]:
        """Note events in the next ``frames`` (a MIDI file's, ``engine.midifile``): none."""
        return []

    def read(self, frames: int) -> Block:
        out = np.empty((self.buffer.shape[0], frames), dtype=np.float32)
        self.read_into(out)
        return out


def _looped(signal: Signal, channels: int) -> Block:
    audio = signal.audio
    picked = [audio[min(c, audio.shape[0] - 1)] for c in range(channels)]
    return np.ascontiguousarray(np.stack(picked), dtype=np.float32)


def _sine(rate: int, channels: int) -> Block:
    # The shortest buffer holding whole cycles (rate / gcd samples) loops without a seam.
    frames = rate // math.gcd(int(SINE_HZ), rate)
    return _looped(signals.sine(SINE_HZ, frames / rate, level_db=SINE_DBFS,
                                channels=channels, sample_rate=rate), channels)


def _read_wav(path: Path, rate: int, channels: int) -> Block:
    hint = "pass a WAV file (PCM 8/16/24/32-bit or float), or one of: " + ", ".join(BUILTIN_SOURCES)
    if not path.exists():
        raise ConfigError("input WAV file not found", path=path, hint=hint)
    try:
        audio, file_rate = read_wav(path)
    except WavError as exc:
        raise ConfigError(f"cannot read the input WAV file: {exc}", path=path, hint=hint) from None
    if audio.shape[1] == 0:
        raise ConfigError("the input WAV file has no audio frames", path=path, hint=hint)
    out = _looped(signals.Signal(path.stem, audio, file_rate), channels).astype(np.float64)
    if file_rate != rate:
        frames = out.shape[1]
        n_out = max(1, round(frames * rate / file_rate))
        x_new = np.arange(n_out) * (file_rate / rate)
        out = np.stack([np.interp(x_new, np.arange(frames), row) for row in out])
    return np.ascontiguousarray(out, dtype=np.float32)


def make_source(spec: str, sample_rate: int, channels: int = 2) -> LoopSource:
    """The input named by ``spec``: a built-in signal name or a path to a WAV file."""
    if spec in ("sine", "auto"):
        return LoopSource(spec, _sine(sample_rate, channels), auto=spec == "auto")
    if spec == "pink":
        # Pink noise from an inverse FFT is periodic in its length: it loops without a seam.
        noise = signals.pink_noise(_NOISE_SECONDS, level_db=_NOISE_DBFS, seed=0x5EED,
                                   channels=channels, sample_rate=sample_rate)
        return LoopSource(spec, _looped(noise, channels))
    if spec == "sweep":
        sweep = signals.log_sweep(_SWEEP_SECONDS, level_db=SINE_DBFS, channels=channels,
                                  sample_rate=sample_rate)
        return LoopSource(spec, _looped(sweep, channels))
    if spec == "silence":
        return LoopSource(spec, np.zeros((channels, 1024), dtype=np.float32))
    path = Path(spec).expanduser()
    if path.suffix.lower() in (".mid", ".midi"):
        from wavecraft_build.engine.midifile import make_midi_source

        return make_midi_source(path, sample_rate, channels)
    return LoopSource(path.name, _read_wav(path, sample_rate, channels))
