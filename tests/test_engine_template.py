"""The dev engine on the real template DSP (nice-plug builds: slow).

- Setting ``input_gain_level`` to -12 dB lowers the output RMS by 12.0 +/- 0.2 dB.
- During ``wavecraft-build dev`` on a fresh scaffold, adding a processor to the chain swaps
  the running DSP: ``parametersChanged`` arrives, ``getAllParameters`` has the new ids,
  ``input_gain_level`` keeps its value, the meter never stops; a compile error keeps the
  old DSP playing.
"""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import pytest
from fixtures_template import TEMPLATE_NAME, TemplateProject
from helpers import wait_for

from benchmarks.devloop import DevProcess
from benchmarks.engineclient import Client, EngineHandle
from wavecraft_build.extract import extract_params
from wavecraft_build.scaffold import ScaffoldOptions, scaffold

pytestmark = pytest.mark.slow

CHAIN = "pub type Signal = SignalChain![InputGain, Filter, OutputGain];"
LONGER = "pub type Signal = SignalChain![InputGain, Filter, OutputGain, InputGain];"
PROCESS = "        apply(&mut self.gain, audio, db_to_gain(params.float(Self::LEVEL)));"
PANICKY = ("        assert!(params.float(Self::LEVEL) >= -20.0, \"input level below -20 dB\");\n"
           + PROCESS)


def test_input_gain_minus_12_lowers_the_rms_by_12_db(template_project: TemplateProject) -> None:
    lib = template_project.discovery_lib
    with EngineHandle() as engine:
        engine.swap(lib, extract_params(lib))
        with Client(engine.url) as c:
            before = c.mean_rms_db(updates=30)
            c.result("setParameter", {"id": "input_gain_level", "value": -12})
            c.notification("parameterChanged")
            after = c.mean_rms_db(updates=30)
            assert before - after == pytest.approx(12.0, abs=0.2)
            assert c.result("getParameter", {"id": "input_gain_level"})["value"] == -12.0


def test_engine_loads_the_scaffold_presets_and_the_meters_move_as_they_say(
    template_project: TemplateProject, tmp_path: Path
) -> None:
    """The scaffold's two presets through the engine's protocol: Warm (-6 dB out, a 800 Hz
    low-pass the 440 Hz tone passes) and Bright (a 4 kHz high-pass); save-as refuses to
    replace a file unasked, and every client hears of the new preset."""
    project = tmp_path / "project"
    (project / "presets").mkdir(parents=True)
    for name in ("Warm", "Bright"):
        src = template_project.project_dir / "presets" / f"{name}.json"
        (project / "presets" / src.name).write_bytes(src.read_bytes())
    lib = template_project.discovery_lib
    with EngineHandle(project=project) as engine:
        engine.swap(lib, extract_params(lib))
        with Client(engine.url) as c:
            names = [p["name"] for p in c.result("listPresets")["presets"]]
            assert names == ["Bright", "Warm"]
            c.result("setParameter", {"id": "input_gain_level", "value": 6.0})
            c.notification("parameterChanged")
            c.result("setParameter", {"id": "input_gain_level", "value": 0.0})
            c.notification("parameterChanged", lambda p: p["value"] == 0.0)
            default = c.mean_rms_db(updates=30)
            c.result("setParameter", {"id": "input_gain_level", "value": 6.0})
            c.result("loadPreset", {"name": "Warm"})
            # Warm leaves input_gain_level out: back to its default, like every left-out id.
            c.notification("parameterChanged", lambda p: p["id"] == "output_gain_level")
            values = {p["id"]: p["value"] for p in c.result("getAllParameters")["parameters"]}
            assert values["input_gain_level"] == 0.0 and values["filter_cutoff"] == 800.0
            c.drain()
            warm = c.mean_rms_db(updates=30)
            assert warm - default == pytest.approx(-6.2, abs=0.5)
            c.result("loadPreset", {"name": "Bright"})
            c.notification("parameterChanged", lambda p: p["id"] == "filter_mode")
            c.drain()
            assert c.mean_rms_db(updates=30) - default < -25.0

            reply = c.call("savePreset", {"name": "Warm"})
            assert reply["error"]["code"] == -32004  # PRESET_EXISTS: the page asks first
            assert c.call("loadPreset", {"name": "../etc"})["error"]["code"] == -32002
            bad = c.call("savePreset", {"name": "a/b"})["error"]
            assert bad["code"] == -32003 and "contains one of" in bad["message"]
            saved = c.result("savePreset", {"name": "Mine"})
            assert saved == {"name": "Mine", "path": "presets/Mine.json"}
            c.notification("presetsChanged")
            mine = json.loads((project / "presets" / "Mine.json").read_text())
            assert mine["values"]["filter_mode"] == "High-pass"
            assert (project / "presets" / "Warm.json").read_bytes() == (
                template_project.project_dir / "presets" / "Warm.json").read_bytes()


