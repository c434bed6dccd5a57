"""The real template, end to end: scaffold, build both ways, read the parameters.

Slow on a cold target dir (nice-plug compiles in debug and release, about two minutes on
two cores); seconds once ``cargo_target_dir`` is warm.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection
from fixtures_template import TemplateProject, copy_sdk, run_cargo

from wavecraft_build.extract import extract_params
from wavecraft_build.runtime import Processor

pytestmark = pytest.mark.slow

CONTRACT = (
    "wavecraft_get_params_json",
    "wavecraft_get_processors_json",
    "wavecraft_free_string",
    "wavecraft_dev_create_processor",
    "wavecraft_dev_unwinding",
)
HOST_ENTRY_POINTS = ("clap_entry", "GetPluginFactory")
EXPECTED_IDS = (
    "input_gain_level",
    "filter_enabled",
    "filter_mode",
    "filter_cutoff",
    "output_gain_level",
    "output_gain_invert",
)


def exported(lib: Path) -> set[str]:
    """Defined dynamic symbols, read without loading the library."""
    with lib.open("rb") as fh:
        section = ELFFile(fh).get_section_by_name(".dynsym")
        assert isinstance(section, SymbolTableSection)
        return {s.name for s in section.iter_symbols() if s["st_shndx"] != "SHN_UNDEF"}


def cargo_test(crate_dir: Path, target_dir: Path) -> str:
    done = run_cargo(crate_dir, ["test"], target_dir)
    assert done.returncode == 0, f"cargo test failed in {crate_dir}:\n{done.stdout[-3000:]}"
    return done.stdout


def test_discovery_build_exports_the_contract_and_no_host_entry_points(
    template_project: TemplateProject,
) -> None:
    symbols = exported(template_project.discovery_lib)
    assert set(CONTRACT) <= symbols
    assert not set(HOST_ENTRY_POINTS) & symbols


def test_release_build_exports_vst3_and_clap(template_project: TemplateProject) -> None:
    symbols = exported(template_project.release_lib)
    assert set(HOST_ENTRY_POINTS) <= symbols
    assert set(CONTRACT) <= symbols


def test_extract_reads_the_parameters(template_project: TemplateProject) -> None:
    result = extract_params(template_project.discovery_lib, timeout=30.0)
    assert result.ids == EXPECTED_IDS
    by_id = {p.id: p for p in result.parameters}
    level = by_id["input_gain_level"]
    assert (level.type, level.min, level.max, level.default, level.unit) == (
        "float",
        -24.0,
        24.0,
        0.0,
        "dB",
    )
    assert by_id["filter_enabled"].type == "bool"
    assert (by_id["filter_enabled"].min, by_id["filter_enabled"].max) == (0.0, 1.0)
    assert by_id["filter_enabled"].default == 1.0
    mode = by_id["filter_mode"]
    assert mode.type == "enum"
    assert mode.variants == ("Low-pass", "High-pass", "Band-pass")
    assert (mode.min, mode.max, mode.default) == (0.0, 2.0, 0.0)
    assert by_id["filter_cutoff"].unit == "Hz"
    assert all(p.value == p.default for p in result.parameters)
    assert [p.id for p in result.processors] == ["input_gain", "filter", "output_gain"]


def test_dev_vtable_runs_the_dsp(template_project: TemplateProject) -> None:
    with Processor.load(template_project.discovery_lib) as proc:
        proc.set_params({"filter_enabled": False, "input_gain_level": 6.0})
        out = proc.process(np.full((2, 512), 0.25, dtype=np.float32))
        np.testing.assert_allclose(out[:, -1], 0.25 * 10 ** (6 / 20), rtol=1e-5)
        proc.reset()
        proc.set_params({"filter_enabled": True, "filter_mode": "High-pass"})
        out = proc.process(np.full((2, 48_000), 0.5, dtype=np.float32))
        assert np.max(np.abs(out[:, -4_800:])) < 1e-3  # DC removed


def test_building_leaves_the_rendered_files_alone(template_project: TemplateProject) -> None:
    """Right after `new`, both builds succeed without touching a file: in particular the
    shipped Cargo.lock is complete and already in cargo's order, so it is not rewritten."""
    project = template_project.project_dir
    assert "engine/Cargo.lock" in template_project.rendered
    for rel, data in template_project.rendered.items():
        assert (project / rel).read_bytes() == data, f"{rel} changed during the build"


def test_engine_dsp_tests_pass(template_project: TemplateProject, cargo_target_dir: Path) -> None:
    out = cargo_test(template_project.engine_dir, cargo_target_dir)
    assert "test cutoff_is_minus_3_db ... ok" in out
    assert "test cutoff_jumps_are_smoothed_not_stepped ... ok" in out
    # The SDK's counting allocator over 10,000 blocks with notes: the audio path allocates
    # nothing (harness = false, so this is its own line on stdout).
    assert "no_alloc: 10000 blocks with notes, 0 allocations" in out


def test_vendored_sdk_tests_pass(template_project: TemplateProject, cargo_target_dir: Path) -> None:
    out = cargo_test(template_project.project_dir / "sdk" / "wavecraft-sdk", cargo_target_dir)
    assert "test chain_of_four_with_repeats ... ok" in out
    # A watchdog can tell a call that is reporting a panic from a hung one (ffi.rs).
    assert ("test the_flag_is_up_while_a_call_unwinds_and_down_when_the_next_call_begins"
            " ... ok") in out
    assert "no_leak: 10000 rounds" in out
    assert "no_alloc: 10000 blocks, 0 allocations" in out


OFFENDER = """\
use std::sync::OnceLock;

static SPECS: OnceLock<Vec<String>> = OnceLock::new();

thread_local! {
    static SCRATCH: Vec<u8> = Vec::new();
}

#[test]
fn offends() {
    let leaked: &'static mut String = Box::leak(Box::new(String::new()));
    assert!(SPECS.get().is_none() && leaked.is_empty());
}
"""


def test_sdk_keeps_no_global_state_per_clippy(tmp_path: Path, cargo_target_dir: Path) -> None:
    """One clippy run over a copy of the SDK plus a test file that breaks every rule:
    clippy.toml's lints must flag that file, and nothing in the SDK itself."""
    sdk = copy_sdk(tmp_path)
    (sdk / "tests" / "offender.rs").write_text(OFFENDER)
    done = run_cargo(sdk, ["clippy", "--all-targets", "--features", "_param-discovery",
                           "--message-format=short"], cargo_target_dir / "sdk-clippy")
    errors = [ln for ln in done.stderr.splitlines() if ": error" in ln]
    assert done.returncode != 0, done.stderr[-3000:]
    assert errors and all("tests/offender.rs" in ln for ln in errors), "\n".join(errors)
    for what in ("type `std::sync::OnceLock`", "method `std::boxed::Box::leak`",
                 "macro `std::thread_local`"):
        assert any(what in ln for ln in errors), (what, errors)
