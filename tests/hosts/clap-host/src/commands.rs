//! The command language: one line in, one JSON object out (`{"ok": true, ...}` or
//! `{"ok": false, "error": "..."}`), and the session state the commands act on.
//!
//! load PATH [ID] | params | get ID | set ID VALUE | activate | deactivate | events | stats |
//! wait MS | gui_supported | gui_create | gui_size | gui_can_resize | gui_scale S |
//! gui_parent [W H] | gui_set_size W H | gui_show | gui_hide | gui_destroy | gui_open |
//! destroy | quit

use crate::audio::{AudioThread, Observed, BLOCK, SAMPLE_RATE};
use crate::handlers::{Shared, TestHost, Wake, MainThread};
use crate::window::HostWindow;
use crate::mono_ms;
use clack_extensions::audio_ports::AudioPortInfoBuffer;
use clack_extensions::gui::{GuiApiType, GuiConfiguration, GuiSize, Window as ClapWindow};
use clack_extensions::params::ParamInfoBuffer;
use clack_extensions::posix_fd::FdFlags;
use clack_host::events::event_types::ParamValueEvent;
use clack_host::prelude::*;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::ffi::CString;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, Sender};
use std::time::{Duration, Instant};

const EMBEDDED_X11: GuiConfiguration<'static> =
    GuiConfiguration { api_type: GuiApiType::X11, is_floating: false };

type R = Result<Value, String>;

pub struct Session {
    wake: Sender<Wake>,
    pub pending: VecDeque<String>,
    // Drop order: the audio thread, the instance, then the entry it came from.
    audio: Option<AudioThread>,
    instance: Option<PluginInstance<TestHost>>,
    entry: Option<PluginEntry>,
    window: Option<HostWindow>,
    gui_created: bool,
    observed_tx: Sender<Observed>,
    observed_rx: Receiver<Observed>,
    events: Vec<Value>,
    seq: u64,
    callbacks_run: u64,
    timer_ticks: u64,
    fd_calls: u64,
    closed: u64,
    resize_requests: Vec<Value>,
}

fn arg<T: std::str::FromStr>(parts: &[&str], i: usize) -> Result<T, String> {
    parts
        .get(i)
        .ok_or_else(|| format!("argument {i} missing"))?
        .parse::<T>()
        .map_err(|_| format!("argument {i} is not valid: {:?}", parts[i]))
}

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

impl Session {
    pub fn new(wake: Sender<Wake>) -> Self {
        let (observed_tx, observed_rx) = std::sync::mpsc::channel();
        Self {
            wake,
            pending: VecDeque::new(),
            audio: None,
            instance: None,
            entry: None,
            window: None,
            gui_created: false,
            observed_tx,
            observed_rx,
            events: Vec::new(),
            seq: 0,
            callbacks_run: 0,
            timer_ticks: 0,
            fd_calls: 0,
            closed: 0,
            resize_requests: Vec::new(),
        }
    }

