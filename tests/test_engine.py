"""The dev engine for real: its own process, a real WebSocket client, the fixture plugin's DSP.

The fixture's DSP multiplies by ``gain_level`` (0 when muted), so a meter reading is exact
arithmetic on the default input (sine, -12 dBFS peak). Misbehaviour comes from
``WAVECRAFT_FIXTURE_MODE_FILE``, which the fixture reads when an instance is created: the
test rewrites it, then swaps, and the running engine gets a DSP that panics, returns NaN,
segfaults or aborts.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import alive

from benchmarks.engineclient import Client, EngineHandle
from wavecraft_build.errors import ConfigError
from wavecraft_build.extract import extract_params
from wavecraft_build.metadata import ExtractionResult

BLOCK_BYTES = 128 * 2 * 4



@pytest.fixture
def engine(fixture_lib: Path, params: ExtractionResult) -> Iterator[EngineHandle]:
    with EngineHandle() as handle:
        handle.swap(fixture_lib, params)
        yield handle


def test_serves_parameters_meters_and_pcm(engine: EngineHandle) -> None:
    with Client(engine.url) as a, Client(engine.url) as b:
        fmt = a.notification("audioFormat")
        assert fmt == {"sample_rate": 48_000, "channels": 2, "block_size": 128,
                       "encoding": "f32le-interleaved"}
        assert a.result("subscribeAudio") == fmt
        ids = [p["id"] for p in a.result("getAllParameters")["parameters"]]
        assert ids == ["gain_level", "gain_mute", "filter_cutoff", "filter_shape"]
        status = a.result("getAudioStatus")["status"]
        assert (status["phase"], status["sample_rate"], status["buffer_size"]) == (
            "runningFullDuplex", 48_000, 128)
        before = a.settled_meter()
        assert before["left_peak"] == pytest.approx(-12.0, abs=0.05)
        rms_before = a.mean_rms_db()
        assert rms_before == pytest.approx(-15.05, abs=0.05)  # a sine's RMS: peak - 3.01 dB
        assert a.result("setParameter", {"id": "gain_level", "value": 0.5}) == {}
        # Both clients hear about it, so two browser tabs agree.
        for client in (a, b):
            assert client.notification("parameterChanged") == {"id": "gain_level", "value": 0.5}
        assert rms_before - a.mean_rms_db() == pytest.approx(6.02, abs=0.05)
        assert a.result("getParameter", {"id": "gain_level"}) == {"id": "gain_level",
                                                                   "value": 0.5}
        frame = a.result("getMeterFrame")["frame"]
        assert frame["peak_l"] == pytest.approx(0.5 * 10 ** (-12 / 20), rel=0.01)
        assert a.pcm_frames > 0 and a.pcm_bytes == a.pcm_frames * BLOCK_BYTES


def _count_for(c: Client, seconds: float) -> tuple[int, int]:
    """(binary frames, meterUpdate notifications) received in the next ``seconds``."""
    frames, meters = c.pcm_frames, 0
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            msg = c._take(max(0.01, left))
        except TimeoutError:
            break
        if msg is not None and msg.get("method") == "meterUpdate":
            meters += 1
    return c.pcm_frames - frames, meters


def test_pcm_goes_only_to_clients_that_subscribe(engine: EngineHandle) -> None:
    with Client(engine.url) as idle, Client(engine.url) as player:
        # A client that never asks (Wavecraft's own UI core, say) gets text frames only,
        # and its meters and notifications keep coming.
        assert idle.result("setParameter", {"id": "gain_level", "value": 0.5}) == {}
        assert idle.notification("parameterChanged") == {"id": "gain_level", "value": 0.5}
        frames, meters = _count_for(idle, 2.0)
        assert frames == 0 and idle.pcm_frames == 0
        assert meters >= 30  # pushed 60 times a second

        fmt = player.result("subscribeAudio")
        assert fmt == {"sample_rate": 48_000, "channels": 2, "block_size": 128,
                       "encoding": "f32le-interleaved"}
        assert player.result("subscribeAudio") == fmt  # twice: still one stream
        player.drain()
        before = engine.stats()["blocks"]
        frames, _ = _count_for(player, 2.0)
        blocks = engine.stats()["blocks"] - before
        assert frames > 0 and player.pcm_bytes == player.pcm_frames * BLOCK_BYTES
        assert frames <= blocks + 16, (frames, blocks)  # one frame per block, not two
        assert _count_for(idle, 0.5)[0] == 0  # the other client still gets none

        # Unsubscribed: the reply is queued after the last frame, nothing follows it.
        assert player.result("unsubscribeAudio") == {}
        assert _count_for(player, 1.0)[0] == 0


def test_swap_keeps_values_by_id_and_announces_the_new_list(
    engine: EngineHandle, fixture_lib: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Client(engine.url) as c:
        c.result("setParameter", {"id": "gain_level", "value": 0.25})
        c.result("setParameter", {"id": "filter_cutoff", "value": 440})
        before = engine.stats()
        monkeypatch.setenv("WAVECRAFT_FIXTURE_CHAIN", "gain,gain")
        swapped = engine.swap(fixture_lib, extract_params(fixture_lib))
        assert swapped["changed"] is True
        c.notification("parametersChanged")
        params = {p["id"]: p["value"] for p in c.result("getAllParameters")["parameters"]}
        # Kept by id, new ids at their defaults, removed ids dropped.
        assert params == {"gain_level": 0.25, "gain_mute": 0, "gain_2_level": 1.0,
                          "gain_2_mute": 0}
        meter = c.settled_meter()
        assert meter["left_peak"] == pytest.approx(-12.0 - 12.04, abs=0.1)  # x0.25, new image
        after = engine.stats()
        assert after["swaps"] == before["swaps"] + 1 and after["blocks"] > before["blocks"]
        assert after["dropped"] == 0


@pytest.mark.parametrize(("mode", "why"), [
    ("dsp-panic", "panicked in process(): fixture DSP panics in process"),
    ("dsp-nan", "non-finite"),
])
def test_a_failing_dsp_is_muted_reported_and_the_next_swap_recovers(
    engine: EngineHandle, fixture_lib: Path, params: ExtractionResult, mode_file: Path,
    mode: str, why: str,
) -> None:
    with Client(engine.url) as c:
        mode_file.write_text(mode)
        engine.swap(fixture_lib, params)
        failed = engine.wait_event("engine_failed")
        assert why in failed["message"] and failed["reason"] == "dsp_failed"
        status = c.notification("audioStatusChanged", lambda p: p["status"]["phase"] == "failed")
        assert why in status["status"]["diagnostic"]["message"]
        assert c.settled_meter()["left_peak"] == -120.0  # muted, meters keep coming
        assert c.result("ping") == {}
        mode_file.write_text("")
        engine.swap(fixture_lib, params)
        c.notification("audioStatusChanged",
                       lambda p: p["status"]["phase"] == "runningFullDuplex")
        assert c.settled_meter()["left_peak"] == pytest.approx(-12.0, abs=0.05)


@pytest.mark.parametrize(("mode", "signal"), [("dsp-segv", "SIGSEGV"), ("dsp-abort", "SIGABRT")])
def test_a_crashing_dsp_costs_only_the_engine_process_which_restarts(
    engine: EngineHandle, fixture_lib: Path, params: ExtractionResult, mode_file: Path,
    mode: str, signal: str,
) -> None:
    first_pid = engine.supervisor.pid
    assert first_pid is not None
    with Client(engine.url) as c:
        c.result("setParameter", {"id": "gain_level", "value": 0.5})
    time.sleep(1.0)  # the engine reports its values to the supervisor 4 times a second
    mode_file.write_text(mode)
    bad = str(engine.supervisor.swap(fixture_lib, params))
    failed = engine.wait_event("engine_failed")
    mode_file.write_text("")  # before the new engine creates its instance
    assert failed["reason"] == "crashed" and failed["signal"] == signal and failed["restarted"]
    assert signal in failed["message"] and "last good library" in failed["message"]
    # The restarted engine runs the last good library (not the one that crashed).
    engine.wait_for(lambda e: e["event"] == "engine_swapped" and e["library"] != bad)
    assert not alive(first_pid) and engine.supervisor.pid != first_pid
    with Client(engine.url) as c:  # same port: the UI reconnects by itself
        status = c.result("getAudioStatus")["status"]
        # Playing the last good build, and saying why until the next good reload.
        assert status["phase"] == "degraded" and signal in status["diagnostic"]["message"]
        # The author's value survived the crash.
        assert c.result("getParameter", {"id": "gain_level"})["value"] == 0.5
        assert c.settled_meter()["left_peak"] == pytest.approx(-18.02, abs=0.05)
    # The next good reload works as usual.
    engine.swap(fixture_lib, params)
    with Client(engine.url) as c:
        assert c.result("getAudioStatus")["status"]["phase"] == "runningFullDuplex"


def test_restart_after_a_crash_is_quick(
    engine: EngineHandle, fixture_lib: Path, params: ExtractionResult, mode_file: Path
) -> None:
    mode_file.write_text("dsp-segv")
    bad = str(engine.supervisor.swap(fixture_lib, params))
    crashed = engine.wait_event("engine_failed")
    mode_file.write_text("")
    engine.wait_for(lambda e: e["event"] == "engine_swapped" and e["library"] != bad)
    deadline = time.monotonic() + 10
    while True:  # the port answers again (generous bound: the figure is in the README)
        try:
            with Client(engine.url, open_timeout=1) as c:
                c.result("ping")
                break
        except OSError:
            assert time.monotonic() < deadline
            time.sleep(0.02)
    assert time.monotonic() - crashed["_t"] < 10


def test_a_busy_port_is_one_line_naming_it() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        handle = EngineHandle()
        handle.supervisor.options = handle.options = type(handle.options)(port=port)
        with pytest.raises(ConfigError, match=f"port {port} .*busy") as err:
            handle.start()
        assert len(err.value.render().splitlines()) == 2  # the error and its hint
        assert handle.supervisor.pid is not None and not alive(handle.supervisor.pid)


def test_no_dsp_yet_means_initializing_and_silence() -> None:
    with EngineHandle() as handle, Client(handle.url) as c:
        assert c.result("getAudioStatus")["status"]["phase"] == "initializing"
        assert c.result("getAllParameters") == {"parameters": []}
        assert c.meter()["left_peak"] == -120.0
        assert c.call("getParameter", {"id": "gain_level"})["error"]["code"] == -32000


def test_every_swap_maps_a_new_image_of_the_library(
    engine: EngineHandle, fixture_lib: Path, params: ExtractionResult
) -> None:
    """dlopen of a loaded path would return the old image: each swap loads a unique copy,
    and old images stay mapped (never dlclosed), as the README says."""
    pid = engine.supervisor.pid

    def images() -> set[str]:
        lines = Path(f"/proc/{pid}/maps").read_text().splitlines()
        # The path, without the " (deleted)" the kernel adds once the supervisor prunes it.
        return {ln.split(None, 5)[5].removesuffix(" (deleted)") for ln in lines
                if len(ln.split(None, 5)) == 6 and fixture_lib.stem in ln}

    first = images()
    assert len(first) == 1
    for _ in range(4):
        engine.swap(fixture_lib, params)
    assert len(images()) == 5 and first <= images()


def test_a_crash_with_no_good_library_left_restarts_empty_and_says_failed(
    fixture_lib: Path, params: ExtractionResult, mode_file: Path
) -> None:
    mode_file.write_text("dsp-abort")
    with EngineHandle() as engine:
        engine.supervisor.swap(fixture_lib, params)
        failed = engine.wait_event("engine_failed")
        mode_file.write_text("")
        assert failed["restarted"] and "no DSP" in failed["message"]
        deadline = time.monotonic() + 10
        while True:
            try:
                with Client(engine.url, open_timeout=1) as c:
                    status = c.result("getAudioStatus")["status"]
                    if status["phase"] == "failed":
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert "SIGABRT" in status["diagnostic"]["message"]
        engine.swap(fixture_lib, params)  # the next good reload recovers
        with Client(engine.url) as c:
            assert c.result("getAudioStatus")["status"]["phase"] == "runningFullDuplex"


def test_audio_out_without_sounddevice_or_device_is_one_warning(
    fixture_lib: Path, params: ExtractionResult
) -> None:
    with EngineHandle(audio_out=True) as engine:
        engine.swap(fixture_lib, params)
        try:
            import sounddevice  # type: ignore[import-not-found, unused-ignore]  # noqa: F401
        except (ImportError, OSError):
            warning = engine.wait_event("engine_warning")
            assert "--audio-out" in warning["warning"] and "\n" not in warning["message"]
        with Client(engine.url) as c:  # the engine runs on either way
            assert c.settled_meter()["left_peak"] == pytest.approx(-12.0, abs=0.05)


def test_a_library_without_the_dev_processor_is_reported_not_fatal(
    fixture_lib: Path, params: ExtractionResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAVECRAFT_FIXTURE_VTABLE_VERSION", "99")  # read by the engine
    with EngineHandle() as engine, Client(engine.url) as c:
        engine.supervisor.swap(fixture_lib, params)
        failed = engine.wait_event("engine_failed")
        assert failed["reason"] == "swap_failed" and "version" in failed["error"]
        status = c.notification("audioStatusChanged")["status"]
        assert status["phase"] == "failed" and "version" in status["diagnostic"]["message"]
        assert c.result("ping") == {}
