"""How the dev loop starts an engine process: its options (port, rate, block size, input,
device, project), the command line they make, and the Python packages it needs.

Standard library only (with ``protocol``'s constants), like ``supervisor``, its one user:
the dev loop stays light.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

from wavecraft_build.engine import protocol
from wavecraft_build.errors import ToolMissing

__all__ = ["EngineOptions", "require_packages"]

#: What the engine process imports that the dev loop itself does not.
_PACKAGES = ("websockets", "numpy", "cffi")


@dataclass(frozen=True)
class EngineOptions:
    port: int = protocol.DEFAULT_PORT
    sample_rate: int = 48_000
    block_size: int = 128
    input: str = "auto"
    audio_out: bool = False
    #: The project whose presets/ the engine's preset methods read and write.
    project: Path | None = None

    @property
    def url(self) -> str:
        return f"ws://{protocol.DEFAULT_HOST}:{self.port}"

    def argv(self, events_fd: int, scratch: Path) -> list[str]:
        argv = [sys.executable, "-m", "wavecraft_build.engine", "--port", str(self.port),
                "--sample-rate", str(self.sample_rate), "--block-size", str(self.block_size),
                "--input", self.input, "--events-fd", str(events_fd), "--scratch", str(scratch)]
        return [*argv, "--audio-out"] if self.audio_out else argv


def require_packages() -> None:
    """A ``ToolMissing`` naming the install line when a package the engine needs is missing."""
    for module in _PACKAGES:
        if importlib.util.find_spec(module) is None:
            raise ToolMissing(
                f"the dev engine needs the Python package {module}, which is not installed",
                hint=f"{Path(sys.executable).name} -m pip install {module} (a dependency "
                "of wavecraft-build), or run dev with --no-engine",
            )
