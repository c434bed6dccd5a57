"""Benchmarks of the dev engine (a real engine process, the fixture DSP, real clients).

- setParameter -> the first meterUpdate that reflects it: median and p99, target
  <= 2 blocks + 10 ms (15.3 ms at 128 frames, 48 kHz); baseline: a ping round trip.
- engine cost per 128-frame stereo block (source, DSP through the vtable, meters, PCM
  hand-off), as a share of the block's real time: target <= 5%; baseline: the block period.
  The vtable call alone is measured in-process too (``extra``).
- blocks late or dropped across 20 hot swaps: target 0; samples are the swap times; the
  longest gap between two meterUpdates a client sees meanwhile is reported (target
  <= 100 ms; the tests only check a generous bound).
- setParameter round trip with 8 clients flooding 1,000 requests a second: p99 reported;
  baseline: the same round trip on an idle engine.
- watchdog: a swap to a DSP whose process() hangs -> the page sees ``failed``; target
  <= the watchdog's limit + 0.2 s; baseline: the limit (``watchdog.PROCESS_LIMIT_S``).
- crash -> audio again: a DSP that segfaults -> a new client hears the last good DSP;
  target <= 5 s; baseline: a cold engine start (start -> swapped -> first meter).
- bytes per second sent to an idle client (connected, never subscribed to audio): target
  <= 5% of the PCM stream (meters and notifications only); baseline: a client subscribed
  to the audio preview.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._harness import Result, compare
from benchmarks.bench_extract import fixture_lib
from benchmarks.engineclient import Client, EngineHandle
from wavecraft_build.extract import extract_params

BLOCK_S = 128 / 48_000


def _p99(samples: list[float]) -> float:
    return float(np.percentile(samples, 99))


def _ms(x: float) -> float:
    return round(x * 1000, 3)


def _ping(c: Client, n: int = 200) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        c.result("ping")
        out.append(time.perf_counter() - t)
    return out


def _at_level(want: float, params: dict[str, Any]) -> bool:
    return abs(float(params["left_peak"]) - want) < 0.1


def _set_to_meter(c: Client, n: int = 150) -> list[float]:
    out = []
    for i in range(n):
        gain = 0.5 if i % 2 == 0 else 1.0
        want = -12.0 + 20 * float(np.log10(gain))
        t = time.perf_counter()
        c.send_raw(json.dumps({"jsonrpc": "2.0", "id": i, "method": "setParameter",
                               "params": {"id": "gain_level", "value": gain}}))
        c.notification("meterUpdate", functools.partial(_at_level, want))
        out.append(time.perf_counter() - t)
        time.sleep(0.005)
    return out


def _block_cost(engine: EngineHandle, walls: list[float], seconds: float = 3.0) -> list[float]:
    """CPU seconds the audio thread spends per block (``walls`` gets the wall time, which
    includes waiting for the GIL and for a core)."""
    samples = []
    last = engine.stats()
    with Client(engine.url):  # one listener: PCM is produced and sent
        for _ in range(int(seconds / 0.25)):
            time.sleep(0.25)
            now = engine.stats()
            blocks = now["blocks"] - last["blocks"]
            if blocks:
                samples.append((now["busy_cpu_s"] - last["busy_cpu_s"]) / blocks)
                walls.append((now["busy_s"] - last["busy_s"]) / blocks)
            last = now
    return samples


def _vtable_only(lib: Path) -> float:
    """Seconds per process() call through the vtable, in-process (no engine around it)."""
    from wavecraft_build.engine.dsp import load_dsp

    params = extract_params(lib).parameters
    with tempfile.TemporaryDirectory() as scratch:
        dsp = load_dsp(lib, params, sample_rate=48_000, values={}, version=0,
                       scratch=Path(scratch))
        buf = np.zeros((2, 128), dtype=np.float32)
        runs = []
        for _ in range(5):
            t = time.perf_counter()
            for _ in range(2000):
                dsp.process_in_place(buf)
            runs.append((time.perf_counter() - t) / 2000)
        dsp.close()
    return statistics.median(runs)


def _meter_times(url: str, stop: threading.Event, out: list[float]) -> None:
    with Client(url) as c:
        while not stop.is_set():
            try:
                c.meter(timeout=0.5)
            except TimeoutError:
                continue
            out.append(time.monotonic())


def _swaps(engine: EngineHandle, lib: Path, n: int = 20) -> tuple[list[float], dict[str, Any]]:
    result = extract_params(lib)
    stop = threading.Event()
    arrivals: list[float] = []
    reader = threading.Thread(target=_meter_times, args=(engine.url, stop, arrivals))
    reader.start()
    time.sleep(0.3)
    before = engine.stats()
    times = []
    for _ in range(n):
        ev = engine.swap(lib, result)
        times.append(float(ev["seconds"]))
        time.sleep(0.05)
    after = engine.stats()
    stop.set()
    reader.join()
    gap = max(b - a for a, b in itertools.pairwise(arrivals))
    counts: dict[str, Any] = {k: after[k] - before[k]
                              for k in ("late", "dropped", "swaps", "blocks")}
    return times, {**counts, "max_meter_gap_ms": round(gap * 1000, 1)}


def _flooded_round_trips(url: str, seconds: float = 4.0) -> tuple[list[float], int]:
    stop = threading.Event()
    sent = [0] * 8

    def flood(k: int) -> None:
        with Client(url) as c:
            start, i = time.monotonic(), 0
            while not stop.is_set():
                c.send_raw(json.dumps({"jsonrpc": "2.0", "id": i, "method": "setParameter",
                                       "params": {"id": "filter_cutoff", "value": 100 + i % 900}}))
                i += 1
                ahead = start + i / 1000 - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
                if i % 100 == 0:  # read what piled up, so this client is not the laggard
                    while True:
                        try:
                            c.ws.recv(timeout=0)
                        except TimeoutError:
                            break
            sent[k] = i

    threads = [threading.Thread(target=flood, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    rts = []
    with Client(url) as c:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            t0 = time.perf_counter()
            c.result("setParameter", {"id": "gain_level", "value": 1.0})
            rts.append(time.perf_counter() - t0)
            time.sleep(0.01)
    stop.set()
    for t in threads:
        t.join(30)
    return rts, sum(sent)


def _bytes_per_second(url: str, subscribe: bool, seconds: float = 3.0) -> float:
    """Bytes a client receives per second (text and binary frames) after connecting."""
    with Client(url) as c:
        if subscribe:
            c.call("subscribeAudio")
        c.drain()
        text_bytes = 0
        start_pcm = c.pcm_bytes
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                raw = c.ws.recv(timeout=max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                break
            if isinstance(raw, bytes):
                c.pcm_bytes += len(raw)
            else:
                text_bytes += len(raw.encode())
        return (text_bytes + c.pcm_bytes - start_pcm) / seconds


def _first_audible(url: str, deadline: float) -> None:
    while True:
        try:
            with Client(url, open_timeout=1) as c:
                c.notification("meterUpdate", lambda p: float(p["left_peak"]) > -60)
                return
        except (OSError, TimeoutError):
            assert time.monotonic() < deadline, "no audio after the crash"
            time.sleep(0.01)


def _swapped_other_than(library: str, event: dict[str, Any]) -> bool:
    return bool(event["event"] == "engine_swapped" and event["library"] != library)


def _faults(lib: Path, mode: Path, n: int = 5) -> list[Result]:
    from wavecraft_build.engine.watchdog import PROCESS_LIMIT_S

    params = extract_params(lib)
    cold, hangs, crashes = [], [], []
    for _ in range(n):
        mode.write_text("")
        t = time.perf_counter()
        with EngineHandle() as engine:
            engine.swap(lib, params)
            _first_audible(engine.url, time.monotonic() + 30)
            cold.append(time.perf_counter() - t)
            with Client(engine.url) as c:
                mode.write_text("dsp-hang")
                bad = engine.swap(lib, params)["library"]
                t = time.perf_counter()
                c.notification("audioStatusChanged", lambda p: p["status"]["phase"] == "failed")
                hangs.append(time.perf_counter() - t)
            engine.wait_for(lambda e: e["event"] == "engine_failed" and e["reason"] == "hung")
            mode.write_text("")
            # The restart's swap (the mode file is read at create: no new fault before it).
            engine.wait_for(functools.partial(_swapped_other_than, bad))
            mode.write_text("dsp-segv")
            engine.supervisor.swap(lib, params)
            crashed = engine.wait_for(lambda e: e["event"] == "engine_failed"
                                      and e["reason"] == "crashed")
            mode.write_text("")
            _first_audible(engine.url, time.monotonic() + 30)
            crashes.append(time.monotonic() - crashed["_t"])
    return [
        compare("watchdog: hung process() -> status failed", hangs,
                "the watchdog's limit", [PROCESS_LIMIT_S],
                target="<= limit + 0.2 s", met=lambda m, _r: m <= PROCESS_LIMIT_S + 0.2),
        compare("crash -> audio again (new client, last good DSP)", crashes,
                "cold engine start -> first audible meter", cold,
                target="<= 5 s", met=lambda m, _r: m <= 5.0),
    ]


def run() -> list[Result]:
    os.environ.pop("WAVECRAFT_FIXTURE_MODE", None)
    os.environ.pop("WAVECRAFT_FIXTURE_MODE_FILE", None)
    with tempfile.TemporaryDirectory() as tmp:
        lib = Path(tmp) / "libfixture.so"
        lib.write_bytes(fixture_lib().read_bytes())
        results = _run(lib)
        mode = Path(tmp) / "mode"
        os.environ["WAVECRAFT_FIXTURE_MODE_FILE"] = str(mode)
        try:
            return results + _faults(lib, mode)
        finally:
            os.environ.pop("WAVECRAFT_FIXTURE_MODE_FILE", None)


def _run(lib: Path) -> list[Result]:
    results = []
    with EngineHandle() as engine:
        engine.swap(lib, extract_params(lib))
        with Client(engine.url) as c:
            ping = _ping(c)
            latency = _set_to_meter(c)
        budget = 2 * BLOCK_S + 0.010
        p99 = _p99(latency)
        results.append(compare(
            "setParameter -> first meterUpdate reflecting it", latency,
            "ping round trip", ping, target="median and p99 <= 2 blocks + 10 ms (15.3 ms)",
            met=lambda m, _r: m <= budget and p99 <= budget,
            extra={"p99_ms": _ms(p99), "block_ms": _ms(BLOCK_S)},
        ))
        walls: list[float] = []
        cost = _block_cost(engine, walls)
        vtable = _vtable_only(lib)
        results.append(compare(
            "engine cost per 128-frame stereo block", cost, "block period (128 / 48 kHz)",
            [BLOCK_S], target="<= 5% of the block's real time",
            met=lambda _m, r: r <= 0.05,
            extra={"wall_us": round(statistics.median(walls) * 1e6, 1),
                   "vtable_call_us": round(vtable * 1e6, 2),
                   "vtable_share_pct": round(vtable / BLOCK_S * 100, 3)},
        ))
        swap_times, counts = _swaps(engine, lib)
        results.append(compare(
            "hot swap (20 swaps): late + dropped blocks", swap_times,
            "block period (128 / 48 kHz)", [BLOCK_S], target="0 late, 0 dropped",
            met=lambda _m, _r: counts["late"] == 0 and counts["dropped"] == 0,
            extra=counts,
        ))
        idle = []
        with Client(engine.url) as c:
            for _ in range(200):
                t0 = time.perf_counter()
                c.result("setParameter", {"id": "gain_level", "value": 1.0})
                idle.append(time.perf_counter() - t0)
        before = engine.stats()
        flooded, sent = _flooded_round_trips(engine.url)
        after = engine.stats()
        fp99 = _p99(flooded)
        results.append(compare(
            "setParameter round trip, 8 clients flooding 1,000 req/s", flooded,
            "setParameter round trip, idle engine", idle,
            target="p99 reported (bounded: every request answered)",
            met=lambda _m, _r: True,
            extra={"p99_ms": _ms(fp99), "flood_requests": sent,
                   "late_blocks": after["late"] - before["late"],
                   "dropped_blocks": after["dropped"] - before["dropped"]},
        ))
        idle_bps = [_bytes_per_second(engine.url, subscribe=False) for _ in range(3)]
        playing_bps = [_bytes_per_second(engine.url, subscribe=True) for _ in range(3)]
        results.append(compare(
            "bytes per second to an idle client", idle_bps,
            "bytes per second to a client playing the preview", playing_bps,
            target="<= 5% of the PCM stream (no PCM: meters and notifications only)",
            met=lambda _m, r: r <= 0.05,
            extra={"idle_kbit_s": round(statistics.median(idle_bps) * 8 / 1000, 1)},
        ))
    return results


if __name__ == "__main__":
    run()
