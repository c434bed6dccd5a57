"""Bad input never stops the engine: each gets its JSON-RPC error or is dropped, audio runs on.

A real engine process (fixture DSP) and real clients. "Audio keeps running" is checked the
way a UI sees it (meter updates keep coming, their timestamps, which count blocks, keep
increasing) and through the engine's own block counter.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect as aconnect
from websockets.exceptions import ConnectionClosed

from benchmarks.engineclient import Client, EngineHandle
from wavecraft_build.extract import extract_params


@pytest.fixture(scope="module")
def engine(fixture_lib: Path) -> Iterator[EngineHandle]:
    env_mode = os.environ.pop("WAVECRAFT_FIXTURE_MODE", None)
    with EngineHandle() as handle:
        handle.swap(fixture_lib, extract_params(fixture_lib))
        yield handle
    if env_mode is not None:
        os.environ["WAVECRAFT_FIXTURE_MODE"] = env_mode


def _audio_runs(engine: EngineHandle) -> int:
    """Blocks rendered so far; asserts they keep increasing and a client is answered."""
    before = engine.stats()["blocks"]
    with Client(engine.url) as c:
        first = c.meter()["timestamp_us"]
        assert c.result("ping") == {}
        assert c.meter()["timestamp_us"] > first
    after = engine.stats()
    assert after["blocks"] > before
    return int(after["blocks"])


def _error(c: Client, text: str | bytes) -> int:
    c.send_raw(text)
    reply = c.reply()
    return int(reply["error"]["code"])


def test_malformed_messages_get_their_errors(engine: EngineHandle) -> None:
    with Client(engine.url) as c:
        assert _error(c, "{oops") == -32700
        assert _error(c, b"\x00\x01binary") == -32600
        assert _error(c, '{"jsonrpc":"2.0","id":1,"method":"explode"}') == -32601
        for value in ("NaN", "Infinity", "-Infinity", '"loud"', "null", "[1]", "1e999"):
            text = ('{"jsonrpc":"2.0","id":1,"method":"setParameter",'
                    f'"params":{{"id":"gain_level","value":{value}}}}}')
            assert _error(c, text) == -32602, value
        bad_range = {"id": "gain_level", "value": 2.5}
        assert c.call("setParameter", bad_range)["error"]["code"] == -32001
        assert c.call("setParameter", {"id": "nope", "value": 1})["error"]["code"] == -32000
        assert c.result("getParameter", {"id": "gain_level"})["value"] == 1.0  # unchanged
    _audio_runs(engine)


def test_a_10_mb_message_closes_only_that_client(engine: EngineHandle) -> None:
    with Client(engine.url) as other, Client(engine.url) as big:
        payload = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping",
                              "params": {"junk": "x" * 10_000_000}})
        with pytest.raises(ConnectionClosed) as closed:
            big.send_raw(payload)
            big.reply(timeout=10)
        assert closed.value.rcvd is None or closed.value.rcvd.code == 1009
        assert other.result("ping") == {}
    _audio_runs(engine)


def test_a_client_vanishing_mid_message(engine: EngineHandle) -> None:
    for _ in range(20):
        with Client(engine.url) as c:
            raw: socket.socket = c.ws.socket
            # A masked text frame that announces 4096 bytes and carries 10, then the TCP
            # connection is gone (shutdown + close on our side).
            raw.sendall(b"\x81\xfe\x10\x00" + b"\x01\x02\x03\x04" + b"0123456789")
            raw.shutdown(socket.SHUT_RDWR)
    _audio_runs(engine)


def test_eight_clients_flooding_1000_requests_a_second(engine: EngineHandle) -> None:
    per_client, rate = 3000, 1000.0
    answered: list[int] = []
    errors: list[BaseException] = []

    def flood(n: int) -> None:
        try:
            with Client(engine.url) as c:
                start = time.monotonic()
                for i in range(per_client):
                    method = "setParameter" if i % 2 else "getParameter"
                    params = {"id": "gain_level", "value": (i % 200) / 100}
                    c.send_raw(json.dumps({"jsonrpc": "2.0", "id": i, "method": method,
                                           "params": params}))
                    ahead = start + i / rate - time.monotonic()
                    if ahead > 0:
                        time.sleep(ahead)
                got = 0
                while got < per_client:
                    reply = c.reply(timeout=30)
                    assert "result" in reply, reply
                    got += 1
                answered.append(got)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=flood, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    blocks = engine.stats()["blocks"]
    with Client(engine.url) as observer:  # a ninth client is still answered mid-flood
        assert observer.result("ping", None) == {}
    for t in threads:
        t.join(120)
    assert not errors, errors[:1]
    assert answered == [per_client] * 8
    assert _audio_runs(engine) > blocks


async def _cycles(url: str, n: int, parallel: int) -> None:
    async def worker(count: int) -> None:
        for i in range(count):
            if i % 2:
                async with aconnect(url) as ws:  # a polite close
                    await ws.send('{"jsonrpc":"2.0","id":1,"method":"ping"}')
            else:  # a rude one: TCP closed right after the handshake
                ws = await aconnect(url)
                ws.transport.abort()
    await asyncio.gather(*(worker(n // parallel) for _ in range(parallel)))


def _fds_and_threads(pid: int) -> tuple[int, int]:
    proc = Path(f"/proc/{pid}")
    return len(list((proc / "fd").iterdir())), len(list((proc / "task").iterdir()))


def test_ten_thousand_connect_disconnect_cycles_leave_fds_and_threads_flat(
    engine: EngineHandle,
) -> None:
    pid = engine.supervisor.pid
    assert pid is not None
    asyncio.run(_cycles(engine.url, 200, 4))
    time.sleep(0.5)
    before = _fds_and_threads(pid)
    asyncio.run(_cycles(engine.url, 10_000, 8))
    deadline = time.monotonic() + 20  # closing handshakes and aborts settle
    while _fds_and_threads(pid) != before and time.monotonic() < deadline:
        time.sleep(0.2)
    fds, threads = _fds_and_threads(pid)
    assert fds <= before[0] + 2 and threads == before[1], (before, (fds, threads))
    stats = engine.stats()
    assert stats["clients"] == 0 and stats["connections"] >= 10_200
    _audio_runs(engine)
