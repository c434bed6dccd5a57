// Exports exactly `wavecraft_get_params_json` and `wavecraft_free_string`: no processors
// getter, no DSP vtable. Feature `chatty` prints on stdout and stderr in a static
// initialiser (during dlopen) and in both calls.

use std::ffi::{c_char, CString};

fn chatter(when: &str) {
    if cfg!(feature = "chatty") {
        println!("minimal plugin on stdout {when}");
        eprintln!("minimal plugin on stderr {when}");
    }
}

extern "C" fn on_load() {
    chatter("while loading");
}

#[used]
#[link_section = ".init_array"]
static ON_LOAD: extern "C" fn() = on_load;

const PARAMS: &str = r#"[{"id":"gain_level","name":"Level","type":"float","value":1.0,"default":1.0,"min":0.0,"max":2.0}]"#;

#[no_mangle]
pub extern "C" fn wavecraft_get_params_json() -> *mut c_char {
    chatter("while answering");
    CString::new(PARAMS).expect("no NUL in JSON").into_raw()
}

/// # Safety
/// `s` must come from `wavecraft_get_params_json` and be freed once.
#[no_mangle]
pub unsafe extern "C" fn wavecraft_free_string(s: *mut c_char) {
    chatter("while freeing");
    if !s.is_null() {
        drop(CString::from_raw(s));
    }
}
