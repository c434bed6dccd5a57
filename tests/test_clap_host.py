"""The CLAP test host (tests/hosts/clap-host) on the released template: it loads the bundle,
lists the parameters hosts show, processes audio on its audio thread, and a change made
from the host side reaches the plugin (its value and its output level). The editor's own
proof in this host is tests/test_editor_clap.py.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fixtures_release import ReleasedTemplate

from benchmarks.hosts import ClapHost


def _by_name(host: ClapHost) -> dict[str, dict[str, float]]:
    return {p["name"]: p for p in host.cmd("params")["params"]}


def test_the_host_answers_errors_as_json(clap_test_host: Path, tmp_path: Path) -> None:
    with ClapHost(clap_test_host, tmp_path / "host.log") as host:
        bad = host.cmd("params", check=False)
        assert not bad["ok"] and "load" in bad["error"]
        missing = host.cmd(f"load {tmp_path / 'nothing.clap'}", check=False)
        assert not missing["ok"] and "nothing.clap" in missing["error"]
        assert not host.cmd("frobnicate", check=False)["ok"]
        assert host.alive()


@pytest.mark.slow
def test_clap_host_loads_processes_and_sets_parameters(
    released_template: ReleasedTemplate, clap_test_host: Path, tmp_path: Path
) -> None:
    clap = released_template.report.bundles["clap"]
    with ClapHost(clap_test_host, tmp_path / "host.log") as host:
        loaded = host.cmd(f"load {clap}")
        assert loaded["names"] == [released_template.report.identity.name]
        params = _by_name(host)
        assert {"Input Level", "Filter On", "Cutoff", "Output Level"} <= set(params)
        host.cmd("set {} 0".format(int(params["Filter On"]["id"])))  # inactive: flush
        assert host.cmd("get {}".format(int(params["Filter On"]["id"])))["value"] == 0.0
        host.cmd("activate")
        host.cmd("wait 300")
        before = host.cmd("stats")
        assert before["blocks"] > 10 and before["out_rms"] > 0.05
        level = params["Input Level"]
        lowest = level["min"]
        done = host.cmd(f"set {int(level['id'])} {lowest}")  # active: an event in process()
        assert done["value"] == pytest.approx(lowest)
        deadline = time.monotonic() + 10
        after = host.cmd("stats")
        while after["out_rms"] > before["out_rms"] * 0.5 and time.monotonic() < deadline:
            host.cmd("wait 100")
            after = host.cmd("stats")
        assert after["out_rms"] < before["out_rms"] * 0.5, (before, after)
        # A host-side change is not echoed back as if the plugin had made it.
        echoed = [e for e in host.cmd("events")["events"] if e["type"].startswith("gesture")]
        assert echoed == []
        host.cmd("deactivate")
        assert host.close() == 0
