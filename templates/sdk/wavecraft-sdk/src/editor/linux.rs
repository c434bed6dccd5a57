//! Linux: the editor is `wavecraft-editor-helper`, a process of its own embedded into the
//! host's X11 window (see the helper's own docs for why). This side writes the embedded helper
//! and UI to a cache folder once (named by content hash), starts the helper, and runs two
//! threads: a reader that answers the page through [`Bridge`] and hands parameter sets to the
//! main thread, and a writer that sends answers, host changes and ~30 Hz meters.
//!
//! Closing: the writer closes the helper's stdin, the helper quits; one that has not exited
//! after [`EXIT_GRACE`] is killed, and it is always waited for (no zombie) before the threads
//! are joined, so no thread of the plugin outlives the editor.

use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::editor::gestures::Gestures;
use crate::editor::rpc::{now_ms, Bridge, EDITOR_ERROR};
use crate::editor::{embedded, Size};

/// How long a closed helper gets to exit by itself before it is killed.
pub const EXIT_GRACE: Duration = Duration::from_millis(1500);
/// Meter updates: about the display rate.
const METER_PERIOD: Duration = Duration::from_millis(33);
/// Env var (tests and debugging only): append the page's events to this JSON-lines file.
pub const TRACE_ENV: &str = "WAVECRAFT_EDITOR_TRACE";

/// What the writer thread sends to the helper.
pub enum Out {
    Line(String),
    Close,
}

/// A running helper and its two threads.
pub struct Helper {
    child: Child,
    pub tx: Sender<Out>,
    writer: Option<JoinHandle<()>>,
    reader: Option<JoinHandle<()>>,
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

fn cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("wavecraft").join("editor")
}

/// `dir/<stem>-<hash>`: written once (temp file + rename), reused while the bytes match.
fn write_once(dir: &Path, stem: &str, bytes: &[u8], executable: bool) -> Result<PathBuf, String> {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(format!("{stem}-{:016x}", fnv1a(bytes)));
    if fs::metadata(&path).map(|m| m.len() == bytes.len() as u64).unwrap_or(false) {
        return Ok(path);
    }
    let fail = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    fs::create_dir_all(dir).map_err(fail)?;
    let tmp = dir.join(format!(".{stem}.{}.tmp", std::process::id()));
    fs::write(&tmp, bytes).map_err(fail)?;
    fs::set_permissions(&tmp, fs::Permissions::from_mode(if executable { 0o755 } else { 0o644 }))
        .map_err(fail)?;
    fs::rename(&tmp, &path).map_err(fail)?;
    Ok(path)
}

fn trace(file: &Option<PathBuf>, event: Value) {
    if let Some(path) = file {
        let mut line = event.to_string();
        line.push('\n');
        if let Ok(mut out) = OpenOptions::new().create(true).append(true).open(path) {
            let _ = out.write_all(line.as_bytes());
        }
    }
}

