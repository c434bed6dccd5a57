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

#[doc(hidden)]
pub mod clap_export;
mod denormals;
#[cfg(feature = "editor")]
pub mod editor;
mod engine;
mod ffi;
mod host_params;
mod info;
mod notes;
mod param;
mod plugin;
mod processor;
mod smooth;
pub mod testing;

pub use denormals::DenormalGuard;
pub use engine::Engine;
pub use ffi::{DevProcessorVTable, DEV_DEFAULT_SAMPLE_RATE, DEV_OK, DEV_PANICKED, DEV_VTABLE_VERSION};
pub use host_params::HostParams;
pub use info::{param_infos, params_json, processor_ids, processors_json, validate, ParamInfo};
pub use notes::{
    run_block, DevNoteEvent, Note, NoteEvent, DEV_NOTE_ALL_OFF, DEV_NOTE_CC, DEV_NOTE_NOTE_PITCH_BEND,
    DEV_NOTE_OFF, DEV_NOTE_ON, DEV_NOTE_PITCH_BEND, MAX_CHANNELS,
};
pub use param::{Param, ParamKind, ParamSpec, ParamValues};
pub use plugin::{PluginInfo, PluginKind, WavecraftPlugin};
pub use processor::{Chain, Processor, Signal};
pub use smooth::Smoother;

/// nice-plug itself, for plugins that need more of it (e.g. `ClapFeature`).
pub use nice_plug;

/// Everything a plugin crate usually needs: `use wavecraft::prelude::*;`.
pub mod prelude {
    pub use crate::{
        wavecraft_plugin, Chain, Engine, Note, NoteEvent, Param, ParamSpec, ParamValues,
        PluginKind, Processor, Signal, SignalChain, Smoother,
    };
    pub use nice_plug::prelude::{ClapFeature, Vst3SubCategory};
}

/// Used by the macros; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::clap_export as clap;
    pub use crate::ffi::{
        dev_unwinding, dev_vtable, free_string, params_json_ptr, processors_json_ptr,
    };
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
///         kind: Instrument,                  // optional: Effect (default) or Instrument
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
/// * `nice_export_vst3!` and a `clap_entry` (nice-plug's CLAP factory plus a preset-discovery
///   factory, see `clap_export`) only when the plugin crate's feature
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
            $(kind: $kind:ident,)?
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
                const KIND: $crate::PluginKind =
                    $crate::__wavecraft_or!([$($crate::PluginKind::$kind)?] $crate::PluginKind::Effect);
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

            /// The dev processor vtable (version 4), returned by value.
            #[unsafe(no_mangle)]
            pub extern "C" fn wavecraft_dev_create_processor() -> $crate::DevProcessorVTable {
                $crate::__private::dev_vtable::<$signal>()
            }

            /// 1 while a dev-vtable call of this library is reporting a panic (the dev
            /// engine's watchdog then does not take it for a hang); see the SDK's ffi.rs.
            #[unsafe(no_mangle)]
            pub extern "C" fn wavecraft_dev_unwinding() -> u32 {
                $crate::__private::dev_unwinding()
            }

            // Host entry points only in a real build: a discovery build must not register
            // anything with a host when it is loaded.
            // nice-plug's CLAP factory plus a preset-discovery factory (src/clap_export.rs).
            #[cfg(not(feature = "_param-discovery"))]
            $crate::__wavecraft_export_clap!($plugin);
            #[cfg(not(feature = "_param-discovery"))]
            $crate::__private::nice_plug::nice_export_vst3!($plugin);
        }
    };
}

/// `clap_entry`: nice-plug's plugin factory, a preset-discovery factory for the `.wcpreset`
/// files `wavecraft-build release` puts beside the plugin, and the preset-load extension.
#[doc(hidden)]
#[macro_export]
macro_rules! __wavecraft_export_clap {
    ($plugin:ty) => {
        #[doc(hidden)]
        mod __wavecraft_clap {
            use super::*;
            use ::core::ffi::{c_char, c_void};
            use $crate::__private::clap as c;
            use $crate::__private::nice_plug::wrapper::clap::{clap_host, clap_plugin, clap_plugin_descriptor};

            type Factory = c::PluginFactory;
            type Presets = c::PresetFactory;

            static EXPORT: c::ClapExport = c::ClapExport::new();
            pub(super) static PLUGINS: Factory = Factory {
                get_plugin_count: Some(count),
                get_plugin_descriptor: Some(descriptor),
                create_plugin: Some(create),
            };
            pub(super) static PRESETS: Presets =
                c::preset_factory(preset_count, preset_descriptor, preset_create);
            static PRESET_LOAD: c::PresetLoad = c::PresetLoad { from_location: Some(from_location) };

            unsafe extern "C" fn count(_: *const Factory) -> u32 {
                1
            }
            unsafe extern "C" fn descriptor(_: *const Factory, index: u32) -> *const clap_plugin_descriptor {
                EXPORT.plugin_descriptor(index)
            }
            unsafe extern "C" fn create(
                _: *const Factory,
                host: *const clap_host,
                id: *const c_char,
            ) -> *const clap_plugin {
                unsafe { EXPORT.create_plugin::<$plugin>(host, id, get_extension) }
            }
            unsafe extern "C" fn get_extension(plugin: *const clap_plugin, id: *const c_char) -> *const c_void {
                unsafe { EXPORT.get_extension(plugin, id, &PRESET_LOAD) }
            }
            unsafe extern "C" fn from_location(
                plugin: *const clap_plugin,
                kind: u32,
                location: *const c_char,
                key: *const c_char,
            ) -> bool {
                unsafe { EXPORT.load_preset(plugin, kind, location, key) }
            }
            unsafe extern "C" fn preset_count(_: *const Presets) -> u32 {
                1
            }
            unsafe extern "C" fn preset_descriptor(_: *const Presets, index: u32) -> *const c::ProviderDescriptor {
                c::provider_descriptor(index)
            }
            unsafe extern "C" fn preset_create(
                _: *const Presets,
                indexer: *const c::Indexer,
                id: *const c_char,
            ) -> *const c::Provider {
                unsafe { EXPORT.create_provider(indexer, id) }
            }
            pub(super) extern "C" fn init(path: *const c_char) -> bool {
                unsafe { EXPORT.init::<$plugin>(path) }
            }
            pub(super) extern "C" fn deinit() {
                EXPORT.deinit()
            }
            pub(super) extern "C" fn get_factory(id: *const c_char) -> *const c_void {
                unsafe { EXPORT.get_factory(id, &PLUGINS, &PRESETS) }
            }
        }

        /// The CLAP plugin's entry point.
        #[unsafe(no_mangle)]
        #[used]
        pub static clap_entry: $crate::__private::clap::Entry = $crate::__private::clap::Entry {
            clap_version: $crate::__private::clap::VERSION,
            init: Some(self::__wavecraft_clap::init),
            deinit: Some(self::__wavecraft_clap::deinit),
            get_factory: Some(self::__wavecraft_clap::get_factory),
        };
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
