//! The plugin's editor: the project's React app (`ui/`), embedded in the bundle, in a webview
//! inside the host's window. Compiled only with the SDK's `editor` feature (which
//! `wavecraft-build release` turns on); the discovery build and the Python wheel never see it.
//!
//! * Linux ([`linux`]): a helper process (WebKitGTK) embedded into the host's X11 window; the
//!   plugin links no GUI library, so it loads and plays where WebKitGTK is missing.
//! * macOS and Windows ([`native`]): a webview (WKWebView, WebView2) in the plugin's process,
//!   a child of the host's view, on the host's main thread.
//!
//! Both show the same page (crate `wavecraft-webview`), which speaks the dev engine's JSON-RPC
//! protocol ([`rpc`]) through the same [`link`]; moving a control sets the host parameter with
//! a begin/set/end gesture on the host's main thread.

mod gestures;
mod link;
pub mod meters;
mod rpc;

#[cfg(target_os = "linux")]
mod linux;
#[cfg(any(target_os = "macos", target_os = "windows"))]
mod native;

/// Where this OS's editor runs: the Linux helper, or the in-process webview.
#[cfg(target_os = "linux")]
use linux::Helper as Backend;
#[cfg(any(target_os = "macos", target_os = "windows"))]
use native::Native as Backend;

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
    /// The built `ui/dist`, packed (format: crate `wavecraft-webview`, `assets.rs`).
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
    #[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
    backend: Mutex<Option<Backend>>,
}

/// The editor's window state. nice-plug keeps it on the host's main thread (it need not be
/// `Send`): on macOS and Windows it holds the webview itself.
#[derive(Default)]
pub struct EditorWindow {
    #[cfg(any(target_os = "macos", target_os = "windows"))]
    view: std::cell::RefCell<Option<native::View>>,
    /// A parent the webview could not be made in yet (a CLAP host may hand over its view
    /// before the view is in a window); `show` tries again.
    #[cfg(any(target_os = "macos", target_os = "windows"))]
    pending: std::cell::Cell<Option<ParentWindowHandle>>,
}

impl EditorWindow {
    /// The webview, unless there is none yet (or it is being replaced).
    #[cfg(any(target_os = "macos", target_os = "windows"))]
    fn view(&self) -> Option<std::cell::Ref<'_, native::View>> {
        std::cell::Ref::filter_map(self.view.try_borrow().ok()?, Option::as_ref).ok()
    }

    /// Takes the webview of a window state made by [`EditorSession::attach`].
    #[cfg(any(target_os = "macos", target_os = "windows"))]
    fn adopt(&self, attached: EditorWindow) {
        if let (Ok(mut slot), Some(view)) = (self.view.try_borrow_mut(), attached.view.into_inner()) {
            *slot = Some(view);
        }
    }
}

fn poisoned<T>(_: T) -> EditorError {
    EditorError("editor state poisoned".to_owned())
}

impl EditorSession {
    fn send(&self, line: String) {
        #[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
        if let Ok(backend) = self.backend.lock() {
            if let Some(backend) = backend.as_ref() {
                backend.send(line);
            }
        }
        #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
        let _ = line;
    }

    /// A message for the Linux helper itself (show, hide, resize); the in-process webview
    /// is told directly.
    fn control(&self, method: &str, params: serde_json::Value) {
        #[cfg(target_os = "linux")]
        self.send(serde_json::json!({"jsonrpc": "2.0", "method": method, "params": params}).to_string());
        #[cfg(not(target_os = "linux"))]
        let _ = (method, params);
    }

