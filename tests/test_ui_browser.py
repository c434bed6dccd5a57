"""End to end in a real browser: the generated UI drives the running DSP.

A fresh scaffold, the real ``wavecraft-build dev`` (engine + Vite), headless Debian Chromium
driven by Selenium with real keyboard events. The page connects, the Input Level slider
moves the meter by 12 dB, a processor added to ``lib.rs`` gets its control by hot reload
(no page reload, values kept), a killed engine shows ``closed`` and the page reconnects
when the dev loop restarts it, the preset menu loads and saves presets; the console stays
clean and a screenshot is not blank.
"""

from __future__ import annotations

import io
import os
import signal
import statistics
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from required_tools import missing

from benchmarks.browser import (
    ADDED_ID,
    UiDev,
    add_processor,
    browser_missing,
    chrome,
    connection,
    meter_db,
    poll,
    remove_processor,
    scaffold_with_ui,
)

pytestmark = pytest.mark.slow

INPUT = "input_gain_level"
#: The template's Input Level runs -24..24 dB; the slider's step is 0.05 dB.
KEYS_TO_MINUS_12 = 240

# Records every value the root's data-connection takes (a quick closed -> open flip
# between two polls would otherwise go unseen).
_WATCH = """
window.__wcMarker = 'set before any reload';
window.__wcStates = [];
const root = document.querySelector('[data-connection]');
new MutationObserver(() => window.__wcStates.push(root.getAttribute('data-connection')))
  .observe(root, { attributes: true, attributeFilter: ['data-connection'] });
"""


@pytest.fixture
def driver() -> Iterator[Any]:
    why = browser_missing()  # its message ends with the install line
    if why:
        missing("the browser test cannot run", why)
    drv = chrome()
    try:
        yield drv
    finally:
        drv.quit()


def console_errors(driver: Any, *, allowed: tuple[str, ...] = ()) -> list[str]:
    """SEVERE console entries since the last call, minus the ``allowed`` substrings."""
    entries = driver.get_log("browser")
    return [
        e["message"]
        for e in entries
        if e["level"] == "SEVERE" and not any(a in e["message"] for a in allowed)
    ]


def settled_db(driver: Any, name: str, samples: int = 8) -> float:
    values = []
    for _ in range(samples):
        db = meter_db(driver, name)
        assert db is not None
        values.append(db)
        time.sleep(0.05)
    return statistics.median(values)


def slider(driver: Any, pid: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, f'[data-param-id="{pid}"] input[type="range"]')


def assert_not_blank(png: bytes) -> None:
    from PIL import Image, ImageStat

    image = Image.open(io.BytesIO(png)).convert("L")
    stat = ImageStat.Stat(image)
    assert image.size[0] > 200 and image.size[1] > 200
    assert stat.stddev[0] > 8, f"screenshot looks blank (stddev {stat.stddev[0]:.1f})"


MARKER = "set before any reload"


def keys(driver: Any, element: Any, text: str) -> None:
    """Real key events on ``element`` (focused without a click, which would move a slider)."""
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys_to_element(element, text).perform()


def open_page(driver: Any, dev: UiDev) -> float:
    """Load the page once the first DSP plays; return the settled left RMS in dBFS."""
    dev.event("engine_swapped", timeout=1800)
    driver.get(dev.ui_url())
    poll(lambda: connection(driver) is not None, 60)
    driver.execute_script(_WATCH)
    poll(lambda: connection(driver) == "open", 60)
    poll(lambda: meter_db(driver, "left-rms") is not None, 30)
    before = settled_db(driver, "left-rms")
    assert before > -60, f"no signal at the meter: {before} dBFS"
    return before


def move_input_level(driver: Any, before: float) -> None:
    from selenium.webdriver.common.keys import Keys

    # 240 steps of 0.05 dB down from 0 dB.
    keys(driver, slider(driver, INPUT), Keys.ARROW_LEFT * KEYS_TO_MINUS_12)
    moved = time.monotonic()
    assert float(slider(driver, INPUT).get_attribute("value")) == pytest.approx(-12)
    poll(lambda: abs((meter_db(driver, "left-rms") or 0.0) - (before - 12)) <= 0.5, 10)
    took = time.monotonic() - moved
    assert took <= 1.0, f"the meter took {took:.2f} s to follow the slider"
    assert settled_db(driver, "left-rms") == pytest.approx(before - 12, abs=0.5)


