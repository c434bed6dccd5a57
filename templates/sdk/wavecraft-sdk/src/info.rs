//! The flat parameter list of a signal, its unique ids and its JSON (serde_json).
//!
//! Everything here is computed per call into owned values that the caller drops: no
//! global cache (`OnceLock`, `lazy_static`, `static mut`) and no `Box::leak`. Calling it
//! ten thousand times leaves the heap exactly as it was (see `tests/no_leak.rs`).
//!
//! Id scheme: the n-th (n >= 2) occurrence of a processor id in the chain becomes
//! `<id>_<n>`, and each parameter id is `<processor instance id>_<local id>`:
//! `SignalChain![Gain, Gain]` gives processors `gain`, `gain_2` and parameters
//! `gain_level`, `gain_2_level`.

use serde::Serialize;

use crate::param::{ParamKind, ParamSpec};
use crate::processor::Signal;

/// One parameter of a signal, with its full id.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamInfo {
    /// `<processor instance id>_<local id>`, unique in the signal.
    pub id: String,
    /// Display name; repeats of a processor get ` 2`, ` 3` appended.
    pub name: String,
    /// The processor instance id (`gain`, `gain_2`).
    pub processor: String,
    pub spec: &'static ParamSpec,
}

/// The processor instance ids of `S`, in signal order.
pub fn processor_ids<S: Signal>() -> Vec<String> {
    let mut ids = Vec::new();
    visit_instances::<S>(&mut |instance, _, _| ids.push(instance.to_owned()));
    ids
}

/// The parameters of `S`, in signal order (the order of plain values everywhere).
pub fn param_infos<S: Signal>() -> Vec<ParamInfo> {
    let mut infos = Vec::with_capacity(S::param_count());
    visit_instances::<S>(&mut |instance, occurrence, specs| {
        for spec in specs {
            let name = if occurrence > 1 {
                format!("{} {occurrence}", spec.name)
            } else {
                spec.name.to_owned()
            };
            infos.push(ParamInfo {
                id: format!("{instance}_{}", spec.id),
                name,
                processor: instance.to_owned(),
                spec,
            });
        }
    });
    infos
}

/// Checks what the compiler cannot: ids are snake_case (`[a-z][a-z0-9_]*`) and the full
/// ids are unique. Call it from a test of your plugin.
pub fn validate<S: Signal>() -> Result<(), String> {
    let mut problems = Vec::new();
    S::visit(&mut |processor, specs| {
        if !is_snake(processor) {
            problems.push(format!("processor id `{processor}` is not snake_case"));
        }
        for spec in specs {
            if !is_snake(spec.id) {
                problems.push(format!("parameter id `{processor}.{}` is not snake_case", spec.id));
            }
        }
    });
    let infos = param_infos::<S>();
    for (index, info) in infos.iter().enumerate() {
        if infos[..index].iter().any(|earlier| earlier.id == info.id) {
            problems.push(format!("duplicate parameter id `{}`", info.id));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// One element of `wavecraft_get_params_json`'s array (the contract's ParameterInfo).
#[derive(Serialize)]
struct ParameterJson<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    value: f32,
    default: f32,
    min: f32,
    max: f32,
    #[serde(skip_serializing_if = "str::is_empty")]
    unit: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    group: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    variants: Option<&'static [&'static str]>,
}

#[derive(Serialize)]
struct ProcessorJson<'a> {
    id: &'a str,
}

/// The JSON array of ParameterInfo the binary contract promises (serde_json: f32 values
/// in their shortest round-trip form, strings escaped).
pub fn params_json<S: Signal>() -> String {
    let infos = param_infos::<S>();
    let items: Vec<ParameterJson<'_>> = infos
        .iter()
        .map(|info| {
            let spec = info.spec;
            let (min, max) = spec.plain_range();
            let default = spec.default_plain();
            ParameterJson {
                id: &info.id,
                name: &info.name,
                kind: spec.type_name(),
                value: default,
                default,
                min,
                max,
                unit: spec.unit,
                group: spec.group,
                variants: match spec.kind {
                    ParamKind::Enum { variants, .. } => Some(variants),
                    _ => None,
                },
            }
        })
        .collect();
    serde_json::to_string(&items).expect("parameter metadata always serialises")
}

/// `[{"id":"input_gain"},...]`.
pub fn processors_json<S: Signal>() -> String {
    let ids = processor_ids::<S>();
    let items: Vec<ProcessorJson<'_>> = ids.iter().map(|id| ProcessorJson { id }).collect();
    serde_json::to_string(&items).expect("processor ids always serialise")
}

/// Walks the processors with their instance id and occurrence number (1, 2, ...).
fn visit_instances<S: Signal>(f: &mut dyn FnMut(&str, usize, &'static [ParamSpec])) {
    // Few processors per chain: a linear count beats a map and allocates once.
    let mut seen: Vec<(&'static str, usize)> = Vec::new();
    S::visit(&mut |processor, specs| {
        let occurrence = match seen.iter_mut().find(|(id, _)| *id == processor) {
            Some((_, count)) => {
                *count += 1;
                *count
            }
            None => {
                seen.push((processor, 1));
                1
            }
        };
        if occurrence == 1 {
            f(processor, occurrence, specs);
        } else {
            f(&format!("{processor}_{occurrence}"), occurrence, specs);
        }
    });
}

fn is_snake(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_and_numbers_short() {
        let item = ParameterJson {
            id: "gain_level",
            name: "a\"b\\c\nd\u{1}é",
            kind: "float",
            value: 0.1,
            default: 0.1,
            min: -24.0,
            max: f32::INFINITY,
            unit: "",
            group: "G",
            variants: None,
        };
        let json = serde_json::to_string(&item).unwrap();
        assert!(json.contains(r#""name":"a\"b\\c\nd\u0001é""#), "{json}");
        assert!(json.contains(r#""value":0.1,"default":0.1,"min":-24.0,"max":null"#), "{json}");
        assert!(!json.contains("unit") && json.contains(r#""group":"G""#), "{json}");
    }
}