def test_dev_swaps_the_engine_when_a_processor_is_added(
    template_project: TemplateProject, cargo_target_dir: Path, tmp_path: Path
) -> None:
    fresh = scaffold(ScaffoldOptions(name=TEMPLATE_NAME, directory=tmp_path / TEMPLATE_NAME,
                                     git=False)).project_dir
    lib_rs = fresh / "engine" / "src" / "lib.rs"
    assert CHAIN in lib_rs.read_text()
    dev = DevProcess(fresh, cargo_target_dir)
    try:
        started = dev.wait_event("engine_started", timeout=60)
        dev.wait_event("engine_swapped", timeout=900)
        with Client(started["url"]) as c:
            c.result("setParameter", {"id": "input_gain_level", "value": -12})
            level = c.mean_rms_db()
            edited = time.monotonic()
            lib_rs.write_text(lib_rs.read_text().replace(CHAIN, LONGER))
            seen = c.until(lambda m: m.get("method") == "parametersChanged", timeout=900)
            meters = [m["_t"] for m in seen if m.get("method") == "meterUpdate"]
            # The meter kept going from the edit to the swap, however long the rebuild took.
            wall = [edited, *meters, seen[-1]["_t"]]
            assert len(meters) >= 3
            # Generous on a shared machine; the tight figure is bench_engine's meter gap.
            assert max(b - a for a, b in itertools.pairwise(wall)) < 5.0
            params = {p["id"]: p["value"] for p in c.result("getAllParameters")["parameters"]}
            assert params["input_gain_level"] == -12.0 and params["input_gain_2_level"] == 0.0
            assert c.mean_rms_db() == pytest.approx(level, abs=0.2)  # new stage at 0 dB
            # A compile error: the old DSP keeps playing.
            good = lib_rs.read_text()
            lib_rs.write_text(good + "\nfn broken( {\n")
            dev.wait_event("build_failed", timeout=900)
            c.drain()  # what follows was played after the failed build
            assert c.result("getAudioStatus")["status"]["phase"] == "runningFullDuplex"
            assert c.mean_rms_db() == pytest.approx(level, abs=0.2)
            # A real Rust panic in process(): the SDK catches the unwind and returns it as
            # data (status + message), the engine mutes and says failed; the next good
            # reload recovers. The hook's text (with the file) reaches the terminal.
            gain_rs = fresh / "engine" / "src" / "processors" / "gain.rs"
            sane = gain_rs.read_text()
            edited = time.monotonic()
            gain_rs.write_text(sane.replace(PROCESS, PANICKY, 1))
            lib_rs.write_text(good)
            dev.wait_for(lambda e: e["event"] == "engine_swapped" and e["_t"] > edited,
                         timeout=900)
            c.result("setParameter", {"id": "input_gain_level", "value": -21})
            failed = dev.wait_for(lambda e: e["event"] == "engine_failed" and e["_t"] > edited)
            assert failed["reason"] == "dsp_failed" and "below -20 dB" in failed["error"]
            c.until(lambda m: m.get("method") == "audioStatusChanged"
                    and m["params"]["status"]["phase"] == "failed")
            status = c.result("getAudioStatus")["status"]
            assert status["phase"] == "failed"
            assert status["diagnostic"]["message"] == (
                "the DSP panicked in process(): input level below -20 dB")
            # Muted on the same connection: however long the unwinding took on a loaded
            # machine, the SDK said so (wavecraft_dev_unwinding) and it was no hang.
            assert c.settled_meter()["left_peak"] == -120.0
            edited = time.monotonic()
            gain_rs.write_text(sane)
            dev.wait_for(lambda e: e["event"] == "engine_swapped" and e["_t"] > edited,
                         timeout=900)
            # No restart (a watchdog alarm) between the panic and the recovering reload.
            assert not any(e["event"] == "engine_failed" and e["_t"] > failed["_t"]
                           for e in dev.events), dev.events[-8:]
        # The next good reload recovers. Asked on a new connection, as the page would after
        # reconnecting: on a loaded machine the engine may have been restarted meanwhile
        # (a watchdog alarm), and a restart must recover the same way, values included.
        with Client(started["url"]) as c:
            assert wait_for(lambda: c.result("getAudioStatus")["status"]["phase"]
                            == "runningFullDuplex", 60), dev.events[-5:]
            assert c.mean_rms_db() == pytest.approx(level - 9, abs=0.3)  # -21 dB, not -12
        code, took = dev.interrupt()
        assert code == 130 and took < 5.0  # the figure: bench_dev's Ctrl-C
        err = dev.stderr()  # the panic hook's text, forwarded line by line with its file
        assert "[plugin] thread" in err and "gain.rs" in err
    finally:
        dev.close()
