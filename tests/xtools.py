"""The X test tooling for pytest: the session's Xvfb and the tools it needs.

``xvfb_display`` (session fixture) runs one private Xvfb with an XSettings manager for the
whole session (``benchmarks.xserver.xvfb``) and sets ``DISPLAY``; a missing X tool fails
under CI=true and skips locally with its install line (``required_tools``). The functions
the tests use (windows, captures, OCR, real input) are ``benchmarks/xserver.py``'s,
re-exported here, so tests and benchmarks share one implementation.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from required_tools import require_tool

from benchmarks.xserver import (
    SCREEN,
    Geometry,
    XError,
    capture,
    changed_fraction,
    children,
    click,
    drag,
    geometry,
    key,
    mouse_down,
    mouse_move,
    mouse_up,
    ocr,
    parse_xwd,
    save_png,
    search,
    wait_for_window,
    xvfb,
)

__all__ = [
    "APT_LINE",
    "PACKAGES",
    "SCREEN",
    "Geometry",
    "XError",
    "capture",
    "changed_fraction",
    "children",
    "click",
    "drag",
    "geometry",
    "key",
    "mouse_down",
    "mouse_move",
    "mouse_up",
    "ocr",
    "parse_xwd",
    "require_x_tools",
    "save_png",
    "search",
    "wait_for_window",
    "xvfb_display",
]

#: What these tools need, as the one apt line in .ci/run installs it.
APT_LINE = "apt-get install xvfb xsettingsd xdotool x11-apps x11-utils tesseract-ocr"
PACKAGES = {
    "Xvfb": "xvfb",
    "xsettingsd": "xsettingsd",
    "xdotool": "xdotool",
    "xwininfo": "x11-utils",
    "xwd": "x11-apps",
    "tesseract": "tesseract-ocr",
}


def require_x_tools() -> None:
    """Every tool here, else ``missing()`` (a failure under CI=true) with its install line."""
    for tool, package in PACKAGES.items():
        require_tool(tool, f"apt-get install {package} (the editor tests drive a real X server)")


@pytest.fixture(scope="session")
def xvfb_display(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private Xvfb for the session (free display number, 24-bit); DISPLAY points at it."""
    require_x_tools()
    try:
        server = xvfb(tmp_path_factory.mktemp("xserver"))
        display = server.__enter__()
    except XError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield display
    finally:
        server.__exit__(None, None, None)
