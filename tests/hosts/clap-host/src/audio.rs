//! The audio thread: processes blocks of a 440 Hz sine at about real time (so meters move),
//! feeds host-side parameter changes in as events, and reports the plugin's output events
//! (parameter values and gesture begin/end from its editor) back to the main thread.

use crate::handlers::TestHost;
use clack_host::events::event_types::{
    ParamGestureBeginEvent, ParamGestureEndEvent, ParamValueEvent,
};
use clack_host::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub const SAMPLE_RATE: f64 = 48_000.0;
pub const BLOCK: usize = 256;

/// An output event of the plugin, as the test driver sees it.
pub struct Observed {
    pub kind: &'static str,
    pub id: u32,
    pub value: f64,
    /// CLOCK_MONOTONIC in milliseconds (Python's time.monotonic() * 1000).
    pub at_ms: f64,
}

/// Counters the audio thread updates and the main thread reads.
#[derive(Default)]
pub struct Stats {
    pub blocks: AtomicU64,
    /// Bits of the last block's output RMS (f64).
    pub out_rms: AtomicU64,
    /// Sequence number of the last host-side change the plugin has processed.
    pub applied: AtomicU64,
}

pub struct AudioThread {
    stop: Arc<AtomicBool>,
    pub stats: Arc<Stats>,
    to_audio: Sender<(u64, u32, f64)>,
    handle: JoinHandle<StoppedPluginAudioProcessor<TestHost>>,
}

impl AudioThread {
    pub fn start(
        processor: StoppedPluginAudioProcessor<TestHost>,
        channels: (usize, usize),
        observed: Sender<Observed>,
    ) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(Stats::default());
        let (to_audio, from_main) = std::sync::mpsc::channel();
        let (s, st) = (stop.clone(), stats.clone());
        let handle = std::thread::Builder::new()
            .name("audio".into())
            .spawn(move || run(processor, channels, &s, &st, &from_main, &observed))
            .expect("spawn the audio thread");
        Self { stop, stats, to_audio, handle }
    }

    /// Queue a host-side value change; returns its sequence number.
    pub fn set(&self, seq: u64, id: u32, value: f64) {
        let _ = self.to_audio.send((seq, id, value));
    }

    pub fn stop(self) -> StoppedPluginAudioProcessor<TestHost> {
        self.stop.store(true, Ordering::SeqCst);
        self.handle.join().expect("the audio thread panicked")
    }
}

fn run(
    processor: StoppedPluginAudioProcessor<TestHost>,
    (in_ch, out_ch): (usize, usize),
    stop: &AtomicBool,
    stats: &Stats,
    from_main: &Receiver<(u64, u32, f64)>,
    observed: &Sender<Observed>,
) -> StoppedPluginAudioProcessor<TestHost> {
    let mut processor = match processor.start_processing() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("start_processing failed: {e}");
            return e.into_stopped_processor();
        }
    };
    let mut inputs = vec![vec![0.0f32; BLOCK]; in_ch];
    let mut outputs = vec![vec![0.0f32; BLOCK]; out_ch];
    let mut in_ports = AudioPorts::with_capacity(in_ch, 1);
    let mut out_ports = AudioPorts::with_capacity(out_ch, 1);
    let mut in_events = EventBuffer::with_capacity(64);
    let mut out_events = EventBuffer::with_capacity(256);
    let mut phase = 0.0f64;
    let block_time = Duration::from_secs_f64(BLOCK as f64 / SAMPLE_RATE);
    let mut next = Instant::now();
    let mut steady = 0u64;
    while !stop.load(Ordering::SeqCst) {
        in_events.clear();
        out_events.clear();
        let mut last_seq = None;
        while let Ok((seq, id, value)) = from_main.try_recv() {
            in_events.push(&ParamValueEvent::new(0, ClapId::new(id), Pckn::match_all(), value));
            last_seq = Some(seq);
        }
        for i in 0..BLOCK {
            let v = (0.5 * (phase + i as f64 * 2.0 * std::f64::consts::PI * 440.0 / SAMPLE_RATE).sin()) as f32;
            for ch in inputs.iter_mut() {
                ch[i] = v;
            }
        }
        phase += BLOCK as f64 * 2.0 * std::f64::consts::PI * 440.0 / SAMPLE_RATE;
        let in_bufs: Vec<_> = if in_ch > 0 {
            vec![AudioPortBuffer {
                latency: 0,
                channels: AudioPortBufferType::f32_input_only(
                    inputs.iter_mut().map(|b| InputChannel::variable(b.as_mut_slice())),
                ),
            }]
        } else {
            Vec::new()
        };
        let input_audio = in_ports.with_input_buffers(in_bufs);
        let mut output_audio = out_ports.with_output_buffers([AudioPortBuffer {
            latency: 0,
            channels: AudioPortBufferType::f32_output_only(outputs.iter_mut().map(|b| b.as_mut_slice())),
        }]);
        let result = processor.process(
            &input_audio,
            &mut output_audio,
            &in_events.as_input(),
            &mut out_events.as_output(),
            Some(steady),
            None,
        );
        steady += BLOCK as u64;
        if let Err(e) = result {
            eprintln!("process failed: {e}");
        }
        let at_ms = crate::mono_ms();
        for event in out_events.iter() {
            let seen = if let Some(e) = event.as_event::<ParamValueEvent>() {
                e.param_id().map(|id| ("value", id, e.value()))
            } else if let Some(e) = event.as_event::<ParamGestureBeginEvent>() {
                e.param_id().map(|id| ("gesture_begin", id, 0.0))
            } else if let Some(e) = event.as_event::<ParamGestureEndEvent>() {
                e.param_id().map(|id| ("gesture_end", id, 0.0))
            } else {
                None
            };
            if let Some((kind, id, value)) = seen {
                let _ = observed.send(Observed { kind, id: id.into(), value, at_ms });
            }
        }
        let sum: f64 = outputs.iter().flat_map(|c| c.iter()).map(|&x| f64::from(x) * f64::from(x)).sum();
        let rms = (sum / (BLOCK * out_ch.max(1)) as f64).sqrt();
        stats.out_rms.store(rms.to_bits(), Ordering::SeqCst);
        stats.blocks.fetch_add(1, Ordering::SeqCst);
        if let Some(seq) = last_seq {
            stats.applied.store(seq, Ordering::SeqCst);
        }
        next += block_time;
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        } else {
            next = now;
        }
    }
    processor.stop_processing()
}
