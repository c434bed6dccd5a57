//! The editor's end of the JSON-RPC 2.0 protocol: the methods and notifications the dev
//! engine serves (`wavecraft_build/engine/protocol.py` is their definition), answered from
//! the plugin's own parameters and meters instead of the dev engine's.
//!
//! A `setParameter` from the page becomes a host gesture (begin, set, end) that the caller
//! performs on the host's main thread; host automation and preset loads come back to the
//! page as `parameterChanged`. Plain values on the wire, as in the browser.

use std::sync::Arc;

use nice_plug::prelude::{ParamPtr, Params};
use serde_json::{json, Map, Value};

use crate::editor::meters::{db, MeterFrame, Meters};
use crate::host_params::HostParams;

// Error codes of protocol.py (ERRORS); tests/test_editor_contract.py checks they agree.
pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;
pub const PARAM_NOT_FOUND: i64 = -32000;
pub const PARAM_OUT_OF_RANGE: i64 = -32001;

/// The page's notification when a script fails (editor only; the helper's init script sends
/// it, and `editorReady` once the app has painted).
pub const EDITOR_ERROR: &str = "editorError";

struct Entry {
    id: String,
    ptr: ParamPtr,
    min: f32,
    max: f32,
    /// The contract's ParameterInfo of this parameter (value replaced on each read).
    info: Map<String, Value>,
}

/// What one line from the page asks for.
#[derive(Debug, Default)]
pub struct Handled {
    /// The answer to send back (requests only).
    pub reply: Option<String>,
    /// A parameter to set through a host gesture: (pointer, normalized value).
    pub set: Option<(ParamPtr, f32)>,
    /// A page notification (`editorReady`, `editorError`) with its params, for the log.
    pub event: Option<(String, Value)>,
}

/// The parameters and meters the page talks to.
pub struct Bridge {
    // Keeps every `ParamPtr` below alive.
    _params: Arc<HostParams>,
    entries: Vec<Entry>,
    meters: Arc<Meters>,
}

fn notification(method: &str, params: Value) -> String {
    json!({"jsonrpc": "2.0", "method": method, "params": params}).to_string()
}

fn error(id: &Value, code: i64, message: &str) -> String {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}).to_string()
}

fn result(id: &Value, result: Value) -> String {
    json!({"jsonrpc": "2.0", "id": id, "result": result}).to_string()
}

