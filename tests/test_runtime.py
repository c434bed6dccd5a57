"""The in-process runtime: load the fixture plugin with cffi and check its DSP with numpy.

The fixture's processor multiplies audio by ``gain_level`` (0 when ``gain_mute`` >= 0.5),
so every expectation here is exact arithmetic on a known signal.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import _cffi_backend
import numpy as np
import numpy.typing as npt
import pytest
from test_codegen import import_file

from wavecraft_build.codegen import generate
from wavecraft_build.errors import RuntimeLoadError
from wavecraft_build.extract import extract_params
from wavecraft_build.metadata import ExtractionResult
from wavecraft_build.runtime import VTABLE_VERSION, DspPanic, Processor


@pytest.fixture(scope="module")
def fixture_params(fixture_lib: Path) -> ExtractionResult:
    return extract_params(fixture_lib)


@pytest.fixture
def proc(
    fixture_lib: Path, fixture_params: ExtractionResult, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Processor]:
    # The library's load-time initialiser and vtable getter read these in this process.
    for name in ("WAVECRAFT_FIXTURE_MODE", "WAVECRAFT_FIXTURE_VTABLE_VERSION"):
        monkeypatch.delenv(name, raising=False)
    with Processor(fixture_lib, fixture_params, sample_rate=44_100) as p:
        yield p


def sine(channels: int = 2, samples: int = 4096) -> npt.NDArray[np.float32]:
    t = np.arange(samples, dtype=np.float32) / np.float32(48_000)
    rows = [np.sin(2 * np.pi * 440 * (c + 1) * t) for c in range(channels)]
    return np.ascontiguousarray(np.stack(rows), dtype=np.float32)


def rms(x: npt.NDArray[np.float32]) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def test_default_gain_passes_audio_through(proc: Processor) -> None:
    x = sine()
    y = proc.process(x)
    assert y.dtype == np.float32 and y.shape == x.shape
    np.testing.assert_array_equal(y, x)
    assert y is not x and not np.shares_memory(x, y)


def test_gain_level_scales_the_output(proc: Processor) -> None:
    x = sine()
    original = x.copy()
    proc.set_param("gain_level", 0.5)
    y = proc.process(x)
    assert rms(y) == pytest.approx(rms(x) / 2, rel=1e-6)
    np.testing.assert_allclose(y, x * 0.5, rtol=0, atol=1e-7)
    np.testing.assert_array_equal(x, original)  # the input is never mutated
    proc.set_param("gain_level", 2.0)
    assert rms(proc.process(x)) == pytest.approx(rms(x) * 2, rel=1e-6)
    assert proc.values["gain_level"] == 2.0


def test_mute_gives_silence_and_unmute_restores(proc: Processor) -> None:
    x = sine()
    proc.set_param("gain_mute", True)
    assert not np.any(proc.process(x))
    proc.set_param("gain_mute", 0)
    np.testing.assert_array_equal(proc.process(x), x)


def test_every_channel_is_processed(proc: Processor) -> None:
    proc.set_param("gain_level", 0.25)
    for channels in (1, 2, 7):
        x = sine(channels, 33)
        np.testing.assert_allclose(proc.process(x), x * 0.25, atol=1e-7)


def test_empty_block(proc: Processor) -> None:
    assert proc.process(np.zeros((2, 0), dtype=np.float32)).shape == (2, 0)


@pytest.mark.parametrize(
    ("block", "error", "message"),
    [
        (np.zeros((2, 64), dtype=np.float64), TypeError, "float32.*got float64"),
        (np.zeros((2, 64), dtype=">f4"), TypeError, "float32"),
        (np.zeros(64, dtype=np.float32), ValueError, r"2-D block.*\(64,\)"),
        (np.zeros((1, 2, 64), dtype=np.float32), ValueError, "2-D block"),
        (np.zeros((64, 2), dtype=np.float32).T, ValueError, "C-contiguous"),
        (np.zeros((2, 128), dtype=np.float32)[:, ::2], ValueError, "C-contiguous"),
        (np.zeros((0, 64), dtype=np.float32), ValueError, "at least one channel"),
        ([[0.0, 0.1]], TypeError, "numpy array"),
    ],
)
def test_bad_blocks_are_rejected(
    proc: Processor, block: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        proc.process(block)  # type: ignore[arg-type]


def test_out_of_range_and_unknown_parameters(proc: Processor) -> None:
    with pytest.raises(ValueError, match=r"gain_level: 2\.5 is outside \[0, 2\]"):
        proc.set_param("gain_level", 2.5)
    with pytest.raises(ValueError, match="gain_level"):
        proc.set_param("gain_level", float("nan"))
    with pytest.raises(ValueError, match="bool parameter"):
        proc.set_param("gain_mute", 0.5)
    with pytest.raises(ValueError, match="enum parameter"):
        proc.set_param("filter_shape", 0.5)
    with pytest.raises(ValueError, match="not one of"):
        proc.set_param("filter_shape", "Bandpass")
    with pytest.raises(TypeError, match="expected a number"):
        proc.set_param("gain_level", "loud")
    with pytest.raises(KeyError, match="did you mean gain_level"):
        proc.set_param("gain_levle", 1.0)
    # A rejected batch applies nothing.
    with pytest.raises(ValueError, match="gain_mute"):
        proc.set_params({"gain_level": 0.0, "gain_mute": 3})
    assert proc.values["gain_level"] == 1.0
    np.testing.assert_array_equal(proc.process(sine()), sine())


def test_enum_by_name_and_sample_rate_and_reset(proc: Processor) -> None:
    proc.set_param("filter_shape", "Highpass")
    assert proc.values["filter_shape"] == 1.0
    proc.set_sample_rate(96_000)
    proc.reset()
    for bad in (0, -1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="sample rate"):
            proc.set_sample_rate(bad)


def test_close_is_idempotent_and_final(fixture_lib: Path, fixture_params: ExtractionResult) -> None:
    proc = Processor(fixture_lib, fixture_params.parameters)
    assert not proc.closed
    proc.close()
    proc.close()
    assert proc.closed
    with pytest.raises(RuntimeError, match="closed"):
        proc.process(sine())
    with pytest.raises(RuntimeError, match="closed"):
        proc.set_param("gain_level", 1.0)


def test_generated_bindings_drive_the_runtime(
    proc: Processor, fixture_params: ExtractionResult, tmp_path: Path
) -> None:
    """What a plugin author's test looks like: generated ParamId/Params with the runtime."""
    generate(fixture_params, ui_dir=None, python_module=tmp_path / "params.py")
    params = import_file(tmp_path / "params.py", "wc_test_runtime_params")
    low, high = params.RANGES[params.ParamId.GAIN_LEVEL]
    assert (low, high) == (0.0, 2.0)
    proc.set_param(params.ParamId.GAIN_LEVEL, high / 4)
    assert rms(proc.process(sine())) == pytest.approx(rms(sine()) / 2, rel=1e-6)
    with pytest.raises(ValueError, match="gain_level"):
        proc.set_param(params.ParamId.GAIN_LEVEL, high + 1)


