//! The flat parameter list of a signal, its unique ids and its JSON.
//!
//! Everything here is computed per call into owned values that the caller drops: no
//! global cache (`OnceLock`, `lazy_static`, `static mut`) and no `Box::leak`. Calling it
//! ten thousand times leaves the heap exactly as it was (see `tests/no_leak.rs`).
//!
//! Id scheme: the n-th (n >= 2) occurrence of a processor id in the chain becomes
//! `<id>_<n>`, and each parameter id is `<processor instance id>_<local id>`:
//! `SignalChain![Gain, Gain]` gives processors `gain`, `gain_2` and parameters
//! `gain_level`, `gain_2_level`.

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

/// The JSON array of ParameterInfo the binary contract promises.
pub fn params_json<S: Signal>() -> String {
    let mut out = String::from("[");
    for (index, info) in param_infos::<S>().iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        let spec = info.spec;
        let (min, max) = spec.plain_range();
        let default = spec.default_plain();
        out.push_str("{\"id\":");
        push_json_str(&mut out, &info.id);
        out.push_str(",\"name\":");
        push_json_str(&mut out, &info.name);
        out.push_str(",\"type\":");
        push_json_str(&mut out, spec.type_name());
        for (key, value) in [("value", default), ("default", default), ("min", min), ("max", max)] {
            out.push_str(",\"");
            out.push_str(key);
            out.push_str("\":");
            push_json_num(&mut out, value);
        }
        if !spec.unit.is_empty() {
            out.push_str(",\"unit\":");
            push_json_str(&mut out, spec.unit);
        }
        if !spec.group.is_empty() {
            out.push_str(",\"group\":");
            push_json_str(&mut out, spec.group);
        }
        if let ParamKind::Enum { variants, .. } = spec.kind {
            out.push_str(",\"variants\":[");
            for (n, variant) in variants.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                push_json_str(&mut out, variant);
            }
            out.push(']');
        }
        out.push('}');
    }
    out.push(']');
    out
}

/// `[{"id":"input_gain"},...]`.
pub fn processors_json<S: Signal>() -> String {
    let mut out = String::from("[");
    for (index, id) in processor_ids::<S>().iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str("{\"id\":");
        push_json_str(&mut out, id);
        out.push('}');
    }
    out.push(']');
    out
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

fn push_json_str(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn push_json_num(out: &mut String, value: f32) {
    if value.is_finite() {
        // `Display` for f32 is the shortest round-trip form and never uses an exponent,
        // so it is always a valid JSON number (`0.1`, not `0.10000000149011612`).
        out.push_str(&value.to_string());
    } else {
        out.push_str("null");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_json_strings() {
        let mut out = String::new();
        push_json_str(&mut out, "a\"b\\c\nd\u{1}é");
        assert_eq!(out, "\"a\\\"b\\\\c\\nd\\u0001é\"");
    }

    #[test]
    fn numbers_are_short() {
        let mut out = String::new();
        push_json_num(&mut out, 0.1);
        push_json_num(&mut out, -24.0);
        assert_eq!(out, "0.1-24");
    }
}
