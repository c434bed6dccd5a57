"""The release's factory presets as files hosts find: ``.vstpreset`` and ``.wcpreset``.

VST3: the spec's preset locations are ``<root>/<vendor>/<plugin name>/`` (on Linux the user
root is ``~/.vst3/presets``, the shared ones ``/usr/share/vst3/presets`` and
``/usr/local/share/vst3/presets``). The release output mirrors that below ``vst3-presets/``,
and ``--install`` copies ``<vendor>/<plugin name>`` into the user root.

CLAP: ``<stem>.clap-presets/<name>.wcpreset`` beside ``<stem>.clap`` (installed beside it),
the folder the plugin's preset-discovery factory declares.

Vendor, plugin name, the VST3 component's class id and the CLAP plugin id are read from the
release library's own factories in a child process (``_identity_child.py``): the files then
name exactly what the host loads, whatever the Rust source spells.
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from wavecraft_build import _proc
from wavecraft_build.errors import ReleaseError
from wavecraft_build.metadata import ExtractionResult
from wavecraft_build.preset_export import (
    CLAP_SUFFIX,
    folder_name,
    state_bytes,
    vstpreset,
    wcpreset,
)
from wavecraft_build.presets import Preset
from wavecraft_build.release.bundle import Bundle

__all__ = ["VST3_FOLDER", "HostIdentity", "Vst3Class", "clap_bundle", "host_identity",
           "vst3_bundle"]

VST3_FOLDER = "vst3-presets"
CLAP_FOLDER_SUFFIX = ".clap-presets"
_CHILD = str(Path(__file__).with_name("_identity_child.py"))
_TIMEOUT = 30.0


@dataclass(frozen=True)
class Vst3Class:
    vendor: str
    name: str
    class_id: bytes


@dataclass(frozen=True)
class HostIdentity:
    """What the library registers; None for a format it does not export."""

    vst3: Vst3Class | None
    clap_id: str | None


def host_identity(library: Path) -> HostIdentity:
    """What ``library``'s VST3 and CLAP factories register (read in a child process)."""
    with tempfile.TemporaryDirectory(prefix="wavecraft-identity-") as tmp:
        out = Path(tmp) / "identity.json"
        done = _proc.run([sys.executable, "-I", "-S", _CHILD, str(library), str(out)],
                         timeout=_TIMEOUT)
        try:
            data = json.loads(out.read_text("utf-8"))
            vst3, clap_id = data["vst3"], data["clap_id"]
            return HostIdentity(
                None if vst3 is None else Vst3Class(str(vst3["vendor"]), str(vst3["name"]),
                                                    bytes.fromhex(vst3["class_id"])),
                clap_id if isinstance(clap_id, str) else None)
        except (OSError, ValueError, KeyError, TypeError):
            how = ("timed out" if done.returncode is None
                   else f"exit {done.returncode}: {done.stderr.strip()[-300:]}")
            raise ReleaseError(
                f"could not read the plugin factories of the release library ({how})",
                path=library, hint="the library's entry points failed when loaded; "
                "nothing was published") from None


def vst3_bundle(presets: list[Preset], result: ExtractionResult,
                ident: HostIdentity) -> Bundle | None:
    """``vst3-presets/<vendor>/<plugin name>/<preset>.vstpreset``."""
    cls = ident.vst3
    if cls is None:
        return None
    top = f"{VST3_FOLDER}/{folder_name(cls.vendor)}/{folder_name(cls.name)}"
    files: dict[str, Path | bytes] = {
        f"{top}/{p.name}.vstpreset": vstpreset(cls.class_id, state_bytes(p, result))
        for p in presets
    }
    return Bundle("vst3-presets", top, files)


def clap_bundle(presets: list[Preset], result: ExtractionResult, ident: HostIdentity,
                clap_entry: str) -> Bundle | None:
    """``<stem>.clap-presets/<preset>.wcpreset`` beside the ``.clap`` entry ``clap_entry``."""
    if ident.clap_id is None:
        return None
    top = f"{PurePosixPath(clap_entry).stem}{CLAP_FOLDER_SUFFIX}"
    files: dict[str, Path | bytes] = {
        f"{top}/{p.name}{CLAP_SUFFIX}": wcpreset(p, result, ident.clap_id) for p in presets
    }
    return Bundle("clap-presets", top, files)
