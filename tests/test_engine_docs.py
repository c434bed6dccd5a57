"""The README's dev-engine section says what the code does: protocol tables, flags, events."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wavecraft_build.cli import build_parser
from wavecraft_build.engine.protocol_doc import markdown

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_readme_protocol_tables_are_the_generated_ones() -> None:
    assert markdown() in README, (
        "README protocol tables are stale: paste `python -m wavecraft_build.engine.protocol_doc`"
    )


FLAGS = ("--no-engine", "--port", "--sample-rate", "--block-size", "--input", "--audio-out")


def test_readme_names_every_engine_flag_and_event(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["dev", "--help"])
    help_text = capsys.readouterr().out
    section = README.split("## Dev engine", 1)[1].split("\n## ", 1)[0]
    for flag in FLAGS:
        assert flag in help_text, flag
        assert f"`{flag}" in section, flag
    for event in ("engine_started", "engine_swapped", "engine_failed", "ui_url"):
        assert f"`{event}`" in section, event
    for path in re.findall(r"`(wavecraft_build/[\w/]+\.py)`", section):
        assert (Path(__file__).resolve().parent.parent / path).is_file(), path
