"""Presets under ``wavecraft-build dev``: a hand edit of presets/ refreshes the page's menu
(``presetsChanged``) without rebuilding the DSP, a bad preset is a warning that never holds
back the reload, and loading a preset moves the meters as its values say.

The real CLI (``devloop.DevProcess``) on a copy of the fixture crate (gain_level is a linear
gain, default 1.0), a real WebSocket client on the engine.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest

from benchmarks.devloop import DevProcess, make_project
from benchmarks.engineclient import Client


def _builds(dev: DevProcess) -> int:
    """How many builds dev has started so far (reads what it said in the last second)."""
    with contextlib.suppress(TimeoutError):
        dev.wait_for(lambda e: False, timeout=1.0)
    return sum(e["event"] == "build_started" for e in dev.events)


def test_hand_edits_refresh_the_menu_without_a_rebuild(
    tmp_path: Path, cargo_target_dir: Path
) -> None:
    project = make_project(tmp_path / "proj")
    presets = project / "presets"
    presets.mkdir()
    (presets / "Bad.json").write_text('{"values": {"gain_level": 5}}')  # out of 0..2
    dev = DevProcess(project, cargo_target_dir / "dev-engine")
    try:
        started = dev.wait_event("engine_started")
        # A bad preset is said, and the DSP still loads (dev never blocks on a preset).
        warned = dev.wait_event("preset_warning")
        assert "`gain_level` = 5: expected a number in 0..2 x" in warned["note"]
        dev.wait_event("engine_swapped")
        with Client(started["url"]) as c:
            builds = _builds(dev)
            (presets / "Bad.json").unlink()
            c.notification("presetsChanged", timeout=15)
            assert c.result("listPresets") == {"presets": []}
            unity = c.settled_meter()["left_peak"]

            (presets / "Loud.json").write_text(json.dumps(
                {"category": "Level", "values": {"gain_level": 2.0}}))
            c.notification("presetsChanged", timeout=15)
            assert c.result("listPresets") == {"presets": [{"name": "Loud",
                                                            "category": "Level"}]}
            c.result("setParameter", {"id": "gain_mute", "value": 1})
            c.result("loadPreset", {"name": "Loud"})
            c.notification("parameterChanged", lambda p: p["id"] == "gain_level")
            values = {p["id"]: p["value"] for p in c.result("getAllParameters")["parameters"]}
            assert values["gain_level"] == 2.0 and values["gain_mute"] == 0.0  # defaulted
            c.drain()
            assert c.settled_meter()["left_peak"] - unity == pytest.approx(6.02, abs=0.1)

            # A broken hand edit: a warning naming the file; the menu is told to re-list,
            # and listing says what is wrong instead of hiding the preset.
            (presets / "Loud.json").write_text('{"values": ')
            warned = dev.wait_event("preset_warning", timeout=15)
            assert "Loud.json" in (warned.get("path") or "")
            error = c.call("listPresets")["error"]
            assert error["code"] == -32003 and "not valid JSON" in error["message"]
            assert _builds(dev) == builds  # no DSP rebuild for any preset edit
    finally:
        dev.close()
