//! The CLAP entry point: nice-plug's plugin factory plus a preset-discovery factory.
//!
//! nice-plug 0.4.2's `nice_export_clap!` offers only `clap.plugin-factory`, and its
//! `clap_entry` symbol cannot be wrapped, so [`wavecraft_plugin!`](crate::wavecraft_plugin)
//! exports its own `clap_entry` through [`ClapExport`]: the plugin factory makes nice-plug's
//! own `Wrapper` (the plugin is unchanged), and `clap.preset-discovery-factory/2` declares
//! one location: the folder `<stem>.clap-presets/` beside the plugin file `<stem>.clap`, where
//! `wavecraft-build release` puts one `.wcpreset` file per factory preset (JSON: `name`,
//! `plugin_id`, `category`?, `creators`?, and `state`, nice-plug's own state object with
//! every parameter's plain value). One preset a file, no container: clap-validator 0.4.1
//! deadlocks on the second preset of a container (its `begin_preset` holds the lock its
//! `flush_preset` takes).
//!
//! Presets load through the `clap.preset-load/2` extension, added next to nice-plug's
//! extensions: it hands the file's state to nice-plug's own `clap.state` `load`, the path a
//! host's saved project takes, so the values are set, the host told to rescan, and nothing
//! else differs.
//!
//! The library data (descriptor, presets folder) is built in `clap_entry.init` and dropped
//! in `deinit` (reference counted, as CLAP asks): nothing is initialised during `dlopen`.

use std::ffi::{c_char, c_void, CStr, CString};
use std::sync::atomic::{AtomicPtr, Ordering};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use clap_sys::ext::preset_load::{
    clap_plugin_preset_load, CLAP_EXT_PRESET_LOAD, CLAP_EXT_PRESET_LOAD_COMPAT,
};
use clap_sys::ext::state::{clap_plugin_state, CLAP_EXT_STATE};
use clap_sys::factory::plugin_factory::{clap_plugin_factory, CLAP_PLUGIN_FACTORY_ID};
use clap_sys::factory::preset_discovery::{
    clap_preset_discovery_factory, clap_preset_discovery_filetype, clap_preset_discovery_indexer,
    clap_preset_discovery_location,
    clap_preset_discovery_location_kind, clap_preset_discovery_metadata_receiver,
    clap_preset_discovery_provider, clap_preset_discovery_provider_descriptor,
    CLAP_PRESET_DISCOVERY_FACTORY_ID, CLAP_PRESET_DISCOVERY_FACTORY_ID_COMPAT,
    CLAP_PRESET_DISCOVERY_IS_FACTORY_CONTENT, CLAP_PRESET_DISCOVERY_LOCATION_FILE,
};
use clap_sys::host::clap_host;
use clap_sys::plugin::{clap_plugin, clap_plugin_descriptor};
use clap_sys::stream::clap_istream;
use clap_sys::universal_plugin_id::clap_universal_plugin_id;
use clap_sys::version::CLAP_VERSION;
use nice_plug::prelude::ClapPlugin;
use nice_plug::wrapper::clap::{PluginDescriptor, Wrapper};
use serde::Deserialize;

type GetExtension = unsafe extern "C" fn(*const clap_plugin, *const c_char) -> *const c_void;

/// A `.wcpreset` file: `wavecraft-build release` writes one per preset.
#[derive(Deserialize)]
struct PresetFile {
    name: String,
    plugin_id: String,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    creators: Vec<String>,
    /// nice-plug's state object: every parameter's plain value.
    state: serde_json::Value,
}

/// A preset file is a few hundred bytes; anything bigger is not read.
const MAX_PRESET_BYTES: u64 = 1 << 20;

/// A path CLAP hands over: UTF-8 on every OS (the CLAP spec; a Windows path is not bytes).
fn clap_path(path: &CStr) -> Option<&Path> {
    path.to_str().ok().map(Path::new)
}

fn read_preset(path: &CStr, clap_id: &str) -> Option<PresetFile> {
    let path = clap_path(path)?;
    if std::fs::metadata(path).ok()?.len() > MAX_PRESET_BYTES {
        return None;
    }
    let preset: PresetFile = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    (preset.plugin_id == clap_id).then_some(preset)
}

