//! [`CountingAllocator`]: proves that code does not allocate, for a plugin's own tests.
//!
//! Install it as the test binary's global allocator (in a test target with
//! `harness = false`, so no test-runner thread allocates at the same time), run the code,
//! and compare [`allocations`] before and after:
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOCATOR: wavecraft::testing::CountingAllocator = wavecraft::testing::CountingAllocator;
//!
//! let before = wavecraft::testing::allocations();
//! engine.process(&mut [&mut left[..], &mut right[..]]);
//! assert_eq!(wavecraft::testing::allocations(), before);
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting allocations (and reallocations) and live bytes.
pub struct CountingAllocator;

// SAFETY: every call is forwarded to `System` unchanged; the counters are atomics.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::SeqCst);
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::SeqCst);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE_BYTES.fetch_add(new_size as isize - layout.size() as isize, Ordering::SeqCst);
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocations (and reallocations) so far, when [`CountingAllocator`] is installed.
pub fn allocations() -> usize {
    ALLOCATIONS.load(Ordering::SeqCst)
}

/// Heap bytes currently allocated through [`CountingAllocator`].
pub fn live_bytes() -> isize {
    LIVE_BYTES.load(Ordering::SeqCst)
}
