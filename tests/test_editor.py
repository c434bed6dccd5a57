"""The plugin's editor: the helper under Xvfb, the released bundle in a CLAP host, the
fallback build without WebKitGTK, and the protocol both ends share.

Real parts throughout: the helper is the executable `release` builds, the X server is Xvfb,
the page is WebKitGTK, the host is a ctypes CLAP host in a child process
(``editor_clap_host.py``) loading the released ``.clap``. Readiness is the page's own
``editorReady`` message (sent once the app has its parameters and painted), read from the
helper's stdout or, through the plugin, from the ``WAVECRAFT_EDITOR_TRACE`` file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from editor_clap_host import close_window, open_window
from fixtures_editor import ReleasedEditor, require_editor_deps
from fixtures_release import ReleasedTemplate
from helpers import REPO, alive, wait_for

from wavecraft_build.engine import protocol
from wavecraft_build.release import editor as editor_build

HOST_SCRIPT = Path(__file__).resolve().parent / "editor_clap_host.py"
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
        self.x, self.window = open_window(640, 480, display.encode())
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
        close_window(self.x, self.window)
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


_last_stderr: list[str] = []


@pytest.mark.slow
def test_a_page_that_shows_something_but_never_says_ready_is_reported_not_replaced(
    helper_in_window: type[_Helper], editor_helper: Path, xdisplay: str, tmp_path: Path
) -> None:
    """An App that does not use the generated hooks never sends editorReady: after the
    start timeout (10 s) that is reported (mounted: true), and the page stays as it is."""
    page = "<!doctype html><body><h1>My own UI</h1></body>"
    helper = helper_in_window(editor_helper, xdisplay, _blob(tmp_path, {"index.html": page}))
    message = helper.next_message(40)
    assert message["method"] == "editorError", message
    assert isinstance(message["params"], dict) and message["params"]["mounted"] is True


def _host(
    bundle: Path, display: str, seconds: float, tmp_path: Path, *args: str,
    env_extra: dict[str, str] | None = None,
) -> tuple[dict[str, object], list[dict[str, object]]]:
    """Run the CLAP host child; its report and the plugin's trace events (its stderr, the
    host's log, in ``_last_stderr[-1]``)."""
    trace = tmp_path / "trace.jsonl"
    env = {**os.environ, "DISPLAY": display, "WAVECRAFT_EDITOR_TRACE": str(trace),
           "XDG_CACHE_HOME": str(tmp_path / "cache"), **(env_extra or {})}
    done = subprocess.run([sys.executable, str(HOST_SCRIPT), str(bundle), str(seconds), *args],
                          capture_output=True, text=True, env=env, timeout=seconds + 60,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    _last_stderr.append(done.stderr)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    events = [json.loads(line) for line in trace.read_text().splitlines()] if trace.exists() else []
    return report, events


def _helper_pid(events: list[dict[str, object]]) -> int:
    started = next(e["params"] for e in events if e["event"] == "helperStarted")
    assert isinstance(started, dict)
    return int(started["pid"])


#: How long the CLAP host keeps the editor open: enough for a slow machine to mount the page.
OPEN_SECONDS = 10.0


@pytest.mark.slow
def test_released_bundle_is_self_contained_and_opens_its_editor(
    released_editor: ReleasedEditor, xdisplay: str, tmp_path: Path
) -> None:
    """The .clap copied elsewhere, with an empty cache: the editor starts from what the
    bundle carries (the helper and the UI are written out of the plugin), the React app
    mounts and reports ready, a host resize is accepted, and closing leaves no process."""
    require_editor_deps()
    bundle = tmp_path / "elsewhere" / "plugin.clap"
    bundle.parent.mkdir()
    shutil.copy2(released_editor.report.bundles["clap"], bundle)
    report, events = _host(bundle, xdisplay, OPEN_SECONDS, tmp_path, "900x700")
    assert report["created"] and report["set_parent"] and report["show"], report
    assert report["size"] == [800, 600] and report["can_resize"] and report["set_size"], report
    names = [e["event"] for e in events]
    assert "editorReady" in names, events
    assert "editorError" not in names, events
    cached = {p.name.rsplit("-", 1)[0]: p for p in (tmp_path / "cache" / "wavecraft" /
                                                    "editor").iterdir()}
    assert cached["wavecraft-editor-helper"].read_bytes() == released_editor.helper.read_bytes()
    assert cached["ui"].read_bytes().startswith(b"WCUI1\n")
    assert not alive(_helper_pid(events))


@pytest.mark.slow
def test_destroying_the_plugin_with_the_editor_open_ends_the_helper(
    released_editor: ReleasedEditor, xdisplay: str, tmp_path: Path
) -> None:
    report, events = _host(released_editor.report.bundles["clap"], xdisplay, 3.0, tmp_path,
                           "--destroy-open")
    pid = _helper_pid(events)
    assert wait_for(lambda: not alive(pid), 5.0)
    assert isinstance(report["close_s"], float) and report["close_s"] < 5.0


@pytest.mark.slow
def test_closing_the_editor_while_the_page_loads(
    released_editor: ReleasedEditor, xdisplay: str, tmp_path: Path
) -> None:
    """The host closes the editor 0.2 s after opening it (WebKit still starting, the page
    not mounted): the host is fine, the helper is gone, nothing reports an error."""
    report, events = _host(released_editor.report.bundles["clap"], xdisplay, 0.2, tmp_path)
    assert report["show"], report
    pid = _helper_pid(events)
    assert wait_for(lambda: not alive(pid), 5.0)
    assert "editorError" not in [e["event"] for e in events], events


@pytest.mark.slow
def test_without_webkitgtk_at_run_time_the_plugin_works_and_the_log_says_why(
    released_editor: ReleasedEditor, xdisplay: str, tmp_path: Path
) -> None:
    """A WebKitGTK the loader cannot use (an empty libwebkit2gtk-4.1.so.0 first on the
    library path, as good as a missing one): the plugin is created, its editor opens without
    a crash, the host still reads every parameter, and the host's log names the package."""
    broken = tmp_path / "libs"
    broken.mkdir()
    (broken / "libwebkit2gtk-4.1.so.0").write_bytes(b"")
    report, events = _host(released_editor.report.bundles["clap"], xdisplay, 2.0, tmp_path,
                           env_extra={"LD_LIBRARY_PATH": str(broken)})
    assert report["created"] and report["set_parent"] and report["show"], report
    assert isinstance(report["values"], dict) and len(report["values"]) == 6
    exited = [e["params"] for e in events if e["event"] == "helperExited"]
    assert exited == [{"code": 127}], events
    assert editor_build.APT_RUNTIME in _last_stderr[-1], _last_stderr[-1][-2000:]


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
    assert editor_build.missing_reason("darwin") == (
        "the editor is built on Linux only so far; the bundles have no editor")


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
    rules (no lazy global state, no leaks) and `-D warnings`."""
    from fixtures_template import run_cargo

    sdk = tmp_path / "wavecraft-sdk"
    shutil.copytree(REPO / "templates" / "sdk" / "wavecraft-sdk", sdk,
                    ignore=shutil.ignore_patterns("target", "Cargo.lock"))
    shutil.copy2(REPO / "templates" / "plugin" / "engine" / "Cargo.lock", sdk / "Cargo.lock")
    blob = editor_build.write_ui_blob(None, tmp_path / "ui.bin")
    monkeypatch.setenv(editor_build.HELPER_ENV, str(editor_helper))
    monkeypatch.setenv(editor_build.UI_ENV, str(blob))
    done = run_cargo(sdk, ["clippy", "--lib", "--features", "editor", "--message-format=short",
                           "--", "-D", "warnings"], cargo_target_dir / "sdk-clippy")
    assert done.returncode == 0, done.stderr[-3000:]
