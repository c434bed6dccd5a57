"""Presets in the formats hosts read: nice-plug's state, ``.wcpreset`` (CLAP), ``.vstpreset``.

A preset reaches a host as the plugin's own state: nice-plug saves and restores
``{"version", "params": {id: {"f32"|"i32"|"bool": plain}}, "fields": {}}`` (plain values,
every parameter; ``resolve`` fills in defaults), the same bytes a DAW project stores.

* CLAP: one ``.wcpreset`` file per preset (JSON: name, the CLAP plugin id, category,
  creators, the state object) in ``<stem>.clap-presets/`` beside ``<stem>.clap``, which the
  SDK's preset-discovery factory declares and its ``clap.preset-load`` extension loads
  (``templates/sdk/wavecraft-sdk/src/clap_export.rs``).
* VST3: one ``.vstpreset`` file per preset (Steinberg's format: ``VST3`` header, version 1,
  the component's class id as 32 ASCII hex digits, the chunk list's offset; a ``Comp`` chunk
  with the component state; the ``List`` chunk), placed as the VST3 spec's preset locations
  name: ``<presets root>/<vendor>/<plugin name>/<preset>.vstpreset``.
"""

from __future__ import annotations

import json
import re
import struct

from wavecraft_build.metadata import ExtractionResult
from wavecraft_build.presets import Preset, resolve

__all__ = [
    "CLAP_SUFFIX",
    "folder_name",
    "read_vstpreset",
    "state",
    "vstpreset",
    "wcpreset",
]

#: The CLAP preset files' suffix (declared as the provider's file type).
CLAP_SUFFIX = ".wcpreset"

_HEADER = struct.Struct("<4si32sq")
_ENTRY = struct.Struct("<4sqq")


def state(preset: Preset, result: ExtractionResult) -> dict[str, object]:
    """nice-plug's state for ``preset``: every parameter's plain value, tagged by type."""
    values = resolve(preset, result)
    params: dict[str, dict[str, float | int | bool]] = {}
    for param in result.parameters:
        value = values[param.id]
        if param.type == "bool":
            params[param.id] = {"bool": value >= 0.5}
        elif param.type == "enum":
            params[param.id] = {"i32": round(value)}
        else:
            params[param.id] = {"f32": value}
    return {"version": "", "params": params, "fields": {}}


def state_bytes(preset: Preset, result: ExtractionResult) -> bytes:
    """``state`` as the compact JSON nice-plug reads (a VST3 component state)."""
    return json.dumps(state(preset, result), separators=(",", ":"), sort_keys=True).encode()


def wcpreset(preset: Preset, result: ExtractionResult, clap_id: str) -> bytes:
    """The CLAP preset file of ``preset`` for the plugin ``clap_id``."""
    data = {"name": preset.name, "plugin_id": clap_id, "category": preset.category,
            "creators": [preset.author] if preset.author else [],
            "state": state(preset, result)}
    return (json.dumps(data, indent=1, sort_keys=True) + "\n").encode()


def folder_name(text: str) -> str:
    """A vendor or plugin name as a folder, as the VST3 spec asks (``\\*?/:<>|`` -> ``_``)."""
    return re.sub(r'[\\*?/:<>|"]', "_", text).strip() or "_"


def vstpreset(class_id: bytes, state: bytes) -> bytes:
    """A ``.vstpreset`` with one ``Comp`` chunk for the component ``class_id`` (16 bytes)."""
    if len(class_id) != 16:
        raise ValueError("a VST3 class id has 16 bytes")
    cid = class_id.hex().upper().encode("ascii")
    offset = _HEADER.size
    chunk_list = struct.pack("<4si", b"List", 1) + _ENTRY.pack(b"Comp", offset, len(state))
    return _HEADER.pack(b"VST3", 1, cid, offset + len(state)) + state + chunk_list


def read_vstpreset(data: bytes) -> tuple[bytes, dict[str, bytes]]:
    """The class id and the chunks (by id) of a ``.vstpreset`` (ValueError if malformed)."""
    if len(data) < _HEADER.size:
        raise ValueError("shorter than a .vstpreset header")
    magic, version, cid, list_at = _HEADER.unpack_from(data)
    if magic != b"VST3" or version != 1 or not 0 < list_at <= len(data) - 8:
        raise ValueError("not a version 1 .vstpreset")
    tag, count = struct.unpack_from("<4si", data, list_at)
    if tag != b"List":
        raise ValueError("no chunk list where the header says")
    chunks = {}
    for i in range(count):
        cid_tag, start, size = _ENTRY.unpack_from(data, list_at + 8 + i * _ENTRY.size)
        if start < _HEADER.size or start + size > list_at:
            raise ValueError(f"chunk {cid_tag!r} lies outside the data")
        chunks[cid_tag.decode("ascii")] = data[start:start + size]
    return bytes.fromhex(cid.decode("ascii")), chunks
