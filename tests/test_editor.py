"""The plugin's editor: the helper under Xvfb, the released bundle in a CLAP host, the
fallback build without WebKitGTK, and the protocol both ends share.

Real parts throughout: the helper is the executable `release` builds, the X server is Xvfb,
the page is WebKitGTK in a plain X window (``benchmarks.xserver.plain_window``). Readiness is
the page's own ``editorReady`` message (sent once the app has its parameters and painted),
read from the helper's stdout. The released bundle in real hosts (the clack-host CLAP host,
pedalboard) is tests/test_editor_clap.py and tests/test_editor_vst3.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from fixtures_editor import ReleasedEditor
from fixtures_release import ReleasedTemplate
from helpers import REPO

from benchmarks.xserver import plain_window
from wavecraft_build.engine import protocol
from wavecraft_build.release import editor as editor_build

RPC_RS = REPO / "templates" / "sdk" / "wavecraft-sdk" / "src" / "editor" / "rpc.rs"
#: Generous: WebKitGTK's first start (its web process, the page's JS) under a loaded CI box.
READY_TIMEOUT = 60.0

_ECHO_PAGE = """<!doctype html><html><head><title>Echo</title></head><body>
<h1>Echo page</h1><script>
window.__WAVECRAFT_IPC__.onMessage(function (text) {
  window.__WAVECRAFT_IPC__.postMessage(JSON.stringify({jsonrpc: '2.0', method: 'echo',
                                                        params: JSON.parse(text).params}));
});
requestAnimationFrame(function () { window.__WAVECRAFT_IPC__.ready({page: 'echo'}); });
</script></body></html>"""
_LEAVING_PAGE = """<!doctype html><body><p>leaving</p><script>
var opened = window.open('https://example.com/popup');
location.href = 'https://example.com/';
setTimeout(function () {
  window.__WAVECRAFT_IPC__.postMessage(JSON.stringify({jsonrpc: '2.0', method: 'stillHere',
      params: {href: location.href, opened: opened !== null}}));
}, 1500);
</script></body>"""
_THROWING_PAGE = "<!doctype html><body><script>throw new Error('boom at load')</script></body>"


def _blob(tmp_path: Path, files: dict[str, str]) -> Path:
    dist = tmp_path / "dist"
    dist.mkdir()
    for name, text in files.items():
        (dist / name).write_text(text)
    return editor_build.write_ui_blob(dist if files else None, tmp_path / "ui.bin")


class _Helper:
    """The helper in a plain X window, its stdout read line by line (JSON)."""

    def __init__(self, helper: Path, display: str, blob: Path) -> None:
        self._stack = contextlib.ExitStack()
        self.window = self._stack.enter_context(plain_window(display, 640, 480))
        self.proc = subprocess.Popen(
            [str(helper), "--parent", str(self.window), "--width", "640", "--height", "480",
             "--assets", str(blob)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={**os.environ, "DISPLAY": display},
            text=True,
        )

    def next_message(self, timeout: float = READY_TIMEOUT) -> dict[str, object]:
        assert self.proc.stdout is not None
        import selectors

        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            assert sel.select(timeout), f"no message from the helper within {timeout} s"
        line = self.proc.stdout.readline()
        assert line, f"the helper exited (code {self.proc.wait(5)})"
        message: dict[str, object] = json.loads(line)
        return message

    def send(self, message: dict[str, object]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()

    def close(self) -> int | None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            code = self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = None
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._stack.close()
        return code


@pytest.fixture
def helper_in_window(
    editor_helper: Path, xdisplay: str, tmp_path: Path
) -> Iterator[type[_Helper]]:
    started: list[_Helper] = []

    class Started(_Helper):
        def __init__(self, helper: Path, display: str, blob: Path) -> None:
            super().__init__(helper, display, blob)
            started.append(self)

    yield Started
    for helper in started:
        if helper.proc.poll() is None:
            helper.close()


def test_helper_shows_the_page_in_a_plain_x_window_and_relays_both_ways(
    helper_in_window: type[_Helper], editor_helper: Path, xdisplay: str, tmp_path: Path
) -> None:
    helper = helper_in_window(editor_helper, xdisplay, _blob(tmp_path, {"index.html": _ECHO_PAGE}))
    ready = helper.next_message()
    assert ready["method"] == "editorReady", ready
    assert isinstance(ready["params"], dict) and ready["params"]["page"] == "echo"
    helper.send({"jsonrpc": "2.0", "method": "parameterChanged", "params": {"id": "a", "value": 2}})
    echo = helper.next_message(20)
    assert echo == {"jsonrpc": "2.0", "method": "echo", "params": {"id": "a", "value": 2}}
    # The plugin closing the editor = end of stdin: the helper quits by itself.
    assert helper.close() == 0


def test_the_page_cannot_leave_for_another_site(
    helper_in_window: type[_Helper], editor_helper: Path, xdisplay: str, tmp_path: Path
) -> None:
    """A script sending the editor elsewhere (or opening a window) is refused: the page
    stays on the embedded UI and keeps talking to the plugin."""
    blob = _blob(tmp_path, {"index.html": _LEAVING_PAGE})
    helper = helper_in_window(editor_helper, xdisplay, blob)
    message = helper.next_message(20)
    assert message["method"] == "stillHere", message
    assert message["params"] == {"href": "wavecraft://localhost/index.html", "opened": False}
    assert helper.close() == 0


@pytest.mark.parametrize(
    ("files", "expected"),
    [({"index.html": _THROWING_PAGE}, "boom at load"), ({}, "built without its UI")],
    ids=["js-exception", "no-ui"],
)
def test_helper_reports_a_broken_or_missing_ui(
    helper_in_window: type[_Helper], editor_helper: Path, xdisplay: str, tmp_path: Path,
    files: dict[str, str], expected: str,
) -> None:
    """A page that throws, or a bundle without a UI, shows an error page (not a blank
    editor) and says why over the pipe."""
    helper = helper_in_window(editor_helper, xdisplay, _blob(tmp_path, files))
    message = helper.next_message()
    assert message["method"] == "editorError", message
    assert expected in json.dumps(message["params"])


@pytest.mark.slow
def test_only_the_release_library_carries_the_editor(
    released_editor: ReleasedEditor, released_template: ReleasedTemplate
) -> None:
    """The helper (with its IPC script) is inside the editor bundle, and in neither the
    discovery build `dev` uses nor a release without the editor."""
    marker = b"__WAVECRAFT_IPC__"
    assert marker in released_editor.report.bundles["clap"].read_bytes()
    assert marker not in released_template.report.bundles["clap"].read_bytes()
    with_editor = json.loads(released_editor.report.manifest.read_text())
    without = json.loads(released_template.report.manifest.read_text())
    assert with_editor["editor"] is True and "editor" in with_editor["features"]
    assert without["editor"] is False and "editor" not in without["features"]
    wheel = released_template.report.wheel
    assert wheel is not None
    import zipfile

    with zipfile.ZipFile(wheel) as zf:
        assert all(marker not in zf.read(n) for n in zf.namelist() if n.endswith(".so"))


@pytest.mark.slow
def test_the_plugin_links_no_gui_library(released_editor: ReleasedEditor) -> None:
    """The library a host loads needs neither GTK nor WebKit (only the helper does), so it
    loads and plays on a machine without them."""
    from elftools.elf.dynamic import DynamicSection
    from elftools.elf.elffile import ELFFile

    with released_editor.report.bundles["clap"].open("rb") as f:
        needed = [str(tag.needed) for section in ELFFile(f).iter_sections()  # type: ignore[attr-defined]
                  if isinstance(section, DynamicSection)
                  for tag in section.iter_tags() if tag.entry.d_tag == "DT_NEEDED"]
    assert needed and "libc.so.6" in needed
    assert not [n for n in needed if re.search(r"gtk|gdk|webkit|glib|soup|X11", n)], needed


@pytest.mark.slow
def test_release_without_webkitgtk_ships_bundles_without_the_editor_and_says_so(
    released_template: ReleasedTemplate, cargo_target_dir: Path, tmp_path: Path
) -> None:
    """No WebKitGTK .pc files (as on a machine with only Python, Rust and Node): the
    release still succeeds, without the editor, and one line says what to install."""
    empty = tmp_path / "no-pkgconfig"
    empty.mkdir()
    env = {**os.environ, "PKG_CONFIG_LIBDIR": str(empty), "PKG_CONFIG_PATH": "",
           "CARGO_TARGET_DIR": str(cargo_target_dir)}
    out = tmp_path / "bundled"
    done = subprocess.run(
        [sys.executable, "-m", "wavecraft_build.cli", "release", "--project",
         str(released_template.project.root), "--no-wheel", "--no-ui", "--skip-tests",
         "--out", str(out), "--quiet"],
        capture_output=True, text=True, env=env, timeout=900, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [ln for ln in done.stderr.splitlines() if "editor" in ln]
    assert len(lines) == 1 and editor_build.APT_DEV in lines[0], done.stderr
    assert b"__WAVECRAFT_IPC__" not in (out / f"{released_template.report.bundles['clap'].name}"
                                        ).read_bytes()


def test_missing_reason_names_the_apt_package(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PKG_CONFIG_LIBDIR", str(tmp_path))
    monkeypatch.setenv("PKG_CONFIG_PATH", "")
    reason = editor_build.missing_reason()
    assert reason is not None and editor_build.APT_DEV in reason
    # macOS and Windows need nothing installed: the webview comes with the OS.
    assert editor_build.missing_reason("darwin") is None
    assert editor_build.missing_reason("win32") is None
    assert editor_build.missing_reason("freebsd") == (
        "no editor on freebsd: it is built for Linux, macOS and Windows")


def test_macos_and_windows_editors_embed_the_ui_and_build_no_helper(tmp_path: Path) -> None:
    """Their webview is in the plugin: `prepare` packs the UI, builds no helper (the runner
    would fail the test) and gives cargo only the UI's path."""
    manifest = tmp_path / "Cargo.toml"
    manifest.write_text('[package]\nname = "p"\n[features]\neditor = ["wavecraft/editor"]\n')
    calls: list[Sequence[str]] = []

    def runner(argv: Sequence[str], cwd: Path, env: dict[str, str] | None) -> tuple[int, str]:
        calls.append(argv)
        return 1, "no helper build expected"

    for platform in ("darwin", "win32"):
        built, why_not = editor_build.prepare(manifest, None, tmp_path / "ui.bin", runner,
                                              "cargo", platform=platform)
        assert why_not is None and built is not None and built.helper is None
        assert dict(built.env()) == {editor_build.UI_ENV: str(tmp_path / "ui.bin")}
    assert calls == []
    assert (tmp_path / "ui.bin").read_bytes() == editor_build.MAGIC


