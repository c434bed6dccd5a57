"""What bounds an extraction: the frame size limit, the whole-extraction deadline, the ids.

A plugin's getter may return any amount of bytes; the child forwards at most
``_frames.MAX_PAYLOAD`` of them and the parent never reads more than a small multiple of it,
so a 256 MiB answer fails fast with the size error instead of filling the parent's memory.
``--timeout`` covers the child, the reading, the decoding and the schema check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wavecraft_build import _schema, errors
from wavecraft_build.extract import RawExtraction, _frames, decode

# Runs the CLI in-process and appends the process's own peak RSS (KiB) as the last line of
# stderr: the extraction child's memory is its own, the parent's is what is bounded here.
# VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss across fork + exec, so it would
# report the pytest process's size at the fork (130 MiB late in a full run), not this one's.
_WITH_RSS = (
    "import sys\n"
    "from wavecraft_build.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "with open('/proc/self/status') as status:\n"
    "    hwm = next(ln.split()[1] for ln in status if ln.startswith('VmHWM:'))\n"
    "print(f'rss_kib={hwm}', file=sys.stderr)\n"
    "sys.exit(code)\n"
)


@pytest.mark.parametrize("route", [(), ("--json",)], ids=["table", "json"])
def test_a_huge_answer_fails_fast_with_the_size_error(
    fixture_lib: Path, tmp_path: Path, route: tuple[str, ...]
) -> None:
    env = {**os.environ, "WAVECRAFT_FIXTURE_MODE": "huge",
           "WAVECRAFT_CACHE_DIR": str(tmp_path / "cache")}
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _WITH_RSS, "extract", *route, "--timeout", "5", str(fixture_lib)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    took = time.monotonic() - start
    *message, rss = done.stderr.strip().splitlines()
    assert done.returncode == errors.TooLarge.exit_code, done.stderr[-2000:]
    assert "error[too large]" in message[0] and "16 MiB" in message[0], message
    assert "wavecraft_get_params_json" in message[0] and str(fixture_lib) in message[0]
    assert len(message) == 2 and "hint:" in message[1]
    assert done.stdout == ""
    assert took < 30, took  # the old code took ~54 s here; the figure is the child's alone
    peak_mib = int(rss.removeprefix("rss_kib=")) / 1024
    assert peak_mib < 4 * _frames.MAX_PAYLOAD / 2**20 + 64, f"parent peaked at {peak_mib:.0f} MiB"
    assert not (tmp_path / "cache" / "entries").exists()


def test_frames_beyond_the_limit_are_not_read(tmp_path: Path) -> None:
    # Plugin code can write to the frames descriptor itself: a report larger than any the
    # child makes is refused by its size, before it is read.
    from wavecraft_build.extract import _read_report

    path = tmp_path / "frames"
    with path.open("wb") as fh:
        fh.truncate(3 * _frames.MAX_PAYLOAD)  # sparse: costs no disk
    with path.open("rb") as fh, pytest.raises(errors.TooLarge, match="16 MiB"):
        _read_report(fh, "lib.so")


def test_the_deadline_covers_decoding(tmp_path: Path) -> None:
    # The timeout began when the child got the path; decoding after it has passed stops.
    params = json.dumps([{"id": "gain_level", "name": "Level", "type": "float", "value": 1,
                          "default": 1, "min": 0, "max": 2}]).encode()
    late = RawExtraction(params, None, "", deadline=time.monotonic() - 1, timeout=2)
    with pytest.raises(errors.ExtractionTimeout, match="within 2 s"):
        decode(late, tmp_path / "lib.so")
    in_time = RawExtraction(params, None, "", deadline=time.monotonic() + 60, timeout=60)
    assert decode(in_time, tmp_path / "lib.so").ids == ("gain_level",)


@pytest.mark.parametrize("bad", ["gain_level\n", "gain\0level", "gain_\u0661", "gain_\uff11",
                                 "gain_level\n\n", "\ngain_level"])
def test_ids_must_match_the_whole_pattern(bad: str) -> None:
    param = {"id": bad, "name": "Level", "type": "float", "value": 1, "default": 1, "min": 0,
             "max": 2}
    with pytest.raises(errors.SchemaViolation, match="must match"):
        _schema.check([param], None, source="lib.so")
