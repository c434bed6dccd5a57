"""The editor in a real CLAP host under Xvfb: the CLAP test host (clack-host) embeds the
released template's editor into an X11 window of its own, and the test looks at the screen.

Checked: the editor window is a child of the host's window and shows the React app (not
blank; the parameter names read by OCR); a host-side change moves the control (its pixels
change in one strip); real X input on the control changes the host's parameter with a
gesture; the editor follows host resizing; 20 open/close cycles and two instances at once
leave RSS flat and no helper process behind; the host closing the editor while the page
still loads, or destroying the plugin with the editor open, crashes nothing; without a
WebKitGTK runtime the plugin still loads and processes, and says why there is no editor.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import xtools
from fixtures_editor import ReleasedEditor
from fixtures_hosts import EditorBundles

from benchmarks import procs
from benchmarks.editor_proof import TRACE_ENV, Strip, locate_control, wait_painted
from benchmarks.hosts import ClapHost, rss_kb

pytestmark = pytest.mark.slow

#: RSS growth allowed over 20 open/close cycles after 3 warm-up cycles (the editor's own
#: process is gone each time; this is what the plugin and host keep).
RSS_BOUND_KB = 20 * 1024


def _env(work: Path) -> dict[str, str]:
    """The host's environment: the session's DISPLAY, a private cache for the helper."""
    return {**os.environ, "XDG_CACHE_HOME": str(work / "cache"),
            TRACE_ENV: str(work / "trace.jsonl")}


@dataclass
class OpenEditor:
    host: ClapHost
    window: int
    params: dict[str, dict[str, Any]]
    work: Path


def _open(bundles: EditorBundles, binary: Path, work: Path) -> OpenEditor:
    work.mkdir(parents=True, exist_ok=True)
    host = ClapHost(binary, work / "host.log", env=_env(work))
    host.cmd(f"load {bundles.clap}")
    params = {p["name"]: p for p in host.cmd("params")["params"]}
    host.cmd("activate")
    assert host.cmd("gui_supported")["x11_embedded"], "the CLAP has no embeddable X11 editor"
    opened = host.cmd("gui_open")
    return OpenEditor(host, int(opened["window"]), params, work)


@pytest.fixture(scope="module")
def editor(editor_bundles: EditorBundles, clap_test_host: Path, xvfb_display: str,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenEditor]:
    opened = _open(editor_bundles, clap_test_host, tmp_path_factory.mktemp("clap-editor"))
    yield opened
    assert opened.host.close() == 0


def test_the_editor_is_the_react_app_in_the_hosts_window(
    editor: OpenEditor, editor_bundles: EditorBundles
) -> None:
    painted = wait_painted(editor.window, editor_bundles.names, editor.work)
    xtools.save_png(painted.image, editor.work / "editor.png")
    g = xtools.geometry(editor.window)
    assert (g.width, g.height) == painted.image.shape[1::-1]
    inside = xtools.children(editor.window)
    assert inside, "the editor embedded no window into the host's"
    helpers = procs.children(editor.host.pid)
    assert len(helpers) == 1, helpers  # the editor's own process, one per open editor


def _strip_for(editor: OpenEditor, name: str) -> tuple[Strip | None, float, float]:
    """Move ``name`` from its minimum to its maximum from the host; the strip that changed."""
    param = editor.params[name]
    pid = int(param["id"])
    strip = locate_control(editor.window, name,
                           lambda: editor.host.cmd(f"set {pid} {param['min']}"),
                           lambda: editor.host.cmd(f"set {pid} {param['max']}"), editor.work)
    return strip, param["min"], param["max"]


def test_a_host_change_moves_the_control(editor: OpenEditor,
                                         editor_bundles: EditorBundles) -> None:
    wait_painted(editor.window, editor_bundles.names, editor.work)
    strip, _, _ = _strip_for(editor, "Output Level")
    assert strip is not None, "the control did not move when the host changed the parameter"
    g = xtools.geometry(editor.window)
    assert strip.bottom - strip.top < g.height // 4  # one control's row, not the page


def test_x_input_on_the_control_sets_the_host_parameter_with_a_gesture(
    editor: OpenEditor, editor_bundles: EditorBundles
) -> None:
    wait_painted(editor.window, editor_bundles.names, editor.work)
    strip, lowest, highest = _strip_for(editor, "Output Level")
    assert strip is not None and len(strip.runs) >= 2, strip
    pid = int(editor.params["Output Level"]["id"])
    editor.host.cmd("events")  # forget the host's own changes
    g = xtools.geometry(editor.window)
    # The thumb sits at the maximum (the rightmost run); a click where the minimum was
    # (the leftmost run) moves it there, as a user's click on a slider's track does.
    xtools.click(g.x + strip.run_centre(0), g.y + strip.centre_y)
    deadline = time.monotonic() + 10
    events: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        events += editor.host.cmd("events")["events"]
        if any(e["type"] == "gesture_end" and e["id"] == pid for e in events):
            break
        time.sleep(0.1)
    mine = [e["type"] for e in events if e["id"] == pid]
    assert "gesture_begin" in mine and "value" in mine and "gesture_end" in mine, events
    assert mine.index("gesture_begin") < mine.index("value") < len(mine) - 1 - \
        mine[::-1].index("gesture_end") + 1
    value = editor.host.cmd(f"get {pid}")["value"]
    assert value < lowest + (highest - lowest) * 0.5, value


def test_the_editor_follows_host_resizing(editor: OpenEditor) -> None:
    if not editor.host.cmd("gui_can_resize")["can_resize"]:
        pytest.fail("the editor cannot be resized by the host")
    size = editor.host.cmd("gui_set_size 900 700")
    deadline = time.monotonic() + 10
    inner: list[tuple[int, str, int, int]] = []
    while time.monotonic() < deadline:
        inner = xtools.children(editor.window)
        if any((w, h) == (size["width"], size["height"]) for _, _, w, h in inner):
            break
        time.sleep(0.2)
    assert any((w, h) == (size["width"], size["height"]) for _, _, w, h in inner), inner
    g = xtools.geometry(editor.window)
    assert (g.width, g.height) == (size["width"], size["height"])


def test_twenty_open_close_cycles_keep_rss_flat(
    editor_bundles: EditorBundles, clap_test_host: Path, xvfb_display: str, tmp_path: Path
) -> None:
    with ClapHost(clap_test_host, tmp_path / "host.log", env=_env(tmp_path)) as host:
        host.cmd(f"load {editor_bundles.clap}")
        host.cmd("activate")
        samples = []
        for cycle in range(23):
            opened = host.cmd("gui_open")
            if cycle in (2, 22):  # the last warm-up and the last cycle wait for the page
                wait_painted(int(opened["window"]), editor_bundles.names, tmp_path)
            else:
                host.cmd("wait 300")
            host.cmd("gui_destroy")
            samples.append(rss_kb(host.pid))
        assert procs.wait_no_children(host.pid) == [], "an editor helper outlived its editor"
        growth = samples[-1] - samples[2]
        assert growth < RSS_BOUND_KB, (growth, samples)
        assert host.cmd("stats")["blocks"] > 0
    assert host.proc.returncode == 0


def test_two_instances_show_their_editors_at_once(
    editor_bundles: EditorBundles, clap_test_host: Path, xvfb_display: str, tmp_path: Path
) -> None:
    first = _open(editor_bundles, clap_test_host, tmp_path / "one")
    try:
        second = _open(editor_bundles, clap_test_host, tmp_path / "two")
        try:
            host_two = second.host
            host_two.cmd("gui_set_size 800 600", check=False)
            for opened in (first, second):
                wait_painted(opened.window, editor_bundles.names, opened.work)
        finally:
            assert second.host.close() == 0
    finally:
        assert first.host.close() == 0


def test_the_bundle_is_self_contained_copied_elsewhere_with_an_empty_cache(
    editor_bundles: EditorBundles, released_editor: ReleasedEditor, clap_test_host: Path,
    xvfb_display: str, tmp_path: Path
) -> None:
    """The .clap alone, in another folder, with an empty cache: the editor starts from what
    the plugin carries (the helper and the UI written out of it), the React app paints and
    says it is ready, and closing leaves no process."""
    bundle = tmp_path / "elsewhere" / "plugin.clap"
    bundle.parent.mkdir()
    shutil.copy2(editor_bundles.clap, bundle)
    with ClapHost(clap_test_host, tmp_path / "host.log", env=_env(tmp_path)) as host:
        host.cmd(f"load {bundle}")
        host.cmd("activate")
        opened = host.cmd("gui_open")
        wait_painted(int(opened["window"]), editor_bundles.names, tmp_path)
        host.cmd("gui_destroy")
        assert procs.wait_no_children(host.pid) == []
    events = [json.loads(line)["event"] for line in (tmp_path / "trace.jsonl").read_text()
              .splitlines()]
    assert "editorReady" in events and "editorError" not in events, events
    cached = {p.name.rsplit("-", 1)[0]: p
              for p in (tmp_path / "cache" / "wavecraft" / "editor").iterdir()}
    assert cached["wavecraft-editor-helper"].read_bytes() == released_editor.helper.read_bytes()
    assert cached["ui"].read_bytes().startswith(b"WCUI1\n")


def test_closing_the_editor_while_the_page_loads_crashes_nothing(
    editor_bundles: EditorBundles, clap_test_host: Path, xvfb_display: str, tmp_path: Path
) -> None:
    with ClapHost(clap_test_host, tmp_path / "host.log", env=_env(tmp_path)) as host:
        host.cmd(f"load {editor_bundles.clap}")
        host.cmd("activate")
        for _ in range(3):
            host.cmd("gui_open")
            host.cmd("gui_destroy")  # at once: the helper is still starting WebKit
        opened = host.cmd("gui_open")
        wait_painted(int(opened["window"]), editor_bundles.names, tmp_path)
        host.cmd("gui_destroy")
        assert host.cmd("stats")["blocks"] > 0
    assert host.proc.returncode == 0


def test_destroying_the_plugin_with_the_editor_open_crashes_nothing(
    editor_bundles: EditorBundles, clap_test_host: Path, xvfb_display: str, tmp_path: Path
) -> None:
    with ClapHost(clap_test_host, tmp_path / "host.log", env=_env(tmp_path)) as host:
        host.cmd(f"load {editor_bundles.clap}")
        host.cmd("activate")
        opened = host.cmd("gui_open")
        wait_painted(int(opened["window"]), editor_bundles.names, tmp_path)
        host.cmd("destroy")  # no gui_destroy first
        assert procs.wait_no_children(host.pid) == []
        host.cmd(f"load {editor_bundles.clap}")  # and the host goes on
        host.cmd("activate")
        host.cmd("wait 200")
        assert host.cmd("stats")["out_rms"] > 0.05
    assert host.proc.returncode == 0


def test_without_a_webkitgtk_runtime_the_plugin_still_loads_and_processes(
    editor_bundles: EditorBundles, clap_test_host: Path, xvfb_display: str, tmp_path: Path
) -> None:
    # A WebKitGTK that cannot load, as on a machine without it: the dynamic loader fails
    # the editor's process (the plugin itself links no GUI library).
    broken = tmp_path / "broken-libs"
    broken.mkdir()
    (broken / "libwebkit2gtk-4.1.so.0").write_bytes(b"not a library")
    env = {**_env(tmp_path), "LD_LIBRARY_PATH": str(broken)}
    with ClapHost(clap_test_host, tmp_path / "host.log", env=env) as host:
        host.cmd(f"load {editor_bundles.clap}")
        host.cmd("activate")
        host.cmd("gui_open", check=False)  # may fail or show nothing: never crash
        host.cmd("wait 2000")
        host.cmd("gui_destroy", check=False)
        stats = host.cmd("stats")
        assert stats["blocks"] > 10 and stats["out_rms"] > 0.05
    assert host.proc.returncode == 0
    log = (tmp_path / "host.log").read_text(errors="replace")
    assert "WebKitGTK" in log, log[-2000:]
