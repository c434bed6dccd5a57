//! Numerical checks of the instrument, run with `cargo test`: pitch, envelope, polyphony.

use wavecraft::{Engine, Note, NoteEvent};
use %%lib_name%%::processors::{note_hz, VOICES};
use %%lib_name%%::Signal;

const SAMPLE_RATE: f32 = 48_000.0;

fn on(offset: u32, note: u8) -> NoteEvent {
    NoteEvent::new(offset, Note::On { channel: 0, note, velocity: 1.0 })
}

fn off(offset: u32, note: u8) -> NoteEvent {
    NoteEvent::new(offset, Note::Off { channel: 0, note, velocity: 0.0 })
}

/// Renders `frames` samples (stereo, 256-sample blocks) with `events` at absolute offsets;
/// returns the left channel after checking both channels match.
fn render(engine: &mut Engine<Signal>, frames: usize, events: &[NoteEvent]) -> Vec<f32> {
    let mut left = vec![0.0; frames];
    let mut right = vec![0.0; frames];
    for (block, (l, r)) in left.chunks_mut(256).zip(right.chunks_mut(256)).enumerate() {
        let start = (block * 256) as u32;
        let here: Vec<NoteEvent> = events
            .iter()
            .filter(|e| e.offset >= start && e.offset < start + 256)
            .map(|e| NoteEvent::new(e.offset - start, e.note))
            .collect();
        engine.process_with_notes(&mut [l, r], &here);
    }
    assert_eq!(left, right, "stereo channels must be alike");
    left
}

fn rms(samples: &[f32]) -> f32 {
    (samples.iter().map(|s| s * s).sum::<f32>() / samples.len().max(1) as f32).sqrt()
}

fn sine_engine() -> Engine<Signal> {
    let mut engine = Engine::<Signal>::new(SAMPLE_RATE);
    engine.set("synth_waveform", 0.0).unwrap(); // sine: one partial, easy to count
    engine.set("filter_enabled", 0.0).unwrap();
    engine
}

#[test]
fn ids_are_as_documented() {
    wavecraft::validate::<Signal>().unwrap();
    let ids: Vec<String> = wavecraft::param_infos::<Signal>().into_iter().map(|p| p.id).collect();
    assert_eq!(
        ids,
        [
            "synth_waveform",
            "synth_attack",
            "synth_decay",
            "synth_sustain",
            "synth_release",
            "filter_enabled",
            "filter_mode",
            "filter_cutoff",
            "output_gain_level",
            "output_gain_invert",
        ]
    );
}

#[test]
fn silent_without_notes() {
    let mut engine = Engine::<Signal>::new(SAMPLE_RATE);
    assert!(render(&mut engine, 4_800, &[]).iter().all(|&s| s == 0.0));
}

#[test]
fn a_note_sounds_at_its_pitch_from_its_sample() {
    let mut engine = sine_engine();
    let out = render(&mut engine, 48_000, &[on(1_000, 69)]);
    assert!(out[..1_000].iter().all(|&s| s == 0.0), "nothing before the note-on");
    assert!(out[1_000..1_010].iter().any(|&s| s != 0.0), "sound from the note-on's sample");
    // Rising zero crossings over the last half second: 440 Hz.
    let tail = &out[24_000..];
    let crossings = tail.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
    assert!((crossings as f32 - 220.0).abs() <= 1.0, "{crossings} crossings in 0.5 s");
    assert!((note_hz(60.0) - 261.6256).abs() < 1e-3);
}

#[test]
fn release_ends_the_note_in_the_release_time() {
    let mut engine = sine_engine();
    engine.set("synth_release", 100.0).unwrap();
    let out = render(&mut engine, 24_000, &[on(0, 60), off(9_600, 60)]);
    assert!(rms(&out[8_000..9_600]) > 0.05, "held at the sustain level");
    assert!(rms(&out[9_600..10_000]) > 0.01, "the release is a fade, not a cut");
    // 100 ms = 4,800 samples after the note-off: silent.
    assert!(out[9_600 + 4_800 + 1..].iter().all(|&s| s == 0.0));
}

#[test]
fn more_notes_than_voices_steal_without_a_click() {
    let mut engine = sine_engine();
    let notes: Vec<NoteEvent> = (0..VOICES as u32 + 4).map(|i| on(i * 480, 48 + i as u8)).collect();
    let out = render(&mut engine, 24_000, &notes);
    let step = out.windows(2).map(|w| (w[1] - w[0]).abs()).fold(0.0, f32::max);
    // Sines up to ~200 Hz at 0.2 each: the natural step is small; a click is a jump.
    assert!(step < 0.1, "largest step {step}");
    assert!(out.iter().all(|s| s.is_finite() && s.abs() < 4.0));
}
