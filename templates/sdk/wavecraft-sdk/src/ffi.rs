//! The C side of the binary contract. `wavecraft_plugin!` exports thin `#[no_mangle]`
//! wrappers around these generic functions.
//!
//! Every function here catches panics: an unwind must never cross into the C caller.
//! Strings are `CString::into_raw` and come back through [`free_string`].
//!
//! A panic in a dev-vtable call is reported as data, not text: the call returns
//! [`DEV_PANICKED`] and `last_error(inst, ...)` copies the panic's message, kept in that
//! instance; `create` returns null and writes the message into the caller's buffer. So the
//! host blames exactly the call that panicked (no global or thread-local state).
//!
//! One thing a host cannot learn from the status: that a call which has not returned yet
//! is busy *reporting* a panic (the hook printing, a backtrace, unwinding), not hung. For
//! that watchdog, `dev_create` chains a panic hook (once per library image) that raises
//! [`dev_unwinding`] before the slow part, for a panic while a dev-vtable call is in
//! progress; every call lowers it as it begins. The engine calls one image from one thread
//! at a time, so that is the call's own panic (a plugin thread panicking meanwhile only
//! gives that one call the longer bound). Two atomics, const-initialised: nothing runs
//! during `dlopen`.

use std::any::Any;
use std::ffi::{c_char, c_void, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Once;

use crate::engine::Engine;
use crate::info::{params_json, processors_json};
use crate::notes::{DevNoteEvent, MAX_CHANNELS};
use crate::processor::Signal;

/// Version of [`DevProcessorVTable`] this SDK exports.
pub const DEV_VTABLE_VERSION: u32 = 4;
/// Status of a dev-vtable call that returned normally.
pub const DEV_OK: i32 = 0;
/// Status of a dev-vtable call that panicked (its message: `last_error`).
pub const DEV_PANICKED: i32 = 1;

/// Dev-vtable calls of this library image in progress (any thread).
static DEV_CALLS: AtomicUsize = AtomicUsize::new(0);
/// Raised by the panic hook during a dev-vtable call; lowered when the next call begins.
static DEV_UNWINDING: AtomicBool = AtomicBool::new(false);
static DEV_HOOK: Once = Once::new();

/// `wavecraft_dev_unwinding`: 1 while (and after) a dev-vtable call of this image is
/// reporting a panic, until the next call begins; else 0. Wait-free; any thread may ask,
/// also while that call runs (a watchdog's question: "hung, or unwinding?").
pub fn dev_unwinding() -> u32 {
    u32::from(DEV_UNWINDING.load(Ordering::Acquire))
}

/// Chains a hook in front of the current one (the default prints the message): it raises
/// [`DEV_UNWINDING`] first, so the flag is up before the hook's printing and the unwind.
/// A plugin that sets a hook of its own later replaces it (then the flag stays down, and a
/// slow panic looks like a slow call).
fn install_unwinding_hook() {
    DEV_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if DEV_CALLS.load(Ordering::Acquire) > 0 {
                DEV_UNWINDING.store(true, Ordering::Release);
            }
            previous(info);
        }));
    });
}

/// Returned by value from `wavecraft_dev_create_processor()`. Lets a dev tool run the DSP
/// without a host: `create`, then `set_sample_rate`, `apply_plain_values` (one value per
/// parameter, params-JSON order), `process` (in place, one pointer per channel, at most
/// [`MAX_CHANNELS`](crate::MAX_CHANNELS); plus `n_events` [`DevNoteEvent`]s in time order,
/// each delivered at its sample offset), `drop`. `notes` is 1 when the signal takes notes
/// (an instrument), else 0.
/// Each call but `drop` says whether it panicked ([`DEV_OK`], [`DEV_PANICKED`]);
/// `last_error(inst, buf, cap)` copies the instance's last panic message, and
/// `create(buf, cap)` returns null with its own panic's message in `buf` (both
/// NUL-terminated, truncated to `cap - 1` bytes; `last_error` returns the full length).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct DevProcessorVTable {
    pub version: u32,
    pub notes: u32,
    pub create: extern "C" fn(*mut c_char, usize) -> *mut c_void,
    pub process:
        extern "C" fn(*mut c_void, *mut *mut f32, u32, u32, *const DevNoteEvent, usize) -> i32,
    pub apply_plain_values: extern "C" fn(*mut c_void, *const f32, usize) -> i32,
    pub set_sample_rate: extern "C" fn(*mut c_void, f32) -> i32,
    pub reset: extern "C" fn(*mut c_void) -> i32,
    pub drop: extern "C" fn(*mut c_void),
    pub last_error: extern "C" fn(*mut c_void, *mut c_char, usize) -> usize,
}

