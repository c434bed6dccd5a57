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

from wavecraft_build.config import ProjectConfig, read_toml
from wavecraft_build.errors import ConfigError, ReleaseError

__all__ = ["PluginIdentity", "check_tag", "plugin_identity"]

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


def check_tag(project: ProjectConfig, tag: str) -> None:
    """A release from tag ``tag`` (``v1.2.0``) must be the version that Cargo.toml and
    pyproject.toml both say; otherwise the published files would carry another version."""
    pyproject = project.root / "pyproject.toml"
    table = read_toml(pyproject).get("project", {}) if pyproject.is_file() else {}
    py_version = table.get("version")
    found = {project.manifest: project.version}
    if isinstance(py_version, str):
        found[pyproject] = py_version
    wrong = {path: v for path, v in found.items() if f"v{v}" != tag}
    if wrong:
        said = ", ".join(f"{v} in {path.name}" for path, v in found.items())
        raise ReleaseError(
            f"tag {tag!r} does not match the version ({said}): set both to "
            f"{tag.removeprefix('v')} or tag v{project.version}; nothing was built",
            path=next(iter(wrong)),
        )
