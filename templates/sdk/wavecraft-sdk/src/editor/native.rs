//! macOS and Windows: the editor is a webview in the plugin's own process (WKWebView, WebView2),
//! a child of the host's `NSView`/`HWND`, made and used on the host's main thread. The page is
//! the one the Linux helper shows (`wavecraft_webview::page`: the embedded UI on the
//! `wavecraft` scheme, the IPC script, error pages, the navigation guard).
//!
//! Messages: the page's posts arrive on the main thread (wry's IPC handler) and go through
//! [`link::on_page_message`]; what the plugin has for the page (answers, host changes, meters
//! from the [`Link`]'s thread) waits in an [`Outbox`] until the host calls back on its main
//! thread (`host_main_thread_callback`, which the outbox asks for), where it is evaluated in
//! the page. A webview is never touched off the main thread.
//!
//! Compiled and type-checked for `aarch64-apple-darwin` and `x86_64-pc-windows-msvc` by the
//! project's tests; run only on those OSes (see docs/guide/editor.md).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

use nice_plug::prelude::ParentWindowHandle;
use wavecraft_webview::wry::{self, WebView, WebViewBuilder};
use wavecraft_webview::{bounds, deliver, Assets, Page};

use crate::editor::gestures::Gestures;
use crate::editor::link::{self, Link, Outbox};
use crate::editor::rpc::Bridge;
use crate::editor::{embedded, Size};

/// The plugin's side of an open editor: the link's thread and the outbox it fills.
pub struct Native {
    link: Link,
    outbox: Arc<Mutex<Outbox>>,
    bridge: Arc<Bridge>,
    gestures: Arc<Gestures>,
}

/// The webview (main thread only; kept in the editor's window, which nice-plug keeps there).
pub struct View {
    webview: WebView,
    /// WebView2's data folder (Windows): kept for as long as the webview.
    #[cfg(target_os = "windows")]
    _context: wry::WebContext,
}

/// Whether this is the process's main thread (AppKit makes views there only).
#[cfg(target_os = "macos")]
fn on_main_thread() -> bool {
    // SAFETY: a plain query of the calling thread.
    unsafe { libc::pthread_main_np() != 0 }
}

/// Windows: the host's GUI thread is whichever thread owns its window; wry checks that.
#[cfg(not(target_os = "macos"))]
fn on_main_thread() -> bool {
    true
}

/// WebView2 keeps its profile in a folder it can write: next to the host's executable (its
/// default) is often read-only (`Program Files`), so the editor uses the user's local data.
#[cfg(target_os = "windows")]
fn web_context() -> wry::WebContext {
    let base = std::env::var_os("LOCALAPPDATA").map(std::path::PathBuf::from).unwrap_or_else(std::env::temp_dir);
    wry::WebContext::new(Some(base.join("wavecraft").join("editor").join("webview2")))
}

impl Native {
    /// Starts the link whose messages wait for the main thread.
    pub fn start(bridge: Arc<Bridge>, gestures: Arc<Gestures>) -> Result<Self, String> {
        let outbox = Arc::new(Mutex::new(Outbox::default()));
        let (queue, caller) = (outbox.clone(), gestures.clone());
        let link = Link::start(bridge.clone(), gestures.clone(), move |message| {
            let Ok(was_empty) = queue.lock().map(|mut queue| queue.push(message)) else { return false };
            if was_empty {
                caller.call_main_thread();
            }
            true
        })?;
        Ok(Self { link, outbox, bridge, gestures })
    }

    /// Queues one message for the page.
    pub fn send(&self, line: String) {
        self.link.send(line);
    }

    /// Main thread: the webview inside the host's window.
    pub fn view(&self, parent: ParentWindowHandle, size: Size) -> Result<View, String> {
        if !on_main_thread() {
            return Err("the host opened the editor off its main thread".to_owned());
        }
        let page = match embedded::DEV_URL {
            Some(url) => Page::DevServer(url.to_owned()),
            None => Page::Embedded(Assets::parse_static(embedded::UI)),
        };
        let (bridge, gestures, reply) = (self.bridge.clone(), self.gestures.clone(), self.link.sender());
        let trace_to = link::trace_file();
        let on_message = move |request: wry::http::Request<String>| {
            if let Some(answer) = link::on_page_message(request.body(), &bridge, &gestures, &trace_to) {
                reply(answer);
            }
        };
        #[cfg(target_os = "windows")]
        let mut context = web_context();
        #[cfg(target_os = "windows")]
        let builder = WebViewBuilder::new_with_web_context(&mut context);
        #[cfg(not(target_os = "windows"))]
        let builder = WebViewBuilder::new();
        let builder = wavecraft_webview::page(builder.with_ipc_handler(on_message), page, size, cfg!(debug_assertions));
        let built = guarded("opening", || builder.build_as_child(&parent))?;
        let webview = built.map_err(|e| format!("cannot create the webview: {e}{}", missing_hint()))?;
        Ok(View {
            webview,
            #[cfg(target_os = "windows")]
            _context: context,
        })
    }

    /// Main thread (the host's callback): hands what waits to the page.
    pub fn flush(&self, view: &View) {
        let waiting = self.outbox.lock().map(|mut queue| queue.take()).unwrap_or_default();
        for line in &waiting {
            let _ = view.webview.evaluate_script(&deliver(line));
        }
    }
}

impl View {
    pub fn set_visible(&self, visible: bool) {
        let _ = self.webview.set_visible(visible);
    }

    pub fn set_size(&self, size: Size) {
        // wry's macOS `set_bounds` unwraps the view's window: a host resizing a view it has
        // not put into a window yet must not abort.
        let _ = guarded("resizing", || self.webview.set_bounds(bounds(size)));
    }
}

/// `f`, with a panic turned into an error: nothing unwinds into the host (wry panics on a
/// handle it cannot use, e.g. a macOS view that is not in a window yet).
fn guarded<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|_| format!("the webview panicked while {what}"))
}

/// What to install when the webview cannot be made.
fn missing_hint() -> &'static str {
    if cfg!(target_os = "windows") {
        " (the Microsoft Edge WebView2 Runtime is missing or broken: install it from \
         https://developer.microsoft.com/microsoft-edge/webview2/)"
    } else {
        ""
    }
}
