"""Plugin names: what a name may be, and every name and id derived from it.

A plugin name becomes a folder, a cargo package, a Rust crate and struct, a VST3 class id
and a CLAP id, so it is checked against all of their rules at once (letters, digits, '-'
and '_', at most 64 characters, no Rust keyword, no toolchain or dependency crate name, no
Windows device name). Everything derived from it is deterministic: the same name always
gives the same ids, which hosts store.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import wavecraft_build
from wavecraft_build.errors import ScaffoldError

__all__ = ["DEFAULT_VENDOR", "MAX_NAME_LENGTH", "ProjectNames", "derive_names", "validate_name"]

MAX_NAME_LENGTH = 64
DEFAULT_VENDOR = "Wavecraft"

_NAME_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9_-]*")

# Strict, reserved and weak keywords (Rust 2024). A crate or lib with such a name cannot
# be written in a `use` path.
_RUST_KEYWORDS = frozenset(
    {
        "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
        "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match",
        "mod", "move", "mut", "pub", "ref", "return", "self", "Self", "static", "struct",
        "super", "trait", "true", "try", "type", "unsafe", "use", "where", "while", "abstract",
        "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized",
        "virtual", "yield", "union", "macro_rules", "raw", "safe",
    }
)
# Lib names that clash with the toolchain's crates or with the project's own dependencies.
_RESERVED_LIB_NAMES = frozenset(
    {
        "std", "core", "alloc", "test", "proc_macro", "wavecraft", "wavecraft_sdk", "nice_plug",
        "nice_plug_core", "nice_plug_derive", "nice_log",
    }
)
# Windows device names: a folder or crate with one of these names breaks on Windows.
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{n}" for n in range(1, 10)}
    | {f"lpt{n}" for n in range(1, 10)}
)


@dataclass(frozen=True)
class ProjectNames:
    """Everything derived from the plugin name, deterministically."""

    plugin_name: str
    crate_name: str
    lib_name: str
    struct_name: str
    vst3_id: bytes
    clap_id: str

    def tokens(self, *, vendor: str, email: str, url: str) -> dict[str, str]:
        """The ``%%key%%`` values for the templates."""
        return {
            "plugin_name": self.plugin_name,
            "crate_name": self.crate_name,
            "lib_name": self.lib_name,
            "struct_name": self.struct_name,
            "vendor": vendor,
            "email": email,
            "url": url,
            # Contents of a Rust `[u8; 16]` array literal.
            "vst3_id": ", ".join(f"0x{byte:02x}" for byte in self.vst3_id),
            "clap_id": self.clap_id,
            "python_module": self.lib_name,
            # The noxfile's script block pins the tool that scaffolded the project.
            "wavecraft_version": wavecraft_build.__version__,
        }


def validate_name(name: str) -> None:
    """Raise ScaffoldError unless ``name`` can name a plugin, a crate and a folder."""
    hint = "use letters, digits, '-' and '_', starting with a letter, e.g. my-synth"
    if not name:
        raise ScaffoldError("the plugin name is empty", hint=hint)
    if len(name) > MAX_NAME_LENGTH:
        raise ScaffoldError(
            f"the plugin name is {len(name)} characters long; at most {MAX_NAME_LENGTH} "
            "are allowed",
            hint="choose a shorter name",
        )
    if _NAME_RE.fullmatch(name) is None:
        bad = next((c for c in name if not (c.isascii() and (c.isalnum() or c in "-_"))), None)
        why = f"it contains {bad!r}" if bad is not None else "it must start with a letter"
        raise ScaffoldError(f"invalid plugin name {name!r}: {why}", hint=hint)
    lib_name = _lib_name(name)
    if name in _RUST_KEYWORDS or lib_name in _RUST_KEYWORDS:
        raise ScaffoldError(
            f"invalid plugin name {name!r}: `{lib_name}` is a Rust keyword",
            hint="choose another name, e.g. my-" + lib_name.replace("_", "-"),
        )
    if lib_name in _RESERVED_LIB_NAMES:
        raise ScaffoldError(
            f"invalid plugin name {name!r}: the crate `{lib_name}` would clash with a "
            "toolchain crate or a dependency of the plugin",
            hint="choose another name, e.g. my-" + lib_name.replace("_", "-"),
        )
    if lib_name in _WINDOWS_RESERVED:
        raise ScaffoldError(
            f"invalid plugin name {name!r}: it is a reserved device name on Windows",
            hint="choose another name",
        )


def derive_names(name: str, *, vendor: str = DEFAULT_VENDOR) -> ProjectNames:
    """Crate, lib and struct names and the plugin ids, all determined by ``name``.

    ``My_Synth`` gives crate ``my-synth``, lib ``my_synth``, struct ``MySynthPlugin`` (the
    suffix keeps it from shadowing prelude or template types such as ``Vec`` or
    ``Filter``), a VST3 class id of the first 16 bytes of sha256("wavecraft:My_Synth"),
    and CLAP id ``com.<vendor-slug>.my-synth``.
    """
    validate_name(name)
    lib_name = _lib_name(name)
    crate_name = lib_name.replace("_", "-")
    parts = [part for part in re.split(r"[-_]+", name) if part]
    struct_name = "".join(part[0].upper() + part[1:] for part in parts)
    if not struct_name.endswith("Plugin"):
        struct_name += "Plugin"
    vendor_slug = re.sub(r"[^a-z0-9]+", "-", vendor.lower()).strip("-") or "wavecraft"
    return ProjectNames(
        plugin_name=name,
        crate_name=crate_name,
        lib_name=lib_name,
        struct_name=struct_name,
        vst3_id=hashlib.sha256(f"wavecraft:{name}".encode()).digest()[:16],
        clap_id=f"com.{vendor_slug}.{crate_name}",
    )


def _lib_name(name: str) -> str:
    return name.lower().replace("-", "_")
