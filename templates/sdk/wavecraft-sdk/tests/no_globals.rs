//! Guards the fix for the hot-reload hang: the SDK keeps no lazily initialised or leaked
//! global state (the hang was a `OnceLock` in the chain's parameter specs, and its first
//! "fix" a `Box::leak` per call). Parameter lists are computed per call and freed.

use std::fs;
use std::path::Path;

#[test]
fn sdk_sources_have_no_lazy_globals_or_leaks() {
    let forbidden = ["OnceLock", "OnceCell", "lazy_static", "static mut", "Box::leak", "thread_local", "LazyLock", ".leak("];
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = Vec::new();
    for entry in fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let text = fs::read_to_string(&path).unwrap();
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for word in forbidden {
                if code.contains(word) {
                    offenders.push(format!("{}:{}: {word}", path.display(), number + 1));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "global state in the SDK: {offenders:#?}");
}
