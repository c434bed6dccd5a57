"""Checks every plugin should pass: block-size independence and a parameter sweep.

``check_block_sizes`` renders one signal in blocks of 1, 32, 128, 1024 and an irregular
sequence and requires the same output (within ``max_abs``); processors listed in
``dependent`` are block-size dependent on purpose, and a chain holding one is not checked
(the result says so). ``check_parameter_sweep`` sets every parameter to its minimum,
default, maximum and a few seeded random values, alone and all at once, and requires
finite output, no subnormal samples, no peak above ``ceiling_db`` dBFS, and silence out
(below ``silence_db``) within ``tail`` samples of silence in. Both raise ``AssertionError``
naming what failed (block size; parameter and value) and return what they checked.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from wavecraft_build.metadata import ParameterInfo
from wavecraft_build.sound.signals import Signal, pink_noise
from wavecraft_build.sound.wav import Audio
from wavecraft_build.testing.render import IRREGULAR, BlockSizes, ParamValues, Plugin

__all__ = [
    "BLOCK_SIZES",
    "BlockCheck",
    "SweepPoint",
    "check_block_sizes",
    "check_parameter_sweep",
    "sweep_points",
]

BLOCK_SIZES: tuple[BlockSizes, ...] = (1, 32, 128, 1024, IRREGULAR)
_TINY = float(np.finfo(np.float32).tiny)


def _label(size: BlockSizes) -> str:
    return str(size) if isinstance(size, int) else "irregular " + "/".join(map(str, size))


@dataclass(frozen=True)
class BlockCheck:
    """What ``check_block_sizes`` did: the sizes compared, or why it skipped."""

    sizes: tuple[str, ...]
    skipped: str | None = None


def check_block_sizes(plugin: Plugin, signal: Signal | None = None,
                      params: ParamValues | None = None, *,
                      sizes: Sequence[BlockSizes] = BLOCK_SIZES, max_abs: float = 1e-6,
                      dependent: Collection[str] = ()) -> BlockCheck:
    """Render ``signal`` (default: 0.5 s of pink noise) in each of ``sizes``; every
    output must equal the first one's within ``max_abs``."""
    marked = [p for p in plugin.processors if p in dependent]
    if marked:
        return BlockCheck((), skipped="block-size dependent on purpose: " + ", ".join(marked))
    signal = signal or pink_noise(0.5)
    reference = plugin.render(signal, params, block_size=sizes[0])
    for size in sizes[1:]:
        out = plugin.render(signal, params, block_size=size)
        err = np.abs(out.astype(np.float64) - reference)
        worst = float(np.nanmax(err)) if err.size else 0.0
        if not worst <= max_abs:
            frame = int(np.nanargmax(err) % err.shape[1])
            raise AssertionError(
                f"block size {_label(size)} changes the output against block size "
                f"{_label(sizes[0])}: max sample error {worst:.3g} (tolerance {max_abs:.3g}) "
                f"at {frame / signal.sample_rate:.4f} s (frame {frame}); a per-block state "
                "bug, or mark the processor block-size dependent")
    return BlockCheck(tuple(_label(s) for s in sizes))


@dataclass(frozen=True)
class SweepPoint:
    """One setting of the sweep: ``label`` names it in messages."""

    label: str
    values: dict[str, float]


def _fmt(p: ParameterInfo, v: float) -> str:
    if p.type == "enum" and p.variants:
        return f"{v:g} ({p.variants[int(v)]})"
    return f"{v:g}"


def _points_of(p: ParameterInfo, rng: random.Random, randoms: int) -> list[tuple[str, float]]:
    points = [("min", float(p.min)), ("default", float(p.default)), ("max", float(p.max))]
    for i in range(randoms):
        if p.type == "float":
            v = float(np.float32(rng.uniform(p.min, p.max)))
        else:
            v = float(rng.randint(int(p.min), int(p.max)))
        points.append((f"random #{i + 1}", min(max(v, p.min), p.max)))
    return points


def sweep_points(plugin: Plugin, *, randoms: int = 3, seed: int = 0) -> Iterator[SweepPoint]:
    """Each parameter alone at min/default/max/random (others at default), then all at
    once at min, max and ``randoms`` random settings. The same seed, the same points."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test points, not secrets
    defaults = plugin.defaults
    for p in plugin.parameters:
        for kind, v in _points_of(p, rng, randoms):
            yield SweepPoint(f"parameter {p.id!r} = {_fmt(p, v)} ({kind})", {**defaults, p.id: v})
    if plugin.parameters:
        yield SweepPoint("all parameters at min", {p.id: float(p.min) for p in plugin.parameters})
        yield SweepPoint("all parameters at max", {p.id: float(p.max) for p in plugin.parameters})
        for i in range(randoms):
            values = {p.id: _points_of(p, rng, 1)[-1][1] for p in plugin.parameters}
            yield SweepPoint(f"all parameters random #{i + 1} ({values})", values)


def _problems(out: Audio, split: int, ceiling: float, silence: float, tail: int,
              rate: int) -> list[str]:
    found = []
    bad = int(np.count_nonzero(~np.isfinite(out)))
    if bad:
        found.append(f"{bad} NaN/inf samples")
        return found
    mag = np.abs(out)
    sub = int(np.count_nonzero((mag > 0) & (mag < _TINY)))
    if sub:
        found.append(f"{sub} subnormal samples")
    peak = float(mag.max()) if mag.size else 0.0
    if peak > ceiling:
        found.append(f"peak {20 * np.log10(peak):+.1f} dBFS above the ceiling "
                     f"{20 * np.log10(ceiling):+.1f} dBFS")
    after = mag[:, split + tail:]
    if after.size and float(after.max()) > silence:
        frame = split + tail + int(np.argmax(after.max(axis=0) > silence))
        found.append(f"not silent {tail} samples after the input stopped (still "
                     f"{20 * np.log10(float(after.max())):.0f} dBFS at "
                     f"{frame / rate:.3f} s)")
    return found


def check_parameter_sweep(plugin: Plugin, signal: Signal | None = None, *,
                          ceiling_db: float = 6.0, silence_db: float = -120.0,
                          tail: int = 12_000, randoms: int = 3, seed: int = 0,
                          block_size: BlockSizes = 128) -> list[SweepPoint]:
    """Run every ``sweep_points`` setting on ``signal`` (default 0.25 s of pink noise)
    followed by silence; fail naming each setting that breaks a rule."""
    signal = signal or pink_noise(0.25)
    split = signal.audio.shape[1]
    gap = np.zeros((signal.audio.shape[0], tail + 1024), dtype=np.float32)
    probe = Signal(signal.name + "+silence", np.concatenate([signal.audio, gap], axis=1),
                   signal.sample_rate)
    ceiling, silence = 10 ** (ceiling_db / 20), 10 ** (silence_db / 20)
    failures, points = [], list(sweep_points(plugin, randoms=randoms, seed=seed))
    for point in points:
        out = plugin.render(probe, point.values, block_size=block_size)
        for problem in _problems(out, split, ceiling, silence, tail, signal.sample_rate):
            failures.append(f"{point.label}: {problem}")
    if failures:
        shown = "\n  ".join(failures[:12])
        more = f"\n  ... and {len(failures) - 12} more" if len(failures) > 12 else ""
        raise AssertionError(f"parameter sweep: {len(failures)} problem(s)\n  {shown}{more}")
    return points
