//! The audio path allocates nothing: 10,000 blocks with notes and parameter changes,
//! through the dev vtable (what the dev engine and the Python runtime call) and through
//! [`wavecraft::Engine`], counted by the SDK's [`CountingAllocator`]. `harness = false`:
//! no test-runner thread allocates while we count.

mod common;

use common::{Gain, Gate, Offset};
use wavecraft::testing::{allocations, CountingAllocator};
use wavecraft::{DevNoteEvent, Engine, Note, NoteEvent, SignalChain, DEV_NOTE_OFF, DEV_NOTE_ON};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

type Synth = SignalChain![Gate, Gain, Offset];

wavecraft::wavecraft_plugin! {
    struct NoAlloc {
        name: "No Alloc",
        vendor: "Wavecraft",
        url: "https://example.com",
        email: "dev@example.com",
        kind: Instrument,
        clap_id: "com.wavecraft.no-alloc",
        vst3_id: *b"WavecraftNoAlloc",
        signal: Synth,
    }
}

const BLOCKS: usize = 10_000;
const FRAMES: usize = 128;

fn main() {
    let vtable = __wavecraft_generated::wavecraft_dev_create_processor();
    let instance = (vtable.create)(std::ptr::null_mut(), 0);
    let mut left = vec![0.0_f32; FRAMES];
    let mut right = vec![0.0_f32; FRAMES];
    let mut channels = [left.as_mut_ptr(), right.as_mut_ptr()];
    let events = [
        DevNoteEvent { offset: 10, kind: DEV_NOTE_ON, channel: 0, data: 60, reserved: 0, value: 0.8 },
        DevNoteEvent { offset: 90, kind: DEV_NOTE_OFF, channel: 0, data: 60, reserved: 0, value: 0.0 },
    ];
    let values = [-3.0_f32, 1.0, 0.0, 0.5];
    let mut engine = Engine::<Synth>::new(48_000.0);
    let notes = [
        NoteEvent::new(5, Note::On { channel: 0, note: 64, velocity: 1.0 }),
        NoteEvent::new(77, Note::Off { channel: 0, note: 64, velocity: 0.0 }),
    ];

    let before = allocations();
    let mut sum = 0.0_f32;
    for block in 0..BLOCKS {
        let n_events = block % 3; // blocks with none, one and two events
        (vtable.apply_plain_values)(instance, values.as_ptr(), values.len());
        (vtable.process)(instance, channels.as_mut_ptr(), 2, FRAMES as u32, events.as_ptr(), n_events);
        engine.process_with_notes(&mut [&mut left[..], &mut right[..]], &notes[..n_events]);
        engine.set_plain_values(&values);
        sum += left[FRAMES - 1];
    }
    let counted = allocations() - before;
    assert_eq!(counted, 0, "{counted} allocations in {BLOCKS} blocks of process");

    // The counter does count (so the 0 above means something).
    let probe = allocations();
    std::hint::black_box(vec![0_u8; 16]);
    assert_eq!(allocations() - probe, 1);
    (vtable.drop)(instance);
    println!("no_alloc: {BLOCKS} blocks, 0 allocations (checksum {sum})");
}