def test_ui_blob_is_deterministic_and_unchanged_blob_is_not_rewritten(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<html></html>")
    (dist / "assets" / "a.js").write_text("x")
    blob = editor_build.write_ui_blob(dist, tmp_path / "ui.bin")
    first = blob.read_bytes()
    assert first.startswith(b"WCUI1\n") and b"assets/a.js" in first
    mtime = blob.stat().st_mtime_ns
    time.sleep(0.01)
    editor_build.write_ui_blob(dist, blob)
    assert blob.read_bytes() == first and blob.stat().st_mtime_ns == mtime


def test_editor_rpc_error_codes_are_the_protocols() -> None:
    """The plugin answers with protocol.py's error codes (the one definition)."""
    text = RPC_RS.read_text()
    codes = dict(re.findall(r"pub const ([A-Z_]+): i64 = (-?\d+);", text))
    expected = {e.name: str(e.code) for e in protocol.ERRORS if e.name in codes}
    assert codes == expected and len(codes) == 6
    for method in protocol.METHODS:
        if method.name not in protocol.ADDITIONS:
            assert f'"{method.name}"' in text, method.name


@pytest.mark.slow
def test_sdk_editor_code_keeps_the_sdk_clippy_rules(
    editor_helper: Path, cargo_target_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cargo clippy --lib --features editor` on the SDK: clean, including clippy.toml's
    rules (no lazy global state, no leaks) and `-D warnings`; its editor unit tests pass."""
    from fixtures_template import copy_sdk, run_cargo

    sdk = copy_sdk(tmp_path)
    blob = editor_build.write_ui_blob(None, tmp_path / "ui.bin")
    monkeypatch.setenv(editor_build.HELPER_ENV, str(editor_helper))
    monkeypatch.setenv(editor_build.UI_ENV, str(blob))
    done = run_cargo(sdk, ["clippy", "--lib", "--features", "editor", "--message-format=short",
                           "--", "-D", "warnings"], cargo_target_dir / "sdk-clippy")
    assert done.returncode == 0, done.stderr[-3000:]
    # The editor's unit tests (the outbox of macOS and Windows is plain Rust, tested here).
    done = run_cargo(sdk, ["test", "--lib", "--features", "editor", "editor::"],
                     cargo_target_dir / "sdk-clippy")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "outbox_is_bounded_and_drops_the_oldest ... ok" in done.stdout