    /// Opens the editor inside the host's window `parent` (main thread); `window` is the
    /// editor's window state when it exists already (CLAP's `set_parent`).
    fn attach(&self, parent: ParentWindowHandle, window: Option<&EditorWindow>) -> Result<EditorWindow, EditorError> {
        let size = unpack(self.size.load(Ordering::Relaxed));
        #[cfg(target_os = "linux")]
        {
            let _ = window;
            let xid = match parent {
                ParentWindowHandle::XlibWindow(id) => id,
                ParentWindowHandle::XcbWindow(id) => u64::from(id.get()),
                _ => return Err(EditorError("the host gave no X11 window".to_owned())),
            };
            let mut slot = self.backend.lock().map_err(poisoned)?;
            if slot.is_none() {
                let helper = linux::Helper::start(xid, size, self.bridge.clone(), self.gestures.clone())
                    .map_err(EditorError)?;
                *slot = Some(helper);
            }
            Ok(EditorWindow::default())
        }
        #[cfg(any(target_os = "macos", target_os = "windows"))]
        {
            if window.is_some_and(|w| w.view().is_some()) {
                return Ok(EditorWindow::default()); // already open in this window
            }
            let mut slot = self.backend.lock().map_err(poisoned)?;
            if slot.is_none() {
                *slot = Some(Backend::start(self.bridge.clone(), self.gestures.clone()).map_err(EditorError)?);
            }
            let backend = slot.as_ref().ok_or_else(|| EditorError("no editor link".to_owned()))?;
            let view = backend.view(parent, size).map_err(EditorError)?;
            Ok(EditorWindow { view: std::cell::RefCell::new(Some(view)), ..EditorWindow::default() })
        }
        #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
        {
            let _ = (parent, window, size);
            Err(EditorError("the web editor runs on Linux, macOS and Windows".to_owned()))
        }
    }
}

impl Drop for EditorSession {
    /// On the host's main thread: stop the helper or the link (and their threads), then end
    /// the gestures the page left open. The in-process webview goes with the window, after.
    fn drop(&mut self) {
        #[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
        if let Ok(mut backend) = self.backend.lock() {
            drop(backend.take());
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
            #[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
            backend: Mutex::new(None),
        };
        let window = match parent {
            Some(parent) => handle.attach(parent, None)?,
            None => EditorWindow::default(),
        };
        Ok(SpawnedEditor { handle, window })
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
    type Window = EditorWindow;
    type Error = EditorError;

    fn run_until_closed(_window: EditorWindow) -> Result<(), EditorError> {
        Err(EditorError("no standalone editor".to_owned()))
    }

    fn set_parent(&self, parent: ParentWindowHandle, window: &EditorWindow) -> Result<(), EditorError> {
        #[cfg(any(target_os = "macos", target_os = "windows"))]
        {
            match self.attach(parent, Some(window)) {
                Ok(attached) => window.adopt(attached),
                Err(why) => {
                    eprintln!("{why}; trying again when the host shows the editor");
                    window.pending.set(Some(parent));
                }
            }
            Ok(())
        }
        #[cfg(not(any(target_os = "macos", target_os = "windows")))]
        self.attach(parent, Some(window)).map(drop)
    }

    fn show(&self, window: &EditorWindow) -> Result<(), EditorError> {
        self.control("wavecraft.show", serde_json::json!({}));
        #[cfg(any(target_os = "macos", target_os = "windows"))]
        {
            if let Some(parent) = window.pending.take() {
                window.adopt(self.attach(parent, Some(window))?);
            }
            if let Some(view) = window.view() {
                view.set_visible(true);
            }
        }
        let _ = window;
        Ok(())
    }

    fn hide(&self, window: &EditorWindow) -> Result<(), EditorError> {
        self.control("wavecraft.hide", serde_json::json!({}));
        #[cfg(any(target_os = "macos", target_os = "windows"))]
        if let Some(view) = window.view() {
            view.set_visible(false);
        }
        let _ = window;
        Ok(())
    }

    fn set_size(&self, new_size: NativeSize<u32>, window: &EditorWindow) -> Result<(), EditorError> {
        let size = (new_size.width.max(1), new_size.height.max(1));
        self.size.store(pack(size), Ordering::Relaxed);
        self.control("wavecraft.resize", serde_json::json!({"width": size.0, "height": size.1}));
        #[cfg(any(target_os = "macos", target_os = "windows"))]
        if let Some(view) = window.view() {
            view.set_size(size);
        }
        let _ = window;
        Ok(())
    }

    /// Main thread: perform the page's parameter sets; on macOS and Windows also hand the
    /// page what waits for it.
    fn host_main_thread_callback(&self, window: &EditorWindow) {
        self.gestures.drain();
        #[cfg(any(target_os = "macos", target_os = "windows"))]
        if let (Ok(backend), Some(view)) = (self.backend.lock(), window.view()) {
            if let Some(backend) = backend.as_ref() {
                backend.flush(&view);
            }
        }
        let _ = window;
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
