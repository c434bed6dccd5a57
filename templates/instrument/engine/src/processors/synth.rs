//! A small polyphonic synthesizer: 16 voices, each an oscillator (sine, saw, square or
//! triangle; saw and square band-limited with PolyBLEP) through its own ADSR envelope.
//! A note beyond 16 steals a voice: the quietest releasing one, else the oldest. The
//! stolen voice keeps its phase and starts its attack from its current level, so a steal
//! does not click. The channel's pitch bend moves every voice by up to two semitones.

use std::f32::consts::TAU;

use wavecraft::prelude::*;

/// Voices sounding at once.
pub const VOICES: usize = 16;
/// Pitch bend range, in semitones each way.
pub const BEND_SEMITONES: f32 = 2.0;
/// Output of one voice at full velocity: 16 voices at full scale stay below clipping
/// after the filter's resonance most of the time; the output gain trims the rest.
const VOICE_LEVEL: f32 = 0.2;

/// The `waveform` parameter's variants, by index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Waveform {
    Sine = 0,
    Saw = 1,
    Square = 2,
    Triangle = 3,
}

impl Waveform {
    pub const NAMES: &'static [&'static str] = &["Sine", "Saw", "Square", "Triangle"];

    fn from_index(index: usize) -> Self {
        match index {
            1 => Self::Saw,
            2 => Self::Square,
            3 => Self::Triangle,
            _ => Self::Sine,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Idle,
    Attack,
    Decay,
    Sustain,
    Release,
}

/// Per-sample envelope increments, from the ADSR parameters.
#[derive(Clone, Copy)]
struct Rates {
    attack: f32,
    decay: f32,
    sustain: f32,
    release: f32,
}

#[derive(Clone, Copy)]
struct Voice {
    stage: Stage,
    note: u8,
    channel: u8,
    velocity: f32,
    level: f32,
    phase: f32,
    /// Note-on counter value when the voice started: lower is older.
    age: u64,
}

impl Voice {
    const IDLE: Self =
        Self { stage: Stage::Idle, note: 0, channel: 0, velocity: 0.0, level: 0.0, phase: 0.0, age: 0 };

    fn envelope(&mut self, rates: &Rates) -> f32 {
        match self.stage {
            Stage::Idle => {}
            Stage::Attack => {
                self.level += rates.attack;
                if self.level >= 1.0 {
                    self.level = 1.0;
                    self.stage = Stage::Decay;
                }
            }
            Stage::Decay => {
                self.level -= rates.decay;
                if self.level <= rates.sustain {
                    self.level = rates.sustain;
                    self.stage = Stage::Sustain;
                }
            }
            Stage::Sustain => self.level = rates.sustain,
            Stage::Release => {
                self.level -= rates.release;
                if self.level <= 0.0 {
                    self.level = 0.0;
                    self.stage = Stage::Idle;
                }
            }
        }
        self.level
    }
}

/// PolyBLEP: the band-limited correction of a unit step at phase 0 (`t` in 0..1, `dt` the
/// phase increment per sample).
fn poly_blep(t: f32, dt: f32) -> f32 {
    if t < dt {
        let x = t / dt;
        x + x - x * x - 1.0
    } else if t > 1.0 - dt {
        let x = (t - 1.0) / dt;
        x * x + x + x + 1.0
    } else {
        0.0
    }
}

fn oscillator(waveform: Waveform, phase: f32, dt: f32) -> f32 {
    match waveform {
        Waveform::Sine => (TAU * phase).sin(),
        Waveform::Saw => 2.0 * phase - 1.0 - poly_blep(phase, dt),
        Waveform::Square => {
            let naive = if phase < 0.5 { 1.0 } else { -1.0 };
            naive + poly_blep(phase, dt) - poly_blep((phase + 0.5) % 1.0, dt)
        }
        Waveform::Triangle => 1.0 - 4.0 * (phase - 0.5).abs(),
    }
}

/// MIDI note number to Hz (A4 = note 69 = 440 Hz).
pub fn note_hz(note: f32) -> f32 {
    440.0 * 2f32.powf((note - 69.0) / 12.0)
}

/// The synth stage: writes its voices into every channel (the input is replaced).
pub struct Synth {
    sample_rate: f32,
    voices: [Voice; VOICES],
    started: u64,
    /// Pitch bend per MIDI channel, -1..1.
    bend: [f32; 16],
}

impl Default for Synth {
    fn default() -> Self {
        Self { sample_rate: 48_000.0, voices: [Voice::IDLE; VOICES], started: 0, bend: [0.0; 16] }
    }
}

impl Synth {
    const WAVEFORM: Param = Param::of(<Self as Processor>::PARAMS, "waveform");
    const ATTACK: Param = Param::of(<Self as Processor>::PARAMS, "attack");
    const DECAY: Param = Param::of(<Self as Processor>::PARAMS, "decay");
    const SUSTAIN: Param = Param::of(<Self as Processor>::PARAMS, "sustain");
    const RELEASE: Param = Param::of(<Self as Processor>::PARAMS, "release");

    /// Voices not idle.
    pub fn active_voices(&self) -> usize {
        self.voices.iter().filter(|v| v.stage != Stage::Idle).count()
    }

    fn start(&mut self, channel: u8, note: u8, velocity: f32) {
        self.started += 1;
        let index = self.free_or_stolen();
        let started = self.started;
        if let Some(voice) = self.voices.get_mut(index) {
            // Phase and level carry over from a stolen voice: no jump in the output.
            *voice = Voice { stage: Stage::Attack, note, channel, velocity, age: started, ..*voice };
        }
    }

    fn free_or_stolen(&self) -> usize {
        let by = |pick: &dyn Fn(&Voice) -> Option<f32>| {
            self.voices
                .iter()
                .enumerate()
                .filter_map(|(i, voice)| pick(voice).map(|key| (i, key)))
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(i, _)| i)
        };
        by(&|v| (v.stage == Stage::Idle).then_some(0.0))
            .or_else(|| by(&|v| (v.stage == Stage::Release).then_some(v.level)))
            .or_else(|| by(&|v| Some(v.age as f32)))
            .unwrap_or(0)
    }

    fn release(&mut self, channel: u8, note: Option<u8>) {
        for voice in &mut self.voices {
            let held = matches!(voice.stage, Stage::Attack | Stage::Decay | Stage::Sustain);
            if held && voice.channel == channel && note.is_none_or(|n| n == voice.note) {
                voice.stage = Stage::Release;
            }
        }
    }

    fn rates(&self, params: &ParamValues<'_>) -> Rates {
        let per_sample = |ms: f32| 1.0 / (ms * 0.001 * self.sample_rate).max(1.0);
        let sustain = params.float(Self::SUSTAIN).clamp(0.0, 1.0);
        Rates {
            attack: per_sample(params.float(Self::ATTACK)),
            decay: per_sample(params.float(Self::DECAY)) * (1.0 - sustain).max(1e-3),
            sustain,
            release: per_sample(params.float(Self::RELEASE)),
        }
    }
}