_PREVIEW_BLOCKS = "return import('/src/generated/hooks.ts').then((m) => m.preview.blocks)"


def play_and_stop(driver: Any) -> None:
    # A real click: browsers only start audio from a user gesture.
    play = driver.find_element("css selector", "button[data-preview]")
    assert driver.execute_script(_PREVIEW_BLOCKS) == 0  # no PCM before Play (not subscribed)
    play.click()
    poll(lambda: play.get_attribute("data-preview") == "playing", 10)
    # The engine streams to this page now: blocks reach the AudioWorklet.
    poll(lambda: driver.execute_script(_PREVIEW_BLOCKS) > 50, 10)
    play.click()
    poll(lambda: play.get_attribute("data-preview") == "stopped", 10)
    time.sleep(0.5)  # frames already on the wire when Stop was clicked
    stopped_at = driver.execute_script(_PREVIEW_BLOCKS)
    time.sleep(1.0)
    assert driver.execute_script(_PREVIEW_BLOCKS) == stopped_at, "PCM kept coming after Stop"


def remove_while_dragging(driver: Any, project: Path) -> None:
    """Hold the new slider with the mouse and keep dragging while a reload removes it."""
    from selenium.webdriver.common.action_chains import ActionChains

    added = slider(driver, ADDED_ID)
    start = float(added.get_attribute("value"))
    ActionChains(driver).click_and_hold(added).move_by_offset(-20, 0).perform()
    assert float(added.get_attribute("value")) != start, "the drag did not move the slider"
    remove_processor(project)
    deadline, step = time.monotonic() + 600, 4
    while driver.find_elements("css selector", f'[data-param-id="{ADDED_ID}"]'):
        assert time.monotonic() < deadline, "the removed parameter's control stayed"
        ActionChains(driver).move_by_offset(step, 0).perform()
        step = -step
    ActionChains(driver).release().perform()


def engine_restart(driver: Any, dev: UiDev) -> None:
    """The engine dies: the page says closed; the dev loop restarts it: open again."""
    engine = dev.engine_pid()
    assert engine is not None, "no engine process under wavecraft-build dev"
    driver.execute_script("window.__wcStates.length = 0")
    os.kill(engine, signal.SIGKILL)
    poll(lambda: "closed" in driver.execute_script("return window.__wcStates"), 30)
    poll(lambda: connection(driver) == "open", 60)


def _alert(driver: Any) -> Any:
    from selenium.common.exceptions import NoAlertPresentException

    try:
        return driver.switch_to.alert
    except NoAlertPresentException:
        return None


def preset_menu(driver: Any, project: Path, before: float) -> None:
    """The preset menu: Warm loads (and resets what it leaves out), a hand-written preset
    appears without a reload, "Save as preset" writes a file and asks before replacing one."""
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    def menu() -> Any:
        return Select(driver.find_element("css selector", "select[data-preset-menu]"))

    def near(db: float) -> bool:
        return abs((meter_db(driver, "left-rms") or -200.0) - db) <= 0.7

    poll(lambda: [o.text for o in menu().options][1:] == ["Bright (Tone)", "Warm (Tone)"], 10)
    menu().select_by_value("Warm")  # -6 dB out; input_gain_level back to its 0 dB default
    poll(lambda: near(before - 6.2), 10)
    (project / "presets" / "Quiet.json").write_text('{"values": {"output_gain_level": -24}}')
    poll(lambda: "Quiet" in [o.text for o in menu().options], 10)
    menu().select_by_value("Quiet")
    poll(lambda: near(before - 24.0), 10)
    name = driver.find_element("css selector", "input[data-preset-name]")
    keys(driver, name, "Mine")
    driver.find_element("css selector", "button[data-preset-save]").click()
    mine = project / "presets" / "Mine.json"
    poll(mine.is_file, 10)
    assert '"output_gain_level": -24' in mine.read_text()
    warm = (project / "presets" / "Warm.json").read_bytes()
    # Erase with real key presses, as a user does (WebDriver's clear() sets the value behind
    # React's back, which may render "Mine" again): the same preset but for case, so the
    # page asks before replacing it.
    keys(driver, name, Keys.END + Keys.BACKSPACE * len(name.get_attribute("value")) + "warm")
    try:
        poll(lambda: name.get_attribute("value") == "warm", 10)
    except TimeoutError:
        raise AssertionError(repr(name.get_attribute("value"))) from None
    driver.find_element("css selector", "button[data-preset-save]").click()
    poll(lambda: _alert(driver), 30).dismiss()
    assert (project / "presets" / "Warm.json").read_bytes() == warm
    assert not (project / "presets" / "warm.json").exists()
    assert driver.execute_script("return window.__wcMarker") == MARKER


