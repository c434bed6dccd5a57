"""``_fastpath.extract_request``: which command lines skip argparse, and which do not."""

from __future__ import annotations

from pathlib import Path

import pytest

from wavecraft_build._fastpath import extract_request


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["extract", "--json", "LIB"], ("LIB", False, None)),
        (["extract", "LIB", "--json"], ("LIB", False, None)),
        (["extract", "--json", "--no-cache", "LIB"], ("LIB", True, None)),
        (["extract", "--timeout", "2.5", "--json", "LIB"], ("LIB", False, 2.5)),
        (["extract", "--timeout=7", "LIB", "--json", "-q"], ("LIB", False, 7.0)),
        (["extract", "-v", "--json", "LIB", "--no-cache"], ("LIB", True, None)),
    ],
)
def test_the_plain_forms_are_recognised(argv: list[str],
                                        expected: tuple[str, bool, float | None]) -> None:
    assert extract_request(argv) == expected


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["build", "--json", "LIB"],
        ["extract", "LIB"],  # the table: the full CLI prints it
        ["extract", "--json"],  # no path: argparse's default (".") and message
        ["extract", "--json", "A", "B"],
        ["extract", "--json", "--json", "LIB"],  # argparse decides what a repeat means
        ["extract", "--json", "-q", "-v", "LIB"],  # mutually exclusive: argparse's error
        ["extract", "--json", "--timeout", "0", "LIB"],
        ["extract", "--json", "--timeout", "3601", "LIB"],
        ["extract", "--json", "--timeout", "nan", "LIB"],
        ["extract", "--json", "--timeout", "soon", "LIB"],
        ["extract", "--json", "LIB", "--timeout"],
        ["extract", "--js", "LIB"],  # an abbreviation
        ["extract", "--json", "--help", "LIB"],
        ["extract", "--json", "-", "LIB"],
        ["extract", "--json", ""],  # the parser reads "" as ".", a project folder
    ],
)
def test_anything_else_goes_to_argparse(argv: list[str]) -> None:
    assert extract_request(argv) is None


def test_a_folder_is_built_first_by_the_full_cli(tmp_path: Path) -> None:
    assert extract_request(["extract", "--json", str(tmp_path)]) is None
    lib = tmp_path / "lib.so"
    lib.write_bytes(b"")
    assert extract_request(["extract", "--json", str(lib)]) == (str(lib), False, None)
