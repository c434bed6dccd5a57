"""The generated TypeScript client, compiled by tsc and run under node against the real engine.

The fixture plugin's DSP in a real engine process; node (20+, ``--experimental-websocket``)
runs the generated ``client.ts`` and ``store.ts`` as emitted by tsc. Checks what the hooks
build on: typed requests, protocol error codes, optimistic sets confirmed by the engine,
rollback when the set cannot reach it, reconnect after ``stop``/``start``, and two clients
agreeing through ``parameterChanged``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fixtures_ts import TsTools
from required_tools import missing, require_tool

from benchmarks.engineclient import EngineHandle
from wavecraft_build.codegen import generate
from wavecraft_build.engine import protocol
from wavecraft_build.extract import extract_params

_PROBE = """
import { EngineClient, RpcError } from './js/generated/client.js';
import { MeterStore, ParameterStore } from './js/generated/store.js';

const url = process.argv[2];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(pred, what, ms = 10000) {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
const options = { url, requestTimeoutMs: 2000, minBackoffMs: 20, maxBackoffMs: 100 };
const a = new EngineClient(options);
const b = new EngineClient(options);
const states = [];
a.onState((s) => states.push(s));
const store = new ParameterStore(a);
const other = new ParameterStore(b);
const meter = new MeterStore(a);
const out = {};
let pcmA = 0, pcmB = 0;
a.onPcm(() => { pcmA += 1; });
b.onPcm(() => { pcmB += 1; });
a.start(); b.start();
await until(() => a.getState() === 'open' && b.getState() === 'open', 'open');
await until(() => store.spec('gain_level') !== undefined && meter.get() !== null, 'list + meter');
await sleep(300);
out.idlePcm = pcmA + pcmB;
out.subscribed = await a.request('subscribeAudio', {});
await until(() => pcmA > 10, 'PCM after subscribeAudio');
await a.request('unsubscribeAudio', {});
const afterUnsubscribe = pcmA;
await sleep(300);
out.pcmAfterUnsubscribe = pcmA - afterUnsubscribe;
out.pcmB = pcmB;
out.ids = store.all().map((p) => p.id);
out.format = a.audioFormat;
out.ping = await a.request('ping', {});
try { await a.request('getParameter', { id: 'no_such_id' }); } catch (e) {
  out.unknown = { rpc: e instanceof RpcError, code: e.code };
}
store.set('gain_level', 0.5);
out.optimistic = store.value('gain_level');
await until(async () => (await a.request('getParameter', { id: 'gain_level' })).value === 0.5,
            'engine has 0.5');
await until(() => other.value('gain_level') === 0.5, 'the other client agrees');
store.set('gain_level', 99);
out.clamped = store.value('gain_level');
await until(() => other.value('gain_level') === 2, 'clamped value reaches the other client');
a.stop();
store.set('gain_level', 1.5);
out.duringFailedSet = store.value('gain_level');
await sleep(50);
out.rolledBack = store.value('gain_level');
out.lastError = store.lastError;
a.start();
await until(() => a.getState() === 'open', 'reopen');
out.states = states;
a.stop(); b.stop();
console.log(JSON.stringify(out));
"""


def test_generated_client_against_the_real_engine(
    tmp_path: Path, fixture_lib: Path, ts_tools: TsTools
) -> None:
    node = shutil.which("node")
    assert node is not None
    result = extract_params(fixture_lib)
    ui = tmp_path / "ui"
    generate(result, ui_dir=ui, python_module=None)
    ts_tools.emit(ui, tmp_path / "js")
    _add_js_extensions(tmp_path / "js")
    (tmp_path / "probe.mjs").write_text(_PROBE, encoding="utf-8")
    with EngineHandle() as engine:
        engine.swap(fixture_lib, result)
        done = subprocess.run(
            [node, "--experimental-websocket", "--no-warnings", "probe.mjs", engine.url],
            cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["ids"] == list(result.ids)
    assert out["format"]["encoding"] == protocol.PCM_ENCODING and out["format"]["channels"] == 2
    assert out["ping"] == {}
    # PCM only after subscribeAudio (answered with the format), none after unsubscribing,
    # never to the client that did not ask.
    assert out["idlePcm"] == 0 and out["pcmB"] == 0
    assert out["subscribed"] == out["format"]
    assert out["pcmAfterUnsubscribe"] == 0
    not_found = next(e.code for e in protocol.ERRORS if e.name == "PARAM_NOT_FOUND")
    assert out["unknown"] == {"rpc": True, "code": not_found}
    assert out["optimistic"] == 0.5
    assert out["clamped"] == 2  # gain_level's max: the store never sends an out-of-range value
    assert out["duringFailedSet"] == 1.5 and out["rolledBack"] == 2
    assert "not connected" in out["lastError"]
    assert out["states"] == ["open", "closed", "open", "closed"]  # the last: the final stop()


_HAS_WEBSOCKET = "process.exit(typeof WebSocket === 'function' ? 0 : 1)"


def _add_js_extensions(root: Path) -> None:
    """Vite resolves ``./client``; node's ESM loader wants ``./client.js``."""
    for js in root.rglob("*.js"):
        text = js.read_text(encoding="utf-8")
        js.write_text(re.sub(r"""(from\s+['"]\.{1,2}/[^'"]+?)(['"])""", r"\1.js\2", text))


@pytest.fixture(autouse=True)
def _node_has_websocket() -> None:
    node = require_tool("node", "install Node.js 20.10+ (apt-get install nodejs)")
    probe = subprocess.run(
        [node, "--experimental-websocket", "-e", _HAS_WEBSOCKET],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    if probe.returncode == 1:  # the probe's own answer: node ran, typeof WebSocket != function
        missing("this node has no WebSocket", "install Node.js 20.10+")
    # Anything else (a flag this node rejects, a crash) is a failure to look at, not a skip.
    assert probe.returncode == 0, f"node --experimental-websocket: {probe.stderr.strip()}"
