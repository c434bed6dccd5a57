//! Small processors shared by the SDK's tests.
#![allow(dead_code)]

use wavecraft::{ParamSpec, ParamValues, Processor};

#[derive(Default)]
pub struct Gain;

impl Processor for Gain {
    const ID: &'static str = "gain";
    const PARAMS: &'static [ParamSpec] =
        &[ParamSpec::float("level", "Level", -24.0, 24.0, 0.0).unit("dB")];

    fn process(&mut self, audio: &mut [&mut [f32]], params: &ParamValues<'_>) {
        let gain = 10f32.powf(params.float("level") / 20.0);
        for channel in audio.iter_mut() {
            for sample in channel.iter_mut() {
                *sample *= gain;
            }
        }
    }
}

#[derive(Default)]
pub struct InputGain;

impl Processor for InputGain {
    const ID: &'static str = "input_gain";
    const PARAMS: &'static [ParamSpec] =
        &[ParamSpec::float("level", "Input Level", -24.0, 24.0, 0.0).unit("dB")];

    fn process(&mut self, audio: &mut [&mut [f32]], params: &ParamValues<'_>) {
        Gain.process(audio, params);
    }
}

/// Adds a constant; has one parameter of each kind.
#[derive(Default)]
pub struct Offset;

impl Processor for Offset {
    const ID: &'static str = "offset";
    const PARAMS: &'static [ParamSpec] = &[
        ParamSpec::bool("enabled", "Enabled", true),
        ParamSpec::choice("amount", "Amount", &["Small \"0.1\"", "Large"], 0).group("Tone"),
        ParamSpec::float("scale", "Scale", 0.0, 10.0, 1.0).skew(0.5),
    ];

    fn process(&mut self, audio: &mut [&mut [f32]], params: &ParamValues<'_>) {
        if !params.bool("enabled") {
            return;
        }
        let amount = [0.1, 1.0][params.choice("amount")] * params.float("scale");
        for channel in audio.iter_mut() {
            for sample in channel.iter_mut() {
                *sample += amount;
            }
        }
    }
}
