"""The engine's input: a built-in test signal or a WAV file, looped, as float32 blocks.

Every source is rendered once into a buffer that loops seamlessly (the sine's buffer holds
a whole number of cycles, noise and sweep are long enough not to be heard as loops), so a
block costs one or two slice copies and nothing on the audio thread allocates per sample.
``make_source("auto" | "sine" | "pink" | "sweep" | "silence" | "<file.wav>" | "<file.mid>",
...)``;
``auto`` (the default) is the sine for an effect and silence for an instrument (the
clock decides, per DSP: a hot swap can turn one into the other). A WAV file
is read with the standard library's ``wave`` module (PCM, 8/16/24/32-bit, any channel
count: mono is doubled, extra channels are dropped) and resampled linearly to the
engine's rate; a missing or unreadable file is one ``ConfigError`` line.
"""

from __future__ import annotations

import math
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from wavecraft_build._dsp_notes import NoteEvent
from wavecraft_build.errors import ConfigError

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


def _db(db: float) -> float:
    return float(10.0 ** (db / 20.0))


def _stereo(mono: npt.NDArray[np.float64], channels: int) -> Block:
    return np.ascontiguousarray(np.tile(mono.astype(np.float32), (channels, 1)))


def _sine(rate: int) -> npt.NDArray[np.float64]:
    # The shortest buffer holding whole cycles (rate / gcd samples) loops without a seam.
    n = rate // math.gcd(int(SINE_HZ), rate)
    t = np.arange(n, dtype=np.float64)
    return _db(SINE_DBFS) * np.sin(2.0 * np.pi * SINE_HZ * t / rate)


def _pink(rate: int) -> npt.NDArray[np.float64]:
    # White noise shaped by 1/sqrt(f) in the frequency domain: pink, and it loops cleanly
    # because the inverse FFT of a spectrum is periodic in the buffer length.
    n = int(rate * _NOISE_SECONDS)
    rng = np.random.default_rng(0x5EED)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / rate)
    f[0] = f[1]
    noise = np.fft.irfft(spectrum / np.sqrt(f), n)
    noise -= noise.mean()
    rms = float(np.sqrt(np.mean(noise**2))) or 1.0
    return noise * (_db(_NOISE_DBFS) / rms)


def _sweep(rate: int) -> npt.NDArray[np.float64]:
    # Exponential (log) sweep 20 Hz -> 20 kHz (or Nyquist), then again from the start.
    n = int(rate * _SWEEP_SECONDS)
    f0, f1 = 20.0, min(20_000.0, rate / 2 * 0.95)
    t = np.arange(n, dtype=np.float64) / rate
    k = math.log(f1 / f0)
    phase = 2.0 * np.pi * f0 * _SWEEP_SECONDS / k * (np.exp(t * k / _SWEEP_SECONDS) - 1.0)
    return _db(SINE_DBFS) * np.sin(phase)


def _read_wav(path: Path, rate: int, channels: int) -> Block:
    hint = "pass a PCM .wav file (8/16/24/32-bit), or one of: " + ", ".join(BUILTIN_SOURCES)
    try:
        with wave.open(str(path), "rb") as wav:
            width, n_ch, file_rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
            raw = wav.readframes(wav.getnframes())
    except FileNotFoundError:
        raise ConfigError("input WAV file not found", path=path, hint=hint) from None
    except (OSError, EOFError, wave.Error) as exc:
        raise ConfigError(f"cannot read the input WAV file: {exc}", path=path, hint=hint) from None
    frames = len(raw) // (width * n_ch) if width and n_ch else 0
    if frames == 0:
        raise ConfigError("the input WAV file has no audio frames", path=path, hint=hint)
    data = _decode_pcm(raw[: frames * width * n_ch], width).reshape(frames, n_ch).T
    picked = [data[min(c, n_ch - 1)] for c in range(channels)]
    out = np.stack(picked).astype(np.float64)
    if file_rate != rate:
        n_out = max(1, round(frames * rate / file_rate))
        x_new = np.arange(n_out) * (file_rate / rate)
        out = np.stack([np.interp(x_new, np.arange(frames), row) for row in out])
    return np.ascontiguousarray(out, dtype=np.float32)


def _decode_pcm(raw: bytes, width: int) -> npt.NDArray[np.float64]:
    if width == 1:  # unsigned 8-bit
        return (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
    if width == 2:
        return np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0
    if width == 3:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        v = np.where(v >= 1 << 23, v - (1 << 24), v)
        return v.astype(np.float64) / float(1 << 23)
    if width == 4:
        return np.frombuffer(raw, dtype="<i4").astype(np.float64) / float(1 << 31)
    raise wave.Error(f"unsupported sample width {width * 8} bits")


def make_source(spec: str, sample_rate: int, channels: int = 2) -> LoopSource:
    """The input named by ``spec``: a built-in signal name or a path to a WAV file."""
    if spec in ("sine", "auto"):
        return LoopSource(spec, _stereo(_sine(sample_rate), channels), auto=spec == "auto")
    if spec == "pink":
        return LoopSource(spec, _stereo(_pink(sample_rate), channels))
    if spec == "sweep":
        return LoopSource(spec, _stereo(_sweep(sample_rate), channels))
    if spec == "silence":
        return LoopSource(spec, np.zeros((channels, 1024), dtype=np.float32))
    path = Path(spec).expanduser()
    if path.suffix.lower() in (".mid", ".midi"):
        from wavecraft_build.engine.midifile import make_midi_source

        return make_midi_source(path, sample_rate, channels)
    return LoopSource(path.name, _read_wav(path, sample_rate, channels))