struct Library {
    users: usize,
    descriptor: PluginDescriptor,
    clap_id: CString,
    /// `<stem>.clap-presets/` beside the plugin file, when it exists.
    presets_dir: Option<CString>,
    /// nice-plug's own `get_extension`, read from the first plugin this library made.
    inner_get_extension: Option<GetExtension>,
}

// SAFETY: the descriptor's raw pointers point into its own CStrings, which never move or
// change while the library is alive; every access goes through the mutex.
unsafe impl Send for Library {}

/// The state of one plugin library's CLAP exports; `wavecraft_plugin!` makes one static.
pub struct ClapExport {
    library: Mutex<Option<Library>>,
    /// The same as `Library::inner_get_extension`, for the extension's hot path.
    inner_get_extension: AtomicPtr<c_void>,
}

impl Default for ClapExport {
    fn default() -> Self {
        Self::new()
    }
}

const PROVIDER_ID: &CStr = c"wavecraft.factory-presets";
const PROVIDER_NAME: &CStr = c"Factory presets";
const PROVIDER_VENDOR: &CStr = c"wavecraft";

static PROVIDER_DESCRIPTOR: SyncDescriptor = SyncDescriptor(clap_preset_discovery_provider_descriptor {
    clap_version: CLAP_VERSION,
    id: PROVIDER_ID.as_ptr(),
    name: PROVIDER_NAME.as_ptr(),
    vendor: PROVIDER_VENDOR.as_ptr(),
});

struct SyncDescriptor(clap_preset_discovery_provider_descriptor);
// SAFETY: the pointers are to 'static C string literals.
unsafe impl Sync for SyncDescriptor {}

impl ClapExport {
    /// An export with nothing initialised (`const`: the static holds no lazy state).
    pub const fn new() -> Self {
        Self { library: Mutex::new(None), inner_get_extension: AtomicPtr::new(std::ptr::null_mut()) }
    }

    fn lock(&self) -> MutexGuard<'_, Option<Library>> {
        self.library.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `clap_entry.init`: builds the descriptor and finds the presets folder.
    ///
    /// # Safety
    /// `plugin_path` is null or a C string (the plugin file's path, from the host).
    pub unsafe fn init<P: ClapPlugin>(&self, plugin_path: *const c_char) -> bool {
        nice_plug::wrapper::setup_logger::<P>();
        let mut library = self.lock();
        if let Some(library) = library.as_mut() {
            library.users += 1;
            return true;
        }
        let Ok(clap_id) = CString::new(P::CLAP_ID) else { return false };
        let presets_dir = (!plugin_path.is_null())
            .then(|| presets_dir(unsafe { CStr::from_ptr(plugin_path) }))
            .flatten();
        *library = Some(Library {
            users: 1,
            descriptor: PluginDescriptor::for_plugin::<P>(),
            clap_id,
            presets_dir,
            inner_get_extension: None,
        });
        true
    }

    /// `clap_entry.deinit`: the last one drops what `init` built.
    pub fn deinit(&self) {
        let mut library = self.lock();
        if let Some(lib) = library.as_mut() {
            lib.users -= 1;
            if lib.users == 0 {
                *library = None;
            }
        }
    }

    /// `clap_entry.get_factory`: the plugin factory or the preset-discovery factory.
    ///
    /// # Safety
    /// `factory_id` is null or a C string.
    pub unsafe fn get_factory(
        &self,
        factory_id: *const c_char,
        plugins: &'static clap_plugin_factory,
        presets: &'static clap_preset_discovery_factory,
    ) -> *const c_void {
        if factory_id.is_null() {
            return std::ptr::null();
        }
        let id = unsafe { CStr::from_ptr(factory_id) };
        if id == CLAP_PLUGIN_FACTORY_ID {
            plugins as *const _ as *const c_void
        } else if id == CLAP_PRESET_DISCOVERY_FACTORY_ID || id == CLAP_PRESET_DISCOVERY_FACTORY_ID_COMPAT {
            presets as *const _ as *const c_void
        } else {
            std::ptr::null()
        }
    }

