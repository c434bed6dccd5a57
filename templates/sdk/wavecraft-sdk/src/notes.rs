//! Note events, and the block runner that makes them sample-accurate.
//!
//! A host (through nice-plug, VST3 or CLAP) or the dev vtable hands a block of audio plus
//! the note events inside it, each at a sample offset. [`run_block`] splits the block at
//! every offset: the signal processes the audio before the event, receives the event
//! ([`Signal::note`]), then processes on. A note therefore starts on its exact sample while
//! processors keep their simple `process(audio, params)` shape. Splitting borrows the
//! channels into a fixed array on the stack ([`MAX_CHANNELS`]): no allocation, no lock.

use crate::processor::Signal;

/// Channels the SDK processes; further channels are left untouched. The dev hosts reject
/// more, and VST3/CLAP layouts of this SDK are mono or stereo.
pub const MAX_CHANNELS: usize = 32;

/// What happened, without the time. Channels are `0..16`, notes `0..128` (MIDI numbers,
/// 60 = middle C).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Note {
    /// A key went down; `velocity` in `0..=1`.
    On { channel: u8, note: u8, velocity: f32 },
    /// A key went up; `velocity` in `0..=1` (release velocity, often 0).
    Off { channel: u8, note: u8, velocity: f32 },
    /// The channel's pitch bend, in `-1..=1` of the bend range (0 = none).
    PitchBend { channel: u8, value: f32 },
    /// One note's own pitch offset in semitones (CLAP/VST3 note expression, MPE).
    NotePitchBend { channel: u8, note: u8, semitones: f32 },
    /// A MIDI control change; `value` in `0..=1` (raw value / 127).
    Cc { channel: u8, cc: u8, value: f32 },
    /// Every sounding note of the channel should release (MIDI CC 123, a host's panic).
    AllNotesOff { channel: u8 },
}

/// A [`Note`] at sample `offset` of the block it arrives with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NoteEvent {
    pub offset: u32,
    pub note: Note,
}

impl NoteEvent {
    pub const fn new(offset: u32, note: Note) -> Self {
        Self { offset, note }
    }
}

/// `NoteEvent` as the dev vtable passes it (`#[repr(C)]`, 12 bytes). `kind` is one of the
/// `DEV_NOTE_*` constants; `data` is the note number or the CC number; `value` is the
/// velocity, bend, semitones or CC value. An unknown kind is ignored.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DevNoteEvent {
    pub offset: u32,
    pub kind: u8,
    pub channel: u8,
    pub data: u8,
    pub reserved: u8,
    pub value: f32,
}

pub const DEV_NOTE_ON: u8 = 0;
pub const DEV_NOTE_OFF: u8 = 1;
pub const DEV_NOTE_PITCH_BEND: u8 = 2;
pub const DEV_NOTE_NOTE_PITCH_BEND: u8 = 3;
pub const DEV_NOTE_CC: u8 = 4;
pub const DEV_NOTE_ALL_OFF: u8 = 5;

impl DevNoteEvent {
    /// The event, or `None` for an unknown kind. Values are brought into their documented
    /// ranges (a NaN velocity is 0), so plugin code never sees an impossible note.
    pub fn to_event(self) -> Option<NoteEvent> {
        let channel = self.channel & 0x0f;
        let data = self.data & 0x7f;
        let value = if self.value.is_nan() { 0.0 } else { self.value };
        let note = match self.kind {
            DEV_NOTE_ON => Note::On { channel, note: data, velocity: value.clamp(0.0, 1.0) },
            DEV_NOTE_OFF => Note::Off { channel, note: data, velocity: value.clamp(0.0, 1.0) },
            DEV_NOTE_PITCH_BEND => Note::PitchBend { channel, value: value.clamp(-1.0, 1.0) },
            DEV_NOTE_NOTE_PITCH_BEND => {
                Note::NotePitchBend { channel, note: data, semitones: value.clamp(-128.0, 128.0) }
            }
            DEV_NOTE_CC => Note::Cc { channel, cc: data, value: value.clamp(0.0, 1.0) },
            DEV_NOTE_ALL_OFF => Note::AllNotesOff { channel },
            _ => return None,
        };
        Some(NoteEvent::new(self.offset, note))
    }
}

