//! The page's files: the bundle's UI blob (`WCUI1` format, written by
//! `wavecraft_build.release.editor`), served on the `wavecraft` scheme.
//!
//! Format: the magic line `WCUI1\n`, then for each file a little-endian `u32` path length,
//! the UTF-8 path (`index.html`, `assets/index-abc.js`), a `u32` data length and the data.
//! On macOS and Windows the blob is the plugin's own `include_bytes!` (`&'static`: files are
//! served without a copy); the Linux helper reads it from the file the plugin wrote.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

pub const MAGIC: &[u8] = b"WCUI1\n";

#[derive(Debug)]
enum Blob {
    Static(&'static [u8]),
    Owned(Vec<u8>),
}

/// Path -> bytes. Without `index.html` when the plugin was built without a UI.
#[derive(Debug)]
pub struct Assets {
    blob: Blob,
    files: HashMap<String, Range<usize>>,
}

fn take(data: &[u8], at: &mut usize, n: usize) -> Result<Range<usize>, String> {
    let end = at.checked_add(n).filter(|&end| end <= data.len()).ok_or("truncated UI blob")?;
    let range = *at..end;
    *at = end;
    Ok(range)
}

fn take_u32(data: &[u8], at: &mut usize) -> Result<usize, String> {
    let range = take(data, at, 4)?;
    let b = &data[range];
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
}

fn index(data: &[u8]) -> Result<HashMap<String, Range<usize>>, String> {
    let mut at = 0;
    if data[take(data, &mut at, MAGIC.len())?] != *MAGIC {
        return Err("not a wavecraft UI blob (bad magic)".to_owned());
    }
    let mut files = HashMap::new();
    while at < data.len() {
        let path_len = take_u32(data, &mut at)?;
        let path = std::str::from_utf8(&data[take(data, &mut at, path_len)?])
            .map_err(|_| "UI blob has a non-UTF-8 path".to_owned())?
            .to_owned();
        let len = take_u32(data, &mut at)?;
        files.insert(path, take(data, &mut at, len)?);
    }
    Ok(files)
}

impl Assets {
    /// Decodes a blob read at run time; an error names what is wrong with it.
    pub fn parse(data: Vec<u8>) -> Result<Self, String> {
        Ok(Self { files: index(&data)?, blob: Blob::Owned(data) })
    }

    /// Decodes a blob compiled into the plugin.
    pub fn parse_static(data: &'static [u8]) -> Result<Self, String> {
        Ok(Self { files: index(data)?, blob: Blob::Static(data) })
    }

    pub fn has_index(&self) -> bool {
        self.files.contains_key("index.html")
    }

    /// The file at a request path (`/` is `index.html`), if any.
    pub fn get(&self, path: &str) -> Option<Cow<'static, [u8]>> {
        let path = path.trim_start_matches('/');
        let range = self.files.get(if path.is_empty() { "index.html" } else { path })?.clone();
        Some(match &self.blob {
            Blob::Static(data) => Cow::Borrowed(&data[range]),
            Blob::Owned(data) => Cow::Owned(data[range].to_vec()),
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        for (path, data) in files {
            out.extend((path.len() as u32).to_le_bytes());
            out.extend(path.as_bytes());
            out.extend((data.len() as u32).to_le_bytes());
            out.extend(*data);
        }
        out
    }

    #[test]
    fn serves_files_and_the_index_at_root() {
        let assets = Assets::parse(blob(&[("index.html", b"<p>hi"), ("assets/a.js", b"1")])).unwrap();
        assert!(assets.has_index());
        assert_eq!(assets.get("/").unwrap().as_ref(), b"<p>hi");
        assert_eq!(assets.get("/assets/a.js").unwrap().as_ref(), b"1");
        assert!(assets.get("/missing.js").is_none());
        let leaked: &'static [u8] = Box::leak(blob(&[("index.html", b"x")]).into_boxed_slice());
        assert!(matches!(Assets::parse_static(leaked).unwrap().get("/"), Some(Cow::Borrowed(b"x"))));
    }

    #[test]
    fn refuses_bad_blobs_with_a_reason() {
        assert!(Assets::parse(b"WCUI2\n".to_vec()).unwrap_err().contains("bad magic"));
        let mut cut = blob(&[("index.html", b"<p>hi")]);
        cut.truncate(cut.len() - 1);
        assert!(Assets::parse(cut).unwrap_err().contains("truncated"));
        let mut huge = MAGIC.to_vec();
        huge.extend(u32::MAX.to_le_bytes());
        assert!(Assets::parse(huge).unwrap_err().contains("truncated"));
        assert!(Assets::parse(Vec::new()).is_err());
        assert!(!Assets::parse(MAGIC.to_vec()).unwrap().has_index());
    }
}
