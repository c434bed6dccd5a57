//! A CLAP host for the tests, on clack-host: it loads a `.clap`, creates, activates and
//! processes the plugin on an audio thread, changes parameters from the host side, watches
//! the plugin's own parameter changes and gestures, and embeds the plugin's editor into an
//! X11 window it creates itself; main-thread callbacks, timers and file descriptors the
//! plugin asks for are serviced on the main thread.
//!
//! Driven by one command per line on stdin, one JSON answer per line on stdout (see
//! `commands.rs`); the test suite scripts it (tests/clap_host.py).

mod audio;
mod commands;
mod handlers;
mod window;

use handlers::Wake;
use std::io::{BufRead, Write};
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

/// CLOCK_MONOTONIC in milliseconds: the same clock as Python's `time.monotonic()`.
pub fn mono_ms() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as f64 * 1000.0 + ts.tv_nsec as f64 / 1e6
}

fn main() {
    let (wake_tx, wake_rx) = std::sync::mpsc::channel::<Wake>();
    let stdin_tx = wake_tx.clone();
    std::thread::Builder::new()
        .name("stdin".into())
        .spawn(move || {
            for line in std::io::stdin().lock().lines() {
                match line {
                    Ok(line) => {
                        if stdin_tx.send(Wake::Line(Some(line))).is_err() {
                            return;
                        }
                    }
                    Err(_) => break,
                }
            }
            let _ = stdin_tx.send(Wake::Line(None));
        })
        .expect("spawn the stdin reader");

    let mut session = commands::Session::new(wake_tx);
    let stdout = std::io::stdout();
    loop {
        let next = match session.pending.pop_front() {
            Some(line) => Ok(Wake::Line(Some(line))),
            None => wake_rx.recv_timeout(Duration::from_millis(4)),
        };
        match next {
            Ok(Wake::Line(Some(line))) => {
                let line = line.trim().to_string();
                if line.is_empty() {
                    continue;
                }
                let (answer, quit) = session.handle(&line, &wake_rx);
                let mut out = stdout.lock();
                let _ = writeln!(out, "{answer}");
                let _ = out.flush();
                if quit {
                    break;
                }
            }
            Ok(Wake::Line(None)) => break,
            Ok(other) => session.on_wake(other),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        session.service();
    }
    session.shutdown();
}
