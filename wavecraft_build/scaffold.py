"""Scaffolding: ``wavecraft-build new NAME`` renders ``templates/`` into a new plugin project.

Two trees are copied into the project folder (rendered in memory by ``_template``):

* ``templates/plugin/**``, rendered: ``%%key%%`` tokens in file contents and paths are
  replaced (an unknown token is an error, so template typos never ship), and the file
  ``gitignore`` becomes ``.gitignore`` (a real ``.gitignore`` inside ``templates/`` would
  be obeyed by git in this repository);
* ``templates/sdk/wavecraft-sdk/**`` and ``templates/sdk/wavecraft-webview/**`` (the
  editor's page, for macOS and Windows), verbatim, to ``sdk/``: the engine depends on them by
  path, so a new project builds with only crates.io reachable.

``--template instrument`` overlays ``templates/instrument/**`` (only the files that differ
from the effect, see ``_template``) on the first tree.

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
from dataclasses import dataclass
from pathlib import Path

from wavecraft_build._proc import Completed, run
from wavecraft_build._template import (
    DEFAULT_TEMPLATE,
    PlannedFile,
    render_text,
    safe_relative_path,
    templates_root,
)
from wavecraft_build._template import plan as render_plan
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

_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+")

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
    #: Write the GitHub Actions workflows (``.github/workflows``); ``new --no-ci``: none.
    ci: bool = True
    #: ``new --template``: a key of ``_template.TEMPLATES`` (effect or instrument).
    template: str = DEFAULT_TEMPLATE


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
    plan = render_plan(root, tokens, ci=options.ci, template=options.template)

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


def _destinations(project_dir: Path, plan: list[PlannedFile]) -> list[Path]:
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
