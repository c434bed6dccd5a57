//! The page's files: read from the bundle blob the plugin wrote (`WCUI1` format, written by
//! `wavecraft_build.release.editor_assets`) and served on the `wavecraft://` scheme.
//!
//! Format: the magic line `WCUI1\n`, then for each file a little-endian `u32` path length,
//! the UTF-8 path (`index.html`, `assets/index-abc.js`), a `u32` data length and the data.

use std::borrow::Cow;
use std::collections::HashMap;

pub const MAGIC: &[u8] = b"WCUI1\n";

/// Path -> bytes. Empty when the plugin was built without a UI (`index.html` missing).
pub struct Assets {
    files: HashMap<String, Vec<u8>>,
}

fn take<'a>(data: &mut &'a [u8], n: usize) -> Result<&'a [u8], String> {
    if data.len() < n {
        return Err("truncated UI blob".to_owned());
    }
    let (head, tail) = data.split_at(n);
    *data = tail;
    Ok(head)
}

fn take_u32(data: &mut &[u8]) -> Result<usize, String> {
    let bytes = take(data, 4)?;
    Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize)
}

impl Assets {
    /// Decodes a blob; an error names what is wrong with it.
    pub fn parse(mut data: &[u8]) -> Result<Self, String> {
        if take(&mut data, MAGIC.len())? != MAGIC {
            return Err("not a wavecraft UI blob (bad magic)".to_owned());
        }
        let mut files = HashMap::new();
        while !data.is_empty() {
            let path_len = take_u32(&mut data)?;
            let path = String::from_utf8(take(&mut data, path_len)?.to_vec())
                .map_err(|_| "UI blob has a non-UTF-8 path".to_owned())?;
            let len = take_u32(&mut data)?;
            files.insert(path, take(&mut data, len)?.to_vec());
        }
        Ok(Self { files })
    }

    pub fn has_index(&self) -> bool {
        self.files.contains_key("index.html")
    }

    /// The file at a request path (`/` is `index.html`), if any.
    pub fn get(&self, path: &str) -> Option<Cow<'static, [u8]>> {
        let path = path.trim_start_matches('/');
        let path = if path.is_empty() { "index.html" } else { path };
        self.files.get(path).map(|bytes| Cow::Owned(bytes.clone()))
    }
}

/// The `Content-Type` for a file name (what Vite emits).
pub fn mime(path: &str) -> &'static str {
    let ext = path.rsplit('.').next().unwrap_or("");
    match ext {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "wasm" => "application/wasm",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        _ => "application/octet-stream",
    }
}
