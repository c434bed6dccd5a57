//! The macro's C functions and the dev vtable, called like a C caller would.

mod common;

use std::ffi::CStr;

use common::{Gain, Offset};
use wavecraft::{SignalChain, DEV_OK, DEV_PANICKED, DEV_VTABLE_VERSION};

wavecraft::wavecraft_plugin! {
    /// A test plugin.
    pub struct FfiTest {
        name: "FFI Test",
        vendor: "Wavecraft",
        url: "https://example.com",
        email: "dev@example.com",
        version: "9.9.9",
        description: "Tests the exports",
        clap_id: "com.wavecraft.ffi-test",
        vst3_id: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
        signal: SignalChain![Gain, Offset],
    }
}

use __wavecraft_generated::*;

#[test]
fn json_getters_return_owned_strings() {
    let params = wavecraft_get_params_json();
    let text = unsafe { CStr::from_ptr(params) }.to_str().unwrap().to_owned();
    unsafe { wavecraft_free_string(params) };
    assert!(text.starts_with(r#"[{"id":"gain_level""#), "{text}");
    let processors = wavecraft_get_processors_json();
    let text = unsafe { CStr::from_ptr(processors) }.to_str().unwrap().to_owned();
    unsafe { wavecraft_free_string(processors) };
    assert_eq!(text, r#"[{"id":"gain"},{"id":"offset"}]"#);
}

#[test]
fn metadata_reaches_nice_plug() {
    use wavecraft::nice_plug::prelude::{ClapPlugin, Plugin, Vst3Plugin};
    assert_eq!(<FfiTest as Plugin>::NAME, "FFI Test");
    assert_eq!(<FfiTest as Plugin>::VERSION, "9.9.9");
    assert_eq!(<FfiTest as ClapPlugin>::CLAP_DESCRIPTION, Some("Tests the exports"));
    assert_eq!(<FfiTest as Vst3Plugin>::VST3_CLASS_ID[15], 16);
    let plugin = FfiTest::default();
    let map = plugin.params().param_map();
    let ids: Vec<&str> = map.iter().map(|(id, _, _)| id.as_str()).collect();
    assert_eq!(ids, ["gain_level", "offset_enabled", "offset_amount", "offset_scale"]);
    // The enum shows its variant name, the float its unit.
    let (_, amount, group) = &map[2];
    assert_eq!(group, "Tone");
    assert_eq!(unsafe { amount.normalized_value_to_string(1.0, false) }, "Large");
    let (_, level, _) = &map[0];
    assert_eq!(unsafe { level.normalized_value_to_string(0.5, true) }, "0.00 dB");
    assert_eq!(unsafe { level.string_to_normalized_value("24 dB") }, Some(1.0));
}

#[test]
fn dev_vtable_processes_audio() {
    let vtable = wavecraft_dev_create_processor();
    assert_eq!(vtable.version, DEV_VTABLE_VERSION);
    assert_eq!(vtable.version, 4);
    assert_eq!(vtable.notes, 0, "an effect without note processors takes no notes");
    let instance = (vtable.create)(std::ptr::null_mut(), 0);
    assert!(!instance.is_null());
    (vtable.set_sample_rate)(instance, 44_100.0);
    // gain +20 dB, offset on, "Large" (1.0) x scale 2
    let values = [20.0_f32, 1.0, 1.0, 2.0];
    (vtable.apply_plain_values)(instance, values.as_ptr(), values.len());
    let mut left = vec![0.1_f32; 64];
    let mut right = vec![-0.1_f32; 64];
    let mut channels = [left.as_mut_ptr(), right.as_mut_ptr()];
    assert_eq!((vtable.process)(instance, channels.as_mut_ptr(), 2, 64, std::ptr::null(), 0), DEV_OK);
    assert!(left.iter().all(|s| (s - 3.0).abs() < 1e-5), "{left:?}");
    assert!(right.iter().all(|s| (s - 1.0).abs() < 1e-5), "{right:?}");
    (vtable.reset)(instance);
    // Null pointers are ignored, not dereferenced.
    (vtable.process)(instance, std::ptr::null_mut(), 2, 64, std::ptr::null(), 0);
    (vtable.process)(std::ptr::null_mut(), channels.as_mut_ptr(), 2, 64, std::ptr::null(), 0);
    (vtable.apply_plain_values)(instance, std::ptr::null(), 4);
    (vtable.drop)(instance);
    (vtable.drop)(std::ptr::null_mut());
}

#[test]
fn panics_do_not_cross_ffi() {
    #[derive(Default)]
    struct Panics;
    impl wavecraft::Processor for Panics {
        const ID: &'static str = "panics";
        const PARAMS: &'static [wavecraft::ParamSpec] = &[];
        fn process(&mut self, _: &mut [&mut [f32]], _: &wavecraft::ParamValues<'_>) {
            panic!("boom");
        }
    }
    let vtable = wavecraft::__private::dev_vtable::<Panics>();
    let instance = (vtable.create)(std::ptr::null_mut(), 0);
    let mut left = vec![0.0_f32; 4];
    let mut channels = [left.as_mut_ptr()];
    // Must return, not unwind, and say so as data: the status, then the message.
    assert_eq!((vtable.process)(instance, channels.as_mut_ptr(), 1, 4, std::ptr::null(), 0), DEV_PANICKED);
    let mut buf = [0_u8; 64];
    let len = (vtable.last_error)(instance, buf.as_mut_ptr().cast(), buf.len());
    assert_eq!(len, 4);
    assert_eq!(&buf[..5], b"boom\0");
    // Truncated to the buffer, NUL-terminated, full length returned.
    let mut small = [0xff_u8; 3];
    assert_eq!((vtable.last_error)(instance, small.as_mut_ptr().cast(), small.len()), 4);
    assert_eq!(&small, b"bo\0");
    (vtable.drop)(instance);
}

#[test]
fn a_panic_in_create_is_returned_in_the_callers_buffer() {
    struct PanicsOnCreate;
    impl Default for PanicsOnCreate {
        fn default() -> Self {
            panic!("no instance today");
        }
    }
    impl wavecraft::Processor for PanicsOnCreate {
        const ID: &'static str = "panics_on_create";
        const PARAMS: &'static [wavecraft::ParamSpec] = &[];
        fn process(&mut self, _: &mut [&mut [f32]], _: &wavecraft::ParamValues<'_>) {}
    }
    let vtable = wavecraft::__private::dev_vtable::<PanicsOnCreate>();
    let mut buf = [0xff_u8; 64];
    let instance = (vtable.create)(buf.as_mut_ptr().cast(), buf.len());
    assert!(instance.is_null());
    let end = buf.iter().position(|&b| b == 0).unwrap();
    assert_eq!(&buf[..end], b"no instance today");
}
