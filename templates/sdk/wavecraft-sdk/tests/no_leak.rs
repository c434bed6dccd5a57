//! The parameter getters leave the heap exactly as they found it.
//!
//! A counting global allocator tracks live bytes. This file has `harness = false` so no
//! test-runner thread allocates concurrently: the process is ours.

mod common;

use std::ffi::CStr;

use common::{Gain, InputGain, Offset};
use wavecraft::testing::{allocations, live_bytes, CountingAllocator};
use wavecraft::SignalChain;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

type Deep = SignalChain![InputGain, Gain, Offset, Gain];

wavecraft::wavecraft_plugin! {
    struct LeakTest {
        name: "Leak Test",
        vendor: "Wavecraft",
        url: "https://example.com",
        email: "dev@example.com",
        clap_id: "com.wavecraft.leak-test",
        vst3_id: *b"WavecraftLeakTst",
        signal: Deep,
    }
}

use __wavecraft_generated::{
    wavecraft_dev_create_processor, wavecraft_free_string, wavecraft_get_params_json,
    wavecraft_get_processors_json,
};

const CALLS: usize = 10_000;

fn one_round() -> usize {
    let params = wavecraft_get_params_json();
    let processors = wavecraft_get_processors_json();
    assert!(!params.is_null() && !processors.is_null());
    // SAFETY: both are valid NUL-terminated strings until freed below.
    let len = unsafe { CStr::from_ptr(params) }.to_bytes().len();
    unsafe {
        wavecraft_free_string(params);
        wavecraft_free_string(processors);
    }
    // The rust-level API must not leak either.
    let json = wavecraft::params_json::<Deep>();
    assert_eq!(json.len(), len);
    let vtable = wavecraft_dev_create_processor();
    let instance = (vtable.create)(std::ptr::null_mut(), 0);
    (vtable.drop)(instance);
    len
}

fn main() {
    // Warm up once: the first call may initialise std internals (stdout, thread info).
    let expected_len = one_round();
    let before = live_bytes();
    let allocations_before = allocations();
    for _ in 0..CALLS {
        assert_eq!(one_round(), expected_len);
    }
    let after = live_bytes();
    let allocations = allocations() - allocations_before;
    assert!(allocations >= CALLS, "the getters should allocate (sanity check of the counter)");
    assert_eq!(
        after, before,
        "live heap bytes changed by {} over {CALLS} rounds: something leaks",
        after - before
    );
    // The counter does see a leak (so "equal" above means something).
    let probe = live_bytes();
    std::mem::forget(vec![0_u8; 100]);
    assert_eq!(live_bytes() - probe, 100);
    // Null is a no-op.
    unsafe { wavecraft_free_string(std::ptr::null_mut()) };
    println!("no_leak: {CALLS} rounds, {allocations} allocations, live bytes {before} -> {after}");
}
