//! Poll cycle of 16 idle pumps at 9600 baud (8O1: 11 bits a character) against the least time
//! the line rate allows for the bytes on the wire. Both ends are paced to the line rate (a pty
//! alone is far faster than a real RS-485 line), so what is measured beyond the minimum is the
//! master's and the pumps' turnaround. Target: within 1.5x of the minimum.
//!
//! `cargo bench -p till-hardware --bench poll_cycle`

use serialport::{SerialPort, TTYPort};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use till_hardware::dart::master::Master;
use till_hardware::dart::sim::{serve, SimBus, SimPump};

const BAUD: f64 = 9600.0;
const BITS_PER_CHAR: f64 = 11.0;

fn wire_time(bytes: usize) -> Duration {
    Duration::from_secs_f64(bytes as f64 * BITS_PER_CHAR / BAUD)
}

/// A port that cannot send faster than the line rate, and counts what it sends and receives.
struct Paced<P> {
    inner: P,
    sent: Arc<Mutex<usize>>,
}

impl<P: Read> Read for Paced<P> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf)
    }
}

impl<P: Write> Write for Paced<P> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // The far end has the bytes only once they have crossed the line.
        std::thread::sleep(wire_time(buf.len()));
        let n = self.inner.write(buf)?;
        if let Ok(mut s) = self.sent.lock() {
            *s += n;
        }
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn main() {
    let cycles = if std::env::args().any(|a| a == "--bench") { 30 } else { 2 };
    let (mut sim_end, mut master_end) = TTYPort::pair().expect("pty");
    sim_end.set_timeout(Duration::from_millis(1)).expect("timeout");
    master_end.set_timeout(Duration::from_millis(1)).expect("timeout");
    let pumps: Vec<SimPump> = (0..16u8).map(|i| SimPump::new(0x50 + i, 4)).collect();
    let bus = Arc::new(Mutex::new(SimBus::new(pumps)));
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(Mutex::new(0usize));
    let (b, s, c) = (bus.clone(), stop.clone(), sent.clone());
    let sim = std::thread::spawn(move || {
        let mut port = Paced { inner: sim_end, sent: c };
        serve(&mut port, &b, &s, Duration::from_secs(3600));
    });
    let mut master = Master::new(Paced { inner: master_end, sent: sent.clone() });
    master.reply_timeout = Duration::from_millis(60);
    // Warm up: every pump answers.
    for a in 0x50..0x60u8 {
        master.poll(a).expect("pump answers");
    }
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..cycles {
        let before = *sent.lock().expect("count");
        let t = Instant::now();
        for a in 0x50..0x60u8 {
            master.poll(a).expect("pump answers");
        }
        times.push(t.elapsed());
        bytes = *sent.lock().expect("count") - before;
    }
    stop.store(true, Ordering::SeqCst);
    let _ = sim.join();
    times.sort();
    let median = times[times.len() / 2];
    let min = wire_time(bytes);
    println!(
        "poll cycle, 16 idle pumps, 9600 baud 8O1: {bytes} bytes on the wire, line minimum {:.1} ms, measured median {:.1} ms (best {:.1}) -> {:.2}x (target <= 1.5x)",
        min.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        median.as_secs_f64() / min.as_secs_f64()
    );
}
