"""The engine's parts: input sources, meters, value rebasing, JSON-RPC dispatch, hot swap."""

from __future__ import annotations

import json
import math
import re
import threading
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import wait_for

from wavecraft_build._dsp_notes import NoteEvent
from wavecraft_build.engine import protocol
from wavecraft_build.engine.audio import AudioConfig, BlockClock
from wavecraft_build.engine.dsp import rebase_values
from wavecraft_build.engine.meters import FLOOR_DB, MeterWindow, to_dbfs
from wavecraft_build.engine.presets import EnginePresets
from wavecraft_build.engine.rpc import _HANDLERS, Session, handle_message
from wavecraft_build.engine.sources import make_source
from wavecraft_build.engine.state import AudioStatus, ParamStore
from wavecraft_build.errors import ConfigError
from wavecraft_build.metadata import validate
from wavecraft_build.sound.wav import write_wav


def _params() -> Any:
    return validate([
        {"id": "gain_level", "name": "Level", "type": "float", "value": 0, "default": 0,
         "min": -24, "max": 24, "unit": "dB"},
        {"id": "gain_mute", "name": "Mute", "type": "bool", "value": 0, "default": 0,
         "min": 0, "max": 1},
        {"id": "filter_shape", "name": "Shape", "type": "enum", "value": 0, "default": 0,
         "min": 0, "max": 1, "variants": ["Lowpass", "Highpass"]},
    ]).parameters


# -- sources -----------------------------------------------------------------------------


def test_sine_is_440_hz_at_minus_12_dbfs_and_loops_without_a_seam() -> None:
    src = make_source("sine", 48_000)
    x = np.concatenate([src.read(128) for _ in range(375 * 2)], axis=1)  # 2 s in blocks
    assert x.shape == (2, 96_000) and x.dtype == np.float32
    assert to_dbfs(float(np.max(np.abs(x)))) == pytest.approx(-12.0, abs=0.01)
    spectrum = np.abs(np.fft.rfft(x[0]))
    assert np.argmax(spectrum) * 48_000 / x.shape[1] == pytest.approx(440.0, abs=0.5)
    # No seam: the sample-to-sample step never exceeds the sine's own largest step.
    max_step = 2 * math.pi * 440 / 48_000 * 10 ** (-12 / 20)
    assert float(np.max(np.abs(np.diff(x[0])))) <= max_step * 1.001


@pytest.mark.parametrize("name", ["pink", "sweep", "silence"])
def test_builtin_sources_are_finite_and_bounded(name: str) -> None:
    x = make_source(name, 44_100).read(50_000)
    assert x.shape == (2, 50_000) and np.isfinite(x).all() and np.max(np.abs(x)) <= 1.0
    if name == "silence":
        assert not x.any()
    else:
        assert float(np.sqrt(np.mean(x**2))) > 0.01


def _write_wav(path: Path, data: np.ndarray[Any, Any], rate: int, width: int) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(data.shape[0])
        w.setsampwidth(width)
        w.setframerate(rate)
        ints = np.round(data.T * (2 ** (8 * width - 1) - 1)).astype("<i4")
        raw = b"".join(int(v).to_bytes(width, "little", signed=True) for v in ints.ravel())
        w.writeframes(raw)


def test_wav_input_mono_24_bit_is_doubled_and_resampled(tmp_path: Path) -> None:
    t = np.arange(2205) / 22_050
    mono = (0.5 * np.sin(2 * np.pi * 441 * t))[None, :]
    path = tmp_path / "in.wav"
    _write_wav(path, mono, 22_050, 3)
    src = make_source(str(path), 44_100)
    x = src.read(4410)  # one loop at twice the rate
    np.testing.assert_array_equal(x[0], x[1])
    assert float(np.max(np.abs(x))) == pytest.approx(0.5, abs=0.01)
    assert src.buffer.shape[1] == 4410


