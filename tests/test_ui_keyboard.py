"""The instrument's page in a real browser: the on-screen keyboard plays the synth.

A fresh ``new --template instrument``, the real ``wavecraft-build dev`` (engine + Vite),
headless Debian Chromium driven by Selenium. The engine's input for an instrument is
silence, so the meter reads the floor until a key is down: a mouse press on a key of the
on-screen keyboard makes the meter rise, its release lets it fall, and a computer key in
the tracker layout (Z = the lowest C) plays too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from required_tools import missing
from test_ui_browser import console_errors, settled_db

from benchmarks.browser import (
    UiDev,
    browser_missing,
    chrome,
    connection,
    meter_db,
    poll,
    scaffold_with_ui,
)

pytestmark = pytest.mark.slow

#: A key the default keyboard shows (C3 = 48 is the lowest; A3 = 57).
NOTE = 57
SOUND_DB = -40.0
SILENT_DB = -90.0


@pytest.fixture
def driver() -> Iterator[Any]:
    why = browser_missing()
    if why:
        missing("the browser test cannot run", why)
    drv = chrome()
    try:
        yield drv
    finally:
        drv.quit()


def level(driver: Any) -> float:
    return meter_db(driver, "left-peak") or -120.0


def test_the_on_screen_keyboard_plays_the_instrument(
    tmp_path: Path, cargo_target_dir: Path, driver: Any
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    project = scaffold_with_ui(tmp_path, template="instrument")
    dev = UiDev(project, cargo_target_dir)
    try:
        dev.event("engine_swapped", timeout=1800)
        driver.get(dev.ui_url())
        poll(lambda: connection(driver) == "open", 60)
        poll(lambda: meter_db(driver, "left-peak") is not None, 30)
        assert settled_db(driver, "left-peak") < SILENT_DB, "an instrument's input is silence"

        key = driver.find_element(By.CSS_SELECTOR, f'.keyboard [data-note="{NOTE}"]')
        ActionChains(driver).click_and_hold(key).perform()
        poll(lambda: key.get_attribute("data-held") == "true", 10)
        poll(lambda: level(driver) > SOUND_DB, 10)
        ActionChains(driver).release(key).perform()
        poll(lambda: key.get_attribute("data-held") == "false", 10)
        poll(lambda: level(driver) < SILENT_DB, 10)  # after the 300 ms release

        # The computer keyboard, tracker layout: Z is the keyboard's lowest C.
        lowest = driver.find_element(By.CSS_SELECTOR, '.keyboard [data-note="48"]')
        body = driver.find_element(By.TAG_NAME, "body")
        ActionChains(driver).key_down("z", body).perform()
        poll(lambda: lowest.get_attribute("data-held") == "true", 10)
        poll(lambda: level(driver) > SOUND_DB, 10)
        ActionChains(driver).key_up("z", body).perform()
        poll(lambda: level(driver) < SILENT_DB, 10)
        assert console_errors(driver) == []
    finally:
        if dev.proc.poll() is None:
            dev.interrupt(timeout=10)
        dev.close()
