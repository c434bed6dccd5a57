"""A VST3 editor host for the tests: pedalboard (JUCE) shows a plugin's editor on Linux.

Run as ``python pedalboard_editor.py PLUGIN.vst3``; one command per line on stdin, one JSON
answer per line on stdout, like the CLAP test host:

    open            show the editor (pedalboard's show_editor blocks the main thread,
                    so it runs there; the answer comes at once, "closed" when it ends)
    close           set the close event: show_editor returns
    params          [{name, raw_value, value}] of every parameter
    set NAME RAW    set a parameter's normalised value from the host side
    quit

Commands other than ``open`` are served by a reader thread while the editor is open. An
audio thread processes a 440 Hz sine in 512-frame blocks at about real time, as a DAW does:
JUCE hands a host-side parameter change to the plugin's processor in its next block.
"""

from __future__ import annotations

import importlib
import json
import queue
import sys
import threading
import time
from typing import Any

import numpy as np

_out = threading.Lock()


def say(answer: dict[str, Any]) -> None:
    answer.setdefault("ok", True)
    answer["t_ms"] = time.monotonic() * 1000
    with _out:
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


def main() -> int:
    pedalboard: Any = importlib.import_module("pedalboard")
    plugin: Any = pedalboard.load_plugin(sys.argv[1])
    opens: queue.Queue[str] = queue.Queue()
    close = threading.Event()

    def reader() -> None:
        for raw in sys.stdin:
            parts = raw.split()
            if not parts:
                continue
            cmd = parts[0]
            try:
                if cmd == "open":
                    close.clear()
                    opens.put("open")
                    say({"cmd": cmd})
                elif cmd == "close":
                    close.set()
                    say({"cmd": cmd})
                elif cmd == "params":
                    say({"cmd": cmd, "params": [
                        {"name": p.name, "key": key, "raw_value": p.raw_value,
                         "value": str(p.string_value)}
                        for key, p in plugin.parameters.items()]})
                elif cmd == "set":
                    param = plugin.parameters[parts[1]]
                    param.raw_value = float(parts[2])
                    say({"cmd": cmd, "raw_value": param.raw_value})
                elif cmd == "quit":
                    break
                else:
                    say({"cmd": cmd, "ok": False, "error": f"unknown command {cmd!r}"})
            except Exception as exc:  # the driver answers, the test decides
                say({"cmd": cmd, "ok": False, "error": f"{type(exc).__name__}: {exc}"})
        close.set()
        opens.put("quit")

    stop = threading.Event()

    rate, frames = 48_000.0, 512
    t = np.arange(frames, dtype=np.float64) / rate
    block = np.stack([0.25 * np.sin(2 * np.pi * 440.0 * t)] * 2).astype(np.float32)
    # The first block prepares the plugin (JUCE's prepareToPlay): on the main thread, before
    # any editor, as a DAW does; JUCE's X11 code is not safe to start from two threads.
    plugin.process(block, rate, buffer_size=frames, reset=False)

    def audio() -> None:
        period = frames / rate
        while not stop.is_set():
            plugin.process(block, rate, buffer_size=frames, reset=False)
            time.sleep(period)

    threading.Thread(target=reader, daemon=True).start()
    player = threading.Thread(target=audio, daemon=True)
    player.start()
    while (what := opens.get()) != "quit":
        assert what == "open"
        try:
            plugin.show_editor(close)
        except Exception as exc:
            say({"cmd": "closed", "ok": False, "error": f"{type(exc).__name__}: {exc}"})
        else:
            say({"cmd": "closed"})
    stop.set()
    player.join(timeout=10)
    say({"cmd": "quit"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
