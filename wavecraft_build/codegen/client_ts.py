"""The engine client files of ``src/generated/``: ``protocol.ts`` rendered, the rest shipped.

``protocol.ts`` comes from ``wavecraft_build.engine.protocol`` (see ``protocol_ts``). The
client, stores, audio preview, hooks and the catch-all parameter panel do not depend on the
plugin's parameters: they are static TypeScript in this package (``codegen/ts/``), typed
against ``parameters.ts`` and ``protocol.ts`` by import, and copied verbatim. Pure: returns
file contents keyed by UI-relative path; ``codegen.generate`` writes them.
"""

from __future__ import annotations

from importlib import resources
from pathlib import PurePosixPath

from wavecraft_build.codegen.protocol_ts import PROTOCOL_TS, render_protocol

__all__ = ["GENERATED_DIR", "STATIC_FILES", "render"]

GENERATED_DIR = PurePosixPath("src/generated")
#: Shipped as-is, in dependency order (client <- store, audio, notes, presets <- hooks <-
#: panel, keyboard).
STATIC_FILES = ("client.ts", "store.ts", "audio.ts", "notes.ts", "presets.ts", "hooks.ts",
                "panel.tsx", "keyboard.tsx")


def _static(name: str) -> str:
    return (resources.files(__package__) / "ts" / name).read_text(encoding="utf-8")


def render(*, port: int | None = None) -> dict[PurePosixPath, str]:
    """``protocol.ts`` (with the engine URL for ``port``) and the static client files."""
    out = {PROTOCOL_TS: render_protocol(port=port)}
    for name in STATIC_FILES:
        out[GENERATED_DIR / name] = _static(name)
    return out
