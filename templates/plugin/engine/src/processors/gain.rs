//! Input and output gain in decibels, ramped across each block so changes do not click.

use wavecraft::prelude::*;

/// `10^(db / 20)`.
pub fn db_to_gain(db: f32) -> f32 {
    10f32.powf(db / 20.0)
}

/// A gain stage that glides from the previous block's gain to the new one.
#[derive(Default)]
struct Ramp {
    /// `None` after a reset: jump straight to the target.
    current: Option<f32>,
}

impl Ramp {
    fn apply(&mut self, audio: &mut [&mut [f32]], target: f32) {
        let start = self.current.unwrap_or(target);
        self.current = Some(target);
        for channel in audio.iter_mut() {
            let len = channel.len().max(1) as f32;
            let step = (target - start) / len;
            for (n, sample) in channel.iter_mut().enumerate() {
                *sample *= start + step * (n as f32 + 1.0);
            }
        }
    }
}

/// Gain before the filter.
#[derive(Default)]
pub struct InputGain {
    ramp: Ramp,
}

impl Processor for InputGain {
    const ID: &'static str = "input_gain";
    const PARAMS: &'static [ParamSpec] =
        &[ParamSpec::float("level", "Input Level", -24.0, 24.0, 0.0).unit("dB")];

    fn reset(&mut self) {
        self.ramp = Ramp::default();
    }

    fn process(&mut self, audio: &mut [&mut [f32]], params: &ParamValues<'_>) {
        self.ramp.apply(audio, db_to_gain(params.float("level")));
    }
}

/// Gain after the filter, with a phase switch.
#[derive(Default)]
pub struct OutputGain {
    ramp: Ramp,
}

impl Processor for OutputGain {
    const ID: &'static str = "output_gain";
    const PARAMS: &'static [ParamSpec] = &[
        ParamSpec::float("level", "Output Level", -24.0, 24.0, 0.0).unit("dB"),
        ParamSpec::bool("invert", "Invert Phase", false),
    ];

    fn reset(&mut self) {
        self.ramp = Ramp::default();
    }

    fn process(&mut self, audio: &mut [&mut [f32]], params: &ParamValues<'_>) {
        let sign = if params.bool("invert") { -1.0 } else { 1.0 };
        self.ramp.apply(audio, sign * db_to_gain(params.float("level")));
    }
}
