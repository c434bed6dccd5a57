//! %%plugin_name%%: the audio engine.
//!
//! The plugin is a chain of processors. Add or reorder them in `Signal` below; write new
//! ones in `processors/`. Parameter ids are `<processor id>_<param id>` (e.g.
//! `input_gain_level`); `wavecraft-build` reads them from the built library and generates
//! the UI bindings.

pub mod processors;

use wavecraft::prelude::*;

pub use processors::{Filter, InputGain, OutputGain};

/// The audio path: input gain, then the filter, then output gain.
pub type Signal = SignalChain![InputGain, Filter, OutputGain];

wavecraft_plugin! {
    /// The %%plugin_name%% plugin (VST3 + CLAP).
    pub struct %%struct_name%% {
        name: "%%plugin_name%%",
        vendor: "%%vendor%%",
        url: "%%url%%",
        email: "%%email%%",
        clap_id: "%%clap_id%%",
        // Hosts identify the plugin by this id: never change it after a release.
        vst3_id: [%%vst3_id%%],
        signal: Signal,
    }
}
