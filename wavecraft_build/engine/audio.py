"""The block clock: one thread that renders stereo blocks in real time, with or without a device.

Block ``n`` starts at ``t0 + n*T`` (``T`` = block_size / sample_rate). It is **late** when
its rendering finishes after ``t0 + (n + buffer_blocks)*T``, the moment a device with a
``buffer_blocks``-deep output buffer (4 blocks = 10.7 ms at 128 frames, 48 kHz) would have
needed it; a clock that falls more than ``_RESYNC_S`` behind (the machine was suspended,
a debugger stopped it) skips ahead and counts the skipped blocks as **dropped**. Both
counters, the blocks rendered and the time spent rendering are in ``stats``. The thread
asks for real-time priority (SCHED_FIFO) when the system allows it, and gives it up if the
DSP cannot keep up with real time.

Per block: the source fills the input (silence for an instrument when the input is
``auto``), pending parameter values are applied (the server changes a version number;
only this thread calls into the DSP while it runs), the notes queued since the last block
are taken (``NoteInbox``) and the DSP processes the block in place with them, then
``on_block`` gets it. The clock mirrors which keys are down: at a hot swap the new DSP
gets a note-on for each at the block's first sample (held notes carry over), and the old
DSP renders that one block too, faded out while the new one fades in, so the swap has no
click even while notes ring. A hot swap hands a new ``EngineDsp``
to ``swap``; this thread takes it between two blocks and, after that block, drops the one
it replaced: an instance is released only by the thread that last called it, so a drop
never races a call (``swap`` never takes over from a slow or hung audio thread; it gives
up waiting and the watchdog takes it from there). ``call_started`` is when the current DSP
call began (0.0 between calls) and ``call_dsp`` the DSP it calls, for the watchdog. A DSP
that panics (``DspPanic``: the SDK's status and message) or outputs NaN/inf is marked
failed: that block and every later one is muted until the next swap, and ``on_fail`` says
why, once; a DSP that keeps the clock busy for longer than a block's period,
``_OVERLOAD_BLOCKS`` blocks in a row, is slower than real time, and ``on_slow`` says so,
once per DSP. Neither callback may block: the engine hands them to its event loop.
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

from wavecraft_build._dsp_host import DspPanic
from wavecraft_build._dsp_notes import NoteEvent, note_on
from wavecraft_build.engine.dsp import EngineDsp
from wavecraft_build.engine.notes import NoteInbox
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
    last_block_s: float = 0.0
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
        on_slow: Callable[[EngineDsp, str], None] | None = None,
        notes: NoteInbox | None = None,
    ) -> None:
        self.config = config
        self._notes = notes
        #: Keys down as the DSP heard them, (channel, note) -> velocity (this thread only).
        self._held: dict[tuple[int, int], float] = {}
        self.stats = ClockStats()
        self._source = source
        self._values = values
        self._on_block = on_block
        self._on_fail = on_fail
        self._on_slow = on_slow
        shape = (config.channels, config.block_size)
        self._buf: Buffer = np.zeros(shape, dtype=np.float32)
        self._fade_buf: Buffer = np.zeros(shape, dtype=np.float32)  # the old DSP's last block
        self._fade_in = np.linspace(0.0, 1.0, config.block_size, dtype=np.float32)
        self._dsp: EngineDsp | None = None
        self._failed: EngineDsp | None = None
        self._slow: EngineDsp | None = None
        self._pending: EngineDsp | None = None
        self._retired: list[EngineDsp] = []  # replaced on this thread, dropped after a block
        self._swapped = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: perf_counter() when the DSP call in progress began; 0.0 between calls.
        self.call_started = 0.0
        #: The DSP of that call (set before ``call_started``; the last one between calls).
        self.call_dsp: EngineDsp | None = None

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

    def swap(self, dsp: EngineDsp, timeout: float = 2.0) -> bool:
        """Install ``dsp`` between two blocks. True once the audio thread took it (it drops
        the one it replaced); False if it did not within ``timeout`` (a slow or hung DSP
        call): ``dsp`` stays pending, and nothing is dropped here that it may still call."""
        with self._swapped:
            superseded, self._pending = self._pending, dsp
            if self.running:
                taken = self._swapped.wait_for(lambda: self._pending is not dsp, timeout)
            else:  # no audio thread (not started, or stopped): no call can be in progress
                self._take_pending()
                taken = True
        if superseded is not None:  # never reached the audio thread: this thread called it last
            superseded.close()
        if not self.running:
            self._drop_retired()
        return taken

    # -- the audio thread --------------------------------------------------------------

    def _take_pending(self) -> EngineDsp | None:
        """Installs the pending DSP; returns the one it replaced (retired, dropped later)."""
        old = self._dsp
        if old is not None:
            self._retired.append(old)
        self._dsp, self._pending = self._pending, None
        self.stats.swaps += 1
        return old

    def _drop_retired(self) -> None:
        retired, self._retired = self._retired, []
        for old in retired:
            old.close()

    def _run(self) -> None:
        realtime = _realtime_priority(True)
        period = self.config.block_seconds
        budget = self.config.buffer_blocks
        t0 = time.perf_counter()
        n = unslept = overloaded = 0
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
            rendering = self._dsp
            self._render(n)
            done = time.perf_counter()
            # Slower than real time: every block of a long run took longer than its period
            # (not merely catching up after a stall, which renders fast blocks back to back).
            # A swap starts the count again: its block also renders the old DSP's fade-out,
            # and the old DSP's run says nothing about the new one.
            if self._dsp is not rendering:
                overloaded = 0
            else:
                overloaded = overloaded + 1 if done - began > period else 0
            if overloaded > _OVERLOAD_BLOCKS:
                self._too_slow(period)
            st = self.stats
            st.blocks += 1
            st.busy_cpu_s += time.thread_time() - began_cpu
            st.busy_s += done - began
            st.last_block_s = done - began
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
            if self._retired:  # after the block is out: the drop never delays audio
                self._drop_retired()

    def _too_slow(self, period: float) -> None:
        dsp = self._dsp
        if dsp is None or dsp is self._slow or dsp is self._failed or self._on_slow is None:
            return
        self._slow = dsp
        self._on_slow(dsp, f"the DSP is slower than real time: {self.stats.last_block_s * 1000:.1f}"
                           f" ms to render a {period * 1000:.2f} ms block")

    def _render(self, n: int) -> None:
        buf = self._buf
        self._source.read_into(buf)
        old = None
        swapped = False
        # Never wait for the lock here: a swap in progress is taken at the next block.
        if self._pending is not None and self._swapped.acquire(blocking=False):
            try:
                old = self._take_pending()
                swapped = True
                self._swapped.notify_all()
            finally:
                self._swapped.release()
        dsp = self._dsp
        if dsp is not None and dsp.takes_notes and self._source.auto:
            buf.fill(0.0)  # an instrument's default input: silence (plus the keyboard)
        # The page's notes on the block's first sample, then a MIDI file's at their own.
        notes = self._notes.take() if self._notes is not None else []
        notes += self._source.take_notes(buf.shape[1])
        # Keys down before this block, for a DSP that just came in (the first one too: a
        # MIDI file's note may have started before any DSP was loaded).
        carried = [note_on(note, velocity, channel=channel)
                   for (channel, note), velocity in self._held.items()] if swapped else []
        self._hold(notes)
        changed = False
        if dsp is None or dsp is self._failed:
            buf.fill(0.0)
        else:
            if old is not None and old is not self._failed:
                self._fade_out(old, notes)
            self.call_dsp = dsp
            self.call_started = time.perf_counter()
            try:
                if self._values.version != dsp.applied_version:
                    version, values = self._values.snapshot()
                    dsp.apply_values(values, version)
                    changed = True
                dsp.process_in_place(buf, carried + notes)
                # A note is a change: the meters show it at once, as for a parameter.
                changed = changed or bool(notes)
            except DspPanic as exc:
                self._fail(dsp, buf, f"the DSP panicked in {exc.call}(): {exc.message}")
            else:
                if not np.isfinite(buf).all():
                    self._fail(dsp, buf, "the DSP output non-finite samples (NaN or inf)")
                elif old is not None and old is not self._failed:
                    buf *= self._fade_in  # plus the old DSP's block, faded out
                    buf += self._fade_buf
            finally:
                self.call_started = 0.0
        self._on_block(n, buf, changed)

    def _hold(self, notes: list[NoteEvent]) -> None:
        for event in notes:
            key = (event.channel, event.data)
            if event.kind == "on":
                self._held[key] = event.value
            elif event.kind == "off":
                self._held.pop(key, None)
            elif event.kind == "all_off":
                for k in [k for k in self._held if k[0] == event.channel]:
                    del self._held[k]

    def _fade_out(self, old: EngineDsp, notes: list[NoteEvent]) -> None:
        """The replaced DSP's last block (same input, same notes), faded out."""
        fade = self._fade_buf
        fade[:] = self._buf
        self.call_dsp = old
        self.call_started = time.perf_counter()
        try:
            old.process_in_place(fade, notes)
        except DspPanic:
            fade.fill(0.0)  # it failed on its way out: the new DSP fades in from silence
        finally:
            self.call_started = 0.0
        if not np.isfinite(fade).all():
            fade.fill(0.0)
        fade *= self._fade_in[::-1]

    def _fail(self, dsp: EngineDsp, buf: Buffer, reason: str) -> None:
        buf.fill(0.0)
        self._failed = dsp
        self._on_fail(dsp, reason)