    /// `clap_plugin_factory.get_plugin_descriptor`.
    pub fn plugin_descriptor(&self, index: u32) -> *const clap_plugin_descriptor {
        match self.lock().as_ref() {
            Some(lib) if index == 0 => lib.descriptor.clap_plugin_descriptor(),
            _ => std::ptr::null(),
        }
    }

    /// `clap_plugin_factory.create_plugin`: nice-plug's wrapper, with the preset-load
    /// extension added to its `get_extension`.
    ///
    /// # Safety
    /// `host` is a valid host, `plugin_id` null or a C string.
    pub unsafe fn create_plugin<P: ClapPlugin>(
        &self,
        host: *const clap_host,
        plugin_id: *const c_char,
        get_extension: GetExtension,
    ) -> *const clap_plugin {
        let mut library = self.lock();
        let Some(lib) = library.as_mut() else { return std::ptr::null() };
        if plugin_id.is_null() || unsafe { CStr::from_ptr(plugin_id) } != lib.clap_id.as_c_str() {
            return std::ptr::null();
        }
        // Released in nice-plug's `destroy` (the same thing `nice_export_clap!` does).
        let plugin = unsafe { (*Arc::into_raw(Wrapper::<P>::new(host))).clap_plugin.as_ptr() };
        unsafe {
            let inner = (*plugin).get_extension;
            if lib.inner_get_extension.is_none() {
                lib.inner_get_extension = inner;
                if let Some(inner) = inner {
                    self.inner_get_extension.store(inner as *mut c_void, Ordering::Release);
                }
            }
            (*plugin).get_extension = Some(get_extension);
        }
        plugin
    }

    /// The plugin's `get_extension`: `clap.preset-load/2` here, the rest nice-plug's.
    ///
    /// # Safety
    /// Called by the host with a plugin made by `create_plugin`.
    pub unsafe fn get_extension(
        &self,
        plugin: *const clap_plugin,
        id: *const c_char,
        preset_load: &'static clap_plugin_preset_load,
    ) -> *const c_void {
        if !id.is_null() {
            let name = unsafe { CStr::from_ptr(id) };
            if name == CLAP_EXT_PRESET_LOAD || name == CLAP_EXT_PRESET_LOAD_COMPAT {
                return preset_load as *const _ as *const c_void;
            }
        }
        match self.inner() {
            Some(inner) => unsafe { inner(plugin, id) },
            None => std::ptr::null(),
        }
    }

    fn inner(&self) -> Option<GetExtension> {
        let ptr = self.inner_get_extension.load(Ordering::Acquire);
        // SAFETY: only ever stores nice-plug's `get_extension` function pointer.
        (!ptr.is_null()).then(|| unsafe { std::mem::transmute::<*mut c_void, GetExtension>(ptr) })
    }

    /// `clap_plugin_preset_load.from_location`: the named preset through nice-plug's state.
    ///
    /// # Safety
    /// Called by the host with a plugin made by `create_plugin`.
    pub unsafe fn load_preset(
        &self,
        plugin: *const clap_plugin,
        kind: clap_preset_discovery_location_kind,
        location: *const c_char,
        load_key: *const c_char,
    ) -> bool {
        if kind != CLAP_PRESET_DISCOVERY_LOCATION_FILE || location.is_null() || !load_key.is_null() {
            return false;
        }
        let clap_id = match self.lock().as_ref() {
            Some(lib) => lib.clap_id.to_string_lossy().into_owned(),
            None => return false,
        };
        let Some(preset) = read_preset(unsafe { CStr::from_ptr(location) }, &clap_id) else {
            return false;
        };
        let state = preset.state.to_string();
        let mut stream = (state.len() as u64).to_le_bytes().to_vec();
        stream.extend_from_slice(state.as_bytes());
        let Some(inner) = self.inner() else { return false };
        let state = unsafe { inner(plugin, CLAP_EXT_STATE.as_ptr()) } as *const clap_plugin_state;
        let Some(load) = (!state.is_null()).then(|| unsafe { (*state).load }).flatten() else {
            return false;
        };
        let mut reader = Reader { data: &stream, pos: 0 };
        let istream = clap_istream { ctx: &mut reader as *mut Reader as *mut c_void, read: Some(read) };
        unsafe { load(plugin, &istream) }
    }

