"""The dev engine's guide says what the code does: flags, events, paths; the protocol page is
generated from ``engine/protocol.py`` at build time (``tests/test_docs.py`` checks it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wavecraft_build.cli import build_parser
from wavecraft_build.engine.protocol_doc import BEGIN

REPO = Path(__file__).resolve().parent.parent
GUIDE = (REPO / "docs" / "guide" / "dev-engine.md").read_text()

FLAGS = ("--no-engine", "--port", "--sample-rate", "--block-size", "--input", "--audio-out")


def test_no_hand_copied_protocol_tables_are_left() -> None:
    for doc in [REPO / "README.md", *(REPO / "docs").rglob("*.md")]:
        assert BEGIN not in doc.read_text(), f"{doc}: the protocol page is generated, not pasted"


def test_the_guide_names_every_engine_flag_and_event(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["dev", "--help"])
    help_text = capsys.readouterr().out
    for flag in FLAGS:
        assert flag in help_text, flag
        assert f"`{flag}" in GUIDE, flag
    for event in ("engine_started", "engine_swapped", "engine_failed", "ui_url"):
        assert f"`{event}`" in GUIDE, event
    for path in re.findall(r"`(wavecraft_build/[\w/]+\.py)`", GUIDE):
        assert (REPO / path).is_file(), path
