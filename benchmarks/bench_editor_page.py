"""Benchmark of the editor page's first paint and idle cost in the helper, against a bare page.

The host-side figures (open -> first paint in a real CLAP host, control -> host parameter,
idle CPU with audio running) are ``bench_editor``'s; this one isolates the page itself.
The editor helper (``wavecraft-editor-helper``, built as ``release`` builds it) is started in
a plain X window under a private Xvfb, as a plugin starts it in a host's window:

- **open -> first paint**: from starting the helper to the page's ``editorReady`` (sent once
  the app has its first ``getAllParameters`` answer and two animation frames have passed),
  for the template's real React app (``ui/dist`` of a fresh scaffold, built with npm),
  against the same helper showing a bare page that calls ``ready()`` on its first frame.
  The answer to ``getAllParameters`` is the template's parameter list, sent by this script
  as the plugin would. Target: <= 1.5x the bare page (the app's own cost on top of
  WebKitGTK's start) and <= 1.5 s.
- **idle CPU** of an open editor (% of one core over 5 s after ready, helper process and
  its WebKit children), for both pages: reported as extra information.

Needs Xvfb, WebKitGTK's dev files, npm. ``python -m benchmarks bench_editor_page``.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks import procs
from benchmarks._harness import Result, compare
from benchmarks.xserver import plain_window, xvfb
from wavecraft_build import cargo, pipeline
from wavecraft_build._proc import kill_group, spawn
from wavecraft_build.config import load_project
from wavecraft_build.release import editor
from wavecraft_build.release.tools import run_logged
from wavecraft_build.scaffold import ScaffoldOptions, scaffold

REPEAT = 7
IDLE_S = 5.0
_BARE = ("<!doctype html><html><body><h1>bare</h1><script>requestAnimationFrame(function(){"
         "window.__WAVECRAFT_IPC__.ready({});});</script></body></html>")


def _app_dist(root: Path) -> tuple[Path, list[dict[str, object]]]:
    """A fresh scaffold's built UI and its parameter list."""
    project_dir = scaffold(ScaffoldOptions(name="bench-editor", directory=root / "p",
                                           git=False)).project_dir
    project = load_project(project_dir)
    ctx = pipeline.run(pipeline.Context(project=project), pipeline.BUILD_STEPS)
    assert ctx.result is not None and project.ui is not None
    npm = "npm"
    for args in (["ci", "--no-audit"], ["run", "build"]):
        code, out = run_logged([npm, *args], project.ui, sink=lambda _b: None)
        assert code == 0, out[-2000:]
    params = [p.to_json() for p in ctx.result.parameters]
    return project.ui / "dist", params


def _open_once(helper: Path, display: str, blob: Path, params: list[dict[str, object]],
               idle_s: float = 0.0) -> tuple[float, float]:
    """Seconds to editorReady; % of one core while idle for ``idle_s`` after it."""
    with plain_window(display, 800, 600) as window:
        return _ready_and_idle(helper, display, window, blob, params, idle_s)


def _ready_and_idle(helper: Path, display: str, window: int, blob: Path,
                    params: list[dict[str, object]], idle_s: float) -> tuple[float, float]:
    start = time.perf_counter()
    proc = spawn([str(helper), "--parent", str(window), "--assets", str(blob)],
                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                 env={**os.environ, "DISPLAY": display})
    assert proc.stdin is not None and proc.stdout is not None
    try:
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            while True:
                assert sel.select(60), "no editorReady within 60 s"
                message = json.loads(proc.stdout.readline())
                if message.get("method") == "editorReady":
                    ready = time.perf_counter() - start
                    break
                if message.get("method") == "getAllParameters":
                    answer = {"jsonrpc": "2.0", "id": message["id"],
                              "result": {"parameters": params}}
                else:
                    answer = {"jsonrpc": "2.0", "id": message.get("id"), "result": {}}
                proc.stdin.write(json.dumps(answer).encode() + b"\n")
                proc.stdin.flush()
        cpu = 0.0
        if idle_s:
            before, t0 = procs.group_cpu(proc.pid), time.perf_counter()
            time.sleep(idle_s)
            cpu = 100.0 * (procs.group_cpu(proc.pid) - before) / (time.perf_counter() - t0)
        return ready, cpu
    finally:
        proc.stdin.close()
        try:
            proc.wait(10)
        finally:
            kill_group(proc)
            proc.stdout.close()


def run() -> list[Result]:
    reason = editor.missing_reason()
    if reason is not None:
        print(f"skipped: {reason}")
        return []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)

        def run_tool(argv: object, cwd: Path, env: dict[str, str] | None) -> tuple[int, str]:
            assert isinstance(argv, list)
            return run_logged(argv, cwd, sink=lambda _b: None, env=env)

        helper = editor.build_helper(run_tool, cargo.cargo_executable())
        dist, params = _app_dist(root)
        app = editor.write_ui_blob(dist, root / "app.bin")
        (root / "bare").mkdir()
        (root / "bare" / "index.html").write_text(_BARE)
        bare = editor.write_ui_blob(root / "bare", root / "bare.bin")
        with xvfb(root) as display:
            _open_once(helper, display, bare, params)  # warm-up: caches, fonts
            bare_s = [_open_once(helper, display, bare, params)[0] for _ in range(REPEAT)]
            app_s = [_open_once(helper, display, app, params)[0] for _ in range(REPEAT)]
            _, bare_cpu = _open_once(helper, display, bare, params, IDLE_S)
            _, app_cpu = _open_once(helper, display, app, params, IDLE_S)
    return [
        compare(
            "editor open -> first paint (template app)", app_s,
            "the same helper showing a bare page", bare_s,
            target="<= 1.5x and <= 1.5 s",
            met=lambda med, ratio: ratio <= 1.5 and med <= 1.5,
            extra={"idle_cpu_pct_app": round(app_cpu, 2),
                   "idle_cpu_pct_bare": round(bare_cpu, 2)},
        )
    ]


if __name__ == "__main__":
    run()
