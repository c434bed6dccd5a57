//! The nice-plug side of a signal's parameters: one FloatParam / BoolParam / IntParam per
//! [`ParamInfo`], registered with the host under the same ids the JSON uses.
//!
//! nice-plug's `#[derive(Params)]` needs a struct with one field per parameter, which a
//! chain of generic processors cannot have, so [`HostParams`] implements `Params` by hand
//! over a vector that is built once per plugin instance and never resized.

use std::sync::Arc;

use nice_plug::prelude::{BoolParam, FloatParam, FloatRange, IntParam, IntRange, Param, ParamPtr, Params};

use crate::info::param_infos;
use crate::param::ParamKind;
use crate::processor::Signal;

enum HostParam {
    Float(FloatParam),
    Bool(BoolParam),
    /// Enums are integer parameters whose value is shown as the variant name.
    Enum(IntParam),
}

struct Entry {
    id: String,
    group: String,
    param: HostParam,
}

/// All parameters of a signal as nice-plug parameters.
pub struct HostParams {
    // Never pushed to after `new`: `param_map` hands out pointers into it.
    entries: Vec<Entry>,
}

impl HostParams {
    /// Creates the parameters of `S` at their defaults.
    pub fn new<S: Signal>() -> Self {
        let entries = param_infos::<S>()
            .into_iter()
            .map(|info| {
                let spec = info.spec;
                let unit = spec.unit;
                let param = match spec.kind {
                    ParamKind::Float { min, max, default, skew } => {
                        let range = if skew == 1.0 {
                            FloatRange::Linear { min, max }
                        } else {
                            FloatRange::Skewed { min, max, factor: skew }
                        };
                        HostParam::Float(
                            FloatParam::new(info.name, default, range)
                                .with_value_to_string(Arc::new(move |value| {
                                    if unit.is_empty() {
                                        format!("{value:.2}")
                                    } else {
                                        format!("{value:.2} {unit}")
                                    }
                                }))
                                .with_string_to_value(Arc::new(move |text| {
                                    text.trim().trim_end_matches(unit).trim().parse().ok()
                                })),
                        )
                    }
                    ParamKind::Bool { default } => HostParam::Bool(BoolParam::new(info.name, default)),
                    ParamKind::Enum { variants, default } => HostParam::Enum(
                        IntParam::new(
                            info.name,
                            default as i32,
                            IntRange::Linear { min: 0, max: variants.len() as i32 - 1 },
                        )
                        .with_value_to_string(Arc::new(move |index| {
                            variants.get(index as usize).copied().unwrap_or("?").to_owned()
                        }))
                        .with_string_to_value(Arc::new(move |text| {
                            let text = text.trim();
                            variants
                                .iter()
                                .position(|variant| variant.eq_ignore_ascii_case(text))
                                .map(|index| index as i32)
                                .or_else(|| text.parse().ok())
                        })),
                    ),
                };
                Entry { id: info.id, group: spec.group.to_owned(), param }
            })
            .collect();
        Self { entries }
    }

    /// Number of parameters.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the signal has no parameters.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Writes the current plain values into `out` (same order as the JSON). Realtime-safe.
    pub fn read_plain(&self, out: &mut [f32]) {
        for (slot, entry) in out.iter_mut().zip(&self.entries) {
            *slot = match &entry.param {
                HostParam::Float(p) => p.value(),
                HostParam::Bool(p) => f32::from(u8::from(p.value())),
                HostParam::Enum(p) => p.value() as f32,
            };
        }
    }
}

// SAFETY: every `ParamPtr` points into `entries`, which is never resized or moved out of
// while the `HostParams` (kept alive in an `Arc` by the plugin and the wrapper) exists.
unsafe impl Params for HostParams {
    fn param_map(&self) -> Vec<(String, ParamPtr, String)> {
        self.entries
            .iter()
            .map(|entry| {
                let ptr = match &entry.param {
                    HostParam::Float(p) => p.as_ptr(),
                    HostParam::Bool(p) => p.as_ptr(),
                    HostParam::Enum(p) => p.as_ptr(),
                };
                (entry.id.clone(), ptr, entry.group.clone())
            })
            .collect()
    }
}
