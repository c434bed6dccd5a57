//! Processors and signal chains.
//!
//! A [`Processor`] is one DSP stage with declared parameters. A [`Signal`] is anything
//! that can run as the plugin's audio path: a single processor, or a [`Chain`] of signals
//! built with [`SignalChain!`](crate::SignalChain). The chain's parameter list is computed
//! on demand by walking the chain ([`Signal::visit`]); it is never cached in a global.

use crate::notes::Note;
use crate::param::{ParamSpec, ParamValues};

/// One DSP stage.
///
/// ```
/// use wavecraft::{Param, ParamSpec, ParamValues, Processor};
///
/// #[derive(Default)]
/// pub struct Gain;
///
/// impl Gain {
///     // Resolved when the crate compiles: a typo in the id does not compile.
///     const LEVEL: Param = Param::of(<Self as Processor>::PARAMS, "level");
/// }
///
/// impl Processor for Gain {
///     const ID: &'static str = "gain";
///     const PARAMS: &'static [ParamSpec] =
///         &[ParamSpec::float("level", "Level", -24.0, 24.0, 0.0).unit("dB")];
///
///     fn process(&mut self, audio: &mut [&mut [f32]], params: &ParamValues<'_>) {
///         let gain = 10f32.powf(params.float(Self::LEVEL) / 20.0);
///         for channel in audio.iter_mut() {
///             for sample in channel.iter_mut() {
///                 *sample *= gain;
///             }
///         }
///     }
/// }
/// ```
pub trait Processor: Default + Send + 'static {
    /// snake_case prefix of this processor's parameter ids (`"input_gain"` gives
    /// `input_gain_level`). It is part of every automation id a host stores, so keep it
    /// stable when you rename the Rust type. A second instance of the same processor in a
    /// chain gets `_2` appended to the prefix (`input_gain_2_level`), a third `_3`.
    const ID: &'static str;

    /// The parameters, in the order their values are passed to [`Processor::process`].
    const PARAMS: &'static [ParamSpec];

    /// True when the processor plays or reacts to notes ([`Processor::note`]): the plugin
    /// then gets a note input port (VST3 and CLAP, with MIDI CCs and pitch bend).
    const NOTES: bool = false;

    /// A note event, delivered between two `process` calls at its exact sample: the audio
    /// before it was already processed, the audio after it comes next. Must not allocate
    /// or block. Ignored unless you override it.
    fn note(&mut self, _note: &Note) {}

    /// Called before processing starts and whenever the sample rate changes.
    fn set_sample_rate(&mut self, _sample_rate: f32) {}

    /// Clears filter state, phases, envelopes. Must not allocate.
    fn reset(&mut self) {}

    /// Processes one block in place. `audio` holds one slice per channel, all of the same
    /// length. Must not allocate or block.
    fn process(&mut self, audio: &mut [&mut [f32]], params: &ParamValues<'_>);
}

/// The plugin's audio path: a processor or a chain of them. Implemented for every
/// [`Processor`] and for [`Chain`]; you do not implement it yourself.
pub trait Signal: Default + Send + 'static {
    /// True when any processor of the signal takes notes.
    const NOTES: bool;

    /// Number of parameters of the whole signal (no allocation).
    fn param_count() -> usize;

    /// Calls `f(processor_id, params)` for every processor, in signal order.
    fn visit(f: &mut dyn FnMut(&'static str, &'static [ParamSpec]));

    fn set_sample_rate(&mut self, sample_rate: f32);

    fn reset(&mut self);

    /// Hands a note event to every processor that takes notes, in signal order.
    fn note(&mut self, note: &Note);

    /// `values` holds one plain value per parameter of the whole signal, in
    /// [`Signal::visit`] order.
    fn process(&mut self, audio: &mut [&mut [f32]], values: &[f32]);
}

impl<P: Processor> Signal for P {
    const NOTES: bool = P::NOTES;

    fn param_count() -> usize {
        P::PARAMS.len()
    }

    fn visit(f: &mut dyn FnMut(&'static str, &'static [ParamSpec])) {
        f(P::ID, P::PARAMS);
    }

    fn set_sample_rate(&mut self, sample_rate: f32) {
        Processor::set_sample_rate(self, sample_rate);
    }

    fn reset(&mut self) {
        Processor::reset(self);
    }

    fn note(&mut self, note: &Note) {
        if P::NOTES {
            Processor::note(self, note);
        }
    }

    fn process(&mut self, audio: &mut [&mut [f32]], values: &[f32]) {
        Processor::process(self, audio, &ParamValues::new(values));
    }
}

/// `A` then `B`. Write chains with [`SignalChain!`](crate::SignalChain) rather than by hand.
#[derive(Default)]
pub struct Chain<A, B> {
    pub first: A,
    pub second: B,
}

impl<A: Signal, B: Signal> Signal for Chain<A, B> {
    const NOTES: bool = A::NOTES || B::NOTES;

    fn param_count() -> usize {
        A::param_count() + B::param_count()
    }

    fn visit(f: &mut dyn FnMut(&'static str, &'static [ParamSpec])) {
        A::visit(f);
        B::visit(f);
    }

    fn set_sample_rate(&mut self, sample_rate: f32) {
        self.first.set_sample_rate(sample_rate);
        self.second.set_sample_rate(sample_rate);
    }

    fn reset(&mut self) {
        self.first.reset();
        self.second.reset();
    }

    fn note(&mut self, note: &Note) {
        self.first.note(note);
        self.second.note(note);
    }

    fn process(&mut self, audio: &mut [&mut [f32]], values: &[f32]) {
        // `split_at_checked`: no panic path even for a short slice (the rest reads as 0).
        let (first, second) = values.split_at_checked(A::param_count()).unwrap_or((values, &[]));
        self.first.process(audio, first);
        self.second.process(audio, second);
    }
}

/// `SignalChain![A, B, C]` is the type `Chain<A, Chain<B, C>>`: audio flows through `A`,
/// then `B`, then `C`. The same processor type may appear more than once.
#[macro_export]
macro_rules! SignalChain {
    ($only:ty $(,)?) => { $only };
    ($first:ty, $($rest:ty),+ $(,)?) => {
        $crate::Chain<$first, $crate::SignalChain![$($rest),+]>
    };
}
