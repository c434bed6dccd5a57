"""How a release names the plugin: bundle name, version, crate, macOS bundle id.

Everything comes from the project's config (``config`` read the engine's Cargo.toml once):
the name is ``[package.metadata.wavecraft] name`` when the crate sets it, else the package
name (what nih_plug_xtask uses too); ``bundle-id`` there sets the macOS bundle identifier
(default ``com.wavecraft.<package>``). The name becomes a file name, so it is checked:
letters, digits, space, ``._+-``, at most 64 characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wavecraft_build.config import ProjectConfig
from wavecraft_build.errors import ConfigError

__all__ = ["PluginIdentity", "plugin_identity"]

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._+-]{0,63}$")
_BUNDLE_ID_RE = re.compile(r"[A-Za-z0-9.-]+")


@dataclass(frozen=True)
class PluginIdentity:
    """How the release names the plugin (bundle name, version, macOS bundle id)."""

    name: str
    version: str
    crate: str
    lib_name: str
    identifier: str


def plugin_identity(project: ProjectConfig) -> PluginIdentity:
    """The plugin's release names, checked; a ``ConfigError`` names the Cargo.toml."""
    crate = project.crate
    if not crate:
        raise ConfigError("the engine's Cargo.toml has no [package] name", path=project.manifest)
    meta = project.plugin_metadata
    name = meta.get("name", crate)
    identifier = meta.get("bundle-id", f"com.wavecraft.{crate}")
    if not isinstance(name, str) or not _NAME_RE.match(name) or name.strip() != name:
        raise ConfigError(
            f"plugin name {name!r} cannot name a bundle file",
            path=project.manifest,
            hint="set [package.metadata.wavecraft] name to letters, digits, spaces and ._+- "
            "(at most 64 characters)",
        )
    if not isinstance(identifier, str) or not _BUNDLE_ID_RE.fullmatch(identifier):
        raise ConfigError(
            f"bundle id {identifier!r} is not a reverse-DNS id",
            path=project.manifest,
            hint="set [package.metadata.wavecraft] bundle-id like com.vendor.plugin",
        )
    return PluginIdentity(
        name=name,
        version=project.version,
        crate=crate,
        lib_name=project.lib_name,
        identifier=identifier,
    )
