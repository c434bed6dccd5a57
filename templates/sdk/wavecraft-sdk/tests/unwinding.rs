//! `wavecraft_dev_unwinding`: a watchdog can tell a call that is reporting a panic from a
//! hung one while the call is still running. Its own test binary: the flag is per library
//! image (here: per test process), so no other test may panic beside it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use wavecraft::{DEV_OK, DEV_PANICKED};

/// Panics in `process` when asked; the unwind then takes 300 ms (a `Drop` that sleeps while
/// panicking stands for a slow hook, a long backtrace or a loaded machine).
#[derive(Default)]
struct SlowToUnwind;

struct Slow;

impl Drop for Slow {
    fn drop(&mut self) {
        if std::thread::panicking() {
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

static PANIC: AtomicBool = AtomicBool::new(false);

impl wavecraft::Processor for SlowToUnwind {
    const ID: &'static str = "slow_to_unwind";
    const PARAMS: &'static [wavecraft::ParamSpec] = &[];
    fn process(&mut self, _: &mut [&mut [f32]], _: &wavecraft::ParamValues<'_>) {
        let _slow = Slow;
        assert!(!PANIC.load(Ordering::Acquire), "asked to panic");
    }
}

#[test]
fn the_flag_is_up_while_a_call_unwinds_and_down_when_the_next_call_begins() {
    let vtable = wavecraft::__private::dev_vtable::<SlowToUnwind>();
    let instance = (vtable.create)(std::ptr::null_mut(), 0) as usize;
    let process = move || {
        let mut left = [0.0_f32; 4];
        let mut channels = [left.as_mut_ptr()];
        (vtable.process)(instance as *mut _, channels.as_mut_ptr(), 1, 4, std::ptr::null(), 0)
    };
    assert_eq!(process(), DEV_OK);
    assert_eq!(wavecraft::__private::dev_unwinding(), 0);
    PANIC.store(true, Ordering::Release);
    let call = std::thread::spawn(process);
    // Seen from another thread while the call has not returned yet.
    let start = Instant::now();
    while wavecraft::__private::dev_unwinding() == 0 {
        assert!(start.elapsed() < Duration::from_secs(5), "the flag never went up");
        std::thread::yield_now();
    }
    assert!(!call.is_finished(), "the flag came up only after the call returned");
    assert_eq!(call.join().unwrap(), DEV_PANICKED);
    assert_eq!(wavecraft::__private::dev_unwinding(), 1); // still up: it says what happened
    PANIC.store(false, Ordering::Release);
    assert_eq!(process(), DEV_OK);
    assert_eq!(wavecraft::__private::dev_unwinding(), 0); // the next call lowers it
    (vtable.drop)(instance as *mut _);
}
