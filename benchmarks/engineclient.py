"""Handles on a real dev engine for tests and benchmarks: the process and a WebSocket client.

``EngineHandle`` runs the engine process under the real ``EngineSupervisor`` on a free
loopback port and collects the supervisor's events; ``Client`` is a real ``websockets``
client (sync API) that sends JSON-RPC requests and sorts what arrives into replies,
notifications and PCM frames.
"""

from __future__ import annotations

import itertools
import json
import math
import queue
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

from benchmarks.devloop import free_port
from wavecraft_build.engine.supervisor import EngineOptions, EngineSupervisor
from wavecraft_build.extract import extract_params
from wavecraft_build.metadata import ExtractionResult

Event = dict[str, Any]


class EngineHandle:
    def __init__(self, **options: Any) -> None:
        self.options = EngineOptions(port=free_port(), **options)
        self._events: queue.Queue[Event] = queue.Queue()
        self.events: list[Event] = []
        self._unclaimed: list[Event] = []
        self.supervisor = EngineSupervisor(self.options, self._emit)

    @property
    def url(self) -> str:
        return self.options.url

    def _emit(self, event: str, message: str, **fields: Any) -> None:
        self._events.put({"event": event, "message": message, "_t": time.monotonic(), **fields})

    def start(self) -> EngineHandle:
        self.supervisor.start()
        return self

    def swap(self, library: Path, result: ExtractionResult | None = None) -> Event:
        """Swap ``library`` in and wait for the engine to confirm it."""
        copy = str(self.supervisor.swap(library, result or extract_params(library)))
        return self.wait_for(lambda e: e["event"] == "engine_swapped" and e["library"] == copy)

    def wait_for(self, pred: Callable[[Event], bool], timeout: float = 30) -> Event:
        """The first event matching ``pred`` that no earlier wait returned (events that
        arrived in another order than waited for are kept, not skipped)."""
        for event in self._unclaimed:
            if pred(event):
                self._unclaimed.remove(event)
                return event
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no matching event; saw {self.events}")
            try:
                event = self._events.get(timeout=left)
            except queue.Empty:
                continue
            self.events.append(event)
            if pred(event):
                return event
            self._unclaimed.append(event)

    def wait_event(self, name: str, timeout: float = 30) -> Event:
        return self.wait_for(lambda e: e["event"] == name, timeout)

    def stats(self) -> dict[str, Any]:
        stats = self.supervisor.stats()
        assert stats is not None, "the engine did not answer the stats command"
        return stats

    def stop(self) -> None:
        self.supervisor.stop()

    def __enter__(self) -> EngineHandle:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


class Client:
    """A JSON-RPC client on one WebSocket connection (sync ``websockets``)."""

    def __init__(self, url: str, *, open_timeout: float = 10) -> None:
        # Entered by hand: websockets >= 17.1 wants connect() used as a context manager.
        # max_queue=None: keep reading (PCM piles up in memory) so a close is seen at once.
        self._connection = connect(url, open_timeout=open_timeout, max_size=None,
                                   max_queue=None)
        self.ws: ClientConnection = self._connection.__enter__()
        self._ids = itertools.count(1)
        self.notifications: list[dict[str, Any]] = []
        self.pcm_frames = 0
        self.pcm_bytes = 0
        #: Set to a list to keep every binary PCM frame received from now on.
        self.pcm: list[bytes] | None = None

    def close(self) -> None:
        self._connection.__exit__(None, None, None)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _take(self, timeout: float) -> dict[str, Any] | None:
        raw = self.ws.recv(timeout=timeout)
        if isinstance(raw, bytes):
            self.pcm_frames += 1
            self.pcm_bytes += len(raw)
            if self.pcm is not None:
                self.pcm.append(raw)
            return None
        msg: dict[str, Any] = json.loads(raw)
        if "method" in msg and "id" not in msg:
            self.notifications.append(msg)
        return msg

    def send_raw(self, text: str | bytes) -> None:
        self.ws.send(text)

    def reply(self, rid: Any = None, timeout: float = 10) -> dict[str, Any]:
        """The next reply (to ``rid``, or any id/error reply when None)."""
        deadline = time.monotonic() + timeout
        while True:
            msg = self._take(max(0.01, deadline - time.monotonic()))
            answered = msg is not None and ("result" in msg or "error" in msg)
            if answered and msg is not None and (rid is None or msg.get("id") == rid):
                return msg
            if time.monotonic() > deadline:
                raise TimeoutError(f"no reply to {rid}")

    def call(self, method: str, params: dict[str, Any] | None = None,
             timeout: float = 10) -> dict[str, Any]:
        """Send a request and return its whole reply (``result`` or ``error``)."""
        rid = next(self._ids)
        msg: dict[str, Any] = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        self.ws.send(json.dumps(msg))
        return self.reply(rid, timeout)

    def result(self, method: str, params: dict[str, Any] | None = None) -> Any:
        reply = self.call(method, params)
        assert "result" in reply, reply
        return reply["result"]

    def notification(self, method: str, pred: Callable[[dict[str, Any]], bool] = lambda p: True,
                     timeout: float = 10) -> dict[str, Any]:
        """The params of the next ``method`` notification matching ``pred`` (seen or new)."""
        for i, n in enumerate(self.notifications):
            if n["method"] == method and pred(n.get("params", {})):
                del self.notifications[: i + 1]
                return dict(n.get("params", {}))
        self.notifications.clear()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = self._take(max(0.01, deadline - time.monotonic()))
            if msg is not None and msg.get("method") == method and pred(msg.get("params", {})):
                self.notifications.clear()
                return dict(msg.get("params", {}))
        raise TimeoutError(f"no {method} notification")

    def drain(self) -> None:
        """Drop everything received so far: the next meter reading is a fresh one."""
        while True:
            try:
                self._take(0)
            except TimeoutError:
                break
        self.notifications.clear()

    def until(self, pred: Callable[[dict[str, Any]], bool],
              timeout: float = 60) -> list[dict[str, Any]]:
        """Every text message up to and including the first that matches ``pred``."""
        seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                msg = self._take(max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                break
            if msg is not None:
                msg["_t"] = time.monotonic()
                seen.append(msg)
                if pred(msg):
                    self.notifications.clear()
                    return seen
        raise TimeoutError(f"no matching message in {timeout} s")

    def meter(self, timeout: float = 10) -> dict[str, Any]:
        return self.notification("meterUpdate", timeout=timeout)

    def mean_rms_db(self, updates: int = 20, after_us: int = 0) -> float:
        """Left-channel RMS in dBFS over ``updates`` meter updates after ``after_us`` (one
        window is 6-7 blocks, not whole cycles of the sine: averaging the power of many
        removes that ripple)."""
        self.settled_meter(after_us)
        powers = [10 ** (self.meter()["left_rms"] / 10) for _ in range(updates)]
        return 10 * math.log10(sum(powers) / len(powers))

    def settled_meter(self, after_us: int = 0, blocks_of_skip: int = 3) -> dict[str, Any]:
        """A meterUpdate from after ``after_us`` plus a few updates (ramps have settled)."""
        m = self.notification("meterUpdate", lambda p: p["timestamp_us"] > after_us)
        for _ in range(blocks_of_skip):
            m = self.meter()
        return m
