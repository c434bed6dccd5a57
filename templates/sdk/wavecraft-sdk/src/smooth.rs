//! [`Smoother`]: a continuous parameter glides to a new value instead of jumping.
//!
//! Parameter values reach a processor once per block (or part of a block). Used as they
//! are, a cutoff or gain changes in steps at block boundaries, which clicks (zipper
//! noise). A smoother ramps linearly from its current value to the new target over a fixed
//! time, one step per sample. No allocation; `next` is a few flops.

/// A linear ramp to the latest target over `time_s` seconds.
///
/// ```
/// let mut gain = wavecraft::Smoother::new(0.010); // 10 ms
/// gain.set_sample_rate(1_000.0);
/// gain.reset(0.0);
/// gain.set_target(1.0);
/// let ramp: Vec<f32> = (0..12).map(|_| gain.next()).collect();
/// assert!((ramp[0] - 0.1).abs() < 1e-6 && ramp[9] == 1.0 && ramp[11] == 1.0);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Smoother {
    time_s: f32,
    ramp_samples: u32,
    current: f32,
    target: f32,
    step: f32,
    remaining: u32,
    /// False until the first target after a reset: that one is taken as it is.
    primed: bool,
}

impl Smoother {
    /// A smoother that ramps over `time_s` seconds (at 48 kHz until `set_sample_rate`).
    pub const fn new(time_s: f32) -> Self {
        Self {
            time_s,
            ramp_samples: (time_s * 48_000.0) as u32,
            current: 0.0,
            target: 0.0,
            step: 0.0,
            remaining: 0,
            primed: false,
        }
    }

    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.ramp_samples = (self.time_s * sample_rate).round().max(1.0) as u32;
    }

    /// Jumps to `value` (no ramp).
    pub fn reset(&mut self, value: f32) {
        self.current = value;
        self.target = value;
        self.remaining = 0;
        self.primed = true;
    }

    /// Forgets the value: the next target is taken as it is (after a processor's reset).
    pub fn forget(&mut self) {
        self.primed = false;
    }

    /// Starts a ramp to `target` unless it already is the target.
    pub fn set_target(&mut self, target: f32) {
        if !self.primed {
            self.reset(target);
        } else if target != self.target {
            self.target = target;
            self.remaining = self.ramp_samples;
            self.step = (target - self.current) / self.ramp_samples as f32;
        }
    }

    /// The value for the next sample.
    #[inline]
    #[allow(clippy::should_implement_trait)] // never ends, so not an Iterator
    pub fn next(&mut self) -> f32 {
        if self.remaining > 0 {
            self.remaining -= 1;
            self.current = if self.remaining == 0 { self.target } else { self.current + self.step };
        }
        self.current
    }

    /// True while a ramp is under way.
    pub fn is_smoothing(&self) -> bool {
        self.remaining > 0
    }

    /// The value `next` last returned (or the reset value).
    pub fn current(&self) -> f32 {
        self.current
    }
}
