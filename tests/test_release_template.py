"""The real template (nice-plug), released once per session (``released_template``): layout,
manifest, install, the CLAP entry, pedalboard (a real VST3 host), the wheel in a fresh venv
rendering what the VST3 renders, reproducible re-releases and a release with the UI.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fixtures_release import RELEASE_TEMPLATE_NAME, ReleasedTemplate, check_manifest, sha256_of
from helpers import snapshot_tree
from required_tools import require_module, require_tool

from wavecraft_build.pipeline import load_state
from wavecraft_build.release import (
    ReleaseOptions,
    release,
)
from wavecraft_build.release import bundle as _bundle
from wavecraft_build.release.wheel import WHEEL_DIR

# -- the real template (nice-plug), released once per session -------------------------


@pytest.mark.slow
def test_template_release_layout_and_manifest(released_template: ReleasedTemplate) -> None:
    report = released_template.report
    out = report.out_dir
    name = report.identity.name
    # [package.metadata.wavecraft] name: the name as the author typed it, as hosts show it.
    assert name == RELEASE_TEMPLATE_NAME
    so = out / f"{name}.vst3" / "Contents" / _bundle.bundle_arch("linux") / f"{name}.so"
    assert so.is_file() and (out / f"{name}.clap").is_file()
    manifest = check_manifest(out)
    assert report.wheel is not None and manifest["wheel"] == report.wheel.name
    state = load_state(released_template.project)
    assert state is not None and manifest["parameters"] == list(state.ids)
    assert "input_gain_level" in report.parameters


@pytest.mark.slow
def test_template_release_installs_next_to_other_plugins(
    released_template: ReleasedTemplate,
) -> None:
    home = released_template.home
    assert (home / ".vst3" / "Other.vst3" / "keep.txt").read_text() == "not ours\n"
    assert (home / ".clap" / "other.clap").read_bytes() == b"not ours"
    report = released_template.report
    name = report.identity.name
    assert snapshot_tree(home / ".vst3" / f"{name}.vst3") == snapshot_tree(
        report.bundles["vst3"])
    assert sha256_of(home / ".clap" / f"{name}.clap") == sha256_of(report.bundles["clap"])


@pytest.mark.slow
def test_clap_exports_clap_entry(released_template: ReleasedTemplate) -> None:
    from elftools.elf.elffile import ELFFile

    with released_template.report.bundles["clap"].open("rb") as fh:
        dynsym: Any = ELFFile(fh).get_section_by_name(".dynsym")
        names = {s.name for s in dynsym.iter_symbols() if s["st_shndx"] != "SHN_UNDEF"}
    assert "clap_entry" in names
    assert {"GetPluginFactory", "wavecraft_dev_create_processor"} <= names


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


@pytest.mark.slow
def test_pedalboard_loads_the_vst3_and_gain_changes_rms(
    released_template: ReleasedTemplate,
) -> None:
    pedalboard: Any = require_module("pedalboard", "pip install -e '.[test]' (pedalboard>=0.9)")
    plugin = pedalboard.load_plugin(str(released_template.report.bundles["vst3"]))
    names = {p.name for p in plugin.parameters.values()}
    assert {"Input Level", "Filter On", "Cutoff", "Output Level", "Invert Phase"} <= names
    assert plugin.name == RELEASE_TEMPLATE_NAME
    sr = 48_000
    t = np.arange(sr, dtype=np.float64) / sr
    mono = (0.25 * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32)
    block = np.stack([mono, mono])
    plugin.filter_on = False
    dry = plugin(block, sr)
    plugin.input_level = -12.0
    wet = plugin(block, sr)
    skip = sr // 10  # past any parameter smoothing
    assert _rms(dry[:, skip:]) == pytest.approx(_rms(block[:, skip:]), rel=1e-3)
    ratio_db = 20 * np.log10(_rms(wet[:, skip:]) / _rms(dry[:, skip:]))
    assert ratio_db == pytest.approx(-12.0, abs=0.05)


@pytest.fixture(scope="module")
def wheel_python(
    released_template: ReleasedTemplate, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A fresh venv with only numpy and the released wheel installed: its python."""
    wheel = released_template.report.wheel
    assert wheel is not None and wheel.is_file()
    venv = tmp_path_factory.mktemp("wheel") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "numpy",
         str(wheel)],
        check=True, timeout=600,
    )
    return python


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_venv_and_processes(
    wheel_python: Path, released_template: ReleasedTemplate, tmp_path: Path
) -> None:
    python = wheel_python
    script = textwrap.dedent(
        """
        import json, sys
        import numpy as np
        import rel_synth
        from rel_synth.params import ParamId
        sr = 48_000
        x = (0.25 * np.sin(2 * np.pi * 440 * np.arange(4800) / sr)).astype(np.float32)
        block = np.stack([x, x])
        with rel_synth.Processor(sample_rate=sr, filter_enabled=0) as proc:
            dry = proc.process(block)
            proc.set_param(ParamId.INPUT_GAIN_LEVEL, 6.0)
            proc.reset()
            wet = proc.process(block)
            try:
                proc.set_param("input_gain_level", 99.0)
                bad = "accepted"
            except ValueError:
                bad = "refused"
        rms = lambda a: float(np.sqrt(np.mean(a.astype(np.float64) ** 2)))
        print(json.dumps({
            "db": 20 * np.log10(rms(wet) / rms(dry)),
            "dry": rms(dry) / rms(block),
            "ids": [p["id"] for p in rel_synth.PARAMETERS],
            "bad": bad,
            "wavecraft_build": "wavecraft_build" in sys.modules,
        }))
        """
    )
    done = subprocess.run([str(python), "-I", "-c", script], capture_output=True, text=True,
                          cwd=tmp_path, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["db"] == pytest.approx(6.0, abs=0.01)
    assert data["dry"] == pytest.approx(1.0, abs=1e-3)
    assert data["ids"] == list(released_template.report.parameters)
    assert data["bad"] == "refused" and data["wavecraft_build"] is False
    # The wheel does not need wavecraft-build: it is not installed in that venv.
    check = subprocess.run([str(python), "-I", "-c", "import wavecraft_build"],
                           capture_output=True, check=False, cwd=tmp_path)
    assert check.returncode != 0


@pytest.mark.slow
def test_template_rerelease_is_reproducible(
    released_template: ReleasedTemplate, tmp_path: Path, release_target_env: Path
) -> None:
    """Same source -> same bundle hashes, also after touching a source file (a real rebuild)."""
    project = released_template.project
    first = released_template.report.files
    time.sleep(1.0)
    (project.engine / "src" / "lib.rs").touch()
    again = release(project, ReleaseOptions(ui=False, wheel=False, out_dir=tmp_path / "o",
                                            editor=False))
    bundle_files = {k: v for k, v in first.items() if not k.endswith(".whl")}
    assert again.files == bundle_files


@pytest.mark.slow
def test_template_release_with_ui(
    released_template: ReleasedTemplate, tmp_path: Path, release_target_env: Path
) -> None:
    require_tool("npm", "install Node.js 20+ with npm (apt-get install nodejs npm)")
    project = released_template.project
    report = release(project, ReleaseOptions(wheel=False, out_dir=tmp_path / "o"))
    assert project.ui is not None and (project.ui / "dist" / "index.html").is_file()
    assert report.timings["npm_build"] > 0



@pytest.mark.slow
def test_wheel_carries_the_bundle_library_compiled_once(
    released_template: ReleasedTemplate, cargo_target_dir: Path
) -> None:
    """One release compile: maturin's cargo found the release build fresh (the template's
    crate-type is ["cdylib", "rlib"], so this needs the release build to be maturin's own
    `cargo rustc --crate-type cdylib`), and the wheel holds the bundles' very bytes."""
    report = released_template.report
    assert report.wheel is not None
    log = (cargo_target_dir / WHEEL_DIR / report.identity.crate / "maturin.log").read_text()
    assert "Compiling" not in log, log
    with zipfile.ZipFile(report.wheel) as zf:
        libs = [n for n in zf.namelist() if n.endswith(".so")]
        assert len(libs) == 1 and zf.read(libs[0]) == report.bundles["clap"].read_bytes()


_RENDER = """
import sys
import numpy as np
import rel_synth
block = np.load(sys.argv[1])
with rel_synth.Processor(sample_rate=48_000, input_gain_level=-6.0) as proc:
    out = np.concatenate([proc.process(np.ascontiguousarray(block[:, i:i + 512]))
                          for i in range(0, block.shape[1], 512)], axis=1)
np.save(sys.argv[2], out)
"""


@pytest.mark.slow
def test_wheel_renders_the_same_audio_as_the_vst3_in_pedalboard(
    wheel_python: Path, released_template: ReleasedTemplate, tmp_path: Path
) -> None:
    """The same input through the wheel (a fresh venv) and through the VST3 bundle in a real
    host gives the same output: one library, two packagings."""
    pedalboard: Any = require_module("pedalboard", "pip install -e '.[test]' (pedalboard>=0.9)")
    sr = 48_000
    t = np.arange(sr // 2, dtype=np.float64) / sr
    rng = np.random.default_rng(7)
    mono = 0.25 * np.sin(2 * np.pi * 440.0 * t) + 0.05 * rng.standard_normal(t.size)
    block = np.stack([mono, mono[::-1]]).astype(np.float32)
    np.save(tmp_path / "in.npy", block)
    done = subprocess.run(
        [str(wheel_python), "-I", "-c", _RENDER, str(tmp_path / "in.npy"),
         str(tmp_path / "out.npy")],
        capture_output=True, text=True, cwd=tmp_path, check=False, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    from_wheel = np.load(tmp_path / "out.npy")

    plugin = pedalboard.load_plugin(str(released_template.report.bundles["vst3"]))
    plugin.input_level = -6.0
    from_vst3 = plugin(block, sr, buffer_size=512)
    assert from_vst3.shape == from_wheel.shape == block.shape
    skip = sr // 10  # both settle from the default level: compare past the smoothing
    assert _rms(from_wheel[:, skip:]) < 0.6 * _rms(block[:, skip:])  # -6 dB (and the filter)
    assert np.max(np.abs(from_wheel[:, skip:] - from_vst3[:, skip:])) < 1e-4
