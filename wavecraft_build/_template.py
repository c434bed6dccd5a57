"""The project template, rendered in memory: ``%%key%%`` tokens, safe paths, no writes.

``plan`` walks ``templates/plugin/**`` (rendered: tokens in contents and paths replaced,
an unknown token is an error, ``gitignore`` becomes ``.gitignore``) and
the SDK crates ``templates/sdk/wavecraft-sdk/**`` and ``templates/sdk/wavecraft-webview/**``
(verbatim, to ``sdk/``), and returns
every file of a new project with its project-relative path, checked to stay inside the
project folder. ``scaffold`` decides and writes; this module only renders.

``templates/plugin/`` is the effect and everything the templates share. Another template
(``TEMPLATES``) is an overlay folder holding only what differs: its files replace or add
to the shared ones (rendered the same way), and its ``_omit.txt`` lists shared files it
leaves out. One codebase, no copy of a shared file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import wavecraft_build
from wavecraft_build._kinds import DEFAULT_TEMPLATE, TEMPLATES
from wavecraft_build.errors import ScaffoldError

__all__ = ["CI_FOLDER", "DEFAULT_TEMPLATE", "TEMPLATES", "PlannedFile", "plan", "render_text",
           "safe_relative_path", "templates_root"]

# Anything that looks like a token, so a misspelt key is caught instead of shipped.
_TOKEN_RE = re.compile(r"%%([A-Za-z0-9_.-]+)%%")

# Template entries that are build output or caches, never part of a template.
_SKIP_NAMES = frozenset(
    {"target", "node_modules", "__pycache__", ".git", ".DS_Store", "dist", ".nox"}
)
_PLUGIN_TEMPLATE = "plugin"
#: The SDK crates a project vendors under ``sdk/`` (the engine depends on the SDK by path,
#: the SDK on the editor's page crate on macOS and Windows). The Linux editor helper is not
#: among them: ``release`` builds it from the installed templates, once per machine.
_SDK_TEMPLATES = (PurePosixPath("sdk", "wavecraft-sdk"), PurePosixPath("sdk", "wavecraft-webview"))
_RENAMES = {"gitignore": ".gitignore"}
#: ``new --template``: each template's overlay folder under ``templates/`` (None for the
#: default: the shared tree as it is).
_OVERLAYS: dict[str, str | None] = {
    name: None if name == DEFAULT_TEMPLATE else name for name in TEMPLATES
}
_OMIT_FILE = "_omit.txt"
#: The GitHub Actions workflows of a project (``new --no-ci`` leaves the folder out).
CI_FOLDER = PurePosixPath(".github")


@dataclass(frozen=True)
class PlannedFile:
    relative: Path
    content: bytes
    executable: bool


def templates_root() -> Path:
    """The folder holding ``plugin/`` and ``sdk/``.

    An installed wheel carries it as ``wavecraft_build/templates`` (force-included by
    pyproject.toml); a source checkout has it at the repository root.
    """
    installed = Path(wavecraft_build.__file__).resolve().parent / "templates"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / "templates"


def render_text(text: str, tokens: Mapping[str, str], *, source: Path | str) -> str:
    """Replace every ``%%key%%``; an unknown key is an error naming ``source``."""

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in tokens:
            known = ", ".join(sorted(tokens))
            raise ScaffoldError(
                f"unknown template token %%{key}%%",
                path=source,
                hint=f"known tokens: {known}",
            )
        return tokens[key]

    return _TOKEN_RE.sub(replace, text)


def safe_relative_path(rendered: str, *, source: Path | str) -> Path:
    """``rendered`` as a relative path that cannot leave the project folder."""
    posix = PurePosixPath(rendered)
    if posix.is_absolute() or rendered.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", rendered):
        raise ScaffoldError(
            f"template path {rendered!r} is absolute; templates may only write inside "
            "the project folder",
            path=source,
        )
    parts = rendered.replace("\\", "/").split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise ScaffoldError(
            f"template path {rendered!r} contains an empty, '.' or '..' part; templates "
            "may only write inside the project folder",
            path=source,
        )
    return Path(*parts)


def _walk(top: Path) -> Iterator[Path]:
    """Files below ``top`` in a stable order, skipping build output; symlinks are errors."""
    for entry in sorted(top.iterdir(), key=lambda p: p.name):
        if entry.name in _SKIP_NAMES or entry.name.endswith(".pyc"):
            continue
        if entry.is_symlink():
            raise ScaffoldError(
                "templates must not contain symlinks",
                path=entry,
                hint="replace the link with a real file",
            )
        if entry.is_dir():
            yield from _walk(entry)
        elif entry.is_file():
            yield entry


def plan(root: Path, tokens: Mapping[str, str], *, ci: bool = True,
         template: str = DEFAULT_TEMPLATE) -> list[PlannedFile]:
    """Every file of the project, rendered in memory and path-checked (``ci``: with the
    GitHub Actions workflows under ``.github/``; ``template``: a key of ``TEMPLATES``)."""
    if template not in _OVERLAYS:
        raise ScaffoldError(f"unknown template {template!r}",
                            hint=f"use one of: {', '.join(TEMPLATES)}")
    plugin = root / _PLUGIN_TEMPLATE
    sdks = [root / Path(*crate.parts) for crate in _SDK_TEMPLATES]
    overlay_name = _OVERLAYS[template]
    overlay = root / overlay_name if overlay_name else None
    for required in (plugin, *sdks, *([overlay] if overlay else [])):
        if not required.is_dir():
            raise ScaffoldError(
                "the project templates are missing",
                path=required,
                hint="reinstall wavecraft-build; the wheel ships them in wavecraft_build/templates",
            )
    sources: dict[str, Path] = {s.relative_to(plugin).as_posix(): s for s in _walk(plugin)}
    if overlay is not None:
        omit = overlay / _OMIT_FILE
        if omit.is_file():
            names = [ln.strip() for ln in omit.read_text().splitlines()]
            for name in (n for n in names if n and not n.startswith("#")):
                if sources.pop(name, None) is None:
                    raise ScaffoldError(f"{_OMIT_FILE} names {name!r}, which "
                                        "templates/plugin/ does not have", path=omit)
        for source in _walk(overlay):
            rel = source.relative_to(overlay).as_posix()
            if rel != _OMIT_FILE:
                sources[rel] = source
    plan: list[PlannedFile] = []
    for rel, source in sorted(sources.items()):
        rendered_rel = render_text(rel, tokens, source=source)
        head, slash, tail = rendered_rel.rpartition("/")
        relative = safe_relative_path(head + slash + _RENAMES.get(tail, tail), source=source)
        if not ci and relative.parts[0] == CI_FOLDER.name:
            continue
        data = source.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            content = data  # binary (an icon, say): copied as is
        else:
            rendered = render_text(text, tokens, source=source)
            if relative.name == "Cargo.lock":
                rendered = _sort_cargo_lock(rendered)
            content = rendered.encode("utf-8")
        plan.append(PlannedFile(relative, content, _is_executable(source)))
    for crate, sdk in zip(_SDK_TEMPLATES, sdks, strict=True):
        for source in _walk(sdk):
            sdk_rel = source.relative_to(sdk).as_posix()
            if sdk_rel == "Cargo.lock":
                continue  # the engine's lock file governs; a crate's own is a dev leftover
            relative = safe_relative_path((crate / sdk_rel).as_posix(), source=source)
            plan.append(PlannedFile(relative, source.read_bytes(), _is_executable(source)))
    seen: set[Path] = set()
    for planned in plan:
        if planned.relative in seen:
            raise ScaffoldError(f"two template files render to {planned.relative}", path=root)
        seen.add(planned.relative)
    return plan


def _sort_cargo_lock(text: str) -> str:
    """Put the renamed plugin package where cargo would, so the first build does not
    rewrite the shipped lock file (cargo keeps packages sorted by name)."""
    marker = "\n[[package]]\n"
    head, *blocks = text.split(marker)
    if not blocks:
        return text
    blocks = [block.rstrip("\n") for block in blocks]

    def name(block: str) -> str:
        first = block.split("\n", 1)[0]
        return first.removeprefix("name = ").strip('"')

    blocks.sort(key=name)  # stable: versions of one crate keep cargo's order
    return head + "".join(marker + block + "\n" for block in blocks)


def _is_executable(path: Path) -> bool:
    return os.access(path, os.X_OK)
