"""The fresh scaffold's two presets in the released bundles (the session's one real-template
release, ``released_template``): clap-validator's preset-discovery tests, pedalboard loading
the ``.vstpreset`` files, and the files installed where hosts look.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fixtures_release import ReleasedTemplate
from fixtures_validators import VendorValidators
from required_tools import require_module

from wavecraft_build import _proc
from wavecraft_build.preset_export import read_vstpreset

PRESETS = ("Bright", "Warm")


def _vst3_presets(released: ReleasedTemplate) -> dict[str, Path]:
    out = released.report.out_dir
    return {p.stem: p for p in (out / "vst3-presets").rglob("*.vstpreset")}


@pytest.mark.slow
def test_clap_validator_preset_discovery_tests_run_and_pass(
    released_template: ReleasedTemplate, vendor_validators: VendorValidators
) -> None:
    clap = released_template.report.bundles["clap"]
    done = _proc.run([str(vendor_validators.clap), "validate", "--json", "-t",
                      "preset-discovery", str(clap)], timeout=300)
    results = json.loads(done.stdout[done.stdout.find("{"):])["results"]
    codes = {r["test"]["plugin-library"]["test"]: r["status"]["code"] for r in results}
    # Before presets these three were "skipped" (no preset-discovery factory).
    assert codes == {"preset-discovery-crawl": "success",
                     "preset-discovery-descriptor-consistency": "success",
                     "preset-discovery-load": "success"}, done.stdout
    listed = _proc.run([str(vendor_validators.clap), "list", "presets", "--json", str(clap)],
                       timeout=120)
    assert listed.returncode == 0, listed.stderr
    for name in PRESETS:
        assert f'"{name}"' in listed.stdout


@pytest.mark.slow
def test_pedalboard_loads_the_vst3_presets_and_they_sound_as_their_values_say(
    released_template: ReleasedTemplate,
) -> None:
    pedalboard: Any = require_module("pedalboard", "pip install -e '.[test]' (pedalboard>=0.9)")
    files = _vst3_presets(released_template)
    assert sorted(files) == list(PRESETS)
    vst3 = released_template.report.bundles["vst3"]
    # The VST3 spec's layout: <vendor>/<plugin name>/<preset>.vstpreset.
    assert files["Warm"].parent.name == released_template.report.identity.name
    sr = 48_000
    tone = (0.25 * np.sin(2 * np.pi * 440.0 * np.arange(sr) / sr)).astype(np.float32)
    block = np.stack([tone, tone])

    def level(preset: str | None) -> tuple[float, dict[str, Any]]:
        plugin = pedalboard.load_plugin(str(vst3))
        if preset is not None:
            # Neither preset names input_gain_level: loading one resets it. pedalboard hands
            # a parameter to the plugin with the next block, so one block goes through first.
            plugin.input_level = -12.0
            plugin(block[:, :512], sr)
            plugin.load_preset(str(files[preset]))
        out = plugin(block, sr)[:, sr // 10:]
        state = json.loads(read_vstpreset(plugin.preset_data)[1]["Comp"])["params"]
        return 20 * float(np.log10(np.sqrt(np.mean(np.square(out, dtype=np.float64))))), state

    default, default_state = level(None)
    warm, warm_state = level("Warm")
    bright, bright_state = level("Bright")
    # The plugin's own state after loading: exactly the values each preset names, the
    # defaults for the ids it leaves out (input_gain_level was -12 before the load).
    assert warm_state["filter_cutoff"] == {"f32": 800.0}
    assert warm_state["output_gain_level"] == {"f32": -6.0}
    assert warm_state["input_gain_level"] == default_state["input_gain_level"] == {"f32": 0.0}
    assert bright_state["filter_mode"] == {"i32": 1} and bright_state["output_gain_level"] == {
        "f32": 0.0}
    assert bright_state["input_gain_level"] == {"f32": 6.0}
    # Warm: -6 dB out, a 800 Hz low-pass barely touches 440 Hz. Bright: a 4 kHz high-pass.
    assert warm - default == pytest.approx(-6.2, abs=0.5)
    assert bright - default < -25.0


@pytest.mark.slow
def test_presets_are_installed_where_hosts_look(released_template: ReleasedTemplate) -> None:
    home = released_template.home
    name = released_template.report.identity.name
    vst3 = sorted(p.name for p in (home / ".vst3" / "presets").rglob("*.vstpreset"))
    assert vst3 == [f"{p}.vstpreset" for p in PRESETS]
    assert next((home / ".vst3" / "presets").rglob("Warm.vstpreset")).parent.name == name
    clap = home / ".clap" / f"{name}.clap-presets"
    assert sorted(p.name for p in clap.iterdir()) == [f"{p}.wcpreset" for p in PRESETS]
    warm = json.loads((clap / "Warm.wcpreset").read_text())
    assert warm["name"] == "Warm" and warm["plugin_id"].endswith(".rel-synth")
