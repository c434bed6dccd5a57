"""Session fixtures for real plugin hosts: the CLAP test host (tests/hosts/clap-host).

``clap_test_host`` builds the host crate (clack-host, pinned in its Cargo.toml and
Cargo.lock) once per test run into ``<cargo_target_dir>/hosts/`` (the shared test target
dir: later runs only relink; ``benchmarks.hosts.build_clap_host``). ``ClapHost``
(benchmarks/hosts.py) drives the binary. ``editor_bundles`` are the bundles of the
template's release with its editor (``released_editor``) the editor tests open.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from fixtures_editor import ReleasedEditor

from benchmarks.hosts import build_clap_host

__all__ = [
    "PARAMETER_NAMES", "EditorBundles", "clap_test_host", "editor_bundles",
]

#: The template's parameters as its editor labels them (what OCR must read).
PARAMETER_NAMES = ("Input Level", "Filter Mode", "Cutoff", "Output Level", "Invert Phase")


@pytest.fixture(scope="session")
def clap_test_host(cargo_target_dir: Path) -> Path:
    """The CLAP test host's binary, built once per run (debug: it only drives the plugin)."""
    try:
        binary = build_clap_host(cargo_target_dir)
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    assert binary.is_file()
    return binary


@dataclass(frozen=True)
class EditorBundles:
    """The released template's bundles, which carry the editor (the React app of ui/)."""
    clap: Path
    vst3: Path
    names: list[str]


@pytest.fixture(scope="session")
def editor_bundles(released_editor: ReleasedEditor) -> EditorBundles:
    """The template's release with its UI and editor (``released_editor``, shared with
    tests/test_editor.py: one release of it per session).

    ``WAVECRAFT_TEST_EDITOR_BUNDLES`` (a folder holding ``NAME.clap`` and ``NAME.vst3``)
    points the editor tests at other bundles of the template, for debugging a build by hand.
    """
    bundles = released_editor.report.bundles
    clap, vst3 = bundles["clap"], bundles["vst3"]
    other = os.environ.get("WAVECRAFT_TEST_EDITOR_BUNDLES")
    if other:
        clap = next(Path(other).glob("*.clap"))
        vst3 = next(Path(other).glob("*.vst3"))
    return EditorBundles(clap=clap, vst3=vst3, names=list(PARAMETER_NAMES))
