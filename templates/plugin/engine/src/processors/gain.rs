//! Input and output gain in decibels, smoothed per sample so changes do not click.

use wavecraft::prelude::*;

/// `10^(db / 20)`.
pub fn db_to_gain(db: f32) -> f32 {
    10f32.powf(db / 20.0)
}

/// How long a gain change takes: short enough to feel instant, long enough not to click.
const GLIDE_S: f32 = 0.005;

/// Multiplies every channel by the smoothed gain.
fn apply(smoother: &mut Smoother, audio: &mut [&mut [f32]], target: f32) {
    smoother.set_target(target);
    let frames = audio.first().map_or(0, |channel| channel.len());
    for n in 0..frames {
        let gain = smoother.next();
        for channel in audio.iter_mut() {
            if let Some(sample) = channel.get_mut(n) {
                *sample *= gain;
            }
        }
    }
}

/// Gain before the filter.
pub struct InputGain {
    gain: Smoother,
}

impl Default for InputGain {
    fn default() -> Self {
        Self { gain: Smoother::new(GLIDE_S) }
    }
}

impl InputGain {
    const LEVEL: Param = Param::of(<Self as Processor>::PARAMS, "level");
}

impl Processor for InputGain {
    const ID: &'static str = "input_gain";
    const PARAMS: &'static [ParamSpec] =
        &[ParamSpec::float("level", "Input Level", -24.0, 24.0, 0.0).unit("dB")];

    fn set_sample_rate(&mut self, sample_rate: f32) {
        self.gain.set_sample_rate(sample_rate);
    }

    fn reset(&mut self) {
        self.gain.forget();
    }

    fn process(&mut self, audio: &mut [&mut [f32]], params: &ParamValues<'_>) {
        apply(&mut self.gain, audio, db_to_gain(params.float(Self::LEVEL)));
    }
}

/// Gain after the filter, with a phase switch.
pub struct OutputGain {
    gain: Smoother,
}

impl Default for OutputGain {
    fn default() -> Self {
        Self { gain: Smoother::new(GLIDE_S) }
    }
}

impl OutputGain {
    const LEVEL: Param = Param::of(<Self as Processor>::PARAMS, "level");
    const INVERT: Param = Param::of(<Self as Processor>::PARAMS, "invert");
}

impl Processor for OutputGain {
    const ID: &'static str = "output_gain";
    const PARAMS: &'static [ParamSpec] = &[
        ParamSpec::float("level", "Output Level", -24.0, 24.0, 0.0).unit("dB"),
        ParamSpec::bool("invert", "Invert Phase", false),
    ];

    fn set_sample_rate(&mut self, sample_rate: f32) {
        self.gain.set_sample_rate(sample_rate);
    }

    fn reset(&mut self) {
        self.gain.forget();
    }

    fn process(&mut self, audio: &mut [&mut [f32]], params: &ParamValues<'_>) {
        let sign = if params.bool(Self::INVERT) { -1.0 } else { 1.0 };
        apply(&mut self.gain, audio, sign * db_to_gain(params.float(Self::LEVEL)));
    }
}
