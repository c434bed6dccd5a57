//! Parameter sets from the page, performed as host gestures on the host's main thread.
//!
//! nice-plug's `GuiContext` expects the main thread, so the reader thread only queues a set
//! and asks the host for a main-thread callback (CLAP `request_callback`, VST3's run loop).
//! A gesture stays open while sets for the same parameter keep coming (a slider being
//! dragged is one begin ... end, as a DAW's touch automation wants) and ends once none came
//! for [`IDLE_END`]; the writer thread's ~30 Hz tick asks for the callback that ends it, and
//! closing the editor ends whatever is still open.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use nice_plug::context::gui::GuiContext;
use nice_plug::editor::HostMainThreadCaller;
use nice_plug::prelude::ParamPtr;

/// A gesture ends this long after its parameter's last set.
pub const IDLE_END: Duration = Duration::from_millis(150);

/// The editor's gestures (one per open editor).
pub struct Gestures {
    gui: GuiContext,
    pending: Mutex<Vec<(ParamPtr, f32)>>,
    /// Open gestures and the time of their last set.
    open: Mutex<Vec<(ParamPtr, Instant)>>,
    caller: Option<Mutex<Box<dyn HostMainThreadCaller>>>,
}

impl Gestures {
    pub fn new(gui: GuiContext, caller: Option<Box<dyn HostMainThreadCaller>>) -> Self {
        Self {
            gui,
            pending: Mutex::new(Vec::new()),
            open: Mutex::new(Vec::new()),
            caller: caller.map(Mutex::new),
        }
    }

    /// Asks the host for a [`host_main_thread_callback`](nice_plug::editor::EditorHandle) soon.
    pub fn call_main_thread(&self) {
        if let Some(caller) = &self.caller {
            if let Ok(mut caller) = caller.lock() {
                caller.call_main_thread();
            }
        }
    }

    /// Reader thread: queue a set and ask for a main-thread callback.
    pub fn request(&self, ptr: ParamPtr, normalized: f32) {
        if self.caller.is_none() {
            // No host callbacks (never the case in VST3/CLAP): one whole gesture from here.
            // SAFETY: `ptr` comes from the plugin's own parameter map, alive with the plugin.
            unsafe {
                self.gui.raw_begin_set_parameter(ptr);
                self.gui.raw_set_parameter_normalized(ptr, normalized);
                self.gui.raw_end_set_parameter(ptr);
            }
            return;
        }
        if let Ok(mut pending) = self.pending.lock() {
            pending.push((ptr, normalized));
        }
        self.call_main_thread();
    }

    /// Writer thread, ~30 Hz: ask for a callback when an open gesture has gone idle.
    pub fn tick(&self) {
        let idle = self.open.lock().map(|open| open.iter().any(|(_, last)| last.elapsed() >= IDLE_END));
        if idle.unwrap_or(false) {
            self.call_main_thread();
        }
    }

    /// Main thread: perform the queued sets (beginning gestures as needed), then end the
    /// gestures that went idle.
    pub fn drain(&self) {
        let queued = self.pending.lock().map(|mut p| std::mem::take(&mut *p)).unwrap_or_default();
        let Ok(mut open) = self.open.lock() else { return };
        let now = Instant::now();
        for (ptr, normalized) in queued {
            match open.iter_mut().find(|(p, _)| *p == ptr) {
                Some(entry) => entry.1 = now,
                None => {
                    // SAFETY: as in `request`.
                    unsafe { self.gui.raw_begin_set_parameter(ptr) };
                    open.push((ptr, now));
                }
            }
            // SAFETY: as in `request`.
            unsafe { self.gui.raw_set_parameter_normalized(ptr, normalized) };
        }
        open.retain(|&(ptr, last)| {
            let done = now.duration_since(last) >= IDLE_END;
            if done {
                // SAFETY: as in `request`.
                unsafe { self.gui.raw_end_set_parameter(ptr) };
            }
            !done
        });
    }

    /// Main thread, the editor closing: perform what is queued and end every open gesture.
    pub fn end_all(&self) {
        self.drain();
        let open = self.open.lock().map(|mut o| std::mem::take(&mut *o)).unwrap_or_default();
        for (ptr, _) in open {
            // SAFETY: as in `request`.
            unsafe { self.gui.raw_end_set_parameter(ptr) };
        }
    }
}
