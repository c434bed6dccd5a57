"""Golden audio files: ``assert_matches_golden(name, audio)`` against ``tests/golden/<name>.wav``.

A ``GoldenStore`` knows the golden folder, the results folder and whether this run
updates the goldens (pytest's ``--update-golden``). Comparing: a missing golden fails and
says how to create it; a difference beyond the tolerance fails with the figures of
``compare.Comparison.describe()`` and writes ``actual.wav``, ``difference.wav`` and
``<name>.png`` into ``<results>/<name>/``, whose path the message prints. Updating: the
file is written (atomically; an unchanged file keeps its mtime) and the change is recorded
in ``store.changes`` for the end-of-run summary. Golden files are float32 WAVs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from wavecraft_build.sound.signals import DEFAULT_RATE
from wavecraft_build.sound.wav import Audio, read_wav, write_wav
from wavecraft_build.testing.compare import Comparison, Tolerance, compare

__all__ = ["GoldenStore", "assert_matches_golden", "configure", "current_store"]

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$")


@dataclass
class GoldenStore:
    """Where goldens live, where failure artefacts go, and whether to rewrite goldens."""

    golden_dir: Path
    results_dir: Path
    update: bool = False
    #: ``(name, what happened)`` for every golden written in update mode.
    changes: list[tuple[str, str]] = field(default_factory=list)

    def path(self, name: str) -> Path:
        if not _NAME.match(name) or ".." in name:
            raise ValueError(f"golden name {name!r}: use letters, digits, '_', '-', '.' "
                             "and '/' between folders")
        return self.golden_dir / f"{name}.wav"

    def check(self, name: str, audio: Audio, *, sample_rate: int = DEFAULT_RATE,
              tolerance: Tolerance | None = None) -> Comparison | None:
        """Compare (or, when updating, write) ``name``; None when it was written."""
        path = self.path(name)
        if self.update:
            self._write(name, path, audio, sample_rate, tolerance)
            return None
        if not path.is_file():
            raise AssertionError(
                f"golden {name!r}: no golden file {path}\n  hint: run `nox -s test -- "
                "--update-golden` to create it, listen to it, and commit it")
        reference, rate = read_wav(path)
        if rate != sample_rate:
            raise AssertionError(f"golden {name!r}: rendered at {sample_rate} Hz, the golden "
                                 f"file is at {rate} Hz ({path})")
        return compare(audio, reference, sample_rate, tolerance, name=name)

    def _write(self, name: str, path: Path, audio: Audio, rate: int,
               tolerance: Tolerance | None) -> None:
        before = None
        if path.is_file():
            try:
                before = read_wav(path)
            except ValueError:
                before = None
        if not write_wav(path, audio, rate):
            return  # unchanged bytes: nothing to report
        if before is None:
            self.changes.append((name, f"new: {path}"))
            return
        old, old_rate = before
        if old.shape != audio.shape or old_rate != rate:
            self.changes.append((name, f"replaced: shape {old.shape} -> {audio.shape}, "
                                       f"{old_rate} -> {rate} Hz"))
            return
        c = compare(audio, old, rate, tolerance, name=name)
        self.changes.append((name, f"changed: level {c.level_db:+.2f} dB, difference "
                                   f"{c.rms_db:.1f} dB RMS, max sample error {c.max_abs:.3g}"))

    def assert_matches(self, name: str, audio: Audio, *, sample_rate: int = DEFAULT_RATE,
                       rms_db: float | None = None, max_abs: float | None = None) -> None:
        """Fail (AssertionError with figures and the results folder) unless ``audio``
        matches the golden ``name`` within the tolerance (defaults: ``Tolerance()``)."""
        base = Tolerance()
        tolerance = Tolerance(base.rms_db if rms_db is None else rms_db,
                              base.max_abs if max_abs is None else max_abs)
        result = self.check(name, audio, sample_rate=sample_rate, tolerance=tolerance)
        if result is None or result.passed:
            return
        folder = self._write_results(name, audio, sample_rate, result)
        raise AssertionError(f"{result.describe()}\n  results: {folder}")

    def _write_results(self, name: str, audio: Audio, rate: int, result: Comparison) -> Path:
        folder = self.results_dir / name
        folder.mkdir(parents=True, exist_ok=True)
        write_wav(folder / "actual.wav", audio, rate)
        if result.shape_error is None:
            reference, _ = read_wav(self.path(name))
            write_wav(folder / "difference.wav", audio - reference, rate)
            from wavecraft_build.testing.plots import comparison_png

            title = (f"golden {name!r}: level {result.level_db:+.2f} dB, difference "
                     f"{result.rms_db:.1f} dB RMS re the golden")
            png = comparison_png(title, audio, reference, rate, result.max_channel)
            (folder / f"{Path(name).name}.png").write_bytes(png)
        return folder


_current: list[GoldenStore] = []


def configure(store: GoldenStore) -> None:
    """Make ``store`` the one ``assert_matches_golden`` uses (the pytest plugin does this)."""
    _current[:] = [store]


def current_store() -> GoldenStore:
    """The configured store, else ``tests/golden`` and ``tests/results`` under the cwd."""
    if not _current:
        root = Path.cwd() / "tests"
        _current.append(GoldenStore(root / "golden", root / "results"))
    return _current[0]


def assert_matches_golden(name: str, audio: Audio, *, sample_rate: int = DEFAULT_RATE,
                          rms_db: float | None = None, max_abs: float | None = None) -> None:
    """``audio`` (channels, samples) must match ``tests/golden/<name>.wav``.

    ``rms_db``: the largest allowed RMS of the difference, in dB relative to the golden's
    RMS (default -80); ``max_abs``: the largest allowed sample error (default 1e-4).
    """
    current_store().assert_matches(name, audio, sample_rate=sample_rate, rms_db=rms_db,
                                   max_abs=max_abs)
