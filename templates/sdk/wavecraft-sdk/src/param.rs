//! Parameter declarations: what a processor exposes, fixed at compile time.
//!
//! A processor declares its parameters as a `const` slice of [`ParamSpec`]. Being `const`,
//! the specs live in the binary's read-only data: nothing is initialised when the library
//! is loaded, nothing is allocated to read them, and nothing can deadlock inside `dlopen`.

/// What kind of value a parameter holds, with its range and default.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ParamKind {
    /// A continuous value in `min..=max`. `skew` is nice-plug's skew factor (1.0 = linear,
    /// below 1.0 gives more resolution near `min`, e.g. 0.25 for frequencies).
    Float { min: f32, max: f32, default: f32, skew: f32 },
    /// On/off. The plain value is 0.0 or 1.0.
    Bool { default: bool },
    /// One of `variants`. The plain value is the variant index as a float.
    Enum { variants: &'static [&'static str], default: usize },
}

/// One parameter of a processor. Build it with the `const fn` constructors:
///
/// ```
/// use wavecraft::ParamSpec;
/// const LEVEL: ParamSpec = ParamSpec::float("level", "Level", -24.0, 24.0, 0.0).unit("dB");
/// const MODE: ParamSpec = ParamSpec::choice("mode", "Mode", &["Low-pass", "High-pass"], 0);
/// const ON: ParamSpec = ParamSpec::bool("enabled", "Enabled", true);
/// ```
///
/// Invalid specs (an empty id, `min >= max`, a default out of range, fewer than two
/// variants) fail to compile when used in a `const`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParamSpec {
    /// Local id, unique within the processor, snake_case. The full id is
    /// `<processor id>_<local id>`.
    pub id: &'static str,
    /// Name shown to the user (host, generated UI).
    pub name: &'static str,
    pub kind: ParamKind,
    /// Unit without a leading space, e.g. `"dB"`, `"Hz"`; `""` for none.
    pub unit: &'static str,
    /// Group shown by hosts and the generated UI; `""` for none.
    pub group: &'static str,
}

impl ParamSpec {
    /// A float parameter in `min..=max`.
    pub const fn float(
        id: &'static str,
        name: &'static str,
        min: f32,
        max: f32,
        default: f32,
    ) -> Self {
        assert!(!id.is_empty(), "parameter id must not be empty");
        assert!(min < max, "float parameter needs min < max");
        assert!(min <= default && default <= max, "float default must be in min..=max");
        Self {
            id,
            name,
            kind: ParamKind::Float { min, max, default, skew: 1.0 },
            unit: "",
            group: "",
        }
    }

    /// An on/off parameter.
    pub const fn bool(id: &'static str, name: &'static str, default: bool) -> Self {
        assert!(!id.is_empty(), "parameter id must not be empty");
        Self { id, name, kind: ParamKind::Bool { default }, unit: "", group: "" }
    }

