//! Wavecraft SDK: write audio processors, chain them, and declare a VST3/CLAP plugin whose
//! parameter list a build tool can read without starting a host.
//!
//! ```ignore
//! use wavecraft::prelude::*;
//!
//! pub type Signal = SignalChain![InputGain, Filter, OutputGain];
//!
//! wavecraft_plugin! {
//!     pub struct MyPlugin {
//!         name: "My Plugin",
//!         vendor: "Me",
//!         url: "https://example.com",
//!         email: "me@example.com",
//!         clap_id: "com.me.my-plugin",
//!         vst3_id: [0x12, 0x34, /* 16 bytes */],
//!         signal: Signal,
//!     }
//! }
//! ```
//!
//! * [`Processor`]: one DSP stage with `const PARAMS: &[ParamSpec]`.
//! * [`SignalChain!`]: `SignalChain![A, B, C]` runs A, then B, then C.
//! * [`wavecraft_plugin!`]: the plugin type, the binary contract (`wavecraft_get_params_json`,
//!   `wavecraft_get_processors_json`, `wavecraft_free_string`,
//!   `wavecraft_dev_create_processor`), and, unless the plugin crate is built with feature
//!   `_param-discovery`, nice-plug's VST3 and CLAP entry points.
//!
//! Parameter ids are `<processor id>_<param id>`; a processor that appears again in the
//! chain gets `_2`, `_3` on its processor id: `gain_level`, `gain_2_level`.
//!
//! No global state: parameter lists are computed on demand from `const` specs and freed by
//! the caller, so loading the library runs no plugin code and repeated queries do not leak.

mod denormals;
#[cfg(feature = "editor")]
pub mod editor;
mod engine;
mod ffi;
mod host_params;
mod info;
mod param;
mod plugin;
mod processor;

pub use denormals::DenormalGuard;
pub use engine::Engine;
pub use ffi::{DevProcessorVTable, DEV_DEFAULT_SAMPLE_RATE, DEV_OK, DEV_PANICKED, DEV_VTABLE_VERSION};
pub use host_params::HostParams;
pub use info::{param_infos, params_json, processor_ids, processors_json, validate, ParamInfo};
pub use param::{ParamKind, ParamSpec, ParamValues};
pub use plugin::{PluginInfo, WavecraftPlugin};
pub use processor::{Chain, Processor, Signal};

/// nice-plug itself, for plugins that need more of it (e.g. `ClapFeature`).
pub use nice_plug;

/// Everything a plugin crate usually needs: `use wavecraft::prelude::*;`.
pub mod prelude {
    pub use crate::{
        wavecraft_plugin, Chain, Engine, ParamSpec, ParamValues, Processor, Signal, SignalChain,
    };
    pub use nice_plug::prelude::{ClapFeature, Vst3SubCategory};
}

/// Used by the macros; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::ffi::{dev_vtable, free_string, params_json_ptr, processors_json_ptr};
    pub use nice_plug;
}

/// Declares the plugin.
///
/// ```ignore
/// wavecraft_plugin! {
///     /// Doc comments and attributes go on the generated type alias.
///     pub struct MyPlugin {
///         name: "My Plugin",                 // shown by hosts
///         vendor: "Me",
///         url: "https://example.com",
///         email: "me@example.com",
///         version: "1.2.3",                  // optional, default: CARGO_PKG_VERSION
///         description: "A filter",           // optional
///         clap_id: "com.me.my-plugin",
///         vst3_id: [0u8; 16],                // 16 bytes, never change it after release
///         signal: SignalChain![InputGain, Filter, OutputGain],
///     }
/// }
/// ```
///
/// The fields must come in this order. It expands to:
///
/// * `type MyPlugin = WavecraftPlugin<signal, ...>` (a nice-plug `Plugin`),
/// * the four `wavecraft_*` C functions of the binary contract (always),
/// * `nice_export_vst3!` and `nice_export_clap!` only when the plugin crate's feature
///   `_param-discovery` is off, so a discovery build has no host entry points.
///
/// One invocation per crate (the C symbols are global).
#[macro_export]
macro_rules! wavecraft_plugin {
    (
        $(#[$attr:meta])*
        $vis:vis struct $plugin:ident {
            name: $name:expr,
            vendor: $vendor:expr,
            url: $url:expr,
            email: $email:expr,
            $(version: $version:expr,)?
            $(description: $description:expr,)?
            clap_id: $clap_id:expr,
            vst3_id: $vst3_id:expr,
            signal: $signal:ty $(,)?
        }
    ) => {
        $(#[$attr])*
        $vis type $plugin = $crate::WavecraftPlugin<$signal, __wavecraft_generated::Info>;

        #[doc(hidden)]
        #[allow(unused_imports)]
        pub mod __wavecraft_generated {
            use super::*;

            /// Metadata of the plugin declared with `wavecraft_plugin!`.
            pub struct Info;

            impl $crate::PluginInfo for Info {
                const NAME: &'static str = $name;
                const VENDOR: &'static str = $vendor;
                const URL: &'static str = $url;
                const EMAIL: &'static str = $email;
                const VERSION: &'static str =
                    $crate::__wavecraft_or!([$($version)?] ::core::env!("CARGO_PKG_VERSION"));
                const DESCRIPTION: ::core::option::Option<&'static str> =
                    $crate::__wavecraft_or!([$(::core::option::Option::Some($description))?]
                        ::core::option::Option::None);
                const CLAP_ID: &'static str = $clap_id;
                const VST3_CLASS_ID: [u8; 16] = $vst3_id;
            }

            /// JSON array of ParameterInfo; free it with `wavecraft_free_string`.
            #[unsafe(no_mangle)]
            pub extern "C" fn wavecraft_get_params_json() -> *mut ::core::ffi::c_char {
                $crate::__private::params_json_ptr::<$signal>()
            }

            /// JSON array of `{"id": ...}`; free it with `wavecraft_free_string`.
            #[unsafe(no_mangle)]
            pub extern "C" fn wavecraft_get_processors_json() -> *mut ::core::ffi::c_char {
                $crate::__private::processors_json_ptr::<$signal>()
            }

            /// Frees a string returned by the two functions above (null-safe).
            ///
            /// # Safety
            /// `s` is null or came from `wavecraft_get_*_json` and was not freed yet.
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn wavecraft_free_string(s: *mut ::core::ffi::c_char) {
                unsafe { $crate::__private::free_string(s) }
            }

            /// The dev processor vtable (version 3), returned by value.
            #[unsafe(no_mangle)]
            pub extern "C" fn wavecraft_dev_create_processor() -> $crate::DevProcessorVTable {
                $crate::__private::dev_vtable::<$signal>()
            }

            // Host entry points only in a real build: a discovery build must not register
            // anything with a host when it is loaded.
            #[cfg(not(feature = "_param-discovery"))]
            $crate::__private::nice_plug::nice_export_clap!($plugin);
            #[cfg(not(feature = "_param-discovery"))]
            $crate::__private::nice_plug::nice_export_vst3!($plugin);
        }
    };
}

/// `__wavecraft_or!([given] default)`: the given expression if there is one.
#[doc(hidden)]
#[macro_export]
macro_rules! __wavecraft_or {
    ([$given:expr] $default:expr) => {
        $given
    };
    ([] $default:expr) => {
        $default
    };
}
