"""Child script: the VST3 and CLAP identity of a release library, read from its factories.

Run as ``python -I -S _identity_child.py LIBRARY OUT`` (plugin code runs here, never in the
build tool's process). Loads the library with ctypes, calls ``GetPluginFactory`` and reads
``IPluginFactory::getFactoryInfo`` (vendor) and the first ``Audio Module Class`` of
``getClassInfo`` (class id, name), then the first plugin id of ``clap_entry``'s plugin
factory, and writes ``{"vst3": {"vendor", "name", "class_id" (hex)} | null, "clap_id":
str | null}`` as JSON to OUT (null: the library does not export that format): a file, not
stdout, which the plugin may write to. Standard library only.
"""

from __future__ import annotations

import ctypes
import json
import sys
from pathlib import Path
from typing import Any

_AUDIO_MODULE = b"Audio Module Class"


class _FactoryInfo(ctypes.Structure):
    _fields_ = [("vendor", ctypes.c_char * 64), ("url", ctypes.c_char * 256),
                ("email", ctypes.c_char * 128), ("flags", ctypes.c_int32)]


class _ClassInfo(ctypes.Structure):
    _fields_ = [("cid", ctypes.c_ubyte * 16), ("cardinality", ctypes.c_int32),
                ("category", ctypes.c_char * 32), ("name", ctypes.c_char * 64)]


class _ClapVersion(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32),
                ("revision", ctypes.c_uint32)]


class _ClapEntry(ctypes.Structure):
    _fields_ = [("version", _ClapVersion),
                ("init", ctypes.CFUNCTYPE(ctypes.c_bool, ctypes.c_char_p)),
                ("deinit", ctypes.CFUNCTYPE(None)),
                ("get_factory", ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_char_p))]


class _ClapFactory(ctypes.Structure):
    _fields_ = [("count", ctypes.CFUNCTYPE(ctypes.c_uint32, ctypes.c_void_p)),
                ("descriptor", ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p,
                                                ctypes.c_uint32))]


class _ClapDescriptor(ctypes.Structure):
    _fields_ = [("version", _ClapVersion), ("id", ctypes.c_char_p)]


def _clap_id(lib: ctypes.CDLL, library: str) -> str | None:
    entry = _ClapEntry.in_dll(lib, "clap_entry")
    if not entry.init(library.encode()):
        return None
    try:
        factory = entry.get_factory(b"clap.plugin-factory")
        if not factory:
            return None
        plugins = _ClapFactory.from_address(factory)
        desc = plugins.descriptor(factory, 0) if plugins.count(factory) else None
        if not desc:
            return None
        raw = _ClapDescriptor.from_address(desc).id
        return raw.decode("utf-8", "replace") if raw else None
    finally:
        entry.deinit()


def _method(obj: int, index: int, *argtypes: Any) -> Any:
    """The ``index``-th method of the COM object at ``obj`` (its vtable comes first)."""
    vtable = ctypes.cast(obj, ctypes.POINTER(ctypes.POINTER(ctypes.c_void_p))).contents
    proto = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p, *argtypes)
    return proto(vtable[index])


def _vst3(lib: ctypes.CDLL) -> dict[str, str] | None:
    get = getattr(lib, "GetPluginFactory", None)
    if get is None:
        return None
    entry = getattr(lib, "ModuleEntry", None)
    if entry is not None:
        entry.restype, entry.argtypes = ctypes.c_bool, [ctypes.c_void_p]
        entry(None)
    get.restype = ctypes.c_void_p
    factory = get()
    if not factory:
        return None
    info = _FactoryInfo()
    _method(factory, 3, ctypes.POINTER(_FactoryInfo))(factory, ctypes.byref(info))
    for index in range(_method(factory, 4)(factory)):
        cls = _ClassInfo()
        _method(factory, 5, ctypes.c_int32, ctypes.POINTER(_ClassInfo))(
            factory, index, ctypes.byref(cls))
        if cls.category == _AUDIO_MODULE:
            return {"vendor": info.vendor.decode("utf-8", "replace"),
                    "name": cls.name.decode("utf-8", "replace"),
                    "class_id": bytes(cls.cid).hex()}
    return None


def main(library: str, out: str) -> int:
    lib = ctypes.CDLL(library)
    found = {"vst3": _vst3(lib),
             "clap_id": _clap_id(lib, library) if hasattr(lib, "clap_entry") else None}
    with Path(out).open("w", encoding="utf-8") as fh:
        json.dump(found, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