fn frame_json(frame: MeterFrame) -> Value {
    json!({"peak_l": frame.peak_l, "peak_r": frame.peak_r, "rms_l": frame.rms_l,
           "rms_r": frame.rms_r, "timestamp": now_ms()})
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

impl Bridge {
    /// `params_json` is the contract's ParameterInfo array of the same signal (same order).
    pub fn new(params: Arc<HostParams>, params_json: &str, meters: Arc<Meters>) -> Self {
        let infos: Vec<Map<String, Value>> = serde_json::from_str(params_json).unwrap_or_default();
        let entries = params
            .param_map()
            .into_iter()
            .zip(infos)
            .map(|((id, ptr, _group), info)| {
                let bound = |key: &str| info.get(key).and_then(Value::as_f64).unwrap_or(0.0) as f32;
                Entry { id, ptr, min: bound("min"), max: bound("max"), info }
            })
            .collect();
        Self { _params: params, entries, meters }
    }

    fn plain(entry: &Entry) -> f32 {
        // SAFETY: `_params` keeps the parameter alive.
        unsafe { entry.ptr.unmodulated_plain_value() }
    }

    fn find(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|entry| entry.id == id)
    }

    /// One line from the page.
    pub fn handle(&self, line: &str) -> Handled {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            return Handled {
                reply: Some(error(&Value::Null, PARSE_ERROR, "not JSON")),
                ..Handled::default()
            };
        };
        let id = message.get("id").cloned();
        let method = message.get("method").and_then(Value::as_str).unwrap_or_default();
        let params = message.get("params").cloned().unwrap_or(Value::Null);
        let Some(id) = id else {
            // A notification from the page: nothing to answer.
            return Handled { event: Some((method.to_owned(), params)), ..Handled::default() };
        };
        if method.is_empty() {
            return Handled { reply: Some(error(&id, INVALID_REQUEST, "no method")), ..Handled::default() };
        }
        let mut handled = Handled::default();
        let answer = match method {
            "ping" => Ok(json!({})),
            "getAllParameters" => Ok(json!({"parameters": self.all()})),
            "getMeterFrame" => Ok(json!({"frame": frame_json(self.meters.peek())})),
            "getAudioStatus" => Ok(json!({"status": {"phase": "runningFullDuplex",
                                                      "updated_at_ms": now_ms() as u64}})),
            "getParameter" => self.with_entry(&params).map(|e| json!({"id": e.id, "value": Self::plain(e)})),
            "setParameter" => self.set(&params).map(|set| {
                handled.set = Some(set);
                json!({})
            }),
            _ => Err((METHOD_NOT_FOUND, format!("unknown method {method:?}"))),
        };
        handled.reply = Some(match answer {
            Ok(value) => result(&id, value),
            Err((code, message)) => error(&id, code, &message),
        });
        handled
    }

    fn with_entry(&self, params: &Value) -> Result<&Entry, (i64, String)> {
        let id = params
            .get("id")
            .and_then(Value::as_str)
            .ok_or((INVALID_PARAMS, "id must be a string".to_owned()))?;
        self.find(id).ok_or_else(|| (PARAM_NOT_FOUND, format!("no parameter has id {id:?}")))
    }

    fn set(&self, params: &Value) -> Result<(ParamPtr, f32), (i64, String)> {
        let entry = self.with_entry(params)?;
        let value = params
            .get("value")
            .and_then(Value::as_f64)
            .filter(|v| v.is_finite())
            .ok_or((INVALID_PARAMS, "value must be a finite number".to_owned()))? as f32;
        if value < entry.min || value > entry.max {
            return Err((PARAM_OUT_OF_RANGE, format!("{value} is outside [{}, {}]", entry.min, entry.max)));
        }
        // Integer parameters (enums) take the nearest step.
        let plain = if entry.info.get("type").and_then(Value::as_str) == Some("float") {
            value
        } else {
            value.round()
        };
        // SAFETY: `_params` keeps the parameter alive.
        Ok((entry.ptr, unsafe { entry.ptr.preview_normalized(plain) }))
    }

    fn all(&self) -> Vec<Value> {
        self.entries
            .iter()
            .map(|entry| {
                let mut info = entry.info.clone();
                info.insert("value".to_owned(), json!(Self::plain(entry)));
                Value::Object(info)
            })
            .collect()
    }

    /// `parameterChanged` for a value the host set (automation, a preset, our own gesture).
    pub fn changed(&self, id: &str, normalized: f32) -> Option<String> {
        let entry = self.find(id)?;
        // SAFETY: `_params` keeps the parameter alive.
        let value = unsafe { entry.ptr.preview_plain(normalized) };
        Some(notification("parameterChanged", json!({"id": id, "value": value})))
    }

    /// `parameterChanged` for every parameter (after the host restored a state).
    pub fn all_changed(&self) -> Vec<String> {
        self.entries
            .iter()
            .map(|e| notification("parameterChanged", json!({"id": e.id, "value": Self::plain(e)})))
            .collect()
    }

    /// `meterUpdate` in dBFS for the frame since the last one, if a block ran since.
    pub fn meter_update(&self) -> Option<String> {
        let frame = self.meters.take()?;
        Some(notification(
            "meterUpdate",
            json!({"timestamp_us": (now_ms() * 1000.0) as u64, "left_peak": db(frame.peak_l),
                   "left_rms": db(frame.rms_l), "right_peak": db(frame.peak_r), "right_rms": db(frame.rms_r)}),
        ))
    }
}