/// Processes one block of `signal`, delivering each event at its sample offset (offsets
/// past the block's end arrive at its end; an offset earlier than the previous event's
/// arrives right away). Audio between events is processed as one part.
pub fn run_block<S: Signal>(
    signal: &mut S,
    audio: &mut [&mut [f32]],
    values: &[f32],
    events: impl IntoIterator<Item = NoteEvent>,
) {
    let len = audio.iter().map(|channel| channel.len()).min().unwrap_or(0);
    let mut done = 0;
    for event in events {
        let at = (event.offset as usize).min(len);
        if at > done {
            process_part(signal, audio, values, done, at);
            done = at;
        }
        signal.note(&event.note);
    }
    if done == 0 {
        // No split: hand the caller's channels over as they are.
        signal.process(audio, values);
    } else if done < len {
        process_part(signal, audio, values, done, len);
    }
}

fn process_part<S: Signal>(
    signal: &mut S,
    audio: &mut [&mut [f32]],
    values: &[f32],
    start: usize,
    end: usize,
) {
    let mut parts: [&mut [f32]; MAX_CHANNELS] = Default::default();
    let mut count = 0;
    for (slot, channel) in parts.iter_mut().zip(audio.iter_mut()) {
        if let Some(part) = channel.get_mut(start..end) {
            *slot = part;
            count += 1;
        }
    }
    if let Some(parts) = parts.get_mut(..count) {
        signal.process(parts, values);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::param::{ParamSpec, ParamValues};
    use crate::processor::Processor;

    /// Writes the current "gate" (1 after a note-on, 0 after a note-off) into every sample.
    #[derive(Default)]
    struct Gate {
        on: bool,
        calls: usize,
    }

    impl Processor for Gate {
        const ID: &'static str = "gate";
        const PARAMS: &'static [ParamSpec] = &[];
        const NOTES: bool = true;

        fn note(&mut self, note: &Note) {
            match note {
                Note::On { .. } => self.on = true,
                Note::Off { .. } => self.on = false,
                _ => {}
            }
        }

        fn process(&mut self, audio: &mut [&mut [f32]], _: &ParamValues<'_>) {
            self.calls += 1;
            for channel in audio.iter_mut() {
                channel.fill(if self.on { 1.0 } else { 0.0 });
            }
        }
    }

    #[test]
    fn events_land_on_their_sample() {
        let mut gate = Gate::default();
        let (mut left, mut right) = ([9.0_f32; 8], [9.0_f32; 8]);
        let on = Note::On { channel: 0, note: 60, velocity: 1.0 };
        let off = Note::Off { channel: 0, note: 60, velocity: 0.0 };
        run_block(
            &mut gate,
            &mut [&mut left[..], &mut right[..]],
            &[],
            [NoteEvent::new(3, on), NoteEvent::new(6, off), NoteEvent::new(99, on)],
        );
        assert_eq!(left, [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0]);
        assert_eq!(left, right);
        assert!(gate.on, "an event past the end arrives at the end");
        assert_eq!(gate.calls, 3);
    }

    #[test]
    fn dev_events_are_sanitized_and_unknown_kinds_dropped() {
        let raw = DevNoteEvent { offset: 2, kind: DEV_NOTE_ON, channel: 17, data: 200, reserved: 0, value: f32::NAN };
        assert_eq!(
            raw.to_event(),
            Some(NoteEvent::new(2, Note::On { channel: 1, note: 72, velocity: 0.0 }))
        );
        assert_eq!(DevNoteEvent { kind: 99, ..raw }.to_event(), None);
    }
}
