//! The plugin editor's page, defined once for every OS: which page a webview loads (the UI
//! embedded in the bundle on the `wavecraft` scheme, a dev server, or an error page), the
//! `__WAVECRAFT_IPC__` script put into it, the guard that keeps it on that page, and how a
//! message from the plugin reaches it.
//!
//! Two users, one page: the Linux editor helper (`wavecraft-editor-helper`, a process of its
//! own with WebKitGTK) and the SDK's in-process editor on macOS (WKWebView) and Windows
//! (WebView2). Each only adds where the webview lives and how messages travel (the helper's
//! pipes, or calls on the host's main thread).

pub mod assets;
mod script;

use std::borrow::Cow;

use wry::dpi::{LogicalPosition, LogicalSize, PhysicalSize, Size};
use wry::http::{header::CONTENT_TYPE, Response, StatusCode};
use wry::{NewWindowResponse, Rect, WebViewBuilder};

pub use assets::Assets;
/// The webview crate itself, at the version the page is written for.
pub use wry;
pub use script::{error_page, init_script, READY_TIMEOUT_MS};

/// The scheme the embedded UI is served on.
pub const SCHEME: &str = "wavecraft";

/// The embedded UI's first page. wry serves a custom scheme as `http://<scheme>.localhost`
/// on Windows (WebView2 has no custom schemes) and as `<scheme>://localhost` elsewhere.
pub fn index_url() -> &'static str {
    if cfg!(windows) {
        "http://wavecraft.localhost/index.html"
    } else {
        "wavecraft://localhost/index.html"
    }
}

/// What the editor shows.
pub enum Page {
    /// The UI embedded in the bundle (or why it cannot be read).
    Embedded(Result<Assets, String>),
    /// A running dev server (`wavecraft-build release --dev-editor`, debug builds only).
    DevServer(String),
}

/// A webview's bounds inside its parent: at the origin, `size` in the host's native pixels
/// (nice-plug's `NativeSize`: logical points on macOS, physical pixels elsewhere).
pub fn bounds(size: (u32, u32)) -> Rect {
    let size: Size = if cfg!(target_os = "macos") {
        LogicalSize::new(size.0, size.1).into()
    } else {
        PhysicalSize::new(size.0, size.1).into()
    };
    Rect { position: LogicalPosition::new(0, 0).into(), size }
}

/// `scheme://host[:port]/` of a URL, always with the slash.
fn origin(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(slash) => url[..after_scheme + slash + 1].to_owned(),
        None => format!("{url}/"),
    }
}

/// Whether the page may go to `url`: its own origin, or the blank and inline pages a webview
/// loads on its own (`about:blank`, an error page's `data:`). Anything else, a link or a script
/// sending the editor to another site, stays where it is.
pub fn allowed(home: &str, url: &str) -> bool {
    let own = origin(home);
    url.starts_with(&own) || url == own.trim_end_matches('/') || url.starts_with("about:") || url.starts_with("data:")
}

/// `builder` with everything about the page: the IPC script, the page itself (the embedded
/// UI, a dev server, or an error page saying what is wrong), the navigation guard and, in
/// debug builds (`devtools`), the web inspector.
pub fn page(builder: WebViewBuilder<'_>, page: Page, size: (u32, u32), devtools: bool) -> WebViewBuilder<'_> {
    let builder = builder
        .with_bounds(bounds(size))
        .with_initialization_script(init_script())
        .with_devtools(devtools)
        .with_new_window_req_handler(|url, _features| {
            eprintln!("wavecraft editor: the page asked to open a window ({url}); refused");
            NewWindowResponse::Deny
        });
    let (builder, home) = match page {
        Page::DevServer(url) => (builder.with_url(&url), url),
        Page::Embedded(Ok(assets)) if assets.has_index() => {
            let builder = builder
                .with_custom_protocol(SCHEME.to_owned(), move |_id, request| {
                    let path = request.uri().path().to_owned();
                    match assets.get(&path) {
                        Some(body) => Response::builder()
                            .header(CONTENT_TYPE, assets::mime(if path == "/" { "index.html" } else { &path }))
                            .body(body),
                        None => Response::builder()
                            .status(StatusCode::NOT_FOUND)
                            .header(CONTENT_TYPE, "text/plain")
                            .body(Cow::Owned(format!("not in the embedded UI: {path}").into_bytes())),
                    }
                    .unwrap_or_else(|_| Response::new(Cow::Borrowed(&[][..])))
                })
                .with_url(index_url());
            (builder, index_url().to_owned())
        }
        Page::Embedded(Ok(_)) => (
            builder.with_html(error_page(
                "This plugin was built without its UI",
                "The bundle has no embedded index.html. Rebuild it with `nox -s release` \
                 (which builds ui/ first).",
            )),
            String::from("about:blank"),
        ),
        Page::Embedded(Err(why)) => {
            (builder.with_html(error_page("The editor's UI is broken", &why)), String::from("about:blank"))
        }
    };
    builder.with_navigation_handler(move |url| {
        let ok = allowed(&home, &url);
        if !ok {
            eprintln!("wavecraft editor: the page tried to leave for {url}; refused (the editor only shows its own UI)");
        }
        ok
    })
}

/// The script that hands one JSON-RPC message from the plugin to the page.
pub fn deliver(line: &str) -> String {
    let literal = serde_json::Value::String(line.to_owned()).to_string();
    format!("window.__WAVECRAFT_IPC__&&window.__WAVECRAFT_IPC__._receive({literal})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_stays_on_its_own_origin() {
        let home = "wavecraft://localhost/index.html";
        assert!(allowed(home, "wavecraft://localhost/index.html"));
        assert!(allowed(home, "wavecraft://localhost/assets/x.js"));
        assert!(allowed(home, "about:blank"));
        assert!(!allowed(home, "https://example.com/"));
        assert!(!allowed(home, "wavecraft://localhost.evil.com/"));
        let dev = "http://localhost:5173/";
        assert!(allowed(dev, "http://localhost:5173/src/main.tsx"));
        assert!(allowed("http://localhost:5173", "http://localhost:5173"));
        assert!(!allowed(dev, "http://localhost:51730/"));
        assert!(!allowed(dev, "http://localhost:5174/"));
        assert!(!allowed("http://localhost:5173", "http://localhost:51730/"));
    }

    #[test]
    fn a_message_reaches_the_page_as_one_string_literal() {
        let script = deliver("{\"a\":\"</script>\\n\"}");
        assert!(script.starts_with("window.__WAVECRAFT_IPC__&&"));
        assert!(script.contains(r#"_receive("{\"a\":\"</script>\\n\"}")"#));
    }
}
