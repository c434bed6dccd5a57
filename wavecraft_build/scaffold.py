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
import hashlib
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

MAX_NAME_LENGTH = 64
DEFAULT_VENDOR = "Wavecraft"

_NAME_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9_-]*")
# Anything that looks like a token, so a misspelt key is caught instead of shipped.
_TOKEN_RE = re.compile(r"%%([A-Za-z0-9_.-]+)%%")
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+")

# Strict, reserved and weak keywords (Rust 2024). A crate or lib with such a name cannot
# be written in a `use` path.
_RUST_KEYWORDS = frozenset(
    {
        "as",
        "async",
        "await",
        "break",
        "const",
        "continue",
        "crate",
        "dyn",
        "else",
        "enum",
        "extern",
        "false",
        "fn",
        "for",
        "gen",
        "if",
        "impl",
        "in",
        "let",
        "loop",
        "match",
        "mod",
        "move",
        "mut",
        "pub",
        "ref",
        "return",
        "self",
        "Self",
        "static",
        "struct",
        "super",
        "trait",
        "true",
        "try",
        "type",
        "unsafe",
        "use",
        "where",
        "while",
        "abstract",
        "become",
        "box",
        "do",
        "final",
        "macro",
        "override",
        "priv",
        "typeof",
        "unsized",
        "virtual",
        "yield",
        "union",
        "macro_rules",
        "raw",
        "safe",
    }
)
# Lib names that clash with the toolchain's crates or with the project's own dependencies.
_RESERVED_LIB_NAMES = frozenset(
    {
        "std",
        "core",
        "alloc",
        "test",
        "proc_macro",
        "wavecraft",
        "wavecraft_sdk",
        "nice_plug",
        "nice_plug_core",
        "nice_plug_derive",
        "nice_log",
    }
)
# Windows device names: a folder or crate with one of these names breaks on Windows.
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{n}" for n in range(1, 10)}
    | {f"lpt{n}" for n in range(1, 10)}
)
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


def _lib_name(name: str) -> str:
    return name.lower().replace("-", "_")


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
        "nox -s release    # VST3 + CLAP bundles in target/bundled/",
    )
