"""Progress output: plain lines off a TTY, nothing with --quiet, cargo output with --verbose."""

from __future__ import annotations

import io

from wavecraft_build.pipeline import cargo_build, codegen
from wavecraft_build.progress import PlainReporter, RecordingReporter, RichReporter


def _drive(reporter: RecordingReporter) -> None:
    reporter.step(cargo_build)
    reporter.cargo_message({"reason": "compiler-artifact", "target": {"name": "nice_plug"}})
    reporter.cargo_message({"reason": "compiler-artifact", "target": {"name": "my_synth"}})
    reporter.tool_output(b"   Compiling my_synth v0.1.0\n")
    reporter.step(codegen)
    reporter.finish()
    reporter.close()


def test_plain_reporter_prints_steps_and_timings() -> None:
    out = io.StringIO()
    reporter = PlainReporter(stream=out)
    _drive(reporter)
    text = out.getvalue()
    assert "wavecraft-build: cargo build\n" in text and "wavecraft-build: codegen\n" in text
    assert "done in" in text and "Compiling" not in text and "\x1b" not in text
    assert reporter.crates == 2


def test_verbose_shows_cargo_output_and_quiet_shows_nothing() -> None:
    out = io.StringIO()
    _drive(PlainReporter(verbose=True, stream=out))
    assert "Compiling my_synth" in out.getvalue()
    quiet = io.StringIO()
    _drive(RecordingReporter(stream=quiet))
    assert quiet.getvalue() == ""


def test_rich_reporter_ends_with_timings() -> None:
    out = io.StringIO()
    reporter = RichReporter(stream=out)
    _drive(reporter)
    assert "done in" in out.getvalue()
    assert reporter.status is None  # the live line is stopped, the terminal left clean
