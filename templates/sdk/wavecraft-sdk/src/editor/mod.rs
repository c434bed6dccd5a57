//! The plugin's editor: the project's React app (`ui/`), embedded in the bundle, in a webview
//! inside the host's window. Compiled only with the SDK's `editor` feature (which
//! `wavecraft-build release` turns on); the discovery build and the Python wheel never see it.
//!
//! * Linux ([`linux`]): a helper process (WebKitGTK) embedded into the host's X11 window; the
//!   plugin links no GUI library, so it loads and plays where WebKitGTK is missing.
//! * macOS and Windows: not implemented yet (the editor reports so and the host shows its
//!   generic parameter list); see `docs/guide/editor.md`.
//!
//! The page speaks the dev engine's JSON-RPC protocol ([`rpc`]); moving a control sets the
//! host parameter with a begin/set/end gesture on the host's main thread.

mod gestures;
pub mod meters;
mod rpc;

#[cfg(target_os = "linux")]
mod linux;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use nice_plug::context::gui::GuiContext;
use nice_plug::editor::dpi::{LogicalSize, NativeSize};
use nice_plug::editor::{HostMethods, SpawnedEditor};
use nice_plug::prelude::{Editor, ParentWindowHandle, ResizeHint};

use crate::host_params::HostParams;
use crate::info::params_json;
use crate::processor::Signal;
use gestures::Gestures;
use meters::Meters;
use rpc::Bridge;

/// What `wavecraft-build release` embeds (paths given at compile time).
pub(crate) mod embedded {
    /// The `wavecraft-editor-helper` executable.
    #[cfg(target_os = "linux")]
    pub static HELPER: &[u8] = include_bytes!(env!(
        "WAVECRAFT_EDITOR_HELPER",
        "the `editor` feature embeds the editor helper: build with `wavecraft-build release`"
    ));
    /// The built `ui/dist`, packed (see the helper's `assets.rs`).
    pub static UI: &[u8] = include_bytes!(env!(
        "WAVECRAFT_EDITOR_UI",
        "the `editor` feature embeds ui/dist: build with `wavecraft-build release`"
    ));
    /// `release --dev-editor`: a debug build loads the running Vite dev server instead.
    pub const DEV_URL: Option<&str> =
        if cfg!(debug_assertions) { option_env!("WAVECRAFT_EDITOR_DEV_URL") } else { None };
}

/// Width and height in physical pixels.
pub type Size = (u32, u32);
/// The size an editor opens at.
pub const DEFAULT_SIZE: Size = (800, 600);
const MIN_SIZE: LogicalSize<f32> = LogicalSize { width: 400.0, height: 300.0 };

fn pack(size: Size) -> u64 {
    (u64::from(size.0) << 32) | u64::from(size.1)
}

fn unpack(bits: u64) -> Size {
    ((bits >> 32) as u32, bits as u32)
}

/// Why the editor could not do something (also shown in the host's log).
#[derive(Debug)]
pub struct EditorError(String);

impl fmt::Display for EditorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wavecraft editor: {}", self.0)
    }
}

impl std::error::Error for EditorError {}

/// The plugin's editor (one per plugin instance; nice-plug opens one session at a time).
pub struct WebEditor {
    bridge: Arc<Bridge>,
    size: Arc<AtomicU64>,
}

impl WebEditor {
    /// The editor of signal `S` over the plugin's parameters and meters.
    pub fn new<S: Signal>(params: Arc<HostParams>, meters: Arc<Meters>) -> Self {
        let bridge = Arc::new(Bridge::new(params, &params_json::<S>(), meters));
        Self { bridge, size: Arc::new(AtomicU64::new(pack(DEFAULT_SIZE))) }
    }
}

/// One open editor.
pub struct EditorSession {
    bridge: Arc<Bridge>,
    size: Arc<AtomicU64>,
    gestures: Arc<Gestures>,
    #[cfg(target_os = "linux")]
    helper: Mutex<Option<linux::Helper>>,
}

