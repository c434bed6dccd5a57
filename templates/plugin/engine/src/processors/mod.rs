//! The processors of this plugin. Each one declares its parameters as `const PARAMS` and
//! processes audio in place.

mod filter;
mod gain;

pub use filter::{Filter, FilterMode};
pub use gain::{db_to_gain, InputGain, OutputGain};