    /// `clap_preset_discovery_factory.create`: one provider, owned by the host until
    /// its `destroy`.
    ///
    /// # Safety
    /// `provider_id` is null or a C string; `indexer` outlives the provider.
    pub unsafe fn create_provider(
        &self,
        indexer: *const clap_preset_discovery_indexer,
        provider_id: *const c_char,
    ) -> *const clap_preset_discovery_provider {
        if provider_id.is_null() || unsafe { CStr::from_ptr(provider_id) } != PROVIDER_ID {
            return std::ptr::null();
        }
        let provider = Box::new(ProviderBox {
            raw: clap_preset_discovery_provider {
                desc: &PROVIDER_DESCRIPTOR.0,
                provider_data: std::ptr::null_mut(),
                init: Some(provider_init),
                destroy: Some(provider_destroy),
                get_metadata: None,
                get_extension: Some(provider_get_extension),
            },
            indexer,
            export: self as *const ClapExport,
        });
        let raw = Box::into_raw(provider);
        unsafe {
            (*raw).raw.provider_data = raw as *mut c_void;
            (*raw).raw.get_metadata = Some(provider_get_metadata);
        }
        raw as *const clap_preset_discovery_provider
    }

    fn metadata(&self, location: &CStr, receiver: &clap_preset_discovery_metadata_receiver) -> bool {
        let clap_id = match self.lock().as_ref() {
            Some(lib) => lib.clap_id.clone(),
            None => return false,
        };
        // Another plugin's file, or not a preset: no preset in this file, not an error.
        let Some(preset) = read_preset(location, &clap_id.to_string_lossy()) else { return true };
        let (Ok(name), Some(begin)) = (CString::new(preset.name), receiver.begin_preset) else {
            return false;
        };
        // One preset a file: no load key (the file is the location).
        if !unsafe { begin(receiver, name.as_ptr(), std::ptr::null()) } {
            return true;
        }
        let plugin_id = clap_universal_plugin_id { abi: c"clap".as_ptr(), id: clap_id.as_ptr() };
        if let Some(add) = receiver.add_plugin_id {
            unsafe { add(receiver, &plugin_id) };
        }
        if let (Some(Ok(category)), Some(add)) = (preset.category.map(CString::new), receiver.add_feature) {
            unsafe { add(receiver, category.as_ptr()) };
        }
        if let Some(add) = receiver.add_creator {
            for creator in preset.creators.into_iter().filter_map(|c| CString::new(c).ok()) {
                unsafe { add(receiver, creator.as_ptr()) };
            }
        }
        true
    }

    fn presets_dir(&self) -> Option<CString> {
        self.lock().as_ref().and_then(|lib| lib.presets_dir.clone())
    }
}

/// `<dir>/<stem>.clap-presets` for the plugin file `<dir>/<stem>.clap`, if it is a folder.
fn presets_dir(plugin_path: &CStr) -> Option<CString> {
    let path = clap_path(plugin_path)?;
    let stem = path.file_stem()?.to_str()?;
    let dir = path.parent()?.join(format!("{stem}.clap-presets"));
    if !dir.is_dir() {
        return None;
    }
    CString::new(dir.to_str()?).ok()
}

/// The provider struct comes first: the host's pointer is also the Box's.
#[repr(C)]
struct ProviderBox {
    raw: clap_preset_discovery_provider,
    indexer: *const clap_preset_discovery_indexer,
    export: *const ClapExport,
}

unsafe fn provider_of<'a>(provider: *const clap_preset_discovery_provider) -> Option<&'a ProviderBox> {
    if provider.is_null() {
        return None;
    }
    unsafe { ((*provider).provider_data as *const ProviderBox).as_ref() }
}

