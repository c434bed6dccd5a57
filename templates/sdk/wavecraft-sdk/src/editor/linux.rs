//! Linux: the editor is `wavecraft-editor-helper`, a process of its own embedded into the
//! host's X11 window (see the helper's own docs for why). This side writes the embedded helper
//! and UI to a cache folder once (named by content hash), starts the helper, and joins it to
//! the page's [`Link`]: the link's thread writes to the helper's stdin, a reader thread takes
//! the page's messages from its stdout.
//!
//! Closing: the link's thread ends, which closes the helper's stdin, and the helper quits; one
//! that has not exited after [`EXIT_GRACE`] is killed, and it is always waited for (no zombie)
//! before the reader is joined, so no thread of the plugin outlives the editor.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::editor::gestures::Gestures;
use crate::editor::link::{self, Link, ToPage};
use crate::editor::rpc::Bridge;
use crate::editor::{embedded, Size};

/// How long a closed helper gets to exit by itself before it is killed.
pub const EXIT_GRACE: Duration = Duration::from_millis(1500);

/// A running helper, its link and its reader thread.
pub struct Helper {
    child: Child,
    link: Option<Link>,
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
    reply: impl Fn(String),
    bridge: Arc<Bridge>,
    gestures: Arc<Gestures>,
    trace_to: Option<PathBuf>,
    pid: u32,
) {
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        if let Some(answer) = link::on_page_message(&line, &bridge, &gestures, &trace_to) {
            reply(answer);
        }
    }
    // The helper is gone (closed by us, or failed by itself): say why in the host's log.
    let code = exit_code(pid);
    link::trace(&trace_to, "helperExited", json!({"code": code}));
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
        let trace_to = link::trace_file();
        link::trace(&trace_to, "helperStarted", json!({"pid": child.id()}));
        let mut blocked = false;
        let mut stdin = stdin;
        let link = Link::start(bridge.clone(), gestures.clone(), move |message| {
            if !blocked {
                block_sigpipe(); // on the link's own thread, once
                blocked = true;
            }
            let (ToPage::Message(line) | ToPage::Meter(line)) = message;
            writeln!(stdin, "{line}").and_then(|()| stdin.flush()).is_ok() // Err: the helper is gone
        });
        let link = match link {
            Ok(link) => link,
            Err(why) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(why);
            }
        };
        let (reply, pid) = (link.sender(), child.id());
        let reader = std::thread::Builder::new()
            .name("wavecraft-editor-reader".to_owned())
            .spawn(move || read_loop(stdout, reply, bridge, gestures, trace_to, pid));
        let mut helper = Self { child, link: Some(link), reader: None };
        match reader {
            Ok(reader) => helper.reader = Some(reader),
            Err(e) => return Err(format!("cannot start the editor's reader thread: {e}")),
        }
        Ok(helper)
    }

    /// Sends one line to the helper (dropped if the helper is gone).
    pub fn send(&self, line: String) {
        if let Some(link) = &self.link {
            link.send(line);
        }
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        drop(self.link.take()); // its thread ends and closes the helper's stdin
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
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
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
