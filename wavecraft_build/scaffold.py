"""Scaffolding: ``wavecraft-build new NAME`` renders ``templates/`` into a new plugin project.

Two trees are copied into the project folder:

* ``templates/plugin/**``, rendered: ``%%key%%`` tokens in file contents and paths are
  replaced (an unknown token is an error, so template typos never ship), and the file
  ``gitignore`` becomes ``.gitignore`` (a real ``.gitignore`` inside ``templates/`` would
  be obeyed by git in this repository);
* ``templates/sdk/wavecraft-sdk/**``, verbatim, to ``sdk/wavecraft-sdk/``: the engine
  depends on it by path, so a new project builds with only crates.io reachable.

Everything is decided before anything is written: the name and metadata are validated,
every file is rendered in memory, and every destination is checked to stay inside the
project folder. Only then are folders created and files written (atomically). With
``force`` an existing file is never overwritten; it is reported as left alone.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import wavecraft_build
from wavecraft_build._proc import Completed, run
from wavecraft_build.errors import ScaffoldError
from wavecraft_build.names import (
    DEFAULT_VENDOR,
    MAX_NAME_LENGTH,
    ProjectNames,
    derive_names,
    validate_name,
)

__all__ = [
    "DEFAULT_VENDOR",
    "MAX_NAME_LENGTH",
    "ProjectNames",
    "ScaffoldOptions",
    "ScaffoldResult",
    "derive_names",
    "render_text",
    "safe_relative_path",
    "scaffold",
    "templates_root",
    "validate_name",
]

# Anything that looks like a token, so a misspelt key is caught instead of shipped.
_TOKEN_RE = re.compile(r"%%([A-Za-z0-9_.-]+)%%")
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+")

# Template entries that are build output or caches, never part of a template.
_SKIP_NAMES = frozenset(
    {"target", "node_modules", "__pycache__", ".git", ".DS_Store", "dist", ".nox"}
)
_PLUGIN_TEMPLATE = "plugin"
_SDK_TEMPLATE = PurePosixPath("sdk", "wavecraft-sdk")
_RENAMES = {"gitignore": ".gitignore"}
_GIT_TIMEOUT = 60.0


@dataclass(frozen=True)
class ScaffoldOptions:
    """What ``wavecraft-build new`` was asked to do.

    ``directory`` is the project folder itself (created if missing); ``None`` means
    ``./NAME``. ``force`` allows a non-empty folder, but existing files are never replaced.
    """

    name: str
    directory: Path | None = None
    vendor: str = DEFAULT_VENDOR
    email: str = ""
    url: str = ""
    git: bool = True
    force: bool = False


@dataclass(frozen=True)
class ScaffoldResult:
    """What ``scaffold`` did. Paths in ``written`` and ``left_alone`` are project-relative."""

    project_dir: Path
    names: ProjectNames
    written: tuple[Path, ...]
    left_alone: tuple[Path, ...]
    next_commands: tuple[str, ...]
    git_initialized: bool
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class _PlannedFile:
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


def scaffold(options: ScaffoldOptions, *, templates: Path | None = None) -> ScaffoldResult:
    """Create the project described by ``options``. Raises ScaffoldError, writing nothing,
    on a bad name, bad metadata, a broken template or a non-empty folder without ``force``.
    """
    validate_name(options.name)
    vendor = _check_metadata("vendor", options.vendor.strip(), required=True)
    email = _check_metadata("email", options.email.strip())
    url = _check_metadata("url", options.url.strip())
    if email and _EMAIL_RE.fullmatch(email) is None:
        raise ScaffoldError(
            f"--email {email!r} is not an e-mail address", hint="e.g. me@example.com"
        )
    if url and not url.startswith(("https://", "http://")):
        raise ScaffoldError(f"--url {url!r} must start with https:// or http://")

    names = derive_names(options.name, vendor=vendor)
    tokens = names.tokens(vendor=vendor, email=email, url=url)
    root = templates if templates is not None else templates_root()
    plan = _plan(root, tokens)

    project_dir = (options.directory or Path.cwd() / options.name).absolute()
    _check_target(project_dir, force=options.force)
    destinations = _destinations(project_dir, plan)

    written: list[Path] = []
    left_alone: list[Path] = []
    for planned, dest in zip(plan, destinations, strict=True):
        if os.path.lexists(dest):
            left_alone.append(planned.relative)
            continue
        try:
            _write_new(dest, planned.content, executable=planned.executable)
        except OSError as exc:
            raise ScaffoldError(
                f"could not write {planned.relative}: {exc.strerror or exc}",
                path=dest,
                hint="check the folder's permissions and free space",
            ) from exc
        written.append(planned.relative)

    warnings: list[str] = []
    git_initialized = False
    if options.git:
        git_initialized = _git_init(project_dir, warnings)

    return ScaffoldResult(
        project_dir=project_dir,
        names=names,
        written=tuple(written),
        left_alone=tuple(left_alone),
        next_commands=_next_commands(project_dir),
        git_initialized=git_initialized,
        warnings=tuple(warnings),
    )


def _check_metadata(field: str, value: str, *, required: bool = False) -> str:
    """Vendor, email and url go into TOML and Rust string literals: keep them plain."""
    if required and not value:
        raise ScaffoldError(f"--{field} must not be empty")
    if len(value) > 200:
        raise ScaffoldError(f"--{field} is longer than 200 characters")
    bad = next((c for c in value if c in '"\\' or not c.isprintable()), None)
    if bad is not None:
        raise ScaffoldError(
            f"--{field} {value!r} contains {bad!r}",
            hint="quotes, backslashes and control characters are not allowed there",
        )
    if "%%" in value:
        raise ScaffoldError(f"--{field} {value!r} contains '%%', which templates use for tokens")
    return value


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


def _plan(root: Path, tokens: Mapping[str, str]) -> list[_PlannedFile]:
    """Every file of the project, rendered in memory and path-checked."""
    plugin = root / _PLUGIN_TEMPLATE
    sdk = root / Path(*_SDK_TEMPLATE.parts)
    for required in (plugin, sdk):
        if not required.is_dir():
            raise ScaffoldError(
                "the project templates are missing",
                path=required,
                hint="reinstall wavecraft-build; the wheel ships them in wavecraft_build/templates",
            )
    plan: list[_PlannedFile] = []
    for source in _walk(plugin):
        rel = source.relative_to(plugin).as_posix()
        rendered_rel = render_text(rel, tokens, source=source)
        head, slash, tail = rendered_rel.rpartition("/")
        relative = safe_relative_path(head + slash + _RENAMES.get(tail, tail), source=source)
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
        plan.append(_PlannedFile(relative, content, _is_executable(source)))
    for source in _walk(sdk):
        sdk_rel = source.relative_to(sdk).as_posix()
        if sdk_rel == "Cargo.lock":
            continue  # the engine's lock file governs; the SDK's own is a dev leftover
        relative = safe_relative_path((_SDK_TEMPLATE / sdk_rel).as_posix(), source=source)
        plan.append(_PlannedFile(relative, source.read_bytes(), _is_executable(source)))
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


def _check_target(project_dir: Path, *, force: bool) -> None:
    if project_dir.exists() and not project_dir.is_dir():
        raise ScaffoldError(
            "the project folder exists and is not a folder",
            path=project_dir,
            hint="choose another --dir",
        )
    if project_dir.is_dir() and any(project_dir.iterdir()) and not force:
        raise ScaffoldError(
            "the project folder is not empty",
            path=project_dir,
            hint="choose another --dir, or pass --force to add the missing files "
            "(existing files are never overwritten)",
        )


def _destinations(project_dir: Path, plan: list[_PlannedFile]) -> list[Path]:
    """Absolute destinations; a symlink already in the folder must not lead outside it."""
    real_root = project_dir.resolve()
    destinations = []
    for planned in plan:
        dest = project_dir / planned.relative
        resolved = dest.resolve()
        if resolved != real_root and real_root not in resolved.parents:
            raise ScaffoldError(
                f"{planned.relative} would be written outside the project folder (to {resolved})",
                path=dest,
                hint="remove the symlink that leads out of the project folder",
            )
        destinations.append(dest)
    return destinations


def _write_new(dest: Path, content: bytes, *, executable: bool) -> None:
    """Write a file that does not exist yet: temp file in the same folder, fsync, rename."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.chmod(0o755 if executable else 0o644)
        tmp.replace(dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def _git(project_dir: Path, *args: str) -> Completed:
    git = shutil.which("git")
    assert git is not None
    return run([git, *args], cwd=project_dir, timeout=_GIT_TIMEOUT)


def _git_init(project_dir: Path, warnings: list[str]) -> bool:
    """``git init`` + initial commit. Any git failure is a warning, never an error."""
    if shutil.which("git") is None:
        warnings.append("git was not found; the project is not a git repository")
        return False
    try:
        inside = _git(project_dir, "rev-parse", "--is-inside-work-tree")
        if inside.returncode == 0 and inside.stdout.strip() == "true":
            warnings.append("the folder is already inside a git work tree; skipped git init")
            return False
        steps: list[tuple[str, tuple[str, ...]]] = [
            ("init", ("init", "-q")),
            ("add", ("add", "-A")),
            (
                "commit",
                (
                    "-c",
                    "commit.gpgsign=false",
                    "commit",
                    "-q",
                    "--no-verify",
                    "-m",
                    "New plugin from wavecraft-build new",
                ),
            ),
        ]
        for label, args in steps:
            done = _git(project_dir, *args)
            if done.timed_out:
                warnings.append(f"git {label} did not finish within {_GIT_TIMEOUT:g} s")
                return label != "init"
            if done.returncode != 0:
                message = (done.stderr.strip().splitlines() or ["no message"])[-1]
                warnings.append(f"git {label} failed: {message}")
                # A repository without the initial commit is still a repository.
                return label != "init"
    except OSError as exc:
        warnings.append(f"git failed: {exc}")
        return False
    return True


def _next_commands(project_dir: Path) -> tuple[str, ...]:
    try:
        shown = str(project_dir.relative_to(Path.cwd()))
    except ValueError:
        shown = str(project_dir)
    # Only nox on PATH is assumed: the noxfile's script block installs wavecraft-build.
    return (
        f"cd {shlex.quote(shown)}",
        "nox -s dev        # build, parameters, bindings; hot-reload while you edit engine/src",
        "nox -s release    # VST3 + CLAP bundles in engine/target/bundled/",
    )