    /// A choice between named variants (an "enum" parameter); `default` is an index.
    pub const fn choice(
        id: &'static str,
        name: &'static str,
        variants: &'static [&'static str],
        default: usize,
    ) -> Self {
        assert!(!id.is_empty(), "parameter id must not be empty");
        assert!(variants.len() >= 2, "an enum parameter needs at least two variants");
        assert!(variants.len() <= i32::MAX as usize, "too many variants");
        assert!(default < variants.len(), "enum default must be a variant index");
        Self { id, name, kind: ParamKind::Enum { variants, default }, unit: "", group: "" }
    }

    /// Sets the unit (no leading space: `"dB"`).
    pub const fn unit(mut self, unit: &'static str) -> Self {
        self.unit = unit;
        self
    }

    /// Sets the group.
    pub const fn group(mut self, group: &'static str) -> Self {
        self.group = group;
        self
    }

    /// Skews a float range (nice-plug's factor: 1.0 linear, 0.25 suits frequencies).
    pub const fn skew(mut self, factor: f32) -> Self {
        assert!(factor > 0.0, "skew factor must be positive");
        match self.kind {
            ParamKind::Float { min, max, default, .. } => {
                self.kind = ParamKind::Float { min, max, default, skew: factor };
            }
            _ => panic!("only float parameters can be skewed"),
        }
        self
    }

    /// `"float"`, `"bool"` or `"enum"`, as in the params JSON.
    pub const fn type_name(&self) -> &'static str {
        match self.kind {
            ParamKind::Float { .. } => "float",
            ParamKind::Bool { .. } => "bool",
            ParamKind::Enum { .. } => "enum",
        }
    }

    /// `(min, max)` of the plain value: bools are `(0, 1)`, enums `(0, len - 1)`.
    pub const fn plain_range(&self) -> (f32, f32) {
        match self.kind {
            ParamKind::Float { min, max, .. } => (min, max),
            ParamKind::Bool { .. } => (0.0, 1.0),
            ParamKind::Enum { variants, .. } => (0.0, (variants.len() - 1) as f32),
        }
    }

    /// The default as a plain value.
    pub const fn default_plain(&self) -> f32 {
        match self.kind {
            ParamKind::Float { default, .. } => default,
            ParamKind::Bool { default } => {
                if default {
                    1.0
                } else {
                    0.0
                }
            }
            ParamKind::Enum { default, .. } => default as f32,
        }
    }

    /// Brings any plain value into this parameter's domain: floats are clamped, bools
    /// become 0/1 (>= 0.5 is on), enums are rounded to a valid index. NaN becomes the
    /// default.
    pub fn sanitize(&self, plain: f32) -> f32 {
        if plain.is_nan() {
            return self.default_plain();
        }
        match self.kind {
            ParamKind::Float { min, max, .. } => plain.clamp(min, max),
            ParamKind::Bool { .. } => {
                if plain >= 0.5 {
                    1.0
                } else {
                    0.0
                }
            }
            ParamKind::Enum { variants, .. } => plain.round().clamp(0.0, (variants.len() - 1) as f32),
        }
    }
}

/// A parameter's position in its processor's `PARAMS`, resolved from its local id at
/// compile time: the audio thread reads values by index and never compares strings.
///
/// ```
/// use wavecraft::{Param, ParamSpec};
/// const PARAMS: &[ParamSpec] = &[ParamSpec::float("level", "Level", 0.0, 1.0, 0.5)];
/// const LEVEL: Param = Param::of(PARAMS, "level");
/// assert_eq!(LEVEL.index(), 0);
/// ```
///
/// An id the processor did not declare fails to compile when the `const` is used:
///
/// ```compile_fail
/// use wavecraft::{Param, ParamSpec};
/// const PARAMS: &[ParamSpec] = &[ParamSpec::float("level", "Level", 0.0, 1.0, 0.5)];
/// const TYPO: Param = Param::of(PARAMS, "levle");
/// let _ = TYPO;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param(usize);

impl Param {
    /// The parameter with local id `id` in `specs`; panics (at compile time, in a `const`)
    /// when there is none.
    pub const fn of(specs: &[ParamSpec], id: &str) -> Self {
        let mut index = 0;
        while index < specs.len() {
            if const_str_eq(specs[index].id, id) {
                return Self(index);
            }
            index += 1;
        }
        panic!("the processor declares no parameter with this id");
    }

    /// Position in the processor's `PARAMS`.
    pub const fn index(self) -> usize {
        self.0
    }
}

const fn const_str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The current plain values of one processor's parameters, handed to
/// [`Processor::process`](crate::Processor::process) once per block (or per part of a
/// block between two note events).
///
/// Read values through a [`Param`] resolved at compile time (`params.float(Self::LEVEL)`)
/// or by position (`params.get(0)`): no lookup by name, no panic path. A position past
/// the end reads as 0.
#[derive(Clone, Copy, Debug)]
pub struct ParamValues<'a> {
    values: &'a [f32],
}

impl<'a> ParamValues<'a> {
    /// `values` is one plain value per spec of the processor, in `PARAMS` order.
    pub fn new(values: &'a [f32]) -> Self {
        Self { values }
    }

    /// The plain value at `index` in the processor's `PARAMS`.
    pub fn get(&self, index: usize) -> f32 {
        self.values.get(index).copied().unwrap_or(0.0)
    }

    /// A float parameter's plain value.
    pub fn float(&self, param: Param) -> f32 {
        self.get(param.0)
    }

    /// A bool parameter's value.
    pub fn bool(&self, param: Param) -> bool {
        self.float(param) >= 0.5
    }

    /// An enum parameter's variant index.
    pub fn choice(&self, param: Param) -> usize {
        let value = self.float(param);
        if value.is_finite() && value > 0.0 {
            value.round() as usize
        } else {
            0
        }
    }
}
