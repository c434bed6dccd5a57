"""The parameter-id lock: the ids a release shipped, which later releases must keep.

A DAW stores automation and presets by parameter id, and a normalised value means a plain
value only through the parameter's type and range. So ``release`` records every released
id with its type, range and unit in ``wavecraft.lock.json`` at the project root (beside
pyproject.toml, committed by the author like Cargo.lock; JSON because it is written by
the tool and read by people in diffs, one id per entry). A later release whose source
removes or renames an id, or changes its type or range, stops with ``ReleaseError``
naming each id and what changed; ``--accept-param-changes`` rewrites the lock on purpose.
Added ids are recorded, never an error; a unit is recorded but changing it breaks nothing.
``check`` is the pure comparison the dev loop uses for its warning.

Presets store values by the same ids: a removed or renamed id that a preset in presets/
uses is named with that preset, and ``--accept-param-changes`` then lists the presets to
fix (the preset check stops the release on them until they are edited; nothing is
rewritten behind the author's back). ``new_ids`` are the ids added since the lock: a
preset that leaves one out loads with its default, which the release says once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from wavecraft_build._fs import write_atomic
from wavecraft_build.config import ProjectConfig
from wavecraft_build.errors import ReleaseError
from wavecraft_build.metadata import ExtractionResult, ParameterInfo
from wavecraft_build.presets import Preset

__all__ = ["ACCEPT_FLAG", "LOCK_NAME", "check", "lock_path", "new_ids", "read",
           "require_compatible", "warning", "write"]

LOCK_NAME = "wavecraft.lock.json"
ACCEPT_FLAG = "--accept-param-changes"
_SCHEMA = 1
_NOTE = (
    "Parameter ids released by wavecraft-build. Hosts store automation and presets by these "
    "ids: commit this file. A release that removes an id or changes its type or range "
    f"stops; `wavecraft-build release {ACCEPT_FLAG}` accepts such a change on purpose."
)
_MAX_LISTED = 8
_RESTORE = f"restore it from version control, or rewrite it with `release {ACCEPT_FLAG}`"


def lock_path(project: ProjectConfig) -> Path:
    return project.root / LOCK_NAME


def _entry(param: ParameterInfo) -> dict[str, Any]:
    return {"type": param.type, "min": param.min, "max": param.max, "unit": param.unit}


def read(project: ProjectConfig) -> dict[str, dict[str, Any]] | None:
    """The locked parameters by id, or None when nothing was released yet."""
    path = lock_path(project)
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except ValueError as exc:
        raise ReleaseError(f"the parameter lock is not valid JSON: {exc}", path=path,
                           hint=_RESTORE) from None
    params = data.get("parameters") if isinstance(data, dict) else None
    if not isinstance(params, dict) or not all(isinstance(v, dict) for v in params.values()):
        raise ReleaseError("the parameter lock has no `parameters` table", path=path,
                           hint=_RESTORE)
    return params


def _range(entry: dict[str, Any]) -> str:
    return f"{entry.get('min'):g}..{entry.get('max'):g}" if all(
        isinstance(entry.get(k), int | float) for k in ("min", "max")) else "?"


def _users(pid: str, presets: list[Preset]) -> str:
    names = [p.name for p in presets if pid in p.values]
    return f", used by preset(s) {', '.join(map(repr, names[:4]))}" if names else ""


def _compare(locked: dict[str, dict[str, Any]], result: ExtractionResult,
             presets: list[Preset] | None = None) -> list[str]:
    now = {p.id: _entry(p) for p in result.parameters}
    added = [i for i in now if i not in locked]
    out: list[str] = []
    for pid, old in locked.items():
        new = now.get(pid)
        if new is None:
            renamed = f" (new ids: {', '.join(added[:3])})" if added else ""
            out.append(f"{pid} removed{renamed}{_users(pid, presets or [])}")
        elif new["type"] != old.get("type"):
            out.append(f"{pid} type {old.get('type')} -> {new['type']}")
        elif (new["min"], new["max"]) != (old.get("min"), old.get("max")):
            out.append(f"{pid} range {_range(old)} -> {_range(new)}")
    return out


def check(project: ProjectConfig, result: ExtractionResult) -> list[str]:
    """How ``result`` breaks the project's lock, one ``"<id> <what changed>"`` per id.

    Empty when nothing was released yet or every locked id keeps its type and range. A
    lock file that cannot be read is reported as one line (the dev loop warns, never stops).
    """
    try:
        locked = read(project)
    except ReleaseError as exc:
        return [exc.message]
    return [] if locked is None else _compare(locked, result)


def warning(project: ProjectConfig, result: ExtractionResult) -> str | None:
    """One line for the dev loop when ``result`` breaks the lock, else None."""
    changes = check(project, result)
    return warning_text(changes) if changes else None


def warning_text(changes: list[str]) -> str:
    """The dev loop's one line for the lock breaks ``check`` found."""
    shown = "; ".join(changes[:_MAX_LISTED])
    return (f"warning: released parameter ids would break ({shown}); `release` stops unless "
            f"they are restored or accepted with {ACCEPT_FLAG} ({LOCK_NAME})")


def new_ids(project: ProjectConfig, result: ExtractionResult) -> list[str]:
    """Ids of ``result`` the lock does not hold yet ([] before the first release)."""
    locked = read(project)
    return [] if locked is None else [p.id for p in result.parameters if p.id not in locked]


def require_compatible(project: ProjectConfig, result: ExtractionResult,
                       presets: list[Preset] | None = None) -> None:
    """Raise ``ReleaseError`` naming every locked id that ``result`` removes or changes
    (and the presets that use a removed one)."""
    locked = read(project)
    changes = [] if locked is None else _compare(locked, result, presets)
    if not changes:
        return
    shown = "; ".join(changes[:_MAX_LISTED])
    more = f" (+{len(changes) - _MAX_LISTED} more)" if len(changes) > _MAX_LISTED else ""
    raise ReleaseError(
        f"{len(changes)} released parameter id(s) would break: {shown}{more}",
        path=lock_path(project),
        hint="hosts store automation and presets by id: restore them, or accept the change "
        f"on purpose with `wavecraft-build release {ACCEPT_FLAG}` (`nox -s release -- "
        f"{ACCEPT_FLAG}`), which rewrites the lock; nothing was published",
    )


def write(project: ProjectConfig, result: ExtractionResult) -> bool:
    """Record ``result``'s parameters as the lock; False when the file already says so."""
    data = {
        "schema": _SCHEMA,
        "note": _NOTE,
        "parameters": {p.id: _entry(p) for p in result.parameters},
    }
    return write_atomic(lock_path(project), json.dumps(data, indent=2) + "\n")
