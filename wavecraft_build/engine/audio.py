"""The block clock: one thread that renders stereo blocks in real time, with or without a device.

Block ``n`` starts at ``t0 + n*T`` (``T`` = block_size / sample_rate). It is **late** when
its rendering finishes after ``t0 + (n + buffer_blocks)*T``, the moment a device with a
``buffer_blocks``-deep output buffer (4 blocks = 10.7 ms at 128 frames, 48 kHz) would have
needed it; a clock that falls more than ``_RESYNC_S`` behind (the machine was suspended,
a debugger stopped it) skips ahead and counts the skipped blocks as **dropped**. Both
counters, the blocks rendered and the time spent rendering are in ``stats``. The thread
asks for real-time priority (SCHED_FIFO) when the system allows it, and gives it up if the
DSP cannot keep up with real time.

Per block: the source fills the input, pending parameter values are applied (the server
changes a version number; only this thread calls into the DSP while it runs), the DSP
processes the block in place, then ``on_block`` gets it. A hot swap hands a new ``EngineDsp``
to ``swap``; this thread takes it between two blocks. A DSP that panics (its message is read
from the stderr tap) or outputs NaN/inf is marked failed: that block and every later one is
muted until the next swap, and ``on_fail`` says why, once.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, Protocol

import numpy as np
import numpy.typing as npt

from wavecraft_build.engine.dsp import EngineDsp
from wavecraft_build.engine.panics import StderrTap
from wavecraft_build.engine.sources import LoopSource

__all__ = ["AudioConfig", "BlockClock", "ClockStats", "ValueSource"]

_RESYNC_S: Final = 0.25
_RT_PRIORITY: Final = 10
_OVERLOAD_BLOCKS: Final = 64

Buffer = npt.NDArray[np.float32]


@dataclass(frozen=True)
class AudioConfig:
    sample_rate: int = 48_000
    block_size: int = 128
    channels: int = 2
    #: The output buffer a block must reach in time (see "late" above).
    buffer_blocks: int = 4

    @property
    def block_seconds(self) -> float:
        return self.block_size / self.sample_rate


@dataclass
class ClockStats:
    blocks: int = 0
    late: int = 0
    dropped: int = 0
    swaps: int = 0
    #: Seconds spent rendering (source + DSP + meters + hand-off), and the worst block:
    #: wall time (includes waiting for the GIL and the CPU) and this thread's CPU time.
    busy_s: float = 0.0
    busy_cpu_s: float = 0.0
    worst_block_s: float = 0.0
    #: Worst finish time past the block's start, in blocks (a late block is > buffer_blocks).
    worst_lag_blocks: float = 0.0


def _realtime_priority(on: bool) -> bool:
    """Ask for (or give up) a real-time scheduling class for this thread, as audio software
    does; most users lack the privilege (then nothing changes: the clock works either way).
    Returns whether the thread now runs at real-time priority."""
    try:
        if on:
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(_RT_PRIORITY))
        else:
            os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
    except (AttributeError, OSError):
        return False
    return on


class ValueSource(Protocol):
    """The parameter store as the clock sees it: a version that moves on every set."""

    @property
    def version(self) -> int: ...
    def snapshot(self) -> tuple[int, Mapping[str, float]]: ...


class BlockClock:
    """Renders blocks on its own thread until ``stop``."""

    def __init__(
        self,
        config: AudioConfig,
        source: LoopSource,
        values: ValueSource,
        on_block: Callable[[int, Buffer, bool], None],
        on_fail: Callable[[EngineDsp, str], None],
        tap: StderrTap | None = None,
    ) -> None:
        self.config = config
        self.stats = ClockStats()
        self._source = source
        self._values = values
        self._on_block = on_block
        self._on_fail = on_fail
        self._tap = tap
        shape = (config.channels, config.block_size)
        self._buf: Buffer = np.zeros(shape, dtype=np.float32)
        self._dsp: EngineDsp | None = None
        self._failed: EngineDsp | None = None
        self._pending: EngineDsp | None = None
        self._old: EngineDsp | None = None  # the one the last swap replaced
        self._swapped = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.t0 = 0.0

    # -- control (any thread) ------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="wavecraft-audio", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def dsp(self) -> EngineDsp | None:
        return self._dsp

    def swap(self, dsp: EngineDsp, timeout: float = 2.0) -> EngineDsp | None:
        """Install ``dsp`` between two blocks; return the one it replaced (to be dropped)."""
        with self._swapped:
            self._pending = dsp
            if self.running:
                self._swapped.wait_for(lambda: self._pending is None, timeout)
            if self._pending is not None:  # clock not running: take it here
                self._take_pending()
            return self._old

    # -- the audio thread --------------------------------------------------------------

    def _take_pending(self) -> None:
        self._old, self._dsp, self._pending = self._dsp, self._pending, None
        self.stats.swaps += 1

    def _run(self) -> None:
        realtime = _realtime_priority(True)
        period = self.config.block_seconds
        budget = self.config.buffer_blocks
        self.t0 = t0 = time.perf_counter()
        n = unslept = 0
        while not self._stop.is_set():
            start_at = t0 + n * period
            now = time.perf_counter()
            if start_at > now:
                time.sleep(start_at - now)
                unslept = 0
            else:
                unslept += 1
                if realtime and unslept > _OVERLOAD_BLOCKS:
                    # A DSP slower than real time: never hog a core at real-time priority.
                    realtime = _realtime_priority(False)
            began, began_cpu = time.perf_counter(), time.thread_time()
            self._render(n)
            done = time.perf_counter()
            st = self.stats
            st.blocks += 1
            st.busy_cpu_s += time.thread_time() - began_cpu
            st.busy_s += done - began
            st.worst_block_s = max(st.worst_block_s, done - began)
            lag = (done - start_at) / period
            st.worst_lag_blocks = max(st.worst_lag_blocks, lag)
            if lag > budget:
                st.late += 1
            n += 1
            behind = done - (t0 + n * period)
            if behind > _RESYNC_S:
                skip = int(behind / period)
                st.dropped += skip
                n += skip

    def _render(self, n: int) -> None:
        buf = self._buf
        self._source.read_into(buf)
        if self._pending is not None:
            with self._swapped:
                self._take_pending()
                self._swapped.notify_all()
        dsp = self._dsp
        changed = False
        if dsp is None or dsp is self._failed:
            buf.fill(0.0)
        else:
            if self._values.version != dsp.applied_version:
                version, values = self._values.snapshot()
                dsp.apply_values(values, version)
                changed = True
            dsp.process_in_place(buf)
            self._check(dsp, buf)
        self._on_block(n, buf, changed)

    def _check(self, dsp: EngineDsp, buf: Buffer) -> None:
        panic = self._tap.poll() if self._tap is not None else None
        if panic is not None:
            reason = f"the DSP panicked: {panic}"
        elif not np.isfinite(buf).all():
            reason = "the DSP output non-finite samples (NaN or inf)"
        else:
            return
        buf.fill(0.0)
        self._failed = dsp
        self._on_fail(dsp, reason)
