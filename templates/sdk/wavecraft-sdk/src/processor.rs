//! Processors and signal chains.
//!
//! A [`Processor`] is one DSP stage with declared parameters. A [`Signal`] is anything
//! that can run as the plugin's audio path: a single processor, or a [`Chain`] of signals
//! built with [`SignalChain!`](crate::SignalChain). The chain's parameter list is computed
//! on demand by walking the chain ([`Signal::visit`]); it is never cached in a global.

use crate::param::{ParamSpec, ParamValues};

/// One DSP stage.
///
/// ```
/// use wavecraft::{ParamSpec, ParamValues, Processor};
///
/// #[derive(Default)]
/// pub struct Gain;
///
/// impl Processor for Gain {
///     const ID: &'static str = "gain";
///     const PARAMS: &'static [ParamSpec] =
///         &[ParamSpec::float("level", "Level", -24.0, 24.0, 0.0).unit("dB")];
///
///     fn process(&mut self, audio: &mut [&mut [f32]], params: &ParamValues<'_>) {
///         let gain = 10f32.powf(params.float("level") / 20.0);
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
    /// Number of parameters of the whole signal (no allocation).
    fn param_count() -> usize;

    /// Calls `f(processor_id, params)` for every processor, in signal order.
    fn visit(f: &mut dyn FnMut(&'static str, &'static [ParamSpec]));

    fn set_sample_rate(&mut self, sample_rate: f32);

    fn reset(&mut self);

    /// `values` holds one plain value per parameter of the whole signal, in
    /// [`Signal::visit`] order.
    fn process(&mut self, audio: &mut [&mut [f32]], values: &[f32]);
}

impl<P: Processor> Signal for P {
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

    fn process(&mut self, audio: &mut [&mut [f32]], values: &[f32]) {
        let count = P::PARAMS.len().min(values.len());
        Processor::process(self, audio, &ParamValues::new(P::PARAMS, &values[..count]));
    }
}

/// `A` then `B`. Write chains with [`SignalChain!`](crate::SignalChain) rather than by hand.
#[derive(Default)]
pub struct Chain<A, B> {
    pub first: A,
    pub second: B,
}

impl<A: Signal, B: Signal> Signal for Chain<A, B> {
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

    fn process(&mut self, audio: &mut [&mut [f32]], values: &[f32]) {
        let split = A::param_count().min(values.len());
        let (first, second) = values.split_at(split);
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
