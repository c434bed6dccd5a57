"""Float32 WAV files: write the golden, actual and difference files, read them back.

The standard library's ``wave`` module writes integer PCM only; golden files must hold the
DSP's float32 output exactly, so this writes ``WAVE_FORMAT_IEEE_FLOAT`` (format 3) itself:
a RIFF header, a ``fmt `` chunk, a ``fact`` chunk and the interleaved samples. ``read_wav``
reads those back bit for bit, and integer PCM (8/16/24/32-bit) scaled to [-1, 1) for a WAV
of the plugin author's (a test input, or the dev engine's ``--input``). Writes are atomic
(``_fs.write_atomic``) and skip unchanged bytes.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from wavecraft_build._fs import write_atomic

__all__ = ["Audio", "WavError", "read_wav", "wav_bytes", "write_wav"]

Audio = npt.NDArray[np.float32]

_PCM, _FLOAT, _EXTENSIBLE = 1, 3, 0xFFFE


class WavError(ValueError):
    """A WAV file this module cannot read (says which file and why)."""


@dataclass(frozen=True)
class _Format:
    tag: int
    channels: int
    rate: int
    bits: int


def wav_bytes(audio: Audio, sample_rate: int) -> bytes:
    """The bytes of a float32 WAV holding ``audio`` shaped (channels, samples)."""
    data = _checked(audio)
    channels = data.shape[0]
    frames = np.ascontiguousarray(data.T).astype("<f4").tobytes()
    fmt = struct.pack("<HHIIHHH", _FLOAT, channels, sample_rate, sample_rate * channels * 4,
                      channels * 4, 32, 0)
    fact = struct.pack("<I", data.shape[1])
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
            + b"fact" + struct.pack("<I", 4) + fact
            + b"data" + struct.pack("<I", len(frames)) + frames)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def write_wav(path: Path, audio: Audio, sample_rate: int) -> bool:
    """Write ``audio`` as a float32 WAV atomically; False when the file already held it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(path, wav_bytes(audio, sample_rate))


def read_wav(path: Path) -> tuple[Audio, int]:
    """``(audio shaped (channels, samples) as float32, sample rate)`` of a WAV file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise WavError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(raw) < 12 or raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise WavError(f"{path}: not a RIFF/WAVE file")
    fmt: _Format | None = None
    pos = 12
    while pos + 8 <= len(raw):
        cid, size = raw[pos:pos + 4], struct.unpack_from("<I", raw, pos + 4)[0]
        chunk = raw[pos + 8:pos + 8 + size]
        if cid == b"fmt " and len(chunk) >= 16:
            tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", chunk)
            if tag == _EXTENSIBLE and len(chunk) >= 26:
                tag = struct.unpack_from("<H", chunk, 24)[0]
            fmt = _Format(tag, channels, rate, bits)
        elif cid == b"data":
            if fmt is None:
                raise WavError(f"{path}: data chunk before the fmt chunk")
            return _decode(chunk, fmt, path), fmt.rate
        pos += 8 + size + (size & 1)
    raise WavError(f"{path}: no fmt/data chunk (truncated?)")


def _decode(chunk: bytes, fmt: _Format, path: Path) -> Audio:
    if fmt.channels < 1:
        raise WavError(f"{path}: no channels")
    width = fmt.bits // 8
    usable = len(chunk) - len(chunk) % (width * fmt.channels)
    chunk = chunk[:usable]
    if fmt.tag == _FLOAT and fmt.bits == 32:
        flat = np.frombuffer(chunk, dtype="<f4").astype(np.float32)
    elif fmt.tag == _FLOAT and fmt.bits == 64:
        flat = np.frombuffer(chunk, dtype="<f8").astype(np.float32)
    elif fmt.tag == _PCM and fmt.bits == 8:  # unsigned
        flat = ((np.frombuffer(chunk, dtype=np.uint8).astype(np.float64) - 128.0)
                / 128.0).astype(np.float32)
    elif fmt.tag == _PCM and fmt.bits in (16, 32):
        wide = np.frombuffer(chunk, dtype=f"<i{width}").astype(np.float64)
        flat = (wide / float(2 ** (fmt.bits - 1))).astype(np.float32)
    elif fmt.tag == _PCM and fmt.bits == 24:
        b = np.frombuffer(chunk, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        ints = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        ints = np.where(ints >= 1 << 23, ints - (1 << 24), ints)
        flat = (ints / float(1 << 23)).astype(np.float32)
    else:
        raise WavError(f"{path}: unsupported WAV format (tag {fmt.tag}, {fmt.bits}-bit); "
                       "use float32 or 8/16/24/32-bit PCM")
    return np.ascontiguousarray(flat.reshape(-1, fmt.channels).T)


def _checked(audio: Audio) -> Audio:
    if not isinstance(audio, np.ndarray) or audio.ndim != 2:
        raise ValueError("audio must be a 2-D array shaped (channels, samples)")
    return np.asarray(audio, dtype=np.float32)
