//! Chains of 2, 3 and 4 processors (with repeats) give unique `<processor>_<param>` ids.

mod common;

use common::{Gain, InputGain, Offset};
use wavecraft::{
    param_infos, params_json, processor_ids, processors_json, validate, Engine, Signal, SignalChain,
};

fn ids<S: Signal>() -> Vec<String> {
    param_infos::<S>().into_iter().map(|info| info.id).collect()
}

#[test]
fn single_processor() {
    assert_eq!(ids::<Gain>(), ["gain_level"]);
    assert_eq!(processor_ids::<Gain>(), ["gain"]);
}

#[test]
fn chain_of_two_same_type() {
    type S = SignalChain![Gain, Gain];
    assert_eq!(ids::<S>(), ["gain_level", "gain_2_level"]);
    assert_eq!(processor_ids::<S>(), ["gain", "gain_2"]);
    let names: Vec<String> = param_infos::<S>().into_iter().map(|info| info.name).collect();
    assert_eq!(names, ["Level", "Level 2"]);
    validate::<S>().unwrap();
}

#[test]
fn chain_of_three() {
    type S = SignalChain![InputGain, Offset, Gain];
    assert_eq!(
        ids::<S>(),
        ["input_gain_level", "offset_enabled", "offset_amount", "offset_scale", "gain_level"]
    );
    validate::<S>().unwrap();
}

#[test]
fn chain_of_four_with_repeats() {
    type S = SignalChain![InputGain, Gain, InputGain, Gain];
    assert_eq!(
        ids::<S>(),
        ["input_gain_level", "gain_level", "input_gain_2_level", "gain_2_level"]
    );
    assert_eq!(processor_ids::<S>(), ["input_gain", "gain", "input_gain_2", "gain_2"]);
    assert_eq!(
        processors_json::<S>(),
        r#"[{"id":"input_gain"},{"id":"gain"},{"id":"input_gain_2"},{"id":"gain_2"}]"#
    );
    validate::<S>().unwrap();
}

#[test]
fn three_of_a_kind() {
    type S = SignalChain![Gain, Gain, Gain];
    assert_eq!(ids::<S>(), ["gain_level", "gain_2_level", "gain_3_level"]);
}

#[test]
fn json_has_every_field() {
    type S = SignalChain![Gain, Offset];
    assert_eq!(
        params_json::<S>(),
        concat!(
            r#"[{"id":"gain_level","name":"Level","type":"float","value":0.0,"default":0.0,"min":-24.0,"max":24.0,"unit":"dB"},"#,
            r#"{"id":"offset_enabled","name":"Enabled","type":"bool","value":1.0,"default":1.0,"min":0.0,"max":1.0},"#,
            r#"{"id":"offset_amount","name":"Amount","type":"enum","value":0.0,"default":0.0,"min":0.0,"max":1.0,"group":"Tone","variants":["Small \"0.1\"","Large"]},"#,
            r#"{"id":"offset_scale","name":"Scale","type":"float","value":1.0,"default":1.0,"min":0.0,"max":10.0}]"#,
        )
    );
}

#[test]
fn values_reach_the_right_processor() {
    type S = SignalChain![Gain, Offset, Gain];
    let mut engine = Engine::<S>::new(48_000.0);
    engine.set("gain_level", 20.0).unwrap(); // x10
    engine.set("offset_amount", 1.0).unwrap(); // +1 * scale 1
    engine.set("gain_2_level", -20.0).unwrap(); // x0.1
    let mut left = [1.0_f32; 8];
    let mut right = [0.5_f32; 8];
    engine.process(&mut [&mut left[..], &mut right[..]]);
    for sample in left {
        assert!((sample - 1.1).abs() < 1e-4, "{sample}");
    }
    for sample in right {
        assert!((sample - 0.6).abs() < 1e-4, "{sample}");
    }
    assert!(engine.set("nope", 1.0).unwrap_err().contains("gain_2_level"));
}

#[test]
fn values_are_sanitised() {
    let mut engine = Engine::<Offset>::new(48_000.0);
    engine.set_plain_values(&[0.7, 5.6, 99.0, 123.0]);
    assert_eq!(engine.values(), [1.0, 1.0, 10.0]);
    engine.set_plain_values(&[f32::NAN]);
    assert_eq!(engine.values(), [1.0, 1.0, 10.0]);
}

#[test]
fn duplicate_ids_are_reported() {
    #[derive(Default)]
    struct Gain2;
    impl wavecraft::Processor for Gain2 {
        const ID: &'static str = "gain_2";
        const PARAMS: &'static [wavecraft::ParamSpec] =
            &[wavecraft::ParamSpec::bool("level", "Level", false)];
        fn process(&mut self, _: &mut [&mut [f32]], _: &wavecraft::ParamValues<'_>) {}
    }
    type S = SignalChain![Gain, Gain2, Gain];
    let error = validate::<S>().unwrap_err();
    assert!(error.contains("duplicate parameter id `gain_2_level`"), "{error}");
}
