"""Benchmarks of the UI in a real browser (headless Chromium), against baselines of the same run.

- edit -> new control visible in the page (watch + discovery build + extraction + codegen +
  engine swap + ``parametersChanged`` + React render) vs a bare
  ``cargo build --lib --features _param-discovery`` of the same edit on a twin project (the
  ratio). The dev loop's own overhead over cargo is bench_dev's business; the target here is
  the UI's share: control visible <= 300 ms after dev's ``reload_complete`` (engine swap,
  ``parametersChanged``, ``getAllParameters``, React render). Stage medians are reported.
- slider -> meter change in the page: a real key press (End/Home: +-48 dB) to the first
  meter frame in the DOM that moved by more than 3 dB, timed inside the page
  (``performance.now()`` of the keydown and of the DOM change); median and p99 against the
  interval between two meter frames in the page: target median <= 50 ms.
"""

from __future__ import annotations

import itertools
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._harness import Result, compare
from benchmarks.bench_dev import bare_build
from benchmarks.browser import (
    UiDev,
    browser_missing,
    chrome,
    connection,
    meter_db,
    poll,
    scaffold_with_ui,
)

REPO = Path(__file__).resolve().parent.parent

EDITS = 5
PRESSES = 40

# Times, inside the page, from each keydown on the slider to the first left-rms frame in
# the DOM more than 3 dB away from the value before the key.
_PROBE = """
const meter = document.querySelector("[data-meter='left-rms']");
const slider = document.querySelector("[data-param-id='input_gain_level'] input");
window.__wcLat = []; window.__wcFrames = [];
let pending = null;
slider.addEventListener('keydown', () => {
  pending = { t: performance.now(), db: Number(meter.getAttribute('data-db')) };
}, true);
new MutationObserver(() => {
  const now = performance.now();
  window.__wcFrames.push(now);
  const db = Number(meter.getAttribute('data-db'));
  if (pending !== null && Math.abs(db - pending.db) > 3) {
    window.__wcLat.push(now - pending.t);
    pending = null;
  }
}).observe(meter, { attributes: true, attributeFilter: ['data-db'] });
"""


def _processor(n: int) -> str:
    return (
        f"\n#[derive(Default)]\npub struct BenchGain{n};\n"
        f"impl Processor for BenchGain{n} {{\n"
        f'    const ID: &\'static str = "bench_gain_{n}";\n'
        f"    const PARAMS: &'static [ParamSpec] =\n"
        f'        &[ParamSpec::float("level", "Bench {n}", -24.0, 24.0, 0.0).unit("dB")];\n'
        f"    fn process(&mut self, _audio: &mut [&mut [f32]], _params: &ParamValues<'_>) {{}}\n"
        f"}}\n"
    )


def _edit(project: Path, n: int) -> None:
    """Add processor ``BenchGain<n>`` at the end of the chain (a new parameter each time)."""
    src = project / "engine" / "src" / "lib.rs"
    text = src.read_text(encoding="utf-8")
    last = f"BenchGain{n - 1}]" if n > 1 else "OutputGain]"
    text = text.replace(last, f"{last[:-1]}, BenchGain{n}]", 1)
    src.write_text(text + _processor(n), encoding="utf-8")


def _wait_control(driver: Any, pid: str) -> None:
    poll(lambda: driver.find_elements("css selector", f'[data-param-id="{pid}"]'), 300, 0.01)


def _edits(driver: Any, dev: UiDev, twin: Path, target: Path) -> list[Result]:
    visible, bare, reloaded, swapped = [], [], [], []
    steps: list[dict[str, float]] = []
    for n in range(1, EDITS + 1):
        _edit(twin, n)
        bare.append(bare_build(twin, target))
        start = time.monotonic()
        _edit(dev.project, n)
        _wait_control(driver, f"bench_gain_{n}_level")
        visible.append(time.monotonic() - start)
        # Where the time went: the dev loop's own events (already queued by now).
        done = dev.wait_event("reload_complete", 60)
        reloaded.append(done["_t"] - start)
        steps.append(done["timings"])
        swapped.append(dev.wait_event("engine_swapped", 60)["_t"] - start)
    base = statistics.median(bare)
    ui_share = statistics.median(v - r for v, r in zip(visible, reloaded, strict=True))
    stages = {
        "ui_share_ms": round(ui_share * 1000, 1),
        "reload_complete_ms": round(statistics.median(reloaded) * 1000, 1),
        "engine_swapped_ms": round(statistics.median(swapped) * 1000, 1),
        **{
            f"{name}_ms": round(statistics.median(t.get(name, 0.0) for t in steps) * 1000, 1)
            for name in ("cargo_build", "extract_cached", "codegen")
        },
    }
    return [
        compare(
            "edit -> new control visible in the browser", visible,
            "bare discovery cargo build of the same edit", bare,
            target="visible <= reload_complete + 300 ms",
            met=lambda _m, _r: ui_share <= 0.300,
            extra={"overhead_ms": round((statistics.median(visible) - base) * 1000, 1), **stages},
        )
    ]  # fmt: skip


def _slider(driver: Any) -> list[Result]:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    driver.execute_script(_PROBE)
    slider = driver.find_element("css selector", "[data-param-id='input_gain_level'] input")
    for i in range(PRESSES):
        key = Keys.END if i % 2 else Keys.HOME
        ActionChains(driver).send_keys_to_element(slider, key).perform()
        time.sleep(0.25)  # the meter settles (and the RMS window refills) before the next
    latencies = [x / 1000 for x in driver.execute_script("return window.__wcLat")]
    frames = driver.execute_script("return window.__wcFrames")
    gaps = [(b - a) / 1000 for a, b in itertools.pairwise(frames)]
    assert len(latencies) >= PRESSES * 0.9, f"only {len(latencies)} of {PRESSES} moves seen"
    p99 = sorted(latencies)[max(0, round(len(latencies) * 0.99) - 1)]
    return [
        compare(
            "slider key -> meter change in the page", latencies,
            "interval between two meter frames in the page", gaps,
            target="median <= 50 ms", met=lambda m, _r: m <= 0.050,
            extra={"p99_ms": round(p99 * 1000, 1), "presses": len(latencies)},
        )
    ]  # fmt: skip


def run() -> list[Result]:
    missing = browser_missing()
    if missing:
        print(f"bench_ui skipped: {missing}", flush=True)
        return []
    target = Path(os.environ.get("WAVECRAFT_TEST_TARGET_DIR", REPO / ".test-target"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["WAVECRAFT_CACHE_DIR"] = str(root / "cache")
        project = scaffold_with_ui(root, "wc-bench-ui")
        twin = scaffold_with_ui(root, "wc-bench-twin", install=False)
        bare_build(twin, target)
        dev = UiDev(project, target)
        driver = chrome()
        try:
            dev.event("engine_swapped", timeout=1800)
            dev.event("watching", timeout=120)
            driver.get(dev.ui_url())
            poll(lambda: connection(driver) == "open", 60)
            poll(lambda: meter_db(driver, "left-rms") is not None, 30)
            results = _slider(driver)
            results += _edits(driver, dev, twin, target)
        finally:
            driver.quit()
            if dev.proc.poll() is None:
                dev.interrupt(timeout=10)
            dev.close()
    return results


if __name__ == "__main__":
    run()
