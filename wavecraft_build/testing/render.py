"""Render a signal through the plugin's DSP: fresh instance, given parameters, given blocks.

``Plugin`` is the built discovery library plus its parameters (``Plugin.load(path)``
extracts them in the usual isolated child). ``plugin.render(signal, params, block_size)``
creates a new processor instance for every call (defaults, then ``params``, then the
signal's sample rate and a reset), feeds the signal in blocks and returns the output:
same inputs, same bytes. ``block_size`` is a number or a sequence of sizes used in turn
(``IRREGULAR`` is one such sequence). ``notes=[...]`` (an instrument) are ``NoteEvent``s
whose offsets count from the start of the signal; each reaches the block that holds its
sample, at its offset there. Only the runtime's public API is used.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wavecraft_build.metadata import ExtractionResult, ParameterInfo
from wavecraft_build.runtime import NoteEvent, Processor
from wavecraft_build.sound.signals import Signal
from wavecraft_build.sound.wav import Audio

__all__ = ["DEFAULT_BLOCK", "IRREGULAR", "BlockSizes", "ParamValues", "Plugin", "blocks_of"]

DEFAULT_BLOCK = 128
#: Block sizes a host may really use one after another (odd, tiny, large).
IRREGULAR: tuple[int, ...] = (1, 7, 64, 3, 250, 31, 512, 2, 129)

BlockSizes = int | Sequence[int]
ParamValues = Mapping[str, float | bool | str]


def blocks_of(total: int, block_size: BlockSizes) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` of each block covering ``total`` frames."""
    sizes = [block_size] if isinstance(block_size, int) else list(block_size)
    if not sizes or any(s < 1 for s in sizes):
        raise ValueError(f"block sizes must be >= 1, got {block_size!r}")
    start = 0
    for size in itertools.cycle(sizes):
        if start >= total:
            return
        stop = min(total, start + size)
        yield start, stop
        start = stop


@dataclass(frozen=True)
class Plugin:
    """A built plugin library and its parameters, in declaration order."""

    library: Path
    parameters: tuple[ParameterInfo, ...]
    #: Processor ids, in chain order (empty when the library does not report them).
    processors: tuple[str, ...] = ()

    @classmethod
    def load(cls, library: Path, parameters: ExtractionResult | None = None) -> Plugin:
        """``library`` with ``parameters`` (extracted in an isolated child when omitted)."""
        if parameters is None:
            from wavecraft_build.extract import extract_params

            parameters = extract_params(Path(library))
        return cls(Path(library).resolve(), parameters.parameters,
                   tuple(p.id for p in parameters.processors))

    @property
    def defaults(self) -> dict[str, float]:
        return {p.id: float(p.default) for p in self.parameters}

    def parameter(self, pid: str) -> ParameterInfo:
        for p in self.parameters:
            if p.id == pid:
                return p
        raise KeyError(f"unknown parameter id {pid!r}; the plugin has: "
                       + ", ".join(p.id for p in self.parameters))

    def instance(self, sample_rate: float, params: ParamValues | None = None) -> Processor:
        """A new processor at ``sample_rate`` with ``params`` applied over the defaults."""
        proc = Processor(self.library, self.parameters, sample_rate=sample_rate)
        if params:
            proc.set_params(params)
        proc.reset()
        return proc

    def render(self, signal: Signal, params: ParamValues | None = None, *,
               block_size: BlockSizes = DEFAULT_BLOCK,
               notes: Sequence[NoteEvent] = ()) -> Audio:
        """The DSP's output for ``signal`` (a fresh instance; see the module docstring)."""
        audio = signal.audio
        out = np.empty_like(audio)
        pending = sorted(notes, key=lambda event: event.offset)
        if pending and pending[-1].offset >= audio.shape[1]:
            raise ValueError(f"note offset {pending[-1].offset} is past the signal's "
                             f"{audio.shape[1]} samples")
        with self.instance(signal.sample_rate, params) as proc:
            for start, stop in blocks_of(audio.shape[1], block_size):
                here = [dataclasses.replace(e, offset=e.offset - start)
                        for e in pending if start <= e.offset < stop]
                out[:, start:stop] = proc.process(np.ascontiguousarray(audio[:, start:stop]),
                                                  notes=here)
        return out