impl Processor for Synth {
    const ID: &'static str = "synth";
    const PARAMS: &'static [ParamSpec] = &[
        ParamSpec::choice("waveform", "Waveform", Waveform::NAMES, Waveform::Saw as usize)
            .group("Oscillator"),
        ParamSpec::float("attack", "Attack", 1.0, 2_000.0, 5.0).unit("ms").skew(0.3).group("Envelope"),
        ParamSpec::float("decay", "Decay", 1.0, 2_000.0, 200.0).unit("ms").skew(0.3).group("Envelope"),
        ParamSpec::float("sustain", "Sustain", 0.0, 1.0, 0.7).group("Envelope"),
        ParamSpec::float("release", "Release", 1.0, 5_000.0, 300.0).unit("ms").skew(0.3).group("Envelope"),
    ];
    const NOTES: bool = true;

    fn set_sample_rate(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate;
    }

    fn reset(&mut self) {
        self.voices = [Voice::IDLE; VOICES];
        self.bend = [0.0; 16];
    }

    fn note(&mut self, note: &Note) {
        match *note {
            Note::On { channel, note, velocity } if velocity > 0.0 => self.start(channel, note, velocity),
            Note::On { channel, note, .. } | Note::Off { channel, note, .. } => {
                self.release(channel, Some(note));
            }
            Note::AllNotesOff { channel } => self.release(channel, None),
            Note::PitchBend { channel, value } => {
                if let Some(bend) = self.bend.get_mut(usize::from(channel)) {
                    *bend = value;
                }
            }
            _ => {}
        }
    }

    fn process(&mut self, audio: &mut [&mut [f32]], params: &ParamValues<'_>) {
        let waveform = Waveform::from_index(params.choice(Self::WAVEFORM));
        let rates = self.rates(params);
        let frames = audio.first().map_or(0, |channel| channel.len());
        // Pitch only changes between calls (notes and bends arrive between them).
        let mut steps = [0.0_f32; VOICES];
        for (step, voice) in steps.iter_mut().zip(&self.voices) {
            let bend = self.bend[usize::from(voice.channel & 0x0f)] * BEND_SEMITONES;
            *step = (note_hz(f32::from(voice.note) + bend) / self.sample_rate).min(0.5);
        }
        for n in 0..frames {
            let mut sum = 0.0;
            for (voice, &dt) in self.voices.iter_mut().zip(&steps) {
                if voice.stage == Stage::Idle {
                    continue;
                }
                sum += oscillator(waveform, voice.phase, dt) * voice.envelope(&rates) * voice.velocity;
                voice.phase += dt;
                if voice.phase >= 1.0 {
                    voice.phase -= 1.0;
                }
            }
            for channel in audio.iter_mut() {
                if let Some(sample) = channel.get_mut(n) {
                    *sample = VOICE_LEVEL * sum;
                }
            }
        }
    }
}