/// What a dev-vtable instance pointer points at: the engine and its last panic message.
struct DevInstance<S: Signal> {
    engine: Engine<S>,
    last_error: String,
}

fn panic_text(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic with a payload that is not a string".to_owned())
}

/// Copies `text` into the caller's `cap` bytes at `buf` (NUL-terminated, truncated);
/// returns the text's full length.
fn copy_out(text: &str, buf: *mut c_char, cap: usize) -> usize {
    let bytes = text.as_bytes();
    if !buf.is_null() && cap > 0 {
        let n = bytes.len().min(cap - 1);
        // SAFETY: the caller passes `cap` writable bytes at `buf` (contract).
        unsafe {
            ptr::copy_nonoverlapping(bytes.as_ptr(), buf.cast::<u8>(), n);
            *buf.add(n) = 0;
        }
    }
    bytes.len()
}

/// Sample rate of a freshly created dev processor, until `set_sample_rate`.
pub const DEV_DEFAULT_SAMPLE_RATE: f32 = 48_000.0;

/// `wavecraft_get_params_json`: owned JSON string, or null if building it panicked.
pub fn params_json_ptr<S: Signal>() -> *mut c_char {
    string_to_ptr(params_json::<S>)
}

/// `wavecraft_get_processors_json`.
pub fn processors_json_ptr<S: Signal>() -> *mut c_char {
    string_to_ptr(processors_json::<S>)
}

/// `wavecraft_free_string`: frees a string returned above; null is ignored.
///
/// # Safety
/// `s` must be null or a pointer returned by one of the functions above, not yet freed.
pub unsafe fn free_string(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: guaranteed by the caller: `s` came from `CString::into_raw`.
        drop(unsafe { CString::from_raw(s) });
    }));
}

/// `wavecraft_dev_create_processor`.
pub fn dev_vtable<S: Signal>() -> DevProcessorVTable {
    DevProcessorVTable {
        version: DEV_VTABLE_VERSION,
        notes: u32::from(S::NOTES),
        create: dev_create::<S>,
        process: dev_process::<S>,
        apply_plain_values: dev_apply_plain_values::<S>,
        set_sample_rate: dev_set_sample_rate::<S>,
        reset: dev_reset::<S>,
        drop: dev_drop::<S>,
        last_error: dev_last_error::<S>,
    }
}

fn string_to_ptr(build: fn() -> String) -> *mut c_char {
    catch_unwind(|| {
        // The JSON escaper never emits a NUL byte, so this cannot fail; stay null-safe anyway.
        CString::new(build()).map_or(ptr::null_mut(), CString::into_raw)
    })
    .unwrap_or(ptr::null_mut())
}

/// Runs `f` on the instance behind `inst` unless it is null (then nothing happens);
/// a panic is caught, kept as the instance's last error and reported as [`DEV_PANICKED`].
fn with_engine<S: Signal>(inst: *mut c_void, f: impl FnOnce(&mut Engine<S>)) -> i32 {
    if inst.is_null() {
        return DEV_OK;
    }
    let instance = inst.cast::<DevInstance<S>>();
    DEV_UNWINDING.store(false, Ordering::Release);
    DEV_CALLS.fetch_add(1, Ordering::AcqRel);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `inst` was returned by `dev_create::<S>` and not yet dropped (contract).
        f(unsafe { &mut (*instance).engine });
    }));
    DEV_CALLS.fetch_sub(1, Ordering::AcqRel);
    match outcome {
        Ok(()) => DEV_OK,
        Err(payload) => {
            let message = panic_text(payload.as_ref());
            // SAFETY: as above; the engine may be inconsistent after the panic, the
            // message field is not.
            let _ = catch_unwind(AssertUnwindSafe(|| unsafe { (*instance).last_error = message }));
            DEV_PANICKED
        }
    }
}

