//! The host's callbacks: what a plugin may ask of its host (main-thread callback, timers,
//! file descriptors, parameter rescans, GUI resize/close, log), recorded for the test driver.

use clack_extensions::audio_ports::{AudioPortRescanFlags, HostAudioPortsImpl};
use clack_extensions::gui::{GuiSize, HostGuiImpl, PluginGui};
use clack_extensions::log::{HostLogImpl, LogSeverity};
use clack_extensions::params::{
    HostParamsImplMainThread, HostParamsImplShared, ParamClearFlags, ParamRescanFlags, PluginParams,
};
use clack_extensions::audio_ports::PluginAudioPorts;
use clack_extensions::posix_fd::{FdFlags, HostPosixFdImpl, PluginPosixFd};
use clack_extensions::timer::{HostTimerImpl, PluginTimer, TimerId};
use clack_host::prelude::*;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::os::fd::RawFd;
use std::sync::mpsc::Sender;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What other threads (the plugin's, the audio thread, stdin) tell the main thread.
pub enum Wake {
    /// A command line from stdin (None: stdin closed).
    Line(Option<String>),
    /// The plugin called `request_callback`.
    Callback,
    /// The plugin asked for a new editor size.
    Resize(GuiSize),
    /// The plugin's floating window closed (or its editor was destroyed).
    Closed,
}

pub struct TestHost;

impl HostHandlers for TestHost {
    type Shared<'a> = Shared;
    type MainThread<'a> = MainThread<'a>;
    type AudioProcessor<'a> = ();

    fn declare_extensions(builder: &mut HostExtensions<Self>, _shared: &Self::Shared<'_>) {
        builder
            .register::<clack_extensions::log::HostLog>()
            .register::<clack_extensions::gui::HostGui>()
            .register::<clack_extensions::timer::HostTimer>()
            .register::<clack_extensions::posix_fd::HostPosixFd>()
            .register::<clack_extensions::params::HostParams>()
            .register::<clack_extensions::audio_ports::HostAudioPorts>();
    }
}

/// Thread-safe host state: the wake channel and what the plugin logged.
pub struct Shared {
    wake: Mutex<Sender<Wake>>,
    pub log: Mutex<Vec<String>>,
    pub callbacks_requested: Mutex<u64>,
}

impl Shared {
    pub fn new(wake: Sender<Wake>) -> Self {
        Self { wake: Mutex::new(wake), log: Mutex::new(Vec::new()), callbacks_requested: Mutex::new(0) }
    }

    fn send(&self, wake: Wake) {
        if let Ok(sender) = self.wake.lock() {
            let _ = sender.send(wake);
        }
    }
}

impl<'a> SharedHandler<'a> for Shared {
    fn request_restart(&self) {}
    fn request_process(&self) {}
    fn request_callback(&self) {
        if let Ok(mut n) = self.callbacks_requested.lock() {
            *n += 1;
        }
        self.send(Wake::Callback);
    }
}

impl HostLogImpl for Shared {
    fn log(&self, severity: LogSeverity, message: &str) {
        let line = format!("[{severity}] {message}");
        eprintln!("plugin log: {line}");
        if let Ok(mut log) = self.log.lock() {
            log.push(line);
        }
    }
}

impl HostGuiImpl for Shared {
    fn resize_hints_changed(&self) {}
    fn request_resize(&self, new_size: GuiSize) -> Result<(), HostError> {
        self.send(Wake::Resize(new_size));
        Ok(())
    }
    fn request_show(&self) -> Result<(), HostError> {
        Ok(())
    }
    fn request_hide(&self) -> Result<(), HostError> {
        Ok(())
    }
    fn closed(&self, _was_destroyed: bool) {
        self.send(Wake::Closed);
    }
}

impl HostParamsImplShared for Shared {
    fn request_flush(&self) {
        // The audio thread runs continuously while active, and the main loop flushes when not.
        self.send(Wake::Callback);
    }
}

/// One registered timer.
pub struct Timer {
    pub period: Duration,
    pub due: Instant,
}

/// Main-thread host state: the plugin's extensions, timers and file descriptors.
pub struct MainThread<'a> {
    pub _shared: &'a Shared,
    pub params: Cell<Option<PluginParams>>,
    pub gui: Cell<Option<PluginGui>>,
    pub timer_ext: Cell<Option<PluginTimer>>,
    pub fd_ext: Cell<Option<PluginPosixFd>>,
    pub ports: Cell<Option<PluginAudioPorts>>,
    pub timers: RefCell<BTreeMap<u32, Timer>>,
    pub fds: RefCell<BTreeMap<RawFd, FdFlags>>,
    next_timer: Cell<u32>,
    pub rescans: Cell<u64>,
}

impl<'a> MainThread<'a> {
    pub fn new(shared: &'a Shared) -> Self {
        Self {
            _shared: shared,
            params: Cell::new(None),
            gui: Cell::new(None),
            timer_ext: Cell::new(None),
            fd_ext: Cell::new(None),
            ports: Cell::new(None),
            timers: RefCell::new(BTreeMap::new()),
            fds: RefCell::new(BTreeMap::new()),
            next_timer: Cell::new(0),
            rescans: Cell::new(0),
        }
    }
}

impl<'a> MainThreadHandler<'a> for MainThread<'a> {
    fn initialized(&self, instance: InitializedPluginHandle<'a>) {
        self.params.set(instance.get_extension());
        self.gui.set(instance.get_extension());
        self.timer_ext.set(instance.get_extension());
        self.fd_ext.set(instance.get_extension());
        self.ports.set(instance.get_extension());
    }
}

impl HostTimerImpl for MainThread<'_> {
    fn register_timer(&self, period_ms: u32) -> Result<TimerId, HostError> {
        let id = self.next_timer.get() + 1;
        self.next_timer.set(id);
        let period = Duration::from_millis(u64::from(period_ms.max(5)));
        self.timers.borrow_mut().insert(id, Timer { period, due: Instant::now() + period });
        Ok(TimerId(id))
    }

    fn unregister_timer(&self, timer_id: TimerId) -> Result<(), HostError> {
        match self.timers.borrow_mut().remove(&timer_id.0) {
            Some(_) => Ok(()),
            None => Err(HostError::Message("unknown timer")),
        }
    }
}

impl HostPosixFdImpl for MainThread<'_> {
    fn register_fd(&self, fd: RawFd, flags: FdFlags) -> Result<(), HostError> {
        self.fds.borrow_mut().insert(fd, flags);
        Ok(())
    }
    fn modify_fd(&self, fd: RawFd, flags: FdFlags) -> Result<(), HostError> {
        self.fds.borrow_mut().insert(fd, flags);
        Ok(())
    }
    fn unregister_fd(&self, fd: RawFd) -> Result<(), HostError> {
        self.fds.borrow_mut().remove(&fd);
        Ok(())
    }
}

impl HostParamsImplMainThread for MainThread<'_> {
    fn rescan(&self, _flags: ParamRescanFlags) {
        self.rescans.set(self.rescans.get() + 1);
    }
    fn clear(&self, _param_id: ClapId, _flags: ParamClearFlags) {}
}

impl HostAudioPortsImpl for MainThread<'_> {
    fn is_rescan_flag_supported(&self, _flag: AudioPortRescanFlags) -> bool {
        false
    }
    fn rescan(&self, _flag: AudioPortRescanFlags) {}
}
