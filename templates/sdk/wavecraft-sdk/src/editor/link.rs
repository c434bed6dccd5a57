//! The plugin's end of the page's messages, the same on every OS; only the last hop differs
//! (the Linux helper's pipes, or the in-process webview on the host's main thread).
//!
//! * [`on_page_message`]: one message the page posted: answered through [`Bridge`], a
//!   parameter set queued as a host gesture, `editorReady`/`editorError` traced and logged.
//! * [`Link`]: a thread that sends what the plugin has for the page (answers, host changes)
//!   as it comes, and meters at about the display rate; its tick also ends idle gestures.
//!   Dropping the link stops and joins the thread.
//! * [`Outbox`]: where those messages wait for the host's main thread when the webview lives
//!   in the plugin (macOS, Windows); tested on every OS.

use std::collections::VecDeque;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{json, Value};

use crate::editor::gestures::Gestures;
use crate::editor::rpc::{now_ms, Bridge, EDITOR_ERROR};

/// Meter updates: about the display rate.
const METER_PERIOD: Duration = Duration::from_millis(33);
/// Env var (tests and debugging only): append the page's events to this JSON-lines file.
pub const TRACE_ENV: &str = "WAVECRAFT_EDITOR_TRACE";

/// Where page events are traced (`WAVECRAFT_EDITOR_TRACE`), if anywhere.
pub fn trace_file() -> Option<PathBuf> {
    std::env::var_os(TRACE_ENV).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// Appends one event to the trace file (tests and debugging; nothing without the env var).
pub fn trace(file: &Option<PathBuf>, event: &str, params: Value) {
    if let Some(path) = file {
        let mut line = json!({"t_ms": now_ms(), "event": event, "params": params}).to_string();
        line.push('\n');
        if let Ok(mut out) = OpenOptions::new().create(true).append(true).open(path) {
            let _ = out.write_all(line.as_bytes());
        }
    }
}

/// One message the page posted; returns the answer to send back, if any.
pub fn on_page_message(line: &str, bridge: &Bridge, gestures: &Gestures, trace_to: &Option<PathBuf>) -> Option<String> {
    let handled = bridge.handle(line);
    if let Some((ptr, normalized)) = handled.set {
        let message: Value = serde_json::from_str(line).unwrap_or(Value::Null);
        trace(trace_to, "setParameter", message["params"].clone());
        gestures.request(ptr, normalized);
    }
    if let Some((event, params)) = handled.event {
        if event == EDITOR_ERROR {
            eprintln!("wavecraft editor: the page failed: {}", params["message"]);
        }
        trace(trace_to, &event, params);
    }
    handled.reply
}

/// What goes to the page (see [`Link::send`]).
enum Out {
    Line(String),
    Close,
}

/// A message for the page, as the link hands it to its transport.
pub enum ToPage {
    /// An answer or a notification: every one must arrive.
    Message(String),
    /// A `meterUpdate`: a newer one replaces it.
    Meter(String),
}

/// Messages waiting for the host's main thread: every answer and notification in order (at
/// most [`Outbox::MAX_QUEUED`]: a host that stops calling back must not grow the plugin's
/// memory, so the oldest go first) and only the newest meter frame.
#[cfg_attr(target_os = "linux", allow(dead_code))] // the Linux helper has its pipe instead
#[derive(Default)]
pub struct Outbox {
    messages: VecDeque<String>,
    meter: Option<String>,
}

#[cfg_attr(target_os = "linux", allow(dead_code))]
impl Outbox {
    pub const MAX_QUEUED: usize = 4096;

    /// Adds one message; true when the outbox was empty (time to ask for a callback).
    pub fn push(&mut self, message: ToPage) -> bool {
        let was_empty = self.messages.is_empty() && self.meter.is_none();
        match message {
            ToPage::Meter(line) => self.meter = Some(line),
            ToPage::Message(line) => {
                if self.messages.len() >= Self::MAX_QUEUED {
                    self.messages.pop_front();
                }
                self.messages.push_back(line);
            }
        }
        was_empty
    }

    /// Everything waiting, in the order the page gets it (the meter frame last).
    pub fn take(&mut self) -> Vec<String> {
        let mut out: Vec<String> = self.messages.drain(..).collect();
        out.extend(self.meter.take());
        out
    }
}

/// The thread that feeds the page (see the module docs).
pub struct Link {
    tx: Sender<Out>,
    thread: Option<JoinHandle<()>>,
}

fn run(rx: Receiver<Out>, bridge: Arc<Bridge>, gestures: Arc<Gestures>, mut deliver: impl FnMut(ToPage) -> bool) {
    loop {
        let message = match rx.recv_timeout(METER_PERIOD) {
            Ok(Out::Line(line)) => ToPage::Message(line),
            Ok(Out::Close) | Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => {
                gestures.tick();
                match bridge.meter_update() {
                    Some(line) => ToPage::Meter(line),
                    None => continue,
                }
            }
        };
        if !deliver(message) {
            return; // the page's end is gone (the helper exited): nothing more to send
        }
    }
}

impl Link {
    /// Starts the thread; `deliver` hands one message on (false: the page's end is gone).
    pub fn start(
        bridge: Arc<Bridge>,
        gestures: Arc<Gestures>,
        deliver: impl FnMut(ToPage) -> bool + Send + 'static,
    ) -> Result<Self, String> {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("wavecraft-editor-link".to_owned())
            .spawn(move || run(rx, bridge, gestures, deliver))
            .map_err(|e| format!("cannot start the editor's thread: {e}"))?;
        Ok(Self { tx, thread: Some(thread) })
    }

    /// Queues one message for the page (dropped once the page's end is gone).
    pub fn send(&self, line: String) {
        let _ = self.tx.send(Out::Line(line));
    }

    /// A sender for another thread's answers (the Linux reader, the webview's IPC handler).
    pub fn sender(&self) -> impl Fn(String) + Send + 'static {
        let tx = self.tx.clone();
        move |line| drop(tx.send(Out::Line(line)))
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        let _ = self.tx.send(Out::Close);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outbox_keeps_every_message_in_order_and_only_the_newest_meter() {
        let mut outbox = Outbox::default();
        assert!(outbox.push(ToPage::Meter("m1".into())), "empty: ask for a callback");
        assert!(!outbox.push(ToPage::Message("a".into())), "one callback is enough");
        assert!(!outbox.push(ToPage::Meter("m2".into())));
        assert!(!outbox.push(ToPage::Message("b".into())));
        assert_eq!(outbox.take(), ["a", "b", "m2"]);
        assert!(outbox.take().is_empty());
        assert!(outbox.push(ToPage::Message("c".into())), "empty again after a take");
    }

    #[test]
    fn outbox_is_bounded_and_drops_the_oldest() {
        let mut outbox = Outbox::default();
        for i in 0..Outbox::MAX_QUEUED + 10 {
            outbox.push(ToPage::Message(i.to_string()));
        }
        let taken = outbox.take();
        assert_eq!(taken.len(), Outbox::MAX_QUEUED);
        assert_eq!(taken.first().map(String::as_str), Some("10"));
    }
}
