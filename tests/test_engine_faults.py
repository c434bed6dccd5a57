"""Plugin faults as an author causes them, against the real engine process and fixture DSP.

Each fixture mode (``WAVECRAFT_FIXTURE_MODE_FILE``, read when an instance is created)
misbehaves in one way: hangs in ``process`` or ``create``, prints 1 MiB inside one
``process`` call, prints from a thread of its own, panics in ``create``, or becomes slower
than real time. For each: the engine keeps answering JSON-RPC, the audio status says
why, audio comes back with the next good reload, and no process is left after the stop.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import alive, wait_for

from benchmarks.engineclient import Client, EngineHandle
from wavecraft_build.engine.output import LINES_PER_SECOND, PREFIX
from wavecraft_build.engine.watchdog import CALL_LIMIT_S
from wavecraft_build.metadata import ExtractionResult

SINE_PEAK_DB = -12.0



@pytest.fixture
def engine(fixture_lib: Path, params: ExtractionResult) -> Iterator[EngineHandle]:
    with _engine(fixture_lib, params) as handle:
        yield handle


@contextlib.contextmanager
def _engine(fixture_lib: Path, params: ExtractionResult) -> Iterator[EngineHandle]:
    """An engine with the good DSP; on exit, stopped, and none of its processes left."""
    handle = EngineHandle().start()
    pids: list[int | None] = []
    try:
        handle.swap(fixture_lib, params)
        pids.append(handle.supervisor.pid)
        yield handle
        pids.append(handle.supervisor.pid)
    finally:
        handle.stop()
    # No engine left behind: neither the first one nor a restarted one.
    for pid in pids:
        assert pid is not None and wait_for(functools.partial(_gone, pid), 10), pid


def _gone(pid: int) -> bool:
    return not alive(pid)


def _status(c: Client) -> dict[str, object]:
    status: dict[str, object] = c.result("getAudioStatus")["status"]
    return status


def _client_when_up(url: str) -> Client:
    deadline = time.monotonic() + 30
    while True:
        try:
            return Client(url, open_timeout=2)
        except OSError:
            assert time.monotonic() < deadline, "the engine did not come back"
            time.sleep(0.05)


def _hung_for(event: dict[str, Any]) -> float:
    """The seconds in "the DSP's process() has not returned for 0.5 s (hung)"."""
    return float(str(event["message"]).split(" for ")[1].split(" s")[0])


def _recovers(engine: EngineHandle, lib: Path, params: ExtractionResult, mode: Path,
              peak_db: float = SINE_PEAK_DB) -> None:
    """The next good reload: running again, the sine at its level."""
    mode.write_text("")
    engine.swap(lib, params)
    with Client(engine.url) as c:
        assert _status(c)["phase"] == "runningFullDuplex", _status(c)
        assert c.settled_meter()["left_peak"] == pytest.approx(peak_db, abs=0.05)


def test_a_hang_in_process_is_detected_and_the_engine_restarts_with_the_last_good_dsp(
    engine: EngineHandle, fixture_lib: Path, params: ExtractionResult, mode_file: Path
) -> None:
    first = engine.supervisor.pid
    with Client(engine.url) as c:
        c.result("setParameter", {"id": "gain_level", "value": 0.5})
        time.sleep(1.0)  # the values reach the supervisor (reported 4 times a second)
        mode_file.write_text("dsp-hang")
        bad = str(engine.supervisor.swap(fixture_lib, params))
        # The engine still answers while its audio thread is stuck, and says why.
        failed = c.notification("audioStatusChanged", lambda p: p["status"]["phase"] == "failed")
        diagnostic = failed["status"]["diagnostic"]
        assert diagnostic["code"] == "dsp_hung" and "process()" in diagnostic["message"]
        c.close()
    mode_file.write_text("")
    event = engine.wait_for(lambda e: e["event"] == "engine_failed" and e["reason"] == "hung")
    assert event["restarted"] and "process()" in event["message"]
    assert _hung_for(event) < CALL_LIMIT_S  # a plain hang: the short limit, not unwinding's
    engine.wait_for(lambda e: e["event"] == "engine_swapped" and e["library"] != bad)
    assert engine.supervisor.pid != first and first is not None
    assert wait_for(lambda: not alive(first), 10)
    with _client_when_up(engine.url) as c:
        status = _status(c)
        assert status["phase"] == "degraded" and "process()" in str(status["diagnostic"])
        assert c.result("getParameter", {"id": "gain_level"})["value"] == 0.5
        assert c.settled_meter()["left_peak"] == pytest.approx(SINE_PEAK_DB - 6.02, abs=0.05)
    _recovers(engine, fixture_lib, params, mode_file, SINE_PEAK_DB - 6.02)


def test_a_hang_in_create_keeps_the_old_dsp_playing_until_the_watchdog_restarts(
    engine: EngineHandle, fixture_lib: Path, params: ExtractionResult, mode_file: Path
) -> None:
    mode_file.write_text("create-hang")
    bad = str(engine.supervisor.swap(fixture_lib, params))
    with Client(engine.url) as c:
        # While create() hangs on the control thread, the running DSP plays on.
        assert c.result("ping") == {}
        assert c.settled_meter()["left_peak"] == pytest.approx(SINE_PEAK_DB, abs=0.05)
    event = engine.wait_for(lambda e: e["event"] == "engine_failed" and e["reason"] == "hung",
                            timeout=CALL_LIMIT_S + 30)
    mode_file.write_text("")
    assert "create()" in event["message"] and event["restarted"]
    engine.wait_for(lambda e: e["event"] == "engine_swapped" and e["library"] != bad)
    with _client_when_up(engine.url) as c:
        assert "create()" in str(_status(c)["diagnostic"])
    _recovers(engine, fixture_lib, params, mode_file)


def test_a_megabyte_printed_in_one_process_call_never_blocks_audio(
    capfd: pytest.CaptureFixture[str], fixture_lib: Path, params: ExtractionResult,
    mode_file: Path,
) -> None:
    with _engine(fixture_lib, params) as engine:  # started here: its fd 2 is captured
        _megabyte(capfd, engine, fixture_lib, params, mode_file)


def _megabyte(
    capfd: pytest.CaptureFixture[str], engine: EngineHandle, fixture_lib: Path,
    params: ExtractionResult, mode_file: Path,
) -> None:
    mode_file.write_text("dsp-print")
    engine.swap(fixture_lib, params)
    with Client(engine.url) as c:
        assert c.result("ping") == {}
        assert _status(c)["phase"] == "runningFullDuplex", _status(c)
        assert c.settled_meter()["left_peak"] == pytest.approx(SINE_PEAK_DB, abs=0.05)
        before = engine.stats()["blocks"]
        time.sleep(1.0)
        assert engine.stats()["blocks"] - before > 100  # still rendering (375 a second)
    # Forwarded to the terminal, prefixed, at most LINES_PER_SECOND a second, the rest
    # counted.
    err = capfd.readouterr().err
    shown = [ln for ln in err.splitlines() if ln.startswith(PREFIX + "fixture DSP prints")]
    assert 0 < len(shown) <= 3 * LINES_PER_SECOND
    assert "more lines not shown" in err
    assert not any(e["event"] == "engine_failed" for e in engine.events)
    _recovers(engine, fixture_lib, params, mode_file)


def test_a_thread_of_its_own_that_prints_is_not_blamed_on_the_dsp(
    capfd: pytest.CaptureFixture[str], fixture_lib: Path, params: ExtractionResult,
    mode_file: Path,
) -> None:
    with _engine(fixture_lib, params) as engine:  # started here: its fd 2 is captured
        _thread_prints(capfd, engine, fixture_lib, params, mode_file)


def _thread_prints(
    capfd: pytest.CaptureFixture[str], engine: EngineHandle, fixture_lib: Path,
    params: ExtractionResult, mode_file: Path,
) -> None:
    mode_file.write_text("thread-print")
    engine.swap(fixture_lib, params)
    with Client(engine.url) as c:
        time.sleep(1.5)
        assert c.result("ping") == {}
        assert _status(c)["phase"] == "runningFullDuplex", _status(c)
        assert c.settled_meter()["left_peak"] == pytest.approx(SINE_PEAK_DB, abs=0.05)
    assert f"{PREFIX}fixture thread says hello" in capfd.readouterr().err
    assert not any(e["event"] == "engine_failed" for e in engine.events)
    _recovers(engine, fixture_lib, params, mode_file)


def test_a_panic_in_create_is_blamed_on_create_and_the_old_dsp_plays_on(
    engine: EngineHandle, fixture_lib: Path, params: ExtractionResult, mode_file: Path
) -> None:
    mode_file.write_text("create-panic")
    engine.supervisor.swap(fixture_lib, params)
    failed = engine.wait_event("engine_failed")
    assert failed["reason"] == "swap_failed"
    assert "create panicked: fixture panics in create" in failed["error"]
    with Client(engine.url) as c:
        assert _status(c)["phase"] == "runningFullDuplex"  # the healthy DSP is not blamed
        assert c.settled_meter()["left_peak"] == pytest.approx(SINE_PEAK_DB, abs=0.05)
    _recovers(engine, fixture_lib, params, mode_file)


def test_a_dsp_slower_than_real_time_is_reported_and_the_engine_answers(
    engine: EngineHandle, fixture_lib: Path, params: ExtractionResult, mode_file: Path
) -> None:
    mode_file.write_text("dsp-slow")
    engine.swap(fixture_lib, params)
    warning = engine.wait_event("engine_warning")
    assert "slower than real time" in warning["message"]
    with Client(engine.url) as c:
        assert c.result("ping") == {}
        status = _status(c)
        assert status["phase"] == "degraded"
        assert "slower than real time" in str(status["diagnostic"])
    _recovers(engine, fixture_lib, params, mode_file)


def test_a_panic_slow_to_unwind_is_reported_and_muted_not_taken_for_a_hang(
    engine: EngineHandle, fixture_lib: Path, params: ExtractionResult, mode_file: Path
) -> None:
    """A panic's hook text, a backtrace and the unwind can outlast the watchdog's 0.5 s on
    a loaded machine; the fixture takes 1.5 s. The library says it is unwinding
    (``wavecraft_dev_unwinding``), so the engine waits for the panic and mutes: no restart."""
    first = engine.supervisor.pid
    with Client(engine.url) as c:
        mode_file.write_text("dsp-panic-slow")
        engine.swap(fixture_lib, params)
        failed = engine.wait_event("engine_failed")
        assert failed["reason"] == "dsp_failed", failed
        assert "panicked in process(): fixture DSP panics slowly" in failed["message"]
        status = _status(c)
        assert status["phase"] == "failed" and "'code': 'dsp_failed'" in str(status["diagnostic"])
        assert c.settled_meter()["left_peak"] == -120.0  # muted, same connection, same engine
    with pytest.raises(TimeoutError):
        engine.wait_for(lambda e: e["event"] == "engine_failed", timeout=2)
    assert engine.supervisor.pid == first
    _recovers(engine, fixture_lib, params, mode_file)


def test_a_panic_that_never_finishes_unwinding_is_still_a_hang(
    engine: EngineHandle, fixture_lib: Path, params: ExtractionResult, mode_file: Path
) -> None:
    """Unwinding is plugin code too (a hook, a ``Drop``): one that never returns is caught
    by the control calls' bound, ``CALL_LIMIT_S``, and restarts the engine like any hang."""
    first = engine.supervisor.pid
    mode_file.write_text("dsp-panic-hang")
    engine.swap(fixture_lib, params)
    event = engine.wait_for(lambda e: e["event"] == "engine_failed", timeout=CALL_LIMIT_S + 30)
    mode_file.write_text("")
    assert event["reason"] == "hung" and event["restarted"], event
    assert _hung_for(event) >= CALL_LIMIT_S, event["message"]  # not a plain hang's 0.5 s
    engine.wait_event("engine_swapped")
    assert engine.supervisor.pid != first
    _recovers(engine, fixture_lib, params, mode_file)
