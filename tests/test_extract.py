"""Extraction through the real child process: the normal case and every failure class."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from helpers import CRATES, snapshot_tree

from wavecraft_build import cargo, errors
from wavecraft_build.cache import ParamCache
from wavecraft_build.cargo import host_triple
from wavecraft_build.extract import Child, decode, extract_params, run_child
from wavecraft_build.pipeline import discover

TIMEOUT = 2.0
FEATURES = ("_param-discovery",)


@pytest.mark.parametrize(
    ("chain", "ids"),
    [
        ("gain,filter", ["gain_level", "gain_mute", "filter_cutoff", "filter_shape"]),
        (
            "gain,filter,gain",
            ["gain_level", "gain_mute", "filter_cutoff", "filter_shape",
             "gain_2_level", "gain_2_mute"],
        ),
        (
            "gain,gain,filter,gain",
            ["gain_level", "gain_mute", "gain_2_level", "gain_2_mute",
             "filter_cutoff", "filter_shape", "gain_3_level", "gain_3_mute"],
        ),
    ],
    ids=["2-processors", "3-processors", "4-processors-repeated"],
)
def test_chains_give_unique_ids(
    fixture_lib: Path, fixture_mode: pytest.MonkeyPatch, chain: str, ids: list[str]
) -> None:
    fixture_mode.setenv("WAVECRAFT_FIXTURE_CHAIN", chain)
    result = extract_params(fixture_lib, timeout=10)
    assert list(result.ids) == ids
    assert len(result.processors) == len(chain.split(","))
    shape = next(p for p in result.parameters if p.id == "filter_shape")
    assert shape.type == "enum" and shape.variants == ("Lowpass", "Highpass")


def test_plugin_printing_on_stdout_and_stderr_does_not_break_extraction(
    fixture_lib: Path, fixture_mode: pytest.MonkeyPatch
) -> None:
    # 'print' writes ~1 MB on stdout inside dlopen and more inside the getter.
    fixture_mode.setenv("WAVECRAFT_FIXTURE_MODE", "print")
    result = extract_params(fixture_lib, timeout=10)
    assert result.ids[0] == "gain_level"


CASES = [
    ("loop", errors.ExtractionTimeout, "`wavecraft_get_params_json` did not return within 2 s"),
    ("load-loop", errors.ExtractionTimeout, "`dlopen` did not return"),
    ("processors-loop", errors.ExtractionTimeout, "`wavecraft_get_processors_json`"),
    ("panic", errors.ExtractionCrashed, "SIGABRT during `wavecraft_get_params_json`"),
    ("segv", errors.ExtractionCrashed, "SIGSEGV"),
    ("exit", errors.ExtractionExited, "exit status 3"),
    ("null", errors.InvalidJson, "returned NULL"),
    ("bad-json", errors.InvalidJson, "line 1 column"),
    ("bad-utf8", errors.InvalidUtf8, "byte 0xff at offset 2"),
    ("schema", errors.SchemaViolation, "gain_level: min 2 > max 1"),
    ("duplicate", errors.DuplicateId, "gain_level: duplicate id"),
]


@pytest.mark.parametrize(("mode", "error", "text"), CASES, ids=[c[0] for c in CASES])
def test_failures_are_classified_in_time_and_leave_the_cache_alone(
    fixture_lib: Path,
    fixture_mode: pytest.MonkeyPatch,
    param_cache: ParamCache,
    mode: str,
    error: type[errors.WavecraftError],
    text: str,
) -> None:
    # A good entry for another library is already there; it must survive untouched.
    good, _ = discover(fixture_lib, features=("other",), target=host_triple(), timeout=10,
                       cache=param_cache)
    before = snapshot_tree(Path(param_cache.root) / "entries")
    fixture_mode.setenv("WAVECRAFT_FIXTURE_MODE", mode)
    start = time.monotonic()
    with pytest.raises(error) as info:
        discover(fixture_lib, features=FEATURES, target=host_triple(), timeout=TIMEOUT,
                 cache=param_cache)
    assert time.monotonic() - start < TIMEOUT + 10.0  # generous: the timeout is what counts
    assert type(info.value) is error
    rendered = info.value.render()
    assert text in rendered
    assert str(fixture_lib) in rendered and "hint:" in rendered
    assert len(rendered.splitlines()) <= 2
    assert snapshot_tree(Path(param_cache.root) / "entries") == before
    assert good.ids


def test_panic_message_is_quoted(fixture_lib: Path, fixture_mode: pytest.MonkeyPatch) -> None:
    fixture_mode.setenv("WAVECRAFT_FIXTURE_MODE", "panic")
    with pytest.raises(errors.ExtractionCrashed, match="fixture panics in wavecraft_get_params"):
        extract_params(fixture_lib, timeout=10)


def test_library_without_symbols_is_rejected_before_loading(
    cargo_target_dir: Path, fixture_mode: pytest.MonkeyPatch
) -> None:
    from helpers import build_fixture

    built = build_fixture(cargo_target_dir / "fixtures-nosym", features=("no-symbols",))
    # load-loop would hang in dlopen until the timeout: SymbolMissing (not ExtractionTimeout)
    # proves the check failed before any plugin code ran.
    fixture_mode.setenv("WAVECRAFT_FIXTURE_MODE", "load-loop")
    with pytest.raises(errors.SymbolMissing, match="wavecraft_get_params_json"):
        extract_params(built.artifact, timeout=30)


def test_missing_and_non_library_files(tmp_path: Path) -> None:
    with pytest.raises(errors.LibraryNotFound):
        extract_params(tmp_path / "nope.so")
    with pytest.raises(errors.LibraryNotFound):
        extract_params(tmp_path)
    junk = tmp_path / "libjunk.so"
    junk.write_bytes(b"\x7fELF garbage that is not an ELF file")
    with pytest.raises(errors.LoadFailed, match="not a shared library"):
        extract_params(junk)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(errors.LoadFailed, match="not a shared library: no ELF header"):
        extract_params(text)  # checked before dlopen: no plugin code runs


def test_committed_ffi_module_is_current() -> None:
    from wavecraft_build.extract import _ffi_build

    committed = Path(_ffi_build.__file__).with_name("_wavecraft_ffi.py").read_text()

    def strip(text: str) -> list[str]:
        # The _version line is the cffi release that generated it; any compatible one loads it.
        return [ln for ln in text.splitlines() if "_version" not in ln]

    assert strip(committed) == strip(_ffi_build.render())


@pytest.fixture(scope="session", params=["quiet", "chatty"])
def minimal_lib(request: pytest.FixtureRequest, cargo_target_dir: Path) -> Path:
    """tests/crates/minimal-plugin: only the two required symbols; `chatty` also prints."""
    features = ("_param-discovery", "chatty") if request.param == "chatty" else FEATURES
    return cargo.build(
        cargo.BuildRequest(
            manifest=CRATES / "minimal-plugin" / "Cargo.toml",
            features=features,
            target_dir=cargo_target_dir / f"minimal-{request.param}",
        )
    ).artifact


def test_a_library_with_only_the_required_symbols_extracts(minimal_lib: Path) -> None:
    raw = run_child(minimal_lib, timeout=10)
    assert raw.processors is None  # the optional getter is absent: simply absent
    result = decode(raw, minimal_lib)
    assert result.ids == ("gain_level",) and result.processors == ()
    if "chatty" in str(minimal_lib):
        for when in ("while loading", "while answering", "while freeing"):
            assert f"stdout {when}" in raw.log and f"stderr {when}" in raw.log


def test_an_error_in_the_child_itself_is_an_internal_error(tmp_path: Path) -> None:
    # dlopen of a path with a NUL byte raises TypeError in the child: our bug, not the plugin's.
    with pytest.raises(errors.InternalError) as info:
        Child().run(tmp_path / "lib\0.so", timeout=10)
    rendered = info.value.render()
    assert "TypeError" in rendered and "please report it" in rendered
    assert "exit status" not in rendered and len(rendered.splitlines()) == 2


def test_elf_reader_agrees_with_pyelftools(fixture_lib: Path, tmp_path: Path) -> None:
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection

    from wavecraft_build.extract._elf import NotElf, defined_dynamic_symbols

    system = [*sorted(Path("/usr/lib").glob("**/libz.so*"))[:1], Path(sys.executable).resolve()]
    for lib in [fixture_lib, *system]:
        with lib.open("rb") as fh:
            section = ELFFile(fh).get_section_by_name(".dynsym")
            assert isinstance(section, SymbolTableSection), lib
            expected = {s.name for s in section.iter_symbols() if s["st_shndx"] != "SHN_UNDEF"}
            assert defined_dynamic_symbols(fh) == expected, lib
    cut = tmp_path / "cut.so"
    cut.write_bytes(fixture_lib.read_bytes()[:4096])
    with cut.open("rb") as fh, pytest.raises(NotElf, match="truncated"):
        defined_dynamic_symbols(fh)