def test_load_extracts_parameters_itself(
    fixture_lib: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WAVECRAFT_FIXTURE_MODE", raising=False)
    monkeypatch.delenv("WAVECRAFT_FIXTURE_VTABLE_VERSION", raising=False)
    with Processor.load(fixture_lib) as proc:
        assert [p.id for p in proc.parameters][:2] == ["gain_level", "gain_mute"]
        proc.set_param("gain_level", 0.5)
        assert rms(proc.process(sine())) == pytest.approx(rms(sine()) / 2, rel=1e-6)


def test_vtable_version_mismatch(
    fixture_lib: Path, fixture_params: ExtractionResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAVECRAFT_FIXTURE_VTABLE_VERSION", "1")
    with pytest.raises(RuntimeLoadError) as info:
        Processor(fixture_lib, fixture_params)
    text = info.value.render()
    assert f"expected {VTABLE_VERSION}, got 1" in text and "hint:" in text
    assert info.value.path == fixture_lib.resolve()


def test_a_panic_is_reported_by_the_call_that_panicked(
    fixture_lib: Path, fixture_params: ExtractionResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The SDK's status return and last_error: the exception names the call and the panic's
    # own message (not text scraped from stderr).
    monkeypatch.delenv("WAVECRAFT_FIXTURE_MODE_FILE", raising=False)
    monkeypatch.setenv("WAVECRAFT_FIXTURE_MODE", "dsp-panic")
    with Processor(fixture_lib, fixture_params) as proc, pytest.raises(DspPanic) as info:
        proc.process(sine())
    assert (info.value.call, info.value.message) == ("process", "fixture DSP panics in process")
    assert str(info.value) == "process() panicked: fixture DSP panics in process"
    monkeypatch.setenv("WAVECRAFT_FIXTURE_MODE", "create-panic")
    with pytest.raises(RuntimeLoadError, match="create panicked: fixture panics in create"):
        Processor(fixture_lib, fixture_params)


def test_missing_symbol_is_named(fixture_params: ExtractionResult) -> None:
    # Any real shared library without the symbol will do: cffi's own, already loaded.
    other = Path(_cffi_backend.__file__)
    with pytest.raises(RuntimeLoadError, match="wavecraft_dev_create_processor missing"):
        Processor(other, fixture_params)


def test_missing_library(tmp_path: Path, fixture_params: ExtractionResult) -> None:
    with pytest.raises(RuntimeLoadError, match="not found"):
        Processor(tmp_path / "libnope.so", fixture_params)
    garbage = tmp_path / "libgarbage.so"
    garbage.write_bytes(b"not an ELF file")
    with pytest.raises(RuntimeLoadError, match="cannot load plugin library"):
        Processor(garbage, fixture_params)
