//! Small processors shared by the SDK's tests.
#![allow(dead_code)]

use wavecraft::{Note, Param, ParamSpec, ParamValues, Processor};

#[derive(Default)]
pub struct Gain;

impl Gain {
    const LEVEL: Param = Param::of(<Self as Processor>::PARAMS, "level");
}

impl Processor for Gain {
    const ID: &'static str = "gain";
    const PARAMS: &'static [ParamSpec] =
        &[ParamSpec::float("level", "Level", -24.0, 24.0, 0.0).unit("dB")];

    fn process(&mut self, audio: &mut [&mut [f32]], params: &ParamValues<'_>) {
        let gain = 10f32.powf(params.float(Self::LEVEL) / 20.0);
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

impl Offset {
    const ENABLED: Param = Param::of(<Self as Processor>::PARAMS, "enabled");
    const AMOUNT: Param = Param::of(<Self as Processor>::PARAMS, "amount");
    const SCALE: Param = Param::of(<Self as Processor>::PARAMS, "scale");
}

impl Processor for Offset {
    const ID: &'static str = "offset";
    const PARAMS: &'static [ParamSpec] = &[
        ParamSpec::bool("enabled", "Enabled", true),
        ParamSpec::choice("amount", "Amount", &["Small \"0.1\"", "Large"], 0).group("Tone"),
        ParamSpec::float("scale", "Scale", 0.0, 10.0, 1.0).skew(0.5),
    ];

    fn process(&mut self, audio: &mut [&mut [f32]], params: &ParamValues<'_>) {
        if !params.bool(Self::ENABLED) {
            return;
        }
        let amount = [0.1, 1.0][params.choice(Self::AMOUNT).min(1)] * params.float(Self::SCALE);
        for channel in audio.iter_mut() {
            for sample in channel.iter_mut() {
                *sample += amount;
            }
        }
    }
}

/// A one-voice "synth": while a note is held, every sample is its velocity (plus the
/// channel's pitch bend), so a test can see exactly where each event landed.
#[derive(Default)]
pub struct Gate {
    level: f32,
    bend: f32,
}

impl Processor for Gate {
    const ID: &'static str = "gate";
    const PARAMS: &'static [ParamSpec] = &[];
    const NOTES: bool = true;

    fn note(&mut self, note: &Note) {
        match *note {
            Note::On { velocity, .. } => self.level = velocity,
            Note::Off { .. } | Note::AllNotesOff { .. } => self.level = 0.0,
            Note::PitchBend { value, .. } => self.bend = value,
            _ => {}
        }
    }

    fn process(&mut self, audio: &mut [&mut [f32]], _: &ParamValues<'_>) {
        for channel in audio.iter_mut() {
            channel.fill(self.level + self.bend);
        }
    }
}
