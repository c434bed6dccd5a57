//! Output meters from the audio thread to the editor, without locks or allocation.
//!
//! The audio thread writes each block's peak (kept as a maximum until the editor reads it,
//! so a short transient between two reads is not lost) and RMS into atomics; the editor's
//! writer thread takes them about 30 times a second. Non-negative `f32`s order like their
//! bit patterns, so `fetch_max` on the bits is a float maximum.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// Peak and RMS (linear, 0..) of the left and right output.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MeterFrame {
    pub peak_l: f32,
    pub peak_r: f32,
    pub rms_l: f32,
    pub rms_r: f32,
}

/// Shared between the plugin (audio thread) and its open editor.
#[derive(Default)]
pub struct Meters {
    peak: [AtomicU32; 2],
    rms: [AtomicU32; 2],
    fresh: AtomicBool,
}

impl Meters {
    /// Audio thread: measure one processed block. Wait-free, no allocation.
    pub fn write_block(&self, channels: &[&mut [f32]]) {
        if channels.is_empty() {
            return;
        }
        for side in 0..2 {
            // A mono plugin shows its one channel on both sides.
            let samples: &[f32] = channels[side.min(channels.len() - 1)];
            let (mut peak, mut sum) = (0.0f32, 0.0f32);
            for &sample in samples {
                let magnitude = if sample.is_finite() { sample.abs() } else { 0.0 };
                peak = peak.max(magnitude);
                sum += magnitude * magnitude;
            }
            let rms = if samples.is_empty() { 0.0 } else { (sum / samples.len() as f32).sqrt() };
            self.peak[side].fetch_max(peak.to_bits(), Ordering::Relaxed);
            self.rms[side].store(rms.to_bits(), Ordering::Relaxed);
        }
        self.fresh.store(true, Ordering::Release);
    }

    /// Editor: the frame since the last take (peaks reset), or None when no block ran since.
    pub fn take(&self) -> Option<MeterFrame> {
        if !self.fresh.swap(false, Ordering::Acquire) {
            return None;
        }
        Some(self.frame(true))
    }

    /// The latest values without resetting the peaks.
    pub fn peek(&self) -> MeterFrame {
        self.frame(false)
    }

    fn frame(&self, reset: bool) -> MeterFrame {
        let peak = |side: usize| {
            let bits = if reset {
                self.peak[side].swap(0, Ordering::Relaxed)
            } else {
                self.peak[side].load(Ordering::Relaxed)
            };
            f32::from_bits(bits)
        };
        let rms = |side: usize| f32::from_bits(self.rms[side].load(Ordering::Relaxed));
        MeterFrame { peak_l: peak(0), peak_r: peak(1), rms_l: rms(0), rms_r: rms(1) }
    }
}

/// Silence in dBFS (`wavecraft_build/engine/meters.py` FLOOR_DB).
pub const FLOOR_DB: f32 = -120.0;

/// Linear amplitude to dBFS, floored at [`FLOOR_DB`] as the dev engine does (JSON has no -inf).
pub fn db(linear: f32) -> f32 {
    if linear > 0.0 {
        20.0 * linear.log10()
    } else {
        f32::NEG_INFINITY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_holds_until_taken_and_mono_fills_both_sides() {
        let meters = Meters::default();
        assert_eq!(meters.take(), None);
        meters.write_block(&[&mut [0.5, -0.9, 0.1][..]]);
        meters.write_block(&[&mut [0.2, 0.2][..]]);
        let frame = meters.take().unwrap();
        assert_eq!(frame.peak_l, 0.9);
        assert_eq!(frame.peak_r, 0.9);
        assert!((frame.rms_l - 0.2).abs() < 1e-6);
        assert_eq!(meters.take(), None);
        assert_eq!(meters.peek().peak_l, 0.0);
    }
}