def test_wav_input_8_bit_and_float_read_like_the_plugin_tests_read_them(tmp_path: Path) -> None:
    # One WAV reader (sound/wav.py) serves the engine's --input and a plugin's tests.
    ramp = np.linspace(-0.5, 0.5, 256)[None, :]
    eight = tmp_path / "u8.wav"
    with wave.open(str(eight), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(48_000)
        w.writeframes(np.round(ramp[0] * 127 + 128).astype(np.uint8).tobytes())
    x = make_source(str(eight), 48_000).read(256)
    np.testing.assert_allclose(x[0], ramp[0], atol=1 / 128)
    floats = tmp_path / "f32.wav"
    write_wav(floats, np.vstack([ramp, -ramp]).astype(np.float32), 48_000)
    y = make_source(str(floats), 48_000).read(256)
    np.testing.assert_array_equal(y, np.vstack([ramp, -ramp]).astype(np.float32))


def test_missing_or_unreadable_wav_is_one_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found") as missing:
        make_source(str(tmp_path / "nope.wav"), 48_000)
    assert missing.value.path == tmp_path / "nope.wav"
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"RIFF\x00\x00not a wave file at all")
    with pytest.raises(ConfigError, match="cannot read") as bad:
        make_source(str(junk), 48_000)
    assert len(bad.value.render().splitlines()) <= 2


# -- meters ------------------------------------------------------------------------------


def test_meter_window_peak_and_rms_per_channel() -> None:
    w = MeterWindow()
    block = np.zeros((2, 128), dtype=np.float32)
    block[0, :] = 0.5
    block[1, 10] = -1.0
    w.add(block)
    r = w.take(1000)
    assert (r.peak_l, r.peak_r) == (0.5, 1.0)
    assert r.rms_l == pytest.approx(0.5) and r.rms_r == pytest.approx(math.sqrt(1 / 128))
    u = r.update()
    assert u["left_peak"] == pytest.approx(-6.0206, abs=1e-3) and u["timestamp_us"] == 1000
    assert w.empty and w.take(2000).update()["left_rms"] == FLOOR_DB
    assert to_dbfs(float("nan")) == FLOOR_DB and to_dbfs(0.0) == FLOOR_DB


# -- values across a swap ----------------------------------------------------------------


def test_rebase_keeps_values_by_id_defaults_new_drops_removed_and_clamps() -> None:
    params = _params()
    out = rebase_values(params, {"gain_level": 30.0, "gain_mute": 1.0, "gone": 5.0})
    assert out == {"gain_level": 24.0, "gain_mute": 1.0, "filter_shape": 0.0}
    assert rebase_values(params, {"filter_shape": 7.0})["filter_shape"] == 0.0


# -- JSON-RPC dispatch -------------------------------------------------------------------


class _Api:
    def __init__(self, project: Path | None = None) -> None:
        self.played: list[NoteEvent] = []
        self.store = ParamStore()
        self.store.replace(_params())
        self.presets = EnginePresets(project, self.store)  # None: no project, no presets

    def get_parameter(self, pid: Any) -> dict[str, Any]:
        return {"id": pid, "value": self.store.get(pid)}

    def set_parameter(self, pid: Any, value: Any) -> dict[str, Any]:
        self.store.set(pid, value)
        return {}

    def get_all_parameters(self) -> dict[str, Any]:
        return {"parameters": self.store.all()}

    def get_meter_frame(self) -> dict[str, Any]:
        return {"frame": None}

    def get_audio_status(self) -> dict[str, Any]:
        return {"status": AudioStatus().to_json()}

    def audio_format(self) -> dict[str, Any]:
        return {"sample_rate": 48_000, "channels": 2, "block_size": 128,
                "encoding": protocol.PCM_ENCODING}

    def play(self, event: NoteEvent) -> None:
        self.played.append(event)

    def list_presets(self) -> dict[str, Any]:
        return self.presets.list()

    def load_preset(self, name: Any) -> dict[str, Any]:
        self.presets.values(name)
        return {}

    def save_preset(self, name: Any, overwrite: Any) -> dict[str, Any]:
        return self.presets.save(name, overwrite)


