"""JSON-RPC 2.0 dispatch: one incoming text message -> the answer to send (or none).

Pure and synchronous: parse, check the envelope, look the method up in ``protocol.METHODS``
and call the ``Api``'s handler. Every way a message can be wrong maps to its protocol
error, one of ``protocol.ERRORS`` (``PARSE_ERROR``, ``INVALID_REQUEST``, ``METHOD_NOT_FOUND``,
``INVALID_PARAMS``, and ``PARAM_NOT_FOUND``/``PARAM_OUT_OF_RANGE`` from the parameter
store); an unexpected exception in a handler is ``INTERNAL_ERROR`` and never escapes.
``subscribeAudio``/``unsubscribeAudio`` change the connection's ``Session``, and so do the
note methods (the keys it holds, released by the server when the connection closes).
Batches (JSON arrays) are answered as arrays, up to ``MAX_BATCH`` entries.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Final, Protocol

from wavecraft_build._dsp_notes import NoteEvent
from wavecraft_build.engine import protocol
from wavecraft_build.engine.notes import event_for, held_after
from wavecraft_build.engine.protocol import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    ErrorCode,
)
from wavecraft_build.engine.state import RpcError

__all__ = ["MAX_BATCH", "Api", "Session", "error_reply", "handle_message"]

MAX_BATCH: Final = 100


class Api(Protocol):
    """What the server answers with (``host.Engine`` implements it)."""

    def get_parameter(self, pid: Any) -> dict[str, Any]: ...
    def set_parameter(self, pid: Any, value: Any) -> dict[str, Any]: ...
    def get_all_parameters(self) -> dict[str, Any]: ...
    def get_meter_frame(self) -> dict[str, Any]: ...
    def get_audio_status(self) -> dict[str, Any]: ...
    def audio_format(self) -> dict[str, Any]: ...
    def play(self, event: NoteEvent) -> None: ...
    def list_presets(self) -> dict[str, Any]: ...
    def load_preset(self, name: Any) -> dict[str, Any]: ...
    def save_preset(self, name: Any, overwrite: Any) -> dict[str, Any]: ...


class Session:
    """What one connection asked for: its audio subscription (the server reads ``audio``)
    and the keys it holds down, (channel, note) pairs."""

    audio: bool = False
    held: frozenset[tuple[int, int]] = frozenset()


def error_reply(rid: Any, code: ErrorCode, message: str, data: Any = None) -> dict[str, Any]:
    return {"jsonrpc": protocol.JSONRPC, "id": rid,
            "error": RpcError(code, message, data).to_json()}


#: Method name -> how the ``Api`` answers it (the names are ``protocol.METHODS``').
_HANDLERS: Final[Mapping[str, Callable[[Api, dict[str, Any], Session], dict[str, Any]]]] = {
    "getParameter": lambda api, p, s: api.get_parameter(p.get("id")),
    "setParameter": lambda api, p, s: api.set_parameter(p.get("id"), _value(p)),
    "getAllParameters": lambda api, p, s: api.get_all_parameters(),
    "getMeterFrame": lambda api, p, s: api.get_meter_frame(),
    "getAudioStatus": lambda api, p, s: api.get_audio_status(),
    "ping": lambda api, p, s: {},
    "subscribeAudio": lambda api, p, s: _subscribe(api, s, True),
    "unsubscribeAudio": lambda api, p, s: _subscribe(api, s, False),
    "noteOn": lambda api, p, s: _play(api, s, "noteOn", p),
    "noteOff": lambda api, p, s: _play(api, s, "noteOff", p),
    "midi": lambda api, p, s: _play(api, s, "midi", p),
    "listPresets": lambda api, p, s: api.list_presets(),
    "loadPreset": lambda api, p, s: api.load_preset(p.get("name")),
    "savePreset": lambda api, p, s: api.save_preset(p.get("name"), p.get("overwrite", False)),
}


def _play(api: Api, session: Session, method: str, params: dict[str, Any]) -> dict[str, Any]:
    event = event_for(method, params)
    if event is not None:
        session.held = held_after(session.held, event)
        api.play(event)
    return {}


def _subscribe(api: Api, session: Session, on: bool) -> dict[str, Any]:
    session.audio = on  # a flag, not a count: subscribing twice is still one stream
    return api.audio_format() if on else {}


def _value(params: dict[str, Any]) -> Any:
    if "value" not in params:
        raise RpcError(INVALID_PARAMS, "params.value is missing")
    return params["value"]


def handle_message(text: str | bytes, api: Api, session: Session | None = None) -> Any:
    """The reply object (dict, list for a batch) for one message, or None (notifications).

    ``session`` is the connection's state (a throwaway one when not given)."""
    session = Session() if session is None else session
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return error_reply(None, PARSE_ERROR, f"parse error: {str(exc)[:200]}")
    if isinstance(data, list):
        if not data or len(data) > MAX_BATCH:
            return error_reply(None, INVALID_REQUEST, f"a batch holds 1 to {MAX_BATCH} requests")
        replies = [r for r in (_one(item, api, session) for item in data) if r is not None]
        return replies or None
    return _one(data, api, session)


def _one(req: Any, api: Api, session: Session) -> dict[str, Any] | None:
    if not isinstance(req, dict):
        return error_reply(None, INVALID_REQUEST, "a request is a JSON object")
    rid = req.get("id")
    if not (rid is None or isinstance(rid, str | int)) or isinstance(rid, bool):
        return error_reply(None, INVALID_REQUEST, "id must be a string, a number or null")
    method = req.get("method")
    if req.get("jsonrpc") != protocol.JSONRPC or not isinstance(method, str):
        return error_reply(rid, INVALID_REQUEST, 'expected {"jsonrpc": "2.0", "method": ...}')
    is_notification = "id" not in req
    params = req.get("params", {})
    try:
        handler = _HANDLERS.get(method)
        if handler is None:
            raise RpcError(METHOD_NOT_FOUND, f"unknown method {method[:100]!r}")
        if not isinstance(params, dict):
            raise RpcError(INVALID_PARAMS, "params must be an object")
        result = handler(api, params, session)
    except RpcError as exc:
        return None if is_notification else error_reply(rid, exc.error, exc.message, exc.data)
    except Exception as exc:  # a bug in a handler must not take the connection down
        return None if is_notification else error_reply(rid, INTERNAL_ERROR, repr(exc)[:200])
    return None if is_notification else {"jsonrpc": protocol.JSONRPC, "id": rid, "result": result}
