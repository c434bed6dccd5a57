"""Find parameter ids the user's UI sources still name after a reload removed them.

A removed parameter already breaks ``tsc`` (ids are a union type), but Vite's dev server
does not type-check, and tsc's message is about types, not about the plugin. This check
reads the user's own sources (``src/**/*.ts(x)`` outside ``src/generated/``) for the two
ways a control names a parameter: a control element's ``id`` attribute
(``<FloatSlider id="gain_level" />``, also BoolToggle, EnumSelect, ParameterControl) and
``useParameter("gain_level")``, and returns each name that is not a current id, with its
file and line. Only these forms count, so an unrelated ``<div id="main">`` never does.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["StaleReference", "find_stale"]

_CONTROL = re.compile(
    r"<(?:FloatSlider|BoolToggle|EnumSelect|ParameterControl)\b[^>]*?\bid=\{?\s*"
    r"[\"']([^\"'\n]*)[\"']",
    re.DOTALL,
)
_HOOK = re.compile(r"\buseParameter\(\s*[\"']([^\"'\n]*)[\"']")
_SUFFIXES = (".ts", ".tsx")
_MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class StaleReference:
    """``path`` line ``line`` names parameter ``id``, which the plugin no longer declares."""

    path: Path
    line: int
    id: str


def _sources(src: Path) -> Iterator[Path]:
    generated = src / "generated"
    for path in sorted(src.rglob("*")):
        if path.suffix in _SUFFIXES and path.is_file() and generated not in path.parents:
            yield path


def _stale_references(text: str, ids: Collection[str]) -> Iterator[tuple[int, str]]:
    """(line, id) of each control or hook naming an id not in ``ids``; the line is counted
    only for those (a project with thousands of controls pays one membership test each)."""
    for pattern in (_CONTROL, _HOOK):
        for match in pattern.finditer(text):
            if match.group(1) not in ids:
                yield text.count("\n", 0, match.start(1)) + 1, match.group(1)


def find_stale(ui_dir: Path, ids: Collection[str]) -> list[StaleReference]:
    """Every control or hook in ``ui_dir/src`` naming an id not in ``ids`` (file order)."""
    src = ui_dir / "src"
    if not src.is_dir():
        return []
    found = []
    for path in _sources(src):
        try:
            if path.stat().st_size > _MAX_BYTES:
                continue  # not a hand-written component
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        refs = sorted(set(_stale_references(text, ids)))
        found += [StaleReference(path, line, pid) for line, pid in refs]
    return found
