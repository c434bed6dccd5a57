"""Benchmarks of the plugin's editor in a real CLAP host under Xvfb, against baselines of
the same run (the released template, the CLAP test host, one private Xvfb).

- editor open -> first paint: from the host's ``gui_open`` to the page's ``editorReady``
  (sent once the parameters are painted; read from the editor trace) and to the first
  capture of the host's window that is not blank; baseline: a plain X client (``xmessage``)
  started -> its window mapped. Target: ready <= 2000 ms.
- control -> host parameter: a real click (``xdotool click``, its own start included) on
  the slider's track to the host's audio thread seeing the plugin's parameter event;
  baseline: the host's own ``set`` round trip (command -> processed by the plugin -> answer).
  Target: median <= 50 ms.
- idle CPU of an open editor: host plus editor process CPU time over 5 s with audio running
  and the page idle (meters moving), against the same host with the editor closed.
  Target: the editor's share <= 10 % of one core.
"""

from __future__ import annotations

import functools
import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks import procs, xserver
from benchmarks._harness import Result, compare
from benchmarks.editor_proof import (
    BLANK_STD,
    TRACE_ENV,
    locate_control,
    trace_events,
    wait_painted,
)
from benchmarks.hosts import ClapHost, build_clap_host

REPO = Path(__file__).resolve().parent.parent
OPENS = 7
CLICKS = 15
IDLE_SECONDS = 5.0
NAMES = ("Input Level", "Cutoff", "Output Level")


def _release(root: Path, target: Path) -> Path:
    """The template scaffolded and released with its UI and editor; its .clap."""
    from wavecraft_build.config import load_project
    from wavecraft_build.release import ReleaseOptions, release
    from wavecraft_build.scaffold import ScaffoldOptions, scaffold

    made = scaffold(ScaffoldOptions(name="Bench-Editor", directory=root / "p", git=False))
    os.environ["CARGO_TARGET_DIR"] = str(target)
    report = release(load_project(made.project_dir),
                     ReleaseOptions(wheel=False, out_dir=root / "out", skip_tests=True))
    return report.bundles["clap"]


def _wall_to_mono() -> float:
    return time.time() * 1000 - time.monotonic() * 1000


def _first_paint(host: ClapHost, trace: Path) -> tuple[list[float], list[float], int]:
    ready, pixels = [], []
    window = 0
    for _ in range(OPENS):
        seen = len(trace_events(trace))
        start = time.monotonic()
        window = int(host.cmd("gui_open")["window"])
        painted = None
        deadline = start + 60
        while time.monotonic() < deadline:
            if painted is None and xserver.capture(window).std() > BLANK_STD:
                painted = time.monotonic() - start
            new = trace_events(trace)[seen:]
            done = [e for e in new if e.get("event") == "editorReady"]
            if done and painted is not None:
                ready.append((done[0]["t_ms"] - _wall_to_mono()) / 1000 - start)
                break
            time.sleep(0.02)
        else:
            raise TimeoutError("the editor did not report editorReady within 60 s")
        pixels.append(painted)
        host.cmd("gui_destroy")
        time.sleep(0.3)
    window = int(host.cmd("gui_open")["window"])  # left open for the next benchmarks
    wait_painted(window, list(NAMES), trace.parent)
    return ready, pixels, window


def _plain_window(work: Path) -> list[float]:
    from wavecraft_build import _proc

    samples = []
    for i in range(OPENS):
        start = time.monotonic()
        name = f"^wc-bench-{i}$"
        proc = _proc.spawn(["xmessage", "-name", name[1:-1], "-geometry", "+900+900", "x"])
        try:
            xserver.wait_for_window(functools.partial(xserver.search, name=name), 30)
            samples.append(time.monotonic() - start)
        finally:
            _proc.kill_group(proc)
    return samples


def _clicks(host: ClapHost, window: int, work: Path) -> tuple[list[float], list[float]]:
    params = {p["name"]: p for p in host.cmd("params")["params"]}
    param = params["Output Level"]
    pid = int(param["id"])
    strip = locate_control(window, "Output Level",
                           lambda: host.cmd(f"set {pid} {param['min']}"),
                           lambda: host.cmd(f"set {pid} {param['max']}"), work)
    if strip is None or len(strip.runs) < 2:
        raise RuntimeError(f"the slider was not found on the page: {strip}")
    g = xserver.geometry(window)
    x, y = g.x + strip.run_centre(0), g.y + strip.centre_y  # where the minimum is
    latency, host_set = [], []
    for _ in range(CLICKS):
        host.cmd("events")
        xserver.mouse_move(x, y)
        start = time.monotonic() * 1000
        xserver.click(x, y)  # the thumb is at the maximum: the click moves it
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            values = [e for e in host.cmd("events")["events"]
                      if e["type"] == "value" and e["id"] == pid]
            if values:
                latency.append((values[0]["at_ms"] - start) / 1000)
                break
            time.sleep(0.005)
        t = time.monotonic()
        host.cmd(f"set {pid} {param['max']}")  # back to the maximum, from the host
        host_set.append(time.monotonic() - t)
        time.sleep(0.2)
    return latency, host_set


def _cpu_seconds(pids: list[int]) -> float:
    stats = procs.snapshot()
    return sum(stats[pid].cpu_s for pid in pids if pid in stats)


def _idle_cpu(host: ClapHost) -> float:
    pids = [host.pid, *procs.children(host.pid)]
    before = _cpu_seconds(pids)
    time.sleep(IDLE_SECONDS)
    return (_cpu_seconds(pids) - before) / IDLE_SECONDS


def run() -> list[Result]:
    target = Path(os.environ.get("WAVECRAFT_TEST_TARGET_DIR", REPO / ".test-target"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["WAVECRAFT_CACHE_DIR"] = str(root / "cache")
        clap = _release(root, target)
        binary = build_clap_host(target)
        trace = root / "trace.jsonl"
        env = {**os.environ, "XDG_CACHE_HOME": str(root / "xdg"), TRACE_ENV: str(trace)}
        with xserver.xvfb(root):
            env["DISPLAY"] = os.environ["DISPLAY"]
            plain = _plain_window(root)
            with ClapHost(binary, root / "host.log", env=env) as host:
                host.cmd(f"load {clap}")
                host.cmd("activate")
                ready, pixels, window = _first_paint(host, trace)
                latency, host_set = _clicks(host, window, root)
                open_cpu = _idle_cpu(host)
                host.cmd("gui_destroy")
                time.sleep(1.0)
                closed_cpu = _idle_cpu(host)
    share = open_cpu - closed_cpu
    return [
        compare("editor open -> editorReady (parameters painted)", ready,
                "a plain X client's window mapped (xmessage)", plain,
                target="median <= 2000 ms", met=lambda m, _r: m <= 2.0,
                extra={"first_non_blank_ms": round(statistics.median(pixels) * 1000, 1)}),
        compare("real click on a slider -> host sees the parameter", latency,
                "the host's own set round trip", host_set,
                target="median <= 50 ms", met=lambda m, _r: m <= 0.050,
                extra={"p90_ms": round(sorted(latency)[int(len(latency) * 0.9) - 1] * 1000, 1)}),
        compare("idle CPU, editor open (s per s)", [open_cpu],
                "the same host, editor closed", [closed_cpu],
                target="the editor's share <= 10 % of one core",
                met=lambda _m, _r: share <= 0.10,
                extra={"editor_share_percent": round(share * 100, 1)}),
    ]


if __name__ == "__main__":
    run()