impl EditorSession {
    fn send(&self, line: String) {
        #[cfg(target_os = "linux")]
        if let Ok(helper) = self.helper.lock() {
            if let Some(helper) = helper.as_ref() {
                helper.send(line);
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = line;
    }

    fn control(&self, method: &str, params: serde_json::Value) {
        self.send(serde_json::json!({"jsonrpc": "2.0", "method": method, "params": params}).to_string());
    }

    fn attach(&self, parent: ParentWindowHandle) -> Result<(), EditorError> {
        #[cfg(target_os = "linux")]
        {
            let window = match parent {
                ParentWindowHandle::XlibWindow(id) => id,
                ParentWindowHandle::XcbWindow(id) => u64::from(id.get()),
                _ => return Err(EditorError("the host gave no X11 window".to_owned())),
            };
            let mut slot = self.helper.lock().map_err(|_| EditorError("editor state poisoned".to_owned()))?;
            if slot.is_none() {
                let size = unpack(self.size.load(Ordering::Relaxed));
                let helper = linux::Helper::start(window, size, self.bridge.clone(), self.gestures.clone())
                    .map_err(EditorError)?;
                *slot = Some(helper);
            }
            Ok(())
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = parent;
            Err(EditorError("the web editor is implemented on Linux only so far".to_owned()))
        }
    }
}

impl Drop for EditorSession {
    /// On the host's main thread: stop the helper (and its threads), then end the gestures
    /// the page left open.
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        if let Ok(mut helper) = self.helper.lock() {
            drop(helper.take());
        }
        self.gestures.end_all();
    }
}

impl Editor for WebEditor {
    type Handle = EditorSession;

    fn spawn(
        &self,
        parent: Option<ParentWindowHandle>,
        _wait_for_parent: bool,
        _fallback_scale_factor: Option<f64>,
        gui_context: GuiContext,
        host: Option<HostMethods>,
    ) -> Result<SpawnedEditor<EditorSession>, Box<dyn std::error::Error>> {
        let gestures = Arc::new(Gestures::new(gui_context, host.map(|h| h.main_thread_caller)));
        let handle = EditorSession {
            bridge: self.bridge.clone(),
            size: self.size.clone(),
            gestures,
            #[cfg(target_os = "linux")]
            helper: Mutex::new(None),
        };
        if let Some(parent) = parent {
            handle.attach(parent)?;
        }
        Ok(SpawnedEditor { handle, window: () })
    }

    fn size(&self) -> NativeSize<u32> {
        let (width, height) = unpack(self.size.load(Ordering::Relaxed));
        NativeSize { width, height }
    }

    fn resize_hint(&self) -> ResizeHint {
        ResizeHint::RESIZABLE.with_min_logical_size(MIN_SIZE)
    }
}

impl nice_plug::editor::EditorHandle for EditorSession {
    type Window = ();
    type Error = EditorError;

    fn run_until_closed(_window: ()) -> Result<(), EditorError> {
        Err(EditorError("no standalone editor".to_owned()))
    }

    fn set_parent(&self, parent: ParentWindowHandle, _window: &()) -> Result<(), EditorError> {
        self.attach(parent)
    }

    fn show(&self, _window: &()) -> Result<(), EditorError> {
        self.control("wavecraft.show", serde_json::json!({}));
        Ok(())
    }

    fn hide(&self, _window: &()) -> Result<(), EditorError> {
        self.control("wavecraft.hide", serde_json::json!({}));
        Ok(())
    }

    fn set_size(&self, new_size: NativeSize<u32>, _window: &()) -> Result<(), EditorError> {
        let size = (new_size.width.max(1), new_size.height.max(1));
        self.size.store(pack(size), Ordering::Relaxed);
        self.control("wavecraft.resize", serde_json::json!({"width": size.0, "height": size.1}));
        Ok(())
    }

    fn host_main_thread_callback(&self, _window: &()) {
        self.gestures.drain();
    }

    fn state_changed(&self) {
        for line in self.bridge.all_changed() {
            self.send(line);
        }
    }

    fn param_value_changed(&self, id: &str, normalized_value: f32) {
        if let Some(line) = self.bridge.changed(id, normalized_value) {
            self.send(line);
        }
    }

    fn param_modulation_changed(&self, _id: &str, _modulation_offset: f32) {}
}
