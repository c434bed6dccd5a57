//! The plugin's audio path allocates nothing: 10,000 blocks with notes and parameter
//! changes, counted by the SDK's `CountingAllocator`. Allocation on the audio thread can
//! wait on a lock inside the allocator: a dropout in a host. `harness = false` (see
//! Cargo.toml): no test-runner thread allocates while this counts.

use wavecraft::testing::{allocations, CountingAllocator};
use wavecraft::{Engine, Note, NoteEvent};
use %%lib_name%%::Signal;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const BLOCKS: usize = 10_000;
const FRAMES: usize = 128;

fn main() {
    let mut engine = Engine::<Signal>::new(48_000.0);
    let mut left = vec![0.1_f32; FRAMES];
    let mut right = vec![0.1_f32; FRAMES];
    // A chord that changes every block, so voices start, release and get stolen.
    let mut notes = [NoteEvent::new(0, Note::AllNotesOff { channel: 0 }); 4];
    let mut values = engine.values().to_vec();
    let before = allocations();
    for block in 0..BLOCKS {
        for (i, event) in notes.iter_mut().enumerate() {
            let note = (36 + (block * 7 + i * 5) % 60) as u8;
            event.offset = (i * 31) as u32;
            event.note = if (block + i) % 3 == 0 {
                Note::Off { channel: 0, note, velocity: 0.0 }
            } else {
                Note::On { channel: 0, note, velocity: 0.9 }
            };
        }
        // Move one parameter a little every block (smoothers, coefficient updates).
        if let Some(first) = values.first_mut() {
            *first += if block % 2 == 0 { 0.5 } else { -0.5 };
        }
        engine.set_plain_values(&values);
        engine.process_with_notes(&mut [&mut left[..], &mut right[..]], &notes);
    }
    let counted = allocations() - before;
    assert_eq!(counted, 0, "{counted} allocations in {BLOCKS} blocks of process");
    println!("no_alloc: {BLOCKS} blocks with notes, 0 allocations");
}
