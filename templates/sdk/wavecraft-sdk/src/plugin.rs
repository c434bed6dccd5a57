//! The nice-plug `Plugin` for a signal, and the metadata the plugin macro fills in.

use std::marker::PhantomData;
use std::num::NonZeroU32;
use std::sync::Arc;

use nice_plug::prelude::{
    ActivateContext, AudioIOLayout, AuxiliaryBuffers, Buffer, BufferConfig, ClapFeature, ClapPlugin,
    Params, Plugin, ProcessContext, ProcessStatus, Vst3Plugin, Vst3SubCategory,
};

use crate::denormals::DenormalGuard;
#[cfg(feature = "editor")]
use crate::editor::{meters::Meters, WebEditor};
use crate::host_params::HostParams;
use crate::processor::Signal;

/// Plugin metadata. [`wavecraft_plugin!`](crate::wavecraft_plugin) implements it for you.
pub trait PluginInfo: 'static {
    const NAME: &'static str;
    const VENDOR: &'static str;
    const URL: &'static str;
    const EMAIL: &'static str;
    const VERSION: &'static str;
    const DESCRIPTION: Option<&'static str>;
    /// Reverse-DNS CLAP id, e.g. `com.vendor.my-plugin`.
    const CLAP_ID: &'static str;
    /// 16 bytes, unique per plugin and stable across versions (hosts store it).
    const VST3_CLASS_ID: [u8; 16];
    const CLAP_FEATURES: &'static [ClapFeature] = &[ClapFeature::AudioEffect, ClapFeature::Stereo];
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = &[Vst3SubCategory::Fx];
}

/// An audio effect running signal `S` (stereo or mono, in place), described by `M`.
pub struct WavecraftPlugin<S: Signal, M: PluginInfo> {
    params: Arc<HostParams>,
    signal: S,
    values: Vec<f32>,
    /// Output levels for the editor, written by the audio thread (atomics only).
    #[cfg(feature = "editor")]
    meters: Arc<Meters>,
    info: PhantomData<fn() -> M>,
}

impl<S: Signal, M: PluginInfo> Default for WavecraftPlugin<S, M> {
    fn default() -> Self {
        let params = Arc::new(HostParams::new::<S>());
        let values = vec![0.0; params.len()];
        Self {
            params,
            signal: S::default(),
            values,
            #[cfg(feature = "editor")]
            meters: Arc::default(),
            info: PhantomData,
        }
    }
}

impl<S: Signal, M: PluginInfo> Plugin for WavecraftPlugin<S, M> {
    const NAME: &'static str = M::NAME;
    const VENDOR: &'static str = M::VENDOR;
    const URL: &'static str = M::URL;
    const EMAIL: &'static str = M::EMAIL;
    const VERSION: &'static str = M::VERSION;

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(2),
            main_output_channels: NonZeroU32::new(2),
            ..AudioIOLayout::const_default()
        },
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(1),
            main_output_channels: NonZeroU32::new(1),
            ..AudioIOLayout::const_default()
        },
    ];

    #[cfg(feature = "editor")]
    type Editor = WebEditor;
    #[cfg(not(feature = "editor"))]
    type Editor = ();
    type SysExMessage = ();
    type BackgroundTask = ();

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    #[cfg(feature = "editor")]
    fn editor(&mut self, _executor: nice_plug::prelude::AsyncExecutor<Self>) -> Option<WebEditor> {
        Some(WebEditor::new::<S>(self.params.clone(), self.meters.clone()))
    }

    fn activate(
        &mut self,
        _audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        _context: &mut impl ActivateContext<Self>,
    ) -> bool {
        self.signal.set_sample_rate(buffer_config.sample_rate);
        true
    }

    fn reset(&mut self) {
        self.signal.reset();
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        _context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        // Silence after signal decays into subnormals: flush them, for this call only.
        let _ftz = DenormalGuard::new();
        self.params.read_plain(&mut self.values);
        self.signal.process(buffer.as_slice(), &self.values);
        #[cfg(feature = "editor")]
        self.meters.write_block(buffer.as_slice());
        ProcessStatus::Normal
    }
}

impl<S: Signal, M: PluginInfo> ClapPlugin for WavecraftPlugin<S, M> {
    const CLAP_ID: &'static str = M::CLAP_ID;
    const CLAP_DESCRIPTION: Option<&'static str> = M::DESCRIPTION;
    const CLAP_MANUAL_URL: Option<&'static str> = None;
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = M::CLAP_FEATURES;
}

impl<S: Signal, M: PluginInfo> Vst3Plugin for WavecraftPlugin<S, M> {
    const VST3_CLASS_ID: [u8; 16] = M::VST3_CLASS_ID;
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = M::VST3_SUBCATEGORIES;
}
