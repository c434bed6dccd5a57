"""Plugin bundle layouts, deterministic staging, hashing and atomic folder swaps.

No cargo, no plugin code: this module only arranges files. ``layout`` says where a built
cdylib goes inside a VST3 and a CLAP bundle on Linux, macOS and Windows (the layouts of
the VST3 SDK's "Module Architecture" and of clap's README, as nih_plug_xtask builds them).
``stage`` copies with fixed modes and a fixed mtime, so two releases of the same library
give byte- and metadata-identical trees. ``swap_into`` replaces a folder or file with a
staged one in one rename (``renameat2(RENAME_EXCHANGE)`` on Linux, else rename-aside),
which is how a failed build keeps the previous bundles and how ``--install`` never leaves
a half-copied bundle in a host's plugin folder.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
import os
import platform
import plistlib
import shutil
import sys
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

__all__ = [
    "DEFAULT_EPOCH",
    "Bundle",
    "bundle_arch",
    "hash_file",
    "install_dirs",
    "install_entry",
    "layout",
    "remove_leftovers",
    "stage",
    "staging_dir",
    "swap_into",
]

#: mtime of staged files when SOURCE_DATE_EPOCH is unset: 1980-01-01, the zip epoch.
DEFAULT_EPOCH = 315_532_800
_BINARY_MODE = 0o755
_FILE_MODE = 0o644
_DIR_MODE = 0o755
_CHUNK = 1 << 20
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@dataclass(frozen=True)
class Bundle:
    """One plugin bundle: its format, top-level entry name and files.

    ``files`` maps a posix path relative to the output folder to either the source file to
    copy (the cdylib, mode 0755) or the literal bytes to write (Info.plist, PkgInfo: 0644).
    """

    format: str
    entry: str
    files: Mapping[str, Path | bytes]


def bundle_arch(os_name: str, machine: str | None = None) -> str:
    """The VST3 ``Contents/<arch>-<os>`` folder name for this machine (Linux, Windows)."""
    raw = (machine or platform.machine()).lower()
    if raw in ("amd64", "x64", "x86_64"):
        arch = "x86_64"
    elif raw in ("arm64", "aarch64"):
        arch = "arm64" if os_name == "win" else "aarch64"
    elif raw in ("i386", "i686", "x86"):
        arch = "x86" if os_name == "win" else "i386"
    else:
        arch = raw
    return f"{arch}-{os_name}"


def _info_plist(name: str, identifier: str, version: str) -> bytes:
    """The keys a host reads from a macOS plugin bundle, as an XML plist (plistlib escapes)."""
    keys: dict[str, str | bool] = {
        "CFBundleDevelopmentRegion": "English",
        "CFBundleExecutable": name,
        "CFBundleIdentifier": identifier,
        "CFBundleInfoDictionaryVersion": "6.0",
        "CFBundleName": name,
        "CFBundleDisplayName": name,
        "CFBundlePackageType": "BNDL",
        "CFBundleSignature": "????",
        "CFBundleShortVersionString": version,
        "CFBundleVersion": version,
        "CSResourcesFileMapped": True,
    }
    return plistlib.dumps(keys, fmt=plistlib.FMT_XML, sort_keys=False)


def layout(
    name: str,
    library: Path,
    *,
    platform_name: str | None = None,
    machine: str | None = None,
    identifier: str = "com.wavecraft.plugin",
    version: str = "0.0.0",
) -> tuple[Bundle, Bundle]:
    """The VST3 and CLAP bundles of ``library`` named ``name`` on ``platform_name``.

    ``platform_name`` is a ``sys.platform`` value (default: this machine's), so the macOS
    and Windows layouts can be produced and checked on any machine.
    """
    plat = platform_name or sys.platform
    if plat == "darwin":
        bundles = []
        for fmt, ext in (("vst3", "vst3"), ("clap", "clap")):
            root = f"{name}.{ext}/Contents"
            bundles.append(
                Bundle(
                    fmt,
                    f"{name}.{ext}",
                    {
                        f"{root}/Info.plist": _info_plist(name, f"{identifier}.{ext}", version),
                        f"{root}/PkgInfo": b"BNDL????",
                        f"{root}/MacOS/{name}": library,
                    },
                )
            )
        return bundles[0], bundles[1]
    if plat in ("win32", "cygwin"):
        arch = bundle_arch("win", machine)
        return (
            Bundle("vst3", f"{name}.vst3", {f"{name}.vst3/Contents/{arch}/{name}.vst3": library}),
            Bundle("clap", f"{name}.clap", {f"{name}.clap": library}),
        )
    arch = bundle_arch("linux", machine)
    return (
        Bundle("vst3", f"{name}.vst3", {f"{name}.vst3/Contents/{arch}/{name}.so": library}),
        Bundle("clap", f"{name}.clap", {f"{name}.clap": library}),
    )


def _fix_times(path: Path, epoch: int) -> None:
    os.utime(path, (epoch, epoch), follow_symlinks=False)


def stage(
    bundles: tuple[Bundle, ...], dest: Path, *, epoch: int = DEFAULT_EPOCH
) -> dict[str, str]:
    """Write ``bundles`` below ``dest`` with fixed modes and mtimes; return their sha256s.

    Modes are fixed (0755 binaries and folders, 0644 data) rather than copied, and every
    file and folder gets mtime ``epoch``, so the tree does not depend on umask or build time.
    Each source is read once and hashed as it is read (the library goes into both bundles);
    the result maps each written file's posix path below ``dest`` to the sha256 of its bytes.
    """
    sources: dict[Path, bytes] = {}
    digests: dict[str, str] = {}
    for bundle in bundles:
        for rel, source in sorted(bundle.files.items()):
            target = dest.joinpath(*PurePosixPath(rel).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(source, bytes):
                data, mode = source, _FILE_MODE
            else:
                if source not in sources:
                    sources[source] = source.read_bytes()
                data, mode = sources[source], _BINARY_MODE
            with target.open("wb") as fh:
                fh.write(data)
            target.chmod(mode)
            _fix_times(target, epoch)
            digests[rel] = hashlib.sha256(data).hexdigest()
    # Folders last, deepest first: writing a file would bump its folder's mtime again.
    for folder in sorted((p for p in dest.rglob("*") if p.is_dir()), reverse=True):
        folder.chmod(_DIR_MODE)
        _fix_times(folder, epoch)
    return dict(sorted(digests.items()))


def hash_file(path: Path) -> str:
    """sha256 of one file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def _tolerant() -> Iterator[None]:
    with contextlib.suppress(OSError):
        yield


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with _tolerant():
            path.unlink()


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one step (Linux renameat2); False when not available."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(rc == 0)


@functools.cache
def _renameat2() -> Any:
    """glibc's renameat2 (2.28+), from the symbols already in this process; None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        # CDLL(None) is dlopen(NULL): no library search (find_library would spawn ldconfig).
        func = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    func.restype = ctypes.c_int
    return func


def _aside_name(dest: Path, tag: str) -> Path:
    return dest.with_name(f".{dest.name}.{tag}-{os.getpid()}-{uuid.uuid4().hex[:8]}")


def swap_into(new: Path, dest: Path) -> None:
    """Make ``new`` (same folder as ``dest``) become ``dest``; the old ``dest`` is removed.

    Readers see the old entry or the new one, never a mix: one ``renameat2`` exchange on
    Linux; elsewhere the old entry is renamed aside first (a crash in between leaves it as
    a ``.NAME.old-*`` sibling, which ``remove_leftovers`` restores or clears).
    """
    if not dest.exists() and not dest.is_symlink():
        new.rename(dest)
        return
    if _exchange(new, dest):
        _remove(new)  # now holds the old entry
        return
    old = _aside_name(dest, "old")
    dest.rename(old)
    try:
        new.rename(dest)
    except BaseException:
        old.rename(dest)
        raise
    _remove(old)


def remove_leftovers(dest: Path) -> None:
    """Clear ``.NAME.staging-*`` / ``.NAME.tmp-*`` siblings of ``dest`` that a killed run left.

    Only entries of processes that no longer run are touched. A ``.NAME.old-*`` sibling
    with no ``dest`` beside it is the previous release a crash left aside: it is restored.
    """
    parent = dest.parent
    if not parent.is_dir():
        return
    for entry in parent.iterdir():
        prefix = f".{dest.name}."
        if not entry.name.startswith(prefix):
            continue
        tag, _, rest = entry.name[len(prefix):].partition("-")
        pid_text = rest.split("-", 1)[0]
        if tag not in ("staging", "tmp", "old") or not pid_text.isdigit():
            continue
        if _alive(int(pid_text)):
            continue
        if tag == "old" and not dest.exists():
            entry.rename(dest)
        else:
            _remove(entry)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:  # pragma: no cover - Windows: os.kill(pid, 0) is not a probe there
        return True
    return True


def staging_dir(dest: Path) -> Path:
    """A fresh, empty folder beside ``dest`` (same filesystem, so the final rename is atomic)."""
    path = _aside_name(dest, "staging")
    path.mkdir(parents=True)
    return path


def install_dirs(platform_name: str | None = None, home: Path | None = None,
                 env: Mapping[str, str] | None = None) -> dict[str, Path]:
    """The per-user VST3 and CLAP folders hosts scan, by format.

    Linux ``~/.vst3`` and ``~/.clap``; macOS ``~/Library/Audio/Plug-Ins/{VST3,CLAP}``;
    Windows ``%LOCALAPPDATA%\\Programs\\Common\\{VST3,CLAP}`` (the per-user folders of the
    VST3 and CLAP specs: no administrator rights needed, unlike ``%COMMONPROGRAMFILES%``).
    ``home`` defaults to ``$HOME`` (so tests and sandboxes can redirect it).
    """
    plat = platform_name or sys.platform
    environ = os.environ if env is None else env
    base = home or Path(environ.get("HOME") or Path.home())
    if plat == "darwin":
        root = base / "Library" / "Audio" / "Plug-Ins"
        return {"vst3": root / "VST3", "clap": root / "CLAP"}
    if plat in ("win32", "cygwin"):
        local = Path(environ.get("LOCALAPPDATA") or base / "AppData" / "Local")
        root = local / "Programs" / "Common"
        return {"vst3": root / "VST3", "clap": root / "CLAP"}
    return {"vst3": base / ".vst3", "clap": base / ".clap"}


def install_entry(source: Path, folder: Path) -> Path:
    """Copy the bundle ``source`` (a folder or a file) into ``folder`` atomically.

    The copy goes to a hidden temp sibling first and is swapped in with one rename, so a
    host scanning ``folder`` never sees half a bundle. Only ``folder/<source.name>`` is
    replaced; nothing else in ``folder`` is read, changed or removed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / source.name
    remove_leftovers(dest)
    tmp = _aside_name(dest, "tmp")
    try:
        if source.is_dir():
            shutil.copytree(source, tmp, symlinks=True, copy_function=shutil.copy2)
            shutil.copystat(source, tmp)
        else:
            shutil.copy2(source, tmp)
        swap_into(tmp, dest)
    except BaseException:
        _remove(tmp)
        raise
    return dest
