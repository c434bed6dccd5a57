//! The nice-plug `Plugin` for a signal, and the metadata the plugin macro fills in.

use std::marker::PhantomData;
use std::num::NonZeroU32;
use std::sync::Arc;

use nice_plug::prelude::{
    ActivateContext, AudioIOLayout, AuxiliaryBuffers, Buffer, BufferConfig, ClapFeature, ClapPlugin,
    MidiConfig, NoteEvent as HostNote, Params, Plugin, ProcessContext, ProcessStatus, Vst3Plugin,
    Vst3SubCategory,
};

use crate::denormals::DenormalGuard;
#[cfg(feature = "editor")]
use crate::editor::{meters::Meters, WebEditor};
use crate::host_params::HostParams;
use crate::notes::{run_block, Note, NoteEvent};
use crate::processor::Signal;

/// What a plugin is to a host: an effect processes its audio input; an instrument has no
/// audio input and plays notes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PluginKind {
    Effect,
    Instrument,
}

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
    const KIND: PluginKind = PluginKind::Effect;
    const CLAP_FEATURES: &'static [ClapFeature] = match Self::KIND {
        PluginKind::Effect => &[ClapFeature::AudioEffect, ClapFeature::Stereo],
        PluginKind::Instrument => {
            &[ClapFeature::Instrument, ClapFeature::Synthesizer, ClapFeature::Stereo]
        }
    };
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = match Self::KIND {
        PluginKind::Effect => &[Vst3SubCategory::Fx],
        PluginKind::Instrument => &[Vst3SubCategory::Instrument, Vst3SubCategory::Synth],
    };
}

const EFFECT_LAYOUTS: &[AudioIOLayout] = &[
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

const INSTRUMENT_LAYOUTS: &[AudioIOLayout] = &[
    AudioIOLayout { main_output_channels: NonZeroU32::new(2), ..AudioIOLayout::const_default() },
    AudioIOLayout { main_output_channels: NonZeroU32::new(1), ..AudioIOLayout::const_default() },
];

/// A host's note event as the SDK's, or `None` for what the SDK does not pass on
/// (program changes, pressure, poly modulation...). CC 123 is all-notes-off.
fn from_host<S>(event: HostNote<S>) -> Option<NoteEvent> {
    let note = match event {
        HostNote::NoteOn { channel, key, velocity, .. } => Note::On {
            channel: channel.number().unwrap_or(0),
            note: key.number()?,
            velocity,
        },
        HostNote::NoteOff { channel, key, velocity, .. } => Note::Off {
            channel: channel.number().unwrap_or(0),
            note: key.number()?,
            velocity,
        },
        // A choke ends the note now; a voice's release is the closest the SDK has.
        HostNote::Choke { channel, key, .. } => Note::Off {
            channel: channel.number().unwrap_or(0),
            note: key.number()?,
            velocity: 0.0,
        },
        HostNote::PolyTuning { channel, key, tuning, .. } => Note::NotePitchBend {
            channel: channel.number().unwrap_or(0),
            note: key.number()?,
            semitones: tuning,
        },
        // nice-plug: 0..1 with 0.5 = no bend; the SDK: -1..1 with 0 = no bend.
        HostNote::MidiPitchBend { channel, value, .. } => {
            Note::PitchBend { channel, value: (value * 2.0 - 1.0).clamp(-1.0, 1.0) }
        }
        HostNote::MidiCC { channel, cc: 123, .. } => Note::AllNotesOff { channel },
        HostNote::MidiCC { channel, cc, value, .. } => Note::Cc { channel, cc, value },
        _ => return None,
    };
    Some(NoteEvent::new(event.timing(), note))
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

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = match M::KIND {
        PluginKind::Effect => EFFECT_LAYOUTS,
        PluginKind::Instrument => INSTRUMENT_LAYOUTS,
    };
    // MidiCCs: pitch bend and CCs as well as notes (VST3 binds them to hidden parameters).
    const MIDI_INPUT: MidiConfig = if S::NOTES { MidiConfig::MidiCCs } else { MidiConfig::None };
    const SAMPLE_ACCURATE_AUTOMATION: bool = false;

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
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        // Silence after signal decays into subnormals: flush them, for this call only.
        let _ftz = DenormalGuard::new();
        self.params.read_plain(&mut self.values);
        // Events are pulled one at a time as the block is split at them: no buffer.
        let events = std::iter::from_fn(|| {
            if S::NOTES {
                context.next_event()
            } else {
                None
            }
        });
        run_block(&mut self.signal, buffer.as_slice(), &self.values, events.filter_map(from_host));
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

#[cfg(test)]
mod tests {
    use super::*;
    use nice_plug::midi::{Channel, Key, VoiceID};

    type Host = HostNote<()>;

    #[test]
    fn host_events_map_to_the_sdks() {
        let on = Host::NoteOn {
            timing: 7,
            voice_id: VoiceID::Wildcard,
            channel: Channel::Number(2),
            key: Key::Number(64),
            velocity: 0.5,
        };
        assert_eq!(
            from_host(on),
            Some(NoteEvent::new(7, Note::On { channel: 2, note: 64, velocity: 0.5 }))
        );
        let choke = Host::Choke {
            timing: 1,
            voice_id: VoiceID::Wildcard,
            channel: Channel::Wildcard,
            key: Key::Number(60),
        };
        assert_eq!(
            from_host(choke),
            Some(NoteEvent::new(1, Note::Off { channel: 0, note: 60, velocity: 0.0 }))
        );
        // nice-plug's bend is 0..1 around 0.5; the SDK's is -1..1 around 0.
        let bend = Host::MidiPitchBend { timing: 3, channel: 1, value: 0.75 };
        assert_eq!(from_host(bend), Some(NoteEvent::new(3, Note::PitchBend { channel: 1, value: 0.5 })));
        let panic = Host::MidiCC { timing: 0, channel: 4, cc: 123, value: 0.0 };
        assert_eq!(from_host(panic), Some(NoteEvent::new(0, Note::AllNotesOff { channel: 4 })));
        let cc = Host::MidiCC { timing: 0, channel: 4, cc: 1, value: 0.25 };
        assert_eq!(from_host(cc), Some(NoteEvent::new(0, Note::Cc { channel: 4, cc: 1, value: 0.25 })));
        // A note-on for any key (a wildcard) plays nothing; a program change is not passed on.
        let wildcard = Host::NoteOn {
            timing: 0,
            voice_id: VoiceID::Wildcard,
            channel: Channel::Number(0),
            key: Key::Wildcard,
            velocity: 1.0,
        };
        assert_eq!(from_host(wildcard), None);
        assert_eq!(from_host(Host::MidiProgramChange { timing: 0, channel: 0, program: 3 }), None);
    }
}
