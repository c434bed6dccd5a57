"""The WebSocket server (``websockets``, asyncio) on 127.0.0.1: JSON-RPC in, broadcasts out.

Each client has one bounded outgoing queue drained by its own writer task, so a slow or
stuck client can only ever stall itself: broadcasts (meters, PCM, notifications) are
offered without waiting and dropped for a client whose queue is full; replies wait for
room, which throttles only the flooding client's own reading. Incoming messages are
capped at ``MAX_MESSAGE`` bytes (a bigger one closes that connection with 1009, as
websockets does), clients at ``MAX_CLIENTS``. On connect a client gets one ``audioFormat``
notification; binary frames (one block of interleaved float32 PCM each) go only to the
clients that sent ``subscribeAudio``, so an idle tab or a UI that expects text only costs
no PCM at all. The handshake's ``Origin`` and ``Host`` are checked first (``origins.Gate``):
only the dev UI and clients without an ``Origin`` get in, the rest get 403 and
``on_refused`` is told once per origin and host. A plain ``GET`` under
``protocol.TEST_RESULTS_PATH`` that passes the same check is answered with a plot of the
test results (``results.serve_plot``) instead of a WebSocket.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Final

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from wavecraft_build.engine import protocol
from wavecraft_build.engine.notes import releases
from wavecraft_build.engine.origins import Gate
from wavecraft_build.engine.protocol import INVALID_REQUEST
from wavecraft_build.engine.results import ResultsBoard, serve_plot
from wavecraft_build.engine.rpc import Api, Session, error_reply, handle_message

__all__ = ["MAX_CLIENTS", "MAX_MESSAGE", "EngineServer"]

MAX_MESSAGE: Final = 256 * 1024
MAX_CLIENTS: Final = 256
_QUEUE: Final = 512  # about 1.3 s of PCM blocks at 128 frames, 48 kHz

logging.getLogger("websockets").setLevel(logging.CRITICAL)  # a dropped client is not news


@dataclass(eq=False)
class _Client(Session):
    ws: ServerConnection
    queue: asyncio.Queue[str | bytes] = field(default_factory=lambda: asyncio.Queue(_QUEUE))
    dropped: int = 0

    def offer(self, message: str | bytes) -> None:
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.dropped += 1


def notification(method: str, params: dict[str, Any] | None = None) -> str:
    msg: dict[str, Any] = {"jsonrpc": protocol.JSONRPC, "method": method}
    if params is not None:
        msg["params"] = params
    return json.dumps(msg, allow_nan=False)


class EngineServer:
    """Serves ``api`` to every client; ``broadcast*`` run on the event loop's thread."""

    def __init__(self, api: Api, hello: Callable[[], list[str]],
                 on_refused: Callable[[str], None] | None = None) -> None:
        self._api = api
        self._hello = hello
        self._on_refused = on_refused
        self._refused: set[tuple[str | None, str | None]] = set()
        self.gate = Gate()
        #: The latest test results and their folder (set on the loop: ``Engine``).
        self.results = ResultsBoard()
        self._clients: set[_Client] = set()
        self._server: Server | None = None
        self.connections = 0
        #: Clients subscribed to the PCM stream; counted on the loop, read by the audio
        #: thread (an int: no lock, no iteration of a set another thread changes).
        self.listeners = 0

    @property
    def clients(self) -> int:
        return len(self._clients)


    async def start(self, host: str, port: int) -> int:
        """Listen on ``host:port`` (OSError if busy); returns the bound port."""
        self._server = await serve(
            self._handle,
            host,
            port,
            max_size=MAX_MESSAGE,
            max_queue=16,
            compression=None,
            ping_interval=20,
            ping_timeout=20,
            close_timeout=1,
            process_request=self._admit,
        )
        sockets = list(self._server.sockets)
        self.gate.port = int(sockets[0].getsockname()[1])
        return self.gate.port

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)

    def broadcast(self, method: str, params: dict[str, Any] | None = None) -> None:
        message = notification(method, params)
        for client in self._clients:
            client.offer(message)

    def broadcast_pcm(self, pcm: bytes) -> None:
        for client in self._clients:
            if client.audio:
                client.offer(pcm)

    def _admit(self, _ws: ServerConnection, request: Request) -> Response | None:
        origin, host = request.headers.get("Origin"), request.headers.get("Host")
        why = self.gate.refusal(origin, host)
        if why is not None:
            if (origin, host) not in self._refused and len(self._refused) < MAX_CLIENTS:
                self._refused.add((origin, host))
                if self._on_refused is not None:
                    self._on_refused(why)
            return _ws.respond(HTTPStatus.FORBIDDEN, "only the dev UI may connect\n")
        if request.path.startswith(protocol.TEST_RESULTS_PATH):
            return serve_plot(self.results.folder, request.path)
        if len(self._clients) >= MAX_CLIENTS:
            return _ws.respond(HTTPStatus.SERVICE_UNAVAILABLE, "too many clients\n")
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        client = _Client(ws)
        self._clients.add(client)
        self.connections += 1
        writer = asyncio.create_task(self._write(client))
        try:
            for hello in self._hello():
                client.offer(hello)
            async for message in ws:
                if isinstance(message, bytes):
                    reply: Any = error_reply(None, INVALID_REQUEST, "binary frames are not "
                                             "requests")
                else:
                    reply = handle_message(message, self._api, client)
                    self._count_listeners()
                if reply is not None:
                    await client.queue.put(json.dumps(reply, allow_nan=False))
                # Buffered messages are returned without a suspension point: yield, so one
                # flooding client cannot starve the others (or the broadcasts).
                await asyncio.sleep(0)
        except ConnectionClosed:
            pass
        finally:
            self._clients.discard(client)
            self._count_listeners()
            for release in releases(client.held):  # a key left down must not ring forever
                self._api.play(release)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await writer

    def _count_listeners(self) -> None:
        self.listeners = sum(1 for c in self._clients if c.audio)

    async def _write(self, client: _Client) -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                await client.ws.send(await client.queue.get())
