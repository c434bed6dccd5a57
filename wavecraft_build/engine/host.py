"""The engine process: the block clock, the DSP and the WebSocket server, glued together.

``Engine`` owns the parameter store, the audio status, the meters and the clock, answers
the server's requests (it is the ``rpc.Api``) and performs hot swaps. Threads: the event
loop (server, broadcasts), the audio thread (``audio.BlockClock``), the control thread
(``control``: commands from the supervisor, library loading) and the watchdog
(``watchdog``: a DSP call that does not return). The audio thread hands blocks, meter
readings and failures to the loop through a bounded, non-blocking ``Handoff``;
everything that talks to clients or to the supervisor runs on the loop (or, for a hang,
on the watchdog thread), never on the audio thread.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from wavecraft_build._dsp_host import DspPanic
from wavecraft_build._dsp_notes import NoteEvent
from wavecraft_build.engine import protocol
from wavecraft_build.engine.audio import AudioConfig, BlockClock, Buffer
from wavecraft_build.engine.dsp import EngineDsp, load_dsp
from wavecraft_build.engine.handoff import Handoff
from wavecraft_build.engine.meters import MeterReading, MeterWindow
from wavecraft_build.engine.notes import NoteInbox
from wavecraft_build.engine.presets import EnginePresets
from wavecraft_build.engine.server import EngineServer, notification
from wavecraft_build.engine.sources import LoopSource
from wavecraft_build.engine.state import AudioStatus, ParamStore
from wavecraft_build.engine.watchdog import Call, Watchdog
from wavecraft_build.errors import WavecraftError
from wavecraft_build.metadata import ParameterInfo

__all__ = ["HANG_GRACE_S", "Engine", "HostConfig"]

_METER_INTERVAL_US: Final = 1_000_000 // 60
#: A block with new parameter values is metered at once (the UI sees its change within a
#: block or two), but never more often than this: a flood of sets cannot flood the meters.
_CHANGE_GAP_US: Final = 5_000
_PCM_BATCH: Final = 4
RUNNING: Final = "runningFullDuplex"
_RECOVERS: Final = "fix the DSP; the next successful reload recovers"
#: Between saying ``failed`` (a hung call) and asking the supervisor for a restart.
HANG_GRACE_S: Final = 0.3

#: Sends one event (name, fields) to the supervisor.
Emit = Callable[..., None]


@dataclass(frozen=True)
class HostConfig:
    audio: AudioConfig
    scratch: Path


class Engine:
    """One running engine: ``start`` it on the event loop, ``swap`` from the control thread."""

    def __init__(self, config: HostConfig, source: LoopSource, emit: Emit) -> None:
        self.config = config
        self.store = ParamStore()
        #: Its ``root`` is the project (the supervisor's ``project`` command); None: no presets.
        self.presets = EnginePresets(None, self.store)
        self.status = AudioStatus(
            sample_rate=config.audio.sample_rate, buffer_size=config.audio.block_size
        )
        self._emit = emit
        self._window = MeterWindow(config.audio.channels)
        self._latest: MeterReading | None = None
        self._last_push_us = -1_000_000_000
        self._change_pending = False
        self._pcm: list[bytes] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handoff = Handoff()
        self._changed: dict[str, float] = {}
        self.server = EngineServer(self, self._hello, self._refused)
        self.notes = NoteInbox()
        self.clock = BlockClock(config.audio, source, self.store, self._on_block, self._on_fail,
                                self._on_slow, self.notes)
        #: The control thread's DSP call in progress (loading a library), for the watchdog.
        self.calling: Call | None = None
        self.watchdog = Watchdog(self._audio_call, lambda: self.calling, self._on_hang)
        #: Also called with every rendered block, on the audio thread (``--audio-out``).
        self.block_sinks: list[Callable[[Buffer], None]] = []
        self.keep_alive: list[object] = []

    async def start(self, port: int) -> int:
        self._loop = asyncio.get_running_loop()
        self._handoff.bind(self._loop)
        bound = await self.server.start(protocol.DEFAULT_HOST, port)
        self.clock.start()
        self.watchdog.start()
        return bound

    async def close(self) -> None:
        self.watchdog.stop()
        self.clock.stop()
        await self.server.close()

    # -- the rpc.Api ---------------------------------------------------------------------

    def get_parameter(self, pid: Any) -> dict[str, Any]:
        return {"id": pid, "value": self.store.get(pid)}

    def set_parameter(self, pid: Any, value: Any) -> dict[str, Any]:
        stored = self.store.set(pid, value)
        # Coalesced per loop turn: a flood of sets costs one notification per id, not one
        # per set times every client; every client still ends up with the last value.
        if not self._changed and self._loop is not None:
            self._loop.call_soon(self._flush_changes)
        self._changed[pid] = stored
        return {}

    def _flush_changes(self) -> None:
        changed, self._changed = self._changed, {}
        for pid, value in changed.items():
            self.server.broadcast("parameterChanged", {"id": pid, "value": value})

    def list_presets(self) -> dict[str, Any]:
        return self.presets.list()

    def load_preset(self, name: Any) -> dict[str, Any]:
        """Every parameter through ``set_parameter`` (checked, one notification per id)."""
        for pid, value in self.presets.values(name).items():
            self.set_parameter(pid, value)
        return {}

    def save_preset(self, name: Any, overwrite: Any) -> dict[str, Any]:
        saved = self.presets.save(name, overwrite)
        self.presets_changed()
        return saved

    def presets_changed(self) -> None:
        """Tell every client to list the presets again (any thread)."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(
                lambda: self.server.broadcast("presetsChanged", {}))

    def get_all_parameters(self) -> dict[str, Any]:
        return {"parameters": self.store.all()}

    def get_meter_frame(self) -> dict[str, Any]:
        return {"frame": self._latest.frame() if self._latest is not None else None}

    def get_audio_status(self) -> dict[str, Any]:
        return {"status": self.status.to_json()}

    def audio_format(self) -> dict[str, Any]:
        audio = self.config.audio
        return {"sample_rate": audio.sample_rate, "channels": audio.channels,
                "block_size": audio.block_size, "encoding": protocol.PCM_ENCODING}

    def play(self, event: NoteEvent) -> None:
        """Queue a note for the next block (``noteOn``/``noteOff``/``midi``, a release)."""
        self.notes.put(event)

    def _hello(self) -> list[str]:
        hello = [notification("audioFormat", self.audio_format())]
        latest = self.server.results.latest
        if latest is not None:  # a page opened (or reconnected) after a run sees its result
            hello.append(notification("testResults", {"results": latest}))
        return hello

    # -- audio thread -> event loop ------------------------------------------------------

    def _on_block(self, n: int, buf: Buffer, changed: bool) -> None:
        audio = self.config.audio
        if changed:  # the next reading shows only blocks with the new values, and soon
            self._window.clear()
            self._change_pending = True
        self._window.add(buf)
        for sink in self.block_sinks:
            sink(buf)
        ts = (n + 1) * audio.block_size * 1_000_000 // audio.sample_rate
        since = ts - self._last_push_us
        reading = None
        if since >= _METER_INTERVAL_US or (self._change_pending and since >= _CHANGE_GAP_US):
            reading = self._window.take(ts)
            self._last_push_us = ts
            self._change_pending = False
        if self.server.listeners:
            self._pcm.append(buf.T.tobytes())
        # One hand-off per meter reading (60 Hz, or a change) or per few PCM blocks: every
        # wake-up of the loop is a syscall that gives up the GIL, which this thread then
        # has to win back from a busy server.
        if reading is not None or len(self._pcm) >= _PCM_BATCH:
            pcm, self._pcm = self._pcm, []
            self._handoff.put(self._deliver, pcm, reading)

    def _deliver(self, pcm: list[bytes], reading: MeterReading | None) -> None:
        for block in pcm:  # still one binary frame per block, as the protocol says
            self.server.broadcast_pcm(block)
        if reading is not None:
            self._latest = reading
            self.server.broadcast("meterUpdate", reading.update())

    def _refused(self, why: str) -> None:
        self._emit("refused", message=why)

    def _on_fail(self, dsp: EngineDsp, reason: str) -> None:  # audio thread
        self._handoff.put(self._failed, str(dsp.library), reason)

    def _failed(self, library: str, reason: str) -> None:
        self._set_status("failed", {"code": "dsp_failed", "message": reason, "hint": _RECOVERS})
        self._emit("dsp_failed", message=reason, library=library)

    def _on_slow(self, dsp: EngineDsp, reason: str) -> None:  # audio thread
        self._handoff.put(self._slowed, str(dsp.library), reason)

    def _slowed(self, library: str, reason: str) -> None:
        self._set_status("degraded", {"code": "dsp_too_slow", "message": reason,
                                      "hint": "make process() cheaper; blocks are late"})
        self._emit("dsp_slow", message=reason, library=library)

    def _audio_call(self) -> Call | None:
        started, dsp = self.clock.call_started, self.clock.call_dsp
        if not started or dsp is None:
            return None
        return Call(started, "process", str(dsp.library), dsp.unwinding)

    def _on_hang(self, call: str, library: str, seconds: float) -> None:  # watchdog thread
        reason = f"the DSP's {call}() has not returned for {seconds:.1f} s (hung)"
        self._set_status("failed", {"code": "dsp_hung", "message": reason,
                                    "hint": "the engine restarts with the last good build; "
                                    + _RECOVERS})
        time.sleep(HANG_GRACE_S)  # the pages get the reason before the supervisor kills us
        self._emit("dsp_hung", call=call, message=reason, library=library)

    def _set_status(self, phase: str, diagnostic: dict[str, str] | None = None) -> None:
        def apply() -> None:
            self.status.set(phase, diagnostic)
            self.server.broadcast("audioStatusChanged", {"status": self.status.to_json()})

        if self._loop is not None:
            self._loop.call_soon_threadsafe(apply)
        else:
            apply()

    # -- control thread ------------------------------------------------------------------

    def swap(self, library: Path, params: Sequence[ParameterInfo],
             diagnostic: dict[str, str] | None = None) -> bool:
        """Load ``library`` (fresh image), keep values by id, swap it in between two blocks.

        A library that cannot be loaded changes nothing: the old DSP keeps playing. With a
        ``diagnostic`` (a restart after a crash or a hang) the phase is ``degraded``, saying
        why, until the next swap without one."""
        start = time.perf_counter()
        _, values = self.store.rebased(params)
        self.calling = Call(start, "create", str(library))
        try:
            dsp = load_dsp(library, params, sample_rate=self.config.audio.sample_rate,
                           values=values, version=-1, scratch=self.config.scratch)
        except (WavecraftError, OSError, ValueError, DspPanic) as exc:
            message = exc.message if isinstance(exc, WavecraftError) else str(exc)
            if self.clock.dsp is None:  # nothing plays: say why (e.g. no dev processor)
                self._set_status("failed", {"code": "load_failed", "message": message,
                                            "hint": getattr(exc, "hint", None) or ""})
            self._emit("swap_failed", error=message, library=str(library))
            return False
        finally:
            self.calling = None
        changed = self.store.replace(params)
        if not self.clock.swap(dsp):
            return False  # the audio thread is stuck in the old DSP: the watchdog says so
        if changed and self._loop is not None:
            self._loop.call_soon_threadsafe(self.server.broadcast, "parametersChanged", None)
        self._set_status("degraded" if diagnostic else RUNNING, diagnostic)
        self._emit("swapped", library=str(library), parameters=len(params), changed=changed,
                   seconds=round(time.perf_counter() - start, 4))
        return True

    async def report_values(self, interval: float = 0.25) -> None:
        """Tell the supervisor the current values now and then (it hands them to the next
        engine if this one crashes, so the author's settings survive a segfault)."""
        reported = -1
        while True:
            await asyncio.sleep(interval)
            version, values = self.store.snapshot()
            if version != reported:
                self._emit("values", values=dict(values))
                reported = version

    def publish_results(self, results: dict[str, Any], folder: Path | None) -> None:
        """Keep ``results`` (a ``TestResults``) as the latest and broadcast it; its plots are
        served from ``folder`` from now on."""
        def apply() -> None:
            self.server.results.latest = results
            self.server.results.folder = folder
            self.server.broadcast("testResults", {"results": results})

        if self._loop is not None:
            self._loop.call_soon_threadsafe(apply)
        else:
            apply()

    def fail(self, message: str) -> None:
        """Say ``failed`` without a DSP (the supervisor restarted us after a crash)."""
        self._set_status("failed", {"code": "engine_crashed", "message": message,
                                    "hint": _RECOVERS})

    def stats(self) -> dict[str, Any]:
        st = self.clock.stats
        return {
            "blocks": st.blocks, "late": st.late, "dropped": st.dropped, "swaps": st.swaps,
            "busy_s": st.busy_s, "busy_cpu_s": st.busy_cpu_s, "worst_block_s": st.worst_block_s,
            "worst_lag_blocks": st.worst_lag_blocks, "clients": self.server.clients,
            "connections": self.server.connections, "handoff_dropped": self._handoff.dropped,
        }
