"""Who may open a WebSocket to the dev engine: its own UI, and scripts.

A WebSocket is not covered by the browser's same-origin policy: any page the author opens
could connect to ``ws://127.0.0.1:9000``, read and set parameters and take the audio
(cross-site WebSocket hijacking), and a DNS-rebinding page reaches it under a name of its
own. So the handshake is checked (``Gate.refusal``):

- ``Host`` must name this loopback server: ``127.0.0.1``, ``localhost`` or ``[::1]`` with
  the port the engine listens on (a rebinding page sends its own name);
- ``Origin``, when a browser sends one, must be the dev UI's: Vite's URL as it reports it
  (the dev loop passes it on: ``allow_ui``), Vite's default port on the three loopback
  names before that, and any origin listed in ``WAVECRAFT_DEV_ORIGINS`` (comma-separated,
  e.g. ``http://localhost:3000``). A client without ``Origin`` (a script, a test, a
  non-browser UI core) is let in.

Everything else gets 403 and one line in the dev terminal per origin.
"""

from __future__ import annotations

import os
from typing import Final
from urllib.parse import urlsplit

__all__ = ["ENV", "LOOPBACK", "VITE_DEFAULT_PORT", "Gate", "loopback_origins"]

ENV: Final = "WAVECRAFT_DEV_ORIGINS"
LOOPBACK: Final = ("localhost", "127.0.0.1", "[::1]")
VITE_DEFAULT_PORT: Final = 5173


def loopback_origins(port: int, scheme: str = "http") -> set[str]:
    """``scheme://name:port`` for each loopback name."""
    return {f"{scheme}://{name}:{port}" for name in LOOPBACK}


def _origin(url: str) -> str | None:
    """``scheme://host[:port]`` of ``url``, lowercased; None if it is not an http(s) URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host.lower()}" + (f":{port}" if port is not None else "")


class Gate:
    """The allowed origins and the server's port; ``refusal`` judges one handshake."""

    def __init__(self, extra: str | None = None) -> None:
        self.port = 0
        self.allowed = loopback_origins(VITE_DEFAULT_PORT)
        listed = os.environ.get(ENV, "") if extra is None else extra
        for item in listed.split(","):
            origin = _origin(item) if item.strip() else None
            if origin is not None:
                self.allowed.add(origin)

    def allow_ui(self, url: str) -> None:
        """Let in the dev UI at ``url`` (Vite's "Local:" URL), under every loopback name."""
        parts = urlsplit(url.strip())
        if parts.scheme in ("http", "https") and parts.port is not None and (
            parts.hostname in ("localhost", "127.0.0.1", "::1")
        ):
            self.allowed |= loopback_origins(parts.port, parts.scheme)
        elif (origin := _origin(url)) is not None:
            self.allowed.add(origin)

    def refusal(self, origin: str | None, host: str | None) -> str | None:
        """Why this handshake is refused, or None to let it in."""
        hosts = {f"{name}:{self.port}" for name in LOOPBACK}
        if host is None or host.strip().lower() not in hosts:
            return f"Host {host!r} is not this engine (DNS rebinding?)"
        if origin is None:
            return None
        if _origin(origin) not in self.allowed:
            return f"Origin {origin!r} is not the dev UI"
        return None