def dev_stopped(driver: Any, dev: UiDev, project: Path) -> None:
    """dev stops (engine and Vite): the loaded page says so and how to start it again."""
    dev.interrupt(timeout=10)
    poll(lambda: connection(driver) == "closed", 30)
    status = driver.find_element("css selector", "[data-connection]").text
    assert "not running" in status and "nox -s dev" in status
    # What dev generated is what ships: tsc (strict) and vite build accept it.
    built = subprocess.run(
        ["npm", "run", "build"], cwd=project / "ui", capture_output=True, text=True,
        timeout=600, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr


def test_ui_drives_the_engine_in_chromium(
    tmp_path: Path, cargo_target_dir: Path, driver: Any
) -> None:
    project = scaffold_with_ui(tmp_path)
    dev = UiDev(project, cargo_target_dir)
    try:
        before = open_page(driver, dev)
        move_input_level(driver, before)
        assert console_errors(driver) == []

        # Hot reload: a new processor's control appears in place, values survive.
        add_processor(project)
        poll(lambda: driver.find_elements("css selector", f'[data-param-id="{ADDED_ID}"]'), 600)
        assert driver.execute_script("return window.__wcMarker") == MARKER
        assert float(slider(driver, INPUT).get_attribute("value")) == pytest.approx(-12)
        assert settled_db(driver, "left-rms") == pytest.approx(before - 12, abs=0.5)
        play_and_stop(driver)
        screenshot = tmp_path / "ui.png"
        assert driver.save_screenshot(str(screenshot))
        assert_not_blank(screenshot.read_bytes())
        assert console_errors(driver) == []

        remove_while_dragging(driver, project)
        assert driver.execute_script("return window.__wcMarker") == MARKER
        assert console_errors(driver) == []

        engine_restart(driver, dev)
        assert driver.execute_script("return window.__wcMarker") == MARKER
        # While the engine was down, the browser logs its refused reconnects: nothing else.
        refused = "WebSocket connection to 'ws://127.0.0.1:"
        assert console_errors(driver, allowed=(refused,)) == []

        preset_menu(driver, project, before)
        assert console_errors(driver, allowed=(refused,)) == []

        dev_stopped(driver, dev, project)
    finally:
        if dev.proc.poll() is None:
            dev.interrupt(timeout=10)
        dev.close()


_IMAGE_WIDTH = """
const [src, done] = arguments;
const img = new Image();
img.onload = () => done(img.naturalWidth);
img.onerror = () => done(-1);
img.src = src;
"""


def test_dev_test_shows_a_badge_with_the_failing_plot(
    tmp_path: Path, cargo_target_dir: Path, driver: Any
) -> None:
    from wavecraft_build.testing import read_wav, write_wav

    project = scaffold_with_ui(tmp_path)
    # The sound "changed": the golden of the default sweep is 0.9x what the DSP renders.
    golden = project / "tests" / "golden" / "log-sweep-default.wav"
    audio, rate = read_wav(golden)
    write_wav(golden, audio * 0.9, rate)
    dev = UiDev(project, cargo_target_dir, "--test")
    try:
        dev.event("engine_swapped", timeout=1800)
        driver.get(dev.ui_url())
        poll(lambda: connection(driver) == "open", 60)
        failed = '[data-tests="failed"]'
        badge = poll(lambda: driver.find_elements("css selector", failed), 600)[0]
        assert int(badge.get_attribute("data-failed")) == 1
        assert int(badge.get_attribute("data-passed")) >= 3
        assert "Tests failed: 1 of" in badge.text
        assert "test_sound::test_log_sweep_at_default_settings" in badge.text
        link = badge.find_element("css selector", "a.tests-plot")
        href = link.get_attribute("href")
        assert href.endswith("/test-results/log-sweep-default/log-sweep-default.png")
        # The page can load it (an <img> from the engine's port), and it is the PNG on disk.
        assert driver.execute_async_script(_IMAGE_WIDTH, href) > 100
        screenshot = tmp_path / "badge.png"
        assert driver.save_screenshot(str(screenshot))
        assert_not_blank(screenshot.read_bytes())
        assert console_errors(driver) == []
    finally:
        if dev.proc.poll() is None:
            dev.interrupt(timeout=10)
        dev.close()
