//! The scale: asks an MT-SICS scale for a stable weight, waiting while it moves, refusing over-
//! and underload. Runs on its own thread; the answer comes back through a channel.

use crate::devices::link::{Health, Link};
use rust_decimal::Decimal;
use std::io::{Read, Write};
use std::str::FromStr;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};
use till_hardware::scale::{self, Reading};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeighError {
    #[error("the scale is overloaded")]
    Overload,
    #[error("the scale is underloaded (nothing on it, or below zero)")]
    Underload,
    #[error("the weight did not settle")]
    NotStable,
    #[error("the scale does not answer")]
    NoAnswer,
    #[error("the scale answered: {0}")]
    Device(String),
}

/// Asks for a stable weight in kilograms, for up to `patience`.
pub fn weigh<P: Read + Write>(port: &mut P, patience: Duration) -> Result<Decimal, WeighError> {
    let deadline = Instant::now() + patience;
    let mut moving = false;
    while Instant::now() < deadline {
        let line = ask(port, "S")?;
        match scale::parse(&line) {
            Reading::Stable { value, unit } => {
                let v = Decimal::from_str(&value).map_err(|_| WeighError::Device(line.clone()))?;
                return Ok(match unit.as_str() {
                    "g" => v / Decimal::from(1000),
                    _ => v,
                }
                .round_dp(3));
            }
            Reading::Moving { .. } => {
                moving = true;
                std::thread::sleep(Duration::from_millis(100));
            }
            Reading::Overload => return Err(WeighError::Overload),
            Reading::Underload => return Err(WeighError::Underload),
            Reading::Error(e) => return Err(WeighError::Device(e)),
        }
    }
    Err(if moving { WeighError::NotStable } else { WeighError::NoAnswer })
}

/// Sends a command and reads one answer line (up to 1 s). A port that hung up or failed is
/// `NoAnswer` at once, not a second of spinning.
pub fn ask<P: Read + Write>(port: &mut P, cmd: &str) -> Result<String, WeighError> {
    let mut junk = [0u8; 64];
    // What a scale in continuous mode keeps sending is skipped, but only so much of it.
    for _ in 0..64 {
        match port.read(&mut junk) {
            Ok(n) if n > 0 => {}
            Ok(_) => return Err(WeighError::NoAnswer),
            Err(e) if crate::devices::link::fatal(&e) => return Err(WeighError::NoAnswer),
            Err(_) => break,
        }
    }
    port.write_all(format!("{cmd}{}", scale::CRLF).as_bytes()).map_err(|_| WeighError::NoAnswer)?;
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut got = Vec::new();
    let mut b = [0u8; 64];
    while Instant::now() < deadline {
        match port.read(&mut b) {
            Ok(0) => return Err(WeighError::NoAnswer),
            Ok(n) => got.extend_from_slice(&b[..n]),
            Err(e) if crate::devices::link::fatal(&e) => return Err(WeighError::NoAnswer),
            Err(_) => {}
        }
        if let Some(end) = got.windows(2).position(|w| w == b"\r\n") {
            return Ok(String::from_utf8_lossy(&got[..end]).to_string());
        }
        if got.len() > 4096 {
            return Err(WeighError::Device("an answer without an end".into()));
        }
    }
    Err(WeighError::NoAnswer)
}

/// The scale's thread. Between weighings it asks the scale for its serial number (`I4`) once a
/// second: a scale that does not answer is shown offline, and its port is opened again until it
/// comes back.
#[derive(Clone)]
pub struct Scale {
    tx: Sender<Sender<Result<Decimal, WeighError>>>,
    pub health: Health,
}

impl Scale {
    /// A scale on a port that is already open (demo mode, tests).
    pub fn start<P: Read + Write + Send + 'static>(port: P) -> Scale {
        Scale::on_link(Link::fixed(port, "scale"))
    }

    /// A scale on a configured serial port.
    pub fn open(spec: &str) -> Scale {
        Scale::on_link(Link::new(spec, 9600, Duration::from_millis(5)))
    }

    fn on_link(mut link: Link) -> Scale {
        let (tx, rx) = mpsc::channel::<Sender<Result<Decimal, WeighError>>>();
        let health = Health::default();
        let h = health.clone();
        std::thread::Builder::new()
            .name("till-scale".into())
            .spawn(move || loop {
                let request = match rx.recv_timeout(Duration::from_millis(700)) {
                    Ok(reply) => Some(reply),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => return,
                };
                let Some(port) = link.ready(&h) else {
                    if let Some(reply) = request {
                        let _ = reply.send(Err(WeighError::NoAnswer));
                    }
                    continue;
                };
                let answered = match request {
                    Some(reply) => {
                        let result = weigh(port, Duration::from_secs(5));
                        let answered = result != Err(WeighError::NoAnswer);
                        let _ = reply.send(result);
                        answered
                    }
                    None => ask(port, "I4").is_ok(),
                };
                if answered {
                    h.online("ready");
                } else {
                    link.fail("no answer", &h);
                }
            })
            .ok();
        Scale { tx, health }
    }
    /// Starts a weighing; the stable weight (or why there is none) arrives on the channel.
    pub fn weigh(&self) -> Receiver<Result<Decimal, WeighError>> {
        let (reply, rx) = mpsc::channel();
        if self.tx.send(reply.clone()).is_err() {
            let _ = reply.send(Err(WeighError::NoAnswer));
        }
        rx
    }
}
