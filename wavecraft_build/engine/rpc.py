"""JSON-RPC 2.0 dispatch: one incoming text message -> the answer to send (or none).

Pure and synchronous: parse, check the envelope, look the method up in ``protocol.METHODS``
and call the ``Api``'s handler. Every way a message can be wrong maps to its protocol
error (-32700 parse, -32600 envelope, -32601 method, -32602 params, -32000/-32001 from
the parameter store); an unexpected exception in a handler is -32603 and never escapes.
Batches (JSON arrays) are answered as arrays, up to ``MAX_BATCH`` entries.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Final, Protocol

from wavecraft_build.engine import protocol
from wavecraft_build.engine.state import INVALID_PARAMS, RpcError

__all__ = ["MAX_BATCH", "Api", "error_reply", "handle_message"]

MAX_BATCH: Final = 100
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INTERNAL_ERROR = -32603


class Api(Protocol):
    """What the server answers with (``host.Engine`` implements it)."""

    def get_parameter(self, pid: Any) -> dict[str, Any]: ...
    def set_parameter(self, pid: Any, value: Any) -> dict[str, Any]: ...
    def get_all_parameters(self) -> dict[str, Any]: ...
    def get_meter_frame(self) -> dict[str, Any]: ...
    def get_audio_status(self) -> dict[str, Any]: ...


def error_reply(rid: Any, code: int, message: str, data: Any = None) -> dict[str, Any]:
    return {"jsonrpc": protocol.JSONRPC, "id": rid,
            "error": RpcError(code, message, data).to_json()}


#: Method name -> how the ``Api`` answers it (the names are ``protocol.METHODS``').
_HANDLERS: Final[Mapping[str, Callable[[Api, dict[str, Any]], dict[str, Any]]]] = {
    "getParameter": lambda api, p: api.get_parameter(p.get("id")),
    "setParameter": lambda api, p: api.set_parameter(p.get("id"), _value(p)),
    "getAllParameters": lambda api, p: api.get_all_parameters(),
    "getMeterFrame": lambda api, p: api.get_meter_frame(),
    "getAudioStatus": lambda api, p: api.get_audio_status(),
    "ping": lambda api, p: {},
}


def _value(params: dict[str, Any]) -> Any:
    if "value" not in params:
        raise RpcError(INVALID_PARAMS, "params.value is missing")
    return params["value"]


def handle_message(text: str | bytes, api: Api) -> Any:
    """The reply object (dict, list for a batch) for one message, or None (notifications)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return error_reply(None, PARSE_ERROR, f"parse error: {str(exc)[:200]}")
    if isinstance(data, list):
        if not data or len(data) > MAX_BATCH:
            return error_reply(None, INVALID_REQUEST, f"a batch holds 1 to {MAX_BATCH} requests")
        replies = [r for r in (_one(item, api) for item in data) if r is not None]
        return replies or None
    return _one(data, api)


def _one(req: Any, api: Api) -> dict[str, Any] | None:
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
        result = handler(api, params)
    except RpcError as exc:
        return None if is_notification else error_reply(rid, exc.code, exc.message, exc.data)
    except Exception as exc:  # a bug in a handler must not take the connection down
        return None if is_notification else error_reply(rid, INTERNAL_ERROR, repr(exc)[:200])
    return None if is_notification else {"jsonrpc": protocol.JSONRPC, "id": rid, "result": result}
