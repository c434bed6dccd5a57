// Test fixture implementing the Wavecraft binary contract with std only.
//
// Behaviour is picked at run time from `WAVECRAFT_FIXTURE_MODE` so one build serves every
// error-path test; the chain of processors comes from `WAVECRAFT_FIXTURE_CHAIN`
// (comma-separated processor types, default `DEFAULT_CHAIN`).

use std::ffi::{c_char, c_void, CString};
use std::io::Write;

fn mode() -> String {
    std::env::var("WAVECRAFT_FIXTURE_MODE").unwrap_or_default()
}

// Runs inside dlopen, like a plugin's static initialisers do.
extern "C" fn on_load() {
    match mode().as_str() {
        "print" => {
            let mut out = std::io::stdout();
            for i in 0..20_000 {
                let _ = writeln!(out, "plugin says hello on stdout during load {i}");
            }
            eprintln!("plugin says hello on stderr during load");
        }
        "load-loop" => loop {
            std::thread::sleep(std::time::Duration::from_millis(50));
        },
        _ => {}
    }
}

#[used]
#[link_section = ".init_array"]
static ON_LOAD: extern "C" fn() = on_load;

struct Spec {
    suffix: &'static str,
    name: &'static str,
    json_tail: &'static str,
}

fn specs_for(kind: &str) -> &'static [Spec] {
    match kind {
        "gain" => &[
            Spec { suffix: "level", name: "Level", json_tail: r#""type":"float","value":1.0,"default":1.0,"min":0.0,"max":2.0,"unit":"x""# },
            Spec { suffix: "mute", name: "Mute", json_tail: r#""type":"bool","value":0,"default":0,"min":0,"max":1"# },
        ],
        "filter" => &[
            Spec { suffix: "cutoff", name: "Cutoff", json_tail: r#""type":"float","value":1000.0,"default":1000.0,"min":20.0,"max":20000.0,"unit":"Hz","group":"Filter""# },
            Spec { suffix: "shape", name: "Shape", json_tail: r#""type":"enum","value":0,"default":0,"min":0,"max":1,"variants":["Lowpass","Highpass"],"group":"Filter""# },
        ],
        _ => &[],
    }
}

/// The chain when WAVECRAFT_FIXTURE_CHAIN is unset; the dev-loop tests edit this line.
const DEFAULT_CHAIN: &str = "gain,filter";

fn chain() -> Vec<String> {
    let raw = std::env::var("WAVECRAFT_FIXTURE_CHAIN").unwrap_or_else(|_| DEFAULT_CHAIN.into());
    raw.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

/// Processor ids: the type name, `_2`, `_3` for repeats.
fn processor_ids() -> Vec<(String, String)> {
    let mut seen: Vec<(String, usize)> = Vec::new();
    chain()
        .into_iter()
        .map(|kind| {
            let n = match seen.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    seen.push((kind.clone(), 1));
                    1
                }
            };
            let id = if n == 1 { kind.clone() } else { format!("{kind}_{n}") };
            (kind, id)
        })
        .collect()
}

fn params_json() -> String {
    let mut items = Vec::new();
    for (kind, pid) in processor_ids() {
        for s in specs_for(&kind) {
            items.push(format!(r#"{{"id":"{pid}_{}","name":"{}",{}}}"#, s.suffix, s.name, s.json_tail));
        }
    }
    if cfg!(feature = "extra-param") {
        items.push(r#"{"id":"extra_mix","name":"Mix","type":"float","value":0.5,"default":0.5,"min":0.0,"max":1.0}"#.into());
    }
    format!("[{}]", items.join(","))
}

fn into_c(s: String) -> *mut c_char {
    CString::new(s).expect("no NUL in JSON").into_raw()
}

#[cfg(not(feature = "no-symbols"))]
#[no_mangle]
pub extern "C" fn wavecraft_get_params_json() -> *mut c_char {
    match mode().as_str() {
        "loop" => loop {
            std::thread::sleep(std::time::Duration::from_millis(50));
        },
        "panic" => panic!("fixture panics in wavecraft_get_params_json"),
        "segv" => unsafe {
            let p: *mut u32 = std::ptr::null_mut();
            std::ptr::write_volatile(p, 1);
            std::ptr::null_mut()
        },
        "exit" => std::process::exit(3),
        "null" => std::ptr::null_mut(),
        // Valid JSON of 256 MiB (an array padded with spaces): only a size limit stops it.
        "huge" => into_c(format!("[{}]", " ".repeat(256 << 20))),
        "print" => {
            println!("plugin prints on stdout inside the getter");
            eprintln!("plugin prints on stderr inside the getter");
            into_c(params_json())
        }
        "bad-json" => into_c(r#"[{"id":"gain_level","name":"Level","#.into()),
        "bad-utf8" => {
            // Bytes that are not UTF-8: build the CString from raw bytes.
            CString::new(vec![b'[', b'"', 0xff, 0xfe, b'"', b']']).unwrap().into_raw()
        }
        "schema" => into_c(
            r#"[{"id":"gain_level","name":"Level","type":"float","value":5,"default":1,"min":2,"max":1},
                {"id":"gain_mode","name":"Mode","type":"enum","value":0,"default":0,"min":0,"max":0,"variants":[]},
                {"id":"gain_level","name":"Again","type":"bool","value":0,"default":0,"min":0,"max":1}]"#
                .into(),
        ),
        "duplicate" => into_c(
            r#"[{"id":"gain_level","name":"Level","type":"float","value":1,"default":1,"min":0,"max":2},
                {"id":"gain_level","name":"Level","type":"float","value":1,"default":1,"min":0,"max":2}]"#
                .into(),
        ),
        _ => into_c(params_json()),
    }
}

#[no_mangle]
pub extern "C" fn wavecraft_get_processors_json() -> *mut c_char {
    if mode() == "processors-loop" {
        loop {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
    let ids: Vec<String> = processor_ids().into_iter().map(|(_, id)| format!(r#"{{"id":"{id}"}}"#)).collect();
    into_c(format!("[{}]", ids.join(",")))
}

/// # Safety
/// `s` must come from one of the getters above (or be null) and be freed once.
#[no_mangle]
pub unsafe extern "C" fn wavecraft_free_string(s: *mut c_char) {
    if !s.is_null() {
        drop(CString::from_raw(s));
    }
}

// ---- DevProcessorVTable v4: a gain that follows the first processor's level and mute ----
// Notes: a held note adds its velocity as DC from its exact sample on (the "organ" a test
// can read sample by sample); `WAVECRAFT_FIXTURE_INSTRUMENT=1` says it takes notes.

#[repr(C)]
#[derive(Clone, Copy)]
pub struct DevNoteEvent {
    offset: u32,
    kind: u8,
    channel: u8,
    data: u8,
    reserved: u8,
    value: f32,
}

#[repr(C)]
pub struct DevProcessorVTable {
    version: u32,
    notes: u32,
    create: extern "C" fn(*mut c_char, usize) -> *mut c_void,
    process: extern "C" fn(*mut c_void, *mut *mut f32, u32, u32, *const DevNoteEvent, usize) -> i32,
    apply_plain_values: extern "C" fn(*mut c_void, *const f32, usize) -> i32,
    set_sample_rate: extern "C" fn(*mut c_void, f32) -> i32,
    reset: extern "C" fn(*mut c_void) -> i32,
    drop: extern "C" fn(*mut c_void),
    last_error: extern "C" fn(*mut c_void, *mut c_char, usize) -> usize,
}

const OK: i32 = 0;
const PANICKED: i32 = 1;

/// What the SDK's panic hook raises before its slow part (printing, a backtrace, the
/// unwind) during a dev-vtable call, and every call lowers as it begins.
static UNWINDING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[no_mangle]
pub extern "C" fn wavecraft_dev_unwinding() -> u32 {
    u32::from(UNWINDING.load(std::sync::atomic::Ordering::Acquire))
}

/// What the SDK does with a panicking DSP call: its panic hook prints, catch_unwind stops
/// the unwind at the C boundary, the message is kept for `last_error` (in the instance, or
/// in the caller's buffer for `create`) and the call says PANICKED. This crate is
/// panic=abort (see Cargo.toml), so it does all of that by hand.
fn hook_text(message: &str, line: u32) {
    eprintln!(
        "thread '<unnamed>' panicked at src/lib.rs:{line}:13:\n{message}\n\
         note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace"
    );
}

fn copy_out(text: &str, buf: *mut c_char, cap: usize) -> usize {
    if !buf.is_null() && cap > 0 {
        let n = text.len().min(cap - 1);
        unsafe {
            std::ptr::copy_nonoverlapping(text.as_ptr(), buf as *mut u8, n);
            *buf.add(n) = 0;
        }
    }
    text.len()
}

fn hang() -> ! {
    loop {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

struct Gain {
    level: f32,
    mute: bool,
    sample_rate: f32,
    /// How `process` misbehaves: read once, at create time, so a hot swap can change it.
    dsp_mode: String,
    calls: u64,
    last_error: String,
    /// Velocity of each held note (0 = up).
    held: [f32; 128],
}

/// The DSP misbehaviour for new instances: `WAVECRAFT_FIXTURE_MODE_FILE`'s content (a file
/// a test rewrites between swaps of a running engine), else `WAVECRAFT_FIXTURE_MODE`.
/// In `process`: `dsp-panic`, `dsp-nan`, `dsp-segv`, `dsp-abort`, `dsp-hang` (never
/// returns), `dsp-print` (1 MiB on stdout in the first call), `dsp-slow` (5 ms a block:
/// slower than real time at 128 frames, 48 kHz). In `create`: `create-hang`,
/// `create-panic`, `thread-print` (starts a thread that prints a line every millisecond).
/// `dsp-panic-slow` panics in `process` the way a loaded machine can: 1.5 s from the hook
/// to the return (past the watchdog's 0.5 s); `dsp-panic-hang` never finishes its panic.
/// `dsp-quieter`, `dsp-minus6`, `dsp-block` and `dsp-nan-at-max` act in `process` too
/// (faults for the plugin-test tools, see there).
fn dsp_mode() -> String {
    match std::env::var("WAVECRAFT_FIXTURE_MODE_FILE") {
        Ok(path) => std::fs::read_to_string(path).unwrap_or_default().trim().to_string(),
        Err(_) => mode(),
    }
}

extern "C" fn create(err: *mut c_char, cap: usize) -> *mut c_void {
    let dsp_mode = dsp_mode();
    match dsp_mode.as_str() {
        "create-hang" => hang(),
        "create-panic" => {
            hook_text("fixture panics in create", line!());
            copy_out("fixture panics in create", err, cap);
            return std::ptr::null_mut();
        }
        "thread-print" => {
            std::thread::spawn(|| {
                for i in 0_u64.. {
                    println!("fixture thread says hello {i}");
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
            });
        }
        _ => {}
    }
    let g = Gain {
        level: 1.0, mute: false, sample_rate: 44_100.0, dsp_mode, calls: 0, last_error: String::new(),
        held: [0.0; 128],
    };
    Box::into_raw(Box::new(g)) as *mut c_void
}

extern "C" fn process(
    inst: *mut c_void,
    channels: *mut *mut f32,
    n_channels: u32,
    n_samples: u32,
    events: *const DevNoteEvent,
    n_events: usize,
) -> i32 {
    let g = unsafe { &mut *(inst as *mut Gain) };
    g.calls += 1;
    UNWINDING.store(false, std::sync::atomic::Ordering::Release);
    match g.dsp_mode.as_str() {
        "dsp-panic-slow" | "dsp-panic-hang" => {
            UNWINDING.store(true, std::sync::atomic::Ordering::Release);
            hook_text("fixture DSP panics slowly in process", line!());
            if g.dsp_mode == "dsp-panic-hang" {
                hang();
            }
            std::thread::sleep(std::time::Duration::from_millis(1500));
            g.last_error = "fixture DSP panics slowly in process".into();
            return PANICKED;
        }
        "dsp-panic" => {
            hook_text("fixture DSP panics in process", line!());
            g.last_error = "fixture DSP panics in process".into();
            return PANICKED;
        }
        "dsp-segv" => unsafe {
            std::ptr::write_volatile(std::ptr::null_mut::<u32>(), 1);
        },
        "dsp-abort" => std::process::abort(),
        "dsp-hang" => hang(),
        "dsp-print" if g.calls == 1 => {
            let line = "fixture DSP prints 64 bytes a line, 16384 lines in one call .....\n";
            let mut out = std::io::stdout().lock();
            for _ in 0..(1 << 20) / line.len() {
                let _ = out.write_all(line.as_bytes());
            }
            let _ = out.flush();
        }
        "dsp-slow" => std::thread::sleep(std::time::Duration::from_millis(5)),
        _ => {}
    }
    // Faults for the plugin-test tools (wavecraft_build.testing): a level change the golden
    // test must measure, a per-block state bug, a NaN at one parameter value.
    let k = match g.dsp_mode.as_str() {
        _ if g.mute => 0.0,
        "dsp-nan" => f32::NAN,
        "dsp-nan-at-max" if g.level >= 2.0 => f32::NAN,
        "dsp-quieter" => g.level * 0.944_060_9, // -0.5 dB
        "dsp-minus6" => g.level * 0.501_187_2,  // -6 dB
        _ => g.level,
    };
    for c in 0..n_channels as usize {
        let ch = unsafe { std::slice::from_raw_parts_mut(*channels.add(c), n_samples as usize) };
        ch.iter_mut().for_each(|x| *x *= k);
        if g.dsp_mode == "dsp-block" && !ch.is_empty() {
            ch[0] *= 0.5; // "forgets" its smoothing state at every block start
        }
    }
    let events = if events.is_null() { &[][..] } else { unsafe { std::slice::from_raw_parts(events, n_events) } };
    let mut next = 0;
    for n in 0..n_samples as usize {
        while next < events.len() && events[next].offset as usize <= n {
            let e = events[next];
            match e.kind {
                0 => g.held[(e.data & 0x7f) as usize] = e.value,
                1 => g.held[(e.data & 0x7f) as usize] = 0.0,
                5 => g.held = [0.0; 128],
                _ => {}
            }
            next += 1;
        }
        let dc: f32 = g.held.iter().sum();
        for c in 0..n_channels as usize {
            unsafe { *(*channels.add(c)).add(n) += dc };
        }
    }
    OK
}

extern "C" fn apply_plain_values(inst: *mut c_void, values: *const f32, len: usize) -> i32 {
    let g = unsafe { &mut *(inst as *mut Gain) };
    let v = unsafe { std::slice::from_raw_parts(values, len) };
    if len >= 2 {
        g.level = v[0];
        g.mute = v[1] >= 0.5;
    }
    OK
}

extern "C" fn set_sample_rate(inst: *mut c_void, sr: f32) -> i32 {
    unsafe { (*(inst as *mut Gain)).sample_rate = sr };
    OK
}

extern "C" fn reset(_inst: *mut c_void) -> i32 {
    OK
}

extern "C" fn drop_inst(inst: *mut c_void) {
    if !inst.is_null() {
        drop(unsafe { Box::from_raw(inst as *mut Gain) });
    }
}

extern "C" fn last_error(inst: *mut c_void, buf: *mut c_char, cap: usize) -> usize {
    let text = if inst.is_null() { "" } else { unsafe { (*(inst as *const Gain)).last_error.as_str() } };
    copy_out(text, buf, cap)
}

#[no_mangle]
pub extern "C" fn wavecraft_dev_create_processor() -> DevProcessorVTable {
    let version = std::env::var("WAVECRAFT_FIXTURE_VTABLE_VERSION").ok().and_then(|v| v.parse().ok()).unwrap_or(4);
    let notes = u32::from(std::env::var("WAVECRAFT_FIXTURE_INSTRUMENT").is_ok_and(|v| v == "1"));
    DevProcessorVTable {
        version, notes, create, process, apply_plain_values, set_sample_rate, reset, drop: drop_inst, last_error,
    }
}
