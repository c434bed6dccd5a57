//! Numerical checks of the default signal chain, run with `cargo test`.

use std::f32::consts::PI;

use wavecraft::Engine;
use %%lib_name%%::Signal;

const SAMPLE_RATE: f32 = 48_000.0;

fn sine(frequency: f32, amplitude: f32, len: usize) -> Vec<f32> {
    (0..len).map(|n| amplitude * (2.0 * PI * frequency * n as f32 / SAMPLE_RATE).sin()).collect()
}

fn rms(samples: &[f32]) -> f32 {
    (samples.iter().map(|s| s * s).sum::<f32>() / samples.len() as f32).sqrt()
}

/// Runs `input` (one channel, duplicated to stereo) through `engine` in 256-sample blocks
/// and returns the left channel, after checking both channels match.
fn run(engine: &mut Engine<Signal>, input: &[f32]) -> Vec<f32> {
    let mut left = input.to_vec();
    let mut right = input.to_vec();
    for (l, r) in left.chunks_mut(256).zip(right.chunks_mut(256)) {
        engine.process(&mut [l, r]);
    }
    assert_eq!(left, right, "stereo channels must be processed alike");
    left
}

/// RMS of the second half (after the filter has settled) relative to the input's.
fn gain_of(engine: &mut Engine<Signal>, frequency: f32) -> f32 {
    let input = sine(frequency, 0.5, 9_600);
    let output = run(engine, &input);
    rms(&output[4_800..]) / rms(&input[4_800..])
}

fn db(gain: f32) -> f32 {
    20.0 * gain.log10()
}

#[test]
fn ids_are_as_documented() {
    wavecraft::validate::<Signal>().unwrap();
    let ids: Vec<String> = wavecraft::param_infos::<Signal>().into_iter().map(|p| p.id).collect();
    assert_eq!(
        ids,
        [
            "input_gain_level",
            "filter_enabled",
            "filter_mode",
            "filter_cutoff",
            "output_gain_level",
            "output_gain_invert",
        ]
    );
}

#[test]
fn default_low_pass_keeps_lows_and_cuts_highs() {
    let mut engine = Engine::<Signal>::new(SAMPLE_RATE);
    let low = gain_of(&mut engine, 100.0);
    engine.reset();
    let high = gain_of(&mut engine, 10_000.0);
    assert!(db(low).abs() < 0.5, "100 Hz through a 1 kHz low-pass: {} dB", db(low));
    assert!(db(high) < -35.0, "10 kHz through a 1 kHz low-pass: {} dB", db(high));
}

#[test]
fn cutoff_is_minus_3_db() {
    let mut engine = Engine::<Signal>::new(SAMPLE_RATE);
    let at_cutoff = gain_of(&mut engine, 1_000.0);
    assert!((db(at_cutoff) + 3.01).abs() < 0.3, "{} dB at the cutoff", db(at_cutoff));
}

#[test]
fn high_pass_removes_dc_and_keeps_highs() {
    let mut engine = Engine::<Signal>::new(SAMPLE_RATE);
    engine.set("filter_mode", 1.0).unwrap();
    let output = run(&mut engine, &vec![0.5; 9_600]);
    assert!(output[4_800..].iter().all(|s| s.abs() < 1e-3), "DC leaks through the high-pass");
    engine.reset();
    assert!(db(gain_of(&mut engine, 10_000.0)).abs() < 0.5);
}

#[test]
fn band_pass_peaks_at_the_cutoff() {
    let mut engine = Engine::<Signal>::new(SAMPLE_RATE);
    engine.set("filter_mode", 2.0).unwrap();
    engine.set("filter_cutoff", 2_000.0).unwrap();
    let center = gain_of(&mut engine, 2_000.0);
    engine.reset();
    let far = gain_of(&mut engine, 100.0);
    assert!(db(center).abs() < 0.5, "{} dB at the centre", db(center));
    assert!(db(far) < -20.0, "{} dB far below the centre", db(far));
}

#[test]
fn disabled_filter_and_unity_gains_pass_audio_unchanged() {
    let mut engine = Engine::<Signal>::new(SAMPLE_RATE);
    engine.set("filter_enabled", 0.0).unwrap();
    let input = sine(10_000.0, 0.5, 1_024);
    assert_eq!(run(&mut engine, &input), input);
}

#[test]
fn gains_are_in_decibels_and_invert_flips_the_phase() {
    let mut engine = Engine::<Signal>::new(SAMPLE_RATE);
    engine.set("filter_enabled", 0.0).unwrap();
    engine.set("input_gain_level", 12.0).unwrap();
    engine.set("output_gain_level", -6.0).unwrap();
    engine.set("output_gain_invert", 1.0).unwrap();
    let output = run(&mut engine, &vec![0.25; 512]);
    let expected = -0.25 * 10f32.powf(6.0 / 20.0);
    assert!(output.iter().all(|s| (s - expected).abs() < 1e-5), "{:?}", &output[..4]);
}

#[test]
fn gain_changes_are_ramped_not_stepped() {
    let mut engine = Engine::<Signal>::new(SAMPLE_RATE);
    engine.set("filter_enabled", 0.0).unwrap();
    run(&mut engine, &[1.0; 256]);
    engine.set("input_gain_level", -24.0).unwrap();
    let block = run(&mut engine, &[1.0; 256]);
    assert!(block[0] > 0.9, "first sample after a change should be near the old gain");
    assert!((block[255] - 10f32.powf(-24.0 / 20.0)).abs() < 1e-5, "last sample reaches the new gain");
    assert!(block.windows(2).all(|w| w[1] <= w[0]), "monotonic ramp");
}

/// Largest difference between two neighbouring samples.
fn max_step(samples: &[f32]) -> f32 {
    samples.windows(2).map(|w| (w[1] - w[0]).abs()).fold(0.0, f32::max)
}

/// A cutoff jump (100 Hz to 20 kHz, as automation or a knob can do) glides: the output
/// never steps further between two samples than the input itself does. (Unsmoothed, the
/// low-passed output jumps to the full input at once.)
#[test]
fn cutoff_jumps_are_smoothed_not_stepped() {
    let mut engine = Engine::<Signal>::new(SAMPLE_RATE);
    engine.set("filter_cutoff", 100.0).unwrap();
    let input = sine(1_000.0, 0.5, 9_600);
    let mut output = run(&mut engine, &input[..4_850]);
    engine.set("filter_cutoff", 20_000.0).unwrap();
    output.extend(run(&mut engine, &input[4_850..]));
    let bound = 1.2 * max_step(&input);
    assert!(max_step(&output) <= bound, "a step of {} (bound {bound})", max_step(&output));
}

/// Signal, then silence, through the low-pass: the filter's decaying state must flush to
/// zero (the SDK's process sets flush-to-zero), never put subnormal samples out. Subnormals
/// cost a CPU spike in a host, and clap-validator fails a plugin that outputs them.
#[test]
fn silence_after_signal_has_no_subnormal_output() {
    let mut engine = Engine::<Signal>::new(SAMPLE_RATE);
    engine.set("filter_cutoff", 200.0).unwrap();
    let mut input = sine(440.0, 0.5, 4_800);
    input.resize(4_800 + 2 * SAMPLE_RATE as usize, 0.0);
    let output = run(&mut engine, &input);
    assert!(rms(&output[..4_800]) > 0.01, "the signal must get through first");
    let subnormal: Vec<usize> = (0..output.len()).filter(|&i| output[i].is_subnormal()).collect();
    assert!(
        subnormal.is_empty(),
        "{} subnormal output samples after the signal stopped, the first at sample {}",
        subnormal.len(),
        subnormal[0]
    );
}
