"""Notice a DSP call that does not return: a hung ``process`` or ``create``.

Plugin code cannot be interrupted from Python, so a hung call is handled like a crash:
the watchdog thread sees that the audio thread's current call (``BlockClock.call_started``)
or the control thread's (``Engine.calling``: ``create``, ``set_sample_rate``,
``apply_plain_values`` while a library loads) has run longer than its limit, and calls
``on_hang(call, library, seconds)`` once for it. The engine then says ``failed`` with the
reason and tells the supervisor, which kills this process and starts a new one with the
last good library and values. Limits: ``PROCESS_LIMIT_S`` for the audio thread (about 190
blocks of 128 frames at 48 kHz: far above a slow DSP's few blocks, so a loaded machine
does not trip it), ``CALL_LIMIT_S`` for the control thread.

A call that panicked is not hung: the panic hook's text, a backtrace and the unwind are
slow on a loaded machine, and the call then returns its panic as data (``DspPanic``:
reported, the DSP muted). A call past its limit whose library says it is unwinding
(``Call.unwinding``: the SDK's hook raises ``wavecraft_dev_unwinding`` before that slow
part) is held to ``CALL_LIMIT_S`` instead; a panic that never finishes (a hook or a
``Drop`` that hangs) is still a hang. A plain hang is seen within the same limits as ever.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Final, NamedTuple

__all__ = ["CALL_LIMIT_S", "PROCESS_LIMIT_S", "Call", "Watchdog"]

PROCESS_LIMIT_S: Final = 0.5
CALL_LIMIT_S: Final = 5.0
_TICK_S: Final = 0.02



class Call(NamedTuple):
    """A DSP call in progress."""

    began: float
    name: str
    library: str
    #: Asks the call's library whether it is reporting a panic (None: it cannot say).
    unwinding: Callable[[], bool] | None = None


class Watchdog:
    """A daemon thread polling two call markers; ``on_hang`` fires once per hung call."""

    def __init__(
        self,
        audio_call: Callable[[], Call | None],
        control_call: Callable[[], Call | None],
        on_hang: Callable[[str, str, float], None],
        *,
        process_limit: float = PROCESS_LIMIT_S,
        call_limit: float = CALL_LIMIT_S,
    ) -> None:
        self._watched = ((audio_call, process_limit), (control_call, call_limit))
        self._unwind_limit = call_limit
        self._on_hang = on_hang
        self._reported: set[float] = set()
        self._stop = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._run, name="wavecraft-watchdog", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(_TICK_S):
            now = time.perf_counter()
            for marker, limit in self._watched:
                call = marker()
                if call is None or call[0] in self._reported:
                    continue
                began, name, library, unwinding = call
                took = now - began
                if took <= limit or (took <= self._unwind_limit and unwinding is not None
                                     and unwinding()):
                    continue
                self._reported.add(began)
                self._on_hang(name, library, took)
