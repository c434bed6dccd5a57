"""The test results of ``dev --test`` in the engine: the latest one, and its plots over HTTP.

The dev loop hands each result to the engine through the supervisor's command channel
(``test_results``: the ``TestResults`` object of ``protocol.TYPES`` and the project's
results folder); the engine broadcasts it as ``testResults`` and sends it again to every
client that connects later. A failing golden test's PNG is served by the engine itself,
on its own port, at ``protocol.TEST_RESULTS_PATH`` + its path inside the results folder:
the handshake's ``Host``/``Origin`` rule applies (``origins.Gate``; an ``<img>`` or a link
sends no ``Origin``, a rebinding page's ``Host`` is refused), only ``.png`` files that
resolve (symlinks followed) inside the results folder are served, and nothing else on the
machine. Vite's ``/@fs/`` would serve the project's ``build/`` only by widening its
``server.fs.allow`` to the project root (every file of it), and only while the UI runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote, urlsplit

from websockets.datastructures import Headers
from websockets.http11 import Response

from wavecraft_build.engine import protocol

__all__ = ["MAX_PLOT_BYTES", "ResultsBoard", "serve_plot"]

#: A plot bigger than this is not served (matplotlib's are ~100 KB).
MAX_PLOT_BYTES: Final = 16 * 1024 * 1024


@dataclass
class ResultsBoard:
    """The latest ``TestResults`` (None before the first) and the folder its plots are in."""

    latest: dict[str, Any] | None = None
    folder: Path | None = None


def _response(status: HTTPStatus, body: bytes, content_type: str) -> Response:
    headers = Headers([("Content-Type", content_type), ("Content-Length", str(len(body))),
                       ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"),
                       ("Connection", "close")])
    return Response(status.value, status.phrase, headers, body)


def _refuse(status: HTTPStatus, why: str) -> Response:
    return _response(status, f"{why}\n".encode(), "text/plain; charset=utf-8")


def serve_plot(folder: Path | None, target: str) -> Response:
    """The answer to ``GET target`` (a path under ``TEST_RESULTS_PATH``)."""
    if folder is None:
        return _refuse(HTTPStatus.NOT_FOUND, "no test results yet (dev --test)")
    path = unquote(urlsplit(target).path)
    rel = path.removeprefix(protocol.TEST_RESULTS_PATH)
    if not rel.endswith(".png") or "\x00" in rel:
        return _refuse(HTTPStatus.NOT_FOUND, "only the results folder's plots are served")
    root = folder.resolve()
    try:
        file = (root / rel.lstrip("/")).resolve()
    except (OSError, RuntimeError):
        return _refuse(HTTPStatus.NOT_FOUND, "no such plot")
    if not file.is_relative_to(root):
        return _refuse(HTTPStatus.FORBIDDEN, "outside the test results folder")
    try:
        if not file.is_file() or file.stat().st_size > MAX_PLOT_BYTES:
            return _refuse(HTTPStatus.NOT_FOUND, "no such plot")
        body = file.read_bytes()
    except OSError:
        return _refuse(HTTPStatus.NOT_FOUND, "no such plot")
    return _response(HTTPStatus.OK, body, "image/png")
