//! A state-variable filter (Andrew Simper's trapezoidal SVF): low-pass, high-pass or
//! band-pass, 12 dB/octave, Butterworth resonance.

use std::f32::consts::{FRAC_1_SQRT_2, PI};

use wavecraft::prelude::*;

/// Channels with their own filter state; further channels pass through unfiltered.
pub const MAX_CHANNELS: usize = 8;

/// The `mode` parameter's variants, by index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterMode {
    LowPass = 0,
    HighPass = 1,
    BandPass = 2,
}

impl FilterMode {
    pub const NAMES: &'static [&'static str] = &["Low-pass", "High-pass", "Band-pass"];

    fn from_index(index: usize) -> Self {
        match index {
            1 => Self::HighPass,
            2 => Self::BandPass,
            _ => Self::LowPass,
        }
    }
}

#[derive(Clone, Copy, Default)]
struct State {
    ic1eq: f32,
    ic2eq: f32,
}

/// The filter stage.
pub struct Filter {
    sample_rate: f32,
    state: [State; MAX_CHANNELS],
}

impl Default for Filter {
    fn default() -> Self {
        Self { sample_rate: 48_000.0, state: [State::default(); MAX_CHANNELS] }
    }
}

impl Processor for Filter {
    const ID: &'static str = "filter";
    const PARAMS: &'static [ParamSpec] = &[
        ParamSpec::bool("enabled", "Filter On", true),
        ParamSpec::choice("mode", "Filter Mode", FilterMode::NAMES, FilterMode::LowPass as usize),
        ParamSpec::float("cutoff", "Cutoff", 20.0, 20_000.0, 1_000.0).unit("Hz").skew(0.25),
    ];

    fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate;
    }

    fn reset(&mut self) {
        self.state = [State::default(); MAX_CHANNELS];
    }

    fn process(&mut self, audio: &mut [&mut [f32]], params: &ParamValues<'_>) {
        if !params.bool("enabled") {
            return;
        }
        let mode = FilterMode::from_index(params.choice("mode"));
        // Keep the cutoff below Nyquist or tan() blows up.
        let cutoff = params.float("cutoff").min(0.49 * self.sample_rate);
        let g = (PI * cutoff / self.sample_rate).tan();
        let k = 1.0 / FRAC_1_SQRT_2; // 1 / Q
        let a1 = 1.0 / (1.0 + g * (g + k));
        let a2 = g * a1;
        let a3 = g * a2;

        for (channel, state) in audio.iter_mut().zip(self.state.iter_mut()) {
            for sample in channel.iter_mut() {
                let v0 = *sample;
                let v3 = v0 - state.ic2eq;
                let v1 = a1 * state.ic1eq + a2 * v3;
                let v2 = state.ic2eq + a2 * state.ic1eq + a3 * v3;
                state.ic1eq = 2.0 * v1 - state.ic1eq;
                state.ic2eq = 2.0 * v2 - state.ic2eq;
                *sample = match mode {
                    FilterMode::LowPass => v2,
                    FilterMode::HighPass => v0 - k * v1 - v2,
                    // Scaled by k so the peak at the cutoff has unity gain.
                    FilterMode::BandPass => k * v1,
                };
            }
        }
    }
}
