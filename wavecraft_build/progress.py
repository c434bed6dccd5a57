"""Progress output for long work: what the pipeline's ``Reporter`` turns into on screen.

Three kinds, chosen by ``make_reporter``:
- ``RichReporter`` (a TTY): a live status line with a spinner, cargo's progress summarised
  as crates compiled so far and the current crate, then each step's time at the end.
- ``PlainReporter`` (not a TTY, e.g. CI logs): one line per step, no terminal codes.
- ``RecordingReporter`` (``--quiet``, and the base of the other two): records each step
  and its time, counts cargo's crates, shows nothing.
``--verbose`` adds cargo's own output (stderr) after the build, in every mode.
All of it goes to stderr, so stdout stays the command's result (tables, JSON).
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from typing import IO, Any

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see errors.py)
if TYPE_CHECKING:  # rich is imported only when a terminal will show it (start-up time)
    from rich.status import Status

    from wavecraft_build.steps import Step

__all__ = ["PlainReporter", "RecordingReporter", "RichReporter", "make_reporter", "reporting"]


class RecordingReporter:
    """Records steps and timings and shows nothing: ``--quiet``, and the others' base."""

    def __init__(self, verbose: bool = False, stream: IO[str] | None = None):
        self.verbose = verbose
        self.stream = stream or sys.stderr
        self.crates = 0
        self.started = time.perf_counter()
        self.steps: list[tuple[str, float]] = []

    def step(self, step: Step[Any]) -> None:
        self.steps.append((step.label, time.perf_counter()))

    def cargo_message(self, msg: dict[str, Any]) -> None:
        if msg.get("reason") == "compiler-artifact":
            self.crates += 1

    def tool_output(self, data: bytes) -> None:
        if self.verbose and data:
            self.stream.write(data.decode("utf-8", "replace"))

    def finish(self) -> None:
        """The work succeeded: show the timings."""

    def close(self) -> None:
        """The work ended (either way): leave the terminal clean."""

    def timings(self) -> str:
        now = time.perf_counter()
        ends = [t for _, t in self.steps[1:]] + [now]
        spans = zip(self.steps, ends, strict=True)
        parts = [f"{name} {end - start:.2f}s" for (name, start), end in spans]
        return f"done in {now - self.started:.2f}s ({', '.join(parts)})"


class PlainReporter(RecordingReporter):
    def step(self, step: Step[Any]) -> None:
        super().step(step)
        print(f"wavecraft-build: {step.label}", file=self.stream, flush=True)

    def finish(self) -> None:
        print(f"wavecraft-build: {self.timings()}", file=self.stream, flush=True)


class RichReporter(RecordingReporter):
    def __init__(self, verbose: bool = False, stream: IO[str] | None = None):
        from rich.console import Console

        super().__init__(verbose, stream)
        self.console = Console(file=self.stream, stderr=stream is None)
        self.status: Status | None = None
        self.current = ""

    def _show(self, text: str) -> None:
        if self.status is None:
            self.status = self.console.status(text, spinner="dots")
            self.status.start()
        else:
            self.status.update(text)

    def step(self, step: Step[Any]) -> None:
        super().step(step)
        self.current = step.label
        self._show(step.label)

    def cargo_message(self, msg: dict[str, Any]) -> None:
        super().cargo_message(msg)
        if msg.get("reason") == "compiler-artifact":
            crate = str(msg.get("target", {}).get("name", ""))
            self._show(f"{self.current}: {self.crates} crates compiled, now {crate}")

    def tool_output(self, data: bytes) -> None:
        self._stop()
        super().tool_output(data)

    def _stop(self) -> None:
        if self.status is not None:
            self.status.stop()
            self.status = None

    def close(self) -> None:
        self._stop()

    def finish(self) -> None:
        self._stop()
        self.console.print(f"[green]✓[/green] {self.timings()}", highlight=False)


@contextlib.contextmanager
def reporting(*, quiet: bool = False, verbose: bool = False) -> Iterator[RecordingReporter]:
    """Progress for one command: timings on success, a clean terminal on any exit."""
    reporter = make_reporter(quiet=quiet, verbose=verbose)
    try:
        yield reporter
        reporter.finish()
    finally:
        reporter.close()


def make_reporter(*, quiet: bool = False, verbose: bool = False) -> RecordingReporter:
    if quiet:
        return RecordingReporter(verbose)
    if sys.stderr.isatty():
        return RichReporter(verbose)
    return PlainReporter(verbose)
