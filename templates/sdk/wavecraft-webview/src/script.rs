//! JavaScript the editor puts into every page before the page's own scripts run.
//!
//! It defines `window.__WAVECRAFT_IPC__` (Wavecraft's name), the object the generated client's
//! IPC transport talks through: `postMessage(text)` sends one JSON-RPC message to the plugin,
//! `onMessage(cb)` receives the plugin's answers and notifications, `ready(detail)` tells the
//! plugin the app has mounted and painted. A JS error or unhandled rejection before `ready`
//! replaces the page with a visible error (never a blank editor) and is reported as an
//! `editorError` notification; so is a page that never calls `ready` within `READY_TIMEOUT_MS`
//! and shows nothing (a page that shows text but never calls `ready`, an App that does not use
//! the generated hooks, is only reported, never replaced).

/// Milliseconds a blank page gets to mount before the editor shows "did not start".
pub const READY_TIMEOUT_MS: u32 = 10_000;

pub fn init_script() -> String {
    INIT.replace("READY_TIMEOUT_MS", &READY_TIMEOUT_MS.to_string())
}

/// An HTML page showing one error, for a plugin built without a UI or a blob that is broken;
/// it also reports the error to the plugin (`editorError`), as a failing page does.
pub fn error_page(title: &str, detail: &str) -> String {
    let escape = |text: &str| text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let message = serde_json::json!({
        "jsonrpc": "2.0", "method": "editorError", "params": {"message": format!("{title}: {detail}")},
    });
    // JSON inside a <script>: keep `</script>` out of it.
    let post = serde_json::Value::String(message.to_string()).to_string().replace('<', "\\u003c");
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title></head>\
         <body style=\"font:16px sans-serif;background:#fff;color:#111;padding:24px\">\
         <h1 id=\"wavecraft-editor-error\" style=\"font-size:22px;color:#a00\">{t}</h1>\
         <p>{d}</p><script>window.ipc.postMessage({post});</script></body></html>",
        t = escape(title),
        d = escape(detail),
    )
}

const INIT: &str = r#"
(function () {
  if (window.__WAVECRAFT_IPC__) return;
  var listeners = [];
  var ready = false;
  var failed = false;
  function post(message) {
    window.ipc.postMessage(JSON.stringify(message));
  }
  function showError(text) {
    if (ready || failed) return;
    failed = true;
    var paint = function () {
      document.title = 'Editor error';
      document.body.innerHTML = '';
      document.body.style.cssText = 'font:16px sans-serif;background:#fff;color:#111;padding:24px';
      var h = document.createElement('h1');
      h.id = 'wavecraft-editor-error';
      h.style.cssText = 'font-size:22px;color:#a00';
      h.textContent = 'The editor failed to load';
      var p = document.createElement('pre');
      p.style.whiteSpace = 'pre-wrap';
      p.textContent = text;
      document.body.appendChild(h);
      document.body.appendChild(p);
    };
    if (document.body) paint(); else document.addEventListener('DOMContentLoaded', paint);
  }
  function fail(text) {
    post({ jsonrpc: '2.0', method: 'editorError', params: { message: text, mounted: ready } });
    showError(text);
  }
  window.__WAVECRAFT_IPC__ = {
    version: 1,
    postMessage: function (text) { window.ipc.postMessage(text); },
    onMessage: function (callback) {
      listeners.push(callback);
      return function () { listeners = listeners.filter(function (l) { return l !== callback; }); };
    },
    ready: function (detail) {
      if (ready || failed) return;
      ready = true;
      var params = detail || {};
      params.ms = Math.round(performance.now());
      post({ jsonrpc: '2.0', method: 'editorReady', params: params });
    },
    _receive: function (text) {
      listeners.slice().forEach(function (callback) {
        try { callback(text); } catch (error) { setTimeout(function () { throw error; }, 0); }
      });
    },
  };
  window.addEventListener('error', function (event) {
    var where = event.filename ? ' (' + event.filename + ':' + event.lineno + ')' : '';
    fail(String(event.message || 'script error') + where);
  });
  window.addEventListener('unhandledrejection', function (event) {
    var reason = event.reason;
    fail('unhandled rejection: ' + (reason && reason.stack ? reason.stack : String(reason)));
  });
  setTimeout(function () {
    // The helper's own error page (no UI, broken blob) already said what is wrong.
    if (ready || failed || document.getElementById('wavecraft-editor-error')) return;
    var text = 'the page did not start within READY_TIMEOUT_MS ms (no editorReady)';
    if (document.body && document.body.innerText.trim() !== '') {
      post({ jsonrpc: '2.0', method: 'editorError', params: { message: text, mounted: true } });
    } else {
      fail(text);
    }
  }, READY_TIMEOUT_MS);
})();
"#;
