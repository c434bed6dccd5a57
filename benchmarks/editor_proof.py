"""What the editor tests check in any host: the editor's pixels, its text, its controls.

``wait_painted`` polls captures of a window until the React app shows (not blank, the
parameter names readable by OCR). ``control_strip`` finds where a control is from two
captures taken before and after the host moved it, on the rows of its label
(``label_rows``, by OCR; ``busy_rows``: rows that change by themselves, left out).
``child_pids`` lists a host's children (the editor helper process); ``trace_events`` reads
the editor's trace file (``WAVECRAFT_EDITOR_TRACE``: the page's readiness and parameter
sets, test-only).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import xserver as xtools

__all__ = [
    "TRACE_ENV",
    "Painted",
    "Strip",
    "busy_rows",
    "control_strip",
    "label_rows",
    "locate_control",
    "names_read",
    "trace_events",
    "wait_painted",
]

TRACE_ENV = "WAVECRAFT_EDITOR_TRACE"
#: A capture whose pixels vary less than this (std of all channels) is blank.
BLANK_STD = 8.0


@dataclass(frozen=True)
class Painted:
    image: np.ndarray
    text: str
    seconds: float


def names_read(text: str, names: list[str]) -> list[str]:
    """The ``names`` whose every word OCR read (case-insensitive)."""
    words = set(text.lower().replace(":", " ").split())
    return [n for n in names if all(w.lower() in words for w in n.split())]


def wait_painted(window: int, names: list[str], work: Path, *, need: int = 3,
                 timeout: float = 60.0) -> Painted:
    """Poll until ``window`` shows at least ``need`` of ``names`` (OCR); the last capture."""
    start = time.monotonic()
    image = xtools.capture(window)
    text = ""
    while time.monotonic() - start < timeout:
        image = xtools.capture(window)
        if image.std() > BLANK_STD:
            text = xtools.ocr(image, work)
            if len(names_read(text, names)) >= need:
                return Painted(image, text, time.monotonic() - start)
        time.sleep(0.25)
    xtools.save_png(image, work / "not-painted.png")
    raise AssertionError(
        f"the editor did not show {need} of {names} within {timeout:.0f} s "
        f"(std {image.std():.1f}; OCR read {text!r}; capture {work / 'not-painted.png'})")


@dataclass(frozen=True)
class Strip:
    """Where a control moved: its row band and the column runs that changed in it."""
    top: int
    bottom: int
    runs: list[tuple[int, int]]

    @property
    def centre_y(self) -> int:
        return (self.top + self.bottom) // 2

    def run_centre(self, index: int) -> int:
        left, right = self.runs[index]
        return (left + right) // 2


def _changed(a: np.ndarray, b: np.ndarray, threshold: int) -> np.ndarray:
    return np.asarray(np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=-1) > threshold)


def busy_rows(window: int, *, seconds: float = 1.0, samples: int = 5,
              threshold: int = 24) -> np.ndarray:
    """Rows of ``window`` that change by themselves (meters, a status line), as a mask."""
    first = xtools.capture(window)
    busy = np.zeros(first.shape[0], bool)
    for _ in range(samples - 1):
        time.sleep(seconds / (samples - 1))
        busy |= _changed(first, xtools.capture(window), threshold).any(axis=1)
    return busy


def control_strip(before: np.ndarray, after: np.ndarray, *, ignore_rows: np.ndarray | None = None,
                  rows: tuple[int, int] | None = None, threshold: int = 24,
                  gap: int = 12) -> Strip | None:
    """The band of rows where most pixels changed (only ``rows`` (first, last) if given;
    ``ignore_rows`` left out), and its changed column runs (a slider moved end to end shows
    its thumb's two places)."""
    diff = _changed(before, after, threshold)
    if ignore_rows is not None:
        diff[ignore_rows] = False
    if rows is not None:
        diff[: max(rows[0], 0)] = False
        diff[rows[1] + 1:] = False
    per_row = diff.sum(axis=1)
    if per_row.max(initial=0) == 0:
        return None
    peak = int(per_row.argmax())
    top = bottom = peak
    while top > 0 and per_row[top - 1] > 0:
        top -= 1
    while bottom < len(per_row) - 1 and per_row[bottom + 1] > 0:
        bottom += 1
    cols = np.nonzero(diff[top: bottom + 1].any(axis=0))[0]
    runs: list[tuple[int, int]] = []
    for col in cols.tolist():
        if runs and col - runs[-1][1] <= gap:
            runs[-1] = (runs[-1][0], col)
        else:
            runs.append((col, col))
    return Strip(top, bottom, runs)


def label_rows(image: np.ndarray, label: str, work: Path, *, reach: int = 14) -> tuple[int, int]:
    """The rows of the control labelled ``label``: its label's line, ``reach`` px either
    side (a slider sits on its label's line; meters elsewhere move with the sound)."""
    box = xtools.find_text(image, label, work)
    if box is None:
        raise AssertionError(f"OCR did not find the label {label!r} on the page")
    middle = box[1] + box[3] // 2
    return middle - reach, middle + reach


def locate_control(window: int, label: str, to_low: Callable[[], object],
                   to_high: Callable[[], object], work: Path,
                   timeout: float = 10.0) -> Strip | None:
    """Where the control labelled ``label`` is: the host moves it to one end (``to_low``),
    then the other (``to_high``); the strip of its label's rows that changed, or None if
    nothing moved within ``timeout``."""
    to_low()
    busy = busy_rows(window)
    low = xtools.capture(window)
    rows = label_rows(low, label, work)
    to_high()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.2)
        strip = control_strip(low, xtools.capture(window), ignore_rows=busy, rows=rows)
        if strip is not None:
            return strip
    return None


def trace_events(path: Path) -> list[dict[str, Any]]:
    """The editor's trace lines (JSON objects with ``event``, ``t_ms``, ``params``)."""
    if not path.is_file():
        return []
    events = []
    for line in path.read_text().splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line being written right now
    return events
