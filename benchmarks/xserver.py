"""Real X11 for the editor tests and benchmarks: a private Xvfb, windows, captures, OCR,
real input.

``xvfb(work)`` starts ``Xvfb -displayfd`` (it picks a free display number itself) with a
24-bit screen, what a desktop's window manager and XSettings manager leave on the server
(the WM atoms, ``xsettingsd``: JUCE, and so pedalboard's editor window, dies with BadAtom or
BadWindow errors on a bare X server); the
plugins under test get no other variable than ``DISPLAY``. The rest are plain functions over
the command-line tools a desktop user has too: ``xdotool`` and ``xwininfo`` find windows
(by pid, name or as a host window's children), ``xwd`` captures the screen (parsed here with
numpy, cropped to a window, written as PNG with Pillow), ``tesseract`` reads text,
``xdotool`` moves the pointer, clicks, drags and types: the X server sees the same events a
user makes. Every child starts through ``wavecraft_build._proc``. The tests' fixture is
tests/xtools.py.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import re
import struct
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from wavecraft_build import _proc

__all__ = [
    "SCREEN",
    "WM_ATOMS",
    "Geometry",
    "XError",
    "capture",
    "changed_fraction",
    "children",
    "click",
    "drag",
    "find_text",
    "geometry",
    "intern_wm_atoms",
    "key",
    "mouse_down",
    "mouse_move",
    "mouse_up",
    "ocr",
    "parse_xwd",
    "plain_window",
    "pointer",
    "save_png",
    "search",
    "wait_for_window",
    "xvfb",
]

SCREEN = (1280, 1024)


class XError(RuntimeError):
    """An X tool failed or the X server did not start."""


def _run(*argv: str, timeout: float = 30.0) -> str:
    done = _proc.run(list(argv), timeout=timeout)
    if not done.ok:
        raise XError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


@contextlib.contextmanager
def xvfb(work: Path) -> Iterator[str]:
    """A private Xvfb (free display number, 24-bit) with xsettingsd; yields ``:N``.
    ``DISPLAY`` is set to it in this process while the block runs."""
    read_fd, write_fd = os.pipe()
    if write_fd < 3:  # pass_fds must not collide with stdio
        write_fd, old = os.dup(write_fd), write_fd
        os.close(old)
    width, height = SCREEN
    proc = _proc.spawn(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24",
         "-nolisten", "tcp", "-noreset"],
        pass_fds=[write_fd],
    )
    os.close(write_fd)
    with _proc.guard(proc):
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()
        if not number.isdigit():
            _proc.kill_group(proc)
            raise XError(f"Xvfb did not report a display (exit {proc.poll()})")
        display = f":{number}"
        old_display = os.environ.get("DISPLAY")
        os.environ["DISPLAY"] = display
        settings = None
        try:
            intern_wm_atoms(display)
            settings = _start_xsettings(display, work)
            yield display
        finally:
            if settings is not None:
                _proc.kill_group(settings)
            if old_display is None:
                os.environ.pop("DISPLAY", None)
            else:
                os.environ["DISPLAY"] = old_display
            _proc.kill_group(proc)


#: Atoms a window manager creates on a desktop. JUCE (pedalboard) looks them up with
#: "only if it exists" and then sets properties with atom 0 (BadAtom) where none ran.
WM_ATOMS = (
    "WM_PROTOCOLS", "WM_TAKE_FOCUS", "WM_DELETE_WINDOW", "WM_CHANGE_STATE", "WM_STATE",
    "WM_CLIENT_LEADER", "WM_WINDOW_ROLE", "_NET_WM_PING", "_NET_WM_WINDOW_TYPE",
    "_NET_WM_WINDOW_TYPE_NORMAL", "_NET_WM_WINDOW_TYPE_DIALOG", "_NET_WM_WINDOW_TYPE_COMBO",
    "_NET_WM_WINDOW_TYPE_POPUP_MENU", "_NET_WM_STATE", "_NET_WM_STATE_HIDDEN",
    "_NET_WM_STATE_FULLSCREEN", "_NET_WM_STATE_SKIP_TASKBAR", "_NET_WM_STATE_ABOVE",
    "_MOTIF_WM_HINTS", "_NET_FRAME_EXTENTS", "_NET_WM_NAME", "UTF8_STRING",
)


def _libx11() -> ctypes.CDLL:
    """libX11 through ctypes, with the signatures used here."""
    name = ctypes.util.find_library("X11")
    if name is None:
        raise XError("libX11 is missing (apt-get install libx11-6)")
    x11 = ctypes.CDLL(name)
    ptr, ulong = ctypes.c_void_p, ctypes.c_ulong
    x11.XOpenDisplay.restype = ptr
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XInternAtom.restype = ulong
    x11.XInternAtom.argtypes = [ptr, ctypes.c_char_p, ctypes.c_int]
    x11.XDefaultRootWindow.restype = ulong
    x11.XDefaultRootWindow.argtypes = [ptr]
    x11.XCreateSimpleWindow.restype = ulong
    x11.XCreateSimpleWindow.argtypes = [ptr, ulong, ctypes.c_int, ctypes.c_int, ctypes.c_uint,
                                        ctypes.c_uint, ctypes.c_uint, ulong, ulong]
    x11.XStoreName.argtypes = [ptr, ulong, ctypes.c_char_p]
    x11.XMapWindow.argtypes = [ptr, ulong]
    x11.XFlush.argtypes = [ptr]
    x11.XDestroyWindow.argtypes = [ptr, ulong]
    x11.XCloseDisplay.argtypes = [ptr]
    return x11


@contextlib.contextmanager
def _x_connection(display: str) -> Iterator[tuple[ctypes.CDLL, int]]:
    x11 = _libx11()
    handle = x11.XOpenDisplay(display.encode())
    if not handle:
        raise XError(f"cannot open {display}")
    try:
        yield x11, handle
    finally:
        x11.XCloseDisplay(handle)


def intern_wm_atoms(display: str) -> None:
    """Create ``WM_ATOMS`` on ``display`` (libX11's XInternAtom through ctypes)."""
    with _x_connection(display) as (x11, handle):
        for atom in WM_ATOMS:
            if not x11.XInternAtom(handle, atom.encode(), 0):
                raise XError(f"XInternAtom({atom}) failed on {display}")


@contextlib.contextmanager
def plain_window(display: str, width: int, height: int,
                 title: str = "wavecraft-test-window") -> Iterator[int]:
    """A mapped, white top-level window on ``display``, as a host gives its plugin's editor;
    yields its id and destroys it afterwards."""
    with _x_connection(display) as (x11, handle):
        root = x11.XDefaultRootWindow(handle)
        window = int(x11.XCreateSimpleWindow(handle, root, 0, 0, width, height, 0, 0, 0xFFFFFF))
        x11.XStoreName(handle, window, title.encode())
        x11.XMapWindow(handle, window)
        x11.XFlush(handle)
        try:
            yield window
        finally:
            x11.XDestroyWindow(handle, window)
            x11.XFlush(handle)


def _start_xsettings(display: str, work: Path) -> subprocess.Popen[bytes]:
    """xsettingsd on ``display`` (its config file in ``work``)."""
    config = work / "xsettingsd.conf"
    config.write_text('Net/ThemeName "Adwaita"\n')
    proc = _proc.spawn(["xsettingsd", "-c", str(config)], stderr=subprocess.DEVNULL,
                       env={**os.environ, "DISPLAY": display})
    time.sleep(0.3)  # it takes the selection at start-up; a failed start has exited
    if proc.poll() is not None:
        raise XError(f"xsettingsd did not start on {display} (exit {proc.returncode})")
    return proc


# -- finding windows ------------------------------------------------------------------


def search(*, pid: int | None = None, name: str | None = None, visible: bool = True) -> list[int]:
    """Window ids that ``xdotool search`` finds by ``_NET_WM_PID`` and/or a name regex."""
    argv = ["xdotool", "search"]
    if visible:
        argv.append("--onlyvisible")
    if pid is not None:
        argv += ["--pid", str(pid)]
    if name is not None:
        argv += ["--name", name]
    done = _proc.run(argv, timeout=15.0)  # exit 1: nothing found
    return [int(line) for line in done.stdout.split() if line.isdigit()]


_TREE_LINE = re.compile(r"^\s+(0x[0-9a-f]+) (\(has no name\)|\".*?\"):.*?(\d+)x(\d+)\+", re.M)


def children(window: int) -> list[tuple[int, str, int, int]]:
    """(id, name, width, height) of every window below ``window``, depth first
    (``xwininfo -tree``)."""
    out = _run("xwininfo", "-tree", "-id", str(window))
    found = []
    for wid, name, width, height in _TREE_LINE.findall(out.split("child", 1)[-1]):
        found.append((int(wid, 16), name.strip('"'), int(width), int(height)))
    return found


@dataclass(frozen=True)
class Geometry:
    x: int
    y: int
    width: int
    height: int
    viewable: bool


def geometry(window: int) -> Geometry:
    """Absolute position, size and map state of ``window`` (``xwininfo``)."""
    out = _run("xwininfo", "-id", str(window))

    def field(label: str) -> str:
        match = re.search(rf"{label}:\s+(\S+)", out)
        if match is None:
            raise XError(f"xwininfo gave no {label!r}: {out}")
        return match.group(1)

    return Geometry(
        x=int(field("Absolute upper-left X")),
        y=int(field("Absolute upper-left Y")),
        width=int(field("Width")),
        height=int(field("Height")),
        viewable=field("Map State") == "IsViewable",
    )


def wait_for_window(find: Callable[[], list[int] | int | None], timeout: float = 30.0) -> int:
    """Poll ``find()`` (window ids, one id or None) until it gives one; the first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = find()
        if isinstance(found, list):
            found = found[0] if found else None
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"no window appeared within {timeout:.0f} s")


# -- captures ---------------------------------------------------------------------------

_XWD_HEADER = struct.Struct(">25I")


def parse_xwd(data: bytes) -> np.ndarray:
    """An XWD (ZPixmap, 24/32 bits per pixel, TrueColor) file as an RGB uint8 array."""
    header = _XWD_HEADER.unpack_from(data)
    (header_size, version, pixmap_format, _depth, width, height, _xoff, byte_order,
     _unit, _bit_order, _pad, bits_per_pixel, bytes_per_line, _visual, red_mask,
     green_mask, blue_mask, _bits_rgb, _entries, ncolors) = header[:20]
    if version != 7 or pixmap_format != 2 or bits_per_pixel not in (24, 32):
        raise ValueError(f"unsupported XWD: version {version}, format {pixmap_format}, "
                         f"{bits_per_pixel} bits per pixel")
    start = header_size + ncolors * 12
    rows = np.frombuffer(data, np.uint8, count=height * bytes_per_line, offset=start)
    rows = rows.reshape(height, bytes_per_line)
    step = bits_per_pixel // 8
    raw = rows[:, : width * step].reshape(height, width, step).astype(np.uint32)
    # byte_order 0 is LSBFirst: the first byte is the lowest of the pixel value.
    order = range(step) if byte_order == 0 else range(step - 1, -1, -1)
    pixel = np.zeros((height, width), np.uint32)
    for shift, index in enumerate(order):
        pixel |= raw[:, :, index] << (8 * shift)
    channels = []
    for mask in (red_mask, green_mask, blue_mask):
        low = (mask & -mask).bit_length() - 1
        channels.append(((pixel & mask) >> low).astype(np.uint8))
    return np.stack(channels, axis=-1)


def capture(window: int | None = None) -> np.ndarray:
    """What the screen shows of ``window`` (children included), or the whole screen.

    The root is captured and cropped: under Xvfb there is no compositor, so the screen's
    pixels are what a user would see, whichever client (or child process) drew them.
    """
    screen = parse_xwd(_proc_bytes(["xwd", "-silent", "-root"]))
    if window is None:
        return screen
    g = geometry(window)
    return screen[max(g.y, 0): g.y + g.height, max(g.x, 0): g.x + g.width].copy()


def _proc_bytes(argv: list[str]) -> bytes:
    proc = _proc.spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with _proc.guard(proc):
        out, err = proc.communicate(timeout=30)
    if proc.returncode != 0:
        raise XError(f"{' '.join(argv)} failed: {err.decode(errors='replace')}")
    return out


def save_png(image: np.ndarray, path: Path) -> Path:
    Image.fromarray(image, "RGB").save(path)
    return path


_MARGIN = 20


def _ocr_input(image: np.ndarray, work: Path, scale: int) -> Path:
    picture = Image.fromarray(image, "RGB").convert("L")
    if scale > 1:
        picture = picture.resize((picture.width * scale, picture.height * scale),
                                 Image.Resampling.LANCZOS)
    path = work / f"ocr-{time.monotonic_ns()}.png"
    ImageOps.expand(picture, _MARGIN, fill=255).save(path)
    return path


def ocr(image: np.ndarray, work: Path, *, scale: int = 3, modes: tuple[int, ...] = (6, 3)) -> str:
    """The text ``tesseract`` reads in ``image``, upscaled ``scale`` times (UI text is
    small), grey, with a white margin; each page segmentation mode in ``modes`` reads once
    and the texts are joined (6, one block, reads short labels; 3, automatic, a page)."""
    path = _ocr_input(image, work, scale)
    return "\n".join(_run("tesseract", str(path), "stdout", "--psm", str(mode), timeout=60.0)
                     for mode in modes)


def find_text(image: np.ndarray, phrase: str, work: Path, *,
              scale: int = 3) -> tuple[int, int, int, int] | None:
    """Where OCR reads ``phrase`` (its words in a row) in ``image``: (x, y, width, height)
    in the image's pixels, or None."""
    path = _ocr_input(image, work, scale)
    tsv = _run("tesseract", str(path), "stdout", "--psm", "11", "tsv", timeout=60.0)
    words = []
    for line in tsv.splitlines()[1:]:
        cols = line.split("\t")
        if len(cols) == 12 and cols[11].strip():
            left, top, width, height = (int(c) for c in cols[6:10])
            words.append((cols[11].strip().lower(), left, top, width, height))
    wanted = phrase.lower().split()
    for i in range(len(words) - len(wanted) + 1):
        run = words[i: i + len(wanted)]
        if [w[0] for w in run] == wanted:
            left = min(w[1] for w in run)
            top = min(w[2] for w in run)
            right = max(w[1] + w[3] for w in run)
            bottom = max(w[2] + w[4] for w in run)
            return ((left - _MARGIN) // scale, (top - _MARGIN) // scale,
                    (right - left) // scale, (bottom - top) // scale)
    return None


def changed_fraction(before: np.ndarray, after: np.ndarray, *, threshold: int = 24) -> float:
    """The share of pixels whose largest channel difference exceeds ``threshold``."""
    if before.shape != after.shape:
        raise ValueError(f"regions differ in size: {before.shape} vs {after.shape}")
    diff = np.abs(before.astype(np.int16) - after.astype(np.int16)).max(axis=-1)
    return float(np.count_nonzero(diff > threshold) / diff.size)


# -- real input -------------------------------------------------------------------------


def pointer() -> tuple[int, int]:
    """Where the pointer is now (screen coordinates)."""
    out = _run("xdotool", "getmouselocation", "--shell")
    where = dict(line.split("=", 1) for line in out.split())
    return int(where["X"]), int(where["Y"])


def mouse_move(x: int, y: int) -> None:
    """Move the pointer to absolute screen coordinates (waits until the server did; a move
    to where the pointer already is returns at once: ``--sync`` would wait for nothing)."""
    if pointer() != (x, y):
        _run("xdotool", "mousemove", "--sync", str(x), str(y))


def mouse_down(button: int = 1) -> None:
    _run("xdotool", "mousedown", str(button))


def mouse_up(button: int = 1) -> None:
    _run("xdotool", "mouseup", str(button))


def click(x: int, y: int, button: int = 1) -> None:
    mouse_move(x, y)
    _run("xdotool", "click", str(button))


def drag(start: tuple[int, int], end: tuple[int, int], *, steps: int = 12,
         pause: float = 0.02) -> None:
    """Press at ``start``, move in ``steps`` to ``end``, release: a user's drag."""
    mouse_move(*start)
    mouse_down()
    try:
        for i in range(1, steps + 1):
            x = round(start[0] + (end[0] - start[0]) * i / steps)
            y = round(start[1] + (end[1] - start[1]) * i / steps)
            mouse_move(x, y)
            time.sleep(pause)
    finally:
        mouse_up()


def key(*keys: str, window: int | None = None) -> None:
    """Type ``keys`` (xdotool names: ``Right``, ``Home``, ``ctrl+a``) to the focused window."""
    argv = ["xdotool", "key"]
    if window is not None:
        argv += ["--window", str(window)]
    _run(*argv, *keys)
