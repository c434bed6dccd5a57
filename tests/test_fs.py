"""``_fs.write_atomic``: whole files or none, untouched when unchanged, no temp file left."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wavecraft_build import _fs
from wavecraft_build._fs import write_atomic


def test_writes_replaces_and_keeps_an_unchanged_file_untouched(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "folder" / "file.json"
    assert write_atomic(target, "one") and target.read_text() == "one"
    os.utime(target, ns=(1, 1))
    assert not write_atomic(str(target), b"one")  # a str path too; same bytes: no write
    assert target.stat().st_mtime_ns == 1
    assert write_atomic(target, "two", mode=0o600) and target.read_text() == "two"
    assert target.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.json"]


def test_a_taken_temp_name_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What another process (or a recycled pid) may leave: the next temp names already exist.
    monkeypatch.setattr(_fs, "_counter", 0)
    for n in (1, 2):
        (tmp_path / f".file.{os.getpid()}-{n}.tmp").write_text("someone else's")
    assert write_atomic(tmp_path / "file", "mine")
    assert (tmp_path / "file").read_text() == "mine"
    assert (tmp_path / f".file.{os.getpid()}-1.tmp").read_text() == "someone else's"


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "file"
    write_atomic(target, "old")

    def refuse(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", refuse)
    with pytest.raises(OSError, match="No space"):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["file"]
