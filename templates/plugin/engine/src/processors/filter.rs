//! A state-variable filter (Andrew Simper's trapezoidal SVF): low-pass, high-pass or
//! band-pass, 12 dB/octave, Butterworth resonance. The cutoff glides (the SDK's
//! `Smoother`), so automation and knob moves do not step at block boundaries.

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
    cutoff: Smoother,
}

impl Default for Filter {
    fn default() -> Self {
        Self {
            sample_rate: 48_000.0,
            state: [State::default(); MAX_CHANNELS],
            cutoff: Smoother::new(0.02),
        }
    }
}

impl Filter {
    const ENABLED: Param = Param::of(<Self as Processor>::PARAMS, "enabled");
    const MODE: Param = Param::of(<Self as Processor>::PARAMS, "mode");
    const CUTOFF: Param = Param::of(<Self as Processor>::PARAMS, "cutoff");
}

/// The SVF's coefficients for one cutoff.
#[derive(Clone, Copy)]
struct Coefficients {
    a1: f32,
    a2: f32,
    a3: f32,
}

/// 1 / Q: Butterworth.
const K: f32 = 1.0 / FRAC_1_SQRT_2;

impl Coefficients {
    fn new(cutoff: f32, sample_rate: f32) -> Self {
        // Keep the cutoff below Nyquist or tan() blows up.
        let g = (PI * cutoff.min(0.49 * sample_rate) / sample_rate).tan();
        let a1 = 1.0 / (1.0 + g * (g + K));
        let a2 = g * a1;
        Self { a1, a2, a3: g * a2 }
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
        self.cutoff.set_sample_rate(sample_rate);
    }

    fn reset(&mut self) {
        self.state = [State::default(); MAX_CHANNELS];
        self.cutoff.forget();
    }

    fn process(&mut self, audio: &mut [&mut [f32]], params: &ParamValues<'_>) {
        self.cutoff.set_target(params.float(Self::CUTOFF));
        if !params.bool(Self::ENABLED) {
            return;
        }
        let mode = FilterMode::from_index(params.choice(Self::MODE));
        let frames = audio.first().map_or(0, |channel| channel.len());
        let mut coefficients = Coefficients::new(self.cutoff.current(), self.sample_rate);
        for n in 0..frames {
            if self.cutoff.is_smoothing() {
                coefficients = Coefficients::new(self.cutoff.next(), self.sample_rate);
            }
            let Coefficients { a1, a2, a3 } = coefficients;
            for (channel, state) in audio.iter_mut().zip(self.state.iter_mut()) {
                let Some(sample) = channel.get_mut(n) else { continue };
                let v0 = *sample;
                let v3 = v0 - state.ic2eq;
                let v1 = a1 * state.ic1eq + a2 * v3;
                let v2 = state.ic2eq + a2 * state.ic1eq + a3 * v3;
                state.ic1eq = 2.0 * v1 - state.ic1eq;
                state.ic2eq = 2.0 * v2 - state.ic2eq;
                *sample = match mode {
                    FilterMode::LowPass => v2,
                    FilterMode::HighPass => v0 - K * v1 - v2,
                    // Scaled by K so the peak at the cutoff has unity gain.
                    FilterMode::BandPass => K * v1,
                };
            }
        }
    }
}
