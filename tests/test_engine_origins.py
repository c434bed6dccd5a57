"""Only the dev UI may drive the engine: ``Origin`` and ``Host`` checked at the handshake.

Raw HTTP upgrade requests against the real engine process (so the test controls every
header, as a hostile page or a DNS-rebinding page would send them), and the pure gate.
"""

from __future__ import annotations

import base64
import os
import socket
from collections.abc import Iterator

import pytest

from benchmarks.engineclient import Client, EngineHandle
from wavecraft_build.engine.origins import Gate


@pytest.fixture(scope="module")
def engine() -> Iterator[EngineHandle]:
    with EngineHandle() as handle:
        yield handle


def _handshake(port: int, *, origin: str | None, host: str | None = None) -> int:
    """The HTTP status the engine answers a WebSocket upgrade with."""
    headers = [
        "GET / HTTP/1.1",
        f"Host: {host or f'127.0.0.1:{port}'}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}",
        "Sec-WebSocket-Version: 13",
    ]
    if origin is not None:
        headers.append(f"Origin: {origin}")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(("\r\n".join(headers) + "\r\n\r\n").encode())
        status_line = s.recv(4096).split(b"\r\n", 1)[0]
    return int(status_line.split()[1])


def test_the_dev_ui_and_scripts_get_in(engine: EngineHandle) -> None:
    port = engine.options.port
    assert _handshake(port, origin="http://localhost:5173") == 101  # Vite's default
    assert _handshake(port, origin="http://127.0.0.1:5173") == 101
    assert _handshake(port, origin="http://[::1]:5173") == 101
    assert _handshake(port, origin=None) == 101  # a script, a test: no Origin
    assert _handshake(port, origin=None, host=f"localhost:{port}") == 101
    with Client(engine.url) as c:
        assert c.result("ping") == {}


def test_another_site_is_refused_with_403_and_one_line(engine: EngineHandle) -> None:
    port = engine.options.port
    for _ in range(3):
        assert _handshake(port, origin="https://evil.example") == 403
    assert _handshake(port, origin="http://localhost:8080") == 403  # another local server
    assert _handshake(port, origin="null") == 403  # a file:// page
    warning = engine.wait_for(lambda e: e["event"] == "engine_warning"
                              and "evil.example" in e["message"])
    assert "refused" in warning["message"] and "\n" not in warning["message"]
    with pytest.raises(TimeoutError):  # one line per origin, not one per attempt
        engine.wait_for(lambda e: "evil.example" in e.get("message", ""), timeout=1)


def test_a_rebinding_host_is_refused(engine: EngineHandle) -> None:
    port = engine.options.port
    # A DNS-rebinding page: its own name resolves to 127.0.0.1, the Host header gives it away.
    assert _handshake(port, origin=None, host=f"rebind.example:{port}") == 403
    assert _handshake(port, origin=f"http://rebind.example:{port}",
                      host=f"rebind.example:{port}") == 403
    assert _handshake(port, origin=None, host="127.0.0.1:1") == 403  # another port


def test_the_ui_url_vite_reports_is_let_in_under_every_loopback_name(
    engine: EngineHandle,
) -> None:
    port = engine.options.port
    assert _handshake(port, origin="http://localhost:5174") == 403
    engine.supervisor.allow_origin("http://localhost:5174/")  # what dev does on ui_url
    engine.stats()  # the command before it was handled
    assert _handshake(port, origin="http://localhost:5174") == 101
    assert _handshake(port, origin="http://127.0.0.1:5174") == 101


def test_gate_configured_origins() -> None:
    gate = Gate("http://localhost:3000, https://Studio.Local:8443,not a url")
    gate.port = 9000
    assert gate.refusal("http://localhost:3000", "127.0.0.1:9000") is None
    assert gate.refusal("https://studio.local:8443", "localhost:9000") is None
    assert gate.refusal("http://localhost:3001", "localhost:9000") is not None
    assert gate.refusal(None, "LOCALHOST:9000") is None
    assert gate.refusal(None, None) is not None