/// Writing to a helper that died must not raise SIGPIPE in the host's process: block it on
/// this thread only (the write then fails with EPIPE; the host's own handling is untouched).
fn block_sigpipe() {
    // SAFETY: plain libc calls on a local, zeroed signal set; affects the calling thread only.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

fn write_loop(mut stdin: ChildStdin, rx: Receiver<Out>, bridge: Arc<Bridge>, gestures: Arc<Gestures>) {
    block_sigpipe();
    loop {
        let line = match rx.recv_timeout(METER_PERIOD) {
            Ok(Out::Line(line)) => line,
            Ok(Out::Close) | Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => {
                gestures.tick();
                match bridge.meter_update() {
                    Some(line) => line,
                    None => continue,
                }
            }
        };
        if writeln!(stdin, "{line}").and_then(|()| stdin.flush()).is_err() {
            return; // the helper is gone; the reader reports why
        }
    }
}

/// After the helper closed its stdout: its exit code, once it has exited (within a second),
/// without reaping it (`Drop` does that). None when it was killed by a signal or still runs.
fn exit_code(pid: u32) -> Option<i32> {
    for _ in 0..100 {
        // SAFETY: waitid on our own child with WNOWAIT only reads its state into `info`.
        unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            let flags = libc::WEXITED | libc::WNOWAIT | libc::WNOHANG;
            if libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, flags) != 0 {
                return None;
            }
            if info.si_pid() != 0 {
                return (info.si_code == libc::CLD_EXITED).then(|| info.si_status());
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

fn read_loop(
    stdout: impl std::io::Read,
    tx: Sender<Out>,
    bridge: Arc<Bridge>,
    gestures: Arc<Gestures>,
    trace_file: Option<PathBuf>,
    pid: u32,
) {
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        let handled = bridge.handle(&line);
        if let Some((ptr, normalized)) = handled.set {
            let params: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
            trace(
                &trace_file,
                json!({"t_ms": now_ms(), "event": "setParameter", "params": params["params"]}),
            );
            gestures.request(ptr, normalized);
        }
        if let Some(reply) = handled.reply {
            if tx.send(Out::Line(reply)).is_err() {
                break;
            }
        }
        if let Some((event, params)) = handled.event {
            if event == EDITOR_ERROR {
                eprintln!("wavecraft editor: the page failed: {}", params["message"]);
            }
            trace(&trace_file, json!({"t_ms": now_ms(), "event": event, "params": params}));
        }
    }
    // The helper is gone (closed by us, or failed by itself): say why in the host's log.
    let code = exit_code(pid);
    trace(&trace_file, json!({"t_ms": now_ms(), "event": "helperExited", "params": {"code": code}}));
    if let Some(code) = code.filter(|&c| c != 0) {
        eprintln!("wavecraft editor: the editor helper exited with code {code}{}", exit_hint(code));
    }
}

impl Helper {
    /// Starts the helper in the host's window `parent`.
    pub fn start(
        parent: u64,
        size: Size,
        bridge: Arc<Bridge>,
        gestures: Arc<Gestures>,
    ) -> Result<Self, String> {
        let dir = cache_dir();
        let program = write_once(&dir, "wavecraft-editor-helper", embedded::HELPER, true)?;
        let mut command = Command::new(&program);
        command.args(["--parent", &parent.to_string(), "--width", &size.0.to_string()]);
        command.args(["--height", &size.1.to_string()]);
        match embedded::DEV_URL {
            Some(url) => command.args(["--url", url]),
            None => command.arg("--assets").arg(write_once(&dir, "ui", embedded::UI, false)?),
        };
        if cfg!(debug_assertions) {
            command.arg("--devtools");
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let (stdin, stdout) = (child.stdin.take(), child.stdout.take());
        let (Some(stdin), Some(stdout)) = (stdin, stdout) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("the helper's pipes are missing".to_owned());
        };
        let trace_file = std::env::var_os(TRACE_ENV).filter(|v| !v.is_empty()).map(PathBuf::from);
        trace(
            &trace_file,
            json!({"t_ms": now_ms(), "event": "helperStarted", "params": {"pid": child.id()}}),
        );
        let (tx, rx) = mpsc::channel();
        let (writer_bridge, writer_gestures) = (bridge.clone(), gestures.clone());
        let pid = child.id();
        let writer = std::thread::Builder::new()
            .name("wavecraft-editor-writer".to_owned())
            .spawn(move || write_loop(stdin, rx, writer_bridge, writer_gestures));
        let reader_tx = tx.clone();
        let reader = std::thread::Builder::new()
            .name("wavecraft-editor-reader".to_owned())
            .spawn(move || read_loop(stdout, reader_tx, bridge, gestures, trace_file, pid));
        let mut helper = Self { child, tx, writer: writer.ok(), reader: None };
        match reader {
            Ok(reader) => helper.reader = Some(reader),
            Err(e) => return Err(format!("cannot start the editor's reader thread: {e}")),
        }
        Ok(helper)
    }

    /// Sends one line to the helper (dropped if the helper is gone).
    pub fn send(&self, line: String) {
        let _ = self.tx.send(Out::Line(line));
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = self.tx.send(Out::Close);
        let deadline = Instant::now() + EXIT_GRACE;
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
                _ => {
                    eprintln!("wavecraft editor: the editor helper did not close; killed");
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    break;
                }
            }
        }
        for thread in [self.writer.take(), self.reader.take()].into_iter().flatten() {
            let _ = thread.join();
        }
    }
}

/// What a helper's exit code means for the user.
pub fn exit_hint(code: i32) -> &'static str {
    match code {
        // The dynamic loader could not find a library: WebKitGTK/GTK are not installed.
        127 => " (a library is missing: install WebKitGTK 4.1, e.g. `sudo apt install libwebkit2gtk-4.1-0`)",
        3 => " (no X11 display: the editor needs X11 or XWayland)",
        _ => "",
    }
}
