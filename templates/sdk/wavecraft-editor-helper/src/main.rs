//! wavecraft-editor-helper: the Linux editor of a Wavecraft plugin, in a process of its own.
//!
//! The plugin (running inside the host) starts this program with the host's X11 window id,
//! and this program embeds a WebKitGTK webview into that window (X11 window ids are global,
//! so a child process can parent into a host's window). GTK and WebKit live only here: a
//! host that runs GTK2 (Ardour) or its own GLib loop never sees GTK3 in its process, and the
//! plugin's `.so` links neither, so it loads and plays where they are not installed.
//!
//! ```text
//! wavecraft-editor-helper --parent XID --width W --height H (--assets FILE | --url URL) [--devtools]
//! ```
//!
//! Pipes: every message the page posts (`__WAVECRAFT_IPC__.postMessage`) is written to stdout
//! as one line; every line on stdin is delivered to the page, except the helper's own
//! notifications (`wavecraft.resize {width, height}`, `wavecraft.show`, `wavecraft.hide`,
//! `wavecraft.close`). End of stdin (the
//! plugin closed the editor, or died) ends the helper.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::Duration;

use gtk::glib;
use raw_window_handle::{HandleError, HasWindowHandle, RawWindowHandle, WindowHandle, XlibWindowHandle};
use wavecraft_webview::{bounds, deliver, Assets, Page};
use wry::{WebView, WebViewBuilder};

/// How often the GTK loop looks at the plugin's messages.
const POLL: Duration = Duration::from_millis(8);

enum Source {
    Assets(PathBuf),
    Url(String),
}

struct Args {
    parent: u64,
    width: u32,
    height: u32,
    source: Source,
    devtools: bool,
}

fn parse_args(mut argv: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut parent, mut width, mut height, mut source, mut devtools) = (None, 800, 600, None, false);
    while let Some(flag) = argv.next() {
        let mut value = || argv.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--parent" => {
                let text = value()?;
                let id = match text.strip_prefix("0x") {
                    Some(hex) => u64::from_str_radix(hex, 16),
                    None => text.parse(),
                };
                parent = Some(id.map_err(|_| format!("bad window id {text:?}"))?);
            }
            "--width" => width = value()?.parse().map_err(|_| "bad --width".to_owned())?,
            "--height" => height = value()?.parse().map_err(|_| "bad --height".to_owned())?,
            "--assets" => source = Some(Source::Assets(PathBuf::from(value()?))),
            "--url" => source = Some(Source::Url(value()?)),
            "--devtools" => devtools = true,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Args {
        parent: parent.ok_or("--parent XID is required")?,
        width: width.max(1),
        height: height.max(1),
        source: source.ok_or("--assets FILE or --url URL is required")?,
        devtools,
    })
}

/// The host's window, as wry wants it.
struct Parent(u64);

impl HasWindowHandle for Parent {
    fn window_handle(&self) -> Result<WindowHandle<'_>, HandleError> {
        let raw = RawWindowHandle::Xlib(XlibWindowHandle::new(self.0 as std::ffi::c_ulong));
        // SAFETY: an X11 window id is a plain integer, valid for as long as the host keeps it.
        Ok(unsafe { WindowHandle::borrow_raw(raw) })
    }
}

/// One line to the plugin. A closed stdout means the plugin is gone: quit.
fn send(line: &str) {
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
        gtk::main_quit();
    }
}

fn build(args: &Args) -> Result<WebView, String> {
    let page = match &args.source {
        Source::Url(url) => Page::DevServer(url.clone()),
        Source::Assets(path) => Page::Embedded(
            std::fs::read(path)
                .map_err(|e| format!("cannot read the UI blob {}: {e}", path.display()))
                .and_then(Assets::parse),
        ),
    };
    let builder = WebViewBuilder::new().with_ipc_handler(|request| send(&request.body().replace('\n', " ")));
    wavecraft_webview::page(builder, page, (args.width, args.height), args.devtools)
        .build_as_child(&Parent(args.parent))
        .map_err(|e| format!("cannot create the webview: {e}"))
}

/// Applies what the plugin sent since the last tick; false when the helper should end.
fn pump(webview: &WebView, inbox: &Receiver<String>) -> bool {
    loop {
        let line = match inbox.try_recv() {
            Ok(line) => line,
            Err(TryRecvError::Empty) => return true,
            Err(TryRecvError::Disconnected) => return false,
        };
        let message: serde_json::Value = match serde_json::from_str(&line) {
            Ok(message) => message,
            Err(_) => continue, // the plugin only sends JSON; never let a bad line reach the page
        };
        match message.get("method").and_then(|m| m.as_str()) {
            Some("wavecraft.close") => return false,
            Some("wavecraft.show") => drop(webview.set_visible(true)),
            Some("wavecraft.hide") => drop(webview.set_visible(false)),
            Some("wavecraft.resize") => {
                let size = |key: &str| message["params"][key].as_u64().map(|v| v.clamp(1, 16384) as u32);
                if let (Some(w), Some(h)) = (size("width"), size("height")) {
                    let _ = webview.set_bounds(bounds((w, h)));
                }
            }
            _ => drop(webview.evaluate_script(&deliver(&line))),
        }
    }
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(why) => {
            eprintln!("wavecraft-editor-helper: {why}");
            return ExitCode::from(2);
        }
    };
    // Set here, before GTK starts a thread, so a user sets nothing: the host's window is an
    // X11 window (XWayland on a Wayland desktop), and WebKitGTK paints nothing under Xvfb or
    // without a GPU when compositing or the DMABUF renderer is on.
    for (key, value) in [
        ("GDK_BACKEND", "x11"),
        ("WEBKIT_DISABLE_COMPOSITING_MODE", "1"),
        ("WEBKIT_DISABLE_DMABUF_RENDERER", "1"),
    ] {
        if std::env::var_os(key).is_none() {
            std::env::set_var(key, value);
        }
    }
    if let Err(e) = gtk::init() {
        eprintln!("wavecraft-editor-helper: GTK could not start (no X display?): {e}");
        return ExitCode::from(3);
    }
    let webview = match build(&args) {
        Ok(webview) => webview,
        Err(why) => {
            eprintln!("wavecraft-editor-helper: {why}");
            return ExitCode::from(4);
        }
    };
    let (tx, inbox) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            // EOF, a read error or the loop gone: dropping tx tells the loop to end.
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    glib::timeout_add_local(POLL, move || {
        if pump(&webview, &inbox) {
            glib::ControlFlow::Continue
        } else {
            gtk::main_quit();
            glib::ControlFlow::Break
        }
    });
    gtk::main();
    ExitCode::SUCCESS
}
