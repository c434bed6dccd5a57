"""A fresh template project with its UI installed, ``wavecraft-build dev``, headless Chromium.

Used by tests/test_ui_browser.py and benchmarks/bench_ui.py. Chromium and chromedriver are
Debian's (``/usr/bin/chromium``, ``/usr/bin/chromedriver``), driven by Selenium with an
explicit Service and browser path, so Selenium Manager never downloads anything.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import procs
from benchmarks.devloop import DevProcess
from wavecraft_build.scaffold import ScaffoldOptions, scaffold

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
#: A processor with no group, added to the chain by ``add_processor``.
ADDED_ID = "another_gain_level"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")

_ANOTHER_GAIN = """
/// Added during `dev`: a gain stage with no group (its control must still show up).
#[derive(Default)]
pub struct AnotherGain;

impl AnotherGain {
    const LEVEL: Param = Param::of(<Self as Processor>::PARAMS, "level");
}

impl Processor for AnotherGain {
    const ID: &'static str = "another_gain";
    const PARAMS: &'static [ParamSpec] =
        &[ParamSpec::float("level", "Another Level", -24.0, 24.0, 0.0).unit("dB")];

    fn process(&mut self, audio: &mut [&mut [f32]], params: &ParamValues<'_>) {
        let gain = processors::db_to_gain(params.float(Self::LEVEL));
        for channel in audio.iter_mut() {
            for sample in channel.iter_mut() {
                *sample *= gain;
            }
        }
    }
}
"""


def browser_missing() -> str | None:
    """Why a browser test cannot run here, or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            return f"{path} is missing (apt-get install chromium chromium-driver)"
    if shutil.which("npm") is None:
        return "npm is not installed"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e .[test])"
    return None


def scaffold_with_ui(root: Path, name: str = "wc-ui-test", *, install: bool = True,
                     template: str = "effect") -> Path:
    """A fresh scaffold (of ``template``) at ``root/name`` with ``npm ci`` done in its ui/."""
    project = root / name
    scaffold(
        ScaffoldOptions(
            name=name,
            directory=project,
            vendor="Wavecraft Tests",
            email="tests@example.com",
            url="https://example.com",
            git=False,
            template=template,
        )
    )
    if not install:
        return project
    npm = shutil.which("npm")
    assert npm is not None
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=project / "ui",
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, f"npm ci failed:\n{done.stdout}{done.stderr}"
    return project


def add_processor(project: Path) -> None:
    """Append ``AnotherGain`` to the chain in engine/src/lib.rs (a new, ungrouped parameter)."""
    src = project / "engine" / "src" / "lib.rs"
    text = src.read_text(encoding="utf-8")
    chain = "SignalChain![InputGain, Filter, OutputGain]"
    assert chain in text, "the template's chain changed: update tests/browser.py"
    text = text.replace(chain, "SignalChain![InputGain, Filter, OutputGain, AnotherGain]")
    src.write_text(text + _ANOTHER_GAIN, encoding="utf-8")


def remove_processor(project: Path) -> None:
    """Undo ``add_processor``."""
    src = project / "engine" / "src" / "lib.rs"
    text = src.read_text(encoding="utf-8").replace(_ANOTHER_GAIN, "")
    src.write_text(text.replace(", AnotherGain]", "]"), encoding="utf-8")


class UiDev(DevProcess):
    """``wavecraft-build dev --json`` with the engine and the UI dev server (Vite)."""

    def __init__(self, project: Path, target_dir: Path, *extra: str):
        super().__init__(project, target_dir, *extra, with_ui=True)
        self.project = project
        self.err_lines: list[str] = []
        # Drained on a thread: Vite and cargo write there, and a full pipe blocks dev.
        self._err_reader = threading.Thread(target=self._read_err, daemon=True)
        self._err_reader.start()

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            self.err_lines.append(_ANSI.sub("", raw.decode("utf-8", "replace")))

    def event(self, name: str, timeout: float = 120) -> dict[str, Any]:
        """The first ``name`` event, whether it already arrived or is still to come."""
        for seen in self.events:
            if seen["event"] == name:
                return seen
        return self.wait_event(name, timeout)

    def ui_url(self, timeout: float = 120) -> str:
        """The page's URL, from dev's ``ui_url`` event (Vite's "Local:" line)."""
        return str(self.event("ui_url", timeout)["url"])

    def stderr(self) -> str:
        return "".join(self.err_lines)

    def engine_pid(self) -> int | None:
        """The engine process (``python -m wavecraft_build.engine``) below this dev process."""
        for pid in procs.descendants(self.proc.pid):
            if b"wavecraft_build.engine" in _cmdline(pid):
                return pid
        return None


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def chrome() -> Any:
    """Headless Debian Chromium through /usr/bin/chromedriver, console logs captured."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager: never reach the network
    options = Options()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--window-size=1100,1000", "--disable-gpu", "--no-first-run",
                "--autoplay-policy=user-gesture-required"):  # fmt: skip
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))


def poll(fn: Callable[[], Any], timeout: float, interval: float = 0.02) -> Any:
    """``fn()``'s first truthy result within ``timeout`` seconds, else TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout} s")
        time.sleep(interval)


def meter_db(driver: Any, name: str) -> float | None:
    text = driver.execute_script(
        "const m = document.querySelector(`[data-meter='${arguments[0]}']`);"
        "return m === null ? null : m.getAttribute('data-db');",
        name,
    )
    return float(text) if text not in (None, "") else None


def connection(driver: Any) -> str | None:
    value = driver.execute_script(
        "const r = document.querySelector('[data-connection]');"
        "return r === null ? null : r.getAttribute('data-connection');"
    )
    return None if value is None else str(value)