def _code(text: str | bytes, api: _Api | None = None) -> int | None:
    reply = handle_message(text, api or _Api())
    return reply["error"]["code"] if reply and "error" in reply else None


def _set(value: Any, pid: Any = "gain_level") -> str:
    return json.dumps({"jsonrpc": "2.0", "id": 1, "method": "setParameter",
                       "params": {"id": pid, "value": value}})


@pytest.mark.parametrize(("text", "code"), [
    ("{not json", -32700),
    ("[" * 100_000, -32700),
    ("", -32700),
    ("[]", -32600),
    ("42", -32600),
    ('{"jsonrpc": "1.0", "id": 1, "method": "ping"}', -32600),
    ('{"jsonrpc": "2.0", "id": {}, "method": "ping"}', -32600),
    ('{"jsonrpc": "2.0", "id": 1, "method": 5}', -32600),
    ('{"jsonrpc": "2.0", "id": 1, "method": "rm -rf"}', -32601),
    ('{"jsonrpc": "2.0", "id": 1, "method": "ping", "params": [1]}', -32602),
    (_set("loud"), -32602),
    (_set(None), -32602),
    ('{"jsonrpc": "2.0", "id": 1, "method": "setParameter", "params": {"id": "gain_level"}}',
     -32602),
    (_set(True), -32602),
    ('{"jsonrpc":"2.0","id":1,"method":"setParameter","params":{"id":"gain_level","value":NaN}}',
     -32602),
    ('{"jsonrpc":"2.0","id":1,"method":"setParameter","params":{"id":"gain_level",'
     '"value":-Infinity}}', -32602),
    (_set(1e400), -32602),
    (_set(0, pid=7), -32602),
    (_set(0, pid="nope"), -32000),
    (_set(24.5), -32001),
    (_set(0.5, pid="gain_mute"), -32001),
    (_set(3, pid="filter_shape"), -32001),
    ('{"jsonrpc": "2.0", "id": 1, "method": "ping"}', None),
])
def test_every_bad_request_gets_its_error_code(text: str, code: int | None) -> None:
    assert _code(text) == code


def test_valid_requests_batches_and_notifications() -> None:
    api = _Api()
    assert handle_message(_set(-12), api) == {"jsonrpc": "2.0", "id": 1, "result": {}}
    assert api.store.get("gain_level") == -12.0
    reply = handle_message('{"jsonrpc":"2.0","id":"a","method":"getParameter",'
                           '"params":{"id":"gain_level"}}', api)
    assert reply["result"] == {"id": "gain_level", "value": -12.0}
    assert handle_message(_set(True, pid="gain_mute"), api)["result"] == {}
    # A notification (no id) is executed but never answered, even when it fails.
    assert handle_message('{"jsonrpc":"2.0","method":"nope"}', api) is None
    batch = json.dumps([{"jsonrpc": "2.0", "id": 1, "method": "ping"},
                        {"jsonrpc": "2.0", "method": "ping"}, 5])
    replies = handle_message(batch, api)
    assert [r.get("result", r.get("error", {}).get("code")) for r in replies] == [{}, -32600]
    everything = handle_message('{"jsonrpc":"2.0","id":2,"method":"getAllParameters"}', api)
    assert [p["id"] for p in everything["result"]["parameters"]] == [
        "gain_level", "gain_mute", "filter_shape"]
    assert everything["result"]["parameters"][0]["value"] == -12.0


