//! Flush-to-zero for the duration of a process call: [`DenormalGuard`].
//!
//! A filter or reverb fed silence decays into subnormal floats, which many CPUs handle in
//! microcode at tens of times the normal cost: a CPU spike in a DAW exactly when the track
//! goes quiet, and subnormal samples a host's validator flags. The guard sets the CPU's
//! flush-to-zero mode while the DSP runs and restores the caller's mode afterwards, so a
//! host thread (or a test) never sees its floating-point environment changed:
//!
//! * x86_64: MXCSR's FTZ (results) and DAZ (inputs) bits, read and written with
//!   `stmxcsr` / `ldmxcsr` (inline asm: `_mm_getcsr` / `_mm_setcsr` are deprecated);
//! * aarch64: FPCR's FZ bit (flushes both inputs and results);
//! * elsewhere: nothing.
//!
//! Every process path of the SDK holds one: the nice-plug `Plugin::process` and
//! [`Engine::process`](crate::Engine::process), which backs the dev vtable and plugin tests.
//!
//! What it relies on: the control register is per *thread* (the OS saves and restores it
//! on a context switch), so the guard must be dropped on the thread that created it. It is
//! `!Send` (and `!Sync`) so that the compiler enforces this: a guard moved to another
//! thread would "restore" a mode that thread never had. It also relies on the code it
//! guards not changing the register itself and on guards being dropped in reverse order
//! of creation (a scope guard gives both); it does not protect code that runs before it
//! is created or on other threads (worker threads need their own guard).

use std::marker::PhantomData;

/// Sets flush-to-zero (and denormals-are-zero) while alive; restores the previous mode
/// when dropped.
///
/// ```
/// let tiny = std::hint::black_box(f32::MIN_POSITIVE);
/// {
///     let _ftz = wavecraft::DenormalGuard::new();
///     # #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
///     assert_eq!(std::hint::black_box(tiny * 0.5), 0.0);
/// }
/// assert!(tiny * 0.5 > 0.0); // the caller's mode is back
/// ```
///
/// The guard cannot leave its thread (the mode it restores belongs to that thread):
///
/// ```compile_fail
/// let guard = wavecraft::DenormalGuard::new();
/// std::thread::spawn(move || drop(guard));
/// ```
#[must_use = "the flush-to-zero mode lasts only as long as the guard"]
pub struct DenormalGuard {
    saved: imp::Control,
    /// `*const ()` is neither `Send` nor `Sync`: the guard stays on its thread.
    _thread: PhantomData<*const ()>,
}

impl DenormalGuard {
    /// Turns flush-to-zero on for the current thread until the guard is dropped.
    #[inline]
    pub fn new() -> Self {
        let saved = imp::read();
        imp::write(saved | imp::FLUSH);
        Self { saved, _thread: PhantomData }
    }
}

impl Default for DenormalGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for DenormalGuard {
    #[inline]
    fn drop(&mut self) {
        imp::write(self.saved);
    }
}

#[cfg(target_arch = "x86_64")]
mod imp {
    use std::arch::asm;

    pub type Control = u32;
    /// MXCSR bit 15 (FTZ: flush subnormal results) and bit 6 (DAZ: read subnormals as 0).
    pub const FLUSH: Control = (1 << 15) | (1 << 6);

    #[inline]
    pub fn read() -> Control {
        let mut csr: Control = 0;
        // SAFETY: stmxcsr stores MXCSR into the 4 bytes `csr` points to; SSE is part of
        // the x86_64 baseline. No stack use, no flags changed.
        unsafe { asm!("stmxcsr [{}]", in(reg) &mut csr, options(nostack, preserves_flags)) };
        csr
    }

    #[inline]
    pub fn write(csr: Control) {
        // SAFETY: ldmxcsr loads MXCSR from `csr`, a value read by `read` with only the
        // FTZ/DAZ bits changed (no reserved bit set, so no #GP).
        unsafe { asm!("ldmxcsr [{}]", in(reg) &csr, options(nostack, preserves_flags)) };
    }
}

#[cfg(target_arch = "aarch64")]
mod imp {
    use std::arch::asm;

    pub type Control = u64;
    /// FPCR bit 24 (FZ: flush subnormal inputs and results to zero).
    pub const FLUSH: Control = 1 << 24;

    #[inline]
    pub fn read() -> Control {
        let fpcr: Control;
        // SAFETY: reading FPCR is allowed at EL0 and has no side effects.
        unsafe { asm!("mrs {}, fpcr", out(reg) fpcr, options(nomem, nostack, preserves_flags)) };
        fpcr
    }

    #[inline]
    pub fn write(fpcr: Control) {
        // SAFETY: writing FPCR is allowed at EL0; the value is one read by `read` with only
        // the FZ bit changed.
        unsafe { asm!("msr fpcr, {}", in(reg) fpcr, options(nostack, preserves_flags)) };
    }
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
mod imp {
    pub type Control = u8;
    pub const FLUSH: Control = 0;

    #[inline]
    pub fn read() -> Control {
        0
    }

    #[inline]
    pub fn write(_: Control) {}
}

#[cfg(all(test, any(target_arch = "x86_64", target_arch = "aarch64")))]
mod tests {
    use super::*;
    use std::hint::black_box;

    #[test]
    fn flushes_while_alive_and_restores_after() {
        // Compare the flush bits only: MXCSR also holds sticky status flags.
        let flush = || imp::read() & imp::FLUSH;
        let before = flush();
        let tiny = black_box(f32::MIN_POSITIVE);
        assert!(black_box(tiny * 0.5) > 0.0, "a subnormal result without the guard");
        {
            let _outer = DenormalGuard::new();
            assert_eq!(flush(), imp::FLUSH);
            assert_eq!(black_box(tiny * 0.5), 0.0);
            {
                let _inner = DenormalGuard::new(); // nesting keeps the outer mode
            }
            assert_eq!(black_box(tiny * 0.5), 0.0);
        }
        assert_eq!(flush(), before);
        assert!(black_box(tiny * 0.5) > 0.0);
    }
}
