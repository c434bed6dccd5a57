"""Entry point of the engine process (``python -m wavecraft_build.engine``) and its control channel.

The supervisor (``engine.supervisor``, in the dev loop) starts this process and talks to
it over two pipes that plugin code cannot write to by accident: commands arrive as JSON
lines on stdin (``swap``, ``fail``, ``allow_origin``, ``test_results``, ``stats``; end of
file = stop),
events leave as JSON lines on the file descriptor given by ``--events-fd`` (``ready``,
``bind_failed``, ``swapped``, ``swap_failed``, ``dsp_failed``, ``dsp_slow``,
``dsp_hung``, ``refused``, ``values``, ``stats``, ``warning``). fds 1 and 2 belong to the
plugin (see ``output``). Exit status: 0 after stdin closed, 2 when the port is busy.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from wavecraft_build.engine import protocol
from wavecraft_build.engine.audio import AudioConfig
from wavecraft_build.engine.host import Engine, HostConfig
from wavecraft_build.engine.output import PluginOutput
from wavecraft_build.engine.sources import make_source
from wavecraft_build.errors import WavecraftError
from wavecraft_build.metadata import ExtractionResult

__all__ = ["main"]


class _Events:
    def __init__(self, stream: IO[str] | None) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def __call__(self, event: str, **fields: Any) -> None:
        if self._stream is None:
            return
        with self._lock, contextlib.suppress(OSError, ValueError):
            self._stream.write(json.dumps({"event": event, **fields}) + "\n")
            self._stream.flush()


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m wavecraft_build.engine")
    p.add_argument("--port", type=int, default=protocol.DEFAULT_PORT)
    p.add_argument("--sample-rate", type=int, default=48_000)
    p.add_argument("--block-size", type=int, default=128)
    p.add_argument("--input", default="auto")
    p.add_argument("--audio-out", action="store_true")
    p.add_argument("--events-fd", type=int, default=-1)
    p.add_argument("--scratch", type=Path, default=None, help="folder for library copies")
    p.add_argument("--no-tap", action="store_true", help="leave fds 1 and 2 alone")
    return p.parse_args(argv)


def _command(engine: Engine, emit: _Events, line: str) -> None:
    try:
        cmd = json.loads(line)
        kind = cmd["cmd"]
        if kind == "swap":
            result = ExtractionResult.from_json({"parameters": cmd["parameters"]})
            if isinstance(cmd.get("values"), dict):
                engine.store.seed(cmd["values"])
            diagnostic = cmd.get("diagnostic")
            engine.swap(Path(cmd["library"]), result.parameters,
                        {str(k): str(v) for k, v in diagnostic.items()}
                        if isinstance(diagnostic, dict) else None)
        elif kind == "allow_origin":
            engine.server.gate.allow_ui(str(cmd["url"]))
        elif kind == "test_results":
            results = cmd["results"]
            if not isinstance(results, dict):
                raise TypeError("test_results: results must be an object")
            folder = cmd.get("folder")
            engine.publish_results(results, Path(folder) if isinstance(folder, str) else None)
        elif kind == "project":
            engine.presets.root = Path(str(cmd["path"]))  # its presets/ for the methods
        elif kind == "presets_changed":
            engine.presets_changed()
        elif kind == "fail":
            engine.fail(str(cmd["message"]))
        elif kind == "stats":
            emit("stats", **engine.stats())
        else:
            emit("bad_command", error=f"unknown command {kind!r}")
    except (ValueError, KeyError, TypeError, WavecraftError) as exc:
        emit("bad_command", error=str(exc)[:300])


def _read_commands(engine: Engine, emit: _Events, loop: asyncio.AbstractEventLoop,
                   stop: asyncio.Event) -> None:
    for line in sys.stdin.buffer:
        if line.strip():
            _command(engine, emit, line.decode("utf-8", "replace"))
    with contextlib.suppress(RuntimeError):  # the loop may be gone already
        loop.call_soon_threadsafe(stop.set)


async def _serve(args: argparse.Namespace, emit: _Events) -> int:
    audio = AudioConfig(sample_rate=args.sample_rate, block_size=args.block_size)
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="wavecraft-engine-"))
    engine = Engine(HostConfig(audio, scratch), make_source(args.input, audio.sample_rate),
                    emit)
    try:
        port = await engine.start(args.port)
    except OSError as exc:
        emit("bind_failed", port=args.port, error=exc.strerror or str(exc))
        return 2
    if args.audio_out:
        from wavecraft_build.engine.device import open_device

        open_device(engine, emit)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    threading.Thread(target=_read_commands, args=(engine, emit, loop, stop),
                     name="wavecraft-control", daemon=True).start()
    emit("ready", port=port, pid=os.getpid())
    reporter = asyncio.create_task(engine.report_values())
    await stop.wait()
    reporter.cancel()
    await engine.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    stream = os.fdopen(args.events_fd, "w", buffering=1) if args.events_fd >= 0 else None
    emit = _Events(stream)
    if not args.no_tap:
        PluginOutput().install()
    # The audio thread gives the GIL up in every DSP call (cffi) and syscall; under load it
    # must get it back from the server's thread within a fraction of a block.
    sys.setswitchinterval(0.0001)
    try:
        return asyncio.run(_serve(args, emit))
    except WavecraftError as exc:
        emit("start_failed", error=exc.render())
        print(exc.render(), file=sys.stderr)
        return exc.exit_code
