"""The package's layers, as the docs' module map lists them: nothing imports upward.

Read from the source text (every ``import wavecraft_build.x`` / ``from wavecraft_build.x``,
lazy imports inside functions included), so a shortcut taken inside a function counts too.
"""

from __future__ import annotations

import re

from helpers import REPO

PACKAGE = REPO / "wavecraft_build"
_IMPORT = re.compile(r"^\s*((?:from|import) (wavecraft_build(?:\.\w+)*).*)$", re.M)
#: The one allowed upward edge: the engine's protocol is data (names, the default port) that
#: codegen turns into TypeScript and config reads its default from.
_ALLOWED = re.compile(
    r"from wavecraft_build\.engine(?:\.protocol import [\w, ]+| import protocol)$"
)


def _layers() -> list[str]:
    """Module and folder names in the module map, top first (first column of each line)."""
    readme = (REPO / "docs" / "contributing" / "modules.md").read_text()
    block = readme.split("```text\nwavecraft_build/\n", 1)[1].split("```", 1)[0]
    names: list[str] = []
    for line in block.splitlines():
        first = re.split(r"\s{2,}", line.strip(), maxsplit=1)[0]
        names += [n.strip().removesuffix(".py").removesuffix("/") for n in first.split(",")]
    return names


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_every_module_is_listed_and_nothing_imports_upward() -> None:
    layers = _layers()
    rank = {name: i for i, name in enumerate(layers)}
    # Listed beside their users, in the same layer:
    rank["_dev_ui"] = rank["dev"]
    rank["_dev_builder"] = rank["dev"]
    rank["names"] = rank["scaffold"]
    rank["_dsp_host"] = rank["runtime"]
    rank["_dsp_notes"] = rank["runtime"]
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if rel.name == "_wavecraft_ffi.py":
            continue
        me = rel.parts[0].removesuffix(".py")
        if me == "__init__":
            continue
        assert me in rank, f"{me} is not in docs/contributing/modules.md"
        for statement, target in _IMPORT.findall(path.read_text()):
            other = _top(target)
            if not other or other == me:
                continue
            if _ALLOWED.match(statement.strip()):
                continue
            if rank[other] < rank[me]:
                upward.append(f"{rel} imports {target}")
    assert not upward, upward