    pub fn handle(&mut self, line: &str, wake_rx: &Receiver<Wake>) -> (Value, bool) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let quit = parts[0] == "quit";
        let result = self.dispatch(&parts, wake_rx);
        let mut answer = match result {
            Ok(Value::Object(mut map)) => {
                map.insert("ok".into(), json!(true));
                Value::Object(map)
            }
            Ok(other) => json!({"ok": true, "value": other}),
            Err(error) => json!({"ok": false, "error": error}),
        };
        answer["cmd"] = json!(parts[0]);
        answer["t_ms"] = json!(mono_ms());
        (answer, quit)
    }

    fn instance(&mut self) -> Result<&mut PluginInstance<TestHost>, String> {
        self.instance.as_mut().ok_or_else(|| "no plugin loaded (load PATH first)".to_string())
    }

    fn ext<T: Copy>(&mut self, pick: impl for<'a> Fn(&MainThread<'a>) -> Option<T>, name: &str) -> Result<T, String> {
        let instance = self.instance()?;
        instance.access_handler(|h| pick(h)).ok_or_else(|| format!("the plugin has no {name} extension"))
    }

    fn dispatch(&mut self, parts: &[&str], wake_rx: &Receiver<Wake>) -> R {
        match parts[0] {
            "load" => self.load(parts),
            "params" => self.params(),
            "get" => {
                let id: u32 = arg(parts, 1)?;
                let params = self.ext(|h| h.params.get(), "params")?;
                let instance = self.instance()?;
                let value = params
                    .get_value(&instance.plugin_handle(), ClapId::new(id))
                    .ok_or_else(|| format!("no parameter {id}"))?;
                Ok(json!({"id": id, "value": value}))
            }
            "set" => self.set(arg(parts, 1)?, arg(parts, 2)?, wake_rx),
            "activate" => self.activate(),
            "deactivate" => {
                self.deactivate();
                Ok(json!({}))
            }
            "events" => {
                self.drain_observed();
                Ok(json!({"events": std::mem::take(&mut self.events)}))
            }
            "stats" => Ok(self.stats()),
            "wait" => {
                let ms: u64 = arg(parts, 1)?;
                self.wait(Duration::from_millis(ms), wake_rx, || false);
                Ok(json!({}))
            }
            "gui_supported" => {
                let gui = self.ext(|h| h.gui.get(), "gui")?;
                let instance = self.instance()?;
                let handle = instance.plugin_handle();
                let floating = GuiConfiguration { api_type: GuiApiType::X11, is_floating: true };
                Ok(json!({
                    "x11_embedded": gui.is_api_supported(&handle, EMBEDDED_X11),
                    "x11_floating": gui.is_api_supported(&handle, floating),
                }))
            }
            "gui_create" => self.gui_create(),
            "gui_size" => {
                let gui = self.ext(|h| h.gui.get(), "gui")?;
                let instance = self.instance()?;
                let size = gui.get_size(&instance.plugin_handle()).ok_or("get_size failed")?;
                Ok(json!({"width": size.width, "height": size.height}))
            }
            "gui_can_resize" => {
                let gui = self.ext(|h| h.gui.get(), "gui")?;
                let instance = self.instance()?;
                Ok(json!({"can_resize": gui.can_resize(&instance.plugin_handle())}))
            }
            "gui_scale" => {
                let scale: f64 = arg(parts, 1)?;
                let gui = self.ext(|h| h.gui.get(), "gui")?;
                let instance = self.instance()?;
                let accepted = gui.set_scale(&instance.plugin_handle(), scale).is_ok();
                Ok(json!({"accepted": accepted}))
            }
            "gui_parent" => {
                let size = if parts.len() >= 3 { Some((arg(parts, 1)?, arg(parts, 2)?)) } else { None };
                self.gui_parent(size)
            }
            "gui_set_size" => self.gui_set_size(arg(parts, 1)?, arg(parts, 2)?),
            "gui_show" => {
                let gui = self.ext(|h| h.gui.get(), "gui")?;
                let instance = self.instance()?;
                gui.show(&instance.plugin_handle()).map_err(|e| format!("show failed: {e}"))?;
                Ok(json!({}))
            }
            "gui_hide" => {
                let gui = self.ext(|h| h.gui.get(), "gui")?;
                let instance = self.instance()?;
                gui.hide(&instance.plugin_handle()).map_err(|e| format!("hide failed: {e}"))?;
                Ok(json!({}))
            }
            "gui_destroy" => self.gui_destroy(),
            "gui_open" => {
                let created = self.gui_create()?;
                let parent = self.gui_parent(None)?;
                let gui = self.ext(|h| h.gui.get(), "gui")?;
                let instance = self.instance()?;
                gui.show(&instance.plugin_handle()).map_err(|e| format!("show failed: {e}"))?;
                Ok(json!({"create": created, "window": parent["window"], "width": parent["width"], "height": parent["height"]}))
            }
            "destroy" => {
                // As a careless host does: no gui_destroy first (the editor may still be open).
                self.deactivate();
                self.instance = None;
                self.gui_created = false;
                self.window = None;
                Ok(json!({}))
            }
            "quit" => {
                self.shutdown();
                Ok(json!({}))
            }
            other => Err(format!("unknown command {other:?}")),
        }
    }

    fn load(&mut self, parts: &[&str]) -> R {
        let path: String = arg(parts, 1)?;
        self.shutdown();
        // SAFETY: loading a plugin runs its code; that is what a host does.
        let entry = unsafe { PluginEntry::load(&path) }.map_err(|e| format!("loading {path}: {e}"))?;
        let factory = entry.get_plugin_factory().ok_or("the entry has no plugin factory")?;
        let mut ids = Vec::new();
        let mut names = Vec::new();
        for d in factory.plugin_descriptors() {
            if let Some(id) = d.id() {
                ids.push(id.to_string_lossy().into_owned());
                names.push(d.name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
            }
        }
        let chosen = match parts.get(2) {
            Some(id) => id.to_string(),
            None => ids.first().cloned().ok_or("the factory lists no plugin")?,
        };
        let host_info = HostInfo::new("wavecraft-test-host", "wavecraft", "https://example.invalid", "0.1.0")
            .map_err(|e| e.to_string())?;
        let plugin_id = CString::new(chosen.clone()).map_err(|e| e.to_string())?;
        let wake = self.wake.clone();
        let instance = PluginInstance::<TestHost>::new(
            move |_| Shared::new(wake),
            |shared| MainThread::new(shared),
            &entry,
            &plugin_id,
            &host_info,
        )
        .map_err(|e| format!("creating {chosen}: {e}"))?;
        self.entry = Some(entry);
        self.instance = Some(instance);
        Ok(json!({"id": chosen, "plugins": ids, "names": names}))
    }

    fn params(&mut self) -> R {
        let params = self.ext(|h| h.params.get(), "params")?;
        let instance = self.instance()?;
        let handle = instance.plugin_handle();
        let mut buffer = ParamInfoBuffer::new();
        let mut list = Vec::new();
        for i in 0..params.count(&handle) {
            if let Some(info) = params.get_info(&handle, i, &mut buffer) {
                let id: u32 = info.id.into();
                let value = params.get_value(&handle, info.id);
                list.push(json!({
                    "id": id,
                    "name": String::from_utf8_lossy(info.name).trim_end_matches('\0').to_string(),
                    "min": info.min_value,
                    "max": info.max_value,
                    "default": info.default_value,
                    "value": value,
                }));
            }
        }
        Ok(json!({"params": list}))
    }

    fn set(&mut self, id: u32, value: f64, wake_rx: &Receiver<Wake>) -> R {
        let params = self.ext(|h| h.params.get(), "params")?;
        if let Some(audio) = &self.audio {
            self.seq += 1;
            let seq = self.seq;
            audio.set(seq, id, value);
            let stats = audio.stats.clone();
            let applied = self.wait(Duration::from_secs(5), wake_rx, || stats.applied.load(Ordering::SeqCst) >= seq);
            if !applied {
                return Err("the audio thread did not process the change within 5 s".into());
            }
        } else {
            let instance = self.instance()?;
            let mut handle = instance.inactive_plugin_handle().ok_or("the plugin is in an odd state")?;
            let mut input = EventBuffer::new();
            input.push(&ParamValueEvent::new(0, ClapId::new(id), Pckn::match_all(), value));
            let mut output = EventBuffer::new();
            params.flush(&mut handle, &input.as_input(), &mut output.as_output());
        }
        let instance = self.instance()?;
        let now = params.get_value(&instance.plugin_handle(), ClapId::new(id));
        Ok(json!({"id": id, "value": now}))
    }

    fn activate(&mut self) -> R {
        if self.audio.is_some() {
            return Ok(json!({"already": true}));
        }
        let ports = self.ext(|h| Some(h.ports.get()), "ports")?;
        let instance = self.instance()?;
        let mut channels = (2usize, 2usize);
        if let Some(ports) = ports {
            let handle = instance.plugin_handle();
            let mut buffer = AudioPortInfoBuffer::new();
            let count = |is_input: bool, buffer: &mut AudioPortInfoBuffer| {
                if ports.count(&handle, is_input) == 0 {
                    return 0;
                }
                ports.get(&handle, 0, is_input, buffer).map(|p| p.channel_count as usize).unwrap_or(0)
            };
            channels = (count(true, &mut buffer), count(false, &mut buffer));
        }
        let config = PluginAudioConfiguration {
            sample_rate: SAMPLE_RATE,
            min_frames_count: 1,
            max_frames_count: BLOCK as u32,
        };
        let processor = instance.activate(|_, _| (), config).map_err(|e| format!("activate: {e}"))?;
        self.audio = Some(AudioThread::start(processor, channels, self.observed_tx.clone()));
        Ok(json!({"inputs": channels.0, "outputs": channels.1}))
    }

    fn deactivate(&mut self) {
        if let Some(audio) = self.audio.take() {
            let stopped = audio.stop();
            if let Some(instance) = self.instance.as_mut() {
                instance.deactivate(stopped);
            }
        }
    }

    fn gui_create(&mut self) -> R {
        let gui = self.ext(|h| h.gui.get(), "gui")?;
        let instance = self.instance()?;
        let started = Instant::now();
        gui.create(&instance.plugin_handle(), EMBEDDED_X11).map_err(|e| format!("create failed: {e}"))?;
        self.gui_created = true;
        Ok(json!({"ms": started.elapsed().as_secs_f64() * 1000.0}))
    }

    fn gui_parent(&mut self, size: Option<(u32, u32)>) -> R {
        let gui = self.ext(|h| h.gui.get(), "gui")?;
        let instance = self.instance()?;
        let (width, height) = match size {
            Some(size) => size,
            None => gui
                .get_size(&instance.plugin_handle())
                .map(|s| (s.width, s.height))
                .unwrap_or((640, 480)),
        };
        let title = format!("wavecraft-test-host {}", std::process::id());
        let window = HostWindow::open(width, height, &title)?;
        // SAFETY: the window outlives the editor: gui_destroy/destroy drop it after the plugin.
        unsafe { gui.set_parent(&instance.plugin_handle(), ClapWindow::from_x11_handle(window.id as _)) }
            .map_err(|e| format!("set_parent failed: {e}"))?;
        let id = window.id;
        self.window = Some(window);
        Ok(json!({"window": id, "width": width, "height": height}))
    }

    fn gui_set_size(&mut self, width: u32, height: u32) -> R {
        let gui = self.ext(|h| h.gui.get(), "gui")?;
        let instance = self.instance()?;
        let handle = instance.plugin_handle();
        let asked = GuiSize { width, height };
        let size = gui.adjust_size(&handle, asked).unwrap_or(asked);
        gui.set_size(&handle, size).map_err(|e| format!("set_size failed: {e}"))?;
        if let Some(window) = &self.window {
            window.resize(size.width, size.height)?;
        }
        Ok(json!({"width": size.width, "height": size.height}))
    }

    fn gui_destroy(&mut self) -> R {
        let gui = self.ext(|h| h.gui.get(), "gui")?;
        let instance = self.instance()?;
        gui.destroy(&instance.plugin_handle());
        self.gui_created = false;
        self.window = None;
        Ok(json!({}))
    }

    fn stats(&mut self) -> Value {
        self.drain_observed();
        let (blocks, rms) = match &self.audio {
            Some(a) => (a.stats.blocks.load(Ordering::SeqCst), f64::from_bits(a.stats.out_rms.load(Ordering::SeqCst))),
            None => (0, 0.0),
        };
        let (log, requested, timers, fds) = match self.instance.as_mut() {
            Some(instance) => {
                let shared = instance.access_shared_handler(|s| {
                    (s.log.lock().map(|l| l.clone()).unwrap_or_default(), s.callbacks_requested.lock().map(|n| *n).unwrap_or(0))
                });
                let (timers, fds) = instance.access_handler(|h| (h.timers.borrow().len(), h.fds.borrow().len()));
                (shared.0, shared.1, timers, fds)
            }
            None => (Vec::new(), 0, 0, 0),
        };
        json!({
            "active": self.audio.is_some(),
            "blocks": blocks,
            "out_rms": rms,
            "callbacks_requested": requested,
            "callbacks_run": self.callbacks_run,
            "timers": timers,
            "timer_ticks": self.timer_ticks,
            "fds": fds,
            "fd_calls": self.fd_calls,
            "closed": self.closed,
            "resize_requests": self.resize_requests,
            "gui_created": self.gui_created,
            "window": self.window.as_ref().map(|w| w.id),
            "rss_kb": rss_kb(),
            "log": log,
        })
    }

    fn drain_observed(&mut self) {
        while let Ok(o) = self.observed_rx.try_recv() {
            self.events.push(json!({"type": o.kind, "id": o.id, "value": o.value, "at_ms": o.at_ms}));
        }
    }

    /// Service the plugin for up to `limit` while `done` is false; lines that arrive meanwhile
    /// wait in `pending`. True if `done` became true.
    fn wait(&mut self, limit: Duration, wake_rx: &Receiver<Wake>, done: impl Fn() -> bool) -> bool {
        let until = Instant::now() + limit;
        loop {
            if done() {
                return true;
            }
            if Instant::now() >= until {
                return false;
            }
            match wake_rx.recv_timeout(Duration::from_millis(2)) {
                Ok(Wake::Line(Some(line))) => self.pending.push_back(line),
                Ok(Wake::Line(None)) => self.pending.push_back("quit".into()),
                Ok(other) => self.on_wake(other),
                Err(_) => {}
            }
            self.service();
        }
    }

    pub fn on_wake(&mut self, wake: Wake) {
        match wake {
            Wake::Callback => {
                if let Some(instance) = self.instance.as_mut() {
                    instance.call_on_main_thread_callback();
                    self.callbacks_run += 1;
                }
            }
            Wake::Resize(size) => {
                if let Some(window) = &self.window {
                    let _ = window.resize(size.width, size.height);
                }
                self.resize_requests.push(json!([size.width, size.height]));
            }
            Wake::Closed => self.closed += 1,
            Wake::Line(_) => {}
        }
    }

    /// Timers that are due, file descriptors that are ready, the host window's events.
    pub fn service(&mut self) {
        if let Some(window) = &self.window {
            window.pump();
        }
        let Some(instance) = self.instance.as_mut() else { return };
        let now = Instant::now();
        let (timer_ext, due): (_, Vec<u32>) = instance.access_handler(|h| {
            let mut due = Vec::new();
            for (id, timer) in h.timers.borrow_mut().iter_mut() {
                if timer.due <= now {
                    timer.due = now + timer.period;
                    due.push(*id);
                }
            }
            (h.timer_ext.get(), due)
        });
        if let Some(ext) = timer_ext {
            for id in due {
                ext.on_timer(&instance.plugin_handle(), clack_extensions::timer::TimerId(id));
                self.timer_ticks += 1;
            }
        }
        let (fd_ext, fds): (_, Vec<(i32, FdFlags)>) =
            instance.access_handler(|h| (h.fd_ext.get(), h.fds.borrow().iter().map(|(k, v)| (*k, *v)).collect()));
        let Some(fd_ext) = fd_ext else { return };
        if fds.is_empty() {
            return;
        }
        let mut polls: Vec<libc::pollfd> = fds
            .iter()
            .map(|(fd, flags)| {
                let mut events = 0;
                if flags.contains(FdFlags::READ) {
                    events |= libc::POLLIN;
                }
                if flags.contains(FdFlags::WRITE) {
                    events |= libc::POLLOUT;
                }
                libc::pollfd { fd: *fd, events, revents: 0 }
            })
            .collect();
        // SAFETY: polls is a valid array of pollfd for its length.
        let n = unsafe { libc::poll(polls.as_mut_ptr(), polls.len() as libc::nfds_t, 0) };
        if n <= 0 {
            return;
        }
        for p in polls {
            if p.revents == 0 {
                continue;
            }
            let mut flags = FdFlags::empty();
            if p.revents & libc::POLLIN != 0 {
                flags |= FdFlags::READ;
            }
            if p.revents & libc::POLLOUT != 0 {
                flags |= FdFlags::WRITE;
            }
            if p.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 {
                flags |= FdFlags::ERROR;
            }
            fd_ext.on_fd(&instance.plugin_handle(), p.fd, flags);
            self.fd_calls += 1;
        }
    }

    /// Stop audio, destroy the editor and the instance, in the order a careful host does.
    pub fn shutdown(&mut self) {
        self.deactivate();
        if self.gui_created {
            let _ = self.gui_destroy();
        }
        self.window = None;
        self.instance = None;
        self.entry = None;
    }
}
