//! Note events through the dev vtable and the host wrapper's metadata: sample-accurate
//! delivery, the C event layout, an instrument's layouts and note port.

mod common;

use common::{Gain, Gate};
use wavecraft::{
    DevNoteEvent, Engine, Note, NoteEvent, PluginKind, SignalChain, DEV_NOTE_CC, DEV_NOTE_OFF,
    DEV_NOTE_ON, DEV_NOTE_PITCH_BEND, DEV_OK,
};

type Synth = SignalChain![Gate, Gain];

wavecraft::wavecraft_plugin! {
    pub struct NotesTest {
        name: "Notes Test",
        vendor: "Wavecraft",
        url: "https://example.com",
        email: "dev@example.com",
        kind: Instrument,
        clap_id: "com.wavecraft.notes-test",
        vst3_id: *b"WavecraftNotesTs",
        signal: Synth,
    }
}

fn dev(offset: u32, kind: u8, data: u8, value: f32) -> DevNoteEvent {
    DevNoteEvent { offset, kind, channel: 0, data, reserved: 0, value }
}

#[test]
fn dev_vtable_delivers_events_on_their_sample() {
    let vtable = __wavecraft_generated::wavecraft_dev_create_processor();
    assert_eq!(vtable.notes, 1);
    assert_eq!(std::mem::size_of::<DevNoteEvent>(), 12, "the C layout the hosts declare");
    let instance = (vtable.create)(std::ptr::null_mut(), 0);
    let mut left = [7.0_f32; 16];
    let mut right = [7.0_f32; 16];
    let mut channels = [left.as_mut_ptr(), right.as_mut_ptr()];
    let events = [
        dev(4, DEV_NOTE_ON, 60, 0.5),
        dev(8, DEV_NOTE_PITCH_BEND, 0, 0.25),
        dev(10, DEV_NOTE_CC, 1, 0.3), // ignored by Gate, still splits nothing visible
        dev(12, DEV_NOTE_OFF, 60, 0.0),
        dev(13, 250, 60, 1.0), // unknown kind: dropped
    ];
    let status = (vtable.process)(instance, channels.as_mut_ptr(), 2, 16, events.as_ptr(), events.len());
    assert_eq!(status, DEV_OK);
    let expected = [0.0, 0.0, 0.0, 0.0, 0.5, 0.5, 0.5, 0.5, 0.75, 0.75, 0.75, 0.75, 0.25, 0.25, 0.25, 0.25];
    assert_eq!(left, expected);
    assert_eq!(right, expected);
    // More channels than the SDK handles: nothing is touched, nothing is read.
    let mut many = [left.as_mut_ptr(); 33];
    assert_eq!((vtable.process)(instance, many.as_mut_ptr(), 33, 16, std::ptr::null(), 0), DEV_OK);
    (vtable.drop)(instance);
}

#[test]
fn engine_runs_notes_through_the_chain() {
    let mut engine = Engine::<Synth>::new(48_000.0);
    engine.set("gain_level", -6.0).unwrap();
    let mut mono = [1.0_f32; 8];
    let on = NoteEvent::new(2, Note::On { channel: 3, note: 64, velocity: 1.0 });
    let off = NoteEvent::new(6, Note::AllNotesOff { channel: 3 });
    engine.process_with_notes(&mut [&mut mono[..]], &[on, off]);
    let g = 10f32.powf(-6.0 / 20.0);
    assert_eq!(&mono[..2], &[0.0, 0.0]);
    assert!(mono[2..6].iter().all(|s| (s - g).abs() < 1e-6), "{mono:?}");
    assert_eq!(&mono[6..], &[0.0, 0.0]);
}

#[test]
fn an_instrument_has_a_note_port_and_no_audio_input() {
    use wavecraft::nice_plug::prelude::{ClapFeature, ClapPlugin, MidiConfig, Plugin, Vst3Plugin, Vst3SubCategory};
    assert_eq!(<NotesTest as Plugin>::MIDI_INPUT, MidiConfig::MidiCCs);
    for layout in <NotesTest as Plugin>::AUDIO_IO_LAYOUTS {
        assert!(layout.main_input_channels.is_none());
        assert!(layout.main_output_channels.is_some());
    }
    assert!(<NotesTest as ClapPlugin>::CLAP_FEATURES.contains(&ClapFeature::Instrument));
    assert!(<NotesTest as Vst3Plugin>::VST3_SUBCATEGORIES.contains(&Vst3SubCategory::Instrument));
    assert_eq!(<__wavecraft_generated::Info as wavecraft::PluginInfo>::KIND, PluginKind::Instrument);
}
