"""The X test tooling itself, against real X clients from x11-apps: a window is found by
its name, captured and read by OCR; a button highlights when the pointer enters it, and a
real click reaches the client (xmessage exits with that button's code).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import xtools
from helpers import REPO
from required_tools import require_tool

from wavecraft_build import _proc


@pytest.fixture
def client(xvfb_display: str) -> Iterator[object]:
    started: list[subprocess.Popen[bytes]] = []

    def start(*argv: str) -> subprocess.Popen[bytes]:
        require_tool(argv[0], f"{xtools.APT_LINE} (the X test tools are tested on x11-apps)")
        proc = _proc.spawn(list(argv))
        started.append(proc)
        return proc

    yield start
    for proc in started:
        _proc.kill_group(proc)


def test_xvfb_is_a_24_bit_screen_of_its_own(xvfb_display: str) -> None:
    assert xvfb_display.startswith(":")
    screen = xtools.capture()
    assert screen.shape == (xtools.SCREEN[1], xtools.SCREEN[0], 3)


def test_xmessage_is_found_captured_and_read(client: object, tmp_path: Path) -> None:
    assert callable(client)
    proc = client("xmessage", "-name", "wc-xmessage", "-geometry", "+40+40",
                  "Gain Cutoff")
    window = xtools.wait_for_window(lambda: xtools.search(name="^wc-xmessage$"))
    assert window in xtools.search(pid=proc.pid) or xtools.geometry(window).viewable
    image = xtools.capture(window)
    g = xtools.geometry(window)
    assert image.shape == (g.height, g.width, 3)
    assert image.std() > 5  # not a blank rectangle
    xtools.save_png(image, tmp_path / "xmessage.png")
    text = xtools.ocr(image, tmp_path)
    assert "Gain" in text and "Cutoff" in text, text


def _button(window: int) -> tuple[int, int]:
    """The centre of xmessage's button: the child window in its bottom half."""
    g = xtools.geometry(window)
    for wid, _name, _w, _h in xtools.children(window):
        c = xtools.geometry(wid)
        if c.y > g.y + g.height // 2:
            return c.x + c.width // 2, c.y + c.height // 2
    raise AssertionError(f"no button below the text: {xtools.children(window)}")


def test_the_pointer_entering_a_button_changes_its_pixels(client: object) -> None:
    assert callable(client)
    client("xmessage", "-name", "wc-hover", "-geometry", "+400+300", "-buttons", "Apply:7",
           "hover here")
    window = xtools.wait_for_window(lambda: xtools.search(name="^wc-hover$"))
    xtools.mouse_move(5, 5)
    time.sleep(0.2)
    away = xtools.capture(window)
    assert xtools.changed_fraction(away, away) == 0.0
    xtools.mouse_move(*_button(window))  # the Athena button draws its highlight
    deadline = time.monotonic() + 5
    changed = 0.0
    while time.monotonic() < deadline and changed < 0.003:
        time.sleep(0.1)
        changed = xtools.changed_fraction(away, xtools.capture(window))
    assert changed >= 0.003, changed


def test_a_real_click_reaches_the_client(client: object, tmp_path: Path) -> None:
    assert callable(client)
    proc = client("xmessage", "-name", "wc-button", "-geometry", "+600+100",
                  "-buttons", "Apply:7", "press it")
    window = xtools.wait_for_window(lambda: xtools.search(name="^wc-button$"))
    xtools.click(*_button(window))
    assert _proc.wait(proc, 10) == 7


def test_parse_xwd_rejects_what_it_cannot_read() -> None:
    header = bytearray(100)
    header[4:8] = (6).to_bytes(4, "big")  # file version 6
    with pytest.raises(ValueError, match="unsupported XWD"):
        xtools.parse_xwd(bytes(header))


def test_ci_installs_every_package_the_x_tools_need() -> None:
    script = (REPO / ".ci" / "run").read_text()
    apt = script.split("apt-get install -y", 1)[1].split("\nneed ", 1)[0]
    assert set(xtools.PACKAGES.values()) <= set(apt.replace("\\", " ").split())
    assert all(part in xtools.APT_LINE for part in xtools.PACKAGES.values())