unsafe extern "C" fn provider_init(provider: *const clap_preset_discovery_provider) -> bool {
    let Some(this) = (unsafe { provider_of(provider) }) else { return false };
    let indexer = this.indexer;
    if indexer.is_null() {
        return false;
    }
    let filetype = clap_preset_discovery_filetype {
        name: c"Wavecraft preset".as_ptr(),
        description: c"A factory preset of a plugin made with Wavecraft".as_ptr(),
        file_extension: c"wcpreset".as_ptr(),
    };
    let Some(declare_filetype) = (unsafe { (*indexer).declare_filetype }) else { return false };
    if !unsafe { declare_filetype(indexer, &filetype) } {
        return false;
    }
    // No folder beside the plugin (only the .clap was copied): no presets, nothing to crawl.
    let Some(dir) = (unsafe { (*this.export).presets_dir() }) else { return true };
    let location = clap_preset_discovery_location {
        flags: CLAP_PRESET_DISCOVERY_IS_FACTORY_CONTENT,
        name: PROVIDER_NAME.as_ptr(),
        kind: CLAP_PRESET_DISCOVERY_LOCATION_FILE,
        location: dir.as_ptr(),
    };
    match unsafe { (*indexer).declare_location } {
        Some(declare) => unsafe { declare(indexer, &location) },
        None => false,
    }
}

unsafe extern "C" fn provider_destroy(provider: *const clap_preset_discovery_provider) {
    if let Some(this) = unsafe { provider_of(provider) } {
        drop(unsafe { Box::from_raw(this as *const ProviderBox as *mut ProviderBox) });
    }
}

unsafe extern "C" fn provider_get_metadata(
    provider: *const clap_preset_discovery_provider,
    kind: clap_preset_discovery_location_kind,
    location: *const c_char,
    receiver: *const clap_preset_discovery_metadata_receiver,
) -> bool {
    let Some(this) = (unsafe { provider_of(provider) }) else { return false };
    if kind != CLAP_PRESET_DISCOVERY_LOCATION_FILE || location.is_null() || receiver.is_null() {
        return false;
    }
    unsafe { (*this.export).metadata(CStr::from_ptr(location), &*receiver) }
}

unsafe extern "C" fn provider_get_extension(
    _provider: *const clap_preset_discovery_provider,
    _id: *const c_char,
) -> *const c_void {
    std::ptr::null()
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

unsafe extern "C" fn read(stream: *const clap_istream, buffer: *mut c_void, size: u64) -> i64 {
    let reader = unsafe { &mut *((*stream).ctx as *mut Reader) };
    let n = (reader.data.len() - reader.pos).min(size as usize);
    unsafe {
        std::ptr::copy_nonoverlapping(reader.data.as_ptr().add(reader.pos), buffer as *mut u8, n);
    }
    reader.pos += n;
    n as i64
}

/// `clap_preset_discovery_factory` over an export (for the macro's statics).
pub const fn preset_factory(
    count: unsafe extern "C" fn(*const clap_preset_discovery_factory) -> u32,
    get_descriptor: unsafe extern "C" fn(
        *const clap_preset_discovery_factory,
        u32,
    ) -> *const clap_preset_discovery_provider_descriptor,
    create: unsafe extern "C" fn(
        *const clap_preset_discovery_factory,
        *const clap_preset_discovery_indexer,
        *const c_char,
    ) -> *const clap_preset_discovery_provider,
) -> clap_preset_discovery_factory {
    clap_preset_discovery_factory { count: Some(count), get_descriptor: Some(get_descriptor), create: Some(create) }
}

/// The one provider's descriptor (index 0), null for any other index.
pub fn provider_descriptor(index: u32) -> *const clap_preset_discovery_provider_descriptor {
    if index == 0 {
        &PROVIDER_DESCRIPTOR.0
    } else {
        std::ptr::null()
    }
}

/// Re-exports the macro needs.
pub use clap_sys::entry::clap_plugin_entry as Entry;
pub use clap_sys::ext::preset_load::clap_plugin_preset_load as PresetLoad;
pub use clap_sys::factory::plugin_factory::clap_plugin_factory as PluginFactory;
pub use clap_sys::factory::preset_discovery::clap_preset_discovery_factory as PresetFactory;
pub use clap_sys::factory::preset_discovery::clap_preset_discovery_indexer as Indexer;
pub use clap_sys::factory::preset_discovery::clap_preset_discovery_provider as Provider;
pub use clap_sys::factory::preset_discovery::clap_preset_discovery_provider_descriptor as ProviderDescriptor;
pub use clap_sys::version::CLAP_VERSION as VERSION;
