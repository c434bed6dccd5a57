//! %%plugin_name%%: the audio engine of an instrument.
//!
//! The plugin is a chain of processors. The synth turns notes into sound; the filter and
//! the output gain shape it. Add or reorder processors in `Signal` below; write new ones in
//! `processors/`. Parameter ids are `<processor id>_<param id>` (e.g. `synth_attack`);
//! `wavecraft-build` reads them from the built library and generates the UI bindings.

pub mod processors;

use wavecraft::prelude::*;

pub use processors::{Filter, OutputGain, Synth};

/// The audio path: the synth's voices, then the filter, then output gain.
pub type Signal = SignalChain![Synth, Filter, OutputGain];

wavecraft_plugin! {
    /// The %%plugin_name%% instrument (VST3 + CLAP, with a note input).
    pub struct %%struct_name%% {
        name: "%%plugin_name%%",
        vendor: "%%vendor%%",
        url: "%%url%%",
        email: "%%email%%",
        kind: Instrument,
        clap_id: "%%clap_id%%",
        // Hosts identify the plugin by this id: never change it after a release.
        vst3_id: [%%vst3_id%%],
        signal: Signal,
    }
}
