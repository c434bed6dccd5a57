"""The dev engine's JSON-RPC 2.0 protocol, written down once.

The server (``wavecraft_build.engine``) answers these methods and sends these notifications;
the TypeScript client in ``ui/src/generated/`` is generated from the same definitions
(``wavecraft_build.codegen``), and the README's protocol section describes them. Method and
notification names and shapes are Wavecraft's (its ``wavecraft-protocol`` crate), so a UI
written for Wavecraft's dev server talks to this one unchanged.

Types are written as TypeScript type expressions: the client is generated from them
verbatim and the server's tests read them back. Values are plain values (in the declared
range: dB, Hz, 0/1 for bools, variant index for enums), never normalised ones.

Audio preview is this protocol's addition to Wavecraft's (``ADDITIONS``): right after a
client connects, the server sends one ``audioFormat`` notification (text, harmless to a
client that ignores it); binary frames go only to a client that asked with
``subscribeAudio`` (answered with the same format), each one block of PCM (interleaved
little-endian float32), until ``unsubscribeAudio`` or the connection closes. A client that
never subscribes (Wavecraft's own UI core, say) receives text frames only.

Presets are an addition too (``listPresets``, ``loadPreset``, ``savePreset`` and the
``presetsChanged`` notification): the project's ``presets/<name>.json`` files, read from
disk on every call (a hand edit shows up at once); loading one sets every parameter through
the same path as ``setParameter`` (the ids the preset leaves out to their defaults) and
sends ``parameterChanged`` for each; saving writes the current values as a checked preset,
atomically, and never over an existing file unless ``overwrite`` is true.

Test results are the other addition: under ``dev --test`` the engine broadcasts one
``testResults`` notification when a run of the project's tests starts and when it ends, and
sends the latest one to every client right after it connects. A failing golden test's plot
is a path (``/test-results/...``) served over HTTP on the engine's own port
(``TEST_RESULTS_PATH``).

Notes are the third addition, for instruments: ``noteOn`` ``{note, velocity, channel?}``,
``noteOff`` ``{note, channel?}`` and ``midi`` ``{bytes}`` (one raw MIDI 1.0 short message).
A bad value (a note outside 0-127, a velocity outside 0-1, a channel outside 0-15, bytes
that are no channel message) is ``INVALID_PARAMS``. The engine puts every note that
arrives before a block on that block's first sample, in arrival order; a note a client
still holds when its connection closes is released.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "ADDITIONS",
    "AUDIO_FORMAT",
    "AUDIO_PHASES",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "ERRORS",
    "INTERNAL_ERROR",
    "INVALID_PARAMS",
    "INVALID_REQUEST",
    "JSONRPC",
    "METHODS",
    "METHOD_NOT_FOUND",
    "NOTIFICATIONS",
    "PARAM_NOT_FOUND",
    "PARAM_OUT_OF_RANGE",
    "PARSE_ERROR",
    "PCM_ENCODING",
    "PRESET_EXISTS",
    "PRESET_INVALID",
    "PRESET_NOT_FOUND",
    "TEST_RESULTS_PATH",
    "TEST_STATUSES",
    "TYPES",
    "ErrorCode",
    "Field",
    "Method",
    "Notification",
]

JSONRPC: Final = "2.0"
DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 9000
#: Binary frames: interleaved little-endian float32, channel after channel per frame.
PCM_ENCODING: Final = "f32le-interleaved"


@dataclass(frozen=True)
class Field:
    """One member of a params or result object."""

    name: str
    ts: str
    doc: str = ""
    optional: bool = False


@dataclass(frozen=True)
class Method:
    """A request the client sends; the server answers with ``result`` or an error."""

    name: str
    doc: str
    params: tuple[Field, ...] = ()
    result: tuple[Field, ...] = ()


@dataclass(frozen=True)
class Notification:
    """A message without an id, from the server to every connected client."""

    name: str
    doc: str
    params: tuple[Field, ...] = ()


@dataclass(frozen=True)
class ErrorCode:
    code: int
    name: str
    doc: str


#: What ``subscribeAudio`` answers and ``audioFormat`` announces.
AUDIO_FORMAT: Final = (
    Field("sample_rate", "number"),
    Field("channels", "number"),
    Field("block_size", "number"),
    Field("encoding", f"'{PCM_ENCODING}'"),
)
#: Methods and notifications that are this project's, not Wavecraft's (the audio preview,
#: the test results of ``dev --test``).
ADDITIONS: Final = ("subscribeAudio", "unsubscribeAudio", "audioFormat", "testResults",
                    "noteOn", "noteOff", "midi",
                    "listPresets", "loadPreset", "savePreset", "presetsChanged")
#: Where the engine serves the PNGs of the project's results folder (``GET`` on its port).
TEST_RESULTS_PATH: Final = "/test-results/"
#: ``TestResults.status``: a run is going, or the last one passed or failed.
TEST_STATUSES: Final = ("running", "passed", "failed")

#: Wavecraft's audio runtime phases (``AudioRuntimePhase``, camelCase on the wire).
AUDIO_PHASES: Final = (
    "disabled",
    "initializing",
    "runningFullDuplex",
    "runningInputOnly",
    "degraded",
    "failed",
)

#: Named types the methods refer to, as TypeScript declarations (emitted in this order).
TYPES: Final[dict[str, str]] = {
    "ParameterType": "'float' | 'bool' | 'enum'",
    "ParameterInfo": (
        "{ id: string; name: string; type: ParameterType; value: number; default: number; "
        "min: number; max: number; unit?: string; group?: string; variants?: string[] }"
    ),
    "MeterFrame": (
        "{ peak_l: number; peak_r: number; rms_l: number; rms_r: number; timestamp: number }"
    ),
    "AudioPhase": " | ".join(f"'{p}'" for p in AUDIO_PHASES),
    "AudioDiagnostic": "{ code: string; message: string; hint?: string }",
    "AudioStatus": (
        "{ phase: AudioPhase; sample_rate?: number; buffer_size?: number; "
        "diagnostic?: AudioDiagnostic; updated_at_ms: number }"
    ),
    "PresetInfo": "{ name: string; category?: string; author?: string; tags?: string[] }",
    "TestStatus": " | ".join(f"'{s}'" for s in TEST_STATUSES),
    "TestFailure": "{ name: string; message: string; plot?: string }",
    "TestResults": (
        "{ status: TestStatus; passed: number; failed: number; skipped: number; "
        "failures: TestFailure[]; updated_at_ms: number }"
    ),
}

METHODS: Final[tuple[Method, ...]] = (
    Method(
        "getParameter",
        "The current plain value of one parameter.",
        params=(Field("id", "string"),),
        result=(Field("id", "string"), Field("value", "number")),
    ),
    Method(
        "setParameter",
        "Set one parameter's plain value; every client then gets parameterChanged.",
        params=(Field("id", "string"), Field("value", "number", "plain value, in [min, max]")),
        result=(),
    ),
    Method(
        "getAllParameters",
        "Every parameter, in declaration order, with its current value.",
        result=(Field("parameters", "ParameterInfo[]"),),
    ),
    Method(
        "getMeterFrame",
        "The latest meter frame (linear peak and RMS per channel), null before the first block.",
        result=(Field("frame", "MeterFrame | null"),),
    ),
    Method(
        "getAudioStatus",
        "The audio runtime's phase, sample rate, block size and, when failed, why.",
        result=(Field("status", "AudioStatus"),),
    ),
    Method("ping", "Liveness check; answers {}.", result=()),
    Method(
        "subscribeAudio",
        "Addition: send this client the binary PCM frames from now on (one per block); "
        "answers their format. Subscribing again keeps the one stream.",
        result=AUDIO_FORMAT,
    ),
    Method(
        "unsubscribeAudio",
        "Addition: stop sending this client PCM frames (closing the connection does too).",
        result=(),
    ),
    Method(
        "noteOn",
        "Addition: press a key (instruments); it sounds from the next block's first sample.",
        params=(Field("note", "number", "MIDI note 0-127, 60 = middle C"),
                Field("velocity", "number", "0-1"),
                Field("channel", "number", "0-15, default 0", optional=True)),
        result=(),
    ),
    Method(
        "noteOff",
        "Addition: release a key (closing the connection releases every key it holds).",
        params=(Field("note", "number", "MIDI note 0-127"),
                Field("channel", "number", "0-15, default 0", optional=True)),
        result=(),
    ),
    Method(
        "midi",
        "Addition: one raw MIDI 1.0 channel message (note on/off, CC, pitch bend...), as "
        "from a Web MIDI device.",
        params=(Field("bytes", "number[]", "status byte then 1 or 2 data bytes"),),
        result=(),
    ),
    Method(
        "listPresets",
        "Addition: the project's presets (presets/<name>.json), sorted by name; a folder "
        "with a bad file answers PRESET_INVALID naming it.",
        result=(Field("presets", "PresetInfo[]"),),
    ),
    Method(
        "loadPreset",
        "Addition: set every parameter to the preset's value (its left-out ids to their "
        "defaults); every client gets parameterChanged for each id.",
        params=(Field("name", "string"),),
        result=(),
    ),
    Method(
        "savePreset",
        "Addition: write the current values as presets/<name>.json (checked, atomic); "
        "PRESET_EXISTS unless overwrite is true.",
        params=(Field("name", "string"), Field("overwrite", "boolean", optional=True)),
        result=(Field("name", "string"), Field("path", "string")),
    ),
)

NOTIFICATIONS: Final[tuple[Notification, ...]] = (
    Notification(
        "parameterChanged",
        "A parameter was set (by any client): sent to every client so all views agree.",
        params=(Field("id", "string"), Field("value", "number")),
    ),
    Notification(
        "parametersChanged",
        "A reload changed the parameter list: call getAllParameters again.",
    ),
    Notification(
        "meterUpdate",
        "Pushed 30-60 times a second: peak and RMS per channel in dBFS of the DSP output.",
        params=(
            Field("timestamp_us", "number"),
            Field("left_peak", "number"),
            Field("left_rms", "number"),
            Field("right_peak", "number"),
            Field("right_rms", "number"),
        ),
    ),
    Notification(
        "audioStatusChanged",
        "The audio runtime changed phase (started, failed, recovered after a reload).",
        params=(Field("status", "AudioStatus"),),
    ),
    Notification(
        "audioFormat",
        "Addition, sent once on connect: the format of the binary PCM frames a client gets "
        "after subscribeAudio.",
        params=AUDIO_FORMAT,
    ),
    Notification(
        "testResults",
        "Addition, under dev --test: a run of the project's tests started (status running, "
        "the last counts) or ended; the latest is also sent on connect. A failure's plot is "
        f"a path on the engine's port under {TEST_RESULTS_PATH} (its PNG).",
        params=(Field("results", "TestResults"),),
    ),
    Notification(
        "presetsChanged",
        "Addition: a preset file was added, edited or removed (by hand or by savePreset): "
        "call listPresets again.",
    ),
)

#: Error codes: one constant each (the dispatcher and the store raise these), all in ERRORS.
PARSE_ERROR: Final = ErrorCode(-32700, "PARSE_ERROR", "the message is not valid JSON")
INVALID_REQUEST: Final = ErrorCode(-32600, "INVALID_REQUEST",
                                   "not a JSON-RPC 2.0 request object")
METHOD_NOT_FOUND: Final = ErrorCode(-32601, "METHOD_NOT_FOUND", "unknown method")
INVALID_PARAMS: Final = ErrorCode(-32602, "INVALID_PARAMS",
                                  "missing or mistyped params (NaN, inf, strings...)")
INTERNAL_ERROR: Final = ErrorCode(-32603, "INTERNAL_ERROR",
                                  "the server failed to answer (a bug: report it)")
PARAM_NOT_FOUND: Final = ErrorCode(-32000, "PARAM_NOT_FOUND", "no parameter has this id")
PARAM_OUT_OF_RANGE: Final = ErrorCode(-32001, "PARAM_OUT_OF_RANGE",
                                      "the value is outside the parameter's [min, max]")
PRESET_NOT_FOUND: Final = ErrorCode(-32002, "PRESET_NOT_FOUND", "no preset has this name")
PRESET_INVALID: Final = ErrorCode(-32003, "PRESET_INVALID",
                                  "a preset file or name is not valid (the message names it)")
PRESET_EXISTS: Final = ErrorCode(-32004, "PRESET_EXISTS",
                                 "a preset of this name exists: confirm with overwrite")
ERRORS: Final[tuple[ErrorCode, ...]] = (
    PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS, INTERNAL_ERROR,
    PARAM_NOT_FOUND, PARAM_OUT_OF_RANGE, PRESET_NOT_FOUND, PRESET_INVALID, PRESET_EXISTS,
)
