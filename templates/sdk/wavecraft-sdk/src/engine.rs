//! [`Engine`]: a signal with its parameter values, runnable without a host. It backs the
//! dev vtable (`wavecraft_dev_create_processor`) and is what plugin tests use to check DSP.

use crate::denormals::DenormalGuard;
use crate::info::{param_infos, ParamInfo};
use crate::notes::{run_block, NoteEvent};
use crate::processor::Signal;

/// A signal plus one plain value per parameter (starting at the defaults).
///
/// ```
/// # use wavecraft::{Engine, ParamSpec, ParamValues, Processor};
/// # #[derive(Default)] struct Gain;
/// # impl Processor for Gain {
/// #     const ID: &'static str = "gain";
/// #     const PARAMS: &'static [ParamSpec] = &[ParamSpec::float("level", "Level", 0.0, 2.0, 1.0)];
/// #     fn process(&mut self, audio: &mut [&mut [f32]], p: &ParamValues<'_>) {
/// #         for ch in audio.iter_mut() { for s in ch.iter_mut() { *s *= p.get(0); } }
/// #     }
/// # }
/// let mut engine = Engine::<Gain>::new(48_000.0);
/// engine.set("gain_level", 0.5).unwrap();
/// let mut left = [1.0_f32; 4];
/// engine.process(&mut [&mut left[..]]);
/// assert_eq!(left, [0.5; 4]);
/// ```
pub struct Engine<S: Signal> {
    signal: S,
    params: Vec<ParamInfo>,
    values: Vec<f32>,
}

impl<S: Signal> Engine<S> {
    /// A fresh signal at `sample_rate` with default parameter values.
    pub fn new(sample_rate: f32) -> Self {
        let params = param_infos::<S>();
        let values = params.iter().map(|info| info.spec.default_plain()).collect();
        let mut signal = S::default();
        signal.set_sample_rate(sample_rate);
        signal.reset();
        Self { signal, params, values }
    }

    /// The parameters, in value order.
    pub fn params(&self) -> &[ParamInfo] {
        &self.params
    }

    /// The current plain values, in [`Engine::params`] order.
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// Sets one parameter by full id (`"input_gain_level"`). The value is clamped to the
    /// parameter's domain. Unknown ids are an error listing the known ones.
    pub fn set(&mut self, id: &str, plain: f32) -> Result<(), String> {
        match self.params.iter().position(|info| info.id == id) {
            Some(index) => {
                self.values[index] = self.params[index].spec.sanitize(plain);
                Ok(())
            }
            None => {
                let known: Vec<&str> = self.params.iter().map(|info| info.id.as_str()).collect();
                Err(format!("unknown parameter `{id}`; known: {}", known.join(", ")))
            }
        }
    }

    /// Sets values in order; extra values are ignored, missing ones keep their value.
    pub fn set_plain_values(&mut self, values: &[f32]) {
        for ((slot, info), value) in self.values.iter_mut().zip(&self.params).zip(values) {
            *slot = info.spec.sanitize(*value);
        }
    }

    pub fn set_sample_rate(&mut self, sample_rate: f32) {
        self.signal.set_sample_rate(sample_rate);
    }

    pub fn reset(&mut self) {
        self.signal.reset();
    }

    /// Processes one block in place, one slice per channel, with subnormals flushed to
    /// zero (see [`DenormalGuard`]), as the plugin does in a host.
    pub fn process(&mut self, audio: &mut [&mut [f32]]) {
        self.process_with_notes(audio, &[]);
    }

    /// Processes one block with note events, each delivered at its sample `offset` (see
    /// [`run_block`](crate::run_block)). Events come in time order. No allocation.
    pub fn process_with_notes(&mut self, audio: &mut [&mut [f32]], events: &[NoteEvent]) {
        self.process_events(audio, events.iter().copied());
    }

    /// [`Engine::process_with_notes`] for events from any source (the dev vtable's C
    /// events, a host's), converted one by one as the block is run.
    pub fn process_events(
        &mut self,
        audio: &mut [&mut [f32]],
        events: impl IntoIterator<Item = NoteEvent>,
    ) {
        let _ftz = DenormalGuard::new();
        run_block(&mut self.signal, audio, &self.values, events);
    }
}