extern "C" fn dev_create<S: Signal>(err: *mut c_char, cap: usize) -> *mut c_void {
    DEV_UNWINDING.store(false, Ordering::Release);
    DEV_CALLS.fetch_add(1, Ordering::AcqRel);
    let created = catch_unwind(|| {
        install_unwinding_hook();
        let engine = Engine::<S>::new(DEV_DEFAULT_SAMPLE_RATE);
        Box::into_raw(Box::new(DevInstance { engine, last_error: String::new() }))
    });
    DEV_CALLS.fetch_sub(1, Ordering::AcqRel);
    match created {
        Ok(instance) => instance.cast(),
        Err(payload) => {
            let _ = catch_unwind(AssertUnwindSafe(|| copy_out(&panic_text(payload.as_ref()), err, cap)));
            ptr::null_mut()
        }
    }
}

extern "C" fn dev_last_error<S: Signal>(inst: *mut c_void, buf: *mut c_char, cap: usize) -> usize {
    if inst.is_null() {
        return copy_out("", buf, cap);
    }
    // SAFETY: `inst` was returned by `dev_create::<S>` and not yet dropped (contract).
    let instance = unsafe { &*inst.cast::<DevInstance<S>>() };
    copy_out(&instance.last_error, buf, cap)
}

extern "C" fn dev_process<S: Signal>(
    inst: *mut c_void,
    channels: *mut *mut f32,
    n_channels: u32,
    n_samples: u32,
    events: *const DevNoteEvent,
    n_events: usize,
) -> i32 {
    if channels.is_null() || n_channels == 0 || n_channels as usize > MAX_CHANNELS {
        return DEV_OK;
    }
    with_engine::<S>(inst, |engine| {
        // SAFETY: the caller passes `n_channels` valid, distinct pointers to `n_samples`
        // floats each (contract); null channel pointers are rejected below.
        let pointers = unsafe { std::slice::from_raw_parts(channels, n_channels as usize) };
        if pointers.iter().any(|p| p.is_null()) {
            return;
        }
        // Borrowed into a fixed array on the stack: this runs every block, so no `Vec`.
        let mut audio: [&mut [f32]; MAX_CHANNELS] = Default::default();
        for (slot, &p) in audio.iter_mut().zip(pointers) {
            // SAFETY: see above.
            *slot = unsafe { std::slice::from_raw_parts_mut(p, n_samples as usize) };
        }
        let events: &[DevNoteEvent] = if events.is_null() || n_events == 0 {
            &[]
        } else {
            // SAFETY: the caller passes `n_events` readable events at `events` (contract).
            unsafe { std::slice::from_raw_parts(events, n_events) }
        };
        let audio = audio.get_mut(..pointers.len()).unwrap_or_default();
        // Flushes denormals for the call (DenormalGuard), splits the block at the events.
        engine.process_events(audio, events.iter().filter_map(|raw| raw.to_event()));
    })
}

extern "C" fn dev_apply_plain_values<S: Signal>(
    inst: *mut c_void,
    values: *const f32,
    len: usize,
) -> i32 {
    if values.is_null() {
        return DEV_OK;
    }
    with_engine::<S>(inst, |engine| {
        // SAFETY: the caller passes `len` readable floats (contract).
        let values = unsafe { std::slice::from_raw_parts(values, len) };
        engine.set_plain_values(values);
    })
}

extern "C" fn dev_set_sample_rate<S: Signal>(inst: *mut c_void, sample_rate: f32) -> i32 {
    if sample_rate.is_finite() && sample_rate > 0.0 {
        with_engine::<S>(inst, |engine| engine.set_sample_rate(sample_rate))
    } else {
        DEV_OK
    }
}

extern "C" fn dev_reset<S: Signal>(inst: *mut c_void) -> i32 {
    with_engine::<S>(inst, Engine::reset)
}

extern "C" fn dev_drop<S: Signal>(inst: *mut c_void) {
    if inst.is_null() {
        return;
    }
    let _ = catch_unwind(|| {
        // SAFETY: `inst` came from `dev_create::<S>` and is dropped once (contract).
        drop(unsafe { Box::from_raw(inst.cast::<DevInstance<S>>()) });
    });
}