def test_the_dispatcher_answers_exactly_the_protocol_methods(tmp_path: Path) -> None:
    # Exactly: no handler the protocol does not list (it would be missing from the TS client
    # and the README), and every listed method answered with exactly its result fields.
    assert set(_HANDLERS) == {m.name for m in protocol.METHODS}
    (tmp_path / "presets").mkdir()
    (tmp_path / "presets" / "P.json").write_text('{"values": {}}')
    api = _Api(tmp_path)
    given = {"id": "gain_level", "value": 0, "name": "P", "overwrite": True,
             "note": 60, "velocity": 0.5, "channel": 0, "bytes": [0x90, 60, 100]}
    for method in protocol.METHODS:
        params = {f.name: given[f.name] for f in method.params}
        reply = handle_message(json.dumps({"jsonrpc": "2.0", "id": 1, "method": method.name,
                                           "params": params}), api)
        assert "result" in reply, (method.name, reply)
        assert set(reply["result"]) == {f.name for f in method.result}, method.name


def test_every_error_code_is_one_named_constant_of_the_protocol() -> None:
    # The dispatcher and the store raise these constants (no literals of their own): each
    # one listed in ERRORS is the module attribute of its name, and codes are distinct.
    for error in protocol.ERRORS:
        assert getattr(protocol, error.name) is error
    assert len({e.code for e in protocol.ERRORS}) == len(protocol.ERRORS)
    import wavecraft_build.engine.rpc as rpc_module
    import wavecraft_build.engine.state as state_module

    for module in (rpc_module, state_module):
        source = Path(module.__file__ or "").read_text()
        assert not re.search(r"-32\d\d\d", source), f"{module.__name__} writes a code literal"


def test_audio_subscription_is_per_session_and_idempotent() -> None:
    api, session = _Api(), Session()
    sub = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "subscribeAudio"})
    unsub = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "unsubscribeAudio"})
    assert not session.audio
    assert handle_message(sub, api, session)["result"] == api.audio_format()
    assert handle_message(sub, api, session)["result"] == api.audio_format()
    assert session.audio
    other = Session()
    assert not other.audio  # another connection is not subscribed by this one's request
    assert handle_message(unsub, api, session)["result"] == {}
    assert not session.audio


# -- hot swap and the audio thread -------------------------------------------------------


class _SlowDsp:
    """Stands in for an EngineDsp: ``process_in_place`` waits for ``release`` (a hung or
    slow plugin call); ``closed_on`` records which thread dropped it."""

    def __init__(self, name: str) -> None:
        self.library = Path(name)
        self.applied_version = -1
        self.release = threading.Event()
        self.release.set()
        self.in_process = threading.Event()
        self.closed_on: str | None = None
        self.takes_notes = False

    def apply_values(self, values: Any, version: int) -> None:
        self.applied_version = version

    def process_in_place(self, buf: Any, notes: Any = ()) -> None:
        self.in_process.set()
        self.release.wait()

    def close(self) -> None:
        assert self.closed_on is None, "dropped twice"
        self.closed_on = threading.current_thread().name


def test_swap_never_drops_an_instance_the_audio_thread_is_still_calling() -> None:
    store = ParamStore()
    store.replace(_params())
    clock = BlockClock(AudioConfig(), make_source("silence", 48_000), store,
                       lambda *_: None, lambda *_: None)
    old: Any = _SlowDsp("old")
    new: Any = _SlowDsp("new")
    assert clock.swap(old)  # not running: taken at once
    clock.start()
    try:
        old.release.clear()
        old.in_process.clear()
        assert old.in_process.wait(5)  # the audio thread is inside old's process() now
        # The swap gives up waiting; it neither takes over nor drops old under the call.
        assert not clock.swap(new, timeout=0.2)
        assert old.closed_on is None and id(clock.dsp) == id(old)
        old.release.set()  # the call returns: the audio thread takes new, then drops old
        assert wait_for(lambda: old.closed_on is not None, 5)
        assert old.closed_on == "wavecraft-audio" and id(clock.dsp) == id(new)
    finally:
        old.release.set()
        clock.stop()
    assert new.closed_on is None
