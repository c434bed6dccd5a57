//! The processors of this plugin. Each one declares its parameters as `const PARAMS` and
//! processes audio in place; the synth also takes notes (`const NOTES`, `fn note`).

mod filter;
mod gain;
mod synth;

pub use filter::{Filter, FilterMode};
pub use gain::{db_to_gain, InputGain, OutputGain};
pub use synth::{note_hz, Synth, Waveform, BEND_SEMITONES, VOICES};
